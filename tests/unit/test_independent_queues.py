"""A rebuild's batch runs its independent queues side by side: any interleaving of the
queues must have the effect of the statements in their order."""

from __future__ import annotations

import random
import sqlite3

from projections.store import Statement, _group_by_table, independent_queues

TABLES = ("t1", "t2", "t3", "t4")


def _statement(rng: random.Random) -> Statement:
    kind = rng.randrange(4)
    table = rng.choice(TABLES)
    key, text = rng.randrange(6), rng.choice("abcdefgh")
    if kind == 0:  # order matters: the text is appended
        return (
            f"INSERT INTO {table} (k, v) VALUES (?, ?)"
            " ON CONFLICT (k) DO UPDATE SET v = v || excluded.v",
            (key, text),
        )
    if kind == 1:
        return (f"UPDATE {table} SET v = v || ? WHERE k = ?", (text, key))
    if kind == 2:  # reads one table, writes another: joins their queues
        source = rng.choice(TABLES)
        return (
            f"INSERT INTO {table} (k, v) SELECT k + 10, v FROM {source} WHERE k = ?"
            " ON CONFLICT (k) DO UPDATE SET v = excluded.v",
            (key,),
        )
    return (f"DELETE FROM {table} WHERE k = ?", (key,))


def _run(statements: list[Statement]) -> list[tuple[str, int, str]]:
    conn = sqlite3.connect(":memory:")
    for table in TABLES:
        conn.execute(f"CREATE TABLE {table} (k INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    for sql, params in statements:
        conn.execute(sql, params)
    return sorted(
        (table, k, v) for table in TABLES for k, v in conn.execute(f"SELECT k, v FROM {table}")
    )


def test_the_queues_in_any_interleaving_have_the_effect_of_the_statements_in_order() -> None:
    rng = random.Random(11)
    for _ in range(300):
        statements = [_statement(rng) for _ in range(rng.randrange(1, 40))]
        expected = _run(statements)
        segments = independent_queues(statements)
        assert sum(len(q) for queues in segments for q in queues) == len(statements)
        interleaved: list[Statement] = []
        for queues in segments:
            pending = [list(q) for q in queues]
            while any(pending):  # a random lane takes its next statement
                lane = rng.choice([q for q in pending if q])
                interleaved.append(lane.pop(0))
        assert _run(interleaved) == expected
        grouped = [(sql, params) for sql, rows in _group_by_table(statements) for params in rows]
        assert _run(grouped) == expected
