"""Read-model stores: PostgreSQL (asyncpg) and SQLite (same file as the events), one interface.

A store reads the application's notification log and applies a batch of row changes
together with the projections' tracking positions in ONE transaction (exactly once).
SQL is written once with `?` placeholders and `{uuid}`/`{date}`/`{ts}`/... type slots.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple
from uuid import UUID

import asyncpg
import msgspec
import structlog
from asyncpg.pgproto import pgproto

if TYPE_CHECKING:
    from projections.core import Projection

from projections import changes as access_changes
from projections.leader import LEASE

_log = structlog.get_logger("tvaers.projections")

Dialect = Literal["postgresql", "sqlite"]
Statement = tuple[str, tuple[Any, ...]]


class PositionsMoved(Exception):
    """Fencing (ADR 0026): a batch's positions were not where its writer believed them to
    be (another runner wrote them meanwhile). The batch was rolled back, nothing written;
    the writer reloads the positions and goes on from there."""

    def __init__(self, moved: Mapping[str, tuple[int, int | None]]) -> None:
        self.moved = dict(moved)  # name -> (believed, found)
        found = ", ".join(f"{n} at {f} (not {b})" for n, (b, f) in sorted(self.moved.items()))
        super().__init__(f"Another projection runner moved the positions: {found}.")


_LEASE = f"{LEASE}s"
"""The election's lease (projections/leader.py): how long a silent writer may hold the
fence's rows, or the locks of DDL and of the rebuild's switch (`_hold_for_the_lease`)."""


async def _hold_for_the_lease(conn: asyncpg.pool.PoolConnectionProxy[Any]) -> None:
    """In a transaction: the server ends it if its client goes silent in it for longer
    than the lease (a process paused in the middle: SIGSTOP, Ctrl-Z, a frozen VM), so its
    locks are not held for ever. Only between statements: one the server waits in for its
    client's data (a COPY) is not ended (projections/leader.py ends those of a deposed
    projector)."""
    await conn.execute(f"SET LOCAL idle_in_transaction_session_timeout = '{_LEASE}'")


def _moved(
    previous: Mapping[str, int] | None, positions: Mapping[str, int], found: Mapping[str, int]
) -> dict[str, tuple[int, int | None]]:
    """The positions a batch would advance that are not where `previous` says they are."""
    if previous is None:
        return {}
    return {
        name: (previous[name], found.get(name))
        for name in positions
        if name in previous and found.get(name) != previous[name]
    }


_TYPES: dict[Dialect, dict[str, str]] = {
    "postgresql": {
        "uuid": "uuid",
        "date": "date",
        "ts": "timestamptz",
        "text": "text",
        "int": "integer",
        "bigint": "bigint",
        "json": "jsonb",
        "num": "numeric",
    },
    "sqlite": {
        "uuid": "TEXT",
        "date": "TEXT",
        "ts": "TEXT",
        "text": "TEXT",
        "int": "INTEGER",
        "bigint": "INTEGER",
        "json": "TEXT",
        "num": "TEXT",
    },
}

TRACKING_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_tracking ("
    " name {text} PRIMARY KEY,"
    " position {bigint} NOT NULL,"
    " version {int} NOT NULL,"
    " updated_at {ts} NOT NULL)"
)


FAILURES_DDL = (
    "CREATE TABLE IF NOT EXISTS projection_failures ("
    " name {text} PRIMARY KEY,"
    " notification_id {bigint} NOT NULL,"
    " error {text} NOT NULL,"
    " attempts {int} NOT NULL,"
    " first_failed_at {ts} NOT NULL,"
    " last_failed_at {ts} NOT NULL)"
)
"""A projection that failed on an event: where it stopped and why (none: all is well)."""


def render_ddl(sql: str, dialect: Dialect) -> str:
    return sql.format(**_TYPES[dialect])


_DDL_OBJECT = re.compile(
    r"^(\s*CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)\s+(?:IF\s+NOT\s+EXISTS\s+)?)(\w+)"
)


def qualify_ddl(sql: str, schema: str, *, index_names: bool = True) -> str:
    """`CREATE TABLE t …` / `CREATE INDEX i ON t …` with the new object in `schema`.

    PostgreSQL puts an index in its table's schema and refuses a qualified index name:
    `index_names=False` leaves an index statement as it is there.
    """
    match = _DDL_OBJECT.match(sql)
    if match is None:
        raise ValueError(f"Not a CREATE TABLE or CREATE INDEX statement: {sql[:80]!r}")
    if not index_names and "INDEX" in match.group(1).upper():
        return sql
    return f"{match.group(1)}{schema}.{match.group(2)}{sql[match.end() :]}"


# -- values no view may refuse -----------------------------------------------------------------
# An event may hold text a view's column cannot: PostgreSQL's text and jsonb refuse U+0000
# (jsonb also a lone UTF-16 surrogate escape). Such text can be stored in the event log (an
# older database, before the boundary refused it), so the views store U+FFFD in its place
# rather than failing on it: on both stores, so that they show the same.

REPLACEMENT = "\ufffd"

_JSON_ESCAPE = re.compile(r"(\\+)u([0-9a-fA-F]{4})")
_LOW_SURROGATE_ESCAPE = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def safe_text(value: str) -> str:
    """The text with U+0000 replaced by U+FFFD."""
    return value.replace("\x00", REPLACEMENT) if "\x00" in value else value


def safe_json(text: str) -> str:
    """JSON text with the escapes PostgreSQL's jsonb refuses (`\\u0000`, a lone surrogate)
    replaced by `\\ufffd`, and any raw U+0000 by U+FFFD. Other text is returned as it is."""
    text = safe_text(text)
    if "\\u" not in text:
        return text
    pair_low_at = -1  # where the low half of a valid surrogate pair starts

    def fix(match: re.Match[str]) -> str:
        nonlocal pair_low_at
        slashes, code = match.group(1), int(match.group(2), 16)
        if len(slashes) % 2 == 0:  # an escaped backslash, then the letters "u…"
            return match.group(0)
        escape_at = match.start() + len(slashes) - 1
        if 0xD800 <= code <= 0xDBFF and _LOW_SURROGATE_ESCAPE.match(text, match.end()):
            pair_low_at = match.end()
            return match.group(0)
        if code == 0 or (0xD800 <= code <= 0xDFFF and escape_at != pair_low_at):
            return slashes[:-1] + "\\ufffd"
        return match.group(0)

    return _JSON_ESCAPE.sub(fix, text)


def _safe_sqlite_text(value: str) -> str:
    value = safe_text(value)
    # SQLite keeps JSON as TEXT: a value that is a whole JSON document with a refused
    # escape is treated as the JSON it is (PostgreSQL's jsonb codec does the same by type).
    if "\\u" in value and value[:1] in "[{" and safe_json(value) != value:
        try:
            msgspec.json.decode(value)
        except msgspec.DecodeError:
            return value
        return safe_json(value)
    return value


def _jsonb_encode(value: str) -> bytes:
    """jsonb's binary input (format version 1, then the text), made acceptable first."""
    return b"\x01" + safe_json(value).encode()


