"""Killed with SIGKILL at random points: a rebuild (`runner.rebuild()`, beside the live views)
leaves the live views serving, unchanged, and the next rebuild runs clean; the views
emptied and caught up again (`reset` + `catch_up`, the live path) resume exactly once and
end as a clean rebuild does."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import structlog
from eventsourcing.utils import get_topic

from aggregates import Partnership
from projections.access import access
from projections.annotations import annotations_projection
from projections.audit import audit
from projections.catalog import ALL
from projections.store import ReadStore
from services.settings import Settings
from tests.projections.support import ReadSide, generate_history, view_contents

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).resolve().parents[2]
_SERVER_LINE = re.compile(r"(?:started \d+|exited \d+ -?\d+)\s*$")
WORKER = ("-m", "tests.projections.rebuild_worker")
KILLS = 20  # of rebuilds, anywhere in them
RESUME_KILLS = 10  # of the live path catching up from empty
PARTNERSHIPS = 50  # in the live path's history (~2,900 events)
BATCH = 50


class Workers:
    """`rebuild_worker --serve`: forks one worker process per attempt, for us to kill."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log
        self.lines: list[list[str]] = []  # what the current attempt has written so far

    async def line(self) -> list[str]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), timeout=60)
        assert raw, f"the worker server ended: {self.log.read_text()}"
        text = raw.decode(errors="replace")
        # A worker killed in the middle of writing a line (a log line, say) leaves it
        # unfinished: the server's own next line ("exited <pid> <code>") then ends it.
        own = _SERVER_LINE.search(text)
        words = (own.group(0) if own else text).split()
        self.lines.append(words)
        return words

    async def start(self, command: str, *, after: str | tuple[str, ...]) -> int:
        """Start a worker; return its pid once it has written `after` ("ready", "batch", or
        a line's words: ("phase", "switch_shadow"))."""
        assert self.process.stdin is not None
        self.lines = []
        self.process.stdin.write(f"{command}\n".encode())
        await self.process.stdin.drain()
        wanted = (after,) if isinstance(after, str) else after
        pid, seen = None, False
        while pid is None or not seen:
            words = await self.line()
            if words[0] == "started":
                pid = int(words[1])
            seen = seen or tuple(words[: len(wanted)]) == wanted
            assert words[0] != "exited", f"the worker failed: {self.log.read_text()}"
        return pid

    async def until_batch(self, position: int) -> float:
        """Read the current attempt's lines until it has committed a batch at `position` or
        beyond (or finished); return the mean time between its batches meanwhile."""
        began, batches = time.monotonic(), 0
        while True:
            words = await self.line()
            assert words[0] != "exited", f"the worker failed: {self.log.read_text()}"
            if words[0] == "batch":
                batches += 1
            if words[0] == "done" or (words[0] == "batch" and int(words[1]) >= position):
                return (time.monotonic() - began) / max(batches, 1)

    def phase(self) -> str:
        """The last step of the rebuild the current attempt has entered ("ready" before)."""
        phases = [words[1] for words in self.lines if words[0] == "phase"]
        return phases[-1] if phases else "ready"

    async def kill(self, pid: int) -> int:
        """SIGKILL the worker (unless it has already finished); return its exit code."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        while True:
            try:
                words = await self.line()
            except TimeoutError:  # say what the worker was doing, for whoever looks
                state = Path(f"/proc/{pid}/status")
                status = state.read_text()[:300] if state.exists() else "no such process"
                raise AssertionError(
                    f"worker {pid} killed, no exit reported in 60 s; its last lines:"
                    f" {self.lines[-8:]}; /proc: {status}"
                ) from None
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
    history = generate_history(app, rng, partnerships=PARTNERSHIPS)
    head = app.max_notification_id()
    assert history.events == head >= 2000

    # The views are live and caught up when the rebuild starts.
    runner.batch_size = BATCH
    assert await runner.catch_up() == head

    audit_ids = [n.id for n in await store.read_notifications(0, head, topics=sorted(audit.topics))]
    registered = get_topic(Partnership.Registered)
    registered_ids = [n.id for n in await store.read_notifications(0, head, topics=[registered])]
    # Every event is in the audit view except the accounts' (they have the access log) and
    # the evaluators' notes (kept out of the partnerships' history, ADR 0007).
    account_topics = sorted(t for t in access.topics if ":Account." in t)
    account_ids = [n.id for n in await store.read_notifications(0, head, topics=account_topics)]
    note_topics = sorted(annotations_projection.topics)
    note_ids = [n.id for n in await store.read_notifications(0, head, topics=note_topics)]
    assert (len(audit_ids) + len(account_ids) + len(note_ids), len(registered_ids)) == (
        head,
        PARTNERSHIPS,
    )
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
    async with worker_server(store_settings.database_url, tmp_path / "workers.log") as workers:
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
        # The others resume; each dies once it has committed a seeded random position in
        # its share of the rest (so that the kills spread over the rest of the rebuild),
        # and a random part of a batch's time later (so that they land anywhere in a batch).
        # By position, not by a time estimated from one pass of all views: what is left after
        # the first kill may be one view, which catches up many times faster (a faster view
        # made every kill land past the end: session 9).
        for attempt in range(1, RESUME_KILLS):
            reached = min(kills[-1].values())
            share = (head - reached) / (RESUME_KILLS - attempt)
            pid = await workers.start("resume", after="ready")
            per_batch = await workers.until_batch(reached + int(rng.uniform(0.2, 1.2) * share))
            await asyncio.sleep(rng.uniform(0, 1) * per_batch)
            assert await workers.kill(pid) in (-signal.SIGKILL, 0)
            positions = await positions_matching_views()
            # Resumed, not restarted: no position goes back.
            assert all(positions[n] >= kills[-1][n] for n in positions), (kills, positions)
            kills.append(positions)

    midway = {min(p.values()) for p in kills} - {0, head}
    assert len(midway) >= RESUME_KILLS // 2, kills

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


async def probe(store: ReadStore, partnership_id: UUID) -> tuple[Any, ...]:
    """What a reader of the views sees: counts, a partnership's registry row and ladder."""
    return (
        await store.fetchval("SELECT count(*) FROM audit_log"),
        await store.fetchval("SELECT title FROM partnerships WHERE id = ?", partnership_id),
        await store.fetchval(
            "SELECT count(*) FROM ladder_facts WHERE partnership_id = ? AND superseded_at IS NULL",
            partnership_id,
        ),
        await store.fetchval("SELECT count(*) FROM role_positions"),
    )


