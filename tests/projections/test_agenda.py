"""Agenda: agreements expiring, follow-ups due, vacant roles, projects not anchored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates import Registry
from aggregates.taxonomy import AnchoringStatus, Dimension, PartnershipType, RoleKind, Sector
from projections import agenda, roles
from projections.access import Visibility
from projections.core import InvalidQuery
from services.application import Tvaers
from services.commands import (
    AssignRole,
    EvidenceFields,
    JoinPartner,
    RecordFollowUp,
    RecordMilestone,
    RegisterPartnership,
    ScheduleFollowUp,
    VacateRole,
)
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    created,
    meta,
    organisation,
    person,
    signed_agreement,
)

EVERYTHING = Visibility.everything()  # an administrator's view: no filter

D = date
TODAY = D(2024, 10, 1)


def project(
    app: Tvaers,
    lead: UUID,
    title: str,
    end: date,
    *,
    kind: PartnershipType = PartnershipType.PROJECT,
) -> UUID:
    registry = Registry(
        title=title, municipality="Sundeborg", kind=kind, period_start=D(2023, 1, 1), period_end=end
    )
    return created(
        execute(app, RegisterPartnership.of(registry, lead_organisation_id=lead), meta())
    )


def operations(app: Tvaers, pid: UUID, status: AnchoringStatus, day: date) -> None:
    execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=Dimension.OPERATIONS,
            status=status,
            title="Videreført i drift",
            evidence=EvidenceFields(text="Budget"),
        ),
        meta(day),
    )


def follow_up(app: Tvaers, pid: UUID, label: str, scheduled: date, due: date) -> UUID:
    return created(
        execute(
            app,
            ScheduleFollowUp(partnership_id=pid, label=label, due_on=due, cohort=20),
            meta(scheduled),
        )
    )


@dataclass
class World:
    side: ReadSide
    sund: UUID
    stalled: UUID
    soon_stalled: UUID
    expiring: UUID
    overdue: UUID
    due: UUID
    late: UUID
    vacant: UUID


@pytest.fixture
def world(read_side: ReadSide) -> World:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    club = organisation(app, "Sundeborg IF", Sector.SPORTS_CLUB)
    sund = project(app, lead, "Sund By", D(2024, 12, 31))
    for org in (dgi, club):
        execute(app, JoinPartner(partnership_id=sund, organisation_id=org), meta(D(2024, 1, 10)))
    expiring = signed_agreement(
        app,
        sund,
        lead,
        [dgi],
        valid_from=D(2024, 2, 1),
        valid_to=D(2024, 11, 15),
        signed_on=D(2024, 1, 20),
    )
    signed_agreement(
        app,
        sund,
        lead,
        [club],
        valid_from=D(2024, 2, 1),
        valid_to=D(2025, 6, 30),
        signed_on=D(2024, 1, 20),
    )
    overdue = follow_up(app, sund, "3 måneder", D(2024, 6, 20), D(2024, 9, 20))
    execute(
        app,
        RecordFollowUp(partnership_id=sund, follow_up_id=overdue, reached=15, retained=12),
        meta(D(2024, 10, 10)),
    )  # after today
    due = follow_up(app, sund, "6 måneder", D(2024, 5, 20), D(2024, 11, 20))
    follow_up(app, sund, "12 måneder", D(2024, 5, 20), D(2025, 1, 15))
    done = follow_up(app, sund, "3 uger", D(2024, 8, 1), D(2024, 9, 1))
    execute(
        app,
        RecordFollowUp(partnership_id=sund, follow_up_id=done, reached=18, retained=16),
        meta(D(2024, 9, 5)),
    )
    late = follow_up(app, sund, "Ekstra", D(2024, 10, 15), D(2024, 10, 20))  # scheduled later
    anna = person(app, "Anna Jensen", dgi)
    bo = person(app, "Bo Nielsen", club)
    carl = person(app, "Carl Holm", club)
    dorte = person(app, "Dorte Lund", club)
    execute(
        app,
        AssignRole(partnership_id=sund, role=RoleKind.COORDINATOR, person_id=anna),
        meta(D(2024, 2, 1)),
    )
    vacant = created(
        execute(
            app,
            AssignRole(partnership_id=sund, role=RoleKind.RECRUITER, person_id=bo),
            meta(D(2024, 2, 1)),
        )
    )
    execute(app, VacateRole(partnership_id=sund, position_id=vacant), meta(D(2024, 8, 1)))
    refilled = created(
        execute(
            app,
            AssignRole(partnership_id=sund, role=RoleKind.LOCAL_COORDINATOR, person_id=carl),
            meta(D(2024, 2, 1)),
        )
    )
    execute(app, VacateRole(partnership_id=sund, position_id=refilled), meta(D(2024, 3, 1)))
    execute(
        app,
        AssignRole(
            partnership_id=sund,
            role=RoleKind.LOCAL_COORDINATOR,
            person_id=dorte,
            position_id=refilled,
        ),
        meta(D(2024, 4, 1)),
    )
    stalled = project(app, lead, "Røgfri Fremtid", D(2024, 3, 31))
    operations(app, stalled, AnchoringStatus.STARTED, D(2024, 2, 1))
    anchored = project(app, lead, "Ældre i bevægelse", D(2024, 3, 31))
    operations(app, anchored, AnchoringStatus.PARTIAL, D(2024, 5, 1))
    project(app, lead, "Driften", D(2023, 12, 31), kind=PartnershipType.OPERATIONS)
    soon_stalled = project(app, lead, "Bevæg dig", D(2024, 5, 1))
    return World(read_side, sund, stalled, soon_stalled, expiring, overdue, due, late, vacant)


async def test_the_agenda_lists_what_is_due_within_the_window(world: World) -> None:
    store = world.side.store
    await world.side.sync()

    found = await agenda.agenda(store, visible=EVERYTHING, today=TODAY, within_days=60)
    assert (found.today, found.within_days, found.horizon) == (TODAY, 60, D(2024, 11, 30))
    assert [
        (a.agreement_id, a.days_left, a.partnership_title) for a in found.expiring_agreements
    ] == [(world.expiring, 45, "Sund By")]
    assert [(f.follow_up_id, f.label, f.due_on, f.days_left) for f in found.follow_ups_due] == [
        (world.overdue, "3 måneder", D(2024, 9, 20), -11),
        (world.due, "6 måneder", D(2024, 11, 20), 50),
    ]
    [vacancy] = found.vacant_roles
    assert (vacancy.position_id, vacancy.role, vacancy.role_label) == (
        world.vacant,
        RoleKind.RECRUITER,
        "rekrutterer",
    )
    assert (vacancy.partnership_title, vacancy.vacant_since, vacancy.days_vacant) == (
        "Sund By",
        D(2024, 8, 1),
        61,
    )
    # The same vacancies as the roles view of the partnership shows.
    held = await roles.holdings(store, world.sund, as_of=TODAY)
    assert [h.position_id for h in held if h.person_id is None] == [world.vacant]
    [stalled] = found.stalled_projects
    assert (stalled.partnership_id, stalled.period_end, stalled.days_since_end) == (
        world.stalled,
        D(2024, 3, 31),
        184,
    )
    assert (stalled.operations_status, stalled.operations_status_label) == (
        AnchoringStatus.STARTED,
        "påbegyndt",
    )


async def test_the_agenda_on_other_days_windows_and_partnerships(world: World) -> None:
    store = world.side.store
    await world.side.sync()

    today_only = await agenda.agenda(store, visible=EVERYTHING, today=TODAY, within_days=0)
    assert today_only.expiring_agreements == []
    assert [f.follow_up_id for f in today_only.follow_ups_due] == [world.overdue]

    later = await agenda.agenda(store, visible=EVERYTHING, today=D(2024, 10, 16), within_days=60)
    assert [f.follow_up_id for f in later.follow_ups_due] == [world.late, world.due]
    assert [p.partnership_id for p in later.stalled_projects] == [world.stalled]
    november = await agenda.agenda(store, visible=EVERYTHING, today=D(2024, 11, 16), within_days=30)
    assert november.expiring_agreements == []  # ran out on 15 November
    assert [p.partnership_id for p in november.stalled_projects] == [
        world.stalled,
        world.soon_stalled,
    ]

    only = await agenda.agenda(
        store, visible=EVERYTHING, today=TODAY, partnership_ids=[world.stalled]
    )
    assert (only.expiring_agreements, only.follow_ups_due, only.vacant_roles) == ([], [], [])
    assert [p.partnership_id for p in only.stalled_projects] == [world.stalled]
    sund = await agenda.agenda(
        store, visible=EVERYTHING, today=TODAY, partnership_ids=[world.sund, world.sund]
    )
    assert [a.agreement_id for a in sund.expiring_agreements] == [world.expiring]
    assert [v.position_id for v in sund.vacant_roles] == [world.vacant]
    assert sund.stalled_projects == []
    nothing = await agenda.agenda(store, visible=EVERYTHING, today=TODAY, partnership_ids=[])
    assert (nothing.expiring_agreements, nothing.follow_ups_due, nothing.stalled_projects) == (
        [],
        [],
        [],
    )
    with pytest.raises(InvalidQuery):
        await agenda.agenda(store, visible=EVERYTHING, within_days=-1)


def test_months_before_keeps_the_day_or_takes_the_months_last() -> None:
    assert agenda.months_before(D(2024, 10, 1), 6) == D(2024, 4, 1)
    assert agenda.months_before(D(2024, 8, 31), 6) == D(2024, 2, 29)
    assert agenda.months_before(D(2024, 3, 15), 6) == D(2023, 9, 15)
    assert agenda.months_before(D(2024, 1, 31), 1) == D(2023, 12, 31)
