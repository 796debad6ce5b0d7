"""Anchoring (forankring) of one partnership: milestones, and the factors (promoting or
barriers) linked to them. Evaluations are in api/controllers/evaluations.py."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import (
    CommandAccepted,
    FactorEventLink,
    FactorLink,
    FactorRecord,
    MilestoneRecord,
)
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class AnchoringController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["anchoring"]

    @post(
        "/milestones",
        operation_id="recordMilestone",
        summary="Record an anchoring milestone",
        opt=WRITE,
    )
    async def record_milestone(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[MilestoneRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A dimension (political, management, operations, ...) reached a status (started,
        partial, anchored) on `valid_on`, with evidence. `id` is the milestone."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, status=201
        )

    @post(
        "/factors",
        operation_id="recordFactor",
        summary="Record a promoting factor or a barrier",
        opt=WRITE,
    )
    async def record_factor(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[FactorRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """An external or internal factor, promoting or a barrier, optionally linked to
        milestones of this partnership. `id` is the factor."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, status=201
        )

    @post(
        "/factors/{factor_id:uuid}/milestones",
        operation_id="linkFactor",
        summary="Link a factor to a milestone",
        status_code=200,
        opt=WRITE,
    )
    async def link_factor(
        self,
        partnership_id: FromPath[UUID],
        factor_id: FromPath[UUID],
        data: JSONBody[FactorLink],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The factor also bears on this milestone."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, factor_id=factor_id
        )

    @post(
        "/factors/{factor_id:uuid}/events",
        operation_id="linkFactorToEvent",
        summary="Link a factor to an event of the partnership",
        status_code=200,
        opt=WRITE,
    )
    async def link_factor_to_event(
        self,
        partnership_id: FromPath[UUID],
        factor_id: FromPath[UUID],
        data: JSONBody[FactorEventLink],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The factor came from, or bears on, an event of this partnership (a role vacated,
        a partner leaving, a decision, ...): `event_version` is the event's number in the
        partnership's history (`GET /partnerships/{id}/history`)."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, factor_id=factor_id
        )
