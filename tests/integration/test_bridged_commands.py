"""Commands on the event loop (`Tvaers.execute_on_loop`, ADR 0030), on both stores.

On PostgreSQL they run bridged (services/bridge.py: a greenlet on the loop, the event
store's round trips on asyncpg); on SQLite on the loop's executor. Either way: every
command lands in turn, the records are the ones the synchronous path writes, and a
command waiting for the database leaves the loop free. On PostgreSQL, the inserts that
come while one is being written are written together (ADR 0032): each gets its own ids,
a clash refuses only its own write, and nothing deadlocks on the pool.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from aggregates import Contact
from aggregates.taxonomy import AnchoringStatus, Dimension
from services import bridge, pgstore
from services.application import CommandResult, Tvaers, snapshot_due
from services.commands import (
    Envelope,
    ErasePerson,
    EvidenceFields,
    Idempotency,
    RecordMilestone,
    RegisterPerson,
)
from services.settings import Settings
from tests.integration.conftest import World, build_world, meta

COMMANDS = 24  # crosses two or three of the partnership's snapshots (snapshot_interval=10)


@pytest.fixture
async def loop_app(store_settings: Settings) -> AsyncIterator[Tvaers]:
    """The application as the API holds it: on PostgreSQL with the loop's pool attached."""
    application = await asyncio.to_thread(Tvaers, store_settings)
    async with pgstore.loop_pool(store_settings) as pool:
        assert application.attach_pool(pool) is (store_settings.store != "sqlite")
        try:
            yield application
        finally:
            await application.detach_pool()
            await asyncio.to_thread(application.close)


def milestone(pid: UUID, title: str) -> RecordMilestone:
    return RecordMilestone(
        partnership_id=pid,
        dimension=Dimension.METHOD,
        status=AnchoringStatus.STARTED,
        title=title,
        evidence=EvidenceFields(text="Referat"),
    )


def envelope(**kwargs: object) -> Envelope:
    return Envelope(meta(date(2024, 3, 1)), **kwargs)  # type: ignore[arg-type]


async def world_of(app: Tvaers) -> World:
    return await asyncio.to_thread(build_world, app)


def stored_versions(app: Tvaers, pid: UUID | str) -> list[int]:
    return [e.originator_version for e in app.recorder.select_events(pid)]


async def test_commands_at_once_on_one_partnership_all_land_in_turn(loop_app: Tvaers) -> None:
    world = await world_of(loop_app)
    pid, initial = world.partnership_id, world.version

    results = await asyncio.gather(
        *(loop_app.execute_on_loop(milestone(pid, f"M{n}"), envelope()) for n in range(COMMANDS))
    )

    assert sorted(r.version for r in results) == list(range(initial + 1, initial + COMMANDS + 1))
    assert len({r.notification_id for r in results}) == COMMANDS
    assert stored_versions(loop_app, pid) == list(range(1, initial + COMMANDS + 1))
    # A process that never ran bridged (no cache, the snapshots) reads the same state.
    fresh = await asyncio.to_thread(Tvaers, loop_app.settings)
    try:
        theirs = await asyncio.to_thread(fresh.get_partnership, pid)
    finally:
        await asyncio.to_thread(fresh.close)
    ours = loop_app.get_partnership(pid)
    assert theirs.version == ours.version == initial + COMMANDS
    assert sorted(m.title for m in theirs.milestones.values()) == sorted(
        f"M{n}" for n in range(COMMANDS)
    )
    if loop_app.snapshots is not None:
        snapshots = loop_app.snapshots.recorder.select_events(pid)
        due = [v for v in range(1, initial + COMMANDS + 1) if snapshot_due(pid, v, 10)]
        assert len(due) >= 2
        assert [s.originator_version for s in snapshots] == due


async def test_commands_on_the_loop_and_on_threads_take_turns(loop_app: Tvaers) -> None:
    world = await world_of(loop_app)
    pid, initial = world.partnership_id, world.version

    def threaded(n: int) -> CommandResult:
        return loop_app.execute(milestone(pid, f"T{n}"), envelope())

    results = await asyncio.gather(
        *(loop_app.execute_on_loop(milestone(pid, f"L{n}"), envelope()) for n in range(8)),
        *(asyncio.to_thread(threaded, n) for n in range(8)),
    )

    assert sorted(r.version for r in results) == list(range(initial + 1, initial + 17))
    assert stored_versions(loop_app, pid) == list(range(1, initial + 17))


