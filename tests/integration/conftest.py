"""Fixtures and builders for the integration suite: the real `Tvaers` service on a real store.

Every test takes `app` (or `store_settings` directly), so it runs once on SQLite and once
on a fresh PostgreSQL database (see tests/conftest.py).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

import services.application
from aggregates import Contact, Meta, Obligation, Registry, Terms
from aggregates.taxonomy import PartnershipType, PreventionCategory, Rung, Sector
from services.application import Tvaers
from services.commands import JoinPartner, RegisterOrganisation, RegisterPartnership, RegisterPerson
from services.settings import Settings
from tests.commands import execute

START = date(2024, 1, 1)
ACTOR = "tovholder@svendborg.dk"


def meta(day: date = START, *, reason: str | None = None, actor: str = ACTOR) -> Meta:
    """Event metadata for a change that happened in the world on `day`."""
    return Meta(actor=actor, valid_on=day, reason=reason)


def rich_registry(**overrides: Any) -> Registry:
    """Registry fields exercising every typed value: dates, Decimal, enums, tuples."""
    fields: dict[str, Any] = {
        "title": "Sund By Sundeborg",
        "municipality": "Sundeborg",
        "purpose": "Flere borgere i beskæftigelse gennem bedre sundhed",
        "target_groups": ("ledige", "sygemeldte"),
        "arenas": ("jobcenter", "idrætsforening"),
        "kind": PartnershipType.OPERATIONS,
        "period_start": date(2024, 1, 1),
        "period_end": date(2026, 12, 31),
        "prevention_categories": (PreventionCategory.OFFER, PreventionCategory.EARLY_DETECTION),
        "bearings": (2, 5),
        "tags": ("rygning", "bevægelse"),
        "yearly_budget_dkk": Decimal("1250000.50"),
        "staff_hours_per_year": Decimal("1480.25"),
        "recruitment_channels": ("sagsbehandler",),
        "evaluation_status": "midtvejsevaluering",
    }
    fields.update(overrides)
    return Registry(**fields)


@pytest.fixture
def app(store_settings: Settings) -> Iterator[Tvaers]:
    application = Tvaers(store_settings)
    yield application
    application.close()


@dataclass
class World:
    """A partnership with a lead organisation and external partners, all stored."""

    app: Tvaers
    lead_id: UUID
    partner_ids: list[UUID]
    partnership_id: UUID

    @property
    def a(self) -> UUID:
        return self.partner_ids[0]

    @property
    def b(self) -> UUID:
        return self.partner_ids[1]

    @property
    def version(self) -> int:
        return self.app.get_partnership(self.partnership_id).version


def register_organisation(app: Tvaers, name: str, sector: Sector = Sector.VOLUNTARY) -> UUID:
    created = execute(app, RegisterOrganisation(name=name, sector=sector), meta())
    assert created.created_id is not None
    return created.created_id


def build_world(
    app: Tvaers,
    partners: int = 2,
    *,
    title: str = "Sund By Sundeborg",
    rung: Rung = Rung.INFORMAL_COOPERATION,
) -> World:
    lead_id = register_organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    partnership = execute(
        app,
        RegisterPartnership.of(rich_registry(title=title), lead_organisation_id=lead_id),
        meta(),
    )
    assert partnership.created_id is not None
    partner_ids = []
    for number in range(partners):
        organisation_id = register_organisation(app, f"Partner {number + 1}")
        execute(
            app,
            JoinPartner(
                partnership_id=partnership.created_id,
                organisation_id=organisation_id,
                rung=rung,
                evidence="Kick-off møde",
            ),
            meta(),
        )
        partner_ids.append(organisation_id)
    return World(app, lead_id, partner_ids, partnership.created_id)


@pytest.fixture
def world(app: Tvaers) -> World:
    return build_world(app)


def terms(
    lead_id: UUID,
    party_ids: Sequence[UUID],
    *,
    title: str = "Samarbejdsaftale om rygestop",
    valid_from: date = date(2024, 3, 1),
    valid_to: date = date(2025, 3, 1),
) -> Terms:
    parties = (lead_id, *party_ids)
    return Terms(
        title=title,
        purpose="Flere borgere gennemfører rygestop",
        party_ids=parties,
        obligations=tuple(Obligation(party_id=p, text=f"Opgaver for {p}") for p in parties),
        valid_from=valid_from,
        valid_to=valid_to,
    )


@contextmanager
def refused(app: Tvaers, error: type[Exception], match: str | None = None) -> Iterator[Any]:
    """The block raises `error` and nothing at all is written to the store."""
    before = app.max_notification_id()
    with pytest.raises(error, match=match) as info:
        yield info
    assert app.max_notification_id() == before


_signatories: weakref.WeakKeyDictionary[Tvaers, dict[UUID, UUID]] = weakref.WeakKeyDictionary()


def signatory(app: Tvaers, organisation_id: UUID) -> UUID:
    """A registered person of the organisation who can sign for it (one per organisation).

    Registering writes an event: call it before a `refused(...)` block, not inside one.
    """
    known = _signatories.setdefault(app, {})
    if organisation_id not in known:
        result = execute(
            app,
            RegisterPerson.of(
                Contact(name="Direktør Jensen", title="direktør"), organisation_id=organisation_id
            ),
            meta(),
        )
        assert result.created_id is not None
        known[organisation_id] = result.created_id
    return known[organisation_id]


@pytest.fixture
def snapshots_at_multiples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Snapshots at the multiples of the interval, as before each aggregate had its own
    phase (`snapshot_due`): for the tests that need to know the state at a snapshot, or
    that no snapshot falls among a few versions."""
    monkeypatch.setattr(
        services.application, "snapshot_due", lambda _id, version, interval: version % interval == 0
    )
