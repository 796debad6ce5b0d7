"""The Tværs application service: one method per use case (load, command, save)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, Recording
from eventsourcing.utils import Environment, EnvType, get_topic
from greenlet import getcurrent

from aggregates import (
    AccessRole,
    Account,
    Agreement,
    Annotation,
    EventRef,
    Meta,
    Organisation,
    Partnership,
    Person,
    Signatory,
    TokenKind,
    TvaersAggregate,
    account_id_for,
)
from aggregates.account import normalise_username
from aggregates.annotation import clean_links
from aggregates.dates import set_plan_horizon
from aggregates.errors import AlreadyExists, DomainError, NoChange, NotFound
from aggregates.idempotency import IdempotentRequest, request_id_for
from aggregates.subjects import clashes
from aggregates.taxonomy import Rung
from services import bridge, pgstore
from services.commands import (
    AdjustActivity,
    AmendAgreement,
    AppointSteeringMember,
    AssignRole,
    AssignSecretariat,
    ChangeActivityStatus,
    ChangePassword,
    ChangePersonContact,
    ChangeRegistryFields,
    ChangeSteeringSeat,
    CloseOrganisation,
    Command,
    CorrectDate,
    CorrectMilestone,
    CorrectRung,
    CreateAccount,
    DeactivateAccount,
    DraftAgreement,
    EnterOperations,
    EnterPhase,
    Envelope,
    ErasePerson,
    ExpireAgreement,
    GrantAccess,
    HandOverRole,
    Idempotency,
    IssueTermsOfReference,
    JoinPartner,
    LaunchActivity,
    LeavePartner,
    LinkFactor,
    LinkFactorToEvent,
    MergeOrganisation,
    MoveOnLadder,
    MovePerson,
    PublishAnnotation,
    RateAnchoring,
    ReactivateAccount,
    RecordAnnotation,
    RecordAssessment,
    RecordDecision,
    RecordEvaluation,
    RecordFactor,
    RecordFollowUp,
    RecordMilestone,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    ReleaseSecretariatStaff,
    RenameOrganisation,
    RenewAgreement,
    ReviseAnnotation,
    RevokeGrant,
    RevokeToken,
    ScheduleFollowUp,
    SetAdministrator,
    SignAgreement,
    SignOnFirstTime,
    StaffSecretariat,
    StepDownSteeringMember,
    TerminateAgreement,
    UpdateProfile,
    UpdateRegistry,
    VacateRole,
    WithdrawAnnotation,
)
from services.encoding import MsgspecMapper
from services.errors import (
    ConcurrencyConflict,
    EditConflict,
    IdempotencyKeyReused,
    InvalidCredentials,
    LastAdministrator,
    StaleVersion,
)
from services.personal_data import open_keys
from services.schema_lock import schema_lock
from services.security import hash_password, new_token, verify_password
from services.settings import Settings

log = structlog.get_logger("tvaers.application")

A = TypeVar("A", bound=TvaersAggregate)
C = TypeVar("C", bound=Command)

# Readers get a deep copy of a cached aggregate (commands change the cached one in
# place, see `_change`). These value types are immutable, so a copy may share them
# (the aggregates' own __deepcopy__ does; this covers anything else deep-copied).
for _immutable in (UUID, date, datetime, Decimal):
    copy._deepcopy_dispatch[_immutable] = copy._deepcopy_atomic  # type: ignore[attr-defined]


def _mutate_all(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's `project_aggregate` without its `assert isinstance(event,
    CanMutateProtocol)` per event (a runtime protocol check: ~7 µs on Python 3.11);
    every event of this registry is an aggregate event, which can mutate."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


# Reconstructing "up to this version" reads the latest state without the cache.
_LATEST = 2**62

# The running command's base version and idempotency key. Context variables, not
# thread-locals: bridged commands (services/bridge.py) share the loop's thread, each in
# its own context.
_BASE_VERSION: ContextVar[int | None] = ContextVar("tvaers_base_version", default=None)
_IDEMPOTENCY: ContextVar[Idempotency | None] = ContextVar("tvaers_idempotency", default=None)


class AggregateLocks:
    """Striped re-entrant locks: whoever touches a cached aggregate holds its stripe.

    A command changes the cached aggregate in place (no copy), holding the stripe from
    reading it to saving it. Readers take the stripe only while copying it. Whoever
    already holds a stripe never waits for another one (it reads from the store
    instead), so two commands can never wait for each other.

    The owner is the greenlet (services/bridge.py): a thread's own, or a bridged
    command's on the event loop's thread, where many commands share one thread. A
    bridged command that must wait polls (`asyncio.sleep`, 0.2-5 ms) instead of blocking
    the loop; a thread waits on the lock itself.
    """

    def __init__(self, stripes: int = 256) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]
        self._owners: list[object | None] = [None] * stripes
        self._depths = [0] * stripes
        self._held: dict[object, int] = {}

    def holding(self) -> bool:
        return getcurrent() in self._held

    def acquire(self, aggregate_id: UUID, *, blocking: bool = True) -> bool:
        stripe = aggregate_id.int % len(self._locks)
        me = getcurrent()
        if self._owners[stripe] is not me:
            lock = self._locks[stripe]
            if not lock.acquire(blocking=False):
                if not blocking:
                    return False
                if bridge.in_bridge():
                    pause = 0.0002
                    while not lock.acquire(blocking=False):
                        bridge.wait_for(asyncio.sleep(pause))
                        pause = min(pause * 2, 0.005)
                else:
                    lock.acquire()
            self._owners[stripe] = me
        self._depths[stripe] += 1
        self._held[me] = self._held.get(me, 0) + 1
        return True

    def release(self, aggregate_id: UUID) -> None:
        stripe = aggregate_id.int % len(self._locks)
        me = getcurrent()
        if self._owners[stripe] is not me:
            raise RuntimeError("release of an aggregate lock not held")
        count = self._held[me] - 1
        if count:
            self._held[me] = count
        else:
            del self._held[me]
        self._depths[stripe] -= 1
        if not self._depths[stripe]:
            self._owners[stripe] = None
            self._locks[stripe].release()


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


# What an aggregate is, in Danish (a refusal of a missing one says which kind).
KINDS_DA: dict[str, str] = {
    "Partnership": "Partnerskabet",
    "Agreement": "Aftalen",
    "Organisation": "Organisationen",
    "Person": "Personen",
    "Account": "Brugeren",
    "Annotation": "Notatet",
    "IdempotentRequest": "Forespørgslen",
}


@dataclass(frozen=True)
class IssuedToken:
    token_id: UUID
    token: str  # the only time the secret exists outside its owner's hands
    expires_at: datetime
    result: CommandResult


def _user_exists(name: str) -> AlreadyExists:
    return AlreadyExists(
        f"There is already a user called {name!r}.",
        da="Der er allerede en bruger med navnet «{username}».",
        username=name,
    )


def snapshot_due(aggregate_id: UUID, version: int, interval: int) -> bool:
    """Whether an aggregate's event at `version` completes one of its snapshot intervals.

    Every aggregate has a snapshot every `interval` events, each at its own phase of the
    interval (from its id): aggregates changed in step (a bulk import, a round of the same
    change to every partnership, a benchmark's round robin) take their snapshots spread
    out, not all at the same versions at once. At multiples of the interval, 300
    partnerships in step wrote 300 snapshots within seconds (172 KB each at version 600),
    and the commands stalled behind them (ADR 0033, amended in session 13)."""
    return (version + aggregate_id.int) % interval == 0


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
        with schema_lock(settings):  # replicas starting together on a fresh database
            super().__init__(env=settings.eventsourcing_env())
            self.keys = open_keys(settings)
        self._aggregate_locks = AggregateLocks()
        self._loop_pool: Any = None  # `attach_pool`'s, on PostgreSQL
        assert isinstance(self.mapper, MsgspecMapper)
        self.mapper.keys = self.keys
        self.reapply_erasures()

    def rebuild_decoder(self) -> Callable[[str, Any, int, bytes], Any]:
        """A decoder for rebuilding the views (`MsgspecMapper.rebuild_decoder`)."""
        assert isinstance(self.mapper, MsgspecMapper)
        return self.mapper.rebuild_decoder()

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
                return self.repository.get(aggregate_id, projector_func=_mutate_all)
            finally:
                locks.release(aggregate_id)
        return self.repository.get(aggregate_id, version=_LATEST, projector_func=_mutate_all)

    @staticmethod
    def _loaded(kind: type[A], aggregate_id: UUID, load: Callable[[], object]) -> A:
        """What `load` returns, if it is a `kind`; else NotFound."""
        try:
            aggregate = load()
        except AggregateNotFoundError:
            raise NotFound(
                f"No {kind.__name__.lower()} with id {aggregate_id}.",
                da="{what} findes ikke.",
                what=KINDS_DA.get(kind.__name__, kind.__name__),
            ) from None
        if not isinstance(aggregate, kind):
            raise NotFound(
                f"No {kind.__name__.lower()} with id {aggregate_id}.",
                da="{what} findes ikke.",
                what=KINDS_DA.get(kind.__name__, kind.__name__),
            )
        return aggregate

    def _get(self, cls: type[A], aggregate_id: UUID) -> A:
        return self._loaded(cls, aggregate_id, lambda: self._read(aggregate_id))

    def _forget(self, aggregate_id: UUID) -> None:
        """Drop the cached aggregate: a failed command may have changed it half-way."""
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(aggregate_id, evict=True)

    def _check_edits(self, aggregate: TvaersAggregate) -> None:
        """With a base version (`Envelope.base_version`, set by `execute`): refuse the
        command's pending events if an event saved since that version touched the same
        thing (aggregates/subjects.py, ADR 0016); otherwise they land on the current
        version. Runs once per command, on the first aggregate saved (the one the command
        addresses: `_change`'s, or an agreement handler's agreement after
        `_check_addressed`)."""
        base = _BASE_VERSION.get()
        _BASE_VERSION.set(None)
        pending: list[Any] = list(aggregate.pending_events)
        if base is None or not pending:
            return
        current = pending[0].originator_version - 1
        if base >= current:
            return
        aggregate_id = aggregate.id
        theirs = list(self.events.get(aggregate_id, gt=base, lte=current))

        def earlier(version: int) -> object:
            return next(iter(self.events.get(aggregate_id, gt=version - 1, lte=version)), None)

        found = clashes(pending, theirs, earlier)
        if found:
            raise EditConflict(
                aggregate_id=aggregate_id,
                base_version=base,
                current_version=current,
                events=tuple(event for event, _shared in found),
                subjects=frozenset(s for _event, shared in found for s in shared),
            )

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's `save` for aggregates only (every caller here saves aggregates):
        without its two runtime-protocol checks per object (~7 µs each on Python 3.11) and
        its deprecated `notify` hook (a no-op that nothing here implements)."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            if aggregate is not None:
                processing_event.events.extend(aggregate.collect_events())
                processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """Snapshot each saved aggregate whose events completed one of its intervals
        (`snapshot_due`), from the aggregate in memory (ADR 0033).

        The library reconstructs the aggregate from the store instead: two more round
        trips and up to an interval's events decoded and applied, on the event loop for
        a bridged command (9.0 against 3.3 ms a snapshot of a 100-event partnership). The
        aggregate just saved is the stored state at its version (every change to it is an
        event, all of them now stored), so its snapshot holds the same state (a test
        compares each with the state its stored events give). The snapshot is encoded by
        `put` before anything is awaited, while the command still holds the aggregate. A
        snapshot is an optimisation: if writing it fails, the command still succeeded
        (its events are stored) and the next interval takes one.
        """
        if self.snapshots is None or not self.snapshotting_intervals:
            return
        due: dict[UUID, Any] = {}
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            if aggregate is None:
                continue
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is not None and snapshot_due(
                aggregate.id, event.originator_version, interval
            ):
                due[aggregate.id] = aggregate
        if not due:
            return
        snapshots = []
        for aggregate in due.values():
            snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
            assert snapshot_class is not None  # snapshotting is on: the library sets one
            snapshots.append(snapshot_class.take(aggregate))
        try:
            self.snapshots.put(snapshots)
        except Exception:  # the command's events are stored (see the doc): log, go on
            log.warning(
                "snapshot_not_written",
                aggregates=[str(a) for a in due],
                versions=[s.originator_version for s in snapshots],
                exc_info=True,
            )

    def _save(self, *aggregates: TvaersAggregate, created_id: UUID | None = None) -> CommandResult:
        self._check_edits(aggregates[0])
        idempotency = _IDEMPOTENCY.get()
        if idempotency is not None:
            # Last, so that its notification id is the highest of the transaction.
            _IDEMPOTENCY.set(None)
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
                "Someone else changed this record meanwhile; reload and try again.",
                da="En anden har ændret det samme imens; genindlæs og prøv igen.",
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
                lambda: self.repository.get(
                    aggregate_id, deepcopy_from_cache=False, projector_func=_mutate_all
                ),
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

    def attach_pool(self, pool: Any) -> bool:
        """Let commands run by `execute_on_loop` do their event store round trips on
        this asyncpg pool, bridged on the loop (services/bridge.py, ADR 0030); `detach_pool`
        takes it back. False (and nothing changes) on the SQLite store."""
        self._loop_pool = pool if pgstore.attach(self._recorders(), pool) else None
        return self._loop_pool is not None

    async def detach_pool(self) -> None:
        """Take back `attach_pool`'s pool, once what its commands gave to write is
        written and every connection of it is given back (before it closes)."""
        self._loop_pool = None
        await pgstore.detach(self._recorders())

    def _recorders(self) -> list[Any]:
        return [self.recorder, self.snapshots.recorder if self.snapshots else None]

    async def execute_on_loop(self, command: Command, envelope: Envelope) -> CommandResult:
        """`execute` for a caller on the event loop: bridged on the loop when a pool is
        attached (`attach_pool`), else on the loop's executor (a thread).

        For commands whose work is database round trips and little CPU (not password
        hashing: the loop would wait for it)."""
        pool = self._loop_pool
        if pool is None:
            return await asyncio.to_thread(self.execute, command, envelope)
        async with pgstore.one_connection(pool):
            return await bridge.run(self.execute, command, envelope)

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
            token = _BASE_VERSION.set(envelope.base_version)
            try:
                return handler.execute(self, command, envelope)
            finally:
                _BASE_VERSION.reset(token)

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
            lambda: self.repository.get(
                partnership_id, version=version, projector_func=_mutate_all
            ),
        )

    def get_agreement(self, agreement_id: UUID, *, partnership_id: UUID | None = None) -> Agreement:
        return self._agreement(agreement_id, partnership_id)

    def _agreements_among(self, some_ids: Iterable[UUID], partnership_id: UUID) -> set[UUID]:
        """Those of `some_ids` that are agreements of the partnership (drafts included)."""
        found: set[UUID] = set()
        for some_id in some_ids:
            try:
                self._agreement(some_id, partnership_id)
            except NotFound:
                continue
            found.add(some_id)
        return found

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
        # On a thread when bridged: the purge may wait seconds (services/bridge.py).
        bridge.blocking(self.keys.forget, c.person_id)
        bridge.blocking(self.keys.purge)
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
                    f"partnership {partnership.id}.",
                    da="Notatet henviser til en hændelse, der ikke findes i historikken for "
                    "«{partnership}».",
                    partnership=partnership.title,
                )
        return cleaned

    def _own_annotation(
        self,
        annotation: Annotation,
        partnership_id: UUID,
        actor: str,
        expected_version: int | None,
    ) -> None:
        """Refuses another partnership's note, another author's (not found) and a stale one."""
        if annotation.partnership_id != partnership_id:
            raise NotFound(
                f"No annotation with id {annotation.id} in partnership {partnership_id}.",
                da="Notatet findes ikke i dette partnerskab.",
                partnership=partnership_id,
            )
        annotation.check_author(actor)
        self._check_version(annotation, expected_version)

    def _record_annotation(self, c: RecordAnnotation, envelope: Envelope) -> CommandResult:
        """An evaluator's draft note on the partnership, linked to events of its history."""
        partnership = self._get(Partnership, c.partnership_id)
        annotation = Annotation.record(
            partnership_id=partnership.id,
            kind=c.kind,
            text=c.text,
            dimension=c.dimension,
            links=self._linked_events(partnership, c.refs()),
            meta=envelope.meta,
        )
        return self._save(annotation, created_id=annotation.id)

    def _revise_annotation(self, c: ReviseAnnotation, envelope: Envelope) -> CommandResult:
        annotation = self._get(Annotation, c.annotation_id)
        self._own_annotation(
            annotation, c.partnership_id, envelope.meta.actor, envelope.expected_version
        )
        partnership = self._get(Partnership, c.partnership_id)
        annotation.revise(
            kind=c.kind,
            text=c.text,
            dimension=c.dimension,
            links=self._linked_events(partnership, c.refs()),
            meta=envelope.meta,
        )
        return self._save(annotation)

    def _publish_annotation(self, c: PublishAnnotation, envelope: Envelope) -> CommandResult:
        annotation = self._get(Annotation, c.annotation_id)
        self._own_annotation(
            annotation, c.partnership_id, envelope.meta.actor, envelope.expected_version
        )
        annotation.publish(envelope.meta)
        return self._save(annotation)

    def _withdraw_annotation(self, c: WithdrawAnnotation, envelope: Envelope) -> CommandResult:
        annotation = self._get(Annotation, c.annotation_id)
        self._own_annotation(
            annotation, c.partnership_id, envelope.meta.actor, envelope.expected_version
        )
        annotation.withdraw(envelope.meta)
        return self._save(annotation)

    # -- agreements (each saved with its partnership in one transaction) ---------------

    def _draft_agreement(self, c: DraftAgreement, envelope: Envelope) -> CommandResult:
        partnership = self._get(Partnership, c.partnership_id)
        agreement = Agreement.draft(
            partnership_id=partnership.id,
            lead_organisation_id=partnership.lead_organisation_id,
            partner_ids=partnership.active_partner_ids,
            kind=c.kind,
            terms=c.terms(),
            meta=envelope.meta,
        )
        return self._save(agreement, created_id=agreement.id)

    def _agreement(self, agreement_id: UUID, partnership_id: UUID | None) -> Agreement:
        """The agreement; with `partnership_id`, only if it belongs to that partnership."""
        agreement = self._get(Agreement, agreement_id)
        if partnership_id is not None and agreement.partnership_id != partnership_id:
            raise NotFound(
                f"No agreement with id {agreement_id} in partnership {partnership_id}.",
                da="Aftalen hører ikke til dette partnerskab.",
                agreement=agreement_id,
                partnership=partnership_id,
            )
        return agreement

    @staticmethod
    def _check_addressed(
        agreement: Agreement, partnership_id: UUID | None, expected_version: int | None
    ) -> None:
        """Refuses an agreement of another partnership than the one named (not found) and
        a stale version (If-Match). A form's base version is checked when the agreement is
        saved (`_check_edits`: only a change to the same thing since refuses it). (Each
        handler names the aggregates it changes, for the event catalogue: docs/events.md.)"""
        if partnership_id is not None and agreement.partnership_id != partnership_id:
            raise NotFound(
                f"No agreement with id {agreement.id} in partnership {partnership_id}.",
                da="Aftalen hører ikke til dette partnerskab.",
                agreement=agreement.id,
                partnership=partnership_id,
            )
        Tvaers._check_version(agreement, expected_version)

    def _amend_agreement(self, c: AmendAgreement, envelope: Envelope) -> CommandResult:
        agreement = self._get(Agreement, c.agreement_id)
        self._check_addressed(agreement, c.partnership_id, envelope.expected_version)
        partnership = self._get(Partnership, agreement.partnership_id)
        agreement.amend(c.terms(), partnership.active_partner_ids, envelope.meta)
        return self._save(agreement)

    def _sign_agreement(self, c: SignAgreement, envelope: Envelope) -> CommandResult:
        """Record a signature; the last one puts the agreement in force and lifts the ladder."""
        meta = envelope.meta
        person = self._person(c.signatory_id)
        signatory = Signatory(person_id=person.id, organisation_id=person.organisation_id)
        agreement = self._get(Agreement, c.agreement_id)
        self._check_addressed(agreement, c.partnership_id, envelope.expected_version)
        partnership = self._get(Partnership, agreement.partnership_id)
        completed = agreement.sign(c.party_id, signatory, partnership.active_partner_ids, meta)
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

    def _renew_agreement(self, c: RenewAgreement, envelope: Envelope) -> CommandResult:
        agreement = self._get(Agreement, c.agreement_id)
        self._check_addressed(agreement, c.partnership_id, envelope.expected_version)
        partnership = self._get(Partnership, agreement.partnership_id)
        agreement.renew(c.valid_to, envelope.meta)
        partnership.record_agreement_renewed(agreement.id, c.valid_to, envelope.meta)
        return self._save(agreement, partnership)

    def _terminate_agreement(self, c: TerminateAgreement, envelope: Envelope) -> CommandResult:
        """End early (reason required); parties drop back on the ladder unless still backed."""
        meta = envelope.meta
        agreement = self._get(Agreement, c.agreement_id)
        self._check_addressed(agreement, c.partnership_id, envelope.expected_version)
        agreement.terminate(meta)
        partnership = self._get(Partnership, agreement.partnership_id)
        if str(agreement.id) not in partnership.agreements:
            return self._save(agreement)  # never signed: nothing on the ladder to undo
        partnership.record_agreement_ended(agreement.id, meta.valid_on, meta)
        return self._save(agreement, partnership)

    def _expire_agreement(self, c: ExpireAgreement, envelope: Envelope) -> CommandResult:
        """The validity ran out; parties drop back on the ladder as on termination."""
        meta = envelope.meta
        agreement = self._get(Agreement, c.agreement_id)
        self._check_addressed(agreement, c.partnership_id, envelope.expected_version)
        agreement.expire(meta)
        partnership = self._get(Partnership, agreement.partnership_id)
        if str(agreement.id) not in partnership.agreements:
            return self._save(agreement)  # never signed: nothing on the ladder to undo
        partnership.record_agreement_ended(agreement.id, meta.valid_on, meta)
        return self._save(agreement, partnership)

    def expire_due_agreements(self, agreement_ids: Sequence[UUID], today: date, actor: str) -> int:
        """Housekeeping: record the expiry of each listed agreement whose validity has passed
        (an `ExpireAgreement` command each).

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
            command = ExpireAgreement(
                agreement_id=agreement_id, partnership_id=agreement.partnership_id
            )
            try:
                self.execute(command, Envelope(meta, expected_version=agreement.version))
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
        token = _IDEMPOTENCY.set(idempotency)
        try:
            return run(), False
        except ConcurrencyConflict:
            first = self._first_result(idempotency)
            if first is not None:
                return first, True
            raise
        finally:
            _IDEMPOTENCY.reset(token)

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
                "use a new key for a new request.",
                da="Idempotency-Key er allerede brugt til en anden forespørgsel; brug en ny "
                "nøgle til en ny forespørgsel.",
            )
        return CommandResult(
            aggregate_id=request.result_aggregate_id,
            version=request.result_version,
            notification_id=self._notification_id_of(request_id),
            created_id=request.result_created_id,
        )

    def _notification_id_of(self, originator_id: UUID) -> int:
        """The notification id of an aggregate's first event."""
        if isinstance(self.recorder, pgstore.TvaersApplicationRecorder):
            found = self.recorder.notification_id(originator_id, 1)
            assert found is not None, originator_id
            return found
        table = self.settings.events_table
        datastore: Any = self.recorder.datastore  # type: ignore[attr-defined]
        sql = f"SELECT rowid FROM {table} WHERE originator_id = ? AND originator_version = 1"
        with datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, (originator_id.hex,))
            return int(cursor.fetchone()[0])

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
            raise NotFound(
                f"No user called {username!r}.",
                da="Der er ingen bruger med navnet «{username}».",
                username=username,
            )
        return account

    def _save_new_account(self, account: Account, name: str) -> CommandResult:
        """Save a new account; another one saved under the same name first wins."""
        try:
            return self._save(account, created_id=account.id)
        except ConcurrencyConflict:
            raise _user_exists(name) from None

    def _create_account(self, c: CreateAccount, envelope: Envelope) -> CommandResult:
        """CreateAccount: the plain password is hashed here and goes no further."""
        name = normalise_username(c.username)
        if self._account_or_none(name) is not None:
            raise _user_exists(name)
        account = Account.create(
            username=name,
            display_name=c.display_name,
            password_hash=c.password_hash or hash_password(c.password),
            is_admin=c.is_admin,
            meta=envelope.meta,
        )
        return self._save_new_account(account, name)

    def _change_password(self, c: ChangePassword, envelope: Envelope) -> CommandResult:
        """ChangePassword: the plain password is hashed here and goes no further."""
        account = self.get_account(c.username)
        self._check_version(account, envelope.expected_version)
        if c.current_password is not None and not verify_password(
            account.password_hash, c.current_password
        ):
            raise InvalidCredentials(
                "The current password is not right.",
                da="Den nuværende adgangskode er ikke rigtig.",
            )
        account.change_password(
            hash_password(c.new_password), envelope.meta, keep_token=c.keep_token
        )
        return self._save(account)

    def _set_admin(self, c: SetAdministrator, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        if not c.is_admin:
            self._keep_an_administrator(account, c.administrators)
        account.set_admin(c.is_admin, envelope.meta, keep_token=c.keep_token)
        return self._save(account)

    def _deactivate_account(self, c: DeactivateAccount, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        self._keep_an_administrator(account, c.administrators)
        account.deactivate(envelope.meta)
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
            "rettighederne eller deaktiveres; gør først en anden bruger til administrator.)",
            da="«{username}» er den sidste aktive administrator og kan ikke fratages "
            "rettighederne eller deaktiveres; gør først en anden bruger til administrator.",
            username=account.username,
        )

    def _reactivate_account(self, c: ReactivateAccount, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        account.reactivate(envelope.meta)
        return self._save(account)

    def _grant_access(self, c: GrantAccess, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        if c.partnership_id is not None:
            self.get_partnership(c.partnership_id)  # a partnership that exists
        grant_id = account.grant(
            AccessRole(c.role),
            envelope.meta,
            partnership_id=c.partnership_id,
            municipality=c.municipality,
        )
        return self._save(account, created_id=grant_id)

    def _revoke_grant(self, c: RevokeGrant, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        account.revoke_grant(c.grant_id, envelope.meta)
        return self._save(account)

    def authenticate(self, username: str, password: str) -> Account:
        """The active account with this username and password, else InvalidCredentials."""
        try:
            account = self._account_or_none(normalise_username(username))
        except DomainError:
            account = None
        stored_hash = account.password_hash if account is not None else None
        if not verify_password(stored_hash, password) or account is None or not account.active:
            raise InvalidCredentials(
                "Wrong username or password.", da="Forkert brugernavn eller adgangskode."
            )
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

    def _sign_on_first_time(self, c: SignOnFirstTime, envelope: Envelope) -> CommandResult:
        """SignOnFirstTime: a new account bound to the provider's user (single sign-on)."""
        name = normalise_username(c.username)
        if self._account_or_none(name) is not None:
            raise _user_exists(name)
        account = Account.create_from_identity(
            username=name,
            display_name=c.display_name,
            email=c.email,
            issuer=c.issuer,
            subject=c.subject,
            meta=envelope.meta,
        )
        return self._save_new_account(account, name)

    def _update_profile(self, c: UpdateProfile, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        if not account.update_profile(c.display_name, c.email, envelope.meta):
            raise NoChange("Name and e-mail are unchanged.", da="Navn og e-mail er uændrede.")
        return self._save(account)

    def _revoke_token(self, c: RevokeToken, envelope: Envelope) -> CommandResult:
        account = self.get_account(c.username)
        account.revoke_token(c.token_id, envelope.meta)
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


def _record_evaluation(p: Partnership, c: RecordEvaluation, meta: Meta) -> UUID:
    """The evaluation, then the assessments given with it (one save: all or nothing)."""
    evaluation_id = p.record_evaluation(
        kind=c.kind,
        evaluator=c.evaluator,
        method=c.method,
        findings=c.findings,
        meta=meta,
        who5=c.who5(),
    )
    for question, answer in c.assessments():
        p.record_assessment(evaluation_id, question, answer, meta)
    return evaluation_id


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
    # -- annotations: evaluators' notes (in their own streams)
    Custom(RecordAnnotation, Tvaers._record_annotation),
    Custom(ReviseAnnotation, Tvaers._revise_annotation),
    Custom(PublishAnnotation, Tvaers._publish_annotation),
    Custom(WithdrawAnnotation, Tvaers._withdraw_annotation),
    # -- agreements (each saved with its partnership in one transaction)
    Custom(DraftAgreement, Tvaers._draft_agreement),
    Custom(AmendAgreement, Tvaers._amend_agreement),
    Custom(SignAgreement, Tvaers._sign_agreement),
    Custom(RenewAgreement, Tvaers._renew_agreement),
    Custom(TerminateAgreement, Tvaers._terminate_agreement),
    Custom(ExpireAgreement, Tvaers._expire_agreement),
    # -- partnership: registering it, its registry fields, partners and the ladder
    Custom(RegisterPartnership, Tvaers._register_partnership),
    Change(
        UpdateRegistry,
        Partnership,
        lambda _app, p, c, meta: p.update_registry(c.registry(), meta),
    ),
    Change(
        ChangeRegistryFields,
        Partnership,
        lambda _app, p, c, meta: p.change_registry_fields(c.changes(), meta),
    ),
    Change(EnterOperations, Partnership, lambda _app, p, _c, meta: p.enter_operations(meta)),
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
    # -- partnership: activities and follow-up
    Change(
        LaunchActivity,
        Partnership,
        lambda _app, p, c, meta: p.launch_activity(
            title=c.title,
            category=c.category,
            owner_ids=c.owner_ids,
            meta=meta,
            description=c.description,
            target_group=c.target_group,
            arena=c.arena,
            running=c.running,
        ),
    ),
    Change(
        ChangeActivityStatus,
        Partnership,
        lambda _app, p, c, meta: p.change_activity_status(c.activity_id, c.status, meta),
    ),
    Change(
        AdjustActivity,
        Partnership,
        lambda _app, p, c, meta: p.adjust_activity(
            c.activity_id,
            c.description,
            meta,
            title=c.title,
            target_group=c.target_group,
            arena=c.arena,
            owner_ids=c.owner_ids,
        ),
    ),
    Change(
        ScheduleFollowUp,
        Partnership,
        lambda _app, p, c, meta: p.schedule_follow_up(
            label=c.label, due_on=c.due_on, cohort=c.cohort, meta=meta, activity_id=c.activity_id
        ),
    ),
    Change(
        RecordFollowUp,
        Partnership,
        lambda _app, p, c, meta: p.record_follow_up(c.follow_up_id, c.reached, c.retained, meta),
    ),
    Change(EnterPhase, Partnership, lambda _app, p, c, meta: p.enter_phase(c.phase, c.note, meta)),
    # -- partnership: anchoring and evaluation
    Change(
        RecordMilestone,
        Partnership,
        lambda _app, p, c, meta: p.record_milestone(
            dimension=c.dimension,
            status=c.status,
            title=c.title,
            evidence=c.evidence.evidence(),
            meta=meta,
        ),
    ),
    Change(
        RecordFactor,
        Partnership,
        lambda _app, p, c, meta: p.record_factor(
            origin=c.origin,
            effect=c.effect,
            description=c.description,
            milestone_ids=c.milestone_ids,
            event_versions=c.event_versions,
            meta=meta,
        ),
    ),
    Change(
        LinkFactor,
        Partnership,
        lambda _app, p, c, meta: p.link_factor(c.factor_id, c.milestone_id, meta),
    ),
    Change(
        LinkFactorToEvent,
        Partnership,
        lambda _app, p, c, meta: p.link_factor_to_event(c.factor_id, c.event_version, meta),
    ),
    Change(RecordEvaluation, Partnership, lambda _app, p, c, meta: _record_evaluation(p, c, meta)),
    Change(
        RecordAssessment,
        Partnership,
        lambda _app, p, c, meta: p.record_assessment(c.evaluation_id, c.question, c.answer, meta),
    ),
    Change(
        RateAnchoring,
        Partnership,
        lambda _app, p, c, meta: p.rate_anchoring(
            dimension=c.dimension,
            rating=c.rating,
            comment=c.comment,
            rated_by=c.rated_by,
            meta=meta,
        ),
        # `rated_by`: a registered person whose data is not erased
        check=lambda app, c: app._person(c.rated_by) if c.rated_by is not None else None,
    ),
    # -- partnership: corrections
    Change(
        CorrectDate,
        Partnership,
        lambda _app, p, c, meta: p.correct_date(c.corrects_version, c.corrected_valid_on, meta),
    ),
    Change(
        CorrectRung,
        Partnership,
        lambda _app, p, c, meta: p.correct_rung(c.corrects_version, Rung(c.rung), c.evidence, meta),
    ),
    Change(
        CorrectMilestone,
        Partnership,
        lambda _app, p, c, meta: p.correct_milestone(
            c.corrects_version,
            dimension=c.dimension,
            status=c.status,
            title=c.title,
            evidence=c.evidence.evidence(),
            meta=meta,
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
        ChangeSteeringSeat,
        Partnership,
        lambda _app, p, c, meta: p.change_steering_seat(c.person_id, c.seat, meta),
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
        lambda app, p, c, meta: p.record_decision(
            c.title,
            c.approved,
            meta,
            linked_ids=c.linked_ids,
            agreement_ids=app._agreements_among(c.linked_ids, p.id),
        ),
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
    # -- accounts and access (keyed by username; the handlers hash passwords, keep an admin)
    Custom(CreateAccount, Tvaers._create_account),
    Custom(ChangePassword, Tvaers._change_password),
    Custom(SetAdministrator, Tvaers._set_admin),
    Custom(DeactivateAccount, Tvaers._deactivate_account),
    Custom(ReactivateAccount, Tvaers._reactivate_account),
    Custom(GrantAccess, Tvaers._grant_access),
    Custom(RevokeGrant, Tvaers._revoke_grant),
    Custom(RevokeToken, Tvaers._revoke_token),
    Custom(SignOnFirstTime, Tvaers._sign_on_first_time),
    Custom(UpdateProfile, Tvaers._update_profile),
)
"""Every command the application runs, and how (ADR 0014)."""
