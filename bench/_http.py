"""Shared by the HTTP benchmarks (`http_commands.py`, `http_queries.py`).

- `ApiServer`: the API as a real server in subprocesses (uvicorn with the `create_app`
  factory, `--workers N`; with `TVAERS_PROJECTIONS=external` also a `tvaers project run`
  process), its log in a file, stopped by process group on exit, error or Ctrl-C;
- `bootstrap_user`: users, grants and bearer tokens made with the `tvaers` CLI against
  the same database, as an operator would;
- `CpuMeter`: CPU time of process trees and of the whole machine from /proc (no psutil);
- `server_durations`: per-route request count and time summed by the server itself
  (`tvaers_http_request_duration_seconds` on /metrics);
- percentiles and the machine line of the report.

Run as a script it is the server entry used for profiling (`--profile` of the benchmarks):

    python bench/_http.py serve --port 8123 --profile /tmp/api.prof

one uvicorn process with `cProfile` in the event loop's thread *and* in every other
thread (the synchronous command handlers run in worker threads), merged into one file
when the server stops. The profilers count each thread's CPU time (`time.thread_time`),
so time spent waiting (for PostgreSQL, for the GIL, for work) is left out: the figures
say where the CPU goes.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # .venv/bin when run with .venv/bin/python
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def latency_line(values: Sequence[float], shares: Sequence[float] = (0.5, 0.95, 0.99)) -> str:
    """'p50 1.23 ms | p95 ... | max ... (n=...)' of durations in seconds."""
    if not values:
        return "no samples"
    parts = [f"p{round(s * 100)} {ms(percentile(values, s))} ms" for s in shares]
    return " | ".join([*parts, f"max {ms(max(values))} ms (n={len(values):,})"])


def machine_line() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({platform.machine()}), load average {load};"
        f" Python {platform.python_version()}"
    )


def install_sigterm_handler() -> None:
    """SIGTERM (from `tests.pgserver` or a CI runner) unwinds like Ctrl-C: `finally` runs."""

    def _exit(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- CPU from /proc


def _processes() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds user+system) of every process readable now,
    including the CPU of its children that have ended and been waited for (PostgreSQL's
    backends that closed during a phase; without them its tree's CPU could even fall)."""
    found: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
        ppid = int(fields[1])
        ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        found[int(entry)] = (ppid, ticks / CLK_TCK)
    return found


def _tree(root: int, processes: Mapping[int, tuple[int, float]]) -> list[int]:
    """`root` and its descendants among `processes`."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in processes:
            found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _waits(pids: Sequence[int]) -> dict[int, float]:
    """pid -> seconds it has spent runnable but waiting for a CPU (/proc/PID/schedstat's
    second field: the run queue; its threads included)."""
    found: dict[int, float] = {}
    for pid in pids:
        try:
            found[pid] = int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            continue
    return found


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (busy excludes idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])  # guest time is already counted in user
    return total - values[3] - values[4], total


def _uvicorn_stack() -> str:
    """What uvicorn's "auto" picks: httptools and uvloop when installed, else h11, asyncio."""
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{http}, {loop}"


@dataclass
class CpuSample:
    at: float
    trees: dict[str, float]
    machine: tuple[int, int]
    # pid -> run-queue wait (s) of each tree's processes living at the sample
    waits: dict[str, dict[int, float]] = field(default_factory=dict)


@dataclass
class CpuUsage:
    """CPU used between two samples, as % of one core (a tree may exceed 100 %)."""

    seconds: float
    trees: dict[str, float]
    machine_busy: float  # % of all CPUs
    # seconds each tree's processes spent ready to run but waiting for a CPU (those alive
    # at both samples)
    waits: dict[str, float] = field(default_factory=dict)

    def line(self, extra: Mapping[str, float] | None = None) -> str:
        shares = {**self.trees, **(extra or {})}
        parts = [f"{name} {100 * cpu / self.seconds:.0f} %" for name, cpu in shares.items()]
        return (
            "CPU (% of one core): "
            + ", ".join(parts)
            + f"; whole machine {self.machine_busy:.0f} % busy"
            f" (of {os.cpu_count()} CPUs, other users' work included)"
        )


class CpuMeter:
    """CPU seconds of named process trees (a root pid and its descendants)."""

    def __init__(self, roots: Mapping[str, int]) -> None:
        self.roots = dict(roots)

    def sample(self) -> CpuSample:
        processes = _processes()
        members = {name: _tree(pid, processes) for name, pid in self.roots.items()}
        trees = {name: sum(processes[p][1] for p in pids) for name, pids in members.items()}
        waits = {name: _waits(pids) for name, pids in members.items()}
        return CpuSample(time.perf_counter(), trees, _machine_ticks(), waits)

    @staticmethod
    def usage(before: CpuSample, after: CpuSample) -> CpuUsage:
        busy = after.machine[0] - before.machine[0]
        total = after.machine[1] - before.machine[1]
        waits = {
            name: sum(
                waited - before.waits.get(name, {})[pid]
                for pid, waited in after.waits[name].items()
                if pid in before.waits.get(name, {})
            )
            for name in after.waits
        }
        return CpuUsage(
            seconds=max(after.at - before.at, 1e-9),
            trees={name: after.trees[name] - before.trees[name] for name in after.trees},
            machine_busy=100 * busy / total if total else 0.0,
            waits=waits,
        )


