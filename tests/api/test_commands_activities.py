"""HTTP: the action plan. Activities (launch, status, adjustments), retention follow-ups and
the implementation circle. Every refusal writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import created, join, register_organisation, tvaers
from tests.api.support import refused, view, write


@pytest.fixture
def club(client: TestClient[Litestar], partnership_id: str) -> str:
    """A partner that owns activities, joined on 1 March 2024."""
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership_id, club, valid_on="2024-03-01"))
    return club


def launch(client: TestClient[Litestar], partnership_id: str, club: str, **fields: Any) -> str:
    body = {
        "title": "Motion på recept",
        "category": "offer",
        "owner_ids": [club],
        "valid_on": "2024-04-01",
        **fields,
    }
    return str(write(client, f"/partnerships/{partnership_id}/activities", body, status=201)["id"])


def test_an_activity_is_launched_started_and_adjusted(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    activity = launch(client, partnership_id, club, target_group="ledige", arena="hal")
    base = f"/partnerships/{partnership_id}/activities/{activity}"

    write(client, f"{base}/status", {"status": "running", "valid_on": "2024-04-15"}, method="PUT")
    write(
        client,
        f"{base}/adjustments",
        {
            "description": "Flyttet til jobcentret, som medejer",
            "arena": "jobcenter",
            "owner_ids": [club, lead_id],
            "valid_on": "2024-06-01",
        },
        if_match=4,
    )

    (shown,) = view(client, partnership_id)["activities"]
    assert shown == {
        "id": activity,
        "title": "Motion på recept",
        "category": "offer",
        "status": "running",
        "target_group": "ledige",
        "arena": "jobcenter",
        "owner_ids": [club, lead_id],
    }
    stored = tvaers(client).get_partnership(uuid.UUID(partnership_id)).activities[activity]
    assert [a.description for a in stored.adjustments] == ["Flyttet til jobcentret, som medejer"]


def test_an_activity_change_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    outsider = register_organisation(client, "Svendborg Roklub", "sports_club")
    activities = f"/partnerships/{partnership_id}/activities"
    activity = launch(client, partnership_id, club)
    base = f"{activities}/{activity}"
    body = {"title": "Gåture", "category": "offer"}

    refused(client, activities, {**body, "owner_ids": [outsider]}, 422, "not-a-partner")
    refused(client, activities, {**body, "owner_ids": []}, 422, "invalid-value")
    refused(client, activities, {**body, "owner_ids": [club], "category": "cure"}, 400)
    refused(client, f"{base}/status", {"status": "paused"}, 422, "activity-state", method="PUT")
    refused(
        client,
        f"{base}/status",
        {"status": "running", "valid_on": "2024-03-01"},
        422,
        "inconsistent-dates",
        method="PUT",
    )
    refused(client, f"{base}/adjustments", {"description": " "}, 400, "invalid-request")
    refused(
        client,
        f"{base}/adjustments",
        {"description": "Ny ejer", "owner_ids": [outsider]},
        422,
        "not-a-partner",
    )
    refused(
        client,
        f"{activities}/{uuid.uuid4()}/status",
        {"status": "running"},
        404,
        "not-found",
        method="PUT",
    )
    refused(
        client,
        f"{base}/status",
        {"status": "running"},
        412,
        "stale-version",
        method="PUT",
        if_match=1,
    )
    write(client, f"{base}/status", {"status": "ended", "valid_on": "2024-05-01"}, method="PUT")
    refused(client, f"{base}/status", {"status": "running"}, 422, "activity-ended", method="PUT")
    refused(client, f"{base}/adjustments", {"description": "Igen"}, 422, "activity-ended")
    assert view(client, partnership_id)["activities"][0]["status"] == "ended"


def test_a_follow_up_is_scheduled_and_its_result_recorded_once(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    activity = launch(client, partnership_id, club)
    base = f"/partnerships/{partnership_id}/follow-ups"
    schedule = {"label": "Efter 3 måneder", "due_on": "2024-07-01", "cohort": 24}

    follow_up = write(
        client, base, {**schedule, "activity_id": activity, "valid_on": "2024-04-01"}, status=201
    )["id"]

    refused(
        client,
        f"{base}/{follow_up}/result",
        {"reached": 20, "retained": 21},
        422,
        "follow-up-state",
    )
    refused(
        client, f"{base}/{follow_up}/result", {"reached": 25, "retained": 1}, 422, "follow-up-state"
    )
    refused(client, f"{base}/{follow_up}/result", {"reached": -1, "retained": 0}, 400)
    refused(
        client, f"{base}/{uuid.uuid4()}/result", {"reached": 1, "retained": 1}, 404, "not-found"
    )
    write(
        client,
        f"{base}/{follow_up}/result",
        {"reached": 20, "retained": 15, "valid_on": "2024-07-02"},
    )
    refused(
        client,
        f"{base}/{follow_up}/result",
        {"reached": 20, "retained": 15},
        422,
        "follow-up-state",
    )

    stored = tvaers(client).get_partnership(uuid.UUID(partnership_id)).follow_ups[follow_up]
    assert (stored.activity_id, stored.cohort) == (uuid.UUID(activity), 24)
    assert (stored.reached, stored.retained, str(stored.recorded_on)) == (20, 15, "2024-07-02")
    refused(client, base, {**schedule, "valid_on": "2024-08-01"}, 422, "inconsistent-dates")
    refused(client, base, {**schedule, "activity_id": str(uuid.uuid4())}, 404, "not-found")
    refused(client, base, {**schedule, "cohort": -3}, 400, "invalid-request")


def test_the_action_plan_goes_round_the_implementation_circle_in_order(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}/phases"

    refused(client, base, {"phase": "start"}, 422, "invalid-value")
    for phase, day in (
        ("plan", "2024-01-01"),
        ("start", "2024-03-01"),
        ("follow_up", "2024-09-01"),
    ):
        write(client, base, {"phase": phase, "note": f"  {phase}  ", "valid_on": day})
    refused(client, base, {"phase": "follow_up"}, 422, "no-change")
    refused(client, base, {"phase": "plan"}, 422, "invalid-value")
    refused(client, base, {"phase": "adjust", "valid_on": "2024-08-01"}, 422, "inconsistent-dates")
    refused(client, base, {"phase": "evaluate"}, 400, "invalid-request")

    phases = tvaers(client).get_partnership(uuid.UUID(partnership_id)).phases
    assert [(p.phase.value, p.note) for p in phases] == [
        ("plan", "plan"),
        ("start", "start"),
        ("follow_up", "follow_up"),
    ]
