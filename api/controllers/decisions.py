"""What the steering group of one partnership settles: its decisions, and the versions of
the terms of reference (kommissorium) they approve."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, DecisionRecord, TermsOfReferenceIssue
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class DecisionController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["governance"]

    @post(
        "/terms-of-reference",
        operation_id="issueTermsOfReference",
        summary="Issue a version of the terms of reference",
        status_code=200,
        opt=WRITE,
    )
    async def issue_terms_of_reference(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[TermsOfReferenceIssue],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A new version of the kommissorium (purpose, composition, task, time plan, focus
        areas), optionally approved by a steering-group decision (`decision_id`)."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @post(
        "/decisions",
        operation_id="recordDecision",
        summary="Record a steering-group decision",
        opt=WRITE,
    )
    async def record_decision(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[DecisionRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A decision taken at the meeting on `valid_on`, with what it approved; the steering
        group must sit on that date. `id` is the decision."""
        return await context.execute_on_loop(
            tvaers, data, status=201, partnership_id=partnership_id
        )
