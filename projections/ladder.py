"""Ladder view: each partner's rung over valid time, as the registry knew it at any time.

Facts are appended, never updated in place: a correction writes a new row for the same
fact (same source_version) and marks the old one superseded at the correction's
recorded time, so a report of what the registry said earlier stays reproducible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Partnership
from aggregates.taxonomy import Rung
from projections.core import Projection, fact_columns, known_filter, redate, supersede
from projections.directory import names
from projections.store import ReadStore, Statement

ladder = Projection(
    name="ladder",
    version=1,
    tables=("ladder_facts",),
    ddl=(
        "CREATE TABLE ladder_facts ("
        " partnership_id {uuid} NOT NULL, organisation_id {uuid} NOT NULL,"
        " rung {int}, evidence {text} NOT NULL, agreement_id {uuid},"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, organisation_id))",
        "CREATE INDEX ladder_facts_by_partner ON ladder_facts"
        " (partnership_id, organisation_id, valid_on)",
        "CREATE INDEX ladder_facts_by_source ON ladder_facts (partnership_id, source_version)",
    ),
)

_SUBJECT = "partnership_id, organisation_id, rung, evidence, agreement_id"
_INSERT = (
    f"INSERT INTO ladder_facts ({_SUBJECT}, valid_on, source_version, row_version, recorded_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@ladder.on(Partnership.PartnerJoined)
def _joined(e: Partnership.PartnerJoined) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT,
        (
            e.originator_id,
            e.organisation_id,
            e.rung,
            e.evidence,
            None,
            e.valid_on,
            v,
            v,
            e.timestamp,
        ),
    )


@ladder.on(Partnership.RungChanged)
def _moved(e: Partnership.RungChanged) -> Iterable[Statement]:
    v = e.originator_version
    row = (e.originator_id, e.organisation_id, e.rung, e.evidence, e.agreement_id, e.valid_on)
    yield (_INSERT, (*row, v, v, e.timestamp))


@ladder.on(Partnership.PartnerLeft)
def _left(e: Partnership.PartnerLeft) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        _INSERT,
        (e.originator_id, e.organisation_id, None, "", None, e.valid_on, v, v, e.timestamp),
    )


@ladder.on(Partnership.RungCorrected)
def _rung_corrected(e: Partnership.RungCorrected) -> Iterable[Statement]:
    yield (
        "INSERT INTO ladder_facts (partnership_id, organisation_id, rung, evidence, agreement_id,"
        " valid_on, source_version, row_version, recorded_at)"
        " SELECT partnership_id, organisation_id, ?, ?, agreement_id, valid_on, source_version,"
        " ?, ? FROM ladder_facts WHERE partnership_id = ? AND source_version = ?"
        " AND superseded_at IS NULL AND rung IS NOT NULL",
        (
            e.rung,
            e.evidence,
            e.originator_version,
            e.timestamp,
            e.originator_id,
            e.corrects_version,
        ),
    )
    yield supersede("ladder_facts", e, e.corrects_version)


@ladder.on(Partnership.DateCorrected)
def _date_corrected(e: Partnership.DateCorrected) -> Iterable[Statement]:
    yield from redate("ladder_facts", _SUBJECT, e)


# -- queries ------------------------------------------------------------------------------


class PartnerRung(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    name: str
    rung: Rung
    since: date
    evidence: str
    agreement_id: UUID | None


class RungStep(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    rung: Rung | None  # None: the partner left
    valid_on: date
    evidence: str
    agreement_id: UUID | None
    source_version: int
    recorded_at: datetime
    corrected: bool


async def rungs(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[PartnerRung]:
    """Each partner's rung on `as_of` (default today) as the registry knew it at `known_at`."""
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT organisation_id, rung, valid_on, evidence, agreement_id FROM ("
        " SELECT f.*, ROW_NUMBER() OVER (PARTITION BY organisation_id"
        "  ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn"
        f" FROM ladder_facts f WHERE partnership_id = ? AND valid_on <= ? AND {known}"
        ") latest WHERE rn = 1 AND rung IS NOT NULL ORDER BY rung DESC, organisation_id",
        partnership_id,
        as_of or date.today(),
        *known_params,
    )
    labels = await names(store, [UUID(str(r["organisation_id"])) for r in rows])
    return [
        msgspec.convert(
            {
                "organisation_id": r["organisation_id"],
                "name": labels.get(UUID(str(r["organisation_id"])), "?"),
                "rung": r["rung"],
                "since": r["valid_on"],
                "evidence": r["evidence"],
                "agreement_id": r["agreement_id"],
            },
            PartnerRung,
            strict=False,
        )
        for r in rows
    ]


async def history(
    store: ReadStore,
    partnership_id: UUID,
    *,
    organisation_id: UUID | None = None,
    known_at: datetime | None = None,
) -> list[RungStep]:
    """Every ladder step in valid-time order, as known at `known_at` (default: now)."""
    known, known_params = known_filter(known_at)
    params: list[Any] = [partnership_id, *known_params]
    where = f"partnership_id = ? AND {known}"
    if organisation_id is not None:
        where += " AND organisation_id = ?"
        params.append(organisation_id)
    rows = await store.fetch(
        "SELECT organisation_id, rung, valid_on, evidence, agreement_id, source_version,"
        " recorded_at, row_version <> source_version AS corrected"
        f" FROM ladder_facts WHERE {where} ORDER BY valid_on, source_version",
        *params,
    )
    return [msgspec.convert(r, RungStep, strict=False) for r in rows]


def distribution_from(steps: Sequence[RungStep], on: date) -> dict[int, int]:
    """Partners per rung on a date, from a history (pure: used for charts over time)."""
    latest: dict[UUID, RungStep] = {}
    for step in steps:
        if step.valid_on <= on:
            latest[step.organisation_id] = step
    counts = Counter(int(s.rung) for s in latest.values() if s.rung is not None)
    return {rung.value: counts.get(rung.value, 0) for rung in Rung}


async def distribution(
    store: ReadStore,
    partnership_id: UUID,
    *,
    dates: Sequence[date],
    known_at: datetime | None = None,
) -> list[tuple[date, dict[int, int]]]:
    """The partnership's distribution of partners over rungs on each of `dates`."""
    steps = await history(store, partnership_id, known_at=known_at)
    return [(day, distribution_from(steps, day)) for day in dates]
