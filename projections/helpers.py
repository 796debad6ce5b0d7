"""Small helpers the cross-partnership queries share: limits and lists of ids in SQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

from projections.core import InvalidQuery

T = TypeVar("T")

MAX_LIMIT = 200
CHUNK = 500
"""Ids per `IN (...)` list: well inside SQLite's and asyncpg's limits on parameters."""


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")


def marks(values: Sequence[object]) -> str:
    """`?, ?, ...`: one placeholder per value, for an `IN (...)` list."""
    return ",".join("?" * len(values))


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
