"""The fold of the audit view's entries into a partnership's facts on a date (pure)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from aggregates.taxonomy import ImplementationPhase
from projections.audit import AuditEntry
from projections.facts import fold_recorded

PARTNERSHIP = uuid.uuid4()
LEAD = uuid.uuid4()
SECRETARIAT = uuid.uuid4()
ANNE = uuid.uuid4()
BO = uuid.uuid4()


def entry(version: int, kind: str, valid_on: date, **payload: Any) -> AuditEntry:
    return AuditEntry(
        aggregate_id=PARTNERSHIP,
        aggregate_type="Partnership",
        version=version,
        partnership_id=PARTNERSHIP,
        kind=kind,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        valid_on=valid_on,
        actor="leder@sundeborg.dk",
        reason=None,
        correlation_id=None,
        summary="",
        summary_en="",
        group="",
        payload=payload,
    )


def registry(title: str) -> dict[str, Any]:
    return {"title": title, "municipality": "Sundeborg"}


def test_the_fold_follows_valid_time_whatever_the_order_of_the_entries() -> None:
    entries = [
        entry(5, "SecretariatStaffLeft", date(2024, 6, 1), person_id=str(ANNE)),
        entry(
            1,
            "Registered",
            date(2024, 1, 1),
            registry=registry("Bevæg dig"),
            lead_organisation_id=str(LEAD),
        ),
        entry(4, "SecretariatStaffed", date(2024, 3, 1), person_id=str(BO)),
        entry(3, "SecretariatStaffed", date(2024, 2, 15), person_id=str(ANNE)),
        entry(2, "SecretariatAssigned", date(2024, 2, 1), organisation_id=str(SECRETARIAT)),
        entry(6, "RegistryUpdated", date(2024, 5, 1), registry=registry("Bevæg dig for livet")),
        entry(7, "PhaseEntered", date(2024, 4, 1), phase="start", note="i gang"),
    ]

    state = fold_recorded(entries)

    assert state.registry is not None
    assert state.registry.title == "Bevæg dig for livet"
    assert state.lead_organisation_id == LEAD
    assert state.registered_on == date(2024, 1, 1)
    assert state.secretariat_id == SECRETARIAT
    assert state.secretariat_since == date(2024, 2, 1)
    assert state.staff == {BO: date(2024, 3, 1)}  # Anne left again
    assert state.phase is ImplementationPhase.START
    assert (state.phase_since, state.phase_note) == (date(2024, 4, 1), "i gang")


def test_follow_ups_get_their_results_and_decisions_come_newest_first() -> None:
    follow_up = str(uuid.uuid4())
    entries = [
        entry(
            1,
            "FollowUpScheduled",
            date(2024, 1, 10),
            follow_up_id=follow_up,
            activity_id=None,
            label="3 uger",
            due_on="2024-02-01",
            cohort=12,
        ),
        entry(
            2, "FollowUpRecorded", date(2024, 2, 2), follow_up_id=follow_up, reached=10, retained=7
        ),
        entry(3, "DecisionRecorded", date(2024, 3, 1), title="Budget", approved=["ja"]),
        entry(4, "DecisionRecorded", date(2024, 5, 1), title="Drift", approved=[]),
    ]

    state = fold_recorded(entries)

    (scheduled,) = state.follow_ups
    assert (scheduled.due_on, scheduled.reached, scheduled.retained) == (
        date(2024, 2, 1),
        10,
        7,
    )
    assert scheduled.recorded_on == date(2024, 2, 2)
    assert [d.title for d in state.decisions] == ["Drift", "Budget"]


def test_nothing_recorded_is_an_empty_state() -> None:
    state = fold_recorded([])
    assert state.registry is None
    assert state.staff == {}
    assert state.evaluations == []
