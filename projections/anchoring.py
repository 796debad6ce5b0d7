"""Anchoring (forankring) view: status per dimension over time, milestones, factors.

Milestones are bitemporal facts like the ladder's; factors link to milestones and to
any event of the partnership (by its version: a role vacated, a partner leaving, ...).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from aggregates import Partnership
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import AnchoringStatus, Dimension, FactorEffect, FactorOrigin
from projections.core import Projection, fact_columns, known_filter, redate, supersede
from projections.store import ReadStore, Statement

anchoring = Projection(
    name="anchoring",
    version=2,  # v2: factor_event_links (issue 15)
    tables=("milestone_facts", "factors", "factor_links", "factor_event_links"),
    ddl=(
        "CREATE TABLE milestone_facts ("
        " partnership_id {uuid} NOT NULL, milestone_id {uuid} NOT NULL,"
        " dimension {text} NOT NULL, status {text} NOT NULL, title {text} NOT NULL,"
        " evidence {text} NOT NULL, link {text} NOT NULL, document_ref {text} NOT NULL,"
        " recorded_by {text} NOT NULL,"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, milestone_id))",
        "CREATE INDEX milestone_facts_by_dimension ON milestone_facts"
        " (partnership_id, dimension, valid_on)",
        "CREATE INDEX milestone_facts_by_source ON milestone_facts"
        " (partnership_id, source_version)",
        "CREATE TABLE factors ("
        " factor_id {uuid} PRIMARY KEY, partnership_id {uuid} NOT NULL,"
        " origin {text} NOT NULL, effect {text} NOT NULL, description {text} NOT NULL,"
        " valid_on {date} NOT NULL, recorded_at {ts} NOT NULL, recorded_by {text} NOT NULL)",
        "CREATE INDEX factors_by_partnership ON factors (partnership_id)",
        "CREATE TABLE factor_links ("
        " factor_id {uuid} NOT NULL, milestone_id {uuid} NOT NULL, partnership_id {uuid} NOT NULL,"
        " recorded_at {ts} NOT NULL, PRIMARY KEY (factor_id, milestone_id))",
        "CREATE TABLE factor_event_links ("
        " factor_id {uuid} NOT NULL, event_version {int} NOT NULL,"
        " partnership_id {uuid} NOT NULL, recorded_at {ts} NOT NULL,"
        " PRIMARY KEY (factor_id, event_version))",
        "CREATE INDEX factor_event_links_by_partnership ON factor_event_links"
        " (partnership_id, event_version)",
    ),
)

_SUBJECT = (
    "partnership_id, milestone_id, dimension, status, title, evidence, link, document_ref,"
    " recorded_by"
)
_COLUMNS = f"{_SUBJECT}, valid_on, source_version, row_version, recorded_at"


@anchoring.on(Partnership.MilestoneRecorded)
def _milestone(e: Partnership.MilestoneRecorded) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        f"INSERT INTO milestone_facts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.originator_id,
            e.milestone_id,
            e.dimension,
            e.status,
            e.title,
            e.evidence.text,
            e.evidence.link,
            e.evidence.document_ref,
            e.actor,
            e.valid_on,
            v,
            v,
            e.timestamp,
        ),
    )


@anchoring.on(Partnership.MilestoneCorrected)
def _milestone_corrected(e: Partnership.MilestoneCorrected) -> Iterable[Statement]:
    yield (
        f"INSERT INTO milestone_facts ({_COLUMNS})"
        " SELECT partnership_id, milestone_id, ?, ?, ?, ?, ?, ?, recorded_by, valid_on,"
        " source_version, ?, ? FROM milestone_facts WHERE partnership_id = ?"
        " AND source_version = ? AND superseded_at IS NULL",
        (
            e.dimension,
            e.status,
            e.title,
            e.evidence.text,
            e.evidence.link,
            e.evidence.document_ref,
            e.originator_version,
            e.timestamp,
            e.originator_id,
            e.corrects_version,
        ),
    )
    yield supersede("milestone_facts", e, e.corrects_version)


@anchoring.on(Partnership.DateCorrected)
def _date_corrected(e: Partnership.DateCorrected) -> Iterable[Statement]:
    yield from redate("milestone_facts", _SUBJECT, e)


@anchoring.on(Partnership.FactorRecorded)
def _factor(e: Partnership.FactorRecorded) -> Iterable[Statement]:
    yield (
        "INSERT INTO factors (factor_id, partnership_id, origin, effect, description, valid_on,"
        " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.factor_id,
            e.originator_id,
            e.origin,
            e.effect,
            e.description,
            e.valid_on,
            e.timestamp,
            e.actor,
        ),
    )
    for milestone_id in e.milestone_ids:
        yield _link(e.factor_id, milestone_id, e.originator_id, e.timestamp)
    for version in e.event_versions:
        yield _event_link(e.factor_id, version, e.originator_id, e.timestamp)


@anchoring.on(Partnership.FactorEventLinked)
def _factor_event_linked(e: Partnership.FactorEventLinked) -> Iterable[Statement]:
    yield _event_link(e.factor_id, e.event_version, e.originator_id, e.timestamp)


def _event_link(factor_id: UUID, version: int, partnership_id: UUID, at: datetime) -> Statement:
    return (
        "INSERT INTO factor_event_links (factor_id, event_version, partnership_id, recorded_at)"
        " VALUES (?, ?, ?, ?)",
        (factor_id, version, partnership_id, at),
    )


@anchoring.on(Partnership.FactorLinked)
def _factor_linked(e: Partnership.FactorLinked) -> Iterable[Statement]:
    yield _link(e.factor_id, e.milestone_id, e.originator_id, e.timestamp)


def _link(factor_id: UUID, milestone_id: UUID, partnership_id: UUID, at: datetime) -> Statement:
    return (
        "INSERT INTO factor_links (factor_id, milestone_id, partnership_id, recorded_at)"
        " VALUES (?, ?, ?, ?)",
        (factor_id, milestone_id, partnership_id, at),
    )


# -- queries ------------------------------------------------------------------------------


class MilestoneView(msgspec.Struct, kw_only=True):
    milestone_id: UUID
    dimension: Dimension
    status: AnchoringStatus
    title: str
    evidence: str
    link: str
    document_ref: str
    valid_on: date
    recorded_by: str
    recorded_at: datetime
    corrected: bool
    factor_ids: list[UUID] = msgspec.field(default_factory=list)


class DimensionStatus(msgspec.Struct, kw_only=True):
    dimension: Dimension
    status: AnchoringStatus
    since: date | None
    milestones: int


class FactorView(msgspec.Struct, kw_only=True):
    factor_id: UUID
    origin: FactorOrigin
    effect: FactorEffect
    description: str
    valid_on: date
    recorded_by: str
    milestone_ids: list[UUID]
    # the partnership's events it is linked to, by version (its number in the history)
    event_versions: list[int] = msgspec.field(default_factory=list)


async def milestones(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[MilestoneView]:
    """Milestones up to `as_of` in valid-time order, as known at `known_at`."""
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT milestone_id, dimension, status, title, evidence, link, document_ref, valid_on,"
        " recorded_by, recorded_at, row_version <> source_version AS corrected"
        f" FROM milestone_facts WHERE partnership_id = ? AND valid_on <= ? AND {known}"
        " ORDER BY valid_on, source_version",
        partnership_id,
        as_of or today_in_denmark(),
        *known_params,
    )
    by_milestone = await _links(store, partnership_id, known_at, by="milestone_id")
    return [
        msgspec.convert(
            {**r, "factor_ids": sorted(by_milestone.get(str(r["milestone_id"]), []))},
            MilestoneView,
            strict=False,
        )
        for r in rows
    ]


async def _links(
    store: ReadStore,
    partnership_id: UUID,
    known_at: datetime | None,
    *,
    by: Literal["factor_id", "milestone_id"],
) -> dict[str, list[str]]:
    """Factor-milestone links known at `known_at`, grouped by one side (ids as text)."""
    other = "milestone_id" if by == "factor_id" else "factor_id"
    links = await store.fetch(
        "SELECT factor_id, milestone_id FROM factor_links WHERE partnership_id = ?"
        + (" AND recorded_at <= ?" if known_at is not None else ""),
        partnership_id,
        *((known_at,) if known_at is not None else ()),
    )
    grouped: dict[str, list[str]] = {}
    for link in links:
        grouped.setdefault(str(link[by]), []).append(str(link[other]))
    return grouped


def status_from(views: list[MilestoneView]) -> list[DimensionStatus]:
    """Status per dimension: the latest milestone's (pure, from a list in valid-time order)."""
    result = []
    for dimension in Dimension:
        mine = [m for m in views if m.dimension is dimension]
        latest = mine[-1] if mine else None
        result.append(
            DimensionStatus(
                dimension=dimension,
                status=latest.status if latest else AnchoringStatus.NONE,
                since=latest.valid_on if latest else None,
                milestones=len(mine),
            )
        )
    return result


