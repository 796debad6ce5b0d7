"""Diff of a partnership between two valid dates: what was added, changed, removed.

The comparison covers the whole partnership (issue 15): registry fields, partners and
their rungs, the steering group and its seats, the secretariat and its staff, activities
and their status, roles and vacancies, agreements and their status, the terms of
reference (kommissorium), decisions, milestones and the anchoring status, factors and
barriers, evaluations, self-assessment ratings, and the evaluators' notes the reader may
see. Each side is read from the same views as the partnership page, on its date and as
known at the same recorded time (`known_at`), so the diff says what the two pages say.
An agreement's status is the agreements view's (expiry derived on read by
aggregates/validity.py, ADR 0015); agreements are kept without recorded-time history and
show as known now.

Everything is named by name; values are words in the reader's language (dates
dd.mm.åååå in Danish). One change per thing added or removed, and per aspect of a thing
that changed (an activity's status, a seat, an agreement's status or validity).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Literal, cast
from uuid import UUID

import msgspec
from msgspec.structs import replace

from aggregates.dates import danish_date
from aggregates.taxonomy import Rung
from projections import agreements as agreement_views
from projections import anchoring, audit, facts, history, ladder, offers, roles
from projections import annotations as annotation_views
from projections import ratings as rating_views
from projections.access import Visibility
from projections.core import checked_known_at
from projections.directory import names
from projections.store import ReadStore

Section = Literal[
    "registry",
    "partners",
    "steering_group",
    "secretariat",
    "activities",
    "roles",
    "agreements",
    "terms_of_reference",
    "decisions",
    "milestones",
    "anchoring",
    "factors",
    "evaluations",
    "ratings",
    "annotations",
]
Kind = Literal["added", "changed", "removed"]

SECTIONS: dict[str, tuple[str, str]] = {
    # section: (Danish, English), in the order the comparison lists them
    "registry": ("Stamdata", "Registry"),
    "partners": ("Partnere", "Partners"),
    "steering_group": ("Styregruppe", "Steering group"),
    "secretariat": ("Sekretariat", "Secretariat"),
    "activities": ("Aktiviteter", "Activities"),
    "roles": ("Roller", "Roles"),
    "agreements": ("Aftaler", "Agreements"),
    "terms_of_reference": ("Kommissorium", "Terms of reference"),
    "decisions": ("Beslutninger", "Decisions"),
    "milestones": ("Milepæle", "Milestones"),
    "anchoring": ("Forankring", "Anchoring"),
    "factors": ("Faktorer og barrierer", "Factors and barriers"),
    "evaluations": ("Evalueringer", "Evaluations"),
    "ratings": ("Selvevaluering", "Self-assessment ratings"),
    "annotations": ("Evaluatornoter", "Evaluator notes"),
}
_ORDER = {name: n for n, name in enumerate(SECTIONS)}


class Change(msgspec.Struct, kw_only=True):
    """One difference: `label` names the thing (a partner, a person, a role, an agreement,
    a registry field); `aspect` says what of it changed (None: the thing was added or
    removed, or it has one value); `before`/`after` are words in the asked language."""

    section: Section
    section_label: str
    key: str  # the thing's id (a UUID, a registry field's name, a dimension)
    label: str
    aspect: str | None = None
    change: Kind
    before: str | None
    after: str | None


@dataclass(frozen=True)
class _Thing:
    label: str
    # (aspect word, value) pairs; the first is the thing's main value ("" : the value itself)
    aspects: tuple[tuple[str, str], ...]


State = dict[tuple[str, str], _Thing]


@dataclass(frozen=True)
class Viewer:
    """Who reads the diff: the evaluators' notes they may see (published, and their own)."""

    username: str
    visible: Visibility


# -- words --------------------------------------------------------------------------------


def _w(locale: str, da: str, en: str) -> str:
    return en if locale == "en" else da


def _day(value: date, locale: str) -> str:
    return value.isoformat() if locale == "en" else danish_date(value)


def _label(value: Enum, locale: str) -> str:
    if locale == "en":
        return str(value.value).replace("_", " ")
    return str(getattr(value, "label_da", "") or value.value)


