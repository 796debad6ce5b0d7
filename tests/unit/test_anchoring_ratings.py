"""Self-assessment of anchoring (selvevaluering): the steering group rates a dimension 1-7."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from aggregates import Evidence, Partnership
from aggregates.errors import InvalidValue, NotCorrectable
from aggregates.taxonomy import AnchoringStatus, Dimension
from tests.unit.conftest import Built, assert_replays_to_same_state, meta, new_events, unchanged


def test_a_rating_records_the_dimension_the_value_the_comment_and_who_gave_it(
    built: Built,
) -> None:
    chair = uuid4()
    before = built.p.version

    rating_id = built.p.rate_anchoring(
        dimension=Dimension.OPERATIONS,
        rating=5,
        comment="  Budgetlinje på vej  ",
        rated_by=chair,
        meta=meta(date(2024, 6, 1), actor="formand@sundeborg.dk", reason="Styregruppemøde"),
    )

    (event,) = new_events(built.p, before)
    assert isinstance(event, Partnership.AnchoringRated)
    assert isinstance(rating_id, UUID)
    assert (event.rating_id, event.dimension, event.rating) == (
        rating_id,
        Dimension.OPERATIONS,
        5,
    )
    assert event.comment == "Budgetlinje på vej"
    assert event.rated_by == chair
    assert (event.valid_on, event.actor, event.reason) == (
        date(2024, 6, 1),
        "formand@sundeborg.dk",
        "Styregruppemøde",
    )
    assert_replays_to_same_state(built.p)


def test_the_comment_and_the_rater_are_optional(built: Built) -> None:
    before = built.p.version
    built.p.rate_anchoring(dimension=Dimension.CULTURE, rating=1, meta=meta())

    (event,) = new_events(built.p, before)
    assert (event.rating, event.comment, event.rated_by) == (1, "", None)


@pytest.mark.parametrize("rating", [0, 8, -3, 70])
def test_a_rating_outside_one_to_seven_is_refused_and_changes_nothing(
    built: Built, rating: int
) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="from 1 to 7"):
        built.p.rate_anchoring(dimension=Dimension.METHOD, rating=rating, meta=meta())


def test_true_is_not_a_rating(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue):
        built.p.rate_anchoring(dimension=Dimension.METHOD, rating=True, meta=meta())


def test_both_ends_of_the_scale_are_ratings(built: Built) -> None:
    built.p.rate_anchoring(dimension=Dimension.POLITICAL, rating=1, meta=meta())
    built.p.rate_anchoring(dimension=Dimension.POLITICAL, rating=7, meta=meta())

    events = built.p.pending_events
    ratings = [e.rating for e in events if isinstance(e, Partnership.AnchoringRated)]
    assert ratings == [1, 7]


def test_the_date_of_a_rating_can_be_corrected_like_any_dated_fact(built: Built) -> None:
    built.p.rate_anchoring(dimension=Dimension.METHOD, rating=3, meta=meta(date(2024, 6, 1)))
    rated_version = built.p.version

    built.p.correct_date(rated_version, date(2024, 5, 20), meta(date(2024, 7, 1)))

    (correction,) = new_events(built.p, rated_version)
    assert isinstance(correction, Partnership.DateCorrected)
    assert (correction.corrects_version, correction.corrected_valid_on) == (
        rated_version,
        date(2024, 5, 20),
    )
    assert_replays_to_same_state(built.p)


def test_a_rating_is_not_a_milestone_to_correct(built: Built) -> None:
    built.p.rate_anchoring(dimension=Dimension.METHOD, rating=3, meta=meta())
    rated_version = built.p.version

    with unchanged(built.p), pytest.raises(NotCorrectable):
        built.p.correct_milestone(
            rated_version,
            dimension=Dimension.METHOD,
            status=AnchoringStatus.STARTED,
            title="Værktøjskasse",
            evidence=Evidence(text="Manual"),
            meta=meta(),
        )
