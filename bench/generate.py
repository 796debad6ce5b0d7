"""Fill a Tværs event store with a realistic event mix, fast (module used by the benchmarks).

Events are produced by the real aggregates' command methods (so every rule holds and
every event is one the application could have saved), collected with
`collect_events()`, encoded with the application's `MsgspecMapper.to_stored_event`, and
bulk-inserted: PostgreSQL with one streaming `COPY` into `tvaers_events` (notification
ids come from the table's own sequence, in insertion order), SQLite with `executemany`
into `stored_events` (rowid = notification id).  The application's save path (about
2,000 saves/s) is not used.  No snapshots are written: the projections read only events.

Time is simulated: a clock shared by all aggregates moves from 2016 to 2025 while the
commands are generated (the library's `datetime_now_with_tzinfo` is patched for the
duration), so `timestamp` (recorded time) and `valid_on` (valid time) spread over years
and partnerships interleave in the log like in production.  A command the aggregate
refuses (a broken rule) is skipped, exactly as the API would refuse it.

    python bench/generate.py --events 200000          # PostgreSQL: $TVAERS_TEST_POSTGRES_URL
    python bench/generate.py --events 20000 --sqlite /tmp/tvaers-bench.sqlite3
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import random
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import eventsourcing.domain as es_domain
import msgspec
from eventsourcing.persistence import Mapper, StoredEvent

from aggregates import (
    Agreement,
    Contact,
    Evidence,
    Meta,
    Obligation,
    Organisation,
    Partnership,
    Person,
    Registry,
    Terms,
    TermsOfReference,
)
from aggregates.agreement import Signatory
from aggregates.errors import DomainError
from aggregates.taxonomy import (
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
    Sector,
)
from services.application import Tvaers
from services.encoding import MsgspecMapper
from services.settings import Settings

URL_ENV = "TVAERS_TEST_POSTGRES_URL"
START = datetime(2016, 1, 4, 8, 0, tzinfo=UTC)
START_DAY = START.date()
END = datetime(2025, 12, 19, 16, 0, tzinfo=UTC)
MUNICIPALITIES = ("Svendborg", "Aabenraa", "Varde", "Frederikssund", "Norddjurs", "Ærø")
ACTORS = tuple(f"medarbejder{n}@kommune.dk" for n in range(40))
_ACTIVE_STATUSES = (ActivityStatus.PLANNED, ActivityStatus.RUNNING, ActivityStatus.PAUSED)


# --------------------------------------------------------------------------------- clock


class SimClock:
    """The recorded time of every event created while `patched()` is active."""

    def __init__(self, start: datetime, end: datetime, expected_ticks: int) -> None:
        self.now = start
        self.end = end
        self.step = (end - start) / max(1, expected_ticks)

    def tick(self) -> None:
        if self.now + self.step < self.end:
            self.now += self.step

    def today(self) -> date:
        return self.now.date()

    def __call__(self) -> datetime:
        return self.now

    @contextlib.contextmanager
    def patched(self) -> Iterator[None]:
        original = es_domain.datetime_now_with_tzinfo
        es_domain.datetime_now_with_tzinfo = self  # create_timestamp() looks it up at call time
        try:
            yield
        finally:
            es_domain.datetime_now_with_tzinfo = original


# --------------------------------------------------------------------------------- world


@dataclass
class Draft:
    agreement: Agreement
    recorded: bool = False  # all parties signed and the partnership recorded it


@dataclass
class Sim:
    """One partnership being simulated, and what the simulator tracks besides it."""

    partnership: Partnership
    target_partners: int
    drafts: list[Draft] = field(default_factory=list)
    signed: list[Draft] = field(default_factory=list)
    partners: list[UUID] = field(default_factory=list)  # active, without the lead (cached)
    partners_version: int = -1


@dataclass
class Stats:
    events: int = 0
    commands: int = 0
    refused: int = 0
    seconds: float = 0.0
    topics: Counter[str] = field(default_factory=Counter)
    partnership_ids: list[UUID] = field(default_factory=list)
    first_recorded: datetime = START
    last_recorded: datetime = START
    first_day: date = START_DAY
    last_day: date = START_DAY

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (
            f"generated {self.events:,} events ({self.commands:,} commands, "
            f"{self.refused:,} refused by the rules) in {self.seconds:.1f} s "
            f"= {self.rate:,.0f} events/s; {len(self.partnership_ids):,} partnerships; "
            f"valid {self.first_day}..{self.last_day}"
        )


Sink = Callable[[Sequence[StoredEvent]], None]


class World:
    """Organisations, persons, partnerships and agreements evolving under a shared clock."""

    def __init__(
        self,
        sink: Sink,
        mapper: Mapper[UUID],
        *,
        partnerships: int,
        expected_events: int,
        seed: int = 1,
        organisations: int | None = None,
        persons_per_organisation: int = 4,
        correction_weight: float = 0.1,
    ) -> None:
        self.rng = random.Random(seed)
        self.sink = sink
        self.mapper = mapper
        self.clock = SimClock(START, END, expected_events)
        self.stats = Stats()
        self.n_partnerships = partnerships
        self.n_organisations = organisations or max(40, partnerships * 6)
        self.persons_per_organisation = persons_per_organisation
        # Corrections copy the whole aggregate to check the redated timeline (deepcopy,
        # ~50-80 ms on a 1,300-event partnership): keep them rare (~0.1% of commands).
        self.correction_weight = correction_weight
        self.organisations: list[Organisation] = []
        self.active_orgs: list[UUID] = []
        self.persons: dict[UUID, Person] = {}
        self.persons_by_org: dict[UUID, list[UUID]] = {}
        self.sims: list[Sim] = []
        self._by_id: dict[UUID, Sim] = {}
        self._pending: list[StoredEvent] = []
        self._commands = self._command_table()

    # -- plumbing ---------------------------------------------------------------------

    def meta(self, *, back: int = 0, reason: str | None = None) -> Meta:
        day = self.clock.today()
        if back:
            day -= timedelta(days=self.rng.randint(0, back))
        return Meta(actor=self.rng.choice(ACTORS), valid_on=day, reason=reason)

    def emit(self, *aggregates: Any) -> None:
        """What `Tvaers._save` does, minus the database: collect and encode the events."""
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                stored = self.mapper.to_stored_event(event)
                self._pending.append(stored)
                self.stats.topics[stored.topic] += 1
        if len(self._pending) >= 2_000:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            self.stats.events += len(self._pending)
            self.sink(self._pending)
            self._pending = []

    def _pick(self, values: Sequence[Any]) -> Any:
        return values[self.rng.randrange(len(values))] if values else None

    # -- directory ----------------------------------------------------------------------

    def register_organisation(self, number: int) -> Organisation:
        sector = self.rng.choice(list(Sector))
        organisation = Organisation.register(
            name=f"Organisation {number} ({sector.label_da})",
            sector=sector,
            municipality=self.rng.choice(MUNICIPALITIES),
            cvr=f"{10_000_000 + number:08d}",
            meta=self.meta(),
        )
        self.emit(organisation)
        self.organisations.append(organisation)
        self.active_orgs.append(organisation.id)
        people = []
        for index in range(self.persons_per_organisation):
            person = Person.register(
                contact=Contact(
                    name=f"Person {number}-{index}",
                    title=self.rng.choice(("konsulent", "leder", "koordinator", "sygeplejerske")),
                    email=f"p{number}.{index}@example.dk",
                    phone=f"+45 {20_000_000 + number * 10 + index}",
                ),
                organisation_id=organisation.id,
                meta=self.meta(),
            )
            self.emit(person)
            self.persons[person.id] = person
            people.append(person.id)
        self.persons_by_org[organisation.id] = people
        return organisation

    def directory_change(self) -> None:
        roll = self.rng.random()
        if roll < 0.35:
            org = self._pick(self.organisations)
            if org.is_active:
                org.rename(
                    f"{org.name.split(' (')[0]} (omdøbt {self.clock.today().year})", self.meta()
                )
                self.emit(org)
            return
        person_id = self._pick(self.persons_by_org[self._pick(self.active_orgs)])
        if person_id is None or self.persons[person_id].erased:
            return
        person = self.persons[person_id]
        if roll < 0.75:
            assert person.contact is not None
            person.change_contact(
                Contact(
                    name=person.contact.name,
                    title=self.rng.choice(("konsulent", "leder", "chefkonsulent", "projektleder")),
                    email=person.contact.email,
                    phone=f"+45 {self.rng.randint(20_000_000, 99_999_999)}",
                ),
                self.meta(),
            )
        elif roll < 0.97:
            target = self._pick(self.active_orgs)
            source = person.organisation_id
            person.move_to(target, self.meta())
            self.persons_by_org[source].remove(person.id)
            self.persons_by_org[target].append(person.id)
        else:
            person.erase(self.meta(reason="Anmodning om sletning (GDPR)"))
        self.emit(person)

    def person_of(self, organisation_id: UUID) -> UUID | None:
        people = [
            p for p in self.persons_by_org.get(organisation_id, ()) if not self.persons[p].erased
        ]
        return self._pick(people)

    # -- partnerships --------------------------------------------------------------------

    def register_partnership(self, number: int) -> Sim:
        lead = self._pick(self.active_orgs)
        start = self.clock.today()
        registry = Registry(
            title=f"Partnerskab {number}: sund hverdag",
            municipality=self.rng.choice(MUNICIPALITIES),
            purpose="Flere borgere i målgruppen lever sundt og deltager i fællesskaber",
            target_groups=("ledige", "sygemeldte", "ældre")[: self.rng.randint(1, 3)],
            arenas=("jobcenter", "idrætsforening", "bibliotek")[: self.rng.randint(1, 3)],
            kind=self.rng.choice(list(PartnershipType)),
            period_start=start,
            period_end=start + timedelta(days=365 * self.rng.randint(2, 6)),
            prevention_categories=(PreventionCategory.OFFER, PreventionCategory.EARLY_DETECTION),
            bearings=(2, 5),
            tags=("bevægelse", "rygning"),
            yearly_budget_dkk=Decimal(self.rng.randint(100_000, 2_000_000)),
            staff_hours_per_year=Decimal("1480.25"),
            recruitment_channels=("sagsbehandler", "egen læge"),
            evaluation_status="ikke påbegyndt",
        )
        partnership = Partnership.register(
            registry=registry, lead_organisation_id=lead, meta=self.meta()
        )
        sim = Sim(partnership, target_partners=self.rng.randint(6, 24))
        self._by_id[partnership.id] = sim
        for _ in range(self.rng.randint(3, 6)):
            self._try(lambda: self.join(sim))
        people = [self.person_of(o) for o in partnership.active_partner_ids]
        seats = [SeatRole.CHAIR, SeatRole.VICE_CHAIR, SeatRole.MEMBER, SeatRole.MEMBER]
        for person_id, seat in zip(people, seats, strict=False):
            if person_id is not None:
                self._try(
                    lambda p=person_id, s=seat: partnership.appoint_steering_member(
                        p, s, self.meta()
                    )
                )
        self._try(lambda: partnership.assign_secretariat(lead, self.meta()))
        self.emit(partnership)
        self.sims.append(sim)
        self.stats.partnership_ids.append(partnership.id)
        return sim

    def _try(self, command: Callable[[], object]) -> bool:
        self.stats.commands += 1
        try:
            command()
        except DomainError:
            self.stats.refused += 1
            return False
        return True

    def _non_lead_partners(self, p: Partnership) -> list[UUID]:
        sim = self._by_id[p.id]
        if sim.partners_version != p.version:  # recompute only when something happened
            sim.partners = [o for o in p.active_partner_ids if o != p.lead_organisation_id]
            sim.partners_version = p.version
        return sim.partners

    def _held_positions(self, p: Partnership) -> list[Any]:
        return [pos for pos in p.roles.values() if pos.holder is not None]

    def _open_activities(self, p: Partnership) -> list[Any]:
        return [a for a in p.activities.values() if a.status in _ACTIVE_STATUSES]

    # Each command works on the aggregate in memory; a DomainError means "refused, skip".

    def join(self, sim: Sim) -> None:
        p = sim.partnership
        if len(self._non_lead_partners(p)) + 1 >= sim.target_partners:
            return
        organisation_id = self._pick(self.active_orgs)
        p.join_partner(
            organisation_id,
            self.meta(back=10),
            rung=self.rng.choice((Rung.KNOW_EACH_OTHER, Rung.DIALOGUE, Rung.MUTUAL_REFERRAL)),
            evidence="Indledende møde",
        )

    def leave(self, sim: Sim) -> None:
        partners = self._non_lead_partners(sim.partnership)
        if len(partners) > 4:
            sim.partnership.leave_partner(self._pick(partners), self.meta(back=5))

    def move(self, sim: Sim) -> None:
        p = sim.partnership
        organisation_id = self._pick(self._non_lead_partners(p))
        if organisation_id is None:
            return
        rung = Rung(self.rng.choices((1, 2, 3, 4, 5, 6), weights=(2, 4, 4, 5, 1, 1))[0])
        p.move_on_ladder(
            organisation_id, rung, f"Vurderet på møde {self.clock.today()}", self.meta(back=20)
        )

    def update_registry(self, sim: Sim) -> None:
        p = sim.partnership
        new = msgspec.structs.replace(
            p.registry,
            evaluation_status=self.rng.choice(("midtvejs", "afsluttet", "planlagt", "i gang")),
            yearly_budget_dkk=Decimal(self.rng.randint(100_000, 2_000_000)),
        )
        p.update_registry(new, self.meta())

    def appoint(self, sim: Sim) -> None:
        p = sim.partnership
        person_id = self.person_of(self._pick(p.active_partner_ids))
        if person_id is not None:
            seat = self.rng.choice(
                (SeatRole.MEMBER, SeatRole.MEMBER, SeatRole.CHAIR, SeatRole.VICE_CHAIR)
            )
            p.appoint_steering_member(person_id, seat, self.meta(back=5))

    def step_down(self, sim: Sim) -> None:
        seated = sim.partnership.active_appointments()
        if len(seated) > 2:
            sim.partnership.step_down_steering_member(self._pick(seated).person_id, self.meta())

    def secretariat(self, sim: Sim) -> None:
        p = sim.partnership
        roll = self.rng.random()
        if roll < 0.2 or p.secretariat is None:
            p.assign_secretariat(self._pick(p.active_partner_ids), self.meta())
            return
        person_id = self.person_of(p.secretariat.organisation_id)
        if person_id is None:
            return
        # Only public commands: staff the person, or release them if they already staff it.
        try:
            p.staff_secretariat(person_id, self.meta())
        except DomainError:
            p.release_secretariat_staff(person_id, self.meta())

    def launch(self, sim: Sim) -> None:
        p = sim.partnership
        owners = self.rng.sample(p.active_partner_ids, k=min(2, len(p.active_partner_ids)))
        p.launch_activity(
            title=f"Aktivitet {len(p.activities) + 1}",
            category=self.rng.choice(list(PreventionCategory)),
            owner_ids=owners,
            meta=self.meta(),
            description="Motion og fællesskab for borgere i målgruppen",
            target_group="ledige",
            arena="idrætsforening",
            running=self.rng.random() < 0.5,
        )

    def activity_status(self, sim: Sim) -> None:
        activity = self._pick(self._open_activities(sim.partnership))
        if activity is not None:
            moves = {
                ActivityStatus.PLANNED: (
                    ActivityStatus.RUNNING,
                    ActivityStatus.RUNNING,
                    ActivityStatus.ENDED,
                ),
                ActivityStatus.RUNNING: (ActivityStatus.PAUSED, ActivityStatus.ENDED),
                ActivityStatus.PAUSED: (ActivityStatus.RUNNING, ActivityStatus.ENDED),
            }[activity.status]
            sim.partnership.change_activity_status(
                activity.activity_id, self.rng.choice(moves), self.meta()
            )

    def adjust(self, sim: Sim) -> None:
        activity = self._pick(self._open_activities(sim.partnership))
        if activity is not None:
            sim.partnership.adjust_activity(
                activity.activity_id,
                f"Justeret efter evaluering {self.clock.today()}",
                self.meta(),
                arena=self.rng.choice((None, "bibliotek", "skole")),
            )

    def terms(self, sim: Sim) -> None:
        p = sim.partnership
        decision_id = self._pick(list(p.decisions.values()))
        p.issue_terms_of_reference(
            TermsOfReference(
                purpose=f"Kommissorium {len(p.terms) + 1}",
                composition="Styregruppe med ledere fra alle partnere",
                focus_areas=("bevægelse", "mental sundhed"),
            ),
            self.meta(),
            decision_id=decision_id.decision_id if decision_id is not None else None,
        )

    def decision(self, sim: Sim) -> None:
        sim.partnership.record_decision(
            f"Beslutning {len(sim.partnership.decisions) + 1}",
            ("handleplan", "budget")[: self.rng.randint(1, 2)],
            self.meta(),
        )

    def assign(self, sim: Sim) -> None:
        p = sim.partnership
        roll = self.rng.random()
        if roll < 0.25:  # fill a vacancy
            vacant = [pos for pos in p.roles.values() if pos.holder is None]
            position = self._pick(vacant)
            if position is not None:
                self._assign(p, position.role, position.activity_id, position.position_id)
                return
        activity = self._pick(self._open_activities(p)) if roll < 0.6 else None
        self._assign(
            p,
            self.rng.choice(list(RoleKind)),
            activity.activity_id if activity is not None else None,
            None,
        )

    def _assign(
        self, p: Partnership, role: RoleKind, activity_id: UUID | None, position_id: UUID | None
    ) -> None:
        organisation_id = self._pick(p.active_partner_ids)
        person_id = self.person_of(organisation_id)
        if person_id is None:
            return
        p.assign_role(
            role,
            person_id,
            self.persons[person_id].organisation_id,
            self.meta(),
            activity_id=activity_id,
            position_id=position_id,
        )

    def hand_over(self, sim: Sim) -> None:
        p = sim.partnership
        position = self._pick(self._held_positions(p))
        person_id = self.person_of(self._pick(p.active_partner_ids))
        if position is not None and person_id is not None:
            p.hand_over_role(
                position.position_id,
                person_id,
                self.persons[person_id].organisation_id,
                self.meta(),
            )

    def vacate(self, sim: Sim) -> None:
        position = self._pick(self._held_positions(sim.partnership))
        if position is not None:
            sim.partnership.vacate_role(position.position_id, self.meta())

    def milestone(self, sim: Sim) -> None:
        p = sim.partnership
        p.record_milestone(
            dimension=self.rng.choice(list(Dimension)),
            status=self.rng.choice(
                (AnchoringStatus.STARTED, AnchoringStatus.PARTIAL, AnchoringStatus.ANCHORED)
            ),
            title=f"Milepæl {len(p.milestones) + 1}",
            evidence=Evidence(
                text="Referat fra styregruppemøde", document_ref=f"SAG-{self.rng.randint(1, 99999)}"
            ),
            meta=self.meta(back=30),
        )

    def factor(self, sim: Sim) -> None:
        p = sim.partnership
        milestones = list(p.milestones)
        linked = [
            UUID(m)
            for m in self.rng.sample(milestones, k=min(len(milestones), self.rng.randint(0, 2)))
        ]
        p.record_factor(
            origin=self.rng.choice(list(FactorOrigin)),
            effect=self.rng.choice(list(FactorEffect)),
            description="Ledelsesopbakning" if self.rng.random() < 0.5 else "Manglende tid",
            milestone_ids=linked,
            meta=self.meta(),
        )

    def link(self, sim: Sim) -> None:
        p = sim.partnership
        factor = self._pick(list(p.factors.values()))
        milestone = self._pick(list(p.milestones))
        if factor is not None and milestone is not None:
            p.link_factor(factor.factor_id, UUID(milestone), self.meta())

    def evaluation(self, sim: Sim) -> None:
        p = sim.partnership
        evaluation = self._pick(list(p.evaluations.values()))
        if evaluation is not None and self.rng.random() < 0.6:
            p.record_assessment(
                evaluation.evaluation_id,
                self.rng.choice(list(AssessmentQuestion)),
                self.rng.choice(list(AssessmentAnswer)),
                self.meta(),
            )
            return
        p.record_evaluation(
            kind=self.rng.choice(list(EvaluationKind)),
            evaluator="Sundhedsstyrelsen" if self.rng.random() < 0.3 else "Intern arbejdsgruppe",
            method=self.rng.choice(list(EvaluationMethod)),
            findings="Flere deltagere end forventet",
            meta=self.meta(),
        )

    def follow_up(self, sim: Sim) -> None:
        p = sim.partnership
        today = self.clock.today()
        due = [f for f in p.follow_ups.values() if f.recorded_on is None and f.due_on <= today]
        if due and self.rng.random() < 0.6:
            follow = self._pick(due)
            reached = self.rng.randint(0, follow.cohort)
            p.record_follow_up(
                follow.follow_up_id, reached, self.rng.randint(0, reached), self.meta()
            )
            return
        activity = self._pick(list(p.activities.values()))
        p.schedule_follow_up(
            label=self.rng.choice(("3 uger", "3 måneder", "6 måneder")),
            due_on=today + timedelta(days=self.rng.choice((21, 90, 180))),
            cohort=self.rng.randint(5, 60),
            meta=self.meta(),
            activity_id=activity.activity_id if activity is not None else None,
        )

    def phase(self, sim: Sim) -> None:
        sim.partnership.enter_phase(
            self.rng.choice(list(ImplementationPhase)), "Ny fase", self.meta()
        )

    def correct(self, sim: Sim) -> None:
        p = sim.partnership
        if not p.correctable:
            return
        version = int(self._pick(list(p.correctable)))
        kind = p.correctable[str(version)]
        roll = self.rng.random()
        reason = "Rettelse af fejlregistrering"
        if kind in {"RungChanged", "PartnerJoined"} and roll < 0.5:
            rung = Rung(self.rng.randint(1, 4))
            p.correct_rung(version, rung, "Rettet efter gennemgang", self.meta(reason=reason))
        elif kind == "MilestoneRecorded" and roll < 0.6:
            p.correct_milestone(
                version,
                dimension=self.rng.choice(list(Dimension)),
                status=self.rng.choice((AnchoringStatus.STARTED, AnchoringStatus.PARTIAL)),
                title="Milepæl (rettet)",
                evidence=Evidence(text="Rettet referat"),
                meta=self.meta(reason=reason),
            )
        else:
            corrected = self.clock.today() - timedelta(days=self.rng.randint(1, 60))
            p.correct_date(version, corrected, self.meta(reason=reason))

    # -- agreements (saved with the partnership, as the application does) ---------------

    def draft(self, sim: Sim) -> None:
        p = sim.partnership
        partners = self._non_lead_partners(p)
        if not partners or len(sim.drafts) >= 2:
            return
        parties = (
            p.lead_organisation_id,
            *self.rng.sample(partners, k=min(len(partners), self.rng.randint(1, 3))),
        )
        valid_from = self.clock.today() + timedelta(days=self.rng.randint(0, 30))
        agreement = Agreement.draft(
            partnership_id=p.id,
            lead_organisation_id=p.lead_organisation_id,
            partner_ids=p.active_partner_ids,
            kind=AgreementKind.COOPERATION
            if self.rng.random() < 0.7
            else AgreementKind.PARTNERSHIP,
            terms=Terms(
                title="Samarbejdsaftale om sund hverdag",
                purpose="Flere borgere i bevægelse",
                party_ids=parties,
                obligations=tuple(
                    Obligation(party_id=x, text="Stiller medarbejdere til rådighed")
                    for x in parties
                ),
                valid_from=valid_from,
                valid_to=valid_from + timedelta(days=self.rng.randint(365, 1095)),
            ),
            meta=self.meta(),
        )
        self.emit(agreement)
        sim.drafts.append(Draft(agreement))

    def sign(self, sim: Sim) -> None:
        if not sim.drafts:
            return
        draft = self._pick(sim.drafts)
        agreement = draft.agreement
        p = sim.partnership
        party_id = agreement.unsigned_party_ids[0]
        person_id = self.person_of(party_id)
        try:
            if person_id is None:
                raise DomainError("nobody left to sign for the party")
            signatory = Signatory(person_id=person_id, organisation_id=party_id)
            completed = agreement.sign(party_id, signatory, p.active_partner_ids, self.meta())
        except DomainError:
            sim.drafts.remove(draft)  # a party left or the validity ran out: abandoned
            raise
        if not completed:
            self.emit(agreement)
            return
        sim.drafts.remove(draft)
        meta = self.meta()
        p.record_signed_agreement(
            agreement_id=agreement.id,
            kind=agreement.kind,
            party_ids=agreement.party_ids,
            valid_from=agreement.valid_from,
            valid_to=agreement.valid_to,
            meta=meta,
        )
        draft.recorded = True
        sim.signed.append(draft)
        self.emit(agreement, p)

    def renew_or_terminate(self, sim: Sim) -> None:
        if not sim.signed:
            return
        draft = self._pick(sim.signed)
        agreement, p = draft.agreement, sim.partnership
        if self.rng.random() < 0.7:
            valid_to = agreement.valid_to + timedelta(days=365)
            meta = self.meta()
            agreement.renew(valid_to, meta)
            p.record_agreement_renewed(agreement.id, valid_to, meta)
        else:
            meta = self.meta(reason="Partneren har ikke længere ressourcer")
            agreement.terminate(meta)
            p.record_agreement_ended(agreement.id, meta.valid_on, meta)
            sim.signed.remove(draft)
        self.emit(agreement, p)

    def expire_due(self, sim: Sim) -> None:
        today = self.clock.today()
        for draft in [d for d in sim.signed if d.agreement.valid_to < today]:
            agreement = draft.agreement
            meta = Meta(
                actor="system",
                valid_on=agreement.valid_to + timedelta(days=1),
                reason="Gyldighedsperioden er udløbet",
            )
            agreement.expire(meta)
            sim.partnership.record_agreement_ended(agreement.id, meta.valid_on, meta)
            sim.signed.remove(draft)
            self.emit(agreement, sim.partnership)

    # -- the mix ------------------------------------------------------------------------

    def _command_table(self) -> tuple[list[Callable[[Sim], None]], list[float]]:
        table: list[tuple[Callable[[Sim], None], float]] = [
            (self.join, 3),
            (self.leave, 1),
            (self.move, 22),
            (self.update_registry, 1),
            (self.appoint, 2),
            (self.step_down, 1.5),
            (self.secretariat, 1.5),
            (self.launch, 3),
            (self.activity_status, 4),
            (self.adjust, 3),
            (self.terms, 0.5),
            (self.decision, 4),
            (self.assign, 8),
            (self.hand_over, 4),
            (self.vacate, 2),
            (self.milestone, 7),
            (self.factor, 2.5),
            (self.link, 1.5),
            (self.evaluation, 2.5),
            (self.follow_up, 3),
            (self.phase, 1),
            (self.correct, self.correction_weight),
            (self.draft, 0.8),
            (self.sign, 2.5),
            (self.renew_or_terminate, 0.4),
        ]
        commands = [c for c, _ in table]
        cumulative, total = [], 0.0
        for _, weight in table:
            total += weight
            cumulative.append(total)
        return commands, cumulative

    def step(self) -> None:
        """One command on a random partnership (or, rarely, on the directory)."""
        self.clock.tick()
        if self.rng.random() < 0.01:
            self._try(self.directory_change)
            return
        sim = self.sims[self.rng.randrange(len(self.sims))]
        commands, cumulative = self._commands
        command = self.rng.choices(commands, cum_weights=cumulative)[0]
        if self._try(lambda: command(sim)):
            self.emit(sim.partnership)
            if self.rng.random() < 0.02:
                self._try(lambda: self.expire_due(sim))
        else:
            # Rules are checked before any event is triggered: a refusal leaves nothing.
            assert not sim.partnership.pending_events, command

    def run(self, events: int, progress: Callable[[Stats], None] | None = None) -> Stats:
        began = time.perf_counter()
        with self.clock.patched():
            for number in range(self.n_organisations):
                self.register_organisation(number)
            for number in range(self.n_partnerships):
                self.register_partnership(number)
            next_report = 100_000
            while self.stats.events + len(self._pending) < events:
                self.step()
                if progress is not None and self.stats.events >= next_report:
                    next_report += 100_000
                    self.stats.seconds = time.perf_counter() - began
                    progress(self.stats)
            self.flush()
        self.stats.seconds = time.perf_counter() - began
        self.stats.first_day = START.date()
        self.stats.last_day = self.clock.today()
        self.stats.first_recorded = START
        self.stats.last_recorded = self.clock.now
        return self.stats


# --------------------------------------------------------------------------------- stores


def create_schema(url: str) -> None:
    """Let the application create its tables, functions and key store, then close it."""
    Tvaers(Settings(database_url=url)).close()


class _SchemaMade(Tvaers):
    """The application over tables `create_schema` has made: it creates none itself.

    Two workers creating them at once (CREATE OR REPLACE FUNCTION of the library's insert
    function) failed about once in seven with "tuple concurrently updated"."""

    name = "Tvaers"  # the same tables (the library names them after the application)

    def construct_env(self, name: str, env: Any = None) -> Any:
        environment = super().construct_env(name, env)
        environment["CREATE_TABLE"] = "n"
        return environment


def open_app(url: str, *, create_tables: bool = True) -> Tvaers:
    """The application whose mapper encodes the events (sealing personal data with the
    per-person keys it keeps in the same database: one app per process, after a fork).
    A worker passes `create_tables=False`: the tables were made once before it started."""
    app = (Tvaers if create_tables else _SchemaMade)(Settings(database_url=url))
    assert isinstance(app.mapper, MsgspecMapper)
    return app


def _copy_text(stored: Sequence[StoredEvent]) -> bytes:
    # COPY text format: a bytea is written as \x<hex>, with the backslash escaped.
    return "".join(
        f"{e.originator_id}\t{e.originator_version}\t{e.topic}\t\\\\x{e.state.hex()}\n"
        for e in stored
    ).encode()


def _copy_part(
    url: str,
    events: int,
    partnerships: int,
    seed: int,
    organisations: int | None,
    label: str,
    correction_weight: float = 0.1,
) -> Stats:
    """One worker: a world of its own (own organisations), streamed with one COPY."""
    import psycopg  # noqa: PLC0415 - PostgreSQL only

    def progress(stats: Stats) -> None:
        print(
            f"  {label}{stats.events:,} events, {stats.events / stats.seconds:,.0f}/s", flush=True
        )

    app = open_app(url, create_tables=False)  # `generate_postgres` made them
    with psycopg.connect(url) as conn:
        with (
            conn.cursor() as cursor,
            cursor.copy(
                "COPY tvaers_events (originator_id, originator_version, topic, state) FROM STDIN"
            ) as copy,
        ):
            world = World(
                lambda batch: copy.write(_copy_text(batch)),
                app.mapper,
                partnerships=partnerships,
                expected_events=events,
                seed=seed,
                organisations=organisations,
                correction_weight=correction_weight,
            )
            stats = world.run(events, progress)
        conn.commit()
    app.close()
    return stats


def _merge(parts: Sequence[Stats]) -> Stats:
    merged = Stats()
    for part in parts:
        merged.events += part.events
        merged.commands += part.commands
        merged.refused += part.refused
        merged.topics.update(part.topics)
        merged.partnership_ids += part.partnership_ids
        merged.last_day = max(merged.last_day, part.last_day)
        merged.last_recorded = max(merged.last_recorded, part.last_recorded)
    return merged


def generate_postgres(
    url: str,
    events: int,
    *,
    partnerships: int | None = None,
    seed: int = 1,
    organisations: int | None = None,
    workers: int = 2,
    correction_weight: float = 0.1,
) -> Stats:
    """Append about `events` events to the store at `url` with COPY, from `workers` processes.

    Each worker simulates its own share of partnerships and organisations under its own
    clock (same 2016-2025 span) and streams them with its own COPY, so the log
    interleaves the workers in chunks of a few thousand events.  Per aggregate the
    order is exact (an aggregate lives in one worker).
    """
    create_schema(url)  # before forking: no connection is shared with the workers
    total_partnerships = partnerships or max(1, events // 1_000)
    workers = max(1, min(workers, total_partnerships))
    shares = [
        (
            events // workers + (1 if k < events % workers else 0),
            total_partnerships // workers + (1 if k < total_partnerships % workers else 0),
            organisations // workers if organisations else None,
        )
        for k in range(workers)
    ]
    began = time.perf_counter()
    if workers == 1:
        parts = [
            _copy_part(url, events, total_partnerships, seed, organisations, "", correction_weight)
        ]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            futures = [
                pool.submit(_copy_part, url, n, p, seed + k, o, f"worker {k}: ", correction_weight)
                for k, (n, p, o) in enumerate(shares)
            ]
            parts = [f.result() for f in futures]
    stats = _merge(parts)
    stats.seconds = time.perf_counter() - began
    import psycopg  # noqa: PLC0415 - PostgreSQL only

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE tvaers_events")
    return stats


def generate_sqlite(
    path: str,
    events: int,
    *,
    partnerships: int | None = None,
    seed: int = 1,
    organisations: int | None = None,
) -> Stats:
    """The same mix into a SQLite file (`stored_events`, rowid = notification id)."""
    app = open_app(path)
    conn = sqlite3.connect(path)
    try:
        conn.execute("BEGIN")

        def sink(batch: Sequence[StoredEvent]) -> None:
            conn.executemany(
                "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
                " VALUES (?, ?, ?, ?)",
                [(str(e.originator_id), e.originator_version, e.topic, e.state) for e in batch],
            )

        world = World(
            sink,
            app.mapper,
            partnerships=partnerships or max(1, events // 1_000),
            expected_events=events,
            seed=seed,
            organisations=organisations,
        )
        stats = world.run(events)
        conn.execute("COMMIT")
    finally:
        conn.close()
        app.close()
    return stats


def database_url(admin: str, name: str) -> str:
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


def fresh_database(admin: str, name: str) -> str:
    """A new, empty database on the server of `admin` (dropped first if it exists)."""
    import psycopg  # noqa: PLC0415 - PostgreSQL only
    from psycopg import sql  # noqa: PLC0415

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    return database_url(admin, name)


def event_count(admin: str, name: str) -> int:
    """Events in database `name` (0 if there is no such database or table)."""
    import psycopg  # noqa: PLC0415 - PostgreSQL only

    try:
        with psycopg.connect(database_url(admin, name)) as conn:
            row = conn.execute("SELECT count(*) FROM tvaers_events").fetchone()
    except psycopg.Error:
        return 0
    return int(row[0]) if row else 0


def code_version() -> str:
    """The commit the benchmark ran on, and whether the work tree had changes."""
    import subprocess  # noqa: PLC0415

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        head = subprocess.run(
            ["git", "-C", root, "log", "-1", "--format=%h %s"],
            check=False,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            check=False,
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "unknown"
    return f"{head[:70]}" + (f" (+{len(dirty)} modified files)" if dirty else "")


def admin_url() -> str:
    url = os.environ.get(URL_ENV)
    if not url:
        sys.exit(
            f"${URL_ENV} is not set: run under `python -m tests.pgserver -- ...` "
            "(see bench/README.md)"
        )
    return url


def peak_rss_mib() -> float:
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--partnerships", type=int, default=None, help="default: events/1000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="generating processes (PostgreSQL)")
    parser.add_argument("--sqlite", metavar="PATH", help="write a SQLite file instead")
    args = parser.parse_args()
    print(f"code: {code_version()}")
    if args.sqlite:
        if os.path.exists(args.sqlite):
            os.remove(args.sqlite)
        stats = generate_sqlite(
            args.sqlite, args.events, partnerships=args.partnerships, seed=args.seed
        )
    else:
        url = fresh_database(admin_url(), "bench_generate")
        stats = generate_postgres(
            url,
            args.events,
            partnerships=args.partnerships,
            seed=args.seed,
            workers=args.workers,
        )
    print(stats.summary())
    print(f"peak RSS {peak_rss_mib():,.0f} MiB")
    for topic, count in stats.topics.most_common():
        print(f"  {count:>9,}  {topic.split(':')[-1]}")


if __name__ == "__main__":
    main()
