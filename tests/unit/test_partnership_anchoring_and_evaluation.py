"""Anchoring (milestones, factors), evaluations, assessments, follow-ups, implementation phases."""

from __future__ import annotations

import gc
from datetime import date
from uuid import UUID, uuid4

import pytest

from aggregates import Evidence
from aggregates.errors import (
    AlreadyExists,
    FollowUpStateError,
    InconsistentDates,
    InvalidValue,
    NoChange,
    NotFound,
)
from aggregates.taxonomy import (
    AnchoringStatus,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    EvaluationMethod,
    FactorEffect,
    FactorOrigin,
    ImplementationPhase,
    PreventionCategory,
)
from tests.unit.conftest import Built, assert_replays_to_same_state, meta, unchanged


def milestone(
    b: Built,
    status: AnchoringStatus,
    day: date,
    *,
    dimension: Dimension = Dimension.OPERATIONS,
    title: str = "Budgetlinje i driftsbudgettet",
) -> UUID:
    return b.p.record_milestone(
        dimension=dimension,
        status=status,
        title=title,
        evidence=Evidence(text="Byrådsbeslutning", link="https://example.dk/referat"),
        meta=meta(day),
    )


def evaluation(b: Built, day: date = date(2024, 6, 1)) -> UUID:
    return b.p.record_evaluation(
        kind=EvaluationKind.EXTERNAL,
        evaluator="COWI",
        method=EvaluationMethod.FOCUS_GROUP,
        findings="Fælles sprog",
        meta=meta(day),
    )


def follow_up(b: Built, *, cohort: int = 20, due_on: date = date(2024, 4, 1)) -> UUID:
    return b.p.schedule_follow_up(
        label="Efter 3 måneder", due_on=due_on, cohort=cohort, meta=meta(date(2024, 1, 1))
    )


# -- milestones and anchoring status --------------------------------------------------


def test_a_dimension_without_milestones_is_not_anchored(built: Built) -> None:
    assert all(built.p.anchoring_status(d) is AnchoringStatus.NONE for d in Dimension)


def test_a_milestone_records_its_evidence_date_and_who_recorded_it(built: Built) -> None:
    milestone_id = built.p.record_milestone(
        dimension=Dimension.METHOD,
        status=AnchoringStatus.STARTED,
        title="  Værktøjskasse udgivet ",
        evidence=Evidence(text=" Manual v1 ", link=" https://x.dk ", document_ref=" J.nr. 12 "),
        meta=meta(date(2024, 5, 1), actor="evaluator@cowi.dk"),
    )
    recorded = built.p.milestones[str(milestone_id)]
    assert recorded.title == "Værktøjskasse udgivet"
    assert recorded.evidence == Evidence(
        text="Manual v1", link="https://x.dk", document_ref="J.nr. 12"
    )
    assert (recorded.valid_on, recorded.recorded_by) == (date(2024, 5, 1), "evaluator@cowi.dk")
    assert recorded.version == built.p.version
    assert built.p.correctable[str(recorded.version)] == "MilestoneRecorded"


def test_the_anchoring_status_of_a_dimension_follows_its_milestones_over_time(
    built: Built,
) -> None:
    milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1))
    milestone(built, AnchoringStatus.ANCHORED, date(2025, 1, 1))
    milestone(built, AnchoringStatus.PARTIAL, date(2024, 8, 1))  # registered after the fact
    status = built.p.anchoring_status
    assert status(Dimension.OPERATIONS, on=date(2024, 2, 29)) is AnchoringStatus.NONE
    assert status(Dimension.OPERATIONS, on=date(2024, 3, 1)) is AnchoringStatus.STARTED
    assert status(Dimension.OPERATIONS, on=date(2024, 8, 1)) is AnchoringStatus.PARTIAL
    assert status(Dimension.OPERATIONS, on=date(2024, 12, 31)) is AnchoringStatus.PARTIAL
    assert status(Dimension.OPERATIONS) is AnchoringStatus.ANCHORED
    assert status(Dimension.POLITICAL) is AnchoringStatus.NONE


def test_of_two_milestones_on_the_same_day_the_later_recorded_one_counts(built: Built) -> None:
    milestone(built, AnchoringStatus.ANCHORED, date(2024, 3, 1), dimension=Dimension.CULTURE)
    milestone(built, AnchoringStatus.PARTIAL, date(2024, 3, 1), dimension=Dimension.CULTURE)
    assert built.p.anchoring_status(Dimension.CULTURE) is AnchoringStatus.PARTIAL


def test_a_milestone_cannot_move_a_dimension_to_none(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="started, partial or anchored"):
        milestone(built, AnchoringStatus.NONE, date(2024, 3, 1))


def test_a_milestone_needs_a_title(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Milestone title"):
        milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1), title=" ")


