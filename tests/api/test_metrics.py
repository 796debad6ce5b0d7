"""GET /metrics: Prometheus text with request counts per route template, the log head,
commands accepted and every view's position and lag, on both stores."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from aggregates import Meta
from aggregates.taxonomy import Sector
from api.app import create_app
from projections.catalog import ALL
from services.commands import RegisterOrganisation
from services.settings import Settings
from tests.api.conftest import (
    ACTOR,
    assert_problem,
    join,
    register_organisation,
    register_partnership,
    tvaers,
)
from tests.commands import execute

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores

PARTNERSHIP = "/partnerships/{partnership_id}"
PROJECTIONS = {projection.name for projection in ALL}


def scrape(client: TestClient[Litestar]) -> list[Sample]:
    """Every sample /metrics answers with, parsed as Prometheus would, which has no login."""
    login = client.headers.pop("Authorization", None)
    try:
        response = client.get("/metrics")
    finally:
        if login is not None:
            client.headers["Authorization"] = login
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]


def value(samples: list[Sample], name: str, **labels: str) -> float | None:
    """The value of the one sample with this name and exactly these labels (None: absent)."""
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) <= 1, f"{name}{labels} appears {len(found)} times"
    return found[0] if found else None


def requests(samples: list[Sample], method: str, route: str, status: int) -> float | None:
    return value(
        samples, "tvaers_http_requests_total", method=method, route=route, status=str(status)
    )


def by_projection(samples: list[Sample], name: str) -> dict[str, float]:
    return {s.labels["projection"]: s.value for s in samples if s.name == name}


def test_requests_are_counted_and_timed_per_route_template_and_status(
    client: TestClient[Litestar], lead_id: str
) -> None:
    partnership_id = register_partnership(client, lead_id)
    for _ in range(2):
        assert client.get(f"/partnerships/{partnership_id}").status_code == 200
    assert_problem(client.get(f"/partnerships/{uuid.uuid4()}"), 404)
    assert_problem(client.get("/no/such/path"), 404)
    assert_problem(client.get(f"/no/such/path/{uuid.uuid4()}"), 404)

    samples = scrape(client)

    assert requests(samples, "POST", "/organisations", 201) == 1
    assert requests(samples, "POST", "/partnerships", 201) == 1
    assert requests(samples, "GET", PARTNERSHIP, 200) == 2
    assert requests(samples, "GET", PARTNERSHIP, 404) == 1
    assert requests(samples, "GET", "unmatched", 404) == 2  # one series for all unknown paths
    routes = {s.labels["route"] for s in samples if s.name == "tvaers_http_requests_total"}
    templates = {route.path_format for route in client.app.routes}
    assert routes <= templates | {"unmatched"}, "a label must be a template, never a raw path"
    duration = "tvaers_http_request_duration_seconds"
    labels = {"method": "GET", "route": PARTNERSHIP, "status": "200"}
    assert value(samples, f"{duration}_count", **labels) == 2
    assert value(samples, f"{duration}_bucket", **labels, le="+Inf") == 2
    assert (value(samples, f"{duration}_sum", **labels) or 0) > 0

    # The scrape itself is counted once it has been answered.
    assert requests(scrape(client), "GET", "/metrics", 200) == 1


def test_commands_accepted_are_counted_per_operation_and_refused_ones_are_not(
    client: TestClient[Litestar], lead_id: str
) -> None:
    partnership_id = register_partnership(client, lead_id)
    club_id = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    assert join(client, partnership_id, club_id).status_code == 201
    assert join(client, partnership_id, str(uuid.uuid4())).status_code == 404

    samples = scrape(client)

    accepted = {
        s.labels["operation"]: s.value
        for s in samples
        if s.name == "tvaers_commands_accepted_total"
    }
    counted = {op: accepted.get(op) for op in ("createOrganisation", "createPartnership")}
    assert counted == {"createOrganisation": 2, "createPartnership": 1}
    assert accepted.get("joinPartner") == 1  # the refused join is not counted
    assert requests(samples, "POST", f"{PARTNERSHIP}/partners", 404) == 1


def test_the_log_head_is_the_highest_notification_id_of_the_event_log(
    client: TestClient[Litestar],
) -> None:
    before = tvaers(client).max_notification_id()
    assert value(scrape(client), "tvaers_event_log_head") == before
    register_organisation(client, "Jobcenter Svendborg", "employment")
    register_organisation(client, "DGI Storstrøm", "sports_organisation")

    samples = scrape(client)

    head = tvaers(client).max_notification_id()
    assert head == before + 2
    assert value(samples, "tvaers_event_log_head") == head
    assert value(samples, "tvaers_store_up") == 1


def test_every_view_reports_its_position_and_how_far_it_lags_behind_the_log(
    client: TestClient[Litestar],
) -> None:
    client.blocking_portal.call(client.app.state.read_side.stop)  # views stop following the log
    before = tvaers(client).max_notification_id()
    # Straight to the service: with the views stopped, a login could not be checked.
    for name in ("Jobcenter Svendborg", "DGI Storstrøm"):
        execute(
            tvaers(client),
            RegisterOrganisation(name=name, sector=Sector.EMPLOYMENT),
            Meta(actor=ACTOR),
        )
    head = tvaers(client).max_notification_id()

    behind = scrape(client)

    positions = by_projection(behind, "tvaers_projection_position")
    assert set(positions) == PROJECTIONS
    assert all(position <= before for position in positions.values())
    lags = by_projection(behind, "tvaers_projection_lag_events")
    assert lags == {name: head - position for name, position in positions.items()}
    assert min(lags.values()) >= 2  # neither write has reached any view

    client.blocking_portal.call(client.app.state.read_side.runner.catch_up)
    caught_up = scrape(client)

    assert by_projection(caught_up, "tvaers_projection_position") == dict.fromkeys(
        PROJECTIONS, head
    )
    assert by_projection(caught_up, "tvaers_projection_lag_events") == dict.fromkeys(PROJECTIONS, 0)


def test_a_store_that_cannot_be_read_leaves_the_request_metrics_and_says_store_up_0(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> int:
        raise ConnectionError("store is down")

    client.get("/health")
    monkeypatch.setattr(tvaers(client), "max_notification_id", unreachable)

    samples = scrape(client)

    assert value(samples, "tvaers_store_up") == 0
    assert value(samples, "tvaers_event_log_head") is None
    assert by_projection(samples, "tvaers_projection_lag_events") == {}
    assert requests(samples, "GET", "/health", 200) == 1


def test_each_app_counts_in_its_own_registry(
    client: TestClient[Litestar], store_settings: Settings
) -> None:
    register_organisation(client, "Jobcenter Svendborg", "employment")

    with TestClient(app=create_app(store_settings)) as other:
        samples = scrape(other)

    assert requests(samples, "POST", "/organisations", 201) is None
    # The same event log, though.
    assert value(samples, "tvaers_event_log_head") == tvaers(client).max_notification_id()
    assert requests(scrape(client), "POST", "/organisations", 201) == 1


def test_metrics_need_no_login(client: TestClient[Litestar]) -> None:
    handlers = [
        handler
        for route in client.app.routes
        if route.path == "/metrics"
        for handler in route.route_handlers
        if "GET" in getattr(handler, "http_methods", ())
    ]
    assert [handler.opt.get("access") for handler in handlers] == ["public"]
