"""The steering group of one partnership: appointing members, their seats, stepping down."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, SteeringMemberAppoint, SteeringSeatChange, Write
from services.application import Tvaers
from services.commands import StepDownSteeringMember

WRITE = {"access": "partnership:write"}


class SteeringGroupController(Controller):
    path = "/partnerships/{partnership_id:uuid}/steering-group"
    tags = ["governance"]

    @post(
        "/members",
        operation_id="appointSteeringMember",
        summary="Appoint a steering-group member",
        opt=WRITE,
    )
    async def appoint(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[SteeringMemberAppoint],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A person takes a seat (formand, næstformand or medlem); `id` is the appointment."""
        return await context.execute_on_loop(
            tvaers, data, status=201, partnership_id=partnership_id
        )

    @put(
        "/members/{person_id:uuid}/seat",
        operation_id="changeSteeringSeat",
        summary="Change a steering-group member's seat",
        status_code=200,
        opt=WRITE,
    )
    async def change_seat(
        self,
        partnership_id: FromPath[UUID],
        person_id: FromPath[UUID],
        data: JSONBody[SteeringSeatChange],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The member holds `seat` from `valid_on` (e.g. the day of the appointment, when a
        formand was appointed as medlem by mistake); at most one formand and one
        næstformand at a time."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, person_id=person_id
        )

    @post(
        "/members/{person_id:uuid}/departure",
        operation_id="stepDownSteeringMember",
        summary="A steering-group member steps down",
        status_code=200,
        opt=WRITE,
    )
    async def step_down(
        self,
        partnership_id: FromPath[UUID],
        person_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person leaves their seat on `valid_on`."""
        return await context.execute_on_loop(
            tvaers,
            data,
            StepDownSteeringMember(partnership_id=partnership_id, person_id=person_id),
        )