async def test_a_retry_with_the_same_idempotency_key_gets_the_first_result(
    loop_app: Tvaers,
) -> None:
    world = await world_of(loop_app)
    pid = world.partnership_id
    key = Idempotency(actor="leder@sundeborg.dk", key="k-1", fingerprint="f-1")

    first = await loop_app.execute_on_loop(milestone(pid, "Én gang"), envelope(idempotency=key))
    again = await loop_app.execute_on_loop(milestone(pid, "Én gang"), envelope(idempotency=key))

    assert not first.replayed
    assert again.replayed
    assert (again.version, again.notification_id) == (first.version, first.notification_id)
    assert stored_versions(loop_app, pid)[-1] == first.version


async def test_personal_data_sealed_read_and_erased_through_the_loop(loop_app: Tvaers) -> None:
    world = await world_of(loop_app)
    registered = await loop_app.execute_on_loop(
        RegisterPerson(
            organisation_id=world.lead_id,
            name="Karen Holm",
            email="karen.holm@sundeborg.dk",
            phone="+45 12 34 56 78",
        ),
        envelope(),
    )
    person_id = registered.created_id
    assert person_id is not None
    contact = loop_app.get_person(person_id).contact
    assert contact is not None
    assert contact.email == "karen.holm@sundeborg.dk"
    key = await asyncio.to_thread(loop_app.keys.key_for, person_id, create=False)
    assert key is not None

    await loop_app.execute_on_loop(ErasePerson(person_id=person_id), envelope())

    assert await asyncio.to_thread(loop_app.keys.key_for, person_id, create=False) is None
    assert loop_app.get_person(person_id).erased


# -- PostgreSQL only: the bridged path itself ---------------------------------------------


ON_POSTGRES = pytest.mark.parametrize("store_settings", ["postgresql"], indirect=True)


@pytest.fixture
async def pg_app(loop_app: Tvaers) -> Tvaers:
    assert loop_app.settings.store != "sqlite"
    return loop_app


async def _other_connection(app: Tvaers) -> asyncpg.Connection:
    dsn, server_settings = app.settings.asyncpg_dsn()
    return await asyncpg.connect(dsn, server_settings=server_settings)


async def _waiting_for_a_lock(conn: asyncpg.Connection) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


def _synchronous_pool_requests(app: Tvaers) -> int:
    pool = app.recorder.datastore.pool  # type: ignore[attr-defined]
    return int(pool.get_stats()["requests_num"])


@ON_POSTGRES
async def test_a_bridged_command_takes_no_connection_of_the_synchronous_pool(
    pg_app: Tvaers,
    snapshots_at_multiples: None,  # no snapshot among these few versions (one more request)
) -> None:
    world = await world_of(pg_app)
    pid, initial = world.partnership_id, world.version
    pg_app._forget(pid)  # not cached: read whole (with the snapshots' table) from the store
    before = _synchronous_pool_requests(pg_app)

    first = await pg_app.execute_on_loop(milestone(pid, "Uncached"), envelope())
    second = await pg_app.execute_on_loop(milestone(pid, "Cached"), envelope())
    threaded = await asyncio.to_thread(pg_app.execute, milestone(pid, "Thread"), envelope())

    assert [first.version, second.version, threaded.version] == [
        initial + 1,
        initial + 2,
        initial + 3,
    ]
    # The two on the loop took none; the one on a thread took the library's (load, save).
    assert _synchronous_pool_requests(pg_app) - before == 2


@asynccontextmanager
async def _events_table_locked(app: Tvaers) -> AsyncIterator[asyncpg.Connection]:
    """Another session holding the event table in EXCLUSIVE mode (inserts wait, reads
    do not) until the block ends; that session's connection."""
    holder = await _other_connection(app)
    transaction = holder.transaction()
    await transaction.start()
    try:
        await holder.execute(f"LOCK TABLE {app.settings.events_table} IN EXCLUSIVE MODE")
        yield holder
    finally:
        await transaction.rollback()
        await holder.close()


