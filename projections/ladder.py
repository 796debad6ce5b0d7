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
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import AgreementKind, Rung
from aggregates.validity import Lapse, lapses, runs_out_on
from aggregates.validity import rung_on as rung_after
from projections.core import Projection, fact_columns, known_filter, redate, supersede
from projections.directory import names
from projections.helpers import chunks, marks
from projections.store import ReadStore, Statement

ladder = Projection(
    name="ladder",
    version=3,
    tables=("ladder_facts", "ladder_backings"),
    ddl=(
        "CREATE TABLE ladder_facts ("
        " partnership_id {uuid} NOT NULL, organisation_id {uuid} NOT NULL,"
        " rung {int}, evidence {text} NOT NULL, agreement_id {uuid},"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, organisation_id))",
        "CREATE INDEX ladder_facts_by_partner ON ladder_facts"
        " (partnership_id, organisation_id, valid_on)",
        "CREATE INDEX ladder_facts_by_source ON ladder_facts (partnership_id, source_version)",
        # The signed agreements backing each party's rung: when one runs out, readers derive
        # the party's drop on the day after its valid-to (aggregates/validity.py, ADR 0015).
        "CREATE TABLE ladder_backings ("
        " partnership_id {uuid} NOT NULL, agreement_id {uuid} NOT NULL,"
        " organisation_id {uuid} NOT NULL, kind {text} NOT NULL, signed_on {date} NOT NULL,"
        " valid_from {date} NOT NULL, valid_to {date} NOT NULL, lapses_on {date}, ended_on {date},"
        " source_version {int} NOT NULL, recorded_at {ts} NOT NULL,"
        " PRIMARY KEY (partnership_id, agreement_id, organisation_id))",
        "CREATE INDEX ladder_backings_by_party ON ladder_backings"
        " (partnership_id, organisation_id, lapses_on)",
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


@ladder.on(Partnership.AgreementBacked)
def _backed(e: Partnership.AgreementBacked) -> Iterable[Statement]:
    for party_id in e.party_ids:
        yield (
            "INSERT INTO ladder_backings (partnership_id, agreement_id, organisation_id, kind,"
            " signed_on, valid_from, valid_to, lapses_on, source_version, recorded_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.originator_id,
                e.agreement_id,
                party_id,
                e.kind,
                e.valid_on,
                e.valid_from,
                e.valid_to,
                runs_out_on(e.valid_to),
                e.originator_version,
                e.timestamp,
            ),
        )


@ladder.on(Partnership.AgreementRenewed)
def _renewed(e: Partnership.AgreementRenewed) -> Iterable[Statement]:
    yield (
        "UPDATE ladder_backings SET valid_to = ?, lapses_on = ?"
        " WHERE partnership_id = ? AND agreement_id = ?",
        (e.valid_to, runs_out_on(e.valid_to), e.originator_id, e.agreement_id),
    )


@ladder.on(Partnership.AgreementEnded)
def _ended(e: Partnership.AgreementEnded) -> Iterable[Statement]:
    # Ended before it ran out (terminated): no lapse; the drop was recorded with the end.
    yield (
        "UPDATE ladder_backings SET ended_on = ?,"
        " lapses_on = CASE WHEN ? <= valid_to THEN NULL ELSE lapses_on END"
        " WHERE partnership_id = ? AND agreement_id = ?",
        (e.ended_on, e.ended_on, e.originator_id, e.agreement_id),
    )


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


async def lapses_of(
    store: ReadStore, partnership_ids: Sequence[UUID], *, known_at: datetime | None = None
) -> dict[tuple[UUID, UUID], list[Lapse]]:
    """Per (partnership, party): the lapses of the signed agreements it is a party to, as
    known at `known_at` (renewals and ends as known now)."""
    held: dict[tuple[UUID, UUID], list[tuple[_Backing, Rung, str]]] = {}
    known = "" if known_at is None else " AND recorded_at <= ?"
    for wanted in chunks(sorted(set(partnership_ids), key=str)):
        params: list[Any] = [*wanted] + ([known_at] if known_at is not None else [])
        for r in await store.fetch(
            "SELECT partnership_id, agreement_id, organisation_id, kind, signed_on, valid_from,"
            f" valid_to, ended_on FROM ladder_backings WHERE partnership_id IN ({marks(wanted)})"
            f"{known} ORDER BY partnership_id, organisation_id, valid_to, agreement_id",
            *params,
        ):
            backing = msgspec.convert(r, _Backing, strict=False)
            kind = AgreementKind(backing.kind)
            held.setdefault((backing.partnership_id, backing.organisation_id), []).append(
                (backing, kind.rung, kind.label_da)
            )
    return {key: lapses(value) for key, value in held.items()}


