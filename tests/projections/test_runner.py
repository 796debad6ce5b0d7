"""The projection runner: exactly once, resumable, rebuildable, version-aware, awake."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from aggregates import Organisation, Partnership
from aggregates.taxonomy import AnchoringStatus, Dimension, Rung, Sector
from api.readside import ReadSide as ApiReadSide
from api.readside import build_store
from projections import anchoring, audit, ladder, registry, roles
from projections.annotations import annotations_projection
from projections.catalog import ALL
from projections.core import Projection
from projections.ladder import ladder as ladder_projection
from projections.rebuild import ScratchTarget, ShadowTarget
from projections.runner import ProjectionRunner, StillCatchingUp
from projections.store import RebuildInProgress, SQLiteReadStore, Statement
from services.commands import (
    EvidenceFields,
    JoinPartner,
    MoveOnLadder,
    RecordMilestone,
    RegisterOrganisation,
)
from services.settings import Settings
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    generate_history,
    meta,
    organisation,
    partnership,
    tracking_rows,
    view_contents,
)

D = date


async def query_results(side: ReadSide, partnership_ids: Sequence[UUID]) -> dict[str, Any]:
    """What the views answer, through their query functions, for every partnership."""
    store = side.store
    answers: dict[str, Any] = {"registry": await registry.find(store, limit=1000)}
    day = D(2024, 4, 1)
    for pid in partnership_ids:
        answers[str(pid)] = [
            await ladder.rungs(store, pid),
            await ladder.rungs(store, pid, as_of=day),
            await ladder.history(store, pid),
            await roles.holdings(store, pid),
            await roles.holdings(store, pid, as_of=day),
            await roles.steering_group(store, pid, as_of=day),
            await roles.vacancies(store, pid),
            await roles.turnover(store, pid),
            await anchoring.milestones(store, pid),
            await anchoring.status(store, pid, as_of=day),
            await anchoring.factors(store, pid),
            await audit.history(store, audit.AuditFilter(partnership_id=pid), limit=1000),
        ]
    answers["audit"] = await audit.history(store, audit.AuditFilter(), limit=100_000)
    return answers


async def test_batches_of_three_across_restarted_runners_give_the_views_of_one_clean_pass(
    read_side: ReadSide,
) -> None:
    app, store = read_side.app, read_side.store
    first = generate_history(app, random.Random(1), partnerships=2)
    batches = 0
    stored_before = 0
    # Every batch by a new runner, as after a restart: it must resume at the stored position.
    while True:
        if batches == 25:
            more = generate_history(app, random.Random(2), partnerships=1)  # arrives meanwhile
        runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event, batch_size=3)
        assert await runner.setup() == []
        assert runner.position == stored_before
        covered = await runner.run_batch()
        if covered == 0:
            break
        assert covered <= 3
        batches += 1
        positions = {t.position for t in (await store.tracking()).values()}
        assert positions == {runner.position}
        assert stored_before < runner.position
        stored_before = runner.position
    head = app.max_notification_id()
    assert stored_before == head
    assert batches >= (first.events + more.events) // 3
    pids = [*first.partnership_ids, *more.partnership_ids]
    in_batches = await view_contents(store)
    answers = await query_results(read_side, pids)
    # One audit row per event (none twice); accounts' events go to the access log instead,
    # and evaluators' notes stay out of the partnerships' history (ADR 0007).
    notes = await store.read_notifications(0, head, topics=sorted(annotations_projection.topics))
    assert len(in_batches["audit_log"]) + len(in_batches["acc_log"]) + len(notes) == head

    read_side.runner.batch_size = 10_000
    assert await read_side.runner.rebuild() == head
    assert await view_contents(store) == in_batches
    assert await query_results(read_side, pids) == answers


async def test_rebuilding_one_projection_leaves_the_others_alone_and_reproduces_its_rows(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store, runner = read_side
    generate_history(app, random.Random(3), partnerships=2)
    await read_side.sync()
    contents = await view_contents(store)
    tracking = await tracking_rows(store)

    folded: list[Statement] = []

    def spying(apply: Any) -> Any:
        async def spy(target: Any, statements: Sequence[Statement], owners: Any) -> None:
            folded.extend(statements)
            await apply(target, statements, owners)

        return spy

    for target in (ScratchTarget, ShadowTarget):
        monkeypatch.setattr(target, "apply", spying(target.apply))
    assert await runner.rebuild(["ladder"]) == app.max_notification_id()

    # Only the ladder's statements were folded (the other views were not touched).
    assert folded
    assert all(any(table in action[0] for table in ladder_projection.tables) for action in folded)
    assert await view_contents(store) == contents
    after = await tracking_rows(store)
    assert {k: v for k, v in after.items() if k != "ladder"} == {
        k: v for k, v in tracking.items() if k != "ladder"
    }
    assert (after["ladder"]["position"], after["ladder"]["version"]) == (
        tracking["ladder"]["position"],
        ladder_projection.version,
    )


async def test_a_new_projection_version_makes_setup_rebuild_that_view_alone(
    read_side: ReadSide,
) -> None:
    app, store, _ = read_side
    generate_history(app, random.Random(4), partnerships=1)
    await read_side.sync()
    contents = await view_contents(store)
    tracking = await tracking_rows(store)
    head = app.max_notification_id()

    bumped = dataclasses.replace(ladder_projection, version=ladder_projection.version + 1)
    projections = [bumped if p.name == "ladder" else p for p in ALL]
    upgraded = ProjectionRunner(store, projections, app.mapper.to_domain_event)
    assert await upgraded.setup() == ["ladder"]

    # Rebuilt by the fold beside the old view, switched in at the head (ADR 0024).
    status = {s.name: (s.version, s.position, s.lag) for s in await upgraded.status()}
    assert status == {
        p.name: (bumped.version, head, 0) if p.name == "ladder" else (p.version, head, 0)
        for p in ALL
    }
    assert await upgraded.catch_up() == 0
    assert await view_contents(store) == contents
    after = await tracking_rows(store)
    assert {k: v for k, v in after.items() if k != "ladder"} == {
        k: v for k, v in tracking.items() if k != "ladder"
    }
    again = ProjectionRunner(store, projections, app.mapper.to_domain_event)
    assert await again.setup() == []
    assert again.position == head


def broken_projection() -> Projection:
    """A projection whose statement for a milestone cannot run."""
    broken = Projection(
        name="broken",
        version=1,
        tables=("broken_rows",),
        ddl=("CREATE TABLE broken_rows (milestone_id {uuid} NOT NULL)",),
    )

    @broken.on(Partnership.MilestoneRecorded)
    def _milestone(e: Partnership.MilestoneRecorded) -> Iterable[Statement]:
        yield ("INSERT INTO broken_rows (milestone_id) VALUES (?)", (e.milestone_id,))
        yield ("INSERT INTO broken_rows (no_such_column) VALUES (?)", (e.milestone_id,))

    return broken


async def test_a_failing_batch_stops_only_the_failing_projection_before_its_event(
    read_side: ReadSide,
) -> None:
    """The batch is atomic per projection: the broken one keeps nothing of the event it fails
    on and holds its position just before it; the others write the whole batch (issue 12)."""
    app, store = read_side.app, read_side.store
    broken = broken_projection()
    runner = ProjectionRunner(store, [*ALL, broken], app.mapper.to_domain_event)
    assert await runner.setup() == []  # created, not rebuilt
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    pid = partnership(app, lead)
    await runner.catch_up()
    position = runner.position

    # One batch: statements of every projection run before the failing one.
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    milestone = execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.STARTED,
            title="Byrådsbeslutning",
            evidence=EvidenceFields(text="Referat"),
        ),
        meta(D(2024, 2, 1)),
    ).notification_id
    execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    head = app.max_notification_id()
    assert await runner.run_batch() == 3  # no exception: contained

    assert runner.position == head  # the healthy views: read-your-writes is not held back
    tracking = await tracking_rows(store)
    assert {n: r["position"] for n, r in tracking.items()} == {
        **{p.name: head for p in ALL},
        "broken": milestone - 1,
    }
    assert await store.fetch("SELECT * FROM broken_rows") == []  # nothing of the event
    assert [r.rung for r in await ladder.rungs(store, pid)] == [Rung.MUTUAL_REFERRAL]
    assert [(f.name, f.notification_id) for f in runner.failures] == [("broken", milestone)]
    assert position < milestone


async def test_wait_until_returns_once_caught_up_and_raises_still_catching_up_otherwise(
    read_side: ReadSide,
) -> None:
    app, _, runner = read_side
    organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    await read_side.sync()
    reached = runner.position
    written = execute(
        app, RegisterOrganisation(name="DGI", sector=Sector.SPORTS_ORGANISATION), meta()
    )
    wanted = written.notification_id
    assert wanted > reached

    began = time.monotonic()
    with pytest.raises(StillCatchingUp) as caught:
        await runner.wait_until(wanted, timeout=0.2)
    assert 0.15 <= time.monotonic() - began < 1.5
    assert (caught.value.wanted, caught.value.reached) == (wanted, reached)
    assert str(wanted) in str(caught.value)

    waiting = asyncio.create_task(runner.wait_until(wanted, timeout=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await runner.catch_up()
    await asyncio.wait_for(waiting, timeout=1)
    assert runner.position >= wanted
    await runner.wait_until(wanted, timeout=0)  # already there: returns at once


async def test_status_reports_each_projections_position_and_lag(read_side: ReadSide) -> None:
    app, _, runner = read_side
    assert [(s.name, s.version, s.position, s.head, s.lag) for s in await runner.status()] == [
        (p.name, p.version, 0, 0, 0) for p in ALL
    ]
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    partnership(app, lead)
    head = app.max_notification_id()
    assert [(s.name, s.position, s.head, s.lag) for s in await runner.status()] == [
        (p.name, 0, head, head) for p in ALL
    ]
    await runner.run_batch()
    organisation(app, "DGI", Sector.SPORTS_ORGANISATION)
    organisation(app, "Jobcenter", Sector.EMPLOYMENT)
    assert {(s.position, s.lag) for s in await runner.status()} == {(head, 2)}
    await read_side.sync()
    assert {(s.position, s.lag) for s in await runner.status()} == {(head + 2, 0)}


async def test_the_follower_shows_new_writes_quickly_and_postgresql_wakes_it_by_notify(
    read_side: ReadSide,
) -> None:
    app, store, runner = read_side
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead)
    partners = [organisation(app, f"Forening {n}", Sector.VOLUNTARY) for n in range(3)]
    stop = asyncio.Event()
    # A long idle wait: on PostgreSQL only a NOTIFY can wake the follower within 0.5 s.
    follower = asyncio.create_task(runner.run_forever(stop, idle_wait=30))
    try:
        await runner.wait_until(app.max_notification_id(), timeout=5)
        await asyncio.sleep(0.1)  # let it go idle
        delays = []
        for n, org in enumerate(partners):
            await asyncio.to_thread(
                execute,
                app,
                JoinPartner(partnership_id=pid, organisation_id=org, rung=Rung.DIALOGUE),
                meta(D(2024, 1, 10)),
            )
            committed = time.monotonic()
            while len(await ladder.rungs(store, pid)) <= n:
                assert time.monotonic() - committed < 2.0, "not visible within 2 s"
                await asyncio.sleep(0.005)
            delays.append(time.monotonic() - committed)
            await asyncio.sleep(0.1)
        assert max(delays) < 2.0
        if store.dialect == "postgresql":
            assert max(delays) < 0.5, delays
    finally:
        stop.set()
        follower.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await follower


async def test_a_retired_projection_does_not_hold_back_read_your_writes(
    read_side: ReadSide, store_settings: Settings
) -> None:
    app, store, _ = read_side
    retired = Projection(
        name="offers", version=1, tables=("offers",), ddl=("CREATE TABLE offers (id {uuid})",)
    )
    await ProjectionRunner(store, [*ALL, retired], app.mapper.to_domain_event).setup()
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)  # "offers" was retired
    assert await runner.setup() == []
    written = execute(
        app, RegisterOrganisation(name="DGI", sector=Sector.SPORTS_ORGANISATION), meta()
    )
    await runner.catch_up()
    assert runner.position == written.notification_id

    external = ApiReadSide(settings=store_settings, store=store, runner=runner, tvaers=app)
    await external.wait_until(written.notification_id, timeout=0.3)


@pytest.mark.parametrize(
    "store_settings", ["postgresql"], indirect=True
)  # SQLite serialises writers
async def test_the_runner_never_reads_past_an_id_that_may_still_commit(
    read_side: ReadSide, store_settings: Settings
) -> None:
    """With the insert function, ids are taken before commit: 2 may be visible before 1."""
    app, store, runner = read_side
    first = Organisation.register(name="Først", sector=Sector.HEALTH, meta=meta())
    second = Organisation.register(name="Anden", sector=Sector.HEALTH, meta=meta())
    stored_first, stored_second = (
        app.mapper.to_stored_event(o.collect_events()[0]) for o in (first, second)
    )
    dsn, _ = store_settings.asyncpg_dsn()
    slow = await asyncpg.connect(dsn)
    fast = await asyncpg.connect(dsn)
    insert = (
        "INSERT INTO tvaers_events (originator_id, originator_version, topic, state)"
        " VALUES ($1, $2, $3, $4) RETURNING notification_id"
    )

    def row(e: Any) -> tuple[Any, ...]:
        return (e.originator_id, e.originator_version, e.topic, e.state)

    try:
        in_flight = slow.transaction()
        await in_flight.start()
        one = await slow.fetchval(insert, *row(stored_first))  # holds id 1, not committed
        two = await fast.fetchval(insert, *row(stored_second))  # id 2, committed at once
        assert (one, two) == (1, 2)

        batch = asyncio.create_task(runner.run_batch())
        await asyncio.sleep(0.3)
        assert not batch.done()  # waiting for id 1, not skipping it
        assert runner.position == 0

        await in_flight.commit()
        assert await asyncio.wait_for(batch, timeout=5) == 2
        names = {r["name"] for r in await store.fetch("SELECT name FROM dir_organisations")}
        assert names == {"Først", "Anden"}
    finally:
        await slow.close()
        await fast.close()


@pytest.mark.parametrize(
    "store_settings", ["postgresql"], indirect=True
)  # SQLite serialises writers
async def test_a_rolled_back_insert_leaves_a_gap_the_runner_steps_over(
    read_side: ReadSide, store_settings: Settings
) -> None:
    app, _, runner = read_side
    organisation = Organisation.register(name="Efter", sector=Sector.HEALTH, meta=meta())
    stored = app.mapper.to_stored_event(organisation.collect_events()[0])
    dsn, _ = store_settings.asyncpg_dsn()
    conn = await asyncpg.connect(dsn)
    try:
        lost = conn.transaction()
        await lost.start()
        await conn.execute(
            "SELECT nextval(pg_get_serial_sequence('tvaers_events', 'notification_id'))"
        )
        await lost.rollback()  # id 1 is gone for good
        await conn.execute(
            "INSERT INTO tvaers_events (originator_id, originator_version, topic, state)"
            " VALUES ($1, $2, $3, $4)",
            stored.originator_id,
            stored.originator_version,
            stored.topic,
            stored.state,
        )
        assert await asyncio.wait_for(runner.run_batch(), timeout=5) == 1
        assert runner.position == 2
    finally:
        await conn.close()


async def _waited(store: SQLiteReadStore, *, nudged: bool) -> float:
    store.arm()
    if nudged:
        store.nudge()
    started = time.perf_counter()
    await store.wait_for_events(10.0)
    return time.perf_counter() - started


async def test_a_reader_waiting_for_its_own_write_wakes_the_polling_sqlite_runner(
    tmp_path: Path,
) -> None:
    # SQLite has no NOTIFY: the runner polls every 50 ms. A reader waiting for a write of
    # its own process (read-your-writes) nudges it instead of waiting for the next poll.
    store = SQLiteReadStore(tmp_path / "views.sqlite3")
    polled = min([await _waited(store, nudged=False) for _ in range(3)])
    nudged = min([await _waited(store, nudged=True) for _ in range(3)])

    assert polled >= 0.04
    assert nudged < polled / 2


async def _schema(store: Any) -> list[tuple[Any, ...]]:
    """Every view table's columns (name, type, nullability), keys and indexes, as the
    store describes them (index and constraint names included)."""
    if store.dialect == "sqlite":
        rows = await store.fetch(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
            " WHERE type IN ('table', 'index') AND tbl_name NOT LIKE 'sqlite_%'"
            " AND tbl_name NOT IN ('stored_events', 'projection_tracking',"
            " 'projection_failures') ORDER BY type, name"
        )
        return sorted(tuple(r.values()) for r in rows)
    tables = sorted(t for p in ALL for t in p.tables)
    columns = await store.fetch(
        "SELECT table_name, column_name, data_type, is_nullable, ordinal_position"
        " FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = ANY($1::text[])",
        tables,
    )
    indexes = await store.fetch(
        "SELECT tablename, indexname, indexdef FROM pg_indexes"
        " WHERE schemaname = 'public' AND tablename = ANY($1::text[])",
        tables,
    )
    constraints = await store.fetch(
        "SELECT c.conrelid::regclass::text AS t, c.conname, pg_get_constraintdef(c.oid) AS d"
        " FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
        " WHERE n.nspname = 'public' AND c.conrelid::regclass::text = ANY($1::text[])",
        tables,
    )
    return sorted(
        tuple(str(v) for v in r.values()) for rows in (columns, indexes, constraints) for r in rows
    )


async def test_a_rebuild_gives_the_views_exactly_the_schema_their_ddl_gives(
    read_side: ReadSide,
) -> None:
    """The rebuild creates the tables without keys and most indexes and adds them after
    (ADR 0024): what it switches in must be what the DDL creates, names included."""
    app, store, runner = read_side
    generate_history(app, random.Random(5), partnerships=1)
    await read_side.sync()
    created = await _schema(store)
    assert any("PRIMARY KEY" in str(row) or "pkey" in str(row) for row in created)
    assert await runner.rebuild() == app.max_notification_id()
    assert await _schema(store) == created


async def test_a_second_rebuild_at_the_same_time_is_refused_and_the_first_switches(
    read_side: ReadSide, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL one rebuild at a time per database: a second one must not drop the
    first one's shadow (it is refused, readably, and changes nothing)."""
    app, store, runner = read_side
    if store.dialect == "sqlite":
        pytest.skip("SQLite: each rebuild has its own scratch file; the last switch wins")
    generate_history(app, random.Random(8), partnerships=2)
    await read_side.sync()
    contents = await view_contents(store)
    refused = asyncio.Event()
    complete = ShadowTarget.complete

    async def held(target: ShadowTarget, tables: Any = None) -> None:
        await refused.wait()  # the first waits until the second tried
        await complete(target, tables)

    monkeypatch.setattr(ShadowTarget, "complete", held)
    other = build_store(store_settings)
    await other.open()
    try:
        second = ProjectionRunner(other, ALL, app.mapper.to_domain_event)
        first = asyncio.create_task(runner.rebuild())
        while not await store.fetchval(
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'tvaers_rebuild'"
        ):
            await asyncio.sleep(0.005)
        with pytest.raises(RebuildInProgress, match="Another rebuild"):
            await second.rebuild()
        refused.set()
        assert await first == app.max_notification_id()
        assert await view_contents(store) == contents
        # Once the first has switched, the lock is free again.
        assert await second.rebuild() == app.max_notification_id()
    finally:
        await other.close()


