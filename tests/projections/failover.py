"""Failover harness: `tvaers project run` replicas as real processes, a write load, kills.

Used by tests/projections/test_failover.py (CI) and bench/failover.py (figures).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from projections.leader import session_name
from projections.store import ReadStore
from services.application import Tvaers
from tests.projections.support import generate_history

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = "became the active projector"
STANDING_BY = "standing by"
LOST = "lost the projector lock: stopped projecting, standing by again"
ENDED = "the projector's work ended: giving up the lock, standing by again"
ENDED_DEPOSED = "ended a deposed projector's session that blocked this one"


class Replica:
    """One `tvaers project run` process; its log lines are read as they come."""

    def __init__(self, database_url: str, name: str, **settings: str) -> None:
        self.name = name
        env = {
            **os.environ,
            "TVAERS_DATABASE_URL": database_url,
            "TVAERS_HOUSEKEEPING": "off",
            "TVAERS_LOG_FORMAT": "json",
            "TVAERS_LOG_LEVEL": "INFO",
            **settings,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "project", "run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self.events: list[tuple[float, str]] = []  # (time.monotonic(), structlog event)
        self.records: list[dict[str, Any]] = []  # its structured log records, whole
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "event" in record:
                self.records.append(record)
                self.events.append((time.monotonic(), str(record["event"])))

    def seen(self, event: str, after: float = 0.0) -> float | None:
        """When this replica last logged `event` (after `after`), else None."""
        times = [at for at, name in self.events if name == event and at >= after]
        return times[-1] if times else None

    @property
    def active(self) -> bool:
        """Alive, and the last it said of its leadership is that it became the leader."""
        said = [name for _, name in self.events if name in (ACTIVE, LOST, ENDED)]
        return self.alive and said[-1:] == [ACTIVE]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """kill -9: no goodbye; PostgreSQL ends its sessions (and frees its lock)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._reader.join(5)
        return self.process.returncode

    def log(self) -> str:
        return "\n".join(self.lines[-40:])


class WriteLoad:
    """Commands through the application in a thread, steadily, until stopped: partnerships
    with their partners, ladder moves, roles, steering groups, agreements (~150 events a
    round, each change its own use case or save)."""

    def __init__(self, app: Tvaers, seed: int = 20261207, pause: float = 0.05) -> None:
        self.app = app
        self.rng = random.Random(seed)
        self.pause = pause
        self.rounds = 0
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                generate_history(self.app, self.rng, partnerships=1)
                self.rounds += 1
                self._stop.wait(self.pause)
        except BaseException as error:  # noqa: BLE001 - reported by stop()
            self.error = error

    def start(self) -> WriteLoad:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        if self.error is not None:
            raise self.error


async def lowest_position(store: ReadStore) -> int:
    tracking = await store.tracking()
    return min((t.position for t in tracking.values()), default=0)


async def wait_for(
    check: Any, timeout: float, what: str, replicas: list[Replica], interval: float = 0.01
) -> float:
    """Poll `check()` (sync or async) until true; the time.monotonic() it became true."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic()
        if time.monotonic() > deadline:
            logs = "\n\n".join(f"{r.name}:\n{r.log()}" for r in replicas)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(interval)


@dataclass(frozen=True)
class Takeover:
    elected: float  # seconds from the kill to the standby's "became the active projector"
    moving: float  # seconds from the kill until the views have moved past where they were
    position_at_kill: int


async def kill_the_leader(replicas: list[Replica], store: ReadStore) -> tuple[Replica, Takeover]:
    """kill -9 the active replica while the load runs; time the standby's takeover."""
    (leader,) = [r for r in replicas if r.active]
    standbys = [r for r in replicas if r is not leader and r.alive]
    # The views move under this leader (the load is running).
    start = await lowest_position(store)
    await wait_for(lambda: _past(store, start), 30, "the views to move under the leader", replicas)
    leader.kill()
    killed = time.monotonic()
    at_kill = await lowest_position(store)
    elected = await wait_for(
        lambda: any(r.seen(ACTIVE, after=killed) for r in standbys),
        15,
        "a standby to become active",
        replicas,
    )
    moving = await wait_for(lambda: _past(store, at_kill), 15, "the views to move again", replicas)
    return leader, Takeover(elected - killed, moving - killed, at_kill)


async def reached(store: ReadStore, head: int) -> bool:
    """Whether every view has projected the log up to event `head`."""
    return await lowest_position(store) >= head


async def _past(store: ReadStore, position: int) -> bool:
    return await lowest_position(store) > position


_HUNG_IN_A_STATEMENT = (
    # A session of that replica inside a statement that waits for its client (a COPY of
    # its batch), holding the batch's locks on the positions: no server timeout ends it.
    "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.relation = 'projection_tracking'::regclass AND l.granted"
    " AND l.mode = 'RowShareLock' AND a.state = 'active' AND a.wait_event = 'ClientRead'"
    " AND a.application_name = ?"
)


async def _pause_inside_a_statement(
    leader: Replica, store: ReadStore, rng: random.Random, tries: int = 3000
) -> int:
    """SIGSTOP the leader at random moments (SIGCONT again at once) until it is caught
    inside a statement of its batch (see `_HUNG_IN_A_STATEMENT`); it stays paused. How
    many pauses it took."""
    name = session_name(socket.gethostname(), leader.process.pid)
    for attempt in range(1, tries + 1):
        await asyncio.sleep(rng.uniform(0.01, 0.1))
        leader.process.send_signal(signal.SIGSTOP)
        await asyncio.sleep(0.03)  # what it had sent has reached the server
        if await store.fetchval(_HUNG_IN_A_STATEMENT, name):
            return attempt
        leader.process.send_signal(signal.SIGCONT)
    raise AssertionError(f"the leader was never caught inside a statement in {tries} pauses")


async def pause_the_leader(
    replicas: list[Replica], store: ReadStore, *, in_a_statement: random.Random | None = None
) -> tuple[Replica, Takeover]:
    """SIGSTOP the active replica (a hung leader: its sockets stay open) while the load runs;
    time the standby's takeover; then SIGCONT it: it must notice and stand by.

    `in_a_statement` (a random source): pause it at random moments until it is caught
    inside a statement of a batch, holding the positions' locks (the new leader must end
    that session: projections/leader.py)."""
    (leader,) = [r for r in replicas if r.active]
    standbys = [r for r in replicas if r is not leader and r.alive]
    start = await lowest_position(store)
    await wait_for(lambda: _past(store, start), 30, "the views to move under the leader", replicas)
    if in_a_statement is not None:
        await _pause_inside_a_statement(leader, store, in_a_statement)
    else:
        leader.process.send_signal(signal.SIGSTOP)
    paused = time.monotonic()
    try:
        at_pause = await lowest_position(store)
        elected = await wait_for(
            lambda: any(r.seen(ACTIVE, after=paused) for r in standbys),
            20,
            "a standby to become active",
            replicas,
        )
        moving = await wait_for(
            lambda: _past(store, at_pause), 20, "the views to move again", replicas
        )
    finally:
        leader.process.send_signal(signal.SIGCONT)
    resumed = time.monotonic()
    await wait_for(
        lambda: leader.seen(STANDING_BY, after=resumed), 20, "the old leader to stand by", replicas
    )
    assert leader.seen(LOST, after=paused) is not None, leader.log()
    return leader, Takeover(elected - paused, moving - paused, at_pause)
