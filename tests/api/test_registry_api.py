"""HTTP: registry search, map of offers, agenda, cross-case tables, a partnership's activities
and agreements. Writes the API has no endpoint for yet go through the app's service; every
read passes `after` (read-your-writes)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Contact, Meta
from aggregates.taxonomy import AgreementKind, AnchoringStatus, Dimension, PreventionCategory
from services.application import Tvaers
from services.commands import (
    DraftAgreement,
    EvidenceFields,
    LaunchActivity,
    RecordMilestone,
    RegisterPerson,
    ScheduleFollowUp,
    SignAgreement,
)
from tests.api.conftest import (
    ACTOR,
    assert_problem,
    created,
    join,
    register_organisation,
    register_partnership,
    tvaers,
)
from tests.commands import execute
from tests.projections.support import agreement_terms

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores

D = date


def on(day: date) -> Meta:
    return Meta(actor=ACTOR, valid_on=day)


def ok(client: TestClient[Litestar], path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


class World:
    """Two partnerships in Svendborg with a jobcentre partner, an offer and an agreement."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.service: Tvaers = tvaers(client)
        self.lead = register_organisation(client, "Sundhed og Forebyggelse", "health")
        self.job = register_organisation(client, "Jobcenter Svendborg", "employment")
        self.sund = register_partnership(
            client,
            self.lead,
            title="Sund By",
            tags=["Motion"],
            target_groups=["Ledige"],
            arenas=["Jobcenter"],
            period_start="2024-01-01",
            period_end="2024-12-31",
            valid_on="2024-01-01",
        )
        self.smoke = register_partnership(
            client, self.lead, title="Røgfri Fremtid", tags=["Rygning"], valid_on="2024-01-01"
        )
        joined = join(client, self.sund, self.job, rung=3, valid_on="2024-01-10")
        self.after = created(joined)["notification_id"]

    def write(self, result: Any) -> UUID | None:
        self.after = result.notification_id
        created_id: UUID | None = result.created_id
        return created_id

    def offer(self) -> UUID:
        activity = self.write(
            execute(
                self.service,
                LaunchActivity(
                    partnership_id=UUID(self.sund),
                    title="Motion på recept",
                    category=PreventionCategory.OFFER,
                    owner_ids=[UUID(self.job)],
                    target_group="Ledige",
                    arena="Jobcenter",
                    running=True,
                ),
                on(D(2024, 2, 1)),
            )
        )
        assert activity is not None
        return activity

    def agreement(self) -> UUID:
        lead, job = UUID(self.lead), UUID(self.job)
        terms = agreement_terms(lead, [job], D(2024, 3, 1), D(2024, 11, 15))
        agreement = self.write(
            execute(
                self.service,
                DraftAgreement.of(
                    terms, partnership_id=UUID(self.sund), kind=AgreementKind.COOPERATION
                ),
                on(D(2024, 2, 1)),
            )
        )
        assert agreement is not None
        for party in (lead, job):
            signer = execute(
                self.service,
                RegisterPerson.of(Contact(name="Mette Holm"), organisation_id=party),
                on(D(2024, 1, 1)),
            ).created_id
            assert signer is not None
            self.write(
                execute(
                    self.service,
                    SignAgreement(agreement_id=agreement, party_id=party, signatory_id=signer),
                    on(D(2024, 2, 20)),
                )
            )
        return agreement


@pytest.fixture
def world(client: TestClient[Litestar]) -> World:
    return World(client)


