"""Failover of the projector (issue 17): kill -9 the active `tvaers project run` during a
steady write load, then hang (SIGSTOP) the next one; each time a standby takes over within
10 s, and the views go on exactly once."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from api.readside import build_store
from projections.catalog import ALL
from projections.leader import HEARTBEAT, LEASE, RETRY
from projections.runner import ProjectionRunner
from projections.store import ReadStore
from services.application import Tvaers
from services.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.projections.failover import (
    ACTIVE,
    ENDED_DEPOSED,
    STANDING_BY,
    Replica,
    WriteLoad,
    kill_the_leader,
    lowest_position,
    pause_the_leader,
    reached,
    wait_for,
)
from tests.projections.support import generate_history, view_contents

TAKEOVER_LIMIT = 10.0
CATCH_UP_LIMIT = 8.0


async def test_killing_the_active_projector_during_writes_hands_over_within_seconds_exactly_once(
    postgres_database_url: str,
) -> None:
    settings = Settings(
        database_url=postgres_database_url, housekeeping=False, secret_key=TEST_SECRET_KEY
    )
    app = Tvaers(settings)  # the event tables exist before the replicas start
    store = build_store(settings)
    await store.open()
    replicas = [Replica(postgres_database_url, "first")]
    load: WriteLoad | None = None
    try:
        await wait_for(lambda: replicas[0].active, 30, "the first replica to lead", replicas)
        replicas.append(Replica(postgres_database_url, "second"))
        await wait_for(lambda: replicas[1].seen(STANDING_BY), 30, "a standby", replicas)

        load = WriteLoad(app).start()
        _, takeover = await kill_the_leader(replicas, store)
        assert takeover.elected < TAKEOVER_LIMIT, takeover
        assert takeover.moving < TAKEOVER_LIMIT, takeover

        # A hung leader (SIGSTOP: its sockets stay open) is replaced too, by the server
        # ending its silent lock session; resumed, it stops and stands by (the fence keeps
        # whatever it had in flight from being applied twice).
        replicas.append(Replica(postgres_database_url, "third"))
        await wait_for(lambda: replicas[2].seen(STANDING_BY), 30, "a new standby", replicas)
        hung, takeover = await pause_the_leader(replicas, store)
        assert hung is replicas[1]
        # (The server's clock runs from the last lock check, up to a heartbeat before.)
        assert LEASE - HEARTBEAT <= takeover.elected < LEASE + RETRY + 2, takeover
        # Then the new leader catches up what was written while the old one hung.
        assert takeover.moving - takeover.elected < CATCH_UP_LIMIT, takeover
        await asyncio.sleep(0.5)  # the new leader under load for a moment
        load.stop()
        load = None

        head = app.max_notification_id()
        await wait_for(
            lambda: reached(store, head), 60, "the views to catch up", replicas, interval=0.05
        )
        for replica in replicas[1:]:
            assert replica.seen(ACTIVE) is not None
            assert replica.stop() == 0
            assert "Traceback" not in "\n".join(replica.lines), replica.log()
    finally:
        if load is not None:
            load.stop()
        for replica in replicas:
            replica.stop()

    # Exactly once: every view as a clean rebuild of the same log makes it, row for row.
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    try:
        await runner.setup()
        followed = await view_contents(store)
        assert await runner.rebuild() == head
        assert await view_contents(store) == followed
    finally:
        await store.close()
        app.close()


class HungBatch:
    """A session that holds every projection's position row (`FOR UPDATE`, as a batch
    does) and then hangs inside a COPY whose data never comes: what a projector paused
    in the middle of its batch leaves behind. Active, not idle in its transaction, so no
    server timeout ends it."""

    def __init__(self, database_url: str, application_name: str) -> None:
        self.database_url = database_url
        self.application_name = application_name
        self.pid = 0
        self._conn: asyncpg.Connection | None = None
        self._copy: asyncio.Future[Any] | None = None

    async def start(self) -> HungBatch:
        self._conn = conn = await asyncpg.connect(
            self.database_url, server_settings={"application_name": self.application_name}
        )
        self.pid = conn.get_server_pid()
        await conn.execute("BEGIN")
        await conn.execute("CREATE TEMPORARY TABLE hung_batch (n integer) ON COMMIT DROP")
        held = await conn.fetch("SELECT name FROM projection_tracking ORDER BY name FOR UPDATE")
        assert len(held) == len(ALL)
        self._copy = asyncio.ensure_future(
            conn.copy_records_to_table("hung_batch", records=_never())
        )
        deadline = time.monotonic() + 10
        while await self.state() != ("active", "ClientRead"):  # the server waits for data
            assert time.monotonic() < deadline, "the COPY never began"
            await asyncio.sleep(0.02)
        return self

    async def state(self) -> tuple[str, str] | None:
        """(state, wait_event) of its session; None once it has ended."""
        probe = await asyncpg.connect(self.database_url)
        try:
            row = await probe.fetchrow(
                "SELECT state, wait_event FROM pg_stat_activity WHERE pid = $1", self.pid
            )
        finally:
            await probe.close()
        return None if row is None else (row["state"], row["wait_event"])

    async def release(self) -> None:
        """Give up the batch (its transaction is rolled back), if its session still lives."""
        if self._copy is not None:
            self._copy.cancel()
            await asyncio.gather(self._copy, return_exceptions=True)
        if self._conn is not None:
            self._conn.terminate()


async def _never() -> AsyncIterator[tuple[int]]:
    await asyncio.Event().wait()
    yield (0,)


async def test_a_leader_hung_inside_a_batch_does_not_block_the_new_leader(
    postgres_database_url: str,
) -> None:
    """The elected projector ends the session of a deposed one that blocks it (projections/
    leader.py): a batch hung inside its COPY holds the positions' rows, and nothing else
    would ever end it. A session that is not a projector's is waited for, never ended."""
    settings = Settings(
        database_url=postgres_database_url, housekeeping=False, secret_key=TEST_SECRET_KEY
    )
    app = Tvaers(settings)
    rng = random.Random(20261207)
    generate_history(app, rng, partnerships=1)
    store = build_store(settings)
    await store.open()
    replica = Replica(postgres_database_url, "leader")
    others: list[HungBatch] = []
    try:
        await wait_for(lambda: replica.active, 30, "the replica to lead", [replica])
        head = app.max_notification_id()
        await wait_for(lambda: _set_up_and_reached(store, head), 30, "the views", [replica])

        # Someone else's transaction (an operator's psql) holding the rows: waited for.
        others.append(await HungBatch(postgres_database_url, "psql").start())
        generate_history(app, rng, partnerships=1)
        await asyncio.sleep(3 * HEARTBEAT + 0.5)  # three lock checks
        assert await others[0].state() == ("active", "ClientRead")
        assert await lowest_position(store) == head
        await others[0].release()
        head = app.max_notification_id()
        await wait_for(lambda: reached(store, head), 10, "the views to move on", [replica])
        assert replica.seen(ENDED_DEPOSED) is None, replica.log()

        # A deposed projector's batch, hung in its COPY: ended at the next lock check.
        hung = await HungBatch(postgres_database_url, "tvaers projector gone:4711").start()
        others.append(hung)
        generate_history(app, rng, partnerships=1)
        written = time.monotonic()
        head = app.max_notification_id()
        moved = await wait_for(lambda: reached(store, head), 10, "the views to move", [replica])
        assert moved - written < HEARTBEAT + 2, replica.log()
        assert await hung.state() is None
        (ended,) = [r for r in replica.records if r["event"] == ENDED_DEPOSED]
        assert ended["pid"] == hung.pid, ended
        assert ended["session"] == "tvaers projector gone:4711", ended
        assert replica.active
        assert replica.stop() == 0
        assert "Traceback" not in "\n".join(replica.lines), replica.log()
    finally:
        for other in others:
            await other.release()
        replica.stop()
        await store.close()
        app.close()


async def _set_up_and_reached(store: ReadStore, head: int) -> bool:
    try:
        return await reached(store, head)
    except asyncpg.UndefinedTableError:  # the leader has not created the views yet
        return False
