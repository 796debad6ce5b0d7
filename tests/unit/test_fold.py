"""The rebuild's fold (projections/fold.py) against SQLite itself: random sequences of the
statement shapes the fold interprets (and some it does not), run once by SQLite and once
through the fold into a scratch database, in random chunks, must leave the same rows."""

from __future__ import annotations

import sqlite3
from collections import Counter
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from projections.core import Projection
from projections.fold import Fold, StatementFailed
from projections.rebuild import ScratchDatabase
from projections.store import CopyBlock, Statement

TOY = Projection(
    name="toy",
    version=1,
    tables=("things", "links", "log"),
    ddl=(
        "CREATE TABLE things (k {int} NOT NULL, name {text}, n {int} NOT NULL, tag {text},"
        " PRIMARY KEY (k))",
        # b may be NULL: rows with a NULL b never conflict with each other.
        "CREATE TABLE links (a {int} NOT NULL, b {int}, note {text}, UNIQUE (a, b))",
        "CREATE TABLE log (k {int} NOT NULL, what {text})",
        "CREATE INDEX log_by_k ON log (k)",
    ),
)

SHAPES: list[tuple[str, int]] = [  # (statement, how many parameters)
    ("INSERT INTO things (k, name, n, tag) VALUES (?, ?, ?, 'x') ON CONFLICT (k) DO NOTHING", 3),
    (
        "INSERT INTO things (k, name, n) VALUES (?, ?, ?)"
        " ON CONFLICT (k) DO UPDATE SET name = excluded.name, n = excluded.n",
        3,
    ),
    ("INSERT INTO things (n, k) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET tag = 'it''s'", 2),
    ("UPDATE things SET name = ?, tag = NULL WHERE k = ?", 2),
    ("UPDATE things SET n = ? WHERE k = ? AND tag = 'x'", 2),
    ("DELETE FROM things WHERE k = ?", 1),
    ("INSERT INTO links (a, b, note) VALUES (?, ?, ?) ON CONFLICT (a, b) DO NOTHING", 3),
    ("UPDATE links SET note = ? WHERE a = ? AND b = ?", 3),
    ("UPDATE links SET b = ? WHERE a = ?", 2),
    ("DELETE FROM links WHERE a = ?", 1),
    ("INSERT INTO log (k, what) VALUES (?, ?)", 2),
    ("INSERT INTO log (what, k) SELECT name, ? FROM things WHERE k = ?", 2),
    ("INSERT INTO log (k, what) SELECT k, tag FROM things WHERE n = ?", 1),
    ("DELETE FROM log WHERE k = ? AND what = ?", 2),
    ("UPDATE things SET n = n + ? WHERE k = ?", 2),
    ("UPDATE things SET tag = CASE WHEN ? <= n THEN NULL ELSE tag END WHERE k = ?", 2),
    (
        "UPDATE things SET tag = CASE WHEN (SELECT count(*) FROM log WHERE k = ?) >= n"
        " THEN (SELECT max(what) FROM log WHERE k = ? AND what IS NOT NULL) END WHERE k = ?",
        3,
    ),
    (
        "INSERT INTO things (k, name, n) VALUES (?, ?, ?)"
        " ON CONFLICT (k) DO UPDATE SET n = n + excluded.n, tag = excluded.name",
        3,
    ),
    ("UPDATE links SET note = ? WHERE a = ? AND b IS NULL", 2),
    # The latest row of each group (a window function), in both orders.
    (
        "INSERT INTO log (k, what) SELECT k, name FROM (SELECT * FROM (SELECT f.*,"
        " ROW_NUMBER() OVER (PARTITION BY tag ORDER BY k DESC) AS rn FROM things f"
        " WHERE n = ?) latest WHERE rn = 1) held WHERE name IS NOT NULL",
        1,
    ),
    (
        "INSERT INTO log (what, k) SELECT tag, n FROM (SELECT * FROM (SELECT f.*,"
        " ROW_NUMBER() OVER (PARTITION BY n ORDER BY k) AS rn FROM things f"
        " WHERE tag = ?) latest WHERE rn = 1) held WHERE name <> ?",
        2,
    ),
    # Every expression sees the row as it was; NULL compared is not true.
    ("UPDATE things SET n = n + 1, tag = CASE WHEN n >= ? THEN 'x' END WHERE k = ?", 2),
    ("UPDATE things SET name = CASE WHEN tag = ? THEN 'same' ELSE 'other' END WHERE k = ?", 2),
    ("DELETE FROM log WHERE k = ? AND what <> ?", 2),
]
FOLDED = len(SHAPES)
SHAPES += [
    # Not interpreted: the fold spills the tables these touch and sends them as they are.
    ("UPDATE things SET n = n * 2 WHERE k = ?", 1),
    ("DELETE FROM log WHERE k > ?", 1),
]

_value = st.one_of(st.integers(0, 3), st.none(), st.sampled_from(["a", "b", "x"]))


