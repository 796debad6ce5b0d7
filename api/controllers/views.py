"""Views of one partnership: ladder, roles, anchoring, audit history, diff between dates.

Every view takes `as_of` (valid date, default today) and, where it keeps history,
`known_at` (recorded time: as the registry knew it then). `after` is a notification id
from a write: the answer waits until the views include it (read-your-writes).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, QueryParameter

from aggregates.dates import today as today_in_denmark
from api import audit_export, exports
from api.audit_export import FileFormat, FileOperation
from api.exports import EXPORT, Export, ExportOperation, Lang
from api.readside import ReadSide
from projections import anchoring, audit, diff, ladder
from projections import roles as role_views
from projections.audit import AuditPage
from projections.history import Group, danish_midnight

AsOf = Annotated[date | None, QueryParameter(description="Valid date: the world as it stood then.")]
KnownAt = Annotated[
    datetime | None,
    QueryParameter(description="Recorded time: what the registry said at that moment."),
]
After = Annotated[
    int | None,
    QueryParameter(
        ge=1,
        le=2**63 - 1,  # a notification id is a bigint
        description="Wait until the views include this notification id (the "
        "`notification_id` of your write). An id past the newest write: 422 unknown-position.",
    ),
]
# Cursors are base64url of a JSON array (so they begin with "W"); one of that form that
# this API did not give out answers 422 unknown-position.
CURSOR_PATTERN = r"^W[A-Za-z0-9_-]{1,999}$"
Cursor = Annotated[
    str | None,
    QueryParameter(
        pattern=CURSOR_PATTERN,
        max_length=1_000,
        description="The `next_cursor` of the previous page, as given (opaque).",
    ),
]


class LadderView(msgspec.Struct, kw_only=True):
    as_of: date
    partners: list[ladder.PartnerRung]
    distribution: dict[int, int]


class LadderHistory(msgspec.Struct, kw_only=True):
    steps: list[ladder.RungStep]


class RolesView(msgspec.Struct, kw_only=True):
    as_of: date
    steering_group: list[role_views.Seat]
    roles: list[role_views.RoleHolding]
    vacancies: list[role_views.Vacancy]
    turnover: list[role_views.Turnover]


class AnchoringView(msgspec.Struct, kw_only=True):
    as_of: date
    dimensions: list[anchoring.DimensionStatus]
    milestones: list[anchoring.MilestoneView]
    factors: list[anchoring.FactorView]


class DiffView(msgspec.Struct, kw_only=True):
    first: date
    second: date
    changes: list[diff.Change]


class PartnershipViewsController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["views"]
    opt = {"access": "partnership:read"}
    dependencies = {"export": EXPORT}  # format=csv|xlsx: the same data as a file

    @get(
        "/ladder",
        operation_id="getLadder",
        operation_class=ExportOperation,
        summary="Each partner's rung on a date",
    )
    async def ladder(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> LadderView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        day = as_of or today_in_denmark()
        partners = await ladder.rungs(read_side.store, partnership_id, as_of=day, known_at=known_at)
        counts = {rung: 0 for rung in range(1, 7)}
        for partner in partners:
            counts[partner.rung.value] += 1
        view = LadderView(as_of=day, partners=partners, distribution=counts)
        return exports.ladder(export, view, partnership_id) if export.wanted else view

    @get(
        "/ladder/history",
        operation_id="getLadderHistory",
        operation_class=ExportOperation,
        summary="Every ladder step",
    )
    async def ladder_history(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        organisation_id: FromQuery[UUID | None] = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> LadderHistory | Response[bytes]:
        await read_side.ready(after, partnership_id)
        steps = await ladder.history(
            read_side.store, partnership_id, organisation_id=organisation_id, known_at=known_at
        )
        history = LadderHistory(steps=steps)
        return exports.ladder_history(export, history, partnership_id) if export.wanted else history

    @get(
        "/roles",
        operation_id="getRoles",
        operation_class=ExportOperation,
        summary="Roles, seats, vacancies and turnover",
    )
    async def roles(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> RolesView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        day = as_of or today_in_denmark()
        store = read_side.store
        view = RolesView(
            as_of=day,
            steering_group=await role_views.steering_group(
                store, partnership_id, as_of=day, known_at=known_at
            ),
            roles=await role_views.holdings(store, partnership_id, as_of=day, known_at=known_at),
            vacancies=await role_views.vacancies(
                store, partnership_id, as_of=day, known_at=known_at
            ),
            turnover=await role_views.turnover(store, partnership_id, as_of=day, known_at=known_at),
        )
        return exports.roles(export, view, partnership_id) if export.wanted else view

    @get(
        "/anchoring",
        operation_id="getAnchoring",
        operation_class=ExportOperation,
        summary="Anchoring per dimension",
    )
    async def anchoring(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        as_of: AsOf = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> AnchoringView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        day = as_of or today_in_denmark()
        store = read_side.store
        milestones = await anchoring.milestones(store, partnership_id, as_of=day, known_at=known_at)
        view = AnchoringView(
            as_of=day,
            dimensions=anchoring.status_from(milestones),
            milestones=milestones,
            factors=await anchoring.factors(store, partnership_id, as_of=day, known_at=known_at),
        )
        return exports.anchoring(export, view, partnership_id) if export.wanted else view

    @get(
        "/audit",
        operation_id="getPartnershipAudit",
        operation_class=ExportOperation,
        summary="Audit history, newest first",
        opt={"access": "partnership:audit"},
    )
    async def audit(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        actor: FromQuery[str | None] = None,
        who: Annotated[
            str | None,
            QueryParameter(
                max_length=200,
                description="Part of the actor's display name or username, or of a system "
                "actor's words (`automatisk`), case-insensitive (Danish letters too).",
            ),
        ] = None,
        kind: FromQuery[list[str] | None] = None,
        group: Annotated[
            list[Group] | None,
            QueryParameter(
                description="Only events of these groups (as the history files them; "
                "repeatable), e.g. `roles`, `ladder`, `corrections`."
            ),
        ] = None,
        recorded_from: FromQuery[datetime | None] = None,
        recorded_to: FromQuery[datetime | None] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        after: After = None,
    ) -> AuditPage | Response[bytes]:
        await read_side.ready(after, partnership_id)
        where = audit.AuditFilter(
            partnership_id=partnership_id,
            actor=actor,
            who=who,
            kinds=kind or (),
            groups=group or (),
            recorded_from=recorded_from,
            recorded_to=recorded_to,
        )
        page = await audit.history(read_side.store, where, limit=limit, cursor=cursor)
        return exports.audit(export, page, partnership_id) if export.wanted else page

    @get(
        "/history/export",
        operation_id="exportPartnershipHistory",
        operation_class=FileOperation,
        summary="The history for a date range as a CSV or XLSX file",
        description="Every entry of the partnership's history (and its agreements') recorded "
        "from `from` to `to` (dates in Danish time, both included; either may be left out), "
        "oldest first: recorded time (Danish time, Europe/Copenhagen), valid date, what "
        "happened with names and old → new values, kind of change, who (name and role), "
        "reason. Danish headings and dd.mm.åååå dates with `lang=da` (the default), English "
        "with `lang=en`. The same query gives the same bytes.",
        opt={"access": "partnership:audit"},
    )
    async def history_export(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        format: Annotated[
            FileFormat, QueryParameter(description="`csv` or `xlsx`.")
        ] = FileFormat.CSV,
        first: Annotated[
            date | None,
            QueryParameter(name="from", description="First day recorded (Danish time)."),
        ] = None,
        last: Annotated[
            date | None,
            QueryParameter(name="to", description="Last day recorded (Danish time), included."),
        ] = None,
        lang: Annotated[
            Lang, QueryParameter(description="Language of the headings, sentences and dates.")
        ] = Lang.DA,
        after: After = None,
    ) -> Response[bytes]:
        await read_side.ready(after, partnership_id)
        if first is not None and last is not None and last < first:
            raise ValidationException(
                f"The range ends ({last}) before it starts ({first}).",
                extra=[{"key": "to", "message": "before from", "source": "query"}],
            )
        entries = await audit.between(
            read_side.store,
            partnership_id,
            danish_midnight(first) if first else None,
            danish_midnight(last + timedelta(days=1)) if last else None,
        )
        body, media_type = audit_export.content(entries, lang, format)
        name = audit_export.file_name(partnership_id, first, last, lang, format)
        return Response(
            body,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @get(
        "/diff",
        operation_id="getPartnershipDiff",
        operation_class=ExportOperation,
        summary="Changes between two dates",
        opt={"access": "partnership:audit"},
    )
    async def diff(
        self,
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        first: Annotated[date, QueryParameter(name="from")],
        second: Annotated[date, QueryParameter(name="to")],
        known_at: KnownAt = None,
        after: After = None,
    ) -> DiffView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        changes = await diff.between(
            read_side.store, partnership_id, first, second, known_at=known_at
        )
        view = DiffView(first=first, second=second, changes=changes)
        if export.wanted:
            return exports.diff(export, view, partnership_id, first, second)
        return view
