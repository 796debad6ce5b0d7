"""A rebuild's helper process (projections/parallel.py) on PostgreSQL: its failures are
the rebuild's, and a helper whose rebuild has died never writes into the next one's
tables. (That its views equal the live ones: test_rebuild_two_ways.py.)"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import pytest

import projections.runner as runner_module
from api.readside import build_store, rebuild_decoder_for
from projections import parallel
from projections import store as store_module
from projections.runner import RebuildFailed
from projections.store import PostgresReadStore, RebuildAbandoned
from services.application import Tvaers
from services.settings import Settings
from tests.projections.support import ReadSide, generate_history, tracking_rows, view_contents

pytestmark = pytest.mark.parametrize("store_settings", ["postgresql"], indirect=True)

ROOT = Path(__file__).resolve().parents[2]


def failing_main(job: parallel.HelperJob, conn: Connection) -> None:
    """A helper process whose projection fails on the log's third event."""
    assert "audit" in job.names
    conn.send(("failed", [("audit", 3, "ValueError: a bug in the view")]))
    conn.close()


def dying_main(job: parallel.HelperJob, conn: Connection) -> None:
    """A helper process that dies without a word (as when killed)."""
    raise SystemExit(3)


HELPER_SHARE = 3  # the helper's share of the rows in the test below


def budgeted_main(job: parallel.HelperJob, conn: Connection) -> None:
    """The real helper, once it has checked that it was given the helper's share of the
    rows the folds may hold (a spawned process: the test's monkeypatch is not here)."""
    if job.max_rows != HELPER_SHARE:
        conn.send(("error", f"the helper's fold may hold {job.max_rows} rows"))
        conn.close()
        return
    runner_module.helper_main(job, conn)


@pytest.mark.parametrize(
    ("main", "refusal"),
    [
        (failing_main, re.escape("audit failed on event 3: ValueError: a bug in the view")),
        (dying_main, re.escape("helper process stopped (exit code 3)")),
    ],
)
async def test_a_helper_failing_fails_the_rebuild_and_leaves_the_views(
    read_side: ReadSide,
    store_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    main: object,
    refusal: str,
) -> None:
    app, store, runner = read_side
    generate_history(app, random.Random(5), partnerships=2)
    await read_side.sync()
    contents = await view_contents(store)
    positions = await tracking_rows(store)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(runner_module, "helper_main", main)
    runner.helper_decoder = functools.partial(rebuild_decoder_for, store_settings)
    with pytest.raises((RebuildFailed, parallel.HelperFailed), match=refusal):
        await runner.rebuild()
    assert await view_contents(store) == contents
    assert await tracking_rows(store) == positions
    assert not await store.fetchval(
        "SELECT count(*) FROM pg_namespace WHERE nspname = 'tvaers_rebuild'"
    )
    # And the next rebuild (with a working helper) switches in the same views.
    monkeypatch.undo()
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    assert await runner.rebuild() == app.max_notification_id()
    assert await view_contents(store) == contents


async def test_a_helper_whose_rebuild_died_writes_nothing_into_the_next(
    read_side: ReadSide, store_settings: Settings
) -> None:
    """The helper's transactions check that their rebuild still holds the rebuild lock:
    once it is gone (its process killed), the helper's next write is refused, and a new
    rebuild's tables stay its own."""
    store = read_side.store
    assert isinstance(store, PostgresReadStore)
    create = ["CREATE TABLE probe (n int)"]
    dead = build_store(store_settings)
    helper = build_store(store_settings)
    second = build_store(store_settings)
    assert isinstance(dead, PostgresReadStore)
    assert isinstance(helper, PostgresReadStore)
    assert isinstance(second, PostgresReadStore)
    for opened in (dead, helper, second):
        await opened.open()
    try:
        await dead.begin_rebuild(create)
        helper.guard_pid = await dead.rebuild_pid()
        await helper.open_shadow(create=False)
        await helper.apply_shadow([("INSERT INTO probe (n) VALUES (?)", (1,))])  # alive: in
        assert await store.fetchval("SELECT count(*) FROM tvaers_rebuild.probe") == 1

        # The rebuild dies (its lock connection with it); another begins.
        lock = dead._rebuild_lock
        assert lock is not None
        await lock.close()
        await second.begin_rebuild(create)
        with pytest.raises(RebuildAbandoned):
            await helper.apply_shadow([("INSERT INTO probe (n) VALUES (?)", (2,))])
        with pytest.raises(RebuildAbandoned):
            await helper.shadow_script(["CREATE INDEX probe_n ON probe (n)"])
        assert await store.fetchval("SELECT count(*) FROM tvaers_rebuild.probe") == 0
        assert not await store.fetchval(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'probe_n'"
        )
    finally:
        await second.abandon_rebuild()
        for opened in (dead, helper, second):
            await opened.close()