def test_a_milestone_needs_evidence(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Evidence must not be empty"):
        built.p.record_milestone(
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.STARTED,
            title="Politisk mandat",
            evidence=Evidence(text=" ", link="https://example.dk"),
            meta=meta(),
        )


# -- factors --------------------------------------------------------------------------


def test_a_factor_is_recorded_with_its_linked_milestones(built: Built) -> None:
    first = milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1))
    factor_id = built.p.record_factor(
        origin=FactorOrigin.EXTERNAL,
        effect=FactorEffect.PROMOTING,
        description=" Ny rygelov ",
        meta=meta(date(2024, 3, 1)),
        milestone_ids=[first, first],
    )
    factor = built.p.factors[str(factor_id)]
    assert (factor.origin, factor.effect, factor.description) == (
        FactorOrigin.EXTERNAL,
        FactorEffect.PROMOTING,
        "Ny rygelov",
    )
    assert factor.milestone_ids == (first,)
    second = milestone(built, AnchoringStatus.PARTIAL, date(2024, 9, 1))
    built.p.link_factor(factor_id, second, meta(date(2024, 9, 1)))
    assert built.p.factors[str(factor_id)].milestone_ids == (first, second)


def test_the_state_a_milestone_or_factor_adds_is_kept_out_of_the_garbage_collector(
    built: Built,
) -> None:
    """Each command's new state lives as long as the cached aggregate: the collector would
    walk it again and again for nothing (bench/README.md, session 12). Only its UUIDs stay
    tracked (Python's own type)."""
    first = milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1))
    factor_id = built.p.record_factor(
        origin=FactorOrigin.INTERNAL,
        effect=FactorEffect.PROMOTING,
        description="Fælles sprog",
        meta=meta(date(2024, 3, 1)),
    )
    built.p.link_factor(factor_id, first, meta(date(2024, 3, 2)))
    factor = built.p.factors[str(factor_id)]

    tracked = [
        gc.is_tracked(built.p.milestones[str(first)]),
        gc.is_tracked(built.p.milestones[str(first)].evidence),
        gc.is_tracked(factor),
        gc.is_tracked(factor.event_versions),
    ]
    assert tracked == [False, False, False, False]
    assert type(factor.milestone_ids) is tuple


def test_a_factor_can_be_recorded_without_milestones(built: Built) -> None:
    factor_id = built.p.record_factor(
        origin=FactorOrigin.INTERNAL,
        effect=FactorEffect.BARRIER,
        description="Udskiftning af personale",
        meta=meta(),
    )
    assert built.p.factors[str(factor_id)].milestone_ids == ()


def test_a_factor_cannot_be_linked_to_an_unknown_milestone_when_recorded(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No milestone"):
        built.p.record_factor(
            origin=FactorOrigin.INTERNAL,
            effect=FactorEffect.BARRIER,
            description="Personaleudskiftning",
            meta=meta(),
            milestone_ids=[uuid4()],
        )


def test_a_factor_needs_a_description(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Factor description"):
        built.p.record_factor(
            origin=FactorOrigin.INTERNAL,
            effect=FactorEffect.PROMOTING,
            description=" ",
            meta=meta(),
        )


def test_an_unknown_factor_cannot_be_linked(built: Built) -> None:
    milestone_id = milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1))
    with unchanged(built.p), pytest.raises(NotFound, match="No factor"):
        built.p.link_factor(uuid4(), milestone_id, meta())


def test_a_factor_cannot_be_linked_to_an_unknown_milestone(built: Built) -> None:
    factor_id = built.p.record_factor(
        origin=FactorOrigin.INTERNAL,
        effect=FactorEffect.PROMOTING,
        description="Ledelse",
        meta=meta(),
    )
    with unchanged(built.p), pytest.raises(NotFound, match="No milestone"):
        built.p.link_factor(factor_id, uuid4(), meta())


def test_linking_a_factor_to_a_milestone_it_is_already_linked_to_changes_nothing(
    built: Built,
) -> None:
    milestone_id = milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1))
    factor_id = built.p.record_factor(
        origin=FactorOrigin.INTERNAL,
        effect=FactorEffect.PROMOTING,
        description="Ledelse",
        meta=meta(),
        milestone_ids=[milestone_id],
    )
    with unchanged(built.p), pytest.raises(NoChange, match="already linked"):
        built.p.link_factor(factor_id, milestone_id, meta())


# -- evaluations and assessments ------------------------------------------------------


