"""HTTP: evaluators' notes (/partnerships/{id}/annotations): who may write them, who sees them,
and that they link only to the partnership's own history."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

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
from tests.api.support import accepted, nothing_written, write
from tests.commands import execute

AUTHOR = "evaluator@cowi.dk"  # evaluator on every partnership in Svendborg
COLLEAGUE = "kollega@cowi.dk"  # evaluator on this partnership alone
STEERING = "styregruppe@svendborg.dk"
LEADER = "leder@svendborg.dk"

NOTE = {
    "kind": "factor",
    "text": "Centercheferne sad i styregruppen hele vejen",
    "dimension": "management",
}


@dataclass
class World:
    client: TestClient[Litestar]
    partnership: str
    milestone_version: int
    headers: dict[str, dict[str, str]]

    @property
    def path(self) -> str:
        return f"/partnerships/{self.partnership}/annotations"

    def send(self, username: str, method: str, path: str, body: Any = None) -> Response:
        return self.client.request(
            method, self.path + path, json=body, headers=self.headers[username]
        )

    def note(self, username: str = AUTHOR, **body: Any) -> str:
        return str(accepted(self.send(username, "POST", "", {**NOTE, **body}), 201)["id"])

    def seen_by(self, username: str) -> list[dict[str, Any]]:
        after = tvaers(self.client).max_notification_id()
        response = self.client.get(
            self.path, params={"after": after}, headers=self.headers[username]
        )
        assert response.status_code == 200, response.text
        notes: list[dict[str, Any]] = response.json()["annotations"]
        return notes


@pytest.fixture
def world(client: TestClient[Litestar]) -> World:
    lead = register_organisation(client, "Sundhed og Forebyggelse, Svendborg Kommune")
    partnership = register_partnership(client, lead)
    milestone = write(
        client,
        f"/partnerships/{partnership}/milestones",
        {
            "dimension": "management",
            "status": "partial",
            "title": "Centerchefer i styregruppen",
            "evidence": {"text": "Kommissorium"},
            "valid_on": "2024-03-01",
        },
        status=201,
    )
    service, pid, by = tvaers(client), UUID(partnership), Meta(actor=ACTOR)
    for username in (AUTHOR, COLLEAGUE, STEERING, LEADER):
        add_user(client, username)
    execute(
        service,
        GrantAccess(username=AUTHOR, role=AccessRole.EVALUATOR, municipality="Svendborg"),
        by,
    )
    execute(
        service, GrantAccess(username=COLLEAGUE, role=AccessRole.EVALUATOR, partnership_id=pid), by
    )
    execute(
        service,
        GrantAccess(username=STEERING, role=AccessRole.STEERING_MEMBER, partnership_id=pid),
        by,
    )
    execute(
        service,
        GrantAccess(username=LEADER, role=AccessRole.PROJECT_LEADER, partnership_id=pid),
        by,
    )
    headers = {u: as_user(client, u) for u in (AUTHOR, COLLEAGUE, STEERING, LEADER)}
    headers[ACTOR] = {}  # the client's own: the administrator
    return World(client, partnership, milestone["version"], headers)


def test_an_evaluator_writes_a_draft_only_they_see(world: World) -> None:
    link = {"aggregate_id": world.partnership, "version": world.milestone_version}
    note_id = world.note(links=[link], valid_on="2024-09-01", reason="Interview med centerchef")

    (mine,) = world.seen_by(AUTHOR)
    assert (mine["id"], mine["status"], mine["mine"], mine["author"]) == (
        note_id,
        "draft",
        True,
        AUTHOR,
    )
    assert (mine["kind"], mine["dimension"], mine["text"], mine["valid_on"]) == (
        "factor",
        "management",
        NOTE["text"],
        "2024-09-01",
    )
    assert [(x["aggregate_id"], x["version"], x["kind"]) for x in mine["links"]] == [
        (world.partnership, world.milestone_version, "MilestoneRecorded")
    ]
    for other in (COLLEAGUE, STEERING, LEADER, ACTOR):
        assert world.seen_by(other) == [], other


def test_publishing_shows_it_to_every_reader_and_withdrawing_hides_it(world: World) -> None:
    note_id = world.note()

    published = accepted(world.send(AUTHOR, "POST", f"/{note_id}/publish", {}))
    assert published["version"] == 2
    for reader in (AUTHOR, COLLEAGUE, STEERING, LEADER, ACTOR):
        assert [(n["id"], n["status"]) for n in world.seen_by(reader)] == [
            (note_id, "published")
        ], reader

    accepted(world.send(AUTHOR, "POST", f"/{note_id}/withdraw", {"reason": "Skal præciseres"}))
    assert [n["status"] for n in world.seen_by(AUTHOR)] == ["withdrawn"]
    assert world.seen_by(STEERING) == []


@pytest.mark.parametrize("username", [STEERING, LEADER])
def test_only_evaluators_write_notes(world: World, username: str) -> None:
    note_id = world.note()
    with nothing_written(world.client):
        refusals = [
            world.send(username, "POST", "", NOTE),
            world.send(username, "PUT", f"/{note_id}", NOTE),
            world.send(username, "POST", f"/{note_id}/publish", {}),
        ]
    for response in refusals:
        assert_problem(response, 403, "forbidden")


def test_another_evaluator_finds_no_draft_and_may_not_change_a_published_note(
    world: World,
) -> None:
    note_id = world.note()
    with nothing_written(world.client):
        hidden = world.send(COLLEAGUE, "POST", f"/{note_id}/publish", {})
    assert_problem(hidden, 404, "not-found")

    accepted(world.send(AUTHOR, "POST", f"/{note_id}/publish", {}))
    with nothing_written(world.client):
        foreign = world.send(COLLEAGUE, "POST", f"/{note_id}/withdraw", {})
    body = assert_problem(foreign, 422, "not-author")
    assert AUTHOR in body["detail"]


def test_a_published_note_is_withdrawn_before_it_is_revised(world: World) -> None:
    note_id = world.note()
    revised = accepted(world.send(AUTHOR, "PUT", f"/{note_id}", {**NOTE, "kind": "judgement"}))
    assert revised["version"] == 2
    accepted(world.send(AUTHOR, "POST", f"/{note_id}/publish", {}))

    with nothing_written(world.client):
        refused = world.send(AUTHOR, "PUT", f"/{note_id}", {**NOTE, "text": "Ny tekst"})
    assert_problem(refused, 422, "annotation-state")
    with nothing_written(world.client):
        again = world.send(AUTHOR, "POST", f"/{note_id}/publish", {})
    assert_problem(again, 422, "annotation-state")


def test_if_match_names_the_notes_version(world: World) -> None:
    note_id = world.note()
    headers = {**world.headers[AUTHOR], "If-Match": '"7"'}
    with nothing_written(world.client):
        stale = world.client.put(f"{world.path}/{note_id}", json=NOTE, headers=headers)
    assert_problem(stale, 412, "stale-version")
    assert stale.json()["current_version"] == 1


def test_links_only_to_events_of_this_partnership(world: World) -> None:
    other_lead = register_organisation(world.client, "Jobcenter Norddjurs", "employment")
    other = register_partnership(world.client, other_lead, title="Røgfri Norddjurs")
    bad_links = [
        {"aggregate_id": other, "version": 1},  # another partnership's history
        {"aggregate_id": world.partnership, "version": world.milestone_version + 1},  # not yet
        {"aggregate_id": other_lead, "version": 1},  # an organisation's
    ]
    for link in bad_links:
        with nothing_written(world.client):
            response = world.send(AUTHOR, "POST", "", {**NOTE, "links": [link]})
        body = assert_problem(response, 404, "not-found")
        assert body["detail"].startswith("No event")

    with nothing_written(world.client):
        malformed = world.send(
            AUTHOR, "POST", "", {**NOTE, "links": [{"aggregate_id": world.partnership}]}
        )
    assert_problem(malformed, 400, "invalid-request")


def test_empty_text_is_refused(world: World) -> None:
    with nothing_written(world.client):
        response = world.send(AUTHOR, "POST", "", {**NOTE, "text": "   "})
    assert_problem(response, 400, "invalid-request")  # nothing visible: the text rule


def test_administrators_write_their_own_notes_and_see_only_others_published(
    world: World,
) -> None:
    draft = world.note(AUTHOR)
    own = world.note(ACTOR, kind="barrier")

    assert [(n["id"], n["mine"]) for n in world.seen_by(ACTOR)] == [(own, True)]
    with nothing_written(world.client):
        hidden = world.send(ACTOR, "PUT", f"/{draft}", NOTE)
    assert_problem(hidden, 404, "not-found")


def test_a_note_is_not_found_under_another_partnership(world: World) -> None:
    note_id = world.note()
    other_lead = register_organisation(world.client, "Jobcenter Vejle", "employment")
    other = register_partnership(world.client, other_lead, title="Andet", municipality="Svendborg")

    response = world.client.post(
        f"/partnerships/{other}/annotations/{note_id}/publish",
        json={},
        headers=world.headers[AUTHOR],
    )

    assert_problem(response, 404, "not-found")


def test_the_notes_a_reader_sees_export_as_a_spreadsheet_file(world: World) -> None:
    draft = world.note()
    published = world.note()
    accepted(world.send(AUTHOR, "POST", f"/{published}/publish", {}))
    after = tvaers(world.client).max_notification_id()

    def exported(username: str) -> list[dict[str, str]]:
        response = world.client.get(
            world.path,
            params={"format": "csv", "lang": "da", "after": after},
            headers=world.headers[username],
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-disposition"].startswith("attachment; filename=")
        text = response.content.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text), delimiter=";"))

    assert {r["ID"] for r in exported(AUTHOR)} == {draft, published}
    steering = exported(STEERING)
    assert [r["ID"] for r in steering] == [published]
    assert steering[0]["Tekst"] == NOTE["text"]
