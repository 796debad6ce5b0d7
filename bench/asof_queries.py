"""As-of queries on one big partnership (PostgreSQL): p50/p99 of the bitemporal views.

    python -m tests.pgserver -- .venv/bin/python bench/asof_queries.py --events 10000

One partnership with about 10,000 events (ladder moves, role changes, milestones,
corrections, agreements... from `generate.py`, with corrections ten times more frequent
than in the default mix), projected with the runner; then `ladder.rungs`,
`roles.holdings` and `anchoring.status` are called 1,000 times each with a random
`as_of` date and a random `known_at` time within the partnership's life, interleaved
with a `SELECT 1` round trip through the same asyncpg pool (the baseline), in random
order so that the machine's noise hits all four alike.  Target: p99 under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import generate

from api.readside import build_store
from projections import anchoring, ladder, roles
from projections.catalog import ALL
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore
from services.application import Tvaers
from services.settings import Settings

TARGET_P99_MS = 20.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def bench(url: str, stats: generate.Stats, queries: int, seed: int, explain: bool) -> None:
    settings = Settings(database_url=url)
    tvaers = Tvaers(settings)
    store = build_store(settings)
    assert isinstance(store, PostgresReadStore)
    await store.open()
    try:
        runner = ProjectionRunner(store, ALL, tvaers.mapper.to_domain_event)
        await runner.setup()
        began = time.perf_counter()
        covered = await runner.catch_up()
        print(f"projected {covered:,} events in {time.perf_counter() - began:.1f} s")
        await store.execute_script(["ANALYZE"])  # as autovacuum would have by now
        (partnership_id,) = stats.partnership_ids
        for table in ("ladder_facts", "role_facts", "milestone_facts", "factor_links"):
            rows = await store.fetchval(
                f"SELECT count(*) FROM {table} WHERE partnership_id = $1", partnership_id
            )
            print(f"  {table}: {rows:,} rows for the partnership")

        rng = random.Random(seed)
        days = (stats.last_day - stats.first_day).days
        span = (stats.last_recorded - stats.first_recorded).total_seconds()

        def args() -> dict[str, Any]:
            return {
                "as_of": stats.first_day + timedelta(days=rng.randint(0, days)),
                "known_at": stats.first_recorded + timedelta(seconds=rng.uniform(0, span)),
            }

        async def select_1() -> None:
            await store.pool.fetchval("SELECT 1")

        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "ladder.rungs": lambda: ladder.rungs(store, partnership_id, **args()),
            "roles.holdings": lambda: roles.holdings(store, partnership_id, **args()),
            "anchoring.status": lambda: anchoring.status(store, partnership_id, **args()),
            "SELECT 1 (baseline)": select_1,
        }
        plan = [name for name in calls for _ in range(queries)]
        rng.shuffle(plan)
        for call in calls.values():  # warm-up: prepared statements, caches
            for _ in range(20):
                await call()
        timings: dict[str, list[float]] = {name: [] for name in calls}
        sizes: dict[str, list[int]] = {name: [] for name in calls}
        for name in plan:
            began = time.perf_counter()
            result = await calls[name]()
            timings[name].append((time.perf_counter() - began) * 1000)
            sizes[name].append(len(result) if isinstance(result, list) else 1)

        if explain:
            await explain_queries(store, partnership_id, args())

        base = timings.pop("SELECT 1 (baseline)")
        base_p50, base_p99 = statistics.median(base), percentile(base, 0.99)
        print()
        for name, values in timings.items():
            p50, p99 = statistics.median(values), percentile(values, 0.99)
            verdict = "ok" if p99 < TARGET_P99_MS else "OVER TARGET"
            print(
                f"{name:<17} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  max {max(values):6.2f} ms"
                f"  (avg {statistics.mean(sizes[name]):.0f} rows) | baseline SELECT 1:"
                f" p50 {base_p50:.2f} ms p99 {base_p99:.2f} ms | p99 < {TARGET_P99_MS:.0f} ms:"
                f" {verdict}"
            )
    finally:
        await store.close()
        tvaers.close()


async def explain_queries(
    store: PostgresReadStore, partnership_id: Any, args: dict[str, Any]
) -> None:
    """EXPLAIN ANALYZE the main SQL of each view once (same SQL as the view functions)."""
    known = "recorded_at <= $4 AND (superseded_at IS NULL OR superseded_at > $4)"
    ladder_sql = (
        "SELECT organisation_id, rung, valid_on, evidence, agreement_id FROM ("
        " SELECT f.*, ROW_NUMBER() OVER (PARTITION BY organisation_id"
        "  ORDER BY valid_on DESC, source_version DESC, row_version DESC) AS rn"
        f" FROM ladder_facts f WHERE partnership_id = $1 AND valid_on <= $2 AND {known}"
        ") latest WHERE rn = 1 AND rung IS NOT NULL AND $3::int IS NULL"
    )
    async with store.pool.acquire() as conn:
        rows = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) " + ladder_sql,
            partnership_id,
            args["as_of"],
            None,
            args["known_at"],
        )
    print("\nEXPLAIN ANALYZE ladder.rungs:")
    for row in rows:
        print("  " + row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000, help="per view function")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print a query plan")
    args = parser.parse_args()
    admin = generate.admin_url()
    print(f"code: {generate.code_version()}")
    url = generate.fresh_database(admin, "bench_asof")
    stats = generate.generate_postgres(
        url, args.events, partnerships=1, organisations=30, workers=1, correction_weight=1.0
    )
    print(stats.summary())
    corrections = {k.split(".")[-1]: v for k, v in stats.topics.items() if "Corrected" in k}
    print(f"corrections: {corrections}")
    asyncio.run(bench(url, stats, args.queries, args.seed, args.explain))


if __name__ == "__main__":
    main()
