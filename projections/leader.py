"""One active projection runner among several replicas: elected by a PostgreSQL advisory lock.

Every `tvaers project run` replica opens one dedicated connection and tries
`pg_try_advisory_lock(LOCK_KEY)` on it every `retry` seconds. The one that gets it is the
active projector; the others stand by. PostgreSQL holds a session lock until the session
ends, so the lock is free again the moment the leader's connection is gone:

- the leader process dies (kill -9, crash, host reboot with a clean TCP reset): its socket
  is closed, the server ends the session, a standby gets the lock at its next try (~1 s);
- the leader hangs or its host vanishes without closing the socket: the lock connection
  has `idle_session_timeout` (the leader checks its lock every `heartbeat` seconds, so a
  live leader is never idle that long) and TCP keepalives (`tcp_keepalives_idle` /
  `_interval` / `_count`), so the server ends the session within `LEASE` seconds.

The leader itself stops projecting at once (its work is cancelled) when its lock
connection is lost, when the lock is no longer held, or when a check does not answer in
time. Work already in flight cannot be recalled from a paused process, so the views do
not rely on the lock alone: every batch compare-and-sets the positions it advances
(`ReadStore.apply(..., previous)`, ADR 0026), and a batch from a deposed leader is
rolled back instead of applied twice.

A deposed leader that hangs in the middle of a batch keeps that batch's row locks; if it
hangs inside a statement that waits for its data (a COPY), its session is active, not
idle, and no server timeout ends it. So at each lock check the leader also ends every
session of another replica that blocks one of its own (`pg_blocking_pids`): the replicas
name their sessions (`application_name`: "tvaers projector host:pid"), and while this
process holds the lock, any other replica's session that holds locks is a deposed
leader's. Its transaction is rolled back; the new leader's batch goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

log = structlog.get_logger("tvaers.projections.leader")

LOCK_KEY = 0x7476_6165_7273_0001
"""The advisory lock key of the active projector: the bytes "tvaers" then 0x0001, a bigint:
8392002043991228417 (pg_locks: classid 1953915237, objid 1920139265). Nothing else in the
database may use it."""

RETRY = 1.0
"""Seconds between a standby's tries of the lock (takeover ~this long after a clean death)."""

HEARTBEAT = 1.0
"""Seconds between the leader's checks that it still holds the lock."""

LEASE = 5
"""Seconds after which PostgreSQL ends a silent lock session (`idle_session_timeout`: a hung
leader, a stalled event loop, a vanished host); with the retry, a standby leads ~6 s later."""

_KEEPALIVE = {
    "tcp_keepalives_idle": "3",
    "tcp_keepalives_interval": "1",
    "tcp_keepalives_count": "3",
}

_HOLDS_LOCK = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
    " AND pid = pg_backend_pid() AND granted AND objsubid = 1"
    " AND ((classid::bigint << 32) | objid::bigint) = $1)"
)


APPLICATION_NAME = "tvaers projector"
"""The lock connections' `application_name` (then the replica's host:pid), for pg_stat_activity."""

