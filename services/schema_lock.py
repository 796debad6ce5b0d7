"""Processes starting at once on one PostgreSQL create the event store's tables one at a time.

The event store's tables, types and functions, and the personal-data key table, are
created by whichever process starts first (`CREATE … IF NOT EXISTS`). PostgreSQL's
catalog does not make two such statements of different sessions idempotent against each
other: API and projector replicas started together on a fresh database failed with
"tuple concurrently updated" or a duplicate key in `pg_type` (5 of 32 process starts,
four at a time). Holding a session advisory lock around the creation serialises it: the
second process finds the tables made.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg

from services.settings import Settings

SCHEMA_LOCK_KEY = 0x7476_6165_7273_0004
"""The bytes "tvaers" then 0x0004: held while a process creates the event store's tables.
The others: 0x0001 the projector's election (projections/leader.py), 0x0002 a rebuild of
the views, 0x0003 a rebuild's helper processes (projections/store.py). It was 0x0002 too,
the rebuild's: a process starting during a rebuild waited for the rebuild to end."""


@contextlib.contextmanager
def schema_lock(settings: Settings) -> Iterator[None]:
    """Hold the schema lock meanwhile (PostgreSQL; nothing on SQLite, a single process)."""
    if settings.store != "postgresql":
        yield
        return
    dsn, _ = settings.asyncpg_dsn()
    with psycopg.connect(
        dsn, autocommit=True, connect_timeout=10, application_name="tvaers schema"
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK_KEY,))
        yield  # the lock goes with the connection
