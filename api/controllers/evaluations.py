"""Evaluations of one partnership (internal or external) and their assessments on the
4-point scale."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import AssessmentRecord, CommandAccepted, EvaluationRecord
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class EvaluationController(Controller):
    path = "/partnerships/{partnership_id:uuid}/evaluations"
    tags = ["anchoring"]

    @post(
        operation_id="recordEvaluation",
        summary="Record an evaluation",
        opt=WRITE,
    )
    async def record_evaluation(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[EvaluationRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """An internal or external evaluation: by whom, the method and the findings. `id` is
        the evaluation."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, status=201
        )

    @post(
        "/{evaluation_id:uuid}/assessments",
        operation_id="recordAssessment",
        summary="Record an assessment of an evaluation",
        status_code=200,
        opt=WRITE,
    )
    async def record_assessment(
        self,
        partnership_id: FromPath[UUID],
        evaluation_id: FromPath[UUID],
        data: JSONBody[AssessmentRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """An answer on the 4-point scale (slet ikke … i høj grad) to "is the purpose met?" or
        "implemented as planned?"."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, evaluation_id=evaluation_id
        )
