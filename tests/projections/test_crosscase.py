"""Cross-case tables, checked against counts made by hand on four small partnerships.

- P1 "Sund By", Sundeborg, starts 1 Jan 2024; lead: health (Sundeborg). Partners: jobcentre
  (rung 2, 3 from 1 Mar), DGI (2; 5 from 1 Apr by a signed cooperation agreement),
  volunteers (1). Anchored: political 10 Apr (100 days), operations 1 Jul (182 days).
- P2 "Røgfri Fremtid", Sundeborg, no period: starts with its registration, 1 Feb; lead:
  health (Sundeborg). Partners: school (3), patient association (4, left 1 Jun).
  Anchored: political 1 May (90 days); a method milestone corrected from anchored to
  partial.
- P3 "Ældre i bevægelse", Ærø, starts 1 Mar; lead: elderly (Ærø). Partners: sports club
  (2), health Ærø (4). Anchored: operations 28 Sep (211 days; recorded as 15 Oct, then
  the date corrected), and again 1 Nov (the first counts).
- P4 "Bevæg dig", Vestby, registered 1 Jan 2025; lead: health (Sundeborg). Partner:
  jobcentre (1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates import Registry
from aggregates.taxonomy import AnchoringStatus, Dimension, Rung, Sector
from projections import crosscase
from projections.access import Visibility
from services.application import CommandResult, Tvaers
from services.commands import (
    CorrectDate,
    CorrectMilestone,
    EvidenceFields,
    JoinPartner,
    LeavePartner,
    MoveOnLadder,
    RecordMilestone,
    RegisterPartnership,
)
from tests.commands import execute
from tests.projections.support import ReadSide, created, meta, organisation, signed_agreement

EVERYTHING = Visibility.everything()  # an administrator's view: no filter

D = date


def register(app: Tvaers, lead: UUID, registry: Registry, day: date) -> UUID:
    return created(
        execute(app, RegisterPartnership.of(registry, lead_organisation_id=lead), meta(day))
    )


def milestone(
    app: Tvaers, pid: UUID, dimension: Dimension, status: AnchoringStatus, day: date
) -> CommandResult:
    return execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=dimension,
            status=status,
            title=f"{dimension.label_da}: {status.label_da}",
            evidence=EvidenceFields(text="Referat"),
        ),
        meta(day),
    )


@dataclass
class Cases:
    side: ReadSide
    p1: UUID
    p2: UUID
    p3: UUID
    p4: UUID


@pytest.fixture
def cases(read_side: ReadSide) -> Cases:
    app = read_side.app
    health = organisation(app, "Sundhed og Forebyggelse Sundeborg", Sector.HEALTH)
    elderly = organisation(app, "Ældre og Omsorg Ærø", Sector.ELDERLY)
    health_aero = organisation(app, "Sundhed Ærø", Sector.HEALTH)
    job = organisation(app, "Jobcenter Sundeborg", Sector.EMPLOYMENT)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    volunteers = organisation(app, "Frivilligcenter Sundeborg", Sector.VOLUNTARY)
    school = organisation(app, "Sundeborg Skole", Sector.CHILDREN_YOUTH)
    patients = organisation(app, "Kræftens Bekæmpelse", Sector.PATIENT_ASSOCIATION)
    club = organisation(app, "Ærø IF", Sector.SPORTS_CLUB)
    a, o, s = AnchoringStatus.ANCHORED, Dimension.OPERATIONS, AnchoringStatus.STARTED

    p1 = register(
        app,
        health,
        Registry(title="Sund By", municipality="Sundeborg", period_start=D(2024, 1, 1)),
        D(2024, 1, 1),
    )
    execute(
        app,
        JoinPartner(partnership_id=p1, organisation_id=job, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=p1, organisation_id=dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=p1, organisation_id=volunteers, rung=Rung.KNOW_EACH_OTHER),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=p1,
            organisation_id=job,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    signed_agreement(
        app,
        p1,
        health,
        [dgi],
        valid_from=D(2024, 4, 1),
        valid_to=D(2025, 3, 31),
        signed_on=D(2024, 4, 1),
    )
    milestone(app, p1, Dimension.POLITICAL, a, D(2024, 4, 10))
    milestone(app, p1, o, a, D(2024, 7, 1))

    p2 = register(
        app, health, Registry(title="Røgfri Fremtid", municipality="Sundeborg"), D(2024, 2, 1)
    )
    execute(
        app,
        JoinPartner(partnership_id=p2, organisation_id=school, rung=Rung.MUTUAL_REFERRAL),
        meta(D(2024, 2, 1)),
    )
    execute(
        app,
        JoinPartner(partnership_id=p2, organisation_id=patients, rung=Rung.INFORMAL_COOPERATION),
        meta(D(2024, 2, 1)),
    )
    execute(app, LeavePartner(partnership_id=p2, organisation_id=patients), meta(D(2024, 6, 1)))
    milestone(app, p2, Dimension.POLITICAL, a, D(2024, 5, 1))
    method = milestone(app, p2, Dimension.METHOD, a, D(2024, 6, 1))
    execute(
        app,
        CorrectMilestone(
            partnership_id=p2,
            corrects_version=method.version,
            dimension=Dimension.METHOD,
            status=AnchoringStatus.PARTIAL,
            title="Værktøjskasse i brug",
            evidence=EvidenceFields(text="Kun i to af fem skoler"),
        ),
        meta(D(2024, 7, 1), reason="Overvurderet"),
    )

    p3 = register(
        app,
        elderly,
        Registry(title="Ældre i bevægelse", municipality="Ærø", period_start=D(2024, 3, 1)),
        D(2024, 3, 1),
    )
    execute(
        app,
        JoinPartner(partnership_id=p3, organisation_id=club, rung=Rung.DIALOGUE),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        JoinPartner(partnership_id=p3, organisation_id=health_aero, rung=Rung.INFORMAL_COOPERATION),
        meta(D(2024, 3, 1)),
    )
    milestone(app, p3, Dimension.POLITICAL, s, D(2024, 4, 1))
    anchored = milestone(app, p3, o, a, D(2024, 10, 15))
    milestone(app, p3, o, a, D(2024, 11, 1))  # anchored again: the first one counts
    # Back-dated correction: it happened on 28 September.
    execute(
        app,
        CorrectDate(
            partnership_id=p3, corrects_version=anchored.version, corrected_valid_on=D(2024, 9, 28)
        ),
        meta(D(2024, 11, 5), reason="Referat"),
    )

    p4 = register(app, health, Registry(title="Bevæg dig", municipality="Vestby"), D(2025, 1, 1))
    execute(app, JoinPartner(partnership_id=p4, organisation_id=job), meta(D(2025, 1, 5)))
    return Cases(read_side, p1, p2, p3, p4)


def rows(table: list[crosscase.SectorRow]) -> dict[Sector, tuple[list[UUID], list[UUID]]]:
    """The rows that have any partnership: sector → (partnerships, where it is the lead)."""
    return {r.sector: (r.partnerships, r.lead_in) for r in table if r.partnerships}


async def test_the_tables_at_the_end_of_2024_match_the_hand_count(cases: Cases) -> None:
    c = cases
    await c.side.sync()
    tables = await crosscase.crosscase(c.side.store, visible=EVERYTHING, as_of=D(2024, 12, 31))

    order = [c.p2, c.p1, c.p3]  # Sundeborg (by title), then Ærø; P4 did not exist yet
    assert [p.id for p in tables.partnerships] == order
    assert [(p.title, p.start, p.highest_rung, p.anchored) for p in tables.partnerships] == [
        ("Røgfri Fremtid", D(2024, 2, 1), Rung.INFORMAL_COOPERATION, [Dimension.POLITICAL]),
        (
            "Sund By",
            D(2024, 1, 1),
            Rung.COOPERATION_AGREEMENT,
            [Dimension.POLITICAL, Dimension.OPERATIONS],
        ),
        ("Ældre i bevægelse", D(2024, 3, 1), Rung.INFORMAL_COOPERATION, [Dimension.OPERATIONS]),
    ]
    assert tables.partnerships[1].highest_rung_label == "samarbejdsaftale"
    # Figure 1: municipal departments; the lead organisation counts and is marked.
    assert rows(tables.municipal) == {
        Sector.HEALTH: ([c.p2, c.p1, c.p3], [c.p2, c.p1]),
        Sector.EMPLOYMENT: ([c.p1], []),
        Sector.CHILDREN_YOUTH: ([c.p2], []),
        Sector.ELDERLY: ([c.p3], [c.p3]),
    }
    assert [r.sector for r in tables.municipal] == [
        s for s in Sector if s.group.value == "municipal"
    ]
    health = tables.municipal[0]
    assert (health.label, health.count) == ("sundhed og forebyggelse", 3)
    # Figure 2: kinds of external partner (the patient association left on 1 June).
    assert rows(tables.external) == {
        Sector.SPORTS_CLUB: ([c.p3], []),
        Sector.VOLUNTARY: ([c.p1], []),
        Sector.SPORTS_ORGANISATION: ([c.p1], []),
    }
    assert len(tables.municipal) + len(tables.external) == len(Sector)
    assert {r.rung: r.partnerships for r in tables.rungs if r.partnerships} == {
        Rung.INFORMAL_COOPERATION: [c.p2, c.p3],
        Rung.COOPERATION_AGREEMENT: [c.p1],
    }
    dimensions = {d.dimension: d for d in tables.dimensions}
    political = dimensions[Dimension.POLITICAL]
    assert (political.label, political.count, political.median_days) == ("politisk", 2, 95.0)
    assert [(d.partnership_id, d.anchored_on, d.days) for d in political.days] == [
        (c.p2, D(2024, 5, 1), 90),
        (c.p1, D(2024, 4, 10), 100),
    ]
    operations = dimensions[Dimension.OPERATIONS]
    assert [(d.partnership_id, d.days) for d in operations.days] == [(c.p1, 182), (c.p3, 211)]
    assert (operations.label, operations.median_days) == ("drift", 196.5)
    assert (dimensions[Dimension.METHOD].count, dimensions[Dimension.METHOD].median_days) == (
        0,
        None,
    )


async def test_the_tables_on_earlier_dates_and_for_chosen_partnerships(cases: Cases) -> None:
    c = cases
    store = c.side.store
    await c.side.sync()

    may = await crosscase.crosscase(store, visible=EVERYTHING, as_of=D(2024, 5, 15))
    assert rows(may.external)[Sector.PATIENT_ASSOCIATION] == ([c.p2], [])
    assert [(p.id, p.highest_rung) for p in may.partnerships] == [
        (c.p2, Rung.INFORMAL_COOPERATION),
        (c.p1, Rung.COOPERATION_AGREEMENT),
        (c.p3, Rung.INFORMAL_COOPERATION),
    ]
    dimensions = {d.dimension: d for d in may.dimensions}
    assert (
        dimensions[Dimension.POLITICAL].median_days,
        dimensions[Dimension.OPERATIONS].count,
    ) == (
        95.0,
        0,
    )

    february = await crosscase.crosscase(store, visible=EVERYTHING, as_of=D(2024, 2, 15))
    assert [(p.id, p.highest_rung) for p in february.partnerships] == [
        (c.p2, Rung.INFORMAL_COOPERATION),
        (c.p1, Rung.DIALOGUE),
    ]
    # Before the date correction was known the anchoring would have been on 15 October;
    # the view shows what the registry says now: 28 September.
    october = await crosscase.crosscase(
        store, visible=EVERYTHING, as_of=D(2024, 10, 1), partnership_ids=[c.p3]
    )
    assert [(d.partnership_id, d.anchored_on) for d in october.dimensions[2].days] == [
        (c.p3, D(2024, 9, 28))
    ]

    chosen = await crosscase.crosscase(
        store, visible=EVERYTHING, as_of=D(2025, 2, 1), partnership_ids=[c.p4, c.p1]
    )
    assert [(p.id, p.start, p.highest_rung) for p in chosen.partnerships] == [
        (c.p1, D(2024, 1, 1), Rung.COOPERATION_AGREEMENT),
        (c.p4, D(2025, 1, 1), Rung.KNOW_EACH_OTHER),
    ]
    assert rows(chosen.municipal) == {
        Sector.HEALTH: ([c.p1, c.p4], [c.p1, c.p4]),
        Sector.EMPLOYMENT: ([c.p1, c.p4], []),
    }
    empty = await crosscase.crosscase(store, visible=EVERYTHING, partnership_ids=[])
    assert empty.partnerships == []
    sector_counts = {r.count for r in (*empty.municipal, *empty.external)}
    assert sector_counts | {r.count for r in empty.rungs} == {0}
    assert {d.median_days for d in empty.dimensions} == {None}
