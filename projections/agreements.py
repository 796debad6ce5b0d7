"""Agreements view: one row per agreement, its signatures and renewals, status on any date.

The row holds the current terms (an amendment replaces them and clears the signatures,
as in the aggregate). `signed_on` is the date the last party signed, kept by the
statement that records each signature. Renewals are kept one row each, so the validity
an agreement had on an earlier date (before a renewal) can be shown, e.g. "expiring"
on a date in the past.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Agreement, AgreementStatus
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import AgreementKind
from aggregates.validity import has_run_out
from projections.access import Visibility
from projections.core import InvalidQuery, Projection
from projections.directory import names
from projections.helpers import chunks, marks
from projections.store import ReadStore, Statement

agreements_projection = Projection(
    name="agreements",
    version=1,
    tables=("agreements", "agreement_signatures", "agreement_renewals"),
    ddl=(
        "CREATE TABLE agreements ("
        " id {uuid} PRIMARY KEY, partnership_id {uuid} NOT NULL, kind {text} NOT NULL,"
        " title {text} NOT NULL, purpose {text} NOT NULL, parties {json} NOT NULL,"
        " party_count {int} NOT NULL, valid_from {date} NOT NULL, first_valid_to {date} NOT NULL,"
        " valid_to {date} NOT NULL, drafted_on {date} NOT NULL, signed_on {date},"
        " renewals {int} NOT NULL, expired_on {date}, terminated_on {date}, reason {text},"
        " recorded_at {ts} NOT NULL, updated_at {ts} NOT NULL, version {int} NOT NULL)",
        "CREATE INDEX agreements_by_partnership ON agreements (partnership_id, valid_from)",
        "CREATE INDEX agreements_by_valid_to ON agreements (valid_to)",
        "CREATE TABLE agreement_signatures ("
        " agreement_id {uuid} NOT NULL, party_id {uuid} NOT NULL, signed_on {date} NOT NULL,"
        " version {int} NOT NULL, PRIMARY KEY (agreement_id, party_id))",
        "CREATE TABLE agreement_renewals ("
        " agreement_id {uuid} NOT NULL, version {int} NOT NULL, renewed_on {date} NOT NULL,"
        " valid_to {date} NOT NULL, PRIMARY KEY (agreement_id, version))",
    ),
)


def _parties(party_ids: Sequence[UUID]) -> str:
    return msgspec.json.encode([str(p) for p in party_ids]).decode()


@agreements_projection.on(Agreement.Drafted)
def _drafted(e: Agreement.Drafted) -> Iterable[Statement]:
    t = e.terms
    yield (
        "INSERT INTO agreements (id, partnership_id, kind, title, purpose, parties, party_count,"
        " valid_from, first_valid_to, valid_to, drafted_on, renewals, recorded_at, updated_at,"
        " version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)",
        (
            e.originator_id,
            e.partnership_id,
            e.kind,
            t.title,
            t.purpose,
            _parties(t.party_ids),
            len(t.party_ids),
            t.valid_from,
            t.valid_to,
            t.valid_to,
            e.valid_on,
            e.timestamp,
            e.timestamp,
            e.originator_version,
        ),
    )


@agreements_projection.on(Agreement.Amended)
def _amended(e: Agreement.Amended) -> Iterable[Statement]:
    t = e.terms
    yield ("DELETE FROM agreement_signatures WHERE agreement_id = ?", (e.originator_id,))
    yield (
        "UPDATE agreements SET title = ?, purpose = ?, parties = ?, party_count = ?,"
        " valid_from = ?, first_valid_to = ?, valid_to = ?, signed_on = NULL, updated_at = ?,"
        " version = ? WHERE id = ?",
        (
            t.title,
            t.purpose,
            _parties(t.party_ids),
            len(t.party_ids),
            t.valid_from,
            t.valid_to,
            t.valid_to,
            e.timestamp,
            e.originator_version,
            e.originator_id,
        ),
    )


@agreements_projection.on(Agreement.PartySigned)
def _signed(e: Agreement.PartySigned) -> Iterable[Statement]:
    yield (
        "INSERT INTO agreement_signatures (agreement_id, party_id, signed_on, version)"
        " VALUES (?, ?, ?, ?)",
        (e.originator_id, e.party_id, e.valid_on, e.originator_version),
    )
    # Fully signed once every party has: on the date of the last signature.
    yield (
        "UPDATE agreements SET signed_on = CASE WHEN (SELECT count(*) FROM agreement_signatures"
        " WHERE agreement_id = ?) >= party_count THEN (SELECT max(signed_on)"
        " FROM agreement_signatures WHERE agreement_id = ?) END, updated_at = ?, version = ?"
        " WHERE id = ?",
        (e.originator_id, e.originator_id, e.timestamp, e.originator_version, e.originator_id),
    )


@agreements_projection.on(Agreement.Renewed)
def _renewed(e: Agreement.Renewed) -> Iterable[Statement]:
    yield (
        "INSERT INTO agreement_renewals (agreement_id, version, renewed_on, valid_to)"
        " VALUES (?, ?, ?, ?)",
        (e.originator_id, e.originator_version, e.valid_on, e.valid_to),
    )
    yield (
        "UPDATE agreements SET valid_to = ?, renewals = renewals + 1, updated_at = ?,"
        " version = ? WHERE id = ?",
        (e.valid_to, e.timestamp, e.originator_version, e.originator_id),
    )


@agreements_projection.on(Agreement.Expired)
def _expired(e: Agreement.Expired) -> Iterable[Statement]:
    yield (
        "UPDATE agreements SET expired_on = ?, updated_at = ?, version = ? WHERE id = ?",
        (e.valid_on, e.timestamp, e.originator_version, e.originator_id),
    )


@agreements_projection.on(Agreement.Terminated)
def _terminated(e: Agreement.Terminated) -> Iterable[Statement]:
    yield (
        "UPDATE agreements SET terminated_on = ?, reason = ?, updated_at = ?, version = ?"
        " WHERE id = ?",
        (e.valid_on, e.reason, e.timestamp, e.originator_version, e.originator_id),
    )


# -- status on a date (pure) ---------------------------------------------------------------


@dataclass(frozen=True)
class AgreementRecord:
    """An agreement row with its signatures and renewals, as stored (all dates known now)."""

    id: UUID
    partnership_id: UUID
    kind: AgreementKind
    title: str
    party_ids: tuple[UUID, ...]
    valid_from: date
    first_valid_to: date
    drafted_on: date
    signed_on: date | None
    expired_on: date | None
    terminated_on: date | None
    reason: str | None
    signatures: dict[UUID, date]
    renewals: tuple[tuple[date, date], ...]  # (renewed on, new valid-to), in order

    def valid_to_on(self, day: date) -> date:
        """The end of validity as it stood on `day` (renewals after `day` not yet made)."""
        valid_to = self.first_valid_to
        for renewed_on, new_valid_to in self.renewals:
            if renewed_on <= day:
                valid_to = new_valid_to
        return valid_to

    def status_on(self, day: date) -> AgreementStatus:
        """As `Agreement.status_on`, with the validity the agreement had on `day`."""
        if self.terminated_on is not None and day >= self.terminated_on:
            return AgreementStatus.TERMINATED
        # one rule for every view (aggregates/validity.py, ADR 0015)
        if (self.expired_on is not None and day >= self.expired_on) or has_run_out(
            self.valid_to_on(day), day
        ):
            return AgreementStatus.EXPIRED
        if self.signed_on is None or day < self.signed_on:
            return AgreementStatus.DRAFT
        if day < self.valid_from:
            return AgreementStatus.SIGNED
        return AgreementStatus.IN_FORCE


def _on_or_before(value: date | None, day: date) -> date | None:
    return value if value is not None and value <= day else None


class Party(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    name: str
    signed_on: date | None


class AgreementView(msgspec.Struct, kw_only=True):
    """An agreement as it stood on `as_of`: later signatures, renewals and ends not yet shown."""

    agreement_id: UUID
    partnership_id: UUID
    kind: AgreementKind
    kind_label: str
    title: str
    parties: list[Party]
    valid_from: date
    valid_to: date
    drafted_on: date
    signed_on: date | None
    renewals: int
    expired_on: date | None
    terminated_on: date | None
    termination_reason: str | None
    status: AgreementStatus
    status_label: str


def view_on(record: AgreementRecord, day: date, labels: dict[UUID, str]) -> AgreementView:
    status = record.status_on(day)
    terminated_on = _on_or_before(record.terminated_on, day)
    return AgreementView(
        agreement_id=record.id,
        partnership_id=record.partnership_id,
        kind=record.kind,
        kind_label=record.kind.label_da,
        title=record.title,
        parties=[
            Party(
                organisation_id=p,
                name=labels.get(p, "?"),
                signed_on=_on_or_before(record.signatures.get(p), day),
            )
            for p in record.party_ids
        ],
        valid_from=record.valid_from,
        valid_to=record.valid_to_on(day),
        drafted_on=record.drafted_on,
        signed_on=_on_or_before(record.signed_on, day),
        renewals=sum(1 for renewed_on, _ in record.renewals if renewed_on <= day),
        expired_on=_on_or_before(record.expired_on, day),
        terminated_on=terminated_on,
        termination_reason=record.reason if terminated_on is not None else None,
        status=status,
        status_label=status.label_da,
    )


# -- queries -------------------------------------------------------------------------------


class _Row(msgspec.Struct):
    id: UUID
    partnership_id: UUID
    kind: AgreementKind
    title: str
    party_ids: list[UUID]
    valid_from: date
    first_valid_to: date
    drafted_on: date
    signed_on: date | None
    expired_on: date | None
    terminated_on: date | None
    reason: str | None


_COLUMNS = (
    "a.id, a.partnership_id, a.kind, a.title, a.parties, a.valid_from, a.first_valid_to,"
    " a.drafted_on, a.signed_on, a.expired_on, a.terminated_on, a.reason"
)


async def _records(store: ReadStore, where: str, *params: Any) -> list[AgreementRecord]:
    rows = await store.fetch(
        f"SELECT {_COLUMNS} FROM agreements a WHERE {where}"
        " ORDER BY a.valid_from, a.drafted_on, a.id",
        *params,
    )
    if not rows:
        return []
    parsed = []
    for row in rows:
        parties = row.pop("parties")
        if isinstance(parties, str | bytes):
            parties = msgspec.json.decode(parties)
        parsed.append(msgspec.convert({**row, "party_ids": parties}, _Row, strict=False))
    signatures: dict[UUID, dict[UUID, date]] = {}
    renewals: dict[UUID, list[tuple[date, date]]] = {}
    for ids in chunks([r.id for r in parsed]):
        for s in await store.fetch(
            "SELECT agreement_id, party_id, signed_on FROM agreement_signatures"
            f" WHERE agreement_id IN ({marks(ids)})",
            *ids,
        ):
            of_agreement = signatures.setdefault(UUID(str(s["agreement_id"])), {})
            of_agreement[UUID(str(s["party_id"]))] = msgspec.convert(
                s["signed_on"], date, strict=False
            )
        for r in await store.fetch(
            "SELECT agreement_id, renewed_on, valid_to FROM agreement_renewals"
            f" WHERE agreement_id IN ({marks(ids)}) ORDER BY agreement_id, version",
            *ids,
        ):
            renewals.setdefault(UUID(str(r["agreement_id"])), []).append(
                (
                    msgspec.convert(r["renewed_on"], date, strict=False),
                    msgspec.convert(r["valid_to"], date, strict=False),
                )
            )
    return [
        AgreementRecord(
            id=r.id,
            partnership_id=r.partnership_id,
            kind=r.kind,
            title=r.title,
            party_ids=tuple(r.party_ids),
            valid_from=r.valid_from,
            first_valid_to=r.first_valid_to,
            drafted_on=r.drafted_on,
            signed_on=r.signed_on,
            expired_on=r.expired_on,
            terminated_on=r.terminated_on,
            reason=r.reason,
            signatures=signatures.get(r.id, {}),
            renewals=tuple(renewals.get(r.id, ())),
        )
        for r in parsed
    ]


async def agreements(
    store: ReadStore, partnership_id: UUID, *, as_of: date | None = None
) -> list[AgreementView]:
    """The partnership's agreements drafted by `as_of` (default today), with their status then."""
    day = as_of or today_in_denmark()
    records = await _records(
        store, "a.partnership_id = ? AND a.drafted_on <= ?", partnership_id, day
    )
    labels = await names(store, [p for r in records for p in r.party_ids])
    return [view_on(r, day, labels) for r in records]


