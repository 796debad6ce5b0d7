"""The PostgreSQL event store, its round trips awaited on the event loop when bridged.

eventsourcing's PostgreSQL recorders, with the two round trips of a command (reading an
aggregate's events, inserting new ones) also done through asyncpg when called in a
bridged greenlet (services/bridge.py, ADR 0030): the same SQL on the same tables (the
insert through the library's own `es_insert_events_…` function), so the two paths write
and read exactly the same records. Everything else a bridged greenlet asks of a
recorder runs on a thread (`bridge.blocking`), never on the loop.

Selected by `Settings.eventsourcing_env` (PERSISTENCE_MODULE names `Factory` here). The
asynchronous path is used only once `attach` has given the recorders a pool (the API
does, at start); until then, and in every other process, they are the library's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresFactory,
)
from eventsourcing.utils import retry
from psycopg.sql import SQL, Identifier

from services import bridge
from services.settings import Settings

T = TypeVar("T")

RETRIES = 10
RETRY_WAIT = 0.2
"""As the library's recorders: a lost connection is tried again 10 times, 0.2 s apart."""

_LOST = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    ConnectionError,
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Loop:
    """What a recorder needs to run its statements on the loop: the pool and the SQL."""

    def __init__(self, pool: asyncpg.Pool, schema: str, table: str) -> None:
        self.pool = pool
        self.table = f"{_quoted(schema)}.{_quoted(table)}"
        self.schema = _quoted(schema)
        self._selects: dict[tuple[bool, bool, bool, bool], str] = {}

    def select_sql(self, gt: bool, lte: bool, desc: bool, limit: bool) -> str:
        key = (gt, lte, desc, limit)
        sql = self._selects.get(key)
        if sql is None:
            parts = [
                f"SELECT originator_version, topic, state FROM {self.table}"
                " WHERE originator_id = $1"
            ]
            n = 1
            if gt:
                n += 1
                parts.append(f" AND originator_version > ${n}")
            if lte:
                n += 1
                parts.append(f" AND originator_version <= ${n}")
            parts.append(" ORDER BY originator_version " + ("DESC" if desc else "ASC"))
            if limit:
                n += 1
                parts.append(f" LIMIT ${n}")
            sql = self._selects[key] = "".join(parts)
        return sql

    async def attempt(self, call: Callable[[Any], Awaitable[T]]) -> T:
        """`call` on a pooled connection; a lost connection tried again (`RETRIES`).

        Within `one_connection`, the command's connection (taken at its first round
        trip, kept to its end); otherwise one taken for this call."""
        held = _HELD.get()
        for attempt in range(RETRIES):
            try:
                if held is None:
                    async with self.pool.acquire() as conn:
                        return await call(conn)
                return await call(await held.connection())
            except asyncpg.UniqueViolationError as error:
                raise IntegrityError(str(error)) from error
            except _LOST as error:
                if held is not None:
                    await held.release()
                if attempt == RETRIES - 1:
                    raise OperationalError(str(error)) from error
                await asyncio.sleep(RETRY_WAIT)
        raise AssertionError("unreachable")


class _Held:
    """The connection of one command on the loop (`one_connection`), taken when first
    needed."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.conn: Any = None

    async def connection(self) -> Any:
        if self.conn is None:
            self.conn = await self.pool.acquire()
        return self.conn

    async def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            await self.pool.release(conn)


_HELD: ContextVar[_Held | None] = ContextVar("tvaers_command_connection", default=None)


@asynccontextmanager
async def one_connection(pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Within it, the round trips of this task's bridged command share one connection of
    `pool` (the one the recorders were attached to; taken at the first round trip, given
    back at the end): one acquire and release a command instead of one per round trip.
    Only the loop's statements of the task entering it (those awaited by `bridge.run` in
    this task) use it."""
    held = _Held(pool)
    token = _HELD.set(held)
    try:
        yield
    finally:
        _HELD.reset(token)
        await held.release()


def _columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], ...]:
    return (
        [e.originator_id for e in stored_events],
        [e.originator_version for e in stored_events],
        [e.topic for e in stored_events],
        [e.state for e in stored_events],
    )


class _Bridgeable:
    """The select, on the loop when bridged and attached (mixed into both recorders,
    before the library's class: `super()` is the library's recorder)."""

    _loop: _Loop | None = None

    def detach(self) -> None:
        self._loop = None

    def _bridged(self) -> bool:
        return self._loop is not None and bridge.in_bridge()

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        if self._bridged():
            return self._select_on_loop(originator_id, gt, lte, desc, limit)
        library: Any = super()
        events: Sequence[StoredEvent] = library.select_events(
            originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )
        return events

    def _select_on_loop(
        self,
        originator_id: UUID | str,
        gt: int | None,
        lte: int | None,
        desc: bool,
        limit: int | None,
    ) -> list[StoredEvent]:
        loop = self._loop
        assert loop is not None
        sql = loop.select_sql(gt is not None, lte is not None, desc, limit is not None)
        params = [p for p in (gt, lte, limit) if p is not None]
        rows = bridge.wait_for(loop.attempt(lambda conn: conn.fetch(sql, originator_id, *params)))
        # Every row is the asked originator's: its id as given (not asyncpg's UUID type).
        return [StoredEvent(originator_id, version, topic, state) for version, topic, state in rows]