def postmaster_pid(backend_pid: int) -> int:
    """The postmaster: parent of any backend (all of PostgreSQL is its process tree)."""
    return _processes()[backend_pid][0]


class DbSampler:
    """Samples pg_stat_activity of one database from a thread: where sessions spend time.

    Each sample counts the other sessions by state (active, idle in transaction, idle)
    and, for active ones, by wait event; `summary()` gives per-sample averages.
    """

    def __init__(self, url: str, interval: float = 0.02) -> None:
        self.url = url
        self.interval = interval
        self.samples = 0
        self.states: Counter[str] = Counter()
        self.waits: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg  # noqa: PLC0415

        query = (
            "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        with psycopg.connect(self.url, autocommit=True) as connection:
            while not self._stop.wait(self.interval):
                rows = connection.execute(query).fetchall()
                self.samples += 1
                for state, wait_type, wait in rows:
                    self.states[str(state)] += 1
                    if state == "active":
                        self.waits[f"{wait_type}:{wait}" if wait_type else "on CPU"] += 1

    def __enter__(self) -> DbSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        n = max(self.samples, 1)
        states = ", ".join(f"{state} {count / n:.1f}" for state, count in self.states.most_common())
        waits = ", ".join(f"{wait} {count / n:.2f}" for wait, count in self.waits.most_common(4))
        return (
            f"PostgreSQL sessions of the database, mean per sample ({self.samples:,} samples):"
            f" {states}; active ones: {waits or '-'}"
        )


# --------------------------------------------------------------------------- the CLI


def tvaers_env(database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ, TVAERS_DATABASE_URL=database_url, TVAERS_HOUSEKEEPING="off")
    env.setdefault("TVAERS_LOG_FORMAT", "json")
    env.update(extra)
    return env


def tvaers_cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> str:
    """Run `tvaers ARGS...`; its standard output (raises with its stderr if it fails)."""
    done = subprocess.run(
        [str(BIN / "tvaers"), *args],
        input=stdin,
        env=dict(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tvaers {' '.join(args)} failed ({done.returncode}): {done.stderr}")
    return done.stdout


def bootstrap_user(
    env: Mapping[str, str],
    username: str,
    *,
    admin: bool = False,
    municipality_grant: tuple[str, str] | None = None,
) -> str:
    """Create a user with the CLI (admin or with one municipality grant); its bearer token."""
    password = secrets.token_urlsafe(18)
    flags = ["--admin"] if admin else []
    tvaers_cli(env, "user", "create", username, *flags, "--password-stdin", stdin=password + "\n")
    if municipality_grant is not None:
        role, municipality = municipality_grant
        tvaers_cli(env, "grant", username, role, "--municipality", municipality)
    return tvaers_cli(env, "user", "token", username, "--label", "bench", "--days", "1").strip()


# --------------------------------------------------------------------------- the server


@dataclass
class ApiServer:
    """The API in subprocesses; a context manager that always stops them.

    Every process is started in its own session, so that one `killpg` reaches the
    uvicorn supervisor and its workers (and Ctrl-C on the terminal reaches only the
    benchmark, which then stops them in order).
    """

    database_url: str
    workers: int = 1
    projections: str = "embedded"
    log_level: str = "INFO"
    profile: str | None = None
    port: int = field(default_factory=free_port)
    logdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="tvaers-bench-")))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # The checkout whose code serves (another commit's, exported: a before/after run).
    root: Path = ROOT

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        # Every worker must share the key that signs session cookies.
        env = tvaers_env(
            self.database_url,
            TVAERS_PROJECTIONS=self.projections,
            TVAERS_SECRET_KEY=self.secret_key,
            TVAERS_LOG_LEVEL=self.log_level,
        )
        if self.root != ROOT:
            env["PYTHONPATH"] = str(self.root)
        return env

    def describe(self) -> str:
        how = (
            "embedded in the API process"
            if self.projections == "embedded"
            else "external (one `tvaers project run` process)"
        )
        return (
            f"{self.workers} uvicorn worker(s) ({_uvicorn_stack()}), projections {how},"
            f" housekeeping off, log level {self.log_level} (JSON to {self.logdir})"
        )

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with (self.logdir / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                argv,
                cwd=self.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def start(self) -> None:
        if self.projections == "external":
            self._spawn("projector", [str(BIN / "tvaers"), "project", "run"])
        if self.profile is not None:
            if self.workers != 1:
                raise ValueError("--profile needs a single worker")
            argv = [sys.executable, str(Path(__file__)), "serve", "--port", str(self.port)]
            self._spawn("api", [*argv, "--profile", self.profile])
        else:
            self._spawn(
                "api",
                [
                    str(BIN / "uvicorn"),
                    "--factory",
                    "api.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
            )
        self.wait_ready()

    def wait_ready(self, timeout: float = 120.0) -> None:
        """Until every worker answers and the views have caught up with the log."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while True:
                for name, process in self.processes.items():
                    if process.poll() is not None:
                        raise RuntimeError(f"{name} exited ({process.returncode}):\n{self.tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    # Several answers in a row: with several workers each must be up.
                    answers = [client.get("/ready") for _ in range(4 * self.workers)]
                    if all(a.status_code == 200 and a.json().get("lag") == 0 for a in answers):
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the API was not ready in {timeout:.0f} s:\n{self.tail()}")
                time.sleep(0.2)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def tail(self, lines: int = 20) -> str:
        out = []
        for name in self.processes:
            text = (self.logdir / f"{name}.log").read_text(errors="replace").splitlines()
            out += [f"--- {name} ---", *text[-lines:]]
        return "\n".join(out)

    def stop(self) -> None:
        """SIGTERM to each process group (API first), SIGKILL after 20 s."""
        for name in sorted(self.processes, key=lambda n: n != "api"):
            process = self.processes.pop(name)
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=10)

    def __enter__(self) -> ApiServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- /metrics

_SAMPLE = re.compile(r"^(?P<name>[a-z_]+)\{(?P<labels>.*)\} (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class RouteTime:
    count: float
    seconds: float


def server_durations(client: httpx.Client) -> dict[tuple[str, str, str], RouteTime]:
    """(method, route template, status) -> requests and seconds, as the server timed them.

    The time is from the app's outermost middleware in, i.e. without uvicorn's HTTP
    parsing and the network. With several workers, /metrics is one worker's.
    """
    text = client.get("/metrics").text
    sums: dict[tuple[str, str, str], float] = {}
    counts: dict[tuple[str, str, str], float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match is None:
            continue
        name = match["name"]
        if name not in (
            "tvaers_http_request_duration_seconds_sum",
            "tvaers_http_request_duration_seconds_count",
        ):
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        key = (labels["method"], labels["route"], labels["status"])
        target = sums if name.endswith("_sum") else counts
        target[key] = float(match["value"])
    return {key: RouteTime(counts.get(key, 0.0), sums[key]) for key in sums}


def durations_between(
    before: Mapping[tuple[str, str, str], RouteTime],
    after: Mapping[tuple[str, str, str], RouteTime],
) -> dict[tuple[str, str, str], RouteTime]:
    zero = RouteTime(0.0, 0.0)
    out = {}
    for key, now in after.items():
        then = before.get(key, zero)
        if now.count > then.count:
            out[key] = RouteTime(now.count - then.count, now.seconds - then.seconds)
    return out


# --------------------------------------------------------------------------- profiled server


def _serve(port: int, profile_path: str) -> None:
    """One uvicorn process profiled in every thread; stats merged into `profile_path`."""
    import cProfile  # noqa: PLC0415
    import pstats  # noqa: PLC0415

    import uvicorn  # noqa: PLC0415

    from api.app import create_app  # noqa: PLC0415

    finished: list[cProfile.Profile] = []  # threads that ended: their stats are complete
    lock = threading.Lock()
    bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def profiled_bootstrap(thread: threading.Thread) -> None:
        profiler = cProfile.Profile(time.thread_time)
        profiler.enable()
        try:
            bootstrap(thread)
        finally:
            profiler.disable()
            with lock:
                finished.append(profiler)

    threading.Thread._bootstrap_inner = profiled_bootstrap  # type: ignore[attr-defined]
    # uvicorn re-raises the stopping signal once it has shut down; with the default
    # handler that would kill this process before the stats are written.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: None)
    main = cProfile.Profile(time.thread_time)
    main.enable()
    try:
        uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning")
    finally:
        main.disable()
        # asyncio.run has joined the loop's executor threads (where the synchronous
        # handlers ran). Threads still alive (idle pool and log workers) are left out:
        # a call still running cannot be timed from another thread.
        with lock:
            stats = pstats.Stats(main)
            for profiler in finished:
                with contextlib.suppress(TypeError):  # a profiler that saw no call
                    stats.add(profiler)
        stats.dump_stats(profile_path)


def print_profile(path: str, top: int) -> None:
    """The functions that took most time themselves, and most time with their callees."""
    import pstats  # noqa: PLC0415

    stats = pstats.Stats(path, stream=sys.stdout)
    stats.strip_dirs()
    for key in ("tottime", "cumulative"):
        print(f"\nprofile of the API process (CPU of all threads), top {top} by {key}:")
        stats.sort_stats(key).print_stats(top)


def _main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The profiled API server (see module doc).")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--profile", required=True, metavar="FILE")
    args = parser.parse_args(argv)
    _serve(args.port, args.profile)


@contextlib.contextmanager
def timed(label: str) -> Iterator[None]:
    began = time.perf_counter()
    yield
    print(f"{label} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":
    _main()
