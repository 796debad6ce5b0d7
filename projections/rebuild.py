"""The rebuild: the projections' own statements run over the whole log into new tables
beside the live views, which are then switched in at once (ADR 0024).

The rebuild runs exactly the statements the live runner writes (the same pure handlers,
the same batch-end statements), only against new tables instead of the live views: the
two paths cannot drift apart in what they mean, and
tests/projections/test_rebuild_two_ways.py compares their tables row for row.

What makes it fast is what the new tables lack while they fill: the indexes for the
views' queries. Each new table has only the indexes the rebuild's own statements look
rows up by (`IndexPlanner` asks SQLite's planner); the others are built once, after the
last row. Where the statements run depends on the store:

- PostgreSQL (`ShadowTarget`): in the schema `tvaers_rebuild`, a batch per transaction,
  plain inserts by COPY, while the next batch is read and decoded; keys are added when a
  statement first needs one; then the remaining keys and indexes, and the switch
  (`ALTER TABLE … SET SCHEMA`, one transaction).
- SQLite (`ScratchTarget`): in a scratch SQLite file of their own (`ScratchDatabase`); then copied
  into the live database in one transaction.
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from collections.abc import Collection, Iterator, Sequence

from projections.core import Projection
from projections.fold import ActionOwner, StatementFailed
from projections.store import (
    INDEX_DDL,
    Action,
    CopyBlock,
    PostgresReadStore,
    ReadStore,
    RebuildAbandoned,
    SQLiteReadStore,
    Statement,
    _plain_insert,
    write_sqlite,
)

# The scratch database's page cache: what the SQLite rebuild keeps in memory (the rest is in its
# file, i.e. the operating system's cache, not this process).
CACHE_KIB = 128 * 1024

_PLAN_INDEX = re.compile(r"USING (?:COVERING )?INDEX (\w+)")


class IndexPlanner:
    """Which of the projections' indexes their statements look rows up by.

    A probe database (in memory, empty) has every table and index; for a statement that
    reads rows (an UPDATE, a DELETE, an INSERT … SELECT, an upsert), SQLite's planner
    says which indexes it would use. Only speed depends on the answer.
    """

    def __init__(self, projections: Sequence[Projection]) -> None:
        self._probe = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        self.indexes: dict[str, str] = {}  # name -> its table
        for projection in projections:
            for sql in projection.create_statements("sqlite"):
                self._probe.execute(sql)
                index = INDEX_DDL.match(sql)
                if index is not None:
                    self.indexes[index.group(1)] = index.group(2)
        self._asked: set[str] = set()
        self.chosen: set[str] = set()

    def new_indexes(self, statements: Sequence[Statement]) -> list[str]:
        """The indexes the statements' lookups need that were not needed before."""
        found: list[str] = []
        for sql in {sql for sql, _ in statements}:
            if sql in self._asked:
                continue
            self._asked.add(sql)
            if _plain_insert(sql) is not None:
                continue  # looks nothing up
            try:
                plan = self._probe.execute(
                    f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?")
                ).fetchall()
            except sqlite3.Error:
                continue  # the statement itself fails, and is named, when it runs
            for row in plan:
                for name in _PLAN_INDEX.findall(str(row[-1])):
                    if name in self.indexes and name not in self.chosen:
                        self.chosen.add(name)
                        found.append(name)
        return found

    def close(self) -> None:
        self._probe.close()


def _statements(actions: Sequence[Action]) -> list[Statement]:
    """The statements among a chunk's actions (not its `CopyBlock`s)."""
    return [a for a in actions if not isinstance(a, CopyBlock)]


def _rows_of(block: CopyBlock, who: Sequence[int]) -> Iterator[tuple[int, list[Statement]]]:
    """A block's rows as statements of their own, each with the last event that wrote it."""
    for row, notification_id in zip(block.rows, who, strict=True):
        yield notification_id, [(block.sql, row)]


