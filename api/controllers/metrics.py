"""Prometheus metrics, for scraping."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from prometheus_client import CONTENT_TYPE_LATEST

from api.metrics import Metrics
from api.readside import ReadSide
from services.application import Tvaers


class MetricsController(Controller):
    tags = ["operations"]

    @get(
        "/metrics",
        operation_id="metrics",
        summary="Metrics in the Prometheus text format",
        description=(
            "Requests by route template and status, commands accepted, the head of the "
            "event log and each view's position and lag. The store gauges are read at "
            "scrape time; `tvaers_store_up` is 0 when they could not be."
        ),
        media_type=CONTENT_TYPE_LATEST,
        opt={"access": "public"},
    )
    async def metrics(
        self,
        state: State,
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[bytes]:
        metrics: Metrics = state.metrics
        return Response(await metrics.scrape(tvaers, read_side), media_type=CONTENT_TYPE_LATEST)
