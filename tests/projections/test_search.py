"""Registry search: facets, partner sectors, ladder level and anchoring on any date; pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates import Registry
from aggregates.taxonomy import AnchoringStatus, Dimension, Rung, Sector
from projections import search
from projections.access import Visibility
from projections.core import InvalidQuery
from services.application import Tvaers
from services.commands import (
    CorrectDate,
    EvidenceFields,
    JoinPartner,
    LeavePartner,
    MoveOnLadder,
    RecordMilestone,
    RegisterPartnership,
    UpdateRegistry,
)
from tests.commands import execute
from tests.projections.support import ReadSide, created, meta, organisation

EVERYTHING = Visibility.everything()  # an administrator's view: no filter

D = date
LATE = D(2024, 8, 1)


def register(app: Tvaers, lead: UUID, registry: Registry, day: date) -> UUID:
    return created(
        execute(app, RegisterPartnership.of(registry, lead_organisation_id=lead), meta(day))
    )


def anchored(app: Tvaers, pid: UUID, dimension: Dimension, day: date) -> int:
    return execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=dimension,
            status=AnchoringStatus.ANCHORED,
            title=f"{dimension.label_da} forankret",
            evidence=EvidenceFields(text="Referat"),
        ),
        meta(day),
    ).version


@dataclass
class World:
    side: ReadSide
    sund: UUID  # Sundeborg: jobcentre and DGI; operations anchored 1 June
    smoke: UUID  # Sundeborg: school; a patient association from 1 February to 1 April
    aero: UUID  # Ærø, led by the elderly department; a sports club
    work: UUID  # Vestby, registered 1 July
    dgi_move: int  # version of DGI's move to rung 4 on 1 May


@pytest.fixture
def world(read_side: ReadSide) -> World:
    app = read_side.app
    health = organisation(app, "Sundhed og Forebyggelse Sundeborg", Sector.HEALTH)
    elderly = organisation(app, "Ældre og Omsorg Ærø", Sector.ELDERLY)
    job = organisation(app, "Jobcenter Sundeborg", Sector.EMPLOYMENT)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    school = organisation(app, "Sundeborg Skole", Sector.CHILDREN_YOUTH)
    patients = organisation(app, "Kræftens Bekæmpelse", Sector.PATIENT_ASSOCIATION)
    club = organisation(app, "Ærø IF", Sector.SPORTS_CLUB)
    sund = register(
        app,
        health,
        Registry(
            title="Sund By Sundeborg",
            municipality="Sundeborg",
            purpose="Flere ledige i job",
            tags=("Motion", "Beskæftigelse"),
            target_groups=("Ledige",),
            arenas=("Jobcenter",),
        ),
        D(2024, 1, 1),
    )
    smoke = register(
        app,
        health,
        Registry(
            title="Røgfri Fremtid",
            municipality="Sundeborg",
            purpose="Færre unge ryger",
            tags=("Rygning", "unge", "Unge"),
            target_groups=("Unge",),
            arenas=("Skole",),
        ),
        D(2024, 1, 1),
    )
    aero = register(
        app,
        elderly,
        Registry(
            title="Ældre i bevægelse",
            municipality="Ærø",
            tags=("motion",),
            target_groups=("Ældre",),
            arenas=("Ældrecenter",),
        ),
        D(2024, 3, 1),
    )
    work = register(
        app,
        health,
        Registry(title="Sunde Arbejdspladser", municipality="Vestby", tags=("100% røgfri",)),
        D(2024, 7, 1),
    )
    execute(
        app,
        JoinPartner(partnership_id=sund, organisation_id=job, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=sund, organisation_id=dgi, rung=Rung.MUTUAL_REFERRAL),
        meta(D(2024, 1, 10)),
    )
    dgi_move = execute(
        app,
        MoveOnLadder(
            partnership_id=sund,
            organisation_id=dgi,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Fælles hold",
        ),
        meta(D(2024, 5, 1)),
    ).version
    execute(
        app,
        JoinPartner(partnership_id=smoke, organisation_id=school, rung=Rung.KNOW_EACH_OTHER),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=smoke, organisation_id=patients, rung=Rung.DIALOGUE),
        meta(D(2024, 2, 1)),
    )
    execute(app, LeavePartner(partnership_id=smoke, organisation_id=patients), meta(D(2024, 4, 1)))
    execute(
        app,
        JoinPartner(partnership_id=aero, organisation_id=club, rung=Rung.DIALOGUE),
        meta(D(2024, 3, 5)),
    )
    anchored(app, sund, Dimension.OPERATIONS, D(2024, 6, 1))
    anchored(app, smoke, Dimension.POLITICAL, D(2024, 3, 1))
    return World(read_side, sund, smoke, aero, work, dgi_move)


async def ids(world: World, **query: object) -> list[UUID]:
    query.setdefault("as_of", LATE)
    query.setdefault("visible", EVERYTHING)
    page = await search.search(world.side.store, **query)  # type: ignore[arg-type]
    return [hit.id for hit in page.hits]


async def test_search_filters_by_registry_fields_partners_rungs_and_anchoring(
    world: World,
) -> None:
    await world.side.sync()
    w = world
    assert await ids(w) == [w.smoke, w.sund, w.work, w.aero]  # by municipality, then title
    assert await ids(w, municipality="ærø") == [w.aero]
    assert await ids(w, tag="MOTION") == [w.sund, w.aero]
    assert await ids(w, tag="mot") == []  # a tag matches whole
    assert await ids(w, target_group="unge") == [w.smoke]
    assert await ids(w, text="røgfri") == [w.smoke, w.work]  # a title, a tag
    assert await ids(w, text="100%") == [w.work]
    assert await ids(w, text="1_0") == []
    assert await ids(w, text="JOBCENTER") == [w.sund]  # an arena
    # Sectors of the partners on the date; the lead organisation counts.
    assert await ids(w, sector=Sector.EMPLOYMENT) == [w.sund]
    assert await ids(w, sector=Sector.HEALTH) == [w.smoke, w.sund, w.work]
    assert await ids(w, sector=Sector.ELDERLY) == [w.aero]
    assert await ids(w, sector=Sector.PATIENT_ASSOCIATION, as_of=D(2024, 3, 1)) == [w.smoke]
    assert await ids(w, sector=Sector.PATIENT_ASSOCIATION) == []  # left on 1 April
    # The highest rung of any partner on the date.
    assert await ids(w, min_rung=4) == [w.sund]
    assert await ids(w, min_rung=4, as_of=D(2024, 4, 1)) == []
    assert await ids(w, min_rung=3, as_of=D(2024, 4, 1)) == [w.sund]
    assert await ids(w, min_rung=2) == [w.sund, w.aero]
    assert await ids(w, min_rung=1, as_of=D(2024, 3, 1)) == [w.smoke, w.sund]
    assert await ids(w, min_rung=1) == [w.smoke, w.sund, w.aero]
    # Dimensions anchored by the date.
    assert await ids(w, dimension=Dimension.OPERATIONS) == [w.sund]
    assert await ids(w, dimension=Dimension.OPERATIONS, as_of=D(2024, 5, 1)) == []
    assert await ids(w, dimension=Dimension.POLITICAL) == [w.smoke]
    # Together, and on a date before two of the partnerships were registered.
    assert await ids(w, municipality="Sundeborg", sector=Sector.EMPLOYMENT, min_rung=2) == [w.sund]
    assert await ids(w, as_of=D(2024, 2, 15)) == [w.smoke, w.sund]

    page = await search.search(w.side.store, visible=EVERYTHING, as_of=LATE, tag="motion")
    assert page.as_of == LATE
    hit = page.hits[0]
    assert (hit.title, hit.municipality, hit.tags, hit.target_groups, hit.arenas) == (
        "Sund By Sundeborg",
        "Sundeborg",
        ["Beskæftigelse", "Motion"],
        ["Ledige"],
        ["Jobcenter"],
    )
    assert hit.sectors == [Sector.HEALTH, Sector.EMPLOYMENT, Sector.SPORTS_ORGANISATION]
    assert (hit.highest_rung, hit.anchored) == (Rung.INFORMAL_COOPERATION, [Dimension.OPERATIONS])
    [smoke] = (
        await search.search(
            w.side.store, visible=EVERYTHING, as_of=D(2024, 3, 1), text="røgfri fremtid"
        )
    ).hits
    assert smoke.tags == ["Rygning", "unge"]  # "Unge" and "unge" are one tag
    assert smoke.sectors == [Sector.HEALTH, Sector.CHILDREN_YOUTH, Sector.PATIENT_ASSOCIATION]
    assert (smoke.highest_rung, smoke.anchored) == (Rung.DIALOGUE, [Dimension.POLITICAL])


async def test_corrections_and_registry_updates_change_what_search_finds(world: World) -> None:
    app, w = world.side.app, world
    await w.side.sync()
    assert await ids(w, min_rung=4, as_of=D(2024, 4, 1)) == []
    # Back-dated: DGI's move to rung 4 really happened on 1 March.
    execute(
        app,
        CorrectDate(
            partnership_id=w.sund, corrects_version=w.dgi_move, corrected_valid_on=D(2024, 3, 1)
        ),
        meta(D(2024, 8, 1), reason="Referat"),
    )
    execute(
        app,
        UpdateRegistry.of(
            Registry(
                title="Røgfri Fremtid",
                municipality="Sundeborg",
                tags=("Sundhed",),
                arenas=("Skole",),
            ),
            partnership_id=w.smoke,
        ),
        meta(D(2024, 8, 1)),
    )
    await w.side.sync()
    assert await ids(w, min_rung=4, as_of=D(2024, 4, 1)) == [w.sund]
    assert await ids(w, tag="rygning") == []
    assert await ids(w, tag="sundhed") == [w.smoke]
    assert await ids(w, target_group="unge") == []


async def test_search_pages_with_an_opaque_cursor_and_bounds_its_parameters(
    world: World,
) -> None:
    store = world.side.store
    await world.side.sync()
    seen: list[UUID] = []
    cursor = None
    pages = 0
    while True:
        page = await search.search(store, visible=EVERYTHING, as_of=LATE, limit=3, cursor=cursor)
        seen += [hit.id for hit in page.hits]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
        assert "Sundeborg" not in cursor  # opaque
    assert pages == 2
    assert seen == await ids(world)
    first = await search.search(store, visible=EVERYTHING, as_of=LATE, tag="motion", limit=1)
    assert [h.id for h in first.hits] == [world.sund]
    assert first.next_cursor is not None
    second = await search.search(
        store, visible=EVERYTHING, as_of=LATE, tag="motion", limit=1, cursor=first.next_cursor
    )
    assert ([h.id for h in second.hits], second.next_cursor) == ([world.aero], None)
    for bad in ({"cursor": "not-a-cursor"}, {"cursor": "WyJhIl0"}, {"limit": 0}, {"limit": 201}):
        with pytest.raises(InvalidQuery):
            await search.search(store, visible=EVERYTHING, **bad)  # type: ignore[arg-type, unused-ignore]
    with pytest.raises(InvalidQuery):
        await search.search(store, visible=EVERYTHING, min_rung=7)
