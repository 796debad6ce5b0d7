"""The governance forms: the steering group, the secretariat, and roles (assign, hand over,
vacate, fill a vacancy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.ui.conftest import text
from tests.ui.forms_support import (
    Desk,
    danish_day,
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
    anne: str  # of the lead
    bo: str  # of the club
    cecilie: str  # of the club


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead)
    desk.join(club, rung=2)
    return Setting(
        desk,
        lead,
        club,
        anne=desk.person("Anne Berg", lead, title="Sundhedschef"),
        bo=desk.person("Bo Dahl", club),
        cecilie=desk.person("Cecilie Holm", club),
    )


def roles(desk: Desk) -> dict[str, Any]:
    view: dict[str, Any] = get_json(desk.client, f"/partnerships/{desk.partnership}/roles")
    return view


def test_a_person_is_appointed_to_the_steering_group_and_steps_down(setting: Setting) -> None:
    desk = setting.desk
    form = desk.get("steering/new")
    assert "Anne Berg, Sundhedschef (Sundhed og Forebyggelse, Svendborg Kommune)" in text(form)

    response = desk.post(
        "steering/new",
        {
            "person_id": setting.anne,
            "seat": "chair",
            "valid_on": day(-200),
            "reason": "Konstitueret på første møde",
        },
    )
    assert redirected(response) == f"{desk.base}#governance"
    seats = roles(desk)["steering_group"]
    assert [(s["person_name"], s["seat"], s["since"]) for s in seats] == [
        ("Anne Berg", "chair", day(-200))
    ]
    appointment = seats[0]["appointment_id"]

    page = desk.get(f"steering/{appointment}/step-down")
    assert "Anne Berg" in text(page)
    assert "formand" in text(page)
    response = desk.post(f"steering/{appointment}/step-down", {"valid_on": day(-5)})
    assert redirected(response) == f"{desk.base}#governance"
    assert roles(desk)["steering_group"] == []
    assert desk.get(f"steering/{appointment}/step-down").status_code == 404


def test_a_second_chair_is_refused_next_to_the_seat(setting: Setting) -> None:
    desk = setting.desk
    redirected(
        desk.post(
            "steering/new", {"person_id": setting.anne, "seat": "chair", "valid_on": day(-100)}
        )
    )
    with nothing_saved(desk.client):
        response = desk.post(
            "steering/new", {"person_id": setting.bo, "seat": "chair", "valid_on": day(0)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "seat") == (
        f"Anne Berg er allerede formand i styregruppen den {danish_day(0)}: skift først "
        "Anne Bergs plads, eller registrér, at Anne Berg udtræder."
    )
    assert "already has a formand" not in response.text  # the API's English stays there


def test_the_secretariat_is_placed_then_staffed(setting: Setting) -> None:
    desk = setting.desk
    first = desk.get("secretariat/new")
    assert "Tilknyt en medarbejder" not in text(first)  # nothing to staff yet

    response = desk.post(
        "secretariat/new", {"form": "assign", "organisation_id": setting.lead, "valid_on": day(-90)}
    )
    assert redirected(response) == f"{desk.base}#secretariat"
    partnership = get_json(desk.client, f"/partnerships/{desk.partnership}")
    assert partnership["secretariat_organisation_id"] == setting.lead

    staff_form = desk.get("secretariat/new?form=staff")
    assert 'name="person_id"' in staff_form.text
    response = desk.post(
        "secretariat/new", {"form": "staff", "person_id": setting.anne, "valid_on": day(-80)}
    )
    assert redirected(response) == f"{desk.base}#secretariat"
    assert desk.last_entry("SecretariatStaffed")["valid_on"] == day(-80)

    # Staff already is not offered again; a forged post is refused next to the field.
    assert f'<option value="{setting.anne}"' not in desk.get("secretariat/new?form=staff").text
    with nothing_saved(desk.client):
        again = desk.post(
            "secretariat/new", {"form": "staff", "person_id": setting.anne, "valid_on": day(0)}
        )
    assert error_next_to(again, "person_id") == "Vælg en af mulighederne."


def test_a_role_is_assigned_handed_over_vacated_and_filled_again(setting: Setting) -> None:
    desk = setting.desk
    response = desk.post(
        "roles/new",
        {
            "role": "coordinator",
            "person_id": setting.bo,
            "valid_on": day(-100),
            "reason": "Valgt af bestyrelsen",
        },
    )
    assert redirected(response) == f"{desk.base}#roles"
    [holding] = roles(desk)["roles"]
    assert (holding["role"], holding["person_name"]) == ("coordinator", "Bo Dahl")
    position = holding["position_id"]

    page = desk.get(f"roles/{position}/hand-over")
    assert "Bo Dahl" in text(page)
    assert f'<option value="{setting.bo}"' not in page.text  # not to the holder
    redirected(
        desk.post(
            f"roles/{position}/hand-over", {"person_id": setting.cecilie, "valid_on": day(-50)}
        )
    )
    [holding] = roles(desk)["roles"]
    assert holding["person_name"] == "Cecilie Holm"

    redirected(desk.post(f"roles/{position}/vacate", {"valid_on": day(-20)}))
    [vacancy] = roles(desk)["vacancies"]
    assert (vacancy["position_id"], vacancy["end"]) == (position, None)
    assert desk.get(f"roles/{position}/vacate").status_code == 404  # vacant already

    form = desk.get("roles/new")
    assert f"roles/new?position_id={position}" in form.text  # offered to be filled
    filling = desk.get(f"roles/new?position_id={position}")
    assert '<option value="coordinator" selected>' in filling.text
    redirected(
        desk.post(
            "roles/new",
            {
                "role": "coordinator",
                "person_id": setting.bo,
                "position_id": position,
                "valid_on": day(-1),
            },
        )
    )
    [holding] = roles(desk)["roles"]
    assert (holding["position_id"], holding["person_name"]) == (position, "Bo Dahl")


def test_holding_the_same_role_twice_is_said_next_to_the_person(setting: Setting) -> None:
    desk = setting.desk
    data = {"role": "bridge_builder", "person_id": setting.bo, "valid_on": day(-10)}
    redirected(desk.post("roles/new", data))
    with nothing_saved(desk.client):
        response = desk.post("roles/new", data)
    assert response.status_code == 422
    assert error_next_to(response, "person_id") == "Bo Dahl er allerede brobygger her."


def test_a_hand_over_from_an_older_form_lands_after_another_change(setting: Setting) -> None:
    """Issue 14, finding 3: a steering-group appointment since the form was loaded does
    not block a hand-over of a role (another thing)."""
    desk = setting.desk
    redirected(
        desk.post("roles/new", {"role": "recruiter", "person_id": setting.bo, "valid_on": day(-10)})
    )
    position = roles(desk)["roles"][0]["position_id"]
    stale = desk.version()
    redirected(
        desk.post(
            "steering/new", {"person_id": setting.anne, "seat": "member", "valid_on": day(-5)}
        )
    )
    redirected(
        desk.post(
            f"roles/{position}/hand-over",
            {"person_id": setting.cecilie, "valid_on": day(0)},
            version=stale,
        )
    )
    holders = {r["position_id"]: r["person_id"] for r in roles(desk)["roles"]}
    assert holders[position] == setting.cecilie


def test_a_role_without_a_person_is_refused_next_to_the_field(setting: Setting) -> None:
    with nothing_saved(setting.desk.client):
        response = setting.desk.post("roles/new", {"role": "facilitator", "valid_on": day(0)})
    assert response.status_code == 422
    assert error_next_to(response, "person_id") == "Feltet skal udfyldes."
