"""The rebuild's fold: the projections' statements applied to their tables' rows in memory,
so that a rebuild writes each table's final rows once, by COPY (ADR 0027).

The live runner sends every statement to the database. A rebuild runs the same handlers
over the whole log, but most of their statements only add a row, or change or drop a row
found by its key; the database then spends most of its time executing statements one by
one, and most rows are changed several times before the rebuild ends. The fold interprets
those statements itself, on the rows it holds:

- ``INSERT INTO t (a, b) VALUES (?, 'x')``, optionally ``ON CONFLICT (k) DO NOTHING`` or
  ``DO UPDATE SET c = excluded.c``;
- ``UPDATE t SET a = ?, b = 0 WHERE k = ? AND e = 0`` (equalities only);
- ``DELETE FROM t WHERE k = ?``;
- ``INSERT INTO t (a, b) SELECT ?, c FROM u WHERE k = ?`` (optionally ``ON CONFLICT (k) DO
  NOTHING``): a row built from another table's row found by key.

What a statement means is derived from its own text (parsed once per distinct statement,
strictly: anything else is not folded), so the fold and the live path cannot mean two
things; tests/projections/test_rebuild_two_ways.py compares their tables row for row.

A table is *folded* (its rows in memory) until a statement the fold does not interpret
touches it (reads or writes it): the table is then *spilled*, its rows written out (by
COPY) before that statement, and from then on its statements go to the database as they
are, its plain inserts still gathered into one COPY per chunk. A table that only ever
receives plain inserts is spilled as soon as it holds `STREAM_ROWS` rows (nothing needs
them in memory); a table holding more than `MAX_FOLDED_ROWS` is spilled too, so memory
stays bounded whatever the log holds.

Semantics kept from SQL: a key with a NULL never matches (``= NULL`` is not true; unique
keys allow several NULLs); ``ON CONFLICT`` names a primary key or a unique constraint of
the table (else the statement is not folded, and the database says what is wrong).
Conflicts on a unique key the fold indexes raise `FoldConflict`, as the database would;
the keys it does not index are checked when they are added after the last row.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from projections.core import Projection
from projections.store import Action, CopyBlock, Statement, statement_tables

STREAM_ROWS = 5_000
"""A table that only receives plain inserts is written out from this many rows on."""

MAX_FOLDED_ROWS = 1_000_000
"""A folded table holding more rows than this is spilled (memory stays bounded)."""


ActionOwner = tuple[str, Any]
"""Who gave an action: (projection, notification id), or for a `CopyBlock` (projection,
the notification id of the last event that wrote each row)."""


class FoldConflict(Exception):
    """A folded statement would violate a unique key (the database would refuse it)."""


class StatementFolded(Exception):
    """Projection `name`'s statement for event `notification_id` failed in the fold."""

    def __init__(self, name: str, notification_id: int, error: BaseException) -> None:
        super().__init__(name, notification_id, error)
        self.name = name
        self.notification_id = notification_id
        self.error = error


# -- parsing ------------------------------------------------------------------------------

_VALUE = r"\?|NULL|-?\d+|'(?:[^']|'')*'"
# One item of a list and what follows it: a separator, or the end (an empty group).
_LIST_ITEM = re.compile(rf"\s*({_VALUE})\s*(,|\Z)")
_SET_ITEM = re.compile(rf"\s*(\w+)\s*=\s*({_VALUE}|excluded\.\w+)\s*(,|\Z)")
_WHERE_ITEM = re.compile(rf"\s*(\w+)\s*=\s*({_VALUE})\s*(AND\s|\Z)")
_SELECT_ITEM = re.compile(rf"\s*({_VALUE}|\w+)\s*(,|\Z)")
_NAMES = re.compile(r"\s*(\w+)\s*(,|\Z)")

