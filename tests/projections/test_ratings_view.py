"""Self-assessment view: ratings per dimension over time on two time axes, beside the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest

from aggregates.errors import NotFound, PersonErased
from aggregates.taxonomy import AnchoringStatus, Dimension, Sector
from projections import anchoring, audit, ratings
from projections.audit import AuditFilter
from projections.directory import ERASED_NAME
from projections.ratings import FlagKind
from services.commands import (
    CorrectDate,
    ErasePerson,
    EvidenceFields,
    RateAnchoring,
    RecordMilestone,
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
CHAIR = "formand@sundeborg.dk"


@dataclass
class World:
    side: ReadSide
    pid: UUID
    chair: UUID

    def rate(
        self,
        dimension: Dimension,
        value: int,
        day: date,
        *,
        comment: str = "",
        rated_by: UUID | None = None,
    ) -> tuple[UUID, int]:
        """Rate; returns the rating's id and the version of its event."""
        result = execute(
            self.side.app,
            RateAnchoring(
                partnership_id=self.pid,
                dimension=dimension,
                rating=value,
                comment=comment,
                rated_by=rated_by,
            ),
            meta(day, actor=CHAIR),
        )
        assert result.created_id is not None
        return result.created_id, result.version

    def milestone(self, dimension: Dimension, day: date, title: str) -> UUID:
        result = execute(
            self.side.app,
            RecordMilestone(
                partnership_id=self.pid,
                dimension=dimension,
                status=AnchoringStatus.PARTIAL,
                title=title,
                evidence=EvidenceFields(text=f"Referat: {title}"),
            ),
            meta(day),
        )
        assert result.created_id is not None
        return result.created_id

    async def values(self, **when: object) -> list[tuple[Dimension, int, date]]:
        await self.side.sync()
        found = await ratings.ratings(self.side.store, self.pid, **when)  # type: ignore[arg-type]
        return [(r.dimension, r.rating, r.valid_on) for r in found]


@pytest.fixture
def world(read_side: ReadSide) -> World:
    lead = organisation(read_side.app, "Sundhed og Forebyggelse", Sector.HEALTH)
    chair = person(read_side.app, "Mette Holm", lead)
    return World(read_side, partnership(read_side.app, lead), chair)


async def test_ratings_over_time_as_of_a_valid_date(world: World) -> None:
    world.rate(Dimension.OPERATIONS, 3, D(2024, 2, 1))
    world.rate(Dimension.CULTURE, 2, D(2024, 3, 1))
    world.rate(Dimension.OPERATIONS, 5, D(2024, 9, 1))

    assert await world.values(as_of=D(2024, 1, 31)) == []
    assert await world.values(as_of=D(2024, 6, 1)) == [
        (Dimension.OPERATIONS, 3, D(2024, 2, 1)),
        (Dimension.CULTURE, 2, D(2024, 3, 1)),
    ]
    assert await world.values() == [
        (Dimension.OPERATIONS, 3, D(2024, 2, 1)),
        (Dimension.CULTURE, 2, D(2024, 3, 1)),
        (Dimension.OPERATIONS, 5, D(2024, 9, 1)),
    ]


async def test_ratings_as_known_at_a_recorded_time(world: World) -> None:
    world.rate(Dimension.OPERATIONS, 3, D(2024, 2, 1))
    before_the_second = instant()
    # Registered later, about an earlier date (evaluators record history after the fact).
    world.rate(Dimension.OPERATIONS, 4, D(2024, 1, 15))

    assert await world.values(known_at=before_the_second) == [
        (Dimension.OPERATIONS, 3, D(2024, 2, 1))
    ]
    assert await world.values() == [
        (Dimension.OPERATIONS, 4, D(2024, 1, 15)),
        (Dimension.OPERATIONS, 3, D(2024, 2, 1)),
    ]