class TvaersAggregateRecorder(_Bridgeable, PostgresAggregateRecorder):
    """The snapshots' recorder."""

    def attach(self, pool: asyncpg.Pool) -> None:
        self._loop = _Loop(pool, self.datastore.schema, self.events_table_name)
        self._insert_sql = (
            f"INSERT INTO {self._loop.table} (originator_id, originator_version, topic, state)"
            " SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::bytea[])"
        )

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        if not self._bridged():
            super().insert_events(stored_events, **kwargs)
            return None
        if stored_events:
            assert self._loop is not None
            columns = _columns(stored_events)
            sql = self._insert_sql
            bridge.wait_for(self._loop.attempt(lambda conn: conn.execute(sql, *columns)))
        return None


class TvaersApplicationRecorder(_Bridgeable, PostgresApplicationRecorder):
    """The events' recorder (one notification log for the whole registry)."""

    def attach(self, pool: asyncpg.Pool) -> None:
        if not self.datastore.enable_db_functions:
            raise ProgrammingError("The loop's insert calls the library's insert function.")
        loop = self._loop = _Loop(pool, self.datastore.schema, self.events_table_name)
        event_type = f"{loop.schema}.{_quoted(self.stored_event_type_name)}"
        function = f"{loop.schema}.{_quoted(self.pg_function_name_insert_events)}"
        # The library's function takes an array of its composite type: built here from
        # four arrays, in their order (the returned ids are in the same order).
        self._insert_sql = (
            f"SELECT * FROM {function}(ARRAY(SELECT ROW(i, v, t, s)::{event_type}"
            " FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::bytea[])"
            " WITH ORDINALITY AS e(i, v, t, s, n) ORDER BY n))"
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not self._bridged():
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        assert self._loop is not None
        columns = _columns(stored_events)
        sql = self._insert_sql
        rows = bridge.wait_for(self._loop.attempt(lambda conn: conn.fetch(sql, *columns)))
        return [row[0] for row in rows]

    def notification_id(self, originator_id: UUID, version: int) -> int | None:
        """The notification id of one stored event (None if there is none)."""
        if self._bridged():
            loop = self._loop
            assert loop is not None
            sql = (
                f"SELECT notification_id FROM {loop.table}"
                " WHERE originator_id = $1 AND originator_version = $2"
            )
            found: int | None = bridge.wait_for(
                loop.attempt(lambda conn: conn.fetchval(sql, originator_id, version))
            )
            return found
        stored: int | None = self._notification_id(originator_id, version)
        return stored

    @retry((InterfaceError, OperationalError), max_attempts=RETRIES, wait=RETRY_WAIT)
    def _notification_id(self, originator_id: UUID, version: int) -> int | None:
        statement = SQL(
            "SELECT notification_id FROM {schema}.{table}"
            " WHERE originator_id = %s AND originator_version = %s"
        ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, (originator_id, version), prepare=True)
            row = curs.fetchone()
            return None if row is None else int(row["notification_id"])

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        return bridge.blocking(super().select_notifications, *args, **kwargs)

    def max_notification_id(self) -> int | None:
        head: int | None = bridge.blocking(super().max_notification_id)
        return head


class Factory(PostgresFactory):
    """eventsourcing's PostgreSQL factory with this module's recorders."""

    aggregate_recorder_class = TvaersAggregateRecorder
    application_recorder_class = TvaersApplicationRecorder


def attach(
    recorders: Sequence[AggregateRecorder | ApplicationRecorder | None], pool: Any | None
) -> bool:
    """Give these recorders `pool` for their bridged round trips (None: take it back);
    False if none is this module's (the SQLite store) or `pool` is None."""
    attached = False
    for recorder in recorders:
        if isinstance(recorder, TvaersAggregateRecorder | TvaersApplicationRecorder):
            if pool is None:
                recorder.detach()
            else:
                recorder.attach(pool)
                attached = True
    return attached


async def _keep_session(_conn: asyncpg.Connection) -> None:
    """No reset when a connection goes back to the pool (asyncpg's default is a round
    trip each time); these connections keep no session state."""


@asynccontextmanager
async def loop_pool(settings: Settings) -> AsyncIterator[asyncpg.Pool | None]:
    """The pool for bridged commands (PostgreSQL; None on SQLite), closed at the end."""
    if settings.store == "sqlite":
        yield None
        return
    dsn, server_settings = settings.asyncpg_dsn()
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=settings.postgres_pool_size,
        command_timeout=60,
        server_settings=server_settings,
        reset=_keep_session,
    )
    try:
        yield pool
    finally:
        await pool.close()
