"""A rebuild killed with SIGKILL at random points, then resumed, ends as a clean rebuild does."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from eventsourcing.utils import get_topic

from aggregates import Partnership
from projections.access import access
from projections.annotations import annotations_projection
from projections.audit import audit
from projections.catalog import ALL
from services.settings import Settings
from tests.projections.support import ReadSide, generate_history, view_contents

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
WORKER = ("-m", "tests.projections.rebuild_worker")
KILLS = 20
BATCH = 50


class Workers:
    """`rebuild_worker --serve`: forks one worker process per attempt, for us to kill."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    async def line(self) -> list[str]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout=60)
        assert raw, f"the worker server ended: {self.log.read_text()}"
        return raw.decode().split()

    async def start(self, command: str, *, after: str) -> int:
        """Start a worker; return its pid once it has written `after` ("ready", "batch")."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        pid, seen = None, False
        while pid is None or not seen:
            words = await self.line()
            if words[0] == "started":
                pid = int(words[1])
            seen = seen or words[0] == after
            assert words[0] != "exited", f"the worker failed: {self.log.read_text()}"
        return pid

    async def kill(self, pid: int) -> int:
        """SIGKILL the worker (unless it has already finished); return its exit code."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while True:
            words = await self.line()
            if words[0] == "exited":
                assert int(words[1]) == pid
                return int(words[2])


@contextlib.asynccontextmanager
async def worker_server(database_url: str, log: Path) -> AsyncIterator[Workers]:
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *WORKER,
            database_url,
            "--serve",
            f"--batch-size={BATCH}",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    try:
        yield Workers(process, log)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), timeout=10)
        except TimeoutError:
            process.kill()
            await process.wait()


@pytest.mark.slow
async def test_a_rebuild_killed_at_random_points_and_resumed_matches_a_clean_rebuild(
    read_side: ReadSide, store_settings: Settings, tmp_path: Path
) -> None:
    app, store, runner = read_side
    rng = random.Random(20240601)
    history = generate_history(app, rng, partnerships=50)
    head = app.max_notification_id()
    assert history.events == head >= 2000

    # The views are live and caught up when the rebuild starts; catching up in batches of
    # the worker's size tells roughly how long one pass takes.
    runner.batch_size = BATCH
    began = time.monotonic()
    assert await runner.catch_up() == head
    one_pass = time.monotonic() - began

    audit_ids = [n.id for n in await store.read_notifications(0, head, topics=sorted(audit.topics))]
    registered = get_topic(Partnership.Registered)
    registered_ids = [n.id for n in await store.read_notifications(0, head, topics=[registered])]
    # Every event is in the audit view except the accounts' (they have the access log) and
    # the evaluators' notes (kept out of the partnerships' history, ADR 0007).
    account_topics = sorted(t for t in access.topics if ":Account." in t)
    account_ids = [n.id for n in await store.read_notifications(0, head, topics=account_topics)]
    note_topics = sorted(annotations_projection.topics)
    note_ids = [n.id for n in await store.read_notifications(0, head, topics=note_topics)]
    assert (len(audit_ids) + len(account_ids) + len(note_ids), len(registered_ids)) == (head, 50)
    assert account_ids

    async def positions_matching_views() -> dict[str, int]:
        """Each view holds exactly the batches its stored position covers, never part of one."""
        positions = {name: t.position for name, t in (await store.tracking()).items()}
        audit_rows = await store.fetchval("SELECT count(*) FROM audit_log")
        assert audit_rows == sum(1 for i in audit_ids if i <= positions["audit"])
        partnerships = await store.fetchval("SELECT count(*) FROM partnerships")
        assert partnerships == sum(1 for i in registered_ids if i <= positions["registry"])
        return positions

    kills: list[dict[str, int]] = []
    seconds_per_event = one_pass / head
    async with worker_server(store_settings.database_url, tmp_path / "workers.log") as workers:
        # `tvaers project rebuild` builds beside the live views: killed anywhere before its
        # switch, it leaves them and their positions exactly as they were (issue 12).
        live = await view_contents(store)
        live_tracking = await store.tracking()
        for _ in range(3):
            pid = await workers.start("shadow", after="batch")
            await asyncio.sleep(rng.uniform(0, 0.5) * one_pass)
            assert await workers.kill(pid) in (-signal.SIGKILL, 0)
            assert await store.tracking() == live_tracking
            assert await view_contents(store) == live
        # The first worker rebuilds from zero and dies early: in the resets or first batches.
        # A kill before the first reset commits leaves every view whole: start over, a
        # little later each time, until the rebuild has begun.
        delay = rng.uniform(0, 0.05)
        while True:
            pid = await workers.start("rebuild", after="ready")
            await asyncio.sleep(delay)
            assert await workers.kill(pid) in (-signal.SIGKILL, 0)
            positions = await positions_matching_views()
            if min(positions.values()) < head:
                break
            delay += 0.05
        kills.append(positions)
        # The others resume; each dies a seeded random time after its first commit, sized
        # so that the kills spread over the rest of the rebuild and land anywhere in a batch.
        for attempt in range(1, KILLS):
            reached = min(kills[-1].values())
            share = (head - reached) / (KILLS - attempt)
            pid = await workers.start("resume", after="batch")
            await asyncio.sleep(rng.uniform(0, 2) * max(0, share - BATCH) * seconds_per_event)
            assert await workers.kill(pid) in (-signal.SIGKILL, 0)
            positions = await positions_matching_views()
            # Resumed, not restarted: no position goes back.
            assert all(positions[n] >= kills[-1][n] for n in positions), (kills, positions)
            kills.append(positions)

    midway = {min(p.values()) for p in kills} - {0, head}
    assert len(midway) >= 10, kills

    finish = await asyncio.create_subprocess_exec(
        sys.executable,
        *WORKER,
        store_settings.database_url,
        "--resume",
        f"--batch-size={BATCH}",
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await finish.communicate()
    assert finish.returncode == 0
    lines = out.decode().splitlines()
    assert (lines[0], lines[-2], lines[-1]) == (
        "ready",
        f"batch {head}",
        f"done {head - min(kills[-1].values())}",
    )
    assert {t.position for t in (await store.tracking()).values()} == {head}
    after_kills = await view_contents(store)
    staging = {table for projection in ALL for table in projection.staging}
    assert staging  # the audit's pending agreement events: emptied by every batch
    empty = sorted(t for t, rows in after_kills.items() if t not in staging and not rows)
    assert empty == [], empty
    assert not any(after_kills[t] for t in staging)

    runner.batch_size = 10_000
    assert await runner.rebuild() == head
    assert await view_contents(store) == after_kills
