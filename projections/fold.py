"""The rebuild's fold: the projections' statements applied to their tables' rows in memory,
so that a rebuild writes each table's final rows once, by COPY (ADR 0028).

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
them in memory); and while the folded tables hold more than `MAX_FOLDED_ROWS` rows in
all, the largest is spilled, so memory stays bounded whatever the log holds.

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
from typing import Any, NamedTuple

from projections.core import Projection
from projections.store import Action, CopyBlock, Statement, statement_tables

STREAM_ROWS = 50_000
"""A table that only receives plain inserts is written out from this many rows on."""

MAX_FOLDED_ROWS = 600_000
"""The folded tables hold at most about this many rows in all (then the largest is
spilled): what bounds the fold's memory, whatever the length of the log. It is the
rebuild's limit: with a helper process, the helper folds its share
(`parallel.HELPER_FOLDED_ROWS`) and the first process the rest. At 1M events with 750,000
for each process the two peaked at 932 MiB; with 600,000 each at 800 MiB, as fast, but at
4M events at 1,048 MiB; with 600,000 shared 672 MiB at 1M (1-4 % slower) and 768 MiB at
4M (session 14)."""


ActionOwner = tuple[str, Any]
"""Who gave an action: (projection, notification id), or for a `CopyBlock` (projection,
the notification id of the last event that wrote each row)."""


class FoldConflict(Exception):
    """A folded statement would violate a unique key (the database would refuse it)."""


class ForeignTable(Exception):
    """A statement touches a table another process is filling (a rebuild in two)."""


class StatementFailed(Exception):
    """A statement of projection `name` for event `notification_id` failed in a rebuild:
    in the fold, or where the database ran it (projections/rebuild.py)."""

    def __init__(self, name: str, notification_id: int, error: BaseException) -> None:
        super().__init__(name, notification_id, error)
        self.name = name
        self.notification_id = notification_id
        self.error = error


# -- parsing ------------------------------------------------------------------------------

_VALUE = r"\?|NULL|-?\d+|'(?:[^']|'')*'"
# One item of a list and what follows it: a separator, or the end (an empty group).
_LIST_ITEM = re.compile(rf"\s*({_VALUE})\s*(,|\Z)")
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
# The latest row of each group: INSERT INTO t (…) SELECT … FROM (SELECT * FROM (SELECT
# f.*, ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) AS rn FROM u f WHERE …) latest
# WHERE rn = 1) held WHERE …
_LATEST = re.compile(
    r"INSERT\s+INTO\s+(\w+)\s*\(([^()]*)\)\s*SELECT\s+(.*?)\s+FROM\s*\(\s*SELECT\s+\*\s+FROM"
    r"\s*\(\s*SELECT\s+(\w+)\.\*\s*,\s*ROW_NUMBER\(\)\s+OVER\s*\(\s*PARTITION\s+BY\s+([\w,\s]+?)"
    r"\s+ORDER\s+BY\s+([\w,\s]+?)\s*\)\s+AS\s+(\w+)\s+FROM\s+(\w+)\s+(\w+)\s+WHERE\s+(.*?)\s*\)"
    r"\s*\w+\s+WHERE\s+(\w+)\s*=\s*1\s*\)\s*\w+\s+WHERE\s+(.*)",
    re.S,
)
_ORDER_ITEM = re.compile(r"\s*(\w+)(?:\s+(ASC|DESC))?\s*(,|\Z)", re.I)
_UPDATE = re.compile(r"UPDATE\s+(\w+)\s+SET\s+(.*)", re.S)
_DELETE = re.compile(r"DELETE\s+FROM\s+(\w+)(?:\s+WHERE\s+(.*))?\s*", re.S)

_TOKEN = re.compile(
    r"\s*(?:('(?:[^']|'')*')|(\?)|(-?\d+)\b|(<=|>=|<>|=|<|>|\+|\(|\)|,|\*)|([A-Za-z_]\w*(?:\.\w+)?))"
)


class _NotFolded(Exception):
    """The statement is not one the fold interprets."""


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


def _names(text: str) -> list[str]:
    return [item[0] for item in _items(_NAMES, text)]


class _Param:
    """The statement's parameter number `index`."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Literal:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_Source = _Param | _Literal


