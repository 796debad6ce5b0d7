"""Large COPY blocks (a rebuild's) go to PostgreSQL with their values as they are; a value
PostgreSQL or asyncpg refuses makes the block go again, converted as every statement's
values are (`store._pg_row`): a NUL in a text becomes U+FFFD, an enumeration its value."""

from __future__ import annotations

import enum

import asyncpg
import pytest

from projections.store import _AS_THEY_ARE_ROWS, CopyBlock, _write_statements


class Colour(enum.Enum):  # not a str: asyncpg cannot encode it as it is
    RED = "red"


SQL = "INSERT INTO probe (n, s) VALUES (?, ?)"


@pytest.mark.parametrize(
    ("odd", "stored"),
    [("a\x00b", "a\ufffdb"), (Colour.RED, "red"), ("plain", "plain")],
)
async def test_a_large_block_with_an_odd_value_is_written_converted(
    postgres_database_url: str, odd: object, stored: str
) -> None:
    rows = [(n, f"row {n}") for n in range(_AS_THEY_ARE_ROWS + 500)]
    rows[700] = (700, odd)  # type: ignore[assignment]
    conn = await asyncpg.connect(postgres_database_url)
    try:
        await conn.execute("CREATE TABLE probe (n int PRIMARY KEY, s text NOT NULL)")
        async with conn.transaction():  # as in a batch: the block's savepoint inside
            await _write_statements(conn, [CopyBlock(SQL, rows, "probe", ("n", "s"))])  # type: ignore[arg-type]
        assert await conn.fetchval("SELECT count(*) FROM probe") == len(rows)
        assert await conn.fetchval("SELECT s FROM probe WHERE n = 700") == stored
        assert await conn.fetchval("SELECT s FROM probe WHERE n = 701") == "row 701"
    finally:
        await conn.close()
