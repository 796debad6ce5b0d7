"""Registry search: filter partnerships by municipality, tag, target group, partner sector,
ladder level and anchoring, on any valid date; keyset-paginated.

The `partnership_facets` projection keeps each partnership's tags, target groups and
arenas one row per value (case-folded in Python for matching: SQLite's lower() folds only
ASCII and Danish has æ, ø, å), replaced whole on every registry update, and the valid
date of each registration (when the partnership began, if the registry has no period).
Partners, rungs and milestones come from the ladder and anchoring views.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Partnership, Registry
from aggregates.danish import fold as search_fold
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import (
    AgreementKind,
    AnchoringStatus,
    Dimension,
    PartnershipType,
    Rung,
    Sector,
)
from aggregates.validity import rung_on as rung_after
from projections.access import Visibility
from projections.core import InvalidQuery, Projection, decode_cursor, encode_cursor
from projections.helpers import check_limit, marks
from projections.ladder import lapses_of
from projections.registry import like_escape, municipality_key
from projections.store import ReadStore, Statement

FACETS = ("tag", "target_group", "arena")

facets_projection = Projection(
    name="partnership_facets",
    version=1,
    tables=("partnership_facets", "partnership_registrations"),
    ddl=(
        "CREATE TABLE partnership_facets ("
        " partnership_id {uuid} NOT NULL, facet {text} NOT NULL, value {text} NOT NULL,"
        " value_key {text} NOT NULL, PRIMARY KEY (partnership_id, facet, value_key))",
        "CREATE INDEX partnership_facets_by_value ON partnership_facets (facet, value_key)",
        "CREATE TABLE partnership_registrations ("
        " partnership_id {uuid} PRIMARY KEY, registered_on {date} NOT NULL)",
    ),
)


def _facet_rows(partnership_id: UUID, registry: Registry) -> Iterable[Statement]:
    for facet, values in (
        ("tag", registry.tags),
        ("target_group", registry.target_groups),
        ("arena", registry.arenas),
    ):
        seen: set[str] = set()
        for value in values:
            key = value.strip().casefold()
            if key and key not in seen:  # "Unge" and "unge" are one value
                seen.add(key)
                yield (
                    "INSERT INTO partnership_facets (partnership_id, facet, value, value_key)"
                    " VALUES (?, ?, ?, ?)",
                    (partnership_id, facet, value.strip(), key),
                )


@facets_projection.on(Partnership.Registered)
def _registered(e: Partnership.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO partnership_registrations (partnership_id, registered_on) VALUES (?, ?)",
        (e.originator_id, e.valid_on),
    )
    yield from _facet_rows(e.originator_id, e.registry)


@facets_projection.on(Partnership.RegistryUpdated)
def _updated(e: Partnership.RegistryUpdated) -> Iterable[Statement]:
    yield ("DELETE FROM partnership_facets WHERE partnership_id = ?", (e.originator_id,))
    yield from _facet_rows(e.originator_id, e.registry)


# -- shared SQL over the other views -------------------------------------------------------

CURRENT_PARTNERS = (
    "SELECT partnership_id, organisation_id, rung, valid_on FROM ("
    " SELECT f.partnership_id, f.organisation_id, f.rung, f.valid_on, ROW_NUMBER() OVER"
    "  (PARTITION BY f.partnership_id, f.organisation_id"
    "   ORDER BY f.valid_on DESC, f.source_version DESC, f.row_version DESC) AS rn"
    " FROM ladder_facts f WHERE f.valid_on <= ? AND f.superseded_at IS NULL{where}"
    ") latest WHERE rn = 1 AND rung IS NOT NULL"
)
"""Partners other than the lead on a valid date (one `?`: the date), with their latest
ladder fact's rung and date (an agreement that ran out since may lower it: ladder.lapses_of).

