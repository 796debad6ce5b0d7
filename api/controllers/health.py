"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from api.schemas import Health, Readiness
from services.application import Tvaers


class HealthController(Controller):
    tags = ["operations"]

    @get("/health", operation_id="health", summary="The process is alive")
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        operation_id="ready",
        summary="The event store is reachable",
        sync_to_thread=True,
        responses={503: ResponseSpec(data_container=Readiness, description="Store unreachable")},
    )
    def ready(self, tvaers: NamedDependency[Tvaers]) -> Response[Readiness]:
        try:
            head = tvaers.max_notification_id()
        except Exception:  # noqa: BLE001 - any store failure means "not ready", reported as 503
            return Response(
                Readiness(status="unavailable", store=tvaers.settings.store, max_notification_id=0),
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(
            Readiness(status="ready", store=tvaers.settings.store, max_notification_id=head)
        )
