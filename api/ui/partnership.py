"""The partnership page: one partnership as it stood on a date, as the registry knew it then.

Every section is read from the views with the page's valid date (`as_of`) and recorded
time (`known_at`), the independent queries at once (an asyncio task group). What no fact view
keeps (registry fields, secretariat, evaluations, follow-ups, decisions, terms of
reference, implementation phase) comes from projections/facts.py, folded from the audit
view. Agreements are kept
without recorded-time history; on a page with `known_at` they show as known now (said so
on the page).

Routes (under /ui/partnerships/{partnership_id}): the page, its print version for the
steering group's meeting papers, the audit history (filters, pages; a fragment for htmx)
and a diff between two dates.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from markupsafe import Markup

from aggregates import Agreement, AgreementStatus, Partnership, Registry
from aggregates.dates import danish_date, danish_time, from_danish_local, in_denmark, now
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import (
    AnchoringStatus,
    FactorEffect,
    RoleKind,
    Rung,
    SeatRole,
)
from api.auth import Principal
from api.readside import ReadSide
from api.ui import charts
from api.ui.core import PREFIX, locale_of, query_string, render, user_of
from api.ui.i18n import ENGLISH, english, labeller, translator
from projections import access as access_view
from projections import agreements as agreement_views
from projections import anchoring, audit, diff, history, ladder, offers
from projections import annotations as annotation_views
from projections import ratings as rating_views
from projections import roles as role_views
from projections.core import InvalidQuery, encode_cursor
from projections.directory import names
from projections.facts import FollowUp, Recorded, first_registry, recorded
from projections.history import Group, danish_midnight
from projections.store import ReadStore

AUDIT_PAGE = 25
ACTOR_SEARCH_LENGTH = 200
EXPIRING_DAYS = 90  # an agreement in force this close to its end is flagged

Query = Annotated[str | None, QueryParameter(max_length=64)]

# -- parsing the dates of the query ------------------------------------------------------


def parse_day(raw: str | None) -> date | None:
    """A valid date from the query (`2024-05-02`), else ValueError; empty: None."""
    if raw is None or not raw.strip():
        return None
    day = date.fromisoformat(raw.strip())
    if not 1900 <= day.year <= 2200:
        raise ValueError(raw)
    return day


def parse_moment(raw: str | None) -> datetime | None:
    """A recorded time from the query; without a zone it is Danish time (summer time
    included: aggregates.dates.from_danish_local)."""
    if raw is None or not raw.strip():
        return None
    value = datetime.fromisoformat(raw.strip())
    if not 1900 <= value.year <= 2200:
        raise ValueError(raw)
    return from_danish_local(value)


def moment_input(value: datetime | None) -> str:
    """The value of a datetime-local input (Danish time, to the second)."""
    return in_denmark(value).strftime("%Y-%m-%dT%H:%M:%S") if value else ""


def moment_text(value: datetime | None) -> str:
    """A recorded time in Danish time, to the second (dd.mm.åååå tt.mm.ss)."""
    return danish_time(value, seconds=True) if value else ""


@dataclass(frozen=True)
class When:
    """The page's two times, as given and as used."""

    day: date  # valid date (today when not given)
    known_at: datetime | None
    as_of_raw: str
    known_at_raw: str
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def historic(self) -> bool:
        return self.day != today_in_denmark() or self.known_at is not None

    def query(self) -> dict[str, str]:
        """The query parameters that keep this view on another page."""
        kept = {}
        if self.day != today_in_denmark():
            kept["as_of"] = self.day.isoformat()
        if self.known_at is not None:
            kept["known_at"] = self.known_at.isoformat()
        return kept


def when_of(request: Request[Any, Any, Any], as_of: str | None, known_at: str | None) -> When:
    _ = translator(locale_of(request))
    errors: dict[str, str] = {}
    day: date | None = None
    moment: datetime | None = None
    try:
        day = parse_day(as_of)
    except ValueError:
        errors["as_of"] = _("Skriv en dato som åååå-mm-dd.")
    try:
        moment = parse_moment(known_at)
    except ValueError:
        errors["known_at"] = _("Skriv et tidspunkt som åååå-mm-ddTtt:mm.")
    if moment is not None and moment > now():
        errors["known_at"] = _(
            "Tidspunktet {moment} ligger i fremtiden. Registret kan kun vise, hvad det vidste "
            "indtil nu: vælg et tidspunkt før {now} (dansk tid).",
            moment=danish_time(moment),
            now=danish_time(now()),
        )
        moment = None
    return When(
        day=day or today_in_denmark(),
        known_at=moment,
        as_of_raw=as_of or "",
        known_at_raw=moment_input(moment) if moment else (known_at or ""),
        errors=errors,
    )


# -- the page's data -----------------------------------------------------------------------


@dataclass
class RoleRow:
    """One role in the roles x partners matrix: holders by column, vacancies apart."""

    role: RoleKind
    cells: list[list[role_views.RoleHolding]]
    others: list[role_views.RoleHolding]
    vacant: list[role_views.RoleHolding]


@dataclass
class Column:
    organisation_id: UUID
    name: str
    is_lead: bool


def role_matrix(
    holdings: Sequence[role_views.RoleHolding], columns: Sequence[Column]
) -> list[RoleRow]:
    """Roles (in the taxonomy's order) x partner organisations; the vacant apart."""
    index = {c.organisation_id: n for n, c in enumerate(columns)}
    rows: dict[RoleKind, RoleRow] = {}
    for holding in holdings:
        row = rows.setdefault(holding.role, RoleRow(holding.role, [[] for _ in columns], [], []))
        if holding.person_id is None:
            row.vacant.append(holding)
        elif holding.organisation_id in index:
            row.cells[index[holding.organisation_id]].append(holding)
        else:
            row.others.append(holding)
    return [rows[role] for role in RoleKind if role in rows]


@dataclass
class LadderRow:
    month: date
    counts: dict[int, int]
    total: int


