"""Forms for a partnership's partners: joining, leaving, moving on the ladder, and
corrections of earlier entries (a date, a rung, a milestone)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from aggregates.errors import NotFound
from aggregates.taxonomy import Rung
from api.readside import ReadSide
from api.ui.actions_common import (
    ANCHORING,
    FORM_TEMPLATE,
    HISTORY,
    LADDER,
    NEW_ORGANISATION,
    PARTNERS,
    WRITE,
    Scope,
    as_id,
    choice,
    evidence_of,
    form_url,
    milestone_fields,
    organisation_picker,
    page,
    partnership_page,
    picker_search,
    posted_id,
    prefilled,
    rung_choices,
    rung_label,
    scope_of,
    with_params,
)
from api.ui.core import PREFIX, format_day, format_moment, locale_of, render
from api.ui.forms import Field, submit, with_meta
from api.ui.free_text import warn_names
from api.ui.i18n import english, translator
from projections import audit, history
from projections.history import Correction
from services.application import Tvaers
from services.commands import (
    Command,
    CorrectDate,
    CorrectMilestone,
    CorrectRung,
    JoinPartner,
    LeavePartner,
    MoveOnLadder,
)

EVIDENCE_HELP = warn_names(
    "Hvad viser, at partneren står på trinnet? Fx et mødereferat eller en aftale.",
    "What shows that the partner stands on the rung? E.g. minutes of a meeting or an agreement.",
)
CORRECTION_KINDS = tuple(c.value for c in Correction)
CORRECTABLE_SHOWN = 200  # the newest entries a correction can name in the form's list


class PartnerForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- an organisation joins ------------------------------------------------------------

    async def _join(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        *,
        search: str | None = None,
        chosen: UUID | None = None,
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        candidates = await organisation_picker(
            request, read_side, search=search, include=[chosen], without=scope.partner_ids()
        )
        here = form_url(pid, "partners/new")
        fields = with_meta(
            [
                choice("organisation_id", "Organisation", candidates, required=True),
                choice(
                    "rung",
                    "Trin på partnerskabstrappen",
                    rung_choices(request, Rung.INFORMAL_COOPERATION),
                    required=True,
                    default="1",
                    help="En ny partner starter højst på trin 4. Trin 5 og 6 følger af en "
                    "underskrevet aftale.",
                ),
                Field(
                    "evidence", "Dokumentation", "textarea", max_length=10_000, help=EVIDENCE_HELP
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Ny partner",
            action=here,
            cancel=partnership_page(pid, PARTNERS),
            submit="Tilføj partner",
            scope=scope,
            links=[
                (
                    with_params(NEW_ORGANISATION, next=here),
                    "Er organisationen ikke på listen? Registrér den først.",
                )
            ],
            search=picker_search(here, search),
        )
        return fields, context

    @get("/partners/new", opt=WRITE, name="ui-partner-join")
    async def join_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        organisation_id: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._join(
            request, tvaers, read_side, partnership_id, search=q, chosen=as_id(organisation_id)
        )
        form = prefilled(fields, organisation_id=as_id(organisation_id))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/partners/new", opt=WRITE)
    async def join(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        chosen = posted_id(await request.form(), "organisation_id")
        fields, context = await self._join(
            request, tvaers, read_side, partnership_id, chosen=chosen
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=JoinPartner,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, PARTNERS),
            read_side=read_side,
            error_fields={
                "already-a-partner": "organisation_id",
                "organisation-closed": "organisation_id",
                "not-found": "organisation_id",
                "rung-not-backed": "rung",
                "inconsistent-dates": "valid_on",
            },
        )

    # -- a partner leaves ---------------------------------------------------------------------

    async def _leave(
        self, tvaers: Tvaers, read_side: ReadSide, pid: UUID, organisation_id: UUID
    ) -> tuple[list[Field], dict[str, Any], Scope]:
        scope = await scope_of(tvaers, read_side, pid)
        partner = scope.partnership.partners.get(str(organisation_id))
        since = format_day(partner.spells[-1].since) if partner is not None else ""
        fields = with_meta([], version=scope.version)
        context = page(
            title="Partner træder ud",
            lead="Roller, som partnerens personer har i partnerskabet, bliver ledige.",
            action=form_url(pid, f"partners/{organisation_id}/leave"),
            cancel=partnership_page(pid, PARTNERS),
            submit="Registrér udtræden",
            scope=scope,
            facts=[("Organisation", scope.name(organisation_id)), ("Partner siden", since)],
        )
        return fields, context, scope

    @get("/partners/{organisation_id:uuid}/leave", opt=WRITE, name="ui-partner-leave")
    async def leave_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context, scope = await self._leave(
            tvaers, read_side, partnership_id, organisation_id
        )
        if not scope.partnership.is_partner(organisation_id):
            raise NotFound(f"Organisation {organisation_id} is not a partner.")
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/partners/{organisation_id:uuid}/leave", opt=WRITE)
    async def leave(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context, _scope = await self._leave(
            tvaers, read_side, partnership_id, organisation_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=LeavePartner,
            address={"partnership_id": partnership_id, "organisation_id": organisation_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, PARTNERS),
            read_side=read_side,
            error_fields={"inconsistent-dates": "valid_on"},
        )

    # -- a partner moves on the ladder --------------------------------------------------------

    async def _ladder(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        _ = translator(locale_of(request))
        locale = locale_of(request)
        partners = []
        for value, name in scope.partner_choices(lead=False):
            rung = scope.partnership.rung_of(UUID(value))
            shown = rung_label(rung, locale) if rung is not None else "-"
            partners.append((value, _("{name} (nu: trin {rung})", name=name, rung=shown)))
        fields = with_meta(
            [
                choice("organisation_id", "Partner", partners, required=True),
                choice(
                    "rung",
                    "Nyt trin",
                    rung_choices(request),
                    required=True,
                    help="Trin 5 kræver en samarbejdsaftale og trin 6 en partnerskabsaftale, "
                    "underskrevet af alle parter og i kraft på datoen.",
                ),
                Field(
                    "evidence",
                    "Dokumentation",
                    "textarea",
                    required=True,
                    max_length=10_000,
                    help=EVIDENCE_HELP,
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Flyt partner på partnerskabstrappen",
            lead="Den ledende organisation står ikke på trappen.",
            action=form_url(pid, "ladder/new"),
            cancel=partnership_page(pid, LADDER),
            submit="Flyt partner",
            scope=scope,
        )
        return fields, context

    @get("/ladder/new", opt=WRITE, name="ui-ladder-move")
    async def ladder_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        organisation_id: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._ladder(request, tvaers, read_side, partnership_id)
        form = prefilled(fields, organisation_id=as_id(organisation_id))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/ladder/new", opt=WRITE)
    async def move_on_ladder(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._ladder(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=MoveOnLadder,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, LADDER),
            read_side=read_side,
            error_fields={
                "rung-not-backed": "rung",
                "no-change": "rung",
                "lead-organisation": "organisation_id",
                "not-a-partner": "organisation_id",
                "inconsistent-dates": "valid_on",
                "invalid-value": "evidence",
            },
        )

    # -- corrections of earlier entries -------------------------------------------------------

    async def _correction(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        kind: str,
    ) -> tuple[list[Field], dict[str, Any], Scope]:
        scope = await scope_of(tvaers, read_side, pid)
        correctable = scope.partnership.correctable
        # What each correction may put right: declared beside the history (one place).
        wanted = set(history.kinds(history.correctable_by(Correction(kind))))
        entries = await audit.history(
            read_side.store,
            audit.AuditFilter(partnership_id=pid, kinds=sorted(wanted)),
            limit=CORRECTABLE_SHOWN,
        )
        _ = translator(locale_of(request))
        events = [
            (
                str(e.version),
                # What happened and when, in words (no event numbers); the time it was
                # recorded tells two alike entries apart.
                _(
                    "{day}: {summary} (registreret {recorded})",
                    day=format_day(e.valid_on),
                    summary=e.summary if locale_of(request) == "da" else e.summary_en,
                    recorded=format_moment(e.recorded_at),
                ),
            )
            for e in entries.entries
            if e.aggregate_id == pid and correctable.get(str(e.version)) in wanted
        ]
        which = choice(
            "corrects_version",
            "Registrering der rettes",
            events,
            required=True,
            help="Nyeste først. Den oprindelige registrering bevares i historikken.",
        )
        kind_field = Field("kind", "", "hidden", default=kind)
        content: list[Field]
        if kind == "date":
            content = [Field("corrected_valid_on", "Den rigtige dato", "date", required=True)]
        elif kind == "rung":
            content = [
                choice("rung", "Det rigtige trin", rung_choices(request), required=True),
                Field(
                    "evidence",
                    "Dokumentation",
                    "textarea",
                    required=True,
                    max_length=10_000,
                    help=EVIDENCE_HELP,
                ),
            ]
        else:
            content = milestone_fields(request)
        fields = with_meta([which, *content, kind_field], version=scope.version)
        here = form_url(pid, "corrections/new")
        titles = {"date": "Ret en dato", "rung": "Ret et trin", "milestone": "Ret en milepæl"}
        context = page(
            title="Ret en tidligere registrering",
            lead="En rettelse er en ny registrering: den oprindelige bliver stående i "
            "historikken, og visningerne bruger den rettede.",
            action=here,
            cancel=partnership_page(pid, HISTORY),
            submit="Gem rettelsen",
            scope=scope,
            tabs=[(with_params(here, kind=k), titles[k], k == kind) for k in CORRECTION_KINDS],
        )
        return fields, context, scope

    @get("/corrections/new", opt=WRITE, name="ui-correction")
    async def correction_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        kind: FromQuery[str | None] = None,
        version: FromQuery[str | None] = None,
    ) -> Template:
        chosen = kind if kind in CORRECTION_KINDS else "date"
        fields, context, scope = await self._correction(
            request, tvaers, read_side, partnership_id, chosen
        )
        number = int(version) if version and version.isdigit() and len(version) < 10 else None
        form = prefilled(fields, corrects_version=number, **_current(scope, chosen, number))
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/corrections/new", opt=WRITE)
    async def correct(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        posted = (await request.form()).get("kind")
        kind = posted if posted in CORRECTION_KINDS else "date"
        fields, context, _scope = await self._correction(
            request, tvaers, read_side, partnership_id, kind
        )

        corrections: dict[str, type[Command]] = {
            "date": CorrectDate,
            "rung": CorrectRung,
            "milestone": CorrectMilestone,
        }

        section = {"date": HISTORY, "rung": LADDER, "milestone": ANCHORING}[kind]
        target = {"date": "corrected_valid_on", "rung": "rung", "milestone": "status"}[kind]
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=corrections[kind],
            shape=lambda c: {**c, "evidence": evidence_of(c)} if kind == "milestone" else c,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, section),
            read_side=read_side,
            error_fields={
                "not-correctable": "corrects_version",
                "inconsistent-dates": target,
                "rung-not-backed": target,
                "already-on-steering-group": target,
                "seat-occupied": target,
                "no-steering-group": target,
                "invalid-value": "evidence_text" if kind == "milestone" else target,
            },
        )


def _current(scope: Scope, kind: str, version: int | None) -> dict[str, Any]:
    """What the named entry recorded, to start the correction from."""
    if version is None:
        return {}
    p = scope.partnership
    if kind == "rung":
        for partner in p.partners.values():
            for entry in partner.rungs:
                if entry.version == version:
                    return {"rung": str(entry.rung.value), "evidence": entry.evidence}
    if kind == "milestone":
        for m in p.milestones.values():
            if m.version == version:
                return {
                    "dimension": m.dimension.value,
                    "status": m.status.value,
                    "title": m.title,
                    "evidence_text": m.evidence.text,
                    "evidence_link": m.evidence.link,
                    "document_ref": m.evidence.document_ref,
                }
    return {}


english(
    {
        "Organisation": "Organisation",
        "Trin på partnerskabstrappen": "Rung on the partnership ladder",
        "En ny partner starter højst på trin 4. Trin 5 og 6 følger af en underskrevet aftale.": (
            "A new partner starts on rung 4 at most. Rungs 5 and 6 follow from a signed agreement."
        ),
        "Dokumentation": "Evidence",
        "Ny partner": "New partner",
        "Tilføj partner": "Add partner",
        "Er organisationen ikke på listen? Registrér den først.": (
            "Is the organisation not in the list? Register it first."
        ),
        "Partner træder ud": "Partner leaves",
        "Roller, som partnerens personer har i partnerskabet, bliver ledige.": (
            "Roles held in the partnership by the partner's people fall vacant."
        ),
        "Registrér udtræden": "Record the departure",
        "Partner siden": "Partner since",
        "{name} (nu: trin {rung})": "{name} (now: rung {rung})",
        "Partner": "Partner",
        "Nyt trin": "New rung",
        "Trin 5 kræver en samarbejdsaftale og trin 6 en partnerskabsaftale, underskrevet af "
        "alle parter og i kraft på datoen.": (
            "Rung 5 needs a cooperation agreement and rung 6 a partnership agreement, signed "
            "by every party and in force on the date."
        ),
        "Flyt partner på partnerskabstrappen": "Move a partner on the partnership ladder",
        "Den ledende organisation står ikke på trappen.": (
            "The lead organisation is not on the ladder."
        ),
        "Flyt partner": "Move partner",
        "Dimension": "Dimension",
        "Forankringsstatus": "Anchoring status",
        "Titel": "Title",
        "Link til dokumentation": "Link to the evidence",
        "Journalnummer eller dokumentreference": "Case number or document reference",
        "{day}: {summary} (registreret {recorded})": "{day}: {summary} (recorded {recorded})",
        "Registrering der rettes": "Entry to correct",
        "Nyeste først. Den oprindelige registrering bevares i historikken.": (
            "Newest first. The original entry is kept in the history."
        ),
        "Den rigtige dato": "The right date",
        "Det rigtige trin": "The right rung",
        "Ret en dato": "Correct a date",
        "Ret et trin": "Correct a rung",
        "Ret en milepæl": "Correct a milestone",
        "Ret en tidligere registrering": "Correct an earlier entry",
        "En rettelse er en ny registrering: den oprindelige bliver stående i historikken, og "
        "visningerne bruger den rettede.": (
            "A correction is a new entry: the original stays in the history, and the views use "
            "the corrected one."
        ),
        "Gem rettelsen": "Save the correction",
    }
)
