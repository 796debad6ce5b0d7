"""Wiring of the read side: the view store, the runner, and read-your-writes for queries."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import structlog

from aggregates.dates import today as today_in_denmark
from aggregates.errors import NotFound
from api.principals import AccessCache
from projections import agreements as agreement_views
from projections import drafts as form_drafts
from projections import registry as registry_views
from projections.catalog import ALL
from projections.core import UnknownPosition
from projections.runner import ProjectionRunner, StillCatchingUp
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore
from services.application import Tvaers
from services.settings import Settings

log = structlog.get_logger("tvaers.readside")

HOUSEKEEPING_ACTOR = "system:housekeeping"


def build_store(settings: Settings, *, application_name: str | None = None) -> ReadStore:
    """The view store; on PostgreSQL its sessions carry `application_name` if given (the
    elected projector names them after itself: projections/leader.py)."""
    if settings.store == "sqlite":
        return SQLiteReadStore(settings.sqlite_path, events_table=settings.events_table)
    dsn, server_settings = settings.asyncpg_dsn()
    if application_name is not None:
        server_settings["application_name"] = application_name
    return PostgresReadStore(
        dsn,
        events_table=settings.events_table,
        pool_size=max(2, settings.postgres_pool_size // 2),
        server_settings=server_settings,
    )


@dataclass
class ReadSide:
    """The views and how fresh they are; follows the log itself when it is the follower."""

    settings: Settings
    store: ReadStore
    runner: ProjectionRunner
    tvaers: Tvaers
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    # Principals and the guard's lookups between requests (api/principals.py, ADR 0025).
    principals: AccessCache[Any] = field(init=False)

    def __post_init__(self) -> None:
        self.principals = AccessCache(self.hears_access_changes)
        self.store.changes.subscribe(self.principals.changed)

    def hears_access_changes(self) -> bool:
        """Whether every change to the access view reaches this process at once: NOTIFY
        (PostgreSQL, its listening connection up), or this process writes the views
        itself (SQLite: one process follows the log)."""
        if self.store.hears_other_processes():
            return True
        return self.store.dialect == "sqlite" and self.embedded

    @property
    def embedded(self) -> bool:
        return bool(self._tasks)

    def start_following(self) -> None:
        """Follow the event log and run the housekeeping (call once, after setup)."""
        self._tasks = [asyncio.create_task(self.runner.run_forever(self._stop))]
        if self.settings.housekeeping:
            self._tasks.append(asyncio.create_task(self._housekeeping()))

    async def stop(self, *, at_once: bool = False) -> None:
        """Stop following: after the batch being written, or `at_once` (it is rolled back)."""
        self._stop.set()
        if at_once:
            for task in self._tasks:
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=at_once)
        self._tasks = []

    async def _housekeeping(self) -> None:
        """Record the expiry of agreements whose validity has run out, then repeat.

        Expiry drops the parties back on the ladder, so it must not wait for a person to
        notice. Several followers may race here; the loser's write is a harmless conflict.
        """
        interval = self.settings.housekeeping_interval
        while not self._stop.is_set():
            try:
                await self.expire_due_agreements()
                # Form drafts past their two hours (ADR 0018), even if no one logs in.
                await form_drafts.forget_expired(self.store, datetime.now(UTC))
            except Exception:
                log.exception("housekeeping failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), interval)

    async def expire_due_agreements(self, today: date | None = None) -> int:
        today = today or today_in_denmark()
        await self.runner.catch_up()  # the views must know every agreement signed so far
        due = await agreement_views.due_for_expiry(self.store, today)
        if not due:
            return 0
        expired = await asyncio.to_thread(
            self.tvaers.expire_due_agreements, due, today, HOUSEKEEPING_ACTOR
        )
        log.info("agreements expired", count=expired)
        return expired

    async def wait_until(self, notification_id: int | None, timeout: float | None = None) -> None:
        """Return once the views include `notification_id`, else raise StillCatchingUp."""
        if not notification_id:
            return
        limit = self.settings.read_timeout if timeout is None else timeout
        if self.embedded:
            await self.runner.wait_until(notification_id, limit)
            return
        deadline = time.monotonic() + limit
        # A stuck view does not hold back read-your-writes (it is reported by /ready).
        stuck = set(await self.store.failures())
        while True:
            tracking = await self.store.tracking()
            # Only the views this code serves: a retired projection's row may linger.
            names = [p.name for p in self.runner.projections if p.name not in stuck]
            names = names or [p.name for p in self.runner.projections]
            reached = min((tracking[n].position if n in tracking else 0 for n in names), default=0)
            if reached >= notification_id:
                return
            if time.monotonic() >= deadline:
                raise StillCatchingUp(notification_id, reached)
            await asyncio.sleep(0.02)

    async def ready(self, after: int | None, *partnership_ids: UUID) -> None:
        """Wait for the caller's own write (`after`), then check the partnerships exist."""
        if after and after > await self.store.head():
            # No write has that id (yet): waiting could only end in a misleading 503.
            raise UnknownPosition(
                "`after` is past the newest write in the event log: pass the "
                "notification_id of a write you made."
            )
        await self.wait_until(after)
        for partnership_id in dict.fromkeys(partnership_ids):
            if not await registry_views.exists(self.store, partnership_id):
                raise NotFound(
                    f"No partnership with id {partnership_id}.",
                    da="Partnerskabet findes ikke.",
                    kind="Partnership",  # the web UI's page for it: api/ui/core.py
                )

    async def lag(self) -> int:
        statuses = await self.runner.status()
        return max((s.lag for s in statuses), default=0)


def rebuild_decoder_for(settings: Settings) -> Callable[[str, Any, int, bytes], Any]:
    """The application's rebuild decoder, made from the settings alone: what a rebuild's
    helper process decodes with (projections/parallel.py; it is given this function and
    the settings, which can be pickled)."""
    return Tvaers(settings).rebuild_decoder()


@contextlib.asynccontextmanager
async def open_read_side(
    settings: Settings,
    tvaers: Tvaers,
    *,
    follow: bool,
    listen: bool | None = None,
    application_name: str | None = None,
) -> AsyncIterator[ReadSide]:
    """Open the view store; when `follow`, bring the views up to date and keep them so.

    `listen` (default: `follow`): hear the event log's NOTIFY, which wakes the runner when
    it follows the log. The external projector sets up and follows by itself
    (`tvaers project run`), so it opens with `follow=False, listen=True`, and names its
    sessions after its election (`application_name`)."""
    store = build_store(settings, application_name=application_name)
    # Only a process following the log listens for new events: with the projections
    # external, every write would otherwise wake every API process for nothing.
    await store.open(events=follow if listen is None else listen)
    runner = ProjectionRunner(
        store,
        ALL,
        tvaers.mapper.to_domain_event,
        rebuild_decoder=tvaers.rebuild_decoder,
        helper_decoder=functools.partial(rebuild_decoder_for, settings),
    )
    read_side = ReadSide(settings=settings, store=store, runner=runner, tvaers=tvaers)
    try:
        if follow:
            # The process that follows the log owns the views' schema (a worker, when
            # projections run externally): only it creates and rebuilds them.
            rebuilt = await runner.setup()
            if rebuilt:
                log.warning("views rebuilt after a version change", projections=rebuilt)
            read_side.start_following()
        yield read_side
    finally:
        await read_side.stop()
        await store.close()
