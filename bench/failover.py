"""Projector failover: how long after `kill -9` of the active `tvaers project run` the
standby leads and the views move again, under a steady write load.

    .venv/bin/python -m tests.pgserver -- .venv/bin/python bench/failover.py --kills 5

Two replicas run as real processes (`python -m api.cli project run`, as in compose.yaml);
a thread writes through the application (`tests/projections/failover.py`'s `WriteLoad`:
partnerships with partners, ladder moves, roles, agreements, ~150 events a round). Each
round kills the active replica with SIGKILL and measures, from the kill:

- elected: until the standby logs "became the active projector";
- moving: until the lowest position in `projection_tracking` is past where it was at the
  kill (the new leader has set up, caught up and committed a batch).

Then a new replica replaces the killed one (as a supervisor would restart it). Then
`--pauses` rounds hang the leader with SIGSTOP (its sockets stay open: the server ends its
lock session after `idle_session_timeout`), resumed with SIGCONT once a standby leads; then
`--stuck` rounds pause it at random moments until it is caught inside a statement of its
batch holding the positions' locks (a COPY waiting for its data: no server timeout ends
that session, the new leader must end it), and leave it paused likewise. Baseline
in the same run: a fresh asyncpg connection plus `pg_try_advisory_lock` (the floor of any
takeover), and the standby's retry interval (`projections.leader.RETRY`). At the end the
load stops, the views catch up and are compared with a clean rebuild, row for row.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path

import asyncpg
import generate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.projections.failover

from api.readside import build_store
from projections.catalog import ALL
from projections.leader import HEARTBEAT, LEASE, RETRY
from projections.runner import ProjectionRunner
from services.application import Tvaers
from services.settings import Settings
from tests.projections.failover import (
    STANDING_BY,
    Replica,
    WriteLoad,
    kill_the_leader,
    pause_the_leader,
    reached,
    wait_for,
)
from tests.projections.support import view_contents


async def lock_baseline(url: str, rounds: int = 20) -> list[float]:
    """Seconds for a new connection plus pg_try_advisory_lock (then released)."""
    dsn, server_settings = Settings(database_url=url).asyncpg_dsn()
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        conn = await asyncpg.connect(dsn, server_settings=server_settings)
        assert await conn.fetchval("SELECT pg_try_advisory_lock(42)")
        times.append(time.perf_counter() - began)
        await conn.close()
    return times


async def bench(url: str, kills: int, pauses: int, stuck: int) -> None:
    baseline = await lock_baseline(url)
    settings = Settings(database_url=url, housekeeping=False)
    app = Tvaers(settings)
    store = build_store(settings)
    await store.open()
    replicas = [Replica(url, "replica-1")]
    await wait_for(lambda: replicas[0].active, 60, "the first leader", replicas)
    replicas.append(Replica(url, "replica-2"))
    await wait_for(lambda: replicas[1].seen(STANDING_BY), 60, "a standby", replicas)
    load = WriteLoad(app).start()
    elected, moving = [], []
    hung_elected, hung_moving = [], []
    stuck_elected, stuck_moving = [], []
    try:
        for kill in range(1, kills + 1):
            await asyncio.sleep(1.0)  # the leader under load for a while
            killed, takeover = await kill_the_leader(replicas, store)
            elected.append(takeover.elected)
            moving.append(takeover.moving)
            print(
                f"kill {kill}: elected after {takeover.elected:.2f} s,"
                f" views moving after {takeover.moving:.2f} s"
                f" (position at the kill: {takeover.position_at_kill})"
            )
            replicas.remove(killed)
            replacement = Replica(url, f"replica-{kill + 2}")
            replicas.append(replacement)
            await wait_for(lambda r=replacement: r.seen(STANDING_BY), 60, "a standby", replicas)
        for pause in range(1, pauses + 1):
            await asyncio.sleep(1.0)
            _, takeover = await pause_the_leader(replicas, store)
            hung_elected.append(takeover.elected)
            hung_moving.append(takeover.moving)
            print(
                f"hang {pause} (SIGSTOP): elected after {takeover.elected:.2f} s,"
                f" views moving after {takeover.moving:.2f} s; resumed, the old leader stood by"
            )
        rng = random.Random(20261207)
        for pause in range(1, stuck + 1):
            await asyncio.sleep(1.0)
            _, takeover = await pause_the_leader(replicas, store, in_a_statement=rng)
            stuck_elected.append(takeover.elected)
            stuck_moving.append(takeover.moving)
            print(
                f"hang {pause} inside a statement of a batch: elected after"
                f" {takeover.elected:.2f} s, views moving after {takeover.moving:.2f} s;"
                " resumed, the old leader stood by"
            )
    finally:
        load.stop()
    head = app.max_notification_id()
    await wait_for(lambda: reached(store, head), 120, "the catch-up", replicas, interval=0.05)
    for replica in replicas:
        replica.stop()
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    await runner.setup()
    followed = await view_contents(store)
    await runner.rebuild()
    identical = await view_contents(store) == followed
    await store.close()
    app.close()

    print(
        f"takeover after kill -9 (median of {kills}): elected {statistics.median(elected):.2f} s"
        f" (max {max(elected):.2f}), views moving {statistics.median(moving):.2f} s"
        f" (max {max(moving):.2f})"
        f" | baseline: connect + pg_try_advisory_lock {statistics.median(baseline) * 1000:.1f} ms"
        f" (median of {len(baseline)}), standby retry interval {RETRY:.1f} s"
    )
    if pauses:
        print(
            f"takeover from a hung leader (SIGSTOP, median of {pauses}):"
            f" elected {statistics.median(hung_elected):.2f} s,"
            f" views moving {statistics.median(hung_moving):.2f} s"
            f" | baseline: the lease (idle_session_timeout) {LEASE} s + retry {RETRY:.1f} s"
        )
    if stuck:
        print(
            f"takeover from a leader hung inside a statement (median of {stuck}):"
            f" elected {statistics.median(stuck_elected):.2f} s,"
            f" views moving {statistics.median(stuck_moving):.2f} s"
            f" (max {max(stuck_moving):.2f}) | baseline: the lease {LEASE} s + retry"
            f" {RETRY:.1f} s + one lock check {HEARTBEAT:.1f} s"
        )
    print(
        f"events written during the run: {head}; views identical to a clean rebuild: "
        f"{'yes' if identical else 'NO'}"
    )
    if not identical:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--pauses", type=int, default=2, help="rounds of SIGSTOP (hung leader)")
    parser.add_argument(
        "--stuck", type=int, default=2, help="rounds of SIGSTOP inside a statement of a batch"
    )
    args = parser.parse_args()
    admin = generate.admin_url()
    print(f"code: {generate.code_version()}")
    url = generate.fresh_database(admin, "bench_failover")
    asyncio.run(bench(url, args.kills, args.pauses, args.stuck))


if __name__ == "__main__":
    main()
