"""The rebuild's fold: the projections' own statements run over the whole log in a scratch
SQLite database, where many changes to one row become its one final row; the final rows
are then copied into the new views in bulk (ADR 0024).

The fold runs exactly the statements the live runner writes (the same pure handlers, the
same batch-end statements), only against a private scratch database instead of the
views: the two paths cannot drift apart in what they mean, and
tests/projections/test_rebuild_two_ways.py compares their tables row for row.

Tables a projection declares `append_only` (rows only ever inserted, never read, updated
or deleted by a statement) are not folded at all: their rows are handed on as they come
(`take_streamed`), so that the biggest table (the audit log, one row per event) is copied
into the new views while the fold goes on. Any other statement touching such a table is
refused (`FoldRefused`): the declaration cannot silently become false.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from projections.core import Projection
from projections.store import (
    Statement,
    _group_by_table,
    _plain_insert,
    _sqlite_param,
    statement_tables,
    ts_text,
)

# The scratch database's page cache: what the fold keeps in memory (the rest is in its
# file, i.e. the operating system's cache, not this process).
CACHE_KIB = 128 * 1024

_TABLE_NAMES = re.compile(r"\b(?:INTO|UPDATE|FROM|JOIN)\s+(\w+)")
_INDEX_ON = re.compile(r"^\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(\w+)\s+ON\s+(\w+)", re.IGNORECASE)
_PLAN_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\w+)")


class FoldRefused(RuntimeError):
    """A statement reads, changes or deletes rows of a table declared append-only."""


class FoldFailed(Exception):
    """A statement of projection `name` for event `notification_id` failed in the fold."""

    def __init__(self, name: str, notification_id: int, error: BaseException) -> None:
        super().__init__(name, notification_id, error)
        self.name = name
        self.notification_id = notification_id
        self.error = error


# Which projection and event gave a chunk's statements from which index on.
Owner = tuple[int, str, int]


# -- values for SQLite, exactly as the SQLite store writes them (`_sqlite_param`) ------------

_AS_IS = frozenset({int, float, bytes, bool, type(None)})
_UUID_TEXT: dict[int, str] = {}  # ids recur (partnerships, partners, persons): text once


def _uuid_text(value: UUID) -> str:
    text = _UUID_TEXT.get(value.int)
    if text is None:
        if len(_UUID_TEXT) > 1_000_000:
            _UUID_TEXT.clear()
        text = _UUID_TEXT[value.int] = str(value)
    return text


_CONVERT: dict[type, Any] = {
    UUID: _uuid_text,
    Decimal: str,
    datetime: ts_text,
    date: date.isoformat,
}


def sqlite_value(value: Any) -> Any:
    """`_sqlite_param(value)`, with the common types first (the fold converts millions)."""
    kind = type(value)
    if kind is str:
        return value if "\x00" not in value and "\\u" not in value else _sqlite_param(value)
    if kind in _AS_IS:
        return value
    convert = _CONVERT.get(kind)
    return convert(value) if convert is not None else _sqlite_param(value)


def sqlite_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple([sqlite_value(value) for value in row])


def _uuid_text_slow(value: UUID) -> str:
    return _uuid_text(value)


_LAST_TS: list[Any] = [None, ""]  # an event's statements repeat its timestamp object


def _ts_text(value: datetime) -> str:
    if value is _LAST_TS[0]:
        return _LAST_TS[1]  # type: ignore[no-any-return]
    text = ts_text(value)
    _LAST_TS[0], _LAST_TS[1] = value, text
    return text


def row_converter(sample: tuple[Any, ...]) -> Any:
    """`sqlite_row` made for rows shaped like `sample` (one statement's rows): each column
    is converted inline for the type it had in `sample`, and by `sqlite_value` whenever a
    row has another type there, so the result is always `sqlite_row`'s."""
    names: dict[str, Any] = {
        "_sv": sqlite_value,
        "_ut": _UUID_TEXT,
        "_us": _uuid_text_slow,
        "_U": UUID,
        "_ts": _ts_text,
        "_dt": datetime,
        "_d": date,
        "_asis": _AS_IS,
    }
    parts = []
    for i, value in enumerate(sample):
        v = f"r[{i}]"
        kind = type(value)
        if kind is str:
            parts.append(
                f"({v} if {v}.__class__ is str and '\\x00' not in {v}"
                f" and '\\\\u' not in {v} else _sv({v}))"
            )
        elif kind in _AS_IS:
            parts.append(f"({v} if {v}.__class__ in _asis else _sv({v}))")
        elif kind is UUID:
            parts.append(f"((_ut.get({v}.int) or _us({v})) if {v}.__class__ is _U else _sv({v}))")
        elif kind is datetime:
            parts.append(f"(_ts({v}) if {v}.__class__ is _dt else _sv({v}))")
        elif kind is date:
            parts.append(f"({v}.isoformat() if {v}.__class__ is _d else _sv({v}))")
        elif isinstance(value, Enum):
            names[f"_e{i}"] = kind
            parts.append(f"({v}._value_ if {v}.__class__ is _e{i} else _sv({v}))")
        else:
            parts.append(f"_sv({v})")
    body = ", ".join(parts) + ("," if len(parts) == 1 else "")
    return eval(f"lambda r: ({body})", names)  # noqa: S307 - code made here, from types only


# -- PostgreSQL's COPY text format, from the values SQLite gives back ------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text_line(row: Sequence[Any]) -> str:
    """One line of COPY's text format for a row read from the scratch database.

    SQLite holds every value as the text (or number) the SQLite store would store, and
    PostgreSQL parses that text by the column's type: a uuid, a date, a timestamp in
    UTC ("…Z"), a number, JSON.
    """
    parts = []
    for value in row:
        if value is None:
            parts.append("\\N")
        elif type(value) is str:
            parts.append(value.translate(_ESCAPES))
        elif type(value) is bytes:
            parts.append("\\\\x" + value.hex())
        else:
            parts.append(str(value))
    return "\t".join(parts) + "\n"


class Fold:
    """The scratch database of one rebuild, with the target projections' tables.

    `stream` (the PostgreSQL store): rows of append-only tables are handed on by
    `take_streamed` instead of being kept. Without it (the SQLite store, which copies the
    whole scratch database in one statement per table) they are kept like the others.
    """

    def __init__(
        self, projections: Sequence[Projection], *, stream: bool, directory: str | None = None
    ) -> None:
        self.projections = list(projections)
        self.stream = stream
        self.append_only = frozenset(t for p in projections for t in p.append_only)
        self.streamed = self.append_only if stream else frozenset()
        self._dir = tempfile.mkdtemp(prefix="tvaers-fold-", dir=directory)
        self.path = os.path.join(self._dir, "fold.sqlite3")
        # The projections have a few hundred distinct statements: keep them all prepared.
        self.conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, cached_statements=2048
        )
        for pragma in (
            "journal_mode=MEMORY",  # one chunk per transaction: rolled back to name a failure
            "synchronous=OFF",
            f"cache_size=-{CACHE_KIB}",
            "temp_store=MEMORY",
            "locking_mode=EXCLUSIVE",
        ):
            self.conn.execute(f"PRAGMA {pragma}")
        # The scratch tables get only the indexes the fold's own statements look rows up
        # by (found by asking SQLite's planner, `_index_for`), not those for the views'
        # queries: each index costs every insert. A probe database has them all.
        self._probe = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self._indexes: dict[str, str] = {}  # index name -> its CREATE statement
        for projection in self.projections:
            for sql in projection.create_statements("sqlite"):
                self._probe.execute(sql)
                index = _INDEX_ON.match(sql)
                if index is None:
                    self.conn.execute(sql)
                else:
                    self._indexes[index.group(2)] = sql
        self.tables = [t for p in self.projections for t in p.tables]
        # Per distinct statement: None (run here), or the (table, columns) it streams to.
        self._route: dict[str, tuple[str, tuple[str, ...]] | None] = {}
        self._pending: dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]] = {}
        self._pending_rows = 0
        self._converters: dict[str, Any] = {}  # per statement: its rows for SQLite
        self._filled: set[str] = set()  # streamed tables a statement here inserted into

    # -- statements ---------------------------------------------------------------------

    def _routing(self, sql: str) -> tuple[str, tuple[str, ...]] | None:
        route = self._route.get(sql, ())
        if route != ():
            return route  # type: ignore[return-value]
        route = None
        named = _TABLE_NAMES.findall(sql)
        guarded = [t for t in named if t in self.append_only]
        if guarded:
            plain = _plain_insert(sql)
            target = named[0] if sql.lstrip().upper().startswith("INSERT INTO") else None
            if plain is not None and plain[0] in self.append_only:
                route = plain if plain[0] in self.streamed else None
            elif target is None or guarded != [target]:
                raise FoldRefused(
                    f"{guarded[0]} is declared append-only, but a statement reads or changes"
                    f" it: {sql[:120]}"
                )
        if route is None and _plain_insert(sql) is None:
            self._index_for(sql)
        self._route[sql] = route
        return route

    def _index_for(self, sql: str) -> None:
        """Create in the scratch database the indexes SQLite would use for `sql` (a
        statement that looks rows up), if not there yet. Only speed depends on it."""
        params = (None,) * sql.count("?")
        try:
            plan = self._probe.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        except sqlite3.Error:
            return  # the statement itself will fail, and be named, when it runs
        for row in plan:
            for name in _PLAN_INDEX.findall(str(row[-1])):
                create = self._indexes.pop(name, None)
                if create is not None:
                    self.conn.execute(create)

    def apply(self, statements: Sequence[Statement], owners: Sequence[Owner] = ()) -> None:
        """Run a chunk's statements (batch-end ones included) in the scratch database, in
        one transaction. `owners` says which projection and event gave them (from which
        statement on: (index, projection name, notification id), in order): if the chunk
        fails, it is rolled back and run again statement by statement to name the one that
        fails (`FoldFailed`)."""
        here: list[Statement] = []
        for statement in statements:
            sql = statement[0]
            route = self._route.get(sql, ())
            if route == ():
                route = self._routing(sql)
            if route is None:
                here.append(statement)
            else:
                self._pending.setdefault(route, []).append(statement[1])  # type: ignore[arg-type]
                self._pending_rows += 1
        conn = self.conn
        conn.execute("BEGIN")
        try:
            for sql, rows in _group_by_table(here):
                if self.streamed:
                    for table in statement_tables(sql)[:1]:
                        if table in self.streamed:
                            self._filled.add(table)
                convert = self._converters.get(sql)
                if convert is None:
                    convert = self._converters[sql] = row_converter(rows[0])
                conn.executemany(sql, [convert(row) for row in rows])
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            self._isolate(statements, owners)
            raise
        conn.execute("COMMIT")

    def _isolate(self, statements: Sequence[Statement], owners: Sequence[Owner]) -> None:
        """Run the chunk again one statement at a time; raise `FoldFailed` at the first that
        fails, naming its projection and event. Leaves the scratch database unusable."""
        bounds = [*(start for start, _, _ in owners[1:]), len(statements)]
        self.conn.execute("BEGIN")
        for (start, name, notification_id), end in zip(owners, bounds, strict=True):
            for sql, params in statements[start:end]:
                if self._routing(sql) is not None:
                    continue
                try:
                    self.conn.execute(sql, sqlite_row(params))
                except sqlite3.Error as error:
                    self.conn.execute("ROLLBACK")
                    raise FoldFailed(name, notification_id, error) from error
        self.conn.execute("ROLLBACK")

    @property
    def pending_rows(self) -> int:
        return self._pending_rows

    def take_streamed(
        self,
    ) -> tuple[dict[tuple[str, tuple[str, ...]], list[tuple[Any, ...]]], dict[str, list[str]]]:
        """The rows of streamed tables since the last call: as the handlers gave them, per
        (table, columns); and those a batch-end statement inserted here, as COPY text lines
        per table (then deleted here)."""
        pending, self._pending, self._pending_rows = self._pending, {}, 0
        lines: dict[str, list[str]] = {}
        for table in sorted(self._filled):
            rows = self.conn.execute(f"SELECT * FROM {table}").fetchall()
            if rows:
                lines[table] = [copy_text_line(row) for row in rows]
                self.conn.execute(f"DELETE FROM {table}")
        self._filled.clear()
        return pending, lines

    # -- the result ---------------------------------------------------------------------

    def release(self) -> str:
        """Close the scratch database's connection (and its exclusive lock), so that
        another connection can read it; returns its path."""
        self.conn.close()
        return self.path

    def columns(self, table: str) -> list[str]:
        return [row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")]

    def count(self, table: str) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def copy_chunks(self, table: str, rows: int = 5_000) -> Iterator[bytes]:
        """The table's rows in COPY text format, `rows` lines at a time. SQLite writes the
        lines itself (`copy_text_line` in SQL): no value passes through Python."""
        line = " || char(9) || ".join(
            f"(CASE typeof({c}) WHEN 'null' THEN '\\N'"
            f" WHEN 'blob' THEN '\\\\x' || lower(hex({c}))"
            f" WHEN 'text' THEN replace(replace(replace(replace({c}, '\\', '\\\\'),"
            f" char(9), '\\t'), char(10), '\\n'), char(13), '\\r')"
            f" ELSE CAST({c} AS TEXT) END)"
            for c in (f'"{name}"' for name in self.columns(table))
        )
        cursor = self.conn.execute(f"SELECT {line} || char(10) FROM {table}")
        while True:
            lines = cursor.fetchmany(rows)
            if not lines:
                break
            yield "".join([row[0] for row in lines]).encode()

    def close(self) -> None:
        """Close and delete the scratch database."""
        try:
            self._probe.close()
            self.conn.close()  # closing twice is allowed
        finally:
            for name in os.listdir(self._dir):
                os.remove(os.path.join(self._dir, name))
            os.rmdir(self._dir)
