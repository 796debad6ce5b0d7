"""The directory: an organisation's lifecycle (rename, merge, close) and persons.

A person's contact details are personal data: they travel in request and response
bodies only, never in paths, problem details or logs, and erasure makes them unreadable.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.controllers.organisations import Limit, NameQuery, directory_rules
from api.controllers.views import After, Cursor
from api.deps import RequestContext
from api.readside import ReadSide
from api.schemas import (
    CommandAccepted,
    ContactChange,
    OrganisationMerge,
    OrganisationRename,
    PersonCreate,
    PersonMove,
    PersonView,
    Write,
)
from api.views import person_view
from projections import directory
from services.application import Tvaers
from services.commands import CloseOrganisation, ErasePerson

# Who may do what in the directory: ADR 0005, "Revised (issue 12)". The one guard
# (api/auth.py) enforces each declaration, and the body rules on what a body names.
OWNER = {"access": "organisation:write"}  # administrators, the municipality's project leaders
PERSON_READER = {"access": "person:read"}
PERSON_WRITER = {"access": "person:write"}
REGISTRAR = {"access": "writer", "body": {"organisation_id": "organisation:staff"}}
MOVER = {"access": "person:write", "body": {"organisation_id": "organisation:staff"}}
# Erasing reaches into every partnership and every stored event: administrators only.
ADMIN = {"access": "admin"}


class OrganisationLifecycleController(Controller):
    path = "/organisations/{organisation_id:uuid}"
    tags = ["organisations"]

    @put(
        "/name",
        operation_id="renameOrganisation",
        summary="Rename an organisation",
        status_code=200,
        opt=OWNER,
    )
    async def rename(
        self,
        organisation_id: FromPath[UUID],
        data: JSONBody[OrganisationRename],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Give an active organisation a new name; its history keeps the old one."""
        return await context.execute_on_loop(tvaers, data, organisation_id=organisation_id)

    @post(
        "/merger",
        operation_id="mergeOrganisation",
        summary="Merge an organisation into another",
        status_code=200,
        opt=OWNER,
    )
    async def merge(
        self,
        organisation_id: FromPath[UUID],
        data: JSONBody[OrganisationMerge],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Record that this organisation merged into `into_id` (active); it is no longer active."""
        return await context.execute_on_loop(tvaers, data, organisation_id=organisation_id)

    @post(
        "/closure",
        operation_id="closeOrganisation",
        summary="Close an organisation",
        status_code=200,
        opt=OWNER,
    )
    async def close(
        self,
        organisation_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Record that the organisation closed; it can take part in nothing new afterwards."""
        return await context.execute_on_loop(
            tvaers, data, CloseOrganisation(organisation_id=organisation_id)
        )


class PersonController(Controller):
    path = "/persons"
    tags = ["persons"]

    @post(
        operation_id="createPerson",
        summary="Register a person",
        opt=REGISTRAR,
    )
    async def create(
        self,
        data: JSONBody[PersonCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Register a professional of an active organisation, with their contact details."""
        return await context.execute_on_loop(tvaers, data, status=201)

    @get(
        operation_id="listPersons",
        summary="Persons, by name",
        opt={"access": "authenticated"},
    )
    async def list_persons(
        self,
        request: Request[Any, Any, Any],
        read_side: NamedDependency[ReadSide],
        q: NameQuery = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        after: After = None,
    ) -> directory.PersonPage:
        """The persons you may read (as `GET /persons/{id}`), by name, paged
        (`next_cursor`); erased persons are left out. `q`: part of the name. Contact
        details are read one person at a time."""
        await read_side.ready(after)
        readable = directory_rules(request).persons("id")
        return await directory.person_page(
            read_side.store, readable, q=q, limit=limit, cursor=cursor
        )

    @get(
        "/{person_id:uuid}",
        operation_id="getPerson",
        summary="A person and their contact details",
        sync_to_thread=True,
        opt=PERSON_READER,
    )
    def read(
        self, person_id: FromPath[UUID], tvaers: NamedDependency[Tvaers]
    ) -> Response[PersonView]:
        """One person; `contact` is null once their personal data has been erased."""
        person = tvaers.get_person(person_id)
        return Response(person_view(person), headers={"ETag": f'"{person.version}"'})

    @put(
        "/{person_id:uuid}/contact",
        operation_id="changePersonContact",
        summary="Change a person's contact details",
        status_code=200,
        opt=PERSON_WRITER,
    )
    async def change_contact(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[ContactChange],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Replace the contact details (name, title, email, phone): fields left out are emptied."""
        return await context.execute_on_loop(tvaers, data, person_id=person_id)

    @put(
        "/{person_id:uuid}/organisation",
        operation_id="movePerson",
        summary="Move a person to another organisation",
        status_code=200,
        opt=MOVER,
    )
    async def move(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[PersonMove],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person now works for another (active) organisation."""
        return await context.execute_on_loop(tvaers, data, person_id=person_id)

    @post(
        "/{person_id:uuid}/erasure",
        operation_id="erasePerson",
        summary="Erase a person's personal data",
        status_code=200,
        opt=ADMIN,
    )
    async def erase(
        self,
        person_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Erasure request (GDPR): the contact details become unreadable everywhere, stored
        events included; the person's roles and the rest of the history stay."""
        return await context.execute_on_loop(tvaers, data, ErasePerson(person_id=person_id))
