"""The projection runner: batches of the notification log → views, exactly once.

Each batch is read, decoded, turned into statements by the projections' pure handlers,
and written together with every projection's new position in ONE transaction. A crash
at any point leaves the views as if the batch never ran, or as if it fully ran.

A projection that fails on an event stops alone (it is "stuck"): when a batch fails, it
is written again projection by projection, each in its own transaction, and the one that
fails is found event by event. Its position stays before that event, the failure is
remembered (in `projection_failures`, with the position, in one transaction) and logged
once, and it is tried again with exponential back-off; the others go on. Once it gets
past the event, the failure is cleared and it catches up.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence, Set
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any, TypeVar

import structlog
import uvloop
from eventsourcing.persistence import StoredEvent

from projections import catalog, parallel
from projections.core import Projection
from projections.fold import MAX_FOLDED_ROWS, Fold, StatementFailed
from projections.parallel import HelperDone, HelperFailed, HelperJob, RebuildHelper, split
from projections.rebuild import RebuildTarget, ShadowTarget, rebuild_target
from projections.store import (
    FAILURES_DDL,
    TRACKING_DDL,
    CopyBlock,
    PositionsMoved,
    PostgresReadStore,
    ReadStore,
    RebuildAbandoned,
    Statement,
    StoredFailure,
    StoredNotification,
    render_ddl,
    statement_tables,
)

log = structlog.get_logger("tvaers.projections")

Decoder = Callable[[StoredEvent], Any]
# A decoder for a rebuild's bulk (topic, originator id, version, stored state) → event, made
# fresh per rebuild (it may read every personal-data key once).
RowDecoder = Callable[[str, Any, int, bytes], Any]

# Events per chunk of a rebuild (one transaction each).
REBUILD_CHUNK = 20_000

# Events projected between two turns of the event loop during a catch-up (a few ms of work).
_SLICE = 100

# A stuck projection is tried again after 1 s, 2 s, 4 s, … at most every 5 minutes.
RETRY_FIRST = 1.0
RETRY_MAX = 300.0
_ERROR_CHARS = 500

# The position given to a projection a batch must leave alone (stuck, or not rebuilt).
_SKIP = sys.maxsize


def describe_error(error: BaseException) -> str:
    """The error's class and first line, short: no statement parameters, no traceback."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    described = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return described[:_ERROR_CHARS]


@dataclass(frozen=True)
class Failure:
    """A stuck projection: it failed on `notification_id`; its position is just before it."""

    name: str
    notification_id: int
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime

    @property
    def key(self) -> tuple[str, int, str]:
        """What makes two failures the same one (logged once)."""
        return (self.name, self.notification_id, self.error)

    @classmethod
    def stored(cls, row: StoredFailure) -> Failure:
        return cls(
            name=row.name,
            notification_id=row.notification_id,
            error=row.error,
            attempts=row.attempts,
            first_failed_at=row.first_failed_at,
            last_failed_at=row.last_failed_at,
        )

    def statements(self) -> list[Statement]:
        """Remember this failure (written with the projection's held position)."""
        return [
            ("DELETE FROM projection_failures WHERE name = ?", (self.name,)),
            (
                "INSERT INTO projection_failures (name, notification_id, error, attempts,"
                " first_failed_at, last_failed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    self.name,
                    self.notification_id,
                    self.error,
                    self.attempts,
                    self.first_failed_at,
                    self.last_failed_at,
                ),
            ),
        ]