_INSERT = re.compile(
    r"INSERT\s+INTO\s+(\w+)\s*\(([^()]*)\)\s*VALUES\s*\(([^()]*)\)"
    r"(?:\s+ON\s+CONFLICT\s*\(([^()]*)\)\s*DO\s+(?:(NOTHING)|UPDATE\s+SET\s+(.*)))?\s*",
    re.S,
)
_INSERT_SELECT = re.compile(
    r"INSERT\s+INTO\s+(\w+)\s*\(([^()]*)\)\s*SELECT\s+(.*?)\s+FROM\s+(\w+)\s+WHERE\s+(.*?)"
    r"(?:\s+ON\s+CONFLICT\s*\(([^()]*)\)\s*DO\s+(NOTHING))?\s*",
    re.S,
)
_UPDATE = re.compile(r"UPDATE\s+(\w+)\s+SET\s+(.*?)\s+WHERE\s+(.*)", re.S)
_DELETE = re.compile(r"DELETE\s+FROM\s+(\w+)(?:\s+WHERE\s+(.*))?\s*", re.S)


class _Param:
    """The statement's parameter number `index`."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Literal:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Column:
    """A column of the row being inserted (``excluded.c``) or of the row looked up."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


_Source = _Param | _Literal | _Column


def _items(pattern: re.Pattern[str], text: str) -> list[tuple[str, ...]]:
    """The items of a list (each item's groups but the separator), matched one after the
    other from the start to the end; `_NotFolded` unless all of the text is such items."""
    found: list[tuple[str, ...]] = []
    at = 0
    while True:
        match = pattern.match(text, at)
        if match is None:
            raise _NotFolded
        *values, separator = match.groups()
        found.append(tuple(values))
        at = match.end()
        if not separator:  # the end of the text
            return found


class _NotFolded(Exception):
    """The statement is not one the fold interprets."""


class _Counter:
    def __init__(self) -> None:
        self.next = 0


def _source(text: str, params: _Counter, columns: Sequence[str] = ()) -> _Source:
    if text == "?":
        params.next += 1
        return _Param(params.next - 1)
    if text == "NULL":
        return _Literal(None)
    if text.startswith("'"):
        return _Literal(text[1:-1].replace("''", "'"))
    if text.lstrip("-").isdigit():
        return _Literal(int(text))
    if text.startswith("excluded."):
        return _Column(text.removeprefix("excluded."))
    if text in columns:
        return _Column(text)
    raise _NotFolded


def _names(text: str) -> list[str]:
    return [item[0] for item in _items(_NAMES, text)]


# -- tables -------------------------------------------------------------------------------


TableShape = tuple[tuple[str, ...], list[tuple[str, ...]]]
"""A table's columns and unique keys."""


def table_shapes(projections: Sequence[Projection]) -> dict[str, TableShape]:
    """Each table's columns (in order) and unique keys (primary key first), as the DDL
    states them (asked of SQLite, on an empty in-memory database)."""
    probe = sqlite3.connect(":memory:")
    try:
        shapes: dict[str, TableShape] = {}
        for projection in projections:
            for sql in projection.create_statements("sqlite"):
                probe.execute(sql)
            for table in projection.tables:
                info = probe.execute(f"PRAGMA table_info({table})").fetchall()
                columns = tuple(row[1] for row in info)
                keys: list[tuple[str, ...]] = []
                primary = tuple(row[1] for row in sorted(info, key=lambda r: r[5]) if row[5])
                if primary:
                    keys.append(primary)
                for index in probe.execute(f"PRAGMA index_list({table})").fetchall():
                    if index[2] and index[3] == "u":  # unique, from a UNIQUE constraint
                        names = probe.execute(f"PRAGMA index_info({index[1]})").fetchall()
                        keys.append(tuple(row[2] for row in sorted(names)))
                shapes[table] = (columns, keys)
        return shapes
    finally:
        probe.close()


_FOLDED, _SPILLED, _EXTERNAL = 0, 1, 2