def test_an_evaluation_collects_assessments_on_the_four_point_scale(built: Built) -> None:
    evaluation_id = evaluation(built, date(2024, 6, 1))
    built.p.record_assessment(
        evaluation_id,
        AssessmentQuestion.PURPOSE_MET,
        AssessmentAnswer.SOME_EXTENT,
        meta(date(2024, 6, 1)),
    )
    built.p.record_assessment(
        evaluation_id,
        AssessmentQuestion.IMPLEMENTED_AS_PLANNED,
        AssessmentAnswer.HIGH_EXTENT,
        meta(date(2024, 7, 1)),
    )
    recorded = built.p.evaluations[str(evaluation_id)]
    assert (recorded.kind, recorded.evaluator, recorded.method, recorded.valid_on) == (
        EvaluationKind.EXTERNAL,
        "COWI",
        EvaluationMethod.FOCUS_GROUP,
        date(2024, 6, 1),
    )
    assert [(a.question, a.answer.label_da, a.valid_on) for a in recorded.assessments] == [
        (AssessmentQuestion.PURPOSE_MET, "i nogen grad", date(2024, 6, 1)),
        (AssessmentQuestion.IMPLEMENTED_AS_PLANNED, "i høj grad", date(2024, 7, 1)),
    ]


def test_an_evaluation_names_its_evaluator(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Evaluator must not be empty"):
        built.p.record_evaluation(
            kind=EvaluationKind.INTERNAL,
            evaluator="  ",
            method=EvaluationMethod.WHO5,
            findings="",
            meta=meta(),
        )


def test_an_assessment_needs_a_known_evaluation(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No evaluation"):
        built.p.record_assessment(
            uuid4(), AssessmentQuestion.PURPOSE_MET, AssessmentAnswer.NOT_AT_ALL, meta()
        )


def test_an_assessment_cannot_be_dated_before_its_evaluation(built: Built) -> None:
    evaluation_id = evaluation(built, date(2024, 6, 1))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="assessment follows"):
        built.p.record_assessment(
            evaluation_id,
            AssessmentQuestion.PURPOSE_MET,
            AssessmentAnswer.SMALL_EXTENT,
            meta(date(2024, 5, 31)),
        )


# -- retention follow-ups -------------------------------------------------------------


def test_a_follow_up_is_scheduled_and_then_recorded_as_counts(built: Built) -> None:
    activity_id = built.p.launch_activity(
        title="Rygestop", category=PreventionCategory.OFFER, owner_ids=[built.a], meta=meta()
    )
    follow_up_id = built.p.schedule_follow_up(
        label=" Efter 3 uger ",
        due_on=date(2024, 1, 22),
        cohort=12,
        meta=meta(date(2024, 1, 1)),
        activity_id=activity_id,
    )
    scheduled = built.p.follow_ups[str(follow_up_id)]
    assert (scheduled.label, scheduled.due_on, scheduled.cohort, scheduled.activity_id) == (
        "Efter 3 uger",
        date(2024, 1, 22),
        12,
        activity_id,
    )
    assert scheduled.recorded_on is None
    built.p.record_follow_up(follow_up_id, 10, 7, meta(date(2024, 1, 23)))
    recorded = built.p.follow_ups[str(follow_up_id)]
    assert (recorded.reached, recorded.retained, recorded.recorded_on) == (10, 7, date(2024, 1, 23))


def test_a_follow_up_may_fall_due_on_the_day_it_is_scheduled(built: Built) -> None:
    follow_up(built, due_on=date(2024, 1, 1), cohort=0)
    assert len(built.p.follow_ups) == 1


def test_a_follow_up_cohort_cannot_be_negative(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="cannot be negative"):
        follow_up(built, cohort=-1)


def test_a_follow_up_cannot_fall_due_before_it_is_scheduled(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InconsistentDates, match="falls due after"):
        follow_up(built, due_on=date(2023, 12, 31))


def test_a_follow_up_needs_a_label(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Follow-up label"):
        built.p.schedule_follow_up(label=" ", due_on=date(2024, 4, 1), cohort=3, meta=meta())


def test_a_follow_up_for_an_unknown_activity_is_refused(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No activity"):
        built.p.schedule_follow_up(
            label="3 uger", due_on=date(2024, 4, 1), cohort=3, meta=meta(), activity_id=uuid4()
        )


def test_an_unknown_follow_up_cannot_be_recorded(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No follow-up"):
        built.p.record_follow_up(uuid4(), 1, 1, meta())


def test_a_follow_up_is_recorded_only_once(built: Built) -> None:
    follow_up_id = follow_up(built)
    built.p.record_follow_up(follow_up_id, 15, 10, meta(date(2024, 4, 1)))
    with unchanged(built.p), pytest.raises(FollowUpStateError, match="already recorded"):
        built.p.record_follow_up(follow_up_id, 15, 11, meta(date(2024, 4, 2)))


@pytest.mark.parametrize(
    ("reached", "retained"),
    [(10, 11), (21, 5), (5, -1), (-1, -2)],
    ids=["retained-above-reached", "reached-above-cohort", "negative-retained", "negative"],
)
def test_follow_up_counts_must_fit_inside_the_cohort(
    built: Built, reached: int, retained: int
) -> None:
    follow_up_id = follow_up(built, cohort=20)
    with unchanged(built.p), pytest.raises(FollowUpStateError, match="retained <= reached"):
        built.p.record_follow_up(follow_up_id, reached, retained, meta(date(2024, 4, 1)))


def test_follow_up_counts_may_reach_the_whole_cohort(built: Built) -> None:
    follow_up_id = follow_up(built, cohort=20)
    built.p.record_follow_up(follow_up_id, 20, 20, meta(date(2024, 4, 1)))
    assert built.p.follow_ups[str(follow_up_id)].retained == 20


# -- implementation circle ------------------------------------------------------------


def test_the_action_plan_moves_round_the_implementation_circle(built: Built) -> None:
    circle = [
        ImplementationPhase.PLAN,
        ImplementationPhase.START,
        ImplementationPhase.FOLLOW_UP,
        ImplementationPhase.ADJUST,
        ImplementationPhase.PLAN,
    ]
    for month, phase in enumerate(circle, start=1):
        built.p.enter_phase(phase, f" Note {month} ", meta(date(2024, month, 1)))
    assert [(e.phase, e.note, e.valid_on.month) for e in built.p.phases] == [
        (phase, f"Note {month}", month) for month, phase in enumerate(circle, start=1)
    ]


def test_entering_the_current_phase_again_changes_nothing(built: Built) -> None:
    built.p.enter_phase(ImplementationPhase.PLAN, "", meta())
    with unchanged(built.p), pytest.raises(NoChange, match="already in the phase planlæg"):
        built.p.enter_phase(ImplementationPhase.PLAN, "Igen", meta())


def test_a_partnership_rebuilt_from_its_events_has_the_same_anchoring_and_evaluation(
    built: Built,
) -> None:
    first = milestone(built, AnchoringStatus.STARTED, date(2024, 3, 1))
    second = milestone(
        built, AnchoringStatus.ANCHORED, date(2024, 9, 1), dimension=Dimension.METHOD
    )
    factor_id = built.p.record_factor(
        origin=FactorOrigin.EXTERNAL,
        effect=FactorEffect.PROMOTING,
        description="Rygelov",
        meta=meta(),
        milestone_ids=[first],
    )
    built.p.link_factor(factor_id, second, meta(date(2024, 9, 1)))
    evaluation_id = evaluation(built)
    built.p.record_assessment(
        evaluation_id,
        AssessmentQuestion.PURPOSE_MET,
        AssessmentAnswer.HIGH_EXTENT,
        meta(date(2024, 6, 2)),
    )
    follow_up_id = follow_up(built)
    built.p.record_follow_up(follow_up_id, 18, 12, meta(date(2024, 4, 1)))
    built.p.enter_phase(ImplementationPhase.PLAN, "Plan", meta())
    built.p.enter_phase(ImplementationPhase.START, "Start", meta(date(2024, 2, 1)))
    assert_replays_to_same_state(built.p)


def test_the_implementation_circle_starts_with_planning(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="implementation circle"):
        built.p.enter_phase(ImplementationPhase.START, "", meta())


def test_the_implementation_circle_goes_round_in_order(built: Built) -> None:
    for day, phase in enumerate(
        [
            ImplementationPhase.PLAN,
            ImplementationPhase.START,
            ImplementationPhase.FOLLOW_UP,
            ImplementationPhase.ADJUST,
            ImplementationPhase.START,
        ],
        start=1,
    ):
        built.p.enter_phase(phase, "", meta(date(2024, 1, day)))
    assert [p.phase for p in built.p.phases][-2:] == [
        ImplementationPhase.ADJUST,
        ImplementationPhase.START,
    ]
    with unchanged(built.p), pytest.raises(InvalidValue, match="implementation circle"):
        built.p.enter_phase(ImplementationPhase.ADJUST, "", meta(date(2024, 2, 1)))


def test_a_phase_cannot_be_dated_before_the_previous_one(built: Built) -> None:
    built.p.enter_phase(ImplementationPhase.PLAN, "", meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="phase follows"):
        built.p.enter_phase(ImplementationPhase.START, "", meta(date(2024, 2, 1)))


def test_a_milestone_id_cannot_be_reused(built: Built) -> None:
    evidence = Evidence(text="Byrådsbeslutning")
    first = built.p.record_milestone(
        dimension=Dimension.POLITICAL,
        status=AnchoringStatus.STARTED,
        title="Politisk mandat",
        evidence=evidence,
        meta=meta(),
    )
    with unchanged(built.p), pytest.raises(AlreadyExists, match="another milestone"):
        built.p.record_milestone(
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.PARTIAL,
            title="Igen",
            evidence=evidence,
            meta=meta(),
            milestone_id=first,
        )
