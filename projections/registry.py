"""Registry view: one row per partnership with its registry fields (search comes on top),
and the plain list of partnerships in registration order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from uuid import UUID

import msgspec

from aggregates import Partnership, Registry
from aggregates.danish import fold as search_fold
from aggregates.municipalities import municipality_named
from aggregates.taxonomy import PartnershipType
from projections.access import Visibility
from projections.core import Projection, cursor_time, decode_cursor, encode_cursor
from projections.helpers import check_limit
from projections.store import ReadStore, Statement

_encoder = msgspec.json.Encoder(decimal_format="string")

registry = Projection(
    name="registry",
    # 4: search_text and facet_text folded the Danish way (search_fold, issue 16)
    version=4,
    tables=("partnerships",),
    ddl=(
        "CREATE TABLE partnerships ("
        " id {uuid} PRIMARY KEY, title {text} NOT NULL, municipality {text} NOT NULL,"
        " lead_organisation_id {uuid} NOT NULL, kind {text} NOT NULL, purpose {text} NOT NULL,"
        " period_start {date}, period_end {date}, fields {json} NOT NULL,"
        " registered_at {ts} NOT NULL, updated_at {ts} NOT NULL, version {int} NOT NULL,"
        # Case-folded in Python: SQLite's lower() (and PostgreSQL's under the C locale)
        # folds only ASCII, and Danish has æ, ø, å.
        " municipality_key {text} NOT NULL, search_text {text} NOT NULL,"
        # Tags, target groups and arenas, case-folded, one a line: registry search
        # matches part of any of them without scanning partnership_facets.
        " facet_text {text} NOT NULL)",
        # One municipality's partnerships in the registry's order (municipality_key is
        # the case-folded municipality, so the order within a key is the same).
        "CREATE INDEX partnerships_by_municipality"
        " ON partnerships (municipality_key, municipality, title, id)",
        # The registry's order (search pages, cross-case lists): a page is read from the
        # index and stops after the page, instead of sorting every partnership.
        "CREATE INDEX partnerships_in_order ON partnerships (municipality, title, id)",
    ),
)


def _values(registry_fields: Registry) -> tuple[object, ...]:
    return (
        registry_fields.title,
        registry_fields.municipality,
        registry_fields.kind,
        registry_fields.purpose,
        registry_fields.period_start,
        registry_fields.period_end,
        _encoder.encode(registry_fields).decode(),
        registry_fields.municipality.casefold(),
        search_fold(f"{registry_fields.title}\n{registry_fields.purpose}"),
        "\n".join(
            search_fold(value.strip())
            for value in (
                *registry_fields.tags,
                *registry_fields.target_groups,
                *registry_fields.arenas,
            )
        ),
    )


@registry.on(Partnership.Registered)
def _registered(e: Partnership.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO partnerships (id, lead_organisation_id, registered_at, updated_at, version,"
        " title, municipality, kind, purpose, period_start, period_end, fields,"
        " municipality_key, search_text, facet_text)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.originator_id,
            e.lead_organisation_id,
            e.timestamp,
            e.timestamp,
            e.originator_version,
            *_values(e.registry),
        ),
    )


@registry.on(Partnership.RegistryUpdated)
def _updated(e: Partnership.RegistryUpdated) -> Iterable[Statement]:
    yield (
        "UPDATE partnerships SET title = ?, municipality = ?, kind = ?, purpose = ?,"
        " period_start = ?, period_end = ?, fields = ?, municipality_key = ?, search_text = ?,"
        " facet_text = ?, updated_at = ?, version = ? WHERE id = ?",
        (*_values(e.registry), e.timestamp, e.originator_version, e.originator_id),
    )


class PartnershipRow(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    municipality: str
    lead_organisation_id: UUID
    kind: PartnershipType
    purpose: str
    period_start: date | None
    period_end: date | None
    registered_at: datetime


async def find(
    store: ReadStore, *, municipality: str | None = None, text: str | None = None, limit: int = 50
) -> list[PartnershipRow]:
    """Partnerships by municipality and/or words in title or purpose (case-insensitive)."""
    clauses: list[str] = []
    params: list[object] = []
    if municipality:
        clauses.append("municipality_key = ?")
        params.append(municipality_key(municipality))
    if text:
        clauses.append("search_text LIKE ? ESCAPE '\\'")
        params.append(f"%{like_escape(search_fold(text.strip()))}%")
    rows = await store.fetch(
        "SELECT id, title, municipality, lead_organisation_id, kind, purpose, period_start,"
        " period_end, registered_at FROM partnerships"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + " ORDER BY municipality, title LIMIT ?",
        *params,
        limit,
    )
    return [msgspec.convert(r, PartnershipRow, strict=False) for r in rows]


class ListedPartnership(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    municipality: str
    registered_at: datetime


class PartnershipListing(msgspec.Struct, kw_only=True):
    items: list[ListedPartnership]
    next_cursor: str | None


def _encode_cursor(registered_at: datetime, partnership_id: UUID) -> str:
    return encode_cursor(registered_at.isoformat(), str(partnership_id))


def _decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    registered_at, partnership_id = decode_cursor(cursor, tuple[str, UUID])
    return cursor_time(registered_at), partnership_id


async def listing(
    store: ReadStore, *, visible: Visibility, cursor: str | None = None, limit: int = 50
) -> PartnershipListing:
    """Partnerships `visible` to the caller in registration order (time, then id).

    Keyset-paginated: the cursor is the last item's (registered_at, id), so a page is not
    shifted by partnerships registered meanwhile, and each is listed once.
    """
    check_limit(limit)
    visible_sql, visible_params = visible.clause("id")
    clauses, params = [visible_sql], list(visible_params)
    if cursor:
        after_at, after_id = _decode_cursor(cursor)
        clauses.append("(registered_at > ? OR (registered_at = ? AND id > ?))")
        params.extend([after_at, after_at, after_id])
    rows = await store.fetch(
        "SELECT id, title, municipality, registered_at FROM partnerships"
        f" WHERE {' AND '.join(clauses)} ORDER BY registered_at, id LIMIT ?",
        *params,
        limit + 1,
    )
    items = [msgspec.convert(r, ListedPartnership, strict=False) for r in rows[:limit]]
    more = len(rows) > limit
    next_cursor = _encode_cursor(items[-1].registered_at, items[-1].id) if more else None
    return PartnershipListing(items=items, next_cursor=next_cursor)


def municipality_key(typed: str) -> str:
    """The municipality_key a typed municipality filter matches: one of the 98 however
    spelt ("Ishoj", "aero", "Københavns Kommune": aggregates/municipalities.py), else the
    text case-folded (a name stored before the list)."""
    named = municipality_named(typed)
    return (named or typed.strip()).casefold()


def like_escape(text: str) -> str:
    """Make %, _ and the escape character itself literal inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def exists(store: ReadStore, partnership_id: UUID) -> bool:
    return bool(await store.fetch("SELECT 1 FROM partnerships WHERE id = ?", partnership_id))