class _Backing(msgspec.Struct, kw_only=True):
    partnership_id: UUID
    agreement_id: UUID
    organisation_id: UUID
    kind: str
    signed_on: date
    valid_from: date
    valid_to: date
    ended_on: date | None


async def rungs(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[PartnerRung]:
    """Each partner's rung on `as_of` (default today) as the registry knew it at `known_at`.

    A signed agreement that has run out by `as_of` drops its parties on the day after its
    valid-to, whether or not the expiry is recorded yet (ADR 0015)."""
    day = as_of or today_in_denmark()
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT organisation_id, rung, valid_on, evidence, agreement_id FROM ("
        " SELECT f.*, ROW_NUMBER() OVER (PARTITION BY organisation_id"
        "  ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn"
        f" FROM ladder_facts f WHERE partnership_id = ? AND valid_on <= ? AND {known}"
        ") latest WHERE rn = 1 AND rung IS NOT NULL",
        partnership_id,
        day,
        *known_params,
    )
    held = await lapses_of(store, [partnership_id], known_at=known_at) if rows else {}
    labels = await names(store, [UUID(str(r["organisation_id"])) for r in rows])
    result = []
    for r in rows:
        organisation_id = UUID(str(r["organisation_id"]))
        step = msgspec.convert(
            {
                "organisation_id": organisation_id,
                "name": labels.get(organisation_id, "?"),
                "rung": r["rung"],
                "since": r["valid_on"],
                "evidence": r["evidence"],
                "agreement_id": r["agreement_id"],
            },
            PartnerRung,
            strict=False,
        )
        lapse = rung_after(
            step.rung, step.since, day, held.get((partnership_id, organisation_id), ())
        )
        if lapse is not None:
            step = msgspec.structs.replace(
                step,
                rung=lapse.rung,
                since=lapse.on,
                evidence=lapse.evidence,
                agreement_id=lapse.agreement_id,
            )
        result.append(step)
    result.sort(key=lambda p: (-p.rung, str(p.organisation_id)))
    return result


async def history(
    store: ReadStore,
    partnership_id: UUID,
    *,
    organisation_id: UUID | None = None,
    known_at: datetime | None = None,
) -> list[RungStep]:
    """Every ladder step in valid-time order, as known at `known_at` (default: now).

    The drops of agreements that ran out (or will run out) are steps too, on the day
    after the valid-to, whether or not the expiry is recorded yet (ADR 0015)."""
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
    steps = [msgspec.convert(r, RungStep, strict=False) for r in rows]
    if not steps:
        return steps
    held = await lapses_of(store, [partnership_id], known_at=known_at)
    return with_lapses(steps, {org: found for (_, org), found in held.items()})


def with_lapses(steps: Sequence[RungStep], held: dict[UUID, list[Lapse]]) -> list[RungStep]:
    """`steps` (valid-time order) with a step for each lapse that drops a party (pure)."""
    result: list[RungStep] = []
    by_party: dict[UUID, list[RungStep]] = {}
    for step in steps:
        by_party.setdefault(step.organisation_id, []).append(step)
    for party, own in by_party.items():
        pending = list(held.get(party, ()))
        merged: list[RungStep] = []
        for index, step in enumerate(own):
            merged.append(step)
            following = own[index + 1].valid_on if index + 1 < len(own) else None
            # Lapses from this step's day up to (not including) the next step's day.
            while pending and (following is None or pending[0].on < following):
                lapse = pending.pop(0)
                current = merged[-1]
                if lapse.on < step.valid_on or current.rung is None or current.rung <= lapse.rung:
                    continue
                merged.append(
                    RungStep(
                        organisation_id=party,
                        rung=lapse.rung,
                        valid_on=lapse.on,
                        evidence=lapse.evidence,
                        agreement_id=lapse.agreement_id,
                        source_version=current.source_version,
                        recorded_at=current.recorded_at,
                        corrected=False,
                    )
                )
        result.extend(merged)
    result.sort(key=lambda s: (s.valid_on, s.source_version))  # stable: a drop after its step
    return result


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
