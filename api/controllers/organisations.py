"""Organisations: register one, list and search them, read one."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.auth import principal_of
from api.controllers.views import After, Cursor
from api.deps import RequestContext
from api.readside import ReadSide
from api.schemas import CommandAccepted, Organisation, OrganisationCreate
from api.views import organisation_view
from projections import directory
from projections.access import DirectoryAccess
from services.application import Tvaers

NameQuery = Annotated[
    str | None,
    QueryParameter(
        max_length=200,
        description="Part of the name, case-insensitive (Danish letters too); spaces squeezed.",
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=200, description="Items per page.")]


def directory_rules(request: Request[Any, Any, Any]) -> DirectoryAccess:
    """The caller's directory rules (the guard has let a user through)."""
    principal = principal_of(request)
    if principal is None:  # pragma: no cover - every route but the public ones has a user
        raise RuntimeError("a directory list without a user")
    return principal.directory


class OrganisationController(Controller):
    path = "/organisations"
    tags = ["organisations"]

    @post(
        operation_id="createOrganisation",
        summary="Register an organisation",
        # A municipality named must be one the caller is a project leader in: it makes
        # them (and that municipality's project leaders) the organisation's owners.
        opt={"access": "writer", "body": {"municipality": "municipality:lead"}},
    )
    async def create(
        self,
        data: JSONBody[OrganisationCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return await context.execute_on_loop(tvaers, data, status=201)

    @get(
        operation_id="listOrganisations",
        summary="Organisations, by name",
        opt={"access": "organisation:read"},
    )
    async def list_organisations(
        self,
        request: Request[Any, Any, Any],
        read_side: NamedDependency[ReadSide],
        q: NameQuery = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        after: After = None,
    ) -> directory.OrganisationPage:
        """Active organisations you may see, by name, paged (`next_cursor`): administrators
        all; others those of a municipality they hold a grant in and the partners of the
        partnerships they hold a grant on (ADR 0005). `q`: part of the name."""
        await read_side.ready(after)
        visible = directory_rules(request).listed_organisations("id")
        return await directory.organisation_page(
            read_side.store, visible, q=q, limit=limit, cursor=cursor
        )

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
