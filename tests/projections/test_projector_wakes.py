"""The elected `tvaers project run` is woken by each commit's NOTIFY: a write made while it
waits for new events reaches the views at once, not at its next poll (a second later);
while it follows a stream it starts a batch at most every TVAERS_PROJECTOR_INTERVAL."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from api.readside import build_store
from services.application import Tvaers
from services.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.integration.conftest import register_organisation
from tests.projections.failover import Replica, reached, wait_for

# The projector's wait when it found nothing new is a second (run_forever's idle_wait):
# a follower that did not hear the NOTIFY took 0.90-0.92 s here; one that hears it, a few ms.
LAG_LIMIT = 0.5


@contextlib.asynccontextmanager
async def _projector(url: str, **settings: str) -> AsyncIterator[Callable[[int], Awaitable[float]]]:
    """A `tvaers project run` following the log; yields `write(n)`, which registers an
    organisation and returns the seconds until every view had it."""
    app = Tvaers(
        Settings(database_url=url, housekeeping=False, secret_key=TEST_SECRET_KEY)
    )  # the event tables exist before the replica starts
    store = build_store(app.settings)
    await store.open()
    replica = Replica(url, "only", **settings)

    async def write(n: int) -> float:
        register_organisation(app, f"Forening for Trivsel {n}")
        written, head = time.monotonic(), app.max_notification_id()
        seen = await wait_for(
            functools.partial(reached, store, head), 10, "the write in the views", [replica]
        )
        return seen - written

    try:
        await wait_for(
            lambda: any("following the event log" in line for line in replica.lines),
            30,
            "the projector to follow the log",
            [replica],
        )
        yield write
    finally:
        assert replica.stop() == 0, replica.log()
        await store.close()
        app.close()


async def test_a_write_while_the_projector_waits_reaches_the_views_at_once(
    postgres_database_url: str,
) -> None:
    async with _projector(postgres_database_url) as write:
        lags = []
        for n in range(4):
            # Just after the views caught up the follower found nothing new and waits.
            await asyncio.sleep(0.1)
            lags.append(await write(n))
        assert max(lags) < LAG_LIMIT, [round(lag, 3) for lag in lags]


async def test_while_following_a_stream_a_batch_starts_at_most_every_interval(
    postgres_database_url: str,
) -> None:
    """A write right after a batch waits for the rest of the interval (here 800 ms); the
    first after a quiet moment does not."""
    async with _projector(postgres_database_url, TVAERS_PROJECTOR_INTERVAL="800") as write:
        first = await write(1)
        second = await write(2)  # within 800 ms of the first batch
        assert first < LAG_LIMIT, first
        assert 0.4 < second < 0.8 + LAG_LIMIT, second
