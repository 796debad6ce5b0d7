"""The steering group's "Skift rolle i styregruppen" form (issue 14, finding 2): a formand
appointed as medlem by the form's default is made formand, without a false step-down."""

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
    anne: str
    bo: str


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    desk.new_partnership(lead)
    setting = Setting(desk, anne=desk.person("Anne Berg", lead), bo=desk.person("Bo Dahl", lead))
    for person, seat in ((setting.anne, "member"), (setting.bo, "vice_chair")):
        body = {"person_id": person, "seat": seat, "valid_on": day(-100)}
        redirected(desk.post("steering/new", body))
    return setting


def seats(desk: Desk) -> dict[str, tuple[str, str]]:
    view: dict[str, Any] = get_json(desk.client, f"/partnerships/{desk.partnership}/roles")
    return {s["person_name"]: (s["seat"], s["since"]) for s in view["steering_group"]}


def appointment_of(desk: Desk, name: str) -> str:
    view: dict[str, Any] = get_json(desk.client, f"/partnerships/{desk.partnership}/roles")
    return next(
        str(s["appointment_id"]) for s in view["steering_group"] if s["person_name"] == name
    )


def test_a_member_is_made_formand_from_the_day_of_the_appointment(setting: Setting) -> None:
    desk = setting.desk
    appointment = appointment_of(desk, "Anne Berg")
    page = desk.client.get(desk.base)
    assert f'href="{desk.base}/steering/{appointment}/seat">Skift rolle i styregruppen' in page.text

    form = desk.get(f"steering/{appointment}/seat")
    assert form.status_code == 200
    assert "Anne Berg" in text(form)
    assert 'value="member"' not in form.text  # the seat held is no choice

    response = desk.post(
        f"steering/{appointment}/seat",
        {"seat": "chair", "valid_on": day(-100), "reason": "Udpeget som formand"},
    )

    assert redirected(response) == f"{desk.base}#governance"
    assert seats(desk) == {"Anne Berg": ("chair", day(-100)), "Bo Dahl": ("vice_chair", day(-100))}


def test_a_seat_someone_else_holds_is_refused_next_to_the_seat(setting: Setting) -> None:
    desk = setting.desk
    appointment = appointment_of(desk, "Anne Berg")
    with nothing_saved(desk.client):
        response = desk.post(
            f"steering/{appointment}/seat", {"seat": "vice_chair", "valid_on": day(-10)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "seat") == (
        f"Bo Dahl er allerede næstformand i styregruppen den {danish_day(-10)}: skift først "
        "Bo Dahls plads, eller registrér, at Bo Dahl udtræder."
    )


def test_a_date_before_the_appointment_is_refused_next_to_the_date(setting: Setting) -> None:
    desk = setting.desk
    appointment = appointment_of(desk, "Anne Berg")
    with nothing_saved(desk.client):
        response = desk.post(
            f"steering/{appointment}/seat", {"seat": "chair", "valid_on": day(-101)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "valid_on")
    assert seats(desk)["Anne Berg"] == ("member", day(-100))