class _Counter:
    """Numbers the statement's parameters in the order they appear in its text."""

    def __init__(self) -> None:
        self.next = 0

    def take(self) -> _Param:
        self.next += 1
        return _Param(self.next - 1)


# An expression's value: from the row it is about (the row updated, or the row a SELECT
# reads), the row an upsert would have inserted (``excluded``), and the parameters.
_Expr = Callable[[tuple[Any, ...], tuple[Any, ...] | None, tuple[Any, ...]], Any]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class _Condition(NamedTuple):
    """``column op value`` (value: a parameter or a literal), or ``column IS [NOT] NULL``
    (op "is" / "is not", no value)."""

    position: int
    op: str
    source: _Source | None


def _value(source: _Source | None, params: tuple[Any, ...]) -> Any:
    return params[source.index] if isinstance(source, _Param) else source.value  # type: ignore[union-attr]


def _meets(row: tuple[Any, ...], conditions: Sequence[_Condition], params: tuple[Any, ...]) -> bool:
    """Whether `row` meets every condition, as SQL says (NULL compared is not true)."""
    for condition in conditions:
        have = row[condition.position]
        if condition.op == "is":
            ok = have is None
        elif condition.op == "is not":
            ok = have is not None
        else:
            wanted = _value(condition.source, params)
            ok = (
                have is not None
                and wanted is not None
                and (have == wanted if condition.op == "=" else have != wanted)
            )
        if not ok:
            return False
    return True


