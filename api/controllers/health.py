"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from api.readside import ReadSide
from api.schemas import Health, Readiness
from services.application import Tvaers


class HealthController(Controller):
    tags = ["operations"]
    opt = {"access": "public"}

    @get("/health", operation_id="health", summary="The process is alive")
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="ready",
        summary="The event store and the views are reachable; how far the views lag",
        responses={503: ResponseSpec(data_container=Readiness, description="Store unreachable")},
    )
    async def ready(
        self, tvaers: NamedDependency[Tvaers], read_side: NamedDependency[ReadSide]
    ) -> Response[Readiness]:
        store = tvaers.settings.store
        try:
            head = await sync_to_thread(tvaers.max_notification_id)
            lag = await read_side.lag()
        except Exception:  # noqa: BLE001 - any store failure means "not ready", reported as 503
            return Response(
                Readiness(status="unavailable", store=store, max_notification_id=0, lag=None),
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(Readiness(status="ready", store=store, max_notification_id=head, lag=lag))
