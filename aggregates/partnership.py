"""Partnership (partnerskab): governance, partners, ladder, roles, activities, anchoring."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

import msgspec

from aggregates import validity
from aggregates.base import Meta, TvaersAggregate, require_text
from aggregates.errors import (
    ActivityEnded,
    ActivityStateError,
    AlreadyAPartner,
    AlreadyExists,
    AlreadyOnSteeringGroup,
    FollowUpStateError,
    InconsistentDates,
    InvalidValue,
    LeadOrganisationRule,
    NoChange,
    NoSteeringGroup,
    NotAPartner,
    NotCorrectable,
    NotFound,
    NotOnSteeringGroup,
    RoleStateError,
    RungNotBacked,
    SeatOccupied,
    SecretariatRule,
)
from aggregates.taxonomy import (
    RATING_MAX,
    RATING_MIN,
    SINGLE_SEATS,
    ActivityStatus,
    AgreementKind,
    AnchoringStatus,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    EvaluationMethod,
    FactorEffect,
    FactorOrigin,
    ImplementationPhase,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
)

# ---------------------------------------------------------------------------------------
# Value objects and entity state (msgspec structs: typed in events and in snapshots)
# ---------------------------------------------------------------------------------------


class Registry(msgspec.Struct, kw_only=True, frozen=True):
    """The registry fields of a partnership, matching a sundeborgere.dk case description."""

    title: str
    municipality: str
    purpose: str = ""
    target_groups: tuple[str, ...] = ()
    arenas: tuple[str, ...] = ()
    kind: PartnershipType = PartnershipType.PROJECT
    period_start: date | None = None
    period_end: date | None = None
    prevention_categories: tuple[PreventionCategory, ...] = ()
    bearings: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    yearly_budget_dkk: Decimal | None = None
    staff_hours_per_year: Decimal | None = None
    recruitment_channels: tuple[str, ...] = ()
    evaluation_status: str = ""
    attention_points: str = ""
    barriers: str = ""
    promoting_factors: str = ""

    def validated(self) -> Registry:
        if (
            self.period_start is not None
            and self.period_end is not None
            and self.period_end < self.period_start
        ):
            raise InconsistentDates(
                f"The period ends ({self.period_end}) before it starts ({self.period_start}).",
                da="Perioden slutter {end}, før den begynder {start}: slutdatoen skal ligge "
                "efter startdatoen.",
                start=self.period_start,
                end=self.period_end,
            )
        for bearing in self.bearings:
            if not 1 <= bearing <= 6:
                raise InvalidValue(
                    f"KL bearings (pejlemærker) are 1-6, got {bearing}.",
                    da="KL's pejlemærker er nummereret 1-6, ikke {bearing}.",
                    bearing=bearing,
                )
        for amount, what in (
            (self.yearly_budget_dkk, "Yearly budget"),
            (self.staff_hours_per_year, "Staff hours"),
        ):
            if amount is not None and (not amount.is_finite() or amount < 0):
                raise InvalidValue(
                    f"{what} must be a finite amount, not negative.",
                    da="{what} skal være et tal, der ikke er negativt.",
                    what="Årligt budget" if what == "Yearly budget" else "Personaletimer",
                )
        return msgspec.structs.replace(
            self,
            title=require_text(self.title, "Title"),
            municipality=require_text(self.municipality, "Municipality"),
            purpose=self.purpose.strip(),
            target_groups=_clean_list(self.target_groups),
            arenas=_clean_list(self.arenas),
            prevention_categories=tuple(dict.fromkeys(self.prevention_categories)),
            bearings=tuple(sorted(set(self.bearings))),
            tags=_clean_list(self.tags),
            recruitment_channels=_clean_list(self.recruitment_channels),
        )


def registry_changes(before: Registry, after: Registry) -> tuple[str, ...]:
    """The names of the registry fields whose value differs, in the registry's order."""
    return tuple(
        name for name in Registry.__struct_fields__ if getattr(before, name) != getattr(after, name)
    )


