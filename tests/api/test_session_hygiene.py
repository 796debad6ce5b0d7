"""Sessions end with what should end them (issue 12, findings 5, 6 and 7's access writes).

- A password change, a deactivation or the loss of administrator rights revokes the
  user's other sessions and tokens (the session changing its own password stays).
- The last active administrator cannot be demoted or deactivated (409).
- The JSON API takes writes with a bearer token only: the web UI's session cookie may
  read, and log out, but a write made with it alone is refused (CSRF).
- An access change that is saved answers 2xx even when the views lag.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from services.settings import Settings
from tests.api.conftest import (
    ACTOR,
    PASSWORD,
    add_user,
    as_user,
    assert_problem,
    token_for,
    tvaers,
)

pytestmark = pytest.mark.both_stores

USER = "leder@svendborg.dk"
OTHER_ADMIN = "it@svendborg.dk"
NEW_PASSWORD = "et helt nyt og langt kodeord"


class Browser:
    """A browser on the same app: its own cookies (the session), no bearer token."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.cookies = httpx.Cookies()

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = self.client
        bearer = client.headers.pop("Authorization", None)
        theirs, client.cookies = client.cookies, self.cookies
        try:
            return client.request(method, path, **kwargs)
        finally:
            self.cookies, client.cookies = client.cookies, theirs
            if bearer is not None:
                client.headers["Authorization"] = bearer

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


def _me(client: TestClient[Litestar] | Browser, headers: dict[str, str] | None = None) -> int:
    return client.get("/auth/me", headers=headers or {}).status_code


def _cookie_client(client: TestClient[Litestar], username: str) -> Browser:
    """A browser logged in as `username` through POST /auth/login (the session cookie)."""
    browser = Browser(client)
    response = browser.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    assert _me(browser) == 200
    return browser


def test_changing_your_own_password_ends_your_other_sessions_and_tokens(
    client: TestClient[Litestar],
) -> None:
    add_user(client, USER)
    current = as_user(client, USER)
    other_token = as_user(client, USER)
    browser = _cookie_client(client, USER)

    changed = client.post(
        f"/users/{USER}/password",
        json={"new_password": NEW_PASSWORD, "current_password": PASSWORD},
        headers=current,
    )

    assert changed.status_code == 200, changed.text
    assert _me(client, current) == 200  # the one that changed it stays
    assert _me(client, other_token) == 401
    assert _me(browser) == 401
    log = client.get("/access-log", params={"username": USER}).json()["items"]
    kinds = [entry["kind"] for entry in log]
    assert kinds[:3] == ["token_revoked", "token_revoked", "password_changed"]


def test_an_administrator_resetting_a_password_ends_every_session_of_the_user(
    client: TestClient[Litestar],
) -> None:
    add_user(client, USER)
    token = as_user(client, USER)
    browser = _cookie_client(client, USER)

    reset = client.post(f"/users/{USER}/password", json={"new_password": NEW_PASSWORD})

    assert reset.status_code == 200, reset.text
    assert _me(client, token) == 401
    assert _me(browser) == 401
    assert _me(client) == 200  # the administrator's own token is untouched


def test_losing_administrator_rights_ends_the_users_sessions(
    client: TestClient[Litestar],
) -> None:
    add_user(client, OTHER_ADMIN, is_admin=True)
    token = as_user(client, OTHER_ADMIN)
    browser = _cookie_client(client, OTHER_ADMIN)

    demoted = client.post(f"/users/{OTHER_ADMIN}/admin", json={"is_admin": False})

    assert demoted.status_code == 200, demoted.text
    assert _me(client, token) == 401
    assert _me(browser) == 401


def test_an_administrator_demoting_themselves_keeps_only_the_session_they_use(
    client: TestClient[Litestar],
) -> None:
    add_user(client, OTHER_ADMIN, is_admin=True)
    current = as_user(client, OTHER_ADMIN)
    other = as_user(client, OTHER_ADMIN)

    demoted = client.post(f"/users/{OTHER_ADMIN}/admin", json={"is_admin": False}, headers=current)

    assert demoted.status_code == 200, demoted.text
    me = client.get("/auth/me", headers=current)
    assert me.status_code == 200
    assert me.json()["is_admin"] is False
    assert _me(client, other) == 401


def test_deactivation_ends_every_session_and_token(client: TestClient[Litestar]) -> None:
    add_user(client, USER)
    token = as_user(client, USER)
    browser = _cookie_client(client, USER)

    response = client.post(f"/users/{USER}/deactivation", json={"reason": "Fratrådt"})

    assert response.status_code == 200, response.text
    assert _me(client, token) == 401
    assert _me(browser) == 401


