"""Issue 14 added fields to two stored events: DecisionRecorded.linked_ids and
EvaluationRecorded.who5 (class version 2). Events stored before (version 1, without the
field) still decode, with the field's empty value."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import msgspec
from eventsourcing.persistence import StoredEvent

from aggregates import Partnership
from aggregates.partnership import Who5
from aggregates.taxonomy import EvaluationKind, EvaluationMethod, SeatRole
from services.application import Tvaers
from tests.integration.conftest import meta, rich_registry


def _as_v1(app: Tvaers, event: Any, field: str) -> Any:
    stored = app.mapper.to_stored_event(event)
    state = msgspec.json.decode(stored.state)
    assert state.pop("class_version") == 2
    del state[field]
    old = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=msgspec.json.encode(state),
    )
    return app.mapper.to_domain_event(old)


def test_version_1_decisions_and_evaluations_decode_with_empty_new_fields(app: Tvaers) -> None:
    partnership = Partnership.register(
        registry=rich_registry(), lead_organisation_id=uuid4(), meta=meta()
    )
    partnership.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta())
    evaluation_id = partnership.record_evaluation(
        kind=EvaluationKind.INTERNAL,
        evaluator="Sundhedsafdelingen",
        method=EvaluationMethod.WHO5,
        findings="",
        meta=meta(),
        who5=Who5(respondents_before=10, mean_before=50.0),
    )
    partnership.record_decision("Budget", ["Budget"], meta(), linked_ids=[evaluation_id])
    *_, evaluated, decided = partnership.collect_events()

    old_decision = _as_v1(app, decided, "linked_ids")
    assert isinstance(old_decision, Partnership.DecisionRecorded)
    assert tuple(old_decision.linked_ids) == ()
    assert old_decision.title == "Budget"
    old_evaluation = _as_v1(app, evaluated, "who5")
    assert isinstance(old_evaluation, Partnership.EvaluationRecorded)
    assert old_evaluation.who5 is None
    assert old_evaluation.evaluator == "Sundhedsafdelingen"
    # and the current shape keeps the new fields
    assert app.mapper.to_domain_event(app.mapper.to_stored_event(decided)).linked_ids == (
        evaluation_id,
    )
