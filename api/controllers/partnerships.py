"""Partnerships: register, list, read the current state (partners: partners.py)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.controllers.registry import VISIBLE
from api.controllers.views import After, Cursor
from api.deps import RequestContext
from api.readside import ReadSide
from api.schemas import (
    CommandAccepted,
    PartnershipCreate,
    PartnershipListItem,
    PartnershipPage,
    PartnershipView,
)
from api.views import partnership_view
from projections import registry as registry_views
from projections.access import Visibility
from services.application import Tvaers


class PartnershipController(Controller):
    path = "/partnerships"
    tags = ["partnerships"]

    @post(
        operation_id="createPartnership",
        summary="Register a partnership",
        # Only in a municipality the caller holds a municipality-wide project-leader
        # grant for (administrators: any).
        opt={"access": "writer", "body": {"municipality": "municipality:register"}},
    )
    async def create(
        self,
        data: JSONBody[PartnershipCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return await context.execute_on_loop(tvaers, data, status=201)

    @get(
        operation_id="listPartnerships",
        summary="List the partnerships you may see, in registration order",
        opt={"access": "authenticated"},
        dependencies={"visible": VISIBLE},
    )
    async def list(
        self,
        read_side: NamedDependency[ReadSide],
        visible: NamedDependency[Visibility],
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        after: After = None,
    ) -> PartnershipPage:
        await read_side.ready(after)
        page = await registry_views.listing(
            read_side.store, visible=visible, cursor=cursor, limit=limit
        )
        items = [
            PartnershipListItem(
                id=p.id, title=p.title, municipality=p.municipality, registered_at=p.registered_at
            )
            for p in page.items
        ]
        return PartnershipPage(items=items, next_cursor=page.next_cursor)

    @get(
        "/{partnership_id:uuid}",
        operation_id="getPartnership",
        summary="A partnership's current state",
        sync_to_thread=True,
        opt={"access": "partnership:read"},
    )
    def read(
        self, partnership_id: FromPath[UUID], tvaers: NamedDependency[Tvaers]
    ) -> Response[PartnershipView]:
        partnership = tvaers.get_partnership(partnership_id)
        organisations = {key: tvaers.get_organisation(UUID(key)) for key in partnership.partners}
        return Response(
            partnership_view(partnership, organisations),
            headers={"ETag": f'"{partnership.version}"'},
        )
