"""bench/generate.py's workers open the application over tables made once before them.

Two workers each letting the application create its tables replaced the library's
insert function at the same moment and failed about once in seven with "tuple
concurrently updated" (issue 17). Opening a worker's application must change nothing in
the catalogue: no table, function or index created or replaced.
"""

from __future__ import annotations

import psycopg

from bench.generate import create_schema, open_app


def catalogue(url: str) -> set[tuple[str, str, str]]:
    """Every table, index, sequence and function of the database, with its row version
    in the catalogue (`xmin` changes when CREATE OR REPLACE rewrites it). Not the key
    store's table: every application's start rewrites it (VACUUM FULL, one at a time under
    its lock), which is its erasure guarantee, not schema."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT 'class', relname, xmin::text FROM pg_class"
            " WHERE relnamespace = 'public'::regnamespace"
            " AND relname NOT LIKE 'tvaers\\_person\\_keys%'"
            " UNION ALL SELECT 'function', proname, xmin::text FROM pg_proc"
            " WHERE pronamespace = 'public'::regnamespace"
        ).fetchall()
    return {(kind, name, version) for kind, name, version in rows}


def test_a_generating_workers_application_creates_and_replaces_nothing(
    postgres_database_url: str,
) -> None:
    create_schema(postgres_database_url)  # once, before the workers start
    made = catalogue(postgres_database_url)
    assert any(kind == "function" for kind, _, _ in made)  # the library's insert function
    for _ in range(2):  # one per worker
        open_app(postgres_database_url, create_tables=False).close()
    assert catalogue(postgres_database_url) == made
