"""HTTP tests: the app from `create_app`, driven through Litestar's test client on both stores.

Fixtures
--------
``client``
    A `TestClient` over the app (tests/apps.py: built once, a fresh store per test) with
    the lifespan running on `store_settings`, so every
    test that takes it runs on SQLite and on a fresh PostgreSQL database.
``lead_id``, ``partnership_id``
    A registered lead organisation, and a partnership it leads.

Helpers build the common writes and check problem-details responses.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, TokenKind
from services.application import Tvaers
from services.commands import CreateAccount
from services.settings import Settings
from tests.apps import app_for
from tests.commands import execute

ACTOR = "tovholder@svendborg.dk"
PROBLEM_FIELDS = ("type", "title", "status", "detail", "instance")


PASSWORD = "et langt og hemmeligt kodeord"


@pytest.fixture
def client(store_settings: Settings) -> Iterator[TestClient[Litestar]]:
    """A client logged in (bearer token) as ACTOR, an administrator."""
    with TestClient(app=app_for(store_settings)) as client:
        add_user(client, ACTOR, is_admin=True)
        client.headers["Authorization"] = f"Bearer {token_for(client, ACTOR)}"
        # The views know the token before a test begins (some stop the views).
        assert client.get("/auth/me").status_code == 200
        yield client


def add_user(client: TestClient[Litestar], username: str, *, is_admin: bool = False) -> None:
    """An account made directly through the service (the HTTP way is tested on its own)."""
    execute(
        tvaers(client),
        CreateAccount(
            username=username,
            display_name=username.split("@", maxsplit=1)[0].title(),
            password=PASSWORD,
            is_admin=is_admin,
        ),
        Meta(actor="cli:test"),
    )


def token_for(client: TestClient[Litestar], username: str) -> str:
    issued = tvaers(client).issue_token(
        username, TokenKind.BEARER, "test", timedelta(hours=1), Meta(actor=username)
    )
    return issued.token


def as_user(client: TestClient[Litestar], username: str) -> dict[str, str]:
    """Headers that make one request as `username` (an account made with add_user)."""
    return {"Authorization": f"Bearer {token_for(client, username)}"}


def tvaers(client: TestClient[Litestar]) -> Tvaers:
    """The application service the app's lifespan created."""
    service: Tvaers = client.app.state.tvaers
    return service


def created(response: Response) -> dict[str, Any]:
    """The body of a write that must have succeeded."""
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def register_organisation(
    client: TestClient[Litestar], name: str, sector: str = "health", **fields: Any
) -> str:
    body = {"name": name, "sector": sector, **fields}
    return str(created(client.post("/organisations", json=body))["id"])


def partnership_body(lead_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Bevæg dig for livet",
        "municipality": "Svendborg",
        "lead_organisation_id": lead_id,
        **fields,
    }


def register_partnership(client: TestClient[Litestar], lead_id: str, **fields: Any) -> str:
    """A partnership registered as of 2020-01-01 unless told otherwise: partners join on
    or after the partnership starts (its period's start, else its registration)."""
    fields.setdefault("valid_on", "2020-01-01")
    response = client.post("/partnerships", json=partnership_body(lead_id, **fields))
    return str(created(response)["id"])


def join(
    client: TestClient[Litestar],
    partnership_id: str,
    organisation_id: str,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> Response:
    return client.post(
        f"/partnerships/{partnership_id}/partners",
        json={"organisation_id": organisation_id, **fields},
        headers=headers,
    )


def assert_problem(response: Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with this status (and type code)."""
    assert "Traceback" not in response.text
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    missing = [field for field in PROBLEM_FIELDS if not body.get(field)]
    assert not missing, f"problem document lacks {missing}: {body}"
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["instance"] == response.request.url.path
    if code is not None:
        assert body["type"] == f"/problems/{code}"
    return body


@pytest.fixture
def lead_id(client: TestClient[Litestar]) -> str:
    return register_organisation(client, "Sundhed og Forebyggelse, Svendborg Kommune")


@pytest.fixture
def partnership_id(client: TestClient[Litestar], lead_id: str) -> str:
    return register_partnership(client, lead_id)