class _Parser:
    """A small part of SQL, read token by token: the SET list of an UPDATE (or of an
    upsert's DO UPDATE), WHERE conditions, a SELECT list. Expressions: a parameter, a
    literal, a column, ``excluded.c``, ``a + b``, ``CASE WHEN a op b THEN x [ELSE y] END``,
    and ``(SELECT count(*) | max(c) | min(c) FROM t WHERE …)`` over a folded table."""

    def __init__(self, fold: Fold, text: str, counter: _Counter, table: _Table) -> None:
        self.fold = fold
        self.counter = counter
        self.table = table
        self.reads: list[_Table] = []  # tables the subqueries read
        self.tokens: list[tuple[str, str]] = []
        at = 0
        text = text.rstrip()
        while at < len(text):
            match = _TOKEN.match(text, at)
            if match is None or match.end() == at:
                raise _NotFolded
            kind = ("text", "param", "int", "op", "word")[(match.lastindex or 1) - 1]
            self.tokens.append((kind, match.group(match.lastindex or 1)))
            at = match.end()
        self.at = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def word(self, *words: str) -> bool:
        """Take the next token if it is one of `words` (a keyword, any case)."""
        kind, text = self.peek()
        if kind == "word" and text.upper() in words:
            self.at += 1
            return True
        return False

    def op(self, *ops: str) -> str | None:
        kind, text = self.peek()
        if kind == "op" and text in ops:
            self.at += 1
            return text
        return None

    def expect_word(self, word: str) -> None:
        if not self.word(word):
            raise _NotFolded

    def expect_op(self, op: str) -> None:
        if self.op(op) is None:
            raise _NotFolded

    def end(self) -> None:
        if self.at != len(self.tokens):
            raise _NotFolded

    def column(self, table: _Table) -> int:
        kind, text = self.peek()
        if kind != "word" or text not in table.position:
            raise _NotFolded
        self.at += 1
        return table.position[text]

    def value(self) -> _Source:
        """A parameter or a literal."""
        kind, text = self.peek()
        if kind == "param":
            self.at += 1
            return self.counter.take()
        if kind == "int":
            self.at += 1
            return _Literal(int(text))
        if kind == "text":
            self.at += 1
            return _Literal(text[1:-1].replace("''", "'"))
        if self.word("NULL"):
            return _Literal(None)
        raise _NotFolded

    # -- lists --------------------------------------------------------------------------

    def assignments(self, excluded: bool) -> list[tuple[int, _Expr]]:
        """``a = expr, b = expr`` up to WHERE (or the end)."""
        found: list[tuple[int, _Expr]] = []
        while True:
            position = self.column(self.table)
            self.expect_op("=")
            found.append((position, self.expression(self.table, excluded)))
            if self.op(",") is None:
                return found

    def conditions(self, table: _Table) -> list[_Condition]:
        """``a = ? AND b <> 'x' AND c IS NULL …``."""
        found: list[_Condition] = []
        while True:
            position = self.column(table)
            if self.word("IS"):
                negated = self.word("NOT")
                self.expect_word("NULL")
                found.append(_Condition(position, "is not" if negated else "is", None))
            else:
                op = self.op("=", "<>")
                if op is None:
                    raise _NotFolded
                found.append(_Condition(position, op, self.value()))
            if not self.word("AND"):
                return found

    # -- expressions --------------------------------------------------------------------

    def expression(self, table: _Table, excluded: bool) -> _Expr:
        left = self.term(table, excluded)
        if self.op("+") is None:
            return left
        right = self.term(table, excluded)

        def add(row: tuple[Any, ...], new: tuple[Any, ...] | None, params: tuple[Any, ...]) -> Any:
            a, b = left(row, new, params), right(row, new, params)
            if a is None or b is None:
                return None
            if type(a) is not int or type(b) is not int:
                raise TypeError(f"cannot add {a!r} and {b!r}")
            return a + b

        return add

    def term(self, table: _Table, excluded: bool) -> _Expr:
        kind, text = self.peek()
        if kind in ("param", "int", "text") or (kind == "word" and text.upper() == "NULL"):
            source = self.value()
            if isinstance(source, _Param):
                index = source.index
                return lambda row, new, params: params[index]
            constant = source.value
            return lambda row, new, params: constant
        if self.word("CASE"):
            return self.case(table, excluded)
        if self.op("(") is not None:
            found = self.subquery()
            self.expect_op(")")
            return found
        if kind == "word" and text.startswith("excluded.") and excluded:
            name = text.removeprefix("excluded.")
            if name not in table.position:
                raise _NotFolded
            self.at += 1
            at = table.position[name]
            return lambda row, new, params: new[at]  # type: ignore[index]
        position = self.column(table)
        return lambda row, new, params: row[position]

    def case(self, table: _Table, excluded: bool) -> _Expr:
        self.expect_word("WHEN")
        left = self.expression(table, excluded)
        op = self.op(*_COMPARE)
        if op is None:
            raise _NotFolded
        compare = _COMPARE[op]
        right = self.expression(table, excluded)
        self.expect_word("THEN")
        then = self.expression(table, excluded)
        otherwise: _Expr = lambda row, new, params: None  # noqa: E731
        if self.word("ELSE"):
            otherwise = self.expression(table, excluded)
        self.expect_word("END")

        def case(row: tuple[Any, ...], new: tuple[Any, ...] | None, params: tuple[Any, ...]) -> Any:
            a, b = left(row, new, params), right(row, new, params)
            if a is not None and b is not None and compare(a, b):  # NULL: not true
                return then(row, new, params)
            return otherwise(row, new, params)

        return case

    def subquery(self) -> _Expr:
        """``SELECT count(*) | max(c) | min(c) FROM t WHERE conditions`` (inside brackets)."""
        self.expect_word("SELECT")
        kind, function = self.peek()
        if kind != "word" or function.lower() not in ("count", "max", "min"):
            raise _NotFolded
        self.at += 1
        self.expect_op("(")
        star = self.op("*") is not None
        source_name = ""
        if not star:
            kind, source_name = self.peek()
            if kind != "word":
                raise _NotFolded
            self.at += 1
        self.expect_op(")")
        self.expect_word("FROM")
        kind, name = self.peek()
        if kind != "word":
            raise _NotFolded
        self.at += 1
        source = self.fold._table(name)
        if (function.lower() == "count") != star:  # count(*) only, max(c) and min(c)
            raise _NotFolded
        at = source.position.get(source_name, -1)
        if not star and at < 0:
            raise _NotFolded
        self.expect_word("WHERE")
        find = self.fold._finder(source, self.conditions(source))
        self.reads.append(source)
        rows = source.rows
        if star:
            return lambda row, new, params: len(find(params))
        pick = max if function.lower() == "max" else min

        def extreme(
            row: tuple[Any, ...], new: tuple[Any, ...] | None, params: tuple[Any, ...]
        ) -> Any:
            values = [v for n in find(params) if (v := source.rows[n][at]) is not None]  # type: ignore[index]
            return pick(values) if values else None

        del rows
        return extreme


