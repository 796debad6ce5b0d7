"""Diff of a partnership between two dates, and the registry's search."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from aggregates import Registry
from aggregates.taxonomy import (
    AnchoringStatus,
    Dimension,
    PartnershipType,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)
from projections import diff, registry
from services.commands import (
    AppointSteeringMember,
    AssignRole,
    CorrectDate,
    EvidenceFields,
    HandOverRole,
    JoinPartner,
    LeavePartner,
    MoveOnLadder,
    RecordMilestone,
    StepDownSteeringMember,
    UpdateRegistry,
)
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    instant,
    meta,
    organisation,
    partnership,
    person,
)

D = date
FIRST = D(2024, 2, 1)
SECOND = D(2024, 6, 1)


Row = tuple[str, str, str, str | None, str, str | None, str | None]


def change(
    section: str,
    key: object,
    label: str,
    kind: str,
    before: str | None,
    after: str | None,
    aspect: str | None = None,
) -> Row:
    """A change as a row: section, key, label, aspect, kind, before, after."""
    return (section, str(key), label, aspect, kind, before, after)


def rows(changes: list[diff.Change]) -> list[Row]:
    return [(c.section, c.key, c.label, c.aspect, c.change, c.before, c.after) for c in changes]


def milestone(
    side: ReadSide, pid: UUID, dimension: Dimension, status: AnchoringStatus, day: date
) -> UUID | None:
    return execute(
        side.app,
        RecordMilestone(
            partnership_id=pid,
            dimension=dimension,
            status=status,
            title=f"{dimension.label_da} {status.label_da}",
            evidence=EvidenceFields(text="Referat"),
        ),
        meta(day),
    ).created_id


async def test_the_diff_between_two_dates_lists_what_was_added_changed_and_removed(
    read_side: ReadSide,
) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    kb = organisation(app, "Kræftens Bekæmpelse", Sector.PATIENT_ASSOCIATION)
    job = organisation(app, "Jobcenter Sundeborg", Sector.EMPLOYMENT)
    anna = person(app, "Anna Jensen", dgi)
    bo = person(app, "Bo Nielsen", job)
    dorte = person(app, "Dorte Lund", lead)
    pid = partnership(app, lead)
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=job, rung=Rung.MUTUAL_REFERRAL),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=dorte, seat=SeatRole.CHAIR),
        meta(D(2024, 1, 15)),
    )
    bo_seat = execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=bo, seat=SeatRole.MEMBER),
        meta(D(2024, 1, 15)),
    )
    coordinator = execute(
        app,
        AssignRole(partnership_id=pid, role=RoleKind.COORDINATOR, person_id=anna),
        meta(D(2024, 1, 20)),
    )
    recruiter = execute(
        app,
        AssignRole(partnership_id=pid, role=RoleKind.RECRUITER, person_id=bo),
        meta(D(2024, 1, 20)),
    )
    milestone(read_side, pid, Dimension.POLITICAL, AnchoringStatus.STARTED, D(2024, 1, 25))
    # Between the two dates:
    kb_joined = execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=kb, rung=Rung.KNOW_EACH_OTHER),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 15)),
    )
    anna_seat = execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=anna, seat=SeatRole.VICE_CHAIR),
        meta(D(2024, 4, 1)),
    )
    execute(app, StepDownSteeringMember(partnership_id=pid, person_id=bo), meta(D(2024, 4, 1)))
    assert coordinator.created_id is not None
    execute(
        app,
        HandOverRole(partnership_id=pid, position_id=coordinator.created_id, person_id=dorte),
        meta(D(2024, 4, 10)),
    )
    execute(
        app, LeavePartner(partnership_id=pid, organisation_id=job), meta(D(2024, 5, 1))
    )  # vacates Bo's recruiter role
    partial = milestone(
        read_side, pid, Dimension.POLITICAL, AnchoringStatus.PARTIAL, D(2024, 5, 10)
    )
    started = milestone(
        read_side, pid, Dimension.OPERATIONS, AnchoringStatus.STARTED, D(2024, 5, 15)
    )
    # After both dates (must not show): a move on 1 July.
    execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Kursus",
        ),
        meta(D(2024, 7, 1)),
    )
    await read_side.sync()

    appointments = app.get_partnership(pid).appointments.values()
    appointment_of = {a.person_id: a.appointment_id for a in appointments}
    assert bo_seat.created_id == appointment_of[bo]
    assert anna_seat.created_id == appointment_of[anna]
    expected = [
        change("milestones", partial, "politisk delvis", "added", None, "politisk: delvis"),
        change("milestones", started, "drift påbegyndt", "added", None, "drift: påbegyndt"),
        change("anchoring", "operations", "drift", "added", None, "påbegyndt"),
        change("anchoring", "political", "politisk", "changed", "påbegyndt", "delvis", "Status"),
        *sorted(
            [
                change(
                    "partners",
                    dgi,
                    "DGI Sydjylland",
                    "changed",
                    "trin 2 (dialog og erfaringsudveksling)",
                    "trin 3 (gensidig henvisning)",
                ),
                change(
                    "partners",
                    kb,
                    "Kræftens Bekæmpelse",
                    "added",
                    None,
                    "trin 1 (kendskab til hinanden)",
                ),
                change(
                    "partners",
                    job,
                    "Jobcenter Sundeborg",
                    "removed",
                    "trin 3 (gensidig henvisning)",
                    None,
                ),
            ],
            key=lambda c: c[1],
        ),
        *sorted(
            [
                change(
                    "roles",
                    coordinator.created_id,
                    "tovholder",
                    "changed",
                    "Anna Jensen",
                    "Dorte Lund",
                    "Indehaver",
                ),
                change(
                    "roles",
                    recruiter.created_id,
                    "rekrutterer",
                    "changed",
                    "Bo Nielsen",
                    "ledig",
                    "Indehaver",
                ),
            ],
            key=lambda c: c[1],
        ),
        *sorted(
            [
                change(
                    "steering_group",
                    anna_seat.created_id,
                    "Anna Jensen",
                    "added",
                    None,
                    "næstformand",
                ),
                change(
                    "steering_group", bo_seat.created_id, "Bo Nielsen", "removed", "medlem", None
                ),
            ],
            key=lambda c: c[1],
        ),
    ]
    got = rows(await diff.between(store, pid, FIRST, SECOND))
    assert sorted(got, key=str) == sorted(expected, key=str)
    assert await diff.between(store, pid, FIRST, FIRST) == []

    backwards = await diff.between(store, pid, SECOND, FIRST)
    inverse = {"added": "removed", "removed": "added", "changed": "changed"}
    assert sorted((c.section, c.key, c.change, c.before, c.after) for c in backwards) == sorted(
        (section, key, inverse[kind], after, before)
        for section, key, _, _, kind, before, after in expected
    )

    # A correction moves Kræftens Bekæmpelse's joining before the first date: from then on
    # the diff no longer lists it as added; a report made before the correction still does.
    before = instant()
    execute(
        app,
        CorrectDate(
            partnership_id=pid,
            corrects_version=kb_joined.version,
            corrected_valid_on=D(2024, 1, 20),
        ),
        meta(reason="Dato"),
    )
    await read_side.sync()
    now = await diff.between(store, pid, FIRST, SECOND)
    assert [c for c in now if c.key == str(kb)] == []
    then = rows(await diff.between(store, pid, FIRST, SECOND, known_at=before))
    assert sorted(then, key=str) == sorted(expected, key=str)


async def test_the_registry_finds_partnerships_by_municipality_and_words(
    read_side: ReadSide,
) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    sund = partnership(app, lead, title="Sund By Sundeborg", purpose="Bedre sundhed i job")
    smoke = partnership(app, lead, title="Røgfri Fremtid", purpose="Færre unge ryger")
    move = partnership(
        app, lead, title="Bevæg dig for livet", municipality="Vestby", purpose="Mere motion"
    )
    await read_side.sync()

    async def titles(**query: object) -> list[str]:
        return [row.title for row in await registry.find(store, **query)]  # type: ignore[arg-type]

    assert await titles() == ["Røgfri Fremtid", "Sund By Sundeborg", "Bevæg dig for livet"]
    assert await titles(limit=2) == ["Røgfri Fremtid", "Sund By Sundeborg"]
    assert await titles(municipality="sundeborg") == ["Røgfri Fremtid", "Sund By Sundeborg"]
    assert await titles(municipality="VESTBY") == ["Bevæg dig for livet"]
    assert await titles(municipality="Østby") == []
    assert await titles(text="MOTION") == ["Bevæg dig for livet"]  # in the purpose
    assert await titles(text="sund") == ["Sund By Sundeborg"]  # title and purpose
    assert await titles(text="unge", municipality="Sundeborg") == ["Røgfri Fremtid"]
    assert await titles(text="ryger", municipality="Vestby") == []

    [row] = await registry.find(store, text="Røgfri")
    event = app.partnership_events(smoke)[0]
    assert (row.id, row.municipality, row.lead_organisation_id, row.kind, row.purpose) == (
        smoke,
        "Sundeborg",
        lead,
        PartnershipType.PROJECT,
        "Færre unge ryger",
    )
    assert (row.period_start, row.period_end, row.registered_at) == (None, None, event.timestamp)

    execute(
        app,
        UpdateRegistry.of(
            Registry(
                title="Sunde Arbejdspladser",
                municipality="Vestby",
                purpose="Trivsel",
                period_start=D(2024, 1, 1),
                period_end=D(2025, 12, 31),
                kind=PartnershipType.OPERATIONS,
            ),
            partnership_id=sund,
        ),
        meta(),
    )
    await read_side.sync()
    assert await titles(municipality="Vestby") == ["Bevæg dig for livet", "Sunde Arbejdspladser"]
    assert await titles(text="Sund By") == []
    [updated] = await registry.find(store, text="arbejdspladser")
    assert (updated.id, updated.kind, updated.period_start, updated.period_end) == (
        sund,
        PartnershipType.OPERATIONS,
        D(2024, 1, 1),
        D(2025, 12, 31),
    )
    assert move in {r.id for r in await registry.find(store, municipality="Vestby")}


async def test_exists_tells_whether_the_view_knows_a_partnership(read_side: ReadSide) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead)
    assert await registry.exists(store, pid) is False  # not projected yet
    await read_side.sync()
    assert await registry.exists(store, pid) is True
    assert await registry.exists(store, lead) is False
    assert await registry.exists(store, uuid4()) is False


async def test_searching_ignores_the_case_of_danish_letters(read_side: ReadSide) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse Ærø", Sector.HEALTH)
    pid = partnership(app, lead, title="Ældre i bevægelse", municipality="Ærø")
    await read_side.sync()
    assert [r.id for r in await registry.find(store, municipality="ærø")] == [pid]
    assert [r.id for r in await registry.find(store, text="ÆLDRE")] == [pid]


async def test_searching_for_a_percent_sign_matches_it_literally(read_side: ReadSide) -> None:
    app, store = read_side.app, read_side.store
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    smoke_free = partnership(app, lead, title="100% røgfri skoletid")
    partnership(app, lead, title="1000 skridt om dagen")
    partnership(app, lead, title="Sund By Vest")
    await read_side.sync()
    assert [r.id for r in await registry.find(store, text="100%")] == [smoke_free]
    assert [r.title for r in await registry.find(store, text="d_b")] == []
