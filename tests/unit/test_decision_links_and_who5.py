"""Issue 14: a steering-group decision links to what of the partnership it concerns (its
own things only), and an evaluation carries WHO-5 before/after counts, validated."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from aggregates.errors import InvalidValue, NotFound
from aggregates.partnership import Who5
from aggregates.taxonomy import EvaluationKind, EvaluationMethod, PreventionCategory, SeatRole
from tests.unit.conftest import Built, assert_replays_to_same_state, meta, unchanged


def seated(built: Built) -> None:
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(date(2024, 2, 1)))


def test_a_decision_links_to_the_partnerships_activity_and_agreement(built: Built) -> None:
    seated(built)
    activity = built.p.launch_activity(
        title="Gå-hold",
        category=PreventionCategory.OFFER,
        owner_ids=[built.a],
        meta=meta(date(2024, 3, 1)),
    )
    agreement = uuid4()  # a draft the service found to be the partnership's
    decision_id = built.p.record_decision(
        "Gå-holdet fortsætter",
        ["Budget"],
        meta(date(2024, 5, 1)),
        linked_ids=[activity, agreement, activity],
        agreement_ids=[agreement],
    )
    assert built.p.decisions[str(decision_id)].linked_ids == (activity, agreement)
    assert_replays_to_same_state(built.p)


def test_a_decision_cannot_link_to_something_outside_the_partnership(built: Built) -> None:
    seated(built)
    stranger = uuid4()
    with unchanged(built.p), pytest.raises(NotFound) as refused:
        built.p.record_decision("Noget", [], meta(date(2024, 5, 1)), linked_ids=[stranger])
    assert refused.value.da is not None
    assert "partnerskabets egne" in refused.value.da
    with unchanged(built.p), pytest.raises(NotFound):  # a partner organisation is no item
        built.p.record_decision("Noget", [], meta(date(2024, 5, 1)), linked_ids=[built.a])


def evaluate(built: Built, who5: Who5 | None) -> object:
    return built.p.record_evaluation(
        kind=EvaluationKind.EXTERNAL,
        evaluator="COWI",
        method=EvaluationMethod.WHO5,
        findings="",
        meta=meta(date(2024, 6, 1)),
        who5=who5,
    )


def test_an_evaluation_keeps_its_who5_counts(built: Built) -> None:
    counts = Who5(respondents_before=40, mean_before=52.5, respondents_after=31, mean_after=64)
    evaluation_id = evaluate(built, counts)
    assert built.p.evaluations[str(evaluation_id)].who5 == counts
    assert_replays_to_same_state(built.p)


@pytest.mark.parametrize(
    "counts",
    [
        Who5(respondents_before=40),  # a count without its mean
        Who5(mean_after=60.0),  # a mean without its count
        Who5(respondents_before=0, mean_before=50.0),  # a mean of nobody
        Who5(respondents_before=10, mean_before=100.5),  # above the scale
        Who5(respondents_after=-1, mean_after=50.0),
        Who5(),  # nothing measured: leave who5 out instead
    ],
)
def test_impossible_who5_counts_are_refused_in_danish_too(built: Built, counts: Who5) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue) as refused:
        evaluate(built, counts)
    assert refused.value.da
