"""Self-assessment (selvevaluering) view: each dimension's 1-7 ratings over time, and how they
pair with the anchoring milestones (the evidence) of the same dimension.

Ratings are bitemporal facts like milestones (docs/time.md): `ratings(as_of=V,
known_at=R)` is what the registry said at R about the ratings given up to V. The pairing
(`pair_with_evidence`) is pure, so the web UI can draw the ratings next to the evidence
timeline and flag what an evaluator should look at.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

import msgspec

from aggregates import Partnership
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import AnchoringStatus, Dimension, Labelled
from projections.anchoring import MilestoneView
from projections.core import Projection, fact_columns, known_filter, redate
from projections.directory import names
from projections.store import ReadStore, Statement

ratings_projection = Projection(
    name="ratings",
    version=1,
    tables=("rating_facts",),
    ddl=(
        "CREATE TABLE rating_facts ("
        " partnership_id {uuid} NOT NULL, rating_id {uuid} NOT NULL,"
        " dimension {text} NOT NULL, rating {int} NOT NULL, comment {text} NOT NULL,"
        " rated_by {uuid}, recorded_by {text} NOT NULL,"
        + fact_columns()
        + ", PRIMARY KEY (partnership_id, row_version, rating_id))",
        "CREATE INDEX rating_facts_by_dimension ON rating_facts"
        " (partnership_id, dimension, valid_on)",
        "CREATE INDEX rating_facts_by_source ON rating_facts (partnership_id, source_version)",
    ),
)

_SUBJECT = "partnership_id, rating_id, dimension, rating, comment, rated_by, recorded_by"
_COLUMNS = f"{_SUBJECT}, valid_on, source_version, row_version, recorded_at"


@ratings_projection.on(Partnership.AnchoringRated)
def _rated(e: Partnership.AnchoringRated) -> Iterable[Statement]:
    v = e.originator_version
    yield (
        f"INSERT INTO rating_facts ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.originator_id,
            e.rating_id,
            e.dimension,
            e.rating,
            e.comment,
            e.rated_by,
            e.actor,
            e.valid_on,
            v,
            v,
            e.timestamp,
        ),
    )


@ratings_projection.on(Partnership.DateCorrected)
def _date_corrected(e: Partnership.DateCorrected) -> Iterable[Statement]:
    yield from redate("rating_facts", _SUBJECT, e)


# -- queries ------------------------------------------------------------------------------


class RatingView(msgspec.Struct, kw_only=True):
    """One rating as the registry holds it; `rated_by_name` is read from the directory now
    (an erased person shows as erased)."""

    rating_id: UUID
    dimension: Dimension
    rating: int
    comment: str
    rated_by: UUID | None
    rated_by_name: str | None
    valid_on: date
    recorded_by: str
    recorded_at: datetime
    corrected: bool


async def ratings(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[RatingView]:
    """Ratings given up to `as_of` (default today), as known at `known_at`, in valid-time
    order (ratings of one day in the order they were recorded)."""
    known, known_params = known_filter(known_at)
    rows = await store.fetch(
        "SELECT rating_id, dimension, rating, comment, rated_by, valid_on, recorded_by,"
        " recorded_at, row_version <> source_version AS corrected"
        f" FROM rating_facts WHERE partnership_id = ? AND valid_on <= ? AND {known}"
        " ORDER BY valid_on, source_version",
        partnership_id,
        as_of or today_in_denmark(),
        *known_params,
    )
    raters = [_uuid(r["rated_by"]) for r in rows]
    labels = await names(store, raters)
    return [
        msgspec.convert(
            {**r, "rated_by_name": labels.get(rater) if rater else None},
            RatingView,
            strict=False,
        )
        for r, rater in zip(rows, raters, strict=True)
    ]


def _uuid(value: object) -> UUID | None:
    if value is None:
        return None
    return value if isinstance(value, UUID) else UUID(str(value))


# -- ratings beside the evidence (pure) -----------------------------------------------------


class FlagKind(Labelled):
    """What an evaluator should look at when ratings and evidence are set side by side."""

    ROSE_WITHOUT_EVIDENCE = ("rose_without_evidence", "vurderingen steg uden ny dokumentation")
    EVIDENCE_NOT_RATED = ("evidence_not_rated", "dokumentation uden vurdering bagefter")


class RatingFlag(msgspec.Struct, kw_only=True):
    """A rating that rose with no milestone since the one before it (`rating_id`, the two
    ratings), or a milestone with no rating of its dimension on or after its date
    (`milestone_id`, its title). `valid_on` is the rating's or the milestone's date."""

    kind: FlagKind
    dimension: Dimension
    valid_on: date
    rating_id: UUID | None = None
    rating: int | None = None
    previous_rating: int | None = None
    milestone_id: UUID | None = None
    milestone_title: str | None = None


class PairedRating(msgspec.Struct, kw_only=True):
    """A rating with the one before it and the evidence that came in between.

    `evidence_since_previous`: the dimension's milestones dated after the previous rating
    and up to this one (for the first rating: every milestone up to it). A milestone on
    the day of a rating counts as known to that rating.
    """

    rating: RatingView
    previous_rating: int | None
    change: int | None
    evidence_since_previous: list[UUID]
    rose_without_evidence: bool


class PairedMilestone(msgspec.Struct, kw_only=True):
    """A milestone with the first rating of its dimension on or after its date (if any)."""

    milestone: MilestoneView
    next_rating_id: UUID | None
    rated_after: bool


class DimensionRatings(msgspec.Struct, kw_only=True):
    """One dimension: its ratings and its milestones in valid-time order, with the flags.

    `latest_rating` is the last rating's value and `status` the last milestone's
    anchoring status (what the two timelines say at their ends).
    """

    dimension: Dimension
    latest_rating: int | None
    status: AnchoringStatus
    ratings: list[PairedRating]
    milestones: list[PairedMilestone]
    flags: list[RatingFlag]


def pair_with_evidence(
    ratings: Sequence[RatingView], milestones: Sequence[MilestoneView]
) -> list[DimensionRatings]:
    """Every dimension (in the taxonomy's order) with its ratings set beside its milestones.

    Both lists in valid-time order, as `ratings()` and `anchoring.milestones()` give them
    for one partnership and the same `as_of`/`known_at`. Flags:

    - `rose_without_evidence`: a rating higher than the one before it with no milestone
      of the dimension dated after that one and up to this one;
    - `evidence_not_rated`: a milestone with no rating of the dimension on or after its date.
    """
    result = []
    for dimension in Dimension:
        mine = [r for r in ratings if r.dimension is dimension]
        evidence = [m for m in milestones if m.dimension is dimension]
        paired: list[PairedRating] = []
        flags: list[RatingFlag] = []
        previous: RatingView | None = None
        for rating in mine:
            since = [
                m.milestone_id
                for m in evidence
                if (previous is None or m.valid_on > previous.valid_on)
                and m.valid_on <= rating.valid_on
            ]
            rose = previous is not None and rating.rating > previous.rating and not since
            paired.append(
                PairedRating(
                    rating=rating,
                    previous_rating=previous.rating if previous else None,
                    change=rating.rating - previous.rating if previous else None,
                    evidence_since_previous=since,
                    rose_without_evidence=rose,
                )
            )
            if rose:
                assert previous is not None
                flags.append(
                    RatingFlag(
                        kind=FlagKind.ROSE_WITHOUT_EVIDENCE,
                        dimension=dimension,
                        valid_on=rating.valid_on,
                        rating_id=rating.rating_id,
                        rating=rating.rating,
                        previous_rating=previous.rating,
                    )
                )
            previous = rating
        beside: list[PairedMilestone] = []
        for milestone in evidence:
            after = next((r for r in mine if r.valid_on >= milestone.valid_on), None)
            beside.append(
                PairedMilestone(
                    milestone=milestone,
                    next_rating_id=after.rating_id if after else None,
                    rated_after=after is not None,
                )
            )
            if after is None:
                flags.append(
                    RatingFlag(
                        kind=FlagKind.EVIDENCE_NOT_RATED,
                        dimension=dimension,
                        valid_on=milestone.valid_on,
                        milestone_id=milestone.milestone_id,
                        milestone_title=milestone.title,
                    )
                )
        result.append(
            DimensionRatings(
                dimension=dimension,
                latest_rating=mine[-1].rating if mine else None,
                status=evidence[-1].status if evidence else AnchoringStatus.NONE,
                ratings=paired,
                milestones=beside,
                flags=sorted(flags, key=lambda f: f.valid_on),
            )
        )
    return result


def flags_of(dimensions: Sequence[DimensionRatings]) -> list[RatingFlag]:
    """Every dimension's flags in one list, by date (dimensions in the taxonomy's order)."""
    return sorted((f for d in dimensions for f in d.flags), key=lambda f: f.valid_on)
