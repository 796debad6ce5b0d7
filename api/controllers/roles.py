"""Roles in one partnership (tovholder, brobygger, ...): assigning, handing over, vacating."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, RoleAssign, RoleHandOver, Write
from services.application import Tvaers
from services.commands import VacateRole

WRITE = {"access": "partnership:write"}


class RoleController(Controller):
    path = "/partnerships/{partnership_id:uuid}/roles/{position_id:uuid}"
    tags = ["governance"]

    @post(
        "/handovers",
        operation_id="handOverRole",
        summary="Hand a role over to another person",
        status_code=200,
        opt=WRITE,
    )
    async def hand_over(
        self,
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        data: JSONBody[RoleHandOver],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The held role passes to another person of a partner on `valid_on`."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, position_id=position_id
        )

    @post(
        "/vacancy",
        operation_id="vacateRole",
        summary="A role falls vacant",
        status_code=200,
        opt=WRITE,
    )
    async def vacate(
        self,
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The holder leaves the role on `valid_on`; the position stays, vacant."""
        return await context.execute_on_loop(
            tvaers, data, VacateRole(partnership_id=partnership_id, position_id=position_id)
        )


# Not in the controller: GET on this path belongs to the roles view (see COMMAND_CONTROLLERS).
@post(
    "/partnerships/{partnership_id:uuid}/roles",
    operation_id="assignRole",
    summary="Assign a role to a person",
    opt=WRITE,
    tags=["governance"],
)
async def assign_role(
    partnership_id: FromPath[UUID],
    data: JSONBody[RoleAssign],
    tvaers: NamedDependency[Tvaers],
    context: NamedDependency[RequestContext],
) -> Response[CommandAccepted]:
    """A person of a partner takes a role (tovholder, brobygger, ...) for the partnership
    or one activity: a new position, or a vacant one (`position_id`). `id` is the
    position."""
    return await context.execute_on_loop(tvaers, data, status=201, partnership_id=partnership_id)
