"""The action plan and anchoring forms: launching, adjusting and moving activities;
anchoring milestones with evidence; promoting factors and barriers linked to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.taxonomy import ActivityStatus
from tests.ui.conftest import text, tvaers
from tests.ui.forms_support import (
    Desk,
    day,
    error_next_to,
    get_json,
    nothing_saved,
    redirected,
)


@dataclass
class Setting:
    desk: Desk
    lead: str
    club: str


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead)
    desk.join(club, rung=3)
    return Setting(desk, lead, club)


def activities(desk: Desk) -> dict[str, Any]:
    partnership = tvaers(desk.client).get_partnership(UUID(desk.partnership))
    return {a.title: a for a in partnership.activities.values()}


def launch(setting: Setting, title: str = "Motion på recept", **fields: Any) -> str:
    data = {
        "title": title,
        "category": "offer",
        "owner_ids": [setting.lead, setting.club],
        "valid_on": day(-100),
        **fields,
    }
    redirected(setting.desk.post("activities/new", data))
    return str(activities(setting.desk)[title].activity_id)


def test_an_activity_is_launched_by_its_owners(setting: Setting) -> None:
    desk = setting.desk
    response = desk.post(
        "activities/new",
        {
            "title": "Gå-hold for seniorer",
            "category": "offer",
            "owner_ids": [setting.club],
            "target_group": "Seniorer",
            "arena": "Idrætshallen",
            "running": "on",
            "valid_on": day(-30),
            "reason": "Startet efter sommerferien",
        },
    )
    assert redirected(response) == f"{desk.base}#activities"
    activity = activities(desk)["Gå-hold for seniorer"]
    assert activity.owner_ids == (UUID(setting.club),)
    assert activity.status is ActivityStatus.RUNNING
    assert (activity.target_group, activity.arena) == ("Seniorer", "Idrætshallen")
    offers = get_json(desk.client, f"/partnerships/{desk.partnership}/activities")
    assert "Gå-hold for seniorer" in str(offers)


def test_an_activity_without_owners_is_refused_next_to_the_owners(setting: Setting) -> None:
    with nothing_saved(setting.desk.client):
        response = setting.desk.post(
            "activities/new", {"title": "Uden ejer", "category": "offer", "valid_on": day(0)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "owner_ids") == "Feltet skal udfyldes."


def test_an_adjustment_records_only_what_changed(setting: Setting) -> None:
    desk = setting.desk
    activity_id = launch(setting, target_group="Ledige")
    form = desk.get(f"activities/{activity_id}/adjust")
    assert 'value="Motion på recept"' in form.text  # starts from today's values

    response = desk.post(
        f"activities/{activity_id}/adjust",
        {
            "description": "Flyttet til aftentimer",
            "title": "Motion på recept",
            "target_group": "Ledige og sygemeldte",
            "arena": "",
            "owner_ids": [setting.lead, setting.club],
            "valid_on": day(-10),
        },
    )
    assert redirected(response) == f"{desk.base}#activities"
    payload = desk.last_entry("ActivityAdjusted")["payload"]
    assert payload["description"] == "Flyttet til aftentimer"
    assert payload["target_group"] == "Ledige og sygemeldte"
    assert (payload["title"], payload["arena"], payload["owner_ids"]) == (None, None, None)


def test_an_adjustment_without_owners_is_refused(setting: Setting) -> None:
    activity_id = launch(setting)
    with nothing_saved(setting.desk.client):
        response = setting.desk.post(
            f"activities/{activity_id}/adjust",
            {"description": "Ingen ejere", "title": "Motion på recept", "valid_on": day(0)},
        )
    assert error_next_to(response, "owner_ids") == "Feltet skal udfyldes."


def test_an_activity_goes_through_its_statuses_and_a_wrong_move_is_refused(
    setting: Setting,
) -> None:
    desk = setting.desk
    activity_id = launch(setting)  # planned
    with nothing_saved(desk.client):
        response = desk.post(
            f"activities/{activity_id}/status", {"status": "paused", "valid_on": day(-50)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "status") == (
        "Aktiviteten «Motion på recept» kan ikke gå fra planlagt til sat på pause."
    )

    for status, offset in (("running", -50), ("paused", -20), ("ended", -5)):
        redirected(
            desk.post(
                f"activities/{activity_id}/status", {"status": status, "valid_on": day(offset)}
            )
        )
    assert activities(desk)["Motion på recept"].status is ActivityStatus.ENDED
    changed = desk.last_entry("ActivityStatusChanged")
    assert changed["valid_on"] == day(-5)


def test_a_milestone_is_recorded_with_evidence(setting: Setting) -> None:
    desk = setting.desk
    form = desk.get("milestones/new?dimension=operations")
    assert '<option value="operations" selected>' in form.text
    assert '<option value="none"' not in form.text  # a milestone moves a dimension on

    response = desk.post(
        "milestones/new",
        {
            "dimension": "operations",
            "status": "partial",
            "title": "Del af driftsbudgettet",
            "evidence_text": "Budget 2025, linje 4.2",
            "evidence_link": "https://svendborg.dk/b",
            "document_ref": "25/1234",
            "valid_on": day(-40),
            "reason": "Vedtaget budget",
        },
    )
    assert redirected(response) == f"{desk.base}#anchoring"
    anchoring = get_json(desk.client, f"/partnerships/{desk.partnership}/anchoring")
    operations = next(d for d in anchoring["dimensions"] if d["dimension"] == "operations")
    assert operations["status"] == "partial"
    [milestone] = anchoring["milestones"]
    assert milestone["title"] == "Del af driftsbudgettet"
    assert "Budget 2025, linje 4.2" in str(milestone)


def test_a_milestone_without_evidence_is_refused_next_to_the_evidence(setting: Setting) -> None:
    with nothing_saved(setting.desk.client):
        response = setting.desk.post(
            "milestones/new",
            {
                "dimension": "political",
                "status": "started",
                "title": "Politisk opbakning",
                "evidence_text": "",
                "valid_on": day(0),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "evidence_text") == "Feltet skal udfyldes."


def test_a_barrier_is_recorded_and_linked_to_a_milestone(setting: Setting) -> None:
    desk = setting.desk
    redirected(
        desk.post(
            "milestones/new",
            {
                "dimension": "management",
                "status": "started",
                "title": "Ledelsen bakker op",
                "evidence_text": "Referat fra direktionen",
                "valid_on": day(-60),
            },
        )
    )
    partnership = tvaers(desk.client).get_partnership(UUID(desk.partnership))
    milestone_id = str(next(iter(partnership.milestones.values())).milestone_id)
    form = desk.get(f"factors/new?milestone_id={milestone_id}")
    assert f'value="{milestone_id}" checked' in form.text
    assert "Ledelsen bakker op" in text(form)

    response = desk.post(
        "factors/new",
        {
            "effect": "barrier",
            "origin": "internal",
            "description": "Nøglemedarbejder stoppede",
            "milestone_ids": [milestone_id],
            "valid_on": day(-30),
        },
    )
    assert redirected(response) == f"{desk.base}#anchoring"
    anchoring = get_json(desk.client, f"/partnerships/{desk.partnership}/anchoring")
    [factor] = anchoring["factors"]
    assert factor["effect"] == "barrier"
    assert milestone_id in str(factor)
