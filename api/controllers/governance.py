"""A partnership's registry fields (the case description of sundeborgere.dk).

Partners (partners.py), the steering group (steering.py), the secretariat
(secretariat.py), decisions and terms of reference (decisions.py) and roles (roles.py)
have their own controllers."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, RegistryUpdate
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class RegistryFieldsController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["governance"]

    @put(
        "/registry",
        operation_id="updateRegistry",
        summary="Update the registry fields",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def update_registry(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[RegistryUpdate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Replace every registry field (title, purpose, target groups, period, budget, ...).

        Fields left out take their default, so send them all: read the partnership first and
        pass its ETag as If-Match. The lead organisation cannot be changed here.
        """
        return context.execute(tvaers, data, partnership_id=partnership_id)