class _Table:
    """A table's rows while it is folded; its pending plain inserts once it is spilled."""

    def __init__(
        self, name: str, projection: str, columns: tuple[str, ...], keys: list[tuple[str, ...]]
    ) -> None:
        self.name = name
        self.projection = projection
        self.columns = columns
        self.position = {c: i for i, c in enumerate(columns)}
        self.keys = [tuple(sorted(self.position[c] for c in key)) for key in keys]
        self.mode = _FOLDED
        self.rows: list[tuple[Any, ...] | None] = []
        self.owners: list[int] = []
        self.live = 0
        self.dead = 0
        # column positions (sorted) -> key -> row number (unique keys) or row numbers (others)
        self.unique: dict[tuple[int, ...], dict[Any, int]] = {}
        self.multi: dict[tuple[int, ...], dict[Any, list[int]]] = {}
        self.getters: dict[tuple[int, ...], Callable[[tuple[Any, ...]], Any]] = {}
        self.insert_sql = (
            f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        )

    # -- keys ---------------------------------------------------------------------------

    def getter(self, positions: tuple[int, ...]) -> Callable[[tuple[Any, ...]], Any]:
        getter = self.getters.get(positions)
        if getter is None:
            getter = self.getters[positions] = itemgetter(*positions)
        return getter

    def index(self, positions: tuple[int, ...]) -> None:
        """Index the rows by the columns at `positions` (unique if they are a unique key)."""
        if positions in self.unique or positions in self.multi:
            return
        get = self.getter(positions)
        single = len(positions) == 1
        if positions in self.keys:
            unique: dict[Any, int] = {}
            for number, row in enumerate(self.rows):
                if row is None:
                    continue
                key = get(row)
                if key is None if single else None in key:
                    continue
                if key in unique:
                    raise FoldConflict(f"{self.name}: two rows with the key {key!r}")
                unique[key] = number
            self.unique[positions] = unique
        else:
            multi: dict[Any, list[int]] = {}
            for number, row in enumerate(self.rows):
                if row is None:
                    continue
                key = get(row)
                if not (key is None if single else None in key):
                    multi.setdefault(key, []).append(number)
            self.multi[positions] = multi

    def _add_keys(self, row: tuple[Any, ...], number: int) -> None:
        for positions, unique in self.unique.items():
            key = self.getters[positions](row)
            if key is None if len(positions) == 1 else None in key:
                continue
            if key in unique:
                raise FoldConflict(f"{self.name}: a second row with the key {key!r}")
            unique[key] = number
        for positions, multi in self.multi.items():
            key = self.getters[positions](row)
            if not (key is None if len(positions) == 1 else None in key):
                multi.setdefault(key, []).append(number)

    def _drop_keys(self, row: tuple[Any, ...], number: int) -> None:
        for positions, unique in self.unique.items():
            key = self.getters[positions](row)
            if unique.get(key) == number:
                del unique[key]
        for positions, multi in self.multi.items():
            numbers = multi.get(self.getters[positions](row))
            if numbers is not None and number in numbers:
                numbers.remove(number)

    # -- rows ---------------------------------------------------------------------------

    def append(self, row: tuple[Any, ...], owner: int) -> None:
        number = len(self.rows)
        if self.unique or self.multi:
            self._add_keys(row, number)
        self.rows.append(row)
        self.owners.append(owner)
        self.live += 1

    def replace(self, number: int, row: tuple[Any, ...], owner: int) -> None:
        old = self.rows[number]
        assert old is not None
        if self.unique or self.multi:
            self._drop_keys(old, number)
            try:
                self._add_keys(row, number)
            except FoldConflict:
                self._add_keys(old, number)
                raise
        self.rows[number] = row
        self.owners[number] = owner

    def delete(self, number: int) -> None:
        old = self.rows[number]
        assert old is not None
        if self.unique or self.multi:
            self._drop_keys(old, number)
        self.rows[number] = None
        self.live -= 1
        self.dead += 1

    def matching(
        self, positions: tuple[int, ...], key: Any, checks: Sequence[tuple[int, Any]]
    ) -> list[int]:
        """The numbers of the live rows whose columns at `positions` equal `key` (a
        tuple, or the value for one column) and pass `checks` ((position, value), …)."""
        if positions in self.unique:
            found = self.unique[positions].get(key)
            numbers = [] if found is None else [found]
        else:
            numbers = list(self.multi[positions].get(key, ()))
        rows = self.rows
        return [n for n in numbers if all(rows[n][p] == v for p, v in checks)]  # type: ignore[index]

    def take(self) -> tuple[list[tuple[Any, ...]], list[int]]:
        """The live rows and their owners; the table is then empty."""
        if self.dead:
            pairs = [(r, o) for r, o in zip(self.rows, self.owners, strict=True) if r is not None]
            rows = [r for r, _ in pairs]
            owners = [o for _, o in pairs]
        else:
            rows, owners = self.rows, self.owners  # type: ignore[assignment]
        self.rows, self.owners = [], []
        self.unique, self.multi = {}, {}
        self.live = self.dead = 0
        return rows, owners