def test_the_last_active_administrator_can_be_neither_demoted_nor_deactivated(
    client: TestClient[Litestar],
) -> None:
    head = tvaers(client).max_notification_id()

    demoted = client.post(f"/users/{ACTOR}/admin", json={"is_admin": False})
    deactivated = client.post(f"/users/{ACTOR}/deactivation", json={})

    for response in (demoted, deactivated):
        body = assert_problem(response, 409, "last-administrator")
        assert "last active administrator" in body["detail"]
        assert "sidste aktive administrator" in body["detail"]
    assert tvaers(client).max_notification_id() == head
    assert client.get(f"/users/{ACTOR}").json()["is_admin"] is True


def test_with_two_administrators_one_may_go_but_not_the_other_after_it(
    client: TestClient[Litestar],
) -> None:
    add_user(client, OTHER_ADMIN, is_admin=True)

    first = client.post(f"/users/{OTHER_ADMIN}/admin", json={"is_admin": False})
    second = client.post(f"/users/{ACTOR}/admin", json={"is_admin": False})

    assert first.status_code == 200, first.text
    assert_problem(second, 409, "last-administrator")


def test_a_deactivated_administrator_does_not_count(client: TestClient[Litestar]) -> None:
    add_user(client, OTHER_ADMIN, is_admin=True)
    assert client.post(f"/users/{OTHER_ADMIN}/deactivation", json={}).status_code == 200

    assert_problem(client.post(f"/users/{ACTOR}/deactivation", json={}), 409, "last-administrator")
    assert client.post(f"/users/{OTHER_ADMIN}/reactivation", json={}).status_code == 200
    assert client.post(f"/users/{ACTOR}/admin", json={"is_admin": False}).status_code == 200


def test_the_json_api_refuses_writes_made_with_the_session_cookie_alone(
    client: TestClient[Litestar],
) -> None:
    add_user(client, OTHER_ADMIN, is_admin=True)
    browser = _cookie_client(client, OTHER_ADMIN)
    head = tvaers(client).max_notification_id()
    organisation = {"name": "Forged Forening", "sector": "health"}

    as_json = browser.post("/organisations", json=organisation)
    as_text = browser.post(
        "/organisations",
        content=b'{"name": "Forged Forening", "sector": "health"}',
        headers={"Content-Type": "text/plain"},
    )
    grant = browser.post(f"/users/{OTHER_ADMIN}/admin", json={"is_admin": False})

    body = assert_problem(as_json, 403, "forbidden")
    assert "bearer token" in body["detail"]
    assert as_text.status_code in (403, 415)
    assert_problem(grant, 403, "forbidden")
    assert tvaers(client).max_notification_id() == head
    # Reading with the cookie works; so does writing with a bearer token.
    assert browser.get("/partnerships").status_code == 200
    bearer = {"Authorization": f"Bearer {token_for(client, OTHER_ADMIN)}"}
    assert browser.post("/organisations", json=organisation, headers=bearer).status_code == 201
    # Logging out is the one write the cookie may make.
    assert browser.post("/auth/logout").status_code == 204
    assert _me(browser) == 401


@pytest.fixture
def lagging(store_settings: Settings) -> Iterator[TestClient[Litestar]]:
    """An administrator's client on an app whose views have stopped following the log."""
    settings = dataclasses.replace(store_settings, read_timeout=0.2)
    with TestClient(app=create_app(settings)) as client:
        add_user(client, ACTOR, is_admin=True)
        add_user(client, OTHER_ADMIN, is_admin=True)
        add_user(client, USER)
        client.headers["Authorization"] = f"Bearer {token_for(client, ACTOR)}"
        assert _me(client) == 200
        client.blocking_portal.call(client.app.state.read_side.stop)
        yield client


def test_access_writes_answer_2xx_once_saved_even_when_the_views_lag(
    lagging: TestClient[Litestar],
) -> None:
    client = lagging
    writes = [
        client.post(f"/users/{USER}/grants", json={"role": "evaluator", "municipality": "Greve"}),
        client.post(f"/users/{USER}/password", json={"new_password": NEW_PASSWORD}),
        client.post(f"/users/{OTHER_ADMIN}/admin", json={"is_admin": False}),
        client.post(f"/users/{USER}/deactivation", json={}),
        client.post(f"/users/{USER}/reactivation", json={}),
    ]

    head = tvaers(client).max_notification_id()
    for response in writes:
        assert response.status_code in (200, 201), response.text
        assert response.headers["Tvaers-Views"] == "catching-up"
        assert 0 < response.json()["notification_id"] <= head
    assert tvaers(client).get_account(OTHER_ADMIN).is_admin is False
