"""Idempotency-Key: a retried write gives the first result and writes nothing more."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, Registry
from services.application import CommandResult, Idempotency
from services.commands import RegisterPartnership
from services.errors import IdempotencyKeyReused
from tests.api.conftest import (
    ACTOR,
    add_user,
    as_user,
    assert_problem,
    partnership_body,
    register_organisation,
    tvaers,
)
from tests.commands import execute

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores


def _post(
    client: TestClient[Litestar], path: str, body: dict[str, Any], key: str, **headers: str
) -> Response:
    return client.post(path, json=body, headers={"Idempotency-Key": key, **headers})


def test_a_retried_registration_returns_the_first_result_and_writes_one_event(
    client: TestClient[Litestar], lead_id: str
) -> None:
    body = partnership_body(lead_id)
    first = _post(client, "/partnerships", body, "reg-2026-0001")
    head = tvaers(client).max_notification_id()

    retry = _post(client, "/partnerships", body, "reg-2026-0001")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["etag"] == first.headers["etag"]
    assert tvaers(client).max_notification_id() == head
    # The first result's notification id is the write's, so read-your-writes still holds.
    found = client.get(
        "/registry/partnerships", params={"after": retry.json()["notification_id"]}
    ).json()
    assert [hit["id"] for hit in found["hits"]] == [first.json()["id"]]


def test_key_order_and_spacing_in_the_body_do_not_make_a_different_request(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    path = f"/partnerships/{partnership_id}/partners"
    first = client.post(
        path,
        content=f'{{"organisation_id": "{club}", "rung": 2}}',
        headers={"Idempotency-Key": "k1", "Content-Type": "application/json"},
    )
    retry = client.post(
        path,
        content=f'{{"rung":2,"organisation_id":"{club}"}}',
        headers={"Idempotency-Key": "k1", "Content-Type": "application/json"},
    )

    assert first.status_code == 201, first.text
    assert retry.json() == first.json()


def test_the_same_key_with_a_different_body_is_refused_and_writes_nothing(
    client: TestClient[Litestar], lead_id: str
) -> None:
    _post(client, "/partnerships", partnership_body(lead_id), "reg-1")
    head = tvaers(client).max_notification_id()

    other = _post(client, "/partnerships", partnership_body(lead_id, title="Andet"), "reg-1")
    elsewhere = _post(client, "/organisations", {"name": "X", "sector": "health"}, "reg-1")

    assert_problem(other, 422, "idempotency-key-reused")
    assert_problem(elsewhere, 422, "idempotency-key-reused")
    assert tvaers(client).max_notification_id() == head


def test_keys_belong_to_their_user(client: TestClient[Litestar], lead_id: str) -> None:
    add_user(client, "kollega@svendborg.dk", is_admin=True)
    colleague = as_user(client, "kollega@svendborg.dk")
    body = partnership_body(lead_id)

    mine = _post(client, "/partnerships", body, "samme-noegle")
    theirs = _post(client, "/partnerships", body, "samme-noegle", **colleague)

    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_refused_first_attempt_does_not_use_up_the_key(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/partners"
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    closed = register_organisation(client, "Nedlagt forening", "sports_club")
    client.post(f"/organisations/{closed}/closure", json={})

    refused = _post(client, path, {"organisation_id": closed}, "join-1")
    retried = _post(client, path, {"organisation_id": club}, "join-1")

    assert refused.status_code == 422
    assert retried.status_code == 201, retried.text


def test_a_malformed_key_is_a_400(client: TestClient[Litestar], lead_id: str) -> None:
    head = tvaers(client).max_notification_id()

    response = _post(client, "/partnerships", partnership_body(lead_id), "x" * 300)

    assert_problem(response, 400, "invalid-request")
    assert tvaers(client).max_notification_id() == head


def test_concurrent_retries_with_one_key_write_once(
    client: TestClient[Litestar], lead_id: str
) -> None:
    """Eight threads send the same keyed command at once: one event, one answer."""
    service = tvaers(client)
    registry = Registry(title="Samtidig", municipality="Svendborg")
    key = Idempotency(actor=ACTOR, key="race", fingerprint="f" * 64)
    head = service.max_notification_id()
    results: list[CommandResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        try:
            result, _ = service.idempotent(
                key,
                lambda: execute(
                    service,
                    RegisterPartnership.of(registry, lead_organisation_id=UUID(lead_id)),
                    Meta(actor=ACTOR),
                ),
            )
            results.append(result)
        except BaseException as error:  # noqa: BLE001 - collected and asserted on below
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({r.created_id for r in results}) == 1
    assert len({r.notification_id for r in results}) == 1
    # One partnership, its creator's grant and the key's record: one transaction.
    assert service.max_notification_id() == head + 3


def test_the_service_refuses_a_reused_key_with_a_named_error(
    client: TestClient[Litestar], lead_id: str
) -> None:
    _post(client, "/partnerships", partnership_body(lead_id), "k")
    service = tvaers(client)
    reused = Idempotency(actor=ACTOR, key="k", fingerprint="0" * 64)

    def must_not_run() -> CommandResult:
        raise AssertionError("the command ran again")

    with pytest.raises(IdempotencyKeyReused, match="different request"):
        service.idempotent(reused, must_not_run)
