"""Rebuild every projection from zero on PostgreSQL, next to read-only baselines.

    python -m tests.pgserver -- .venv/bin/python bench/rebuild.py --events 1000000

Fills a fresh database with `generate.py` (COPY), then in the same process:

1. read-only baseline: the same rows the runner reads (`SELECT notification_id,
   originator_id, originator_version, topic, state ... ORDER BY notification_id`), in
   batches of the runner's batch size (keyset on notification_id), doing nothing;
2. read + decode: the same, plus the application's mapper decoding every event;
3. `runner.rebuild()` of ALL projections (projections/catalog.py), timed, with the time
   split between reading, projecting (decode + handlers) and writing (store.apply),
   and RSS sampled at 25/50/75/100 % of the log;
4. the read-only baseline again (the machine is shared: two samples show the noise).

`--profile FILE` writes a cProfile of the rebuild (run a smaller --events for that).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import resource
import time
from collections.abc import Callable
from typing import Any

import generate
from eventsourcing.persistence import StoredEvent

from api.readside import build_store
from projections.catalog import ALL
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore
from services.application import Tvaers
from services.settings import Settings

SELECT = (
    "SELECT notification_id, originator_id, originator_version, topic, state"
    " FROM tvaers_events WHERE notification_id > $1 ORDER BY notification_id LIMIT $2"
)


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB."""
    with open("/proc/self/statm") as statm:
        current = int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def read_only(store: PostgresReadStore, batch: int) -> tuple[int, float]:
    rows, last, began = 0, 0, time.perf_counter()
    async with store.pool.acquire() as conn:
        while True:
            records = await conn.fetch(SELECT, last, batch)
            if not records:
                break
            rows += len(records)
            last = records[-1][0]
    return rows, time.perf_counter() - began


async def read_decode(store: PostgresReadStore, batch: int, decode: Any) -> tuple[int, float]:
    rows, last, began = 0, 0, time.perf_counter()
    async with store.pool.acquire() as conn:
        while True:
            records = await conn.fetch(SELECT, last, batch)
            if not records:
                break
            for r in records:
                decode(
                    StoredEvent(originator_id=r[1], originator_version=r[2], topic=r[3], state=r[4])
                )
            rows += len(records)
            last = records[-1][0]
    return rows, time.perf_counter() - began


class Timed:
    """Wraps an (async) callable and adds up the seconds spent in it."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.seconds = 0.0
        self.calls = 0

    def sync(self, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began
            self.calls += 1

    async def coro(self, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began
            self.calls += 1


async def bench(url: str, batch_size: int, profile: str | None, checksum: bool) -> None:
    settings = Settings(database_url=url)
    tvaers = Tvaers(settings)
    store = build_store(settings)
    assert isinstance(store, PostgresReadStore)
    await store.open()
    try:
        runner = ProjectionRunner(store, ALL, tvaers.mapper.to_domain_event, batch_size=batch_size)
        await runner.setup()
        head = await store.head()
        batch = runner.batch_size

        rows, seconds = await read_only(store, batch)
        assert rows == head, (rows, head)
        read_rate_1 = rows / seconds
        print(
            f"read-only baseline (before): {rows:,} rows in {seconds:.1f} s"
            f" = {read_rate_1:,.0f} rows/s"
        )
        rows, seconds = await read_decode(store, batch, tvaers.mapper.to_domain_event)
        decode_rate = rows / seconds
        print(f"read+decode baseline: {rows:,} rows in {seconds:.1f} s = {decode_rate:,.0f}/s")

        # Time the three phases of each batch without changing what the runner does.
        reading = Timed(store.read_notifications)
        writing = Timed(store.apply)
        projecting = Timed(runner._project)
        store.read_notifications = reading.coro  # type: ignore[method-assign]
        store.apply = writing.coro  # type: ignore[method-assign]
        runner._project = projecting.sync  # type: ignore[method-assign]

        marks = [0.25, 0.50, 0.75, 1.00]
        samples: list[tuple[int, float, float, float]] = []
        began = time.perf_counter()

        def progress(position: int, total: int) -> None:
            while marks and position >= marks[0] * total:
                current, peak = rss_mib()
                samples.append(
                    (int(marks.pop(0) * 100), time.perf_counter() - began, current, peak)
                )

        rss_before = rss_mib()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        covered = await runner.rebuild(progress=progress)
        elapsed = time.perf_counter() - began
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        rebuild_rate = covered / elapsed

        rows, seconds = await read_only(store, batch)
        read_rate_2 = rows / seconds
        print(
            f"read-only baseline (after):  {rows:,} rows in {seconds:.1f} s"
            f" = {read_rate_2:,.0f} rows/s"
        )

        counts = {}
        for projection in ALL:
            for table in projection.tables:
                counts[table] = await store.fetchval(f"SELECT count(*) FROM {table}")
        print("view rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        if checksum:  # to compare the views built by two versions of the code
            for table in counts:
                digest = await store.fetchval(
                    f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
                )
                print(f"checksum {table}: {digest}")
        print(
            f"rebuild split: read {reading.seconds:.1f} s, project (decode+handlers) "
            f"{projecting.seconds:.1f} s, write (store.apply) {writing.seconds:.1f} s, "
            f"other {elapsed - reading.seconds - projecting.seconds - writing.seconds:.1f} s; "
            f"{writing.calls} batches of {batch}"
        )
        print(f"RSS before rebuild: {rss_before[0]:.0f} MiB (peak so far {rss_before[1]:.0f} MiB)")
        for share, at, current, peak in samples:
            print(
                f"RSS at {share:>3}% ({at:6.1f} s): current {current:.0f} MiB, peak {peak:.0f} MiB"
            )
        read_rate = (read_rate_1 + read_rate_2) / 2
        print()
        print(
            f"rebuild: {rebuild_rate:,.0f} events/s | read-only baseline: {read_rate:,.0f} rows/s"
            f" | read+decode: {decode_rate:,.0f}/s | ratio X/Y {rebuild_rate / read_rate:.3f}"
        )
        print(
            f"({covered:,} events in {elapsed:.1f} s; target >= 50,000 events/s: "
            f"{'met' if rebuild_rate >= 50_000 else 'NOT met'})"
        )
    finally:
        await store.close()
        tvaers.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2_000, help="the runner's default")
    parser.add_argument("--workers", type=int, default=2, help="generating processes")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench_rebuild db")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the rebuild into FILE")
    parser.add_argument("--checksum", action="store_true", help="print an md5 of every view")
    args = parser.parse_args()
    admin = generate.admin_url()
    print(f"code: {generate.code_version()}")
    url = generate.database_url(admin, "bench_rebuild")
    if not (args.reuse and generate.event_count(admin, "bench_rebuild") >= args.events):
        url = generate.fresh_database(admin, "bench_rebuild")
        stats = generate.generate_postgres(url, args.events, workers=args.workers)
        print(stats.summary())
    asyncio.run(bench(url, args.batch_size, args.profile, args.checksum))


if __name__ == "__main__":
    main()