`{where}` takes an extra condition on `f` (e.g. " AND f.partnership_id IN (...)") or "".
"""


# -- search --------------------------------------------------------------------------------


class SearchHit(msgspec.Struct, kw_only=True):
    """A partnership that matched, with what the filters look at (on `as_of`)."""

    id: UUID
    title: str
    municipality: str
    kind: PartnershipType
    period_start: date | None
    period_end: date | None
    lead_organisation_id: UUID
    tags: list[str]
    target_groups: list[str]
    arenas: list[str]
    sectors: list[Sector]  # of the partners on as_of, the lead organisation included
    highest_rung: Rung | None  # of the partners on as_of (the lead is not on the ladder)
    anchored: list[Dimension]  # dimensions with an "anchored" milestone by as_of


class SearchPage(msgspec.Struct, kw_only=True):
    as_of: date
    hits: list[SearchHit]
    next_cursor: str | None


def _encode_cursor(municipality: str, title: str, partnership_id: UUID) -> str:
    return encode_cursor(municipality, title, str(partnership_id))


def _decode_cursor(cursor: str) -> tuple[str, str, UUID]:
    return decode_cursor(cursor, tuple[str, str, UUID])


async def search(
    store: ReadStore,
    *,
    visible: Visibility,
    municipality: str | None = None,
    tag: str | None = None,
    target_group: str | None = None,
    sector: Sector | None = None,
    min_rung: int | None = None,
    dimension: Dimension | None = None,
    text: str | None = None,
    as_of: date | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> SearchPage:
    """Partnerships registered by `as_of` that match every filter given.

    municipality, tag and target group match whole values, ignoring case; `text` matches
    part of the title, purpose, a tag, target group or arena. `sector`: a partner (or the
    lead organisation) of that sector on `as_of`. `min_rung`: some partner stands on that
    rung or higher on `as_of`. `dimension`: that anchoring dimension had an "anchored"
    milestone by `as_of`. Ordered by municipality and title; `cursor` continues a page.
    Only partnerships `visible` to the caller are found (filtered in SQL, so pages and
    cursors count only those).
    """
    check_limit(limit)
    if min_rung is not None and not 1 <= min_rung <= 6:
        raise InvalidQuery(f"min_rung is a rung of the ladder, 1-6, got {min_rung}.")
    day = as_of or today_in_denmark()
    params: list[Any] = []
    prefix = ""
    if sector is not None:
        prefix = "WITH current_partners AS (" + CURRENT_PARTNERS.format(where="") + ") "
        params.append(day)
    visible_sql, visible_params = visible.clause("p.id")
    clauses = ["r.registered_on <= ?", visible_sql]
    params.extend([day, *visible_params])
    if municipality and municipality.strip():
        clauses.append("p.municipality_key = ?")
        params.append(municipality_key(municipality))
    for facet, value in (("tag", tag), ("target_group", target_group)):
        if value and value.strip():
            clauses.append(
                "p.id IN (SELECT partnership_id FROM partnership_facets"
                " WHERE facet = ? AND value_key = ?)"
            )
            params.extend([facet, value.strip().casefold()])
    if sector is not None:
        clauses.append(
            "(p.id IN (SELECT cp.partnership_id FROM current_partners cp"
            " JOIN dir_organisations o ON o.id = cp.organisation_id WHERE o.sector = ?)"
            " OR p.lead_organisation_id IN (SELECT id FROM dir_organisations WHERE sector = ?))"
        )
        params.extend([sector, sector])
    if min_rung is not None:
        # The kinds of agreement that back `min_rung` or higher.
        backing = [kind.value for kind in AgreementKind if kind.rung >= min_rung]
        # A partner's latest ladder fact on `day` has the rung: start from the facts with
        # the rung (few, for the high rungs) and drop those a later fact replaced. Ranking
        # every partner's facts first (CURRENT_PARTNERS) took ~90 ms over 10,000
        # partnerships.
        clauses.append(
            "p.id IN (SELECT f.partnership_id FROM ladder_facts f"
            " WHERE f.rung >= ? AND f.valid_on <= ? AND f.superseded_at IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM ladder_facts g"
            "  WHERE g.partnership_id = f.partnership_id"
            "  AND g.organisation_id = f.organisation_id"
            "  AND g.valid_on <= ? AND g.superseded_at IS NULL"
            "  AND (g.valid_on > f.valid_on OR (g.valid_on = f.valid_on"
            "   AND (g.source_version > f.source_version OR (g.source_version = f.source_version"
            "    AND g.row_version > f.row_version))))))"
        )
        params.extend([min_rung, day, day])
        if min_rung > Rung.INFORMAL_COOPERATION:
            # ... and no agreement of the partner's ran out since that fact, unless another
            # one in force that day backs the rung (the drop derived on read, ADR 0015).
            clauses[-1] = clauses[-1][:-1] + (
                " AND NOT EXISTS (SELECT 1 FROM ladder_backings l"
                "  WHERE l.partnership_id = f.partnership_id"
                "  AND l.organisation_id = f.organisation_id"
                "  AND l.lapses_on >= f.valid_on AND l.lapses_on <= ?"
                "  AND NOT EXISTS (SELECT 1 FROM ladder_backings b"
                "   WHERE b.partnership_id = l.partnership_id"
                "   AND b.organisation_id = l.organisation_id"
                f"   AND b.kind IN ({marks(backing)}) AND b.signed_on <= l.lapses_on"
                "   AND b.valid_from <= l.lapses_on AND b.valid_to >= l.lapses_on"
                "   AND (b.ended_on IS NULL OR b.ended_on > l.lapses_on))))"
            )
            params.extend([day, *backing])
    if dimension is not None:
        clauses.append(
            "p.id IN (SELECT partnership_id FROM milestone_facts WHERE dimension = ?"
            " AND status = ? AND valid_on <= ? AND superseded_at IS NULL)"
        )
        params.extend([dimension, AnchoringStatus.ANCHORED, day])
    if text and text.strip():
        pattern = f"%{like_escape(search_fold(text.strip()))}%"  # ø = oe = o, ...
        # facet_text holds the tags, target groups and arenas one a line (a text with a
        # line break in it could match across two of them; none is typed in one field).
        clauses.append("(p.search_text LIKE ? ESCAPE '\\' OR p.facet_text LIKE ? ESCAPE '\\')")
        params.extend([pattern, pattern])
    if cursor:
        after_municipality, after_title, after_id = _decode_cursor(cursor)
        clauses.append("(p.municipality, p.title, p.id) > (?, ?, ?)")  # the index's order
        params.extend([after_municipality, after_title, after_id])
    rows = await store.fetch(
        prefix + "SELECT p.id, p.title, p.municipality, p.kind, p.period_start, p.period_end,"
        " p.lead_organisation_id FROM partnerships p"
        " JOIN partnership_registrations r ON r.partnership_id = p.id"
        " WHERE " + " AND ".join(clauses) + " ORDER BY p.municipality, p.title, p.id LIMIT ?",
        *params,
        limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    hits = await _details(store, rows, day)
    next_cursor = None
    if more and hits:
        last = hits[-1]
        next_cursor = _encode_cursor(last.municipality, last.title, last.id)
    return SearchPage(as_of=day, hits=hits, next_cursor=next_cursor)


async def _details(store: ReadStore, rows: list[dict[str, Any]], day: date) -> list[SearchHit]:
    """Facets, partner sectors, highest rung and anchored dimensions of one page of hits."""
    ids = [UUID(str(r["id"])) for r in rows]
    if not ids:
        return []
    # Four independent queries: at once, each on its own connection (on PostgreSQL).
    facet_rows, partners, leads, anchored_rows, held = await asyncio.gather(
        store.fetch(
            "SELECT partnership_id, facet, value FROM partnership_facets"
            f" WHERE partnership_id IN ({marks(ids)}) ORDER BY partnership_id, facet, value_key",
            *ids,
        ),
        store.fetch(
            "SELECT cp.partnership_id, cp.organisation_id, cp.rung, cp.valid_on, o.sector FROM ("
            + CURRENT_PARTNERS.format(where=f" AND f.partnership_id IN ({marks(ids)})")
            + ") cp LEFT JOIN dir_organisations o ON o.id = cp.organisation_id",
            day,
            *ids,
        ),
        store.fetch(
            "SELECT p.id, o.sector FROM partnerships p JOIN dir_organisations o"
            f" ON o.id = p.lead_organisation_id WHERE p.id IN ({marks(ids)})",
            *ids,
        ),
        store.fetch(
            "SELECT DISTINCT partnership_id, dimension FROM milestone_facts WHERE status = ?"
            " AND valid_on <= ? AND superseded_at IS NULL"
            f" AND partnership_id IN ({marks(ids)})",
            AnchoringStatus.ANCHORED,
            day,
            *ids,
        ),
        lapses_of(store, ids),
    )
    facets: dict[tuple[UUID, str], list[str]] = {}
    for f in facet_rows:
        facets.setdefault((UUID(str(f["partnership_id"])), f["facet"]), []).append(f["value"])
    sectors: dict[UUID, set[Sector]] = {}
    highest: dict[UUID, int] = {}
    for p in partners:
        pid = UUID(str(p["partnership_id"]))
        rung = Rung(p["rung"])
        since = msgspec.convert(p["valid_on"], date, strict=False)
        lapse = rung_after(rung, since, day, held.get((pid, UUID(str(p["organisation_id"]))), ()))
        highest[pid] = max(highest.get(pid, 0), int(rung if lapse is None else lapse.rung))
        if p["sector"] is not None:
            sectors.setdefault(pid, set()).add(Sector(p["sector"]))
    for lead in leads:
        sectors.setdefault(UUID(str(lead["id"])), set()).add(Sector(lead["sector"]))
    anchored: dict[UUID, set[Dimension]] = {}
    for m in anchored_rows:
        anchored.setdefault(UUID(str(m["partnership_id"])), set()).add(Dimension(m["dimension"]))
    order_sectors = list(Sector)
    order_dimensions = list(Dimension)
    hits = []
    for row, pid in zip(rows, ids, strict=True):
        hits.append(
            msgspec.convert(
                {
                    **row,
                    "tags": facets.get((pid, "tag"), []),
                    "target_groups": facets.get((pid, "target_group"), []),
                    "arenas": facets.get((pid, "arena"), []),
                    "sectors": sorted(sectors.get(pid, set()), key=order_sectors.index),
                    "highest_rung": highest.get(pid),
                    "anchored": sorted(anchored.get(pid, set()), key=order_dimensions.index),
                },
                SearchHit,
                strict=False,
            )
        )
    return hits
