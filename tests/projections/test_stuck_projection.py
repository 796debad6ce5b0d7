"""Issue 12, finding 1: one character must not stop everyone; a stuck view is loud and contained.

Every test runs on SQLite and on PostgreSQL (`read_side` takes `store_settings`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from datetime import date
from typing import Any

import msgspec
import pytest
from structlog.testing import capture_logs

from aggregates import Partnership
from aggregates.taxonomy import FactorEffect, FactorOrigin, Rung, Sector
from api.cli import main as cli
from api.readside import build_store
from projections import ladder as ladder_views
from projections import runner as runner_module
from projections.catalog import ALL
from projections.ladder import ladder
from projections.runner import ProjectionRunner, RebuildFailed
from projections.store import Statement
from services.application import Tvaers
from services.commands import (
    CreateAccount,
    JoinPartner,
    MoveOnLadder,
    RecordFactor,
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

MARK = "NULMARK"  # written through the service, then turned into U+0000 in the stored event


async def poison(side: ReadSide, notification_id: int) -> None:
    """Turn MARK in one stored event into the JSON escape of U+0000, as an older database
    (written before the boundary refused it) holds it. Bypasses every check of the write side."""
    store = side.store
    column, table = store.notification_column, store.events_table
    rows = await store.fetch(f"SELECT state FROM {table} WHERE {column} = ?", notification_id)
    state = bytes(rows[0]["state"])
    assert MARK.encode() in state, "the test expects the event state as plain JSON"
    poisoned = state.replace(MARK.encode(), b"\\u0000")
    decoded = msgspec.json.decode(poisoned)
    assert "\x00" in msgspec.json.encode(decoded).decode("unicode_escape")
    await store.execute(
        f"UPDATE {table} SET state = ? WHERE {column} = ?", poisoned, notification_id
    )


async def test_an_event_holding_u0000_projects_into_every_view_as_u_fffd(
    read_side: ReadSide,
) -> None:
    app, store, runner = read_side
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead)
    named = execute(
        app, RegisterOrganisation(name=f"Forening {MARK} Syd", sector=Sector.VOLUNTARY), meta()
    )
    factor = execute(
        app,
        RecordFactor(
            partnership_id=pid,
            origin=FactorOrigin.INTERNAL,
            effect=FactorEffect.PROMOTING,
            description=f"a{MARK}b",
        ),
        meta(),
    )
    account = execute(
        app,
        CreateAccount(username="anna@sundeborg.dk", display_name=f"Anna{MARK}", password="x" * 12),
        meta(),
    )
    for result in (named, factor, account):
        assert result.notification_id is not None
        await poison(read_side, result.notification_id)
    head = app.max_notification_id()

    await runner.catch_up()

    assert runner.failures == []
    assert await store.failures() == {}
    assert {name: row["position"] for name, row in (await tracking_rows(store)).items()} == {
        p.name: head for p in ALL
    }
    assert await store.fetchval(
        "SELECT name FROM dir_organisations WHERE id = ?", named.created_id
    ) == ("Forening \ufffd Syd")
    assert await store.fetchval("SELECT description FROM factors") == "a\ufffdb"
    assert await store.fetchval(
        "SELECT display_name FROM acc_accounts WHERE username = ?", "anna@sundeborg.dk"
    ) == ("Anna\ufffd")
    payloads = [
        r["payload"] if isinstance(r["payload"], str) else r["payload"].decode()
        for r in await store.fetch("SELECT payload FROM audit_log")
    ]
    assert not any("\\u0000" in p or "\x00" in p for p in payloads)
    described = [msgspec.json.decode(p).get("description") for p in payloads]
    assert "a\ufffdb" in described
    # A query with U+0000 in a parameter answers too (PostgreSQL would refuse the text).
    assert await store.fetch("SELECT id FROM dir_organisations WHERE name = ?", "x\x00") == []


def fail_on_ladder_moves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ladder view's handler of a rung change yields a statement the database refuses."""

    def broken(e: Partnership.RungChanged) -> Iterable[Statement]:
        yield ("INSERT INTO ladder_facts (no_such_column) VALUES (?)", (e.originator_id,))

    monkeypatch.setitem(ladder.handlers, Partnership.RungChanged, broken)


def stuck_entries(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in logs if str(e["event"]).startswith("projection stuck")]


