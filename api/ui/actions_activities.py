"""Forms for a partnership's action plan and anchoring: launching, adjusting and moving
activities; anchoring milestones with evidence; promoting factors and barriers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from aggregates.errors import NotFound
from aggregates.partnership import Activity
from aggregates.taxonomy import (
    ActivityStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    PreventionCategory,
)
from api.readside import ReadSide
from api.ui.actions_common import (
    ACTIVITIES,
    ANCHORING,
    FORM_TEMPLATE,
    WRITE,
    Scope,
    as_id,
    choice,
    enum_choices,
    evidence_of,
    form_url,
    ids,
    milestone_fields,
    multichoice,
    page,
    partnership_page,
    picker_search,
    prefilled,
    scope_of,
    with_params,
)
from api.ui.core import PREFIX, format_day, locale_of, render
from api.ui.forms import Field, submit, with_meta
from api.ui.free_text import warn_names
from api.ui.i18n import english, labeller, translator
from projections import audit as audit_view
from services.application import Tvaers
from services.commands import (
    AdjustActivity,
    ChangeActivityStatus,
    LaunchActivity,
    LinkFactorToEvent,
    RecordFactor,
    RecordMilestone,
)

OWNERS_HELP = "De partnere, der står for aktiviteten."
EVENTS_SHOWN = 40
"""How many of the partnership's events a factor form offers to link (the most recent)."""
EVENTS_SEARCHED = 500
"""How far back (the most recent events) a search of the factor form's events looks."""
EVENTS_SEARCH_LABEL = "Søg i hændelserne"
EVENTS_SEARCH_HELP = (
    "Listen viser de seneste hændelser. Søg på et ord, et navn, en dato (dd.mm.åååå) "
    "eller et nummer (#12) for at finde ældre."
)
EVENTS_HELP = (
    "Fx en rolle, der blev ledig, en partner, der udtrådte, eller en beslutning. De seneste "
    "hændelser står først; nummeret er hændelsens nummer i partnerskabets historik."
)


