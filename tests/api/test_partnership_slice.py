"""The first vertical slice through HTTP: organisations, a partnership, partners joining.

Acceptance scenario: a project leader registers the lead organisation and two more, registers
a partnership, lets both join on a rung of the ladder, and reads the partnership back.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Partnership, dates
from aggregates.taxonomy import Rung
from tests.api.conftest import (
    ACTOR,
    created,
    join,
    partnership_body,
    register_organisation,
    register_partnership,
    tvaers,
)

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores

LEAD = ("Sundhed og Forebyggelse, Svendborg Kommune", "health")
CLUB = ("Svendborg Idrætsforening", "sports_club")
PATIENTS = ("Diabetesforeningen", "patient_association")


def test_the_acceptance_scenario_registers_a_partnership_with_two_partners(
    client: TestClient[Litestar],
) -> None:
    commands: list[dict[str, Any]] = []

    def command(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body)
        result = created(response)
        assert set(result) == {"id", "version", "notification_id"}
        assert response.headers["etag"] == f'"{result["version"]}"'
        commands.append(result)
        return result

    lead, club, patients = (
        command("/organisations", {"name": name, "sector": sector})["id"]
        for name, sector in (LEAD, CLUB, PATIENTS)
    )
    registered = command("/partnerships", partnership_body(lead, yearly_budget_dkk="250000.50"))
    partnership = registered["id"]
    first = command(
        f"/partnerships/{partnership}/partners",
        {"organisation_id": club, "rung": 2, "evidence": "Møde 3. marts"},
    )
    second = command(
        f"/partnerships/{partnership}/partners", {"organisation_id": patients, "rung": 3}
    )

    assert registered["version"] == 1
    assert (first["id"], first["version"]) == (partnership, 2)
    assert (second["id"], second["version"]) == (partnership, 3)
    notification_ids = [c["notification_id"] for c in commands]
    assert notification_ids == sorted(set(notification_ids))
    assert notification_ids[-1] == tvaers(client).max_notification_id()

    response = client.get(f"/partnerships/{partnership}")

    assert response.status_code == 200
    assert response.headers["etag"] == '"3"'
    view = response.json()
    assert view["id"] == partnership
    assert view["version"] == 3
    assert view["title"] == "Bevæg dig for livet"
    assert view["lead_organisation_id"] == lead
    assert view["yearly_budget_dkk"] == "250000.50"
    partners = {
        p["organisation_id"]: (p["name"], p["sector"], p["is_lead"], p["rung"])
        for p in view["partners"]
    }
    assert partners == {
        lead: (*LEAD, True, None),  # the lead is not on the ladder
        club: (*CLUB, False, 2),
        patients: (*PATIENTS, False, 3),
    }
    labels = {p["organisation_id"]: p["rung_label"] for p in view["partners"]}
    assert labels == {lead: None, club: Rung(2).label_da, patients: Rung(3).label_da}


def test_an_organisation_reads_back_with_its_sector_and_etag(
    client: TestClient[Litestar],
) -> None:
    organisation = register_organisation(client, *CLUB, municipality="Svendborg", cvr="12345678")

    response = client.get(f"/organisations/{organisation}")

    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert body["id"] == organisation
    assert (body["name"], body["sector"], body["sector_group"]) == (*CLUB, "external")
    assert (body["municipality"], body["cvr"], body["status"]) == (
        "Svendborg",
        "12345678",
        "active",
    )


@pytest.mark.parametrize("limit", [1, 2, 50])
def test_paging_through_partnerships_visits_each_one_once_in_registration_order(
    client: TestClient[Litestar], lead_id: str, limit: int
) -> None:
    registered = []
    for n in range(3):
        registered.append(register_partnership(client, lead_id, title=f"Partnerskab {n}"))
        register_organisation(client, f"Forening {n}", "voluntary")  # not a partnership
    after = tvaers(client).max_notification_id()  # the list is a view: read your writes

    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": limit, "after": after}
        params |= {"cursor": cursor} if cursor else {}
        response = client.get("/partnerships", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        seen.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    else:
        pytest.fail("paging did not end")

    assert [item["id"] for item in seen] == registered
    assert [item["title"] for item in seen] == [f"Partnerskab {n}" for n in range(3)]
    assert all(item["municipality"] == "Svendborg" for item in seen)


def test_valid_on_reason_actor_and_correlation_id_are_stored_on_the_event(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    club = register_organisation(client, *CLUB)
    correlation_id = uuid.uuid4()

    response = join(
        client,
        partnership_id,
        club,
        headers={"X-Correlation-ID": str(correlation_id)},
        rung=2,
        valid_on="2024-03-01",
        reason="  Aftalt på styregruppemødet  ",
    )

    assert response.status_code == 201, response.text
    assert response.headers["x-correlation-id"] == str(correlation_id)
    joined = tvaers(client).partnership_events(uuid.UUID(partnership_id))[-1]
    assert isinstance(joined, Partnership.PartnerJoined)
    assert joined.organisation_id == uuid.UUID(club)
    assert joined.valid_on == date(2024, 3, 1)
    assert joined.reason == "Aftalt på styregruppemødet"
    assert joined.actor == ACTOR
    assert joined.correlation_id == correlation_id
    partner = next(
        p
        for p in client.get(f"/partnerships/{partnership_id}").json()["partners"]
        if p["organisation_id"] == club
    )
    assert partner["joined_on"] == "2024-03-01"


def test_a_write_without_valid_on_or_reason_happens_today_without_a_reason(
    client: TestClient[Litestar], lead_id: str
) -> None:
    response = client.post("/partnerships", json=partnership_body(lead_id, reason=""))

    partnership = created(response)["id"]
    registered = tvaers(client).partnership_events(uuid.UUID(partnership))[0]
    assert isinstance(registered, Partnership.Registered)
    assert registered.valid_on == dates.today()  # today in Denmark
    assert registered.reason is None
    assert registered.actor == ACTOR


def test_the_correlation_id_sent_is_echoed_and_each_request_gets_its_own_request_id(
    client: TestClient[Litestar],
) -> None:
    correlation_id = str(uuid.uuid4())

    responses = [
        client.get("/health", headers={"X-Correlation-ID": correlation_id}) for _ in range(2)
    ]

    assert [r.headers["x-correlation-id"] for r in responses] == [correlation_id] * 2
    request_ids = [r.headers["x-request-id"] for r in responses]
    assert all(request_ids)
    assert request_ids[0] != request_ids[1]


def test_a_correlation_id_is_made_up_when_none_is_sent(client: TestClient[Litestar]) -> None:
    response = client.get("/health")

    assert uuid.UUID(response.headers["x-correlation-id"])
    assert response.headers["x-request-id"]


def test_a_correlation_id_that_is_not_a_uuid_is_echoed_and_stored_as_a_stable_uuid(
    client: TestClient[Litestar], lead_id: str
) -> None:
    foreign = "sag-2024-0042"

    response = client.post(
        "/partnerships", json=partnership_body(lead_id), headers={"X-Correlation-ID": foreign}
    )

    assert response.headers["x-correlation-id"] == foreign
    partnership = uuid.UUID(created(response)["id"])
    registered = tvaers(client).partnership_events(partnership)[0]
    assert registered.correlation_id == uuid.uuid5(uuid.NAMESPACE_URL, foreign)


def test_a_problem_response_carries_the_request_id_of_its_header(
    client: TestClient[Litestar],
) -> None:
    response = client.get(f"/partnerships/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("if_match", ['"2"', 'W/"2"', "*"])
def test_a_join_with_a_current_or_wildcard_if_match_is_accepted(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, if_match: str
) -> None:
    assert join(client, partnership_id, register_organisation(client, *CLUB)).status_code == 201

    response = join(
        client, partnership_id, register_organisation(client, *PATIENTS), {"If-Match": if_match}
    )

    assert created(response)["version"] == 3
    assert response.headers["etag"] == '"3"'


def test_the_actor_is_who_the_token_names_whatever_the_headers_say(
    client: TestClient[Litestar], lead_id: str
) -> None:
    """The early API took the actor from an `X-Actor` header; a leftover one changes nothing."""
    response = client.post(
        "/partnerships", json=partnership_body(lead_id), headers={"X-Actor": "mallory@example.org"}
    )

    registered = tvaers(client).partnership_events(uuid.UUID(created(response)["id"]))[0]
    assert registered.actor == ACTOR