def ladder_series(
    steps: Sequence[ladder.RungStep], day: date
) -> tuple[list[date], list[dict[int, int]], list[LadderRow]]:
    """Partners per rung at each month's end (the last month: at `day`), from the history,
    and the months where the distribution changed (the chart's table)."""
    known = [s for s in steps if s.valid_on <= day]
    if not known:
        return [], [], []
    months = charts.months_between(min(s.valid_on for s in known), day)
    counts = [ladder.distribution_from(known, min(charts.month_end(m), day)) for m in months]
    changes: list[LadderRow] = []
    previous: dict[int, int] | None = None
    for month, count in zip(months, counts, strict=True):
        if count != previous:
            changes.append(LadderRow(month, count, sum(count.values())))
        previous = count
    return months, counts, changes


@dataclass
class PageData:
    partnership_id: UUID
    when: When
    recorded: Recorded
    exists_then: bool
    lead_name: str
    secretariat_name: str
    staff_names: list[tuple[str, date]]
    partners: list[ladder.PartnerRung]
    columns: list[Column]
    steps: list[ladder.RungStep]
    seats: list[role_views.Seat]
    holdings: list[role_views.RoleHolding]
    vacancies: list[role_views.Vacancy]
    turnover: list[role_views.Turnover]
    milestones: list[anchoring.MilestoneView]
    dimensions: list[anchoring.DimensionStatus]
    factors: list[anchoring.FactorView]
    agreements: list[agreement_views.AgreementView]
    activities: list[offers.ActivityView]
    municipality_key: str | None
    # the evaluator's toolkit (api/ui/evaluation.py): self-assessment, evaluators' notes
    ratings: list[rating_views.RatingView] = field(default_factory=list)
    annotations: list[annotation_views.AnnotationView] = field(default_factory=list)
    # when the partnership was registered: its valid date and when the registry learnt it
    # (set when the page's date or recorded time lies before: the page then shows nothing)
    registered_on: date | None = None
    registered_at: datetime | None = None

    @property
    def unknown_then(self) -> bool:
        """Asked as known at a time before the registry knew the partnership at all."""
        known_at, registered_at = self.when.known_at, self.registered_at
        return known_at is not None and registered_at is not None and known_at < registered_at

    @property
    def registry(self) -> Registry:
        assert self.recorded.registry is not None
        return self.recorded.registry

    @property
    def activity_titles(self) -> dict[UUID, str]:
        return {a.activity_id: a.title for a in self.activities}

    @property
    def linked_names(self) -> dict[str, str]:
        """What a steering-group decision may link to, by id (text): activities, agreements,
        milestones, evaluations and decisions, each by its title."""
        found = {str(a.activity_id): a.title for a in self.activities}
        found |= {str(a.agreement_id): a.title for a in self.agreements}
        found |= {str(m.milestone_id): m.title for m in self.milestones}
        found |= {e.evaluation_id: e.evaluator for e in self.recorded.evaluations}
        found |= {d.decision_id: d.title for d in self.recorded.decisions}
        return found

    def linked_titles(self, linked_ids: list[str]) -> list[str]:
        """The titles of what a decision links to (those still shown on the page's date)."""
        names = self.linked_names
        return [names[i] for i in linked_ids if i in names]


async def _notes(
    read_side: ReadSide, partnership_id: UUID, viewer: Principal | None
) -> list[annotation_views.AnnotationView]:
    """The evaluators' notes `viewer` may see (published, and their own); none to print."""
    if viewer is None:
        return []
    return await annotation_views.list_annotations(
        read_side.store, partnership_id, viewer=viewer.username, visible=viewer.visibility
    )


async def load(
    read_side: ReadSide, partnership_id: UUID, when: When, viewer: Principal | None = None
) -> PageData:
    """Every section's data on the page's date, the independent queries at once (with
    `viewer`, the evaluators' notes they may see too)."""
    store, day, known = read_side.store, when.day, when.known_at
    async with asyncio.TaskGroup() as group:
        state_ = group.create_task(recorded(read_side.store, partnership_id, day, known))
        partners_ = group.create_task(
            ladder.rungs(store, partnership_id, as_of=day, known_at=known)
        )
        steps_ = group.create_task(ladder.history(store, partnership_id, known_at=known))
        seats_ = group.create_task(
            role_views.steering_group(store, partnership_id, as_of=day, known_at=known)
        )
        holdings_ = group.create_task(
            role_views.holdings(store, partnership_id, as_of=day, known_at=known)
        )
        vacancies_ = group.create_task(
            role_views.vacancies(store, partnership_id, as_of=day, known_at=known)
        )
        turnover_ = group.create_task(
            role_views.turnover(store, partnership_id, as_of=day, known_at=known)
        )
        milestones_ = group.create_task(
            anchoring.milestones(store, partnership_id, as_of=day, known_at=known)
        )
        factors_ = group.create_task(
            anchoring.factors(store, partnership_id, as_of=day, known_at=known)
        )
        agreements_ = group.create_task(
            agreement_views.agreements(store, partnership_id, as_of=day)
        )
        activities_ = group.create_task(
            offers.activities(store, partnership_id, as_of=day, known_at=known)
        )
        municipality_ = group.create_task(access_view.municipality_of(store, partnership_id))
        ratings_ = group.create_task(
            rating_views.ratings(store, partnership_id, as_of=day, known_at=known)
        )
        notes_ = group.create_task(_notes(read_side, partnership_id, viewer))
    state, partners = state_.result(), partners_.result()
    exists_then = state.registry is not None
    registered_at: datetime | None = None
    if not exists_then:
        first = await first_registry(read_side.store, partnership_id)
        state.registry = first.registry
        state.lead_organisation_id = first.lead_organisation_id
        state.registered_on = first.registered_on
        registered_at = await _registered_at(read_side.store, partnership_id)
    labels = await names(
        store, [state.lead_organisation_id, state.secretariat_id, *state.staff.keys()]
    )
    lead_id = state.lead_organisation_id
    lead_name = labels.get(lead_id, "?") if lead_id else "?"
    columns = ([Column(lead_id, lead_name, True)] if lead_id and exists_then else []) + [
        Column(p.organisation_id, p.name, False) for p in partners
    ]
    return PageData(
        partnership_id=partnership_id,
        when=when,
        recorded=state,
        exists_then=exists_then,
        lead_name=lead_name,
        secretariat_name=labels.get(state.secretariat_id, "") if state.secretariat_id else "",
        staff_names=sorted(
            ((labels.get(person, "?"), since) for person, since in state.staff.items()),
            key=lambda s: s[0],
        ),
        partners=partners,
        columns=columns,
        steps=steps_.result(),
        seats=seats_.result(),
        holdings=holdings_.result(),
        vacancies=vacancies_.result(),
        turnover=turnover_.result(),
        milestones=milestones_.result(),
        dimensions=anchoring.status_from(milestones_.result()),
        factors=factors_.result(),
        agreements=agreements_.result(),
        activities=activities_.result(),
        municipality_key=municipality_.result(),
        ratings=ratings_.result(),
        annotations=notes_.result(),
        registered_on=state.registered_on,
        registered_at=registered_at,
    )


