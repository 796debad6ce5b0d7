"""Governance of one partnership: its registry fields, partners leaving, ladder moves.

The steering group, the secretariat, decisions and terms of reference, and roles have
their own controllers (steering.py, secretariat.py, decisions.py, roles.py)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.deps import RequestContext
from api.schemas import CommandAccepted, LadderMove, RegistryUpdate, Write
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