class Reader:
    """Queries the live views every few ms while a worker rebuilds; what it saw."""

    def __init__(self, store: ReadStore, partnership_ids: list[UUID], rng: random.Random) -> None:
        self.store, self.partnership_ids, self.rng = store, partnership_ids, rng
        self.expected: dict[UUID, tuple[Any, ...]] = {}
        self.reads = 0
        self.wrong: list[str] = []
        self._stop = asyncio.Event()

    async def learn(self) -> None:
        self.expected = {p: await probe(self.store, p) for p in self.partnership_ids}

    async def run(self) -> None:
        while not self._stop.is_set():
            partnership_id = self.rng.choice(self.partnership_ids)
            try:
                seen = await probe(self.store, partnership_id)
            except Exception as error:  # noqa: BLE001 - a read that fails is the finding
                self.wrong.append(f"{type(error).__name__}: {error}")
            else:
                if seen != self.expected[partnership_id]:
                    self.wrong.append(
                        f"{partnership_id}: {seen} != {self.expected[partnership_id]}"
                    )
            self.reads += 1
            await asyncio.sleep(0.005)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[None]:
        self._stop.clear()
        task = asyncio.create_task(self.run())
        try:
            yield
        finally:
            self._stop.set()
            await task


async def schema_objects(store: ReadStore) -> list[str]:
    """The schemas and tables of the database (a rebuild must leave none of its own)."""
    if store.dialect == "sqlite":
        rows = await store.fetch("SELECT type, name FROM sqlite_master ORDER BY type, name")
        return [f"{r['type']} {r['name']}" for r in rows]
    rows = await store.fetch(
        "SELECT n.nspname AS schema, c.relname AS name FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'i', 'S', 'v', 'm') AND n.nspname NOT LIKE 'pg\\_%'"
        " AND n.nspname <> 'information_schema' ORDER BY 1, 2"
    )
    schemas = await store.fetch(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1"
    )
    return [f"schema {r['nspname']}" for r in schemas] + [
        f"{r['schema']}.{r['name']}" for r in rows
    ]


