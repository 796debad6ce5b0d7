"""HTTP command throughput measured with wrk, beside a minimal app's floor (issue 17).

    .venv/bin/python -m tests.pgserver -- .venv/bin/python bench/http_commands.py

The load generator is wrk (compiled; `apt-get install -y wrk`), driven by a Lua script
that makes every request a distinct valid command: `POST /partnerships/{id}/factors`
and `.../milestones` in turn, each with its own title, spread over the partnerships so
that no two connections write to the same aggregate at once (each wrk thread has its
own share of them). Any answer that is not 2xx is counted and fails the run.

The product: `tvaers serve` as in production, i.e. uvicorn with the `create_app`
factory (one worker, httptools and uvloop when installed), PostgreSQL store, the
projections embedded in the API process (the default: each command's events are also
projected in that process, so its CPU is counted), housekeeping off, log level INFO
(one JSON line per request to a file). Before the run: an administrator `bench-300`
registers `--partnerships` (300) partnerships over HTTP, which makes it hold 300
project-leader grants; a second administrator `bench-1` registers one (1 grant). Both
send the same commands to the same partnerships.

`--workers N --projections external` measures the other supported shape instead:
N uvicorn workers and one `tvaers project run` process beside them (its CPU printed as
`projector`; docs/operations.md "Scaling out"). On this 2-core machine it did not beat
one process (bench/README.md, session 8).

The floor, in the same run, before and after the product: bench/floor_app.py, a
minimal Litestar app under the same uvicorn settings doing one asyncpg INSERT of the
body per request into the same PostgreSQL, driven by the same script and wrk settings.

Phases (each after a short warm-up): floor; an unmeasured product phase (the cold
start: every aggregate read once); product with the 300-grant token; product with the
1-grant token; product at half its peak rate (the 300-grant token); floor
again. With `--rounds N` the two product phases are run N times, which one goes first
alternating, and the round with the median rate is each token's figure (on a shared
machine two consecutive phases of the same code once differed by a third); then N
half-rate phases.

The half-rate phases hold a constant rate, as wrk2's `-R` does (wrk2 is not in Debian):
the Lua script's `delay()` gives each wrk thread a fixed schedule, one request every
`threads / rate` seconds, and a connection that comes free takes the thread's next slot
(clock_gettime through LuaJIT's ffi). The rate is half of the 300-grant token's median
peak; `--open-connections` (32) connections carry it. One such phase runs per round
(after the peak rounds), and the one with the median p99 is the figure (all p99s are
printed). When every connection of a thread is busy at a slot's time, that request goes
out late, as soon as one comes free: its wait before sending is not in wrk's latency
(coordinated omission), so each phase prints how many went late and by how much.

Printed per phase: requests/s, latency p50/p90/p99/max (wrk's own histogram), non-2xx,
and CPU per request of the API process (its tree), of PostgreSQL (the postmaster's
tree: every backend) and of wrk itself (from /proc and the child's rusage), the
whole machine's load (other engineers' work included: compare only within a run), how
long per request each tree was ready to run but waited for a CPU (the run queue:
/proc/PID/schedstat of its processes alive through the phase), and
how many times autovacuum vacuumed or analysed a table of the database during the phase
(`pg_stat_all_tables`): on a young database that grows by thousands of rows a second it
runs about once a minute, ~1.5 s of one core, which on two shared cores shows in a
phase's p99 (bench/README.md, session 12).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import _http
import asyncpg
import generate
import httpx

from services.settings import Settings

TARGET_SHARE = 0.25
TARGET_P99_MS = 25.0
HERE = Path(__file__).resolve().parent

LUA = r"""
-- bench/http_commands.py: every request a distinct valid command (see its doc)
local ids = {%(ids)s}
local token = "%(token)s"
local dimensions = {"political", "management", "operations", "method", "culture", "relations"}
local threads = {}
local counter = 0
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *now);
]]
local clock = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(1, clock)  -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  nthreads = tonumber(args[1])
  -- paced runs: this thread's share of the rate, one request every `interval` ms
  local rate = tonumber(args[2])
  interval = rate > 0 and 1000 * nthreads / rate or 0
  slot = nil
  late = 0
  lag_max = 0
  n = 0
  errors = 0
  sample = ""
  share = math.floor(#ids / nthreads)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
  math.randomseed(os.time() + tid)
end

function request()
  n = n + 1
  -- this thread's partnerships: tid, tid + nthreads, ... (never another thread's)
  local pid = ids[tid + nthreads * (n %% share) + 1]
  local path, body
  if n %% 2 == 0 then
    path = "/partnerships/" .. pid .. "/factors"
    body = string.format(
      '{"origin": "internal", "effect": "promoting", "description": "Faktor %%d-%%d"}', tid, n)
  else
    path = "/partnerships/" .. pid .. "/milestones"
    body = string.format(
      '{"dimension": "%%s", "status": "started", "title": "Milepæl %%d-%%d",'
      .. ' "evidence": {"text": "Referat fra styregruppemødet"}}',
      dimensions[(n %% #dimensions) + 1], tid, n)
  end
  return wrk.format(nil, path, nil, body)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    errors = errors + 1
    if sample == "" then sample = status .. " " .. string.sub(body, 1, 300) end
  end
end

-- Constant throughput (as wrk2 -R): the thread's requests go out on a fixed schedule,
-- one every `interval` ms, each connection that comes free taking the next slot. A slot
-- already past when a connection comes free (every connection was busy) is sent at once
-- and counted as late: its wait before sending is not in wrk's latency.
function delay()
  if interval <= 0 then return 0 end
  local now = now_ms()
  slot = (slot or now) + interval
  if slot >= now then return math.floor(slot - now) end
  if now - slot > 1 then
    late = late + 1
    if now - slot > lag_max then lag_max = now - slot end
  end
  return 0
end

function done(summary, latency, requests)
  local errors_total = 0
  local late_total = 0
  local lag_most = 0
  local sample_any = ""
  for _, thread in ipairs(threads) do
    errors_total = errors_total + thread:get("errors")
    late_total = late_total + thread:get("late")
    lag_most = math.max(lag_most, thread:get("lag_max"))
    if sample_any == "" then sample_any = thread:get("sample") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "socket_errors": %%d,'
    .. ' "p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%.1f, "late": %%d,'
    .. ' "lag_max_ms": %%.1f, "sample": %%q}\n',
    summary.requests, summary.duration, errors_total,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, late_total, lag_most, sample_any))
end
"""


@dataclass(frozen=True)
class Run:
    """One wrk run against one server."""

    name: str
    requests: int
    seconds: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    cpu_ms: dict[str, float]  # CPU per request, by process tree
    machine_busy: float
    sample: str
    rate_asked: float = 0.0  # a paced run's target, requests/s (0: as fast as it goes)
    late: int = 0  # paced: requests sent after their slot (every connection busy)
    lag_max_ms: float = 0.0  # paced: how far behind its schedule the most late one went
    autovacuum: int = 0  # tables autovacuum vacuumed or analysed during the phase
    # per request, ms each process tree was ready to run but waited for a CPU
    wait_ms: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        cpu = ", ".join(f"{name} {ms:.2f}" for name, ms in self.cpu_ms.items())
        errors = f"; NON-2XX {self.non2xx}: {self.sample}" if self.non2xx else ""
        errors += f"; socket errors {self.socket_errors}" if self.socket_errors else ""
        if self.autovacuum:
            errors += f"; autovacuum ran {self.autovacuum} time(s) during it"
        paced = (
            f" (asked {self.rate_asked:,.0f}/s; {self.late} sent late, at most"
            f" {self.lag_max_ms:.0f} ms)"
            if self.rate_asked
            else ""
        )
        return (
            f"{self.name}: {self.rate:,.0f}/s{paced} ({self.requests:,} in {self.seconds:.1f} s);"
            f" latency p50 {self.p50_ms:.1f} ms, p90 {self.p90_ms:.1f} ms,"
            f" p99 {self.p99_ms:.1f} ms, max {self.max_ms:.0f} ms;"
            f" CPU ms/request: {cpu}; machine {self.machine_busy:.0f} % busy"
            + (
                "; waiting for a CPU ms/request: "
                + ", ".join(f"{name} {ms:.2f}" for name, ms in self.wait_ms.items())
                if self.wait_ms
                else ""
            )
            + errors
        )


def check_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        sys.exit(
            "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or build it"
            " from https://github.com/wg/wrk, then run this again."
        )
    return found


def lua_script(ids: Sequence[str], token: str) -> Path:
    text = LUA % {"ids": ", ".join(f'"{i}"' for i in ids), "token": token}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(text)
    return Path(handle.name)


def wrk(
    name: str,
    url: str,
    script: Path,
    *,
    threads: int,
    connections: int,
    seconds: float,
    meter: _http.CpuMeter,
    rate: float = 0.0,
) -> Run:
    argv = [
        check_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
        "--",
        str(threads),
        f"{rate:.3f}",
    ]
    before = meter.sample()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    after = meter.sample()
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"no summary from wrk:\n{done.stdout}{done.stderr}")
    found: dict[str, Any] = json.loads(line.removeprefix("WRKJSON ").replace("\\\n", "\\n"))
    usage = meter.usage(before, after)
    requests = max(int(found["requests"]), 1)
    cpu = {tree: 1000 * seconds_used / requests for tree, seconds_used in usage.trees.items()}
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children.ru_utime + children.ru_stime
    )
    cpu["wrk"] = 1000 * wrk_cpu / requests
    return Run(
        name=name,
        requests=int(found["requests"]),
        seconds=int(found["duration_us"]) / 1e6,
        non2xx=int(found["non2xx"]),
        socket_errors=int(found["socket_errors"]),
        p50_ms=found["p50"] / 1000,
        p90_ms=found["p90"] / 1000,
        p99_ms=found["p99"] / 1000,
        max_ms=found["max"] / 1000,
        cpu_ms=cpu,
        machine_busy=usage.machine_busy,
        wait_ms={tree: 1000 * waited / requests for tree, waited in usage.waits.items()},
        sample=str(found["sample"]),
        rate_asked=rate,
        late=int(found["late"]),
        lag_max_ms=float(found["lag_max_ms"]),
    )


# --------------------------------------------------------------------------- the floor


@dataclass
class FloorServer:
    dsn: str
    port: int
    logdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FloorServer:
        with (self.logdir / "floor.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(_http.BIN / "uvicorn"),
                    "--factory",
                    "floor_app:create_app",
                    "--app-dir",
                    str(HERE),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=dict(os.environ, FLOOR_DSN=self.dsn),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.post(
                    f"{self.url}/partnerships/00000000-0000-0000-0000-000000000000/factors",
                    json={},
                    timeout=2,
                )
                if answer.status_code == 201:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.logdir / "floor.log").read_text())
            time.sleep(0.2)

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            self.process.wait(timeout=20)


# --------------------------------------------------------------------------- seeding


def created(client: httpx.Client, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body)
    if response.status_code != 201:
        raise RuntimeError(f"seeding: POST {path} -> {response.status_code} {response.text}")
    return str(response.json()["id"])


def seed(client: httpx.Client, count: int, tag: str) -> list[str]:
    """`count` partnerships registered by the client's user (each grants it project
    leader), led by one organisation."""
    lead = created(
        client,
        "/organisations",
        {"name": f"Sundhed og Forebyggelse {tag}", "sector": "health", "municipality": "Vejle"},
    )
    return [
        created(
            client,
            "/partnerships",
            {
                "title": f"Bevægelse for alle {tag} {i}",
                "municipality": "Vejle",
                "lead_organisation_id": lead,
                "valid_on": "2024-01-15",
            },
        )
        for i in range(count)
    ]


def grants_of(client: httpx.Client) -> int:
    return len(client.get("/auth/me").json()["grants"])


def settle(client: httpx.Client, timeout: float = 300.0) -> None:
    """Until the views have caught up with the log (the projections of the last phase)."""
    deadline = time.monotonic() + timeout
    while client.get("/ready").json().get("lag", 1) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)


async def _autovacuum_runs(dsn: str) -> int:
    """How many times autovacuum has vacuumed or analysed a table of the database so far."""
    connection = await asyncpg.connect(dsn)
    try:
        found: int = await connection.fetchval(
            "SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_all_tables"
        )
        return found
    finally:
        await connection.close()


async def _postmaster(dsn: str) -> int:
    connection = await asyncpg.connect(dsn)
    try:
        backend: int = await connection.fetchval("SELECT pg_backend_pid()")
        return _http.postmaster_pid(backend)
    finally:
        await connection.close()


def export_commit(commit: str) -> Path:
    """The code of another commit, exported (git archive) into a temporary directory."""
    target = Path(tempfile.mkdtemp(prefix="tvaers-bench-code-"))
    archive = subprocess.run(
        ["git", "archive", commit], cwd=_http.ROOT, capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def _median_p99(runs: Sequence[Run]) -> Run:
    """The run with the median p99 (the higher of the two middle ones)."""
    ordered = sorted(runs, key=lambda run: run.p99_ms)
    return ordered[len(ordered) // 2]


def _median_run(runs: Sequence[Run]) -> Run:
    """The round with the median rate (the lower of the two middle ones)."""
    ordered = sorted(runs, key=lambda run: run.rate)
    return ordered[(len(ordered) - 1) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase (15)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up before each, s (3)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument(
        "--partnerships", type=int, default=300, help="registered by bench-300 (300)"
    )
    parser.add_argument(
        "--open-connections", type=int, default=32, help="connections at half rate (32)"
    )
    parser.add_argument("--share", type=float, default=0.5, help="the reduced rate's share (0.5)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="peak phases of each token, alternated; their median is the figure (1)",
    )
    parser.add_argument(
        "--code",
        metavar="COMMIT",
        help="serve the product from this commit (exported with git archive): a before run",
    )
    parser.add_argument("--log-level", default="INFO", help="the API's TVAERS_LOG_LEVEL (INFO)")
    parser.add_argument(
        "--workers", type=int, default=1, help="API processes (uvicorn --workers; 1)"
    )
    parser.add_argument(
        "--projections",
        choices=["embedded", "external"],
        default="embedded",
        help="embedded in the API (default) or one `tvaers project run` process beside it"
        " (its CPU counted as `projector`)",
    )
    parser.add_argument(
        "--spy-phase", choices=["peak", "half"], default="peak", help="where --py-spy samples"
    )
    parser.add_argument(
        "--py-spy",
        metavar="FILE",
        help="sample the API with py-spy during the 300-grant phase (collapsed stacks to"
        " FILE; the sampling costs the API a little CPU)",
    )
    args = parser.parse_args()
    check_wrk()
    _http.install_sigterm_handler()

    root = export_commit(args.code) if args.code else _http.ROOT
    print(
        f"code: {generate.code_version()}"
        + (f"; product served from {args.code}" if args.code else "")
    )
    print(f"machine: {_http.machine_line()}")
    admin = generate.admin_url()
    url = generate.fresh_database(admin, "bench_http_commands")
    dsn, _ = Settings(database_url=url).asyncpg_dsn()
    postmaster = asyncio.run(_postmaster(dsn))

    server = _http.ApiServer(
        url,
        log_level=args.log_level.upper(),
        root=root,
        workers=args.workers,
        projections=args.projections,
    )
    token_300 = _http.bootstrap_user(server.env, "bench-300", admin=True)
    token_1 = _http.bootstrap_user(server.env, "bench-1", admin=True)
    runs: list[Run] = []
    with server:
        print(f"server: {server.describe()}")
        with httpx.Client(base_url=server.url, timeout=60) as client:
            began = time.perf_counter()
            client.headers["Authorization"] = f"Bearer {token_300}"
            ids = seed(client, args.partnerships, "300")
            client.headers["Authorization"] = f"Bearer {token_1}"
            seed(client, 1, "1")
            settle(client)
            held_1 = grants_of(client)
            client.headers["Authorization"] = f"Bearer {token_300}"
            held_300 = grants_of(client)
            print(
                f"seeded {len(ids) + 1} partnerships over HTTP in"
                f" {time.perf_counter() - began:.1f} s: bench-300 holds {held_300} grants,"
                f" bench-1 holds {held_1}"
            )
            settle(client)
        floor = FloorServer(dsn, _http.free_port(), server.logdir)
        scripts = {n: lua_script(ids, t) for n, t in (("300", token_300), ("1", token_1))}
        trees = {"API": server.processes["api"].pid, "PostgreSQL": postmaster}
        if "projector" in server.processes:
            trees["projector"] = server.processes["projector"].pid
        meter_api = _http.CpuMeter(trees)
        print(
            f"load: wrk -t{args.threads} -c{args.connections} -d{args.seconds:.0f}s"
            f" (after {args.warmup:.0f} s of warm-up), a distinct command per request"
        )

        def measure(name: str, target: str, script: Path, meter: _http.CpuMeter, **kw: Any) -> Run:
            kw.setdefault("connections", args.connections)
            wrk(
                f"{name} warm-up",
                target,
                script,
                threads=args.threads,
                seconds=args.warmup,
                meter=meter,
                **kw,
            )
            before = asyncio.run(_autovacuum_runs(dsn))
            run = wrk(
                name, target, script, threads=args.threads, seconds=args.seconds, meter=meter, **kw
            )
            run = replace(run, autovacuum=asyncio.run(_autovacuum_runs(dsn)) - before)
            print(run.line(), flush=True)
            runs.append(run)
            return run

        with floor:
            meter_floor = _http.CpuMeter({"floor app": floor.process.pid, "PostgreSQL": postmaster})  # type: ignore[union-attr]
            floor_before = measure("floor (before)", floor.url, scripts["1"], meter_floor)
            with httpx.Client(base_url=server.url, timeout=60) as client:
                # The first seconds of load pay for the cold start (every aggregate read
                # from the log once, the heap growing): not to be billed to either token.
                wrk(
                    "product warm-up",
                    server.url,
                    scripts["1"],
                    threads=args.threads,
                    connections=args.connections,
                    seconds=args.seconds,
                    meter=meter_api,
                )
                settle(client)

                def spy_on(seconds: float) -> subprocess.Popen[bytes] | None:
                    if not args.py_spy:
                        return None
                    return subprocess.Popen(
                        [
                            str(_http.BIN / "py-spy"),
                            "record",
                            "--pid",
                            str(server.processes["api"].pid),
                            "--format",
                            "raw",
                            "--output",
                            args.py_spy,
                            "--duration",
                            str(round(seconds)),
                            "--rate",
                            "100",
                            "--gil",
                            *(["--subprocesses"] if args.workers > 1 else []),
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )

                spy = spy_on(args.seconds + args.warmup) if args.spy_phase == "peak" else None
                rounds: dict[str, list[Run]] = {"300": [], "1": []}
                halves: list[Run] = []
                for number in range(args.rounds):
                    # Alternated, so that neither token always has the machine's calmer
                    # moment (one phase and the next differed by a third: bench/README).
                    for tag in ("300", "1") if number % 2 == 0 else ("1", "300"):
                        label = "product, 300 grants" if tag == "300" else "product, 1 grant"
                        if args.rounds > 1:
                            label += f", round {number + 1}"
                        rounds[tag].append(measure(label, server.url, scripts[tag], meter_api))
                        if spy is not None and args.spy_phase == "peak":
                            spy.wait(timeout=60)
                            spy = None
                        settle(client)
                peak_300, peak_1 = _median_run(rounds["300"]), _median_run(rounds["1"])
                target_rate = args.share * peak_300.rate  # the phase's token's own peak
                if args.spy_phase == "half":
                    spy = spy_on(args.seconds + args.warmup)
                for number in range(args.rounds):
                    halves.append(
                        measure(
                            f"product at {args.share:.0%} of peak"
                            f" ({args.open_connections} connections), 300 grants"
                            + (f", round {number + 1}" if args.rounds > 1 else ""),
                            server.url,
                            scripts["300"],
                            meter_api,
                            connections=args.open_connections,
                            rate=target_rate,
                        )
                    )
                    if spy is not None:
                        spy.wait(timeout=60)
                        spy = None
                    settle(client)
                half = _median_p99(halves)
            floor_after = measure("floor (after)", floor.url, scripts["1"], meter_floor)
    failed = [r for r in runs if r.non2xx or r.socket_errors]
    floor_rate = (floor_before.rate + floor_after.rate) / 2
    peak = peak_300.rate
    print()
    if args.rounds > 1:
        for tag, label in (("300", "300 grants"), ("1", "1 grant")):
            rates = ", ".join(f"{r.rate:,.0f}" for r in rounds[tag])
            print(f"{label}: rounds {rates}/s; the median round's figures below")
        p99s = ", ".join(
            f"{r.p99_ms:.1f}" + (" (autovacuum during it)" if r.autovacuum else "") for r in halves
        )
        print(f"at {args.share:.0%} of peak: p99 {p99s} ms; the median one below")
    print(
        f"SUMMARY: product {peak_300.rate:,.0f} commands/s (300 grants),"
        f" {peak_1.rate:,.0f}/s (1 grant) | floor {floor_before.rate:,.0f} and"
        f" {floor_after.rate:,.0f} requests/s (mean {floor_rate:,.0f}) | ratio"
        f" {peak / floor_rate:.3f} (target >= {TARGET_SHARE}) | p50/p99 at peak"
        f" {peak_300.p50_ms:.1f}/{peak_300.p99_ms:.1f} ms | at {half.rate:,.0f}/s"
        f" ({half.rate / peak:.0%} of peak) p50/p99 {half.p50_ms:.1f}/{half.p99_ms:.1f} ms"
        f" (target p99 < {TARGET_P99_MS:.0f}) | CPU ms/command API"
        f" {peak_300.cpu_ms['API']:.2f}, PostgreSQL {peak_300.cpu_ms['PostgreSQL']:.2f}"
        + (
            f", projector {peak_300.cpu_ms['projector']:.2f};"
            if "projector" in peak_300.cpu_ms
            else ";"
        )
        + f" floor {floor_before.cpu_ms['floor app']:.2f} + {floor_before.cpu_ms['PostgreSQL']:.2f}"
    )
    if failed:
        print(f"FAILED: {len(failed)} phase(s) had errors")
        sys.exit(1)


if __name__ == "__main__":
    main()