class RebuildFailed(Exception):
    """A rebuild could not project every event: the live views were left as they were."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = list(failures)
        details = "; ".join(
            f"{f.name} failed on event {f.notification_id}: {f.error}" for f in self.failures
        )
        super().__init__(f"The rebuild failed, the views are unchanged. {details}")


class _ProjectionFailed(Exception):
    """One projection failed on one event (found by `_isolate`)."""

    def __init__(self, notification_id: int, error: BaseException) -> None:
        super().__init__(notification_id, error)
        self.notification_id = notification_id
        self.error = error


class StillCatchingUp(Exception):
    """The views have not reached the requested notification within the timeout."""

    def __init__(self, wanted: int, reached: int) -> None:
        super().__init__(
            f"The views are still catching up: they have reached event {reached}, "
            f"your change is event {wanted}. Try again in a moment."
        )
        self.wanted = wanted
        self.reached = reached


@dataclass(frozen=True)
class Status:
    name: str
    version: int
    position: int
    head: int
    failure: Failure | None = None  # set while the projection is stuck

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


class ProjectionRunner:
    def __init__(
        self,
        store: ReadStore,
        projections: Sequence[Projection],
        decode: Decoder,
        *,
        batch_size: int = 2_000,
        rebuild_decoder: Callable[[], RowDecoder] | None = None,
        helper_decoder: Callable[[], RowDecoder] | None = None,
    ) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"Projection names must be unique: {names}")
        self.store = store
        self.projections = list(projections)
        self.decode = decode
        self.rebuild_decoder = rebuild_decoder
        # The same decoder, made in a rebuild's helper process (projections/parallel.py):
        # picklable (a module-level function or a partial of one); None: no helper.
        self.helper_decoder = helper_decoder
        self.batch_size = batch_size
        # While following a stream (the last batch was not full), the least time from one
        # batch's start to the next's, in seconds (0: none): events that come meanwhile
        # are projected together. The external projector (`tvaers project run`) sets it:
        # beside busy API processes it otherwise ran a batch, with its transaction and the
        # positions' lock and update, for every few events. The first event after a
        # quiet moment is projected at once; a full batch (catching up) goes on at once.
        self.linger = 0.0
        self._positions: dict[str, int] = {}
        # Stuck projections: their failure, and when (time.monotonic) to try them again.
        self._failures: dict[str, Failure] = {}
        self._retry_at: dict[str, float] = {}
        self._logged: set[tuple[str, int, str]] = set()  # failures already in the log
        self._transient_logged: str | None = None
        # Failed attempts (first failures and failed retries) per projection, this process.
        self.failure_counts: dict[str, int] = {p.name: 0 for p in projections}
        self._advanced = asyncio.Condition()
        self._batch_lock = asyncio.Lock()
        self._topics = frozenset().union(*(p.topics for p in self.projections))
        # Per event class: (projection name, handler) in the catalogue's order.
        self._dispatch: dict[type, list[tuple[str, Callable[[Any], Any]]]] = {}

    def _projection(self, name: str) -> Projection:
        for projection in self.projections:
            if projection.name == name:
                return projection
        known = ", ".join(p.name for p in self.projections)
        raise KeyError(f"No projection called {name!r} (known: {known}).")

    async def setup(self) -> list[str]:
        """Create missing views; rebuild those whose code version changed. Returns rebuilt."""
        dialect = self.store.dialect
        await self.store.execute_script(
            [render_ddl(TRACKING_DDL, dialect), render_ddl(FAILURES_DDL, dialect)]
        )
        tracking = await self.store.tracking()
        rebuilt = []
        for projection in self.projections:
            known = tracking.get(projection.name)
            if known is None:
                await self._reset(projection)
            elif known.version != projection.version:
                log.warning(
                    "projection version changed: rebuilding",
                    projection=projection.name,
                    stored=known.version,
                    code=projection.version,
                )
                rebuilt.append(projection.name)
        await self._load_positions()
        await self._load_failures()
        if rebuilt:
            # Folded beside the old views, which serve until the switch (ADR 0024).
            await self.rebuild(rebuilt)
        return rebuilt

    async def _reset(self, projection: Projection) -> None:
        """Drop, recreate and rewind one projection (in place), in one transaction."""
        dialect = self.store.dialect
        await self.store.execute_script(
            [
                *projection.drop_statements(),
                *projection.create_statements(dialect),
                *_tracking_row(projection),
                f"DELETE FROM projection_failures WHERE name = '{projection.name}'",
            ]
        )

    async def reset(self, names: Sequence[str] | None = None) -> None:
        """Empty the named projections (all when None) in place and rewind them to event 0:
        `catch_up` then builds them again. Unlike `rebuild`, the views are empty meanwhile."""
        targets = self.projections if names is None else [self._projection(n) for n in names]
        for projection in targets:
            await self._reset(projection)
            self._forget_failure(projection.name)
        await self._load_positions()

    async def _load_positions(self) -> None:
        tracking = await self.store.tracking()
        self._positions = {p.name: tracking[p.name].position for p in self.projections}

    async def _load_failures(self) -> None:
        """The stuck projections remembered by the store (e.g. before a restart)."""
        stored = await self.store.failures()
        self._failures = {
            name: Failure.stored(row) for name, row in stored.items() if name in self._positions
        }
        self._retry_at = {name: time.monotonic() for name in self._failures}  # try at once
        for failure in self._failures.values():
            self._logged.add(failure.key)
            log.error(
                "projection stuck (remembered from before)",
                projection=failure.name,
                notification_id=failure.notification_id,
                error=failure.error,
                attempts=failure.attempts,
            )

    async def rebuild(
        self, names: Sequence[str] | None = None, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Build the named projections (all when None) anew from the whole log, beside the
        live views, and put them in place of the live ones once every event is in.

        The projections' own statements run into new tables that have only the indexes
        those statements look rows up by; the views' other indexes are built after the last
        row, and the switch is one transaction (projections/rebuild.py, ADR 0024). The live
        views serve reads throughout. On failure (a projection failing on an event, the
        store going away, a kill) the live views and their positions are as they were;
        `RebuildFailed` names the failure.
        """
        targets = self.projections if names is None else [self._projection(n) for n in names]
        wanted = {p.name for p in targets}
        target = rebuild_target(self.store, targets)
        helper: RebuildHelper | None = None
        try:
            await target.begin()
            began = time.monotonic()
            head = await self.store.head()
            groups = split(targets) if self._can_help(target, head) else None
            if groups is None:
                position, covered, _, _ = await self.project_into(target, targets, progress)
            else:
                mine, theirs = groups
                assert isinstance(target, ShadowTarget)
                helper = await self._start_helper(target, mine, theirs, head)
                projecting = asyncio.ensure_future(
                    self.project_into(
                        target,
                        mine,
                        _slowest(progress, helper),
                        upto=head,
                        foreign=tuple(t for p in theirs for t in p.tables),
                        max_rows=MAX_FOLDED_ROWS - parallel.HELPER_FOLDED_ROWS,
                    )
                )
                helping = asyncio.ensure_future(helper.done())
                await _side_by_side(projecting, helping)  # the first failure stops both
                position, covered, _, _ = projecting.result()
                done = helping.result()
                target.taken(done.keys, done.indexes)
                if progress is not None:  # both at the end now
                    progress(position, max(head, position))
                log.info(
                    "rebuild: helper process done",
                    projections=[p.name for p in theirs],
                    position=done.position,
                    statements_sent_as_they_are=done.sent,
                    tables_spilled=done.spilled,
                )
            folded = time.monotonic()
            log.info(
                "rebuild: log projected",
                events=covered,
                position=position,
                seconds=round(folded - began, 2),
                projections=sorted(wanted),
            )
            await target.complete()  # keys and indexes: the live views go on meanwhile
            # No batch of this runner is written into the old views while they are being
            # replaced (another process's runner finds the positions moved; see `apply`).
            async with self._batch_lock:
                await target.finish(position)
                self._failures = {n: f for n, f in self._failures.items() if n not in wanted}
                self._retry_at = {n: at for n, at in self._retry_at.items() if n not in wanted}
                await self._load_positions()
            log.info(
                "rebuild: switched in",
                position=position,
                seconds=round(time.monotonic() - folded, 2),
                total_seconds=round(time.monotonic() - began, 2),
            )
        except BaseException as error:
            if helper is not None:
                await helper.stop()
            try:
                await target.abandon()
            except Exception:  # the store may be what failed: the next rebuild drops it
                log.warning("rebuild: what it left could not be dropped", exc_info=True)
            if isinstance(error, HelperFailed) and error.failures:
                raise RebuildFailed(
                    [_failure(name, at, message) for name, at, message in error.failures]
                ) from error
            raise
        finally:
            target.close()
        return covered

    def _can_help(self, target: RebuildTarget, head: int) -> bool:
        """Whether a helper process is worth starting (PostgreSQL, a large log, and a way to
        decode in another process)."""
        return (
            isinstance(target, ShadowTarget)
            and self.helper_decoder is not None
            and head >= parallel.PARALLEL_FROM
        )

    async def _start_helper(
        self,
        target: ShadowTarget,
        mine: Sequence[Projection],
        theirs: Sequence[Projection],
        upto: int,
    ) -> RebuildHelper:
        store = target.store
        assert self.helper_decoder is not None
        helper = RebuildHelper(
            HelperJob(
                dsn=store.dsn,
                events_table=store.events_table,
                server_settings=dict(store.server_settings),
                names=tuple(p.name for p in theirs),
                foreign=tuple(t for p in mine for t in p.tables),
                upto=upto,
                rebuild_pid=await store.rebuild_pid(),
                parent_pid=os.getpid(),
                chunk=REBUILD_CHUNK,
                decoder=self.helper_decoder,
                max_rows=parallel.HELPER_FOLDED_ROWS,
            ),
            helper_main,
        )
        helper.start()
        log.info(
            "rebuild: helper process started",
            pid=helper.process.pid,
            projections=[p.name for p in theirs],
            upto=upto,
        )
        return helper

    async def project_into(
        self,
        target: RebuildTarget,
        targets: Sequence[Projection],
        progress: Callable[[int, int], None] | None,
        *,
        upto: int | None = None,
        chunk: int | None = None,
        foreign: Sequence[str] = (),
        max_rows: int = MAX_FOLDED_ROWS,
    ) -> tuple[int, int, int, list[str]]:
        """Run the projections' statements for the whole log (up to event `upto`, or to its
        head, also as it moves) into `target`; returns (last event, events covered,
        statements sent as they are, tables spilled). `foreign`: tables another process
        fills meanwhile (a statement touching one fails the rebuild). `max_rows`: the rows
        this process's fold may hold (its share of `MAX_FOLDED_ROWS` when a helper folds
        the rest).

        Pipelined: while the store writes chunk N, chunk N+1 is read, decoded and turned
        into statements. The garbage collector is paused meanwhile (the rebuild makes
        millions of short-lived objects and no cycles).
        """
        topics = frozenset().union(*(p.topics for p in targets))
        dispatch: dict[type, list[tuple[str, Callable[[Any], Any]]]] = {}
        folding = Fold(targets, foreign=foreign, max_rows=max_rows)
        fold = folding.add
        size = REBUILD_CHUNK if chunk is None else chunk
        decode = self._row_decoder()
        head = await self.store.head()
        applying: asyncio.Task[None] | None = None
        reading: asyncio.Future[list[StoredNotification]] | None = None
        position = covered = 0
        spilled: list[str] = []
        waited_reading = waited_writing = 0.0  # how long the projecting waited for the store
        collecting = gc.isenabled()
        gc.disable()
        try:
            reading = asyncio.ensure_future(self.store.read_notifications(0, size))
            while True:
                began = time.monotonic()
                notifications = await reading
                waited_reading += time.monotonic() - began
                if upto is not None:
                    notifications = [n for n in notifications if n.id <= upto]
                    if not notifications and position < upto:  # a gap below `upto` settling
                        await asyncio.sleep(0.05)
                        reading = asyncio.ensure_future(
                            self.store.read_notifications(position, size)
                        )
                        continue
                if not notifications:
                    break
                position = notifications[-1].id
                reading = (
                    None
                    if upto is not None and position >= upto
                    else asyncio.ensure_future(self.store.read_notifications(position, size))
                )
                for start in range(0, len(notifications), _SLICE):
                    for n in notifications[start : start + _SLICE]:
                        if n.topic not in topics:
                            continue
                        try:
                            event = decode(n.topic, n.originator_id, n.originator_version, n.state)
                        except Exception as error:
                            raise _rebuild_failed(_owner(targets, n.topic), n.id, error) from error
                        handlers = dispatch.get(type(event))
                        if handlers is None:
                            handlers = dispatch[type(event)] = [
                                (p.name, p.handlers[type(event)])
                                for p in targets
                                if type(event) in p.handlers
                            ]
                        for name, handler in handlers:
                            try:
                                for statement in handler(event):
                                    fold(statement, name, n.id)
                            except StatementFailed as failed:
                                raise _rebuild_failed(name, n.id, failed.error) from failed
                            except Exception as error:
                                raise _rebuild_failed(name, n.id, error) from error
                    await asyncio.sleep(0)
                for projection in _ending_tables(targets, folding.touched):
                    for sql in projection.batch_end:
                        fold((sql, ()), projection.name, position)
                if applying is not None:
                    began = time.monotonic()
                    await _applied(applying)
                    waited_writing += time.monotonic() - began
                applying = asyncio.ensure_future(target.apply(*folding.chunk_end()))
                covered += len(notifications)
                if progress is not None:
                    progress(position, max(head, position))
                if reading is None:
                    break
            if applying is not None:
                await _applied(applying)
            # What the fold still holds: the final rows of the tables it kept to the end,
            # written while the other tables (they have all their rows) get their keys
            # and indexes; then theirs.
            spilled = folding.spilled()
            actions, owners = folding.finish()
            held = {a.table for a in actions if isinstance(a, CopyBlock)}
            applying = asyncio.ensure_future(target.apply(actions, owners))
            del actions, owners  # written: their rows go with the task

            async def held_tables(writing: asyncio.Task[None]) -> None:
                await _applied(writing)
                await target.complete(held)

            await _side_by_side(
                held_tables(applying),
                target.complete([t for p in targets for t in p.tables if t not in held]),
            )
        except BaseException:
            for task in (applying, reading):
                if task is not None and not task.done():
                    task.cancel()
            raise
        finally:
            # The rows are freed (by their counts) before the collector runs again: its
            # first run would otherwise walk every one of them (1.5 s at 1M events).
            applying = reading = None
            notifications = []
            folding.release()
            if collecting:
                gc.enable()
        log.info(
            "rebuild: waited for the store",
            reading_seconds=round(waited_reading, 2),
            writing_seconds=round(waited_writing, 2),
            statements_sent_as_they_are=folding.sent,
            tables_spilled=spilled,
        )
        return position, covered, folding.sent, spilled

    def _row_decoder(self) -> RowDecoder:
        """How a rebuild decodes: the rebuild decoder if one was given, else `decode`."""
        if self.rebuild_decoder is not None:
            return self.rebuild_decoder()
        decode = self.decode

        def one(topic: str, originator_id: Any, version: int, state: bytes) -> Any:
            return decode(
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=version,
                    topic=topic,
                    state=state,
                )
            )

        return one

    async def status(self) -> list[Status]:
        head = await self.store.head()
        tracking = await self.store.tracking()
        failures = await self.store.failures()
        return [
            Status(
                name=p.name,
                version=tracking[p.name].version if p.name in tracking else 0,
                position=tracking[p.name].position if p.name in tracking else 0,
                head=head,
                failure=Failure.stored(failures[p.name]) if p.name in failures else None,
            )
            for p in self.projections
        ]

    @property
    def failures(self) -> list[Failure]:
        """The stuck projections (this runner's view of them), in the catalogue's order."""
        return [self._failures[p.name] for p in self.projections if p.name in self._failures]

    @property
    def position(self) -> int:
        """How far every view that is not stuck has got (the slowest one's position).

        A stuck view does not hold back read-your-writes: it is reported (`failures`,
        `/ready`) instead, and the others stay fresh.
        """
        moving = [pos for name, pos in self._positions.items() if name not in self._failures]
        return min(moving or self._positions.values(), default=0)

    def _active(self) -> dict[str, int]:
        """The positions for the next batch: a stuck projection's is `_SKIP`."""
        if not self._failures:
            return dict(self._positions)
        return {
            name: _SKIP if name in self._failures else pos for name, pos in self._positions.items()
        }

    async def run_batch(self) -> int:
        """Process one batch; returns how many notifications it covered (0 when caught up).

        Batches never overlap, even when several tasks call this: each would otherwise
        read the same positions and apply the same events twice.
        """
        async with self._batch_lock:
            return await self._run_batch()

    async def _run_batch(self) -> int:
        await self._retry_due()
        positions = self._active()
        low = min(positions.values(), default=_SKIP)
        if low == _SKIP:
            return 0
        notifications = await self.store.read_notifications(low, self.batch_size)
        if not notifications:
            return 0
        last = notifications[-1].id
        advanced = {name: last for name, pos in positions.items() if pos < last}
        try:
            statements = self._with_batch_end(self._project(notifications, positions))
        except Exception:  # noqa: BLE001 - a handler or the decoder failed: find whose
            await self._isolate(notifications, positions)
            return len(notifications)
        covered, _ = await self._commit(statements, advanced, notifications, positions)
        return covered

    def _project(
        self,
        notifications: Sequence[StoredNotification],
        positions: dict[str, int] | None = None,
    ) -> list[Any]:
        """The statements of these notifications for every projection not yet past them."""
        statements: list[Any] = []
        positions = self._positions if positions is None else positions
        topics, dispatch, decode = self._topics, self._dispatch, self.decode
        for n in notifications:
            if n.topic not in topics:
                continue
            event = decode(
                StoredEvent(
                    originator_id=n.originator_id,
                    originator_version=n.originator_version,
                    topic=n.topic,
                    state=n.state,
                )
            )
            handlers = dispatch.get(type(event))
            if handlers is None:
                handlers = dispatch[type(event)] = self._handlers(type(event))
            for name, handler in handlers:
                if positions[name] < n.id:  # a projection may be behind the rest
                    statements.extend(handler(event))
        return statements

    def _handlers(self, event_class: type) -> list[tuple[str, Callable[[Any], Any]]]:
        return [
            (p.name, p.handlers[event_class]) for p in self.projections if event_class in p.handlers
        ]

    def _with_batch_end(self, statements: list[Any]) -> list[Any]:
        """The statements, then the batch-end statements of the projections they touch."""
        for projection in _ending(self.projections, statements):
            statements.extend((sql, ()) for sql in projection.batch_end)
        return statements

    async def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Run batches until the views reach the head of the log. Returns events covered.

        Pipelined: batch N+1 is read and projected while batch N is being written, on
        another connection. Each batch is still its own transaction, and one is written
        only after the one before it has committed: a failure or a kill leaves the views
        at a batch boundary, exactly as without the overlap. Stuck projections are left
        out (tried again when their back-off has passed); if batch N makes one stuck, batch
        N+1 is projected again without it.
        """
        total = 0
        head = await self.store.head()
        async with self._batch_lock:
            await self._retry_due()
            # Where the views will be once the batch being written has committed.
            positions = self._active()
            writing: asyncio.Task[tuple[int, bool]] | None = None
            try:
                while True:
                    low = min(positions.values(), default=_SKIP)
                    if low == _SKIP:
                        break
                    notifications = await self.store.read_notifications(low, self.batch_size)
                    if not notifications:
                        break
                    last = notifications[-1].id
                    advanced = {name: last for name, pos in positions.items() if pos < last}
                    try:
                        statements = self._with_batch_end(
                            await self._project_in_slices(notifications, positions)
                        )
                    except Exception:  # noqa: BLE001 - a handler or the decoder failed
                        statements = None
                    if writing is not None:
                        covered, isolated = await writing
                        writing = None
                        total += covered
                        if progress is not None:
                            progress(self.position, max(head, self.position))
                        if isolated:  # a projection got stuck: this batch assumed otherwise
                            positions = self._active()
                            continue
                    if statements is None:
                        before = dict(positions)
                        await self._isolate(notifications, before)
                        total += len(notifications)
                        positions = self._active()
                        continue
                    before = dict(positions)
                    positions.update(advanced)
                    writing = asyncio.create_task(
                        self._commit(statements, advanced, notifications, before)
                    )
                if writing is not None:
                    covered, _ = await writing
                    total += covered
            finally:
                if writing is not None and not writing.done():
                    writing.cancel()
                    await asyncio.gather(writing, return_exceptions=True)
        if progress is not None:
            progress(self.position, max(head, self.position))
        return total

    async def _project_in_slices(
        self, notifications: Sequence[StoredNotification], positions: dict[str, int]
    ) -> list[Any]:
        """`_project`, giving the event loop (and the batch being written) a turn often."""
        statements: list[Any] = []
        for start in range(0, len(notifications), _SLICE):
            statements.extend(self._project(notifications[start : start + _SLICE], positions))
            await asyncio.sleep(0)
        return statements

    async def _write(self, statements: list[Any], advanced: dict[str, int], covered: int) -> int:
        """Write a batch with the positions it reaches; tell who waits for them."""
        await self.store.apply(statements, advanced, self._positions)
        await self._advance(advanced)
        return covered

    async def _advance(self, advanced: dict[str, int]) -> None:
        self._positions.update(advanced)
        async with self._advanced:
            self._advanced.notify_all()

    async def _commit(
        self,
        statements: list[Any],
        advanced: dict[str, int],
        notifications: Sequence[StoredNotification],
        before: dict[str, int],
    ) -> tuple[int, bool]:
        """`_write` the batch; if it fails for a reason of its own (not the store being away),
        write it projection by projection instead. Returns (events covered, isolated)."""
        try:
            return await self._write(statements, advanced, len(notifications)), False
        except Exception as error:
            if self.store.is_transient(error):
                raise
        await self._isolate(notifications, before)
        return len(notifications), True

    # -- containment: one projection per transaction, the failing event found -----------------

    def _project_one(
        self, projection: Projection, notifications: Sequence[StoredNotification], after: int
    ) -> list[Statement]:
        """The statements of one projection for these events past `after`; a failing handler
        or decoder raises `_ProjectionFailed` with its event."""
        statements: list[Statement] = []
        for n in notifications:
            if n.id <= after or n.topic not in projection.topics:
                continue
            try:
                event = self.decode(
                    StoredEvent(
                        originator_id=n.originator_id,
                        originator_version=n.originator_version,
                        topic=n.topic,
                        state=n.state,
                    )
                )
                handler = projection.handlers.get(type(event))
                if handler is not None:
                    statements.extend(handler(event))
            except Exception as error:
                raise _ProjectionFailed(n.id, error) from error
        return statements

    def _batch_end_of(self, projection: Projection, statements: list[Statement]) -> list[Statement]:
        if _ending([projection], statements):
            statements = [*statements, *((sql, ()) for sql in projection.batch_end)]
        return statements

    async def _isolate(
        self, notifications: Sequence[StoredNotification], positions: dict[str, int]
    ) -> None:
        """Write a batch that failed as a whole projection by projection; a projection that
        fails again is stopped before the event it fails on, and remembered as stuck."""
        last = notifications[-1].id
        for projection in self.projections:
            name = projection.name
            after = positions.get(name, _SKIP)
            if after >= last:
                continue
            try:
                statements = self._project_one(projection, notifications, after)
                await self.store.apply(
                    self._batch_end_of(projection, statements), {name: last}, self._positions
                )
            except Exception as error:
                if self.store.is_transient(error):
                    raise
                await self._step_by_step(projection, notifications, after)
            else:
                await self._advance({name: last})

    async def _step_by_step(
        self, projection: Projection, notifications: Sequence[StoredNotification], after: int
    ) -> bool:
        """One projection through the batch an event at a time, up to the one it fails on
        (then it is remembered as stuck, held just before it). True when it got through."""
        name = projection.name
        applied = after
        for n in notifications:
            if n.id <= after:
                continue
            try:
                statements = self._project_one(projection, [n], n.id - 1)
                if statements:
                    await self.store.apply(
                        self._batch_end_of(projection, statements), {name: n.id}, self._positions
                    )
            except Exception as error:  # noqa: BLE001 - any failure of its own stops it alone
                cause = error.error if isinstance(error, _ProjectionFailed) else error
                if self.store.is_transient(cause):
                    raise cause from None
                await self._stuck(projection, n.id, cause, held=max(applied, n.id - 1))
                return False
            if statements:
                applied = n.id
                await self._advance({name: n.id})
        last = notifications[-1].id if notifications else after
        if last > applied:
            await self.store.apply([], {name: last}, self._positions)
            await self._advance({name: last})
        return True

    async def _stuck(
        self, projection: Projection, notification_id: int, error: BaseException, *, held: int
    ) -> None:
        """Remember that `projection` fails on `notification_id`; hold it at `held`."""
        name = projection.name
        now = datetime.now(UTC)
        previous = self._failures.get(name)
        text = describe_error(error)
        if previous is not None and (previous.notification_id, previous.error) == (
            notification_id,
            text,
        ):
            failure = replace(previous, attempts=previous.attempts + 1, last_failed_at=now)
        else:
            failure = Failure(name, notification_id, text, 1, now, now)
        await self.store.apply(failure.statements(), {name: held}, self._positions)
        self._failures[name] = failure
        self.failure_counts[name] = self.failure_counts.get(name, 0) + 1
        delay = min(RETRY_MAX, RETRY_FIRST * 2 ** (failure.attempts - 1))
        self._retry_at[name] = time.monotonic() + delay
        await self._advance({name: held})
        if failure.key not in self._logged:
            self._logged.add(failure.key)
            log.error(
                "projection stuck: it stops at this event, the others go on",
                projection=name,
                notification_id=notification_id,
                error=text,
                retry_in_seconds=delay,
                exc_info=error,
            )

    def _forget_failure(self, name: str) -> None:
        self._failures.pop(name, None)
        self._retry_at.pop(name, None)

    async def _retry_due(self) -> None:
        """Try each stuck projection whose back-off has passed on its next batch of events."""
        if not self._failures:
            return
        now = time.monotonic()
        for name in [n for n, at in self._retry_at.items() if at <= now]:
            failure = self._failures[name]
            projection = self._projection(name)
            after = self._positions[name]
            notifications = await self.store.read_notifications(after, self.batch_size)
            cleared = ("DELETE FROM projection_failures WHERE name = ?", (name,))
            try:
                statements = self._project_one(projection, notifications, after)
                reached = {name: notifications[-1].id} if notifications else {}
                await self.store.apply(
                    [*self._batch_end_of(projection, statements), cleared], reached, self._positions
                )
                await self._advance(reached)
            except Exception as error:  # noqa: BLE001 - found again, event by event
                cause = error.error if isinstance(error, _ProjectionFailed) else error
                if self.store.is_transient(cause):
                    raise cause from None
                if not await self._step_by_step(projection, notifications, after):
                    continue  # still stuck (logged only if it fails differently now)
                await self.store.apply([cleared], {})
            self._forget_failure(name)
            log.warning(
                "projection recovered: it goes on from where it stopped",
                projection=name,
                notification_id=failure.notification_id,
                attempts=failure.attempts,
            )

    def next_retry_in(self) -> float | None:
        """Seconds until a stuck projection is due to be tried again (None: none is stuck)."""
        if not self._retry_at:
            return None
        return max(0.0, min(self._retry_at.values()) - time.monotonic())

    async def run_forever(self, stop: asyncio.Event, *, idle_wait: float = 1.0) -> None:
        """Follow the log until `stop` is set; wake on NOTIFY (PostgreSQL) or poll (SQLite).

        A projection failing on an event is contained by `run_batch`; what reaches this loop
        is the store being away (or a bug of the runner): retried every second, logged once
        per distinct error and once when it works again.
        """
        while not stop.is_set():
            self.store.arm()
            began = time.monotonic()
            try:
                covered = await self.run_batch()
            except PositionsMoved as moved:  # fencing (ADR 0026): another runner wrote
                log.warning("positions moved by another runner: reloaded", error=str(moved))
                async with self._batch_lock:
                    await self._load_positions()
                await self._advance({})
                continue
            except Exception as error:
                text = describe_error(error)
                if text != self._transient_logged:
                    self._transient_logged = text
                    if self.store.is_transient(error):  # the database away: no traceback
                        log.error(
                            "projection batch failed; retrying",
                            position=self.position,
                            error=text,
                        )
                    else:
                        log.exception("projection batch failed; retrying", position=self.position)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                continue
            if self._transient_logged is not None:
                log.warning("projection batches work again", position=self.position)
                self._transient_logged = None
            if covered == 0:
                retry_in = self.next_retry_in()
                wait = idle_wait if retry_in is None else min(idle_wait, retry_in)
                await self._idle(stop, wait)
            elif covered < self.batch_size and (rest := began + self.linger - time.monotonic()) > 0:
                # Following a stream: let the next events gather until `linger` has passed.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), rest)

    async def _idle(self, stop: asyncio.Event, timeout: float) -> None:
        """Wait for new events, but return at once when asked to stop."""
        waiters = {
            asyncio.create_task(self.store.wait_for_events(timeout)),
            asyncio.create_task(stop.wait()),
        }
        _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def wait_until(self, notification_id: int, timeout: float = 2.0) -> None:
        """Read-your-writes: return once every view has reached `notification_id`."""
        if self.position >= notification_id:
            return
        deadline = time.monotonic() + timeout
        self.store.nudge()  # a polled store looks now, not at its next poll
        async with self._advanced:
            while self.position < notification_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StillCatchingUp(notification_id, self.position)
                try:
                    await asyncio.wait_for(self._advanced.wait(), remaining)
                except TimeoutError:
                    raise StillCatchingUp(notification_id, self.position) from None


def _ending(projections: Sequence[Projection], statements: Sequence[Any]) -> list[Projection]:
    """Those of `projections` with batch-end statements that `statements` call for: they
    wrote to the projection's staging tables (or, without any, to its tables)."""
    if not statements or not any(p.batch_end for p in projections):
        return []
    touched = {t for sql in {sql for sql, _ in statements} for t in statement_tables(sql)}
    return _ending_tables(projections, touched)


