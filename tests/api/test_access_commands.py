"""Access writes run as commands (ADR 0014) and keep the API's promises: an Idempotency-Key
makes a retried user creation or grant return the first result and write nothing more;
the plain password is never stored in an event."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import tvaers
from tests.api.support import accepted

USER = "retry@svendborg.dk"
PASSWORD = "et-langt-kodeord-til-test"


def test_a_retried_user_creation_and_grant_are_written_once(client: TestClient[Litestar]) -> None:
    body = {"username": USER, "display_name": "Retry", "password": PASSWORD}
    first = client.post("/users", json=body, headers={"Idempotency-Key": "create-retry-1"})
    again = client.post("/users", json=body, headers={"Idempotency-Key": "create-retry-1"})
    assert accepted(again, 201) == accepted(first, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers

    grant = {"role": "evaluator", "municipality": "Svendborg"}
    path = f"/users/{USER}/grants"
    one = client.post(path, json=grant, headers={"Idempotency-Key": "grant-retry-1"})
    two = client.post(path, json=grant, headers={"Idempotency-Key": "grant-retry-1"})
    assert accepted(two, 201) == accepted(one, 201)
    assert two.headers["Idempotent-Replayed"] == "true"

    account = tvaers(client).get_account(USER)
    assert account.version == 2  # created, granted: nothing more
    assert len(client.get(f"/users/{USER}").json()["grants"]) == 1
    for event in tvaers(client).repository.event_store.get(account.id):
        assert PASSWORD not in repr(event)
