"""Organisations: register one, read one."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, Organisation, OrganisationCreate
from api.views import organisation_view
from services.application import Tvaers


class OrganisationController(Controller):
    path = "/organisations"
    tags = ["organisations"]

    @post(
        operation_id="createOrganisation",
        summary="Register an organisation",
        sync_to_thread=True,
        # A municipality named must be one the caller is a project leader in: it makes
        # them (and that municipality's project leaders) the organisation's owners.
        opt={"access": "writer", "body": {"municipality": "municipality:lead"}},
    )
    def create(
        self,
        data: JSONBody[OrganisationCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return context.execute(tvaers, data, status=201)

    @get(
        "/{organisation_id:uuid}",
        operation_id="getOrganisation",
        sync_to_thread=True,
        opt={"access": "organisation:read"},
    )
    def read(
        self, organisation_id: FromPath[UUID], tvaers: NamedDependency[Tvaers]
    ) -> Response[Organisation]:
        organisation = tvaers.get_organisation(organisation_id)
        return Response(
            organisation_view(organisation), headers={"ETag": f'"{organisation.version}"'}
        )
