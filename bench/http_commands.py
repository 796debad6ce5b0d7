"""Command throughput over HTTP on PostgreSQL, next to pgbench inserts in the same run.

    python -m tests.pgserver -- .venv/bin/python bench/http_commands.py --seconds 15

The API runs as a real server (uvicorn with the `create_app` factory, `--workers N`) on
a fresh database, with housekeeping off. An administrator and a bearer token are made
with the `tvaers` CLI before the server starts. Each client gets its own organisation,
person and partnership (with a steering group), registered over HTTP, so that no two
clients write to the same aggregate.

Baseline: `pgbench -n -c CLIENTS -j 2 -T SECONDS` with a script inserting one ~250-byte
row per transaction into a scratch table of the same database.

Phase 1, closed loop: CLIENTS concurrent clients (asyncio + one httpx.AsyncClient with
keep-alive each; `--processes` spreads them over several processes) each send commands
back to back for SECONDS: a steering-group decision, a milestone, a factor, in turn
(`POST /partnerships/{id}/decisions|milestones|factors`, all of which always succeed).
Prints commands/s, their ratio to pgbench's inserts/s (target >= 0.30) and latency.

Phase 2, open loop: half the rate of phase 1, as a fixed schedule spread evenly over the
clients; the latency is counted from each command's scheduled start (so a command
that had to wait for the client's previous one counts its wait). Target: p99 < 25 ms.

Any answer that is not 2xx is reported and fails the run (exit status 1). CPU use of
the load generator, the API and PostgreSQL is printed for each phase: if the load
generator uses most of a core it, not the API, may be the limit.

Projections: with one worker they run embedded in it (the default of the API). With
several workers they cannot (each would apply every event), so the default is then
`TVAERS_PROJECTIONS=external` plus one `tvaers project run` process.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _http
import asyncpg
import generate
import httpx

from services.settings import Settings

ms = _http.ms

PG_BINDIR = Path("/usr/lib/postgresql/15/bin")
TARGET_RATIO = 0.30
TARGET_P99_MS = 25.0
DIMENSIONS = ("political", "management", "operations", "method", "culture", "relations")
MUNICIPALITIES = ("Svendborg", "Ishøj", "Ærø", "Aabenraa", "Vejle", "Odense", "Holbæk")


# --------------------------------------------------------------------------- commands


def command(partnership_id: str, n: int) -> tuple[str, str, dict[str, Any]]:
    """The n-th command of a client: (kind, path, body); each kind always succeeds."""
    kind = ("decision", "milestone", "factor")[n % 3]
    base = f"/partnerships/{partnership_id}"
    if kind == "decision":  # the steering group sits today (appointed when seeded)
        body: dict[str, Any] = {"title": f"Beslutning {n}", "approved": ["Budget", "Tidsplan"]}
        return kind, f"{base}/decisions", body
    if kind == "milestone":
        body = {
            "dimension": DIMENSIONS[n % len(DIMENSIONS)],
            "status": "started",
            "title": f"Milepæl {n}",
            "evidence": {"text": "Referat fra styregruppemødet"},
        }
        return kind, f"{base}/milestones", body
    body = {"origin": "internal", "effect": "promoting", "description": f"Faktor {n}"}
    return kind, f"{base}/factors", body


@dataclass
class Outcome:
    """What some clients of one phase saw (one load-generator process)."""

    ok: int = 0
    latencies: list[float] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    error_sample: str = ""
    late: int = 0
    cpu_seconds: float = 0.0

    def add(self, other: Outcome) -> None:
        self.ok += other.ok
        self.latencies += other.latencies
        self.by_kind.update(other.by_kind)
        self.errors.update(other.errors)
        self.error_sample = self.error_sample or other.error_sample
        self.late += other.late
        self.cpu_seconds += other.cpu_seconds


@dataclass(frozen=True)
class Phase:
    """One load phase for some clients: closed loop (rate None) or a fixed rate."""

    base_url: str
    token: str
    partnership_ids: tuple[str, ...]
    start_at: float  # wall-clock time.time() when every process starts
    seconds: float
    first_n: int  # command numbers continue between phases (unique titles)
    interval: float | None = None  # seconds between one client's scheduled commands
    offsets: tuple[float, ...] = ()  # each client's first scheduled start


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _connect(phase: Phase) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {phase.token}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.AsyncClient(base_url=phase.base_url, headers=headers, limits=limits, timeout=30)


async def _client(
    phase: Phase, index: int, client: httpx.AsyncClient, began: float, out: Outcome
) -> None:
    partnership_id = phase.partnership_ids[index]
    end = began + phase.seconds
    n = 0
    while True:
        if phase.interval is None:
            start = time.perf_counter()
            if start >= end:
                return
            counted_from = start
        else:
            due = began + phase.offsets[index] + n * phase.interval
            if due >= end:
                return
            now = time.perf_counter()
            if due > now:
                await asyncio.sleep(due - now)
            elif now - due > 0.001:
                out.late += 1
            counted_from = due
        kind, path, body = command(partnership_id, phase.first_n + n)
        response = await client.post(path, json=body)
        finished = time.perf_counter()
        n += 1
        if not response.is_success:
            out.errors[f"{response.status_code} {kind}"] += 1
            out.error_sample = out.error_sample or response.text[:500]
        elif phase.interval is not None or finished <= end:
            # Closed loop: a command still running at the end is not counted.
            out.ok += 1
            out.by_kind[kind] += 1
            out.latencies.append(finished - counted_from)


async def _run(phase: Phase, indexes: Sequence[int]) -> Outcome:
    """Connect every client first (one keep-alive connection each), then start together."""
    out = Outcome()
    clients = [_connect(phase) for _ in indexes]
    try:
        for client in clients:
            (await client.get("/health")).raise_for_status()
        wait = phase.start_at - time.time()
        if wait < 0:
            raise RuntimeError(f"the clients were ready {-wait:.2f} s after the agreed start")
        began = time.perf_counter() + wait
        cpu = _cpu_seconds()
        await asyncio.gather(
            *(_client(phase, i, c, began, out) for i, c in zip(indexes, clients, strict=True))
        )
        out.cpu_seconds = _cpu_seconds() - cpu
    finally:
        for client in clients:
            await client.aclose()
    return out


def run_clients(phase: Phase, indexes: Sequence[int]) -> Outcome:
    """One load-generator process's share of the clients (a picklable entry point)."""
    return asyncio.run(_run(phase, indexes))


