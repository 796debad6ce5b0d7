"""Agreements of one partnership (samarbejdsaftale, partnerskabsaftale): draft, amend, sign,
renew, terminate, expire, and read one.

An agreement is addressed under its partnership: an agreement id that belongs to another
partnership is answered 404, as if it did not exist. `If-Match` names the agreement's
version (the `ETag` of getAgreement).
"""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from aggregates.dates import today as today_in_denmark
from api.deps import RequestContext
from api.schemas import (
    AgreementAmend,
    AgreementDraft,
    AgreementRenew,
    AgreementSign,
    AgreementState,
    AgreementTerminate,
    CommandAccepted,
    Write,
)
from api.views import agreement_view
from services.application import Tvaers
from services.commands import ExpireAgreement

WRITE = {"access": "partnership:write"}
READ = {"access": "partnership:read"}


class AgreementController(Controller):
    path = "/partnerships/{partnership_id:uuid}/agreements/{agreement_id:uuid}"
    tags = ["agreements"]

    @get(
        operation_id="getAgreement",
        summary="One agreement as it stands now",
        sync_to_thread=True,
        opt=READ,
    )
    def read(
        self,
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
    ) -> Response[AgreementState]:
        """Terms, parties and their obligations, signatures, validity, renewals and end,
        rebuilt from the agreement's events; `status` is today's."""
        agreement = tvaers.get_agreement(agreement_id, partnership_id=partnership_id)
        return Response(
            agreement_view(agreement, today_in_denmark()),
            headers={"ETag": f'"{agreement.version}"'},
        )

    @put(
        "/terms",
        operation_id="amendAgreement",
        summary="Amend an agreement's terms",
        status_code=200,
        opt=WRITE,
    )
    async def amend(
        self,
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        data: JSONBody[AgreementAmend],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Replace the terms of an agreement not yet signed by every party; signatures so far
        are dropped and every party signs the amended text anew."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, agreement_id=agreement_id
        )

    @post(
        "/signatures",
        operation_id="signAgreement",
        summary="A party signs the agreement",
        status_code=200,
        opt=WRITE,
    )
    async def sign(
        self,
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        data: JSONBody[AgreementSign],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """A party signs on `valid_on`, by a person who belongs to it. The last signature
        puts the agreement in force and lifts its parties on the ladder (rung 5 or 6)."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, agreement_id=agreement_id
        )

    @post(
        "/renewals",
        operation_id="renewAgreement",
        summary="Renew an agreement",
        status_code=200,
        opt=WRITE,
    )
    async def renew(
        self,
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        data: JSONBody[AgreementRenew],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Extend a signed agreement's validity to `valid_to`, before it runs out."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, agreement_id=agreement_id
        )

    @post(
        "/termination",
        operation_id="terminateAgreement",
        summary="Terminate an agreement early",
        status_code=200,
        opt=WRITE,
    )
    async def terminate(
        self,
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        data: JSONBody[AgreementTerminate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """End the agreement on `valid_on`, with a `reason` (required). Its parties drop back
        on the ladder unless another agreement still backs their rung."""
        return await context.execute_on_loop(
            tvaers, data, partnership_id=partnership_id, agreement_id=agreement_id
        )

    @post(
        "/expiry",
        operation_id="expireAgreement",
        summary="Record that an agreement expired",
        status_code=200,
        opt=WRITE,
    )
    async def expire(
        self,
        partnership_id: FromPath[UUID],
        agreement_id: FromPath[UUID],
        data: JSONBody[Write],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """The validity ran out: `valid_on` must be after valid-to. (The server's housekeeping
        records expiries by itself too.) Parties drop back on the ladder as on termination."""
        return await context.execute_on_loop(
            tvaers,
            data,
            ExpireAgreement(partnership_id=partnership_id, agreement_id=agreement_id),
        )


# Not in the controller: GET on this path belongs to the agreements view (see
# COMMAND_CONTROLLERS).
@post(
    "/partnerships/{partnership_id:uuid}/agreements",
    operation_id="draftAgreement",
    summary="Draft an agreement",
    opt=WRITE,
    tags=["agreements"],
)
async def draft_agreement(
    partnership_id: FromPath[UUID],
    data: JSONBody[AgreementDraft],
    tvaers: NamedDependency[Tvaers],
    context: NamedDependency[RequestContext],
) -> Response[CommandAccepted]:
    """A cooperation or partnership agreement between partners of the partnership (the lead
    organisation signs for it): purpose, every party's obligations, validity. `id` is the
    agreement."""
    return await context.execute_on_loop(tvaers, data, partnership_id=partnership_id, status=201)