def _clean_list(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


# The values of a partnership's state below are kept out of the garbage collector
# (`gc=False`): they live as long as the aggregate does (cached in the API process), and
# the collector walked the ones each command added, ~45,000 at a time for 16-29 ms of the
# process's time, only to keep them all (bench/README.md, session 12). They hold values
# only (ids, enumerations, text, dates, numbers, and lists or tuples of those or of each
# other), never the aggregate or anything holding them back, so they cannot be part of
# a reference cycle: reference counting frees them. Lists in them stay collected, so
# the lists that grow per command are tuples (`Factor`).


class Spell(msgspec.Struct, kw_only=True, gc=False):
    """A period in the world, each end naming the event (version) that recorded it."""

    since: date
    since_version: int
    until: date | None = None
    until_version: int | None = None

    def covers(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


class RungEntry(msgspec.Struct, kw_only=True, gc=False):
    rung: Rung
    valid_on: date
    version: int
    evidence: str
    agreement_id: UUID | None = None


class Partner(msgspec.Struct, kw_only=True, gc=False):
    organisation_id: UUID
    spells: list[Spell]
    rungs: list[RungEntry]

    @property
    def is_active(self) -> bool:
        return self.spells[-1].until is None

    def is_partner_on(self, day: date) -> bool:
        return any(spell.covers(day) for spell in self.spells)

    def rung_on(self, day: date) -> Rung | None:
        current: RungEntry | None = None
        for entry in sorted(self.rungs, key=lambda e: (e.valid_on, e.version)):
            if entry.valid_on <= day:
                current = entry
        return current.rung if current is not None else None

    @property
    def rung(self) -> Rung | None:
        """The rung of the latest entry in valid time (what the registry says now)."""
        if not self.rungs:
            return None
        return max(self.rungs, key=lambda e: (e.valid_on, e.version)).rung


class Backing(msgspec.Struct, kw_only=True, gc=False):
    """A signed agreement, as far as the ladder needs to know it."""

    agreement_id: UUID
    kind: AgreementKind
    party_ids: tuple[UUID, ...]
    valid_from: date
    valid_to: date
    signed_on: date
    ended_on: date | None = None

    def in_force_on(self, day: date) -> bool:
        """Fully signed by then, inside the validity, and not ended (aggregates/validity.py)."""
        return validity.in_force_on(self, day)


class SeatChange(msgspec.Struct, kw_only=True, gc=False):
    """A steering-group member's seat changes on `valid_on` (event `version`)."""

    valid_on: date
    from_seat: SeatRole
    seat: SeatRole
    version: int


class Appointment(msgspec.Struct, kw_only=True, gc=False):
    appointment_id: UUID
    person_id: UUID
    seat: SeatRole
    """The seat held now: the appointment's, or the latest change's."""
    spell: Spell
    changes: list[SeatChange] = msgspec.field(default_factory=list)
    """The seat changes, in the order of their dates."""

    def seat_on(self, day: date) -> SeatRole:
        """The seat held on `day` (the appointment's seat before any change)."""
        for change in reversed(self.changes):
            if change.valid_on <= day:
                return change.seat
        return self.changes[0].from_seat if self.changes else self.seat

    def seat_spells(self) -> list[tuple[SeatRole, Spell]]:
        """Each seat held, and when: from the appointment to the first change, and so on
        to the step-down (or open)."""
        spells: list[tuple[SeatRole, Spell]] = []
        seat = self.changes[0].from_seat if self.changes else self.seat
        since, since_version = self.spell.since, self.spell.since_version
        for change in self.changes:
            spells.append(
                (
                    seat,
                    Spell(
                        since=since,
                        since_version=since_version,
                        until=change.valid_on,
                        until_version=change.version,
                    ),
                )
            )
            seat, since, since_version = change.seat, change.valid_on, change.version
        last = Spell(
            since=since,
            since_version=since_version,
            until=self.spell.until,
            until_version=self.spell.until_version,
        )
        spells.append((seat, last))
        return [(s, w) for s, w in spells if w.until is None or w.since < w.until]


class SecretariatHolding(msgspec.Struct, kw_only=True, gc=False):
    organisation_id: UUID
    spell: Spell


class Secretariat(msgspec.Struct, kw_only=True, gc=False):
    """Who held the secretariat when, and who staffed it when (spells per person id)."""

    holders: list[SecretariatHolding]
    staff: dict[str, list[Spell]] = msgspec.field(default_factory=dict)

    @property
    def organisation_id(self) -> UUID:
        return self.holders[-1].organisation_id

    def holder_on(self, day: date) -> UUID | None:
        for holding in self.holders:
            if holding.spell.covers(day):
                return holding.organisation_id
        return None

    def staff_on(self, day: date) -> list[UUID]:
        return [
            UUID(person)
            for person, spells in self.staff.items()
            if any(s.covers(day) for s in spells)
        ]

    def is_staffed_by(self, person_id: UUID) -> bool:
        spells = self.staff.get(str(person_id), [])
        return bool(spells) and spells[-1].until is None


class Adjustment(msgspec.Struct, kw_only=True, gc=False):
    valid_on: date
    version: int
    description: str


class Activity(msgspec.Struct, kw_only=True, gc=False):
    activity_id: UUID
    title: str
    description: str
    category: PreventionCategory
    target_group: str
    arena: str
    owner_ids: tuple[UUID, ...]
    status: ActivityStatus
    status_since: date
    launched_on: date
    adjustments: list[Adjustment] = msgspec.field(default_factory=list)


class TermsOfReference(msgspec.Struct, kw_only=True, frozen=True):
    """Kommissorium: one version of the partnership's terms of reference."""

    purpose: str
    composition: str = ""
    task: str = ""
    time_plan: str = ""
    focus_areas: tuple[str, ...] = ()


class TermsVersion(msgspec.Struct, kw_only=True, gc=False):
    number: int
    terms: TermsOfReference
    valid_on: date
    decision_id: UUID | None


class Decision(msgspec.Struct, kw_only=True, gc=False):
    decision_id: UUID
    meeting_on: date
    title: str
    approved: tuple[str, ...]
    linked_ids: tuple[UUID, ...] = ()  # activities, agreements, milestones, ... it concerns


class Holding(msgspec.Struct, kw_only=True, gc=False):
    person_id: UUID
    organisation_id: UUID
    spell: Spell


class RolePosition(msgspec.Struct, kw_only=True, gc=False):
    position_id: UUID
    role: RoleKind
    activity_id: UUID | None
    holdings: list[Holding] = msgspec.field(default_factory=list)
    vacant_since: date | None = None

    @property
    def holder(self) -> Holding | None:
        if self.holdings and self.holdings[-1].spell.until is None:
            return self.holdings[-1]
        return None


class Evidence(msgspec.Struct, kw_only=True, frozen=True):
    text: str
    link: str = ""
    document_ref: str = ""

    def validated(self) -> Evidence:
        return Evidence(
            text=require_text(self.text, "Evidence"),
            link=self.link.strip(),
            document_ref=self.document_ref.strip(),
        )


class Milestone(msgspec.Struct, kw_only=True, gc=False):
    milestone_id: UUID
    dimension: Dimension
    status: AnchoringStatus
    title: str
    evidence: Evidence
    valid_on: date
    version: int
    recorded_by: str


class Factor(msgspec.Struct, kw_only=True, gc=False):
    factor_id: UUID
    origin: FactorOrigin
    effect: FactorEffect
    description: str
    milestone_ids: tuple[UUID, ...]
    valid_on: date
    # the events of the partnership it came from or bears on, by their version in the
    # partnership's stream (a role vacated, a partner leaving, a decision, ...)
    event_versions: tuple[int, ...] = ()
    version: int = 0  # its own recording's version (0: a state from before it was kept)


class Assessment(msgspec.Struct, kw_only=True, gc=False):
    question: AssessmentQuestion
    answer: AssessmentAnswer
    valid_on: date


class Evaluation(msgspec.Struct, kw_only=True, gc=False):
    evaluation_id: UUID
    kind: EvaluationKind
    evaluator: str
    method: EvaluationMethod
    findings: str
    valid_on: date
    assessments: list[Assessment] = msgspec.field(default_factory=list)
    who5: Who5 | None = None


class Who5(msgspec.Struct, kw_only=True, frozen=True):
    """WHO-5 before and after, as aggregated counts: respondents and their mean score
    (0-100) on each side; a side not measured is left out (None)."""

    respondents_before: int | None = None
    mean_before: float | None = None
    respondents_after: int | None = None
    mean_after: float | None = None

    def validated(self) -> Who5:
        for side, respondents, mean in (
            ("before", self.respondents_before, self.mean_before),
            ("after", self.respondents_after, self.mean_after),
        ):
            side_da = "før" if side == "before" else "efter"
            if respondents is not None and respondents < 0:
                raise InvalidValue(
                    f"WHO-5 respondents {side} cannot be negative.",
                    da="Antal besvarelser {side} kan ikke være negativt.",
                    side=side_da,
                )
            if mean is not None and not 0 <= mean <= 100:
                raise InvalidValue(
                    f"The WHO-5 mean score {side} is between 0 and 100, not {mean}.",
                    da="WHO-5-gennemsnittet {side} ligger mellem 0 og 100, ikke {mean}.",
                    side=side_da,
                    mean=mean,
                )
            if (mean is None) != (not respondents):
                raise InvalidValue(
                    f"A WHO-5 mean score {side} needs its number of respondents, and the other "
                    "way round.",
                    da="Et WHO-5-gennemsnit {side} kræver antal besvarelser {side} (mindst 1), "
                    "og omvendt.",
                    side=side_da,
                )
        if self.respondents_before is None and self.respondents_after is None:
            raise InvalidValue(
                "WHO-5 counts need a before or an after side.",
                da="Angiv WHO-5 før, efter eller begge.",
            )
        return self


class FollowUp(msgspec.Struct, kw_only=True, gc=False):
    """A retention follow-up (e.g. after 3 weeks, 3 months, 6 months): counts only."""

    follow_up_id: UUID
    activity_id: UUID | None
    label: str
    due_on: date
    cohort: int
    reached: int | None = None
    retained: int | None = None
    recorded_on: date | None = None


class PhaseEntry(msgspec.Struct, kw_only=True, gc=False):
    phase: ImplementationPhase
    note: str
    valid_on: date


_ACTIVITY_MOVES: dict[ActivityStatus, frozenset[ActivityStatus]] = {
    ActivityStatus.PLANNED: frozenset({ActivityStatus.RUNNING, ActivityStatus.ENDED}),
    ActivityStatus.RUNNING: frozenset({ActivityStatus.PAUSED, ActivityStatus.ENDED}),
    ActivityStatus.PAUSED: frozenset({ActivityStatus.RUNNING, ActivityStatus.ENDED}),
    ActivityStatus.ENDED: frozenset(),
}

T = TypeVar("T")

# The implementation circle: plan → start → follow up → adjust, then plan anew or restart.
_NEXT_PHASES: dict[ImplementationPhase | None, frozenset[ImplementationPhase]] = {
    None: frozenset({ImplementationPhase.PLAN}),
    ImplementationPhase.PLAN: frozenset({ImplementationPhase.START}),
    ImplementationPhase.START: frozenset({ImplementationPhase.FOLLOW_UP}),
    ImplementationPhase.FOLLOW_UP: frozenset({ImplementationPhase.ADJUST}),
    ImplementationPhase.ADJUST: frozenset({ImplementationPhase.PLAN, ImplementationPhase.START}),
}


# The Danish sentences of `Partnership.check_after`, by the rule's English name (a test
# holds every caller's name to one): `{earlier}` and `{later}` are the two dates.
AFTER_DA: dict[str, str] = {
    "A partner rejoins after it left": "En partner kan først blive partner igen efter at "
    "være udtrådt: {later} ligger før udtrædelsen {earlier}.",
    "A partner leaves after joining": "En partner kan først udtræde efter at være blevet "
    "partner: {later} ligger før indtrædelsen {earlier}.",
    "A step-down follows the appointment": "Et medlem kan først udtræde af styregruppen "
    "efter udpegningen: {later} ligger før udpegningen {earlier}.",
    "A seat change follows the appointment": "Et pladsskifte i styregruppen kan først "
    "gælde fra udpegningen: {later} ligger før udpegningen {earlier}.",
    "A step-down follows a seat change": "Udtrædelsen skal ligge efter det seneste "
    "pladsskifte: {later} ligger før pladsskiftet {earlier}.",
    "A role ends after it began": "En rolle kan først ophøre efter den begyndte: {later} "
    "ligger før {earlier}.",
    "A ladder move follows joining": "Et trinskifte kan tidligst dateres den dag, "
    "partneren blev partner: {later} ligger før indtrædelsen {earlier}.",
    "A seat change follows the previous one": "Et pladsskifte skal ligge efter det forrige: "
    "{later} ligger før pladsskiftet {earlier}.",
    "Moving the secretariat follows its placement": "Sekretariatet kan først flyttes efter "
    "det blev placeret: {later} ligger før placeringen {earlier}.",
    "Rejoining the secretariat follows leaving": "En person kan først indgå i sekretariatet "
    "igen efter at have forladt det: {later} ligger før {earlier}.",
    "Leaving the secretariat follows joining it": "En person kan først forlade "
    "sekretariatet efter at være indgået i det: {later} ligger før {earlier}.",
    "A status change follows the last": "Aktivitetens status kan først skifte efter det "
    "seneste statusskifte: {later} ligger før {earlier}.",
    "An adjustment follows the launch": "En justering af aktiviteten kan først ligge efter "
    "dens start: {later} ligger før starten {earlier}.",
    "Filling follows the vacancy": "Rollen kan først besættes, efter den blev ledig: "
    "{later} ligger før {earlier}.",
    "A hand-over follows the assignment": "Rollen kan først overdrages, efter den blev "
    "tildelt: {later} ligger før tildelingen {earlier}.",
    "A vacancy follows the assignment": "Rollen kan først blive ledig, efter den blev "
    "tildelt: {later} ligger før tildelingen {earlier}.",
    "An assessment follows its evaluation": "En vurdering kan først ligge efter "
    "evalueringen: {later} ligger før evalueringen {earlier}.",
    "A follow-up falls due after it is scheduled": "En opfølgning skal falde efter den "
    "dag, den planlægges: {later} ligger før {earlier}.",
    "A phase follows the last": "En ny fase i handleplanen skal ligge efter den forrige: "
    "{later} ligger før {earlier}.",
}
# What the lead organisation cannot do (`Partnership.check_not_lead`), in Danish.
LEAD_RULES_DA: dict[str, str] = {
    "cannot leave the partnership": "kan ikke udtræde af partnerskabet",
    "is not on the ladder": "kan ikke flyttes op eller ned",
}
# What a new id names (`Partnership._check_new_id`), in Danish.
NEW_ID_DA: dict[str, str] = {
    "appointment": "udpegning",
    "activity": "aktivitet",
    "decision": "beslutning",
    "milestone": "milepæl",
    "factor": "faktor",
    "evaluation": "evaluering",
    "follow-up": "opfølgning",
}


def _copied(value: object, kind: type[T]) -> T:
    return msgspec.msgpack.decode(msgspec.msgpack.encode(value), type=kind)


def _overlap(a: Spell, b: Spell) -> bool:
    return (a.until is None or b.since < a.until) and (b.until is None or a.since < b.until)


def _holds(appointment: Appointment, seat: SeatRole, spell: Spell) -> bool:
    """Whether the appointment holds `seat`, a single seat (formand, næstformand), at
    some time during `spell`."""
    return seat in SINGLE_SEATS and any(
        held is seat and _overlap(when, spell) for held, when in appointment.seat_spells()
    )


class Partnership(TvaersAggregate):
    """The main aggregate. State is typed so snapshots decode as they were taken."""

    registry: Registry
    lead_organisation_id: UUID
    partners: dict[str, Partner]
    agreements: dict[str, Backing]
    appointments: dict[str, Appointment]
    secretariat: Secretariat | None
    activities: dict[str, Activity]
    terms: list[TermsVersion]
    decisions: dict[str, Decision]
    roles: dict[str, RolePosition]
    milestones: dict[str, Milestone]
    factors: dict[str, Factor]
    evaluations: dict[str, Evaluation]
    follow_ups: dict[str, FollowUp]
    phases: list[PhaseEntry]
    correctable: dict[str, str]  # event version (str) -> event name, for corrections

    def __init__(self) -> None:
        pass

    # -- events ------------------------------------------------------------------------

    class Registered(TvaersAggregate.Created):
        registry: Registry
        lead_organisation_id: UUID

        def apply(self, p: Partnership) -> None:
            p.registry = self.registry
            p.lead_organisation_id = self.lead_organisation_id
            p.partners = {
                str(self.lead_organisation_id): Partner(
                    organisation_id=self.lead_organisation_id,
                    spells=[Spell(since=self.valid_on, since_version=self.originator_version)],
                    rungs=[],
                )
            }
            p.agreements = {}
            p.appointments = {}
            p.secretariat = None
            p.activities = {}
            p.terms = []
            p.decisions = {}
            p.roles = {}
            p.milestones = {}
            p.factors = {}
            p.evaluations = {}
            p.follow_ups = {}
            p.phases = []
            p.correctable = {}

    class RegistryUpdated(TvaersAggregate.Event):
        """Registry fields changed: the registry after, the fields that changed, and before.

        `changed` names the fields whose value changed and `previous` is the registry
        before (both absent from events written before 2026-12: compare with the previous
        RegistryUpdated/Registered instead). A change of only `kind` from projekt to drift
        is the anchoring step "Overgået fra projekt til drift"
        (`Partnership.enter_operations`, ADR 0017)."""

        registry: Registry
        changed: tuple[str, ...] = ()
        previous: Registry | None = None

        class_version = 2  # v2: changed, previous (issue 14)

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["changed"] = []
            state["previous"] = None

        def apply(self, p: Partnership) -> None:
            p.registry = self.registry

    class PartnerJoined(TvaersAggregate.Event):
        organisation_id: UUID
        rung: Rung
        evidence: str

        def apply(self, p: Partnership) -> None:
            spell = Spell(since=self.valid_on, since_version=self.originator_version)
            entry = RungEntry(
                rung=self.rung,
                valid_on=self.valid_on,
                version=self.originator_version,
                evidence=self.evidence,
            )
            key = str(self.organisation_id)
            if key in p.partners:
                p.partners[key].spells.append(spell)
                p.partners[key].rungs.append(entry)
            else:
                p.partners[key] = Partner(
                    organisation_id=self.organisation_id, spells=[spell], rungs=[entry]
                )
            p.correctable[str(self.originator_version)] = "PartnerJoined"

    class PartnerLeft(TvaersAggregate.Event):
        organisation_id: UUID

        def apply(self, p: Partnership) -> None:
            spell = p.partners[str(self.organisation_id)].spells[-1]
            spell.until = self.valid_on
            spell.until_version = self.originator_version
            # Roles held by the leaving organisation's people fall vacant with it.
            for position in p.roles.values():
                holder = position.holder
                if holder is not None and holder.organisation_id == self.organisation_id:
                    holder.spell.until = self.valid_on
                    holder.spell.until_version = self.originator_version
                    position.vacant_since = self.valid_on
            p.correctable[str(self.originator_version)] = "PartnerLeft"

    class RungChanged(TvaersAggregate.Event):
        organisation_id: UUID
        rung: Rung
        evidence: str
        agreement_id: UUID | None

        def apply(self, p: Partnership) -> None:
            p.partners[str(self.organisation_id)].rungs.append(
                RungEntry(
                    rung=self.rung,
                    valid_on=self.valid_on,
                    version=self.originator_version,
                    evidence=self.evidence,
                    agreement_id=self.agreement_id,
                )
            )
            p.correctable[str(self.originator_version)] = "RungChanged"

    class AgreementBacked(TvaersAggregate.Event):
        """A signed agreement now backs rungs 5/6 for its parties in its validity."""

        agreement_id: UUID
        kind: AgreementKind
        party_ids: tuple[UUID, ...]
        valid_from: date
        valid_to: date

        def apply(self, p: Partnership) -> None:
            p.agreements[str(self.agreement_id)] = Backing(
                agreement_id=self.agreement_id,
                kind=self.kind,
                party_ids=self.party_ids,
                valid_from=self.valid_from,
                valid_to=self.valid_to,
                signed_on=self.valid_on,
            )

    class AgreementRenewed(TvaersAggregate.Event):
        agreement_id: UUID
        valid_to: date

        def apply(self, p: Partnership) -> None:
            p.agreements[str(self.agreement_id)].valid_to = self.valid_to

    class AgreementEnded(TvaersAggregate.Event):
        agreement_id: UUID
        ended_on: date

        def apply(self, p: Partnership) -> None:
            p.agreements[str(self.agreement_id)].ended_on = self.ended_on

    class SteeringMemberAppointed(TvaersAggregate.Event):
        appointment_id: UUID
        person_id: UUID
        seat: SeatRole

        def apply(self, p: Partnership) -> None:
            p.appointments[str(self.appointment_id)] = Appointment(
                appointment_id=self.appointment_id,
                person_id=self.person_id,
                seat=self.seat,
                spell=Spell(since=self.valid_on, since_version=self.originator_version),
            )
            p.correctable[str(self.originator_version)] = "SteeringMemberAppointed"

    class SteeringMemberSteppedDown(TvaersAggregate.Event):
        appointment_id: UUID

        def apply(self, p: Partnership) -> None:
            spell = p.appointments[str(self.appointment_id)].spell
            spell.until = self.valid_on
            spell.until_version = self.originator_version
            p.correctable[str(self.originator_version)] = "SteeringMemberSteppedDown"

    class SteeringSeatChanged(TvaersAggregate.Event):
        """A steering-group member takes another seat (formand, næstformand, medlem)."""

        appointment_id: UUID
        person_id: UUID
        from_seat: SeatRole
        seat: SeatRole

        def apply(self, p: Partnership) -> None:
            appointment = p.appointments[str(self.appointment_id)]
            appointment.changes.append(
                SeatChange(
                    valid_on=self.valid_on,
                    from_seat=self.from_seat,
                    seat=self.seat,
                    version=self.originator_version,
                )
            )
            appointment.seat = self.seat

    class SecretariatAssigned(TvaersAggregate.Event):
        organisation_id: UUID

        def apply(self, p: Partnership) -> None:
            holding = SecretariatHolding(
                organisation_id=self.organisation_id,
                spell=Spell(since=self.valid_on, since_version=self.originator_version),
            )
            if p.secretariat is None:
                p.secretariat = Secretariat(holders=[holding])
                return
            previous = p.secretariat.holders[-1].spell
            previous.until = self.valid_on
            previous.until_version = self.originator_version
            p.secretariat.holders.append(holding)

    class SecretariatStaffed(TvaersAggregate.Event):
        person_id: UUID

        def apply(self, p: Partnership) -> None:
            assert p.secretariat is not None
            p.secretariat.staff.setdefault(str(self.person_id), []).append(
                Spell(since=self.valid_on, since_version=self.originator_version)
            )

    class SecretariatStaffLeft(TvaersAggregate.Event):
        person_id: UUID

        def apply(self, p: Partnership) -> None:
            assert p.secretariat is not None
            spell = p.secretariat.staff[str(self.person_id)][-1]
            spell.until = self.valid_on
            spell.until_version = self.originator_version

    class ActivityLaunched(TvaersAggregate.Event):
        activity_id: UUID
        title: str
        description: str
        category: PreventionCategory
        target_group: str
        arena: str
        owner_ids: tuple[UUID, ...]
        status: ActivityStatus

        def apply(self, p: Partnership) -> None:
            p.activities[str(self.activity_id)] = Activity(
                activity_id=self.activity_id,
                title=self.title,
                description=self.description,
                category=self.category,
                target_group=self.target_group,
                arena=self.arena,
                owner_ids=self.owner_ids,
                status=self.status,
                status_since=self.valid_on,
                launched_on=self.valid_on,
            )

    class ActivityStatusChanged(TvaersAggregate.Event):
        activity_id: UUID
        status: ActivityStatus

        def apply(self, p: Partnership) -> None:
            activity = p.activities[str(self.activity_id)]
            activity.status = self.status
            activity.status_since = self.valid_on

    class ActivityAdjusted(TvaersAggregate.Event):
        activity_id: UUID
        description: str
        title: str | None
        target_group: str | None
        arena: str | None
        owner_ids: tuple[UUID, ...] | None

        def apply(self, p: Partnership) -> None:
            activity = p.activities[str(self.activity_id)]
            activity.adjustments.append(
                Adjustment(
                    valid_on=self.valid_on,
                    version=self.originator_version,
                    description=self.description,
                )
            )
            if self.title is not None:
                activity.title = self.title
            if self.target_group is not None:
                activity.target_group = self.target_group
            if self.arena is not None:
                activity.arena = self.arena
            if self.owner_ids is not None:
                activity.owner_ids = self.owner_ids

    class TermsOfReferenceIssued(TvaersAggregate.Event):
        number: int
        terms: TermsOfReference
        decision_id: UUID | None

        def apply(self, p: Partnership) -> None:
            p.terms.append(
                TermsVersion(
                    number=self.number,
                    terms=self.terms,
                    valid_on=self.valid_on,
                    decision_id=self.decision_id,
                )
            )

    class DecisionRecorded(TvaersAggregate.Event):
        decision_id: UUID
        title: str
        approved: tuple[str, ...]
        linked_ids: tuple[UUID, ...] = ()

        class_version = 2  # v2: linked_ids (issue 14)

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["linked_ids"] = []

        def apply(self, p: Partnership) -> None:
            p.decisions[str(self.decision_id)] = Decision(
                decision_id=self.decision_id,
                meeting_on=self.valid_on,
                title=self.title,
                approved=self.approved,
                linked_ids=tuple(self.linked_ids),
            )

    class RoleAssigned(TvaersAggregate.Event):
        position_id: UUID
        role: RoleKind
        activity_id: UUID | None
        person_id: UUID
        organisation_id: UUID

        def apply(self, p: Partnership) -> None:
            key = str(self.position_id)
            if key not in p.roles:
                p.roles[key] = RolePosition(
                    position_id=self.position_id, role=self.role, activity_id=self.activity_id
                )
            position = p.roles[key]
            position.holdings.append(
                Holding(
                    person_id=self.person_id,
                    organisation_id=self.organisation_id,
                    spell=Spell(since=self.valid_on, since_version=self.originator_version),
                )
            )
            position.vacant_since = None
            p.correctable[str(self.originator_version)] = "RoleAssigned"

    class RoleHandedOver(TvaersAggregate.Event):
        position_id: UUID
        person_id: UUID
        organisation_id: UUID

        def apply(self, p: Partnership) -> None:
            position = p.roles[str(self.position_id)]
            holder = position.holder
            assert holder is not None
            holder.spell.until = self.valid_on
            holder.spell.until_version = self.originator_version
            position.holdings.append(
                Holding(
                    person_id=self.person_id,
                    organisation_id=self.organisation_id,
                    spell=Spell(since=self.valid_on, since_version=self.originator_version),
                )
            )
            p.correctable[str(self.originator_version)] = "RoleHandedOver"

    class RoleVacated(TvaersAggregate.Event):
        position_id: UUID

        def apply(self, p: Partnership) -> None:
            position = p.roles[str(self.position_id)]
            holder = position.holder
            assert holder is not None
            holder.spell.until = self.valid_on
            holder.spell.until_version = self.originator_version
            position.vacant_since = self.valid_on
            p.correctable[str(self.originator_version)] = "RoleVacated"

    class MilestoneRecorded(TvaersAggregate.Event):
        milestone_id: UUID
        dimension: Dimension
        status: AnchoringStatus
        title: str
        evidence: Evidence

        def apply(self, p: Partnership) -> None:
            p.milestones[str(self.milestone_id)] = Milestone(
                milestone_id=self.milestone_id,
                dimension=self.dimension,
                status=self.status,
                title=self.title,
                evidence=self.evidence,
                valid_on=self.valid_on,
                version=self.originator_version,
                recorded_by=self.actor,
            )
            p.correctable[str(self.originator_version)] = "MilestoneRecorded"

    class FactorRecorded(TvaersAggregate.Event):
        factor_id: UUID
        origin: FactorOrigin
        effect: FactorEffect
        description: str
        milestone_ids: tuple[UUID, ...]
        event_versions: tuple[int, ...] = ()  # the events it is linked to (issue 15)

        class_version = 2  # v2: event_versions (issue 15)

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["event_versions"] = []

        def apply(self, p: Partnership) -> None:
            p.factors[str(self.factor_id)] = Factor(
                factor_id=self.factor_id,
                origin=self.origin,
                effect=self.effect,
                description=self.description,
                milestone_ids=tuple(self.milestone_ids),
                valid_on=self.valid_on,
                event_versions=tuple(self.event_versions),
                version=self.originator_version,
            )

    class FactorLinked(TvaersAggregate.Event):
        factor_id: UUID
        milestone_id: UUID

        def apply(self, p: Partnership) -> None:
            factor = p.factors[str(self.factor_id)]
            factor.milestone_ids = (*factor.milestone_ids, self.milestone_id)

    class FactorEventLinked(TvaersAggregate.Event):
        """The factor came from, or bears on, an event of the partnership (a role vacated,
        a partner leaving, a decision, ...), named by its version in the stream."""

        factor_id: UUID
        event_version: int

        def apply(self, p: Partnership) -> None:
            factor = p.factors[str(self.factor_id)]
            factor.event_versions = (*factor.event_versions, self.event_version)

    class AnchoringRated(TvaersAggregate.Event):
        """The steering group's self-assessment (selvevaluering) of one anchoring dimension.

        Kept only in the history (the views pair it with the milestones); the aggregate
        notes it as a dated fact, so its date can be corrected like the others.
        """

        rating_id: UUID
        dimension: Dimension
        rating: int
        comment: str
        rated_by: UUID | None

        def apply(self, p: Partnership) -> None:
            p.correctable[str(self.originator_version)] = "AnchoringRated"

    class EvaluationRecorded(TvaersAggregate.Event):
        evaluation_id: UUID
        kind: EvaluationKind
        evaluator: str
        method: EvaluationMethod
        findings: str
        who5: Who5 | None = None

        class_version = 2  # v2: who5 (issue 14)

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["who5"] = None

        def apply(self, p: Partnership) -> None:
            p.evaluations[str(self.evaluation_id)] = Evaluation(
                evaluation_id=self.evaluation_id,
                kind=self.kind,
                evaluator=self.evaluator,
                method=self.method,
                findings=self.findings,
                valid_on=self.valid_on,
                who5=self.who5,
            )

    class AssessmentRecorded(TvaersAggregate.Event):
        evaluation_id: UUID
        question: AssessmentQuestion
        answer: AssessmentAnswer

        def apply(self, p: Partnership) -> None:
            p.evaluations[str(self.evaluation_id)].assessments.append(
                Assessment(question=self.question, answer=self.answer, valid_on=self.valid_on)
            )

    class FollowUpScheduled(TvaersAggregate.Event):
        follow_up_id: UUID
        activity_id: UUID | None
        label: str
        due_on: date
        cohort: int

        def apply(self, p: Partnership) -> None:
            p.follow_ups[str(self.follow_up_id)] = FollowUp(
                follow_up_id=self.follow_up_id,
                activity_id=self.activity_id,
                label=self.label,
                due_on=self.due_on,
                cohort=self.cohort,
            )

    class FollowUpRecorded(TvaersAggregate.Event):
        follow_up_id: UUID
        reached: int
        retained: int

        def apply(self, p: Partnership) -> None:
            follow_up = p.follow_ups[str(self.follow_up_id)]
            follow_up.reached = self.reached
            follow_up.retained = self.retained
            follow_up.recorded_on = self.valid_on

    class PhaseEntered(TvaersAggregate.Event):
        phase: ImplementationPhase
        note: str

        def apply(self, p: Partnership) -> None:
            p.phases.append(PhaseEntry(phase=self.phase, note=self.note, valid_on=self.valid_on))

    class DateCorrected(TvaersAggregate.Event):
        """Corrects the valid date of an earlier event (named by its version)."""

        corrects_version: int
        corrected_valid_on: date

        def apply(self, p: Partnership) -> None:
            p._redate(self.corrects_version, self.corrected_valid_on)

    class RungCorrected(TvaersAggregate.Event):
        """Corrects the rung (and evidence) of an earlier ladder entry."""

        corrects_version: int
        rung: Rung
        evidence: str

        def apply(self, p: Partnership) -> None:
            p._rerung(self.corrects_version, self.rung, self.evidence)

    class MilestoneCorrected(TvaersAggregate.Event):
        """Corrects the content of an earlier milestone."""

        corrects_version: int
        dimension: Dimension
        status: AnchoringStatus
        title: str
        evidence: Evidence

        def apply(self, p: Partnership) -> None:
            for milestone in p.milestones.values():
                if milestone.version == self.corrects_version:
                    milestone.dimension = self.dimension
                    milestone.status = self.status
                    milestone.title = self.title
                    milestone.evidence = self.evidence

    # -- creation ----------------------------------------------------------------------

    @classmethod
    def register(cls, *, registry: Registry, lead_organisation_id: UUID, meta: Meta) -> Partnership:
        return cls._create_with(
            cls.Registered,
            meta,
            registry=registry.validated(),
            lead_organisation_id=lead_organisation_id,
        )

    # -- queries used by rules, services and tests -------------------------------------

    @property
    def title(self) -> str:
        return self.registry.title

    def partner(self, organisation_id: UUID) -> Partner:
        partner = self.partners.get(str(organisation_id))
        if partner is None or not partner.is_active:
            raise NotAPartner(
                f"Organisation {organisation_id} is not a partner of {self.title!r}.",
                da="{organisation} er ikke partner i «{partnership}».",
                organisation=organisation_id,
                partnership=self.title,
            )
        return partner

    def is_partner(self, organisation_id: UUID) -> bool:
        partner = self.partners.get(str(organisation_id))
        return partner is not None and partner.is_active

    @property
    def active_partner_ids(self) -> list[UUID]:
        return [p.organisation_id for p in self.partners.values() if p.is_active]

    def rung_of(self, organisation_id: UUID, on: date | None = None) -> Rung | None:
        partner = self.partners.get(str(organisation_id))
        if partner is None:
            raise NotAPartner(
                f"Organisation {organisation_id} has never been a partner.",
                da="{organisation} har aldrig været partner i «{partnership}».",
                organisation=organisation_id,
                partnership=self.title,
            )
        return partner.rung if on is None else partner.rung_on(on)

    def rung_standing_on(self, organisation_id: UUID, on: date) -> Rung | None:
        """The rung every view shows on `on`: as recorded, less the drops of agreements that
        have run out by then, recorded or not (aggregates/validity.py, ADR 0015)."""
        partner = self.partners.get(str(organisation_id))
        if partner is None:
            return None
        entries = [e for e in partner.rungs if e.valid_on <= on]
        if not entries or organisation_id == self.lead_organisation_id:
            return partner.rung_on(on)
        latest = max(entries, key=lambda e: (e.valid_on, e.version))
        held = [
            (backing, backing.kind.rung, backing.kind.label_da)
            for backing in self.agreements.values()
            if organisation_id in backing.party_ids
        ]
        lapse = validity.rung_on(latest.rung, latest.valid_on, on, validity.lapses(held))
        return latest.rung if lapse is None else lapse.rung

    def backing_kinds(self, organisation_id: UUID, on: date) -> set[AgreementKind]:
        return {
            backing.kind
            for backing in self.agreements.values()
            if organisation_id in backing.party_ids and backing.in_force_on(on)
        }

    def highest_backed_rung(self, organisation_id: UUID, on: date) -> Rung:
        kinds = self.backing_kinds(organisation_id, on)
        if not kinds:
            return Rung.INFORMAL_COOPERATION
        return max(kind.rung for kind in kinds)

    @property
    def starts_on(self) -> date:
        """When the partnership starts: its period's start when set, else the valid date
        of its registration (the day the lead organisation's membership began)."""
        return self._start_with(self.registry)

    def _start_with(self, registry: Registry) -> date:
        if registry.period_start is not None:
            return registry.period_start
        return self.partners[str(self.lead_organisation_id)].spells[0].since

    def backing_above(
        self, organisation_id: UUID, rung: Rung, since: date, until: date | None
    ) -> tuple[Backing, date] | None:
        """A signed agreement of the partner's, in force on some day from `since` up to
        (not including) `until`, that backs a rung above `rung`; with the first such day."""
        found: list[tuple[date, str, Backing]] = []
        for backing in self.agreements.values():
            if organisation_id not in backing.party_ids or backing.kind.rung <= rung:
                continue
            first = max(backing.signed_on, backing.valid_from, since)
            last = backing.valid_to  # inclusive
            if backing.ended_on is not None:
                last = min(last, backing.ended_on - timedelta(days=1))
            if until is not None:
                last = min(last, until - timedelta(days=1))
            if first <= last:
                found.append((first, str(backing.agreement_id), backing))
        if not found:
            return None
        first, _id, backing = min(found, key=lambda f: (f[0], f[1]))
        return backing, first

    def check_not_below_backing(
        self, organisation_id: UUID, rung: Rung, since: date, until: date | None
    ) -> None:
        """A partner does not stand below the rung a signed agreement in force backs: the
        ladder and the agreement would contradict each other (end or terminate it first)."""
        above = self.backing_above(organisation_id, rung, since, until)
        if above is None:
            return
        backing, day = above
        raise RungNotBacked(
            f"Organisation {organisation_id} cannot stand on rung {rung.value} from {day}: "
            f"the {backing.kind.label_da} {backing.agreement_id} (valid {backing.valid_from} "
            f"- {backing.valid_to}) is in force and backs rung {backing.kind.rung.value}. "
            "End or terminate the agreement first.",
            da="{organisation} kan ikke stå på trin {rung} fra {on}: {kind}n «{agreement}» "
            "(gyldig fra {valid_from} til {valid_to}) er i kraft og bærer trin {backed}. Registrér "
            "først, at aftalen er ophørt eller opsagt.",
            organisation=organisation_id,
            rung=rung,
            on=day,
            kind=backing.kind,
            agreement=backing.agreement_id,
            valid_from=backing.valid_from,
            valid_to=backing.valid_to,
            backed=backing.kind.rung,
        )

    def active_appointments(self, on: date | None = None) -> list[Appointment]:
        return [
            a
            for a in self.appointments.values()
            if (a.spell.until is None if on is None else a.spell.covers(on))
        ]

    def anchoring_status(self, dimension: Dimension, on: date | None = None) -> AnchoringStatus:
        relevant = [
            m
            for m in self.milestones.values()
            if m.dimension is dimension and (on is None or m.valid_on <= on)
        ]
        if not relevant:
            return AnchoringStatus.NONE
        return max(relevant, key=lambda m: (m.valid_on, m.version)).status

    def activity(self, activity_id: UUID) -> Activity:
        activity = self.activities.get(str(activity_id))
        if activity is None:
            raise NotFound(
                f"No activity {activity_id} in {self.title!r}.",
                da="Aktiviteten findes ikke i «{partnership}».",
                partnership=self.title,
            )
        return activity

    def role_position(self, position_id: UUID) -> RolePosition:
        position = self.roles.get(str(position_id))
        if position is None:
            raise NotFound(
                f"No role position {position_id} in {self.title!r}.",
                da="Rollen findes ikke i «{partnership}».",
                partnership=self.title,
            )
        return position

    def _dated_facts(self, version: int) -> list[Spell | RungEntry | Milestone]:
        """Every piece of state whose date was recorded by the event of that version."""
        found: list[Spell | RungEntry | Milestone] = []
        for partner in self.partners.values():
            found += [s for s in partner.spells if version in (s.since_version, s.until_version)]
            found += [r for r in partner.rungs if r.version == version]
        for appointment in self.appointments.values():
            if version in (appointment.spell.since_version, appointment.spell.until_version):
                found.append(appointment.spell)
        for position in self.roles.values():
            found += [
                h.spell
                for h in position.holdings
                if version in (h.spell.since_version, h.spell.until_version)
            ]
        found += [m for m in self.milestones.values() if m.version == version]
        return found

    def _shadow(self) -> Partnership:
        """A copy to try a correction on: the dated parts copied, the rest shared.

        Only what `_redate`/`_rerung` change is copied (msgspec round trip: much faster
        than copy.deepcopy on a long history); `_check_timeline` only reads the rest.
        """
        shadow = copy.copy(self)
        shadow.partners = _copied(self.partners, dict[str, Partner])
        shadow.appointments = _copied(self.appointments, dict[str, Appointment])
        shadow.roles = _copied(self.roles, dict[str, RolePosition])
        shadow.milestones = _copied(self.milestones, dict[str, Milestone])
        return shadow

    def _redate(self, version: int, day: date) -> None:
        """Move every date the event of `version` recorded to `day` (a date correction)."""
        for target in self._dated_facts(version):
            if isinstance(target, Spell):
                if target.since_version == version:
                    target.since = day
                if target.until_version == version:
                    target.until = day
            else:
                target.valid_on = day
        for position in self.roles.values():
            last = position.holdings[-1].spell if position.holdings else None
            if position.holder is None and last is not None and last.until_version == version:
                position.vacant_since = day

    def _rerung(self, version: int, rung: Rung, evidence: str) -> None:
        for target in self._dated_facts(version):
            if isinstance(target, RungEntry):
                target.rung = rung
                target.evidence = evidence

    def _broken_rules(self) -> set[tuple[str, str]]:
        """The partners for whom the history already breaks a rule added later (issue 14:
        a join before the start, a stretch below an agreement in force): recorded before
        the rule, kept as recorded. A correction must not add to them, but may be made
        where they stand (`_check_timeline`'s `known`)."""
        broken: set[tuple[str, str]] = set()
        for partner in self.partners.values():
            key = str(partner.organisation_id)
            try:
                self.check_joins_after_start(partner.organisation_id, partner.spells[0].since)
            except InconsistentDates:
                broken.add(("start", key))
            try:
                self._check_not_below(partner)
            except RungNotBacked:
                broken.add(("below", key))
        return broken

    def _check_timeline(self, known: Collection[tuple[str, str]] = ()) -> None:
        """Invariants over the whole history: what a correction must not break (`known`:
        the rules the history broke already, see `_broken_rules`)."""
        for partner in self.partners.values():
            key = str(partner.organisation_id)
            if ("start", key) not in known:
                self.check_joins_after_start(partner.organisation_id, partner.spells[0].since)
            if ("below", key) not in known:
                self._check_not_below(partner)
            for earlier, later in itertools.pairwise(partner.spells):
                assert earlier.until is not None
                self.check_after(earlier.until, later.since, "A partner rejoins after it left")
            for spell in partner.spells:
                if spell.until is not None:
                    self.check_after(spell.since, spell.until, "A partner leaves after joining")
            for entry in partner.rungs:
                spell = next(
                    s
                    for s in partner.spells
                    if s.since_version <= entry.version
                    and (s.until_version is None or entry.version < s.until_version)
                )
                if entry.valid_on < spell.since or (
                    spell.until is not None and entry.valid_on > spell.until
                ):
                    raise InconsistentDates(
                        f"A ladder move on {entry.valid_on} falls outside the partner's "
                        f"membership ({spell.since} - {spell.until or 'now'}).",
                        da="{organisation} kan ikke skifte trin den {on}: datoen ligger uden for "
                        "perioden, hvor {organisation} er partner ({since} til {until}).",
                        organisation=partner.organisation_id,
                        on=entry.valid_on,
                        since=spell.since,
                        until=spell.until or "nu",
                    )
            self._check_ladder_backing(partner)
        for appointment in self.appointments.values():
            if appointment.spell.until is not None:
                self.check_after(
                    appointment.spell.since,
                    appointment.spell.until,
                    "A step-down follows the appointment",
                )
            for change in appointment.changes:
                self.check_after(
                    appointment.spell.since,
                    change.valid_on,
                    "A seat change follows the appointment",
                )
                if appointment.spell.until is not None:
                    self.check_after(
                        change.valid_on,
                        appointment.spell.until,
                        "A step-down follows a seat change",
                    )
        for a, b in itertools.combinations(self.appointments.values(), 2):
            if _overlap(a.spell, b.spell) and a.person_id == b.person_id:
                raise AlreadyOnSteeringGroup(
                    "The person would sit twice at the same time.",
                    da="{person} ville sidde i styregruppen to gange på samme tid (fra {since}).",
                    person=a.person_id,
                    since=max(a.spell.since, b.spell.since),
                )
            for seat, when in a.seat_spells():
                if _holds(b, seat, when):
                    raise SeatOccupied(
                        f"The steering group would have two of {seat.label_da}.",
                        da="Styregruppen ville have to på pladsen som {seat} fra {since}: "
                        "{person} og {other}.",
                        seat=seat,
                        since=max(when.since, b.spell.since),
                        person=a.person_id,
                        other=b.person_id,
                    )
        for decision in self.decisions.values():
            if not self.active_appointments(on=decision.meeting_on):
                raise NoSteeringGroup(
                    f"The decision {decision.title!r} of {decision.meeting_on} would have "
                    "no steering group.",
                    da="Beslutningen «{decision}» fra mødet {on} ville stå uden en styregruppe.",
                    decision=decision.title,
                    on=decision.meeting_on,
                )
        for position in self.roles.values():
            for holding in position.holdings:
                if holding.spell.until is not None:
                    self.check_after(
                        holding.spell.since, holding.spell.until, "A role ends after it began"
                    )

    def check_joins_after_start(
        self, organisation_id: UUID, on: date, registry: Registry | None = None
    ) -> None:
        """A partner joins on or after the day the partnership starts (`starts_on`; with
        `registry`, the start that registry would give)."""
        start = self._start_with(registry or self.registry)
        if organisation_id != self.lead_organisation_id and on < start:
            raise InconsistentDates(
                f"Organisation {organisation_id} cannot join {self.title!r} on {on}: "
                f"the partnership starts on {start}.",
                da="{organisation} kan ikke blive partner i «{partnership}» den {on}: "
                "partnerskabet starter først {start}.",
                organisation=organisation_id,
                partnership=self.title,
                on=on,
                start=start,
            )

    def _check_not_below(self, partner: Partner) -> None:
        """No stretch after a ladder move lies below what an agreement in force backs."""
        entries = sorted(partner.rungs, key=lambda e: (e.valid_on, e.version))
        for entry, following in itertools.zip_longest(entries, entries[1:]):
            if (
                entry is not None
                and self.correctable.get(str(entry.version)) == "RungChanged"
                and (following is None or following.valid_on > entry.valid_on)
            ):
                until = following.valid_on if following is not None else None
                self.check_not_below_backing(
                    partner.organisation_id, entry.rung, entry.valid_on, until
                )

    def _check_ladder_backing(self, partner: Partner) -> None:
        """Every stretch on rung 5-6 starts backed and ends by the time its backing ended."""
        entries = sorted(partner.rungs, key=lambda e: (e.valid_on, e.version))
        for entry, following in itertools.zip_longest(entries, entries[1:]):
            if entry is None or entry.rung < Rung.COOPERATION_AGREEMENT:
                continue
            self.check_rung_backed(partner.organisation_id, entry.rung, entry.valid_on)
            backings = [
                b
                for b in self.agreements.values()
                if partner.organisation_id in b.party_ids
                and b.in_force_on(entry.valid_on)
                and b.kind.rung >= entry.rung
            ]
            ends = [b.ended_on for b in backings]
            if all(end is not None for end in ends):
                last_end = max(end for end in ends if end is not None)
                stretch_end = following.valid_on if following is not None else None
                if stretch_end is None or stretch_end > last_end:
                    raise RungNotBacked(
                        f"Rung {entry.rung.value} from {entry.valid_on} would outlast its "
                        f"agreement, which ended on {last_end}.",
                        da="{organisation} kan ikke stå på trin {rung} fra {on}: aftalen, der "
                        "bar trinnet, ophørte {ended}.",
                        organisation=partner.organisation_id,
                        rung=entry.rung,
                        on=entry.valid_on,
                        ended=last_end,
                    )

    # -- rules -------------------------------------------------------------------------

    def check_not_lead(self, organisation_id: UUID, what: str) -> None:
        if organisation_id == self.lead_organisation_id:
            raise LeadOrganisationRule(
                f"The lead organisation {what}: "
                "it anchors the partnership and is not on the ladder.",
                da="{organisation} er den ledende organisation og {what}: den bærer "
                "partnerskabet og står ikke selv på partnerskabstrappen.",
                organisation=organisation_id,
                what=LEAD_RULES_DA[what],
            )

    def check_rung_backed(self, organisation_id: UUID, rung: Rung, on: date) -> None:
        if rung >= Rung.COOPERATION_AGREEMENT and rung > self.highest_backed_rung(
            organisation_id, on
        ):
            needed = (
                AgreementKind.PARTNERSHIP
                if rung is Rung.PARTNERSHIP_AGREEMENT
                else AgreementKind.COOPERATION
            )
            raise RungNotBacked(
                f"Rung {rung.value} ({rung.label_da}) needs a {needed.label_da} in force "
                f"on {on} between the partner and the partnership.",
                da="{organisation} kan først stå på trin {rung} den {on}, når en underskrevet "
                "{needed} mellem partneren og partnerskabet er i kraft på datoen.",
                organisation=organisation_id,
                rung=rung,
                on=on,
                needed=needed,
            )

    def check_after(self, earlier: date, later: date, what: str) -> None:
        """`later` is not before `earlier` (`what` names the rule, a key of AFTER_DA)."""
        if later < earlier:
            raise InconsistentDates(
                f"{what}: {later} is before {earlier}.",
                da=AFTER_DA[what],
                earlier=earlier,
                later=later,
            )

    def check_owners_are_partners(self, owner_ids: Collection[UUID]) -> None:
        if not owner_ids:
            raise InvalidValue(
                "An activity needs at least one owner partner.",
                da="En aktivitet skal have mindst én partner som ejer.",
            )
        for owner_id in owner_ids:
            self.partner(owner_id)

    @staticmethod
    def _check_new_id(existing: Mapping[str, object], new_id: UUID, what: str) -> None:
        if str(new_id) in existing:
            raise AlreadyExists(
                f"The id {new_id} is already used by another {what}.",
                da="Id'et {id} bruges allerede af en anden {what}.",
                id=str(new_id),
                what=NEW_ID_DA.get(what, what),
            )

    def check_activity_open(self, activity: Activity) -> None:
        if activity.status is ActivityStatus.ENDED:
            raise ActivityEnded(
                f"Activity {activity.title!r} has ended.",
                da="Aktiviteten «{activity}» er afsluttet ({since}).",
                activity=activity.title,
                since=activity.status_since,
            )

    # -- commands: registry ------------------------------------------------------------

    def update_registry(self, registry: Registry, meta: Meta) -> None:
        """Replace the registry fields; the event names the fields that changed."""
        new = registry.validated()
        start = self.starts_on
        for partner in self.partners.values():  # a later start keeps every partner in it
            if partner.spells[0].since >= start:  # (one recorded before the rule stays)
                self.check_joins_after_start(partner.organisation_id, partner.spells[0].since, new)
        changed = registry_changes(self.registry, new)
        if not changed:
            raise NoChange(
                "The registry fields are unchanged.", da="Stamdata er uændrede: intet at gemme."
            )
        self._trigger(
            self.RegistryUpdated, meta, registry=new, changed=changed, previous=self.registry
        )

    def change_registry_fields(self, fields: Mapping[str, object], meta: Meta) -> None:
        """Change only the named registry fields of the current registry."""
        unknown = sorted(set(fields) - set(Registry.__struct_fields__))
        if unknown:
            raise InvalidValue(
                f"No registry field {unknown}.",
                da="Stamdata har ikke feltet {fields}.",
                fields=tuple(unknown),
            )
        values = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in fields.items()
        }
        self.update_registry(msgspec.structs.replace(self.registry, **values), meta)

    def enter_operations(self, meta: Meta) -> None:
        """The anchoring step: the partnership goes from projekt to drift (permanent
        operation). Recorded as a registry change of `kind` alone."""
        if self.registry.kind is PartnershipType.OPERATIONS:
            raise NoChange(
                "The partnership is already in operation (drift).",
                da="Partnerskabet er allerede i drift.",
            )
        self.change_registry_fields({"kind": PartnershipType.OPERATIONS}, meta)

    # -- commands: partners and the ladder ---------------------------------------------

    def join_partner(
        self,
        organisation_id: UUID,
        meta: Meta,
        *,
        rung: Rung = Rung.KNOW_EACH_OTHER,
        evidence: str = "",
    ) -> None:
        if self.is_partner(organisation_id):
            raise AlreadyAPartner(
                f"Organisation {organisation_id} is already a partner of {self.title!r}.",
                da="{organisation} er allerede partner i «{partnership}».",
                organisation=organisation_id,
                partnership=self.title,
            )
        previous = self.partners.get(str(organisation_id))
        if previous is not None:
            last_until = previous.spells[-1].until
            assert last_until is not None
            self.check_after(last_until, meta.valid_on, "A partner rejoins after it left")
        self.check_joins_after_start(organisation_id, meta.valid_on)
        rung = Rung(rung)
        if rung >= Rung.COOPERATION_AGREEMENT:
            raise RungNotBacked(
                "A new partner starts at most on rung 4; rungs 5-6 follow from a signed agreement.",
                da="{organisation} kan højst starte på trin 4; trin 5 og 6 følger af en "
                "underskrevet aftale, ikke trin {rung}.",
                organisation=organisation_id,
                rung=rung,
            )
        self._trigger(
            self.PartnerJoined,
            meta,
            organisation_id=organisation_id,
            rung=rung,
            evidence=evidence.strip(),
        )

    def leave_partner(self, organisation_id: UUID, meta: Meta) -> None:
        self.check_not_lead(organisation_id, "cannot leave the partnership")
        partner = self.partner(organisation_id)
        if self.secretariat is not None and self.secretariat.organisation_id == organisation_id:
            raise SecretariatRule(
                "The partner holds the secretariat: move it before leaving.",
                da="{organisation} har sekretariatet: flyt det til en anden partner, før "
                "{organisation} udtræder.",
                organisation=organisation_id,
            )
        owned = [
            a.title
            for a in self.activities.values()
            if organisation_id in a.owner_ids and a.status is not ActivityStatus.ENDED
        ]
        if owned:
            raise ActivityStateError(
                "The partner owns activities that have not ended; end them or hand them "
                f"over first: {', '.join(owned)}.",
                da="{organisation} ejer aktiviteter, der ikke er afsluttet: {activities}. "
                "Afslut dem eller giv dem videre først.",
                organisation=organisation_id,
                activities=tuple(owned),
            )
        self.check_after(partner.spells[-1].since, meta.valid_on, "A partner leaves after joining")
        self._trigger(self.PartnerLeft, meta, organisation_id=organisation_id)

    def move_on_ladder(
        self,
        organisation_id: UUID,
        rung: Rung,
        evidence: str,
        meta: Meta,
        *,
        agreement_id: UUID | None = None,
    ) -> None:
        self.check_not_lead(organisation_id, "is not on the ladder")
        partner = self.partner(organisation_id)
        rung = Rung(rung)
        self.check_after(partner.spells[-1].since, meta.valid_on, "A ladder move follows joining")
        if self.rung_standing_on(organisation_id, meta.valid_on) is rung:
            raise NoChange(
                f"The partner already stands on rung {rung.value} on {meta.valid_on}.",
                da="{organisation} står allerede på trin {rung} den {on}.",
                organisation=organisation_id,
                rung=rung,
                on=meta.valid_on,
            )
        self.check_rung_backed(organisation_id, rung, meta.valid_on)
        later = [e.valid_on for e in partner.rungs if e.valid_on > meta.valid_on]
        self.check_not_below_backing(organisation_id, rung, meta.valid_on, min(later, default=None))
        self._trigger(
            self.RungChanged,
            meta,
            organisation_id=organisation_id,
            rung=rung,
            evidence=require_text(evidence, "Evidence for a ladder move"),
            agreement_id=agreement_id,
        )

    # -- commands: agreements as the ladder sees them -----------------------------------

    def record_signed_agreement(
        self,
        *,
        agreement_id: UUID,
        kind: AgreementKind,
        party_ids: Collection[UUID],
        valid_from: date,
        valid_to: date,
        meta: Meta,
    ) -> None:
        """All parties signed: the agreement backs rungs and lifts the external parties."""
        if str(agreement_id) in self.agreements:
            raise NoChange(
                f"Agreement {agreement_id} is already recorded.",
                da="Aftalen «{agreement}» er allerede registreret i partnerskabet.",
                agreement=agreement_id,
            )
        self._trigger(
            self.AgreementBacked,
            meta,
            agreement_id=agreement_id,
            kind=kind,
            party_ids=tuple(party_ids),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        effective = max(meta.valid_on, valid_from)
        if effective > valid_to:
            return
        lifted = meta.scheduled_on(effective)
        for party_id in party_ids:
            if party_id == self.lead_organisation_id or not self.is_partner(party_id):
                continue
            current = self.partners[str(party_id)].rung_on(effective)
            if current is None or current < kind.rung:
                self._trigger(
                    self.RungChanged,
                    lifted,
                    organisation_id=party_id,
                    rung=kind.rung,
                    evidence=f"{kind.label_da} underskrevet af alle parter",
                    agreement_id=agreement_id,
                )

    def record_agreement_renewed(self, agreement_id: UUID, valid_to: date, meta: Meta) -> None:
        backing = self._backing(agreement_id)
        if backing.ended_on is not None:
            raise NoChange(
                f"Agreement {agreement_id} has ended and cannot be renewed.",
                da="Aftalen «{agreement}» ophørte den {ended} og kan ikke fornyes.",
                agreement=agreement_id,
                ended=backing.ended_on,
            )
        if valid_to <= backing.valid_to:
            raise InconsistentDates(
                f"A renewal must extend the validity beyond {backing.valid_to}, got {valid_to}.",
                da="En fornyelse af «{agreement}» skal forlænge den ud over {current}; "
                "{valid_to} gør ikke.",
                agreement=agreement_id,
                current=backing.valid_to,
                valid_to=valid_to,
            )
        self._trigger(self.AgreementRenewed, meta, agreement_id=agreement_id, valid_to=valid_to)

    def record_agreement_ended(self, agreement_id: UUID, ended_on: date, meta: Meta) -> None:
        """Expiry or termination: parties drop to the highest rung still backed (at least 4)."""
        backing = self._backing(agreement_id)
        if backing.ended_on is not None:
            raise NoChange(
                f"Agreement {agreement_id} has already ended.",
                da="Aftalen «{agreement}» er allerede ophørt ({ended}).",
                agreement=agreement_id,
                ended=backing.ended_on,
            )
        self._trigger(self.AgreementEnded, meta, agreement_id=agreement_id, ended_on=ended_on)
        for party_id in backing.party_ids:
            if party_id == self.lead_organisation_id or not self.is_partner(party_id):
                continue
            partner = self.partners[str(party_id)]
            # Drop on the end date, and undo lifts this agreement scheduled for later
            # (an agreement ended before its validity began).
            days = {ended_on} | {
                e.valid_on
                for e in partner.rungs
                if e.agreement_id == agreement_id and e.valid_on > ended_on
            }
            for day in sorted(days):
                current = partner.rung_on(day)
                still_backed = self.highest_backed_rung(party_id, day)
                if current is not None and current > still_backed:
                    self._trigger(
                        self.RungChanged,
                        meta.scheduled_on(day),
                        organisation_id=party_id,
                        rung=still_backed,
                        evidence=f"{backing.kind.label_da} ophørt",
                        agreement_id=agreement_id,
                    )

    def _backing(self, agreement_id: UUID) -> Backing:
        backing = self.agreements.get(str(agreement_id))
        if backing is None:
            raise NotFound(
                f"Agreement {agreement_id} is not signed for {self.title!r}.",
                da="Aftalen «{agreement}» er ikke underskrevet for «{partnership}».",
                agreement=agreement_id,
                partnership=self.title,
            )
        return backing

    # -- commands: steering group and secretariat --------------------------------------

    def appoint_steering_member(
        self, person_id: UUID, seat: SeatRole, meta: Meta, *, appointment_id: UUID | None = None
    ) -> UUID:
        seat = SeatRole(seat)
        appointment_id = appointment_id or uuid4()
        self._check_new_id(self.appointments, appointment_id, "appointment")
        overlapping = [
            a
            for a in self.appointments.values()
            if a.spell.until is None or a.spell.until > meta.valid_on
        ]
        for active in overlapping:
            if active.person_id == person_id:
                raise AlreadyOnSteeringGroup(
                    "The person already sits on the steering group.",
                    da="{person} sidder allerede i styregruppen (siden {since}).",
                    person=person_id,
                    since=active.spell.since,
                )
        self._check_seat_free(seat, Spell(since=meta.valid_on, since_version=self.version + 1))
        self._trigger(
            self.SteeringMemberAppointed,
            meta,
            appointment_id=appointment_id,
            person_id=person_id,
            seat=seat,
        )
        return appointment_id

    def _check_seat_free(
        self, seat: SeatRole, spell: Spell, *, besides: UUID | None = None
    ) -> None:
        """At most one formand and one næstformand at a time: no appointment (but
        `besides`) holds a single seat during `spell`."""
        for other in self.appointments.values():
            if other.appointment_id != besides and _holds(other, seat, spell):
                raise SeatOccupied(
                    f"The steering group already has a {seat.label_da}.",
                    da="{person} er allerede {seat} i styregruppen den {on}: skift først "
                    "{person}s plads, eller registrér, at {person} udtræder.",
                    seat=seat,
                    on=spell.since,
                    person=other.person_id,
                )

    def change_steering_seat(self, person_id: UUID, seat: SeatRole, meta: Meta) -> None:
        """The member takes another seat from `meta.valid_on` until they step down.

        A formand appointed as medlem by mistake: the change dated the appointment's day.
        The person must sit on the steering group that day; changes follow one another in
        time; a single seat (formand, næstformand) stays single.
        """
        seat = SeatRole(seat)
        day = meta.valid_on
        appointment = next(
            (
                a
                for a in self.appointments.values()
                if a.person_id == person_id and a.spell.covers(day)
            ),
            None,
        )
        if appointment is None:
            raise NotOnSteeringGroup(
                f"The person does not sit on the steering group on {day}.",
                da="{person} sidder ikke i styregruppen den {on}.",
                person=person_id,
                on=day,
            )
        if appointment.changes:
            self.check_after(
                appointment.changes[-1].valid_on, day, "A seat change follows the previous one"
            )
        if appointment.seat is seat:
            raise NoChange(
                f"The person already holds the seat of {seat.label_da}.",
                da="{person} har allerede pladsen som {seat}.",
                person=person_id,
                seat=seat,
            )
        self._check_seat_free(
            seat,
            Spell(since=day, since_version=self.version + 1, until=appointment.spell.until),
            besides=appointment.appointment_id,
        )
        self._trigger(
            self.SteeringSeatChanged,
            meta,
            appointment_id=appointment.appointment_id,
            person_id=person_id,
            from_seat=appointment.seat,
            seat=seat,
        )

    def step_down_steering_member(self, person_id: UUID, meta: Meta) -> None:
        for active in self.active_appointments():
            if active.person_id == person_id:
                self.check_after(
                    active.spell.since, meta.valid_on, "A step-down follows the appointment"
                )
                if active.changes:
                    self.check_after(
                        active.changes[-1].valid_on,
                        meta.valid_on,
                        "A step-down follows a seat change",
                    )
                self._trigger(
                    self.SteeringMemberSteppedDown, meta, appointment_id=active.appointment_id
                )
                return
        raise NotOnSteeringGroup(
            "The person does not sit on the steering group.",
            da="{person} sidder ikke i styregruppen.",
            person=person_id,
        )

    def assign_secretariat(self, organisation_id: UUID, meta: Meta) -> None:
        """Place the secretariat with a partner (or move it from its current holder)."""
        self.partner(organisation_id)
        if self.secretariat is not None:
            if self.secretariat.organisation_id == organisation_id:
                raise NoChange(
                    "That organisation already holds the secretariat.",
                    da="{organisation} har allerede sekretariatet.",
                    organisation=organisation_id,
                )
            self.check_after(
                self.secretariat.holders[-1].spell.since,
                meta.valid_on,
                "Moving the secretariat follows its placement",
            )
        self._trigger(self.SecretariatAssigned, meta, organisation_id=organisation_id)

    def staff_secretariat(self, person_id: UUID, meta: Meta) -> None:
        if self.secretariat is None:
            raise SecretariatRule(
                "Assign the secretariat to an organisation first.",
                da="Placér først sekretariatet hos en partner.",
            )
        if self.secretariat.is_staffed_by(person_id):
            raise SecretariatRule(
                "The person already staffs the secretariat.",
                da="{person} er allerede med i sekretariatet.",
                person=person_id,
            )
        earlier = self.secretariat.staff.get(str(person_id))
        if earlier:
            last_until = earlier[-1].until
            assert last_until is not None
            self.check_after(last_until, meta.valid_on, "Rejoining the secretariat follows leaving")
        self._trigger(self.SecretariatStaffed, meta, person_id=person_id)

    def release_secretariat_staff(self, person_id: UUID, meta: Meta) -> None:
        if self.secretariat is None or not self.secretariat.is_staffed_by(person_id):
            raise SecretariatRule(
                "The person does not staff the secretariat.",
                da="{person} er ikke med i sekretariatet.",
                person=person_id,
            )
        spell = self.secretariat.staff[str(person_id)][-1]
        self.check_after(spell.since, meta.valid_on, "Leaving the secretariat follows joining it")
        self._trigger(self.SecretariatStaffLeft, meta, person_id=person_id)

    # -- commands: activities ----------------------------------------------------------

    def launch_activity(
        self,
        *,
        title: str,
        category: PreventionCategory,
        owner_ids: Collection[UUID],
        meta: Meta,
        description: str = "",
        target_group: str = "",
        arena: str = "",
        running: bool = False,
        activity_id: UUID | None = None,
    ) -> UUID:
        self.check_owners_are_partners(owner_ids)
        activity_id = activity_id or uuid4()
        self._check_new_id(self.activities, activity_id, "activity")
        self._trigger(
            self.ActivityLaunched,
            meta,
            activity_id=activity_id,
            title=require_text(title, "Activity title"),
            description=description.strip(),
            category=PreventionCategory(category),
            target_group=target_group.strip(),
            arena=arena.strip(),
            owner_ids=tuple(dict.fromkeys(owner_ids)),
            status=ActivityStatus.RUNNING if running else ActivityStatus.PLANNED,
        )
        return activity_id

    def change_activity_status(self, activity_id: UUID, status: ActivityStatus, meta: Meta) -> None:
        activity = self.activity(activity_id)
        status = ActivityStatus(status)
        self.check_activity_open(activity)
        if status not in _ACTIVITY_MOVES[activity.status]:
            raise ActivityStateError(
                f"Activity {activity.title!r} cannot go from {activity.status.label_da} "
                f"to {status.label_da}.",
                da="Aktiviteten «{activity}» kan ikke gå fra {current} til {status}.",
                activity=activity.title,
                current=activity.status,
                status=status,
            )
        self.check_after(activity.status_since, meta.valid_on, "A status change follows the last")
        self._trigger(self.ActivityStatusChanged, meta, activity_id=activity_id, status=status)

    def adjust_activity(
        self,
        activity_id: UUID,
        description: str,
        meta: Meta,
        *,
        title: str | None = None,
        target_group: str | None = None,
        arena: str | None = None,
        owner_ids: Collection[UUID] | None = None,
    ) -> None:
        activity = self.activity(activity_id)
        self.check_activity_open(activity)
        self.check_after(activity.launched_on, meta.valid_on, "An adjustment follows the launch")
        if owner_ids is not None:
            self.check_owners_are_partners(owner_ids)
        self._trigger(
            self.ActivityAdjusted,
            meta,
            activity_id=activity_id,
            description=require_text(description, "Description of the adjustment"),
            title=require_text(title, "Activity title") if title is not None else None,
            target_group=target_group.strip() if target_group is not None else None,
            arena=arena.strip() if arena is not None else None,
            owner_ids=tuple(dict.fromkeys(owner_ids)) if owner_ids is not None else None,
        )

    # -- commands: terms of reference and decisions ------------------------------------

    def issue_terms_of_reference(
        self, terms: TermsOfReference, meta: Meta, *, decision_id: UUID | None = None
    ) -> int:
        if decision_id is not None and str(decision_id) not in self.decisions:
            raise NotFound(
                f"No steering-group decision {decision_id}.",
                da="Styregruppebeslutningen findes ikke i «{partnership}».",
                partnership=self.title,
            )
        cleaned = msgspec.structs.replace(
            terms,
            purpose=require_text(terms.purpose, "Purpose of the terms of reference"),
            focus_areas=_clean_list(terms.focus_areas),
        )
        if self.terms and self.terms[-1].terms == cleaned:
            raise NoChange(
                "The terms of reference are unchanged.",
                da="Kommissoriet er uændret i forhold til version {number}.",
                number=len(self.terms),
            )
        number = len(self.terms) + 1
        self._trigger(
            self.TermsOfReferenceIssued,
            meta,
            number=number,
            terms=cleaned,
            decision_id=decision_id,
        )
        return number

    def record_decision(
        self,
        title: str,
        approved: Collection[str],
        meta: Meta,
        *,
        decision_id: UUID | None = None,
        linked_ids: Collection[UUID] = (),
        agreement_ids: Collection[UUID] = (),
    ) -> UUID:
        """A steering-group decision taken at a meeting on meta.valid_on, linked to the
        things of the partnership it concerns (`linked_ids`: activities, milestones,
        evaluations, earlier decisions, agreements; `agreement_ids` the partnership's
        agreements the service found, signed or not)."""
        if not self.active_appointments(on=meta.valid_on):
            raise NoSteeringGroup(
                f"No steering group sat on {meta.valid_on}: appoint members first.",
                da="Der var ingen styregruppe den {on}: udpeg først medlemmer.",
                on=meta.valid_on,
            )
        decision_id = decision_id or uuid4()
        self._check_new_id(self.decisions, decision_id, "decision")
        known = {str(a) for a in agreement_ids}
        for linked in linked_ids:
            if not self._is_linkable(linked, known):
                raise NotFound(
                    f"{linked} is no activity, milestone, evaluation, decision or agreement "
                    f"of {self.title!r}.",
                    da="Beslutningen kan kun henvise til partnerskabets egne aktiviteter, "
                    "aftaler, milepæle, evalueringer og beslutninger.",
                    linked=linked,
                )
        self._trigger(
            self.DecisionRecorded,
            meta,
            decision_id=decision_id,
            title=require_text(title, "Decision title"),
            approved=_clean_list(approved),
            linked_ids=tuple(dict.fromkeys(linked_ids)),
        )
        return decision_id

    def _is_linkable(self, some_id: UUID, agreements: Collection[str]) -> bool:
        key = str(some_id)
        return key in agreements or any(
            key in found
            for found in (
                self.activities,
                self.agreements,
                self.milestones,
                self.evaluations,
                self.decisions,
            )
        )

    # -- commands: roles ---------------------------------------------------------------

    def _check_not_holding(self, person_id: UUID, role: RoleKind, activity_id: UUID | None) -> None:
        for other in self.roles.values():
            holder = other.holder
            if (
                holder is not None
                and holder.person_id == person_id
                and other.role is role
                and other.activity_id == activity_id
            ):
                raise RoleStateError(
                    f"The person already holds {role.label_da} at that scope.",
                    da="{person} er allerede {role} her.",
                    person=person_id,
                    role=role,
                )

    def _check_holder(self, person_id: UUID, organisation_id: UUID, role: RoleKind) -> None:
        if not self.is_partner(organisation_id):
            raise NotAPartner(
                f"The person's organisation ({organisation_id}) is not a partner of "
                f"{self.title!r}, so the person cannot hold the role {role.label_da}.",
                da="{organisation} er ikke partner i «{partnership}», så {person} kan ikke "
                "have rollen som {role}.",
                organisation=organisation_id,
                partnership=self.title,
                person=person_id,
                role=role,
            )

    def assign_role(
        self,
        role: RoleKind,
        person_id: UUID,
        organisation_id: UUID,
        meta: Meta,
        *,
        activity_id: UUID | None = None,
        position_id: UUID | None = None,
    ) -> UUID:
        """Assign a role to a person: a new position, or fill a vacant one."""
        role = RoleKind(role)
        if position_id is not None and str(position_id) in self.roles:
            position = self.roles[str(position_id)]
            if position.holder is not None:
                raise RoleStateError(
                    "The role is held; hand it over instead.",
                    da="Rollen som {role} er besat af {holder}: overdrag den i stedet.",
                    role=position.role,
                    holder=position.holder.person_id,
                )
            if position.role is not role or position.activity_id != activity_id:
                raise RoleStateError(
                    "The position is for another role or scope.",
                    da="Den ledige plads er til rollen som {role} et andet sted, ikke {wanted}.",
                    role=position.role,
                    wanted=role,
                )
            assert position.vacant_since is not None
            self.check_after(position.vacant_since, meta.valid_on, "Filling follows the vacancy")
        if activity_id is not None:
            self.check_activity_open(self.activity(activity_id))
        self._check_holder(person_id, organisation_id, role)
        self._check_not_holding(person_id, role, activity_id)
        position_id = position_id or uuid4()
        self._trigger(
            self.RoleAssigned,
            meta,
            position_id=position_id,
            role=role,
            activity_id=activity_id,
            person_id=person_id,
            organisation_id=organisation_id,
        )
        return position_id

    def hand_over_role(
        self, position_id: UUID, person_id: UUID, organisation_id: UUID, meta: Meta
    ) -> None:
        position = self.role_position(position_id)
        holder = position.holder
        if holder is None:
            raise RoleStateError(
                "The role is vacant; assign it instead.",
                da="Rollen som {role} er ledig: tildel den i stedet for at overdrage den.",
                role=position.role,
            )
        if holder.person_id == person_id:
            raise NoChange(
                "The person already holds the role.",
                da="{person} har allerede rollen som {role}.",
                person=person_id,
                role=position.role,
            )
        self._check_holder(person_id, organisation_id, position.role)
        self._check_not_holding(person_id, position.role, position.activity_id)
        self.check_after(holder.spell.since, meta.valid_on, "A hand-over follows the assignment")
        self._trigger(
            self.RoleHandedOver,
            meta,
            position_id=position_id,
            person_id=person_id,
            organisation_id=organisation_id,
        )

    def vacate_role(self, position_id: UUID, meta: Meta) -> None:
        position = self.role_position(position_id)
        holder = position.holder
        if holder is None:
            raise RoleStateError(
                "The role is already vacant.",
                da="Rollen som {role} er allerede ledig.",
                role=position.role,
            )
        self.check_after(holder.spell.since, meta.valid_on, "A vacancy follows the assignment")
        self._trigger(self.RoleVacated, meta, position_id=position_id)

    # -- commands: anchoring -----------------------------------------------------------

    def record_milestone(
        self,
        *,
        dimension: Dimension,
        status: AnchoringStatus,
        title: str,
        evidence: Evidence,
        meta: Meta,
        milestone_id: UUID | None = None,
    ) -> UUID:
        status = AnchoringStatus(status)
        if status is AnchoringStatus.NONE:
            raise InvalidValue(
                "A milestone moves a dimension to started, partial or anchored.",
                da="En milepæl flytter en dimension til påbegyndt, delvis eller forankret.",
            )
        milestone_id = milestone_id or uuid4()
        self._check_new_id(self.milestones, milestone_id, "milestone")
        self._trigger(
            self.MilestoneRecorded,
            meta,
            milestone_id=milestone_id,
            dimension=Dimension(dimension),
            status=status,
            title=require_text(title, "Milestone title"),
            evidence=evidence.validated(),
        )
        return milestone_id

    def record_factor(
        self,
        *,
        origin: FactorOrigin,
        effect: FactorEffect,
        description: str,
        meta: Meta,
        milestone_ids: Collection[UUID] = (),
        event_versions: Collection[int] = (),
        factor_id: UUID | None = None,
    ) -> UUID:
        for milestone_id in milestone_ids:
            self._milestone(milestone_id)
        for event_version in event_versions:
            self._linkable_event(event_version, itself=self.version + 1)
        factor_id = factor_id or uuid4()
        self._check_new_id(self.factors, factor_id, "factor")
        self._trigger(
            self.FactorRecorded,
            meta,
            factor_id=factor_id,
            origin=FactorOrigin(origin),
            effect=FactorEffect(effect),
            description=require_text(description, "Factor description"),
            milestone_ids=tuple(dict.fromkeys(milestone_ids)),
            event_versions=tuple(dict.fromkeys(event_versions)),
        )
        return factor_id

    def _factor(self, factor_id: UUID) -> Factor:
        factor = self.factors.get(str(factor_id))
        if factor is None:
            raise NotFound(
                f"No factor {factor_id}.",
                da="Faktoren findes ikke i «{partnership}».",
                partnership=self.title,
            )
        return factor

    def _linkable_event(self, event_version: int, *, itself: int) -> None:
        """A factor links to an event of this partnership (by its version), not to its
        own recording."""
        if event_version == itself:
            raise InvalidValue(
                f"A factor cannot be linked to itself (event #{event_version}).",
                da="En faktor kan ikke knyttes til sig selv (hændelse #{version}).",
                version=event_version,
            )
        if not 1 <= event_version <= self.version:
            raise NotFound(
                f"No event #{event_version} in {self.title!r}.",
                da="Hændelse #{version} findes ikke i «{partnership}».",
                version=event_version,
                partnership=self.title,
            )

    def link_factor_to_event(self, factor_id: UUID, event_version: int, meta: Meta) -> None:
        """The factor came from, or bears on, the partnership's event `event_version`."""
        factor = self._factor(factor_id)
        self._linkable_event(event_version, itself=factor.version)
        if event_version in factor.event_versions:
            raise NoChange(
                "The factor is already linked to that event.",
                da="Faktoren er allerede knyttet til hændelse #{version}.",
                version=event_version,
            )
        self._trigger(
            self.FactorEventLinked, meta, factor_id=factor_id, event_version=event_version
        )

    def link_factor(self, factor_id: UUID, milestone_id: UUID, meta: Meta) -> None:
        factor = self._factor(factor_id)
        self._milestone(milestone_id)
        if milestone_id in factor.milestone_ids:
            raise NoChange(
                "The factor is already linked to that milestone.",
                da="Faktoren er allerede knyttet til milepælen «{milestone}».",
                milestone=self._milestone(milestone_id).title,
            )
        self._trigger(self.FactorLinked, meta, factor_id=factor_id, milestone_id=milestone_id)

    def rate_anchoring(
        self,
        *,
        dimension: Dimension,
        rating: int,
        meta: Meta,
        comment: str = "",
        rated_by: UUID | None = None,
    ) -> UUID:
        """Record a self-assessment of a dimension on the 1-7 scale; returns the rating's id.

        `rated_by` is the person who gave the rating for the steering group (the service
        checks that they exist); the user who recorded it is the event's actor.
        """
        dimension = Dimension(dimension)
        if isinstance(rating, bool) or not RATING_MIN <= rating <= RATING_MAX:
            raise InvalidValue(
                f"A self-assessment rates a dimension from {RATING_MIN} to {RATING_MAX}, "
                f"got {rating}.",
                da="En selvvurdering giver en dimension {low} til {high}, ikke {rating}.",
                low=RATING_MIN,
                high=RATING_MAX,
                rating=rating,
            )
        rating_id = uuid4()
        self._trigger(
            self.AnchoringRated,
            meta,
            rating_id=rating_id,
            dimension=dimension,
            rating=rating,
            comment=comment.strip(),
            rated_by=rated_by,
        )
        return rating_id

    def _milestone(self, milestone_id: UUID) -> Milestone:
        milestone = self.milestones.get(str(milestone_id))
        if milestone is None:
            raise NotFound(
                f"No milestone {milestone_id} in {self.title!r}.",
                da="Milepælen findes ikke i «{partnership}».",
                partnership=self.title,
            )
        return milestone

    # -- commands: evaluations, follow-ups, implementation circle ----------------------

    def record_evaluation(
        self,
        *,
        kind: EvaluationKind,
        evaluator: str,
        method: EvaluationMethod,
        findings: str,
        meta: Meta,
        evaluation_id: UUID | None = None,
        who5: Who5 | None = None,
    ) -> UUID:
        """An evaluation, with WHO-5 before/after counts when measured (`who5`)."""
        evaluation_id = evaluation_id or uuid4()
        self._check_new_id(self.evaluations, evaluation_id, "evaluation")
        self._trigger(
            self.EvaluationRecorded,
            meta,
            evaluation_id=evaluation_id,
            kind=EvaluationKind(kind),
            evaluator=require_text(evaluator, "Evaluator"),
            method=EvaluationMethod(method),
            findings=findings.strip(),
            who5=who5.validated() if who5 is not None else None,
        )
        return evaluation_id

    def record_assessment(
        self,
        evaluation_id: UUID,
        question: AssessmentQuestion,
        answer: AssessmentAnswer,
        meta: Meta,
    ) -> None:
        evaluation = self.evaluations.get(str(evaluation_id))
        if evaluation is None:
            raise NotFound(
                f"No evaluation {evaluation_id}.",
                da="Evalueringen findes ikke i «{partnership}».",
                partnership=self.title,
            )
        self.check_after(evaluation.valid_on, meta.valid_on, "An assessment follows its evaluation")
        self._trigger(
            self.AssessmentRecorded,
            meta,
            evaluation_id=evaluation_id,
            question=AssessmentQuestion(question),
            answer=AssessmentAnswer(answer),
        )

    def schedule_follow_up(
        self,
        *,
        label: str,
        due_on: date,
        cohort: int,
        meta: Meta,
        activity_id: UUID | None = None,
        follow_up_id: UUID | None = None,
    ) -> UUID:
        if cohort < 0:
            raise InvalidValue(
                "The cohort is a count of participants and cannot be negative.",
                da="Holdet er et antal deltagere og kan ikke være negativt ({cohort}).",
                cohort=cohort,
            )
        if activity_id is not None:
            self.activity(activity_id)
        self.check_after(meta.valid_on, due_on, "A follow-up falls due after it is scheduled")
        follow_up_id = follow_up_id or uuid4()
        self._check_new_id(self.follow_ups, follow_up_id, "follow-up")
        self._trigger(
            self.FollowUpScheduled,
            meta,
            follow_up_id=follow_up_id,
            activity_id=activity_id,
            label=require_text(label, "Follow-up label"),
            due_on=due_on,
            cohort=cohort,
        )
        return follow_up_id

    def record_follow_up(self, follow_up_id: UUID, reached: int, retained: int, meta: Meta) -> None:
        follow_up = self.follow_ups.get(str(follow_up_id))
        if follow_up is None:
            raise NotFound(
                f"No follow-up {follow_up_id}.",
                da="Opfølgningen findes ikke i «{partnership}».",
                partnership=self.title,
            )
        if follow_up.recorded_on is not None:
            raise FollowUpStateError(
                "The follow-up is already recorded.",
                da="Opfølgningen «{label}» er allerede registreret ({on}).",
                label=follow_up.label,
                on=follow_up.recorded_on,
            )
        if not 0 <= retained <= reached <= follow_up.cohort:
            raise FollowUpStateError(
                f"Counts must satisfy 0 <= retained <= reached <= cohort ({follow_up.cohort}).",
                da="Tallene skal passe sammen: fastholdt ({retained}) højst nået ({reached}), "
                "og nået højst holdets størrelse ({cohort}); ingen under 0.",
                retained=retained,
                reached=reached,
                cohort=follow_up.cohort,
            )
        self._trigger(
            self.FollowUpRecorded,
            meta,
            follow_up_id=follow_up_id,
            reached=reached,
            retained=retained,
        )

    def next_phases(self) -> list[ImplementationPhase]:
        """The phases the action plan may enter next (the implementation circle)."""
        current = self.phases[-1].phase if self.phases else None
        return [p for p in ImplementationPhase if p in _NEXT_PHASES[current]]

    def enter_phase(self, phase: ImplementationPhase, note: str, meta: Meta) -> None:
        phase = ImplementationPhase(phase)
        current = self.phases[-1].phase if self.phases else None
        if current is phase:
            raise NoChange(
                f"The action plan is already in the phase {phase.label_da}.",
                da="Handleplanen er allerede i fasen {phase}.",
                phase=phase,
            )
        if phase not in _NEXT_PHASES[current]:
            allowed = ", ".join(p.label_da for p in _NEXT_PHASES[current])
            raise InvalidValue(
                f"The implementation circle goes on from "
                f"{current.label_da if current else 'the start'} to {allowed}, not to "
                f"{phase.label_da}.",
                da="Implementeringscirklen går fra {current} videre til {allowed}, ikke til "
                "{phase}.",
                current=current if current is not None else "start",
                allowed=tuple(_NEXT_PHASES[current]),
                phase=phase,
            )
        if self.phases:
            self.check_after(self.phases[-1].valid_on, meta.valid_on, "A phase follows the last")
        self._trigger(self.PhaseEntered, meta, phase=phase, note=note.strip())

    # -- commands: corrections ---------------------------------------------------------

    def correct_date(self, corrects_version: int, corrected_valid_on: date, meta: Meta) -> None:
        kind = self.correctable.get(str(corrects_version))
        if kind is None:
            raise NotCorrectable(
                f"Event version {corrects_version} is not a dated fact that can be corrected.",
                da="Den valgte registrering har ingen dato, der kan rettes.",
            )
        shadow = self._shadow()
        shadow._redate(corrects_version, corrected_valid_on)
        shadow._check_timeline(known=self._broken_rules())
        self._trigger(
            self.DateCorrected,
            meta,
            corrects_version=corrects_version,
            corrected_valid_on=corrected_valid_on,
        )

    def correct_rung(self, corrects_version: int, rung: Rung, evidence: str, meta: Meta) -> None:
        if self.correctable.get(str(corrects_version)) not in {"RungChanged", "PartnerJoined"}:
            raise NotCorrectable(
                f"Event version {corrects_version} is not a ladder move.",
                da="Den valgte registrering er hverken en indtræden eller et trinskifte på "
                "partnerskabstrappen.",
            )
        rung = Rung(rung)
        evidence = require_text(evidence, "Evidence for the corrected rung")
        shadow = self._shadow()
        shadow._rerung(corrects_version, rung, evidence)
        shadow._check_timeline(known=self._broken_rules())
        self._trigger(
            self.RungCorrected,
            meta,
            corrects_version=corrects_version,
            rung=rung,
            evidence=evidence,
        )

    def correct_milestone(
        self,
        corrects_version: int,
        *,
        dimension: Dimension,
        status: AnchoringStatus,
        title: str,
        evidence: Evidence,
        meta: Meta,
    ) -> None:
        if self.correctable.get(str(corrects_version)) != "MilestoneRecorded":
            raise NotCorrectable(
                f"Event version {corrects_version} is not a milestone.",
                da="Den valgte registrering er ikke en milepæl.",
            )
        status = AnchoringStatus(status)
        if status is AnchoringStatus.NONE:
            raise InvalidValue(
                "A milestone moves a dimension to started, partial or anchored.",
                da="En milepæl flytter en dimension til påbegyndt, delvis eller forankret.",
            )
        self._trigger(
            self.MilestoneCorrected,
            meta,
            corrects_version=corrects_version,
            dimension=Dimension(dimension),
            status=status,
            title=require_text(title, "Milestone title"),
            evidence=evidence.validated(),
        )
