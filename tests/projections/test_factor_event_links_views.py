"""The views of factors linked to events (issue 15 finding 8), on SQLite and PostgreSQL:
the anchoring view's links, the story (each factor with the events it is linked to, cited
by their number; every sentence with what it changed from) and the cross-case tables (the
kind of event a barrier came from)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates.taxonomy import (
    AnchoringStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    Rung,
    Sector,
)
from projections import anchoring, crosscase, story
from projections.access import Visibility
from services.commands import (
    CorrectDate,
    EvidenceFields,
    JoinPartner,
    LeavePartner,
    LinkFactorToEvent,
    RecordFactor,
    RecordMilestone,
)
from tests.commands import execute
from tests.projections.support import ReadSide, created, meta, organisation, partnership

D = date


@dataclass
class Case:
    side: ReadSide
    pid: UUID
    club: UUID
    joined: int  # the versions of the club's joining and leaving
    left: int


@pytest.fixture
def case(read_side: ReadSide) -> Case:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    club = organisation(app, "Sundeborg Idrætsforening", Sector.SPORTS_CLUB)
    pid = partnership(app, lead)
    joined = execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=club, rung=Rung.DIALOGUE, evidence="Møde"),
        meta(D(2024, 2, 1)),
    )
    left = execute(app, LeavePartner(partnership_id=pid, organisation_id=club), meta(D(2024, 6, 1)))
    return Case(read_side, pid, club, joined.version, left.version)


def _barrier(case: Case, *versions: int) -> UUID:
    return created(
        execute(
            case.side.app,
            RecordFactor(
                partnership_id=case.pid,
                origin=FactorOrigin.INTERNAL,
                effect=FactorEffect.BARRIER,
                description="Foreningen mistede sine trænere",
                event_versions=list(versions),
            ),
            meta(D(2024, 6, 15)),
        )
    )


async def test_the_anchoring_view_and_the_story_show_what_a_factor_came_from(case: Case) -> None:
    app, store = case.side.app, case.side.store
    factor = _barrier(case, case.left)
    linked = execute(
        app,
        LinkFactorToEvent(partnership_id=case.pid, factor_id=factor, event_version=case.joined),
        meta(D(2024, 7, 1)),
    )
    await case.side.sync()

    [view] = await anchoring.factors(store, case.pid)
    assert view.event_versions == [case.joined, case.left]

    told = await story.story(store, case.pid)
    [barrier] = told.unlinked_factors  # linked to no milestone
    assert [(e.version, e.ref) for e in barrier.linked] == [
        (case.joined, f"#{case.joined}"),
        (case.left, f"#{case.left}"),
    ]
    assert barrier.linked[1].summary == (
        "Sundeborg Idrætsforening udtrådt som partner (stod på trin 2)"
    )
    assert barrier.linked[1].kind_da == "partner udtrådt"
    assert barrier.linked[1].summary_en.startswith("Sundeborg Idrætsforening left")
    assert linked.version in [e.version for e in barrier.events]  # the link, cited
    cited = [e.version for e in told.sources]
    assert {case.joined, case.left, linked.version} <= set(cited)
    assert cited == sorted(cited)


async def test_the_story_says_what_a_correction_changed_from(case: Case) -> None:
    app, store = case.side.app, case.side.store
    milestone = execute(
        app,
        RecordMilestone(
            partnership_id=case.pid,
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.STARTED,
            title="Udvalget vedtog en politik",
            evidence=EvidenceFields(text="Referat"),
        ),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        CorrectDate(
            partnership_id=case.pid,
            corrects_version=milestone.version,
            corrected_valid_on=D(2024, 2, 20),
        ),
        meta(D(2024, 3, 2)),
    )
    await case.side.sync()
    told = await story.story(store, case.pid)
    [entry] = told.dimensions[0].entries
    correction = entry.events[-1]
    assert correction.kind == "DateCorrected"
    assert "fra 01.03.2024 til 20.02.2024" in correction.summary, correction.summary
    assert "Udvalget vedtog en politik" in correction.summary


async def test_the_crosscase_tables_show_the_kind_of_event_a_barrier_came_from(
    case: Case,
) -> None:
    _barrier(case, case.left)
    await case.side.sync()
    tables = await crosscase.crosscase(
        case.side.store, visible=Visibility.everything(), as_of=D(2024, 12, 31)
    )
    [source] = tables.factor_sources
    assert (source.effect, source.kind, source.kind_label, source.total_count) == (
        FactorEffect.BARRIER,
        "PartnerLeft",
        "partner udtrådt",
        1,
    )
    [row] = tables.factors
    assert (row.linked_kinds, row.linked_to) == (["PartnerLeft"], ["partner udtrådt"])