async def _registered_at(store: ReadStore, partnership_id: UUID) -> datetime | None:
    """When the registry recorded the partnership's registration (its first event)."""
    where = audit.AuditFilter(partnership_id=partnership_id, kinds=("Registered",))
    found = await audit.history(store, where, limit=1)
    return found.entries[0].recorded_at if found.entries else None


# -- charts from the data ------------------------------------------------------------------

_LEVEL = {
    AnchoringStatus.NONE: 0,
    AnchoringStatus.STARTED: 1,
    AnchoringStatus.PARTIAL: 2,
    AnchoringStatus.ANCHORED: 3,
}


def diagram(data: PageData, _: Any, label: Any) -> Markup:
    chair = next((s for s in data.seats if s.seat is SeatRole.CHAIR), None)
    steering_detail = _("medlemmer: {n}", n=len(data.seats))
    if chair is not None:
        steering_detail = _("formand: {name}", name=chair.person_name) + " · " + steering_detail
    partners = []
    if data.exists_then and data.recorded.lead_organisation_id:
        partners.append(
            charts.Box(
                label=data.lead_name,
                detail=_("ledende organisation"),
                href=f"#partner-{data.recorded.lead_organisation_id}",
                emphasis=True,
            )
        )
    partners.extend(
        charts.Box(
            label=p.name,
            detail=_("trin {n}: {name}", n=p.rung.value, name=_(p.rung.label_da)),
            href=f"#partner-{p.organisation_id}",
        )
        for p in data.partners
    )
    secretariat = None
    if data.secretariat_name:
        secretariat = charts.Box(
            label=data.secretariat_name,
            detail=_("medarbejdere: {n}", n=len(data.staff_names)),
            href="#secretariat",
        )
    activities = [
        charts.Box(
            label=a.title,
            detail=label(a.status),
            href=f"#activity-{a.activity_id}",
        )
        for a in data.activities
    ]
    return Markup(  # noqa: S704 - charts escape every text they draw
        charts.governance_diagram(
            ident="governance-diagram",
            steering=charts.Box(label=_("Styregruppe"), detail=steering_detail, href="#steering"),
            partners=partners,
            secretariat=secretariat,
            activities=activities,
            texts=charts.GovernanceTexts(
                title=_("Organisering på tværs af partnere"),
                description=_(
                    "Styregruppen øverst, partnerne, sekretariatet og aktiviteterne nederst. "
                    "Hver boks er et link til afsnittet om den."
                ),
                steering=_("Styregruppe"),
                partners=_("Partnere"),
                secretariat=_("Sekretariat"),
                activities=_("Aktiviteter"),
                nothing=_("ingen"),
            ),
        )
    )


def ladder_chart(months: Sequence[date], counts: Sequence[Mapping[int, int]], _: Any) -> Markup:
    return Markup(  # noqa: S704 - charts escape every text they draw
        charts.ladder_chart(
            ident="ladder-chart",
            months=months,
            counts=counts,
            rung_names={r.value: _(r.label_da) for r in Rung},
            texts=charts.LadderTexts(
                title=_("Partnere på partnerskabstrappen over tid"),
                description=_(
                    "Antal partnere på hvert trin ved udgangen af hver måned. Tabellen under "
                    "diagrammet viser de samme tal."
                ),
                axis=_("Antal partnere"),
                rung=_("Trin {n}"),
                empty=_("Ingen partnere på trappen endnu."),
            ),
        )
    )


def anchoring_chart(data: PageData, _: Any, label: Any) -> Markup:
    day = data.when.day
    firsts = [m.valid_on for m in data.milestones] + [f.valid_on for f in data.factors]
    registry = data.recorded.registry
    if registry is not None and registry.period_start is not None:
        firsts.append(registry.period_start)
    start = min([d for d in firsts if d <= day], default=day - timedelta(days=365))
    start = min(start, day - timedelta(days=31))
    lanes = [
        charts.Lane(
            key=d.dimension.value,
            label=label(d.dimension),
            status=label(d.status),
            level=_LEVEL[d.status],
        )
        for d in data.dimensions
    ]
    marks = [
        charts.Mark(
            lane=m.dimension.value,
            on=m.valid_on,
            level=_LEVEL[m.status],
            title=f"{m.valid_on:%d.%m.%Y} · {label(m.status)}: {m.title}. {m.evidence}",
            href=f"#milestone-{m.milestone_id}",
        )
        for m in data.milestones
    ]
    factor_marks = [
        charts.FactorMark(
            on=f.valid_on,
            promoting=f.effect is FactorEffect.PROMOTING,
            title=f"{f.valid_on:%d.%m.%Y} · {label(f.effect)}: {f.description}",
            href=f"#factor-{f.factor_id}",
        )
        for f in data.factors
    ]
    return Markup(  # noqa: S704 - charts escape every text they draw
        charts.anchoring_lanes(
            ident="anchoring-chart",
            lanes=lanes,
            marks=marks,
            factors=factor_marks,
            start=start,
            end=day,
            texts=charts.AnchoringTexts(
                title=_("Forankring pr. dimension over tid"),
                description=_(
                    "Én bane pr. dimension med milepælene som punkter; faktorer nederst. "
                    "Listen under diagrammet har de samme milepæle med dokumentation."
                ),
                factors=_("Faktorer"),
                started=label(AnchoringStatus.STARTED),
                partial=label(AnchoringStatus.PARTIAL),
                anchored=label(AnchoringStatus.ANCHORED),
                promoting=label(FactorEffect.PROMOTING),
                barrier=label(FactorEffect.BARRIER),
            ),
        )
    )


