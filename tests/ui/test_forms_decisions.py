"""The steering group's paperwork in the UI (issue 14): decisions with what they approved
and what of the partnership they concern, and new versions of the kommissorium, prefilled
from the current one and approved by a decision."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.partnership import Partnership
from tests.ui.conftest import text, tvaers
from tests.ui.forms_access import assert_no_form_for_readers
from tests.ui.forms_support import Desk, day, error_next_to, nothing_saved, redirected


@dataclass
class Setting:
    desk: Desk
    lead: str
    club: str
    activity: str


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead)
    desk.join(club, rung=3)
    anne = desk.person("Anne Berg", lead)
    redirected(
        desk.post("steering/new", {"person_id": anne, "seat": "chair", "valid_on": day(-200)})
    )
    redirected(
        desk.post(
            "activities/new",
            {"title": "Gå-hold", "category": "offer", "owner_ids": [club], "valid_on": day(-150)},
        )
    )
    activity = str(next(iter(partnership(desk).activities.values())).activity_id)
    return Setting(desk, lead, club, activity)


def partnership(desk: Desk) -> Partnership:
    return tvaers(desk.client).get_partnership(UUID(desk.partnership))


def test_the_page_links_to_the_decision_form_which_records_what_was_approved_and_links(
    setting: Setting,
) -> None:
    desk = setting.desk
    page = desk.client.get(desk.base)
    assert f'href="{desk.base}/decisions/new"' in page.text
    form = desk.get("decisions/new")
    assert "Mødedato" in text(form)
    assert "Aktivitet: Gå-hold" in text(form)

    response = desk.post(
        "decisions/new",
        {
            "title": "Gå-holdet fortsætter i 2027",
            "valid_on": day(-20),
            "approved": "Budget for 2027\n\nKommissorium version 2\n",
            "linked_ids": [setting.activity],
        },
    )
    assert redirected(response) == f"{desk.base}#governance"
    (decision,) = partnership(desk).decisions.values()
    assert decision.title == "Gå-holdet fortsætter i 2027"
    assert decision.approved == ("Budget for 2027", "Kommissorium version 2")
    assert [str(i) for i in decision.linked_ids] == [setting.activity]
    assert decision.meeting_on.isoformat() == day(-20)
    shown = text(desk.client.get(desk.base))
    assert "Gå-holdet fortsætter i 2027" in shown
    assert "Vedrører: Gå-hold" in shown


def test_a_decision_before_the_steering_group_sat_is_refused_next_to_the_meeting_date(
    setting: Setting,
) -> None:
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post("decisions/new", {"title": "Opstart", "valid_on": day(-300)})
    assert response.status_code == 422
    assert error_next_to(response, "valid_on")
    assert "Opstart" in response.text  # the input is kept


def test_a_decision_cannot_link_to_what_the_partnership_does_not_have(setting: Setting) -> None:
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post(
            "decisions/new",
            {"title": "Noget andet", "valid_on": day(-5), "linked_ids": [setting.club]},
        )
    assert response.status_code == 422
    assert error_next_to(response, "linked_ids") == "Vælg en af mulighederne."


def test_a_new_kommissorium_version_is_prefilled_and_approved_by_a_decision(
    setting: Setting,
) -> None:
    desk = setting.desk
    first = desk.get("terms/new")
    assert first.status_code == 200
    redirected(
        desk.post(
            "terms/new",
            {
                "purpose": "Flere borgere i bevægelse",
                "composition": "Sundhedschef og foreningsformand",
                "focus_areas": "Bevægelse\nFællesskab",
                "valid_on": day(-100),
            },
        )
    )
    redirected(desk.post("decisions/new", {"title": "Nyt kommissorium", "valid_on": day(-10)}))
    decision = next(iter(partnership(desk).decisions))

    again = desk.get("terms/new")
    assert "Flere borgere i bevægelse" in again.text  # prefilled from version 1
    assert "Bevægelse\nFællesskab" in again.text
    response = desk.post(
        "terms/new",
        {
            "purpose": "Flere borgere i bevægelse og fællesskab",
            "composition": "Sundhedschef og foreningsformand",
            "task": "Følge gå-holdene",
            "focus_areas": "Bevægelse\nFællesskab",
            "decision_id": decision,
            "valid_on": day(-10),
        },
    )
    assert redirected(response) == f"{desk.base}#governance"
    terms = partnership(desk).terms
    assert [t.number for t in terms] == [1, 2]
    assert str(terms[1].decision_id) == decision
    assert terms[1].terms.focus_areas == ("Bevægelse", "Fællesskab")
    shown = text(desk.client.get(desk.base))
    assert "Kommissorium (version 2" in shown
    assert "Godkendt ved beslutning Nyt kommissorium" in shown
    assert "Godkendte kommissorium version 2" in shown

    # a later version without a decision: the decision still says which version it approved
    redirected(desk.post("terms/new", {"purpose": "Flere i bevægelse", "valid_on": day(-5)}))
    shown = text(desk.client.get(desk.base))
    assert "Kommissorium (version 3" in shown
    assert "Godkendte kommissorium version 2" in shown


def test_an_unchanged_kommissorium_is_refused_and_nothing_saved(setting: Setting) -> None:
    desk = setting.desk
    data = {"purpose": "Flere borgere i bevægelse", "valid_on": day(-100)}
    redirected(desk.post("terms/new", data))
    with nothing_saved(desk.client):
        response = desk.post("terms/new", {**data, "valid_on": day(-50)})
    assert response.status_code == 422
    assert error_next_to(response, "purpose")


def test_a_reader_is_offered_neither_form_and_gets_403(setting: Setting) -> None:
    assert_no_form_for_readers(setting.desk, "decisions/new", "terms/new")
