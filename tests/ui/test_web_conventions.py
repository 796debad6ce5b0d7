"""Public-sector web conventions (issue 16): error pages in the page's language (not the
JSON API's English problem details), a partnership one may not see answering exactly as
one that does not exist, the footer's links and the privacy page."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from services.settings import Settings, SettingsError
from tests.api.conftest import add_user, as_user
from tests.ui.conftest import ADMIN, csrf, login, text
from tests.ui.test_ui_access import OUTSIDER, TITLE, World, world  # noqa: F401 - a fixture

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _page(response_text: str) -> str:
    """A page without what differs between any two requests (request id, CSRF token)."""
    page = re.sub(
        r'("x-csrftoken": "|name="_csrf_token" value=")[^"]+', r"\1<token>", response_text
    )
    page = re.sub(r"[0-9a-f-]{36}", "<uuid>", page)  # the address asked for (language link)
    return re.sub(r"[0-9a-f]{32}", "<id>", page)


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/ui/nowhere", 404, "Siden findes ikke"),
        ("/ui/partnerships/not-an-id", 404, "Siden findes ikke"),
        ("/ui/partnerships/7d4f2c9e-0b1a-4c3d-9e8f-1a2b3c4d5e6f", 404, "Partnerskabet findes ikke"),
        (
            "/ui/partnerships/7d4f2c9e-0b1a-4c3d-9e8f-1a2b3c4d5e6f/history",
            404,
            "Partnerskabet findes ikke",
        ),
    ],
)
def test_unknown_addresses_under_ui_answer_a_danish_page(
    ui: TestClient[Litestar], path: str, status: int, heading: str
) -> None:
    response = ui.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{heading}</h1>" in response.text
    assert '<html lang="da">' in response.text
    assert "Not Found" not in response.text


def test_an_error_page_is_english_on_english_pages(ui: TestClient[Litestar]) -> None:
    response = ui.get("/ui/nowhere?lang=en")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.text
    assert "There is no page at this address" in response.text
    assert '<html lang="en">' in response.text


def test_a_wrong_method_on_a_page_answers_a_danish_405_page(ui: TestClient[Litestar]) -> None:
    response = ui.delete("/ui/registry")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "metoden er ikke tilladt" in text(response)


def test_an_unreadable_query_answers_a_danish_400_page(ui: TestClient[Litestar]) -> None:
    response = ui.get(f"/ui/partnerships/{uuid.uuid4()}/history", params={"actor": "x" * 2000})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Forkert forespørgsel</h1>" in response.text
    assert "Validation failed" not in response.text  # the validator's English is logged


def test_an_unknown_address_a_browser_asks_for_is_a_page_the_api_keeps_problems(
    ui: TestClient[Litestar],
) -> None:
    page = ui.get("/nowhere", headers=BROWSER)
    assert page.status_code == 404
    assert "<h1>Siden findes ikke</h1>" in page.text
    api = ui.get("/nowhere")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    api = ui.get(f"/partnerships/{uuid.uuid4()}", headers=BROWSER)
    assert api.headers["content-type"] == "application/problem+json"  # a route: the API's


def test_a_partnership_one_may_not_see_looks_like_one_that_does_not_exist(
    world: World,  # noqa: F811 - the fixture
) -> None:
    login(world.client, OUTSIDER)
    hidden = world.client.get(f"/ui/partnerships/{world.partnership_id}")
    missing = world.client.get(f"/ui/partnerships/{uuid.uuid4()}")
    assert hidden.status_code == missing.status_code == 404
    assert _page(hidden.text) == _page(missing.text)
    assert "Partnerskabet findes ikke" in hidden.text
    assert TITLE not in hidden.text
    for tail in ("/history", "/registry/edit"):
        hidden = world.client.get(f"/ui/partnerships/{world.partnership_id}{tail}")
        missing = world.client.get(f"/ui/partnerships/{uuid.uuid4()}{tail}")
        assert (hidden.status_code, _page(hidden.text)) == (404, _page(missing.text))


def test_an_administrator_is_told_an_unknown_partnership_does_not_exist(
    ui: TestClient[Litestar],
) -> None:
    response = ui.get(f"/ui/partnerships/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "<h1>Partnerskabet findes ikke</h1>" in response.text
    assert "Ingen adgang" not in response.text


def test_a_page_that_fails_is_a_danish_500_page_with_the_request_id(
    ui: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.ui.registry as registry_pages

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(registry_pages, "render", broken)
    response = ui.get("/ui/registry")
    assert response.status_code == 500
    assert "<h1>Noget gik galt</h1>" in response.text
    assert response.headers["x-request-id"] in response.text
    assert "boom" not in response.text
    add_user  # noqa: B018 - imported for the fixtures' users


# -- the footer, the privacy page, the accessibility statement ------------------------------


def test_every_page_links_the_accessibility_statement_and_the_privacy_page(
    ui: TestClient[Litestar],
) -> None:
    for path in ("/ui/", "/ui/registry", "/ui/nowhere", "/ui/privacy", "/ui/login"):
        page = ui.get(path).text
        assert 'href="/ui/accessibility">Tilgængelighedserklæring</a>' in page, path
        assert 'href="/ui/privacy">Personoplysninger</a>' in page, path


def test_the_accessibility_statement_setting_is_the_footers_link(
    ui_settings: Settings,
) -> None:
    address = "https://www.was.digst.dk/tvaers-svendborg-dk"
    settings = replace(ui_settings, accessibility_statement=address)
    with TestClient(app=create_app(settings)) as client:
        page = client.get("/ui/login").text
    assert f'<a href="{address}">Tilgængelighedserklæring</a>' in page


def test_the_accessibility_statement_must_be_a_web_address() -> None:
    with pytest.raises(SettingsError, match="TVAERS_ACCESSIBILITY_STATEMENT"):
        Settings.from_env({"TVAERS_ACCESSIBILITY_STATEMENT": "was.digst.dk/x"})
    chosen = Settings.from_env({"TVAERS_ACCESSIBILITY_STATEMENT": "https://www.was.digst.dk/x"})
    assert chosen.accessibility_statement == "https://www.was.digst.dk/x"


def test_the_privacy_page_says_what_is_kept_who_sees_it_and_how_erasure_works(
    ui: TestClient[Litestar],
) -> None:
    ui.post("/ui/logout", headers={"x-csrftoken": csrf(ui)})
    page = text(ui.get("/ui/privacy"))  # public: read before logging in
    for said in (
        "navn, stillingsbetegnelse, e-mailadresse og telefonnummer",
        "Hvorfor",
        "Hvem ser det",
        "Hvor længe",
        "Sletningen sletter nøglen",
        "(slettet)",
        "fritekstfelt",
        "Datatilsynet",
    ):
        assert said in page, said
    assert "Logget ind" not in page
    english = text(ui.get("/ui/privacy?lang=en"))
    assert "name, job title, e-mail address and phone number" in english
    assert "How erasure works" in english


def test_the_accessibility_page_names_the_setting(ui: TestClient[Litestar]) -> None:
    page = text(ui.get("/ui/accessibility"))
    assert "was.digst.dk" in page
    assert "TVAERS_ACCESSIBILITY_STATEMENT" in page


# -- the session: warned before it ends, renewed by «Forlæng» --------------------------------


def test_a_page_tells_the_script_how_long_the_session_has(ui: TestClient[Litestar]) -> None:
    page = ui.get("/ui/registry").text
    found = re.search(r'data-session-seconds="(\d+)"', page)
    assert found is not None
    assert 11 * 3600 < int(found.group(1)) <= 12 * 3600
    assert 'role="alertdialog"' not in page  # a <dialog>: the browser gives it its role
    assert "<dialog" in page
    assert ">Forlæng</button>" in page


def test_renewing_the_session_replaces_its_token(ui: TestClient[Litestar]) -> None:
    old_cookies = {k: v for k, v in ui.cookies.items() if k.startswith("tvaers_session")}
    refused = ui.post("/ui/session/renew")  # without the CSRF token: refused
    assert refused.status_code == 403
    renewed = ui.post("/ui/session/renew", headers={"x-csrftoken": csrf(ui)})
    assert renewed.status_code == 200
    assert renewed.json()["seconds"] == 12 * 3600
    assert ui.get("/ui/registry").status_code == 200  # the new session works
    assert old_cookies
    assert old_cookies != {k: v for k, v in ui.cookies.items() if k.startswith("tvaers_session")}
    for name, value in old_cookies.items():  # a copy of the old cookie: that session ended
        ui.cookies.set(name, value)
    assert ui.get("/ui/registry", follow_redirects=False).status_code == 303


def test_a_bearer_token_has_no_session_to_renew(ui: TestClient[Litestar]) -> None:
    ui.cookies.clear()
    answer = ui.post("/ui/session/renew", headers=as_user(ui, ADMIN))
    assert answer.status_code in (403, 409)  # the UI's CSRF check, or nothing to renew
