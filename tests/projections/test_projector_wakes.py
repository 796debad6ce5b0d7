"""The elected `tvaers project run` is woken by each commit's NOTIFY: a write made while it
waits for new events reaches the views at once, not at its next poll (a second later)."""

from __future__ import annotations

import asyncio
import functools
import time

from aggregates import Organisation
from aggregates.taxonomy import Sector
from api.readside import build_store
from services.application import Tvaers
from services.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.projections.failover import Replica, lowest_position, wait_for
from tests.projections.support import meta

# The projector's wait when it found nothing new is a second (run_forever's idle_wait):
# a follower that did not hear the NOTIFY took 0.8-0.9 s here; one that hears it, a few ms.
LAG_LIMIT = 0.5


async def test_a_write_while_the_projector_waits_reaches_the_views_at_once(
    postgres_database_url: str,
) -> None:
    settings = Settings(
        database_url=postgres_database_url, housekeeping=False, secret_key=TEST_SECRET_KEY
    )
    app = Tvaers(settings)  # the event tables exist before the replica starts
    store = build_store(settings)
    await store.open()
    replica = Replica(postgres_database_url, "only")
    try:
        await wait_for(
            lambda: any("following the event log" in line for line in replica.lines),
            30,
            "the projector to follow the log",
            [replica],
        )
        lags = []
        for n in range(4):
            # Just after the views caught up the follower found nothing new and waits.
            await asyncio.sleep(0.1)
            app.save(
                Organisation.register(
                    name=f"Forening for Trivsel {n}",
                    sector=Sector.VOLUNTARY,
                    municipality=None,
                    cvr=None,
                    parent=None,
                    meta=meta(),
                )
            )
            written, head = time.monotonic(), app.max_notification_id()
            seen = await wait_for(
                functools.partial(_reached, store, head), 10, "the write in the views", [replica]
            )
            lags.append(seen - written)
        assert max(lags) < LAG_LIMIT, [round(lag, 3) for lag in lags]
    finally:
        assert replica.stop() == 0, replica.log()
        await store.close()
        app.close()


async def _reached(store: object, head: int) -> bool:
    return await lowest_position(store) >= head  # type: ignore[arg-type]