def _following(
    runner: ProjectionRunner,
    monkeypatch: pytest.MonkeyPatch,
    covered: list[int],
    takes: float = 0.0,
) -> tuple[list[float], asyncio.Event, asyncio.Task[None]]:
    """The runner following a log whose batches cover `covered` events in turn (then none),
    each taking `takes` seconds: when each batch began, the stop, and the following task."""
    coverage = iter(covered)
    calls: list[float] = []

    async def batch() -> int:
        calls.append(time.monotonic())
        await asyncio.sleep(takes)
        return next(coverage, 0)

    monkeypatch.setattr(runner, "run_batch", batch)
    stop = asyncio.Event()
    return calls, stop, asyncio.create_task(runner.run_forever(stop, idle_wait=5.0))


async def test_a_lingering_runner_waits_after_a_batch_that_was_not_full(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`linger` (the external projector's): while it follows a stream, the next batch
    begins no sooner than `linger` after the last one began, so that a steady stream of
    commands is projected in fewer, larger batches (each costs a transaction, the
    positions' lock and update); after a full batch (catching up) it goes on at once; a
    stop ends the wait at once."""
    _, _, runner = read_side
    runner.linger = 0.6
    calls, stop, following = _following(runner, monkeypatch, [1, runner.batch_size, 1])
    while len(calls) < 3:
        await asyncio.sleep(0.01)
    assert calls[1] - calls[0] >= 0.59  # lingered after one event
    assert calls[2] - calls[1] < 0.3  # not after a full batch
    await asyncio.sleep(0.05)  # the third batch (one event) is lingering now (0.55 s left)
    began = time.monotonic()
    stop.set()
    await asyncio.wait_for(following, 2)
    assert time.monotonic() - began < 0.3
    assert len(calls) == 3


async def test_a_lingering_runner_counts_from_the_start_of_the_batch(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wait counts from the batch's start: a batch that took 0.2 s of a 0.3-s linger is
    followed 0.1 s after it ended (not 0.3 s), so the lag it adds to a stream's events is
    at most `linger`, not `linger` on top of every batch's own time."""
    _, _, runner = read_side
    runner.linger = 0.3
    calls, stop, following = _following(runner, monkeypatch, [1, 1, 1], takes=0.2)
    while len(calls) < 3:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(following, 7)
    # 0.2 s in the batch, then the 0.1 s left (counted from its end: 0.5 s)
    assert 0.29 <= calls[1] - calls[0] < 0.48
    assert 0.29 <= calls[2] - calls[1] < 0.48


async def test_a_runner_without_linger_goes_on_at_once(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, runner = read_side
    calls, stop, following = _following(runner, monkeypatch, [1, 1])
    while len(calls) < 3:
        await asyncio.sleep(0.01)
    stop.set()
    await asyncio.wait_for(following, 7)
    assert calls[2] - calls[0] < 0.2
