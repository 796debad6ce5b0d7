"""The anchoring story (forankringshistorie) of one partnership, as data.

Per anchoring dimension, the milestones in valid-time order, each told as a sentence
(Danish, and English) and linked to the events behind it (the milestone's own event and
any correction of it), with the promoting factors and barriers linked to it and the
partnership as it stood on the milestone's date: each partner's rung and every role's
holder or vacancy. The whole story is as of a valid date and as known at a recorded
time, like every other view.

Composed from the other views' queries (anchoring, ladder, roles, audit); nothing of its
own is projected. Renderers (Markdown, HTML, PDF) live in the API layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec
import structlog

from aggregates.dates import danish_date
from aggregates.dates import today as today_in_denmark
from aggregates.errors import NotFound
from aggregates.taxonomy import (
    AnchoringStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    Labelled,
    Rung,
)
from projections import anchoring, ladder, roles
from projections.audit import changed_from, summarise
from projections.core import checked_known_at
from projections.history import event_name, look_up
from projections.store import ReadStore

log = structlog.get_logger(__name__)

# -- the story's parts ----------------------------------------------------------------------


class StoryEvent(msgspec.Struct, kw_only=True):
    """A recorded event the story rests on (one row of the audit history)."""

    anchor: str  # the event's id in the HTML and Markdown documents, e.g. "h12"
    notification_id: int | None  # its place in the whole event log
    version: int  # its version in the partnership's own stream
    kind: str
    # How every form of the story (web page, JSON, Markdown, HTML, PDF) cites the event:
    # "#" and its version in the partnership's own history (the history's event number).
    ref: str
    kind_da: str  # the kind of event in Danish words ("milepæl registreret")
    kind_en: str  # ... and in English
    summary: str  # the audit history's Danish one-line summary (old → new, as the history)
    recorded_at: datetime
    recorded_by: str
    valid_on: date
    reason: str | None
    summary_en: str = ""  # ... and in English


class StoryFactor(msgspec.Struct, kw_only=True):
    factor_id: UUID
    origin: FactorOrigin
    origin_label: str
    effect: FactorEffect
    effect_label: str
    description: str
    valid_on: date
    recorded_by: str
    events: list[StoryEvent]  # the factor's recording, and its link to the milestone
    # the partnership's events it came from or bears on (a role vacated, a partner leaving,
    # a decision, ...), each with its sentence and its number (`ref`), in version order
    linked: list[StoryEvent] = msgspec.field(default_factory=list)


class Snapshot(msgspec.Struct, kw_only=True):
    """The partnership on a milestone's date: the ladder and the roles."""

    on: date
    partners: list[ladder.PartnerRung]
    distribution: dict[int, int]  # partners per rung 1-6
    roles: list[roles.RoleHolding]  # a vacancy has no person
    vacant_roles: int
    text_da: str
    text_en: str


class StoryEntry(msgspec.Struct, kw_only=True):
    """One milestone, told."""

    anchor: str  # "m" + the milestone id
    milestone_id: UUID
    valid_on: date
    dimension: Dimension
    previous_status: AnchoringStatus
    status: AnchoringStatus
    status_label: str
    title: str
    evidence: str
    link: str
    document_ref: str
    recorded_by: str
    corrected: bool
    text_da: str
    text_en: str
    events: list[StoryEvent]
    promoting: list[StoryFactor]
    barriers: list[StoryFactor]
    snapshot: Snapshot


class DimensionStory(msgspec.Struct, kw_only=True):
    dimension: Dimension
    label: str
    status: AnchoringStatus  # on `as_of`
    status_label: str
    since: date | None
    text_da: str
    text_en: str
    entries: list[StoryEntry]


class Story(msgspec.Struct, kw_only=True):
    partnership_id: UUID
    title: str
    municipality: str
    as_of: date
    known_at: datetime | None
    anchored: list[Dimension]  # dimensions anchored on `as_of`
    text_da: str
    text_en: str
    # every dimension, in the taxonomy's order, each with its milestones in date order (every
    # form of the story also lists all milestones in date order: api/story/words.timeline)
    dimensions: list[DimensionStory]
    unlinked_factors: list[StoryFactor]  # factors linked to no milestone (yet)
    sources: list[StoryEvent]  # every event the story cites, in the log's order


# -- words ----------------------------------------------------------------------------------

_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

