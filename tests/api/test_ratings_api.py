"""HTTP: the steering group's self-assessment of anchoring (POST/GET /partnerships/{id}/ratings),
its flags beside the evidence, and its export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from aggregates import Meta
from aggregates.account import AccessRole
from services.commands import GrantAccess
from tests.api.conftest import (
    ACTOR,
    add_user,
    as_user,
    assert_problem,
    register_organisation,
    register_partnership,
    tvaers,
)
from tests.api.support import accepted, nothing_written, register_person, write
from tests.commands import execute

STEERING = "styregruppe@sundeborg.dk"
LEADER = "leder@sundeborg.dk"
EVALUATOR = "evaluator@cowi.dk"
NOBODY = "nobody@sundeborg.dk"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    client: TestClient[Litestar]
    partnership: str
    chair: str

    @property
    def path(self) -> str:
        return f"/partnerships/{self.partnership}/ratings"

    def rate(self, username: str, **body: Any) -> Response:
        return self.client.post(self.path, json=body, headers=as_user(self.client, username))

    def view(self, **params: Any) -> dict[str, Any]:
        after = tvaers(self.client).max_notification_id()
        response = self.client.get(self.path, params={"after": after, **params})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def world(client: TestClient[Litestar]) -> World:
    lead = register_organisation(client, "Sundhed og Forebyggelse, Svendborg Kommune")
    partnership = register_partnership(client, lead)
    chair = register_person(client, lead, "Mette Holm")
    service = tvaers(client)
    for username in (STEERING, LEADER, EVALUATOR, NOBODY):
        add_user(client, username)
    pid = UUID(partnership)
    execute(
        service,
        GrantAccess(username=STEERING, role=AccessRole.STEERING_MEMBER, partnership_id=pid),
        Meta(actor=ACTOR),
    )
    execute(
        service,
        GrantAccess(username=LEADER, role=AccessRole.PROJECT_LEADER, partnership_id=pid),
        Meta(actor=ACTOR),
    )
    execute(
        service,
        GrantAccess(username=EVALUATOR, role=AccessRole.EVALUATOR, municipality="Svendborg"),
        Meta(actor=ACTOR),
    )
    return World(client, partnership, chair)


def test_steering_group_members_and_project_leaders_rate(world: World) -> None:
    by_steering = accepted(
        world.rate(
            STEERING,
            dimension="operations",
            rating=3,
            comment="Driftsbudget drøftet",
            rated_by=world.chair,
            valid_on="2024-02-01",
            reason="Styregruppemøde",
        ),
        201,
    )
    accepted(world.rate(LEADER, dimension="operations", rating=4, valid_on="2024-05-01"), 201)

    body = world.view()
    assert [(r["rating_id"], r["rating"], r["valid_on"]) for r in body["ratings"]] == [
        (by_steering["id"], 3, "2024-02-01"),
        (body["ratings"][1]["rating_id"], 4, "2024-05-01"),
    ]
    first = body["ratings"][0]
    assert (first["comment"], first["rated_by"], first["rated_by_name"], first["recorded_by"]) == (
        "Driftsbudget drøftet",
        world.chair,
        "Mette Holm",
        STEERING,
    )
    # The rise from 3 to 4 had no milestone of operations in between.
    assert [
        (f["kind"], f["dimension"], f["previous_rating"], f["rating"]) for f in body["flags"]
    ] == [("rose_without_evidence", "operations", 3, 4)]
    operations = next(d for d in body["dimensions"] if d["dimension"] == "operations")
    assert operations["latest_rating"] == 4
    assert [p["rose_without_evidence"] for p in operations["ratings"]] == [False, True]


@pytest.mark.parametrize("username", [EVALUATOR, NOBODY])
def test_others_may_not_rate(world: World, username: str) -> None:
    headers = as_user(world.client, username)
    with nothing_written(world.client):
        response = world.client.post(
            world.path, json={"dimension": "operations", "rating": 3}, headers=headers
        )
    assert_problem(response, 403, "forbidden")


def test_evaluators_and_steering_members_read_the_ratings(world: World) -> None:
    accepted(world.rate(STEERING, dimension="culture", rating=2), 201)
    after = tvaers(world.client).max_notification_id()

    for username in (EVALUATOR, STEERING, LEADER):
        response = world.client.get(
            world.path, params={"after": after}, headers=as_user(world.client, username)
        )
        assert response.status_code == 200, response.text
        assert [r["rating"] for r in response.json()["ratings"]] == [2]
    refused = world.client.get(world.path, headers=as_user(world.client, NOBODY))
    assert_problem(refused, 403, "forbidden")


@pytest.mark.parametrize("rating", [0, 8, 3.5, None])
def test_a_rating_off_the_scale_is_refused_before_the_domain(world: World, rating: Any) -> None:
    with nothing_written(world.client):
        response = world.client.post(world.path, json={"dimension": "method", "rating": rating})
    assert_problem(response, 400, "invalid-request")


def test_an_unknown_rater_or_dimension_is_refused(world: World) -> None:
    with nothing_written(world.client):
        unknown = world.client.post(
            world.path,
            json={"dimension": "method", "rating": 3, "rated_by": world.partnership},
        )
        dimension = world.client.post(world.path, json={"dimension": "mood", "rating": 3})
    assert_problem(unknown, 404, "not-found")
    assert_problem(dimension, 400, "invalid-request")


def test_a_rater_whose_data_is_erased_is_refused(world: World) -> None:
    """The command's row checks `rated_by` before the partnership is touched: a person
    whose personal data is erased gives no more ratings."""
    erased = world.client.post(f"/persons/{world.chair}/erasure", json={})
    assert erased.status_code == 200, erased.text
    with nothing_written(world.client):
        refused = world.client.post(
            world.path, json={"dimension": "method", "rating": 3, "rated_by": world.chair}
        )
    assert_problem(refused, 422, "person-erased")


def test_if_match_names_the_partnerships_version(world: World) -> None:
    with nothing_written(world.client):
        stale = world.client.post(
            world.path, json={"dimension": "method", "rating": 3}, headers={"If-Match": '"0"'}
        )
    assert_problem(stale, 412, "stale-version")
    current = stale.json()["current_version"]
    fresh = world.client.post(
        world.path,
        json={"dimension": "method", "rating": 3},
        headers={"If-Match": f'"{current}"'},
    )
    assert accepted(fresh, 201)["version"] == current + 1


def test_as_of_and_known_at_and_a_corrected_date(world: World) -> None:
    client = world.client
    rated = accepted(world.rate(STEERING, dimension="method", rating=5, valid_on="2024-06-01"), 201)
    before_the_correction = datetime.now().astimezone().isoformat()
    write(
        client,
        f"/partnerships/{world.partnership}/corrections/dates",
        {"corrects_version": rated["version"], "corrected_valid_on": "2024-01-15"},
    )

    spring = world.view(as_of="2024-03-01")
    assert [(r["rating_id"], r["valid_on"], r["corrected"]) for r in spring["ratings"]] == [
        (rated["id"], "2024-01-15", True)
    ]
    assert world.view(as_of="2024-03-01", known_at=before_the_correction)["ratings"] == []
    assert spring["as_of"] == "2024-03-01"


def test_evidence_nobody_rated_is_flagged(world: World) -> None:
    accepted(world.rate(STEERING, dimension="political", rating=2, valid_on="2024-01-01"), 201)
    milestone = write(
        world.client,
        f"/partnerships/{world.partnership}/milestones",
        {
            "dimension": "political",
            "status": "anchored",
            "title": "Byrådet vedtog sundhedspolitikken",
            "evidence": {"text": "Referat"},
            "valid_on": "2024-04-01",
        },
        status=201,
    )

    (flag,) = world.view()["flags"]
    assert (flag["kind"], flag["milestone_id"], flag["milestone_title"], flag["valid_on"]) == (
        "evidence_not_rated",
        milestone["id"],
        "Byrådet vedtog sundhedspolitikken",
        "2024-04-01",
    )

    accepted(world.rate(STEERING, dimension="political", rating=5, valid_on="2024-05-01"), 201)
    assert world.view()["flags"] == []  # rated after the evidence, and rose with it


def test_the_ratings_as_csv_and_xlsx_in_danish(world: World) -> None:
    accepted(
        world.rate(STEERING, dimension="operations", rating=3, valid_on="2024-02-01", comment="=x"),
        201,
    )
    accepted(world.rate(STEERING, dimension="operations", rating=6, valid_on="2024-03-01"), 201)
    after = tvaers(world.client).max_notification_id()

    response = world.client.get(world.path, params={"format": "csv", "lang": "da", "after": after})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].startswith(
        f'attachment; filename="ratings-{world.partnership}-'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert [(r["Dimension"], r["Vurdering (1-7)"], r["Kommentar"]) for r in rows] == [
        ("drift", "3", "'=x"),
        ("drift", "6", ""),
    ]

    flags = world.client.get(
        world.path, params={"format": "csv", "lang": "da", "table": "flags", "after": after}
    )
    (flag,) = csv.DictReader(io.StringIO(flags.content.decode("utf-8-sig")), delimiter=";")
    assert flag["Type"] == "vurderingen steg uden ny dokumentation"
    assert flag["Forrige vurdering"] == "3"

    book = load_workbook(
        io.BytesIO(
            world.client.get(
                world.path, params={"format": "xlsx", "lang": "da", "after": after}
            ).content
        )
    )
    assert book.sheetnames == ["vurderinger", "markeringer", "kodebog"]
