"""HTTP: a steering-group member's seat is changed (PUT .../members/{person_id}/seat).

Issue 14, finding 2: the seat field defaults to medlem, so an intended formand was
appointed as a member and the only fix was a false step-down and a new appointment.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import tvaers
from tests.api.support import refused, register_person, view, write


def _appoint(client: TestClient[Litestar], base: str, person: str, seat: str = "member") -> None:
    body = {"person_id": person, "seat": seat, "valid_on": "2024-01-10"}
    write(client, f"{base}/steering-group/members", body, status=201)


def _seats(client: TestClient[Litestar], partnership_id: str, as_of: str) -> dict[str, str]:
    after = tvaers(client).max_notification_id()
    response = client.get(
        f"/partnerships/{partnership_id}/roles", params={"as_of": as_of, "after": str(after)}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return {s["person_name"]: s["seat"] for s in body["steering_group"]}


def test_a_formand_appointed_as_medlem_is_made_formand_without_stepping_down(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    anne = register_person(client, lead_id, "Anne Berg")
    _appoint(client, base, anne)  # the form's default seat: medlem

    result = write(
        client,
        f"{base}/steering-group/members/{anne}/seat",
        {"seat": "chair", "valid_on": "2024-01-10", "reason": "Udpeget som formand"},
        method="PUT",
    )

    assert result["id"] == partnership_id
    assert [
        (s["person_id"], s["seat"]) for s in view(client, partnership_id)["steering_group"]
    ] == [(anne, "chair")]
    assert _seats(client, partnership_id, "2024-01-10") == {"Anne Berg": "chair"}
    partnership = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    assert [a.spell.until for a in partnership.appointments.values()] == [None]  # sits on
    after = tvaers(client).max_notification_id()
    audit = client.get(f"{base}/audit", params={"after": str(after), "group": "governance"})
    entry = audit.json()["entries"][0]
    assert (entry["kind"], entry["summary"], entry["summary_en"]) == (
        "SteeringSeatChanged",
        "Anne Berg skifter plads i styregruppen: medlem → formand",
        "Anne Berg changes seat on the steering group: member → chair",
    )


def test_the_roles_view_shows_each_seat_on_its_dates(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    anne = register_person(client, lead_id, "Anne Berg")
    _appoint(client, base, anne)
    seat = f"{base}/steering-group/members/{anne}/seat"
    write(client, seat, {"seat": "vice_chair", "valid_on": "2024-05-01"}, method="PUT")

    assert _seats(client, partnership_id, "2024-04-30") == {"Anne Berg": "member"}
    assert _seats(client, partnership_id, "2024-05-01") == {"Anne Berg": "vice_chair"}


def test_a_seat_change_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    chair = register_person(client, lead_id, "Anne Berg")
    member = register_person(client, lead_id, "Bo Dahl")
    outsider = register_person(client, lead_id, "Carl Ebbesen")
    _appoint(client, base, chair, "chair")
    _appoint(client, base, member)
    seat = f"{base}/steering-group/members"

    refused(client, f"{seat}/{member}/seat", {"seat": "chair"}, 422, "seat-occupied", method="PUT")
    refused(client, f"{seat}/{member}/seat", {"seat": "member"}, 422, "no-change", method="PUT")
    refused(
        client,
        f"{seat}/{member}/seat",
        {"seat": "vice_chair", "valid_on": "2024-01-09"},
        422,
        "not-on-steering-group",
        method="PUT",
    )
    refused(
        client,
        f"{seat}/{outsider}/seat",
        {"seat": "vice_chair"},
        422,
        "not-on-steering-group",
        method="PUT",
    )
    refused(client, f"{seat}/{member}/seat", {"seat": "king"}, 400, "invalid-request", method="PUT")
    refused(client, f"{seat}/{member}/seat", {}, 400, "invalid-request", method="PUT")
    refused(
        client,
        f"{seat}/{member}/seat",
        {"seat": "vice_chair"},
        412,
        "stale-version",
        method="PUT",
        if_match=1,
    )
    seats = {s["person_id"]: s["seat"] for s in view(client, partnership_id)["steering_group"]}
    assert seats == {chair: "chair", member: "member"}
