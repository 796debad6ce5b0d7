"""Roles view: holders of roles and steering-group seats on any date, vacancies, turnover."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates.taxonomy import PreventionCategory, RoleKind, Rung, SeatRole, Sector
from projections import roles
from services.commands import (
    AppointSteeringMember,
    AssignRole,
    CorrectDate,
    HandOverRole,
    JoinPartner,
    LaunchActivity,
    LeavePartner,
    StepDownSteeringMember,
    VacateRole,
)
from tests.commands import execute
from tests.projections.support import ReadSide, instant, meta, organisation, partnership, person

D = date


@dataclass
class Roles:
    side: ReadSide
    pid: UUID
    lead: UUID
    dgi: UUID
    job: UUID
    anna: UUID  # DGI
    bo: UUID  # jobcentre
    carl: UUID  # DGI
    dorte: UUID  # lead organisation


@pytest.fixture
def world(read_side: ReadSide) -> Roles:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    job = organisation(app, "Jobcenter Sundeborg", Sector.EMPLOYMENT)
    pid = partnership(app, lead)
    for org in (dgi, job):
        execute(
            app,
            JoinPartner(partnership_id=pid, organisation_id=org, rung=Rung.DIALOGUE),
            meta(D(2024, 1, 10)),
        )
    return Roles(
        side=read_side,
        pid=pid,
        lead=lead,
        dgi=dgi,
        job=job,
        anna=person(app, "Anna Jensen", dgi),
        bo=person(app, "Bo Nielsen", job),
        carl=person(app, "Carl Holm", dgi),
        dorte=person(app, "Dorte Lund", lead),
    )


def held(holdings: list[roles.RoleHolding]) -> list[tuple[RoleKind, str | None, str | None]]:
    return [(h.role, h.person_name, h.organisation_name) for h in holdings]


async def test_holdings_show_roles_at_partnership_and_activity_scope_on_each_date(
    world: Roles,
) -> None:
    app, store = world.side.app, world.side.store
    activity = execute(
        app,
        LaunchActivity(
            partnership_id=world.pid,
            title="Motion på recept",
            category=PreventionCategory.OFFER,
            owner_ids=[world.dgi],
        ),
        meta(D(2024, 1, 20)),
    )
    activity_id = activity.created_id
    assert activity_id is not None
    coordinator = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.anna),
        meta(D(2024, 2, 1)),
    )
    local = execute(
        app,
        AssignRole(
            partnership_id=world.pid,
            role=RoleKind.LOCAL_COORDINATOR,
            person_id=world.bo,
            activity_id=activity_id,
        ),
        meta(D(2024, 2, 15)),
    )
    await world.side.sync()

    assert await roles.holdings(store, world.pid, as_of=D(2024, 1, 31)) == []
    on_feb_10 = await roles.holdings(store, world.pid, as_of=D(2024, 2, 10))
    assert held(on_feb_10) == [(RoleKind.COORDINATOR, "Anna Jensen", "DGI Sydjylland")]
    now = await roles.holdings(store, world.pid)
    assert [
        (h.position_id, h.role, h.activity_id, h.person_id, h.organisation_id, h.since) for h in now
    ] == [
        (coordinator.created_id, RoleKind.COORDINATOR, None, world.anna, world.dgi, D(2024, 2, 1)),
        (
            local.created_id,
            RoleKind.LOCAL_COORDINATOR,
            activity_id,
            world.bo,
            world.job,
            D(2024, 2, 15),
        ),
    ]
    assert held(now)[1] == (RoleKind.LOCAL_COORDINATOR, "Bo Nielsen", "Jobcenter Sundeborg")


async def test_a_hand_over_changes_the_holder_from_its_date(world: Roles) -> None:
    app, store = world.side.app, world.side.store
    position = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.anna),
        meta(D(2024, 2, 1)),
    )
    assert position.created_id is not None
    execute(
        app,
        HandOverRole(partnership_id=world.pid, position_id=position.created_id, person_id=world.bo),
        meta(D(2024, 5, 1)),
    )
    await world.side.sync()

    before = await roles.holdings(store, world.pid, as_of=D(2024, 4, 30))
    after = await roles.holdings(store, world.pid, as_of=D(2024, 5, 1))
    assert [(h.position_id, h.person_name, h.since) for h in before] == [
        (position.created_id, "Anna Jensen", D(2024, 2, 1))
    ]
    assert [(h.position_id, h.person_name, h.organisation_name, h.since) for h in after] == [
        (position.created_id, "Bo Nielsen", "Jobcenter Sundeborg", D(2024, 5, 1))
    ]
    assert await roles.vacancies(store, world.pid) == []
    assert await roles.turnover(store, world.pid) == [
        roles.Turnover(
            role=RoleKind.COORDINATOR,
            positions=1,
            holders=2,
            handovers=1,
            vacancies=0,
            vacant_days=0,
        )
    ]


async def test_a_vacated_role_is_vacant_until_filled_and_vacancies_count_its_days(
    world: Roles,
) -> None:
    app, store = world.side.app, world.side.store
    position = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.BRIDGE_BUILDER, person_id=world.anna),
        meta(D(2024, 2, 1)),
    )
    position_id = position.created_id
    assert position_id is not None
    execute(
        app,
        VacateRole(partnership_id=world.pid, position_id=position_id),
        meta(D(2024, 3, 1), reason="Barsel"),
    )
    await world.side.sync()

    on_mar_10 = await roles.holdings(store, world.pid, as_of=D(2024, 3, 10))
    assert [(h.position_id, h.role, h.person_id, h.person_name, h.since) for h in on_mar_10] == [
        (position_id, RoleKind.BRIDGE_BUILDER, None, None, D(2024, 3, 1))
    ]
    still_open = await roles.vacancies(store, world.pid, as_of=D(2024, 3, 11))
    assert still_open == [
        roles.Vacancy(
            position_id=position_id,
            role=RoleKind.BRIDGE_BUILDER,
            activity_id=None,
            start=D(2024, 3, 1),
            end=None,
            days=10,
        )
    ]

    execute(
        app,
        AssignRole(
            partnership_id=world.pid,
            role=RoleKind.BRIDGE_BUILDER,
            person_id=world.carl,
            position_id=position_id,
        ),
        meta(D(2024, 3, 21)),
    )
    await world.side.sync()
    assert await roles.vacancies(store, world.pid) == [
        roles.Vacancy(
            position_id=position_id,
            role=RoleKind.BRIDGE_BUILDER,
            activity_id=None,
            start=D(2024, 3, 1),
            end=D(2024, 3, 21),
            days=20,
        )
    ]
    now = await roles.holdings(store, world.pid)
    assert [(h.position_id, h.person_name, h.since) for h in now] == [
        (position_id, "Carl Holm", D(2024, 3, 21))
    ]


async def test_a_partner_leaving_vacates_the_roles_its_people_hold(world: Roles) -> None:
    """The example of docs/time.md: Anna leaves with her organisation; Bo fills the role."""
    app, store = world.side.app, world.side.store
    tovholder = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.anna),
        meta(D(2024, 2, 1)),
    )
    recruiter = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.RECRUITER, person_id=world.carl),
        meta(D(2024, 2, 1)),
    )
    facilitator = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.FACILITATOR, person_id=world.bo),
        meta(D(2024, 2, 1)),
    )
    execute(
        app, LeavePartner(partnership_id=world.pid, organisation_id=world.dgi), meta(D(2024, 6, 1))
    )
    execute(
        app,
        AssignRole(
            partnership_id=world.pid,
            role=RoleKind.COORDINATOR,
            person_id=world.bo,
            position_id=tovholder.created_id,
        ),
        meta(D(2024, 8, 15)),
    )
    await world.side.sync()

    on_jul_1 = await roles.holdings(store, world.pid, as_of=D(2024, 7, 1))
    assert [(h.position_id, h.role, h.person_name, h.since) for h in on_jul_1] == [
        (tovholder.created_id, RoleKind.COORDINATOR, None, D(2024, 6, 1)),
        (facilitator.created_id, RoleKind.FACILITATOR, "Bo Nielsen", D(2024, 2, 1)),
        (recruiter.created_id, RoleKind.RECRUITER, None, D(2024, 6, 1)),
    ]
    vacancies = await roles.vacancies(store, world.pid, as_of=D(2024, 9, 1))
    assert [(v.position_id, v.start, v.end, v.days) for v in vacancies] == sorted(
        [
            (tovholder.created_id, D(2024, 6, 1), D(2024, 8, 15), 75),
            (recruiter.created_id, D(2024, 6, 1), None, 92),
        ],
        key=lambda v: str(v[0]),
    )
    turnover = {t.role: t for t in await roles.turnover(store, world.pid, as_of=D(2024, 9, 1))}
    assert turnover[RoleKind.COORDINATOR] == roles.Turnover(
        role=RoleKind.COORDINATOR, positions=1, holders=2, handovers=0, vacancies=1, vacant_days=75
    )
    assert turnover[RoleKind.RECRUITER] == roles.Turnover(
        role=RoleKind.RECRUITER, positions=1, holders=1, handovers=0, vacancies=1, vacant_days=92
    )
    assert turnover[RoleKind.FACILITATOR].vacancies == 0


async def test_the_steering_group_shows_who_sat_on_each_date_and_step_downs_end_a_seat(
    world: Roles,
) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        AppointSteeringMember(partnership_id=world.pid, person_id=world.dorte, seat=SeatRole.CHAIR),
        meta(D(2024, 1, 15)),
    )
    execute(
        app,
        AppointSteeringMember(partnership_id=world.pid, person_id=world.bo, seat=SeatRole.MEMBER),
        meta(D(2024, 2, 1)),
    )
    execute(
        app,
        AppointSteeringMember(
            partnership_id=world.pid, person_id=world.anna, seat=SeatRole.VICE_CHAIR
        ),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        StepDownSteeringMember(partnership_id=world.pid, person_id=world.bo),
        meta(D(2024, 4, 1), reason="Nyt job"),
    )
    await world.side.sync()

    async def seats(day: date | None) -> list[tuple[SeatRole, str, date]]:
        group = await roles.steering_group(store, world.pid, as_of=day)
        return [(s.seat, s.person_name, s.since) for s in group]

    assert await seats(D(2024, 1, 14)) == []
    assert await seats(D(2024, 2, 15)) == [
        (SeatRole.CHAIR, "Dorte Lund", D(2024, 1, 15)),
        (SeatRole.MEMBER, "Bo Nielsen", D(2024, 2, 1)),
    ]
    assert await seats(D(2024, 3, 31)) == [
        (SeatRole.CHAIR, "Dorte Lund", D(2024, 1, 15)),
        (SeatRole.MEMBER, "Bo Nielsen", D(2024, 2, 1)),
        (SeatRole.VICE_CHAIR, "Anna Jensen", D(2024, 3, 1)),
    ]
    expected_now = [
        (SeatRole.CHAIR, "Dorte Lund", D(2024, 1, 15)),
        (SeatRole.VICE_CHAIR, "Anna Jensen", D(2024, 3, 1)),
    ]
    assert await seats(D(2024, 4, 1)) == expected_now
    assert await seats(None) == expected_now


async def test_turnover_counts_positions_holders_hand_overs_and_vacancies_per_role(
    world: Roles,
) -> None:
    app, store = world.side.app, world.side.store
    first = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.anna),
        meta(D(2024, 1, 15)),
    )
    second = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.bo),
        meta(D(2024, 1, 15)),
    )
    assert first.created_id is not None
    assert second.created_id is not None
    execute(
        app,
        HandOverRole(partnership_id=world.pid, position_id=first.created_id, person_id=world.carl),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        HandOverRole(partnership_id=world.pid, position_id=first.created_id, person_id=world.dorte),
        meta(D(2024, 4, 1)),
    )
    execute(
        app,
        VacateRole(partnership_id=world.pid, position_id=second.created_id),
        meta(D(2024, 5, 1)),
    )
    execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.KEY_PERSON, person_id=world.anna),
        meta(D(2024, 2, 1)),
    )
    await world.side.sync()

    assert await roles.turnover(store, world.pid, as_of=D(2024, 5, 11)) == [
        roles.Turnover(
            role=RoleKind.COORDINATOR,
            positions=2,
            holders=4,
            handovers=2,
            vacancies=1,
            vacant_days=10,
        ),
        roles.Turnover(
            role=RoleKind.KEY_PERSON,
            positions=1,
            holders=1,
            handovers=0,
            vacancies=0,
            vacant_days=0,
        ),
    ]
    # On an earlier date only what had happened by then counts.
    assert await roles.turnover(store, world.pid, as_of=D(2024, 3, 15)) == [
        roles.Turnover(
            role=RoleKind.COORDINATOR,
            positions=2,
            holders=3,
            handovers=1,
            vacancies=0,
            vacant_days=0,
        ),
        roles.Turnover(
            role=RoleKind.KEY_PERSON,
            positions=1,
            holders=1,
            handovers=0,
            vacancies=0,
            vacant_days=0,
        ),
    ]


async def test_correcting_an_assignment_date_shows_from_the_correction_on(world: Roles) -> None:
    app, store = world.side.app, world.side.store
    assigned = execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.anna),
        meta(D(2024, 3, 1)),
    )
    appointed = execute(
        app,
        AppointSteeringMember(partnership_id=world.pid, person_id=world.dorte, seat=SeatRole.CHAIR),
        meta(D(2024, 3, 1)),
    )
    before = instant()
    execute(
        app,
        CorrectDate(
            partnership_id=world.pid,
            corrects_version=assigned.version,
            corrected_valid_on=D(2024, 2, 1),
        ),
        meta(reason="Forkert dato"),
    )
    execute(
        app,
        CorrectDate(
            partnership_id=world.pid,
            corrects_version=appointed.version,
            corrected_valid_on=D(2024, 2, 10),
        ),
        meta(reason="Forkert dato"),
    )
    await world.side.sync()

    feb_15 = D(2024, 2, 15)
    now = await roles.holdings(store, world.pid, as_of=feb_15)
    assert [(h.person_name, h.since) for h in now] == [("Anna Jensen", D(2024, 2, 1))]
    assert await roles.holdings(store, world.pid, as_of=feb_15, known_at=before) == []
    then = await roles.holdings(store, world.pid, as_of=D(2024, 3, 15), known_at=before)
    assert [(h.person_name, h.since) for h in then] == [("Anna Jensen", D(2024, 3, 1))]

    seats = await roles.steering_group(store, world.pid, as_of=feb_15)
    assert [(s.person_name, s.since) for s in seats] == [("Dorte Lund", D(2024, 2, 10))]
    assert await roles.steering_group(store, world.pid, as_of=feb_15, known_at=before) == []


async def test_correcting_the_date_of_a_departure_moves_the_vacancy_with_it(world: Roles) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        AssignRole(partnership_id=world.pid, role=RoleKind.COORDINATOR, person_id=world.anna),
        meta(D(2024, 2, 1)),
    )
    left = execute(
        app, LeavePartner(partnership_id=world.pid, organisation_id=world.dgi), meta(D(2024, 6, 1))
    )
    before = instant()
    execute(
        app,
        CorrectDate(
            partnership_id=world.pid,
            corrects_version=left.version,
            corrected_valid_on=D(2024, 5, 1),
        ),
        meta(reason="Udtrådt tidligere"),
    )
    await world.side.sync()

    now = await roles.vacancies(store, world.pid, as_of=D(2024, 7, 1))
    assert [(v.start, v.end, v.days) for v in now] == [(D(2024, 5, 1), None, 61)]
    then = await roles.vacancies(store, world.pid, as_of=D(2024, 7, 1), known_at=before)
    assert [(v.start, v.end, v.days) for v in then] == [(D(2024, 6, 1), None, 30)]