async def _until(condition: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@ON_POSTGRES
async def test_a_command_waiting_for_the_database_leaves_the_loop_free(pg_app: Tvaers) -> None:
    world = await world_of(pg_app)
    pid, initial = world.partnership_id, world.version
    async with _events_table_locked(pg_app) as holder:
        command = asyncio.create_task(pg_app.execute_on_loop(milestone(pid, "Ventede"), envelope()))
        await _until(lambda: _waiting_for_a_lock(holder))
        # The command waits in PostgreSQL; the loop ticks on meanwhile.
        gaps: list[float] = []
        last = time.perf_counter()
        for _ in range(30):
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
        assert not command.done()
    result = await asyncio.wait_for(command, 10)
    assert result.version == initial + 1
    assert max(gaps) < 0.25, gaps


@ON_POSTGRES
async def test_a_cancelled_command_writes_nothing_and_frees_its_aggregate(pg_app: Tvaers) -> None:
    world = await world_of(pg_app)
    pid, initial = world.partnership_id, world.version
    async with _events_table_locked(pg_app) as holder:
        command = asyncio.create_task(pg_app.execute_on_loop(milestone(pid, "Afbrudt"), envelope()))
        await _until(lambda: _waiting_for_a_lock(holder))
        command.cancel()
        with pytest.raises(asyncio.CancelledError):
            await command
        # asyncpg cancels the statement in the server: nothing waits for the lock any more.
        await _until(lambda: _none_waiting(holder))

    after = await asyncio.wait_for(pg_app.execute_on_loop(milestone(pid, "Efter"), envelope()), 10)
    assert after.version == initial + 1
    titles = [m.title for m in pg_app.get_partnership(pid).milestones.values()]
    assert titles == ["Efter"]
    assert stored_versions(pg_app, pid) == list(range(1, initial + 2))


async def _none_waiting(conn: asyncpg.Connection) -> bool:
    return await _waiting_for_a_lock(conn) == 0


@ON_POSTGRES
async def test_a_version_already_stored_is_an_integrity_error_on_the_loop(pg_app: Tvaers) -> None:
    world = await world_of(pg_app)
    pid = world.partnership_id
    [first] = pg_app.recorder.select_events(pid, lte=1)
    duplicate = StoredEvent(pid, 1, first.topic, first.state)

    with pytest.raises(IntegrityError):
        await bridge.run(pg_app.recorder.insert_events, [duplicate])
    assert stored_versions(pg_app, pid) == list(range(1, world.version + 1))


@ON_POSTGRES
async def test_a_command_on_the_loop_sees_what_another_process_wrote_since(
    pg_app: Tvaers,
) -> None:
    """The cached aggregate is brought up to date (the first round trip) before the rule
    runs: another API process's milestone is there, and the versions follow on."""
    world = await world_of(pg_app)
    pid, initial = world.partnership_id, world.version
    await pg_app.execute_on_loop(milestone(pid, "Her"), envelope())  # cached here
    other = await asyncio.to_thread(Tvaers, pg_app.settings)
    try:
        theirs = await asyncio.to_thread(other.execute, milestone(pid, "Der"), envelope())
    finally:
        await asyncio.to_thread(other.close)

    ours = await pg_app.execute_on_loop(milestone(pid, "Her igen"), envelope())

    assert (theirs.version, ours.version) == (initial + 2, initial + 3)
    titles = sorted(m.title for m in pg_app.get_partnership(pid).milestones.values())
    assert titles == ["Der", "Her", "Her igen"]


# -- PostgreSQL only: inserts gathered into one statement (ADR 0032) ----------------------


def _new_events(template: StoredEvent, count: int, versions: int = 1) -> list[list[StoredEvent]]:
    """`count` writes of `versions` events each, each write a new originator's (the
    stored bytes of `template`: only the rows matter here)."""
    writes = []
    for _ in range(count):
        originator = uuid4()
        writes.append(
            [
                StoredEvent(originator, version, template.topic, template.state)
                for version in range(1, versions + 1)
            ]
        )
    return writes


async def _insert(app: Tvaers, events: list[StoredEvent]) -> list[int]:
    ids = await bridge.run(app.recorder.insert_events, events)
    assert ids is not None
    return list(ids)


def _gathered(app: Tvaers) -> Any:
    return app.recorder._gathered  # type: ignore[attr-defined]


async def _until_waiting(app: Tvaers, count: int) -> None:
    """Until `count` inserts wait to be gathered."""

    async def waiting() -> bool:
        return len(_gathered(app).waiting) == count

    await _until(waiting)


async def _transactions(app: Tvaers, originator_ids: list[UUID]) -> int:
    """How many transactions wrote these originators' events (their rows' `xmin`)."""
    conn = await _other_connection(app)
    try:
        found = await conn.fetchval(
            f"SELECT count(DISTINCT xmin::text) FROM {app.settings.events_table}"
            " WHERE originator_id = ANY($1::uuid[])",
            originator_ids,
        )
    finally:
        await conn.close()
    return int(found)


def _originators(writes: list[list[StoredEvent]]) -> list[UUID]:
    return [UUID(str(events[0].originator_id)) for events in writes]


@asynccontextmanager
async def _one_held_up(
    app: Tvaers, first: list[StoredEvent], others: list[list[StoredEvent]]
) -> AsyncIterator[tuple[asyncio.Task[list[int]], list[asyncio.Task[list[int]]]]]:
    """`first` inserted and held up by a lock on the events table, `others` inserted
    after it and waiting to be gathered; the lock is let go when the block ends. The
    inserts' tasks (first, others)."""
    async with _events_table_locked(app) as holder:
        alone = asyncio.create_task(_insert(app, first))
        await _until(lambda: _waiting_for_a_lock(holder))
        waiting = [asyncio.create_task(_insert(app, events)) for events in others]
        await _until_waiting(app, len(others))
        assert await _waiting_for_a_lock(holder) == 1  # the others are not at the database
        yield alone, waiting


@ON_POSTGRES
async def test_inserts_that_come_while_one_is_written_go_together_each_getting_its_ids(
    pg_app: Tvaers,
) -> None:
    world = await world_of(pg_app)
    [template] = pg_app.recorder.select_events(world.partnership_id, lte=1)
    first, *others = _new_events(template, 5, versions=3)
    async with _one_held_up(pg_app, first, others) as (alone, waiting):
        assert not any(task.done() for task in [alone, *waiting])
    results = await asyncio.wait_for(asyncio.gather(alone, *waiting), 10)

    # The first alone, the four that waited in one statement: two transactions.
    assert await _transactions(pg_app, _originators(others)) == 1
    assert await _transactions(pg_app, _originators([first, *others])) == 2
    for events, ids in zip([first, *others], results, strict=True):
        stored = [
            pg_app.recorder.notification_id(e.originator_id, e.originator_version)  # type: ignore[attr-defined]
            for e in events
        ]
        assert ids == stored  # each its own ids, in its events' order
    assert results[1][0] == results[0][-1] + 1  # the group after the one written alone


@ON_POSTGRES
async def test_a_clash_in_a_gathered_statement_refuses_only_its_own_write(
    pg_app: Tvaers,
) -> None:
    world = await world_of(pg_app)
    pid = world.partnership_id
    [template] = pg_app.recorder.select_events(pid, lte=1)
    first, *fine = _new_events(template, 4)
    clash = [StoredEvent(pid, 1, template.topic, template.state)]  # version 1 is stored
    async with _one_held_up(pg_app, first, [*fine, clash]) as (alone, waiting):
        pass
    outcomes = await asyncio.wait_for(asyncio.gather(alone, *waiting, return_exceptions=True), 10)

    assert isinstance(outcomes[-1], IntegrityError)
    assert all(isinstance(ids, list) for ids in outcomes[:-1]), outcomes
    for events in [first, *fine]:
        assert stored_versions(pg_app, events[0].originator_id) == [1]
    assert stored_versions(pg_app, pid) == list(range(1, world.version + 1))
    # The group failed as a whole; then each of it went alone.
    assert await _transactions(pg_app, _originators(fine)) == len(fine)


@ON_POSTGRES
async def test_a_write_cancelled_while_it_waits_to_be_gathered_writes_nothing(
    pg_app: Tvaers,
) -> None:
    world = await world_of(pg_app)
    [template] = pg_app.recorder.select_events(world.partnership_id, lte=1)
    first, cancelled, kept = _new_events(template, 3)
    async with _one_held_up(pg_app, first, [cancelled, kept]) as (alone, [gone, stays]):
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
    await asyncio.wait_for(asyncio.gather(alone, stays), 10)

    assert stored_versions(pg_app, cancelled[0].originator_id) == []
    assert stored_versions(pg_app, kept[0].originator_id) == [1]
    assert stored_versions(pg_app, first[0].originator_id) == [1]


@ON_POSTGRES
async def test_more_commands_at_once_than_the_pool_has_connections_all_land(
    pg_app: Tvaers,
) -> None:
    """A command waiting to be gathered gives its connection back: else commands waiting
    there could hold every connection while the group's writer waits for one. Here the
    first insert is held up by a lock until the 39 others wait for it."""
    world = await world_of(pg_app)
    dsn, server_settings = pg_app.settings.asyncpg_dsn()
    small = await asyncpg.create_pool(dsn, min_size=1, max_size=2, server_settings=server_settings)
    try:
        await pg_app.detach_pool()
        assert pg_app.attach_pool(small)

        async with _events_table_locked(pg_app):
            commands = [
                asyncio.create_task(
                    pg_app.execute_on_loop(
                        RegisterPerson.of(Contact(name=f"Deltager {n}"), organisation_id=world.a),
                        envelope(),
                    )
                )
                for n in range(40)
            ]
            await _until_waiting(pg_app, 39)
        results = await asyncio.wait_for(asyncio.gather(*commands), 60)
    finally:
        await pg_app.detach_pool()
        await small.close()

    created = {r.created_id for r in results}
    assert len(created) == 40
    assert None not in created
    assert len({r.notification_id for r in results}) == 40
    created_ids = [r.created_id for r in results if r.created_id is not None]
    assert await _transactions(pg_app, created_ids) == 2  # the first; the 39 that waited