def _jsonb_decode(data: bytes) -> str:
    return data[1:].decode()


@cache
def _to_dollar(sql: str) -> str:
    """`?` placeholders to asyncpg's `$1, $2, ...` (our SQL has no literal question marks)."""
    counter = iter(range(1, 10_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


class StoredNotification(NamedTuple):
    """One event of the log as the views read it. A named tuple: a row becomes one with
    `_make` (a rebuild reads millions; a frozen dataclass's construction cost ~1.8 µs a
    row against ~0.5-1.0, measured in session 9)."""

    id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes


@dataclass(frozen=True, slots=True)
class Tracking:
    name: str
    position: int
    version: int


@dataclass(frozen=True, slots=True)
class StoredFailure:
    """A row of `projection_failures`: the projection stopped before `notification_id`."""

    name: str
    notification_id: int
    error: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime


def _as_datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def in_utc(value: datetime) -> datetime:
    """The time in UTC. Past the calendar's ends (year 1 east of Greenwich, 9999 west of
    it) a time has no UTC form: it stands for the first or the last moment there is."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == datetime.min.year else datetime.max
        return edge.replace(tzinfo=UTC)


def ts_text(value: datetime) -> str:
    """Sortable UTC text for SQLite: 2024-05-01T10:00:00.000000Z (always the microseconds)."""
    utc = in_utc(value)
    if utc.year < 1000:  # strftime's %Y does not pad: keep the text it always gave
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return utc.isoformat(timespec="microseconds")[:26] + "Z"


def _sqlite_param(value: Any) -> Any:
    if type(value) is str:
        return _safe_sqlite_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return ts_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _pg_param(value: Any) -> Any:
    if type(value) is str:
        return safe_text(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return in_utc(value)
    return value


# Types asyncpg encodes as they are. Aware datetimes too: asyncpg moves them to UTC
# itself (`in_utc` only adds the calendar's edges, which no event's time is near).
# asyncpg's own UUID class is what the event table's ids are read as.
_PG_AS_IS = frozenset(
    {str, int, float, bool, bytes, UUID, pgproto.UUID, date, datetime, Decimal, type(None)}
)


def _encodes_as_value(kind: type) -> bool:
    """True for an enumeration whose members asyncpg encodes as their values as they are:
    str or int members whose own text or number is the value (asyncpg takes a subclass of
    str or int for itself)."""
    if not issubclass(kind, Enum):
        return False
    if issubclass(kind, str):
        return all(str.__str__(m) == m.value for m in kind)
    if issubclass(kind, int):
        return all(int(m) == m.value for m in kind)
    return False


_PG_NATIVE: dict[type, bool] = {}  # types asyncpg encodes as they are, found once


_AS_THEY_ARE_ROWS = 1_000
"""From this many rows a COPY is first tried with the values as they are (`_write_statements`)."""


def _native(kind: type) -> bool:
    """Whether asyncpg encodes values of `kind` (not one of `_PG_AS_IS`) as they are."""
    native = _PG_NATIVE.get(kind)
    if native is None:
        native = _PG_NATIVE[kind] = _encodes_as_value(kind)
    return native


def _pg_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A statement's parameters for asyncpg; most rows need no conversion and no copy."""
    for value in row:
        kind = type(value)
        if kind is str:
            if "\x00" in value:
                return tuple(map(_pg_param, row))
        elif kind not in _PG_AS_IS and not _native(kind):
            return tuple(map(_pg_param, row))
    return row


class ReadStore(ABC):
    """Where the views live, next to the events they are projected from."""

    dialect: Dialect
    events_table: str
    notification_column: str  # the event table's column holding the notification id

    @abstractmethod
    async def open(self, *, events: bool = True) -> None:
        """Connect. `events`: also hear new events at once (`wait_for_events`), as a
        process that follows the log must; a process that does not (an API process
        with the projections external) leaves it off, and is then not woken by every
        write of every process."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]: ...

    async def fetchval(self, sql: str, *params: Any) -> Any:
        rows = await self.fetch(sql, *params)
        if not rows:
            return None
        return next(iter(rows[0].values()))

    @abstractmethod
    async def head(self) -> int:
        """The newest notification id in the event log (0 when empty)."""

    @abstractmethod
    async def read_notifications(
        self, after: int, limit: int, topics: Sequence[str] | None = None
    ) -> list[StoredNotification]: ...

    @abstractmethod
    async def apply(
        self,
        statements: Sequence[Statement],
        positions: Mapping[str, int],
        previous: Mapping[str, int] | None = None,
    ) -> None:
        """Write the changes and advance the positions in one transaction.

        With `previous` (where the writer believes the positions are), compare-and-set:
        first thing in the transaction the positions being advanced are locked and compared;
        if one is elsewhere, nothing is written and `PositionsMoved` is raised.
        """

    @abstractmethod
    async def execute_script(self, statements: Iterable[str]) -> None:
        """Run DDL statements in one transaction."""

    @abstractmethod
    async def execute(self, sql: str, *params: Any) -> None: ...

    @abstractmethod
    def is_transient(self, error: BaseException) -> bool:
        """True when `error` says the store cannot be used now (connection lost, locked, shut
        down), not that a statement is wrong: then no projection is to blame for it."""

    @abstractmethod
    def _is_missing_table(self, error: BaseException) -> bool: ...

    async def failures(self) -> dict[str, StoredFailure]:
        """The projections that are stopped at an event they failed on, by name."""
        try:
            rows = await self.fetch(
                "SELECT name, notification_id, error, attempts, first_failed_at, last_failed_at"
                " FROM projection_failures"
            )
        except Exception as error:
            if self._is_missing_table(error):  # a read side set up by an older version
                return {}
            raise
        return {
            str(r["name"]): StoredFailure(
                name=str(r["name"]),
                notification_id=int(r["notification_id"]),
                error=str(r["error"]),
                attempts=int(r["attempts"]),
                first_failed_at=_as_datetime(r["first_failed_at"]),
                last_failed_at=_as_datetime(r["last_failed_at"]),
            )
            for r in rows
        }

    @abstractmethod
    def arm(self) -> None:
        """Forget earlier wake-ups: call before reading, so a commit after it is not missed."""

    @abstractmethod
    async def wait_for_events(self, timeout: float) -> None:
        """Return when new events may have been committed since `arm()`, or after `timeout`."""

    @abstractmethod
    def nudge(self) -> None:
        """Someone waits for an event not yet projected: look for new events now."""

    @property
    def changes(self) -> access_changes.ViewChanges:
        """Who in this process hears of commits to the access tables (projections/changes.py)."""
        found = self.__dict__.get("_changes")
        if found is None:
            found = self.__dict__["_changes"] = access_changes.ViewChanges()
        return found

    def hears_other_processes(self) -> bool:
        """Whether changes committed by other processes reach `changes` (NOTIFY)."""
        return False

    async def access_changes_sent(self) -> None:
        """Return once the access changes committed so far have been sent to every other
        process (PostgreSQL: a NOTIFY barrier, projections/changes.py); at once here."""
        return

    def stored_id(self, originator_id: UUID) -> Any:
        """An aggregate id as the event table holds it."""
        return originator_id

    async def notification_ids(self, originator_id: UUID) -> dict[int, int]:
        """The notification id of each stored event of one aggregate, by its version."""
        rows = await self.fetch(
            f"SELECT originator_version, {self.notification_column} AS notification_id"
            f" FROM {self.events_table} WHERE originator_id = ?",
            self.stored_id(originator_id),
        )
        return {int(r["originator_version"]): int(r["notification_id"]) for r in rows}

    async def tracking(self) -> dict[str, Tracking]:
        rows = await self.fetch("SELECT name, position, version FROM projection_tracking")
        return {
            row["name"]: Tracking(row["name"], int(row["position"]), int(row["version"]))
            for row in rows
        }


def _contiguous(
    after: int, rows: Sequence[StoredNotification], settled_up_to: int
) -> list[StoredNotification]:
    """The rows up to the first gap in the ids that is not known to be permanent."""
    expected = after + 1
    for index, row in enumerate(rows):
        if row.id != expected and row.id - 1 > settled_up_to:  # a missing id may still commit
            return list(rows[:index])
        expected = row.id + 1
    return list(rows)


class CopyBlock(NamedTuple):
    """Rows to add to a table, with all its columns, in one COPY (or one executemany): what
    a rebuild's fold writes (projections/fold.py). It is an action beside statements, and
    like them its first item is its SQL (the plain INSERT each row means), which names its
    table for `independent_queues`."""

    sql: str
    rows: list[tuple[Any, ...]]
    table: str
    columns: tuple[str, ...]


Action = Statement | CopyBlock
"""What a rebuild writes: a statement, or a `CopyBlock`."""


def _group(statements: Sequence[Action]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Consecutive statements with the same SQL become one executemany, order kept (a
    `CopyBlock`'s rows are a group of their own)."""
    groups: list[tuple[str, list[tuple[Any, ...]]]] = []
    for statement in statements:
        if isinstance(statement, CopyBlock):
            groups.append((statement.sql, list(statement.rows)))
            continue
        sql, params = statement
        if groups and groups[-1][0] == sql:
            groups[-1][1].append(params)
        else:
            groups.append((sql, [params]))
    return groups


_TABLES = re.compile(r"\b(?:INTO|UPDATE|FROM|JOIN)\s+(\w+)")
_PLAIN_INSERT = re.compile(r"INSERT INTO (\w+) \(([\w, ]+)\) VALUES \(([?, ]+)\)")
COPY_MIN_ROWS = 2


INDEX_DDL = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)\s+ON\s+(\w+)", re.IGNORECASE)
"""A CREATE INDEX statement: (index name, table)."""


def _index_table(sql: str) -> str | None:
    match = INDEX_DDL.match(sql)
    return match.group(2) if match else None


@cache
def statement_tables(sql: str) -> tuple[str, ...]:
    """The tables a statement reads or writes."""
    return tuple(dict.fromkeys(_TABLES.findall(sql)))


@cache
def _plain_insert(sql: str) -> tuple[str, tuple[str, ...]] | None:
    """(table, columns) of `INSERT INTO t (a, b) VALUES (?, ?)`, which COPY can do; else None."""
    match = _PLAIN_INSERT.fullmatch(sql)
    if match is None:
        return None
    columns = tuple(c.strip() for c in match.group(2).split(","))
    return (match.group(1), columns) if match.group(3).count("?") == len(columns) else None


def _group_by_table(statements: Sequence[Statement]) -> list[tuple[str, list[tuple[Any, ...]]]]:
    """Like `_group`, but the statements of independent tables one table after the other.

    Statements that touch disjoint sets of tables commute, so a batch can be written
    table by table: a statement keeps its place only among those that share a table
    with it (`independent_queues`). Runs of the same SQL then grow from one row to
    hundreds (one COPY or one pipelined executemany each).
    """
    segments = independent_queues(statements)
    return [group for queues in segments for queue in queues for group in _group(queue)]


def independent_queues(statements: Sequence[Statement]) -> list[list[list[Statement]]]:
    """The statements in queues that touch disjoint sets of tables, each queue in its
    statements' order: any order of running the queues, or running them side by side,
    has the effect of the statements in their order. A statement touching several tables
    joins their queues into one (the queues' pending statements are independent of each
    other, so one after the other is as good as interleaved). A statement naming no table
    is a barrier: the result is a list of such segments, to run one after the other."""
    segments: list[list[list[Statement]]] = []
    queue_of: dict[str, list[Statement]] = {}  # table -> its (possibly shared) queue
    queues: list[list[Statement]] = []  # in order of creation, merged ones emptied

    def flush() -> None:
        if queues:
            segments.append([q for q in queues if q])
        queues.clear()
        queue_of.clear()

    for statement in statements:
        tables = statement_tables(statement[0])
        if not tables:
            flush()
            segments.append([[statement]])
            continue
        joined: list[Statement] | None = None
        for table in tables:
            queue = queue_of.get(table)
            if queue is None or queue is joined:
                continue
            if joined is None:
                joined = queue
            else:  # two queues meet: one continues with both histories
                joined.extend(queue)
                queue.clear()
                for name, other in queue_of.items():
                    if other is queue:
                        queue_of[name] = joined
        if joined is None:
            joined = []
            queues.append(joined)
        joined.append(statement)
        for table in tables:
            queue_of[table] = joined
    flush()
    return segments


DATABASE_UNREACHABLE: tuple[type[Exception], ...] = (
    # connection lost or refused, server shutting down or starting, too many connections
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
)
"""The read store's "the database cannot be reached now", not "a bug" (the API: 503)."""

# Connections a rebuild writes the shadow with, side by side; a COPY's own cost in
# PostgreSQL is worth it from about this many rows (fewer: one executemany).
_SHADOW_LANES = 4
_SHADOW_COPY_MIN = 64

SHADOW_SCHEMA = "tvaers_rebuild"

REBUILD_LOCK_KEY = 0x7476_6165_7273_0002
"""The advisory lock a rebuild holds on PostgreSQL: "tvaers" then 0x0002 (the projector's
election uses 0x0001, projections/leader.py)."""

HELPERS_LOCK_KEY = 0x7476_6165_7273_0003
"""Held shared by each transaction of a rebuild's helper process (projections/parallel.py),
and exclusively by a rebuild while it creates its shadow: a helper whose rebuild has
died never writes into the next rebuild's tables."""


class RebuildInProgress(RuntimeError):
    """Another rebuild of the views is running on the same database."""


class RebuildAbandoned(RuntimeError):
    """The rebuild this helper process works for holds its lock no more (it died)."""


_AUTOVACUUM_OPTIONS = "autovacuum_enabled, toast.autovacuum_enabled"
_NO_AUTOVACUUM = "autovacuum_enabled = false, toast.autovacuum_enabled = false"
"""A shadow table's storage parameters while it is built (`begin_rebuild`)."""


async def _guard(conn: Any, rebuild_pid: int) -> None:
    """In a helper's transaction: hold the helpers' lock (shared) and check that the
    rebuild it works for (its lock connection's backend `rebuild_pid`) still holds the
    rebuild lock; else `RebuildAbandoned`. While the transaction lasts, no new rebuild
    can drop or create the shadow."""
    alive = await conn.fetchval(
        "SELECT pg_advisory_xact_lock_shared($1::bigint) IS NOT NULL AND EXISTS (SELECT 1"
        " FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $2"
        " AND classid::bigint = $3 AND objid::bigint = $4 AND objsubid = 1)",
        HELPERS_LOCK_KEY,
        rebuild_pid,
        REBUILD_LOCK_KEY >> 32,
        REBUILD_LOCK_KEY & 0xFFFF_FFFF,
    )
    if not alive:
        raise RebuildAbandoned("The rebuild this process helped has stopped; nothing written.")


"""Where `tvaers project rebuild` builds the views on PostgreSQL before switching."""

# The connection was lost, the server is shutting down or out of resources, a transaction
# lost a race: errors of the moment, not of a statement.
_PG_TRANSIENT = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.TransactionRollbackError,
    PositionsMoved,  # another runner's write: reload the positions, then go on
)