@dataclass
class LoadGenerator:
    """CLIENTS clients in PROCESSES processes (forked once, reused by every phase)."""

    clients: int
    processes: int
    pool: concurrent.futures.ProcessPoolExecutor | None = None

    def __post_init__(self) -> None:
        if self.processes > 1:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("fork")
            )
            list(self.pool.map(time.sleep, [0] * self.processes))  # start them now

    def shares(self) -> list[list[int]]:
        return [list(range(p, self.clients, self.processes)) for p in range(self.processes)]

    def run(self, make: Callable[[float], Phase]) -> tuple[Outcome, list[float]]:
        """Run one phase in every process; the merged outcome and each process's CPU s."""
        phase = make(time.time() + 1.0 + 0.05 * self.clients / self.processes)
        if self.pool is None:
            outcomes = [run_clients(phase, range(self.clients))]
        else:
            futures = [self.pool.submit(run_clients, phase, share) for share in self.shares()]
            outcomes = [f.result() for f in futures]
        total = Outcome()
        for outcome in outcomes:
            total.add(outcome)
        return total, [o.cpu_seconds for o in outcomes]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


# --------------------------------------------------------------------------- seeding


def seed(client: httpx.Client, count: int) -> list[str]:
    """Per client: a lead organisation, a person, a partnership whose steering group sits."""
    ids = []
    for i in range(count):

        def created(path: str, body: dict[str, Any]) -> str:
            response = client.post(path, json=body)
            if response.status_code != 201:
                raise RuntimeError(
                    f"seeding: POST {path} -> {response.status_code} {response.text}"
                )
            return str(response.json()["id"])

        municipality = MUNICIPALITIES[i % len(MUNICIPALITIES)]
        lead = created(
            "/organisations",
            {"name": f"Sundhed {i}", "sector": "health", "municipality": municipality},
        )
        person = created("/persons", {"name": f"Formand {i}", "organisation_id": lead})
        partnership = created(
            "/partnerships",
            {
                "title": f"Bevægelse for alle {i}",
                "municipality": municipality,
                "lead_organisation_id": lead,
                "valid_on": "2024-01-15",
            },
        )
        created(
            f"/partnerships/{partnership}/steering-group/members",
            {"person_id": person, "seat": "chair", "valid_on": "2024-01-15"},
        )
        ids.append(partnership)
    return ids