async def test_a_corrected_date_moves_the_rating_and_the_old_date_stays_known(
    world: World,
) -> None:
    rating_id, version = world.rate(Dimension.METHOD, 6, D(2024, 6, 1), comment="Manual udgivet")
    before_the_correction = instant()
    execute(
        world.side.app,
        CorrectDate(
            partnership_id=world.pid, corrects_version=version, corrected_valid_on=D(2024, 1, 20)
        ),
        meta(D(2024, 7, 1), reason="Forkert mødedato"),
    )
    await world.side.sync()
    store = world.side.store

    (moved,) = await ratings.ratings(store, world.pid, as_of=D(2024, 2, 1))
    assert (moved.rating_id, moved.valid_on, moved.comment, moved.corrected) == (
        rating_id,
        D(2024, 1, 20),
        "Manual udgivet",
        True,
    )
    assert await ratings.ratings(store, world.pid) == [moved]  # no second copy
    assert (
        await ratings.ratings(store, world.pid, as_of=D(2024, 2, 1), known_at=before_the_correction)
        == []
    )
    (then,) = await ratings.ratings(store, world.pid, known_at=before_the_correction)
    assert (then.valid_on, then.corrected) == (D(2024, 6, 1), False)


async def test_the_rater_is_named_from_the_directory_and_not_after_erasure(
    world: World,
) -> None:
    world.rate(Dimension.POLITICAL, 2, D(2024, 2, 1), rated_by=world.chair)
    world.rate(Dimension.POLITICAL, 3, D(2024, 3, 1))
    await world.side.sync()

    named = await ratings.ratings(world.side.store, world.pid)
    assert [(r.rated_by, r.rated_by_name, r.recorded_by) for r in named] == [
        (world.chair, "Mette Holm", CHAIR),
        (None, None, CHAIR),
    ]

    execute(world.side.app, ErasePerson(person_id=world.chair), meta(D(2024, 4, 1)))
    await world.side.sync()
    erased = await ratings.ratings(world.side.store, world.pid)
    assert [r.rated_by_name for r in erased] == [ERASED_NAME, None]


async def test_a_rating_of_an_erased_or_unknown_person_is_refused(world: World) -> None:
    execute(world.side.app, ErasePerson(person_id=world.chair), meta())
    head = world.side.app.max_notification_id()
    with pytest.raises(PersonErased):
        world.rate(Dimension.POLITICAL, 2, D(2024, 2, 1), rated_by=world.chair)
    with pytest.raises(NotFound):
        world.rate(Dimension.POLITICAL, 2, D(2024, 2, 1), rated_by=world.pid)
    assert world.side.app.max_notification_id() == head


async def test_ratings_beside_the_milestones_of_the_views(world: World) -> None:
    world.rate(Dimension.OPERATIONS, 2, D(2024, 1, 10))
    budget = world.milestone(Dimension.OPERATIONS, D(2024, 3, 1), "Budgetlinje i driften")
    world.rate(Dimension.OPERATIONS, 4, D(2024, 4, 1))  # rose with the budget line: fine
    world.rate(Dimension.OPERATIONS, 6, D(2024, 8, 1))  # rose again with nothing new
    language = world.milestone(Dimension.CULTURE, D(2024, 9, 1), "Fælles sprog")
    await world.side.sync()
    store = world.side.store

    given = await ratings.ratings(store, world.pid)
    evidence = await anchoring.milestones(store, world.pid)
    dimensions = ratings.pair_with_evidence(given, evidence)

    flags = [(f.kind, f.dimension, f.valid_on) for f in ratings.flags_of(dimensions)]
    assert flags == [
        (FlagKind.ROSE_WITHOUT_EVIDENCE, Dimension.OPERATIONS, D(2024, 8, 1)),
        (FlagKind.EVIDENCE_NOT_RATED, Dimension.CULTURE, D(2024, 9, 1)),
    ]
    (ops,) = [d for d in dimensions if d.dimension is Dimension.OPERATIONS]
    assert [p.evidence_since_previous for p in ops.ratings] == [[], [budget], []]
    (culture,) = [d for d in dimensions if d.dimension is Dimension.CULTURE]
    assert [m.milestone.milestone_id for m in culture.milestones] == [language]

    # As of the summer, before the last rating and the culture milestone: nothing to flag.
    summer = D(2024, 7, 1)
    early = ratings.pair_with_evidence(
        await ratings.ratings(store, world.pid, as_of=summer),
        await anchoring.milestones(store, world.pid, as_of=summer),
    )
    assert ratings.flags_of(early) == []


async def test_a_rating_is_in_the_audit_history_with_a_danish_summary(world: World) -> None:
    world.rate(Dimension.OPERATIONS, 5, D(2024, 2, 1))
    await world.side.sync()

    page = await audit.history(world.side.store, AuditFilter(partnership_id=world.pid))

    assert page.entries[0].kind == "AnchoringRated"
    assert page.entries[0].summary == "Selvevaluering af forankring (drift): 5 af 7"
