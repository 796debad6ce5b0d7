"""What the files of api/exports.py add to a view: names beside ids, the registry's budget
and staff hours, and the long-format event log (one row per event) of the partnerships a
user may see.

Names are looked up only for ids the view already holds (a view holds only what its
caller may see): partnership titles, organisation names (the directory shares them with
everyone), agreement titles and activity titles (the latest recorded).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Agreement, Partnership
from projections.access import Visibility
from projections.audit import AuditEntry, AuditFilter, history
from projections.helpers import chunks, marks
from projections.history import reading
from projections.store import ReadStore


async def _pairs(store: ReadStore, sql: str, ids: Sequence[UUID]) -> dict[UUID, str]:
    found: dict[UUID, str] = {}
    for part in chunks(sorted(set(ids), key=str)):
        rows = await store.fetch(sql.format(marks=marks(part)), *part)
        for row in rows:
            if row["name"] is not None:
                found[UUID(str(row["id"]))] = str(row["name"])
    return found


async def names(
    store: ReadStore,
    *,
    partnerships: Iterable[UUID] = (),
    organisations: Iterable[UUID] = (),
    agreements: Iterable[UUID] = (),
    activities: Iterable[UUID] = (),
) -> dict[UUID, str]:
    """Titles and names by id (ids not found are left out)."""
    found: dict[UUID, str] = {}
    for sql, ids in (
        ("SELECT id, title AS name FROM partnerships WHERE id IN ({marks})", partnerships),
        ("SELECT id, name FROM dir_organisations WHERE id IN ({marks})", organisations),
        ("SELECT id, title AS name FROM agreements WHERE id IN ({marks})", agreements),
        (
            "SELECT activity_id AS id, title AS name FROM activity_facts"
            " WHERE activity_id IN ({marks}) AND title IS NOT NULL"
            " ORDER BY recorded_at, row_version",
            activities,
        ),
    ):
        wanted = list(ids)
        if wanted:
            found.update(await _pairs(store, sql, wanted))
    return found


class RegistryFacts(msgspec.Struct, kw_only=True):
    """A partnership's registry fields that no list view holds (as registered now)."""

    lead_organisation_id: UUID
    purpose: str
    yearly_budget_dkk: Decimal | None
    staff_hours_per_year: Decimal | None


async def registry_facts(store: ReadStore, ids: Iterable[UUID]) -> dict[UUID, RegistryFacts]:
    found: dict[UUID, RegistryFacts] = {}
    for part in chunks(sorted(set(ids), key=str)):
        rows = await store.fetch(
            "SELECT id, lead_organisation_id, fields FROM partnerships"
            f" WHERE id IN ({marks(part)})",
            *part,
        )
        for row in rows:
            raw = row["fields"]
            fields: dict[str, Any] = (
                msgspec.json.decode(raw) if isinstance(raw, str | bytes) else dict(raw)
            )
            found[UUID(str(row["id"]))] = RegistryFacts(
                lead_organisation_id=UUID(str(row["lead_organisation_id"])),
                purpose=str(fields.get("purpose") or ""),
                yearly_budget_dkk=_decimal(fields.get("yearly_budget_dkk")),
                staff_hours_per_year=_decimal(fields.get("staff_hours_per_year")),
            )
    return found


def _decimal(value: Any) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


# -- the event log, long format -------------------------------------------------------


class EventRow(msgspec.Struct, kw_only=True):
    """One event of a partnership's history (or of one of its agreements)."""

    partnership_id: UUID
    partnership_title: str
    event_no: int  # the event's number in its record's own history
    record: str  # "partnership" or "agreement" (Danish: "partnerskab", "aftale")
    record_id: UUID
    event_kind: str  # the event's class name, e.g. "PartnerJoined"
    kind_words: str  # the kind in words, in the file's language
    summary: str  # what happened, in the file's language, with names and old → new values
    valid_on: date
    recorded_at: datetime
    actor_name: str  # display name and role (a system actor in words)
    reason: str | None
    fields: str  # the event's own fields as JSON


class EventLog(msgspec.Struct, kw_only=True):
    as_of: date
    known_at: datetime | None
    events: list[EventRow]


async def visible_partnerships(
    store: ReadStore, visible: Visibility, wanted: Sequence[UUID] | None = None
) -> list[tuple[UUID, str]]:
    """(id, title) of the partnerships `visible` keeps, in the registry's order."""
    clause, params = visible.clause("id")
    rows = await store.fetch(
        f"SELECT id, title FROM partnerships WHERE {clause} ORDER BY municipality, title, id",
        *params,
    )
    keep = None if wanted is None else set(wanted)
    return [
        (UUID(str(r["id"])), str(r["title"]))
        for r in rows
        if keep is None or UUID(str(r["id"])) in keep
    ]


def kind_in_words(kind: str, record: str, english: bool) -> str:
    """An event class in words: its group in the history ("partnere", "roller", ...)."""
    for aggregate in (Partnership, Agreement) if record == "partnership" else (Agreement,):
        cls = getattr(aggregate, kind, None)
        if isinstance(cls, type):
            try:
                group = reading(cls).group
            except KeyError:
                continue
            return (group.label_en if english else group.label_da).lower()
    return kind


async def event_log(
    store: ReadStore,
    partnerships: Sequence[tuple[UUID, str]],
    *,
    as_of: date,
    known_at: datetime | None,
    english: bool,
) -> list[EventRow]:
    """Every event of the partnerships valid by `as_of` and recorded by `known_at`, each
    partnership's oldest first (then by record and number: the same bytes every time)."""
    found: list[EventRow] = []
    for partnership_id, title in partnerships:
        entries: list[AuditEntry] = []
        cursor: str | None = None
        where = AuditFilter(partnership_id=partnership_id, valid_to=as_of)
        while True:
            page = await history(store, where, limit=500, cursor=cursor)
            entries += page.entries
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        for e in sorted(entries, key=lambda e: (e.recorded_at, str(e.aggregate_id), e.version)):
            if known_at is not None and e.recorded_at > known_at:
                continue
            found.append(
                EventRow(
                    partnership_id=partnership_id,
                    partnership_title=title,
                    event_no=e.version,
                    record=_RECORDS.get(e.aggregate_type, (e.aggregate_type,) * 2)[english],
                    record_id=e.aggregate_id,
                    event_kind=e.kind,
                    kind_words=kind_in_words(e.kind, e.aggregate_type, english),
                    summary=e.summary_en if english else e.summary,
                    valid_on=e.valid_on,
                    recorded_at=e.recorded_at,
                    actor_name=(e.actor_name_en if english else e.actor_name) or e.actor,
                    reason=e.reason,
                    fields=msgspec.json.encode(_sorted(e.payload)).decode(),
                )
            )
    return found


_RECORDS = {"partnership": ("partnerskab", "partnership"), "agreement": ("aftale", "agreement")}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value