class ExpiringAgreement(msgspec.Struct, kw_only=True):
    agreement_id: UUID
    partnership_id: UUID
    partnership_title: str
    kind: AgreementKind
    kind_label: str
    title: str
    status: AgreementStatus
    status_label: str
    valid_to: date
    days_left: int


async def expiring(
    store: ReadStore,
    *,
    visible: Visibility,
    within_days: int,
    as_of: date | None = None,
    partnership_ids: Sequence[UUID] | None = None,
) -> list[ExpiringAgreement]:
    """Signed agreements (in force, or not yet begun) whose validity ends within N days,
    of the partnerships `visible` to the caller.

    "Ends" is the validity the agreement had on `as_of`: a renewal made later does not
    count yet. Sorted by the end date.
    """
    if within_days < 0:
        raise InvalidQuery(f"within_days cannot be negative, got {within_days}.")
    day = as_of or today_in_denmark()
    horizon = day + timedelta(days=min(within_days, (date.max - day).days))
    where = (
        "a.drafted_on <= ? AND a.signed_on <= ? AND a.first_valid_to <= ? AND a.valid_to >= ?"
        " AND (a.expired_on IS NULL OR a.expired_on > ?)"
        " AND (a.terminated_on IS NULL OR a.terminated_on > ?)"
    )
    visible_sql, visible_params = visible.clause("a.partnership_id")
    where += f" AND {visible_sql}"
    params: list[Any] = [day, day, horizon, day, day, day, *visible_params]
    if partnership_ids is not None:
        if not partnership_ids:
            return []
        where += f" AND a.partnership_id IN ({marks(partnership_ids)})"
        params.extend(partnership_ids)
    records = await _records(store, where, *params)
    titles = await partnership_titles(store, [r.partnership_id for r in records])
    result = []
    for record in records:
        status = record.status_on(day)
        valid_to = record.valid_to_on(day)
        if status in (AgreementStatus.IN_FORCE, AgreementStatus.SIGNED) and valid_to <= horizon:
            result.append(
                ExpiringAgreement(
                    agreement_id=record.id,
                    partnership_id=record.partnership_id,
                    partnership_title=titles.get(record.partnership_id, "?"),
                    kind=record.kind,
                    kind_label=record.kind.label_da,
                    title=record.title,
                    status=status,
                    status_label=status.label_da,
                    valid_to=valid_to,
                    days_left=(valid_to - day).days,
                )
            )
    result.sort(key=lambda a: (a.valid_to, a.partnership_title, str(a.agreement_id)))
    return result


