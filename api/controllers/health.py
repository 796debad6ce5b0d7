"""Liveness and readiness."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from api.readside import ReadSide
from api.schemas import Health, Readiness, StuckProjection
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
        description=(
            "200 `ready`; 200 `degraded` when a view is stuck on an event (listed in `stuck`;"
            " every other view is fresh, so the process still serves); 503 `unavailable`"
            " when the stores cannot be read."
        ),
        responses={503: ResponseSpec(data_container=Readiness, description="Store unreachable")},
    )
    async def ready(
        self, tvaers: NamedDependency[Tvaers], read_side: NamedDependency[ReadSide]
    ) -> Response[Readiness]:
        store = tvaers.settings.store
        try:
            head = await sync_to_thread(tvaers.max_notification_id)
            statuses = await read_side.runner.status()
        except Exception:  # noqa: BLE001 - any store failure means "not ready", reported as 503
            return Response(
                Readiness(status="unavailable", store=store, max_notification_id=0, lag=None),
                status_code=HTTP_503_SERVICE_UNAVAILABLE,
            )
        # A stuck view is reported, not a reason to take this process out of the pool: every
        # process shares the same views, so all would answer 503 alike (docs/operations.md).
        stuck = [
            StuckProjection(
                projection=s.name,
                notification_id=s.failure.notification_id,
                error=s.failure.error.split(":", 1)[0],
                attempts=s.failure.attempts,
                since=s.failure.first_failed_at,
            )
            for s in statuses
            if s.failure is not None
        ]
        return Response(
            Readiness(
                status="degraded" if stuck else "ready",
                store=store,
                max_notification_id=head,
                lag=max((s.lag for s in statuses), default=0),
                stuck=stuck,
            )
        )
