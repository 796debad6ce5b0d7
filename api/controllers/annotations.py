"""Evaluators' notes (evaluatornotater) on one partnership: written by evaluators in their own
streams, never in the partnership's record; seen by its readers once published."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import FromPath, JSONBody

from api import exports
from api.auth import principal_of
from api.controllers.views import After
from api.deps import RequestContext
from api.exports import EXPORT, Export, ExportOperation
from api.readside import ReadSide
from api.schemas import AnnotationRecord, AnnotationRevision, CommandAccepted, Write
from projections import annotations as annotation_views
from services.application import Tvaers
from services.commands import PublishAnnotation, WithdrawAnnotation

ANNOTATE = {"access": "partnership:annotate"}


class AnnotationsView(msgspec.Struct, kw_only=True):
    annotations: list[annotation_views.AnnotationView]


class AnnotationController(Controller):
    path = "/partnerships/{partnership_id:uuid}/annotations"
    tags = ["evaluation"]

    @post(
        operation_id="recordAnnotation",
        summary="Write an evaluator's note (a draft until published)",
        opt=ANNOTATE,
    )
    async def record(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[AnnotationRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A promoting factor, a barrier or a judgement, in the evaluator's own words,
        optionally about one dimension and linked to events of the partnership's history
        (`aggregate_id` and `version` as the audit history shows them: the partnership's
        or one of its agreements'). Only its author sees it until it is published. `id` is
        the note; the partnership's own record is not changed."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, status=201
        )

    @put(
        "/{annotation_id:uuid}",
        operation_id="reviseAnnotation",
        summary="Rewrite an unpublished note",
        status_code=200,
        opt=ANNOTATE,
    )
    async def revise(
        self,
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        data: JSONBody[AnnotationRevision],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The whole note anew (fields left out become empty). Only its author may, and only
        while it is not published: withdraw a published note first."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, annotation_id=annotation_id
        )

    @post(
        "/{annotation_id:uuid}/publish",
        operation_id="publishAnnotation",
        summary="Publish a note to the partnership's readers",
        status_code=200,
        opt=ANNOTATE,
    )
    async def publish(
        self,
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """From now on everyone who may read the partnership sees the note. Only its author may
        publish it."""
        return await context.execute_on_loop(
            tvaers,
            data,
            PublishAnnotation(partnership_id=partnership_id, annotation_id=annotation_id),
        )

    @post(
        "/{annotation_id:uuid}/withdraw",
        operation_id="withdrawAnnotation",
        summary="Withdraw a published note",
        status_code=200,
        opt=ANNOTATE,
    )
    async def withdraw(
        self,
        partnership_id: FromPath[UUID],
        annotation_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Only its author sees the note again (and may revise and publish it anew)."""
        return await context.execute_on_loop(
            tvaers,
            data,
            WithdrawAnnotation(partnership_id=partnership_id, annotation_id=annotation_id),
        )

    @get(
        operation_id="getAnnotations",
        operation_class=ExportOperation,
        summary="Evaluators' notes on the partnership",
        opt={"access": "partnership:read"},
        dependencies={"export": EXPORT},
    )
    async def annotations(
        self,
        partnership_id: FromPath[UUID],
        request: Request[Any, Any, Any],
        read_side: NamedDependency[ReadSide],
        export: NamedDependency[Export],
        after: After = None,
    ) -> AnnotationsView | Response[bytes]:
        """The published notes, and the caller's own drafts and withdrawn notes, oldest
        first; each with the events it is linked to as the audit history describes them."""
        principal = principal_of(request)
        if principal is None:
            raise NotAuthorizedException("Log in first (session cookie or bearer token).")
        await read_side.ready(after, partnership_id)
        found = await annotation_views.list_annotations(
            read_side.store,
            partnership_id,
            viewer=principal.username,
            visible=principal.visibility,
        )
        view = AnnotationsView(annotations=found)
        return (
            await exports.evaluator_notes(export, view, partnership_id) if export.wanted else view
        )