_ACTIVE = (
    "SELECT a.application_name, a.client_addr::text AS client, a.backend_start"
    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
    " AND ((l.classid::bigint << 32) | l.objid::bigint) = $1"
    # advisory locks are per database, pg_locks is the cluster's: not another database's
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


_DEPOSED_BLOCKERS = (
    # Only our own sessions that wait for a lock (cheap: pg_stat_activity), and only then
    # the lock manager (pg_blocking_pids); blockers that are another replica's sessions.
    "SELECT DISTINCT b.pid, b.application_name, b.state, b.wait_event,"
    " left(b.query, 80) AS query"
    " FROM pg_stat_activity w"
    " CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS blocker(pid)"
    " JOIN pg_stat_activity b ON b.pid = blocker.pid"
    " WHERE w.application_name = $1 AND w.wait_event_type = 'Lock'"
    " AND starts_with(b.application_name, $2) AND b.application_name <> $1"
)


@dataclass(frozen=True)
class ActiveProjector:
    """The replica holding the projector lock, as PostgreSQL sees it."""

    application_name: str
    client: str | None
    since: datetime

    @property
    def replica(self) -> str:
        return self.application_name.removeprefix(APPLICATION_NAME).strip()


async def active_projector(dsn: str, key: int = LOCK_KEY, **options: Any) -> ActiveProjector | None:
    """Who leads now (None: no `tvaers project run` holds the lock, the views stand still)."""
    conn = await asyncpg.connect(dsn, **options)
    try:
        row = await conn.fetchrow(_ACTIVE, key)
    finally:
        await conn.close()
    if row is None:
        return None
    return ActiveProjector(str(row["application_name"]), row["client"], row["backend_start"])


def identity() -> str:
    """Who this replica is, in the logs: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def session_name(host: str, pid: int) -> str:
    """The `application_name` of a replica's sessions: "tvaers projector host:pid", the
    host shortened so that the whole fits PostgreSQL's 63 bytes with the pid kept (two
    replicas on one long-named host must not share a name: a leader ends only sessions
    named otherwise than its own)."""
    suffix = f":{pid}"
    room = 63 - len(APPLICATION_NAME.encode()) - 1 - len(suffix)
    short = host.encode()[:room].decode(errors="ignore")
    return f"{APPLICATION_NAME} {short}{suffix}"


class LostLeadership(Exception):
    """The lock connection was lost, or the lock is no longer held: stop projecting."""


class Election:
    """Stand by until this process holds the projector lock; then lead until it is lost."""

    def __init__(
        self,
        dsn: str,
        *,
        server_settings: dict[str, str] | None = None,
        key: int = LOCK_KEY,
        retry: float = RETRY,
        heartbeat: float = HEARTBEAT,
        lease: int = LEASE,
    ) -> None:
        if heartbeat >= lease:
            raise ValueError("The heartbeat must come well within the lease.")
        self.dsn = dsn
        self.key = key
        self.retry = retry
        self.heartbeat = heartbeat
        self.lease = lease
        self.application_name = session_name(socket.gethostname(), os.getpid())
        """This replica's sessions in pg_stat_activity: its lock connection, and the views'
        connections of its work (give them the same name: a new leader ends a deposed
        leader's sessions that block it by this name)."""
        self.server_settings = {
            **(server_settings or {}),
            **_KEEPALIVE,
            "idle_session_timeout": f"{lease}s",
            "application_name": self.application_name,
        }
        self.terms = 0  # how many times this process became the leader
        self._refused: str | None = None  # the last refusal to end one (logged once)

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(
            self.dsn, server_settings=self.server_settings, timeout=self.lease
        )

    async def acquire(self, stop: asyncio.Event) -> asyncpg.Connection | None:
        """The lock connection once this process holds the lock; None when `stop` is set."""
        standing_by = False
        unreachable: str | None = None  # the last connection error logged (logged once)
        conn: asyncpg.Connection | None = None
        try:
            while not stop.is_set():
                try:
                    if conn is None or conn.is_closed():
                        conn = await self._connect()
                    if await asyncio.wait_for(
                        conn.fetchval("SELECT pg_try_advisory_lock($1)", self.key), self.lease
                    ):
                        held, conn = conn, None
                        return held
                    if not standing_by:
                        standing_by = True
                        log.info("standing by", lock_key=self.key, replica=identity())
                    unreachable = None
                except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as e:
                    if repr(e) != unreachable:
                        unreachable = repr(e)
                        log.warning(
                            "projector election: the database cannot be reached; retrying",
                            error=unreachable,
                        )
                    if conn is not None:
                        conn.terminate()
                        conn = None
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.retry)
            return None
        finally:
            if conn is not None:
                conn.terminate()

    async def watch(self, conn: asyncpg.Connection) -> None:
        """Return (raising LostLeadership) as soon as the lock is lost; never returns else."""
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _: closed.set())
        while True:
            began = time.monotonic()
            try:
                holds = await asyncio.wait_for(  # by then the server may have ended it
                    conn.fetchval(_HOLDS_LOCK, self.key),
                    timeout=max(self.lease - self.heartbeat, self.lease / 2),
                )
                if holds:
                    await self._end_deposed(conn)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                raise LostLeadership(f"the lock connection failed: {error!r}") from error
            if not holds:
                raise LostLeadership("the lock is no longer held")
            wait = max(0.0, self.heartbeat - (time.monotonic() - began))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(closed.wait(), wait)
            if closed.is_set():
                raise LostLeadership("the lock connection was closed")

    async def _end_deposed(self, conn: asyncpg.Connection) -> None:
        """End the sessions of other replicas that block one of this leader's sessions:
        while this process holds the lock they can only be a deposed leader's (hung in a
        batch, or not yet aware that it lost the lock); their transactions roll back."""
        try:
            blockers = await asyncio.wait_for(
                conn.fetch(_DEPOSED_BLOCKERS, self.application_name, f"{APPLICATION_NAME} "),
                timeout=self.lease / 2,
            )
            for blocker in blockers:
                if not await conn.fetchval("SELECT pg_terminate_backend($1)", blocker["pid"]):
                    continue  # it has ended meanwhile
                log.warning(
                    "ended a deposed projector's session that blocked this one",
                    pid=blocker["pid"],
                    session=blocker["application_name"],
                    state=blocker["state"],
                    waiting_for=blocker["wait_event"],
                    query=blocker["query"],
                    replica=identity(),
                )
        except asyncpg.PostgresError as error:  # e.g. not allowed to end another role's
            if repr(error) != self._refused:
                self._refused = repr(error)
                log.error(
                    "could not end a deposed projector's session that blocks this one;"
                    " the server ends it when it has been idle in its transaction"
                    " (5 s), not when it hangs in a statement",
                    error=self._refused,
                    replica=identity(),
                )

    async def run(self, lead: Callable[[], Awaitable[Any]], stop: asyncio.Event) -> None:
        """Until `stop` is set: stand by, and whenever elected run `lead()`; it is cancelled
        at once if the lock is lost (then this process stands by again) or `stop` is set."""
        while not stop.is_set():
            conn = await self.acquire(stop)
            if conn is None:
                return
            self.terms += 1
            log.info(
                "became the active projector",
                lock_key=self.key,
                replica=identity(),
                term=self.terms,
            )
            try:
                await self._lead(conn, lead, stop)
            finally:
                conn.terminate()  # ends the session: the lock is free for a standby at once

    async def _lead(
        self, conn: asyncpg.Connection, lead: Callable[[], Awaitable[Any]], stop: asyncio.Event
    ) -> None:
        work = asyncio.ensure_future(lead())
        watch = asyncio.ensure_future(self.watch(conn))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({work, watch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (work, watch, stopping):
                task.cancel()
            await asyncio.gather(work, watch, stopping, return_exceptions=True)
        if watch.done() and not watch.cancelled() and watch.exception() is not None:
            log.error(
                "lost the projector lock: stopped projecting, standing by again",
                reason=str(watch.exception()),
                replica=identity(),
            )
            return
        if stop.is_set():
            return
        error = work.exception() if work.done() and not work.cancelled() else None
        log.error(
            "the projector's work ended: giving up the lock, standing by again",
            replica=identity(),
            exc_info=error,
        )
        with contextlib.suppress(TimeoutError):  # another replica may take over meanwhile
            await asyncio.wait_for(stop.wait(), self.retry)
