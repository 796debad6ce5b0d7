"""Forms for following a partnership up: evaluations (with WHO-5 before/after counts and
the two 4-point assessments), retention follow-ups (scheduled for a cohort, then the
counts recorded), and the action plan's steps through the implementation circle."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from aggregates.errors import NotFound
from aggregates.partnership import FollowUp
from aggregates.taxonomy import (
    AssessmentAnswer,
    AssessmentQuestion,
    EvaluationKind,
    EvaluationMethod,
)
from api.readside import ReadSide
from api.ui.actions_common import (
    ACTIVITIES,
    FORM_TEMPLATE,
    WRITE,
    Scope,
    choice,
    enum_choices,
    form_url,
    page,
    partnership_page,
    prefilled,
    scope_of,
)
from api.ui.core import PREFIX, format_day, locale_of, render
from api.ui.forms import Field, submit, with_meta
from api.ui.free_text import warn_names
from api.ui.i18n import english, labeller, translator
from services.application import Tvaers
from services.commands import (
    EnterPhase,
    RecordAssessment,
    RecordEvaluation,
    RecordFollowUp,
    ScheduleFollowUp,
)

EVALUATIONS = "evaluations"
ACTION_PLAN = "action-plan"
RESPONDENTS_HELP = "Antal besvarelser (kun tal, ingen oplysninger om den enkelte)."
MEAN_HELP = "Gennemsnitlig WHO-5-score fra 0 til 100."
ASSESSMENT_HELP = "Kan udelades og vurderes senere."

# Retention follow-ups after the usual spans, counted from the date below (the start).
PRESETS: dict[str, tuple[str, timedelta | None]] = {
    "3w": ("Efter 3 uger", timedelta(weeks=3)),
    "3m": ("Efter 3 måneder", timedelta(days=91)),
    "6m": ("Efter 6 måneder", timedelta(days=182)),
    "date": ("På en anden dato", None),
}


def _follow_up(scope: Scope, follow_up_id: UUID) -> FollowUp:
    """A follow-up not yet recorded (else NotFound: the page answers 404)."""
    found = scope.partnership.follow_ups.get(str(follow_up_id))
    if found is None or found.recorded_on is not None:
        raise NotFound(f"No open follow-up {follow_up_id}.")
    return found


def _due_on(c: dict[str, Any]) -> date | None:
    _label, span = PRESETS.get(c.get("preset") or "", ("", None))
    start: date | None = c.get("valid_on")
    if span is not None and start is not None:
        return start + span
    due: date | None = c.get("due_on")
    return due


class FollowUpForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- an evaluation with its assessments -----------------------------------------------------

    async def _evaluation(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        answers = enum_choices(AssessmentAnswer, request)
        fields = with_meta(
            [
                choice(
                    "kind",
                    "Intern eller ekstern",
                    enum_choices(EvaluationKind, request),
                    required=True,
                ),
                Field(
                    "evaluator",
                    "Evaluator",
                    required=True,
                    max_length=200,
                    help="Hvem evaluerede? Fx en afdeling eller et konsulentfirma.",
                ),
                choice("method", "Metode", enum_choices(EvaluationMethod, request), required=True),
                Field("findings", "Resultater", "textarea", max_length=10_000, help=warn_names()),
                Field(
                    "who5_respondents_before",
                    "WHO-5 før: antal besvarelser",
                    "int",
                    minimum=0,
                    maximum=10_000_000,
                    help=RESPONDENTS_HELP,
                ),
                Field("who5_mean_before", "WHO-5 før: gennemsnit", "decimal", help=MEAN_HELP),
                Field(
                    "who5_respondents_after",
                    "WHO-5 efter: antal besvarelser",
                    "int",
                    minimum=0,
                    maximum=10_000_000,
                    help=RESPONDENTS_HELP,
                ),
                Field("who5_mean_after", "WHO-5 efter: gennemsnit", "decimal", help=MEAN_HELP),
                choice(
                    "purpose_met",
                    AssessmentQuestion.PURPOSE_MET.label_da,
                    answers,
                    help=ASSESSMENT_HELP,
                ),
                choice(
                    "implemented_as_planned",
                    AssessmentQuestion.IMPLEMENTED_AS_PLANNED.label_da,
                    answers,
                    help=ASSESSMENT_HELP,
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Registrér en evaluering",
            lead="WHO-5 registreres kun som antal og gennemsnit, aldrig for den enkelte borger.",
            action=form_url(pid, "evaluations/new"),
            cancel=partnership_page(pid, EVALUATIONS),
            submit="Registrér evalueringen",
            scope=scope,
        )
        return fields, context

    @get("/evaluations/new", opt=WRITE, name="ui-evaluation")
    async def evaluation_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._evaluation(request, tvaers, read_side, partnership_id)
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/evaluations/new", opt=WRITE)
    async def record_evaluation(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._evaluation(request, tvaers, read_side, partnership_id)
        locale = locale_of(request)

        def shaped(c: dict[str, Any]) -> dict[str, Any]:
            means = {
                name: float(c[name]) if c.get(name) is not None else None
                for name in ("who5_mean_before", "who5_mean_after")
            }
            return {**c, **means, "findings": c["findings"] or ""}

        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RecordEvaluation,
            shape=shaped,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, EVALUATIONS),
            read_side=read_side,
            check=lambda c: _who5_errors(c, locale),
            error_fields={"invalid-value": "who5_respondents_before"},
        )

    # -- an assessment of an evaluation recorded earlier ----------------------------------------

    async def _assessment(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        evaluation_id: UUID,
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        evaluation = scope.partnership.evaluations.get(str(evaluation_id))
        if evaluation is None:
            raise NotFound(f"No evaluation {evaluation_id}.")
        label = labeller(locale_of(request))
        fields = with_meta(
            [
                choice(
                    "question",
                    "Spørgsmål",
                    enum_choices(AssessmentQuestion, request),
                    required=True,
                ),
                choice("answer", "Svar", enum_choices(AssessmentAnswer, request), required=True),
            ],
            version=scope.version,
        )
        context = page(
            title="Vurdér en evaluering",
            action=form_url(pid, f"evaluations/{evaluation_id}/assessments"),
            cancel=partnership_page(pid, EVALUATIONS),
            submit="Registrér vurderingen",
            scope=scope,
            facts=[
                ("Evaluator", evaluation.evaluator),
                ("Metode", label(evaluation.method)),
                ("Evalueret", format_day(evaluation.valid_on)),
            ],
        )
        return fields, context

    @get("/evaluations/{evaluation_id:uuid}/assessments", opt=WRITE, name="ui-evaluation-assess")
    async def assessment_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        evaluation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._assessment(
            request, tvaers, read_side, partnership_id, evaluation_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/evaluations/{evaluation_id:uuid}/assessments", opt=WRITE)
    async def record_assessment(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        evaluation_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._assessment(
            request, tvaers, read_side, partnership_id, evaluation_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RecordAssessment,
            address={"partnership_id": partnership_id, "evaluation_id": evaluation_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, EVALUATIONS),
            read_side=read_side,
            error_fields={"inconsistent-dates": "valid_on"},
        )

    # -- a retention follow-up: scheduled, then recorded ----------------------------------------

    async def _schedule(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        activities = sorted(
            (a for a in scope.partnership.activities.values()),
            key=lambda a: a.title.casefold(),
        )
        fields = with_meta(
            [
                Field(
                    "preset",
                    "Hvornår",
                    "choice",
                    choices=tuple((key, label) for key, (label, _span) in PRESETS.items()),
                    required=True,
                    default="3w",
                    help="Regnet fra datoen for holdets start herunder.",
                ),
                Field("due_on", "Anden dato", "date", help="Kun når »På en anden dato« er valgt."),
                Field(
                    "label",
                    "Navn på opfølgningen",
                    max_length=200,
                    help="Kan udelades: så bruges fx »Efter 3 uger«.",
                ),
                Field(
                    "cohort",
                    "Antal deltagere på holdet",
                    "int",
                    required=True,
                    minimum=0,
                    maximum=10_000_000,
                    help="Kun antal, ingen navne.",
                ),
                choice(
                    "activity_id",
                    "Aktivitet",
                    [(str(a.activity_id), a.title) for a in activities],
                    help="Kan udelades, når opfølgningen gælder hele partnerskabet.",
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Planlæg en opfølgning på fastholdelse",
            lead="Hvor mange af holdet er stadig med efter 3 uger, 3 måneder eller 6 måneder?",
            action=form_url(pid, "follow-ups/new"),
            cancel=partnership_page(pid, ACTIVITIES),
            submit="Planlæg opfølgningen",
            scope=scope,
        )
        return fields, context

    @get("/follow-ups/new", opt=WRITE, name="ui-follow-up")
    async def schedule_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._schedule(request, tvaers, read_side, partnership_id)
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/follow-ups/new", opt=WRITE)
    async def schedule(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._schedule(request, tvaers, read_side, partnership_id)
        _ = translator(locale_of(request))

        def check(c: dict[str, Any]) -> dict[str, str]:
            if c["preset"] == "date" and c.get("due_on") is None:
                return {"due_on": _("Skriv datoen, når »På en anden dato« er valgt.")}
            return {}

        def shaped(c: dict[str, Any]) -> dict[str, Any]:
            label = c["label"] or (
                _(PRESETS[c["preset"]][0]) if c["preset"] != "date" else _("Opfølgning")
            )
            return {**c, "label": label, "due_on": _due_on(c)}

        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=ScheduleFollowUp,
            shape=shaped,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ACTIVITIES),
            read_side=read_side,
            check=check,
            error_fields={
                "inconsistent-dates": "due_on",
                "not-found": "activity_id",
                "invalid-value": "cohort",
            },
        )

    async def _record(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        follow_up_id: UUID,
    ) -> tuple[list[Field], dict[str, Any], FollowUp]:
        scope = await scope_of(tvaers, read_side, pid)
        follow_up = _follow_up(scope, follow_up_id)
        fields = with_meta(
            [
                Field(
                    "reached",
                    "Nået",
                    "int",
                    required=True,
                    minimum=0,
                    maximum=follow_up.cohort,
                    help="Hvor mange af holdet fik I fat i?",
                ),
                Field(
                    "retained",
                    "Fastholdt",
                    "int",
                    required=True,
                    minimum=0,
                    maximum=follow_up.cohort,
                    help="Hvor mange af dem er stadig med?",
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Registrér resultatet af en opfølgning",
            action=form_url(pid, f"follow-ups/{follow_up_id}/record"),
            cancel=partnership_page(pid, ACTIVITIES),
            submit="Registrér resultatet",
            scope=scope,
            facts=[
                ("Opfølgning", follow_up.label),
                ("Forfalder", format_day(follow_up.due_on)),
                ("Deltagere på holdet", str(follow_up.cohort)),
            ],
        )
        return fields, context, follow_up

    @get("/follow-ups/{follow_up_id:uuid}/record", opt=WRITE, name="ui-follow-up-record")
    async def record_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        follow_up_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context, _follow = await self._record(
            request, tvaers, read_side, partnership_id, follow_up_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/follow-ups/{follow_up_id:uuid}/record", opt=WRITE)
    async def record(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        follow_up_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context, _follow = await self._record(
            request, tvaers, read_side, partnership_id, follow_up_id
        )
        _ = translator(locale_of(request))

        def check(c: dict[str, Any]) -> dict[str, str]:
            retained, reached = c["retained"], c["reached"]
            if retained is not None and reached is not None and retained > reached:
                return {"retained": _("Der kan ikke være flere fastholdt end nået.")}
            return {}

        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RecordFollowUp,
            address={"partnership_id": partnership_id, "follow_up_id": follow_up_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ACTIVITIES),
            read_side=read_side,
            check=check,
            error_fields={"follow-up-state": "retained"},
        )

    # -- the action plan: the implementation circle ---------------------------------------------

    async def _phase(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        p = scope.partnership
        label = labeller(locale_of(request))
        current = p.phases[-1] if p.phases else None
        fields = with_meta(
            [
                choice(
                    "phase",
                    "Næste skridt",
                    enum_choices(p.next_phases(), request),
                    required=True,
                    help=CIRCLE_HELP,
                ),
                Field(
                    "note",
                    "Note",
                    "textarea",
                    max_length=10_000,
                    help=warn_names(
                        "Hvad er planen, eller hvad viste opfølgningen?",
                        "What is the plan, or what did the follow-up show?",
                    ),
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Handlingsplanen: næste skridt",
            action=form_url(pid, "action-plan/new"),
            cancel=partnership_page(pid, ACTION_PLAN),
            submit="Gem skridtet",
            scope=scope,
            facts=[
                (
                    "Nu",
                    f"{label(current.phase)} ({format_day(current.valid_on)})" if current else "-",
                )
            ],
        )
        return fields, context

    @get("/action-plan/new", opt=WRITE, name="ui-action-plan")
    async def phase_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._phase(request, tvaers, read_side, partnership_id)
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/action-plan/new", opt=WRITE)
    async def enter_phase(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._phase(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=EnterPhase,
            shape=lambda c: {**c, "note": c["note"] or ""},
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ACTION_PLAN),
            read_side=read_side,
            error_fields={
                "inconsistent-dates": "valid_on",
                "no-change": "phase",
                "invalid-value": "phase",
            },
        )


CIRCLE_HELP = "Implementeringscirklen: planlæg → igangsæt aktiviteter → følg op → justér, og så " \
    "forfra."  # fmt: skip


def _who5_errors(c: dict[str, Any], locale: str) -> dict[str, str]:
    """Each WHO-5 side needs both its count and its mean; a mean lies from 0 to 100."""
    _ = translator(locale)
    errors: dict[str, str] = {}
    for side in ("before", "after"):
        count, mean = c.get(f"who5_respondents_{side}"), c.get(f"who5_mean_{side}")
        if mean is not None and mean > 100:
            errors[f"who5_mean_{side}"] = _("Skriv et gennemsnit fra 0 til 100.")
        elif mean is not None and not count:
            errors[f"who5_respondents_{side}"] = _(
                "Skriv antal besvarelser (mindst 1) til gennemsnittet."
            )
        elif count and mean is None:
            errors[f"who5_mean_{side}"] = _("Skriv gennemsnittet for besvarelserne.")
    return errors


english(
    {
        RESPONDENTS_HELP: "Number of responses (counts only, nothing about the individual).",
        MEAN_HELP: "Mean WHO-5 score from 0 to 100.",
        ASSESSMENT_HELP: "May be left out and assessed later.",
        CIRCLE_HELP: "The implementation circle: plan → start activities → follow up → adjust, "
        "and round again.",
        "Efter 3 uger": "After 3 weeks",
        "Efter 3 måneder": "After 3 months",
        "Efter 6 måneder": "After 6 months",
        "På en anden dato": "On another date",
        "Intern eller ekstern": "Internal or external",
        "Evaluator": "Evaluator",
        "Hvem evaluerede? Fx en afdeling eller et konsulentfirma.": (
            "Who evaluated? E.g. a department or a consultancy."
        ),
        "Metode": "Method",
        "Resultater": "Results",
        "WHO-5 før: antal besvarelser": "WHO-5 before: number of responses",
        "WHO-5 før: gennemsnit": "WHO-5 before: mean score",
        "WHO-5 efter: antal besvarelser": "WHO-5 after: number of responses",
        "WHO-5 efter: gennemsnit": "WHO-5 after: mean score",
        "Registrér en evaluering": "Record an evaluation",
        "WHO-5 registreres kun som antal og gennemsnit, aldrig for den enkelte borger.": (
            "WHO-5 is recorded as counts and means only, never for the individual citizen."
        ),
        "Registrér evalueringen": "Record the evaluation",
        "Hvornår": "When",
        "Regnet fra datoen for holdets start herunder.": (
            "Counted from the date of the cohort's start below."
        ),
        "Anden dato": "Other date",
        "Kun når »På en anden dato« er valgt.": "Only when “On another date” is chosen.",
        "Navn på opfølgningen": "Name of the follow-up",
        "Kan udelades: så bruges fx »Efter 3 uger«.": (
            "May be left out: then e.g. “After 3 weeks” is used."
        ),
        "Antal deltagere på holdet": "Number of participants in the cohort",
        "Kun antal, ingen navne.": "Counts only, no names.",
        "Aktivitet": "Activity",
        "Kan udelades, når opfølgningen gælder hele partnerskabet.": (
            "May be left out when the follow-up concerns the whole partnership."
        ),
        "Planlæg en opfølgning på fastholdelse": "Schedule a retention follow-up",
        "Hvor mange af holdet er stadig med efter 3 uger, 3 måneder eller 6 måneder?": (
            "How many of the cohort are still taking part after 3 weeks, 3 months or 6 months?"
        ),
        "Planlæg opfølgningen": "Schedule the follow-up",
        "Skriv datoen, når »På en anden dato« er valgt.": (
            "Give the date when “On another date” is chosen."
        ),
        "Opfølgning": "Follow-up",
        "Nået": "Reached",
        "Hvor mange af holdet fik I fat i?": "How many of the cohort did you reach?",
        "Fastholdt": "Retained",
        "Hvor mange af dem er stadig med?": "How many of them are still taking part?",
        "Registrér resultatet af en opfølgning": "Record the result of a follow-up",
        "Registrér resultatet": "Record the result",
        "Forfalder": "Due",
        "Deltagere på holdet": "Participants in the cohort",
        "Der kan ikke være flere fastholdt end nået.": (
            "There cannot be more retained than reached."
        ),
        "Næste skridt": "Next step",
        "Note": "Note",
        "Handlingsplanen: næste skridt": "The action plan: next step",
        "Gem skridtet": "Save the step",
        "Nu": "Now",
        "Skriv et gennemsnit fra 0 til 100.": "Give a mean from 0 to 100.",
        "Skriv antal besvarelser (mindst 1) til gennemsnittet.": (
            "Give the number of responses (at least 1) for the mean."
        ),
        "Skriv gennemsnittet for besvarelserne.": "Give the mean of the responses.",
        # the partnership page's links and texts (templates/partnership/)
        "Planlæg opfølgning": "Schedule a follow-up",
        "Handlingsplan": "Action plan",
        "Handlingsplanen er ikke sat i gang.": "The action plan has not been started.",
        "Næste skridt i handlingsplanen": "Next step in the action plan",
        "Registrér resultatet for {label}": "Record the result of {label}",
        "Registrér evaluering": "Record an evaluation",
        "WHO-5 før": "WHO-5 before",
        "WHO-5 efter": "WHO-5 after",
        "gennemsnit {mean} ({n} besvarelser)": "mean {mean} ({n} responses)",
        "oprettet {date}": "created {date}",
        "Vurdér {who}s evaluering": "Assess {who}'s evaluation",
        "Spørgsmål": "Question",
        "Svar": "Answer",
        "Vurdér en evaluering": "Assess an evaluation",
        "Registrér vurderingen": "Record the assessment",
        "Evalueret": "Evaluated",
    }
)