def _statements(shapes: int) -> st.SearchStrategy[list[tuple[int, list[Any]]]]:
    """Lists of statements of the first `shapes` shapes, with their values."""
    one = st.integers(0, shapes - 1).flatmap(
        lambda i: st.tuples(
            st.just(i), st.lists(_value, min_size=SHAPES[i][1], max_size=SHAPES[i][1])
        )
    )
    return st.lists(one, max_size=40)


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) else default


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else "a"


def _params(index: int, values: list[Any]) -> tuple[Any, ...]:
    """Values fitting the columns: the NOT NULL integers get integers, the texts that are
    compared or added get texts or NULL, integers (so that SQLite and Python order them
    alike: SQLite also orders an integer against a text, Python refuses to)."""
    sql = SHAPES[index][0]
    fixed = list(values)
    if sql.startswith(("INSERT INTO things (k, name", "UPDATE things SET name")):
        fixed[1 if sql.startswith("INSERT") else 0] = _text(
            fixed[1 if sql.startswith("INSERT") else 0]
        )
    if sql.startswith("INSERT INTO log (k, what) VALUES"):
        fixed[1] = _text(fixed[1])
    if sql.startswith(
        (
            "UPDATE things SET n = n + ?",
            "UPDATE things SET tag = CASE WHEN ?",
            "UPDATE things SET n = n + 1",
        )
    ):
        fixed[0] = _int(fixed[0], 1)
    # k, n and a are NOT NULL integers wherever they are inserted: keep those valid, so that
    # both ways fail only where a unique key is taken twice.
    if sql.startswith("INSERT INTO things (k"):
        fixed[0] = fixed[0] if isinstance(fixed[0], int) else 0
        fixed[2] = fixed[2] if isinstance(fixed[2], int) else 1
    elif sql.startswith("INSERT INTO things (n, k)"):
        fixed = [v if isinstance(v, int) else 2 for v in fixed]
    elif sql.startswith("INSERT INTO links"):
        fixed[0] = fixed[0] if isinstance(fixed[0], int) else 1
    elif sql.startswith("INSERT INTO log (k"):
        fixed[0] = fixed[0] if isinstance(fixed[0], int) else 3
    elif sql.startswith(("INSERT INTO log (what, k)", "UPDATE things SET n = ? WHERE")):
        fixed[0] = fixed[0] if isinstance(fixed[0], int) else 0
    return tuple(fixed)


def _rows(conn: sqlite3.Connection) -> dict[str, Counter[tuple[Any, ...]]]:
    return {
        table: Counter(conn.execute(f"SELECT * FROM {table}").fetchall()) for table in TOY.tables
    }


def _directly(statements: list[Statement]) -> dict[str, Counter[tuple[Any, ...]]] | None:
    """SQLite runs the statements; None if one of them fails (a unique key taken twice)."""
    conn = sqlite3.connect(":memory:")
    for sql in TOY.create_statements("sqlite"):
        conn.execute(sql)
    try:
        for sql, params in statements:
            conn.execute(sql, params)
    except sqlite3.IntegrityError:
        return None
    return _rows(conn)


def _folded(
    statements: list[Statement], cuts: set[int], cap: int = 1_000
) -> dict[str, Counter[tuple[Any, ...]]]:
    fold = Fold([TOY], stream_rows=3, max_rows=cap)
    scratch = ScratchDatabase([TOY])
    try:
        for number, statement in enumerate(statements):
            fold.add(statement, "toy", number + 1)
            if number in cuts:
                scratch.apply(*fold.chunk_end())
        scratch.apply(*fold.chunk_end())
        scratch.apply(*fold.finish())
        return _rows(scratch.conn)
    finally:
        scratch.close()


def _shape(prefix: str) -> int:
    return next(i for i, (sql, _) in enumerate(SHAPES) if sql.startswith(prefix))


@settings(max_examples=300, deadline=None)
@given(_statements(FOLDED), st.sets(st.integers(0, 40)))
# The latest row of its group fails the outer condition (no name): nothing is inserted.
@example(
    [
        (_shape("INSERT INTO things (n, k)"), [1, 0]),
        (_shape("INSERT INTO log (k, what) SELECT k, name FROM"), [1]),
    ],
    set(),
)
# Two rows in one group: the latest (k 1) is the one taken.
@example(
    [
        (_shape("INSERT INTO things (k, name, n, tag)"), [0, "a", 1]),
        (_shape("INSERT INTO things (k, name, n, tag)"), [1, "b", 1]),
        (_shape("INSERT INTO log (k, what) SELECT k, name FROM"), [1]),
    ],
    set(),
)
# The second expression sees n as it was (0), not as the first set it (1).
@example(
    [
        (_shape("INSERT INTO things (k, name, n, tag)"), [0, "a", 0]),
        (_shape("UPDATE things SET n = n + 1, tag"), [1, 0]),
    ],
    set(),
)
def test_the_fold_leaves_the_rows_sqlite_leaves(
    drawn: list[tuple[int, list[Any]]], cuts: set[int]
) -> None:
    _compare(drawn, cuts)


