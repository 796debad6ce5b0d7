"""Corrections of one partnership's history: new events that supersede what an earlier event
(named by its version, as the audit history shows it) recorded. Nothing is deleted."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, DateCorrection, MilestoneCorrection, RungCorrection
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class CorrectionController(Controller):
    path = "/partnerships/{partnership_id:uuid}/corrections"
    tags = ["corrections"]

    @post(
        "/dates",
        operation_id="correctDate",
        summary="Correct the date of an earlier event",
        status_code=200,
        opt=WRITE,
    )
    async def correct_date(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[DateCorrection],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The event of version `corrects_version` (a join, leave, ladder move, appointment,
        step-down, role change or milestone) happened on `corrected_valid_on` instead."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @post(
        "/rungs",
        operation_id="correctRung",
        summary="Correct the rung of an earlier ladder move",
        status_code=200,
        opt=WRITE,
    )
    async def correct_rung(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[RungCorrection],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The join or ladder move of version `corrects_version` put the partner on `rung`,
        with this evidence."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)

    @post(
        "/milestones",
        operation_id="correctMilestone",
        summary="Correct the content of an earlier milestone",
        status_code=200,
        opt=WRITE,
    )
    async def correct_milestone(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[MilestoneCorrection],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The milestone recorded by version `corrects_version` is replaced by this dimension,
        status, title and evidence (its date stays; correct that with correctDate)."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)