def _quote(text: str, locale: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return f"“{text}”" if locale == "en" else f"«{text}»"


def _rung(rung: Rung, locale: str) -> str:
    return _w(
        locale, f"trin {rung.value} ({rung.label_da})", f"rung {rung.value} ({_label(rung, 'en')})"
    )


def _listing(items: Iterable[str], locale: str) -> str:
    listed = [i for i in items if i]
    return ", ".join(listed) if listed else _w(locale, "ingen", "none")


# -- one side of the comparison -----------------------------------------------------------


@dataclass
class _Read:
    """Everything one date's side needs, read from the views."""

    recorded: facts.Recorded
    partners: list[ladder.PartnerRung]
    seats: list[roles.Seat]
    holdings: list[roles.RoleHolding]
    milestones: list[anchoring.MilestoneView]
    factors: list[anchoring.FactorView]
    agreements: list[agreement_views.AgreementView]
    activities: list[offers.ActivityView]
    ratings: list[rating_views.RatingView]


async def _read(store: ReadStore, pid: UUID, day: date, known_at: datetime | None) -> _Read:
    async with asyncio.TaskGroup() as group:
        recorded = group.create_task(facts.recorded(store, pid, day, known_at))
        partners = group.create_task(ladder.rungs(store, pid, as_of=day, known_at=known_at))
        seats = group.create_task(roles.steering_group(store, pid, as_of=day, known_at=known_at))
        holdings = group.create_task(roles.holdings(store, pid, as_of=day, known_at=known_at))
        milestones = group.create_task(
            anchoring.milestones(store, pid, as_of=day, known_at=known_at)
        )
        factors = group.create_task(anchoring.factors(store, pid, as_of=day, known_at=known_at))
        agreements = group.create_task(agreement_views.agreements(store, pid, as_of=day))
        activities = group.create_task(offers.activities(store, pid, as_of=day, known_at=known_at))
        ratings = group.create_task(rating_views.ratings(store, pid, as_of=day, known_at=known_at))
    return _Read(
        recorded=recorded.result(),
        partners=partners.result(),
        seats=seats.result(),
        holdings=holdings.result(),
        milestones=milestones.result(),
        factors=factors.result(),
        agreements=agreements.result(),
        activities=activities.result(),
        ratings=ratings.result(),
    )


def _registry(state: State, read: _Read, locale: str) -> None:
    registry = read.recorded.registry
    if registry is not None:
        values = msgspec.to_builtins(registry)
        for part in history.REGISTRY_PARTS:
            text = history._value_text(part, values.get(part.key), history.Names(), locale)
            state[("registry", part.key)] = _Thing(_w(locale, part.da, part.en), (("", text),))
    if read.recorded.phase is not None:
        state[("registry", "phase")] = _Thing(
            _w(locale, "Implementeringsfase", "Implementation phase"),
            (("", _label(read.recorded.phase, locale)),),
        )


def _people(state: State, read: _Read, labels: Mapping[UUID, str], locale: str) -> None:
    for partner in read.partners:
        state[("partners", str(partner.organisation_id))] = _Thing(
            partner.name, (("", _rung(partner.rung, locale)),)
        )
    for seat in read.seats:
        state[("steering_group", str(seat.appointment_id))] = _Thing(
            seat.person_name, ((_w(locale, "Sæde", "Seat"), _label(seat.seat, locale)),)
        )
    recorded = read.recorded
    if recorded.secretariat_id is not None:
        state[("secretariat", "organisation")] = _Thing(
            _w(locale, "Sekretariat", "Secretariat"),
            (("", labels.get(recorded.secretariat_id, "?")),),
        )
    for person in recorded.staff:
        state[("secretariat", str(person))] = _Thing(
            labels.get(person, "?"),
            (("", _w(locale, "medarbejder i sekretariatet", "secretariat staff")),),
        )
    titles = {a.activity_id: a.title for a in read.activities}
    for holding in read.holdings:
        label = _label(holding.role, locale)
        if holding.activity_id is not None and holding.activity_id in titles:
            label += f" ({titles[holding.activity_id]})"
        holder = holding.person_name or _w(locale, "ledig", "vacant")
        state[("roles", str(holding.position_id))] = _Thing(
            label, ((_w(locale, "Indehaver", "Holder"), holder),)
        )


def _work(state: State, read: _Read, locale: str) -> None:
    for activity in read.activities:
        state[("activities", str(activity.activity_id))] = _Thing(
            activity.title,
            (
                ("Status", _label(activity.status, locale)),
                (_w(locale, "Titel", "Title"), _quote(activity.title, locale)),
                (_w(locale, "Målgruppe", "Target group"), _quote(activity.target_group, locale)),
                ("Arena", _quote(activity.arena, locale)),
                (_w(locale, "Ejere", "Owners"), _listing(activity.owner_names, locale)),
            ),
        )
    for agreement in read.agreements:
        signed = [p.name for p in agreement.parties if p.signed_on is not None]
        state[("agreements", str(agreement.agreement_id))] = _Thing(
            agreement.title,
            (
                ("Status", _label(agreement.status, locale)),
                (_w(locale, "Titel", "Title"), _quote(agreement.title, locale)),
                (_w(locale, "Underskrevet af", "Signed by"), _listing(signed, locale)),
                (_w(locale, "Gyldig til", "Valid to"), _day(agreement.valid_to, locale)),
            ),
        )
    terms = read.recorded.terms
    if terms is not None:
        values = {
            "purpose": terms.purpose,
            "composition": terms.composition,
            "task": terms.task,
            "time_plan": terms.time_plan,
            "focus_areas": terms.focus_areas,
        }
        state[("terms_of_reference", "terms")] = _Thing(
            _w(locale, "Kommissorium", "Terms of reference"),
            (
                (
                    "Version",
                    f"version {terms.number} ({_day(terms.valid_on, locale)})",
                ),
                *(
                    (
                        _w(locale, part.da, part.en),
                        history._value_text(part, values.get(part.key), history.Names(), locale),
                    )
                    for part in history.TERMS_OF_REFERENCE_PARTS
                ),
            ),
        )
    for decision in read.recorded.decisions:
        key = decision.decision_id or f"{decision.meeting_on}:{decision.title}"
        state[("decisions", key)] = _Thing(
            decision.title,
            (
                (_w(locale, "Møde", "Meeting"), _day(decision.meeting_on, locale)),
                (_w(locale, "Godkendt", "Approved"), _listing(decision.approved, locale)),
            ),
        )


def _anchoring(state: State, read: _Read, actors: Mapping[str, str], locale: str) -> None:
    titles = {m.milestone_id: m.title for m in read.milestones}
    for milestone in read.milestones:
        state[("milestones", str(milestone.milestone_id))] = _Thing(
            milestone.title,
            (
                (
                    "Status",
                    f"{_label(milestone.dimension, locale)}: {_label(milestone.status, locale)}",
                ),
                (_w(locale, "Dato", "Date"), _day(milestone.valid_on, locale)),
                (_w(locale, "Titel", "Title"), _quote(milestone.title, locale)),
                (_w(locale, "Dokumentation", "Evidence"), _quote(milestone.evidence, locale)),
            ),
        )
    for dimension in anchoring.status_from(read.milestones):
        if dimension.milestones:
            state[("anchoring", dimension.dimension.value)] = _Thing(
                _label(dimension.dimension, locale),
                (("Status", _label(dimension.status, locale)),),
            )
    for factor in read.factors:
        effect = _w(
            locale,
            f"{factor.effect.label_da} faktor ({factor.origin.label_da})",
            f"{_label(factor.effect, 'en')} factor ({_label(factor.origin, 'en')})",
        )
        linked = [titles.get(m, "?") for m in factor.milestone_ids]
        state[("factors", str(factor.factor_id))] = _Thing(
            _quote(factor.description, locale, 80)[1:-1],
            (
                (_w(locale, "Slags", "Kind"), effect),
                (_w(locale, "Knyttet til", "Linked to"), _listing(linked, locale)),
            ),
        )
    for rating in read.ratings:
        by = rating.rated_by_name or actors.get(rating.recorded_by, rating.recorded_by)
        value = _w(
            locale,
            f"{rating.rating}, givet af {by} den {_day(rating.valid_on, locale)}",
            f"{rating.rating}, given by {by} on {_day(rating.valid_on, locale)}",
        )
        state[("ratings", str(rating.rating_id))] = _Thing(
            _label(rating.dimension, locale),
            (
                (_w(locale, "Vurdering", "Rating"), value),
                (_w(locale, "Kommentar", "Comment"), _quote(rating.comment, locale)),
            ),
        )
    for evaluation in read.recorded.evaluations:
        state[("evaluations", evaluation.evaluation_id)] = _Thing(
            f"{evaluation.evaluator} ({_label(evaluation.kind, locale)})",
            (
                (
                    _w(locale, "Metode", "Method"),
                    f"{_label(evaluation.method, locale)}, {_day(evaluation.valid_on, locale)}",
                ),
                (_w(locale, "Fund", "Findings"), _quote(evaluation.findings, locale)),
                *(
                    (_label(a.question, locale), _label(a.answer, locale))
                    for a in evaluation.assessments
                ),
            ),
        )


def _notes(
    state: State,
    notes: list[annotation_views.AnnotationView],
    day: date,
    known_at: datetime | None,
    locale: str,
) -> None:
    for note in notes:
        if note.valid_on > day or (known_at is not None and note.recorded_at > known_at):
            continue
        label = _label(note.kind, locale)
        if note.dimension is not None:
            label += f" ({_label(note.dimension, locale)})"
        author = note.author_name or note.author
        state[("annotations", str(note.id))] = _Thing(
            f"{label}: {author}",
            (
                (_w(locale, "Tekst", "Text"), _quote(note.text, locale)),
                ("Status", _label(note.status, locale)),
            ),
        )


def _state(
    read: _Read,
    labels: Mapping[UUID, str],
    actors: Mapping[str, str],
    notes: list[annotation_views.AnnotationView],
    day: date,
    known_at: datetime | None,
    locale: str,
) -> State:
    """(section, key) → the thing on one date, for everything the diff compares."""
    state: State = {}
    _registry(state, read, locale)
    _people(state, read, labels, locale)
    _work(state, read, locale)
    _anchoring(state, read, actors, locale)
    _notes(state, notes, day, known_at, locale)
    return state


# -- the comparison -----------------------------------------------------------------------


def compare(before: State, after: State, locale: str = "da") -> list[Change]:
    """The changes from one side to the other, by section (in SECTIONS' order), then by
    the thing's name."""
    changes: list[Change] = []
    keys = sorted(
        before.keys() | after.keys(),
        key=lambda k: (_ORDER[k[0]], (after.get(k) or before[k]).label.casefold(), k[1]),
    )
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        section, ident = key
        name = (new or old or _Thing("", ())).label
        words = _w(locale, *SECTIONS[section])

        base = Change(
            section=cast(Section, section),
            section_label=words,
            key=ident,
            label=name,
            change="changed",
            before=None,
            after=None,
        )
        if old is None or new is None:
            thing = new or old
            assert thing is not None
            main = thing.aspects[0][1] if thing.aspects else None
            if old is None:
                changes.append(replace(base, change="added", after=main))
            else:
                changes.append(replace(base, change="removed", before=main))
            continue
        previous = dict(old.aspects)
        for aspect, value in new.aspects:
            if previous.get(aspect) == value:
                continue
            changes.append(
                replace(base, aspect=aspect or None, before=previous.get(aspect), after=value)
            )
    return changes


async def _labels(store: ReadStore, reads: Iterable[_Read]) -> dict[UUID, str]:
    wanted: list[UUID | None] = []
    for read in reads:
        wanted += [read.recorded.secretariat_id, *read.recorded.staff]
    return await names(store, wanted)


async def between(
    store: ReadStore,
    partnership_id: UUID,
    first: date,
    second: date,
    *,
    known_at: datetime | None = None,
    locale: str = "da",
    viewer: Viewer | None = None,
) -> list[Change]:
    """Changes from the partnership as it stood on `first` to how it stood on `second`,
    as known at `known_at` (default: now), in `locale`'s words ("da" or "en"). The
    evaluators' notes are compared only for a `viewer` (those they may see). A `known_at`
    without a zone is Danish time; one in the future is refused (InvalidQuery)."""
    if known_at is not None:
        known_at = checked_known_at(known_at)
    async with asyncio.TaskGroup() as group:
        one = group.create_task(_read(store, partnership_id, first, known_at))
        two = group.create_task(_read(store, partnership_id, second, known_at))
        notes_ = group.create_task(_visible_notes(store, partnership_id, viewer))
    reads = (one.result(), two.result())
    labels = await _labels(store, reads)
    # who gave a rating without naming the rater: the user by name (with their role)
    raters = {r.recorded_by for read in reads for r in read.ratings if not r.rated_by_name}
    named = await audit.actor_names(store, raters, partnership_id) if raters else {}
    actors = {actor: words[1] if locale == "en" else words[0] for actor, words in named.items()}
    notes = notes_.result()
    before = _state(reads[0], labels, actors, notes, first, known_at, locale)
    after = _state(reads[1], labels, actors, notes, second, known_at, locale)
    return compare(before, after, locale)


async def _visible_notes(
    store: ReadStore, partnership_id: UUID, viewer: Viewer | None
) -> list[annotation_views.AnnotationView]:
    if viewer is None:
        return []
    return await annotation_views.list_annotations(
        store, partnership_id, viewer=viewer.username, visible=viewer.visible
    )


# -- the dates asked about ----------------------------------------------------------------

Refusal = Literal["reversed", "future"]


def refused(first: date, second: date, today: date) -> tuple[str, Refusal] | None:
    """Why the two dates cannot be compared, and the field to say it at: a date after
    `today` (the registry does not know the future), or `second` before `first`."""
    if first > today:
        return "from", "future"
    if second > today:
        return "to", "future"
    if second < first:
        return "to", "reversed"
    return None


async def last_meeting(store: ReadStore, partnership_id: UUID, today: date) -> date | None:
    """The date of the last steering-group meeting with a recorded decision, up to `today`
    (the start of "siden sidste møde")."""
    recorded = await facts.recorded(store, partnership_id, today, None)
    return max((d.meeting_on for d in recorded.decisions), default=None)