def milestone_factors(
    milestones: Sequence[anchoring.MilestoneView], factors: Sequence[anchoring.FactorView]
) -> dict[UUID, tuple[int, int]]:
    """(promoting, barriers) linked to each milestone."""
    effects = {f.factor_id: f.effect for f in factors}
    result = {}
    for m in milestones:
        linked = [effects[f] for f in m.factor_ids if f in effects]
        result[m.milestone_id] = (
            sum(1 for e in linked if e is FactorEffect.PROMOTING),
            sum(1 for e in linked if e is FactorEffect.BARRIER),
        )
    return result


def page_context(request: Request[Any, Any, Any], data: PageData) -> dict[str, Any]:
    """What the page's (and the print version's) templates need beside the data."""
    locale = locale_of(request)
    _ = translator(locale)
    label = labeller(locale)
    principal = user_of(request)
    pid = data.partnership_id
    months, counts, changes = ladder_series(data.steps, data.when.day)
    milestone_titles = {m.milestone_id: m.title for m in data.milestones}
    rating_dimensions = rating_views.pair_with_evidence(data.ratings, data.milestones)
    follow_ups_by_activity: dict[str, list[FollowUp]] = {}
    for follow_up in data.recorded.follow_ups:
        follow_ups_by_activity.setdefault(follow_up.activity_id or "", []).append(follow_up)
    return {
        "data": data,
        "when": data.when,
        "registry": data.registry,
        "base": f"{PREFIX}/partnerships/{pid}",
        "may_write": principal.may("write", pid, data.municipality_key) and not data.when.historic,
        "may_audit": principal.may("audit", pid, data.municipality_key),
        "printing": False,
        "diagram": diagram(data, _, label),
        "ladder_svg": ladder_chart(months, counts, _),
        "ladder_changes": changes,
        "anchoring_svg": anchoring_chart(data, _, label),
        "matrix": role_matrix(data.holdings, data.columns),
        "milestone_titles": milestone_titles,
        "milestone_factors": milestone_factors(data.milestones, data.factors),
        "follow_ups_by_activity": follow_ups_by_activity,
        "rung_name": lambda n: _(Rung(int(n)).label_da),
        "rungs": list(Rung),
        "expiring_days": EXPIRING_DAYS,
        "in_force": AgreementStatus.IN_FORCE,
        "known_text": moment_text(data.when.known_at),
        "registered_text": moment_text(data.registered_at),
        # the evaluator's toolkit (api/ui/evaluation.py, templates/evaluation/)
        "may_rate": principal.may("rate", pid, data.municipality_key) and not data.when.historic,
        "may_annotate": principal.may("annotate", pid, data.municipality_key)
        and not data.when.historic,
        "rating_dimensions": rating_dimensions,
        "unrated": {f.milestone_id for d in rating_dimensions for f in d.flags if f.milestone_id},
        "event_groups": EVENT_GROUPS,
    }


# -- history and diff ----------------------------------------------------------------------

# Kinds of change a reader filters the history by: the groups of projections/history.py
# that hold a partnership's or its agreements' events (key -> Danish name, event names).
_SHOWN = (Partnership, Agreement)
KIND_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    group.value: (group.label_da, kinds)
    for group in Group
    if (
        kinds := history.kinds(
            c for c in history.in_group(group) if history.aggregate_of(c) in _SHOWN
        )
    )
}
# The Danish name of each kind's group (an evaluator's note names the events it links to).
EVENT_GROUPS: dict[str, str] = {
    kind: name for name, kinds in KIND_GROUPS.values() for kind in kinds
}


@dataclass(frozen=True)
class HistoryFilter:
    actor: str
    kind: str
    recorded_from: str
    recorded_to: str

    def query(self, **more: str | None) -> dict[str, str]:
        values = {
            "actor": self.actor,
            "kind": self.kind,
            "from": self.recorded_from,
            "to": self.recorded_to,
            **more,
        }
        return {k: v for k, v in values.items() if v}


CHANGE_WORDS = {"added": "tilføjet", "changed": "ændret", "removed": "fjernet"}


# -- the pages -----------------------------------------------------------------------------