async def due_for_expiry(store: ReadStore, today: date) -> list[UUID]:
    """Agreements whose validity ran out before `today` and whose expiry is not recorded.

    Terminated agreements are left out. The housekeeping job passes these ids to the
    service's `expire_due_agreements`, which records each expiry the day after valid-to.
    """
    rows = await store.fetch(
        "SELECT id FROM agreements WHERE valid_to < ? AND expired_on IS NULL"
        " AND terminated_on IS NULL ORDER BY valid_to, id",
        today,
    )
    return [UUID(str(r["id"])) for r in rows]


async def partnership_titles(store: ReadStore, ids: Sequence[UUID]) -> dict[UUID, str]:
    """Partnership titles by id, from the registry view."""
    titles: dict[UUID, str] = {}
    for wanted in chunks(sorted(set(ids), key=str)):
        for r in await store.fetch(
            f"SELECT id, title FROM partnerships WHERE id IN ({marks(wanted)})", *wanted
        ):
            titles[UUID(str(r["id"]))] = str(r["title"])
    return titles


async def agreement_titles(store: ReadStore, ids: Sequence[UUID]) -> dict[UUID, str]:
    """Agreement titles by id (unknown ids are left out): names in refusals (api/ui)."""
    titles: dict[UUID, str] = {}
    for wanted in chunks(sorted(set(ids), key=str)):
        for r in await store.fetch(
            f"SELECT id, title FROM agreements WHERE id IN ({marks(wanted)})", *wanted
        ):
            titles[UUID(str(r["id"]))] = str(r["title"])
    return titles
