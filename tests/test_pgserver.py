"""The PostgreSQL test fixtures give working, isolated, disposable databases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import psycopg
import pytest

from tests import pgserver


def _user_tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
            " ORDER BY table_name"
        ).fetchall()
    return [row[0] for row in rows]


def _database_exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
    assert row is not None
    return bool(row[0] == 1)


def test_create_insert_select(postgres_database_url: str) -> None:
    with psycopg.connect(postgres_database_url) as conn:
        conn.execute("CREATE TABLE registry (id serial PRIMARY KEY, name text NOT NULL)")
        conn.execute(
            "INSERT INTO registry (name) VALUES (%s), (%s)",
            ("Sundhedshus Tværs", "Ældre & Ø-kommuner"),
        )
        conn.commit()
    with psycopg.connect(postgres_database_url) as conn:
        rows = conn.execute("SELECT id, name FROM registry ORDER BY id").fetchall()
        encoding = conn.execute("SHOW server_encoding").fetchone()
    assert rows == [(1, "Sundhedshus Tværs"), (2, "Ældre & Ø-kommuner")]
    assert encoding == ("UTF8",)


def test_fixture_connects_to_its_own_database(postgres_database_url: str) -> None:
    expected = urlsplit(postgres_database_url).path.lstrip("/")
    with psycopg.connect(postgres_database_url) as conn:
        row = conn.execute("SELECT current_database()").fetchone()
    assert row == (expected,)
    assert expected != "postgres"


def test_two_databases_are_isolated(
    postgres_database_url: str, make_postgres_database: Callable[[], str]
) -> None:
    other_url = make_postgres_database()
    assert other_url != postgres_database_url
    with psycopg.connect(postgres_database_url) as conn:
        conn.execute("CREATE TABLE only_here (x int)")
        conn.execute("INSERT INTO only_here VALUES (42)")
        conn.commit()
    with psycopg.connect(other_url) as conn:
        conn.execute("CREATE TABLE only_there (y text)")
        conn.commit()
    assert _user_tables(postgres_database_url) == ["only_here"]
    assert _user_tables(other_url) == ["only_there"]
    with psycopg.connect(other_url) as conn, pytest.raises(psycopg.errors.UndefinedTable):
        conn.execute("SELECT x FROM only_here")


@pytest.mark.parametrize("run", [1, 2])
def test_each_test_starts_with_an_empty_database(postgres_database_url: str, run: int) -> None:
    # Both runs create the same table without IF NOT EXISTS: if the database leaked
    # from one test to the next, the second would fail.
    assert _user_tables(postgres_database_url) == []
    with psycopg.connect(postgres_database_url) as conn:
        conn.execute("CREATE TABLE leaked_between_tests (run int)")
        conn.execute("INSERT INTO leaked_between_tests VALUES (%s)", (run,))
        conn.commit()


def test_drop_database_terminates_connections(postgres_url: str) -> None:
    name = f"tvaers_test_drop_{uuid.uuid4().hex[:12]}"
    url = pgserver.create_database(postgres_url, name)
    try:
        assert _database_exists(postgres_url, name)
        with psycopg.connect(url) as lingering:
            pgserver.drop_database(postgres_url, name)
            assert not _database_exists(postgres_url, name)
            with pytest.raises(psycopg.OperationalError):
                lingering.execute("SELECT 1")
    finally:
        pgserver.drop_database(postgres_url, name)  # no-op if already gone
    assert not _database_exists(postgres_url, name)


def test_postgres_marker_is_added(request: pytest.FixtureRequest, postgres_url: str) -> None:
    assert request.node.get_closest_marker("postgres") is not None


def test_database_names_are_validated(postgres_url: str) -> None:
    with pytest.raises(ValueError, match="database name"):
        pgserver.create_database(postgres_url, 'x"; DROP DATABASE postgres; --')


def test_database_url_replaces_only_the_database() -> None:
    url = "postgresql://u:p@db.example:5433/postgres?sslmode=disable"
    assert pgserver.database_url(url, "other") == (
        "postgresql://u:p@db.example:5433/other?sslmode=disable"
    )
