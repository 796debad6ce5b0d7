"""Timestamps as SQLite text: the faster formatting gives the text it always gave."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from projections.store import in_utc, ts_text


def test_ts_text_is_the_strftime_text_it_always_was() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        moment = datetime(1, 1, 2, tzinfo=UTC) + timedelta(
            seconds=rng.randrange(315_537_000_000), microseconds=rng.choice([0, 7, 999_999])
        )
        assert ts_text(moment) == in_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), moment
