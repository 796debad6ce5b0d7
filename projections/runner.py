"""The projection runner: batches of the notification log → views, exactly once.

Each batch is read, decoded, turned into statements by the projections' pure handlers,
and written together with every projection's new position in ONE transaction. A crash
at any point leaves the views as if the batch never ran, or as if it fully ran.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.persistence import StoredEvent

from projections.core import Projection
from projections.store import (
    TRACKING_DDL,
    ReadStore,
    StoredNotification,
    render_ddl,
    statement_tables,
)

log = structlog.get_logger("tvaers.projections")

Decoder = Callable[[StoredEvent], Any]

# Events projected between two turns of the event loop during a catch-up (a few ms of work).
_SLICE = 100


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
    ) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"Projection names must be unique: {names}")
        self.store = store
        self.projections = list(projections)
        self.decode = decode
        self.batch_size = batch_size
        self._positions: dict[str, int] = {}
        self._advanced = asyncio.Condition()
        self._batch_lock = asyncio.Lock()
        self._topics = frozenset().union(*(p.topics for p in self.projections))
        # Per event class: (projection name, handler) in the catalogue's order.
        self._dispatch: dict[type, list[tuple[str, Callable[[Any], Any]]]] = {}
        self._with_end = [p for p in self.projections if p.batch_end]

    def _projection(self, name: str) -> Projection:
        for projection in self.projections:
            if projection.name == name:
                return projection
        known = ", ".join(p.name for p in self.projections)
        raise KeyError(f"No projection called {name!r} (known: {known}).")

    async def setup(self) -> list[str]:
        """Create missing views; rebuild those whose code version changed. Returns rebuilt."""
        dialect = self.store.dialect
        await self.store.execute_script([render_ddl(TRACKING_DDL, dialect)])
        tracking = await self.store.tracking()
        rebuilt = []
        for projection in self.projections:
            known = tracking.get(projection.name)
            if known is not None and known.version == projection.version:
                continue
            if known is not None:
                log.warning(
                    "projection version changed: rebuilding",
                    projection=projection.name,
                    stored=known.version,
                    code=projection.version,
                )
                rebuilt.append(projection.name)
            await self._reset(projection)
        await self._load_positions()
        return rebuilt

    async def _reset(self, projection: Projection) -> None:
        """Drop, recreate and rewind one projection, in one transaction."""
        dialect = self.store.dialect
        await self.store.execute_script(
            [
                *projection.drop_statements(),
                *projection.create_statements(dialect),
                f"DELETE FROM projection_tracking WHERE name = '{projection.name}'",
                "INSERT INTO projection_tracking (name, position, version, updated_at) "
                f"VALUES ('{projection.name}', 0, {projection.version}, CURRENT_TIMESTAMP)",
            ]
        )

    async def _load_positions(self) -> None:
        tracking = await self.store.tracking()
        self._positions = {p.name: tracking[p.name].position for p in self.projections}

    async def rebuild(
        self, names: Sequence[str] | None = None, progress: Callable[[int, int], None] | None = None
    ) -> int:
        """Drop and replay the named projections (all when None) from the first event."""
        targets = self.projections if names is None else [self._projection(n) for n in names]
        for projection in targets:
            await self._reset(projection)
        await self._load_positions()
        return await self.catch_up(progress=progress)

    async def status(self) -> list[Status]:
        head = await self.store.head()
        tracking = await self.store.tracking()
        return [
            Status(
                name=p.name,
                version=tracking[p.name].version if p.name in tracking else 0,
                position=tracking[p.name].position if p.name in tracking else 0,
                head=head,
            )
            for p in self.projections
        ]

    @property
    def position(self) -> int:
        """How far every view has got (the slowest projection's position)."""
        return min(self._positions.values(), default=0)

    async def run_batch(self) -> int:
        """Process one batch; returns how many notifications it covered (0 when caught up).

        Batches never overlap, even when several tasks call this: each would otherwise
        read the same positions and apply the same events twice.
        """
        async with self._batch_lock:
            return await self._run_batch()

    async def _run_batch(self) -> int:
        low = self.position
        notifications = await self.store.read_notifications(low, self.batch_size)
        if not notifications:
            return 0
        statements = self._with_batch_end(self._project(notifications))
        last = notifications[-1].id
        advanced = {name: last for name, pos in self._positions.items() if pos < last}
        return await self._write(statements, advanced, len(notifications))

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
        if not statements or not self._with_end:
            return statements
        touched = {table for sql, _ in statements for table in statement_tables(sql)}
        for projection in self._with_end:
            if touched.intersection(projection.staging or projection.tables):
                statements.extend((sql, ()) for sql in projection.batch_end)
        return statements

    async def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Run batches until the views reach the head of the log. Returns events covered.

        Pipelined: batch N+1 is read and projected while batch N is being written, on
        another connection. Each batch is still its own transaction, and one is written
        only after the one before it has committed: a failure or a kill leaves the views
        at a batch boundary, exactly as without the overlap.
        """
        total = 0
        head = await self.store.head()
        async with self._batch_lock:
            # Where the views will be once the batch being written has committed.
            positions = dict(self._positions)
            writing: asyncio.Task[int] | None = None
            try:
                while True:
                    low = min(positions.values(), default=0)
                    notifications = await self.store.read_notifications(low, self.batch_size)
                    if not notifications:
                        break
                    statements = self._with_batch_end(
                        await self._project_in_slices(notifications, positions)
                    )
                    last = notifications[-1].id
                    advanced = {name: last for name, pos in positions.items() if pos < last}
                    if writing is not None:
                        total += await writing
                        if progress is not None:
                            progress(self.position, max(head, self.position))
                    positions.update(advanced)
                    writing = asyncio.create_task(
                        self._write(statements, advanced, len(notifications))
                    )
                if writing is not None:
                    total += await writing
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
        await self.store.apply(statements, advanced)
        self._positions.update(advanced)
        async with self._advanced:
            self._advanced.notify_all()
        return covered

    async def run_forever(self, stop: asyncio.Event, *, idle_wait: float = 1.0) -> None:
        """Follow the log until `stop` is set; wake on NOTIFY (PostgreSQL) or poll (SQLite)."""
        while not stop.is_set():
            self.store.arm()
            try:
                covered = await self.run_batch()
            except Exception:
                log.exception("projection batch failed; retrying", position=self.position)
                await asyncio.sleep(1.0)
                continue
            if covered == 0:
                await self._idle(stop, idle_wait)

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
        async with self._advanced:
            while self.position < notification_id:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise StillCatchingUp(notification_id, self.position)
                try:
                    await asyncio.wait_for(self._advanced.wait(), remaining)
                except TimeoutError:
                    raise StillCatchingUp(notification_id, self.position) from None
