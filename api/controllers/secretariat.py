"""The secretariat of one partnership: the partner holding it, and its staff."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, SecretariatAssign, SecretariatStaff, Write
from services.application import Tvaers
from services.commands import ReleaseSecretariatStaff

WRITE = {"access": "partnership:write"}


class SecretariatController(Controller):
    path = "/partnerships/{partnership_id:uuid}/secretariat"
    tags = ["governance"]

    @put(
        "/",
        operation_id="assignSecretariat",
        summary="Place the secretariat with a partner",
        status_code=200,
        opt=WRITE,
    )
    async def assign(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[SecretariatAssign],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A partner holds the secretariat from `valid_on` (or takes it over from another)."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @post(
        "/staff",
        operation_id="staffSecretariat",
        summary="A person joins the secretariat's staff",
        status_code=200,
        opt=WRITE,
    )
    async def staff(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[SecretariatStaff],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person staffs the secretariat from `valid_on`; assign the secretariat first."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @post(
        "/staff/{person_id:uuid}/departure",
        operation_id="releaseSecretariatStaff",
        summary="A person leaves the secretariat's staff",
        status_code=200,
        opt=WRITE,
    )
    async def release_staff(
        self,
        partnership_id: FromPath[UUID],
        person_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person no longer staffs the secretariat from `valid_on`."""
        return await context.execute_on_loop(
            tvaers,
            data,
            ReleaseSecretariatStaff(partnership_id=partnership_id, person_id=person_id),
        )
