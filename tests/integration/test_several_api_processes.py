"""Several API processes on one PostgreSQL, the views kept by an external projector
(TVAERS_PROJECTIONS=external, issue 17): a write on one process is read on the other
(read-your-writes waits for the projector), a token works on both, and one revoked on
one process stops working on the other; processes starting together on a fresh database
all start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from aggregates import Meta, TokenKind
from services.application import Tvaers
from services.commands import CreateAccount, Envelope
from services.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.projections.failover import ROOT, Replica

ADMIN, PASSWORD = "admin@svendborg.dk", "et-langt-kodeord-til-test"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`tvaers serve` as its own process, projections external: (base URL, process)."""
    port = _free_port()
    env = {
        **os.environ,
        "TVAERS_DATABASE_URL": database_url,
        "TVAERS_PROJECTIONS": "external",
        "TVAERS_SECRET_KEY": TEST_SECRET_KEY,  # shared: a session cookie works on both
        "TVAERS_HOUSEKEEPING": "off",
        "TVAERS_COOKIE_SECURE": "off",
        "TVAERS_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _healthy(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            assert process.stderr is not None
            raise AssertionError(process.stderr.read().decode()[-3000:])
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)


def _json(response: httpx.Response, status: int) -> Any:
    assert response.status_code == status, (response.status_code, response.text)
    return response.json() if response.content else None


@pytest.fixture
def two_servers(postgres_database_url: str) -> Iterator[tuple[httpx.Client, httpx.Client, str]]:
    settings = Settings(
        database_url=postgres_database_url, housekeeping=False, secret_key=TEST_SECRET_KEY
    )
    app = Tvaers(settings)
    meta = Meta(actor="cli:test")
    app.execute(
        CreateAccount(username=ADMIN, display_name="Admin", password=PASSWORD, is_admin=True),
        Envelope(meta),
    )
    token = app.issue_token(ADMIN, TokenKind.BEARER, "test", timedelta(days=1), meta).token
    app.close()
    projector = Replica(postgres_database_url, "projector")
    try:
        with ExitStack() as servers:
            started = [servers.enter_context(_server(postgres_database_url)) for _ in range(2)]
            for base, process in started:  # both start at once
                _healthy(base, process)
            bases = [base for base, _ in started]
            clients = [
                servers.enter_context(
                    httpx.Client(
                        base_url=base,
                        headers={"Authorization": f"Bearer {token}"},
                        timeout=20,
                    )
                )
                for base in bases
            ]
            yield clients[0], clients[1], token
    finally:
        assert projector.stop() == 0, projector.log()


def test_a_write_on_one_process_is_read_on_the_other_and_a_revoked_token_refused_by_both(
    two_servers: tuple[httpx.Client, httpx.Client, str],
) -> None:
    one, other, _ = two_servers
    for number, (writer, reader) in enumerate([(one, other), (other, one)] * 3):
        name = f"Frivilligcenter {number}"
        written = _json(
            writer.post("/organisations", json={"name": name, "sector": "voluntary"}), 201
        )
        # Read-your-writes on the other process: it waits for the external projector.
        page = _json(
            reader.get("/organisations", params={"q": name, "after": written["notification_id"]}),
            200,
        )
        assert [o["id"] for o in page["items"]] == [written["id"]], page
        # The aggregate itself, through the other process's cache (fast-forwarded).
        _json(reader.get(f"/organisations/{written['id']}"), 200)

    # A token revoked on one process stops working on the other.
    issued = _json(
        one.post("/auth/tokens", json={"username": ADMIN, "password": PASSWORD, "label": "b"}),
        201,
    )
    second = {"Authorization": f"Bearer {issued['token']}"}
    assert _json(other.get("/auth/me", headers=second), 200)["username"] == ADMIN
    assert _json(one.get("/auth/me", headers=second), 200)["username"] == ADMIN

    _json(one.delete(f"/auth/tokens/{issued['token_id']}"), 204)
    # 204 means the views hold the revocation: the other process refuses it as well.
    assert other.get("/auth/me", headers=second).status_code == 401
    assert one.get("/auth/me", headers=second).status_code == 401


def test_processes_starting_together_on_a_fresh_database_all_start(
    make_postgres_database: Callable[[], str],
) -> None:
    """Each creates the event store's tables if missing: one at a time (the schema lock),
    not racing in PostgreSQL's catalog ("tuple concurrently updated", duplicate pg_type)."""
    for _ in range(6):
        settings = Settings(database_url=make_postgres_database(), housekeeping=False)
        barrier = threading.Barrier(4)

        def start(settings: Settings = settings, barrier: threading.Barrier = barrier) -> int:
            barrier.wait()
            app = Tvaers(settings)
            try:
                return app.max_notification_id()
            finally:
                app.close()

        with ThreadPoolExecutor(4) as pool:
            assert list(pool.map(lambda _: start(), range(4))) == [0] * 4