class ScratchDatabase:
    """A scratch SQLite database with the target projections' tables (the SQLite store's
    rebuild runs its statements here; the file is then copied into the live database)."""

    def __init__(self, projections: Sequence[Projection], directory: str | None = None) -> None:
        self.projections = list(projections)
        self._dir = tempfile.mkdtemp(prefix="tvaers-rebuild-", dir=directory)
        self.path = os.path.join(self._dir, "views.sqlite3")
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
        self.planner = IndexPlanner(projections)
        self._create: dict[str, str] = {}  # index name -> its CREATE statement
        for projection in self.projections:
            for sql in projection.create_statements("sqlite"):
                index = INDEX_DDL.match(sql)
                if index is None:
                    self.conn.execute(sql)
                else:
                    self._create[index.group(1)] = sql

    def apply(self, actions: Sequence[Action], owners: Sequence[ActionOwner] = ()) -> None:
        """Run a chunk's actions (the fold's `CopyBlock`s and the statements it kept,
        batch-end ones included) in one transaction. `owners` says which projection and
        event gave each: if the chunk fails, it is rolled back and run again action by
        action to name the one that fails (`StatementFailed`)."""
        conn = self.conn
        for name in self.planner.new_indexes(_statements(actions)):
            conn.execute(self._create[name])
        conn.execute("BEGIN")
        try:
            write_sqlite(conn, actions)
        except sqlite3.Error:
            conn.execute("ROLLBACK")
            self._isolate(actions, owners)
            raise
        conn.execute("COMMIT")

    def _isolate(self, actions: Sequence[Action], owners: Sequence[ActionOwner]) -> None:
        """Run the chunk again one action at a time (a block that fails: row by row); raise
        `StatementFailed` at the first that fails, naming its projection and event."""
        conn = self.conn
        conn.execute("BEGIN")
        try:
            for action, (name, who) in zip(actions, owners, strict=True):
                conn.execute("SAVEPOINT one")
                try:
                    write_sqlite(conn, [action])
                except sqlite3.Error as error:
                    conn.execute("ROLLBACK TO one")
                    if not isinstance(action, CopyBlock):
                        raise StatementFailed(name, who, error) from error
                    for notification_id, row in _rows_of(action, who):
                        try:
                            write_sqlite(conn, row)
                        except sqlite3.Error as row_error:
                            raise StatementFailed(name, notification_id, row_error) from row_error
                    raise StatementFailed(name, who[-1], error) from error
                conn.execute("RELEASE one")
        finally:
            conn.execute("ROLLBACK")

    def release(self) -> str:
        """Close the scratch database's connection (and its exclusive lock), so that
        another connection can read it; returns its path."""
        self.conn.close()
        return self.path

    def close(self) -> None:
        """Close and delete the scratch database."""
        try:
            self.planner.close()
            self.conn.close()  # closing twice is allowed
        finally:
            for name in os.listdir(self._dir):
                os.remove(os.path.join(self._dir, name))
            os.rmdir(self._dir)


class ScratchTarget:
    """The SQLite store's rebuild: a `ScratchDatabase`, copied into the live database at the end."""

    def __init__(self, store: SQLiteReadStore, projections: Sequence[Projection]) -> None:
        self.store = store
        self.projections = list(projections)
        self.scratch = ScratchDatabase(projections)

    async def begin(self) -> None:
        return None

    async def apply(self, actions: Sequence[Action], owners: Sequence[ActionOwner]) -> None:
        self.scratch.apply(actions, owners)

    async def complete(self, tables: Collection[str] | None = None) -> None:
        return None  # the copy is the switch: one transaction

    async def finish(self, position: int) -> None:
        await self.store.switch_in_file(self.scratch.release(), self.projections, position)

    async def abandon(self) -> None:
        return None

    def close(self) -> None:
        self.scratch.close()


_TABLE_KEY = re.compile(r",\s*(PRIMARY KEY|UNIQUE)\s*\(([^)]*)\)")
_COLUMN_KEY = re.compile(r"(\w+) (\w+)((?: NOT NULL)?) (PRIMARY KEY|UNIQUE)\b")
_CREATE_TABLE = re.compile(r"^\s*CREATE TABLE (?:IF NOT EXISTS )?(\w+)", re.IGNORECASE)
_READS = re.compile(r"\b(?:UPDATE|FROM|JOIN)\s+(\w+)")
_INSERT_INTO = re.compile(r"^\s*INSERT INTO (\w+)", re.IGNORECASE)


def without_keys(create: str) -> tuple[str, str, list[str]]:
    """A CREATE TABLE statement without its PRIMARY KEY and UNIQUE constraints: (table,
    the statement, the ALTER TABLE statements that add them back, with the names
    PostgreSQL would have given them)."""
    match = _CREATE_TABLE.match(create)
    if match is None:
        raise ValueError(f"Not a CREATE TABLE statement: {create[:80]!r}")
    table = match.group(1)
    keys: list[str] = []

    def table_key(found: re.Match[str]) -> str:
        keys.append(f"ALTER TABLE {table} ADD {found.group(1)} ({found.group(2)})")
        return ""

    def column_key(found: re.Match[str]) -> str:
        keys.append(f"ALTER TABLE {table} ADD {found.group(4)} ({found.group(1)})")
        return f"{found.group(1)} {found.group(2)}{found.group(3)}"

    bare = _COLUMN_KEY.sub(column_key, _TABLE_KEY.sub(table_key, create))
    return table, bare, keys


