"""Views across partnerships (registry search, map of offers, agenda, cross-case tables) and
a partnership's activities and agreements.

Every view takes `as_of` (valid date, default today) and `after` (a notification id from
a write: the answer waits until the views include it).

The views across partnerships show only the partnerships the caller may see (`visible`,
a dependency: everything for an administrator, else those a grant covers, directly or
through their municipality); the filter is part of each query's SQL, so pages, cursors
and limits count only visible partnerships. Naming a partnership the caller may not see
(`partnership_id`) is refused with 403, whether or not it exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import Dimension, Sector
from api import exports
from api.auth import principal_of
from api.controllers.views import After, AsOf, Cursor, KnownAt
from api.exports import EXPORT, Export, ExportOperation, Lang
from api.heatmap import HeatmapTable, crosscase_svg
from api.readside import ReadSide
from projections import access as access_view
from projections import agenda as agenda_view
from projections import agreements as agreement_views
from projections import crosscase as crosscase_view
from projections import export_facts, search
from projections import offers as offer_views
from projections.access import Visibility
from projections.crosscase import AnchoredOn
from projections.helpers import MAX_LIMIT
from projections.runner import StillCatchingUp

MAX_IDS = 200
SVG_TYPE = "image/svg+xml"

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size (1-200).")]
Word = Annotated[str | None, QueryParameter(max_length=200)]
AnchoredOnParameter = Annotated[
    AnchoredOn,
    QueryParameter(
        description="Which partnerships the factor tables count as anchored: those that "
        "reached 'anchored' on this dimension by `as_of` (default `operations`), or on any "
        "dimension (`any`)."
    ),
]
PartnershipIds = Annotated[
    list[UUID] | None,
    QueryParameter(
        name="partnership_id",
        max_items=MAX_IDS,
        description="A partnership to include (repeatable); all you may see when left out.",
    ),
]


def provide_visibility(request: Request[Any, Any, Any]) -> Visibility:
    """Which partnerships the caller's lists may show (the guard has made sure of a login)."""
    principal = principal_of(request)
    if principal is None:
        raise NotAuthorizedException("Log in first (session cookie or bearer token).")
    return principal.visibility


VISIBLE = Provide(provide_visibility, sync_to_thread=False)
"""The `visible` dependency, for any handler that lists partnerships."""


async def _hidden(read_side: ReadSide, visible: Visibility, ids: Sequence[UUID]) -> list[UUID]:
    """Those of `ids` the caller may not see (unknown ids too: no hint of what exists)."""
    return await access_view.hidden(read_side.store, visible, ids)


async def refuse_hidden(read_side: ReadSide, visible: Visibility, ids: Sequence[UUID]) -> None:
    """403 unless the caller may see every partnership in `ids`.

    A grant given a moment ago (with a new partnership, say) may not be in the access
    view yet: before refusing, catch up with the log once and look again.
    """
    if not await _hidden(read_side, visible, ids):
        return
    with contextlib.suppress(StillCatchingUp):  # then refuse on what the views know
        await read_side.wait_until(await read_side.store.head())
    if await _hidden(read_side, visible, ids):
        raise PermissionDeniedException(
            "You have no grant that lets you read every partnership asked for."
        )


class ActivitiesView(msgspec.Struct, kw_only=True):
    as_of: date
    activities: list[offer_views.ActivityView]


class AgreementsView(msgspec.Struct, kw_only=True):
    as_of: date
    agreements: list[agreement_views.AgreementView]


class OffersView(msgspec.Struct, kw_only=True):
    as_of: date
    offers: list[offer_views.Offer]