@settings(max_examples=200, deadline=None)
@given(_statements(len(SHAPES)), st.sets(st.integers(0, 40)), st.sampled_from([2, 5, 1_000]))
def test_with_statements_it_does_not_interpret_too_and_little_memory(
    drawn: list[tuple[int, list[Any]]], cuts: set[int], cap: int
) -> None:
    """`cap`: the rows the fold may hold (the largest tables spilled beyond it)."""
    _compare(drawn, cuts, cap)


def _compare(drawn: list[tuple[int, list[Any]]], cuts: set[int], cap: int = 1_000) -> None:
    statements = [(SHAPES[i][0], _params(i, values)) for i, values in drawn]
    expected = _directly(statements)
    if expected is None:  # SQLite refused one: the fold (or the keys after it) must too
        with pytest.raises(StatementFailed):
            _folded(statements, cuts, cap)
        return
    assert _folded(statements, cuts, cap) == expected


def test_statements_it_does_not_interpret_spill_their_tables_and_run_as_they_are() -> None:
    fold = Fold([TOY])
    fold.add(("INSERT INTO things (k, name, n) VALUES (?, ?, ?)", (1, "a", 5)), "toy", 1)
    fold.add(("UPDATE things SET name = ? WHERE k = ?", ("b", 1)), "toy", 2)
    fold.add(("INSERT INTO log (k, what) VALUES (?, ?)", (1, "kept")), "toy", 3)
    assert fold.sent == 0
    fold.add(("UPDATE things SET n = n * 2 WHERE k = ?", (1,)), "toy", 4)
    actions, owners = fold.chunk_end()
    # The folded row first (as it stood: renamed by event 2), then the statement itself.
    assert [tuple(a) for a in actions[:2]] == [
        (
            "INSERT INTO things (k, name, n, tag) VALUES (?, ?, ?, ?)",
            [(1, "b", 5, None)],
            "things",
            ("k", "name", "n", "tag"),
        ),
        ("UPDATE things SET n = n * 2 WHERE k = ?", (1,)),
    ]
    assert owners[:2] == [("toy", [2]), ("toy", 4)]
    assert fold.sent == 1
    # The log only received plain inserts: it is still held, written at the end.
    assert len(actions) == 2
    final, _ = fold.finish()
    assert len(final) == 1
    assert [a.table for a in final if isinstance(a, CopyBlock)] == ["log"]


def test_a_unique_key_taken_twice_is_refused_naming_the_event() -> None:
    fold = Fold([TOY])
    fold.add(
        ("INSERT INTO things (k, n) VALUES (?, ?) ON CONFLICT (k) DO NOTHING", (7, 1)), "toy", 1
    )
    with pytest.raises(StatementFailed) as refused:
        fold.add(("INSERT INTO things (k, n) VALUES (?, ?)", (7, 2)), "toy", 2)
    assert (refused.value.name, refused.value.notification_id) == ("toy", 2)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE things SET name = ? WHERE k = ? OR k = ?",
        "UPDATE things SET name = (SELECT max(what) FROM log) WHERE k = ?",
        "INSERT INTO things (k, n) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",  # not a key
        "INSERT INTO things (k, n) VALUES (?, ?) RETURNING k",
        "INSERT INTO things (k, nope) VALUES (?, ?)",
        "DELETE FROM things",
        "UPDATE things SET name = ? WHERE k IS NULL",  # no equality to find rows by
        "UPDATE things SET n = CASE WHEN n BETWEEN ? AND ? THEN 1 END WHERE k = ?",
        "UPDATE things SET n = (SELECT sum(k) FROM log WHERE k = ?) WHERE k = ?",
        "UPDATE things SET n = (SELECT max(k) FROM elsewhere WHERE k = ?) WHERE k = ?",
        "INSERT INTO log (k, what) VALUES (?, 'a''), (9, ''b')",
        # A window whose order could tie (n is no key), or over a nullable column.
        "INSERT INTO log (k, what) SELECT k, name FROM (SELECT * FROM (SELECT f.*,"
        " ROW_NUMBER() OVER (PARTITION BY tag ORDER BY n DESC) AS rn FROM things f"
        " WHERE name = ?) latest WHERE rn = 1) held WHERE k = ?",
        "INSERT INTO log (k, what) SELECT k, name FROM (SELECT * FROM (SELECT f.*,"
        " ROW_NUMBER() OVER (PARTITION BY n ORDER BY tag DESC, k DESC) AS rn FROM things f"
        " WHERE name = ?) latest WHERE rn = 1) held WHERE k = ?",
    ],
)
def test_shapes_outside_its_grammar_are_sent_as_they_are(sql: str) -> None:
    fold = Fold([TOY])
    fold.add((sql, (1, 2, 3)[: sql.count("?")]), "toy", 1)
    assert fold.sent == 1
