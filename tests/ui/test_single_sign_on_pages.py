"""The login page with single sign-on set up (api/oidc.py; the browser tests with a real
provider are tests/e2e/test_single_sign_on.py): the provider's button, local passwords
on or off, and a provider that cannot be reached (a Danish page, no session)."""

from __future__ import annotations

import dataclasses
import socket

from litestar.testing import TestClient

from services.settings import Settings
from tests.api.conftest import PASSWORD, add_user
from tests.apps import app_for
from tests.ui.conftest import ADMIN, post_form, text


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # closed again: nothing answers there


def _with_sso(settings: Settings, **changes: object) -> Settings:
    return dataclasses.replace(
        settings,
        oidc_issuer=f"http://127.0.0.1:{_closed_port()}",
        oidc_client_id="tvaers",
        oidc_client_secret="s3cret",
        oidc_provider_name="Ishøj Kommune",
        **changes,  # type: ignore[arg-type]
    )


def test_without_single_sign_on_the_login_page_has_only_the_password_form(
    ui_settings: Settings,
) -> None:
    with TestClient(app=app_for(ui_settings)) as client:
        page = client.get("/ui/login")
        assert "Log ind med" not in text(page)
        assert 'name="password"' in page.text
        assert client.get("/ui/sso/login", follow_redirects=False).status_code == 404


def test_the_provider_s_button_beside_the_password_form(ui_settings: Settings) -> None:
    with TestClient(app=app_for(_with_sso(ui_settings))) as client:
        page = client.get("/ui/login?next=/ui/registry")
        assert "Log ind med Ishøj Kommune" in text(page)
        assert 'href="/ui/sso/login?next=/ui/registry"' in page.text
        assert 'name="password"' in page.text  # local passwords stay on by default


def test_local_passwords_off_refuses_the_password_form(ui_settings: Settings) -> None:
    settings = _with_sso(ui_settings, local_passwords=False)
    with TestClient(app=app_for(settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        page = client.get("/ui/login")
        assert "Log ind med Ishøj Kommune" in text(page)
        assert 'name="password"' not in page.text
        refused = post_form(
            client, "/ui/login", {"username": ADMIN, "password": PASSWORD, "next": "/ui/"}
        )
        assert refused.status_code == 403
        assert "Log ind med Ishøj Kommune." in text(refused)
        assert client.get("/ui/", follow_redirects=False).status_code in (302, 303, 401)


def test_a_provider_that_cannot_be_reached_gets_a_danish_page(ui_settings: Settings) -> None:
    with TestClient(app=app_for(_with_sso(ui_settings))) as client:
        page = client.get("/ui/sso/login", follow_redirects=False)
        assert page.status_code == 502
        assert "Login mislykkedes" in text(page)
        assert "Identitetsudbyderen svarer ikke" in text(page)
        # A callback nobody started here: refused before anything is asked of anyone.
        forged = client.get("/ui/sso/callback?state=x&code=y", follow_redirects=False)
        assert forged.status_code == 400
        assert "Start forfra fra loginsiden" in text(forged)