# --------------------------------------------------------------------------- pgbench


@dataclass(frozen=True)
class PgbenchResult:
    tps: float
    latency_ms: float
    failed: int
    cpu: _http.CpuUsage


async def _prepare_scratch(dsn: str) -> int:
    """The scratch table (fresh); returns the postmaster's pid (parent of our backend)."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "DROP TABLE IF EXISTS bench_pgbench_rows;"
            " CREATE TABLE bench_pgbench_rows (id bigserial PRIMARY KEY,"
            " originator_id uuid NOT NULL, payload text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        backend: int = await connection.fetchval("SELECT pg_backend_pid()")
        return _http.postmaster_pid(backend)
    finally:
        await connection.close()


def pgbench(url: str, clients: int, seconds: float) -> PgbenchResult:
    script = (
        "INSERT INTO bench_pgbench_rows (originator_id, payload)"
        " VALUES (gen_random_uuid(), repeat('x', 250));\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as handle:
        handle.write(script)
    meter = _http.CpuMeter({})
    before = meter.sample()
    done = subprocess.run(
        [
            str(PG_BINDIR / "pgbench"),
            "-n",
            "-f",
            handle.name,
            "-c",
            str(clients),
            "-j",
            "2",
            "-T",
            str(round(seconds)),
            url,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    usage = meter.usage(before, meter.sample())
    Path(handle.name).unlink()
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    tps = re.search(r"tps = ([\d.]+)", done.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", done.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", done.stdout)
    if tps is None or latency is None:
        raise RuntimeError(f"cannot read pgbench's output:\n{done.stdout}")
    return PgbenchResult(float(tps[1]), float(latency[1]), int(failed[1]) if failed else 0, usage)


def settle(client: httpx.Client, timeout: float = 300.0) -> tuple[int, float]:
    """Wait until the views have caught up with the log (a phase must not start while
    the projector still works off the last one's events), then a short pause.

    Returns the views' lag in events when called, and the seconds it took to catch up.
    """
    began = time.perf_counter()
    first = None
    while True:
        lag = int(client.get("/ready").json()["lag"])
        first = lag if first is None else first
        if lag == 0:
            break
        if time.perf_counter() - began > timeout:
            raise TimeoutError(f"the views are still {lag} events behind after {timeout:.0f} s")
        time.sleep(0.05)
    took = time.perf_counter() - began
    time.sleep(0.5)
    return first, took


# --------------------------------------------------------------------------- report


def report_phase(
    label: str,
    outcome: Outcome,
    seconds: float,
    usage: _http.CpuUsage,
    generator_cpu: list[float],
    server_time: dict[tuple[str, str, str], _http.RouteTime],
    workers: int,
) -> None:
    rate = outcome.ok / seconds
    kinds = ", ".join(f"{k} {v:,}" for k, v in sorted(outcome.by_kind.items()))
    print(f"{label}: {outcome.ok:,} commands in {seconds:.1f} s = {rate:,.1f} commands/s ({kinds})")
    print(f"  latency: {_http.latency_line(outcome.latencies)}")
    if outcome.errors:
        print(f"  NOT 2xx: {dict(outcome.errors)}; e.g. {outcome.error_sample}")
    per_process = [100 * c / seconds for c in generator_cpu]
    generator = {"load generator": sum(generator_cpu)}
    print(f"  {usage.line(generator)}")
    if outcome.ok:
        each = ", ".join(
            f"{name} {cpu / outcome.ok * 1e6:,.0f}" for name, cpu in usage.trees.items()
        )
        print(f"  CPU per command (µs): {each}")
    if len(per_process) > 1:
        shown = ", ".join(f"{p:.0f} %" for p in per_process)
        print(f"  load generator per process: {shown}")
    busiest = max(per_process)
    cpu_per_command = sum(generator_cpu) / max(outcome.ok, 1) * 1e6
    verdict = (
        "not saturated" if busiest < 70 else "SATURATED (it may be the limit: try --processes)"
    )
    print(
        f"  load generator: {cpu_per_command:,.0f} µs CPU per command; busiest process"
        f" {busiest:.0f} % of a core: {verdict}"
    )
    if usage.machine_busy > 85:
        share = sum(per_process) / (os.cpu_count() or 1)
        print(
            f"  the machine is saturated: the load generator's {share:.0f} % of it is CPU"
            " the API and PostgreSQL do not get"
        )
    if workers > 1:
        # Each worker counts its own requests; two scrapes may reach different workers.
        print("  server-side time: not shown with several workers (/metrics is per worker)")
        return
    posts = [(k, t) for k, t in server_time.items() if k[0] == "POST"]
    count = sum(t.count for _, t in posts)
    if count:
        server_mean = sum(t.seconds for _, t in posts) / count
        client_mean = sum(outcome.latencies) / max(len(outcome.latencies), 1)
        print(
            f"  server-side mean (middleware in -> out): {ms(server_mean)} ms"
            f" | client-side mean {ms(client_mean)} ms"
        )
        for (_, route, status), t in sorted(posts, key=lambda p: p[0][1]):
            print(f"    {route} {status}: {t.count:,.0f} x {ms(t.seconds / t.count)} ms")


def check_pgbench() -> None:
    if not (PG_BINDIR / "pgbench").exists():
        sys.exit(f"pgbench not found in {PG_BINDIR}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Run under `python -m tests.pgserver -- ...` (see bench/README.md).",
    )
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase (15)")
    parser.add_argument("--warmup", type=float, default=2, help="closed-loop warm-up, s (2)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (1)")
    parser.add_argument(
        "--projections",
        choices=["auto", "embedded", "external"],
        default="auto",
        help="auto: embedded with one worker, external (+ `tvaers project run`) with more",
    )
    parser.add_argument("--processes", type=int, default=1, help="load-generator processes (1)")
    parser.add_argument(
        "--log-level", default="INFO", help="the API's TVAERS_LOG_LEVEL (INFO: a line a request)"
    )
    parser.add_argument(
        "--open-share",
        type=float,
        default=0.5,
        help="phase 2 rate as a share of phase 1's (0.5)",
    )
    parser.add_argument("--skip-pgbench", action="store_true", help="no baseline")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="cProfile the API (one worker, every thread) into FILE and print the top"
        " functions; the profiler slows the API, so the figures of such a run are not"
        " comparable",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (phase 2 offsets)")
    args = parser.parse_args()
    if args.processes < 1 or args.clients < args.processes:
        parser.error("need 1 <= --processes <= --clients")
    check_pgbench()
    _http.install_sigterm_handler()
    projections = args.projections
    if projections == "auto":
        projections = "embedded" if args.workers == 1 else "external"
    if projections == "embedded" and args.workers > 1:
        parser.error("with several workers the projections must be external")

    print(f"code: {generate.code_version()}")
    print(f"machine: {_http.machine_line()}")
    admin = generate.admin_url()
    url = generate.fresh_database(admin, "bench_http_commands")
    dsn, _ = Settings(database_url=url).asyncpg_dsn()
    postmaster = asyncio.run(_prepare_scratch(dsn))

    server = _http.ApiServer(
        url,
        workers=args.workers,
        projections=projections,
        log_level=args.log_level.upper(),
        profile=args.profile,
    )
    token = _http.bootstrap_user(server.env, "bench-admin", admin=True)
    generator = LoadGenerator(args.clients, args.processes)
    failed = False
    try:
        with server:
            print(f"server: {server.describe()}")
            print(f"load: {args.clients} clients in {args.processes} process(es), httpx keep-alive")
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
                began = time.perf_counter()
                ids = seed(client, args.clients)
                print(
                    f"seeded {len(ids)} partnerships (+ organisation, person, steering group)"
                    f" over HTTP in {time.perf_counter() - began:.1f} s"
                )
                meter = _http.CpuMeter(
                    {"API": server.processes["api"].pid, "PostgreSQL": postmaster}
                )
                if "projector" in server.processes:
                    meter.roots["projector"] = server.processes["projector"].pid

                if not args.skip_pgbench:
                    result = pgbench(url, args.clients, args.seconds)
                    print(
                        f"\nbaseline pgbench: -c {args.clients} -j 2 -T {round(args.seconds)}, one"
                        f" INSERT per transaction: {result.tps:,.0f} inserts/s,"
                        f" latency average {result.latency_ms:.2f} ms,"
                        f" failed {result.failed}"
                    )
                    print(f"  whole machine {result.cpu.machine_busy:.0f} % busy")

                def closed(seconds: float, first_n: int) -> Callable[[float], Phase]:
                    return lambda at: Phase(server.url, token, tuple(ids), at, seconds, first_n)

                if args.warmup > 0:
                    warm, _ = generator.run(closed(args.warmup, 0))
                    failed |= bool(warm.errors)
                    if warm.errors:
                        print(f"warm-up: NOT 2xx: {dict(warm.errors)}; e.g. {warm.error_sample}")
                    settle(client)

                before_metrics = _http.server_durations(client)
                before = meter.sample()
                with _http.DbSampler(url) as sampler_one:
                    one, cpu_one = generator.run(closed(args.seconds, 1_000_000))
                usage = meter.usage(before, meter.sample())
                server_one = _http.durations_between(before_metrics, _http.server_durations(client))
                lag, took = settle(client)
                print()
                report_phase(
                    f"phase 1, closed loop ({args.clients} clients)",
                    one,
                    args.seconds,
                    usage,
                    cpu_one,
                    server_one,
                    args.workers,
                )
                print(f"  {sampler_one.summary()}")
                print(
                    f"  views at the end: {lag:,} events behind the log, caught up {took:.2f} s"
                    " later (before phase 2 began)"
                )
                failed |= bool(one.errors)
                max_rate = one.ok / args.seconds
                if not args.skip_pgbench:
                    ratio = max_rate / result.tps
                    met = "met" if ratio >= TARGET_RATIO else "NOT met"
                    print(
                        f"\nratio commands/s / pgbench inserts/s = {max_rate:,.1f} /"
                        f" {result.tps:,.0f} = {ratio:.3f} (target >= {TARGET_RATIO:.2f}: {met})"
                    )

                rate = max_rate * args.open_share
                if rate <= 0:
                    print("phase 2 skipped: phase 1 completed no command")
                    sys.exit(1)
                interval = args.clients / rate
                rng = random.Random(args.seed)
                # Evenly spread over the clients, with a little jitter so they do not lockstep.
                offsets = tuple(
                    (i + rng.uniform(0, 0.5)) * interval / args.clients for i in range(args.clients)
                )

                def open_loop(at: float) -> Phase:
                    return Phase(
                        server.url,
                        token,
                        tuple(ids),
                        at,
                        args.seconds,
                        2_000_000,
                        interval=interval,
                        offsets=offsets,
                    )

                before_metrics = _http.server_durations(client)
                before = meter.sample()
                with _http.DbSampler(url) as sampler_two:
                    two, cpu_two = generator.run(open_loop)
                usage = meter.usage(before, meter.sample())
                server_two = _http.durations_between(before_metrics, _http.server_durations(client))
                lag, took = settle(client)
                print()
                report_phase(
                    f"phase 2, open loop at {rate:,.1f} commands/s"
                    f" ({args.open_share:.0%} of phase 1,"
                    f" each client every {interval * 1000:.0f} ms)",
                    two,
                    args.seconds,
                    usage,
                    cpu_two,
                    server_two,
                    args.workers,
                )
                print(f"  {sampler_two.summary()}")
                print(f"  views at the end: {lag:,} events behind, caught up {took:.2f} s later")
                failed |= bool(two.errors)
                if two.latencies:
                    p50 = _http.percentile(two.latencies, 0.5)
                    p99 = _http.percentile(two.latencies, 0.99)
                    met = "met" if p99 * 1000 < TARGET_P99_MS else "NOT met"
                    print(
                        f"  latency from the scheduled start: p50 {ms(p50)} ms | p99 {ms(p99)} ms"
                        f" (target p99 < {TARGET_P99_MS:g} ms: {met}); {two.late:,} commands"
                        " started more than 1 ms late"
                    )
    finally:
        generator.close()
    print(f"\nload average after: {_http.machine_line()}")
    if args.profile:
        _http.print_profile(args.profile, 30)
    if failed:
        print("FAILED: some answers were not 2xx")
        sys.exit(1)


if __name__ == "__main__":
    main()
