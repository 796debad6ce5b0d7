"""Concurrent writers to one partnership: exactly one wins each race, nothing lost or doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from unittest import mock
from uuid import UUID

import pytest

from aggregates import Contact, Evidence, Partnership
from aggregates.errors import DomainError
from aggregates.taxonomy import AgreementKind, AnchoringStatus, Dimension, SeatRole
from services.application import CommandResult, Tvaers
from services.commands import (
    AppointSteeringMember,
    DraftAgreement,
    ErasePerson,
    EvidenceFields,
    LeavePartner,
    RecordMilestone,
    RegisterPerson,
    RenameOrganisation,
    SignAgreement,
)
from services.errors import ConcurrencyConflict, StaleVersion
from services.settings import Settings
from tests.commands import execute
from tests.integration.conftest import World, build_world, meta, signatory, terms

THREADS = 8
SESSIONS = 4  # application instances, as several API processes would have
ROUNDS = 10  # ten versions in a row cross one of the partnership's snapshots (interval 10)
BARRIER_TIMEOUT = 30


def milestone(
    app: Tvaers, pid: UUID, title: str, *, expected_version: int | None = None
) -> CommandResult:
    return execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=Dimension.METHOD,
            status=AnchoringStatus.STARTED,
            title=title,
            evidence=EvidenceFields(text="Manual"),
        ),
        meta(date(2024, 3, 1)),
        expected_version=expected_version,
    )


@dataclass
class Outcomes:
    successes: list[CommandResult] = field(default_factory=list)
    conflicts: list[ConcurrencyConflict] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, command: Callable[..., CommandResult], *args: Any, **kwargs: Any) -> None:
        try:
            result = command(*args, **kwargs)
        except ConcurrencyConflict as conflict:
            with self.lock:
                self.conflicts.append(conflict)
        except BaseException as error:  # noqa: BLE001 - reported by the test, not swallowed
            with self.lock:
                self.unexpected.append(error)
        else:
            with self.lock:
                self.successes.append(result)


def run_threads(count: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer thread hung"


@contextmanager
def loads_meet_at(app: Tvaers, barrier: threading.Barrier, pid: UUID) -> Iterator[None]:
    """Every command's load of the partnership waits at the barrier: all hold the same version.

    Loads of a given version (snapshotting after a save) pass straight through.
    """
    real_get = app.repository.get

    def get(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        aggregate = real_get(aggregate_id, *args, **kwargs)
        if aggregate_id == pid and kwargs.get("version") is None:
            barrier.wait(timeout=BARRIER_TIMEOUT)
        return aggregate

    with mock.patch.object(app.repository, "get", side_effect=get):
        yield


def assert_log_is_consistent(app: Tvaers, pid: UUID, expected_events: int) -> None:
    """Versions 1..n without gaps or duplicates, each once in the notification log."""
    versions = [e.originator_version for e in app.events.get(pid)]
    assert versions == list(range(1, expected_events + 1))
    notified = [
        n.originator_version
        for n in app.recorder.select_notifications(start=1, limit=10_000)
        if n.originator_id == pid
    ]
    assert notified == versions


def test_two_sessions_writing_the_same_version_one_wins_and_the_other_conflicts(
    app: Tvaers, store_settings: Settings
) -> None:
    world = build_world(app)
    pid = world.partnership_id
    initial = world.version
    other = Tvaers(store_settings)
    barrier = threading.Barrier(2)
    outcomes = Outcomes()
    sessions = [app, other]

    def write(n: int) -> None:
        session = sessions[n]
        with loads_meet_at(session, barrier, pid):
            outcomes.attempt(milestone, session, pid, f"Session {n}")

    try:
        run_threads(2, write)
    finally:
        other.close()

    assert outcomes.unexpected == []
    assert [r.version for r in outcomes.successes] == [initial + 1]
    assert len(outcomes.conflicts) == 1
    assert type(outcomes.conflicts[0]) is ConcurrencyConflict  # a real write clash
    assert outcomes.conflicts[0].code == "conflict"
    assert_log_is_consistent(app, pid, initial + 1)
    [recorded] = app.get_partnership(pid).milestones.values()
    assert recorded.version == initial + 1


def test_sessions_racing_on_one_version_have_exactly_one_winner_per_round(
    app: Tvaers, store_settings: Settings
) -> None:
    """Processes (here: application instances, each with its own cache) racing."""
    world = build_world(app)
    pid = world.partnership_id
    initial = world.version
    sessions = [app, *(Tvaers(store_settings) for _ in range(SESSIONS - 1))]
    barrier = threading.Barrier(SESSIONS)
    outcomes = Outcomes()

    def write(n: int) -> None:
        with loads_meet_at(sessions[n], barrier, pid):
            for round_number in range(ROUNDS):
                outcomes.attempt(milestone, sessions[n], pid, f"Session {n} runde {round_number}")

    try:
        run_threads(SESSIONS, write)
    finally:
        for session in sessions[1:]:
            session.close()

    assert outcomes.unexpected == []
    versions = sorted(r.version for r in outcomes.successes)
    assert versions == list(range(initial + 1, initial + ROUNDS + 1))  # one per round, distinct
    assert len(outcomes.successes) + len(outcomes.conflicts) == SESSIONS * ROUNDS
    assert len(outcomes.conflicts) == (SESSIONS - 1) * ROUNDS
    assert {type(c) for c in outcomes.conflicts} == {ConcurrencyConflict}  # clashes, not stale
    assert len({r.notification_id for r in outcomes.successes}) == ROUNDS
    assert_log_is_consistent(app, pid, initial + ROUNDS)
    assert len(app.get_partnership(pid).milestones) == ROUNDS


def test_threads_of_one_process_take_turns_and_every_command_lands(app: Tvaers) -> None:
    """In one process, commands on one aggregate wait for each other (they change the
    cached aggregate in place): none is refused, none is lost, versions follow on."""
    world = build_world(app)
    pid = world.partnership_id
    initial = world.version
    outcomes = Outcomes()
    start = threading.Barrier(THREADS)

    def write(n: int) -> None:
        start.wait(timeout=BARRIER_TIMEOUT)
        for round_number in range(ROUNDS):
            outcomes.attempt(milestone, app, pid, f"Tråd {n} runde {round_number}")

    run_threads(THREADS, write)

    assert outcomes.unexpected == []
    assert outcomes.conflicts == []
    total = THREADS * ROUNDS
    assert sorted(r.version for r in outcomes.successes) == list(
        range(initial + 1, initial + total + 1)
    )
    assert_log_is_consistent(app, pid, initial + total)
    titles = {m.title for m in app.get_partnership(pid).milestones.values()}
    assert titles == {f"Tråd {n} runde {r}" for n in range(THREADS) for r in range(ROUNDS)}


def test_a_command_failing_half_way_leaves_nothing_behind_in_the_cache(app: Tvaers) -> None:
    world = build_world(app)
    pid = world.partnership_id
    before = app.get_partnership(pid)

    def record_then_fail(partnership: Partnership) -> None:
        partnership.record_milestone(
            dimension=Dimension.METHOD,
            status=AnchoringStatus.STARTED,
            title="Halvt gemt",
            evidence=Evidence(text="Manual"),
            meta=meta(date(2024, 3, 1)),
        )
        assert partnership.version == before.version + 1  # the cached aggregate changed...
        raise DomainError("refused after the first event")

    with pytest.raises(DomainError):
        app._change(Partnership, pid, None, record_then_fail)

    after = app.get_partnership(pid)  # ...and was dropped: rebuilt from the store
    assert after.version == before.version
    assert after.milestones == before.milestones
    assert milestone(app, pid, "Næste").version == before.version + 1
    assert [m.title for m in app.get_partnership(pid).milestones.values()] == ["Næste"]


def test_a_copy_handed_to_a_reader_does_not_change_with_later_commands(app: Tvaers) -> None:
    world = build_world(app)
    pid = world.partnership_id
    read = app.get_partnership(pid)
    version, milestones = read.version, dict(read.milestones)

    milestone(app, pid, "Efter læsningen")

    assert (read.version, read.milestones) == (version, milestones)
    assert app.get_partnership(pid).version == version + 1


def test_threads_appending_with_the_version_they_read_never_lose_or_double_an_event(
    app: Tvaers,
) -> None:
    world = build_world(app)
    pid = world.partnership_id
    rounds = 4
    persons: dict[tuple[int, int], UUID] = {}
    for n in range(THREADS):
        for round_number in range(1, rounds, 2):
            result = execute(
                app,
                RegisterPerson.of(
                    Contact(name=f"Medlem {n}.{round_number}"), organisation_id=world.a
                ),
                meta(),
            )
            assert result.created_id is not None
            persons[n, round_number] = result.created_id
    initial = world.version
    barrier = threading.Barrier(THREADS)
    outcomes = Outcomes()

    def write(n: int) -> None:
        for round_number in range(rounds):
            read = app.get_partnership(pid).version
            barrier.wait(timeout=BARRIER_TIMEOUT)  # everyone has read the same version
            if round_number % 2 == 0:
                title = f"Tråd {n} runde {round_number}"
                outcomes.attempt(milestone, app, pid, title, expected_version=read)
            else:
                person_id = persons[n, round_number]
                outcomes.attempt(
                    execute,
                    app,
                    AppointSteeringMember(
                        partnership_id=pid, person_id=person_id, seat=SeatRole.MEMBER
                    ),
                    meta(),
                    expected_version=read,
                )
            barrier.wait(timeout=BARRIER_TIMEOUT)  # the round is over for everyone

    run_threads(THREADS, write)

    assert outcomes.unexpected == []
    versions = sorted(r.version for r in outcomes.successes)
    assert versions == list(range(initial + 1, initial + rounds + 1))  # one winner per round
    assert len(outcomes.successes) + len(outcomes.conflicts) == THREADS * rounds
    partnership = app.get_partnership(pid)
    assert partnership.version == initial + rounds
    assert_log_is_consistent(app, pid, initial + rounds)
    assert len(partnership.milestones) == len(partnership.appointments) == rounds // 2


def test_a_stale_expected_version_writes_nothing_and_reports_the_current_version(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    before = app.max_notification_id()

    with pytest.raises(StaleVersion) as info:
        milestone(app, pid, "Forældet", expected_version=2)

    error = info.value
    assert isinstance(error, ConcurrencyConflict)
    assert (error.expected, error.current, error.code) == (2, 3, "stale-version")
    assert "version 2" in error.detail
    assert "version 3" in error.detail
    assert app.max_notification_id() == before
    assert world.version == 3
    assert milestone(app, pid, "Aktuel", expected_version=3).version == 4


def test_stale_versions_are_refused_for_every_kind_of_aggregate(app: Tvaers, world: World) -> None:
    person_id = execute(
        app, RegisterPerson.of(Contact(name="Anna Holm"), organisation_id=world.a), meta()
    ).created_id
    assert person_id is not None
    agreement_id = execute(
        app,
        DraftAgreement.of(
            terms(world.lead_id, [world.a]),
            partnership_id=world.partnership_id,
            kind=AgreementKind.COOPERATION,
        ),
        meta(),
    ).created_id
    assert agreement_id is not None
    signer = signatory(app, world.lead_id)
    before = app.max_notification_id()
    attempts: dict[str, Callable[[], object]] = {
        "organisation": lambda: execute(
            app,
            RenameOrganisation(organisation_id=world.a, name="Nyt navn"),
            meta(),
            expected_version=7,
        ),
        "person": lambda: execute(
            app, ErasePerson(person_id=person_id), meta(), expected_version=7
        ),
        "partnership": lambda: execute(
            app,
            LeavePartner(partnership_id=world.partnership_id, organisation_id=world.a),
            meta(),
            expected_version=7,
        ),
        "agreement": lambda: execute(
            app,
            SignAgreement(agreement_id=agreement_id, party_id=world.lead_id, signatory_id=signer),
            meta(),
            expected_version=7,
        ),
    }
    currents = {}
    for name, attempt in attempts.items():
        with pytest.raises(StaleVersion) as info:
            attempt()
        assert info.value.expected == 7
        currents[name] = info.value.current

    assert currents == {"organisation": 1, "person": 1, "partnership": 3, "agreement": 1}
    assert app.max_notification_id() == before


def test_a_command_never_waits_for_another_aggregate_a_second_command_holds(
    app: Tvaers,
) -> None:
    """No deadlock: inside a command, a read of an aggregate whose lock another thread
    holds goes to the store instead of waiting."""
    world = build_world(app)
    pid, organisation_id = world.partnership_id, world.a
    held, release = threading.Event(), threading.Event()

    def other_command_in_progress() -> None:  # holds the organisation's lock
        app._aggregate_locks.acquire(organisation_id)
        try:
            held.set()
            release.wait(timeout=BARRIER_TIMEOUT)
        finally:
            app._aggregate_locks.release(organisation_id)

    holder = threading.Thread(target=other_command_in_progress, daemon=True)
    holder.start()
    assert held.wait(timeout=BARRIER_TIMEOUT)
    names: list[str] = []

    def read_then_record(partnership: Partnership) -> UUID:
        names.append(app.get_organisation(organisation_id).name)
        return partnership.record_milestone(
            dimension=Dimension.METHOD,
            status=AnchoringStatus.STARTED,
            title="Mens organisationen var optaget",
            evidence=Evidence(text="Manual"),
            meta=meta(date(2024, 3, 1)),
        )

    done: list[CommandResult] = []
    worker = threading.Thread(
        target=lambda: done.append(app._change(Partnership, pid, None, read_then_record)),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=10)
    finished_while_held = not worker.is_alive()
    release.set()
    holder.join(timeout=BARRIER_TIMEOUT)

    assert finished_while_held, "the command waited for the other aggregate's lock"
    assert names == ["Partner 1"]
    assert [r.version for r in done] == [world_version(app, pid)]


def world_version(app: Tvaers, pid: UUID) -> int:
    return app.get_partnership(pid).version