RUNG_EN = {
    Rung.KNOW_EACH_OTHER: "knowing each other",
    Rung.DIALOGUE: "dialogue and exchange of experience",
    Rung.MUTUAL_REFERRAL: "mutual referral",
    Rung.INFORMAL_COOPERATION: "informal cooperation",
    Rung.COOPERATION_AGREEMENT: "cooperation agreement",
    Rung.PARTNERSHIP_AGREEMENT: "partnership agreement",
}


def date_da(day: date) -> str:
    """A date in Danish text: dd.mm.åååå (01.11.2021), as everywhere in the registry."""
    return danish_date(day)


def date_en(day: date) -> str:
    """A date as English prose: 1 November 2021."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def label_en(value: Labelled) -> str:
    """A taxonomy value in English words (the API's value: the taxonomy has no English label)."""
    return str(value.value).replace("_", " ")


def _listing_da(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def _listing_en(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def entry_text_da(entry: StoryEntry) -> str:
    day, dim = date_da(entry.valid_on), entry.dimension.label_da
    if entry.previous_status is entry.status:
        told = (
            f"Den {day} bekræftede en ny milepæl status {entry.status.label_da} på dimensionen"
            f" {dim}: {_sentence(entry.title)}"
        )
    else:
        told = (
            f"Den {day} gik dimensionen {dim} fra {entry.previous_status.label_da} til"
            f" {entry.status.label_da}: {_sentence(entry.title)}"
        )
    if entry.evidence.strip():
        told += f" Dokumentation: {_sentence(entry.evidence)}"
    if entry.corrected:
        told += " Milepælen er rettet efter registreringen."
    return told


def entry_text_en(entry: StoryEntry) -> str:
    day, dim = date_en(entry.valid_on), label_en(entry.dimension)
    if entry.previous_status is entry.status:
        told = (
            f"On {day} a new milestone confirmed the status {label_en(entry.status)} on the"
            f" {dim} dimension: {_sentence(entry.title)}"
        )
    else:
        told = (
            f"On {day} the {dim} dimension went from {label_en(entry.previous_status)} to"
            f" {label_en(entry.status)}: {_sentence(entry.title)}"
        )
    if entry.evidence.strip():
        told += f" Evidence: {_sentence(entry.evidence)}"
    if entry.corrected:
        told += " The milestone was corrected after it was recorded."
    return told


def _snapshot_texts(
    on: date, partners: Sequence[ladder.PartnerRung], holdings: Sequence[roles.RoleHolding]
) -> tuple[str, str]:
    if partners:
        da = f"Den {date_da(on)} stod {_plural(len(partners), 'partner', 'partnere')} på trappen: "
        da += _listing_da(
            [f"{p.name} på trin {p.rung.value} ({p.rung.label_da})" for p in partners]
        )
        en = f"On {date_en(on)}, {_plural(len(partners), 'partner', 'partners')} on the ladder: "
        en += _listing_en(
            [f"{p.name} on rung {p.rung.value} ({RUNG_EN[p.rung]})" for p in partners]
        )
    else:
        da = f"Den {date_da(on)} stod ingen partnere på trappen"
        en = f"On {date_en(on)}, no partners on the ladder"
    held = [h for h in holdings if h.person_id is not None]
    vacant = [h for h in holdings if h.person_id is None]
    if held:
        da += ". Roller: " + "; ".join(f"{h.role.label_da}: {h.person_name or '?'}" for h in held)
        en += ". Roles: " + "; ".join(f"{label_en(h.role)}: {h.person_name or '?'}" for h in held)
    if vacant:
        da += ". Ledige roller: " + ", ".join(h.role.label_da for h in vacant)
        en += ". Vacant roles: " + ", ".join(label_en(h.role) for h in vacant)
    return da + ".", en + "."


def _dimension_texts(
    dimension: Dimension, status: AnchoringStatus, since: date | None, count: int, as_of: date
) -> tuple[str, str]:
    label = dimension.label_da.capitalize()
    if since is None:
        return (
            f"{label}: ingen milepæle registreret pr. {date_da(as_of)}.",
            f"{label_en(dimension).capitalize()}: no milestones recorded as of {date_en(as_of)}.",
        )
    return (
        f"{label}: {status.label_da} siden {date_da(since)}"
        f" ({_plural(count, 'milepæl', 'milepæle')}).",
        f"{label_en(dimension).capitalize()}: {label_en(status)} since {date_en(since)}"
        f" ({_plural(count, 'milestone', 'milestones')}).",
    )


def _story_texts(
    title: str, municipality: str, as_of: date, anchored: Sequence[Dimension]
) -> tuple[str, str]:
    total = len(Dimension)
    if not anchored:
        return (
            f"{title} ({municipality}) var pr. {date_da(as_of)} ikke forankret på nogen"
            f" af de {total} dimensioner.",
            f"{title} ({municipality}) was not anchored on any of the {total} dimensions"
            f" as of {date_en(as_of)}.",
        )
    return (
        f"{title} ({municipality}) var pr. {date_da(as_of)} forankret på {len(anchored)} af"
        f" {total} dimensioner: {_listing_da([d.label_da for d in anchored])}.",
        f"{title} ({municipality}) was anchored on {len(anchored)} of {total} dimensions"
        f" as of {date_en(as_of)}: {_listing_en([label_en(d) for d in anchored])}.",
    )


# -- the query ------------------------------------------------------------------------------

_EVIDENCE_KINDS = (
    "MilestoneRecorded",
    "MilestoneCorrected",
    "DateCorrected",
    "FactorRecorded",
    "FactorLinked",
    "FactorEventLinked",
)
KIND_WORDS: dict[str, tuple[str, str]] = {
    # the kinds of event the story cites, in Danish and English words
    "MilestoneRecorded": ("milepæl registreret", "milestone recorded"),
    "MilestoneCorrected": ("milepæl rettet", "milestone corrected"),
    "DateCorrected": ("dato rettet", "date corrected"),
    "FactorRecorded": ("faktor registreret", "factor recorded"),
    "FactorLinked": ("faktor koblet til en milepæl", "factor linked to a milestone"),
    "FactorEventLinked": ("faktor koblet til en hændelse", "factor linked to an event"),
}


def kind_words(kind: str) -> tuple[str, str]:
    """The kind of event in Danish and English words: the story's own kinds, else the
    history's name of the kind ("rolle ledig", "partner udtrådt", ...)."""
    if kind in KIND_WORDS:
        return KIND_WORDS[kind]
    return (event_name(kind), event_name(kind, "en"))


def event_ref(version: int) -> str:
    """How the story cites an event in every form: its number in the partnership's history."""
    return f"#{version}"


class _Audited(msgspec.Struct, kw_only=True):
    version: int
    kind: str
    recorded_at: datetime
    valid_on: date
    actor: str
    reason: str | None
    payload: dict[str, Any]


async def _audited(
    store: ReadStore,
    partnership_id: UUID,
    known_at: datetime | None,
    versions: Sequence[int] = (),
) -> list[_Audited]:
    """The partnership's anchoring events (milestones, factors, their corrections), and
    the events of `versions` (those factors are linked to)."""
    wanted = sorted(set(versions))
    params: list[Any] = [partnership_id, *_EVIDENCE_KINDS, *wanted]
    known = ""
    if known_at is not None:
        known = " AND recorded_at <= ?"
        params.append(known_at)
    linked = f" OR version IN ({','.join('?' * len(wanted))})" if wanted else ""
    rows = await store.fetch(
        "SELECT version, kind, recorded_at, valid_on, actor, reason, payload FROM audit_log"
        " WHERE aggregate_id = ? AND aggregate_type = 'partnership'"
        f" AND (kind IN ({','.join('?' * len(_EVIDENCE_KINDS))}){linked}){known}"
        " ORDER BY version",
        *params,
    )
    return [
        msgspec.convert(
            {
                **r,
                "payload": msgspec.json.decode(r["payload"])
                if isinstance(r["payload"], str | bytes)
                else r["payload"],
            },
            _Audited,
            strict=False,
        )
        for r in rows
    ]


class _Evidence:
    """The audited events, indexed by what they are about."""

    def __init__(
        self,
        audited: Iterable[_Audited],
        notification_ids: dict[int, int],
        sentences: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        self.by_version: dict[int, StoryEvent] = {}
        self.milestone_version: dict[str, int] = {}  # milestone id -> its recording's version
        self.corrections: dict[int, list[int]] = {}  # corrected version -> corrections
        self.factor_version: dict[str, int] = {}
        self.factor_links: dict[tuple[str, str], int] = {}  # (factor, milestone) -> version
        self.event_links: dict[tuple[str, int], int] = {}  # (factor, event) -> link's version
        for a in audited:
            da, en = (sentences or {}).get(a.version) or (
                summarise(a.kind, a.payload, {}),
                summarise(a.kind, a.payload, {}, locale="en"),
            )
            self.by_version[a.version] = StoryEvent(
                anchor=f"h{a.version}",
                notification_id=notification_ids.get(a.version),
                version=a.version,
                kind=a.kind,
                ref=event_ref(a.version),
                kind_da=kind_words(a.kind)[0],
                kind_en=kind_words(a.kind)[1],
                summary=da,
                summary_en=en,
                recorded_at=a.recorded_at,
                recorded_by=a.actor,
                valid_on=a.valid_on,
                reason=a.reason,
            )
            p = a.payload
            if a.kind == "MilestoneRecorded":
                self.milestone_version[str(p.get("milestone_id"))] = a.version
            elif a.kind in {"MilestoneCorrected", "DateCorrected"}:
                self.corrections.setdefault(int(p["corrects_version"]), []).append(a.version)
            elif a.kind == "FactorRecorded":
                self.factor_version[str(p.get("factor_id"))] = a.version
            elif a.kind == "FactorLinked":
                key = (str(p.get("factor_id")), str(p.get("milestone_id")))
                self.factor_links[key] = a.version
            elif a.kind == "FactorEventLinked":
                self.event_links[(str(p.get("factor_id")), int(p["event_version"]))] = a.version

    def in_order(self, factors: Iterable[anchoring.FactorView]) -> list[anchoring.FactorView]:
        """Factors by valid date, then in the order they were recorded."""
        return sorted(
            factors, key=lambda f: (f.valid_on, self.factor_version.get(str(f.factor_id), 0))
        )

    def _events(self, versions: Iterable[int | None]) -> list[StoryEvent]:
        found = {v for v in versions if v is not None and v in self.by_version}
        return [self.by_version[v] for v in sorted(found)]

    def of_milestone(self, milestone_id: UUID) -> list[StoryEvent]:
        recorded = self.milestone_version.get(str(milestone_id))
        if recorded is None:
            return []
        return self._events([recorded, *self.corrections.get(recorded, [])])

    def of_factor(
        self, factor_id: UUID, milestone_id: UUID | None = None, linked: Iterable[int] = ()
    ) -> list[StoryEvent]:
        """The factor's recording, its link to the milestone, and its links to events."""
        link = None
        if milestone_id is not None:
            link = self.factor_links.get((str(factor_id), str(milestone_id)))
        links = [self.event_links.get((str(factor_id), v)) for v in linked]
        return self._events([self.factor_version.get(str(factor_id)), link, *links])

    def linked(self, versions: Iterable[int]) -> list[StoryEvent]:
        """The events a factor is linked to, those known (as known at the story's time)."""
        return self._events(versions)


async def _sentences(
    store: ReadStore, partnership_id: UUID, audited: Sequence[_Audited]
) -> dict[int, tuple[str, str]]:
    """Each event's sentence in Danish and English as the history says it: with what it
    changed from (projections.audit.changed_from) and the names of what it names."""
    try:
        before = await changed_from(
            store, [(partnership_id, "partnership", a.version) for a in audited]
        )
    except Exception:  # the views may lag: the sentence then says what the payload says
        log.warning("story: what changed from not looked up", exc_info=True)
        before = {}
    payloads = {
        a.version: {**a.payload, **before.get((str(partnership_id), a.version), {})}
        for a in audited
    }
    names = await look_up(store, list(payloads.values()))
    return {
        a.version: (
            summarise(a.kind, payloads[a.version], names, "partnership"),
            summarise(a.kind, payloads[a.version], names, "partnership", locale="en"),
        )
        for a in audited
    }


def _factor(f: anchoring.FactorView, evidence: _Evidence, milestone_id: UUID | None) -> StoryFactor:
    return StoryFactor(
        factor_id=f.factor_id,
        origin=f.origin,
        origin_label=f.origin.label_da,
        effect=f.effect,
        effect_label=f.effect.label_da,
        description=f.description,
        valid_on=f.valid_on,
        recorded_by=f.recorded_by,
        events=evidence.of_factor(f.factor_id, milestone_id, f.event_versions),
        linked=evidence.linked(f.event_versions),
    )


async def _snapshots(
    store: ReadStore, partnership_id: UUID, days: Iterable[date], known_at: datetime | None
) -> dict[date, Snapshot]:
    found = {}
    for day in sorted(set(days)):
        partners = await ladder.rungs(store, partnership_id, as_of=day, known_at=known_at)
        holdings = await roles.holdings(store, partnership_id, as_of=day, known_at=known_at)
        counts = {rung.value: 0 for rung in Rung}
        for partner in partners:
            counts[partner.rung.value] += 1
        text_da, text_en = _snapshot_texts(day, partners, holdings)
        found[day] = Snapshot(
            on=day,
            partners=partners,
            distribution=counts,
            roles=holdings,
            vacant_roles=sum(1 for h in holdings if h.person_id is None),
            text_da=text_da,
            text_en=text_en,
        )
    return found


async def story(
    store: ReadStore,
    partnership_id: UUID,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> Story:
    """The anchoring story of a partnership on `as_of` (default today), as known at
    `known_at` (default now)."""
    day = as_of or today_in_denmark()
    known_at = checked_known_at(known_at) if known_at is not None else None
    found = await store.fetch(
        "SELECT title, municipality FROM partnerships WHERE id = ?", partnership_id
    )
    if not found:
        raise NotFound(f"No partnership with id {partnership_id}.")
    title, municipality = str(found[0]["title"]), str(found[0]["municipality"])
    milestones = await anchoring.milestones(store, partnership_id, as_of=day, known_at=known_at)
    factors = await anchoring.factors(store, partnership_id, as_of=day, known_at=known_at)
    audited = await _audited(
        store, partnership_id, known_at, [v for f in factors for v in f.event_versions]
    )
    evidence = _Evidence(
        audited,
        await store.notification_ids(partnership_id),
        await _sentences(store, partnership_id, audited),
    )
    snapshots = await _snapshots(store, partnership_id, (m.valid_on for m in milestones), known_at)
    factor_by_id = {f.factor_id: f for f in factors}

    dimensions = []
    cited: dict[int, StoryEvent] = {}
    for status in anchoring.status_from(milestones):
        entries = []
        previous = AnchoringStatus.NONE
        for m in (m for m in milestones if m.dimension is status.dimension):
            linked = evidence.in_order(factor_by_id[i] for i in m.factor_ids if i in factor_by_id)
            entry = StoryEntry(
                anchor=f"m{m.milestone_id}",
                milestone_id=m.milestone_id,
                valid_on=m.valid_on,
                dimension=m.dimension,
                previous_status=previous,
                status=m.status,
                status_label=m.status.label_da,
                title=m.title,
                evidence=m.evidence,
                link=m.link,
                document_ref=m.document_ref,
                recorded_by=m.recorded_by,
                corrected=m.corrected,
                text_da="",
                text_en="",
                events=evidence.of_milestone(m.milestone_id),
                promoting=[
                    _factor(f, evidence, m.milestone_id)
                    for f in linked
                    if f.effect is FactorEffect.PROMOTING
                ],
                barriers=[
                    _factor(f, evidence, m.milestone_id)
                    for f in linked
                    if f.effect is FactorEffect.BARRIER
                ],
                snapshot=snapshots[m.valid_on],
            )
            entry.text_da = entry_text_da(entry)
            entry.text_en = entry_text_en(entry)
            entries.append(entry)
            previous = m.status
            for event in (
                *entry.events,
                *(e for f in (*entry.promoting, *entry.barriers) for e in (*f.events, *f.linked)),
            ):
                cited[event.version] = event
        text_da, text_en = _dimension_texts(
            status.dimension, status.status, status.since, status.milestones, day
        )
        dimensions.append(
            DimensionStory(
                dimension=status.dimension,
                label=status.dimension.label_da,
                status=status.status,
                status_label=status.status.label_da,
                since=status.since,
                text_da=text_da,
                text_en=text_en,
                entries=entries,
            )
        )
    linked_ids = {i for m in milestones for i in m.factor_ids}
    unlinked = [
        _factor(f, evidence, None)
        for f in evidence.in_order(f for f in factors if f.factor_id not in linked_ids)
    ]
    for event in (e for f in unlinked for e in (*f.events, *f.linked)):
        cited[event.version] = event
    anchored = [d.dimension for d in dimensions if d.status is AnchoringStatus.ANCHORED]
    text_da, text_en = _story_texts(title, municipality, day, anchored)
    return Story(
        partnership_id=partnership_id,
        title=title,
        municipality=municipality,
        as_of=day,
        known_at=known_at,
        anchored=anchored,
        text_da=text_da,
        text_en=text_en,
        dimensions=dimensions,
        unlinked_factors=unlinked,
        sources=[cited[v] for v in sorted(cited)],
    )
