"""`tvaers demo load`: the demo dataset loads fast, once, and says what the sources say."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import date
from uuid import UUID

import pytest

from aggregates import account_id_for
from aggregates.taxonomy import (
    AnchoringStatus,
    AnnotationStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
)
from api.cli import main
from api.readside import build_store
from projections import anchoring, annotations, ratings, registry
from projections.access import Visibility
from projections.catalog import ALL
from projections.ratings import FlagKind
from projections.runner import ProjectionRunner
from projections.store import ReadStore
from services.application import Tvaers
from services.demo import DEMO_PASSWORD, load_demo
from services.demo.data import ADMIN, CASES, EVALUATOR, LEADERS, STEERING
from services.settings import Settings
from tests.projections.support import ReadSide


@pytest.fixture
async def read_side(store_settings: Settings) -> AsyncIterator[ReadSide]:
    app = Tvaers(store_settings)
    store = build_store(store_settings)
    try:
        await store.open()
        runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
        assert await runner.setup() == []
        yield ReadSide(app, store, runner)
    finally:
        await store.close()
        app.close()


async def test_demo_loads_fast_once_and_holds_the_sources_facts(
    read_side: ReadSide, store_settings: Settings
) -> None:
    app = read_side.app
    began = time.perf_counter()
    first = load_demo(app)
    seconds = time.perf_counter() - began
    assert not first.already_loaded
    assert first.events > 300
    if store_settings.store == "sqlite":
        assert seconds < 10, seconds

    second = load_demo(app)
    assert second.already_loaded
    assert second.events == 0
    assert app.max_notification_id() == first.total_events

    await read_side.sync()
    store = read_side.store

    # One partnership per municipality (nine municipalities, nine cases).
    for case in CASES:
        found = await registry.find(store, municipality=case.municipality)
        assert [row.title for row in found] == [case.title]

    # København (seeds/001 "Hvad er lykkes?" and "Findes der metoder/redskaber?").
    (kbh,) = await registry.find(store, municipality="København")
    milestones = {m.title: m for m in await anchoring.milestones(store, kbh.id)}
    fixed = milestones["To sundhedskonsulenter fastansat"]
    assert fixed.dimension is Dimension.OPERATIONS
    assert fixed.status is AnchoringStatus.ANCHORED
    assert "fastansat" in fixed.evidence
    tender = milestones["Konceptet 'Skånsom aktivering' anvendt i udbudsmateriale"]
    assert tender.dimension is Dimension.METHOD
    assert "udbudsmaterialet" in tender.evidence
    toolkit = milestones["Værktøjssamling (fem metoder) og casebeskrivelse udgivet"]  # corrected
    assert toolkit.corrected
    assert "fem konkrete metoder" in toolkit.evidence
    factors = {(f.origin, f.effect, f.description) for f in await anchoring.factors(store, kbh.id)}
    assert (FactorOrigin.EXTERNAL, FactorEffect.PROMOTING, "Rygeloven") in factors
    assert (FactorOrigin.EXTERNAL, FactorEffect.PROMOTING, "Sygedagpengereform") in factors
    assert (
        FactorOrigin.INTERNAL,
        FactorEffect.PROMOTING,
        "Vedvarende inddragelse af lederniveauet i kommunen",
    ) in factors

    # Odense: continued in the job centre's operations; Sundhedsprofil Light in a manual.
    (odense,) = await registry.find(store, municipality="Odense")
    by_dimension = {m.dimension: m for m in await anchoring.milestones(store, odense.id)}
    assert "jobcenterdriften" in by_dimension[Dimension.OPERATIONS].evidence
    assert "Sundhedsprofil Light" in by_dimension[Dimension.METHOD].evidence
    assert "spørgeramme" in by_dimension[Dimension.METHOD].evidence
    status = {s.dimension: s.status for s in await anchoring.status(store, odense.id)}
    assert status[Dimension.OPERATIONS] is AnchoringStatus.ANCHORED

    # Jammerbugt: a common language across health and employment (culture).
    (jammerbugt,) = await registry.find(store, municipality="Jammerbugt")
    status = {s.dimension: s.status for s in await anchoring.status(store, jammerbugt.id)}
    assert status[Dimension.CULTURE] is AnchoringStatus.ANCHORED

    # Self-assessment beside the evidence: København rated operations up in 2020 before
    # any milestone; Odense's decision on operations (January 2022) was never rated.
    kbh_flags = await _rating_flags(store, kbh.id)
    assert (FlagKind.ROSE_WITHOUT_EVIDENCE, Dimension.OPERATIONS, date(2020, 10, 1)) in kbh_flags
    assert (FlagKind.EVIDENCE_NOT_RATED, Dimension.OPERATIONS, date(2022, 1, 1)) in (
        await _rating_flags(store, odense.id)
    )
    kbh_ratings = await ratings.ratings(store, kbh.id)
    assert {r.recorded_by for r in kbh_ratings} == {STEERING}  # the steering group's member
    assert all(r.rated_by_name for r in kbh_ratings)

    # The evaluator's notes: København's published (seen by the steering-group member),
    # Odense's a draft (seen by the evaluator alone).
    evaluator, steering = (
        Visibility(account_id_for(EVALUATOR)),
        Visibility(account_id_for(STEERING)),
    )
    (published,) = await annotations.list_annotations(
        store, kbh.id, viewer=STEERING, visible=steering
    )
    assert (published.status, published.author) == (AnnotationStatus.PUBLISHED, EVALUATOR)
    assert [link.kind for link in published.links] == ["MilestoneRecorded"]
    (draft,) = await annotations.list_annotations(
        store, odense.id, viewer=EVALUATOR, visible=evaluator
    )
    assert (draft.status, draft.mine) == (AnnotationStatus.DRAFT, True)
    assert (
        await annotations.list_annotations(
            store, odense.id, viewer=LEADERS["Odense"], visible=Visibility.everything()
        )
        == []
    )

    # The demo users can log in with the documented password.
    for username in (ADMIN, EVALUATOR, STEERING, *LEADERS.values()):
        assert app.authenticate(username, DEMO_PASSWORD).username == username
    assert app.get_account(ADMIN).is_admin


async def _rating_flags(
    store: ReadStore, partnership_id: UUID
) -> list[tuple[FlagKind, Dimension, date]]:
    pairs = ratings.pair_with_evidence(
        await ratings.ratings(store, partnership_id),
        await anchoring.milestones(store, partnership_id),
    )
    return [(f.kind, f.dimension, f.valid_on) for f in ratings.flags_of(pairs)]


def test_the_cli_prints_the_summary_and_the_logins(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TVAERS_DATABASE_URL", sqlite_settings.database_url)
    assert main(["demo", "load"]) == 0
    out = capsys.readouterr().out
    assert f"loaded {len(CASES)} partnerships" in out
    assert DEMO_PASSWORD in out
    assert ADMIN in out
    assert main(["demo", "load"]) == 0
    assert "already loaded" in capsys.readouterr().out