class PartnershipPages(Controller):
    path = f"{PREFIX}/partnerships/{{partnership_id:uuid}}"
    include_in_schema = False

    @get("/", opt={"access": "partnership:read"}, name="ui-partnership")
    async def page(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        as_of: Query = None,
        known_at: Query = None,
    ) -> Template:
        """The partnership on a date: header, diagram, ladder, roles, anchoring, ..."""
        await read_side.ready(None, partnership_id)
        when = when_of(request, as_of, known_at)
        data = await load(read_side, partnership_id, when, user_of(request))
        return render(
            request,
            "partnership/page.html",
            status=400 if when.errors else 200,
            **page_context(request, data),
        )

    @get("/print", opt={"access": "partnership:read"}, name="ui-partnership-print")
    async def print_version(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        as_of: Query = None,
        known_at: Query = None,
    ) -> Template:
        """The steering group's meeting papers: header, diagram, ladder, roles, anchoring,
        agreements; no navigation, no forms."""
        await read_side.ready(None, partnership_id)
        when = when_of(request, as_of, known_at)
        data = await load(read_side, partnership_id, when)
        context = page_context(request, data)
        context["may_write"] = False  # meeting papers: no links to forms
        context["may_rate"] = context["may_annotate"] = False
        context["printing"] = True
        return render(request, "partnership/print.html", **context)

    @get("/history", opt={"access": "partnership:audit"}, name="ui-partnership-history")
    async def history(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        actor: Annotated[str | None, QueryParameter(max_length=1000)] = None,
        kind: Annotated[str | None, QueryParameter(max_length=1000)] = None,
        recorded_from: Annotated[str | None, QueryParameter(name="from", max_length=1000)] = None,
        recorded_to: Annotated[str | None, QueryParameter(name="to", max_length=1000)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=1000)] = None,
    ) -> Template:
        """Who changed what, when and why: newest first, filtered, a page at a time.

        Every filter is in the URL (a GET form; htmx pushes the URL), so a filtered
        history can be bookmarked and shared; a bad value gets a message beside its field
        (status 400), never an error page."""
        await read_side.ready(None, partnership_id)
        _ = translator(locale_of(request))
        errors: dict[str, str] = {}
        bounds: dict[str, date | None] = {}
        for name, raw in (("from", recorded_from), ("to", recorded_to)):
            try:
                bounds[name] = parse_day(raw)
            except ValueError:
                errors[name] = _("Skriv en dato som åååå-mm-dd.")
                bounds[name] = None
        start, end = bounds["from"], bounds["to"]
        if start and end and end < start:
            errors["to"] = _("Til-datoen ligger før fra-datoen.")
        who = " ".join((actor or "").split())
        if len(who) > ACTOR_SEARCH_LENGTH:
            errors["actor"] = _("Skriv højst {n} tegn.", n=ACTOR_SEARCH_LENGTH)
        group = KIND_GROUPS.get(kind or "")
        if kind and group is None:
            errors["kind"] = _("Vælg en af mulighederne.")
        chosen = HistoryFilter(
            actor=who[:ACTOR_SEARCH_LENGTH],
            kind=kind if kind and group else "",
            recorded_from=(recorded_from or "")[:64],
            recorded_to=(recorded_to or "")[:64],
        )
        where = audit.AuditFilter(
            partnership_id=partnership_id,
            who=None if "actor" in errors else chosen.actor or None,
            groups=(Group(chosen.kind),) if group else (),
            recorded_from=danish_midnight(start) if start and "to" not in errors else None,
            recorded_to=danish_midnight(end + timedelta(days=1))
            if end and "to" not in errors
            else None,
        )
        try:
            page = await audit.history(read_side.store, where, limit=AUDIT_PAGE, cursor=cursor)
        except InvalidQuery:
            errors["cursor"] = _("Siden findes ikke længere. Start forfra.")
            page = await audit.history(read_side.store, where, limit=AUDIT_PAGE)
        export = {
            k: v.isoformat()
            for k, v in (("from", start), ("to", end))
            if v is not None and "to" not in errors
        }
        fragment = request.headers.get("hx-request") == "true"
        title = await _title(read_side, partnership_id)
        return render(
            request,
            "partnership/_history.html" if fragment else "partnership/history.html",
            status=400 if errors else 200,
            title=title,
            base=f"{PREFIX}/partnerships/{partnership_id}",
            page=page,
            chosen=chosen,
            errors=errors,
            groups=KIND_GROUPS,
            cursor=cursor,
            local_time=danish_time,
            entry_link=entry_link,
            export_base=f"/partnerships/{partnership_id}/history/export",
            export=export,
        )

    @get("/diff", opt={"access": "partnership:audit"}, name="ui-partnership-diff")
    async def diff(
        self,
        request: Request[Any, Any, Any],
        partnership_id: FromPath[UUID],
        read_side: NamedDependency[ReadSide],
        first: Annotated[str | None, QueryParameter(name="from", max_length=64)] = None,
        second: Annotated[str | None, QueryParameter(name="to", max_length=64)] = None,
        since: Query = None,
        known_at: Query = None,
    ) -> Template:
        """What changed from how the partnership stood on one date to another (the whole
        partnership: projections/diff.py); "siden sidste møde" (`since=last_meeting`)
        compares from the last recorded decision's meeting date to today. A date after
        today, or a second date before the first, is refused beside its field (400)."""
        await read_side.ready(None, partnership_id)
        locale = locale_of(request)
        _ = translator(locale)
        today = today_in_denmark()
        errors: dict[str, str] = {}
        days: dict[str, date | None] = {}
        for name, raw in (("from", first), ("to", second)):
            try:
                days[name] = parse_day(raw)
            except ValueError:
                errors[name] = _("Skriv en dato som åååå-mm-dd.")
                days[name] = None
        meeting: date | None = None
        if since == "last_meeting":
            meeting = await diff.last_meeting(read_side.store, partnership_id, today)
            if meeting is None:
                errors["since"] = _(
                    "Der er endnu ikke registreret nogen beslutning fra et styregruppemøde, "
                    "så der er intet sidste møde at sammenligne fra. Vælg to datoer."
                )
            else:
                days["from"], days["to"] = meeting, today
                first, second = meeting.isoformat(), today.isoformat()
        elif since:
            errors["since"] = _("Vælg en af mulighederne.")
        moment: datetime | None = None
        try:
            moment = parse_moment(known_at)
        except ValueError:
            errors["known_at"] = _("Skriv et tidspunkt som åååå-mm-ddTtt:mm.")
        if moment is not None and moment > now():
            errors["known_at"] = _(
                "Tidspunktet {moment} ligger i fremtiden. Registret kan kun vise, hvad det "
                "vidste indtil nu: vælg et tidspunkt før {now} (dansk tid).",
                moment=danish_time(moment),
                now=danish_time(now()),
            )
        start, end = days["from"], days["to"]
        shown = danish_date if locale != "en" else date.isoformat  # a date in the page's words
        if start and end and "from" not in errors and "to" not in errors:
            problem = diff.refused(start, end, today)
            if problem is not None:
                where, why = problem
                errors[where] = (
                    _(
                        "Til-datoen ({second}) ligger før fra-datoen ({first}). Vælg en "
                        "til-dato samme dag som fra-datoen eller senere.",
                        first=shown(start),
                        second=shown(end),
                    )
                    if why == "reversed"
                    else _(
                        "Datoen {day} ligger efter i dag ({today}). Registret kan ikke "
                        "sammenligne med fremtiden: vælg en dato til og med i dag.",
                        day=shown(start if where == "from" else end),
                        today=shown(today),
                    )
                )
        changes: list[diff.Change] | None = None
        if start and end and not errors:
            user = user_of(request)
            changes = await diff.between(
                read_side.store,
                partnership_id,
                start,
                end,
                known_at=moment,
                locale=locale,
                viewer=diff.Viewer(username=user.username, visible=user.visibility)
                if user is not None
                else None,
            )
        fragment = request.headers.get("hx-request") == "true"
        base = f"{PREFIX}/partnerships/{partnership_id}"
        # no meeting to compare from is a state of the partnership, not bad input: 200
        return render(
            request,
            "partnership/_diff.html" if fragment else "partnership/diff.html",
            status=400 if set(errors) - {"since"} else 200,
            title=await _title(read_side, partnership_id),
            base=base,
            first=start,
            second=end,
            first_raw=first or "",
            second_raw=second or "",
            known_raw=moment_input(moment)
            if moment and "known_at" not in errors
            else known_at or "",
            meeting=meeting,
            today=today,
            changes=changes,
            grouped=_grouped(changes or []),
            errors=errors,
            fragment=fragment,
            words=CHANGE_WORDS,
            api_link=f"/partnerships/{partnership_id}/diff"
            + query_string(
                **{
                    "from": start.isoformat(),
                    "to": end.isoformat(),
                    "known_at": moment.isoformat() if moment else None,
                    "lang": locale,
                }
            )
            if changes is not None and start and end
            else None,
        )


