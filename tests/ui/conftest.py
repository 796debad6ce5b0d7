"""Web UI tests through Litestar's test client (HTML in, HTML out), on SQLite.

The UI runs on the same services, views and access guard as the JSON API, which are
tested on both stores; these tests check the pages themselves.

Fixtures
--------
``ui``
    A `TestClient` over `create_app` on a fresh SQLite file, with the lifespan running,
    logged in through the login form as ADMIN (an administrator).
``ui_settings``
    Its settings.

Helpers
-------
``login(client, username)`` logs a client in through the form; ``csrf(client)`` gives
the CSRF token to post with; ``post_form(client, path, data)`` posts a form with it;
``text(response)`` is a page's visible text (tags dropped, whitespace squeezed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from services.settings import Settings
from tests.api.conftest import PASSWORD, add_user, tvaers
from tests.apps import app_for
from tests.conftest import TEST_SECRET_KEY, sqlite_copy

ADMIN = "admin@svendborg.dk"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def ui_settings(tmp_path: Path, prepared_sqlite_template: Path) -> Settings:
    return Settings(
        database_url=sqlite_copy(prepared_sqlite_template, tmp_path),
        snapshot_interval=10,
        housekeeping=False,
        cookie_secure=False,
        secret_key=TEST_SECRET_KEY,
    )


@pytest.fixture
def ui(ui_settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app_for(ui_settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        login(client, ADMIN)
        yield client


def csrf(client: TestClient[Litestar]) -> str:
    """The CSRF token of the client's cookie, as a page of the UI hands it out."""
    page = client.get("/ui/login")
    match = CSRF_FIELD.search(page.text)
    if match is None:
        match = re.search(r'"x-csrftoken": "([^"]+)"', page.text)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def login(client: TestClient[Litestar], username: str, password: str = PASSWORD) -> Response:
    response = post_form(
        client, "/ui/login", {"username": username, "password": password, "next": "/ui/"}
    )
    assert response.status_code == 303, response.text
    return response


def post_form(client: TestClient[Litestar], path: str, data: dict[str, Any]) -> Response:
    return client.post(path, data={"_csrf_token": csrf(client), **data}, follow_redirects=False)


def text(response: Response) -> str:
    """The page's text as a reader sees it: no tags, no scripts, whitespace squeezed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.text, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


__all__ = ["ADMIN", "add_user", "csrf", "login", "post_form", "text", "tvaers"]