class RegistryController(Controller):
    path = "/registry"
    tags = ["registry"]
    opt = {"access": "authenticated"}  # lists show only the partnerships a grant covers
    dependencies = {"visible": VISIBLE, "export": EXPORT}

    @get(
        "/partnerships",
        operation_id="searchPartnerships",
        operation_class=ExportOperation,
        summary="Search partnerships by municipality, tag, target group, sector, rung, anchoring",
    )
    async def partnerships(
        self,
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        visible: NamedDependency[Visibility],
        municipality: Word = None,
        tag: Word = None,
        target_group: Word = None,
        sector: Annotated[
            Sector | None, QueryParameter(description="A partner (or the lead) of this sector.")
        ] = None,
        min_rung: Annotated[
            int | None, QueryParameter(ge=1, le=6, description="Some partner on this rung or up.")
        ] = None,
        dimension: Annotated[
            Dimension | None, QueryParameter(description="Anchored on this dimension by as_of.")
        ] = None,
        text: Word = None,
        as_of: AsOf = None,
        cursor: Cursor = None,
        limit: Limit = 50,
        after: After = None,
    ) -> search.SearchPage | Response[bytes]:
        await read_side.ready(after)
        page = await search.search(
            read_side.store,
            visible=visible,
            municipality=municipality,
            tag=tag,
            target_group=target_group,
            sector=sector,
            min_rung=min_rung,
            dimension=dimension,
            text=text,
            as_of=as_of,
            limit=limit,
            cursor=cursor,
        )
        return await exports.registry_search(export, page) if export.wanted else page

    @get(
        "/offers",
        operation_id="listOffers",
        operation_class=ExportOperation,
        summary="The map of offers (tilbudskort): offers planned or running on a date",
    )
    async def offers(
        self,
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        visible: NamedDependency[Visibility],
        municipality: Word = None,
        target_group: Word = None,
        arena: Word = None,
        text: Word = None,
        as_of: AsOf = None,
        limit: Limit = 50,
        after: After = None,
    ) -> OffersView | Response[bytes]:
        await read_side.ready(after)
        day = as_of or today_in_denmark()
        found = await offer_views.offers(
            read_side.store,
            visible=visible,
            municipality=municipality,
            target_group=target_group,
            arena=arena,
            text=text,
            as_of=day,
            limit=limit,
        )
        view = OffersView(as_of=day, offers=found)
        return await exports.offers(export, view) if export.wanted else view

    @get(
        "/events",
        operation_id="exportEvents",
        operation_class=ExportOperation,
        summary="The event log in long format: one row per event of the partnerships you may see",
        description="Every event of each partnership (and of its agreements) valid by "
        "`as_of` and recorded by `known_at`: partnership id and title, the event's number, "
        "its kind (a code and in words), what happened, valid date, recorded time (Danish "
        "time in Danish files), who (display name and role), reason and the event's fields "
        "as JSON. Only partnerships a grant lets you read; evaluators' notes are not "
        "events of a partnership and are never included. With `format=csv|xlsx` a file "
        "(XLSX with a codebook sheet; CSV codebook with `table=codebook`); the same query "
        "gives the same bytes.",
    )
    async def events(
        self,
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        visible: NamedDependency[Visibility],
        partnership_ids: PartnershipIds = None,
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> export_facts.EventLog | Response[bytes]:
        await read_side.ready(after)
        await refuse_hidden(read_side, visible, partnership_ids or [])
        await read_side.ready(None, *(partnership_ids or []))
        day = as_of or today_in_denmark()
        chosen = await export_facts.visible_partnerships(read_side.store, visible, partnership_ids)
        rows = await export_facts.event_log(
            read_side.store,
            chosen,
            as_of=day,
            known_at=known_at,
            english=export.lang is Lang.EN,
        )
        log = export_facts.EventLog(as_of=day, known_at=known_at, events=rows)
        return await exports.event_log(export, log) if export.wanted else log


class AgendaController(Controller):
    path = "/agenda"
    tags = ["registry"]
    opt = {"access": "authenticated"}
    dependencies = {"visible": VISIBLE, "export": EXPORT}

    @get(
        operation_id="getAgenda",
        operation_class=ExportOperation,
        summary="Agreements expiring, follow-ups due, vacant roles, projects not anchored",
    )
    async def agenda(
        self,
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        visible: NamedDependency[Visibility],
        within_days: Annotated[
            int, QueryParameter(ge=0, le=3_650, description="How far ahead to look, in days.")
        ] = 60,
        partnership_ids: PartnershipIds = None,
        as_of: AsOf = None,
        after: After = None,
    ) -> agenda_view.Agenda | Response[bytes]:
        await read_side.ready(after)
        await refuse_hidden(read_side, visible, partnership_ids or [])
        await read_side.ready(None, *(partnership_ids or []))
        found = await agenda_view.agenda(
            read_side.store,
            visible=visible,
            partnership_ids=partnership_ids,
            today=as_of,
            within_days=within_days,
        )
        return await exports.agenda(export, found) if export.wanted else found


class CrossCaseController(Controller):
    path = "/crosscase"
    tags = ["registry"]
    opt = {"access": "authenticated"}
    dependencies = {"visible": VISIBLE, "export": EXPORT}

    @get(
        operation_id="getCrossCase",
        operation_class=ExportOperation,
        summary="Cross-case tables: sectors, rungs and anchoring across partnerships",
    )
    async def crosscase(
        self,
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        visible: NamedDependency[Visibility],
        partnership_ids: PartnershipIds = None,
        as_of: AsOf = None,
        anchored_on: AnchoredOnParameter = AnchoredOn.OPERATIONS,
        after: After = None,
    ) -> crosscase_view.CrossCase | Response[bytes]:
        tables = await _tables(read_side, visible, partnership_ids, as_of, anchored_on, after)
        return await exports.crosscase(export, tables) if export.wanted else tables

    @get(
        "/heatmap",
        operation_id="getCrossCaseHeatmap",
        summary="A cross-case table as an SVG heat map (departments, partner kinds or factors)",
        media_type=SVG_TYPE,
        responses={
            200: ResponseSpec(
                data_container=str,
                media_type=SVG_TYPE,
                description="An SVG image with a title, a description and text labels",
                generate_examples=False,
            )
        },
    )
    async def heatmap(
        self,
        read_side: NamedDependency[ReadSide],
        visible: NamedDependency[Visibility],
        table: Annotated[
            HeatmapTable,
            QueryParameter(
                description="`departments` (municipal departments x partnerships), "
                "`partner_kinds` (kinds of external partner x partnerships) or `factors` "
                "(the most frequent factors x anchored / not anchored)."
            ),
        ] = HeatmapTable.DEPARTMENTS,
        partnership_ids: PartnershipIds = None,
        as_of: AsOf = None,
        anchored_on: AnchoredOnParameter = AnchoredOn.OPERATIONS,
        top: Annotated[
            int, QueryParameter(ge=1, le=100, description="Factors shown (most frequent first).")
        ] = 15,
        lang: Annotated[Lang, QueryParameter(description="Language of the labels.")] = Lang.DA,
        after: After = None,
    ) -> Response[str]:
        """The same partnerships and date as `getCrossCase`; each cell shows its number."""
        tables = await _tables(read_side, visible, partnership_ids, as_of, anchored_on, after)
        return Response(crosscase_svg(tables, table, lang, top), media_type=SVG_TYPE)


async def _tables(
    read_side: ReadSide,
    visible: Visibility,
    partnership_ids: list[UUID] | None,
    as_of: date | None,
    anchored_on: AnchoredOn,
    after: int | None,
) -> crosscase_view.CrossCase:
    await read_side.ready(after)
    await refuse_hidden(read_side, visible, partnership_ids or [])
    await read_side.ready(None, *(partnership_ids or []))
    return await crosscase_view.crosscase(
        read_side.store,
        visible=visible,
        partnership_ids=partnership_ids,
        as_of=as_of,
        anchored_on=anchored_on,
    )


class PartnershipRegistryController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["views"]
    opt = {"access": "partnership:read"}
    dependencies = {"export": EXPORT}  # format=csv|xlsx: the same data as a file

    @get(
        "/activities",
        operation_id="getActivities",
        operation_class=ExportOperation,
        summary="The partnership's activities on a date",
    )
    async def activities(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> ActivitiesView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        day = as_of or today_in_denmark()
        found = await offer_views.activities(
            read_side.store, partnership_id, as_of=day, known_at=known_at
        )
        view = ActivitiesView(as_of=day, activities=found)
        return await exports.activities(export, view, partnership_id) if export.wanted else view

    @get(
        "/agreements",
        operation_id="getAgreements",
        operation_class=ExportOperation,
        summary="The partnership's agreements and their status on a date",
    )
    async def agreements(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        as_of: AsOf = None,
        after: After = None,
    ) -> AgreementsView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        day = as_of or today_in_denmark()
        found = await agreement_views.agreements(read_side.store, partnership_id, as_of=day)
        view = AgreementsView(as_of=day, agreements=found)
        return await exports.agreements(export, view, partnership_id) if export.wanted else view