def _grouped(changes: Sequence[diff.Change]) -> list[tuple[str, list[diff.Change]]]:
    """The changes by section, in the comparison's order (the section's words given)."""
    groups: dict[str, list[diff.Change]] = {}
    for change in changes:
        groups.setdefault(change.section_label, []).append(change)
    return list(groups.items())


def entry_link(ref: audit.EntryRef) -> str:
    """The history page's query that shows the entry `ref` first (a correction's link to
    what it corrects), and its anchor: `?cursor=…#e-<id>-<version>`."""
    anchor = f"#e-{ref.aggregate_id}-{ref.version}"
    if ref.recorded_at is None:
        return anchor
    cursor = encode_cursor(ref.recorded_at.isoformat(), str(ref.aggregate_id), ref.version + 1)
    return f"?cursor={cursor}{anchor}"


async def _title(read_side: ReadSide, partnership_id: UUID) -> str:
    titles = await agreement_views.partnership_titles(read_side.store, [partnership_id])
    return titles.get(partnership_id, "?")


# -- English ------------------------------------------------------------------------------

TEXTS: dict[str, str] = {
    # page and sections
    "Afsnit på siden": "Sections of the page",
    "Organisering": "Organisation",
    "Partnerskabstrappen": "Partnership ladder",
    "Roller": "Roles",
    "Forankring": "Anchoring",
    "Aftaler": "Agreements",
    "Aktiviteter": "Activities",
    "Evaluering": "Evaluation",
    "Historik": "History",
    "Mødeudskrift til styregruppen": "Meeting papers for the steering group",
    "Mødeudskrift": "Meeting papers",
    "Udskriv siden med browserens udskrivning (Ctrl+P). Navigation og formularer udskrives ikke.": (
        "Print the page with the browser's print command (Ctrl+P). Navigation and forms are "
        "not printed."
    ),
    "Tilbage til partnerskabet": "Back to the partnership",
    "udskrevet {date}": "printed {date}",
    "Som registret kendte det {moment}.": "As the registry knew it at {moment}.",
    # date control
    "Historisk visning.": "Historical view.",
    # as known at, before the partnership was registered, or in the future (H6)
    "Partnerskab": "Partnership",
    "Registret kendte ikke dette partnerskab {moment} (dansk tid): det blev registreret "
    "{registered} (dansk tid).": (
        "The registry did not know this partnership at {moment} (Danish time): it was "
        "recorded at {registered} (Danish time)."
    ),
    "Partnerskabet var endnu ikke registreret den {date}: det er registreret med virkning "
    "fra {registered}.": (
        "The partnership was not yet registered on {date}: it is registered with effect "
        "from {registered}."
    ),
    "Derfor vises intet om det her.": "So nothing of it is shown here.",
    "Vis partnerskabet, som det står i dag": "Show the partnership as it stands today",
    "Tidspunktet {moment} ligger i fremtiden. Registret kan kun vise, hvad det vidste "
    "indtil nu: vælg et tidspunkt før {now} (dansk tid).": (
        "The time {moment} lies in the future. The registry can only show what it knew up "
        "to now: choose a time before {now} (Danish time)."
    ),
    "som registret kendte det kl. … (dansk tid)": "as the registry knew it at … (Danish time)",
    "Partnerskabet som det stod {date}, som registret kendte det {moment} (dansk tid).": (
        "The partnership as it stood on {date}, as the registry knew it at {moment} (Danish time)."
    ),
    "Partnerskabet som det stod {date}, som registret kendte det {moment}.": (
        "The partnership as it stood on {date}, as the registry knew it at {moment}."
    ),
    "Partnerskabet som det stod {date}.": "The partnership as it stood on {date}.",
    "Intet kan ændres her.": "Nothing can be changed here.",
    "Tilbage til i dag": "Back to today",
    "Vis en tidligere dato": "Show an earlier date",
    "Vis som det stod den …": "Show as it stood on …",
    "som registret kendte det kl. …": "as the registry knew it at …",
    "Tomt: som registret kender det nu (med senere rettelser).": (
        "Empty: as the registry knows it now (with later corrections)."
    ),
    "Vis": "Show",
    "I dag": "Today",
    "Skriv et tidspunkt som åååå-mm-ddTtt:mm.": "Enter a time as yyyy-mm-ddThh:mm.",
    # header
    "pr. {date}": "as of {date}",
    "Partnerskabet var endnu ikke registreret på datoen. Registreret med virkning fra {date}.": (
        "The partnership was not yet registered on that date. Registered with effect from {date}."
    ),
    "Type": "Type",
    "uden slutdato": "no end date",
    "Ledende organisation": "Lead organisation",
    "Målgrupper": "Target groups",
    "Arenaer": "Arenas",
    "Emneord": "Tags",
    "Forebyggelseskategorier": "Prevention categories",
    "KL-pejlemærker": "KL bearings",
    "Implementeringscirklen": "Implementation circle",
    "siden {date}": "since {date}",
    "Evalueringsstatus": "Evaluation status",
    "Formål": "Purpose",
    "Erfaringer: fremmende faktorer, barrierer og opmærksomhedspunkter": (
        "Experience: promoting factors, barriers and points of attention"
    ),
    "Fremmende faktorer": "Promoting factors",
    "Barrierer": "Barriers",
    "Opmærksomhedspunkter": "Points of attention",
    # governance
    "Organiseringen som liste": "The organisation as a list",
    "Organisering på tværs af partnere": "Organisation across partners",
    "Styregruppen øverst, partnerne, sekretariatet og aktiviteterne nederst. Hver boks er et "
    "link til afsnittet om den.": (
        "The steering group on top, the partners, the secretariat and the activities at the "
        "bottom. Each box links to its section."
    ),
    "Styregruppe": "Steering group",
    "Partnere": "Partners",
    "Sekretariat": "Secretariat",
    "ingen": "none",
    "ledende organisation": "lead organisation",
    "trin {n}: {name}": "rung {n}: {name}",
    "medlemmer: {n}": "members: {n}",
    "formand: {name}": "chair: {name}",
    "medarbejdere: {n}": "staff: {n}",
    "Kommissorium (version {n}, {date})": "Terms of reference (version {n}, {date})",
    "Sammensætning": "Composition",
    "Opgave": "Task",
    "Tidsplan": "Time plan",
    "Fokusområder": "Focus areas",
    "Styregruppens beslutninger": "Decisions of the steering group",
    "godkendt": "approved",
    # ladder
    "Tilføj partner": "Add a partner",
    "Flyt en partner på trappen": "Move a partner on the ladder",
    "Partnernes trin {date}": "The partners' rungs on {date}",
    "Partner": "Partner",
    "Trin": "Rung",
    "Siden": "Since",
    "Dokumentation": "Evidence",
    "Ledende organisation (står ikke på trappen)": "Lead organisation (not on the ladder)",
    "Ingen partnere på trappen på datoen.": "No partners on the ladder on that date.",
    "Fordelingen på trinene over tid": "The distribution over the rungs over time",
    "Antal partnere på hvert trin ved udgangen af hver måned (den sidste måned: på datoen).": (
        "Partners on each rung at the end of each month (the last month: on the date)."
    ),
    "Tallene bag diagrammet": "The figures behind the chart",
    "Partnere pr. trin, de måneder fordelingen ændrede sig": (
        "Partners per rung, in the months the distribution changed"
    ),
    "Måned": "Month",
    "Trin {n}": "Rung {n}",
    "I alt": "Total",
    "Partnere på partnerskabstrappen over tid": "Partners on the partnership ladder over time",
    "Antal partnere på hvert trin ved udgangen af hver måned. Tabellen under diagrammet viser "
    "de samme tal.": (
        "Partners on each rung at the end of each month. The table below the chart shows the "
        "same figures."
    ),
    "Antal partnere": "Number of partners",
    "Ingen partnere på trappen endnu.": "No partners on the ladder yet.",
    "kendskab til hinanden": "know each other",
    "dialog og erfaringsudveksling": "dialogue and exchange of experience",
    "gensidig henvisning": "mutual referral",
    "uformelt samarbejde": "informal cooperation",
    "samarbejdsaftale": "cooperation agreement",
    "partnerskabsaftale": "partnership agreement",
    # roles
    "Tildel en rolle": "Assign a role",
    "Udpeg til styregruppen": "Appoint to the steering group",
    "Roller og partnere {date}: hvem holder hvilken rolle": (
        "Roles and partners on {date}: who holds which role"
    ),
    "Rolle": "Role",
    "ledende": "lead",
    "Andre organisationer": "Other organisations",
    "Ledige": "Vacant",
    "aktivitet": "activity",
    "LEDIG": "VACANT",
    "Ingen roller på datoen.": "No roles on that date.",
    "Styregruppens medlemmer": "Members of the steering group",
    "Navn": "Name",
    "Plads": "Seat",
    "Ingen styregruppe på datoen.": "No steering group on that date.",
    "Ingen medarbejdere i sekretariatet.": "No staff in the secretariat.",
    "Intet sekretariat på datoen.": "No secretariat on that date.",
    "Ledige perioder": "Vacancies",
    "Perioder hvor en rolle var ledig": "Periods when a role was vacant",
    "Ledig fra": "Vacant from",
    "Ledig til": "Vacant until",
    "Dage": "Days",
    "stadig ledig": "still vacant",
    "Udskiftning": "Turnover",
    "Udskiftning pr. rolle indtil datoen": "Turnover per role up to the date",
    "Stillinger": "Positions",
    "Personer": "Persons",
    "Overdragelser": "Hand-overs",
    "Dage ledig": "Days vacant",
    # anchoring
    "Ny milepæl": "New milestone",
    "Ny faktor": "New factor",
    "Status pr. dimension {date}": "Status per dimension on {date}",
    "Dimension": "Dimension",
    "Status": "Status",
    "Milepæle": "Milestones",
    "Forankring pr. dimension over tid": "Anchoring per dimension over time",
    "Én bane pr. dimension med milepælene som punkter; faktorer nederst. Listen under "
    "diagrammet har de samme milepæle med dokumentation.": (
        "One lane per dimension with the milestones as points; factors at the bottom. The "
        "list below the chart has the same milestones with their evidence."
    ),
    "Peg på et punkt for at se milepælen; vælg det for at gå til dokumentationen herunder.": (
        "Point at a mark to see the milestone; choose it to go to its evidence below."
    ),
    "Milepæle og dokumentation": "Milestones and evidence",
    "rettet": "corrected",
    "registreret af {who}": "recorded by {who}",
    "Link til dokumentationen": "Link to the evidence",
    "Dokument": "Document",
    "Knyttede faktorer: {p} fremmende, {b} hæmmende": "Linked factors: {p} promoting, {b} barriers",
    "Ingen milepæle på datoen.": "No milestones on that date.",
    "Fremmende faktorer og barrierer": "Promoting factors and barriers",
    "Knyttet til": "Linked to",
    "milepæl": "milestone",
    "Ingen faktorer registreret på datoen.": "No factors recorded on that date.",
    "Faktorer": "Factors",
    # agreements
    "Ny aftale": "New agreement",
    "Aftaler vises, som registret kender dem nu: deres historik følger ikke "
    "registreringstidspunktet.": (
        "Agreements are shown as the registry knows them now: their history does not follow "
        "the recorded time."
    ),
    "Aftaler og deres status {date}": "Agreements and their status on {date}",
    "Aftale": "Agreement",
    "Gyldig": "Valid",
    "Parter": "Parties",
    "udløber om {n} dage": "expires in {n} days",
    "opsagt {date}": "terminated {date}",
    "fornyet {n} gange": "renewed {n} times",
    "underskrevet {date}": "signed {date}",
    "mangler underskrift": "not signed yet",
    "Ingen aftaler på datoen.": "No agreements on that date.",
    # activities
    "Ny aktivitet": "New activity",
    "startet {date}": "started {date}",
    "Ejere": "Owners",
    "Målgruppe": "Target group",
    "Arena": "Arena",
    "Justeringer": "Adjustments",
    "Ingen aktiviteter på datoen.": "No activities on that date.",
    "Opfølgning på fastholdelse": "Retention follow-up",
    "Opfølgning": "Follow-up",
    "Forfalder": "Due",
    "Hold": "Cohort",
    "Nået": "Reached",
    "Fastholdt": "Retained",
    "ikke registreret endnu": "not recorded yet",
    # evaluations
    "{kind} evaluering ved {who}": "{kind} evaluation by {who}",
    "Metode": "Method",
    "Ingen evalueringer på datoen.": "No evaluations on that date.",
    "Er formålet opfyldt?": "Is the purpose met?",
    "Er indsatsen gennemført som planlagt?": "Was the effort implemented as planned?",
    # history and diff
    "Hvem ændrede hvad, hvornår og hvorfor. Nyeste først.": (
        "Who changed what, when and why. Newest first."
    ),
    "Ret en registrering": "Correct a record",
    "Vis historikken": "Show the history",
    "Filtrér historikken": "Filter the history",
    "Hvem (brugernavn)": "Who (username)",
    "Hvem (navn eller brugernavn)": "Who (name or username)",
    "Til-datoen ligger før fra-datoen.": "The to date is before the from date.",
    "Skriv højst {n} tegn.": "Write at most {n} characters.",
    "Tider er dansk tid.": "Times are Danish time (Europe/Copenhagen).",
    "dansk tid": "Danish time",
    "Hent historikken": "Download the history",
    "Hent historikken som CSV": "Download the history as CSV",
    "Hent historikken som regneark (XLSX)": "Download the history as a spreadsheet (XLSX)",
    "med filtrenes datoer; alle slags ændringer og personer": (
        "with the filters' dates; every kind of change and person"
    ),
    "Se den rettede registrering": "See the corrected record",
    "Slags ændring": "Kind of change",
    "alle": "all",
    "Registreret fra": "Recorded from",
    "Registreret til og med": "Recorded up to and including",
    "Filtrér": "Filter",
    "Af": "By",
    "registreret": "recorded",
    "gælder fra": "valid from",
    "aftale": "agreement",
    "Ingen ændringer passer til filtrene.": "No changes match the filters.",
    "Nyeste": "Newest",
    "Ældre ændringer": "Older changes",
    "Siden findes ikke længere. Start forfra.": "That page no longer exists. Start again.",
    "Stamdata": "Registry data",
    "Partnere og trin": "Partners and rungs",
    "Styregruppe, sekretariat og beslutninger": "Steering group, secretariat and decisions",
    "Aktiviteter og opfølgning": "Activities and follow-up",
    "Rettelser": "Corrections",
    "Sammenlign to datoer": "Compare two dates",
    "Fra dato": "From date",
    "Til dato": "To date",
    "Sammenlign": "Compare",
    "Vælg to datoer for at se, hvad der ændrede sig imellem dem.": (
        "Choose two dates to see what changed between them."
    ),
    "Ingen ændringer mellem {first} og {second}.": "No changes between {first} and {second}.",
    "Ændringer fra {first} til {second}": "Changes from {first} to {second}",
    "Afsnit": "Section",
    "Hvad": "What",
    "Ændring": "Change",
    "Før": "Before",
    "Efter": "After",
    "Åbn sammenligningen som en side": "Open the comparison as a page",
    "tilføjet": "added",
    "ændret": "changed",
    "fjernet": "removed",
}