def test_registry_search_filters_and_pages(world: World) -> None:
    client, after = world.client, world.after
    page = ok(client, "/registry/partnerships", after=after, as_of="2024-06-01")
    assert set(page) == {"as_of", "hits", "next_cursor"}
    assert (page["as_of"], page["next_cursor"]) == ("2024-06-01", None)
    assert [h["title"] for h in page["hits"]] == ["Røgfri Fremtid", "Sund By"]
    hit = page["hits"][1]
    assert set(hit) == {
        "id",
        "title",
        "municipality",
        "kind",
        "period_start",
        "period_end",
        "lead_organisation_id",
        "tags",
        "target_groups",
        "arenas",
        "sectors",
        "highest_rung",
        "anchored",
    }
    assert (hit["id"], hit["tags"], hit["sectors"], hit["highest_rung"]) == (
        world.sund,
        ["Motion"],
        ["health", "employment"],
        3,
    )

    def titles(**params: Any) -> list[str]:
        body = ok(client, "/registry/partnerships", **{"as_of": "2024-06-01", **params})
        return [h["title"] for h in body["hits"]]

    assert titles(tag="MOTION") == ["Sund By"]
    assert titles(target_group="ledige", sector="employment", min_rung=3) == ["Sund By"]
    assert titles(sector="employment", as_of="2024-01-05") == []
    assert titles(text="røgfri", municipality="svendborg") == ["Røgfri Fremtid"]
    assert titles(dimension="operations") == []
    first = ok(client, "/registry/partnerships", limit=1)
    assert first["next_cursor"]
    second = ok(client, "/registry/partnerships", limit=1, cursor=first["next_cursor"])
    assert [h["title"] for h in (*first["hits"], *second["hits"])] == [
        "Røgfri Fremtid",
        "Sund By",
    ]
    assert second["next_cursor"] is None

    for params in (
        {"sector": "municipal"},
        {"min_rung": 7},
        {"min_rung": "one"},
        {"dimension": "economy"},
        {"limit": 0},
        {"limit": 201},
        {"as_of": "2024-13-01"},
        {"cursor": "not-a-cursor"},
        {"text": "x" * 201},
    ):
        response = client.get("/registry/partnerships", params=params)
        assert_problem(response, 400, "invalid-request")


def test_the_map_of_offers(world: World) -> None:
    client = world.client
    activity = world.offer()
    body = ok(client, "/registry/offers", after=world.after, as_of="2024-06-01")
    assert body["as_of"] == "2024-06-01"
    [offer] = body["offers"]
    assert offer == {
        "partnership_id": world.sund,
        "partnership_title": "Sund By",
        "municipality": "Svendborg",
        "activity_id": str(activity),
        "title": "Motion på recept",
        "description": "",
        "target_group": "Ledige",
        "arena": "Jobcenter",
        "status": "running",
        "status_label": "i gang",
        "status_since": "2024-02-01",
        "owner_ids": [world.job],
        "owner_names": ["Jobcenter Svendborg"],
    }
    found = ok(client, "/registry/offers", municipality="SVENDBORG", target_group="ledig")
    assert [o["activity_id"] for o in found["offers"]] == [str(activity)]
    assert ok(client, "/registry/offers", as_of="2024-01-15")["offers"] == []
    assert ok(client, "/registry/offers", arena="skole")["offers"] == []
    for params in ({"limit": 500}, {"as_of": "yesterday"}, {"after": 0}):
        assert_problem(client.get("/registry/offers", params=params), 400, "invalid-request")


def test_a_partnerships_activities_and_agreements(world: World) -> None:
    client = world.client
    activity = world.offer()
    agreement = world.agreement()
    path = f"/partnerships/{world.sund}"

    body = ok(client, f"{path}/activities", after=world.after, as_of="2024-06-01")
    [view] = body["activities"]
    assert (view["activity_id"], view["category"], view["category_label"]) == (
        str(activity),
        "offer",
        "tilbud",
    )
    assert (view["status"], view["launched_on"], view["owner_names"]) == (
        "running",
        "2024-02-01",
        ["Jobcenter Svendborg"],
    )
    assert ok(client, f"{path}/activities", as_of="2024-01-31")["activities"] == []
    assert ok(client, f"{path}/activities", known_at="2020-01-01T00:00:00Z")["activities"] == []

    march = ok(client, f"{path}/agreements", after=world.after, as_of="2024-03-15")
    [entry] = march["agreements"]
    assert (entry["agreement_id"], entry["kind"], entry["kind_label"]) == (
        str(agreement),
        "cooperation",
        "samarbejdsaftale",
    )
    assert (entry["status"], entry["status_label"], entry["signed_on"]) == (
        "in_force",
        "i kraft",
        "2024-02-20",
    )
    assert [(p["name"], p["signed_on"]) for p in entry["parties"]] == [
        ("Sundhed og Forebyggelse", "2024-02-20"),
        ("Jobcenter Svendborg", "2024-02-20"),
    ]
    early = ok(client, f"{path}/agreements", as_of="2024-02-10")["agreements"]
    assert [a["status_label"] for a in early] == ["udkast"]
    assert ok(client, f"/partnerships/{world.smoke}/agreements")["agreements"] == []

    unknown = uuid.uuid4()
    for view_name in ("activities", "agreements"):
        response = client.get(f"/partnerships/{unknown}/{view_name}")
        assert str(unknown) in assert_problem(response, 404, "not-found")["detail"]
        response = client.get(f"{path}/{view_name}", params={"as_of": "15-03-2024"})
        assert_problem(response, 400, "invalid-request")


