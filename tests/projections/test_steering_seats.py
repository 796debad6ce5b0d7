"""The roles view keeps each steering-group seat as of any date, and as known at any time,
when a member changes seat (SteeringSeatChanged); the diff and the history say so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

import pytest

from aggregates.taxonomy import SeatRole, Sector
from projections import audit, diff, roles
from services.commands import AppointSteeringMember, ChangeSteeringSeat, StepDownSteeringMember
from tests.commands import execute
from tests.projections.support import ReadSide, instant, meta, organisation, partnership, person

D = date


@dataclass
class Steering:
    side: ReadSide
    pid: UUID
    anna: UUID
    bo: UUID


@pytest.fixture
def world(read_side: ReadSide) -> Steering:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead)
    anna, bo = person(app, "Anna Jensen", lead), person(app, "Bo Nielsen", lead)
    for who in (anna, bo):
        execute(
            app,
            AppointSteeringMember(partnership_id=pid, person_id=who, seat=SeatRole.MEMBER),
            meta(D(2024, 1, 15)),
        )
    return Steering(side=read_side, pid=pid, anna=anna, bo=bo)


async def seats(
    world: Steering, day: date, known_at: datetime | None = None
) -> list[tuple[SeatRole, str, date]]:
    group = await roles.steering_group(world.side.store, world.pid, as_of=day, known_at=known_at)
    return sorted(((s.seat, s.person_name, s.since) for s in group), key=lambda s: s[1])


async def test_a_seat_change_holds_from_its_date_and_the_old_seat_before_it(
    world: Steering,
) -> None:
    app = world.side.app
    execute(
        app,
        ChangeSteeringSeat(partnership_id=world.pid, person_id=world.anna, seat=SeatRole.CHAIR),
        meta(D(2024, 3, 1)),
    )
    await world.side.sync()

    assert await seats(world, D(2024, 2, 29)) == [
        (SeatRole.MEMBER, "Anna Jensen", D(2024, 1, 15)),
        (SeatRole.MEMBER, "Bo Nielsen", D(2024, 1, 15)),
    ]
    assert await seats(world, D(2024, 3, 1)) == [
        (SeatRole.CHAIR, "Anna Jensen", D(2024, 3, 1)),
        (SeatRole.MEMBER, "Bo Nielsen", D(2024, 1, 15)),
    ]
    changes = await diff.between(world.side.store, world.pid, D(2024, 2, 1), D(2024, 4, 1))
    assert [(c.section, c.label, c.before, c.after) for c in changes] == [
        ("steering_group", "Anna Jensen", "medlem", "formand")
    ]


async def test_a_correction_to_the_appointment_day_is_known_only_from_when_it_was_recorded(
    world: Steering,
) -> None:
    app = world.side.app
    await world.side.sync()
    before = instant()
    execute(
        app,
        ChangeSteeringSeat(partnership_id=world.pid, person_id=world.bo, seat=SeatRole.VICE_CHAIR),
        meta(D(2024, 1, 15), reason="Udpeget som næstformand"),
    )
    await world.side.sync()

    assert await seats(world, D(2024, 1, 15)) == [
        (SeatRole.MEMBER, "Anna Jensen", D(2024, 1, 15)),
        (SeatRole.VICE_CHAIR, "Bo Nielsen", D(2024, 1, 15)),
    ]
    assert await seats(world, D(2024, 1, 15), known_at=before) == [
        (SeatRole.MEMBER, "Anna Jensen", D(2024, 1, 15)),
        (SeatRole.MEMBER, "Bo Nielsen", D(2024, 1, 15)),
    ]


async def test_the_history_says_the_change_and_a_later_step_down_names_the_seat_left(
    world: Steering,
) -> None:
    app = world.side.app
    execute(
        app,
        ChangeSteeringSeat(partnership_id=world.pid, person_id=world.anna, seat=SeatRole.CHAIR),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        StepDownSteeringMember(partnership_id=world.pid, person_id=world.anna),
        meta(D(2024, 6, 1)),
    )
    await world.side.sync()

    page = await audit.history(world.side.store, audit.AuditFilter(), limit=100)
    said = {e.kind: (e.summary, e.summary_en) for e in page.entries}
    assert said["SteeringSeatChanged"] == (
        "Anna Jensen skifter plads i styregruppen: medlem → formand",
        "Anna Jensen changes seat on the steering group: member → chair",
    )
    assert said["SteeringMemberSteppedDown"] == (
        "Anna Jensen udtrådt af styregruppen (formand)",
        "Anna Jensen stepped down from the steering group (chair)",
    )
    assert await seats(world, D(2024, 6, 1)) == [(SeatRole.MEMBER, "Bo Nielsen", D(2024, 1, 15))]
