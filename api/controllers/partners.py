"""A partnership's partners: an organisation joins, moves on the ladder, leaves."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, LadderMove, PartnerJoin, Write
from services.application import Tvaers
from services.commands import LeavePartner

WRITE = {"access": "partnership:write"}


class PartnerController(Controller):
    path = "/partnerships/{partnership_id:uuid}/partners"

    @post(
        operation_id="joinPartner",
        summary="An organisation joins the partnership",
        tags=["partnerships"],
        opt=WRITE,
    )
    async def join(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[PartnerJoin],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return await context.execute_on_loop(
            tvaers, data, status=201, partnership_id=partnership_id
        )

    @post(
        "/{organisation_id:uuid}/departure",
        operation_id="leavePartner",
        summary="A partner leaves the partnership",
        tags=["governance"],
        status_code=200,
        opt=WRITE,
    )
    async def leave(
        self,
        partnership_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The partner leaves on `valid_on`; roles held by its people fall vacant.

        Not for the lead organisation, the secretariat's holder, or a partner that owns
        activities not yet ended.
        """
        return await context.execute_on_loop(
            tvaers,
            data,
            LeavePartner(partnership_id=partnership_id, organisation_id=organisation_id),
        )

    @post(
        "/{organisation_id:uuid}/ladder-moves",
        operation_id="moveOnLadder",
        summary="Move a partner on the ladder",
        tags=["governance"],
        status_code=200,
        opt=WRITE,
    )
    async def move_on_ladder(
        self,
        partnership_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        data: JSONBody[LadderMove],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The partner stands on `rung` from `valid_on`, with evidence. Rungs 5 and 6 need a
        cooperation or partnership agreement in force on that date."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, organisation_id=organisation_id
        )