async def event_choices(
    read_side: ReadSide,
    partnership_id: UUID,
    locale: str,
    *,
    skip: Iterable[int] = (),
    search: str | None = None,
    keep: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """The partnership's own events a factor can be linked to, most recent first, each as
    its history sentence with its number and date ("#12 · 01.03.2024: Rolle ledig: ...");
    the factors' own events and `skip` left out; at most `EVENTS_SHOWN`, those whose text
    contains `search` (case-insensitive) when given, and the posted `keep` (still valid)."""
    wanted = " ".join((search or "").split()).casefold()
    kept = {v for v in keep if v}
    page_ = await audit_view.history(
        read_side.store,
        audit_view.AuditFilter(partnership_id=partnership_id),
        limit=EVENTS_SEARCHED if wanted or kept else EVENTS_SHOWN * 2,
    )
    left_out = set(skip)
    found = []
    for entry in page_.entries:
        if (
            entry.aggregate_type != "partnership"
            or entry.aggregate_id != partnership_id
            or entry.kind.startswith("Factor")
            or entry.version in left_out
        ):
            continue
        said = entry.summary_en if locale == "en" else entry.summary
        found.append(
            (str(entry.version), f"#{entry.version} · {format_day(entry.valid_on)}: {said}")
        )
    found.sort(key=lambda o: -int(o[0]))
    shown = [o for o in found if wanted in o[1].casefold()][:EVENTS_SHOWN]
    shown += [o for o in found if o[0] in kept and o not in shown]
    return sorted(shown, key=lambda o: -int(o[0]))


def events_search(action: str, value: str | None, **keep: Any) -> dict[str, Any]:
    """The search above a factor form's events (actions/form.html): a GET of the same form
    with `q`, keeping `keep`'s parameters."""
    return {
        **picker_search(action, value, **keep),
        "label": EVENTS_SEARCH_LABEL,
        "help": EVENTS_SEARCH_HELP,
    }


def posted_all(form: Any, name: str) -> list[str]:
    """Every value posted for a field (the events chosen, to keep them choosable)."""
    if form is None:
        return []
    values = form.getall(name, []) if hasattr(form, "getall") else [form.get(name)]
    return [v for v in values if isinstance(v, str)]


def _activity(scope: Scope, activity_id: UUID) -> Activity:
    activity = scope.partnership.activities.get(str(activity_id))
    if activity is None:
        raise NotFound(f"No activity {activity_id}.")
    return activity


def _owners_chosen(c: dict[str, Any], locale: str) -> dict[str, str]:
    if not c.get("owner_ids"):
        return {"owner_ids": translator(locale)("Vælg mindst én partner.")}
    return {}


class ActivityForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- a new activity ------------------------------------------------------------------------

    async def _launch(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        fields = with_meta(
            [
                Field("title", "Titel", required=True, max_length=200),
                choice(
                    "category",
                    "Kategori",
                    enum_choices(PreventionCategory, request),
                    required=True,
                ),
                multichoice(
                    "owner_ids",
                    "Ansvarlige partnere",
                    scope.partner_choices(),
                    required=True,
                    help=OWNERS_HELP,
                ),
                Field(
                    "description",
                    "Beskrivelse",
                    "textarea",
                    max_length=10_000,
                    help=warn_names(),
                ),
                Field("target_group", "Målgruppe", max_length=200),
                Field("arena", "Arena", max_length=200),
                Field("running", "Aktiviteten er allerede i gang", "checkbox"),
            ],
            version=scope.version,
        )
        context = page(
            title="Ny aktivitet",
            action=form_url(pid, "activities/new"),
            cancel=partnership_page(pid, ACTIVITIES),
            submit="Opret aktivitet",
            scope=scope,
        )
        return fields, context

    @get("/activities/new", opt=WRITE, name="ui-activity-launch")
    async def launch_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._launch(request, tvaers, read_side, partnership_id)
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/activities/new", opt=WRITE)
    async def launch(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._launch(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=LaunchActivity,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ACTIVITIES),
            read_side=read_side,
            error_fields={
                "invalid-value": "owner_ids",
                "not-a-partner": "owner_ids",
                "inconsistent-dates": "valid_on",
            },
        )

    # -- an adjustment (implementeringscirklen: justér) ----------------------------------------

    async def _adjust(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        activity_id: FromPath[UUID],
    ) -> tuple[list[Field], dict[str, Any], Activity]:
        scope = await scope_of(tvaers, read_side, pid)
        activity = _activity(scope, activity_id)
        label = labeller(locale_of(request))
        fields = with_meta(
            [
                Field(
                    "description",
                    "Hvad er justeret, og hvorfor?",
                    "textarea",
                    required=True,
                    max_length=10_000,
                    help=warn_names(),
                ),
                Field("title", "Titel", required=True, max_length=200, default=activity.title),
                Field("target_group", "Målgruppe", max_length=200, default=activity.target_group),
                Field("arena", "Arena", max_length=200, default=activity.arena),
                multichoice(
                    "owner_ids",
                    "Ansvarlige partnere",
                    scope.partner_choices(),
                    required=True,
                    help=OWNERS_HELP,
                    default=[str(o) for o in activity.owner_ids],
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Justér en aktivitet",
            lead="Felter, du ikke ændrer, forbliver som de er.",
            action=form_url(pid, f"activities/{activity_id}/adjust"),
            cancel=partnership_page(pid, ACTIVITIES),
            submit="Gem justeringen",
            scope=scope,
            facts=[
                ("Aktivitet", activity.title),
                ("Nuværende status", label(activity.status)),
                ("Oprettet", format_day(activity.launched_on)),
            ],
        )
        return fields, context, activity

    @get("/activities/{activity_id:uuid}/adjust", opt=WRITE, name="ui-activity-adjust")
    async def adjust_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        activity_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context, _activity = await self._adjust(
            request, tvaers, read_side, partnership_id, activity_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/activities/{activity_id:uuid}/adjust", opt=WRITE)
    async def adjust(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        activity_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context, activity = await self._adjust(
            request, tvaers, read_side, partnership_id, activity_id
        )
        locale = locale_of(request)

        def changed(value: str | None, current: str) -> str | None:
            """Only what the user changed is recorded as changed."""
            return None if (value or "") == current else (value or "")

        def adjustment(c: dict[str, Any]) -> dict[str, Any]:
            owners = ids(c["owner_ids"])
            return {
                "description": c["description"],
                "title": changed(c["title"], activity.title),
                "target_group": changed(c["target_group"], activity.target_group),
                "arena": changed(c["arena"], activity.arena),
                "owner_ids": None if set(owners) == set(activity.owner_ids) else owners,
            }

        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=AdjustActivity,
            shape=adjustment,
            address={"partnership_id": partnership_id, "activity_id": activity_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ACTIVITIES),
            read_side=read_side,
            check=lambda c: _owners_chosen(c, locale),
            error_fields={
                "not-a-partner": "owner_ids",
                "invalid-value": "description",
                "inconsistent-dates": "valid_on",
            },
        )

    # -- a status change ----------------------------------------------------------------------

    async def _status(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        activity_id: FromPath[UUID],
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        activity = _activity(scope, activity_id)
        label = labeller(locale_of(request))
        others = [s for s in ActivityStatus if s is not activity.status]
        fields = with_meta(
            [
                choice(
                    "status",
                    "Ny status",
                    enum_choices(others, request),
                    required=True,
                    help="Planlagt → i gang → sat på pause → i gang … → afsluttet. En afsluttet "
                    "aktivitet ændres ikke mere.",
                )
            ],
            version=scope.version,
        )
        context = page(
            title="Skift status for en aktivitet",
            action=form_url(pid, f"activities/{activity_id}/status"),
            cancel=partnership_page(pid, ACTIVITIES),
            submit="Skift status",
            scope=scope,
            facts=[
                ("Aktivitet", activity.title),
                ("Nuværende status", label(activity.status)),
                ("Siden", format_day(activity.status_since)),
            ],
        )
        return fields, context

    @get("/activities/{activity_id:uuid}/status", opt=WRITE, name="ui-activity-status")
    async def status_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        activity_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Template:
        fields, context = await self._status(
            request, tvaers, read_side, partnership_id, activity_id
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/activities/{activity_id:uuid}/status", opt=WRITE)
    async def change_status(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        activity_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._status(
            request, tvaers, read_side, partnership_id, activity_id
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=ChangeActivityStatus,
            address={"partnership_id": partnership_id, "activity_id": activity_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ACTIVITIES),
            read_side=read_side,
            error_fields={
                "activity-state": "status",
                "activity-ended": "status",
                "inconsistent-dates": "valid_on",
            },
        )


class AnchoringForms(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    # -- an anchoring milestone -----------------------------------------------------------------

    async def _milestone(
        self, request: Request[Any, Any, Any], tvaers: Tvaers, read_side: ReadSide, pid: UUID
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        fields = with_meta(milestone_fields(request), version=scope.version)
        context = page(
            title="Ny forankringsmilepæl",
            lead="En milepæl viser, hvor langt arbejdet er forankret i en dimension, med "
            "dokumentation.",
            action=form_url(pid, "milestones/new"),
            cancel=partnership_page(pid, ANCHORING),
            submit="Registrér milepæl",
            scope=scope,
        )
        return fields, context

    @get("/milestones/new", opt=WRITE, name="ui-milestone")
    async def milestone_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        dimension: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._milestone(request, tvaers, read_side, partnership_id)
        known = dimension if dimension in {d.value for d in Dimension} else None
        return render(request, FORM_TEMPLATE, form=prefilled(fields, dimension=known), **context)

    @post("/milestones/new", opt=WRITE)
    async def record_milestone(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        fields, context = await self._milestone(request, tvaers, read_side, partnership_id)
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RecordMilestone,
            shape=lambda c: {**c, "evidence": evidence_of(c)},
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ANCHORING),
            read_side=read_side,
            error_fields={"invalid-value": "evidence_text", "inconsistent-dates": "valid_on"},
        )

    # -- a promoting factor or a barrier --------------------------------------------------------

    async def _factor(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        search: str | None = None,
        keep: Iterable[str] = (),
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        label = labeller(locale_of(request))
        milestones = sorted(
            scope.partnership.milestones.values(), key=lambda m: (m.valid_on, m.version)
        )
        fields = with_meta(
            [
                choice("effect", "Virkning", enum_choices(FactorEffect, request), required=True),
                choice("origin", "Oprindelse", enum_choices(FactorOrigin, request), required=True),
                Field(
                    "description",
                    "Beskrivelse",
                    "textarea",
                    required=True,
                    max_length=10_000,
                    help=warn_names(),
                ),
                multichoice(
                    "milestone_ids",
                    "Milepæle, faktoren har betydning for",
                    [
                        (
                            str(m.milestone_id),
                            f"{label(m.dimension)}: {m.title} ({format_day(m.valid_on)})",
                        )
                        for m in milestones
                    ],
                    help="Kan udelades.",
                ),
                multichoice(
                    "event_versions",
                    "Hændelser, faktoren udsprang af eller har betydning for",
                    await event_choices(
                        read_side, pid, locale_of(request), search=search, keep=keep
                    ),
                    help=EVENTS_HELP,
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Ny fremmende faktor eller barriere",
            action=with_params(form_url(pid, "factors/new"), q=search),
            cancel=partnership_page(pid, ANCHORING),
            submit="Registrér faktor",
            scope=scope,
            search=events_search(form_url(pid, "factors/new"), search),
        )
        return fields, context

    @get("/factors/new", opt=WRITE, name="ui-factor")
    async def factor_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        milestone_id: FromQuery[str | None] = None,
        q: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._factor(request, tvaers, read_side, partnership_id, q)
        chosen = as_id(milestone_id)
        form = prefilled(fields, milestone_ids=[str(chosen)] if chosen else None)
        return render(request, FORM_TEMPLATE, form=form, **context)

    @post("/factors/new", opt=WRITE)
    async def record_factor(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        q: FromQuery[str | None] = None,
    ) -> Response[Any]:
        chosen = posted_all(await request.form(), "event_versions")
        fields, context = await self._factor(
            request, tvaers, read_side, partnership_id, q, keep=chosen
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=RecordFactor,
            address={"partnership_id": partnership_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ANCHORING),
            read_side=read_side,
            error_fields={
                "not-found": "milestone_ids",
                "invalid-value": "description",
                "inconsistent-dates": "valid_on",
            },
        )

    # -- a factor linked to an event later ---------------------------------------------------

    async def _factor_link(
        self,
        request: Request[Any, Any, Any],
        tvaers: Tvaers,
        read_side: ReadSide,
        pid: UUID,
        factor_id: UUID,
        search: str | None = None,
        keep: Iterable[str] = (),
    ) -> tuple[list[Field], dict[str, Any]]:
        scope = await scope_of(tvaers, read_side, pid)
        factor = scope.partnership.factors.get(str(factor_id))
        if factor is None:
            raise NotFound(f"No factor {factor_id}.")
        fields = with_meta(
            [
                choice(
                    "event_version",
                    "Hændelse",
                    await event_choices(
                        read_side,
                        pid,
                        locale_of(request),
                        skip=factor.event_versions,
                        search=search,
                        keep=keep,
                    ),
                    required=True,
                    help=EVENTS_HELP,
                ),
            ],
            version=scope.version,
        )
        context = page(
            title="Knyt faktoren til en hændelse",
            facts=[("Faktor", factor.description)],
            action=with_params(form_url(pid, f"factors/{factor_id}/events/new"), q=search),
            cancel=partnership_page(pid, ANCHORING),
            submit="Knyt til hændelsen",
            scope=scope,
            search=events_search(form_url(pid, f"factors/{factor_id}/events/new"), search),
        )
        return fields, context

    @get("/factors/{factor_id:uuid}/events/new", opt=WRITE, name="ui-factor-event")
    async def factor_event_form(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        factor_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        q: FromQuery[str | None] = None,
    ) -> Template:
        fields, context = await self._factor_link(
            request, tvaers, read_side, partnership_id, factor_id, q
        )
        return render(request, FORM_TEMPLATE, form=prefilled(fields), **context)

    @post("/factors/{factor_id:uuid}/events/new", opt=WRITE)
    async def link_factor_to_event(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        factor_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        q: FromQuery[str | None] = None,
    ) -> Response[Any]:
        chosen = posted_all(await request.form(), "event_version")
        fields, context = await self._factor_link(
            request, tvaers, read_side, partnership_id, factor_id, q, keep=chosen
        )
        return await submit(
            request,
            fields=fields,
            template=FORM_TEMPLATE,
            context=context,
            command=LinkFactorToEvent,
            address={"partnership_id": partnership_id, "factor_id": factor_id},
            tvaers=tvaers,
            success=lambda _result: partnership_page(partnership_id, ANCHORING),
            read_side=read_side,
            error_fields={
                "not-found": "event_version",
                "invalid-value": "event_version",
                "no-change": "event_version",
                "inconsistent-dates": "valid_on",
            },
        )


english(
    {
        OWNERS_HELP: "The partners responsible for the activity.",
        "Vælg mindst én partner.": "Choose at least one partner.",
        "Titel": "Title",
        "Kategori": "Category",
        "Ansvarlige partnere": "Responsible partners",
        "Beskrivelse": "Description",
        "Målgruppe": "Target group",
        "Arena": "Arena",
        "Aktiviteten er allerede i gang": "The activity is already running",
        "Ny aktivitet": "New activity",
        "Opret aktivitet": "Create activity",
        "Hvad er justeret, og hvorfor?": "What was adjusted, and why?",
        "Justér en aktivitet": "Adjust an activity",
        "Felter, du ikke ændrer, forbliver som de er.": (
            "Fields you do not change stay as they are."
        ),
        "Gem justeringen": "Save the adjustment",
        EVENTS_HELP: (
            "For example a role that fell vacant, a partner that left, or a decision. The "
            "most recent events come first; the number is the event's number in the "
            "partnership's history."
        ),
        "Hændelser, faktoren udsprang af eller har betydning for": (
            "Events the factor came from or bears on"
        ),
        "Knyt faktoren til en hændelse": "Link the factor to an event",
        "Knyt til hændelsen": "Link to the event",
        "Knyt til en hændelse": "Link to an event",
        "Knyttet til hændelse": "Linked to event",
        EVENTS_SEARCH_LABEL: "Search the events",
        EVENTS_SEARCH_HELP: (
            "The list shows the most recent events. Search for a word, a name, a date "
            "(dd.mm.yyyy) or a number (#12) to find older ones."
        ),
        "Aktivitet": "Activity",
        "Nuværende status": "Current status",
        "Oprettet": "Created",
        "Ny status": "New status",
        "Planlagt → i gang → sat på pause → i gang … → afsluttet. En afsluttet aktivitet "
        "ændres ikke mere.": (
            "Planned → running → paused → running … → ended. An ended activity changes no more."
        ),
        "Skift status for en aktivitet": "Change the status of an activity",
        "Skift status": "Change status",
        "Siden": "Since",
        "Ny forankringsmilepæl": "New anchoring milestone",
        "En milepæl viser, hvor langt arbejdet er forankret i en dimension, med dokumentation.": (
            "A milestone shows how far the work is anchored in one dimension, with evidence."
        ),
        "Registrér milepæl": "Record milestone",
        "Virkning": "Effect",
        "Oprindelse": "Origin",
        "Milepæle, faktoren har betydning for": "Milestones the factor bears on",
        "Kan udelades.": "May be left out.",
        "Ny fremmende faktor eller barriere": "New promoting factor or barrier",
        "Registrér faktor": "Record factor",
    }
)