async def _keep_session(conn: asyncpg.Connection) -> None:
    """The pool's reset on release: none. asyncpg's default sends `RESET ALL; UNLISTEN *;
    CLOSE ALL; pg_advisory_unlock_all()` each time a connection goes back (a round trip
    per query); the pool's connections keep no session state (no SET, LISTEN, cursors or
    advisory locks: those live on connections of their own). An open transaction is
    still rolled back by asyncpg itself."""


def write_sqlite(conn: sqlite3.Connection, statements: Sequence[Any]) -> None:
    """A batch's statements on a SQLite connection: grouped by table, one executemany per
    run of the same statement (a `CopyBlock`: one executemany of its rows)."""
    for sql, rows in _group_by_table(statements):
        conn.executemany(sql, [tuple(map(_sqlite_param, row)) for row in rows])


async def _write_statements(
    conn: asyncpg.pool.PoolConnectionProxy[Any],
    statements: Sequence[Statement],
    copy_min: int = COPY_MIN_ROWS,
) -> None:
    """A batch's statements on `conn`: grouped by table, runs of `copy_min` or more plain
    inserts by COPY."""
    for sql, rows in _group_by_table(statements):
        plain = _plain_insert(sql) if len(rows) >= copy_min else None
        if plain is not None and len(rows) >= _AS_THEY_ARE_ROWS:
            # A large block goes as it is: almost no value needs converting (`_pg_row`),
            # and looking costs as much as sending. If PostgreSQL or asyncpg refuses a
            # value (a NUL in a text, an enumeration asyncpg cannot encode), the block
            # is sent again converted, after its savepoint is rolled back.
            with contextlib.suppress(asyncpg.DataError, TypeError):
                async with conn.transaction():
                    await conn.copy_records_to_table(plain[0], records=rows, columns=plain[1])
                continue
        converted = [_pg_row(row) for row in rows]
        if plain is not None:
            table, columns = plain
            await conn.copy_records_to_table(table, records=converted, columns=columns)
        elif len(converted) == 1:
            await conn.execute(_to_dollar(sql), *converted[0])
        else:
            await conn.executemany(_to_dollar(sql), converted)


