"""Views of one partnership: ladder, roles, anchoring, audit history, diff between dates.

Every view takes `as_of` (valid date, default today) and, where it keeps history,
`known_at` (recorded time: as the registry knew it then). `after` is a notification id
from a write: the answer waits until the views include it (read-your-writes).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.params import FromPath, FromQuery, QueryParameter

from aggregates.dates import today as today_in_denmark
from aggregates.errors import InvalidValue
from api import audit_export, exports
from api.audit_export import FileFormat, FileOperation
from api.auth import principal_of
from api.exports import EXPORT, Export, ExportOperation, Lang
from api.readside import ReadSide
from projections import anchoring, audit, diff, ladder
from projections import roles as role_views
from projections.audit import AuditPage
from projections.core import QueryRefused
from projections.history import Group, all_events, danish_midnight

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
    """The changes from `first` to `second` as known at `known_at` (None: now); without a
    `from`, `last_meeting` is the meeting date the comparison starts from."""

    first: date
    second: date
    known_at: datetime | None = None
    last_meeting: date | None = None
    changes: list[diff.Change]


EVENT_KINDS = frozenset(cls.__name__ for cls in all_events())
_KINDS = Schema(
    type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.STRING, enum=sorted(EVENT_KINDS))
)


def _known_kinds(kinds: Sequence[str]) -> None:
    """An unknown event kind in `kind=` is a mistake (400), not a filter matching nothing."""
    unknown = sorted(set(kinds) - EVENT_KINDS)
    if unknown:
        raise ValidationException(
            f"Unknown event kind {', '.join(f'`{k[:60]}`' for k in unknown[:5])}: `kind` "
            "takes the name of an event (e.g. `PartnerJoined`); `group` a group of them.",
            extra=[{"key": "kind", "message": "unknown event kind", "source": "query"}],
        )


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
        return await exports.ladder(export, view, partnership_id) if export.wanted else view

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
        return (
            await exports.ladder_history(export, history, partnership_id)
            if export.wanted
            else history
        )

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
        return await exports.roles(export, view, partnership_id) if export.wanted else view

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
        return await exports.anchoring(export, view, partnership_id) if export.wanted else view

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
        kind: Annotated[
            list[str] | None,
            QueryParameter(
                description="Only events of these kinds (repeatable), e.g. `PartnerJoined`.",
                schema_extra={"one_of": [_KINDS, Schema(type=OpenAPIType.NULL)]},
            ),
        ] = None,
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
        _known_kinds(kind or ())
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
        return await exports.audit(export, page, partnership_id) if export.wanted else page

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
            headers={"Content-Disposition": exports.content_disposition(name)},
        )

    @get(
        "/diff",
        operation_id="getPartnershipDiff",
        operation_class=ExportOperation,
        summary="Changes between two dates",
        description="What changed from how the partnership stood on `from` to how it stood "
        "on `to` (both valid dates, neither after today, `to` not before `from`), as known at "
        "`known_at`: registry fields, partners and rungs, steering group and seats, "
        "secretariat, activities, roles and vacancies, agreements and their status, terms of "
        "reference, decisions, milestones and anchoring, factors, evaluations, ratings and "
        "the evaluators' notes the caller may see. Without `from` it compares since the last "
        "meeting (siden sidste møde): from the last recorded decision's meeting date to today "
        "(422 when no decision is recorded). Words in Danish (dates dd.mm.åååå) unless "
        "`lang=en`.",
        opt={"access": "partnership:audit"},
    )
    async def diff(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        first: Annotated[
            date | None,
            QueryParameter(
                name="from",
                description="The first date (default: the last meeting with a recorded decision).",
            ),
        ] = None,
        second: Annotated[
            date | None,
            QueryParameter(name="to", description="The second date (default: today)."),
        ] = None,
        known_at: KnownAt = None,
        after: After = None,
    ) -> DiffView | Response[bytes]:
        await read_side.ready(after, partnership_id)
        today = today_in_denmark()
        meeting: date | None = None
        if first is None:  # since the last meeting (the default)
            meeting = await diff.last_meeting(read_side.store, partnership_id, today)
            if meeting is None:  # a state of the partnership, not a malformed request: 422
                raise InvalidValue(
                    "No steering-group decision is recorded: there is no last meeting to "
                    "compare from. Give the first date (`from`).",
                    da="Der er endnu ikke registreret nogen beslutning fra et styregruppemøde, "
                    "så der er intet sidste møde at sammenligne fra.",
                )
            first = meeting
        second = second or today
        problem = diff.refused(first, second, today)
        if problem is not None:
            where, why = problem
            told = (
                f"The second date ({second}) lies before the first ({first})."
                if why == "reversed"
                else f"The date {first if where == 'from' else second} lies after today "
                f"({today}): the registry cannot compare the future."
            )
            raise QueryRefused(told, field=where, reason=why)
        principal = principal_of(request)
        viewer = (
            diff.Viewer(username=principal.username, visible=principal.visibility)
            if principal is not None
            else None
        )
        locale = "en" if request.query_params.get("lang") == Lang.EN.value else "da"
        changes = await diff.between(
            read_side.store,
            partnership_id,
            first,
            second,
            known_at=known_at,
            locale=locale,
            viewer=viewer,
        )
        view = DiffView(
            first=first, second=second, known_at=known_at, last_meeting=meeting, changes=changes
        )
        if export.wanted:
            return await exports.diff(export, view, partnership_id, first, second)
        return view
