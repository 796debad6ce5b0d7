"""Logging in and out through the web UI, the dashboard, languages, and CSRF."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from services.settings import Settings
from tests.ui.conftest import ADMIN, post_form, text


def test_an_anonymous_visitor_is_sent_to_the_login_page_and_back_afterwards(
    ui_settings: Settings,
) -> None:
    from api.app import create_app
    from tests.api.conftest import add_user

    with TestClient(app=create_app(ui_settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        response = client.get("/ui/?lang=da", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/ui/login?next=%2Fui%3Flang%3Dda"

        page = client.get(response.headers["location"])
        assert 'name="next" value="/ui?lang=da"' in page.text
        answer = post_form(
            client,
            "/ui/login",
            {"username": ADMIN, "password": "et langt og hemmeligt kodeord", "next": "/ui?lang=da"},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/ui?lang=da"


def test_a_wrong_password_shows_a_danish_message_and_starts_no_session(
    ui_settings: Settings,
) -> None:
    from api.app import create_app
    from tests.api.conftest import add_user

    with TestClient(app=create_app(ui_settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        response = post_form(
            client, "/ui/login", {"username": ADMIN, "password": "forkert", "next": "/ui/"}
        )
        assert response.status_code == 401
        assert "Forkert brugernavn eller adgangskode." in text(response)
        assert f'value="{ADMIN}"' in response.text  # the username is kept
        assert client.get("/ui/", follow_redirects=False).status_code == 303

        empty = post_form(client, "/ui/login", {"username": "", "password": "", "next": "/ui/"})
        assert empty.status_code == 422
        assert "Skriv dit brugernavn." in text(empty)
        assert 'aria-invalid="true"' in empty.text


def test_the_password_is_masked_and_never_written_back_into_the_page(
    ui_settings: Settings,
) -> None:
    from api.app import create_app
    from tests.api.conftest import PASSWORD, add_user

    with TestClient(app=create_app(ui_settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        page = client.get("/ui/login")
        field = re.search(r'<input id="[^"]*" name="password"[^>]*>', page.text, re.S)
        assert field is not None
        assert 'type="password"' in field.group(0)

        wrong = "  forkert kodeord med mellemrum  "
        refused = post_form(client, "/ui/login", {"username": ADMIN, "password": wrong})
        assert refused.status_code == 401
        assert "forkert kodeord" not in refused.text  # the typed password is not echoed

        # Typed as it is: spaces at either end are part of a password, not trimmed away.
        spaced = f"  {PASSWORD}  "
        assert (
            post_form(client, "/ui/login", {"username": ADMIN, "password": spaced}).status_code
            == 401
        )
        assert (
            post_form(client, "/ui/login", {"username": ADMIN, "password": PASSWORD}).status_code
            == 303
        )


def test_login_leaves_only_to_local_pages(ui_settings: Settings) -> None:
    from api.app import create_app
    from tests.api.conftest import add_user

    with TestClient(app=create_app(ui_settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        for elsewhere in ("https://evil.example/", "//evil.example/ui/", "/schema"):
            answer = post_form(
                client,
                "/ui/login",
                {"username": ADMIN, "password": "et langt og hemmeligt kodeord", "next": elsewhere},
            )
            assert answer.headers["location"] == "/ui/"


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(
    ui: TestClient[Litestar],
) -> None:
    response = ui.post("/ui/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert ui.get("/ui/", follow_redirects=False).status_code == 200  # still logged in


def test_logging_out_ends_the_session_for_good(ui: TestClient[Litestar]) -> None:
    cookie = ui.cookies.get("tvaers_session")
    assert post_form(ui, "/ui/logout", {}).status_code == 303
    assert ui.get("/ui/", follow_redirects=False).status_code == 303
    # The old cookie, replayed, does not work either: its token was revoked.
    ui.cookies.set("tvaers_session", cookie)
    assert ui.get("/ui/", follow_redirects=False).status_code == 303


def test_the_dashboard_lists_my_partnerships_and_speaks_english_on_request(
    ui: TestClient[Litestar],
) -> None:
    page = ui.get("/ui/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "Mine partnerskaber" in text(page)
    assert '<html lang="da">' in page.text

    english = ui.get("/ui/?lang=en")
    assert "My partnerships" in text(english)
    assert '<html lang="en">' in english.text
    # remembered
    assert '<html lang="en">' in ui.get("/ui/").text
    assert '<html lang="da">' in ui.get("/ui/?lang=da").text


def test_the_root_leads_to_the_ui(ui: TestClient[Litestar]) -> None:
    response = ui.get("/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/ui/"


def test_the_language_link_keeps_the_page_and_its_query(ui: TestClient[Litestar]) -> None:
    page = ui.get("/ui/?lang=da&within=30")
    assert 'href="/ui?within=30&amp;lang=en" lang="en"' in page.text