def test_the_agenda_and_the_cross_case_tables(world: World) -> None:
    client, service = world.client, world.service
    agreement = world.agreement()
    follow_up = world.write(
        execute(
            service,
            ScheduleFollowUp(
                partnership_id=UUID(world.sund),
                label="3 måneder",
                due_on=D(2024, 10, 20),
                cohort=20,
            ),
            on(D(2024, 7, 20)),
        )
    )
    world.write(
        execute(
            service,
            RecordMilestone(
                partnership_id=UUID(world.sund),
                dimension=Dimension.OPERATIONS,
                status=AnchoringStatus.ANCHORED,
                title="Videreført i drift",
                evidence=EvidenceFields(text="Budgetaftale"),
            ),
            on(D(2024, 6, 1)),
        )
    )

    body = ok(
        client,
        "/agenda",
        after=world.after,
        as_of="2024-10-01",
        within_days=60,
        partnership_id=[world.sund, world.smoke],
    )
    assert set(body) == {
        "today",
        "within_days",
        "horizon",
        "expiring_agreements",
        "follow_ups_due",
        "vacant_roles",
        "stalled_projects",
    }
    assert (body["today"], body["within_days"], body["horizon"]) == (
        "2024-10-01",
        60,
        "2024-11-30",
    )
    [expiring] = body["expiring_agreements"]
    assert (expiring["agreement_id"], expiring["days_left"], expiring["partnership_title"]) == (
        str(agreement),
        45,
        "Sund By",
    )
    [due] = body["follow_ups_due"]
    assert (due["follow_up_id"], due["label"], due["days_left"]) == (
        str(follow_up),
        "3 måneder",
        19,
    )
    assert (body["vacant_roles"], body["stalled_projects"]) == ([], [])
    assert ok(client, "/agenda", as_of="2024-10-01", within_days=10)["expiring_agreements"] == []
    assert ok(client, "/agenda", partnership_id=world.smoke)["follow_ups_due"] == []

    tables = ok(
        client,
        "/crosscase",
        after=world.after,
        as_of="2024-06-01",
        partnership_id=[world.sund, world.smoke],
    )
    assert set(tables) == {
        "as_of",
        "partnerships",
        "municipal",
        "external",
        "rungs",
        "dimensions",
        "anchored_on",
        "anchored_group",
        "not_anchored_group",
        "factor_kinds",
        "factors",
        "factor_sources",
    }
    assert [p["title"] for p in tables["partnerships"]] == ["Røgfri Fremtid", "Sund By"]
    health = tables["municipal"][0]
    assert (health["sector"], health["label"], health["count"]) == (
        "health",
        "sundhed og forebyggelse",
        2,
    )
    assert health["partnerships"] == health["lead_in"] == [world.smoke, world.sund]
    employment = next(r for r in tables["municipal"] if r["sector"] == "employment")
    assert employment["partnerships"] == [world.sund]
    operations = next(d for d in tables["dimensions"] if d["dimension"] == "operations")
    assert (operations["label"], operations["count"], operations["median_days"]) == (
        "drift",
        1,
        152.0,  # from the period start, 1 January, to 1 June
    )
    everything = ok(client, "/crosscase")
    assert len(everything["partnerships"]) == 2

    unknown = str(uuid.uuid4())
    for path in ("/agenda", "/crosscase"):
        response = client.get(path, params={"partnership_id": [world.sund, unknown]})
        assert unknown in assert_problem(response, 404, "not-found")["detail"]
        response = client.get(path, params={"partnership_id": "not-a-uuid"})
        assert_problem(response, 400, "invalid-request")
    for params in ({"within_days": -1}, {"within_days": "soon"}, {"within_days": 4000}):
        assert_problem(client.get("/agenda", params=params), 400, "invalid-request")