# -- tables -------------------------------------------------------------------------------


TableShape = tuple[tuple[str, ...], list[tuple[str, ...]], frozenset[str]]
"""A table's columns, unique keys and NOT NULL columns."""


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
                notnull = frozenset(row[1] for row in info if row[3])
                shapes[table] = (columns, keys, notnull)
        return shapes
    finally:
        probe.close()


_FOLDED, _SPILLED = 0, 1


class _Table:
    """A table's rows while it is folded; its pending plain inserts once it is spilled."""

    def __init__(
        self,
        name: str,
        projection: str,
        columns: tuple[str, ...],
        keys: list[tuple[str, ...]],
        notnull: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self.projection = projection
        self.columns = columns
        self.position = {c: i for i, c in enumerate(columns)}
        self.keys = [tuple(sorted(self.position[c] for c in key)) for key in keys]
        self.notnull = frozenset(self.position[c] for c in notnull)
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

    def update(
        self,
        number: int,
        updates: Sequence[tuple[int, _Expr]],
        excluded: tuple[Any, ...] | None,
        params: tuple[Any, ...],
        owner: int,
    ) -> None:
        """Row `number` with `updates` ((position, expression), …) applied: every
        expression sees the row as it was (as in SQL), and `excluded` (an upsert's row)."""
        old = self.rows[number]
        assert old is not None
        new = list(old)
        for position, expression in updates:
            new[position] = expression(old, excluded, params)
        self.replace(number, tuple(new), owner)

    def delete(self, number: int) -> None:
        old = self.rows[number]
        assert old is not None
        if self.unique or self.multi:
            self._drop_keys(old, number)
        self.rows[number] = None
        self.live -= 1
        self.dead += 1

    def matching(self, positions: tuple[int, ...], key: Any) -> list[int]:
        """The numbers of the live rows whose columns at `positions` equal `key` (a tuple,
        or the value for one column); the table is indexed by them."""
        if positions in self.unique:
            found = self.unique[positions].get(key)
            return [] if found is None else [found]
        return list(self.multi[positions].get(key, ()))

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
        foreign: Sequence[str] = (),
    ) -> None:
        self.stream_rows = stream_rows
        self.max_rows = max_rows
        # Tables another process fills meanwhile (projections/parallel.py): a statement
        # touching one would see them half filled.
        self.foreign = frozenset(foreign)
        shapes = table_shapes(projections)
        self.tables: dict[str, _Table] = {}
        for projection in projections:
            for name in projection.tables:
                columns, keys, notnull = shapes[name]
                self.tables[name] = _Table(name, projection.name, columns, keys, notnull)
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
            raise StatementFailed(name, notification_id, error) from error

    def _compile(self, sql: str) -> _Op:
        try:
            return self._interpret(sql)
        except _NotFolded:
            return self._send_as_is(sql)

    def _send_as_is(self, sql: str) -> _Op:
        named = statement_tables(sql)
        self._not_foreign(named)
        touched = [table for name in named if (table := self.tables.get(name)) is not None]

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            for table in touched:
                self._spill(table)
            self._actions.append((sql, params))
            self._owners.append((name, notification_id))
            self.touched.update(named)  # as the live runner's `_ending` counts them
            self.sent += 1

        return op

    def _interpret(self, sql: str) -> _Op:
        if (match := _INSERT.fullmatch(sql)) is not None:
            return self._insert(sql, *match.groups())
        if (match := _LATEST.fullmatch(sql)) is not None:
            return self._latest(sql, *match.groups())
        if (match := _INSERT_SELECT.fullmatch(sql)) is not None:
            return self._insert_select(sql, *match.groups())
        if (match := _UPDATE.fullmatch(sql)) is not None:
            return self._update(sql, *match.groups())
        if (match := _DELETE.fullmatch(sql)) is not None:
            return self._delete(sql, *match.groups())
        raise _NotFolded

    def _not_foreign(self, names: Sequence[str]) -> None:
        if found := self.foreign.intersection(names):
            raise ForeignTable(
                f"A statement touches {', '.join(sorted(found))}, which another process"
                " rebuilds at the same time: rebuild these views in one process"
                " (projections/parallel.py `split`)."
            )

    def _table(self, name: str) -> _Table:
        self._not_foreign((name,))
        table = self.tables.get(name)
        if table is None:  # another projection's table (not rebuilt): the database has it
            raise _NotFolded
        return table

    @staticmethod
    def _columns(table: _Table, column_text: str) -> list[str]:
        """An INSERT's column list: columns of `table`, each once."""
        columns = _names(column_text)
        if len(set(columns)) != len(columns) or any(c not in table.position for c in columns):
            raise _NotFolded
        return columns

    def _conditions(self, text: str, counter: _Counter, table: _Table) -> list[_Condition]:
        """A WHERE clause (all of `text`) over `table`'s columns."""
        parser = _Parser(self, text, counter, table)
        conditions = parser.conditions(table)
        parser.end()
        return conditions

    def _selection(
        self, table: _Table, column_text: str, select_text: str, source: _Table, counter: _Counter
    ) -> tuple[Callable[[tuple[Any, ...], tuple[Any, ...]], tuple[Any, ...]], list[_Table]]:
        """``INSERT INTO table (columns) SELECT items`` over a row of `source`: how a row of
        `table` is made from the source row and the parameters, and the tables the items'
        subqueries read."""
        columns = self._columns(table, column_text)
        parser = _Parser(self, select_text, counter, source)
        selected: list[_Expr] = []
        while True:
            selected.append(parser.term(source, excluded=False))
            if parser.op(",") is None:
                break
        parser.end()
        if len(selected) != len(columns):
            raise _NotFolded
        positions = [table.position[column] for column in columns]
        width = len(table.columns)

        def make(found: tuple[Any, ...], params: tuple[Any, ...]) -> tuple[Any, ...]:
            new: list[Any] = [None] * width
            for position, expression in zip(positions, selected, strict=True):
                new[position] = expression(found, None, params)
            return tuple(new)

        return make, parser.reads

    def _row_builder(
        self, table: _Table, columns: Sequence[str], sources: Sequence[_Source]
    ) -> Callable[[tuple[Any, ...]], tuple[Any, ...]] | None:
        """How a row of `table` is built from the parameters: None when the parameters are
        the row as they are."""
        given = dict(zip(columns, sources, strict=True))
        if tuple(columns) == table.columns and all(
            isinstance(s, _Param) and s.index == i for i, s in enumerate(sources)
        ):
            return None
        count = sum(isinstance(s, _Param) for s in sources)
        constants: list[Any] = []
        picks: list[int] = []
        for column in table.columns:
            source = given.get(column)
            if isinstance(source, _Param):
                picks.append(source.index)
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
        columns = self._columns(table, column_text)
        counter = _Counter()
        sources: list[_Source] = []
        for (item,) in _items(_LIST_ITEM, value_text):
            if item == "?":
                sources.append(counter.take())
            elif item == "NULL":
                sources.append(_Literal(None))
            elif item.startswith("'"):
                sources.append(_Literal(item[1:-1].replace("''", "'")))
            else:
                sources.append(_Literal(int(item)))
        if len(sources) != len(columns):
            raise _NotFolded
        build = self._row_builder(table, columns, sources)
        values = counter.next
        if conflict_text is None:
            return self._plain(sql, table, build, values)
        key = tuple(sorted(table.position.get(c, -1) for c in _names(conflict_text)))
        if key not in table.keys:
            raise _NotFolded  # the database says what is wrong with it
        updates: list[tuple[int, _Expr]] = []
        reads: list[_Table] = []
        if not nothing:
            assert set_text is not None
            parser = _Parser(self, set_text, counter, table)
            updates = parser.assignments(excluded=True)
            parser.end()
            reads = parser.reads
        return self._keyed_insert(sql, table, build, values, counter.next, key, updates, reads)

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
            else:
                rows, owners = self._pending.setdefault(name, ([], []))
                rows.append(row)
                owners.append(notification_id)

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
        total: int,
        key: tuple[int, ...],
        updates: Sequence[tuple[int, _Expr]],
        reads: Sequence[_Table],
    ) -> _Op:
        get = table.getter(key)
        single = len(key) == 1
        tables = [table, *reads]

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if len(params) != total or any(t.mode != _FOLDED for t in tables):
                self._as_is(sql, params, name, notification_id, *tables)
                return
            self.touched.add(table.name)
            values = params if total == count else params[:count]
            row = values if build is None else build(values)
            self._indexed.add(table.name)
            table.index(key)
            found = get(row)
            number = (
                None
                if (found is None if single else None in found)
                else table.unique[key].get(found)
            )
            if number is None:
                table.append(row, notification_id)
            elif updates:
                table.update(number, updates, row, params, notification_id)

        return op

    def _finder(
        self, table: _Table, conditions: Sequence[_Condition]
    ) -> Callable[[tuple[Any, ...]], list[int]]:
        """How the rows meeting `conditions` are found: by the equalities among them (a
        unique key if they include one, else all of them, indexed), then the others."""
        equal = {c.position: c.source for c in conditions if c.op == "="}
        if not equal or len(equal) != sum(c.op == "=" for c in conditions):
            raise _NotFolded  # no equality to look rows up by, or a column twice
        key = next((k for k in table.keys if set(k) <= set(equal)), tuple(sorted(equal)))
        sources = [equal[p] for p in key]
        rest = [c for c in conditions if not (c.op == "=" and c.position in key)]
        single = len(key) == 1

        def find(params: tuple[Any, ...]) -> list[int]:
            table.index(key)
            self._indexed.add(table.name)
            if single:
                found = _value(sources[0], params)
                if found is None:
                    return []
            else:
                found = tuple(_value(s, params) for s in sources)
                if None in found:
                    return []
            numbers = table.matching(key, found)
            if not rest:
                return numbers
            rows = table.rows
            return [n for n in numbers if _meets(rows[n], rest, params)]  # type: ignore[arg-type]

        return find

    def _update(self, sql: str, table_name: str, text: str) -> _Op:
        table = self._table(table_name)
        counter = _Counter()
        parser = _Parser(self, text, counter, table)
        updates = parser.assignments(excluded=False)
        parser.expect_word("WHERE")
        find = self._finder(table, parser.conditions(table))
        parser.end()
        count = counter.next
        tables = [table, *parser.reads]

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if len(params) != count or any(t.mode != _FOLDED for t in tables):
                self._as_is(sql, params, name, notification_id, *tables)
                return
            self.touched.add(table.name)
            for number in find(params):
                table.update(number, updates, None, params, notification_id)

        return op

    def _delete(self, sql: str, table_name: str, where_text: str | None) -> _Op:
        table = self._table(table_name)
        if where_text is None:
            raise _NotFolded  # emptying a whole table: only staging tables do, by the database
        counter = _Counter()
        find = self._finder(table, self._conditions(where_text, counter, table))
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
        counter = _Counter()
        make, reads = self._selection(table, column_text, select_text, source_table, counter)
        find = self._finder(source_table, self._conditions(where_text, counter, source_table))
        count = counter.next
        key: tuple[int, ...] | None = None
        if conflict_text is not None:
            key = tuple(sorted(table.position.get(c, -1) for c in _names(conflict_text)))
            if key not in table.keys:
                raise _NotFolded
        tables = [table, source_table, *reads]

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if len(params) != count or any(t.mode != _FOLDED for t in tables):
                self._as_is(sql, params, name, notification_id, *tables)
                return
            self.touched.add(table.name)
            rows: list[tuple[Any, ...]] = []
            for number in find(params):  # all rows found first, as the statement reads them
                found = source_table.rows[number]
                assert found is not None
                rows.append(make(found, params))
            for row in rows:
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

    def _latest(
        self,
        sql: str,
        table_name: str,
        column_text: str,
        select_text: str,
        alias: str,
        partition_text: str,
        order_text: str,
        rank: str,
        source_name: str,
        source_alias: str,
        inner_text: str,
        rank_again: str,
        outer_text: str,
    ) -> _Op:
        """``INSERT INTO t (…) SELECT … FROM`` the latest row of each group of ``u``'s rows
        meeting the inner conditions (``ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) = 1``),
        kept if it meets the outer ones. Read only where the order cannot tie: the inner
        equalities, the groups and the order together hold a unique key of ``u``; and only
        one direction of order, over NOT NULL columns."""
        if alias != source_alias or rank != rank_again:
            raise _NotFolded
        table = self._table(table_name)
        source = self._table(source_name)
        partition = [source.position.get(c, -1) for c in _names(partition_text)]
        order_items = _items(_ORDER_ITEM, order_text)
        directions = {(d or "ASC").upper() for _, d in order_items}
        order = [source.position.get(c, -1) for c, _ in order_items]
        if -1 in partition or -1 in order or len(directions) != 1:
            raise _NotFolded
        if not set(order) <= source.notnull:
            raise _NotFolded  # where NULLs sort differs between the dialects
        descending = directions == {"DESC"}
        counter = _Counter()
        make, reads = self._selection(table, column_text, select_text, source, counter)
        inner = self._conditions(inner_text, counter, source)
        find = self._finder(source, inner)
        outer = self._conditions(outer_text, counter, source)
        decided = {c.position for c in inner if c.op == "="} | set(partition) | set(order)
        if not any(set(key) <= decided for key in source.keys):
            raise _NotFolded  # two rows of a group could tie: PostgreSQL picks either
        count = counter.next
        tables = [table, source, *reads]

        def rank_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(row[p] for p in order)

        def op(params: tuple[Any, ...], name: str, notification_id: int) -> None:
            if len(params) != count or any(t.mode != _FOLDED for t in tables):
                self._as_is(sql, params, name, notification_id, *tables)
                return
            self.touched.add(table.name)
            latest: dict[tuple[Any, ...], tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
            for number in find(params):
                row = source.rows[number]
                assert row is not None
                group = tuple(row[p] for p in partition)
                ranked = rank_of(row)
                best = latest.get(group)
                if best is None or (ranked > best[0] if descending else ranked < best[0]):
                    latest[group] = (ranked, row)
            rows: list[tuple[Any, ...]] = []
            for _, row in latest.values():  # all found first, as the statement reads them
                if _meets(row, outer, params):
                    rows.append(make(row, params))
            for row in rows:
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
        folded tables that only ever received inserts; then, while the folded tables hold
        more than `max_rows` rows in all, the largest of them."""
        for table in self.tables.values():
            streamed = table.live >= self.stream_rows and table.name not in self._indexed
            if table.mode == _SPILLED or (table.mode == _FOLDED and streamed):
                self._spill(table)
        folded = [t for t in self.tables.values() if t.mode == _FOLDED]
        held = sum(t.live for t in folded)
        for table in sorted(folded, key=lambda t: t.live, reverse=True):
            if held <= self.max_rows:
                break
            held -= table.live
            self._spill(table)
        actions, owners = self._actions, self._owners
        self._actions, self._owners = [], []
        self.touched.clear()
        return actions, owners

    def release(self) -> None:
        """Let go of every row held (the rebuild is over, or failed)."""
        for table in self.tables.values():
            table.take()
        self._pending.clear()
        self._actions, self._owners = [], []
        self._ops.clear()

    def spilled(self) -> list[str]:
        """The tables that were spilled before the end (a statement the fold does not
        interpret touched them, or they were streamed out or too large)."""
        return [t.name for t in self.tables.values() if t.mode == _SPILLED]

    def finish(self) -> tuple[list[Action], list[ActionOwner]]:
        """Everything still held: each folded table's final rows."""
        for table in self.tables.values():
            self._spill(table)
        return self.chunk_end()