async def test_a_projection_failing_on_an_event_stops_alone_retries_with_back_off_and_recovers(
    read_side: ReadSide, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store, runner = read_side
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    pid = partnership(app, lead)
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(date(2024, 1, 10)),
    )
    await runner.catch_up()
    fail_on_ladder_moves(monkeypatch)
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    assert await runner.setup() == []

    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(date(2024, 2, 1)),
    )
    after = execute(app, RegisterOrganisation(name="Jobcenter", sector=Sector.EMPLOYMENT), meta())
    assert moved.notification_id is not None
    head = app.max_notification_id()

    with capture_logs() as logs:
        await runner.catch_up()
        delays = [runner.next_retry_in()]
        for _ in range(3):  # the back-off has passed: tried again, fails the same way
            runner._retry_at["ladder"] = 0
            await runner.run_batch()
            delays.append(runner.next_retry_in())

    # Everything else went on: the organisation written after the failing event is there.
    positions = {n: r["position"] for n, r in (await tracking_rows(store)).items()}
    assert positions == {**{p.name: head for p in ALL}, "ladder": moved.notification_id - 1}
    assert (
        await store.fetchval(
            "SELECT count(*) FROM dir_organisations WHERE id = ?", after.created_id
        )
        == 1
    )
    assert runner.position == head  # read-your-writes is not held back by the stuck view
    await runner.wait_until(head, timeout=0.1)

    # Remembered, with the event and the error; logged once; back-off 1, 2, 4, 8 s.
    [failure] = runner.failures
    assert (failure.name, failure.notification_id, failure.attempts) == (
        "ladder",
        moved.notification_id,
        4,
    )
    stored = (await store.failures())["ladder"]
    assert (stored.notification_id, stored.attempts) == (moved.notification_id, 4)
    assert "no_such_column" in stored.error
    assert runner.failure_counts["ladder"] == 4
    assert [e["projection"] for e in stuck_entries(logs)] == ["ladder"]
    assert stuck_entries(logs)[0]["log_level"] == "error"
    assert stuck_entries(logs)[0]["notification_id"] == moved.notification_id
    assert [round(d or 0) for d in delays] == [1, 2, 4, 8]
    status = {s.name: s for s in await runner.status()}
    assert status["ladder"].failure is not None
    assert status["ladder"].failure.notification_id == moved.notification_id
    assert all(s.failure is None for n, s in status.items() if n != "ladder")

    # The fix is deployed: a new process picks the failure up and retries at once.
    monkeypatch.undo()
    fixed = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    with capture_logs() as logs:
        assert await fixed.setup() == []
        assert [f.notification_id for f in fixed.failures] == [moved.notification_id]
        await fixed.catch_up()
    assert fixed.failures == []
    assert await store.failures() == {}
    assert {n: r["position"] for n, r in (await tracking_rows(store)).items()} == {
        p.name: head for p in ALL
    }
    assert [r.rung for r in await ladder_views.rungs(store, pid)] == [Rung.MUTUAL_REFERRAL]
    assert any(e["event"].startswith("projection recovered") for e in logs)


async def test_a_handler_raising_stops_only_its_projection(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store, _ = read_side

    def raising(e: Partnership.RungChanged) -> Iterable[Statement]:
        raise ValueError("a bug in the ladder view")

    monkeypatch.setitem(ladder.handlers, Partnership.RungChanged, raising)
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event, batch_size=3)
    assert await runner.setup() == []
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    pid = partnership(app, lead)
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(date(2024, 1, 10)),
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(date(2024, 2, 1)),
    )
    for n in range(7):
        organisation(app, f"Forening {n}")
    head = app.max_notification_id()

    await runner.catch_up()  # pipelined batches of three around the failing event

    assert [(f.name, f.notification_id) for f in runner.failures] == [
        ("ladder", moved.notification_id)
    ]
    assert "ValueError: a bug in the ladder view" in runner.failures[0].error
    positions = {n: r["position"] for n, r in (await tracking_rows(store)).items()}
    assert positions == {**{p.name: head for p in ALL}, "ladder": moved.notification_id - 1}
    assert await store.fetchval("SELECT count(*) FROM dir_organisations") == 9
    assert [r.rung for r in await ladder_views.rungs(store, pid)] == [Rung.DIALOGUE]


# -- rebuild: beside the live views, switched only on success ---------------------------------


