"""The thin path of bearer-token writes (api/thin.py, ADR 0027, issue 17): the route's own
handling without the browser's middleware, and every refusal still in place.

Each write here would also pass through the full stack; the first two tests prove it did
not (the middleware did not run; no task group was made), the others that what the
middleware stack and the guard refuse is still refused, with nothing written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from litestar import Litestar
from litestar._kwargs import kwargs_model
from litestar.testing import TestClient

from api.auth import CookieSession, TokenAuthenticationMiddleware
from services.security import parse_token
from tests.api.conftest import (
    PASSWORD,
    add_user,
    as_user,
    assert_problem,
    register_partnership,
    token_for,
)
from tests.api.support import nothing_written, refused

pytestmark = pytest.mark.both_stores

FACTOR = {"origin": "internal", "effect": "promoting", "description": "Ledelsen bakker op"}
LEADER = "leder@nyborg.dk"


def _factors(partnership_id: str) -> str:
    return f"/partnerships/{partnership_id}/factors"


def test_a_bearer_write_skips_the_browsers_middleware(
    client: TestClient[Litestar], partnership_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither the session cookie's nor the authentication middleware runs (the thin
    path authenticates itself); the answer has every header the full stack gives."""
    ran: list[str] = []

    def spy(cls: type[Any]) -> None:
        original = cls.__call__

        async def call(self: Any, scope: Any, receive: Any, send: Any) -> None:
            ran.append(cls.__name__)
            await original(self, scope, receive, send)

        monkeypatch.setattr(cls, "__call__", call)

    spy(CookieSession)
    spy(TokenAuthenticationMiddleware)
    response = client.post(_factors(partnership_id), json=FACTOR)
    assert response.status_code == 201, response.text
    assert ran == []
    for header in ("x-request-id", "x-correlation-id", "content-security-policy", "etag"):
        assert header in response.headers

    assert client.get(f"/partnerships/{partnership_id}").status_code == 200
    assert ran == ["CookieSession", "TokenAuthenticationMiddleware"]  # reads: full stack


def test_dependencies_are_resolved_without_a_task_group(
    client: TestClient[Litestar], partnership_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A route's cheap dependencies (tvaers, context) are resolved in turn: no anyio task
    group (a task, cancel scope and event each) on every request."""

    def no_task_group() -> Any:
        raise AssertionError("a task group was made to resolve dependencies")

    monkeypatch.setattr(kwargs_model, "create_task_group", no_task_group)
    response = client.post(_factors(partnership_id), json=FACTOR)
    assert response.status_code == 201, response.text


def test_a_revoked_token_may_not_write(client: TestClient[Litestar], partnership_id: str) -> None:
    token = token_for(client, "tovholder@svendborg.dk")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.post(_factors(partnership_id), json=FACTOR, headers=bearer).status_code == 201
    parsed = parse_token(token)
    assert parsed is not None
    assert client.delete(f"/auth/tokens/{parsed[0]}").status_code == 204
    with nothing_written(client):
        response = client.post(_factors(partnership_id), json=FACTOR, headers=bearer)
    assert_problem(response, 401)


def test_a_project_leader_may_not_write_in_another_municipality(
    client: TestClient[Litestar], lead_id: str
) -> None:
    """Municipality isolation: a municipality-wide grant covers only its municipality."""
    ours = register_partnership(client, lead_id, municipality="Nyborg")
    theirs = register_partnership(client, lead_id, municipality="Svendborg")
    add_user(client, LEADER)
    granted = client.post(
        f"/users/{LEADER}/grants", json={"role": "project_leader", "municipality": "Nyborg"}
    )
    assert granted.status_code in (200, 201), granted.text
    leader = as_user(client, LEADER)
    assert client.post(_factors(ours), json=FACTOR, headers=leader).status_code == 201
    with nothing_written(client):
        response = client.post(_factors(theirs), json=FACTOR, headers=leader)
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_a_strict_body_is_still_checked(client: TestClient[Litestar], partnership_id: str) -> None:
    body = refused(client, _factors(partnership_id), {**FACTOR, "extra": 1}, 400)
    assert "extra" in json.dumps(body)
    with nothing_written(client):
        response = client.post(
            _factors(partnership_id),
            content=json.dumps(FACTOR),
            headers={"Content-Type": "text/plain"},
        )
    assert_problem(response, 415)


def test_a_bearer_post_to_the_web_ui_is_still_csrf_checked(client: TestClient[Litestar]) -> None:
    """A path the CSRF middleware covers takes the full stack, bearer header or not."""
    with nothing_written(client):
        response = client.post(
            "/ui/organisations/new",
            data={"name": "Uden CSRF", "sector": "health"},
            follow_redirects=False,
        )
    assert response.status_code == 403, response.text
    assert "csrf" in response.text.lower()


def test_a_cookie_may_still_not_write_to_the_json_api(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    """Without a bearer header a write is the browser's: full stack, and the session
    cookie may not write to the JSON API (ADR 0013)."""
    with TestClient(app=client.app) as browser:
        page = browser.get("/ui/login")
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        login = browser.post(
            "/ui/login",
            data={
                "_csrf_token": token,
                "username": "tovholder@svendborg.dk",
                "password": PASSWORD,
                "next": "/ui/",
            },
            follow_redirects=False,
        )
        assert login.status_code == 303, login.text
        with nothing_written(client):
            response = browser.post(_factors(partnership_id), json=FACTOR)
        assert_problem(response, 403)


def test_the_request_log_line_names_the_actor(
    client: TestClient[Litestar], partnership_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = client.post(_factors(partnership_id), json=FACTOR)
    assert response.status_code == 201
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    request = [x for x in lines if x.get("event") == "request" and x.get("status") == 201]
    assert request, lines
    assert request[-1]["actor"] == "tovholder@svendborg.dk"
    assert request[-1]["request_id"] == response.headers["x-request-id"]
