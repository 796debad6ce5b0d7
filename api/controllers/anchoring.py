"""Anchoring (forankring) and evaluation of one partnership: milestones, factors and their
links, evaluations and their assessments."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import (
    AssessmentRecord,
    CommandAccepted,
    EvaluationRecord,
    FactorLink,
    FactorRecord,
    MilestoneRecord,
)
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class AnchoringController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["anchoring"]

    @post(
        "/milestones",
        operation_id="recordMilestone",
        summary="Record an anchoring milestone",
        sync_to_thread=True,
        opt=WRITE,
    )
    def record_milestone(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[MilestoneRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A dimension (political, management, operations, ...) reached a status (started,
        partial, anchored) on `valid_on`, with evidence. `id` is the milestone."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.record_milestone(
                partnership_id,
                dimension=data.dimension,
                status=data.status,
                title=data.title,
                evidence=data.evidence.evidence(),
                meta=meta,
                expected_version=context.expected_version,
            ),
            status=201,
        )

    @post(
        "/factors",
        operation_id="recordFactor",
        summary="Record a promoting factor or a barrier",
        sync_to_thread=True,
        opt=WRITE,
    )
    def record_factor(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[FactorRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """An external or internal factor, promoting or a barrier, optionally linked to
        milestones of this partnership. `id` is the factor."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.record_factor(
                partnership_id,
                origin=data.origin,
                effect=data.effect,
                description=data.description,
                milestone_ids=data.milestone_ids,
                meta=meta,
                expected_version=context.expected_version,
            ),
            status=201,
        )

    @post(
        "/factors/{factor_id:uuid}/milestones",
        operation_id="linkFactor",
        summary="Link a factor to a milestone",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def link_factor(
        self,
        partnership_id: FromPath[UUID],
        factor_id: FromPath[UUID],
        data: JSONBody[FactorLink],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The factor also bears on this milestone."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.link_factor(
                partnership_id,
                factor_id,
                data.milestone_id,
                meta,
                expected_version=context.expected_version,
            ),
            status=200,
        )

    @post(
        "/evaluations",
        operation_id="recordEvaluation",
        summary="Record an evaluation",
        sync_to_thread=True,
        opt=WRITE,
    )
    def record_evaluation(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[EvaluationRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """An internal or external evaluation: by whom, the method and the findings. `id` is
        the evaluation."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.record_evaluation(
                partnership_id,
                kind=data.kind,
                evaluator=data.evaluator,
                method=data.method,
                findings=data.findings,
                meta=meta,
                expected_version=context.expected_version,
            ),
            status=201,
        )

    @post(
        "/evaluations/{evaluation_id:uuid}/assessments",
        operation_id="recordAssessment",
        summary="Record an assessment of an evaluation",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def record_assessment(
        self,
        partnership_id: FromPath[UUID],
        evaluation_id: FromPath[UUID],
        data: JSONBody[AssessmentRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """An answer on the 4-point scale (slet ikke … i høj grad) to "is the purpose met?" or
        "implemented as planned?"."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.record_assessment(
                partnership_id,
                evaluation_id,
                data.question,
                data.answer,
                meta,
                expected_version=context.expected_version,
            ),
            status=200,
        )
