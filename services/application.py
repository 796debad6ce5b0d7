"""The Tværs application service: one method per use case (load, command, save)."""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import Environment, EnvType, get_topic

from aggregates import (
    AccessRole,
    Account,
    Agreement,
    Annotation,
    EventRef,
    Evidence,
    Meta,
    Organisation,
    Partnership,
    Person,
    Signatory,
    Terms,
    TokenKind,
    TvaersAggregate,
    account_id_for,
)
from aggregates.account import normalise_username
from aggregates.annotation import clean_links
from aggregates.dates import set_plan_horizon
from aggregates.errors import AlreadyExists, DomainError, NotFound
from aggregates.idempotency import IdempotentRequest, request_id_for
from aggregates.taxonomy import (
    ActivityStatus,
    AgreementKind,
    AnchoringStatus,
    AnnotationKind,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    EvaluationMethod,
    FactorEffect,
    FactorOrigin,
    ImplementationPhase,
    PreventionCategory,
    Rung,
)
from services.commands import (
    AppointSteeringMember,
    AssignRole,
    AssignSecretariat,
    ChangePersonContact,
    CloseOrganisation,
    Command,
    Envelope,
    ErasePerson,
    HandOverRole,
    Idempotency,
    IssueTermsOfReference,
    JoinPartner,
    LeavePartner,
    MergeOrganisation,
    MoveOnLadder,
    MovePerson,
    RecordDecision,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    ReleaseSecretariatStaff,
    RenameOrganisation,
    StaffSecretariat,
    StepDownSteeringMember,
    UpdateRegistry,
    VacateRole,
)
from services.encoding import MsgspecMapper
from services.errors import (
    ConcurrencyConflict,
    IdempotencyKeyReused,
    InvalidCredentials,
    LastAdministrator,
    StaleVersion,
)
from services.personal_data import open_keys
from services.security import hash_password, new_token, verify_password
from services.settings import Settings

A = TypeVar("A", bound=TvaersAggregate)
C = TypeVar("C", bound=Command)

# Readers get a deep copy of a cached aggregate (commands change the cached one in
# place, see `_change`). These value types are immutable, so a copy may share them
# (the aggregates' own __deepcopy__ does; this covers anything else deep-copied).
for _immutable in (UUID, date, datetime, Decimal):
    copy._deepcopy_dispatch[_immutable] = copy._deepcopy_atomic  # type: ignore[attr-defined]

# Reconstructing "up to this version" reads the latest state without the cache.
_LATEST = 2**62


class AggregateLocks:
    """Striped re-entrant locks: whoever touches a cached aggregate holds its stripe.

    A command changes the cached aggregate in place (no copy), holding the stripe from
    reading it to saving it. Readers take the stripe only while copying it. A thread
    that already holds a stripe never waits for another one (it reads from the store
    instead), so two commands can never wait for each other.
    """

    def __init__(self, stripes: int = 256) -> None:
        self._locks = [threading.RLock() for _ in range(stripes)]
        self._held = threading.local()

    def _lock(self, aggregate_id: UUID) -> threading.RLock:
        return self._locks[aggregate_id.int % len(self._locks)]

    def holding(self) -> bool:
        return bool(getattr(self._held, "count", 0))

    def acquire(self, aggregate_id: UUID, *, blocking: bool = True) -> bool:
        if not self._lock(aggregate_id).acquire(blocking=blocking):
            return False
        self._held.count = getattr(self._held, "count", 0) + 1
        return True

    def release(self, aggregate_id: UUID) -> None:
        self._held.count -= 1
        self._lock(aggregate_id).release()


@dataclass(frozen=True)
class CommandResult:
    """What a command produced: the aggregate's new version and the last notification id.

    The notification id lets a reader wait until the views have caught up with this write.
    """

    aggregate_id: UUID
    version: int
    notification_id: int
    created_id: UUID | None = None
    replayed: bool = False
    """An idempotent retry: the first result, given back; nothing was written."""


def _meta_of(aggregate: TvaersAggregate) -> Meta:
    """The metadata of the command that just ran on `aggregate` (its first pending event:
    later ones may be consequences the domain scheduled ahead, see Meta.scheduled_on)."""
    event: Any = aggregate.pending_events[0]
    return Meta(
        actor=event.actor,
        valid_on=event.valid_on,
        reason=event.reason,
        correlation_id=event.correlation_id,
    )


@dataclass(frozen=True)
class IssuedToken:
    token_id: UUID
    token: str  # the only time the secret exists outside its owner's hands
    expires_at: datetime
    result: CommandResult


