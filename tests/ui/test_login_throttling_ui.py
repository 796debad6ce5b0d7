"""The login form is throttled like the API's logins, and says so in Danish (issue 12, 4)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from services.settings import Settings
from tests.api.conftest import PASSWORD, add_user, token_for
from tests.ui.conftest import ADMIN, login, post_form, text

USER = "leder@svendborg.dk"
WRONG = "forkert kodeord, helt forkert"


@pytest.fixture
def browser(ui_settings: Settings) -> Iterator[TestClient[Litestar]]:
    """Not logged in; three failed logins lock a name, ten attempts a minute per address."""
    settings = dataclasses.replace(
        ui_settings, login_max_failures=3, login_lock_seconds=30, login_attempts_per_minute=10
    )
    with TestClient(app=create_app(settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        add_user(client, USER)
        yield client


def _form_login(client: TestClient[Litestar], username: str, password: str) -> Response:
    return post_form(client, "/ui/login", {"username": username, "password": password})


def test_failed_logins_lock_the_form_with_a_danish_message(
    browser: TestClient[Litestar],
) -> None:
    for _ in range(3):
        refused = _form_login(browser, USER, WRONG)
        assert refused.status_code == 401
        assert "Forkert brugernavn eller adgangskode." in text(refused)

    locked = _form_login(browser, USER, PASSWORD)

    assert locked.status_code == 429
    seconds = int(locked.headers["Retry-After"])
    assert 1 <= seconds <= 30
    assert f"For mange mislykkede loginforsøg. Vent {seconds} sekunder" in text(locked)
    assert "tvaers_session" not in browser.cookies
    assert browser.get("/ui/", follow_redirects=False).status_code == 303  # not logged in


def test_an_unknown_name_is_locked_the_same_way(browser: TestClient[Litestar]) -> None:
    answers = []
    for name in (USER, "ingen@svendborg.dk"):
        answers.append([_form_login(browser, name, WRONG).status_code for _ in range(4)])

    assert answers == [[401, 401, 401, 429]] * 2


def test_an_administrator_lifts_the_lock_and_the_form_works_again(
    browser: TestClient[Litestar],
) -> None:
    for _ in range(3):
        _form_login(browser, USER, WRONG)
    admin = {"Authorization": f"Bearer {token_for(browser, ADMIN)}"}
    assert browser.delete(f"/login-locks/{USER}", headers=admin).status_code == 204

    assert login(browser, USER).status_code == 303


def test_too_many_attempts_from_one_address_get_a_danish_page(
    browser: TestClient[Litestar],
) -> None:
    statuses = [
        _form_login(browser, f"bruger{n}@svendborg.dk", WRONG).status_code for n in range(10)
    ]
    refused = _form_login(browser, USER, PASSWORD)

    assert statuses == [401] * 10
    assert refused.status_code == 429
    assert "For mange loginforsøg fra din adresse" in text(refused)
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
