"""Live lag on PostgreSQL: from a write's commit to its visibility in the views.

    python -m tests.pgserver -- .venv/bin/python bench/live_lag.py --rate 100 --seconds 20

The read side runs embedded, as the API runs it (`api.readside.open_read_side(...,
follow=True)`: `runner.run_forever` woken by LISTEN on `tvaers_events`).  Writer
threads issue `Tvaers` use cases at a steady rate (ladder moves, milestones, role
assignments and hand-overs on a few partnerships).  For every write, the lag is the time
from the use case returning (committed) to `runner.wait_until(notification_id)`
returning in the event loop (every view has applied it: what read-your-writes waits for).

`--projector external`: the views are written by a `tvaers project run` process instead
(the scaled-out shape, docs/operations.md "Scaling out"), and a write is visible when
the lowest position in `projection_tracking` has reached it, polled every millisecond on
one connection (the API itself polls every 20 ms). The projector's CPU per command is
printed.

Baseline in the same run: a raw asyncpg LISTEN/NOTIFY round trip (NOTIFY from one
connection until the listener's callback fires), measured idle before the load.

At the end the views are checked against the log: every event must have its audit row
(the audit view has one row per event), so an event the runner skipped is reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO
from uuid import UUID

import asyncpg
import generate

from aggregates import Meta
from aggregates.errors import DomainError
from aggregates.taxonomy import AnchoringStatus, Dimension, RoleKind, Rung, Sector
from api.readside import open_read_side
from projections.runner import StillCatchingUp
from services.application import Tvaers
from services.commands import (
    AssignRole,
    Envelope,
    EvidenceFields,
    HandOverRole,
    JoinPartner,
    MoveOnLadder,
    RecordMilestone,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    VacateRole,
)
from services.errors import ConcurrencyConflict
from services.settings import Settings

ACTOR = "bench@kommune.dk"
ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def fmt(values: list[float]) -> str:
    if not values:
        return "no samples"
    ms = [v * 1000 for v in values]
    return (
        f"median {statistics.median(ms):.2f} ms | p95 {percentile(ms, 0.95):.2f} ms"
        f" | p99 {percentile(ms, 0.99):.2f} ms | max {max(ms):.2f} ms (n={len(ms)})"
    )


async def notify_round_trips(dsn: str, count: int) -> list[float]:
    """NOTIFY on one connection; time until the other connection's listener fires."""
    listener = await asyncpg.connect(dsn)
    notifier = await asyncpg.connect(dsn)
    arrived = asyncio.Event()
    stamp: list[float] = []

    def on_notify(*_: object) -> None:
        stamp.append(time.perf_counter())
        arrived.set()

    await listener.add_listener("bench_ping", on_notify)
    samples = []
    try:
        for _ in range(count):
            arrived.clear()
            stamp.clear()
            began = time.perf_counter()
            await notifier.execute("NOTIFY bench_ping")
            await asyncio.wait_for(arrived.wait(), 5)
            samples.append(stamp[0] - began)
    finally:
        await listener.close()
        await notifier.close()
    return samples


@dataclass
class Partnership:
    id: UUID
    partners: list[UUID]
    people: list[UUID]
    rungs: dict[UUID, Rung] = field(default_factory=dict)
    positions: list[UUID] = field(default_factory=list)
    held: dict[UUID, tuple[RoleKind, UUID]] = field(default_factory=dict)


def seed(app: Tvaers, partnerships: int) -> list[Partnership]:
    """Organisations, persons and partnerships with partners, through the use cases."""
    meta = Meta(actor=ACTOR, valid_on=date.today())
    result = []
    for number in range(partnerships):
        orgs = []
        people = []
        for k in range(5):
            created = app.execute(
                RegisterOrganisation(name=f"Org {number}-{k}", sector=Sector.VOLUNTARY),
                Envelope(meta),
            )
            assert created.created_id is not None
            orgs.append(created.created_id)
            person = app.execute(
                RegisterPerson(name=f"Person {number}-{k}", organisation_id=orgs[-1]),
                Envelope(meta),
            )
            assert person.created_id is not None
            people.append(person.created_id)
        registered = app.execute(
            RegisterPartnership(
                title=f"Partnerskab {number}",
                municipality="Svendborg",
                lead_organisation_id=orgs[0],
            ),
            Envelope(meta),
        )
        assert registered.created_id is not None
        partnership = Partnership(registered.created_id, orgs[1:], people)
        for org in partnership.partners:
            app.execute(
                JoinPartner(
                    partnership_id=partnership.id,
                    organisation_id=org,
                    rung=Rung.DIALOGUE,
                    evidence="Møde",
                ),
                Envelope(meta),
            )
            partnership.rungs[org] = Rung.DIALOGUE
        result.append(partnership)
    return result