@pytest.mark.slow
async def test_a_rebuild_killed_anywhere_leaves_the_live_views_serving_and_the_next_runs_clean(
    read_side: ReadSide,
    store_settings: Settings,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    """`tvaers project rebuild` (and the rebuild of a projection whose version changed)
    builds beside the live views: killed anywhere, in its reading, projecting, writing,
    indexing or switch, it leaves them serving every read, with the same rows and
    positions, and the next rebuild runs clean to the same tables (issues 12, 17)."""
    app, store, runner = read_side
    rng = random.Random(20261207)
    history = generate_history(app, rng, partnerships=20)
    head = app.max_notification_id()
    runner.batch_size = 500
    assert await runner.catch_up() == head

    live = await view_contents(store)

    def positions(tracking: dict[str, Any]) -> dict[str, tuple[int, int]]:
        return {name: (t.position, t.version) for name, t in tracking.items()}

    live_positions = positions(await store.tracking())
    assert {p for p, _ in live_positions.values()} == {head}
    objects = await schema_objects(store)
    reader = Reader(store, history.partnership_ids, rng)
    await reader.learn()

    hits: list[tuple[str, int]] = []  # (the step the kill landed in, the worker's exit code)
    async with worker_server(store_settings.database_url, tmp_path / "workers.log") as workers:
        # One rebuild to the end, timed: the steps it goes through and when.
        began = time.monotonic()
        pid = await workers.start("shadow", after="ready")
        ready = time.monotonic()
        steps: list[tuple[str, float]] = []  # each step entered, and when
        took = 0.0
        while True:
            words = await workers.line()
            if words[0] == "phase":
                steps.append((words[1], time.monotonic() - ready))
            if words[0] == "done":  # what follows is the worker closing its store
                took = time.monotonic() - ready
            if words[0] == "exited":
                assert words[1:] == [str(pid), "0"], workers.log.read_text()
                break
        assert ["done", str(head)] in workers.lines, workers.lines[-5:]
        steps = [(name, at) for name, at in steps if at < took]
        assert await view_contents(store) == live
        assert positions(await store.tracking()) == live_positions
        startup = ready - began

        # The kills: first one in each step the rebuild went through (a random moment of
        # it), then the others spread evenly over the whole rebuild (one per slice).
        names = list(dict.fromkeys(name for name, _ in steps))
        targets: list[tuple[str | tuple[str, ...], float]] = []
        for name in names[: KILLS // 2]:
            start = next(at for n, at in steps if n == name)
            later = [at for _, at in steps if at > start]
            span = (min(later) if later else took) - start
            targets.append((("phase", name), rng.uniform(0, span)))
        rest = KILLS - len(targets)
        targets += [("ready", (k + rng.random()) * took / rest) for k in range(rest)]

        # A rebuild that ends before its kill (the machine was quicker this time) is tried
        # again a little earlier, so that the kills land in it, up to a few times.
        scale, spare = 1.0, KILLS // 2
        while targets:
            after, delay = targets.pop(0)
            async with reader.reading():
                pid = await workers.start("shadow", after=after)
                await asyncio.sleep(delay * scale)
                code = await workers.kill(pid)
            assert code in (-signal.SIGKILL, 0), workers.log.read_text()
            hits.append((workers.phase(), code))
            if code == 0 and spare:
                spare, scale = spare - 1, scale * 0.7
                targets.append((after, delay))
            # The live views: as they were (or, had it switched, as rebuilt: the same).
            assert positions(await store.tracking()) == live_positions, hits
            assert await view_contents(store) == live, hits

        # The next rebuild, in a process of its own, runs clean from whatever was left.
        finish = await asyncio.create_subprocess_exec(
            sys.executable,
            *WORKER,
            store_settings.database_url,
            "--shadow",
            f"--batch-size={BATCH}",
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await finish.communicate()
        assert finish.returncode == 0
        assert f"done {head}" in out.decode().splitlines()

    summary = Counter(phase for phase, code in hits if code != 0)
    report = (
        f"rebuild of {head} events: {took:.2f} s after {startup:.2f} s of start-up; steps "
        + ", ".join(f"{name} at {at:.2f} s" for name, at in steps[:12])
        + f"; {len(hits)} kills landed in: {dict(summary)}"
        + f" ({sum(1 for _, code in hits if code == 0)} after the end)"
        + f"; {reader.reads} reads during them"
    )
    record_property("kills", report)
    structlog.get_logger("tests.crash_safety").info(report)  # shown with -s, and on failure
    assert reader.wrong == [], reader.wrong[:10]
    assert reader.reads >= KILLS, reader.reads
    # Kills landed all over the rebuild, not only at its start.
    assert sum(summary.values()) >= KILLS * 3 // 4, hits
    assert len(summary) >= min(2, len(names)), (hits, names)
    reads = [n for n, (name, _) in enumerate(steps) if name.startswith("read")]
    late = {name for name, _ in steps[reads[-1] + 1 :]} if reads else set(names[1:])
    assert not late or late.intersection(summary), (hits, steps)  # its copy, index, switch

    assert await view_contents(store) == live
    assert positions(await store.tracking()) == live_positions
    runner.batch_size = 10_000
    assert await runner.rebuild() == head
    assert await view_contents(store) == live
    assert await schema_objects(store) == objects
