"""A partnership's facts that no fact view keeps, on a date, folded from the audit view.

The registry fields, the secretariat and its staff, evaluations and their assessments,
follow-ups, steering-group decisions, the terms of reference and the implementation
phase: their events are never corrected, so their valid date and recorded time in the
audit view are final, and folding the entries up to a valid date (and recorded up to a
moment) gives the state on both time axes. The fold is pure (`fold_recorded`); the
queries page through the audit view.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Partnership, Registry
from aggregates.partnership import Who5
from aggregates.taxonomy import (
    AssessmentAnswer,
    AssessmentQuestion,
    EvaluationKind,
    EvaluationMethod,
    ImplementationPhase,
)
from projections import audit, history
from projections.store import ReadStore

RECORDED: tuple[type, ...] = (
    Partnership.Registered,
    Partnership.RegistryUpdated,
    Partnership.SecretariatAssigned,
    Partnership.SecretariatStaffed,
    Partnership.SecretariatStaffLeft,
    Partnership.EvaluationRecorded,
    Partnership.AssessmentRecorded,
    Partnership.FollowUpScheduled,
    Partnership.FollowUpRecorded,
    Partnership.DecisionRecorded,
    Partnership.TermsOfReferenceIssued,
    Partnership.PhaseEntered,
)
# The fold trusts the audit's dates: an event a correction could redate cannot be here.
_CORRECTABLE = [cls.__qualname__ for cls in RECORDED if history.reading(cls).corrections]
if _CORRECTABLE:
    raise TypeError(f"facts: {_CORRECTABLE} can be corrected; fold them from a fact view")
RECORDED_KINDS = history.kinds(RECORDED)


@dataclass
class Assessment:
    question: AssessmentQuestion
    answer: AssessmentAnswer
    valid_on: date


@dataclass
class Evaluation:
    evaluation_id: str
    kind: EvaluationKind
    evaluator: str
    method: EvaluationMethod
    findings: str
    valid_on: date
    assessments: list[Assessment] = field(default_factory=list)
    who5: Who5 | None = None


@dataclass
class FollowUp:
    follow_up_id: str
    activity_id: str | None
    label: str
    due_on: date
    cohort: int
    reached: int | None = None
    retained: int | None = None
    recorded_on: date | None = None


@dataclass
class Decision:
    title: str
    approved: list[str]
    meeting_on: date
    decision_id: str = ""
    linked_ids: list[str] = field(default_factory=list)


@dataclass
class Terms:
    number: int
    valid_on: date
    purpose: str
    composition: str
    task: str
    time_plan: str
    focus_areas: list[str]
    decision_id: str | None = None  # the steering-group decision that approved it


@dataclass
class Recorded:
    """The partnership's registry, secretariat, evaluations, ... on a date (from the audit)."""

    registry: Registry | None = None
    lead_organisation_id: UUID | None = None
    registered_on: date | None = None
    secretariat_id: UUID | None = None
    secretariat_since: date | None = None
    staff: dict[UUID, date] = field(default_factory=dict)
    evaluations: list[Evaluation] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    terms: Terms | None = None
    approved_terms: dict[str, list[int]] = field(default_factory=dict)  # decision -> versions
    phase: ImplementationPhase | None = None
    phase_since: date | None = None
    phase_note: str = ""


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def fold_recorded(entries: Sequence[audit.AuditEntry]) -> Recorded:
    """Fold audit entries (any order) into the state they give, in valid-time order."""
    state = Recorded()
    evaluations: dict[str, Evaluation] = {}
    follow_ups: dict[str, FollowUp] = {}
    assessments: list[tuple[str, Assessment]] = []
    for entry in sorted(entries, key=lambda e: (e.valid_on, e.version)):
        p = entry.payload
        kind = entry.kind
        if kind in ("Registered", "RegistryUpdated"):
            state.registry = msgspec.convert(p["registry"], Registry, strict=False)
            if kind == "Registered":
                state.lead_organisation_id = UUID(str(p["lead_organisation_id"]))
                state.registered_on = entry.valid_on
        elif kind == "SecretariatAssigned":
            state.secretariat_id = UUID(str(p["organisation_id"]))
            state.secretariat_since = entry.valid_on
        elif kind == "SecretariatStaffed":
            state.staff[UUID(str(p["person_id"]))] = entry.valid_on
        elif kind == "SecretariatStaffLeft":
            state.staff.pop(UUID(str(p["person_id"])), None)
        elif kind == "EvaluationRecorded":
            evaluations[str(p["evaluation_id"])] = Evaluation(
                evaluation_id=str(p["evaluation_id"]),
                kind=EvaluationKind(p["kind"]),
                evaluator=str(p["evaluator"]),
                method=EvaluationMethod(p["method"]),
                findings=str(p["findings"]),
                valid_on=entry.valid_on,
                who5=msgspec.convert(p["who5"], Who5) if p.get("who5") else None,
            )
        elif kind == "AssessmentRecorded":
            assessments.append(
                (
                    str(p["evaluation_id"]),
                    Assessment(
                        question=AssessmentQuestion(p["question"]),
                        answer=AssessmentAnswer(p["answer"]),
                        valid_on=entry.valid_on,
                    ),
                )
            )
        elif kind == "FollowUpScheduled":
            follow_ups[str(p["follow_up_id"])] = FollowUp(
                follow_up_id=str(p["follow_up_id"]),
                activity_id=str(p["activity_id"]) if p.get("activity_id") else None,
                label=str(p["label"]),
                due_on=_day(p["due_on"]),
                cohort=int(p["cohort"]),
            )
        elif kind == "FollowUpRecorded":
            scheduled = follow_ups.get(str(p["follow_up_id"]))
            if scheduled is not None:
                scheduled.reached = int(p["reached"])
                scheduled.retained = int(p["retained"])
                scheduled.recorded_on = entry.valid_on
        elif kind == "DecisionRecorded":
            state.decisions.append(
                Decision(
                    title=str(p["title"]),
                    approved=[str(a) for a in p.get("approved", [])],
                    meeting_on=entry.valid_on,
                    decision_id=str(p.get("decision_id", "")),
                    linked_ids=[str(i) for i in p.get("linked_ids", [])],
                )
            )
        elif kind == "TermsOfReferenceIssued":
            terms = p.get("terms", {})
            state.terms = Terms(
                number=int(p["number"]),
                valid_on=entry.valid_on,
                purpose=str(terms.get("purpose", "")),
                composition=str(terms.get("composition", "")),
                task=str(terms.get("task", "")),
                time_plan=str(terms.get("time_plan", "")),
                focus_areas=[str(f) for f in terms.get("focus_areas", [])],
                decision_id=str(p["decision_id"]) if p.get("decision_id") else None,
            )
            if state.terms.decision_id:
                state.approved_terms.setdefault(state.terms.decision_id, []).append(
                    state.terms.number
                )
        elif kind == "PhaseEntered":
            state.phase = ImplementationPhase(p["phase"])
            state.phase_since = entry.valid_on
            state.phase_note = str(p.get("note", ""))
    for evaluation_id, assessment in assessments:
        if evaluation_id in evaluations:
            evaluations[evaluation_id].assessments.append(assessment)
    state.evaluations = sorted(evaluations.values(), key=lambda e: e.valid_on)
    state.follow_ups = sorted(follow_ups.values(), key=lambda f: (f.due_on, f.label))
    state.decisions.sort(key=lambda d: d.meeting_on, reverse=True)
    return state


async def _audit_entries(
    store: ReadStore, where: audit.AuditFilter, *, page: int = 500
) -> list[audit.AuditEntry]:
    found: list[audit.AuditEntry] = []
    cursor: str | None = None
    while True:
        result = await audit.history(store, where, limit=page, cursor=cursor, described=False)
        found.extend(result.entries)
        if result.next_cursor is None:
            return found
        cursor = result.next_cursor


async def recorded(
    store: ReadStore, partnership_id: UUID, day: date, known_at: datetime | None
) -> Recorded:
    """The registry, secretariat, evaluations, ... on `day` as known at `known_at`."""
    where = audit.AuditFilter(
        partnership_id=partnership_id,
        kinds=RECORDED_KINDS,
        valid_to=day,
        # the audit's bound is exclusive; known_at includes what was recorded at that moment
        recorded_to=known_at + timedelta(microseconds=1) if known_at else None,
    )
    return fold_recorded(await _audit_entries(store, where))


async def first_registry(store: ReadStore, partnership_id: UUID) -> Recorded:
    """The registry as first recorded (for a page dated before the partnership began)."""
    where = audit.AuditFilter(partnership_id=partnership_id, kinds=("Registered",))
    return fold_recorded(await _audit_entries(store, where))
