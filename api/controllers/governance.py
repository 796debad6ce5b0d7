"""A partnership's registry fields (the case description of sundeborgere.dk).

Partners (partners.py), the steering group (steering.py), the secretariat
(secretariat.py), decisions and terms of reference (decisions.py) and roles (roles.py)
have their own controllers."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, RegistryPatch, RegistryUpdate, Write
from services.application import Tvaers
from services.commands import EnterOperations

WRITE = {"access": "partnership:write"}
# Naming a municipality moves the partnership into it: only someone who may register
# partnerships there (a municipality-wide project-leader grant, or an administrator).
MOVE = {**WRITE, "body": {"municipality": "municipality:register"}}


class RegistryFieldsController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["governance"]

    @put(
        "/registry",
        operation_id="updateRegistry",
        summary="Update the registry fields",
        status_code=200,
        opt=WRITE,
    )
    async def update_registry(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[RegistryUpdate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Replace every registry field (title, purpose, target groups, period, budget, ...).

        Fields left out take their default, so send them all: read the partnership first and
        pass its ETag as If-Match. The lead organisation cannot be changed here. The event
        names the fields whose value changed, with the registry before (the history's
        "Titel: «gammel» → «ny»"). To change some fields only, use PATCH.
        """
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @patch(
        "/registry",
        operation_id="changeRegistryFields",
        summary="Change some registry fields",
        status_code=200,
        opt=MOVE,
    )
    async def change_registry_fields(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[RegistryPatch],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Change only the registry fields in the body; every other field keeps its current
        value (also a change someone else saved meanwhile).

        Without If-Match the change lands on the current version and the domain's rules
        decide (e.g. the period's end after its start, with the other fields as they are
        now). With If-Match the version must be the current one (412 otherwise), as for
        every write. Naming `municipality` moves the partnership to that municipality:
        only an administrator or a holder of a municipality-wide project-leader grant
        there may (403 otherwise).
        """
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @post(
        "/registry/operations",
        operation_id="enterOperations",
        summary="Go from project to operation (drift)",
        status_code=200,
        opt=WRITE,
    )
    async def enter_operations(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The anchoring step: the partnership's type goes from projekt to drift (permanent
        operation). Recorded as a registry change of `kind` alone; 422 (no-change) if it is
        in operation already."""
        return await context.execute_on_loop(
            tvaers, data, EnterOperations(partnership_id=partnership_id)
        )
