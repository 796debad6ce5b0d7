"""Wiring of the read side: the view store, the runner, and read-your-writes for queries."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import structlog

from projections.catalog import ALL
from projections.runner import ProjectionRunner, StillCatchingUp
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore
from services.application import Tvaers
from services.settings import Settings

log = structlog.get_logger("tvaers.readside")


def build_store(settings: Settings) -> ReadStore:
    if settings.store == "sqlite":
        return SQLiteReadStore(settings.sqlite_path, events_table=settings.events_table)
    dsn, server_settings = settings.asyncpg_dsn()
    return PostgresReadStore(
        dsn,
        events_table=settings.events_table,
        pool_size=max(2, settings.postgres_pool_size // 2),
        server_settings=server_settings,
    )


@dataclass
class ReadSide:
    """The views and how fresh they are; runs the projections itself when embedded."""

    settings: Settings
    store: ReadStore
    runner: ProjectionRunner
    _task: asyncio.Task[None] | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def embedded(self) -> bool:
        return self._task is not None

    async def wait_until(self, notification_id: int | None, timeout: float | None = None) -> None:
        """Return once the views include `notification_id`, else raise StillCatchingUp."""
        if not notification_id:
            return
        limit = self.settings.read_timeout if timeout is None else timeout
        if self.embedded:
            await self.runner.wait_until(notification_id, limit)
            return
        deadline = time.monotonic() + limit
        while True:
            tracking = await self.store.tracking()
            # Only the views this code serves: a retired projection's row may linger.
            names = [p.name for p in self.runner.projections]
            reached = min((tracking[n].position if n in tracking else 0 for n in names), default=0)
            if reached >= notification_id:
                return
            if time.monotonic() >= deadline:
                raise StillCatchingUp(notification_id, reached)
            await asyncio.sleep(0.02)

    async def lag(self) -> int:
        statuses = await self.runner.status()
        return max((s.lag for s in statuses), default=0)


@contextlib.asynccontextmanager
async def open_read_side(
    settings: Settings, tvaers: Tvaers, *, follow: bool
) -> AsyncIterator[ReadSide]:
    """Open the view store, bring the schema up to date, and follow the log if asked."""
    store = build_store(settings)
    await store.open()
    runner = ProjectionRunner(store, ALL, tvaers.mapper.to_domain_event)
    read_side = ReadSide(settings=settings, store=store, runner=runner)
    try:
        if follow:
            # The process that follows the log owns the views' schema (a worker, when
            # projections run externally): only it creates and rebuilds them.
            rebuilt = await runner.setup()
            if rebuilt:
                log.warning("views rebuilt after a version change", projections=rebuilt)
            read_side._task = asyncio.create_task(runner.run_forever(read_side._stop))
        yield read_side
    finally:
        read_side._stop.set()
        if read_side._task is not None:
            await read_side._task
        await store.close()
