"""Forms for a partnership's roles (tovholder, brobygger, ...): assign one (or fill a
vacant position), hand it over to another person, or let it fall vacant."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from aggregates.errors import NotFound
from aggregates.partnership import RolePosition
from aggregates.taxonomy import ActivityStatus, RoleKind
from api.readside import ReadSide
from api.ui.actions_common import (
    FORM_TEMPLATE,
    ROLES,
    WRITE,
    Scope,
    as_id,
    choice,
    directory_rules,
    enum_choices,
    form_url,
    page,
    partnership_page,
    prefilled,
    scope_of,
    with_params,
)
from api.ui.actions_governance import person_link
from api.ui.core import PREFIX, format_day, locale_of, render
from api.ui.forms import Field, submit, with_meta
from api.ui.i18n import english, labeller, translator
from services.application import Tvaers
from services.commands import AssignRole, HandOverRole, VacateRole


def _position(scope: Scope, position_id: UUID) -> RolePosition:
    position = scope.partnership.roles.get(str(position_id))
    if position is None:
        raise NotFound(f"No role position {position_id}.")
    return position


class RoleForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    async def _assign(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        position_id: UUID | None,
    ) -> tuple[list[Field], dict[str, Any], RolePosition | None]:
        scope = await scope_of(tvaers, read_side, pid, persons=directory_rules(request))
        p = scope.partnership
        label = labeller(locale_of(request))
        _ = translator(locale_of(request))
        position = p.roles.get(str(position_id)) if position_id is not None else None
        if position is not None and position.holder is not None:
            position = None  # held meanwhile: a new position instead
        open_activities = [
            (str(a.activity_id), a.title)
            for a in p.activities.values()
            if a.status is not ActivityStatus.ENDED
        ]
        here = form_url(pid, "roles/new")
        fields = with_meta(
            [
                choice("role", "Rolle", enum_choices(RoleKind, request), required=True),
                choice(
                    "person_id",
                    "Person",
                    scope.person_choices(),
                    required=True,
                    help="Personen skal høre til en af partnerskabets partnere.",
                ),
                choice(
                    "activity_id",
                    "Aktivitet",
                    open_activities,
                    help="Tom: rollen gælder hele partnerskabet.",
                ),
                Field("position_id", "", "hidden"),
            ],
            version=scope.version,
        )
        vacancies = [
            (
                with_params(here, position_id=pos.position_id),
                _(
                    "{role} ({scope}), ledig siden {day}",
                    role=label(pos.role),
                    scope=_scope_name(p, pos, _),
                    day=format_day(pos.vacant_since),
                ),
            )
            for pos in p.roles.values()
            if pos.holder is None and pos.vacant_since is not None
        ]
        facts = []
        if position is not None:
            facts = [
                ("Ledig rolle der besættes", label(position.role)),
                ("Gælder", _scope_name(p, position, _)),
            ]
        context = page(
            title="Tildel en rolle",
            action=here,
            cancel=partnership_page(pid, ROLES),
            submit="Tildel rolle",
            scope=scope,
            facts=facts,
            links=[person_link(here)],
            listing=vacancies if position is None else [],
            listing_title="Ledige roller, der kan besættes",
        )
        return fields, context, position

    @get("/roles/new", opt=WRITE, name="ui-role-assign")
    async def assign_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        position_id: FromQuery[str | None] = None,
        person_id: FromQuery[str | None] = None,
    ) -> Template:
        fields, context, position = await self._assign(
            request, tvaers, read_side, partnership_id, as_id(position_id)
        )
        form = prefilled(fields, person_id=as_id(person_id))
        if position is not None:
            form = prefilled(
                fields,
                person_id=as_id(person_id),
                position_id=str(position.position_id),
                role=position.role.value,
                activity_id=str(position.activity_id) if position.activity_id else None,
            )
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/roles/new", opt=WRITE)
    async def assign(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        posted = as_id((await request.form()).get("position_id"))
        fields, context, _position = await self._assign(
            request, tvaers, read_side, partnership_id, posted
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=AssignRole,
            address={"partnership_id": partnership_id},
            # a stale or malformed hidden position: a new position instead (as the page)
            shape=lambda c: {**c, "position_id": as_id(c["position_id"])},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ROLES),
            read_side=read_side,
            error_fields={
                "not-a-partner": "person_id",
                "role-state": "person_id",
                "person-erased": "person_id",
                "activity-ended": "activity_id",
                "not-found": "activity_id",
                "inconsistent-dates": "valid_on",
            },
        )

    async def _held(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        position_id: FromPath[UUID],
        *,
        persons: bool,
    ) -> tuple[Scope, RolePosition, list[tuple[str, str]]]:
        """The held role a hand-over or vacancy concerns (404 when vacant or unknown)."""
        scope = await scope_of(
            tvaers, read_side, pid, persons=directory_rules(request) if persons else None
        )
        position = _position(scope, position_id)
        holder = position.holder
        if holder is None:
            raise NotFound(f"The role {position_id} is vacant.")
        label = labeller(locale_of(request))
        _ = translator(locale_of(request))
        facts = [
            ("Rolle", label(position.role)),
            ("Gælder", _scope_name(scope.partnership, position, _)),
            ("Har rollen nu", scope.name(holder.person_id)),
            ("Siden", format_day(holder.spell.since)),
        ]
        return scope, position, facts

    @get("/roles/{position_id:uuid}/hand-over", opt=WRITE, name="ui-role-hand-over")
    async def hand_over_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        person_id: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._hand_over(
            request, tvaers, read_side, partnership_id, position_id
        )
        return render(
            request, FORM_TEMPLATE, form=prefilled(fields, person_id=as_id(person_id)), **context
        )

    async def _hand_over(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        position_id: FromPath[UUID],
    ) -> tuple[list[Field], dict[str, Any]]:
        scope, position, facts = await self._held(
            request, tvaers, read_side, pid, position_id, persons=True
        )
        holder = position.holder
        assert holder is not None
        here = form_url(pid, f"roles/{position_id}/hand-over")
        fields = with_meta(
            [
                choice(
                    "person_id",
                    "Ny person i rollen",
                    scope.person_choices(without=[holder.person_id]),
                    required=True,
                )
            ],
            version=scope.version,
        )
        context = page(
            title="Overdrag en rolle",
            action=here,
            cancel=partnership_page(pid, ROLES),
            submit="Overdrag rolle",
            scope=scope,
            facts=facts,
            links=[person_link(here)],
        )
        return fields, context

    @post("/roles/{position_id:uuid}/hand-over", opt=WRITE)
    async def hand_over(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._hand_over(
            request, tvaers, read_side, partnership_id, position_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=HandOverRole,
            address={"partnership_id": partnership_id, "position_id": position_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ROLES),
            read_side=read_side,
            error_fields={
                "no-change": "person_id",
                "not-a-partner": "person_id",
                "role-state": "person_id",
                "person-erased": "person_id",
                "inconsistent-dates": "valid_on",
            },
        )

    async def _vacate(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        position_id: FromPath[UUID],
    ) -> tuple[list[Field], dict[str, Any]]:
        scope, _position, facts = await self._held(
            request, tvaers, read_side, pid, position_id, persons=False
        )
        context = page(
            title="Rollen bliver ledig",
            lead="Rollen bevares som ledig, så den kan besættes igen.",
            action=form_url(pid, f"roles/{position_id}/vacate"),
            cancel=partnership_page(pid, ROLES),
            submit="Registrér som ledig",
            scope=scope,
            facts=facts,
        )
        return with_meta([], version=scope.version), context

    @get("/roles/{position_id:uuid}/vacate", opt=WRITE, name="ui-role-vacate")
    async def vacate_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._vacate(
            request, tvaers, read_side, partnership_id, position_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/roles/{position_id:uuid}/vacate", opt=WRITE)
    async def vacate(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._vacate(
            request, tvaers, read_side, partnership_id, position_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=VacateRole,
            address={"partnership_id": partnership_id, "position_id": position_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ROLES),
            read_side=read_side,
            error_fields={"inconsistent-dates": "valid_on"},
        )


def _scope_name(partnership: Any, position: RolePosition, _: Any) -> str:
    """What a role covers: one activity, or the whole partnership."""
    if position.activity_id is None:
        return str(_("hele partnerskabet"))
    activity = partnership.activities.get(str(position.activity_id))
    return activity.title if activity is not None else "?"


english(
    {
        "Rolle": "Role",
        "Personen skal høre til en af partnerskabets partnere.": (
            "The person must belong to one of the partnership's partners."
        ),
        "Aktivitet": "Activity",
        "Tom: rollen gælder hele partnerskabet.": "Empty: the role covers the whole partnership.",
        "{role} ({scope}), ledig siden {day}": "{role} ({scope}), vacant since {day}",
        "Ledig rolle der besættes": "Vacant role to fill",
        "Gælder": "Covers",
        "Tildel en rolle": "Assign a role",
        "Tildel rolle": "Assign role",
        "Ledige roller, der kan besættes": "Vacant roles that can be filled",
        "Har rollen nu": "Holds the role now",
        "Siden": "Since",
        "Ny person i rollen": "New person in the role",
        "Overdrag en rolle": "Hand over a role",
        "Overdrag rolle": "Hand over role",
        "Rollen bliver ledig": "The role falls vacant",
        "Rollen bevares som ledig, så den kan besættes igen.": (
            "The role is kept as vacant, so it can be filled again."
        ),
        "Registrér som ledig": "Record as vacant",
        "hele partnerskabet": "the whole partnership",
    }
)
