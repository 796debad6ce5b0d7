"""PostgreSQL down: every request answers 503 with Retry-After, and nothing acknowledged is lost.

Issue 12, finding 7: with PostgreSQL stopped, writes answered 500 `server-error`. This
module starts a throwaway cluster of its own (the session's shared one must keep
running), runs the app on it, stops PostgreSQL under the running app, and starts it
again. While it is down, reads and writes answer 503 `database-unavailable` with a
Retry-After; once it is back, the app serves again without a restart, and every write
that was acknowledged (2xx) before or after the outage is there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from services.settings import Settings
from tests import pgserver
from tests.api.conftest import add_user, assert_problem, token_for
from tests.conftest import TEST_SECRET_KEY

pytestmark = pytest.mark.postgres  # stops its own throwaway cluster

ADMIN = "drift@svendborg.dk"


class Cluster:
    """A throwaway PostgreSQL that the test may stop and start again (data kept)."""

    def __init__(self, server: pgserver.PostgresServer) -> None:
        self.server = server

    def stop(self) -> None:
        """`pg_ctl stop -m fast`: connections are closed, new ones refused."""
        server = self.server
        argv = [str(server.bindir / "pg_ctl"), "-D", str(server.datadir), "-m", "fast", "-w"]
        done = pgserver._run([*argv, "stop"], cwd=server.tmpdir, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert server._process is not None
        server._process.wait(timeout=30)

    def start(self) -> None:
        self.server._launch()
        assert self.server._wait_ready(time.monotonic() + 60), "PostgreSQL did not start again"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    reason = pgserver.available()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unavailable: {reason} (CI: must not be skipped)")
        pytest.skip(f"PostgreSQL unavailable: {reason}")
    server = pgserver.start()
    try:
        yield Cluster(server)
    finally:
        server.stop()


@pytest.fixture
def client(cluster: Cluster) -> Iterator[TestClient[Litestar]]:
    url = pgserver.create_database(cluster.server.url, "tvaers_down")
    settings = Settings(
        database_url=url,
        snapshot_interval=10,
        postgres_pool_size=4,
        housekeeping=False,
        secret_key=TEST_SECRET_KEY,
        cookie_secure=False,
        read_timeout=2.0,
    )
    with TestClient(app=create_app(settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        client.headers["Authorization"] = f"Bearer {token_for(client, ADMIN)}"
        assert client.get("/auth/me").status_code == 200
        yield client


def _organisation(client: TestClient[Litestar], name: str, key: str | None = None) -> Response:
    headers = {"Idempotency-Key": key} if key else None
    return client.post("/organisations", json={"name": name, "sector": "health"}, headers=headers)


def _unavailable(response: Response) -> dict[str, Any]:
    problem = assert_problem(response, 503, "database-unavailable")
    assert int(response.headers["retry-after"]) > 0
    return problem


def _until_served(client: TestClient[Litestar], seconds: float = 60) -> None:
    """Wait until the app serves again (its pools reconnect on their own)."""
    deadline = time.monotonic() + seconds
    while client.get("/auth/me").status_code != 200:
        assert time.monotonic() < deadline, "the app did not recover after PostgreSQL came back"
        time.sleep(0.2)


def test_postgresql_down_answers_503_with_retry_after_and_loses_nothing_acknowledged(
    client: TestClient[Litestar], cluster: Cluster
) -> None:
    acknowledged: dict[str, str] = {}
    for n in range(5):
        response = _organisation(client, f"Før nedbruddet {n}")
        assert response.status_code == 201, response.text
        acknowledged[response.json()["id"]] = f"Før nedbruddet {n}"
    known = next(iter(acknowledged))

    cluster.stop()
    try:
        # Writes, with and without an Idempotency-Key, and reads: all 503, never 500.
        for n in range(3):
            _unavailable(_organisation(client, f"Under nedbruddet {n}"))
        _unavailable(_organisation(client, "Gentaget", key="retry-me"))
        _unavailable(client.get(f"/organisations/{known}"))
        _unavailable(client.get("/registry/partnerships"))
    finally:
        cluster.start()

    _until_served(client)
    # The retry a client makes after the 503 is saved once.
    first = _organisation(client, "Gentaget", key="retry-me")
    assert first.status_code == 201, first.text
    again = _organisation(client, "Gentaget", key="retry-me")
    assert again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    acknowledged[first.json()["id"]] = "Gentaget"

    for organisation_id, name in acknowledged.items():
        response = client.get(f"/organisations/{organisation_id}")
        assert response.status_code == 200, response.text
        assert response.json()["name"] == name