async def test_a_rebuild_that_fails_midway_leaves_the_views_and_positions_as_they_were(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store, runner = read_side
    generate_history(app, random.Random(12), partnerships=2)
    runner.batch_size = 50
    await runner.catch_up()
    contents = await view_contents(store)
    tracking = await tracking_rows(store)
    positions = {n: r["position"] for n, r in tracking.items()}
    moves = await store.read_notifications(
        0, 10_000, topics=sorted(t for t in ladder.topics if t.endswith("RungChanged"))
    )
    assert 50 < moves[0].id < app.max_notification_id() - 100  # the rebuild fails midway

    def raising(e: Partnership.RungChanged) -> Iterable[Statement]:
        raise ValueError("a bug in the ladder view")

    monkeypatch.setitem(ladder.handlers, Partnership.RungChanged, raising)
    rebuilding = ProjectionRunner(store, ALL, app.mapper.to_domain_event, batch_size=50)
    assert await rebuilding.setup() == []
    with pytest.raises(RebuildFailed) as failed:
        await rebuilding.rebuild()
    assert [(f.name, f.notification_id) for f in failed.value.failures] == [("ladder", moves[0].id)]
    assert "ladder failed on event" in str(failed.value)
    assert "views are unchanged" in str(failed.value)
    assert await view_contents(store) == contents
    assert {n: r["position"] for n, r in (await tracking_rows(store)).items()} == positions
    assert rebuilding.position == min(positions.values())
    assert await store.failures() == {}

    # The store failing midway (a lost connection while reading the log): the same.
    monkeypatch.undo()
    monkeypatch.setattr(runner_module, "REBUILD_CHUNK", 50)
    calls = 0
    read = store.read_notifications

    async def failing_read(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls >= 5:  # the store is gone from the fifth page on
            raise ConnectionResetError("the connection was lost")
        return await read(*args)

    monkeypatch.setattr(store, "read_notifications", failing_read)
    with pytest.raises(ConnectionResetError):
        await runner.rebuild(["ladder", "audit"])
    assert calls == 5
    assert await view_contents(store) == contents
    assert {n: r["position"] for n, r in (await tracking_rows(store)).items()} == positions

    # Once the cause is gone, a rebuild switches: the same views, every position at the head.
    monkeypatch.undo()
    assert await runner.rebuild() == app.max_notification_id()
    assert await view_contents(store) == contents
    assert {r["position"] for r in (await tracking_rows(store)).values()} == {
        app.max_notification_id()
    }


async def test_a_rebuild_of_a_stuck_projection_after_the_fix_clears_it(
    read_side: ReadSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, store, _ = read_side
    fail_on_ladder_moves(monkeypatch)
    runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    assert await runner.setup() == []
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    pid = partnership(app, lead)
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(date(2024, 1, 10)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(date(2024, 2, 1)),
    )
    await runner.catch_up()
    assert [f.name for f in runner.failures] == ["ladder"]

    monkeypatch.undo()
    fixed = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
    await fixed.setup()
    fixed._retry_at.clear()  # no retry: the rebuild alone must clear it
    assert await fixed.rebuild(["ladder"]) == app.max_notification_id()
    assert fixed.failures == []
    assert await store.failures() == {}
    assert [r.rung for r in await ladder_views.rungs(store, pid)] == [Rung.MUTUAL_REFERRAL]


# -- the command line -----------------------------------------------------------------------


def _stuck_store(settings: Settings) -> tuple[int, int]:
    """A registry whose ladder view is stuck (written and projected in a loop of its own)."""

    async def run() -> tuple[int, int]:
        app = Tvaers(settings)
        store = build_store(settings)
        await store.open()
        try:
            runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
            await runner.setup()
            lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
            dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
            pid = partnership(app, lead)
            execute(
                app,
                JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
                meta(date(2024, 1, 10)),
            )
            moved = execute(
                app,
                MoveOnLadder(
                    partnership_id=pid,
                    organisation_id=dgi,
                    rung=Rung.MUTUAL_REFERRAL,
                    evidence="Henvisninger",
                ),
                meta(date(2024, 2, 1)),
            )
            await runner.catch_up()
            assert moved.notification_id is not None
            return moved.notification_id, app.max_notification_id()
        finally:
            await store.close()
            app.close()

    return asyncio.run(run())


def test_project_status_shows_the_stuck_view_and_rebuild_fails_readably(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fail_on_ladder_moves(monkeypatch)
    failing, head = _stuck_store(store_settings)
    monkeypatch.setenv("TVAERS_DATABASE_URL", store_settings.database_url)
    monkeypatch.setenv("TVAERS_LOG_FORMAT", "json")
    capsys.readouterr()

    assert cli(["project", "status"]) == 1
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:14] if line.strip()}
    assert rows["ladder"][2:] == [str(failing - 1), str(head - failing + 1), "STUCK"]
    assert rows["access"][2:] == [str(head), "0", "ok"]
    assert f"ladder is stuck at event {failing}" in out
    assert "no_such_column" in out

    assert cli(["project", "rebuild"]) == 1  # the handler still fails: nothing switched
    err = capsys.readouterr().err
    assert f"ladder failed on event {failing}" in err
    assert "views are unchanged" in err

    monkeypatch.undo()
    monkeypatch.setenv("TVAERS_DATABASE_URL", store_settings.database_url)
    assert cli(["project", "rebuild", "no_such_view"]) == 2  # a usage error, as documented
    assert "No projection called 'no_such_view' (known: access," in capsys.readouterr().err
    assert cli(["project", "rebuild", "ladder"]) == 0
    assert cli(["project", "status"]) == 0
    assert "STUCK" not in capsys.readouterr().out