TEXTS.update(
    {
        # the comparison of two dates (H7, issue 15)
        "Siden sidste møde": "Since the last meeting",
        "Sammenlign fra styregruppens sidste møde med en beslutning til i dag.": (
            "Compare from the steering group's last meeting with a decision to today."
        ),
        "Siden sidste møde den {day}: fra {first} til i dag, {second}.": (
            "Since the last meeting on {day}: from {first} to today, {second}."
        ),
        "Der er endnu ikke registreret nogen beslutning fra et styregruppemøde, så der er "
        "intet sidste møde at sammenligne fra. Vælg to datoer.": (
            "No decision of a steering-group meeting is recorded yet, so there is no last "
            "meeting to compare from. Choose two dates."
        ),
        "Til-datoen ({second}) ligger før fra-datoen ({first}). Vælg en til-dato samme dag "
        "som fra-datoen eller senere.": (
            "The to date ({second}) lies before the from date ({first}). Choose a to date on "
            "or after the from date."
        ),
        "Datoen {day} ligger efter i dag ({today}). Registret kan ikke sammenligne med "
        "fremtiden: vælg en dato til og med i dag.": (
            "The date {day} lies after today ({today}). The registry cannot compare the "
            "future: choose a date up to today."
        ),
        "Rettelser i formularen": "Corrections in the form",
        "Samme sammenligning i API'et (JSON)": "The same comparison in the API (JSON)",
        "Hent som regneark (XLSX)": "Download as a spreadsheet (XLSX)",
        "Hent som CSV": "Download as CSV",
        "{n} ændringer": "{n} changes",
        "1 ændring": "1 change",
    }
)

# The history's groups in English, as projections/history.py declares them.
TEXTS.update({group.label_da: group.label_en for group in Group})

# A text another page registered first keeps its English (the catalogue is shared).
english({danish: text for danish, text in TEXTS.items() if danish not in ENGLISH})