async def test_the_application_starts_while_a_rebuild_holds_its_lock(
    read_side: ReadSide, store_settings: Settings
) -> None:
    """A process starting (creating the event store's tables, under the schema lock)
    does not wait for a rebuild: their advisory locks differ."""
    store = read_side.store
    assert isinstance(store, PostgresReadStore)
    await store.begin_rebuild(["CREATE TABLE probe (n int)"])
    try:
        started = await asyncio.wait_for(asyncio.to_thread(Tvaers, store_settings), timeout=20)
        started.close()
    finally:
        await store.abandon_rebuild()
    dsn, server_settings = store_settings.asyncpg_dsn()
    conn = await asyncpg.connect(dsn, server_settings=server_settings)
    try:
        held = await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
            " (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        assert held == 0
    finally:
        await conn.close()


def _gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie has)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


async def test_killing_a_rebuild_stops_its_helper_and_the_next_rebuild_switches_clean(
    read_side: ReadSide, store_settings: Settings
) -> None:
    """End to end: `kill -9` of a rebuild once its helper has started; the helper ends (its
    rebuild's lock is gone, its parent too), the views are as they were, and the next
    rebuild switches in the same views. (That the helper cannot write into the next
    rebuild's tables meanwhile: the test above.)"""
    app, store, runner = read_side
    generate_history(app, random.Random(6), partnerships=3)
    await read_side.sync()
    contents = await view_contents(store)
    positions = await tracking_rows(store)
    command = [sys.executable, "-m", "tests.projections.rebuild_worker"]
    worker = subprocess.Popen(
        [*command, store_settings.database_url, "--shadow", "--helper"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    helper_pid = None
    try:
        assert worker.stdout is not None
        for line in worker.stdout:  # the helper started: the rebuild is killed
            if (found := re.search(r"helper process started\s+pid=(\d+)", line)) is not None:
                helper_pid = int(found.group(1))
                break
        assert helper_pid is not None, "the rebuild took no helper process"
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        deadline = time.monotonic() + 20
        while not _gone(helper_pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert _gone(helper_pid), "the helper outlived its rebuild by 20 s"
    finally:
        if worker.poll() is None:
            worker.kill()
        if helper_pid is not None and not _gone(helper_pid):
            os.kill(helper_pid, signal.SIGKILL)
    assert await view_contents(store) == contents
    assert await tracking_rows(store) == positions
    assert await runner.rebuild() == app.max_notification_id()
    assert await view_contents(store) == contents


async def _autovacuum_off(store: PostgresReadStore, schema: str) -> set[str]:
    rows = await store.fetch(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relkind = 'r'"
        " AND 'autovacuum_enabled=false' = ANY(c.reloptions)",
        schema,
    )
    return {str(r["relname"]) for r in rows}


async def test_the_shadow_is_built_without_autovacuum_and_switched_in_with_it(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vacuum of a shadow table freshly filled held the switch up by deadlock_timeout a
    table (the reads queued behind it waited 2 s): the shadow's tables are built with
    autovacuum off, and the live tables have it back (no storage parameter left)."""
    app, store, runner = read_side
    assert isinstance(store, PostgresReadStore)
    generate_history(app, random.Random(5), partnerships=2)
    tables = {t for p in runner.projections for t in p.tables}
    seen: dict[str, set[str]] = {}
    switch = store.switch_shadow

    async def spying(*args: object, **kwargs: object) -> None:
        seen["shadow"] = await _autovacuum_off(store, "tvaers_rebuild")
        await switch(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "switch_shadow", spying)
    await runner.rebuild()
    assert tables <= seen["shadow"]
    live = str(await store.fetchval("SELECT current_schema()"))
    assert await _autovacuum_off(store, live) == set()


async def test_a_vacuum_of_a_live_table_at_the_switch_does_not_hold_the_reads_up(
    read_side: ReadSide, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A vacuum holds SHARE UPDATE EXCLUSIVE on the table it works on; the switch must drop
    that table. Had the switch's DROP queued behind it, every read of the table would
    have queued behind the DROP (PostgreSQL cancels an autovacuum only after
    deadlock_timeout, 1 s: a read of 2.0 s in the bench). Here a session holds that lock
    for 1.5 s from just before the switch: the reads of the live table meanwhile must not
    wait for it, and the switch happens once it is gone."""
    app, store, runner = read_side
    assert isinstance(store, PostgresReadStore)
    generate_history(app, random.Random(5), partnerships=2)
    await read_side.sync()
    dsn, server_settings = store_settings.asyncpg_dsn()
    vacuum = await asyncpg.connect(dsn, server_settings=server_settings)
    reader = await asyncpg.connect(dsn, server_settings=server_settings)
    waits: list[float] = []
    switch = store.switch_shadow

    async def read_meanwhile(until: asyncio.Event) -> None:
        while not until.is_set():
            began = time.monotonic()
            await reader.fetchval("SELECT count(*) FROM partnerships")
            waits.append(time.monotonic() - began)
            await asyncio.sleep(0.01)

    async def switch_beside_a_vacuum(*args: object, **kwargs: object) -> None:
        transaction = vacuum.transaction()
        await transaction.start()
        await vacuum.execute("LOCK TABLE partnerships IN SHARE UPDATE EXCLUSIVE MODE")
        done = asyncio.Event()
        reading = asyncio.create_task(read_meanwhile(done))
        asyncio.get_running_loop().call_later(
            1.5, lambda: asyncio.ensure_future(transaction.rollback())
        )
        began = time.monotonic()
        try:
            await switch(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            done.set()
            await reading
        assert time.monotonic() - began >= 1.4  # it did wait for the "vacuum"

    monkeypatch.setattr(store, "switch_shadow", switch_beside_a_vacuum)
    try:
        await runner.rebuild()
    finally:
        await vacuum.close()
        await reader.close()
    assert len(waits) > 20
    assert max(waits) < 0.5, sorted(waits)[-5:]


class _PausingAfterDrop:
    """The store's pool, but a connection taken from it stops for `pause` seconds after its
    first DROP TABLE: a rebuild frozen in the middle of its switch (Ctrl-Z on `tvaers
    project rebuild`, a paused VM), holding the live tables' ACCESS EXCLUSIVE locks."""

    def __init__(self, pool: Any, pause: float) -> None:
        self._pool = pool
        self.pause = pause
        self.paused = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[_PausingConnection]:
        async with self._pool.acquire() as conn:
            yield _PausingConnection(conn, self)


class _PausingConnection:
    def __init__(self, conn: Any, pool: _PausingAfterDrop) -> None:
        self._conn = conn
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    async def execute(self, sql: str, *args: Any) -> Any:
        result = await self._conn.execute(sql, *args)
        if sql.startswith("DROP TABLE") and not self._pool.paused.is_set():
            self._pool.paused.set()
            await asyncio.sleep(self._pool.pause)  # idle in its transaction, locks held
        return result


async def test_a_rebuild_frozen_in_its_switch_holds_the_reads_up_only_for_the_lease(
    read_side: ReadSide, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The switch holds every rebuilt table's ACCESS EXCLUSIVE lock from its first DROP to
    its commit, and every read of those views queues behind it. A rebuild frozen there
    would stop the registry's reads for as long as it is frozen; the switch's transaction
    has the lease (`idle_in_transaction_session_timeout`): the server ends it, the switch
    is rolled back, the reads go on from the views as they were, the next rebuild works."""
    app, store, runner = read_side
    assert isinstance(store, PostgresReadStore)
    generate_history(app, random.Random(6), partnerships=2)
    await read_side.sync()
    contents = await view_contents(store)
    monkeypatch.setattr(store_module, "_LEASE", "300ms")
    pausing = _PausingAfterDrop(store.pool, pause=3.0)
    monkeypatch.setattr(store, "_pool", pausing)
    dsn, server_settings = store_settings.asyncpg_dsn()
    reader = await asyncpg.connect(dsn, server_settings=server_settings)
    try:
        rebuilding = asyncio.create_task(runner.rebuild())
        await asyncio.wait_for(pausing.paused.wait(), 30)
        began = time.monotonic()
        assert await reader.fetchval("SELECT count(*) FROM partnerships") == 2
        waited = time.monotonic() - began
        with pytest.raises(Exception) as failed:  # noqa: PT011 - whichever way the driver says it
            await rebuilding
        assert store.is_transient(failed.value) or isinstance(
            failed.value, asyncpg.PostgresError | asyncpg.InterfaceError
        ), failed.value
    finally:
        await reader.close()
    assert waited < 1.5, waited  # the lease (0.3 s), not the freeze (3 s)
    monkeypatch.setattr(store, "_pool", pausing._pool)
    assert await view_contents(store) == contents
    assert await runner.rebuild() == app.max_notification_id()
    assert await view_contents(store) == contents


async def test_the_two_processes_folds_share_the_row_limit(
    read_side: ReadSide, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit on the rows held in memory (fold.MAX_FOLDED_ROWS) is the rebuild's, not
    each process's: with a helper, the first process folds at most the limit less the
    helper's share (at 4M events the two peaked at 1,048 MiB with the limit each, 768 MiB
    shared). Tiny limits spill nearly every table in both processes, and the views are
    still the live ones."""
    app, store, runner = read_side
    generate_history(app, random.Random(8), partnerships=3)
    await read_side.sync()
    contents = await view_contents(store)
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 1)
    monkeypatch.setattr(parallel, "HELPER_FOLDED_ROWS", HELPER_SHARE)
    monkeypatch.setattr(runner_module, "MAX_FOLDED_ROWS", 10)
    monkeypatch.setattr(runner_module, "helper_main", budgeted_main)
    runner.helper_decoder = functools.partial(rebuild_decoder_for, store_settings)
    budgets: list[int] = []
    project_into = runner.project_into

    async def projecting(*args: object, **kwargs: Any) -> tuple[int, int, int, list[str]]:
        budgets.append(kwargs["max_rows"])
        return await project_into(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "project_into", projecting)
    assert await runner.rebuild() == app.max_notification_id()
    assert budgets == [7]
    assert await view_contents(store) == contents


async def test_ddl_runs_with_the_lease(read_side: ReadSide) -> None:
    """The views' DDL (setup, the drafts' and the login throttle's tables) runs in one
    transaction holding ACCESS EXCLUSIVE locks; like the switch it has the lease."""
    store = read_side.store
    await store.execute_script(
        [
            "CREATE TABLE lease_probe AS"
            " SELECT current_setting('idle_in_transaction_session_timeout') AS lease"
        ]
    )
    assert await store.fetchval("SELECT lease FROM lease_probe") == store_module._LEASE
    assert await store.fetchval("SHOW idle_in_transaction_session_timeout") == "0"
