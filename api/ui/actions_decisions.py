"""Forms for the steering group's paperwork: its decisions (taken at a meeting, with what
they approved and what of the partnership they concern) and the versions of the terms of
reference (kommissorium), each optionally approved by a decision."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from api.readside import ReadSide
from api.ui.actions_common import (
    FORM_TEMPLATE,
    STEERING,
    WRITE,
    Scope,
    choice,
    form_url,
    lines,
    multichoice,
    page,
    partnership_page,
    prefilled,
    scope_of,
)
from api.ui.core import PREFIX, format_day, locale_of, render
from api.ui.forms import REASON, Field, submit
from api.ui.free_text import warn_names
from api.ui.i18n import english, translator
from projections import agreements as agreement_views
from services.application import Tvaers
from services.commands import IssueTermsOfReference, RecordDecision

APPROVED_HELP = "Én ting pr. linje, fx »Kommissorium version 2« eller »Budget for 2027«."
LINKED_HELP = (
    "Det i partnerskabet, beslutningen handler om: aktiviteter, aftaler, milepæle, "
    "evalueringer eller tidligere beslutninger. Kan udelades."
)
APPROVED_HELP_EN = "One item a line, e.g. “Terms of reference version 2” or “Budget 2027”."
FOCUS_HELP = "Ét fokusområde pr. linje."


MEETING_HELP = "Datoen for styregruppens møde."


def meta_fields(scope: Scope, date_label: str, date_help: str) -> list[Field]:
    """The date (under the form's own name for it), the reason, and the version."""
    return [
        Field("valid_on", date_label, "date", required=True, help=date_help),
        REASON,
        Field("version", "", "hidden", default=str(scope.version)),
    ]


async def linkable(
    request: Request[Any, Any, Any], read_side: ReadSide, scope: Scope
) -> list[tuple[str, str]]:
    """What a decision may link to, each with its kind: the partnership's activities,
    agreements (drafts too), milestones, evaluations and earlier decisions."""
    _ = translator(locale_of(request))
    p = scope.partnership
    found = await agreement_views.agreements(read_side.store, scope.id)
    options: list[tuple[str, str]] = []
    options += [
        (key, _("Aktivitet: {title}", title=a.title))
        for key, a in sorted(p.activities.items(), key=lambda kv: kv[1].title.casefold())
    ]
    options += [
        (str(a.agreement_id), _("Aftale: {title}", title=a.title))
        for a in sorted(found, key=lambda a: a.title.casefold())
    ]
    options += [
        (key, _("Milepæl: {title}", title=m.title))
        for key, m in sorted(p.milestones.items(), key=lambda kv: kv[1].valid_on)
    ]
    options += [
        (key, _("Evaluering ved {who} ({date})", who=e.evaluator, date=format_day(e.valid_on)))
        for key, e in sorted(p.evaluations.items(), key=lambda kv: kv[1].valid_on)
    ]
    options += [
        (key, _("Beslutning: {title} ({date})", title=d.title, date=format_day(d.meeting_on)))
        for key, d in sorted(p.decisions.items(), key=lambda kv: kv[1].meeting_on)
    ]
    return options


class DecisionForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- a steering-group decision --------------------------------------------------------------

    async def _decision(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        fields = [
            Field("title", "Beslutning", required=True, max_length=200),
            Field("valid_on", "Mødedato", "date", required=True, help=MEETING_HELP),
            Field(
                "approved",
                "Det godkendte",
                "textarea",
                max_length=10_000,
                help=warn_names(APPROVED_HELP, APPROVED_HELP_EN),
            ),
            multichoice(
                "linked_ids",
                "Beslutningen vedrører",
                await linkable(request, read_side, scope),
                help=LINKED_HELP,
            ),
            REASON,
            Field("version", "", "hidden", default=str(scope.version)),
        ]
        context = page(
            title="Registrér en beslutning i styregruppen",
            lead="Styregruppen skal have medlemmer på mødedatoen.",
            action=form_url(pid, "decisions/new"),
            cancel=partnership_page(pid, STEERING),
            submit="Registrér beslutningen",
            scope=scope,
        )
        return fields, context

    @get("/decisions/new", opt=WRITE, name="ui-decision")
    async def decision_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._decision(request, tvaers, read_side, partnership_id)
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/decisions/new", opt=WRITE)
    async def record_decision(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._decision(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RecordDecision,
            shape=lambda c: {**c, "approved": list(lines(c["approved"]))},
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, STEERING),
            read_side=read_side,
            error_fields={
                "no-steering-group": "valid_on",
                "not-found": "linked_ids",
                "invalid-value": "title",
            },
        )

    # -- a new version of the terms of reference (kommissorium) ---------------------------------

    async def _terms(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        p = scope.partnership
        current = p.terms[-1] if p.terms else None
        now = current.terms if current is not None else None
        decisions = sorted(p.decisions.values(), key=lambda d: d.meeting_on, reverse=True)
        fields = [
            Field(
                "purpose",
                "Formål",
                "textarea",
                required=True,
                max_length=10_000,
                default=now.purpose if now else p.registry.purpose,
                help=warn_names(),
            ),
            Field(
                "composition",
                "Sammensætning",
                "textarea",
                max_length=10_000,
                default=now.composition if now else "",
                help=warn_names(
                    "Hvem sidder i styregruppen, og hvem repræsenterer de?",
                    "Who sits on the steering group, and whom do they represent?",
                ),
            ),
            Field(
                "task",
                "Opgave",
                "textarea",
                max_length=10_000,
                default=now.task if now else "",
                help=warn_names(),
            ),
            Field(
                "time_plan",
                "Tidsplan",
                "textarea",
                max_length=10_000,
                default=now.time_plan if now else "",
                help=warn_names(),
            ),
            Field(
                "focus_areas",
                "Fokusområder",
                "textarea",
                max_length=10_000,
                default="\n".join(now.focus_areas) if now else "",
                help=warn_names(FOCUS_HELP, "One focus area a line."),
            ),
            choice(
                "decision_id",
                "Godkendt ved beslutning",
                [(str(d.decision_id), f"{format_day(d.meeting_on)}: {d.title}") for d in decisions],
                help="Styregruppens beslutning, der godkendte versionen. Kan udelades; "
                "registrér beslutningen først, hvis den mangler.",
            ),
            *meta_fields(scope, "Gælder fra", "Datoen, hvor den nye version gælder fra."),
        ]
        context = page(
            title="Ny version af kommissoriet",
            lead="Felterne er udfyldt med den gældende version; ret det, der er ændret.",
            action=form_url(pid, "terms/new"),
            cancel=partnership_page(pid, STEERING),
            submit="Gem den nye version",
            scope=scope,
            facts=[
                (
                    "Gældende version",
                    f"{current.number} ({format_day(current.valid_on)})" if current else "-",
                )
            ],
            links=[(form_url(pid, "decisions/new"), "Registrér beslutningen først")],
        )
        return fields, context

    @get("/terms/new", opt=WRITE, name="ui-terms")
    async def terms_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._terms(request, tvaers, read_side, partnership_id)
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/terms/new", opt=WRITE)
    async def issue_terms(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._terms(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=IssueTermsOfReference,
            shape=lambda c: {
                **c,
                "composition": c["composition"] or "",
                "task": c["task"] or "",
                "time_plan": c["time_plan"] or "",
                "focus_areas": list(lines(c["focus_areas"])),
            },
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, STEERING),
            read_side=read_side,
            error_fields={
                "no-change": "purpose",
                "not-found": "decision_id",
                "invalid-value": "purpose",
            },
        )


english(
    {
        LINKED_HELP: (
            "What of the partnership the decision is about: activities, agreements, "
            "milestones, evaluations or earlier decisions. May be left out."
        ),
        "Aktivitet: {title}": "Activity: {title}",
        "Aftale: {title}": "Agreement: {title}",
        "Milepæl: {title}": "Milestone: {title}",
        "Evaluering ved {who} ({date})": "Evaluation by {who} ({date})",
        "Beslutning: {title} ({date})": "Decision: {title} ({date})",
        "Beslutning": "Decision",
        "Mødedato": "Meeting date",
        MEETING_HELP: "The date of the steering group's meeting.",
        "Det godkendte": "What was approved",
        "Beslutningen vedrører": "The decision concerns",
        "Registrér en beslutning i styregruppen": "Record a steering-group decision",
        "Styregruppen skal have medlemmer på mødedatoen.": (
            "The steering group must have members on the meeting date."
        ),
        "Registrér beslutningen": "Record the decision",
        "Formål": "Purpose",
        "Sammensætning": "Composition",
        "Opgave": "Task",
        "Tidsplan": "Time plan",
        "Fokusområder": "Focus areas",
        "Godkendt ved beslutning": "Approved by decision",
        "Styregruppens beslutning, der godkendte versionen. Kan udelades; registrér "
        "beslutningen først, hvis den mangler.": (
            "The steering-group decision that approved the version. May be left out; record "
            "the decision first if it is missing."
        ),
        "Gælder fra": "Applies from",
        "Datoen, hvor den nye version gælder fra.": "The date the new version applies from.",
        "Ny version af kommissoriet": "New version of the terms of reference",
        "Felterne er udfyldt med den gældende version; ret det, der er ændret.": (
            "The fields hold the current version; change what has changed."
        ),
        "Gældende version": "Current version",
        "Registrér beslutningen først": "Record the decision first",
        "Gem den nye version": "Save the new version",
        # the partnership page's links and texts (templates/partnership/_governance.html)
        "Registrér beslutning": "Record a decision",
        "Vedrører": "Concerns",
        "Godkendte kommissorium version {n}": "Approved terms of reference version {n}",
    }
)
