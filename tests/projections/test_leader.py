"""The projector election (projections/leader.py): one leader, standbys, takeover, loss."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator

import asyncpg
import pytest
from structlog.testing import capture_logs

from api.cli import main
from projections import store as store_module
from projections.leader import (
    APPLICATION_NAME,
    LEASE,
    LOCK_KEY,
    Election,
    active_projector,
    identity,
    session_name,
)
from projections.store import TRACKING_DDL, PostgresReadStore, render_ddl
from services.settings import Settings


def _election(url: str, **options: float) -> Election:
    dsn, server_settings = Settings(database_url=url).asyncpg_dsn()
    return Election(dsn, server_settings=server_settings, **options)  # type: ignore[arg-type]


class _Replica:
    """An election run in a task: records when it led, and whether its work was cancelled."""

    def __init__(self, election: Election) -> None:
        self.election = election
        self.stop = asyncio.Event()
        self.leading = asyncio.Event()
        self.cancelled_at: float | None = None
        self.task = asyncio.create_task(election.run(self.lead, self.stop))

    async def lead(self) -> None:
        self.leading.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled_at = time.monotonic()
            self.leading.clear()
            raise

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


@contextlib.asynccontextmanager
async def _replicas(*elections: Election) -> AsyncIterator[list[_Replica]]:
    replicas: list[_Replica] = []
    try:
        for election in elections:
            replicas.append(_Replica(election))
            await asyncio.sleep(0.2)  # the first one started is elected first
        yield replicas
    finally:
        for replica in replicas:
            await replica.close()


async def _lock_holders(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND ((classid::bigint << 32) | objid::bigint) = $1"
            # advisory locks are per database: another test's projector holds the same key
            # in its own database at the same time
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            LOCK_KEY,
        )
        return [int(r["pid"]) for r in rows]
    finally:
        await conn.close()


async def test_one_replica_leads_the_other_stands_by_and_takes_over_when_the_leader_goes(
    postgres_database_url: str,
) -> None:
    first = _election(postgres_database_url, retry=0.2)
    second = _election(postgres_database_url, retry=0.2)
    assert await active_projector(postgres_database_url) is None
    async with _replicas(first, second) as (leader, standby):
        await asyncio.wait_for(leader.leading.wait(), 5)
        active = await active_projector(postgres_database_url)
        assert active is not None
        assert active.replica == identity()  # this process (both replicas are, here)
        assert active.application_name == f"{APPLICATION_NAME} {identity()}"
        await asyncio.sleep(0.6)  # a few of the standby's tries
        assert not standby.leading.is_set()
        assert len(await _lock_holders(postgres_database_url)) == 1

        began = time.monotonic()
        await leader.close()  # gives the lock up: its session ends
        await asyncio.wait_for(standby.leading.wait(), 5)
        assert time.monotonic() - began < 2 * 0.2 + 1
        assert leader.cancelled_at is not None
        assert (first.terms, second.terms) == (1, 1)
        assert len(await _lock_holders(postgres_database_url)) == 1


async def test_a_leader_whose_lock_session_is_killed_stops_at_once_and_stands_by_again(
    postgres_database_url: str,
) -> None:
    election = _election(postgres_database_url, retry=0.2, heartbeat=3.0)
    async with _replicas(election) as (replica,):
        await asyncio.wait_for(replica.leading.wait(), 5)
        (pid,) = await _lock_holders(postgres_database_url)
        conn = await asyncpg.connect(postgres_database_url)
        try:
            killed = time.monotonic()
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await conn.close()
        # Noticed by the connection's end, not by the next heartbeat (3 s away).
        for _ in range(100):
            if replica.cancelled_at is not None:
                break
            await asyncio.sleep(0.02)
        assert replica.cancelled_at is not None
        assert replica.cancelled_at - killed < 1.0
        # Then it is one of the candidates again, and (alone) elected again.
        await asyncio.wait_for(replica.leading.wait(), 5)
        assert election.terms == 2


async def test_the_lock_session_is_ended_by_the_server_when_its_client_goes_silent(
    postgres_database_url: str,
) -> None:
    """A hung leader (no heartbeat) or a vanished host: idle_session_timeout and TCP
    keepalives on the lock connection end its session, and the lock, in bounded time."""
    election = _election(postgres_database_url)
    conn = await election.acquire(asyncio.Event())
    assert conn is not None
    try:
        assert await conn.fetchval("SHOW idle_session_timeout") == f"{LEASE}s"
        assert await conn.fetchval("SHOW tcp_keepalives_idle") in ("3", "3s")
        assert await conn.fetchval("SHOW tcp_keepalives_count") == "3"
        assert await conn.fetchval("SELECT pg_backend_pid()") in await _lock_holders(
            postgres_database_url
        )
        # A shorter timeout shows the server's side: silent past it, the session ends.
        await conn.execute("SET idle_session_timeout = '300ms'")
        await asyncio.sleep(0.8)
        assert await _lock_holders(postgres_database_url) == []
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await conn.fetchval("SELECT 1")
    finally:
        conn.terminate()


class _Pausing(list[tuple[str, tuple[object, ...]]]):
    """A batch whose writer stops, the event loop and all, once the batch has begun: a
    leader paused mid-batch (SIGSTOP, a frozen VM)."""

    def __init__(self, *statements: tuple[str, tuple[object, ...]], pause: float) -> None:
        super().__init__(statements)
        self.pause = pause
        self.iterated = 0

    def __iter__(self) -> Iterator[tuple[str, tuple[object, ...]]]:
        self.iterated += 1
        if self.iterated > 1:  # the first look is before the transaction
            time.sleep(self.pause)
        return super().__iter__()


async def test_a_writer_paused_inside_a_fenced_batch_loses_its_session_and_the_rows_it_locked(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "_LEASE", "300ms")
    store = PostgresReadStore(postgres_database_url)
    await store.open()
    try:
        await store.execute_script([render_ddl(TRACKING_DDL, "postgresql")])
        await store.execute(
            "INSERT INTO projection_tracking (name, position, version, updated_at)"
            " VALUES ('p', 0, 1, now())"
        )
        batch = _Pausing(("UPDATE projection_tracking SET version = 2", ()), pause=1.0)
        with pytest.raises(Exception) as ended:  # noqa: PT011 - whichever way the driver says it
            await store.apply(batch, {"p": 1}, {"p": 0})
        assert store.is_transient(ended.value), ended.value
        assert batch.iterated >= 2
        # Its batch was rolled back and the rows are free for the next leader at once.
        conn = await asyncpg.connect(postgres_database_url)
        try:
            async with conn.transaction():
                row = await conn.fetchrow(
                    "SELECT position, version FROM projection_tracking FOR UPDATE NOWAIT"
                )
            assert tuple(row) == (0, 1)
        finally:
            await conn.close()
    finally:
        await store.close()


async def test_project_status_names_the_active_projector_or_says_there_is_none(
    postgres_database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TVAERS_DATABASE_URL", postgres_database_url)
    monkeypatch.setenv("TVAERS_HOUSEKEEPING", "off")

    def status() -> str:
        capsys.readouterr()  # what the replica logged before (it logs to the same stdout)
        main(["project", "status"])
        lines = capsys.readouterr().out.splitlines()
        return next((line for line in lines if line.startswith("active projector:")), "")

    assert (await asyncio.to_thread(status)).startswith("active projector: NONE")
    async with _replicas(_election(postgres_database_url)) as (replica,):
        await asyncio.wait_for(replica.leading.wait(), 5)
        assert (await asyncio.to_thread(status)).startswith(f"active projector: {identity()} (")


async def test_a_projector_of_another_database_in_the_cluster_is_not_this_ones(
    make_postgres_database: Callable[[], str],
) -> None:
    """Advisory locks are per database and pg_locks shows the cluster's: a municipality's
    `tvaers project status` must not name the projector of another database on the same
    server (nor find its own election won by it)."""
    ours, theirs = make_postgres_database(), make_postgres_database()
    async with _replicas(_election(theirs)) as (replica,):
        await asyncio.wait_for(replica.leading.wait(), 5)
        assert await active_projector(theirs) is not None
        assert await active_projector(ours) is None
        assert await _lock_holders(ours) == []
        mine = _election(ours, retry=0.2)
        async with _replicas(mine) as (leader,):
            await asyncio.wait_for(leader.leading.wait(), 5)  # not kept waiting by theirs
            assert len(await _lock_holders(ours)) == 1


async def test_a_leader_not_allowed_to_end_a_deposed_session_says_so_once_and_leads_on(
    postgres_database_url: str,
) -> None:
    """Ending another replica's session needs the same role (or pg_signal_backend): a
    leader refused logs it once, keeps the lock and waits, as it did before it could."""
    admin = await asyncpg.connect(postgres_database_url)
    role = f"weak_{await admin.fetchval('SELECT current_database()')}"[:63]
    await admin.execute(f'CREATE ROLE "{role}" LOGIN')
    await admin.execute("CREATE TABLE contested (n int)")
    await admin.execute("INSERT INTO contested VALUES (1)")
    await admin.execute(f'GRANT ALL ON contested TO "{role}"')
    weak_url = postgres_database_url.replace("postgres@", f"{role}@", 1)
    assert weak_url != postgres_database_url
    # A deposed replica's session of a superuser, holding the row: not ours to end.
    deposed = await asyncpg.connect(
        postgres_database_url, server_settings={"application_name": f"{APPLICATION_NAME} gone:1"}
    )
    await deposed.execute("BEGIN; SELECT n FROM contested FOR UPDATE")
    election = _election(weak_url, retry=0.1, heartbeat=0.2)
    locked = asyncio.Event()

    async def lead() -> None:
        conn = await asyncpg.connect(
            weak_url, server_settings={"application_name": election.application_name}
        )
        try:
            async with conn.transaction():
                await conn.fetch("SELECT n FROM contested FOR UPDATE")
                locked.set()
                await asyncio.Event().wait()
        finally:
            conn.terminate()

    stop = asyncio.Event()
    try:
        with capture_logs() as logs:
            task = asyncio.create_task(election.run(lead, stop))
            await asyncio.sleep(2.0)  # ten lock checks while the lead waits for the row
            assert not task.done()
            assert not locked.is_set()
            refused = [e for e in logs if e["event"].startswith("could not end a deposed")]
            assert len(refused) == 1, logs
            assert "InsufficientPrivilegeError" in refused[0]["error"], refused
            assert not [e for e in logs if e["event"].startswith("lost the projector lock")]
            await deposed.execute("ROLLBACK")  # the operator ends it: the lead goes on
            await asyncio.wait_for(locked.wait(), 5)
            stop.set()
            await asyncio.wait_for(task, 10)
    finally:
        stop.set()
        deposed.terminate()
        await admin.execute("DROP TABLE contested")
        await admin.execute(f'DROP ROLE "{role}"')
        await admin.close()


def test_a_session_name_keeps_the_pid_whatever_the_host() -> None:
    """PostgreSQL keeps 63 bytes of an application_name: a long host name is shortened,
    never the pid (two replicas on one such host would otherwise share a name, and a new
    leader could not tell the old one's sessions from its own)."""
    assert session_name("vm", 4711) == f"{APPLICATION_NAME} vm:4711"
    host = "projektor-1.sundhed-paa-tvaers.kommune.example.dk.internal.cluster.local"
    first, second = session_name(host, 4711), session_name(host, 4712)
    assert first != second
    assert first.endswith(":4711")
    assert second.endswith(":4712")
    assert first.startswith(f"{APPLICATION_NAME} projektor-1.sundhed")
    assert len(first.encode()) == 63
    assert len(second.encode()) == 63
    assert len(session_name("ø" * 80, 1).encode()) <= 63  # bytes, not characters
