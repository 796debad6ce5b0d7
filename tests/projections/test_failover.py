"""Failover of the projector (issue 17): kill -9 the active `tvaers project run` during a
steady write load, then hang (SIGSTOP) the next one; each time a standby takes over within
10 s, and the views go on exactly once."""

from __future__ import annotations

import asyncio

from api.readside import build_store
from projections.catalog import ALL
from projections.leader import HEARTBEAT, LEASE, RETRY
from projections.runner import ProjectionRunner
from services.application import Tvaers
from services.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.projections.failover import (
    ACTIVE,
    STANDING_BY,
    Replica,
    WriteLoad,
    kill_the_leader,
    lowest_position,
    pause_the_leader,
    wait_for,
)
from tests.projections.support import view_contents

TAKEOVER_LIMIT = 10.0
CATCH_UP_LIMIT = 8.0


async def test_killing_the_active_projector_during_writes_hands_over_within_seconds_exactly_once(
    postgres_database_url: str,
) -> None:
    settings = Settings(
        database_url=postgres_database_url, housekeeping=False, secret_key=TEST_SECRET_KEY
    )
    app = Tvaers(settings)  # the event tables exist before the replicas start
    store = build_store(settings)
    await store.open()
    replicas = [Replica(postgres_database_url, "first")]
    load: WriteLoad | None = None
    try:
        await wait_for(lambda: replicas[0].active, 30, "the first replica to lead", replicas)
        replicas.append(Replica(postgres_database_url, "second"))
        await wait_for(lambda: replicas[1].seen(STANDING_BY), 30, "a standby", replicas)

        load = WriteLoad(app).start()
        _, takeover = await kill_the_leader(replicas, store)
        assert takeover.elected < TAKEOVER_LIMIT, takeover
        assert takeover.moving < TAKEOVER_LIMIT, takeover

        # A hung leader (SIGSTOP: its sockets stay open) is replaced too, by the server
        # ending its silent lock session; resumed, it stops and stands by (the fence keeps
        # whatever it had in flight from being applied twice).
        replicas.append(Replica(postgres_database_url, "third"))
        await wait_for(lambda: replicas[2].seen(STANDING_BY), 30, "a new standby", replicas)
        hung, takeover = await pause_the_leader(replicas, store)
        assert hung is replicas[1]
        # (The server's clock runs from the last lock check, up to a heartbeat before.)
        assert LEASE - HEARTBEAT <= takeover.elected < LEASE + RETRY + 2, takeover
        # Then the new leader catches up what was written while the old one hung.
        assert takeover.moving - takeover.elected < CATCH_UP_LIMIT, takeover
        await asyncio.sleep(0.5)  # the new leader under load for a moment
        load.stop()
        load = None

        head = app.max_notification_id()
        await wait_for(
            lambda: _reached(store, head), 60, "the views to catch up", replicas, interval=0.05
        )
        for replica in replicas[1:]:
            assert replica.seen(ACTIVE) is not None
            assert replica.stop() == 0
            assert "Traceback" not in "\n".join(replica.lines), replica.log()
    finally:
        if load is not None:
            load.stop()
        for replica in replicas:
            replica.stop()

    # Exactly once: every view as a clean rebuild of the same log makes it, row for row.
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    try:
        await runner.setup()
        followed = await view_contents(store)
        assert await runner.rebuild() == head
        assert await view_contents(store) == followed
    finally:
        await store.close()
        app.close()


async def _reached(store: object, head: int) -> bool:
    return await lowest_position(store) >= head  # type: ignore[arg-type]
