"""Audit history: every event with actor, reason, dates and correlation id; Danish summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from aggregates import Contact
from aggregates.taxonomy import (
    ActivityStatus,
    AnchoringStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)
from projections import audit, directory, roles
from projections.core import InvalidQuery, encode_cursor
from projections.history import Group
from services.commands import (
    AppointSteeringMember,
    AssignRole,
    ChangeActivityStatus,
    ChangePersonContact,
    CorrectDate,
    ErasePerson,
    EvidenceFields,
    HandOverRole,
    JoinPartner,
    LaunchActivity,
    LeavePartner,
    LinkFactor,
    MoveOnLadder,
    RecordFactor,
    RecordFollowUp,
    RecordMilestone,
    ScheduleFollowUp,
    StepDownSteeringMember,
    TerminateAgreement,
    VacateRole,
)
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    instant,
    meta,
    organisation,
    partnership,
    person,
    signed_agreement,
    view_contents,
)

D = date
LEADER = "tovholder@svendborg.dk"
EVALUATOR = "evaluator@cowi.dk"


@dataclass
class Story:
    """A partnership with a little of everything, written by two actors."""

    side: ReadSide
    lead: UUID
    dgi: UUID
    anna: UUID
    pid: UUID
    other_pid: UUID
    agreement_id: UUID
    evaluator_from: datetime


@pytest.fixture
def story(read_side: ReadSide) -> Story:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    anna = person(app, "Anna Jensen", dgi)
    pid = partnership(app, lead, title="Sund By Sundeborg")
    other_pid = partnership(app, lead, title="Røgfri Fremtid")
    decision = uuid4()
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10), reason="Kick-off", correlation_id=decision),
    )
    execute(app, JoinPartner(partnership_id=other_pid, organisation_id=dgi), meta(D(2024, 1, 12)))
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=anna, seat=SeatRole.CHAIR),
        meta(D(2024, 1, 15), correlation_id=decision),
    )
    execute(
        app,
        AssignRole(partnership_id=pid, role=RoleKind.COORDINATOR, person_id=anna),
        meta(D(2024, 1, 20)),
    )
    agreement_id = signed_agreement(
        app,
        pid,
        lead,
        [dgi],
        valid_from=D(2024, 3, 1),
        valid_to=D(2025, 2, 28),
        signed_on=D(2024, 2, 20),
    )
    evaluator_from = instant()
    execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.STARTED,
            title="Byrådsbeslutning",
            evidence=EvidenceFields(text="Referat"),
        ),
        meta(D(2024, 4, 1), actor=EVALUATOR, reason="Fra evalueringen"),
    )
    execute(
        app,
        RecordFactor(
            partnership_id=pid,
            origin=FactorOrigin.EXTERNAL,
            effect=FactorEffect.PROMOTING,
            description="Ny rygelov",
        ),
        meta(D(2024, 4, 2), actor=EVALUATOR),
    )
    return Story(read_side, lead, dgi, anna, pid, other_pid, agreement_id, evaluator_from)


async def everything(
    side: ReadSide, where: audit.AuditFilter | None = None
) -> list[audit.AuditEntry]:
    page = await audit.history(side.store, where or audit.AuditFilter(), limit=10_000)
    assert page.next_cursor is None
    return page.entries


async def test_every_write_appears_with_actor_reason_dates_and_correlation_id(story: Story) -> None:
    side = story.side
    await side.sync()
    events = list(side.app.iter_all_events())
    entries = await everything(side)

    def expected(e: Any) -> tuple[Any, ...]:
        return (
            e.originator_id,
            e.originator_version,
            type(e).__name__,
            e.actor,
            e.reason,
            e.valid_on,
            e.timestamp,
            e.correlation_id,
        )

    got = [
        (
            x.aggregate_id,
            x.version,
            x.kind,
            x.actor,
            x.reason,
            x.valid_on,
            x.recorded_at,
            x.correlation_id,
        )
        for x in entries
    ]
    newest_first = sorted(events, key=lambda e: (e.timestamp, str(e.originator_id)), reverse=True)
    assert got == [expected(e) for e in newest_first]
    assert len(entries) == 18  # 16 changes, and the two signatories registered as persons
    types = {x.kind: x.aggregate_type for x in entries}
    assert types["PartnerJoined"] == "partnership"
    assert types["PartySigned"] == "agreement"
    assert types["FactorRecorded"] == "partnership"
    joined = [x for x in entries if x.kind == "PartnerJoined" and x.partnership_id == story.pid]
    appointed = [x for x in entries if x.kind == "SteeringMemberAppointed"]
    assert joined[0].reason == "Kick-off"
    assert joined[0].correlation_id == appointed[0].correlation_id  # one steering decision


async def test_agreement_events_are_attributed_to_their_partnership(story: Story) -> None:
    side = story.side
    await side.sync()
    mine = await everything(side, audit.AuditFilter(partnership_id=story.pid))
    agreement_entries = [x for x in mine if x.aggregate_id == story.agreement_id]
    assert sorted((x.version, x.kind) for x in agreement_entries) == [
        (1, "Drafted"),
        (2, "PartySigned"),
        (3, "PartySigned"),
    ]
    assert {x.partnership_id for x in agreement_entries} == {story.pid}
    assert [x.kind for x in mine if x.aggregate_id == story.pid][::-1] == [
        "Registered",
        "PartnerJoined",
        "SteeringMemberAppointed",
        "RoleAssigned",
        "AgreementBacked",
        "RungChanged",
        "MilestoneRecorded",
        "FactorRecorded",
    ]
    others = await everything(side, audit.AuditFilter(partnership_id=story.other_pid))
    assert [x.kind for x in others][::-1] == ["Registered", "PartnerJoined"]

    # Later agreement events too, recorded in a batch of their own.
    execute(
        side.app,
        TerminateAgreement(agreement_id=story.agreement_id),
        meta(D(2024, 9, 1), reason="Stopper"),
    )
    await side.sync()
    latest = await audit.history(side.store, audit.AuditFilter(partnership_id=story.pid), limit=3)
    assert [(x.aggregate_id, x.kind) for x in latest.entries] == [
        (story.pid, "RungChanged"),
        (story.pid, "AgreementEnded"),
        (story.agreement_id, "Terminated"),
    ]


async def test_filters_select_by_actor_kind_and_recorded_period(story: Story) -> None:
    side = story.side
    await side.sync()
    by_evaluator = await everything(side, audit.AuditFilter(actor=EVALUATOR))
    assert [x.kind for x in by_evaluator] == ["FactorRecorded", "MilestoneRecorded"]
    assert {x.actor for x in await everything(side, audit.AuditFilter(actor=LEADER))} == {LEADER}

    kinds = await everything(side, audit.AuditFilter(kinds=("PartnerJoined", "RungChanged")))
    assert sorted((x.kind, x.partnership_id == story.pid) for x in kinds) == [
        ("PartnerJoined", False),
        ("PartnerJoined", True),
        ("RungChanged", True),
    ]

    since = await everything(side, audit.AuditFilter(recorded_from=story.evaluator_from))
    until = await everything(side, audit.AuditFilter(recorded_to=story.evaluator_from))
    assert [x.kind for x in since] == ["FactorRecorded", "MilestoneRecorded"]
    assert len(until) == 16
    assert all(x.recorded_at < story.evaluator_from for x in until)

    combined = await everything(
        side,
        audit.AuditFilter(
            partnership_id=story.pid,
            actor=EVALUATOR,
            kinds=("MilestoneRecorded",),
            recorded_from=story.evaluator_from,
            valid_from=D(2024, 4, 1),
            valid_to=D(2024, 4, 1),
        ),
    )
    assert [(x.kind, x.valid_on, x.reason) for x in combined] == [
        ("MilestoneRecorded", D(2024, 4, 1), "Fra evalueringen")
    ]


async def test_cursor_pagination_walks_every_entry_once_newest_first(story: Story) -> None:
    side = story.side
    await side.sync()
    full = [(x.aggregate_id, x.version) for x in await everything(side)]
    for where in (audit.AuditFilter(), audit.AuditFilter(partnership_id=story.pid)):
        walked: list[tuple[UUID, int]] = []
        recorded: list[datetime] = []
        cursor: str | None = None
        pages = 0
        while True:
            page = await audit.history(side.store, where, limit=4, cursor=cursor)
            pages += 1
            assert 1 <= len(page.entries) <= 4
            walked += [(x.aggregate_id, x.version) for x in page.entries]
            recorded += [x.recorded_at for x in page.entries]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(walked) == len(set(walked))
        assert recorded == sorted(recorded, reverse=True)
        if where.partnership_id is None:
            assert walked == full
            assert pages == 5  # 18 entries, 4 per page
        else:
            assert len(walked) == 11
            assert walked == [k for k in full if k in set(walked)]
    with pytest.raises(InvalidQuery):
        await audit.history(side.store, audit.AuditFilter(), cursor="not-a-cursor")
    assert cursor is None or all(c.isalnum() or c in "-_" for c in cursor)


@pytest.mark.parametrize(
    "parts",
    [
        ["2026-11-23T05:09:35", str(uuid4()), 3],  # a time without its zone
        ["2026-11-23T05:09:35 00:00", str(uuid4()), 3],  # "+" lost in a query string
        ["2026-11-23T05:09:35+00:00", "not-a-uuid", 3],
        ["2026-11-23T05:09:35+00:00", str(uuid4()), "3"],
        ["2026-11-23T05:09:35+00:00", str(uuid4())],
    ],
)
async def test_a_cursor_that_decodes_but_is_not_ours_is_an_invalid_query(
    story: Story, parts: list[Any]
) -> None:
    with pytest.raises(InvalidQuery):
        await audit.history(story.side.store, audit.AuditFilter(), cursor=encode_cursor(*parts))


async def test_summaries_are_danish_and_name_organisations_and_persons(story: Story) -> None:
    side = story.side
    app = side.app
    bo = person(app, "Bo Nielsen", story.lead)
    position = next(iter(app.get_partnership(story.pid).roles))
    execute(
        app,
        HandOverRole(partnership_id=story.pid, position_id=UUID(position), person_id=bo),
        meta(D(2024, 5, 1)),
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=story.pid,
            organisation_id=story.dgi,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Kursus",
        ),
        # Before the agreement is in force: while it is, DGI cannot stand below rung 5.
        meta(D(2024, 2, 10)),
    )
    execute(
        app,
        CorrectDate(
            partnership_id=story.pid,
            corrects_version=moved.version,
            corrected_valid_on=D(2024, 2, 1),
        ),
        meta(),
    )
    execute(
        app,
        LeavePartner(partnership_id=story.other_pid, organisation_id=story.dgi),
        meta(D(2024, 6, 1)),
    )
    await side.sync()

    summaries = {(x.aggregate_id, x.kind): x.summary for x in await everything(side)}
    assert summaries[(story.dgi, "Registered")].startswith(
        "Organisationen DGI Sydjylland registreret"
    )
    assert summaries[(story.pid, "Registered")].startswith(
        "Partnerskabet »Sund By Sundeborg« registreret, ledet af "
    )
    assert summaries[(story.anna, "Registered")].startswith("Anna Jensen registreret ved ")
    assert (
        summaries[(story.other_pid, "PartnerJoined")]
        == "DGI Sydjylland indtrådt som partner på trin 1"
    )
    assert summaries[(story.other_pid, "PartnerLeft")].startswith(
        "DGI Sydjylland udtrådt som partner (stod på trin "
    )
    assert summaries[(story.pid, "SteeringMemberAppointed")] == (
        "Anna Jensen udpeget til styregruppen (formand)"
    )
    assert summaries[(story.pid, "RoleAssigned")].startswith("Anna Jensen (")
    assert summaries[(story.pid, "RoleAssigned")].endswith(") tildelt rollen tovholder")
    assert summaries[(story.pid, "RoleHandedOver")].startswith(
        "Rollen tovholder overdraget fra Anna Jensen til Bo Nielsen ("
    )
    assert summaries[(story.pid, "AgreementBacked")] == (
        "Aftale »Samarbejdsaftale om motion på recept« underskrevet af alle parter;"
        " gyldig 01.03.2024 - 28.02.2025"
    )
    assert summaries[(story.agreement_id, "Drafted")] == (
        "Aftaleudkast (samarbejdsaftale): »Samarbejdsaftale om motion på recept«"
    )
    assert summaries[(story.pid, "MilestoneRecorded")] == (
        "Forankring (politisk, påbegyndt): Byrådsbeslutning"
    )
    assert summaries[(story.pid, "FactorRecorded")] == "Faktor (fremmende): Ny rygelov"
    # the corrected entry by what it says, and the date from what to what (issue 15)
    corrected = summaries[(story.pid, "DateCorrected")]
    assert corrected.startswith("Rettelse: datoen for »DGI Sydjylland flyttet fra trin ")
    assert corrected.endswith(
        "til trin 4 på partnerskabstrappen« rettet fra 10.02.2024 til 01.02.2024"
    )
    assert "hændelse" not in corrected
    signed = [x.summary for x in await everything(side) if x.kind == "PartySigned"]
    assert sorted(signed) == [
        "DGI Sydjylland har underskrevet aftalen »Samarbejdsaftale om motion på recept« "
        "ved Mette Holm",
        "Sundhed og Forebyggelse har underskrevet aftalen »Samarbejdsaftale om motion på "
        "recept« ved Mette Holm",
    ]
    rungs = [x.summary for x in await everything(side) if x.kind == "RungChanged"]
    assert rungs == [  # the move, back-dated before the agreement's lift, recorded after it
        "DGI Sydjylland flyttet fra trin 5 til trin 4 på partnerskabstrappen",
        "DGI Sydjylland flyttet fra trin 2 til trin 5 på partnerskabstrappen",
    ]


async def test_sentences_name_what_an_event_names_only_by_id_in_danish_and_english(
    story: Story,
) -> None:
    """A role, a seat, an activity, a factor, a milestone and a follow-up are named, not
    only "Rolle ledig"; each entry carries its English sentence and its group."""
    side = story.side
    app = side.app
    pid = story.pid
    state = app.get_partnership(pid)
    position = UUID(next(iter(state.roles)))
    factor = UUID(next(iter(state.factors)))
    milestone = UUID(next(iter(state.milestones)))
    execute(
        app,
        LinkFactor(partnership_id=pid, factor_id=factor, milestone_id=milestone),
        meta(D(2024, 4, 3)),
    )
    execute(app, VacateRole(partnership_id=pid, position_id=position), meta(D(2024, 5, 1)))
    execute(
        app, StepDownSteeringMember(partnership_id=pid, person_id=story.anna), meta(D(2024, 5, 2))
    )
    execute(
        app,
        LaunchActivity(
            partnership_id=pid,
            title="Motion på recept",
            category=PreventionCategory.OFFER,
            owner_ids=[story.lead],
        ),
        meta(D(2024, 5, 3)),
    )
    activity = UUID(next(iter(app.get_partnership(pid).activities)))
    execute(
        app,
        ChangeActivityStatus(
            partnership_id=pid, activity_id=activity, status=ActivityStatus.RUNNING
        ),
        meta(D(2024, 5, 4)),
    )
    execute(
        app,
        ScheduleFollowUp(
            partnership_id=pid, label="Efter 6 måneder", due_on=D(2024, 11, 1), cohort=20
        ),
        meta(D(2024, 5, 5)),
    )
    follow_up = UUID(next(iter(app.get_partnership(pid).follow_ups)))
    execute(
        app,
        RecordFollowUp(partnership_id=pid, follow_up_id=follow_up, reached=18, retained=12),
        meta(D(2024, 11, 1)),
    )
    await side.sync()

    entries = {x.kind: x for x in await everything(side, audit.AuditFilter(partnership_id=pid))}
    said = {kind: (x.summary, x.summary_en, x.group) for kind, x in entries.items()}
    assert said["RoleVacated"][0].startswith("Rolle ledig: tovholder; ")
    assert said["RoleVacated"][0].endswith(" er fratrådt")
    assert said["RoleVacated"][1].startswith("Role vacant: coordinator; ")
    assert said["RoleVacated"][2] == "roles"
    assert said["SteeringMemberSteppedDown"] == (
        "Anna Jensen udtrådt af styregruppen (formand)",
        "Anna Jensen stepped down from the steering group (chair)",
        "governance",
    )
    assert said["FactorLinked"] == (
        "Faktoren »Ny rygelov« koblet til milepælen »Byrådsbeslutning«",
        'Factor "Ny rygelov" linked to the milestone "Byrådsbeslutning"',
        "anchoring",
    )
    assert said["ActivityStatusChanged"][:2] == (
        "Aktiviteten »Motion på recept« ændret fra status planlagt til i gang",
        'Activity "Motion på recept" changed from status planned to running',
    )
    assert said["FollowUpRecorded"][:2] == (
        "Opfølgning »Efter 6 måneder«: 12 af 18 fastholdt",
        'Follow-up "Efter 6 måneder": 12 of 18 retained',
    )
    assert said["PartnerJoined"] == (
        "DGI Sydjylland indtrådt som partner på trin 2",
        "DGI Sydjylland joined as a partner on rung 2",
        "partners",
    )
    assert said["Drafted"][2] == said["AgreementBacked"][2] == "agreements"

    # The group filter selects by class, not by name: an organisation's `Registered` is
    # not in the partnership's registry group.
    registry = await everything(side, audit.AuditFilter(groups=(Group.REGISTRY,)))
    assert {(x.aggregate_type, x.kind) for x in registry} == {("partnership", "Registered")}
    roles_and_ladder = await everything(
        side, audit.AuditFilter(partnership_id=pid, groups=(Group.ROLES, Group.LADDER))
    )
    assert sorted(x.kind for x in roles_and_ladder) == [
        "RoleAssigned",
        "RoleVacated",
        "RungChanged",
    ]


def test_a_sentence_falls_back_when_a_view_does_not_name_the_subject() -> None:
    """Without the roles view's answer (e.g. in the story, which reads no views), the
    shorter sentence, never a placeholder."""
    payload = {"position_id": str(uuid4())}
    assert audit.summarise("RoleVacated", payload, {}) == "Rolle ledig"
    assert audit.summarise("RoleVacated", payload, {}, locale="en") == "Role vacant"
    # A kind no event class has any more is shown as stored.
    assert audit.summarise("Vanished", {}, {}) == "Vanished"
    # The aggregate type tells apart events of the same name.
    assert audit.summarise("Registered", {"name": "DGI"}, {}, "organisation") == (
        "Organisationen DGI registreret"
    )


async def test_after_erasure_no_view_or_audit_entry_holds_the_persons_name(story: Story) -> None:
    side = story.side
    app = side.app
    karen = person(app, "Karen Kirkegaard", story.dgi, email="karen.kirkegaard@dgi.dk")
    execute(
        app,
        ChangePersonContact.of(
            Contact(name="Karen Kirkegaard Holt", email="mkh@dgi.dk", phone="+45 12 34 56 78"),
            person_id=karen,
        ),
        meta(),
    )
    execute(
        app,
        AssignRole(partnership_id=story.pid, role=RoleKind.BRIDGE_BUILDER, person_id=karen),
        meta(D(2024, 2, 1)),
    )
    execute(
        app,
        AppointSteeringMember(partnership_id=story.pid, person_id=karen, seat=SeatRole.MEMBER),
        meta(D(2024, 2, 1)),
    )
    await side.sync()
    before = [x.summary for x in await everything(side) if x.summary.startswith("Karen")]
    assert sorted(before) == [
        "Karen Kirkegaard Holt (DGI Sydjylland) tildelt rollen brobygger",
        "Karen Kirkegaard Holt registreret ved DGI Sydjylland",
        "Karen Kirkegaard Holt udpeget til styregruppen (medlem)",
    ]

    execute(
        app,
        ErasePerson(person_id=karen),
        meta(reason="Anmodning om sletning (GDPR)", actor="admin@sundeborg.dk"),
    )
    await side.sync()

    personal = ("Karen", "Kirkegaard", "karen.kirkegaard@dgi.dk", "mkh@dgi.dk", "12 34 56 78")

    def leaks(value: object) -> list[str]:
        text = msgspec.json.encode(value).decode()
        return [word for word in personal if word in text]

    for entry in await everything(side):
        assert leaks(entry) == [], entry
    assert await directory.names(side.store, [karen, story.anna]) == {
        karen: directory.ERASED_NAME,
        story.anna: "Anna Jensen",
    }
    assert directory.ERASED_NAME == "(slettet)"
    holders = {h.person_id: h.person_name for h in await roles.holdings(side.store, story.pid)}
    assert holders[karen] == "(slettet)"
    seats = {s.person_id: s.person_name for s in await roles.steering_group(side.store, story.pid)}
    assert seats[karen] == "(slettet)"
    erased = [x for x in await everything(side) if x.aggregate_id == karen]
    assert [x.summary for x in erased] == [
        "Personoplysninger slettet for en person ved DGI Sydjylland",
        "Kontaktoplysninger for (slettet) ændret",
        "(slettet) registreret ved DGI Sydjylland",
    ]
    # Nowhere in any view table, and still nowhere after replaying the log from the start.
    assert leaks(await view_contents(side.store)) == []
    await side.runner.rebuild()
    assert leaks(await view_contents(side.store)) == []
    assert await directory.names(side.store, [karen]) == {karen: "(slettet)"}


async def test_an_erased_signatorys_name_is_gone_from_the_audit_history(story: Story) -> None:
    side = story.side
    # The story's agreements were signed by people called "Mette Holm": erase them all.
    await side.sync()
    rows = await side.store.fetch("SELECT id FROM dir_persons WHERE name = ?", "Mette Holm")
    assert rows, "the story should have signatories"
    for row in rows:
        execute(
            side.app,
            ErasePerson(person_id=UUID(str(row["id"]))),
            meta(reason="Anmodning om sletning (GDPR)"),
        )
    await side.sync()
    leaking = [
        x.summary for x in await everything(side) if "Mette Holm" in msgspec.json.encode(x).decode()
    ]
    assert leaking == []