class Writers:
    """Threads issuing use cases at a steady total rate; every commit is handed to the loop."""

    def __init__(
        self,
        app: Tvaers,
        partnerships: list[Partnership],
        rate: float,
        seconds: float,
        threads: int,
        on_commit: Callable[[int, float], None],
    ) -> None:
        self.app = app
        self.partnerships = partnerships
        self.interval = threads / rate
        self.seconds = seconds
        self.threads = threads
        self.on_commit = on_commit
        self.committed = 0
        self.refused = 0
        self.conflicts = 0
        self.behind = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def command(self, n: int, p: Partnership) -> int:
        meta = Meta(actor=ACTOR, valid_on=date.today())
        kind = n % 4
        if kind == 0:
            org = p.partners[n // 4 % len(p.partners)]
            rung = Rung.MUTUAL_REFERRAL if p.rungs[org] is Rung.DIALOGUE else Rung.DIALOGUE
            result = self.app.execute(
                MoveOnLadder(
                    partnership_id=p.id, organisation_id=org, rung=rung, evidence="Statusmøde"
                ),
                Envelope(meta),
            )
            p.rungs[org] = rung
        elif kind == 1:
            result = self.app.execute(
                RecordMilestone(
                    partnership_id=p.id,
                    dimension=Dimension.METHOD,
                    status=AnchoringStatus.STARTED,
                    title=f"Milepæl {n}",
                    evidence=EvidenceFields(text="Referat"),
                ),
                Envelope(meta),
            )
        elif kind == 2 or not p.positions:
            free = [
                (role, person)
                for role in RoleKind
                for person in p.people
                if (role, person) not in p.held.values()
            ]
            if not free:  # every role is held by every person: free one up
                return self.vacate(n, p, meta)
            role, person = free[n % len(free)]
            result = self.app.execute(
                AssignRole(partnership_id=p.id, role=role, person_id=person), Envelope(meta)
            )
            assert result.created_id is not None
            p.positions.append(result.created_id)
            p.held[result.created_id] = (role, person)
        else:
            position = p.positions[n % len(p.positions)]
            role, holder = p.held[position]
            others = [q for q in p.people if q != holder and (role, q) not in p.held.values()]
            if not others:
                return self.vacate(n, p, meta)
            person = others[n % len(others)]
            result = self.app.execute(
                HandOverRole(partnership_id=p.id, position_id=position, person_id=person),
                Envelope(meta),
            )
            p.held[position] = (role, person)
        return result.notification_id

    def vacate(self, n: int, p: Partnership, meta: Meta) -> int:
        position = p.positions.pop(n % len(p.positions))
        del p.held[position]
        return self.app.execute(
            VacateRole(partnership_id=p.id, position_id=position), Envelope(meta)
        ).notification_id

    def run_thread(self, index: int) -> None:
        mine = self.partnerships[index :: self.threads]  # no two threads share an aggregate
        began = time.perf_counter() + index * self.interval / self.threads
        n = 0
        while True:
            due = began + n * self.interval
            now = time.perf_counter()
            if due - began > self.seconds:
                return
            if due > now:
                time.sleep(due - now)
            elif now - due > self.interval:
                with self.lock:
                    self.behind += 1
            p = mine[n % len(mine)]
            try:
                notification_id = self.command(n // len(mine), p)
            except DomainError:
                with self.lock:
                    self.refused += 1
            except ConcurrencyConflict:
                with self.lock:
                    self.conflicts += 1
            except Exception as error:  # noqa: BLE001 - a benchmark thread must not die silently
                with self.lock:
                    self.errors.append(repr(error))
            else:
                self.on_commit(notification_id, time.perf_counter())
                with self.lock:
                    self.committed += 1
            n += 1

    def start(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self.run_thread, args=(i,), daemon=True)
            for i in range(self.threads)
        ]
        for thread in threads:
            thread.start()
        return threads


class TrackingPoller:
    """The lowest position of the views in projection_tracking, read every millisecond on
    one connection: when a write became visible in every view (an external projector)."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.reached = 0
        self._moved = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TrackingPoller:
        conn = await asyncpg.connect(self.dsn)

        async def poll() -> None:
            try:
                while True:
                    try:
                        reached = await conn.fetchval(
                            "SELECT coalesce(min(position), 0) FROM projection_tracking"
                        )
                    except asyncpg.UndefinedTableError:  # the projector has not set up yet
                        reached = 0
                    if reached > self.reached:
                        self.reached = reached
                        async with self._moved:
                            self._moved.notify_all()
                    await asyncio.sleep(0.001)
            finally:
                await conn.close()

        self._task = asyncio.create_task(poll())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def wait_until(self, notification_id: int, timeout: float) -> None:
        assert self._task is not None
        if self._task.done():  # the poller failed: say why
            self._task.result()
        async with self._moved:
            await asyncio.wait_for(
                self._moved.wait_for(lambda: self.reached >= notification_id), timeout
            )


def start_projector(url: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TVAERS_DATABASE_URL": url, "TVAERS_HOUSEKEEPING": "off"}
    env["TVAERS_LOG_LEVEL"] = "WARNING"
    return subprocess.Popen(
        [sys.executable, "-m", "api.cli", "project", "run"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench(
    url: str, rate: float, seconds: float, threads: int, partnerships: int, external: bool
) -> None:
    settings = Settings(database_url=url)
    app = Tvaers(settings)
    dsn, _ = settings.asyncpg_dsn()
    baseline = await notify_round_trips(dsn, 500)
    print(f"baseline LISTEN/NOTIFY round trip (idle): {fmt(baseline)}")
    seeded = seed(app, partnerships)
    loop = asyncio.get_running_loop()
    lags: list[float] = []
    late: list[int] = []
    pending: set[asyncio.Task[None]] = set()
    # The projector's warnings and errors, printed at the end.
    projector_log = tempfile.TemporaryFile() if external else None  # noqa: SIM115 - closed at the end
    projector = start_projector(url, projector_log) if projector_log else None
    poller = TrackingPoller(dsn) if external else None

    try:
        async with (
            open_read_side(settings, app, follow=not external) as read_side,
            poller or contextlib.nullcontext(),
        ):
            runner = read_side.runner
            wait_until = runner.wait_until if poller is None else poller.wait_until
            await wait_until(app.max_notification_id(), timeout=60)

            async def observe(notification_id: int, committed_at: float) -> None:
                try:
                    await wait_until(notification_id, timeout=10)
                except (StillCatchingUp, TimeoutError):
                    late.append(notification_id)
                    return
                lags.append(time.perf_counter() - committed_at)

            def on_loop(notification_id: int, committed_at: float) -> None:
                task = loop.create_task(observe(notification_id, committed_at))
                pending.add(task)
                task.add_done_callback(pending.discard)

            def on_commit(notification_id: int, committed_at: float) -> None:
                loop.call_soon_threadsafe(on_loop, notification_id, committed_at)

            writers = Writers(app, seeded, rate, seconds, threads, on_commit)
            projector_cpu = cpu_seconds(projector.pid) if projector else 0.0
            began = time.perf_counter()
            workers = writers.start()
            while any(t.is_alive() for t in workers):
                await asyncio.sleep(0.1)
            elapsed = time.perf_counter() - began
            while pending:
                await asyncio.sleep(0.05)
            head = app.max_notification_id()
            await wait_until(head, timeout=30)
            if projector is not None:
                projector_cpu = cpu_seconds(projector.pid) - projector_cpu
            events = await read_side.store.fetchval("SELECT count(*) FROM tvaers_events")
            audited = await read_side.store.fetchval("SELECT count(*) FROM audit_log")

    finally:
        if projector is not None and projector_log is not None:
            projector.terminate()
            projector.wait(15)
            projector_log.seek(0)
            said = [
                line
                for line in projector_log.read().decode(errors="replace").splitlines()
                if not line.startswith(("following the event log", "catch up:"))
            ]
            if said:  # its warnings and errors (it logs at WARNING)
                print("the projector said:\n  " + "\n  ".join(said[-10:]))
            projector_log.close()
    print(
        f"load: {writers.committed:,} commands committed in {elapsed:.1f} s"
        f" = {writers.committed / elapsed:,.0f}/s (target {rate:,.0f}/s, {threads} writer"
        f" thread(s)); refused {writers.refused}, conflicts {writers.conflicts},"
        f" started late {writers.behind}"
    )
    if writers.errors:
        print(f"{len(writers.errors)} commands failed, e.g. {writers.errors[0]}")
    print(f"views: {audited:,} audit rows for {events:,} events in the log", end="")
    print(" (complete)" if audited == events else f" -- {events - audited} EVENTS MISSED")
    if late:
        print(f"{len(late)} writes not visible within 10 s")
    if projector is not None and writers.committed:
        print(
            "projector (`tvaers project run`): CPU"
            f" {projector_cpu * 1000 / writers.committed:.2f} ms a command"
        )
    print()
    print(f"live lag (commit -> visible in all views): {fmt(lags)}")
    print(f"baseline LISTEN/NOTIFY round trip:         {fmt(baseline)}")
    if lags and baseline:
        ratio = statistics.median(lags) / statistics.median(baseline)
        print(f"median lag / median NOTIFY round trip = {ratio:.1f}x")
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100, help="commands per second (total)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--writers", type=int, default=4, help="writer threads")
    parser.add_argument("--partnerships", type=int, default=8)
    parser.add_argument(
        "--projector",
        choices=["embedded", "external"],
        default="embedded",
        help="the views written in this process (default) or by a `tvaers project run`",
    )
    parser.add_argument(
        "--switch-interval",
        type=float,
        help="sys.setswitchinterval (s): how long the event loop may wait for the GIL"
        " while writer threads run Python (default 0.005)",
    )
    args = parser.parse_args()
    if args.switch_interval:
        sys.setswitchinterval(args.switch_interval)
    print(f"GIL switch interval: {sys.getswitchinterval() * 1000:g} ms")
    admin = generate.admin_url()
    print(f"code: {generate.code_version()}")
    url = generate.fresh_database(admin, "bench_live")
    print(f"projector: {args.projector}")
    asyncio.run(
        bench(
            url,
            args.rate,
            args.seconds,
            args.writers,
            args.partnerships,
            args.projector == "external",
        )
    )


if __name__ == "__main__":
    main()
