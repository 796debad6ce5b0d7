"""The SQLite rebuild's fast value conversions give exactly what the SQLite store writes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from aggregates.account import AccessRole
from aggregates.taxonomy import Dimension, Rung
from projections.rebuild import row_converter, sqlite_row
from projections.store import _sqlite_param, in_utc, ts_text


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(12)
    if kind == 0:
        return None
    if kind == 1:
        return rng.randrange(-5, 10**6)
    if kind == 2:
        return rng.choice(["Opstartsmøde", "", "a\x00b", '{"a": "\\u0000"}', "x\\u0041", "æøå"])
    if kind == 3:
        return UUID(int=rng.getrandbits(128))
    if kind == 4:
        return datetime(2016, 1, 1, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(10**9), microseconds=rng.choice([0, rng.randrange(10**6)])
        )
    if kind == 5:
        moment = datetime(2016, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**9))
        return moment.astimezone(timezone(timedelta(hours=rng.randrange(-12, 13))))
    if kind == 6:
        return date(2016, 1, 1) + timedelta(days=rng.randrange(4000))
    if kind == 7:
        return rng.choice(list(Rung))
    if kind == 8:
        return rng.choice(list(Dimension))
    if kind == 9:
        return rng.choice(list(AccessRole))
    if kind == 10:
        return Decimal(rng.randrange(10**6)) / 100
    return rng.random() < 0.5


def test_generated_converters_give_the_sqlite_stores_values_whatever_each_row_holds() -> None:
    rng = random.Random(17)
    for _ in range(300):
        width = rng.randrange(1, 12)
        sample = tuple(_value(rng) for _ in range(width))
        convert = row_converter(sample)
        # Later rows of the same statement may hold other types (a None, another enum).
        for row in [sample, *(tuple(_value(rng) for _ in range(width)) for _ in range(20))]:
            expected = tuple(map(_sqlite_param, row))
            assert convert(row) == expected, row
            assert sqlite_row(row) == expected, row


def test_ts_text_is_the_strftime_text_it_always_was() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        moment = datetime(1, 1, 2, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(315_537_000_000), microseconds=rng.choice([0, 7, 999_999])
        )
        assert ts_text(moment) == in_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), moment
