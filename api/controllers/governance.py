"""Governance of one partnership: registry fields, partners leaving, ladder moves, the steering
group, the secretariat, terms of reference, decisions and roles."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import (
    CommandAccepted,
    DecisionRecord,
    LadderMove,
    RegistryUpdate,
    RoleAssign,
    RoleHandOver,
    SecretariatAssign,
    SecretariatStaff,
    SteeringMemberAppoint,
    TermsOfReferenceIssue,
    Write,
)
from services.application import Tvaers
from services.commands import LeavePartner

WRITE = {"access": "partnership:write"}


class PartnershipGovernanceController(Controller):
    path = "/partnerships/{partnership_id:uuid}"
    tags = ["governance"]

    @put(
        "/registry",
        operation_id="updateRegistry",
        summary="Update the registry fields",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def update_registry(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[RegistryUpdate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Replace every registry field (title, purpose, target groups, period, budget, ...).

        Fields left out take their default, so send them all: read the partnership first and
        pass its ETag as If-Match. The lead organisation cannot be changed here.
        """
        return context.execute(tvaers, data, partnership_id=partnership_id)

    @post(
        "/partners/{organisation_id:uuid}/departure",
        operation_id="leavePartner",
        summary="A partner leaves the partnership",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def leave(
        self,
        partnership_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The partner leaves on `valid_on`; roles held by its people fall vacant.

        Not for the lead organisation, the secretariat's holder, or a partner that owns
        activities not yet ended.
        """
        return context.execute(
            tvaers,
            data,
            LeavePartner(partnership_id=partnership_id, organisation_id=organisation_id),
        )

    @post(
        "/partners/{organisation_id:uuid}/ladder-moves",
        operation_id="moveOnLadder",
        summary="Move a partner on the ladder",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def move_on_ladder(
        self,
        partnership_id: FromPath[UUID],
        organisation_id: FromPath[UUID],
        data: JSONBody[LadderMove],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The partner stands on `rung` from `valid_on`, with evidence. Rungs 5 and 6 need a
        cooperation or partnership agreement in force on that date."""
        return context.execute(
            tvaers, data, partnership_id=partnership_id, organisation_id=organisation_id
        )

    @post(
        "/steering-group/members",
        operation_id="appointSteeringMember",
        summary="Appoint a steering-group member",
        sync_to_thread=True,
        opt=WRITE,
    )
    def appoint(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[SteeringMemberAppoint],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A person takes a seat (formand, næstformand or medlem); `id` is the appointment."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.appoint_steering_member(
                partnership_id,
                data.person_id,
                data.seat,
                meta,
                expected_version=context.expected_version,
            ),
            status=201,
        )

    @post(
        "/steering-group/members/{person_id:uuid}/departure",
        operation_id="stepDownSteeringMember",
        summary="A steering-group member steps down",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def step_down(
        self,
        partnership_id: FromPath[UUID],
        person_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person leaves their seat on `valid_on`."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.step_down_steering_member(
                partnership_id, person_id, meta, expected_version=context.expected_version
            ),
            status=200,
        )

    @put(
        "/secretariat",
        operation_id="assignSecretariat",
        summary="Place the secretariat with a partner",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def assign_secretariat(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[SecretariatAssign],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A partner holds the secretariat from `valid_on` (or takes it over from another)."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.assign_secretariat(
                partnership_id,
                data.organisation_id,
                meta,
                expected_version=context.expected_version,
            ),
            status=200,
        )

    @post(
        "/secretariat/staff",
        operation_id="staffSecretariat",
        summary="A person joins the secretariat's staff",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def staff_secretariat(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[SecretariatStaff],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person staffs the secretariat from `valid_on`; assign the secretariat first."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.staff_secretariat(
                partnership_id, data.person_id, meta, expected_version=context.expected_version
            ),
            status=200,
        )

    @post(
        "/secretariat/staff/{person_id:uuid}/departure",
        operation_id="releaseSecretariatStaff",
        summary="A person leaves the secretariat's staff",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def release_secretariat_staff(
        self,
        partnership_id: FromPath[UUID],
        person_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The person no longer staffs the secretariat from `valid_on`."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.release_secretariat_staff(
                partnership_id, person_id, meta, expected_version=context.expected_version
            ),
            status=200,
        )

    @post(
        "/terms-of-reference",
        operation_id="issueTermsOfReference",
        summary="Issue a version of the terms of reference",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def issue_terms_of_reference(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[TermsOfReferenceIssue],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A new version of the kommissorium (purpose, composition, task, time plan, focus
        areas), optionally approved by a steering-group decision (`decision_id`)."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.issue_terms_of_reference(
                partnership_id,
                data.terms(),
                meta,
                decision_id=data.decision_id,
                expected_version=context.expected_version,
            ),
            status=200,
        )

    @post(
        "/decisions",
        operation_id="recordDecision",
        summary="Record a steering-group decision",
        sync_to_thread=True,
        opt=WRITE,
    )
    def record_decision(
        self,
        partnership_id: FromPath[UUID],
        data: JSONBody[DecisionRecord],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A decision taken at the meeting on `valid_on`, with what it approved; the steering
        group must sit on that date. `id` is the decision."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.record_decision(
                partnership_id,
                data.title,
                data.approved,
                meta,
                expected_version=context.expected_version,
            ),
            status=201,
        )

    @post(
        "/roles/{position_id:uuid}/handovers",
        operation_id="handOverRole",
        summary="Hand a role over to another person",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def hand_over_role(
        self,
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        data: JSONBody[RoleHandOver],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The held role passes to another person of a partner on `valid_on`."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.hand_over_role(
                partnership_id,
                position_id,
                data.person_id,
                meta,
                expected_version=context.expected_version,
            ),
            status=200,
        )

    @post(
        "/roles/{position_id:uuid}/vacancy",
        operation_id="vacateRole",
        summary="A role falls vacant",
        status_code=200,
        sync_to_thread=True,
        opt=WRITE,
    )
    def vacate_role(
        self,
        partnership_id: FromPath[UUID],
        position_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The holder leaves the role on `valid_on`; the position stays, vacant."""
        return context.command(
            tvaers,
            data,
            lambda meta: tvaers.vacate_role(
                partnership_id, position_id, meta, expected_version=context.expected_version
            ),
            status=200,
        )


# Not in the controller: GET on this path belongs to the roles view (see COMMAND_CONTROLLERS).
@post(
    "/partnerships/{partnership_id:uuid}/roles",
    operation_id="assignRole",
    summary="Assign a role to a person",
    sync_to_thread=True,
    opt=WRITE,
    tags=["governance"],
)
def assign_role(
    partnership_id: FromPath[UUID],
    data: JSONBody[RoleAssign],
    tvaers: NamedDependency[Tvaers],
    context: NamedDependency[RequestContext],
) -> Response[CommandAccepted]:
    """A person of a partner takes a role (tovholder, brobygger, ...) for the partnership
    or one activity: a new position, or a vacant one (`position_id`). `id` is the
    position."""
    return context.command(
        tvaers,
        data,
        lambda meta: tvaers.assign_role(
            partnership_id,
            data.role,
            data.person_id,
            meta,
            activity_id=data.activity_id,
            position_id=data.position_id,
            expected_version=context.expected_version,
        ),
        status=201,
    )
