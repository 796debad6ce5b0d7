"""Forms for a partnership's governance: the steering group (appoint, change seat, step
down) and the
secretariat (place it with a partner, staff it). Roles are in actions_roles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from aggregates.errors import NotFound
from aggregates.partnership import Appointment
from aggregates.taxonomy import SeatRole
from api.readside import ReadSide
from api.ui.actions_common import (
    FORM_TEMPLATE,
    NEW_PERSON,
    SECRETARIAT,
    STEERING,
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
from api.ui.core import PREFIX, format_day, locale_of, render
from api.ui.forms import Field, submit, with_meta
from api.ui.i18n import english, labeller
from services.application import Tvaers
from services.commands import (
    AppointSteeringMember,
    AssignSecretariat,
    ChangeSteeringSeat,
    StaffSecretariat,
    StepDownSteeringMember,
)

NEW_PERSON_LINK = "Er personen ikke på listen? Registrér personen først."
SECRETARIAT_FORMS = ("assign", "staff")


def person_link(here: str) -> tuple[str, str]:
    return (with_params(NEW_PERSON, next=here), NEW_PERSON_LINK)


def _appointment(scope: Scope, appointment_id: UUID) -> Appointment:
    """A seat held now (else NotFound: the page answers 404)."""
    appointment = scope.partnership.appointments.get(str(appointment_id))
    if appointment is None or appointment.spell.until is not None:
        raise NotFound(f"No current appointment {appointment_id}.")
    return appointment


class GovernanceForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- the steering group -------------------------------------------------------------------

    async def _appoint(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid, persons=directory_rules(request))
        seated = [a.person_id for a in scope.partnership.active_appointments()]
        here = form_url(pid, "steering/new")
        fields = with_meta(
            [
                choice(
                    "person_id",
                    "Person",
                    scope.person_choices(without=seated),
                    required=True,
                    help="Personer hos partnerskabets partnere, som ikke allerede sidder i "
                    "styregruppen.",
                ),
                choice(
                    "seat",
                    "Plads",
                    enum_choices(SeatRole, request),
                    required=True,
                    default=SeatRole.MEMBER.value,
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Udpeg medlem af styregruppen",
            action=here,
            cancel=partnership_page(pid, STEERING),
            submit="Udpeg",
            scope=scope,
            links=[person_link(here)],
        )
        return fields, context

    @get("/steering/new", opt=WRITE, name="ui-steering-appoint")
    async def appoint_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        person_id: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._appoint(request, tvaers, read_side, partnership_id)
        form = prefilled(fields, person_id=as_id(person_id))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/steering/new", opt=WRITE)
    async def appoint(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._appoint(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=AppointSteeringMember,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, STEERING),
            read_side=read_side,
            error_fields={
                "already-on-steering-group": "person_id",
                "person-erased": "person_id",
                "not-found": "person_id",
                "seat-occupied": "seat",
                "inconsistent-dates": "valid_on",
            },
        )

    async def _seat(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        appointment_id: UUID,
    ) -> tuple[list[Field], dict[str, Any], Appointment]:
        scope = await scope_of(tvaers, read_side, pid)
        appointment = _appointment(scope, appointment_id)
        label = labeller(locale_of(request))
        fields = with_meta(
            [
                choice(
                    "seat",
                    "Ny plads",
                    [c for c in enum_choices(SeatRole, request) if c[0] != appointment.seat.value],
                    required=True,
                    help="Gælder fra datoen herunder; udpeget på den forkerte plads: vælg "
                    "udpegningens dato.",
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Skift rolle i styregruppen",
            action=form_url(pid, f"steering/{appointment_id}/seat"),
            cancel=partnership_page(pid, STEERING),
            submit="Skift plads",
            scope=scope,
            facts=[
                ("Person", scope.name(appointment.person_id)),
                ("Plads nu", label(appointment.seat)),
                ("Udpeget", format_day(appointment.spell.since)),
            ],
        )
        return fields, context, appointment

    @get("/steering/{appointment_id:uuid}/seat", opt=WRITE, name="ui-steering-seat")
    async def seat_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        appointment_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context, _appointment = await self._seat(
            request, tvaers, read_side, partnership_id, appointment_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/steering/{appointment_id:uuid}/seat", opt=WRITE)
    async def change_seat(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        appointment_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context, appointment = await self._seat(
            request, tvaers, read_side, partnership_id, appointment_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=ChangeSteeringSeat,
            address={"partnership_id": partnership_id, "person_id": appointment.person_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, STEERING),
            read_side=read_side,
            error_fields={
                "seat-occupied": "seat",
                "no-change": "seat",
                "not-on-steering-group": "valid_on",
                "inconsistent-dates": "valid_on",
            },
        )

    async def _step_down(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        appointment_id: FromPath[UUID],
    ) -> tuple[list[Field], dict[str, Any], Appointment]:
        scope = await scope_of(tvaers, read_side, pid)
        appointment = _appointment(scope, appointment_id)
        label = labeller(locale_of(request))
        context = page(
            title="Medlem træder ud af styregruppen",
            action=form_url(pid, f"steering/{appointment_id}/step-down"),
            cancel=partnership_page(pid, STEERING),
            submit="Registrér udtræden",
            scope=scope,
            facts=[
                ("Person", scope.name(appointment.person_id)),
                ("Plads", label(appointment.seat)),
                ("Udpeget", format_day(appointment.spell.since)),
            ],
        )
        return with_meta([], version=scope.version), context, appointment

    @get("/steering/{appointment_id:uuid}/step-down", opt=WRITE, name="ui-steering-step-down")
    async def step_down_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        appointment_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context, _appointment = await self._step_down(
            request, tvaers, read_side, partnership_id, appointment_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/steering/{appointment_id:uuid}/step-down", opt=WRITE)
    async def step_down(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        appointment_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context, appointment = await self._step_down(
            request, tvaers, read_side, partnership_id, appointment_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=StepDownSteeringMember,
            address={"partnership_id": partnership_id, "person_id": appointment.person_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, STEERING),
            read_side=read_side,
            error_fields={"inconsistent-dates": "valid_on"},
        )

    # -- the secretariat: placed with a partner, staffed by persons ----------------------------

    async def _secretariat(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        which: str | None,
    ) -> tuple[list[Field], dict[str, Any], str]:
        scope = await scope_of(tvaers, read_side, pid, persons=directory_rules(request))
        secretariat = scope.partnership.secretariat
        if secretariat is None:
            which = "assign"  # staff needs a secretariat first
        elif which not in SECRETARIAT_FORMS:
            which = "staff"
        here = form_url(pid, "secretariat/new")
        holder = secretariat.organisation_id if secretariat is not None else None
        staff = (
            [UUID(p) for p in secretariat.staff if secretariat.is_staffed_by(UUID(p))]
            if (secretariat is not None)
            else []
        )
        content: list[Field]
        if which == "assign":
            content = [
                choice(
                    "organisation_id",
                    "Partner der har sekretariatet",
                    [c for c in scope.partner_choices() if c[0] != str(holder)],
                    required=True,
                )
            ]
        else:
            content = [
                choice(
                    "person_id",
                    "Medarbejder",
                    scope.person_choices(without=staff),
                    required=True,
                )
            ]
        fields = with_meta(
            [*content, Field("form", "", "hidden", default=which)], version=scope.version
        )
        tabs = [(with_params(here, form="assign"), "Placér sekretariatet", which == "assign")]
        if secretariat is not None:
            tabs.append(
                (with_params(here, form="staff"), "Tilknyt en medarbejder", which == "staff")
            )
        context = page(
            title="Sekretariatet",
            action=here,
            cancel=partnership_page(pid, SECRETARIAT),
            submit="Placér sekretariatet" if which == "assign" else "Tilknyt medarbejder",
            scope=scope,
            tabs=tabs,
            facts=[("Sekretariatet ligger hos", scope.name(holder) if holder else "-")],
            links=[person_link(with_params(here, form="staff"))] if which == "staff" else [],
        )
        return fields, context, which

    @get("/secretariat/new", opt=WRITE, name="ui-secretariat")
    async def secretariat_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        form: FromQuery[str | None] = None,
        person_id: FromQuery[str | None] = None,
    ) -> Template:
        fields, context, _which = await self._secretariat(
            request, tvaers, read_side, partnership_id, form
        )
        return render(
            request,
            FORM_TEMPLATE,
            form=prefilled(fields, person_id=as_id(person_id)),
            **context,
        )

    @post("/secretariat/new", opt=WRITE)
    async def secretariat(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        posted = (await request.form()).get("form")
        fields, context, which = await self._secretariat(
            request, tvaers, read_side, partnership_id, posted
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=AssignSecretariat if which == "assign" else StaffSecretariat,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, SECRETARIAT),
            read_side=read_side,
            error_fields={
                "no-change": "organisation_id",
                "not-a-partner": "organisation_id",
                "secretariat": "person_id",
                "person-erased": "person_id",
                "not-found": "person_id",
                "inconsistent-dates": "valid_on",
            },
        )


english(
    {
        NEW_PERSON_LINK: "Is the person not in the list? Register them first.",
        "Person": "Person",
        "Personer hos partnerskabets partnere, som ikke allerede sidder i styregruppen.": (
            "People of the partnership's partners who are not already on the steering group."
        ),
        "Plads": "Seat",
        "Udpeg medlem af styregruppen": "Appoint a steering-group member",
        "Udpeg": "Appoint",
        "Medlem træder ud af styregruppen": "A member steps down from the steering group",
        "Registrér udtræden": "Record the departure",
        "Udpeget": "Appointed",
        "Skift rolle i styregruppen": "Change seat on the steering group",
        "Ny plads": "New seat",
        "Gælder fra datoen herunder; udpeget på den forkerte plads: vælg udpegningens dato.": (
            "Applies from the date below; appointed to the wrong seat: choose the date of the "
            "appointment."
        ),
        "Skift plads": "Change seat",
        "Plads nu": "Seat now",
        "Partner der har sekretariatet": "Partner holding the secretariat",
        "Medarbejder": "Staff member",
        "Placér sekretariatet": "Place the secretariat",
        "Tilknyt en medarbejder": "Add a staff member",
        "Sekretariatet": "The secretariat",
        "Tilknyt medarbejder": "Add staff member",
        "Sekretariatet ligger hos": "The secretariat is held by",
    }
)