class Tvaers(Application[UUID]):
    """Every aggregate of the registry in one application: one notification log, atomic saves.

    Saving several aggregates (an agreement and its partnership) is one transaction.
    """

    name = "Tvaers"
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Partnership: 100, Agreement: 100}

    def __init__(self, settings: Settings) -> None:
        settings.prepare()
        self.settings = settings
        set_plan_horizon(settings.plan_horizon_years)
        # Per instance (the library declares a class variable): two applications in one
        # process may snapshot at different intervals.
        intervals = {Partnership: settings.snapshot_interval, Agreement: settings.snapshot_interval}
        object.__setattr__(self, "snapshotting_intervals", intervals)
        super().__init__(env=settings.eventsourcing_env())
        self.keys = open_keys(settings)
        self._local = threading.local()
        self._aggregate_locks = AggregateLocks()
        assert isinstance(self.mapper, MsgspecMapper)
        self.mapper.keys = self.keys
        self.reapply_erasures()

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        """Only the settings configure persistence; the process environment does not.

        eventsourcing would otherwise also read os.environ (and TVAERS_-prefixed names
        such as TVAERS_SQLITE_DBNAME), silently overriding TVAERS_DATABASE_URL.
        """
        values = {"IS_SNAPSHOTTING_ENABLED": "y", **(env or {})}
        return Environment(name, values)

    # -- plumbing ----------------------------------------------------------------------

    def _read(self, aggregate_id: UUID) -> object:
        """A private copy of the aggregate's current state (AggregateNotFoundError if none).

        Taken under the aggregate's lock, so never in the middle of a command changing
        the cached one. A thread inside a command does not wait for another aggregate's
        lock: when it is taken, it reads from the store.
        """
        locks = self._aggregate_locks
        if locks.acquire(aggregate_id, blocking=not locks.holding()):
            try:
                return self.repository.get(aggregate_id)
            finally:
                locks.release(aggregate_id)
        return self.repository.get(aggregate_id, version=_LATEST)

    @staticmethod
    def _loaded(kind: type[A], aggregate_id: UUID, load: Callable[[], object]) -> A:
        """What `load` returns, if it is a `kind`; else NotFound."""
        try:
            aggregate = load()
        except AggregateNotFoundError:
            raise NotFound(f"No {kind.__name__.lower()} with id {aggregate_id}.") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"No {kind.__name__.lower()} with id {aggregate_id}.")
        return aggregate

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        return self._loaded(cls, aggregate_id, lambda: self._read(aggregate_id))

    def _forget(self, aggregate_id: UUID) -> None:
        """Drop the cached aggregate: a failed command may have changed it half-way."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _save(self, *aggregates: TvaersAggregate, created_id: UUID | None = None) -> CommandResult:
        idempotency: Idempotency | None = getattr(self._local, "idempotency", None)
        if idempotency is not None:
            # Last, so that its notification id is the highest of the transaction.
            self._local.idempotency = None
            main = aggregates[0]
            aggregates = (
                *aggregates,
                IdempotentRequest.record(
                    actor=idempotency.actor,
                    key=idempotency.key,
                    fingerprint=idempotency.fingerprint,
                    aggregate_id=main.id,
                    version=main.version,
                    created_id=created_id,
                    meta=_meta_of(main),
                ),
            )
        try:
            recordings: list[Recording[UUID]] = self.save(*aggregates)
        except IntegrityError as error:
            raise ConcurrencyConflict(
                "Someone else changed this record meanwhile; reload and try again."
            ) from error
        if not recordings:
            raise RuntimeError("A command saved no event.")
        main = aggregates[0]
        return CommandResult(
            aggregate_id=main.id,
            version=main.version,
            notification_id=max(r.notification.id for r in recordings),
            created_id=created_id,
        )

    @staticmethod
    def _check_version(aggregate: TvaersAggregate, expected_version: int | None) -> None:
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(expected=expected_version, current=aggregate.version)

    def _change(
        self,
        cls: type[A],
        aggregate_id: UUID,
        expected_version: int | None,
        command: Callable[[A], object],
    ) -> CommandResult:
        """Run `command` on the aggregate and save what it did.

        The command works on the cached aggregate itself, not a copy (copying a
        partnership with a long history cost more than the rest of a command), holding
        the aggregate's lock until it is saved. If anything fails on the way, the cached
        aggregate is dropped, so the next command rebuilds it from the store.
        """
        locks = self._aggregate_locks
        locks.acquire(aggregate_id)
        try:
            aggregate = self._loaded(
                cls,
                aggregate_id,
                lambda: self.repository.get(aggregate_id, deepcopy_from_cache=False),
            )
            self._check_version(aggregate, expected_version)
            try:
                created = command(aggregate)
                return self._save(
                    aggregate, created_id=created if isinstance(created, UUID) else None
                )
            except BaseException:
                self._forget(aggregate_id)
                raise
        finally:
            locks.release(aggregate_id)

    def _active_organisation(self, organisation_id: UUID) -> Organisation:
        organisation = self._get(Organisation, organisation_id)
        organisation.check_active()
        return organisation

    def _person(self, person_id: UUID) -> Person:
        person = self._get(Person, person_id)
        person.check_not_erased()
        return person

    # -- commands ----------------------------------------------------------------------

    def execute(self, command: Command, envelope: Envelope) -> CommandResult:
        """Run one command: its handler from the table (`COMMANDS`), with the envelope's
        metadata, version check and idempotency key.

        With an idempotency key, a retry gets the first result back (`replayed`) and
        writes nothing; the key is recorded in the write's own transaction.
        """
        handler = COMMANDS.get(type(command))
        if handler is None:
            raise TypeError(f"No handler for {type(command).__name__} (services/application.py).")

        def run() -> CommandResult:
            return handler.execute(self, command, envelope)

        if envelope.idempotency is None:
            return run()
        result, replayed = self.idempotent(envelope.idempotency, run)
        return replace(result, replayed=True) if replayed else result

    # -- queries -----------------------------------------------------------------------

    def get_organisation(self, organisation_id: UUID) -> Organisation:
        return self._get(Organisation, organisation_id)

    def get_person(self, person_id: UUID) -> Person:
        return self._get(Person, person_id)

    def get_partnership(self, partnership_id: UUID, *, version: int | None = None) -> Partnership:
        if version is None:
            return self._get(Partnership, partnership_id)
        return self._loaded(
            Partnership,
            partnership_id,
            lambda: self.repository.get(partnership_id, version=version),
        )

    def get_agreement(self, agreement_id: UUID, *, partnership_id: UUID | None = None) -> Agreement:
        return self._agreement(agreement_id, partnership_id)

    def partnership_events(self, partnership_id: UUID) -> list[Partnership.Event]:
        self._get(Partnership, partnership_id)
        return list(self.events.get(partnership_id))  # type: ignore[arg-type]

    def iter_all_events(self, batch: int = 500) -> Iterator[Any]:
        """Every event of the application, in notification order."""
        start = 1
        while True:
            notifications = self.recorder.select_notifications(start=start, limit=batch)
            if not notifications:
                return
            for notification in notifications:
                yield self.mapper.to_domain_event(notification)
            start = notifications[-1].id + 1

    def max_notification_id(self) -> int:
        return self.recorder.max_notification_id() or 0

    # -- organisations and persons -----------------------------------------------------

    def _register_organisation(self, c: RegisterOrganisation, envelope: Envelope) -> CommandResult:
        parent = self._active_organisation(c.parent_id) if c.parent_id is not None else None
        organisation = Organisation.register(
            name=c.name,
            sector=c.sector,
            municipality=c.municipality,
            cvr=c.cvr,
            parent=parent,
            meta=envelope.meta,
        )
        return self._save(organisation, created_id=organisation.id)

    def _register_person(self, c: RegisterPerson, envelope: Envelope) -> CommandResult:
        self._active_organisation(c.organisation_id)
        person = Person.register(
            contact=c.contact(), organisation_id=c.organisation_id, meta=envelope.meta
        )
        return self._save(person, created_id=person.id)

    def _erase_person(self, c: ErasePerson, envelope: Envelope) -> CommandResult:
        """Erase a person's personal data: record the erasure, then delete their key.

        Every stored event holding their contact details becomes unreadable; the
        directory view shows "(slettet)" for them from then on. The key store is then
        rewritten so the key's bytes are in none of its live files (ADR 0004); should that
        fail, it is logged and the next erasure or start rewrites it.
        """
        result = self._change(
            Person, c.person_id, envelope.expected_version, lambda p: p.erase(envelope.meta)
        )
        self.keys.forget(c.person_id)
        self.keys.purge()
        return result

    def reapply_erasures(self) -> int:
        """Delete the key of every erased person again (e.g. after restoring a backup), then
        rewrite the key store: no forgotten key stays in its files, also none forgotten by
        an older version or a failed rewrite."""
        erased = self.recorder.select_notifications(
            start=1, limit=1_000_000, topics=[get_topic(Person.Erased)]
        )
        for notification in erased:
            originator = notification.originator_id
            self.keys.forget(originator if isinstance(originator, UUID) else UUID(originator))
        self.keys.purge()
        return len(erased)

    def close(self) -> None:
        self.keys.close()
        super().close()

    # -- partnership: registry and partners --------------------------------------------

    def _register_partnership(self, c: RegisterPartnership, envelope: Envelope) -> CommandResult:
        """Register a partnership; its registering user becomes its project leader.

        The grant is saved with the partnership, so the creator can go on at once.
        """
        meta = envelope.meta
        self._active_organisation(c.lead_organisation_id)
        partnership = Partnership.register(
            registry=c.registry(), lead_organisation_id=c.lead_organisation_id, meta=meta
        )
        creator = self._account_or_none(meta.actor)
        if creator is None or not creator.active:
            return self._save(partnership, created_id=partnership.id)
        creator.grant(AccessRole.PROJECT_LEADER, meta, partnership_id=partnership.id)
        return self._save(partnership, creator, created_id=partnership.id)

    # -- partnership: activities -------------------------------------------------------

    def launch_activity(
        self,
        partnership_id: UUID,
        *,
        title: str,
        category: PreventionCategory,
        owner_ids: Collection[UUID],
        meta: Meta,
        description: str = "",
        target_group: str = "",
        arena: str = "",
        running: bool = False,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.launch_activity(
                title=title,
                category=category,
                owner_ids=owner_ids,
                meta=meta,
                description=description,
                target_group=target_group,
                arena=arena,
                running=running,
            ),
        )

    def change_activity_status(
        self,
        partnership_id: UUID,
        activity_id: UUID,
        status: ActivityStatus,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.change_activity_status(activity_id, status, meta),
        )

    def adjust_activity(
        self,
        partnership_id: UUID,
        activity_id: UUID,
        description: str,
        meta: Meta,
        *,
        title: str | None = None,
        target_group: str | None = None,
        arena: str | None = None,
        owner_ids: Collection[UUID] | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.adjust_activity(
                activity_id,
                description,
                meta,
                title=title,
                target_group=target_group,
                arena=arena,
                owner_ids=owner_ids,
            ),
        )

    # -- partnership: anchoring, evaluation, follow-up ---------------------------------

    def record_milestone(
        self,
        partnership_id: UUID,
        *,
        dimension: Dimension,
        status: AnchoringStatus,
        title: str,
        evidence: Evidence,
        meta: Meta,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.record_milestone(
                dimension=dimension, status=status, title=title, evidence=evidence, meta=meta
            ),
        )

    def record_factor(
        self,
        partnership_id: UUID,
        *,
        origin: FactorOrigin,
        effect: FactorEffect,
        description: str,
        meta: Meta,
        milestone_ids: Collection[UUID] = (),
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.record_factor(
                origin=origin,
                effect=effect,
                description=description,
                milestone_ids=milestone_ids,
                meta=meta,
            ),
        )

    def link_factor(
        self,
        partnership_id: UUID,
        factor_id: UUID,
        milestone_id: UUID,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.link_factor(factor_id, milestone_id, meta),
        )

    def record_evaluation(
        self,
        partnership_id: UUID,
        *,
        kind: EvaluationKind,
        evaluator: str,
        method: EvaluationMethod,
        findings: str,
        meta: Meta,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.record_evaluation(
                kind=kind, evaluator=evaluator, method=method, findings=findings, meta=meta
            ),
        )

    def record_assessment(
        self,
        partnership_id: UUID,
        evaluation_id: UUID,
        question: AssessmentQuestion,
        answer: AssessmentAnswer,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.record_assessment(evaluation_id, question, answer, meta),
        )

    def schedule_follow_up(
        self,
        partnership_id: UUID,
        *,
        label: str,
        due_on: date,
        cohort: int,
        meta: Meta,
        activity_id: UUID | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.schedule_follow_up(
                label=label, due_on=due_on, cohort=cohort, meta=meta, activity_id=activity_id
            ),
        )

    def record_follow_up(
        self,
        partnership_id: UUID,
        follow_up_id: UUID,
        reached: int,
        retained: int,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.record_follow_up(follow_up_id, reached, retained, meta),
        )

    def enter_phase(
        self,
        partnership_id: UUID,
        phase: ImplementationPhase,
        note: str,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.enter_phase(phase, note, meta),
        )

    def rate_anchoring(
        self,
        partnership_id: UUID,
        *,
        dimension: Dimension,
        rating: int,
        meta: Meta,
        comment: str = "",
        rated_by: UUID | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        """The steering group's self-assessment of a dimension (1-7); `rated_by` is the
        person who gave it (a registered person whose data is not erased)."""
        if rated_by is not None:
            self._person(rated_by)
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.rate_anchoring(
                dimension=dimension, rating=rating, comment=comment, rated_by=rated_by, meta=meta
            ),
        )

    # -- evaluators' notes: their own streams; the partnership is only read ------------

    def _linked_events(
        self, partnership: Partnership, links: Collection[EventRef]
    ) -> tuple[EventRef, ...]:
        """The links, each an event of the partnership's history or of one of its agreements.

        Anything else (an unknown aggregate or version, another partnership's events, a
        person's) is "not found": the answer tells nothing about other partnerships.
        """
        cleaned = clean_links(links)
        for link in cleaned:
            newest = 0
            if link.aggregate_id == partnership.id:
                newest = partnership.version
            else:
                try:
                    agreement = self._get(Agreement, link.aggregate_id)
                except NotFound:
                    agreement = None
                if agreement is not None and agreement.partnership_id == partnership.id:
                    newest = agreement.version
            if link.version > newest:
                raise NotFound(
                    f"No event {link.aggregate_id} version {link.version} in the history of "
                    f"partnership {partnership.id}."
                )
        return cleaned

    def _own_annotation(
        self,
        partnership_id: UUID,
        annotation_id: UUID,
        actor: str,
        expected_version: int | None,
    ) -> Annotation:
        """The caller's own note on that partnership (another's draft is not found)."""
        annotation = self._get(Annotation, annotation_id)
        if annotation.partnership_id != partnership_id:
            raise NotFound(
                f"No annotation with id {annotation_id} in partnership {partnership_id}."
            )
        annotation.check_author(actor)
        self._check_version(annotation, expected_version)
        return annotation

    def record_annotation(
        self,
        partnership_id: UUID,
        *,
        kind: AnnotationKind,
        text: str,
        meta: Meta,
        dimension: Dimension | None = None,
        links: Collection[EventRef] = (),
    ) -> CommandResult:
        """An evaluator's draft note on the partnership, linked to events of its history."""
        partnership = self._get(Partnership, partnership_id)
        annotation = Annotation.record(
            partnership_id=partnership.id,
            kind=kind,
            text=text,
            dimension=dimension,
            links=self._linked_events(partnership, links),
            meta=meta,
        )
        return self._save(annotation, created_id=annotation.id)

    def revise_annotation(
        self,
        partnership_id: UUID,
        annotation_id: UUID,
        *,
        kind: AnnotationKind,
        text: str,
        meta: Meta,
        dimension: Dimension | None = None,
        links: Collection[EventRef] = (),
        expected_version: int | None = None,
    ) -> CommandResult:
        annotation = self._own_annotation(
            partnership_id, annotation_id, meta.actor, expected_version
        )
        partnership = self._get(Partnership, partnership_id)
        annotation.revise(
            kind=kind,
            text=text,
            dimension=dimension,
            links=self._linked_events(partnership, links),
            meta=meta,
        )
        return self._save(annotation)

    def publish_annotation(
        self,
        partnership_id: UUID,
        annotation_id: UUID,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        annotation = self._own_annotation(
            partnership_id, annotation_id, meta.actor, expected_version
        )
        annotation.publish(meta)
        return self._save(annotation)

    def withdraw_annotation(
        self,
        partnership_id: UUID,
        annotation_id: UUID,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        annotation = self._own_annotation(
            partnership_id, annotation_id, meta.actor, expected_version
        )
        annotation.withdraw(meta)
        return self._save(annotation)

    # -- partnership: corrections ------------------------------------------------------

    def correct_date(
        self,
        partnership_id: UUID,
        corrects_version: int,
        corrected_valid_on: date,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.correct_date(corrects_version, corrected_valid_on, meta),
        )

    def correct_rung(
        self,
        partnership_id: UUID,
        corrects_version: int,
        rung: Rung,
        evidence: str,
        meta: Meta,
        *,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.correct_rung(corrects_version, rung, evidence, meta),
        )

    def correct_milestone(
        self,
        partnership_id: UUID,
        corrects_version: int,
        *,
        dimension: Dimension,
        status: AnchoringStatus,
        title: str,
        evidence: Evidence,
        meta: Meta,
        expected_version: int | None = None,
    ) -> CommandResult:
        return self._change(
            Partnership,
            partnership_id,
            expected_version,
            lambda p: p.correct_milestone(
                corrects_version,
                dimension=dimension,
                status=status,
                title=title,
                evidence=evidence,
                meta=meta,
            ),
        )

    # -- agreements (each saved with its partnership in one transaction) ---------------

    def draft_agreement(
        self, partnership_id: UUID, *, kind: AgreementKind, terms: Terms, meta: Meta
    ) -> CommandResult:
        partnership = self._get(Partnership, partnership_id)
        agreement = Agreement.draft(
            partnership_id=partnership.id,
            lead_organisation_id=partnership.lead_organisation_id,
            partner_ids=partnership.active_partner_ids,
            kind=kind,
            terms=terms,
            meta=meta,
        )
        return self._save(agreement, created_id=agreement.id)

    def _agreement(self, agreement_id: UUID, partnership_id: UUID | None) -> Agreement:
        """The agreement; with `partnership_id`, only if it belongs to that partnership."""
        agreement = self._get(Agreement, agreement_id)
        if partnership_id is not None and agreement.partnership_id != partnership_id:
            raise NotFound(f"No agreement with id {agreement_id} in partnership {partnership_id}.")
        return agreement

    def amend_agreement(
        self,
        agreement_id: UUID,
        terms: Terms,
        meta: Meta,
        *,
        expected_version: int | None = None,
        partnership_id: UUID | None = None,
    ) -> CommandResult:
        agreement = self._agreement(agreement_id, partnership_id)
        self._check_version(agreement, expected_version)
        partnership = self._get(Partnership, agreement.partnership_id)
        agreement.amend(terms, partnership.active_partner_ids, meta)
        return self._save(agreement)

    def sign_agreement(
        self,
        agreement_id: UUID,
        party_id: UUID,
        signatory_id: UUID,
        meta: Meta,
        *,
        expected_version: int | None = None,
        partnership_id: UUID | None = None,
    ) -> CommandResult:
        """Record a signature; the last one puts the agreement in force and lifts the ladder."""
        person = self._person(signatory_id)
        signatory = Signatory(person_id=person.id, organisation_id=person.organisation_id)
        agreement = self._agreement(agreement_id, partnership_id)
        self._check_version(agreement, expected_version)
        partnership = self._get(Partnership, agreement.partnership_id)
        completed = agreement.sign(party_id, signatory, partnership.active_partner_ids, meta)
        if not completed:
            return self._save(agreement)
        partnership.record_signed_agreement(
            agreement_id=agreement.id,
            kind=agreement.kind,
            party_ids=agreement.party_ids,
            valid_from=agreement.valid_from,
            valid_to=agreement.valid_to,
            meta=meta,
        )
        return self._save(agreement, partnership)

    def renew_agreement(
        self,
        agreement_id: UUID,
        valid_to: date,
        meta: Meta,
        *,
        expected_version: int | None = None,
        partnership_id: UUID | None = None,
    ) -> CommandResult:
        agreement = self._agreement(agreement_id, partnership_id)
        self._check_version(agreement, expected_version)
        partnership = self._get(Partnership, agreement.partnership_id)
        agreement.renew(valid_to, meta)
        partnership.record_agreement_renewed(agreement.id, valid_to, meta)
        return self._save(agreement, partnership)

    def terminate_agreement(
        self,
        agreement_id: UUID,
        meta: Meta,
        *,
        expected_version: int | None = None,
        partnership_id: UUID | None = None,
    ) -> CommandResult:
        """End early (reason required); parties drop back on the ladder unless still backed."""
        agreement = self._agreement(agreement_id, partnership_id)
        self._check_version(agreement, expected_version)
        agreement.terminate(meta)
        return self._end(agreement, meta)

    def expire_agreement(
        self,
        agreement_id: UUID,
        meta: Meta,
        *,
        expected_version: int | None = None,
        partnership_id: UUID | None = None,
    ) -> CommandResult:
        agreement = self._agreement(agreement_id, partnership_id)
        self._check_version(agreement, expected_version)
        agreement.expire(meta)
        return self._end(agreement, meta)

    def _end(self, agreement: Agreement, meta: Meta) -> CommandResult:
        partnership = self._get(Partnership, agreement.partnership_id)
        if str(agreement.id) not in partnership.agreements:
            return self._save(agreement)  # never signed: nothing on the ladder to undo
        partnership.record_agreement_ended(agreement.id, meta.valid_on, meta)
        return self._save(agreement, partnership)

    def expire_due_agreements(self, agreement_ids: Sequence[UUID], today: date, actor: str) -> int:
        """Housekeeping: record the expiry of each listed agreement whose validity has passed.

        The expiry is dated the day after valid-to. Agreements already ended, still valid
        or changed by someone else meanwhile (a conflict) are skipped.
        """
        expired = 0
        for agreement_id in agreement_ids:
            agreement = self._get(Agreement, agreement_id)
            if agreement.has_ended or agreement.valid_to >= today:
                continue
            meta = Meta(
                actor=actor,
                valid_on=agreement.valid_to + timedelta(days=1),
                reason="Gyldighedsperioden er udløbet",
            )
            try:
                self.expire_agreement(agreement_id, meta, expected_version=agreement.version)
            except ConcurrencyConflict:
                continue
            expired += 1
        return expired

    # -- idempotent writes -------------------------------------------------------------

    def idempotent(
        self, idempotency: Idempotency, run: Callable[[], CommandResult]
    ) -> tuple[CommandResult, bool]:
        """Run a write once per (caller, key): a retry gets the first result back.

        Returns the result and whether it is a replay. The key is recorded in the same
        transaction as the write, so a concurrent retry loses on the version check and
        then finds the winner's record.
        """
        first = self._first_result(idempotency)
        if first is not None:
            return first, True
        self._local.idempotency = idempotency
        try:
            return run(), False
        except ConcurrencyConflict:
            first = self._first_result(idempotency)
            if first is not None:
                return first, True
            raise
        finally:
            self._local.idempotency = None

    def _first_result(self, idempotency: Idempotency) -> CommandResult | None:
        request_id = request_id_for(idempotency.actor, idempotency.key)
        try:
            request: object = self._read(request_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(request, IdempotentRequest)
        if request.fingerprint != idempotency.fingerprint:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used for a different request; "
                "use a new key for a new request."
            )
        return CommandResult(
            aggregate_id=request.result_aggregate_id,
            version=request.result_version,
            notification_id=self._notification_id_of(request_id),
            created_id=request.result_created_id,
        )

    def _notification_id_of(self, originator_id: UUID) -> int:
        """The notification id of an aggregate's first event."""
        table = self.settings.events_table
        datastore: Any = self.recorder.datastore  # type: ignore[attr-defined]
        if self.settings.store == "sqlite":
            sql = f"SELECT rowid FROM {table} WHERE originator_id = ? AND originator_version = 1"
            with datastore.transaction(commit=False) as cursor:
                cursor.execute(sql, (originator_id.hex,))
                return int(cursor.fetchone()[0])
        sql = (
            f"SELECT notification_id FROM {table}"
            " WHERE originator_id = %s AND originator_version = 1"
        )
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, (originator_id,))
            return int(cursor.fetchone()["notification_id"])

    # -- accounts, grants and tokens ---------------------------------------------------

    def _account_or_none(self, username: str) -> Account | None:
        try:
            account_id = account_id_for(username)
        except DomainError:
            return None  # system actors ("system:housekeeping", "cli:…") have no account
        try:
            aggregate: object = self._read(account_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, Account) else None

    def get_account(self, username: str) -> Account:
        account = self._account_or_none(username)
        if account is None:
            raise NotFound(f"No user called {username!r}.")
        return account

    def create_account(
        self,
        *,
        username: str,
        display_name: str,
        password: str,
        meta: Meta,
        is_admin: bool = False,
        password_hash: str | None = None,
    ) -> CommandResult:
        """A new user. `password_hash`: the hash of `password`, made already with
        `hash_password` (once for the demo accounts, which share a published password)."""
        name = normalise_username(username)
        if self._account_or_none(name) is not None:
            raise AlreadyExists(f"There is already a user called {name!r}.")
        account = Account.create(
            username=name,
            display_name=display_name,
            password_hash=password_hash or hash_password(password),
            is_admin=is_admin,
            meta=meta,
        )
        try:
            return self._save(account, created_id=account.id)
        except ConcurrencyConflict:
            raise AlreadyExists(f"There is already a user called {name!r}.") from None

    def change_password(
        self,
        username: str,
        new_password: str,
        meta: Meta,
        *,
        current_password: str | None = None,
        expected_version: int | None = None,
        keep_token: UUID | None = None,
    ) -> CommandResult:
        """Set a new password; a user changing their own must give the current one.

        Every session and token of the account is revoked but `keep_token` (the session
        the user changes their own password in)."""
        account = self.get_account(username)
        self._check_version(account, expected_version)
        if current_password is not None and not verify_password(
            account.password_hash, current_password
        ):
            raise InvalidCredentials("The current password is not right.")
        account.change_password(hash_password(new_password), meta, keep_token=keep_token)
        return self._save(account)

    def set_admin(
        self,
        username: str,
        is_admin: bool,
        meta: Meta,
        *,
        administrators: Collection[str] = (),
        keep_token: UUID | None = None,
    ) -> CommandResult:
        """Make a user an administrator, or not (their other sessions and tokens end).

        `administrators`: see `_keep_an_administrator`."""
        account = self.get_account(username)
        if not is_admin:
            self._keep_an_administrator(account, administrators)
        account.set_admin(is_admin, meta, keep_token=keep_token)
        return self._save(account)

    def deactivate_account(
        self, username: str, meta: Meta, *, administrators: Collection[str] = ()
    ) -> CommandResult:
        """Deactivate a user: every session and token of theirs ends."""
        account = self.get_account(username)
        self._keep_an_administrator(account, administrators)
        account.deactivate(meta)
        return self._save(account)

    def _keep_an_administrator(self, account: Account, administrators: Collection[str]) -> None:
        """Refuse to demote or deactivate the last active administrator.

        `administrators`: the active administrators the caller knows of (the access
        view). Each is checked on its own account here, so a stale list can only refuse
        wrongly, never let the last administrator go. Two administrators demoting each
        other at the same moment in two processes can still both succeed (ADR 0013);
        `tvaers user create --admin` on the server makes a new one.
        """
        if not (account.is_admin and account.active):
            return
        for name in administrators:
            if name == account.username:
                continue
            other = self._account_or_none(name)
            if other is not None and other.is_admin and other.active:
                return
        raise LastAdministrator(
            f"{account.username!r} is the last active administrator: make another user an "
            "administrator first. (Den sidste aktive administrator kan ikke fratages "
            "rettighederne eller deaktiveres; gør først en anden bruger til administrator.)"
        )

    def reactivate_account(self, username: str, meta: Meta) -> CommandResult:
        account = self.get_account(username)
        account.reactivate(meta)
        return self._save(account)

    def grant_access(
        self,
        username: str,
        role: AccessRole,
        meta: Meta,
        *,
        partnership_id: UUID | None = None,
        municipality: str | None = None,
    ) -> CommandResult:
        account = self.get_account(username)
        if partnership_id is not None:
            self._get(Partnership, partnership_id)
        grant_id = account.grant(
            AccessRole(role), meta, partnership_id=partnership_id, municipality=municipality
        )
        return self._save(account, created_id=grant_id)

    def revoke_grant(self, username: str, grant_id: UUID, meta: Meta) -> CommandResult:
        account = self.get_account(username)
        account.revoke_grant(grant_id, meta)
        return self._save(account)

    def authenticate(self, username: str, password: str) -> Account:
        """The active account with this username and password, else InvalidCredentials."""
        try:
            account = self._account_or_none(normalise_username(username))
        except DomainError:
            account = None
        stored_hash = account.password_hash if account is not None else None
        if not verify_password(stored_hash, password) or account is None or not account.active:
            raise InvalidCredentials("Wrong username or password.")
        return account

    def issue_token(
        self, username: str, kind: TokenKind, label: str, lifetime: timedelta, meta: Meta
    ) -> IssuedToken:
        """A new login token (a session's or an integration's); the secret is returned once."""
        account = self.get_account(username)
        token = new_token()
        expires_at = datetime.now(UTC) + lifetime
        account.issue_token(token.token_id, token.token_hash, kind, label, expires_at, meta)
        result = self._save(account, created_id=token.token_id)
        return IssuedToken(token.token_id, token.token, expires_at, result)

    def revoke_token(self, username: str, token_id: UUID, meta: Meta) -> CommandResult:
        account = self.get_account(username)
        account.revoke_token(token_id, meta)
        return self._save(account)


# -- the dispatch table: command class -> aggregate kind and handler ---------------------

# The id field by which a command names the aggregate it changes.
ID_FIELDS: dict[type[TvaersAggregate], str] = {
    Partnership: "partnership_id",
    Organisation: "organisation_id",
    Person: "person_id",
    Agreement: "agreement_id",
    Annotation: "annotation_id",
}


@dataclass(frozen=True)
class Change(Generic[A, C]):
    """A command that changes one aggregate of `kind`, named by the command's id field
    (`ID_FIELDS`): load it (under its lock), check the expected version, `run`, save."""

    command: type[C]
    kind: type[A]
    run: Callable[[Tvaers, A, C, Meta], object]
    check: Callable[[Tvaers, C], object] | None = None
    """Checked before the aggregate is loaded (e.g. that a named organisation is active)."""

    def __post_init__(self) -> None:
        if ID_FIELDS[self.kind] not in self.command.__struct_fields__:
            raise TypeError(f"{self.command.__name__} lacks {ID_FIELDS[self.kind]}.")

    def execute(self, app: Tvaers, command: Command, envelope: Envelope) -> CommandResult:
        assert isinstance(command, self.command)
        if self.check is not None:
            self.check(app, command)
        aggregate_id: UUID = getattr(command, ID_FIELDS[self.kind])
        return app._change(
            self.kind,
            aggregate_id,
            envelope.expected_version,
            lambda aggregate: self.run(app, aggregate, command, envelope.meta),
        )


@dataclass(frozen=True)
class Custom(Generic[C]):
    """A command that creates an aggregate or saves several (an agreement with its
    partnership): `run` loads, checks and saves itself (`Tvaers._save`)."""

    command: type[C]
    run: Callable[[Tvaers, C, Envelope], CommandResult]

    def execute(self, app: Tvaers, command: Command, envelope: Envelope) -> CommandResult:
        assert isinstance(command, self.command)
        return self.run(app, command, envelope)


Handler = Change[Any, Any] | Custom[Any]


def _table(*handlers: Handler) -> dict[type[Command], Handler]:
    table: dict[type[Command], Handler] = {}
    for handler in handlers:
        if handler.command in table:
            raise TypeError(f"Two handlers for {handler.command.__name__}.")
        table[handler.command] = handler
    return table


COMMANDS: dict[type[Command], Handler] = _table(
    # -- the directory: organisations and persons
    Custom(RegisterOrganisation, Tvaers._register_organisation),
    Change(RenameOrganisation, Organisation, lambda _app, o, c, meta: o.rename(c.name, meta)),
    Change(
        MergeOrganisation,
        Organisation,
        lambda app, o, c, meta: o.merge_into(app._active_organisation(c.into_id), meta),
    ),
    Change(CloseOrganisation, Organisation, lambda _app, o, _c, meta: o.close(meta)),
    Custom(RegisterPerson, Tvaers._register_person),
    Change(
        ChangePersonContact,
        Person,
        lambda _app, p, c, meta: p.change_contact(c.contact(), meta),
    ),
    Change(
        MovePerson,
        Person,
        lambda _app, p, c, meta: p.move_to(c.organisation_id, meta),
        check=lambda app, c: app._active_organisation(c.organisation_id),
    ),
    Custom(ErasePerson, Tvaers._erase_person),
    # -- partnership: registering it, its registry fields, partners and the ladder
    Custom(RegisterPartnership, Tvaers._register_partnership),
    Change(
        UpdateRegistry,
        Partnership,
        lambda _app, p, c, meta: p.update_registry(c.registry(), meta),
    ),
    Change(
        JoinPartner,
        Partnership,
        lambda _app, p, c, meta: p.join_partner(
            c.organisation_id, meta, rung=Rung(c.rung), evidence=c.evidence
        ),
        check=lambda app, c: app._active_organisation(c.organisation_id),
    ),
    Change(
        LeavePartner,
        Partnership,
        lambda _app, p, c, meta: p.leave_partner(c.organisation_id, meta),
    ),
    Change(
        MoveOnLadder,
        Partnership,
        lambda _app, p, c, meta: p.move_on_ladder(
            c.organisation_id, Rung(c.rung), c.evidence, meta
        ),
    ),
    # -- partnership: governance (steering group, secretariat, terms of reference, decisions)
    Change(
        AppointSteeringMember,
        Partnership,
        lambda _app, p, c, meta: p.appoint_steering_member(c.person_id, c.seat, meta),
        check=lambda app, c: app._person(c.person_id),
    ),
    Change(
        StepDownSteeringMember,
        Partnership,
        lambda _app, p, c, meta: p.step_down_steering_member(c.person_id, meta),
    ),
    Change(
        AssignSecretariat,
        Partnership,
        lambda _app, p, c, meta: p.assign_secretariat(c.organisation_id, meta),
    ),
    Change(
        StaffSecretariat,
        Partnership,
        lambda _app, p, c, meta: p.staff_secretariat(c.person_id, meta),
        check=lambda app, c: app._person(c.person_id),
    ),
    Change(
        ReleaseSecretariatStaff,
        Partnership,
        lambda _app, p, c, meta: p.release_secretariat_staff(c.person_id, meta),
    ),
    Change(
        IssueTermsOfReference,
        Partnership,
        lambda _app, p, c, meta: p.issue_terms_of_reference(
            c.terms(), meta, decision_id=c.decision_id
        ),
    ),
    Change(
        RecordDecision,
        Partnership,
        lambda _app, p, c, meta: p.record_decision(c.title, c.approved, meta),
    ),
    # -- partnership: roles (the person's organisation is the one they work for now)
    Change(
        AssignRole,
        Partnership,
        lambda app, p, c, meta: p.assign_role(
            c.role,
            c.person_id,
            app._person(c.person_id).organisation_id,
            meta,
            activity_id=c.activity_id,
            position_id=c.position_id,
        ),
    ),
    Change(
        HandOverRole,
        Partnership,
        lambda app, p, c, meta: p.hand_over_role(
            c.position_id, c.person_id, app._person(c.person_id).organisation_id, meta
        ),
    ),
    Change(VacateRole, Partnership, lambda _app, p, c, meta: p.vacate_role(c.position_id, meta)),
)
"""Every command the application runs, and how (ADR 0014)."""
