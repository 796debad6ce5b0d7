"""Partnerships: register, list, read the current state, let an organisation join."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from aggregates import Registry
from aggregates.taxonomy import Rung
from api.deps import RequestContext
from api.schemas import (
    CommandAccepted,
    PartnerJoin,
    PartnershipCreate,
    PartnershipListItem,
    PartnershipPage,
    PartnershipView,
)
from api.views import partnership_view
from services.application import Tvaers

_REGISTRY_FIELDS = frozenset(Registry.__struct_fields__)


def _cursor(value: str | None) -> int:
    if value is None:
        return 0
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise ClientException("The cursor is not one this API gave out.")
    return int(value)


class PartnershipController(Controller):
    path = "/partnerships"
    tags = ["partnerships"]

    @post(
        operation_id="createPartnership",
        summary="Register a partnership",
        sync_to_thread=True,
        opt={"access": "writer"},
    )
    def create(
        self,
        data: JSONBody[PartnershipCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        fields = {k: v for k, v in msgspec.structs.asdict(data).items() if k in _REGISTRY_FIELDS}
        registry = msgspec.convert(fields, Registry, from_attributes=True)
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.register_partnership(
                registry=registry, lead_organisation_id=data.lead_organisation_id, meta=meta
            ),
            status=201,
        )

    @get(
        operation_id="listPartnerships",
        summary="List partnerships",
        sync_to_thread=True,
        opt={"access": "authenticated"},
    )
    def list(
        self,
        tvaers: NamedDependency[Tvaers],
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> PartnershipPage:
        # One more than asked tells whether there is a next page.
        summaries = tvaers.list_partnerships(after=_cursor(cursor), limit=limit + 1)
        more = len(summaries) > limit
        summaries = summaries[:limit]
        items = [
            PartnershipListItem(
                id=s.id, title=s.title, municipality=s.municipality, registered_at=s.registered_at
            )
            for s in summaries
        ]
        next_cursor = str(summaries[-1].notification_id) if more else None
        return PartnershipPage(items=items, next_cursor=next_cursor)

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

    @post(
        "/{partnership_id:uuid}/partners",
        operation_id="joinPartner",
        summary="An organisation joins the partnership",
        sync_to_thread=True,
        opt={"access": "partnership:write"},
    )
    def join(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[PartnerJoin],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.join_partner(
                partnership_id,
                data.organisation_id,
                meta,
                rung=Rung(data.rung),
                evidence=data.evidence,
                expected_version=context.expected_version,
            ),
            status=201,
        )
