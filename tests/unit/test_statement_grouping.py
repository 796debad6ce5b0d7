"""How a batch's statements are grouped for writing: table by table, order kept where it matters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.store import Statement, _group_by_table, statement_tables

SHAPES = [
    "INSERT INTO a (x) VALUES (?)",
    "INSERT INTO b (x) VALUES (?)",
    "INSERT INTO c (x) VALUES (?)",
    "UPDATE a SET x = ? WHERE x = 0",
    "DELETE FROM b WHERE x = ?",
    "UPDATE a SET x = (SELECT max(x) FROM b WHERE x < ?)",
    "INSERT INTO c (x) SELECT x FROM a WHERE x = ?",
    "SELECT ?",  # names no table: a barrier
]


def flatten(groups: list[tuple[str, list[tuple[int, ...]]]]) -> list[tuple[str, int]]:
    return [(sql, params[0]) for sql, rows in groups for params in rows]


@given(st.lists(st.sampled_from(range(len(SHAPES))), max_size=60))
def test_statements_sharing_a_table_keep_their_order(shapes: list[int]) -> None:
    statements: list[Statement] = [(SHAPES[s], (i,)) for i, s in enumerate(shapes)]
    written = flatten(_group_by_table(statements))

    assert sorted(i for _, i in written) == list(range(len(statements)))  # each exactly once
    place = {i: n for n, (_, i) in enumerate(written)}
    for i, (sql_i, _) in enumerate(statements):
        for j in range(i + 1, len(statements)):
            sql_j = statements[j][0]
            shared = set(statement_tables(sql_i)) & set(statement_tables(sql_j))
            barrier = not statement_tables(sql_i) or not statement_tables(sql_j)
            if shared or barrier:
                assert place[i] < place[j], (statements[i], statements[j], written)


def test_independent_tables_become_one_run_each() -> None:
    statements: list[Statement] = []
    for i in range(5):
        statements.append(("INSERT INTO a (x) VALUES (?)", (i,)))
        statements.append(("INSERT INTO b (x) VALUES (?)", (i,)))
        # reads b and writes a: a's and b's statements meet here, in order
        statements.append(("UPDATE a SET x = (SELECT max(x) FROM b) WHERE x = ?", (i,)))
        statements.append(("INSERT INTO c (x) VALUES (?)", (i,)))

    groups = _group_by_table(statements)

    c_runs = [rows for sql, rows in groups if sql.startswith("INSERT INTO c")]
    assert c_runs == [[(i,) for i in range(5)]]  # c never waits for a or b: one run
    assert len(groups) == 1 + 5 * 3  # c's run, then a, b, update for each i