def _ending_tables(projections: Sequence[Projection], touched: Set[str]) -> list[Projection]:
    """Those of `projections` with batch-end statements that writing to the `touched`
    tables calls for (see `_ending`)."""
    return [
        p for p in projections if p.batch_end and any(t in touched for t in p.staging or p.tables)
    ]


def _slowest(
    progress: Callable[[int, int], None] | None, helper: RebuildHelper
) -> Callable[[int, int], None] | None:
    """The progress of a rebuild in two processes: the one further behind."""
    if progress is None:
        return None
    report = progress

    def both(position: int, head: int) -> None:
        report(min(position, helper.position), head)

    return both


async def _side_by_side(*steps: Awaitable[Any]) -> None:
    """Run `steps` side by side; the first to fail cancels the others (once they have
    stopped, its error is raised as it is)."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


async def _applied(applying: asyncio.Task[None]) -> None:
    """Wait for a chunk's statements to be written; a statement that failed is named."""
    try:
        await applying
    except StatementFailed as failed:
        raise _rebuild_failed(failed.name, failed.notification_id, failed.error) from failed


def _failure(name: str, notification_id: int, error: str) -> Failure:
    now = datetime.now(UTC)
    return Failure(name, notification_id, error, 1, now, now)


def _rebuild_failed(name: str, notification_id: int, error: BaseException) -> RebuildFailed:
    return RebuildFailed([_failure(name, notification_id, describe_error(error))])


