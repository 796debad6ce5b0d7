"""Self-assessment of anchoring (selvevaluering): the steering group rates each dimension 1-7;
the view sets the ratings beside the milestones (the evidence) and flags what does not fit."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from aggregates.dates import today as today_in_denmark
from api import exports
from api.controllers.views import After, AsOf, KnownAt
from api.deps import RequestContext
from api.exports import EXPORT, Export, ExportOperation
from api.readside import ReadSide
from api.schemas import CommandAccepted, RatingRecord
from projections import anchoring
from projections import ratings as rating_views
from services.application import Tvaers


class RatingsView(msgspec.Struct, kw_only=True):
    """The ratings given up to `as_of` (in valid-time order), the flags, and per dimension
    the ratings beside the milestones (`dimensions`, in the taxonomy's order)."""

    as_of: date
    ratings: list[rating_views.RatingView]
    flags: list[rating_views.RatingFlag]
    dimensions: list[rating_views.DimensionRatings]


class RatingController(Controller):
    path = "/partnerships/{partnership_id:uuid}/ratings"
    tags = ["anchoring"]

    @post(
        operation_id="rateAnchoring",
        summary="Rate a dimension's anchoring on the 1-7 scale (selvevaluering)",
        opt={"access": "partnership:rate"},
    )
    async def rate(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[RatingRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The steering group's self-assessment of one anchoring dimension on `valid_on`:
        1 (not anchored at all) to 7 (fully part of operations), with a comment. Project
        leaders and steering-group members of the partnership may rate. `id` is the rating."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, status=201
        )

    @get(
        operation_id="getRatings",
        operation_class=ExportOperation,
        summary="Self-assessment ratings over time, beside the evidence",
        dependencies={"export": EXPORT},  # format=csv|xlsx: the same data as a file
        opt={"access": "partnership:read"},
    )
    async def ratings(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> RatingsView | Response[bytes]:
        """Ratings given up to `as_of`, as the registry knew them at `known_at`, with flags:
        a rating that rose with no new milestone of its dimension since the rating before
        (`rose_without_evidence`), and a milestone no rating followed
        (`evidence_not_rated`)."""
        await read_side.ready(after, partnership_id)
        day = as_of or today_in_denmark()
        store = read_side.store
        given = await rating_views.ratings(store, partnership_id, as_of=day, known_at=known_at)
        evidence = await anchoring.milestones(store, partnership_id, as_of=day, known_at=known_at)
        dimensions = rating_views.pair_with_evidence(given, evidence)
        view = RatingsView(
            as_of=day,
            ratings=given,
            flags=rating_views.flags_of(dimensions),
            dimensions=dimensions,
        )
        return await exports.ratings(export, view, partnership_id) if export.wanted else view
