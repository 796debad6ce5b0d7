"""The action plan of one partnership: activities, retention follow-ups and the
implementation circle (plan → start activities → follow up → adjust)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import (
    ActivityAdjust,
    ActivityLaunch,
    ActivityStatusChange,
    CommandAccepted,
    FollowUpRecord,
    FollowUpSchedule,
    PhaseEnter,
)
from services.application import Tvaers

WRITE = {"access": "partnership:write"}


class ActivityController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["activities"]

    @put(
        "/activities/{activity_id:uuid}/status",
        operation_id="changeActivityStatus",
        summary="Change an activity's status",
        status_code=200,
        opt=WRITE,
    )
    async def change_status(
        self,
        partnership_id: FromPath[UUID],
        activity_id: FromPath[UUID],
        data: JSONBody[ActivityStatusChange],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Planned → running → paused → running … → ended, from `valid_on`; an ended
        activity changes no more."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, activity_id=activity_id
        )

    @post(
        "/activities/{activity_id:uuid}/adjustments",
        operation_id="adjustActivity",
        summary="Adjust an activity",
        status_code=200,
        opt=WRITE,
    )
    async def adjust(
        self,
        partnership_id: FromPath[UUID],
        activity_id: FromPath[UUID],
        data: JSONBody[ActivityAdjust],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Record an adjustment (`description`: what and why) and, optionally, a new title,
        target group, arena or owners; fields left out stay as they are."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, activity_id=activity_id
        )

    @post(
        "/follow-ups",
        operation_id="scheduleFollowUp",
        summary="Schedule a retention follow-up",
        opt=WRITE,
    )
    async def schedule_follow_up(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[FollowUpSchedule],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A follow-up of a cohort (a count of participants), due on `due_on`, for the
        partnership or one activity. `id` is the follow-up."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, status=201
        )

    @post(
        "/follow-ups/{follow_up_id:uuid}/result",
        operation_id="recordFollowUp",
        summary="Record a follow-up's result",
        status_code=200,
        opt=WRITE,
    )
    async def record_follow_up(
        self,
        partnership_id: FromPath[UUID],
        follow_up_id: FromPath[UUID],
        data: JSONBody[FollowUpRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """How many of the cohort were reached and retained (0 ≤ retained ≤ reached ≤
        cohort); once per follow-up."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, follow_up_id=follow_up_id
        )

    @post(
        "/phases",
        operation_id="enterPhase",
        summary="Enter a phase of the implementation circle",
        status_code=200,
        opt=WRITE,
    )
    async def enter_phase(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[PhaseEnter],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The action plan moves on: plan → start → follow up → adjust, then plan or start
        anew."""
        return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id)


# Not in the controller: GET on this path belongs to the activities view (see
# COMMAND_CONTROLLERS).
@post(
    "/partnerships/{partnership_id:uuid}/activities",
    operation_id="launchActivity",
    summary="Launch an activity",
    opt=WRITE,
    tags=["activities"],
)
async def launch_activity(
    partnership_id: FromPath[UUID],
    data: JSONBody[ActivityLaunch],
    tvaers: NamedDependency[Tvaers],
    context: NamedDependency[RequestContext],
) -> Response[CommandAccepted]:
    """A new activity owned by one or more partners, planned (or `running`). `id` is the
    activity."""
    return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id, status=201)