# -- the fold -----------------------------------------------------------------------------

_Op = Callable[[tuple[Any, ...], str, int], None]


class Fold:
    """Folds a rebuild's statements; `chunk_end()` and `finish()` give what the database
    must still run: `CopyBlock`s and statements, in an order with the statements' effect."""

    def __init__(
        self,
        projections: Sequence[Projection],
        *,
        stream_rows: int = STREAM_ROWS,
        max_rows: int = MAX_FOLDED_ROWS,
    ) -> None:
        self.stream_rows = stream_rows
        self.max_rows = max_rows
        shapes = table_shapes(projections)
        self.tables: dict[str, _Table] = {}
        for projection in projections:
            for name in projection.tables:
                columns, keys = shapes[name]
                self.tables[name] = _Table(name, projection.name, columns, keys)
        self._ops: dict[str, _Op] = {}
        self._actions: list[Action] = []
        self._owners: list[ActionOwner] = []
        # the spilled tables' inserts since the last statement kept for the database
        self._pending: dict[str, tuple[list[tuple[Any, ...]], list[int]]] = {}
        self._indexed: set[str] = set()  # tables a keyed statement needed an index of
        self.touched: set[str] = set()  # tables written in this chunk
        self.sent = 0  # statements kept for the database as they are

    # -- one statement ------------------------------------------------------------------

    def add(self, statement: Statement, name: str, notification_id: int) -> None:
        """Fold projection `name`'s statement for event `notification_id` (or keep it for
        the database)."""
        sql, params = statement
        op = self._ops.get(sql)
        if op is None:
            op = self._ops[sql] = self._compile(sql)
        if type(params) is not tuple:
            params = tuple(params)
        try:
            op(params, name, notification_id)
        except Exception as error:  # a key taken twice, or parameters the rows cannot take
            raise StatementFolded(name, notification_id, error) from error

    def _compile(self, sql: str) -> _Op:
        try:
            return self._interpret(sql)
        except _NotFolded:
            return self._send_as_is(sql)

    def _send_as_is(self, sql: str) -> _Op:
        tables = [self.tables.get(t) for t in statement_tables(sql)]
        touched = [t for t in tables if t is not None]
        written = set(re.findall(r"\b(?:INTO|UPDATE|DELETE\s+FROM)\s+(\w+)", sql))

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            for table in touched:
                self._spill(table)
            self._actions.append((sql, params))
            self._owners.append((name, notification_id))
            self.touched.update(written)
            self.sent += 1

        return op

    def _interpret(self, sql: str) -> _Op:
        if (match := _INSERT.fullmatch(sql)) is not None:
            return self._insert(sql, *match.groups())
        if (match := _INSERT_SELECT.fullmatch(sql)) is not None:
            return self._insert_select(sql, *match.groups())
        if (match := _UPDATE.fullmatch(sql)) is not None:
            return self._update(sql, *match.groups())
        if (match := _DELETE.fullmatch(sql)) is not None:
            return self._delete(sql, *match.groups())
        raise _NotFolded

    def _table(self, name: str) -> _Table:
        table = self.tables.get(name)
        if table is None:  # another projection's table (not rebuilt): the database has it
            raise _NotFolded
        return table

    def _row_builder(
        self, table: _Table, columns: Sequence[str], sources: Sequence[_Source], extra: int = 0
    ) -> Callable[[tuple[Any, ...]], tuple[Any, ...]] | None:
        """How a row of `table` is built from the parameters (then `extra` more values):
        None when the parameters are the row as they are."""
        if len(set(columns)) != len(columns) or any(c not in table.position for c in columns):
            raise _NotFolded
        given = dict(zip(columns, sources, strict=True))
        if tuple(columns) == table.columns and all(
            isinstance(s, _Param) and s.index == i for i, s in enumerate(sources)
        ):
            return None
        count = sum(isinstance(s, _Param) for s in sources) + extra
        constants: list[Any] = []
        picks: list[int] = []
        for column in table.columns:
            source = given.get(column)
            if isinstance(source, _Param):
                picks.append(source.index)
            elif isinstance(source, _Column):
                raise _NotFolded
            else:
                constants.append(None if source is None else source.value)
                picks.append(count + len(constants) - 1)
        pick = itemgetter(*picks)
        const = tuple(constants)
        if len(picks) == 1:
            return lambda params: (pick(params + const),)
        return lambda params: pick(params + const)

    def _insert(
        self,
        sql: str,
        table_name: str,
        column_text: str,
        value_text: str,
        conflict_text: str | None,
        nothing: str | None,
        set_text: str | None,
    ) -> _Op:
        table = self._table(table_name)
        columns = _names(column_text)
        counter = _Counter()
        sources = [_source(item[0], counter) for item in _items(_LIST_ITEM, value_text)]
        if len(sources) != len(columns):
            raise _NotFolded
        build = self._row_builder(table, columns, sources)
        if conflict_text is None:
            return self._plain(sql, table, build, counter.next)
        key = tuple(sorted(table.position.get(c, -1) for c in _names(conflict_text)))
        if key not in table.keys:
            raise _NotFolded  # the database says what is wrong with it
        updates: list[tuple[int, _Source]] = []
        if not nothing:
            assert set_text is not None
            for column, value in _items(_SET_ITEM, set_text):
                if column not in table.position:
                    raise _NotFolded
                source = _source(value, counter)
                if isinstance(source, _Column) and source.name not in table.position:
                    raise _NotFolded
                updates.append((table.position[column], source))
        return self._keyed_insert(sql, table, build, counter.next, key, updates)

    def _plain(
        self,
        sql: str,
        table: _Table,
        build: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None,
        count: int,
    ) -> _Op:
        name = table.name
        touched = self.touched

        def op(params: tuple[Any, ...], projection: str, notification_id: int) -> None:
            if len(params) != count:  # the database says what is wrong with it
                self._as_is(sql, params, projection, notification_id, table)
                return
            row = params if build is None else build(params)
            touched.add(name)
            if table.mode == _FOLDED:
                table.append(row, notification_id)
            elif table.mode == _SPILLED:
                rows, owners = self._pending.setdefault(name, ([], []))
                rows.append(row)
                owners.append(notification_id)
            else:
                raise AssertionError("an external table is never inserted into")

        return op

    def _as_is(
        self, sql: str, params: tuple[Any, ...], name: str, notification_id: int, *tables: _Table
    ) -> None:
        """Keep a statement for the database as it is, after what the fold holds of its tables."""
        for table in tables:
            self._spill(table)
            self.touched.add(table.name)
        self._actions.append((sql, params))
        self._owners.append((name, notification_id))
        self.sent += 1

    def _keyed_insert(
        self,
        sql: str,
        table: _Table,
        build: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None,
        count: int,
        key: tuple[int, ...],
        updates: Sequence[tuple[int, _Source]],
    ) -> _Op:
        get = table.getter(key)
        single = len(key) == 1
        total = count + sum(isinstance(s, _Param) for _, s in updates)

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if table.mode != _FOLDED or len(params) != total:
                self._as_is(sql, params, name, notification_id, table)
                return
            self.touched.add(table.name)
            values = params if total == count else params[:count]
            row = values if build is None else build(values)
            self._indexed.add(table.name)
            table.index(key)
            found = get(row)
            if found is None if single else None in found:
                table.append(row, notification_id)
                return
            number = table.unique[key].get(found)
            if number is None:
                table.append(row, notification_id)
            elif updates:
                old = table.rows[number]
                assert old is not None
                new = list(old)
                for position, source in updates:
                    if isinstance(source, _Param):
                        new[position] = params[source.index]
                    elif isinstance(source, _Column):
                        new[position] = row[table.position[source.name]]
                    else:
                        new[position] = source.value
                table.replace(number, tuple(new), notification_id)

        return op

    def _where(
        self, table: _Table, where_text: str, counter: _Counter
    ) -> tuple[tuple[int, ...], list[tuple[int, _Source]], list[tuple[int, _Source]]]:
        """(the positions of the key used to find rows, the key's sources in that order,
        the other conditions)."""
        conditions: list[tuple[int, _Source]] = []
        for column, value in _items(_WHERE_ITEM, where_text):
            if column not in table.position:
                raise _NotFolded
            source = _source(value, counter)
            conditions.append((table.position[column], source))
        positions = {p for p, _ in conditions}
        if len(positions) != len(conditions):
            raise _NotFolded
        # A unique key among the conditions finds at most one row; else all of them index.
        key = next((k for k in table.keys if set(k) <= positions), tuple(sorted(positions)))
        by_position = dict(conditions)
        return (
            key,
            [(p, by_position[p]) for p in key],
            [(p, s) for p, s in conditions if p not in key],
        )

    def _finder(
        self, table: _Table, where_text: str, counter: _Counter
    ) -> Callable[[tuple[Any, ...]], list[int]]:
        key, key_sources, checks = self._where(table, where_text, counter)

        def value(source: _Source, params: tuple[Any, ...]) -> Any:
            return params[source.index] if isinstance(source, _Param) else source.value  # type: ignore[union-attr]

        single = len(key) == 1

        def find(params: tuple[Any, ...]) -> list[int]:
            table.index(key)
            self._indexed.add(table.name)
            if single:
                found = value(key_sources[0][1], params)
                if found is None:
                    return []
            else:
                found = tuple(value(s, params) for _, s in key_sources)
                if None in found:
                    return []
            tests = [(p, value(s, params)) for p, s in checks]
            if any(v is None for _, v in tests):
                return []
            return table.matching(key, found, tests)

        return find

    def _update(self, sql: str, table_name: str, set_text: str, where_text: str) -> _Op:
        table = self._table(table_name)
        counter = _Counter()
        updates: list[tuple[int, _Source]] = []
        for column, value in _items(_SET_ITEM, set_text):
            source = _source(value, counter)
            if column not in table.position or isinstance(source, _Column):
                raise _NotFolded
            updates.append((table.position[column], source))
        find = self._finder(table, where_text, counter)
        count = counter.next

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if table.mode != _FOLDED or len(params) != count:
                self._as_is(sql, params, name, notification_id, table)
                return
            self.touched.add(table.name)
            for number in find(params):
                new = list(table.rows[number])  # type: ignore[arg-type]
                for position, source in updates:
                    new[position] = (
                        params[source.index] if isinstance(source, _Param) else source.value  # type: ignore[union-attr]
                    )
                table.replace(number, tuple(new), notification_id)

        return op

    def _delete(self, sql: str, table_name: str, where_text: str | None) -> _Op:
        table = self._table(table_name)
        if where_text is None:
            raise _NotFolded  # emptying a whole table: only staging tables do, by the database
        counter = _Counter()
        find = self._finder(table, where_text, counter)
        count = counter.next

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if table.mode != _FOLDED or len(params) != count:
                self._as_is(sql, params, name, notification_id, table)
                return
            self.touched.add(table.name)
            for number in find(params):
                table.delete(number)

        return op

    def _insert_select(
        self,
        sql: str,
        table_name: str,
        column_text: str,
        select_text: str,
        source_name: str,
        where_text: str,
        conflict_text: str | None,
        nothing: str | None,
    ) -> _Op:
        table = self._table(table_name)
        source_table = self._table(source_name)
        columns = _names(column_text)
        counter = _Counter()
        selected = [
            _source(item[0], counter, source_table.columns)
            for item in _items(_SELECT_ITEM, select_text)
        ]
        if len(selected) != len(columns) or any(c not in table.position for c in columns):
            raise _NotFolded
        find = self._finder(source_table, where_text, counter)
        count = counter.next
        key: tuple[int, ...] | None = None
        if conflict_text is not None:
            key = tuple(sorted(table.position.get(c, -1) for c in _names(conflict_text)))
            if key not in table.keys:
                raise _NotFolded
        position_of = {column: table.position[column] for column in columns}
        width = len(table.columns)

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if table.mode != _FOLDED or source_table.mode != _FOLDED or len(params) != count:
                self._as_is(sql, params, name, notification_id, table, source_table)
                return
            self.touched.add(table.name)
            for number in find(params):
                found = source_table.rows[number]
                assert found is not None
                new: list[Any] = [None] * width
                for column, source in zip(columns, selected, strict=True):
                    if isinstance(source, _Param):
                        new[position_of[column]] = params[source.index]
                    elif isinstance(source, _Column):
                        new[position_of[column]] = found[source_table.position[source.name]]
                    else:
                        new[position_of[column]] = source.value
                row = tuple(new)
                if key is not None:
                    table.index(key)
                    self._indexed.add(table.name)
                    value = table.getter(key)(row)
                    if not (value is None if len(key) == 1 else None in value) and (
                        value in table.unique[key]
                    ):
                        continue
                table.append(row, notification_id)

        return op

    # -- writing out --------------------------------------------------------------------

    def _spill(self, table: _Table) -> None:
        """What the fold holds of `table` goes before the next statement (as a COPY); from
        now on the database holds the table."""
        if table.mode == _FOLDED:
            table.mode = _SPILLED
            rows, owners = table.take()
            if rows:
                self._block(table, rows, owners)
        elif table.mode == _SPILLED:
            pending = self._pending.pop(table.name, None)
            if pending is not None and pending[0]:
                self._block(table, *pending)

    def _block(self, table: _Table, rows: list[tuple[Any, ...]], owners: list[int]) -> None:
        self._actions.append(CopyBlock(table.insert_sql, rows, table.name, table.columns))
        self._owners.append((table.projection, owners))

    def chunk_end(self) -> tuple[list[Action], list[ActionOwner]]:
        """The chunk's actions: the statements kept, the spilled tables' inserts, and the
        folded tables that only ever received inserts (or grew too large)."""
        for table in self.tables.values():
            large = table.live >= self.max_rows or (
                table.live >= self.stream_rows and table.name not in self._indexed
            )
            if table.mode == _SPILLED or (table.mode == _FOLDED and large):
                self._spill(table)
        actions, owners = self._actions, self._owners
        self._actions, self._owners = [], []
        self.touched.clear()
        return actions, owners

    def finish(self) -> tuple[list[Action], list[ActionOwner]]:
        """Everything still held: each folded table's final rows."""
        for table in self.tables.values():
            self._spill(table)
        return self.chunk_end()