class ShadowTarget:
    """The PostgreSQL store's rebuild: the statements run in the shadow schema, whose
    tables have only the indexes the statements need until the last row is in."""

    def __init__(
        self, store: PostgresReadStore, projections: Sequence[Projection], *, attach: bool = False
    ) -> None:
        self.store = store
        self.projections = list(projections)
        self.planner = IndexPlanner(projections)
        self._create: dict[str, str] = {}  # index name -> its CREATE INDEX
        self._index_table: dict[str, str] = {}  # index name -> its table
        self._tables: list[str] = []  # CREATE TABLE statements without their keys
        # Keys (primary, unique) are added when a statement first needs one (an upsert,
        # a lookup), else after the last row: maintaining them costs every insert.
        self._keys: dict[str, list[str]] = {}
        for p in projections:
            for sql in p.create_statements("postgresql"):
                index = INDEX_DDL.match(sql)
                if index is not None:
                    self._create[index.group(1)] = sql
                    self._index_table[index.group(1)] = index.group(2)
                else:
                    table, bare, keys = without_keys(sql)
                    self._tables.append(bare)
                    if keys:
                        self._keys[table] = keys
        self._looked_at: set[str] = set()
        self._built: set[str] = set()  # indexes built after their table's last row
        self._added: list[str] = []  # keys added
        self._table_names = [t for p in projections for t in p.tables]
        self.attach = attach

    def _keys_needed(self, statements: Sequence[Statement]) -> list[str]:
        """The keys of tables these statements read, update or upsert into (not yet added)."""
        needed: list[str] = []
        for sql in {sql for sql, _ in statements}:
            if sql in self._looked_at:
                continue
            self._looked_at.add(sql)
            tables = set(_READS.findall(sql))
            if "ON CONFLICT" in sql and (into := _INSERT_INTO.match(sql)) is not None:
                tables.add(into.group(1))
            for table in tables:
                needed.extend(self._keys.pop(table, ()))
        return needed

    async def begin(self) -> None:
        if self.attach:  # a helper process: the rebuild it helps has made the shadow
            await self.store.open_shadow(create=False)
        else:
            await self.store.begin_rebuild(self._tables)

    def added(self) -> tuple[list[str], list[str]]:
        """(the keys added, the indexes built): for the rebuild a helper process helps."""
        return self._added, sorted(self.planner.chosen | self._built)

    def taken(self, keys: Collection[str], indexes: Collection[str]) -> None:
        """Keys and indexes a helper process added: not to be added again."""
        for table, table_keys in list(self._keys.items()):
            left = [sql for sql in table_keys if sql not in keys]
            if left:
                self._keys[table] = left
            else:
                del self._keys[table]
        self._built.update(indexes)

    async def apply(self, actions: Sequence[Action], owners: Sequence[ActionOwner]) -> None:
        statements = _statements(actions)
        keys = self._keys_needed(statements)
        needed = keys + [self._create[name] for name in self.planner.new_indexes(statements)]
        if needed:
            await self.store.shadow_script(needed)
            self._added += keys
        try:
            await self.store.apply_shadow(actions)
        except RebuildAbandoned:
            raise
        except Exception as error:
            if self.store.is_transient(error):
                raise
            await self._isolate(actions, owners)
            raise

    async def _isolate(self, actions: Sequence[Action], owners: Sequence[ActionOwner]) -> None:
        """Run the failed batch again one action at a time (each its own transaction: the
        shadow is dropped anyway; a block that fails: row by row); raise `StatementFailed`
        naming the one that fails."""
        for action, (name, who) in zip(actions, owners, strict=True):
            try:
                await self.store.apply_shadow([action])
            except Exception as error:
                if self.store.is_transient(error):
                    raise
                if not isinstance(action, CopyBlock):
                    raise StatementFailed(name, who, error) from error
                for notification_id, row in _rows_of(action, who):
                    try:
                        await self.store.apply_shadow(row)
                    except Exception as row_error:
                        if self.store.is_transient(row_error):
                            raise
                        raise StatementFailed(name, notification_id, row_error) from row_error
                raise StatementFailed(name, who[-1], error) from error

    async def complete(self, tables: Collection[str] | None = None) -> None:
        """Add the keys and build the indexes not added yet: of `tables` (which have all
        their rows), or of every table."""
        wanted = set(self._table_names if tables is None else tables)
        keys = [sql for table in wanted for sql in self._keys.pop(table, ())]
        self._added += keys
        rest = [
            name
            for name in self._create
            if name not in self.planner.chosen
            and name not in self._built
            and self._index_table[name] in wanted
        ]
        self._built.update(rest)
        if keys or rest:
            await self.store.complete_rebuild(
                self.projections, keys, [self._create[name] for name in rest]
            )

    async def finish(self, position: int) -> None:
        await self.store.finish_rebuild(self.projections, position)

    async def abandon(self) -> None:
        await self.store.abandon_rebuild()

    def close(self) -> None:
        self.planner.close()


RebuildTarget = ScratchTarget | ShadowTarget


def rebuild_target(store: ReadStore, projections: Sequence[Projection]) -> RebuildTarget:
    """Where a rebuild of `projections` runs its statements, for this store."""
    if isinstance(store, PostgresReadStore):
        return ShadowTarget(store, projections)
    if isinstance(store, SQLiteReadStore):
        return ScratchTarget(store, projections)
    raise TypeError(f"No rebuild for {type(store).__name__}")
