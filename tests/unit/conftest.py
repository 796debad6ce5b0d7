"""Builders and helpers for the domain unit tests (no I/O, no database)."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from aggregates import Agreement, Meta, Obligation, Partnership, Registry, Signatory, Terms
from aggregates.taxonomy import AgreementKind, Rung

START = date(2024, 1, 1)
ACTOR = "tovholder@svendborg.dk"


def meta(day: date = START, *, reason: str | None = None, actor: str = ACTOR) -> Meta:
    """Event metadata for a change that happened in the world on `day`."""
    return Meta(actor=actor, valid_on=day, reason=reason)


def state_of(aggregate: Aggregate) -> dict[str, Any]:
    """The aggregate's whole state, without the events not yet collected."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@contextmanager
def unchanged(aggregate: Aggregate) -> Iterator[None]:
    """Assert that the block changes nothing: same version, no new events, same state."""
    version = aggregate.version
    pending = len(aggregate.pending_events)
    before = copy.deepcopy(state_of(aggregate))
    yield
    assert aggregate.version == version
    assert len(aggregate.pending_events) == pending
    assert state_of(aggregate) == before


def replay(events: Sequence[Any]) -> Any:
    """Rebuild an aggregate from its events, the way a repository does."""
    aggregate = events[0].mutate(None)
    for event in events[1:]:
        aggregate = event.mutate(aggregate)
    return aggregate


def assert_replays_to_same_state(aggregate: Aggregate) -> None:
    expected = copy.deepcopy(state_of(aggregate))
    rebuilt = replay(aggregate.collect_events())
    assert state_of(rebuilt) == expected
    assert state_of(rebuilt) == state_of(aggregate)


def new_events(aggregate: Aggregate, since_version: int) -> list[Any]:
    """The pending events recorded after `since_version`."""
    return [e for e in aggregate.pending_events if e.originator_version > since_version]


# -- partnerships ---------------------------------------------------------------------


@dataclass
class Built:
    partnership: Partnership
    lead_id: UUID
    partner_ids: list[UUID]

    @property
    def p(self) -> Partnership:
        return self.partnership

    @property
    def a(self) -> UUID:
        return self.partner_ids[0]

    @property
    def b(self) -> UUID:
        return self.partner_ids[1]


def registry(**overrides: Any) -> Registry:
    fields: dict[str, Any] = {"title": "Sund By", "municipality": "Sundeborg"}
    fields.update(overrides)
    return Registry(**fields)


def build_partnership(
    partners: int = 2,
    *,
    on: date = START,
    rung: Rung = Rung.INFORMAL_COOPERATION,
) -> Built:
    """A partnership registered on `on` with a lead organisation and N partners on `rung`."""
    lead_id = uuid4()
    partnership = Partnership.register(
        registry=registry(), lead_organisation_id=lead_id, meta=meta(on)
    )
    partner_ids = [uuid4() for _ in range(partners)]
    for organisation_id in partner_ids:
        partnership.join_partner(organisation_id, meta(on), rung=rung, evidence="Kick-off møde")
    return Built(partnership, lead_id, partner_ids)


@pytest.fixture
def built() -> Built:
    return build_partnership()


# -- agreements -----------------------------------------------------------------------


def agreement_terms(
    lead_id: UUID,
    party_ids: Sequence[UUID],
    *,
    valid_from: date = date(2024, 3, 1),
    valid_to: date = date(2025, 3, 1),
    title: str = "Samarbejdsaftale om rygestop",
    purpose: str = "Flere borgere gennemfører rygestop",
) -> Terms:
    """Terms with the lead organisation and `party_ids` as parties, each with an obligation."""
    parties = (lead_id, *party_ids)
    return Terms(
        title=title,
        purpose=purpose,
        party_ids=parties,
        obligations=tuple(Obligation(party_id=p, text=f"Opgaver for {p}") for p in parties),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def draft_agreement(
    b: Built,
    party_ids: Sequence[UUID] | None = None,
    *,
    kind: AgreementKind = AgreementKind.COOPERATION,
    valid_from: date = date(2024, 3, 1),
    valid_to: date = date(2025, 3, 1),
    on: date = date(2024, 2, 1),
) -> Agreement:
    return Agreement.draft(
        partnership_id=b.p.id,
        lead_organisation_id=b.lead_id,
        partner_ids=b.p.active_partner_ids,
        kind=kind,
        terms=agreement_terms(
            b.lead_id,
            party_ids if party_ids is not None else b.partner_ids,
            valid_from=valid_from,
            valid_to=valid_to,
        ),
        meta=meta(on),
    )


def sign_by_all(agreement: Agreement, b: Built, on: date) -> bool:
    """Every party still to sign signs on `on`; returns what the last signature returned."""
    completed = False
    for party_id in list(agreement.unsigned_party_ids):
        completed = agreement.sign(party_id, by(party_id), b.p.active_partner_ids, meta(on))
    return completed


def record_signed(b: Built, agreement: Agreement, on: date) -> None:
    """What the application does when the last signature completes the agreement."""
    b.p.record_signed_agreement(
        agreement_id=agreement.id,
        kind=agreement.kind,
        party_ids=agreement.party_ids,
        valid_from=agreement.valid_from,
        valid_to=agreement.valid_to,
        meta=meta(on),
    )


def sign_and_record(b: Built, agreement: Agreement, on: date) -> None:
    assert sign_by_all(agreement, b, on)
    record_signed(b, agreement, on)


def backed(
    b: Built,
    party_ids: Sequence[UUID] | None = None,
    *,
    kind: AgreementKind = AgreementKind.COOPERATION,
    valid_from: date = date(2024, 3, 1),
    valid_to: date = date(2025, 3, 1),
    signed_on: date = date(2024, 3, 1),
) -> Agreement:
    """Draft, sign by every party and record on the partnership: an agreement in force."""
    agreement = draft_agreement(
        b, party_ids, kind=kind, valid_from=valid_from, valid_to=valid_to, on=signed_on
    )
    sign_and_record(b, agreement, signed_on)
    return agreement


def by(organisation_id: UUID) -> Signatory:
    """A signatory (a fresh person id) from the given organisation."""
    return Signatory(person_id=uuid4(), organisation_id=organisation_id)
