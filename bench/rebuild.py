"""Rebuild every projection from zero on PostgreSQL, next to read-only baselines, while
another process reads the live views.

    python -m tests.pgserver -- .venv/bin/python bench/rebuild.py --events 1000000

Fills a fresh database with `generate.py` (COPY), then in the same process:

1. read-only baseline: the rows the rebuild reads (`SELECT notification_id, originator_id,
   originator_version, topic, state ... ORDER BY notification_id`), in keyset pages of
   `--page` rows (the rebuild's chunk), doing nothing;
2. read + decode: the same, plus the application's mapper (`mapper.to_domain_event`);
3. read + fast decode: the same with the fastest decoder there is (the mapper's bulk
   `rebuild_decoder()`, as `runner.rebuild()` uses it; "n/a" when the code has none);
4. the live views are filled first if they are behind the log (a rebuild, not measured),
   so that readers have something to read;
5. `runner.rebuild()` of ALL projections (projections/catalog.py), as the API builds the
   runner, timed end to end (reading, projecting, writing, keys and indexes, switch), with:
   - a reader in another process, on its own connection, querying a view (a random
     partnership's ladder, or its registry row) every `--read-every` ms: latencies p50,
     p99 and max, and the reads that failed (the views must serve throughout);
   - RSS sampled every 20 ms by a thread (this process and its children, i.e. the
     rebuild's helper process, together; and `ru_maxrss`), and at 25/50/75/100 %
     of the log through the progress callback;
   - the seconds spent inside the store's steps (its async methods named like a step of a
     rebuild; they overlap: the rebuild reads ahead and projects while it writes);
6. the read-only baseline again (the machine is shared: two samples show the noise).

One summary line at the end holds every figure; the details are above it.
`--profile FILE` writes a cProfile of the rebuild (run a smaller --events for that).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import inspect
import multiprocessing
import os
import random
import resource
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from typing import Any

import asyncpg
import generate
from eventsourcing.persistence import StoredEvent

from api import readside
from api.readside import build_store
from projections.catalog import ALL
from projections.runner import ProjectionRunner, run
from projections.store import PostgresReadStore
from services.application import Tvaers
from services.settings import Settings

SELECT = (
    "SELECT notification_id, originator_id, originator_version, topic, state"
    " FROM tvaers_events WHERE notification_id > $1 ORDER BY notification_id LIMIT $2"
)
# What the reader asks the live views, in turn (a partnership's ladder, its registry row).
READS = (
    "SELECT organisation_id, rung, valid_on FROM ladder_facts"
    " WHERE partnership_id = $1 AND superseded_at IS NULL ORDER BY organisation_id",
    "SELECT * FROM partnerships WHERE id = $1",
)
# The store's steps of a rebuild whose time is added up: its async methods with one of
# these in their name (whichever the code has: open_shadow, begin_rebuild, apply_shadow,
# copy_streamed, finish_rebuild, switch_shadow, ...).
STEPS = ("read", "shadow", "rebuild", "copy", "switch", "index", "apply", "script")


def _rss_of(pid: int | str) -> float:
    try:
        with open(f"/proc/{pid}/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except (OSError, ValueError, IndexError):  # gone meanwhile
        return 0.0


def _children() -> list[str]:
    """The pids of this process's children (the rebuild's helper process)."""
    found: list[str] = []
    for task in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError), open(f"/proc/self/task/{task}/children") as listed:
            found += listed.read().split()
    return found


NOT_MEASURED: set[str] = set()  # children that are not the rebuild's (the reader)


def rss_mib() -> tuple[float, float]:
    """(current, peak) resident set size in MiB: current of this process and its children
    but the reader (the rebuild's helper process) together; peak of this process alone
    (ru_maxrss)."""
    helpers = [pid for pid in _children() if pid not in NOT_MEASURED]
    current = _rss_of("self") + sum(_rss_of(pid) for pid in helpers)
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler:
    """The largest current RSS seen by a thread looking every `interval` seconds."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.peak = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib()[0])
            self.samples += 1
            self._stop.wait(self.interval)

    @contextlib.contextmanager
    def sampling(self) -> Iterator[RssSampler]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


# -- baselines -----------------------------------------------------------------------------


async def scan(store: PostgresReadStore, page: int, each: Callable[[Any], Any] | None) -> float:
    """Rows per second reading the whole log in keyset pages, calling `each` on every row."""
    rows, last, began = 0, 0, time.perf_counter()
    async with store.pool.acquire() as conn:
        while True:
            records = await conn.fetch(SELECT, last, page)
            if not records:
                break
            if each is not None:
                for r in records:
                    each(r)
            rows += len(records)
            last = records[-1][0]
    seconds = time.perf_counter() - began
    head = await store.head()
    assert rows == head, (rows, head)
    return rows / seconds


def mapper_decode(tvaers: Tvaers) -> Callable[[Any], Any]:
    decode = tvaers.mapper.to_domain_event
    return lambda r: decode(
        StoredEvent(originator_id=r[1], originator_version=r[2], topic=r[3], state=r[4])
    )


def fast_decode(tvaers: Tvaers) -> Callable[[Any], Any] | None:
    """The rebuild's own bulk decoder (None where the code has none)."""
    make = getattr(tvaers.mapper, "rebuild_decoder", None)
    if make is None:
        return None
    decode = make()
    return lambda r: decode(r[3], r[1], r[2], r[4])


# -- the reader, in a process of its own ----------------------------------------------------


def reader_process(url: str, ids: list[str], every: float, pipe: Connection) -> None:
    """Query the live views every `every` seconds until told to stop; send back every read
    (when it started, its milliseconds, whether it was served) and the first errors."""
    asyncio.run(_read(url, ids, every, pipe))


async def _read(url: str, ids: list[str], every: float, pipe: Connection) -> None:
    rng = random.Random(17)
    conn = await asyncpg.connect(url)
    reads: list[tuple[float, float, bool]] = []  # (wall-clock start, ms, served)
    errors: list[str] = []
    pipe.send("ready")
    next_at = time.perf_counter()
    n = 0
    while not pipe.poll():
        sql = READS[n % len(READS)]
        n += 1
        at, began = time.time(), time.perf_counter()
        try:
            await conn.fetch(sql, rng.choice(ids))
            served = True
        except Exception as error:  # noqa: BLE001 - a read that fails is what we count
            served = False
            if len(errors) < 5:
                errors.append(f"{type(error).__name__}: {error}"[:200])
            with contextlib.suppress(Exception):
                await conn.close()
            conn = await asyncpg.connect(url)
        reads.append((at, (time.perf_counter() - began) * 1000, served))
        next_at = max(next_at + every, time.perf_counter())
        await asyncio.sleep(next_at - time.perf_counter())
    pipe.recv()
    await conn.close()
    pipe.send((reads, errors))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the rebuild --------------------------------------------------------------------------


class Timed:
    """Wraps an async callable and adds up the seconds spent in it."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.seconds = 0.0
        self.calls = 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return await self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began
            self.calls += 1


def make_runner(
    store: PostgresReadStore, tvaers: Tvaers, batch_size: int, *, helper: bool = True
) -> ProjectionRunner:
    """The runner as api/readside.py builds it (with the bulk decoder where there is one,
    and a helper process's decoder unless `helper` is False)."""
    runner = ProjectionRunner(store, ALL, tvaers.mapper.to_domain_event, batch_size=batch_size)
    fast = getattr(tvaers.mapper, "rebuild_decoder", None)
    if fast is not None and hasattr(runner, "rebuild_decoder"):
        runner.rebuild_decoder = fast
    helper_decoder = getattr(readside, "rebuild_decoder_for", None)
    if helper and helper_decoder is not None and hasattr(runner, "helper_decoder"):
        runner.helper_decoder = functools.partial(helper_decoder, tvaers.settings)
    return runner


async def bench(url: str, args: argparse.Namespace) -> None:
    settings = Settings(database_url=url)
    tvaers = Tvaers(settings)
    store = build_store(settings)
    assert isinstance(store, PostgresReadStore)
    await store.open()
    try:
        runner = make_runner(store, tvaers, args.batch_size, helper=not args.single)
        await runner.setup()
        head = await store.head()

        read_rate_1 = await scan(store, args.page, None)
        print(f"read-only baseline (before): {head:,} rows, {read_rate_1:,.0f} rows/s")
        decode_rate = await scan(store, args.page, mapper_decode(tvaers))
        print(f"read+decode baseline (mapper.to_domain_event): {decode_rate:,.0f} events/s")
        fast = fast_decode(tvaers)
        fast_rate = await scan(store, args.page, fast) if fast is not None else float("nan")
        print(f"read+decode baseline (mapper.rebuild_decoder, bulk): {fast_rate:,.0f} events/s")

        tracking = await store.tracking()
        if min((t.position for t in tracking.values()), default=0) < head:
            began = time.perf_counter()
            await runner.rebuild()
            print(f"live views filled first (not measured): {time.perf_counter() - began:.1f} s")
        ids = [str(r["id"]) for r in await store.fetch("SELECT id FROM partnerships")]
        assert ids, "no partnership in the views"

        timed = {}
        for name in dir(store):  # the steps this code has
            method = getattr(store, name)
            if name.startswith("_") or not any(step in name for step in STEPS):
                continue
            if inspect.iscoroutinefunction(method):
                timed[name] = Timed(method)
                setattr(store, name, timed[name])

        marks = [0.25, 0.50, 0.75, 1.00]
        samples: list[tuple[int, float, float, float]] = []

        def progress(position: int, total: int) -> None:
            while marks and position >= marks[0] * total:
                current, peak = rss_mib()
                samples.append(
                    (int(marks.pop(0) * 100), time.perf_counter() - began, current, peak)
                )

        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        reader = context.Process(
            target=reader_process, args=(url, ids, args.read_every / 1000, theirs), daemon=True
        )
        reader.start()
        NOT_MEASURED.add(str(reader.pid))
        assert ours.recv() == "ready"
        await asyncio.sleep(0.5)  # a few reads of the views at rest first

        rss_before = rss_mib()
        profiler = cProfile.Profile() if args.profile else None
        with RssSampler().sampling() as sampler:
            if profiler:
                profiler.enable()
            began, began_wall = time.perf_counter(), time.time()
            covered = await runner.rebuild(progress=progress)
            elapsed = time.perf_counter() - began
            if profiler:
                profiler.disable()
                profiler.dump_stats(args.profile)
        window = (began_wall, began_wall + elapsed)
        ours.send("stop")
        reads, errors = ours.recv()
        reader.join(timeout=10)
        # Only the reads that started while the rebuild ran.
        during = [(at, ms, ok) for at, ms, ok in reads if window[0] <= at <= window[1]]
        latencies = [ms for _, ms, _ in during]
        failed = sum(1 for _, _, ok in during if not ok)
        rebuild_rate = covered / elapsed
        rss_after = rss_mib()

        read_rate_2 = await scan(store, args.page, None)
        print(f"read-only baseline (after):  {head:,} rows, {read_rate_2:,.0f} rows/s")

        counts = {}
        for projection in ALL:
            for table in projection.tables:
                counts[table] = await store.fetchval(f"SELECT count(*) FROM {table}")
        print("view rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        if args.checksum:  # to compare the views built by two versions of the code
            for table in counts:
                digest = await store.fetchval(
                    f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
                )
                print(f"checksum {table}: {digest}")
        print(
            "rebuild steps (seconds inside, overlapping): "
            + ", ".join(
                f"{n} {t.seconds:.1f} ({t.calls} calls)" for n, t in timed.items() if t.calls
            )
        )
        print(f"RSS before rebuild: {rss_before[0]:.0f} MiB (peak so far {rss_before[1]:.0f} MiB)")
        for share, at, current, peak in samples:
            print(
                f"RSS at {share:>3}% ({at:6.1f} s): current {current:.0f} MiB, peak {peak:.0f} MiB"
            )
        print(
            f"RSS sampled every 20 ms, with the helper process ({sampler.samples} samples):"
            f" max {sampler.peak:.0f} MiB;"
            f" ru_maxrss after {rss_after[1]:.0f} MiB"
        )
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        worst = max(latencies, default=float("nan"))
        print(
            f"reader (own process and connection, every {args.read_every:g} ms): "
            f"{len(latencies):,} reads, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms,"
            f" mean {statistics.fmean(latencies) if latencies else float('nan'):.1f} ms,"
            f" {failed} failed" + (f": {errors}" if errors else "")
        )
        read_rate = (read_rate_1 + read_rate_2) / 2
        print()
        print(
            f"rebuild: {rebuild_rate:,.0f} events/s ({covered:,} events in {elapsed:.1f} s)"
            f" | read-only: {read_rate:,.0f} rows/s | read+decode: {decode_rate:,.0f}/s"
            f" | read+fast decode: {fast_rate:,.0f}/s | ratio X/Y {rebuild_rate / read_rate:.3f}"
            f" | peak RSS {max(sampler.peak, rss_after[1]):,.0f} MiB"
            f" (sampled {sampler.peak:,.0f}, ru_maxrss {rss_after[1]:,.0f})"
            f" | reads during it: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.0f} ms,"
            f" {failed} failed of {len(latencies):,}"
        )
        print(
            f"(targets: >= 40,000 events/s ({'met' if rebuild_rate >= 40_000 else 'NOT met'}),"
            f" aim 50,000; peak RSS < 1 GiB"
            f" ({'met' if max(sampler.peak, rss_after[1]) < 1024 else 'NOT met'});"
            f" reads served throughout ({'yes' if failed == 0 else 'NO'}))"
        )
    finally:
        await store.close()
        tvaers.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=2_000, help="the runner's default")
    parser.add_argument("--page", type=int, default=5_000, help="rows per baseline read")
    parser.add_argument("--read-every", type=float, default=10, help="ms between reads")
    parser.add_argument("--workers", type=int, default=2, help="generating processes")
    parser.add_argument("--reuse", action="store_true", help="keep an existing bench_rebuild db")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the rebuild into FILE")
    parser.add_argument("--checksum", action="store_true", help="print an md5 of every view")
    parser.add_argument(
        "--single", action="store_true", help="no helper process (projections/parallel.py)"
    )
    args = parser.parse_args()
    admin = generate.admin_url()
    print(f"code: {generate.code_version()}")
    url = generate.database_url(admin, "bench_rebuild")
    if not (args.reuse and generate.event_count(admin, "bench_rebuild") >= args.events):
        url = generate.fresh_database(admin, "bench_rebuild")
        stats = generate.generate_postgres(url, args.events, workers=args.workers)
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{stats.summary()}; peak RSS of the largest generating worker {children:,.0f} MiB")
    run(bench(url, args))


if __name__ == "__main__":
    main()
