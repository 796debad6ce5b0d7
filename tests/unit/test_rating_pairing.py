"""Ratings beside the evidence (projections.ratings.pair_with_evidence): pure, no I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from aggregates.taxonomy import AnchoringStatus, Dimension
from projections.anchoring import MilestoneView
from projections.ratings import FlagKind, RatingView, flags_of, pair_with_evidence

D = date
AT = datetime(2025, 1, 1, tzinfo=UTC)


def rating(value: int, on: date, dimension: Dimension = Dimension.OPERATIONS) -> RatingView:
    return RatingView(
        rating_id=uuid4(),
        dimension=dimension,
        rating=value,
        comment="",
        rated_by=None,
        rated_by_name=None,
        valid_on=on,
        recorded_by="formand@sundeborg.dk",
        recorded_at=AT,
        corrected=False,
    )


def milestone(
    on: date,
    dimension: Dimension = Dimension.OPERATIONS,
    status: AnchoringStatus = AnchoringStatus.PARTIAL,
    title: str = "Budgetlinje",
) -> MilestoneView:
    return MilestoneView(
        milestone_id=uuid4(),
        dimension=dimension,
        status=status,
        title=title,
        evidence="Referat",
        link="",
        document_ref="",
        valid_on=on,
        recorded_by="tovholder@svendborg.dk",
        recorded_at=AT,
        corrected=False,
    )


def test_every_dimension_is_there_even_without_ratings_or_evidence() -> None:
    result = pair_with_evidence([], [])

    assert [d.dimension for d in result] == list(Dimension)
    assert all(d.latest_rating is None and not d.ratings and not d.flags for d in result)
    assert all(d.status is AnchoringStatus.NONE for d in result)


def test_a_rise_with_a_milestone_in_between_is_not_flagged() -> None:
    first, second = rating(3, D(2024, 1, 10)), rating(5, D(2024, 6, 10))
    budget = milestone(D(2024, 3, 1), status=AnchoringStatus.ANCHORED)

    (dim,) = [d for d in pair_with_evidence([first, second], [budget]) if d.ratings]

    assert [(p.previous_rating, p.change) for p in dim.ratings] == [(None, None), (3, 2)]
    assert dim.ratings[1].evidence_since_previous == [budget.milestone_id]
    assert not dim.ratings[1].rose_without_evidence
    assert dim.flags == []
    assert (dim.latest_rating, dim.status) == (5, AnchoringStatus.ANCHORED)
    assert dim.milestones[0].next_rating_id == second.rating_id


def test_a_rise_without_new_evidence_is_flagged_with_both_ratings() -> None:
    early = milestone(D(2024, 1, 5))
    first, second = rating(3, D(2024, 1, 10)), rating(6, D(2024, 6, 10))

    result = pair_with_evidence([first, second], [early])
    (flag,) = flags_of(result)

    assert flag.kind is FlagKind.ROSE_WITHOUT_EVIDENCE
    assert (flag.dimension, flag.valid_on, flag.rating_id) == (
        Dimension.OPERATIONS,
        D(2024, 6, 10),
        second.rating_id,
    )
    assert (flag.previous_rating, flag.rating) == (3, 6)
    (dim,) = [d for d in result if d.ratings]
    assert dim.ratings[0].evidence_since_previous == [early.milestone_id]  # the first: all so far
    assert dim.ratings[1].rose_without_evidence


def test_a_steady_or_falling_rating_needs_no_evidence() -> None:
    ratings = [rating(4, D(2024, 1, 1)), rating(4, D(2024, 2, 1)), rating(2, D(2024, 3, 1))]

    assert flags_of(pair_with_evidence(ratings, [])) == []


def test_evidence_on_the_day_of_the_previous_rating_belongs_to_that_rating() -> None:
    same_day = milestone(D(2024, 1, 10))
    ratings = [rating(3, D(2024, 1, 10)), rating(4, D(2024, 5, 1))]

    (flag,) = flags_of(pair_with_evidence(ratings, [same_day]))

    assert flag.kind is FlagKind.ROSE_WITHOUT_EVIDENCE


def test_evidence_on_the_day_of_a_rating_counts_for_it_and_is_rated() -> None:
    ratings = [rating(3, D(2024, 1, 10)), rating(4, D(2024, 5, 1))]
    same_day = milestone(D(2024, 5, 1))

    assert flags_of(pair_with_evidence(ratings, [same_day])) == []


def test_evidence_no_rating_followed_is_flagged() -> None:
    before = milestone(D(2024, 1, 1), title="Før")
    after = milestone(D(2024, 9, 1), title="Fastansættelse")
    other = milestone(D(2024, 9, 1), dimension=Dimension.CULTURE, title="Fælles sprog")

    result = pair_with_evidence([rating(4, D(2024, 3, 1))], [before, after, other])

    flagged = [
        (f.kind, f.dimension, f.milestone_title)
        for f in flags_of(result)
        if f.kind is FlagKind.EVIDENCE_NOT_RATED
    ]
    assert flagged == [
        (FlagKind.EVIDENCE_NOT_RATED, Dimension.OPERATIONS, "Fastansættelse"),
        (FlagKind.EVIDENCE_NOT_RATED, Dimension.CULTURE, "Fælles sprog"),
    ]
    (ops,) = [d for d in result if d.dimension is Dimension.OPERATIONS]
    assert [m.rated_after for m in ops.milestones] == [True, False]


def test_ratings_of_another_dimension_do_not_count() -> None:
    ratings = [rating(2, D(2024, 1, 1)), rating(6, D(2024, 6, 1))]
    culture = milestone(D(2024, 3, 1), dimension=Dimension.CULTURE)
    late = rating(5, D(2024, 12, 1), dimension=Dimension.METHOD)
    flags = flags_of(pair_with_evidence([*ratings, late], [culture]))

    kinds = {(f.kind, f.dimension) for f in flags}

    assert kinds == {
        (FlagKind.ROSE_WITHOUT_EVIDENCE, Dimension.OPERATIONS),
        (FlagKind.EVIDENCE_NOT_RATED, Dimension.CULTURE),
    }


def test_flags_come_in_date_order() -> None:
    ratings = [rating(2, D(2024, 1, 1)), rating(6, D(2024, 6, 1))]
    unrated = milestone(D(2024, 8, 1), dimension=Dimension.METHOD)
    earlier_unrated = milestone(D(2024, 2, 1), dimension=Dimension.POLITICAL)

    dates = [f.valid_on for f in flags_of(pair_with_evidence(ratings, [unrated, earlier_unrated]))]

    assert dates == [D(2024, 2, 1), D(2024, 6, 1), D(2024, 8, 1)]


def test_ids_in_the_result_are_the_inputs() -> None:
    r = rating(4, D(2024, 1, 1))
    m = milestone(D(2024, 1, 1))
    (dim,) = [d for d in pair_with_evidence([r], [m]) if d.ratings]

    assert dim.ratings[0].rating is r
    assert dim.milestones[0].milestone is m
    assert isinstance(dim.milestones[0].next_rating_id, UUID)
