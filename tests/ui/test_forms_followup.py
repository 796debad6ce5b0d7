"""Following a partnership up in the UI (issue 14): evaluations with WHO-5 before/after
counts and the two 4-point assessments in one form, retention follow-ups (scheduled by a
preset span or a date, then their counts recorded), the action plan's steps, and the
activity line in plain Danish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.partnership import Partnership, Who5
from aggregates.taxonomy import AssessmentAnswer, AssessmentQuestion, ImplementationPhase
from api.ui.core import format_day
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


EVALUATION = {
    "kind": "external",
    "evaluator": "COWI",
    "method": "who5",
    "findings": "Trivslen steg.",
    "who5_respondents_before": "40",
    "who5_mean_before": "52,5",
    "who5_respondents_after": "31",
    "who5_mean_after": "64",
    "purpose_met": "some_extent",
    "implemented_as_planned": "high_extent",
    "valid_on": day(-10),
}


def test_an_evaluation_is_recorded_with_who5_counts_and_both_assessments(
    setting: Setting,
) -> None:
    desk = setting.desk
    page = desk.client.get(desk.base)
    assert f'href="{desk.base}/evaluations/new"' in page.text
    form = text(desk.get("evaluations/new"))
    assert "Er formålet opfyldt?" in form
    assert "Er indsatsen gennemført som planlagt?" in form

    response = desk.post("evaluations/new", EVALUATION)
    assert redirected(response) == f"{desk.base}#evaluations"
    (evaluation,) = partnership(desk).evaluations.values()
    assert evaluation.who5 == Who5(
        respondents_before=40, mean_before=52.5, respondents_after=31, mean_after=64.0
    )
    assert [(a.question, a.answer) for a in evaluation.assessments] == [
        (AssessmentQuestion.PURPOSE_MET, AssessmentAnswer.SOME_EXTENT),
        (AssessmentQuestion.IMPLEMENTED_AS_PLANNED, AssessmentAnswer.HIGH_EXTENT),
    ]
    shown = text(desk.client.get(desk.base))
    assert "WHO-5 før gennemsnit 52,5 (40 besvarelser)" in shown
    assert "WHO-5 efter gennemsnit 64,0 (31 besvarelser)" in shown
    assert "Er formålet opfyldt? i nogen grad" in shown


def test_an_evaluation_without_who5_or_assessments_is_recorded_as_before(
    setting: Setting,
) -> None:
    desk = setting.desk
    data = {"kind": "internal", "evaluator": "Sundhedsafdelingen", "method": "interview"}
    redirected(desk.post("evaluations/new", {**data, "valid_on": day(-5)}))
    (evaluation,) = partnership(desk).evaluations.values()
    assert evaluation.who5 is None
    assert evaluation.assessments == []


def test_an_evaluation_is_assessed_later_from_its_card(setting: Setting) -> None:
    desk = setting.desk
    data = {"kind": "internal", "evaluator": "Sundhedsafdelingen", "method": "interview"}
    redirected(desk.post("evaluations/new", {**data, "valid_on": day(-20)}))
    evaluation = next(iter(partnership(desk).evaluations))
    tail = f"evaluations/{evaluation}/assessments"
    assert f'href="{desk.base}/{tail}"' in desk.client.get(desk.base).text
    assert "Sundhedsafdelingen" in text(desk.get(tail))
    with nothing_saved(desk.client):  # before the evaluation: refused next to the date
        refused = desk.post(
            tail, {"question": "purpose_met", "answer": "small_extent", "valid_on": day(-30)}
        )
    assert refused.status_code == 422
    assert error_next_to(refused, "valid_on")
    response = desk.post(
        tail, {"question": "purpose_met", "answer": "small_extent", "valid_on": day(-2)}
    )
    assert redirected(response) == f"{desk.base}#evaluations"
    (assessment,) = partnership(desk).evaluations[evaluation].assessments
    assert assessment.answer is AssessmentAnswer.SMALL_EXTENT
    assert "Er formålet opfyldt? i mindre grad" in text(desk.client.get(desk.base))


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"who5_respondents_before": ""},
            "who5_respondents_before",
            "Skriv antal besvarelser (mindst 1) til gennemsnittet.",
        ),
        ({"who5_mean_after": ""}, "who5_mean_after", "Skriv gennemsnittet for besvarelserne."),
        ({"who5_mean_before": "101"}, "who5_mean_before", "Skriv et gennemsnit fra 0 til 100."),
    ],
)
def test_incomplete_or_impossible_who5_counts_are_refused_next_to_the_field(
    setting: Setting, change: dict[str, str], field: str, message: str
) -> None:
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post("evaluations/new", {**EVALUATION, **change})
    assert response.status_code == 422
    assert error_next_to(response, field) == message
    assert "COWI" in response.text  # the input is kept


def test_a_follow_up_after_3_months_is_scheduled_then_its_counts_recorded(
    setting: Setting,
) -> None:
    desk = setting.desk
    page = desk.client.get(desk.base)
    assert f'href="{desk.base}/follow-ups/new"' in page.text
    start = date.today() - timedelta(days=120)
    response = desk.post(
        "follow-ups/new",
        {
            "preset": "3m",
            "cohort": "24",
            "activity_id": setting.activity,
            "valid_on": start.isoformat(),
        },
    )
    assert redirected(response) == f"{desk.base}#activities"
    (follow_up,) = partnership(desk).follow_ups.values()
    assert follow_up.label == "Efter 3 måneder"
    assert follow_up.due_on == start + timedelta(days=91)
    assert follow_up.cohort == 24
    assert str(follow_up.activity_id) == setting.activity

    record = f"follow-ups/{follow_up.follow_up_id}/record"
    assert f'href="{desk.base}/{record}"' in desk.client.get(desk.base).text
    with nothing_saved(desk.client):
        refused = desk.post(record, {"reached": "20", "retained": "21", "valid_on": day(-1)})
    assert refused.status_code == 422
    assert error_next_to(refused, "retained")
    redirected(desk.post(record, {"reached": "20", "retained": "15", "valid_on": day(-1)}))
    recorded = partnership(desk).follow_ups[str(follow_up.follow_up_id)]
    assert (recorded.reached, recorded.retained) == (20, 15)
    assert "Efter 3 måneder" in text(desk.client.get(desk.base))
    assert desk.get(record).status_code == 404  # recorded once


def test_a_follow_up_on_another_date_needs_the_date(setting: Setting) -> None:
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post(
            "follow-ups/new", {"preset": "date", "cohort": "10", "valid_on": day(-10)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "due_on") == "Skriv datoen, når »På en anden dato« er valgt."
    redirected(
        desk.post(
            "follow-ups/new",
            {"preset": "date", "due_on": day(30), "cohort": "10", "valid_on": day(-10)},
        )
    )
    (follow_up,) = partnership(desk).follow_ups.values()
    assert (follow_up.label, follow_up.due_on.isoformat()) == ("Opfølgning", day(30))


def test_the_action_plan_goes_round_the_implementation_circle(setting: Setting) -> None:
    desk = setting.desk
    page = desk.client.get(desk.base)
    assert f'href="{desk.base}/action-plan/new"' in page.text
    assert "Handlingsplanen er ikke sat i gang." in text(page)
    first = desk.get("action-plan/new")
    assert 'value="plan"' in first.text
    assert 'value="start"' not in first.text  # only the next step of the circle is offered
    redirected(
        desk.post("action-plan/new", {"phase": "plan", "note": "Mål sat", "valid_on": day(-60)})
    )
    redirected(desk.post("action-plan/new", {"phase": "start", "valid_on": day(-40)}))
    assert [e.phase for e in partnership(desk).phases] == [
        ImplementationPhase.PLAN,
        ImplementationPhase.START,
    ]
    shown = text(desk.client.get(desk.base))
    assert f"Implementeringscirklen: Igangsæt aktiviteter siden {format_day(day(-40))}" in shown

    with nothing_saved(desk.client):
        refused = desk.post("action-plan/new", {"phase": "follow_up", "valid_on": day(-50)})
    assert refused.status_code == 422
    assert error_next_to(refused, "valid_on")


def test_an_activity_says_since_when_it_has_its_status_in_plain_danish(setting: Setting) -> None:
    shown = text(setting.desk.client.get(setting.desk.base))
    assert f"Planlagt siden {format_day(day(-150))} · tilbud" in shown
    assert "startet" not in shown


def test_a_reader_is_offered_none_of_the_forms_and_gets_403(setting: Setting) -> None:
    desk = setting.desk
    redirected(desk.post("follow-ups/new", {"preset": "3w", "cohort": "5", "valid_on": day(-5)}))
    data = {"kind": "internal", "evaluator": "Sundhedsafdelingen", "method": "interview"}
    redirected(desk.post("evaluations/new", {**data, "valid_on": day(-5)}))
    follow_up = next(iter(partnership(desk).follow_ups))
    evaluation = next(iter(partnership(desk).evaluations))
    assert_no_form_for_readers(
        desk,
        "evaluations/new",
        f"evaluations/{evaluation}/assessments",
        "follow-ups/new",
        f"follow-ups/{follow_up}/record",
        "action-plan/new",
    )