def _weight(queue: Sequence[Any]) -> int:
    """How much writing a queue of actions is: its statements and its blocks' rows."""
    return sum(len(a.rows) if type(a) is CopyBlock else 1 for a in queue)


async def _init_connection(conn: asyncpg.Connection) -> None:
    """jsonb parameters pass through `safe_json` (by the column's type, so text is untouched)."""
    await conn.set_type_codec(
        "jsonb",
        encoder=_jsonb_encode,
        decoder=_jsonb_decode,
        schema="pg_catalog",
        format="binary",
    )


class PostgresReadStore(ReadStore):
    """asyncpg pool for queries and batches; LISTEN on the event table's channel to wake up."""

    dialect: Dialect = "postgresql"
    notification_column = "notification_id"

    def __init__(
        self,
        dsn: str,
        *,
        events_table: str = "tvaers_events",
        pool_size: int = 5,
        server_settings: dict[str, str] | None = None,
    ):
        self.dsn = dsn
        # JIT compilation costs 10-20 ms whenever the planner's estimate crosses its
        # threshold, which small statements over fresh tables (no statistics yet) do.
        # The views' statements and queries are short: JIT only ever adds latency.
        self.server_settings = {"jit": "off", **(server_settings or {})}
        self.events_table = events_table
        self.channel = events_table.replace(".", "_")
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None
        self.listening: set[str] = set()
        """The channels this store's listener connection hears."""
        self._wake = asyncio.Event()
        self._settled_up_to = 0  # every gap at or below this id is a rolled-back insert
        self._events_table_seen = False
        self._shadow: asyncpg.Pool | None = None
        self._rebuild_lock: asyncpg.Connection | None = None
        self._live_schema = "public"
        # In a rebuild's helper process: the backend pid of the rebuild's lock connection,
        # checked in each transaction that writes the shadow (`_guard`).
        self.guard_pid: int | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("The read store is not open.")
        return self._pool

    async def open(self, *, events: bool = True) -> None:
        self._pool = await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=self.pool_size,
            command_timeout=60,
            server_settings=self.server_settings,
            init=_init_connection,
            reset=_keep_session,
        )
        self._listener = await asyncpg.connect(self.dsn, server_settings=self.server_settings)
        if events:
            await self._listener.add_listener(self.channel, self._on_notify)
            self.listening.add(self.channel)
        # Access changes by any process (projections/changes.py); a lost connection may
        # have missed some: everyone hearing `changes` is told all may have changed.
        await self._listener.add_listener(self.changes_channel, self._on_access_change)
        self.listening.add(self.changes_channel)
        self._listener.add_termination_listener(self._on_listener_lost)

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    @property
    def changes_channel(self) -> str:
        return access_changes.channel(self.events_table)

    def _on_access_change(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        self.changes.heard(str(payload))

    async def access_changes_sent(self) -> None:
        if self.hears_other_processes():
            await self.changes.barrier(
                lambda payload: self.pool.execute(
                    "SELECT pg_notify($1, $2)", self.changes_channel, payload
                )
            )

    def _on_listener_lost(self, *_: Any) -> None:
        self.changes.changed(access_changes.WATCHED_TABLES)

    def hears_other_processes(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    async def close(self) -> None:
        await self._close_shadow()
        await self._release_rebuild_lock()
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
            self.listening.clear()
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(_to_dollar(sql), *map(_pg_param, params))
        return [dict(row) for row in rows]

    async def _events_table_exists(self, conn: Any) -> bool:
        if self._events_table_seen:  # the application creates it once and never drops it
            return True
        found = bool(await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", self.events_table))
        self._events_table_seen = found
        return found

    async def head(self) -> int:
        async with self.pool.acquire() as conn:
            if not await self._events_table_exists(conn):
                return 0
            value = await conn.fetchval(f"SELECT max(notification_id) FROM {self.events_table}")
            return int(value or 0)

    async def read_notifications(
        self, after: int, limit: int, topics: Sequence[str] | None = None
    ) -> list[StoredNotification]:
        """The next notifications after `after`, never past an id that may still commit.

        With the library's insert function (POSTGRES_ENABLE_DB_FUNCTIONS) ids are taken
        before commit and transactions commit in any order: id 7 can be visible while 6
        is still in flight. Reading past such a gap would skip 6 for good. So the log is
        read only up to the first gap not yet known to be permanent (a rolled-back
        insert); a gap is known permanent once every transaction in flight when it was
        seen has finished. With `topics` (a filtered read of old history) no gap check.
        """
        if topics is None:
            # Usually the next rows follow on without a gap: then one statement is enough.
            rows = await self._read_rows(after, limit)
            if len(_contiguous(after, rows, self._settled_up_to)) == len(rows):
                return rows
        while True:
            rows, head, in_flight = await self._read(after, limit, topics)
            if topics is not None:
                return rows
            prefix = _contiguous(after, rows, self._settled_up_to)
            if len(prefix) == len(rows) or prefix:
                return prefix
            # A gap right after `after`: wait for the writers that may still fill it.
            await self._settle(in_flight)
            self._settled_up_to = max(self._settled_up_to, head)

    def _select(self, topics: Sequence[str] | None) -> str:
        """The next rows of the log after $1, at most $2 (of the topics $3 if given)."""
        return (
            "SELECT notification_id, originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE notification_id > $1 "
            + ("AND topic = ANY($3::text[]) " if topics is not None else "")
            + "ORDER BY notification_id LIMIT $2"
        )

    async def _read_rows(self, after: int, limit: int) -> list[StoredNotification]:
        async with self.pool.acquire() as conn:
            if not await self._events_table_exists(conn):
                return []
            rows = await conn.fetch(self._select(None), after, limit)
        return list(map(StoredNotification._make, rows))

    async def _read(
        self, after: int, limit: int, topics: Sequence[str] | None
    ) -> tuple[list[StoredNotification], int, list[str]]:
        sql = self._select(topics)
        params: list[Any] = [after, limit]
        if topics is not None:
            params.append(list(topics))
        async with self.pool.acquire() as conn:
            if not await self._events_table_exists(conn):
                return [], 0, []
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                rows = await conn.fetch(sql, *params)
                head = await conn.fetchval(
                    f"SELECT coalesce(max(notification_id), 0) FROM {self.events_table}"
                )
                in_flight = await conn.fetchval(
                    "SELECT coalesce(array_agg(x::text), '{}') FROM"
                    " pg_snapshot_xip(pg_current_snapshot()) AS x"
                )
        notifications = list(map(StoredNotification._make, rows))
        return notifications, int(head), list(in_flight)

    async def _settle(self, in_flight: Sequence[str], timeout: float = 30.0) -> None:
        """Wait until those transactions have ended (committed or rolled back)."""
        await asyncio.sleep(0.02)  # an insert may hold an id a moment before its xid exists
        deadline = time.monotonic() + timeout
        while in_flight and time.monotonic() < deadline:
            running = await self.pool.fetchval(
                "SELECT count(*) FROM unnest($1::text[]) AS x"
                " WHERE pg_xact_status(x::xid8) = 'in progress'",
                list(in_flight),
            )
            if not running:
                return
            await asyncio.sleep(0.005)

    async def apply(
        self,
        statements: Sequence[Statement],
        positions: Mapping[str, int],
        previous: Mapping[str, int] | None = None,
    ) -> None:
        now = datetime.now(UTC)
        touched = access_changes.watched_in(statements)
        async with self.pool.acquire() as conn, conn.transaction():
            if previous is not None and positions:  # the fence: rows locked, in name order
                # A writer paused mid-batch must not hold these rows for ever (ADR 0026).
                await _hold_for_the_lease(conn)
                held = await conn.fetch(
                    "SELECT name, position FROM projection_tracking"
                    " WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE",
                    list(positions),
                )
                moved = _moved(previous, positions, {r[0]: int(r[1]) for r in held})
                if moved:
                    raise PositionsMoved(moved)
            await _write_statements(conn, statements)
            if positions:
                await conn.execute(
                    "UPDATE projection_tracking SET position = v.position, updated_at = $3"
                    " FROM unnest($1::text[], $2::bigint[]) AS v(name, position)"
                    " WHERE projection_tracking.name = v.name",
                    list(positions),
                    list(positions.values()),
                    now,
                )
            if touched:  # delivered to every process when (and only when) this commits
                await conn.execute(
                    "SELECT pg_notify($1, $2)",
                    self.changes_channel,
                    access_changes.encode(self.changes.origin, touched),
                )
        self.changes.changed(touched)

    async def execute_script(self, statements: Iterable[str]) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            # DDL takes its tables' ACCESS EXCLUSIVE locks: a process frozen in the middle
            # must not stop the reads of those views for longer than the lease.
            await _hold_for_the_lease(conn)
            for sql in statements:
                await conn.execute(sql)

    async def execute(self, sql: str, *params: Any) -> None:
        await self.pool.execute(_to_dollar(sql), *map(_pg_param, params))

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, _PG_TRANSIENT) or (
            isinstance(error, RuntimeError) and self._pool is None
        )

    def _is_missing_table(self, error: BaseException) -> bool:
        return isinstance(error, asyncpg.UndefinedTableError)

    async def open_shadow(self, *, create: bool = True) -> None:
        """Connections to the shadow schema, created first (`create`), or as it is (a
        rebuild's helper process)."""
        if create:
            await self.discard_shadow()
        async with self.pool.acquire() as conn:
            self._live_schema = str(await conn.fetchval("SELECT current_schema()"))
            search_path = str(await conn.fetchval("SHOW search_path"))
            if create:
                await conn.execute(f"CREATE SCHEMA {SHADOW_SCHEMA}")
        self._shadow = await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=_SHADOW_LANES,
            command_timeout=None,
            server_settings={
                **self.server_settings,
                "search_path": f"{SHADOW_SCHEMA}, {search_path}",
            },
            init=_init_connection,
        )

    def shadow_ddl(self, sql: str) -> str:
        return qualify_ddl(sql, SHADOW_SCHEMA, index_names=False)

    async def switch_shadow(
        self, tables: Sequence[str], create: Sequence[str], names: Sequence[str]
    ) -> None:
        await self._close_shadow()
        live = self._live_schema
        async with self.pool.acquire() as conn, conn.transaction():
            # From its first DROP to its commit the switch holds the views' ACCESS EXCLUSIVE
            # locks and every read of them waits: a rebuild frozen in between (Ctrl-Z, a
            # paused VM) must not stop the reads for longer than the lease. The server ends
            # it and the switch is rolled back (the views stay as they were).
            await _hold_for_the_lease(conn)
            # The live tables first in a mode readers and writers pass (SHARE UPDATE
            # EXCLUSIVE): a vacuum of one is cancelled (after deadlock_timeout, 1 s) while
            # the reads go on; had the DROP below queued behind the vacuum, the reads would
            # have queued behind the DROP (a read of 2 s, seen in the bench).
            present = await conn.fetch(
                "SELECT t FROM unnest($1::text[]) AS t"
                " WHERE to_regclass($2 || '.' || t) IS NOT NULL",
                list(tables),
                live,
            )
            if present:
                names_present = ", ".join(f"{live}.{row['t']}" for row in present)
                await conn.execute(f"LOCK TABLE {names_present} IN SHARE UPDATE EXCLUSIVE MODE")
            # The tracking rows, in name order, as a runner's fenced batch takes them
            # before it touches a view (ADR 0026): a batch in flight finishes before the
            # tables are dropped, and a later one waits here, then finds its positions
            # moved. Taking the tables first in a mode a batch's writes conflict with would
            # deadlock with such a batch (SHARE UPDATE EXCLUSIVE does not: no batch takes
            # more than ROW EXCLUSIVE).
            await conn.execute(
                f"SELECT 1 FROM {live}.projection_tracking WHERE name = ANY($1::text[])"
                " ORDER BY name FOR UPDATE",
                list(names),
            )
            for table in reversed(tables):
                await conn.execute(f"DROP TABLE IF EXISTS {live}.{table}")
            for table in tables:  # with its indexes: no rows are copied
                await conn.execute(f"ALTER TABLE {SHADOW_SCHEMA}.{table} SET SCHEMA {live}")
                await conn.execute(f"ALTER TABLE {live}.{table} RESET ({_AUTOVACUUM_OPTIONS})")
            await conn.execute(
                f"INSERT INTO {live}.projection_tracking (name, position, version, updated_at)"
                f" SELECT name, position, version, now() FROM {SHADOW_SCHEMA}.projection_tracking"
                " WHERE name = ANY($1::text[]) ON CONFLICT (name) DO UPDATE SET"
                " position = EXCLUDED.position, version = EXCLUDED.version,"
                " updated_at = EXCLUDED.updated_at",
                list(names),
            )
            await conn.execute(
                f"DELETE FROM {live}.projection_failures WHERE name = ANY($1::text[])", list(names)
            )
            await conn.execute(f"DROP SCHEMA {SHADOW_SCHEMA} CASCADE")
            if swapped := access_changes.watched_among(tables):
                await conn.execute(
                    "SELECT pg_notify($1, $2)",
                    self.changes_channel,
                    access_changes.encode(self.changes.origin, swapped),
                )
        self.changes.changed(access_changes.watched_among(tables))
        # Statements prepared against the dropped tables: new connections prepare afresh.
        await self.pool.expire_connections()

    async def discard_shadow(self) -> None:
        await self._close_shadow()
        await self.pool.execute(f"DROP SCHEMA IF EXISTS {SHADOW_SCHEMA} CASCADE")

    async def _close_shadow(self) -> None:
        if self._shadow is not None:
            shadow, self._shadow = self._shadow, None
            await shadow.close()

    def nudge(self) -> None:
        pass  # NOTIFY wakes the runner when a write commits

    def arm(self) -> None:
        self._wake.clear()

    async def wait_for_events(self, timeout: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    # -- the rebuild's shadow (projections/rebuild.py ShadowTarget, ADR 0024) ----------------

    async def begin_rebuild(self, tables: Sequence[str]) -> None:
        """The new tables (rendered CREATE TABLE statements) in the shadow schema (a
        leftover shadow of a killed rebuild is dropped first). One rebuild at a time per
        database: a second one is refused (`RebuildInProgress`) rather than dropping the
        first one's shadow."""
        lock = await asyncpg.connect(self.dsn, server_settings=self.server_settings)
        if not await lock.fetchval("SELECT pg_try_advisory_lock($1)", REBUILD_LOCK_KEY):
            await lock.close()
            raise RebuildInProgress(
                "Another rebuild of the views is running on this database; the views are "
                "unchanged. Try again when it has finished (tvaers project status)."
            )
        self._rebuild_lock = lock  # held until the switch or the abandon; a kill frees it
        # A helper of a rebuild that died may still be in a transaction: it finishes
        # (into the tables dropped next), and none starts meanwhile.
        await lock.execute("SELECT pg_advisory_lock($1)", HELPERS_LOCK_KEY)
        try:
            await self.open_shadow()
            statements = [self.shadow_ddl(render_ddl(TRACKING_DDL, self.dialect))]
            statements += [self.shadow_ddl(sql) for sql in tables]
            await self.execute_script(statements)
            # No autovacuum on the shadow's tables while they are built: a vacuum of a
            # freshly copied table held the switch's locks up by deadlock_timeout (1 s) a
            # table, and the reads queued behind the switch with them (2.0 s, twice in the
            # bench). The switch turns it on again.
            names = await self.pool.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = $1", SHADOW_SCHEMA
            )
            await self.execute_script(
                [
                    f"ALTER TABLE {SHADOW_SCHEMA}.{row['tablename']} SET ({_NO_AUTOVACUUM})"
                    for row in names
                ]
            )
        finally:
            await lock.execute("SELECT pg_advisory_unlock($1)", HELPERS_LOCK_KEY)

    async def rebuild_pid(self) -> int:
        """The backend pid of the connection holding this rebuild's lock (for `_guard`)."""
        if self._rebuild_lock is None:
            raise RuntimeError("No rebuild is in progress.")
        return int(await self._rebuild_lock.fetchval("SELECT pg_backend_pid()"))

    def _shadow_pool(self) -> asyncpg.Pool:
        if self._shadow is None:
            raise RuntimeError("No rebuild is in progress.")
        return self._shadow

    async def shadow_script(self, statements: Sequence[str]) -> None:
        """DDL in the shadow (e.g. an index a rebuild's statements need), one transaction."""
        async with self._shadow_pool().acquire() as conn, conn.transaction():
            if self.guard_pid is not None:
                await _guard(conn, self.guard_pid)
            for sql in statements:
                await conn.execute(sql)

    async def apply_shadow(self, actions: Sequence[Any]) -> None:
        """A rebuild's batch (statements and `CopyBlock`s) into the shadow's tables (no
        positions: they are written once, by `finish_rebuild`). The batch's independent
        queues (`independent_queues`) run side by side on the shadow's connections, so that
        PostgreSQL works on several at once; each connection's transaction commits only
        once every one has succeeded (else all roll back), so a failed batch leaves nothing
        behind."""
        pool = self._shadow_pool()
        for queues in independent_queues(actions):
            lanes: list[list[Any]] = [[] for _ in range(min(len(queues), _SHADOW_LANES))]
            for queue in sorted(queues, key=_weight, reverse=True):  # the heaviest first
                min(lanes, key=_weight).extend(queue)
            async with contextlib.AsyncExitStack() as stack:
                connections = [await stack.enter_async_context(pool.acquire()) for _ in lanes]
                transactions = [conn.transaction() for conn in connections]
                for transaction in transactions:
                    await transaction.start()
                if self.guard_pid is not None:
                    try:
                        for conn in connections:
                            await _guard(conn, self.guard_pid)
                    except BaseException:
                        for transaction in transactions:
                            with contextlib.suppress(Exception):
                                await transaction.rollback()
                        raise
                writing = zip(connections, lanes, strict=True)
                outcomes = await asyncio.gather(
                    *(_write_statements(conn, lane, _SHADOW_COPY_MIN) for conn, lane in writing),
                    return_exceptions=True,
                )
                failed = [o for o in outcomes if isinstance(o, BaseException)]
                if failed:
                    for transaction in transactions:
                        with contextlib.suppress(Exception):  # a lost connection: gone anyway
                            await transaction.rollback()
                    raise failed[0]
                for transaction in transactions:
                    await transaction.commit()

    async def complete_rebuild(
        self, projections: Sequence[Projection], keys: Sequence[str], indexes: Sequence[str]
    ) -> None:
        """Add the shadow's remaining `keys` and build its remaining `indexes`, on two
        connections side by side."""
        pool = self._shadow_pool()
        tables = [t for p in projections for t in p.tables]

        def table_of(sql: str) -> str:
            named = _index_table(sql) or sql.split()[2]  # CREATE INDEX … ON t / ALTER TABLE t
            return named if named in tables else tables[0]

        async def build(statements: Sequence[str]) -> None:
            async with pool.acquire() as conn:
                # Sorting a million keys in memory rather than on disk.
                await conn.execute("SET maintenance_work_mem = '256MB'")
                for sql in statements:
                    if self.guard_pid is None:
                        await conn.execute(sql)
                        continue
                    async with conn.transaction():
                        await _guard(conn, self.guard_pid)
                        await conn.execute(sql)

        began = time.monotonic()
        # Table by table in the catalogue's order, each statement to the two connections in
        # turn (a table's keys and indexes are built side by side).
        ordered = sorted([*keys, *indexes], key=lambda sql: tables.index(table_of(sql)))
        # No ANALYZE here: autovacuum analyses the new tables within its next round (they
        # are far past its threshold), and the views' queries use their indexes by
        # equality meanwhile; analysing the audit log alone took seconds per million rows.
        await asyncio.gather(build(ordered[0::2]), build(ordered[1::2]))
        _log.info("rebuild: indexes built", seconds=round(time.monotonic() - began, 2))

    async def finish_rebuild(self, projections: Sequence[Projection], position: int) -> None:
        """Record `position` for the shadow's projections and switch them in."""
        async with self._shadow_pool().acquire() as conn:
            await conn.executemany(
                f"INSERT INTO {SHADOW_SCHEMA}.projection_tracking"
                " (name, position, version, updated_at) VALUES ($1, $2, $3, now())",
                [(p.name, position, p.version) for p in projections],
            )
        await self.switch_shadow(
            [t for p in projections for t in p.tables],
            [sql for p in projections for sql in p.create_statements(self.dialect)],
            [p.name for p in projections],
        )
        await self._release_rebuild_lock()

    async def abandon_rebuild(self) -> None:
        if self._rebuild_lock is None:
            return  # refused at the start: the other rebuild's shadow is not ours to drop
        try:
            await self.discard_shadow()
        finally:
            await self._release_rebuild_lock()

    async def _release_rebuild_lock(self) -> None:
        if self._rebuild_lock is not None:
            lock, self._rebuild_lock = self._rebuild_lock, None
            with contextlib.suppress(Exception):  # a lost connection has released it
                await lock.close()


class SQLiteReadStore(ReadStore):
    """The views in the same SQLite file as the events; one connection, used from a thread."""

    dialect: Dialect = "sqlite"
    notification_column = "rowid"  # the library's SQLite table: the rowid is the id

    def stored_id(self, originator_id: UUID) -> Any:
        return originator_id.hex  # as the library's SQLite recorder writes it

    def __init__(self, path: Path | str, *, events_table: str = "stored_events"):
        self.path = str(path)
        self.events_table = events_table
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        # Set by `nudge`: a reader waits for a write this process made (read-your-writes),
        # so the runner looks now instead of at its next poll.
        self._wake = asyncio.Event()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    async def open(self, *, events: bool = True) -> None:
        del events  # SQLite has no notifications: a follower polls (`wait_for_events`)
        self._conn = await asyncio.to_thread(self._connect)

    async def close(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            await asyncio.to_thread(conn.close)

    def _run(self, work: Any) -> Any:
        if self._conn is None:
            raise RuntimeError("The read store is not open.")
        with self._lock:
            return work(self._conn)

    async def _call(self, work: Any) -> Any:
        return await asyncio.to_thread(self._run, work)

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        args = tuple(map(_sqlite_param, params))

        def work(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            return [dict(row) for row in conn.execute(sql, args).fetchall()]

        result: list[dict[str, Any]] = await self._call(work)
        return result

    def _events_table_exists(self, conn: sqlite3.Connection) -> bool:
        row = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (self.events_table,)
        ).fetchone()
        return row is not None

    async def head(self) -> int:
        def work(conn: sqlite3.Connection) -> int:
            if not self._events_table_exists(conn):
                return 0
            value = conn.execute(f"SELECT max(rowid) FROM {self.events_table}").fetchone()[0]
            return int(value or 0)

        result: int = await self._call(work)
        return result

    async def read_notifications(
        self, after: int, limit: int, topics: Sequence[str] | None = None
    ) -> list[StoredNotification]:
        sql = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.events_table} WHERE rowid > ? "
        )
        params: list[Any] = [after]
        if topics is not None:
            sql += f"AND topic IN ({','.join('?' * len(topics))}) "
            params.extend(topics)
        sql += "ORDER BY rowid LIMIT ?"
        params.append(limit)

        def work(conn: sqlite3.Connection) -> list[StoredNotification]:
            if not self._events_table_exists(conn):
                return []
            return [
                StoredNotification(r[0], UUID(r[1]), r[2], r[3], r[4])
                for r in conn.execute(sql, params).fetchall()
            ]

        result: list[StoredNotification] = await self._call(work)
        return result

    async def apply(
        self,
        statements: Sequence[Statement],
        positions: Mapping[str, int],
        previous: Mapping[str, int] | None = None,
    ) -> None:
        now = ts_text(datetime.now(UTC))
        marks = ", ".join("?" * len(positions))

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")  # the fence: the whole file is locked for writes
            try:
                if previous is not None and positions:
                    found = conn.execute(
                        f"SELECT name, position FROM projection_tracking WHERE name IN ({marks})",
                        tuple(positions),
                    ).fetchall()
                    moved = _moved(previous, positions, {r[0]: int(r[1]) for r in found})
                    if moved:
                        raise PositionsMoved(moved)
                write_sqlite(conn, statements)
                conn.executemany(
                    "UPDATE projection_tracking SET position = ?, updated_at = ? WHERE name = ?",
                    [(position, now, name) for name, position in positions.items()],
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._call(work)
        self.changes.changed(access_changes.watched_in(statements))  # after the commit

    async def execute_script(self, statements: Iterable[str]) -> None:
        script = list(statements)

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql in script:
                    conn.execute(sql)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

        await self._call(work)

    async def execute(self, sql: str, *params: Any) -> None:
        args = tuple(map(_sqlite_param, params))
        await self._call(lambda conn: conn.execute(sql, args))

    def is_transient(self, error: BaseException) -> bool:
        if isinstance(error, OSError | PositionsMoved):
            return True
        if isinstance(error, RuntimeError) and self._conn is None:
            return True
        message = str(error).lower()
        return isinstance(error, sqlite3.OperationalError) and any(
            word in message for word in ("locked", "busy", "disk i/o", "unable to open")
        )

    def _is_missing_table(self, error: BaseException) -> bool:
        return isinstance(error, sqlite3.OperationalError) and "no such table" in str(error)

    async def switch_in_file(
        self, path: str, projections: Sequence[Projection], position: int
    ) -> None:
        """Put the tables of the SQLite file `path` (a rebuild's scratch database) in place
        of the live ones, with `position`, in one transaction: readers see the old views
        until it commits (WAL), writers wait for it."""
        tables = [t for p in projections for t in p.tables]
        now = ts_text(datetime.now(UTC))
        marks = ", ".join("?" * len(projections))
        names = [p.name for p in projections]

        def work(conn: sqlite3.Connection) -> None:
            conn.execute("ATTACH DATABASE ? AS scratch", (path,))
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    for table in reversed(tables):
                        conn.execute(f"DROP TABLE IF EXISTS main.{table}")
                    for p in projections:
                        for sql in p.create_statements(self.dialect):
                            conn.execute(qualify_ddl(sql, "main"))
                    for table in tables:
                        conn.execute(f"INSERT INTO main.{table} SELECT * FROM scratch.{table}")
                    conn.executemany(
                        "INSERT INTO main.projection_tracking (name, position, version,"
                        " updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET"
                        " position = excluded.position, version = excluded.version,"
                        " updated_at = excluded.updated_at",
                        [(p.name, position, p.version, now) for p in projections],
                    )
                    conn.execute(
                        f"DELETE FROM main.projection_failures WHERE name IN ({marks})", names
                    )
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                conn.execute("DETACH DATABASE scratch")

        await self._call(work)
        # Whole tables replaced: the API's principal cache hears it (projections/changes.py).
        self.changes.changed(access_changes.watched_among(tables))

    def arm(self) -> None:
        self._wake.clear()

    def nudge(self) -> None:
        self._wake.set()

    async def wait_for_events(self, timeout: float) -> None:
        # SQLite has no notifications: poll briefly (another process may write), or sooner
        # when a reader of this process waits for its own write.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), min(timeout, 0.05))
