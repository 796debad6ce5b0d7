"""Prometheus metrics: one registry per app, the HTTP middleware, and the scrape.

Litestar's own Prometheus plugin is not used: its metrics live in the process-wide
default registry (two apps in one process would share them), and its middleware runs
only after routing, so requests to unknown paths would go uncounted.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import structlog
from litestar.concurrency import sync_to_thread
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import Metric

from api.readside import ReadSide
from projections.runner import Status
from services.application import Tvaers

log = structlog.get_logger("tvaers.metrics")

UNMATCHED_ROUTE = "unmatched"
"""The route label of a request that matched no route (404, 405): one value, not the path."""

OTHER_METHOD = "other"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
HTTP_LABELS = ("method", "route", "status")

# Seconds; the API answers most requests within milliseconds, reads may wait for the views.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The metrics of one app. Each app has its own registry, so tests can run several."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tvaers_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            HTTP_LABELS,
            registry=self.registry,
        )
        self.durations = Histogram(
            "tvaers_http_request_duration_seconds",
            "Time to answer an HTTP request, by method, route template and status code.",
            HTTP_LABELS,
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.commands = Counter(
            "tvaers_commands_accepted",
            "Commands (writes) this process accepted and saved, by API operation.",
            ("operation",),
            registry=self.registry,
        )

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        labels = (method if method in HTTP_METHODS else OTHER_METHOD, route, str(status))
        self.requests.labels(*labels).inc()
        self.durations.labels(*labels).observe(seconds)

    def command_accepted(self, operation: str) -> None:
        self.commands.labels(operation).inc()

    async def scrape(self, tvaers: Tvaers, read_side: ReadSide) -> bytes:
        """The exposition text: this app's metrics plus the stores' state read just now."""
        try:
            head = await sync_to_thread(tvaers.max_notification_id)
            snapshot = StoreSnapshot(head=head, projections=await read_side.runner.status())
        except Exception:  # a scrape still answers; tvaers_store_up = 0 says the read failed
            log.warning("metrics: the stores could not be read", exc_info=True)
            snapshot = None
        failures = dict(read_side.runner.failure_counts)
        return generate_latest(_Scrape(self.registry, snapshot, failures))


@dataclass(frozen=True)
class StoreSnapshot:
    head: int
    projections: list[Status]


@dataclass(frozen=True)
class _Scrape:
    """One scrape's collector: the app's registry plus gauges from a store snapshot.

    The gauges are built per scrape, not kept in the registry, so a failed read leaves
    no stale values behind: their series are absent and `tvaers_store_up` is 0.
    """

    registry: CollectorRegistry
    snapshot: StoreSnapshot | None
    failure_counts: dict[str, int]

    def collect(self) -> Iterable[Metric]:
        yield from self.registry.collect()
        failures = CounterMetricFamily(
            "tvaers_projection_failures",
            "Times a projection (view) failed on an event in this process: first failures and"
            " failed retries (counted by the process that follows the log).",
            labels=["projection"],
        )
        for name, count in self.failure_counts.items():
            failures.add_metric([name], count)
        yield failures
        yield from self._store_gauges()

    def _store_gauges(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "tvaers_store_up", "1 when this scrape could read the event log and the views."
        )
        up.add_metric([], 0 if self.snapshot is None else 1)
        yield up
        if self.snapshot is None:
            return
        yield GaugeMetricFamily(
            "tvaers_event_log_head",
            "Highest notification id in the event log: the events written by all processes.",
            value=self.snapshot.head,
        )
        position = GaugeMetricFamily(
            "tvaers_projection_position",
            "The last notification id a projection (view) has processed.",
            labels=["projection"],
        )
        lag = GaugeMetricFamily(
            "tvaers_projection_lag_events",
            "How many events a projection (view) is behind the event log.",
            labels=["projection"],
        )
        stuck = GaugeMetricFamily(
            "tvaers_projection_stuck",
            "1 while a projection (view) is stopped at an event it fails on, else 0.",
            labels=["projection"],
        )
        for status in self.snapshot.projections:
            position.add_metric([status.name], status.position)
            lag.add_metric([status.name], status.lag)
            stuck.add_metric([status.name], 0 if status.failure is None else 1)
        yield position
        yield lag
        yield stuck


class MetricsMiddleware:
    """Counts and times every HTTP request, labelled by its route template.

    It wraps Litestar's whole ASGI handler, so requests that match no route are counted
    too. Litestar writes the matched template into the scope while routing.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            route = scope.get("path_template") or UNMATCHED_ROUTE
            self.metrics.observe_request(
                str(scope.get("method", "")), route, status, time.perf_counter() - started
            )