async def status(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[DimensionStatus]:
    """Each dimension's status on `as_of`, as known at `known_at` (the latest milestone's)."""
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT dimension, status, valid_on, milestones FROM ("
        " SELECT dimension, status, valid_on,"
        "  ROW_NUMBER() OVER (PARTITION BY dimension"
        "   ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn,"
        "  COUNT(*) OVER (PARTITION BY dimension) AS milestones"
        f" FROM milestone_facts WHERE partnership_id = ? AND valid_on <= ? AND {known}"
        ") latest WHERE rn = 1",
        partnership_id,
        as_of or today_in_denmark(),
        *known_params,
    )
    found = {Dimension(r["dimension"]): r for r in rows}
    return [
        DimensionStatus(
            dimension=dimension,
            status=AnchoringStatus(found[dimension]["status"]),
            since=_as_date(found[dimension]["valid_on"]),
            milestones=int(found[dimension]["milestones"]),
        )
        if dimension in found
        else DimensionStatus(
            dimension=dimension, status=AnchoringStatus.NONE, since=None, milestones=0
        )
        for dimension in Dimension
    ]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def factors(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[FactorView]:
    """Promoting factors and barriers up to `as_of`, with the milestones they are linked to."""
    params: list[object] = [partnership_id, as_of or today_in_denmark()]
    known = ""
    if known_at is not None:
        known = " AND recorded_at <= ?"
        params.append(known_at)
    rows = await store.fetch(
        "SELECT factor_id, origin, effect, description, valid_on, recorded_by FROM factors"
        f" WHERE partnership_id = ? AND valid_on <= ?{known} ORDER BY valid_on, factor_id",
        *params,
    )
    by_factor = await _links(store, partnership_id, known_at, by="factor_id")
    events = await event_links(store, partnership_id, known_at)
    return [
        msgspec.convert(
            {
                **r,
                "milestone_ids": sorted(by_factor.get(str(r["factor_id"]), [])),
                "event_versions": events.get(str(r["factor_id"]), []),
            },
            FactorView,
            strict=False,
        )
        for r in rows
    ]


async def event_links(
    store: ReadStore, partnership_id: UUID, known_at: datetime | None = None
) -> dict[str, list[int]]:
    """Factor id (as text) -> the versions of the events it is linked to, known at
    `known_at`, in version order."""
    rows = await store.fetch(
        "SELECT factor_id, event_version FROM factor_event_links WHERE partnership_id = ?"
        + (" AND recorded_at <= ?" if known_at is not None else "")
        + " ORDER BY event_version",
        partnership_id,
        *((known_at,) if known_at is not None else ()),
    )
    found: dict[str, list[int]] = {}
    for row in rows:
        found.setdefault(str(row["factor_id"]), []).append(int(row["event_version"]))
    return found
