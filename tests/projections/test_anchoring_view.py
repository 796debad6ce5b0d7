"""Anchoring (forankring) view: status per dimension over time, milestones, factors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from aggregates import Evidence
from aggregates.taxonomy import AnchoringStatus, Dimension, FactorEffect, FactorOrigin, Sector
from projections import anchoring
from services.commands import (
    CorrectDate,
    CorrectMilestone,
    EvidenceFields,
    LinkFactor,
    RecordFactor,
    RecordMilestone,
)
from tests.commands import execute
from tests.projections.support import ReadSide, instant, meta, organisation, partnership

D = date
EVALUATOR = "evaluator@cowi.dk"


@dataclass
class Anchoring:
    side: ReadSide
    pid: UUID

    def milestone(
        self,
        dimension: Dimension,
        status: AnchoringStatus,
        title: str,
        day: date,
        evidence: Evidence | None = None,
    ) -> tuple[UUID, int]:
        """Record a milestone; returns its id and the version of its event."""
        result = execute(
            self.side.app,
            RecordMilestone(
                partnership_id=self.pid,
                dimension=dimension,
                status=status,
                title=title,
                evidence=EvidenceFields.of(evidence or Evidence(text=f"Referat: {title}")),
            ),
            meta(day, actor=EVALUATOR),
        )
        assert result.created_id is not None
        return result.created_id, result.version


@pytest.fixture
def world(read_side: ReadSide) -> Anchoring:
    lead = organisation(read_side.app, "Sundhed og Forebyggelse", Sector.HEALTH)
    return Anchoring(read_side, partnership(read_side.app, lead))


def statuses(
    result: list[anchoring.DimensionStatus],
) -> dict[Dimension, tuple[str, date | None, int]]:
    return {s.dimension: (s.status.value, s.since, s.milestones) for s in result}


async def test_each_dimension_has_a_status_on_each_date(world: Anchoring) -> None:
    store = world.side.store
    world.milestone(
        Dimension.POLITICAL, AnchoringStatus.STARTED, "Udvalgsbehandling", D(2024, 2, 1)
    )
    world.milestone(Dimension.OPERATIONS, AnchoringStatus.PARTIAL, "Driftsbudget", D(2024, 6, 1))
    world.milestone(
        Dimension.POLITICAL, AnchoringStatus.ANCHORED, "Byrådsbeslutning", D(2024, 10, 1)
    )
    await world.side.sync()

    none = ("none", None, 0)
    early = await anchoring.status(world.side.store, world.pid, as_of=D(2024, 1, 31))
    assert [s.dimension for s in early] == list(Dimension)
    assert set(statuses(early).values()) == {none}
    assert statuses(await anchoring.status(store, world.pid, as_of=D(2024, 7, 1))) == {
        **{d: none for d in Dimension},
        Dimension.POLITICAL: ("started", D(2024, 2, 1), 1),
        Dimension.OPERATIONS: ("partial", D(2024, 6, 1), 1),
    }
    assert statuses(await anchoring.status(store, world.pid)) == {
        **{d: none for d in Dimension},
        Dimension.POLITICAL: ("anchored", D(2024, 10, 1), 2),
        Dimension.OPERATIONS: ("partial", D(2024, 6, 1), 1),
    }


async def test_milestones_carry_their_evidence_recorder_and_recorded_time(world: Anchoring) -> None:
    evidence = Evidence(
        text="To sundhedskonsulenter fastansat",
        link="https://sundeborg.dk/dagsorden/42",
        document_ref="SAG-2024-0042",
    )
    began = datetime.now(UTC)
    milestone_id, _ = world.milestone(
        Dimension.OPERATIONS, AnchoringStatus.ANCHORED, "Faste stillinger", D(2024, 5, 1), evidence
    )
    ended = datetime.now(UTC)
    world.milestone(Dimension.METHOD, AnchoringStatus.STARTED, "Værktøjskasse", D(2024, 3, 1))
    await world.side.sync()

    found = await anchoring.milestones(world.side.store, world.pid)
    assert [(m.title, m.valid_on) for m in found] == [
        ("Værktøjskasse", D(2024, 3, 1)),
        ("Faste stillinger", D(2024, 5, 1)),
    ]
    view = found[1]
    assert (view.milestone_id, view.dimension, view.status) == (
        milestone_id,
        Dimension.OPERATIONS,
        AnchoringStatus.ANCHORED,
    )
    assert (view.evidence, view.link, view.document_ref) == (
        "To sundhedskonsulenter fastansat",
        "https://sundeborg.dk/dagsorden/42",
        "SAG-2024-0042",
    )
    assert view.recorded_by == EVALUATOR
    assert began <= view.recorded_at <= ended
    assert view.corrected is False
    assert view.factor_ids == []
    assert await anchoring.milestones(world.side.store, world.pid, as_of=D(2024, 4, 1)) == [
        found[0]
    ]


async def test_a_milestone_correction_replaces_its_content_from_its_recording_on(
    world: Anchoring,
) -> None:
    store = world.side.store
    milestone_id, version = world.milestone(
        Dimension.POLITICAL, AnchoringStatus.ANCHORED, "Politisk mandat", D(2024, 4, 1)
    )
    before = instant()
    execute(
        world.side.app,
        CorrectMilestone(
            partnership_id=world.pid,
            corrects_version=version,
            dimension=Dimension.MANAGEMENT,
            status=AnchoringStatus.PARTIAL,
            title="Direktionens godkendelse",
            evidence=EvidenceFields(text="Direktionsreferat", document_ref="DIR-7"),
        ),
        meta(D(2024, 5, 1), actor=EVALUATOR, reason="Forkert dimension"),
    )
    await world.side.sync()

    now = await anchoring.milestones(store, world.pid)
    assert [
        (m.milestone_id, m.dimension, m.status, m.title, m.evidence, m.document_ref, m.valid_on)
        for m in now
    ] == [
        (
            milestone_id,
            Dimension.MANAGEMENT,
            AnchoringStatus.PARTIAL,
            "Direktionens godkendelse",
            "Direktionsreferat",
            "DIR-7",
            D(2024, 4, 1),
        )
    ]
    assert now[0].corrected is True
    then = await anchoring.milestones(store, world.pid, known_at=before)
    assert [(m.dimension, m.status, m.title, m.corrected) for m in then] == [
        (Dimension.POLITICAL, AnchoringStatus.ANCHORED, "Politisk mandat", False)
    ]
    now_status = statuses(await anchoring.status(store, world.pid))
    assert now_status[Dimension.POLITICAL] == ("none", None, 0)
    assert now_status[Dimension.MANAGEMENT] == ("partial", D(2024, 4, 1), 1)
    then_status = statuses(await anchoring.status(store, world.pid, known_at=before))
    assert then_status[Dimension.POLITICAL] == ("anchored", D(2024, 4, 1), 1)
    assert then_status[Dimension.MANAGEMENT] == ("none", None, 0)


async def test_a_date_correction_moves_a_milestone_in_valid_time_from_its_recording_on(
    world: Anchoring,
) -> None:
    store = world.side.store
    world.milestone(Dimension.CULTURE, AnchoringStatus.STARTED, "Fælles sprog", D(2024, 2, 1))
    _, version = world.milestone(
        Dimension.CULTURE, AnchoringStatus.PARTIAL, "Fælles værdier", D(2024, 9, 1)
    )
    before = instant()
    execute(
        world.side.app,
        CorrectDate(
            partnership_id=world.pid, corrects_version=version, corrected_valid_on=D(2024, 5, 1)
        ),
        meta(reason="Dato"),
    )
    await world.side.sync()

    jun_1 = D(2024, 6, 1)
    now = statuses(await anchoring.status(store, world.pid, as_of=jun_1))
    assert now[Dimension.CULTURE] == ("partial", D(2024, 5, 1), 2)
    then = statuses(await anchoring.status(store, world.pid, as_of=jun_1, known_at=before))
    assert then[Dimension.CULTURE] == ("started", D(2024, 2, 1), 1)
    milestones = await anchoring.milestones(store, world.pid)
    assert [(m.title, m.valid_on, m.corrected) for m in milestones] == [
        ("Fælles sprog", D(2024, 2, 1), False),
        ("Fælles værdier", D(2024, 5, 1), True),
    ]


async def test_factors_are_linked_to_milestones_when_recorded_and_later(world: Anchoring) -> None:
    app, store = world.side.app, world.side.store
    policy, _ = world.milestone(
        Dimension.POLITICAL, AnchoringStatus.STARTED, "Politik", D(2024, 2, 1)
    )
    posts, _ = world.milestone(
        Dimension.OPERATIONS, AnchoringStatus.ANCHORED, "Stillinger", D(2024, 8, 1)
    )
    law = execute(
        app,
        RecordFactor(
            partnership_id=world.pid,
            origin=FactorOrigin.EXTERNAL,
            effect=FactorEffect.PROMOTING,
            description="Ny rygelov",
            milestone_ids=[policy],
        ),
        meta(D(2024, 1, 15), actor=EVALUATOR),
    )
    turnover = execute(
        app,
        RecordFactor(
            partnership_id=world.pid,
            origin=FactorOrigin.INTERNAL,
            effect=FactorEffect.BARRIER,
            description="Udskiftning blandt medarbejdere",
        ),
        meta(D(2024, 6, 1), actor=EVALUATOR),
    )
    assert law.created_id is not None
    assert turnover.created_id is not None
    before_link = instant()
    execute(
        app,
        LinkFactor(partnership_id=world.pid, factor_id=law.created_id, milestone_id=posts),
        meta(D(2024, 8, 1)),
    )
    await world.side.sync()

    factors = await anchoring.factors(store, world.pid)
    assert [
        (f.factor_id, f.origin, f.effect, f.description, f.valid_on, f.recorded_by, f.milestone_ids)
        for f in factors
    ] == [
        (
            law.created_id,
            FactorOrigin.EXTERNAL,
            FactorEffect.PROMOTING,
            "Ny rygelov",
            D(2024, 1, 15),
            EVALUATOR,
            sorted([policy, posts], key=str),
        ),
        (
            turnover.created_id,
            FactorOrigin.INTERNAL,
            FactorEffect.BARRIER,
            "Udskiftning blandt medarbejdere",
            D(2024, 6, 1),
            EVALUATOR,
            [],
        ),
    ]
    milestones = {
        m.milestone_id: m.factor_ids for m in await anchoring.milestones(store, world.pid)
    }
    assert milestones == {policy: [law.created_id], posts: [law.created_id]}

    then = await anchoring.factors(store, world.pid, known_at=before_link)
    assert [(f.factor_id, f.milestone_ids) for f in then] == [
        (law.created_id, [policy]),
        (turnover.created_id, []),
    ]
    early = await anchoring.factors(store, world.pid, as_of=D(2024, 3, 1))
    assert [f.factor_id for f in early] == [law.created_id]
    before_any = datetime.now(UTC) - timedelta(days=1)
    assert await anchoring.factors(store, world.pid, known_at=before_any) == []
