"""The PostgreSQL event store, its round trips awaited on the event loop when bridged.

eventsourcing's PostgreSQL recorders, with the two round trips of a command (reading an
aggregate's events, inserting new ones) also done through asyncpg when called in a
bridged greenlet (services/bridge.py, ADR 0030): the same SQL on the same tables (the
insert through the library's own `es_insert_events_…` function), so the two paths write
and read exactly the same records. The inserts of commands that come while another is
being written go together in one statement (`_Gathered`, ADR 0032). Everything else a
bridged greenlet asks of a recorder runs on a thread (`bridge.blocking`), never on the
loop.

Selected by `Settings.eventsourcing_env` (PERSISTENCE_MODULE names `Factory` here). The
asynchronous path is used only once `attach` has given the recorders a pool (the API
does, at start); until then, and in every other process, they are the library's.
"""

from __future__ import annotations

import asyncio
import contextvars
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


WRITES_AT_ONCE = 1
"""Inserts written alone at once (each on its command's connection); those that come
while this many are being written wait and are written together (`_Gathered`)."""


class _Gathered:
    """The bridged inserts of new events, gathered: one statement for those that come
    while another is being written (group commit, ADR 0032).

    An insert that comes when none waits and fewer than `WRITES_AT_ONCE` are being
    written goes alone, in its own command's task and on its connection, as before. Those
    that come meanwhile wait, their connections given back to the pool (else commands
    waiting here could hold every connection the writer needs). When a write is done,
    one writer task of this recorder writes all that waited in one statement (one
    transaction, one NOTIFY) on a connection it keeps, then whatever came during that
    one, until none waits. Each command gets its own events' notification ids back, in
    the order given.

    The statement is all or nothing: if the store refuses one command's events (another
    process saved those versions first), nothing of the others is written either, and
    each is then written alone, so that only that command is refused. A command
    cancelled while it waits is taken out (nothing of it written); one cancelled while
    its group is being written is written with the group (the others need that
    statement), like a command whose client left just after its write.
    """

    def __init__(self, loop: _Loop, sql: str) -> None:
        self.loop = loop
        self.sql = sql
        self.waiting: list[tuple[Sequence[StoredEvent], asyncio.Future[list[int]]]] = []
        self.writing = 0  # statements being written: alone ones and the writer's
        self.held = _Held(loop.pool)  # the writer task's connection (`_hand_over`)
        self._writer: asyncio.Task[None] | None = None

    async def _write(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        columns = _columns(stored_events)
        sql = self.sql
        rows = await self.loop.attempt(lambda conn: conn.fetch(sql, *columns))
        return [row[0] for row in rows]

    async def insert(self, stored_events: Sequence[StoredEvent]) -> list[int]:
        if self.writing < WRITES_AT_ONCE and not self.waiting:
            self.writing += 1
            try:
                return await self._write(stored_events)
            finally:
                self.writing -= 1
                self._hand_over()
        future: asyncio.Future[list[int]] = asyncio.get_running_loop().create_future()
        waiting = (stored_events, future)
        self.waiting.append(waiting)  # before any wait: the writer must find it
        try:
            held = _HELD.get()
            if held is not None:
                # Not used while it waits: the group's writer may need a connection
                # (a later round trip of this command takes one again).
                await held.release()
            return await future
        except asyncio.CancelledError:
            # Not taken yet: out, and nothing of it is written (the writer also skips a
            # cancelled one it has taken before it wrote).
            self.waiting = [w for w in self.waiting if w is not waiting]
            raise

    def _hand_over(self) -> None:
        """After a write: the waiting ones to this recorder's writer task, if any (and it
        is not running already)."""
        if not self.waiting or self._writer is not None:
            return
        self.writing += 1
        # Its own context (not the finishing command's connection or log ids), with the
        # writer's own connection: taken once and kept, so that a group never queues
        # behind the commands waiting for the pool.
        context = contextvars.Context()
        context.run(_HELD.set, self.held)
        self._writer = asyncio.get_running_loop().create_task(
            self._write_waiting(), context=context
        )

    async def _write_waiting(self) -> None:
        try:
            while self.waiting:
                group, self.waiting = self.waiting, []
                live = [waiting for waiting in group if not waiting[1].done()]
                try:
                    await self._write_group(live)
                except BaseException as error:  # never leave a command waiting
                    for _, future in live:
                        if isinstance(error, Exception):
                            _settle(future, error=error)
                        elif not future.done():
                            future.cancel()
                    raise
        finally:
            self.writing -= 1
            self._writer = None
            self._hand_over()  # what still waits if this task was stopped, else nothing

    async def close(self) -> None:
        """Let the writer finish what waits, then give its connection back to the pool
        (before the pool is closed: a kept connection would hold its closing up)."""
        writer = self._writer
        if writer is not None and not writer.done():
            await asyncio.wait([writer])  # its outcome is its commands', not this one's
        await self.held.release()

    async def _write_group(
        self, group: list[tuple[Sequence[StoredEvent], asyncio.Future[list[int]]]]
    ) -> None:
        if not group:
            return
        try:
            ids = await self._write([event for events, _ in group for event in events])
        except IntegrityError as error:
            if len(group) == 1:
                _settle(group[0][1], error=error)
                return
            for events, future in group:  # each alone: only the clashing one is refused
                if future.done():
                    continue
                try:
                    _settle(future, await self._write(events))
                except Exception as alone:  # noqa: BLE001 - handed to its command
                    _settle(future, error=alone)
            return
        except Exception as error:  # noqa: BLE001 - handed to every command of the group
            for _, future in group:
                _settle(future, error=error)
            return
        start = 0
        for events, future in group:
            _settle(future, ids[start : start + len(events)])
            start += len(events)


def _settle(
    future: asyncio.Future[list[int]],
    ids: list[int] | None = None,
    *,
    error: BaseException | None = None,
) -> None:
    """Give a waiting insert its ids or its error (unless it was cancelled meanwhile)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert ids is not None
        future.set_result(ids)


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

    _gathered: _Gathered | None = None  # the bridged inserts, once attached

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
        self._gathered = _Gathered(loop, self._insert_sql)

    async def release(self) -> None:
        """The gathered inserts' writer done and its connection given back (`detach`)."""
        if self._gathered is not None:
            await self._gathered.close()

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not self._bridged():
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        assert self._gathered is not None  # attached: `_bridged`
        gathered: list[int] = bridge.wait_for(self._gathered.insert(stored_events))
        return gathered

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
    """Give these recorders `pool` for their bridged round trips (None: take it back, see
    `detach`); False if none is this module's (the SQLite store) or `pool` is None."""
    attached = False
    for recorder in recorders:
        if isinstance(recorder, TvaersAggregateRecorder | TvaersApplicationRecorder):
            if pool is None:
                recorder.detach()
            else:
                recorder.attach(pool)
                attached = True
    return attached


async def detach(recorders: Sequence[AggregateRecorder | ApplicationRecorder | None]) -> None:
    """Take the pool back from these recorders (`attach`), once the events' recorder has
    written what waits and given back the connection its writer keeps: then the pool can
    close."""
    attach(recorders, None)
    for recorder in recorders:
        if isinstance(recorder, TvaersApplicationRecorder):
            await recorder.release()


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