def _owner(projections: Sequence[Projection], topic: str) -> str:
    """The first projection that reads events of `topic` (named when decoding fails)."""
    return next((p.name for p in projections if topic in p.topics), "?")


def _tracking_row(projection: Projection) -> list[str]:
    """The statements that rewind `projection` to event 0 in `projection_tracking`."""
    return [
        f"DELETE FROM projection_tracking WHERE name = '{projection.name}'",
        "INSERT INTO projection_tracking (name, position, version, updated_at) "
        f"VALUES ('{projection.name}', 0, {projection.version}, CURRENT_TIMESTAMP)",
    ]


# -- the event loop of a process that projects -------------------------------------------

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on uvloop's event loop, as uvicorn serves the API.

    For the processes whose work is reading the log and writing the views (`tvaers
    project`, a rebuild's helper): asyncpg's socket reads and writes on the standard
    loop's transports were 7-10 % of a rebuild's Python (py-spy, session 9).
    """
    return uvloop.run(main)


# -- a rebuild's helper process (projections/parallel.py) ------------------------------


def helper_main(job: HelperJob, conn: Connection) -> None:
    """The helper process: rebuild `job.names` into the shadow, report, exit."""
    try:
        conn.send(("done", run(_help(job, conn))))
    except BaseException as error:  # noqa: BLE001 - told to the rebuild, which raises it
        if isinstance(error, RebuildFailed):
            failures = [(f.name, f.notification_id, f.error) for f in error.failures]
            conn.send(("failed", failures))
        else:
            conn.send(("error", describe_error(error)))
    finally:
        conn.close()
        # The application the decoder was made with may hold threads and connections
        # that would keep the process alive: it has nothing left to do.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


async def _help(job: HelperJob, conn: Connection) -> HelperDone:
    store = PostgresReadStore(
        job.dsn, events_table=job.events_table, server_settings=job.server_settings
    )
    await store.open()
    store.guard_pid = job.rebuild_pid
    targets = [p for p in catalog.ALL if p.name in job.names]
    target = ShadowTarget(store, targets, attach=True)

    def not_decoding(_: Any) -> Any:
        raise RuntimeError("A helper process only rebuilds.")

    def progress(position: int, head: int) -> None:
        if os.getppid() != job.parent_pid:
            raise RebuildAbandoned("The rebuild this process helped has stopped.")
        conn.send(("progress", position))

    runner = ProjectionRunner(store, targets, not_decoding, rebuild_decoder=job.decoder)
    try:
        await target.begin()
        position, covered, sent, spilled = await runner.project_into(
            target,
            targets,
            progress,
            upto=job.upto,
            chunk=job.chunk,
            foreign=job.foreign,
            max_rows=job.max_rows,
        )
        keys, indexes = target.added()
        return HelperDone(position, covered, keys, indexes, sent, spilled)
    finally:
        target.close()
        await store.close()
