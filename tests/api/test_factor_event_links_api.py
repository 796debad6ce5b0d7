"""HTTP: a factor linked to events of its partnership, by their number in its history
(`event_versions` when recorded, `POST .../factors/{id}/events` later). Refusals write
nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import tvaers
from tests.api.support import refused, write

pytestmark = pytest.mark.both_stores

FACTOR = {"origin": "internal", "effect": "barrier", "description": "Brobyggeren stoppede"}


def test_a_factor_is_linked_to_events_when_recorded_and_later(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    created = write(client, f"{base}/factors", {**FACTOR, "event_versions": [1]}, status=201)
    factor = created["id"]
    other = write(client, f"{base}/factors", {**FACTOR, "description": "Ny leder"}, status=201)
    write(client, f"{base}/factors/{factor}/events", {"event_version": other["version"]})
    stored = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    assert stored.factors[factor].event_versions == (1, other["version"])


def test_links_to_events_not_of_the_partnership_are_refused(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    created = write(client, f"{base}/factors", FACTOR, status=201)
    factor, own = created["id"], created["version"]
    refused(client, f"{base}/factors", {**FACTOR, "event_versions": [own + 9]}, 404, "not-found")
    refused(client, f"{base}/factors", {**FACTOR, "event_versions": [0]}, 400, "invalid-request")
    refused(client, f"{base}/factors/{factor}/events", {"event_version": own}, 422, "invalid-value")
    refused(client, f"{base}/factors/{factor}/events", {"event_version": own + 1}, 404, "not-found")
    refused(
        client,
        f"{base}/factors/{uuid.uuid4()}/events",
        {"event_version": 1},
        404,
        "not-found",
    )
    write(client, f"{base}/factors/{factor}/events", {"event_version": 1})
    refused(client, f"{base}/factors/{factor}/events", {"event_version": 1}, 422, "no-change")
