"""The partner forms: joining, leaving, moving on the ladder, and correcting an earlier
entry (a date, a rung, a milestone). Each writes one event with the chosen valid date and
reason, or refuses with the Danish explanation next to the field, writing nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.ui.conftest import text
from tests.ui.forms_support import (
    Desk,
    day,
    error_next_to,
    form_message,
    get_json,
    nothing_saved,
    redirected,
)


def danish(offset: int) -> str:
    """The day `offset` days from today, as a Danish message writes it (dd.mm.åååå)."""
    return date.fromisoformat(day(offset)).strftime("%d.%m.%Y")


CONFLICT = (
    "Nogen har ændret partnerskabet, mens du arbejdede. Genindlæs siden for at se "
    "ændringen, og prøv igen."
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
    return Setting(desk, lead, club)


def test_an_organisation_joins_at_the_chosen_rung_with_date_and_reason_in_the_history(
    setting: Setting,
) -> None:
    desk = setting.desk
    form = desk.get("partners/new")
    assert "Svendborg Idrætsforening" in text(form)
    assert f'<option value="{setting.lead}"' not in form.text  # already a partner

    response = desk.post(
        "partners/new",
        {
            "organisation_id": setting.club,
            "rung": "3",
            "evidence": "Fælles henvisningsaftale",
            "valid_on": day(-200),
            "reason": "Aftalt på netværksmødet",
        },
    )
    assert redirected(response) == f"{desk.base}#ladder"
    assert desk.rungs() == {setting.club: 3}
    joined = desk.last_entry("PartnerJoined")
    assert (joined["valid_on"], joined["reason"]) == (day(-200), "Aftalt på netværksmødet")
    assert joined["actor"] == "admin@svendborg.dk"


def test_a_join_without_an_organisation_is_refused_next_to_the_field(setting: Setting) -> None:
    with nothing_saved(setting.desk.client):
        response = setting.desk.post(
            "partners/new", {"organisation_id": "", "rung": "1", "valid_on": day(0)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "organisation_id") == "Feltet skal udfyldes."


def test_a_join_from_an_older_form_lands_when_another_partner_joined_meanwhile(
    setting: Setting,
) -> None:
    """Issue 14, finding 3: a change to another partner since the form was loaded does not
    block this one (it used to: every save after someone else's failed)."""
    desk = setting.desk
    stale = desk.version()
    other = desk.organisation("Ældre Sagen Svendborg", "voluntary")
    desk.join(other)  # someone else, meanwhile
    redirected(
        desk.post(
            "partners/new",
            {"organisation_id": setting.club, "rung": "2", "valid_on": day(0)},
            version=stale,
        )
    )
    assert desk.rungs()[setting.club] == 2
    assert other in desk.rungs()


def test_a_ladder_move_of_a_partner_moved_meanwhile_is_a_conflict(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=1)
    stale = desk.version()
    redirected(
        desk.post(
            "ladder/new",
            {"organisation_id": setting.club, "rung": "2", "evidence": "Møde", "valid_on": day(0)},
        )
    )
    with nothing_saved(desk.client):
        response = desk.post(
            "ladder/new",
            {
                "organisation_id": setting.club,
                "rung": "3",
                "evidence": "Aftale",
                "valid_on": day(0),
            },
            version=stale,
        )
    assert response.status_code == 409
    assert "Nogen har ændret det samme" in form_message(response)
    assert desk.rungs()[setting.club] == 2


def test_a_partner_leaves_and_is_off_the_ladder(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=2)
    page = desk.get(f"partners/{setting.club}/leave")
    assert page.status_code == 200
    assert "Svendborg Idrætsforening" in text(page)

    response = desk.post(
        f"partners/{setting.club}/leave", {"valid_on": day(-10), "reason": "Holdt op"}
    )
    assert redirected(response) == f"{desk.base}#ladder"
    assert setting.club not in desk.rungs()
    assert desk.last_entry("PartnerLeft")["reason"] == "Holdt op"


def test_the_lead_organisation_cannot_leave_and_the_rule_is_said_in_danish(
    setting: Setting,
) -> None:
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post(f"partners/{setting.lead}/leave", {"valid_on": day(0)})
    assert response.status_code == 422
    assert form_message(response) == (
        "Sundhed og Forebyggelse, Svendborg Kommune er den ledende organisation og kan ikke "
        "udtræde af partnerskabet: den bærer partnerskabet og står ikke selv på "
        "partnerskabstrappen."
    )


def test_leaving_before_joining_is_said_next_to_the_date(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club)  # on day(-300)
    with nothing_saved(desk.client):
        response = desk.post(f"partners/{setting.club}/leave", {"valid_on": day(-400)})
    assert response.status_code == 422
    assert error_next_to(response, "valid_on") == (
        "En partner kan først udtræde efter at være blevet partner: "
        f"{danish(-400)} ligger før indtrædelsen {danish(-300)}."
    )


def test_a_partner_that_is_no_partner_has_no_leave_page(setting: Setting) -> None:
    assert setting.desk.get(f"partners/{setting.club}/leave").status_code == 404


def test_a_partner_moves_on_the_ladder_with_evidence(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=1)
    form = desk.get(f"ladder/new?organisation_id={setting.club}")
    assert f'<option value="{setting.club}" selected>' in form.text
    assert f'<option value="{setting.lead}"' not in form.text  # the lead is not on the ladder

    response = desk.post(
        "ladder/new",
        {
            "organisation_id": setting.club,
            "rung": "4",
            "evidence": "Fælles aktiviteter i hallen",
            "valid_on": day(-30),
            "reason": "Status efter første halvår",
        },
    )
    assert redirected(response) == f"{desk.base}#ladder"
    assert desk.rungs() == {setting.club: 4}
    moved = desk.last_entry("RungChanged")
    assert (moved["valid_on"], moved["reason"]) == (day(-30), "Status efter første halvår")


def test_rung_five_without_an_agreement_is_said_next_to_the_rung(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=4)
    with nothing_saved(desk.client):
        response = desk.post(
            "ladder/new",
            {
                "organisation_id": setting.club,
                "rung": "5",
                "evidence": "Vi samarbejder",
                "valid_on": day(0),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "rung") == (
        f"Svendborg Idrætsforening kan først stå på trin 5 (samarbejdsaftale) den {danish(0)}, "
        "når en underskrevet samarbejdsaftale mellem partneren og partnerskabet er i kraft "
        "på datoen."
    )
    assert desk.rungs() == {setting.club: 4}


def test_a_ladder_move_needs_evidence(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club)
    with nothing_saved(desk.client):
        response = desk.post(
            "ladder/new",
            {"organisation_id": setting.club, "rung": "2", "evidence": "", "valid_on": day(0)},
        )
    assert response.status_code == 422
    assert error_next_to(response, "evidence") == "Feltet skal udfyldes."


def test_the_date_of_a_join_is_corrected_and_the_ladder_follows(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=2)  # recorded for day(-300)
    joined = desk.last_entry("PartnerJoined")
    form = desk.get("corrections/new")
    assert f'<option value="{joined["version"]}"' in form.text
    assert "Svendborg Idrætsforening indtrådt som partner" in text(form)

    response = desk.post(
        "corrections/new",
        {
            "kind": "date",
            "corrects_version": str(joined["version"]),
            "corrected_valid_on": day(-330),
            "valid_on": day(0),
            "reason": "Datoen stod forkert i referatet",
        },
    )
    assert redirected(response) == f"{desk.base}#history"
    history = get_json(desk.client, f"/partnerships/{desk.partnership}/ladder/history")
    assert [s["valid_on"] for s in history["steps"]] == [day(-330)]
    assert desk.last_entry("DateCorrected")["reason"] == "Datoen stod forkert i referatet"


def test_the_rung_of_a_join_is_corrected_from_what_it_recorded(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=2, evidence="Dialogmøde")
    version = desk.last_entry("PartnerJoined")["version"]
    form = desk.get(f"corrections/new?kind=rung&version={version}")
    assert '<option value="2" selected>' in form.text  # starts from what was recorded
    assert "Dialogmøde" in form.text

    response = desk.post(
        "corrections/new",
        {
            "kind": "rung",
            "corrects_version": str(version),
            "rung": "3",
            "evidence": "De henviste allerede til hinanden",
            "valid_on": day(0),
        },
    )
    assert redirected(response) == f"{desk.base}#ladder"
    assert desk.rungs() == {setting.club: 3}


def test_a_correction_that_breaks_the_timeline_is_said_next_to_the_date(
    setting: Setting,
) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=1)
    redirected(
        desk.post(
            "ladder/new",
            {
                "organisation_id": setting.club,
                "rung": "2",
                "evidence": "Møde",
                "valid_on": day(-100),
            },
        )
    )
    moved = desk.last_entry("RungChanged")["version"]
    with nothing_saved(desk.client):
        response = desk.post(
            "corrections/new",
            {
                "kind": "date",
                "corrects_version": str(moved),
                "corrected_valid_on": day(-350),
                "valid_on": day(0),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "corrected_valid_on") == (
        f"Svendborg Idrætsforening kan ikke skifte trin den {danish(-350)}: datoen ligger uden "
        f"for perioden, hvor Svendborg Idrætsforening er partner ({danish(-300)} til nu)."
    )


def test_a_milestone_is_corrected_from_what_it_recorded(setting: Setting) -> None:
    desk = setting.desk
    redirected(
        desk.post(
            "milestones/new",
            {
                "dimension": "political",
                "status": "started",
                "title": "Politisk opbakning",
                "evidence_text": "Byrådsbeslutning",
                "valid_on": day(-60),
            },
        )
    )
    version = desk.last_entry("MilestoneRecorded")["version"]
    form = desk.get(f"corrections/new?kind=milestone&version={version}")
    assert "Politisk opbakning" in form.text
    assert 'aria-current="page">Ret en milepæl' in form.text

    response = desk.post(
        "corrections/new",
        {
            "kind": "milestone",
            "corrects_version": str(version),
            "dimension": "political",
            "status": "anchored",
            "title": "Politisk opbakning",
            "evidence_text": "Budgetaftale",
            "valid_on": day(0),
        },
    )
    assert redirected(response) == f"{desk.base}#anchoring"
    anchoring = get_json(desk.client, f"/partnerships/{desk.partnership}/anchoring")
    political = next(d for d in anchoring["dimensions"] if d["dimension"] == "political")
    assert political["status"] == "anchored"
