"""Liveness, readiness and the generated OpenAPI document."""

from __future__ import annotations

import gc
import json

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from services.settings import Settings
from tests.api.conftest import register_organisation, tvaers

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores

OPERATIONS = {
    "createPartnership",
    "listPartnerships",
    "getPartnership",
    "joinPartner",
    "createOrganisation",
    "getOrganisation",
    "health",
    "ready",
}
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_health_says_ok(client: TestClient[Litestar]) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_names_the_store_and_the_head_of_the_notification_log(
    client: TestClient[Litestar], store_settings: Settings
) -> None:
    head = tvaers(client).max_notification_id()  # the test user's account and token
    before = client.get("/ready")
    register_organisation(client, "Jobcenter Svendborg", "employment")
    after_a_write = client.get("/ready")

    assert before.status_code == 200
    assert before.json() == {
        "status": "ready",
        "store": store_settings.store,
        "max_notification_id": head,
        "lag": 0,
    }
    assert after_a_write.status_code == 200
    assert after_a_write.json()["max_notification_id"] == tvaers(client).max_notification_id()
    assert after_a_write.json()["max_notification_id"] > 0
    assert 0 <= after_a_write.json()["lag"] <= after_a_write.json()["max_notification_id"]


def test_ready_reports_how_far_the_views_lag_behind_the_log(
    client: TestClient[Litestar],
) -> None:
    head = tvaers(client).max_notification_id()
    client.blocking_portal.call(client.app.state.read_side.stop)  # views stop following the log
    register_organisation(client, "Jobcenter Svendborg", "employment")
    register_organisation(client, "DGI Storstrøm", "sports_organisation")
    body = client.get("/ready").json()
    assert body["max_notification_id"] == head + 2
    assert body["lag"] >= 1


def test_ready_answers_503_when_the_store_cannot_be_read(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable() -> int:
        raise ConnectionError("store is down")

    monkeypatch.setattr(tvaers(client), "max_notification_id", unreachable)

    response = client.get("/ready")

    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "store is down" not in response.text


def test_the_openapi_document_is_json_and_names_every_operation(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/schema/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.text)
    assert document["openapi"].startswith("3.")
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert operations
    unnamed = [(path, method) for path, method, op in operations if not op.get("operationId")]
    assert not unnamed, f"operations without an operationId: {unnamed}"
    operation_ids = [op["operationId"] for _, _, op in operations]
    assert len(operation_ids) == len(set(operation_ids)), "operation ids must be unique"
    assert set(operation_ids) >= OPERATIONS


def test_a_running_app_keeps_its_start_up_objects_out_of_garbage_collection(
    store_settings: Settings,
) -> None:
    # A full collection over them stalled ~1 % of requests for 110-170 ms.
    assert gc.get_freeze_count() == 0
    with TestClient(app=create_app(store_settings)) as running:
        assert running.get("/health").status_code == 200
        assert gc.get_freeze_count() > 50_000
    assert gc.get_freeze_count() == 0  # stopped: collectable again
