"""Browser hardening: the headers on every kind of response, and stored links shown safely.

Headers: every route of the app is asked for (its path parameters filled in with a real
partnership or a random id), so the UI's pages and forms, the JSON API, problem details,
Litestar's own 404/405 answers, a server error, static files and the OpenAPI documents
and viewers are all checked, and a route added later is checked too.

Links: input refuses a milestone link that is not http, https or mailto, but events
recorded before that check (an older database) may hold `javascript:` or `data:`. The
event is written here past every check of the command (as such an old event was), and
the partnership page, the print page, the UI's story and the story's HTML, Markdown and
PDF must show it as text, never as a link a browser follows.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pikepdf
import pytest
from httpx import Response
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.base import meta_fields
from aggregates.partnership import Evidence, Partnership, Registry
from aggregates.taxonomy import AnchoringStatus, Dimension, Sector
from api.app import create_app
from api.links import external_link, web_link
from api.security_headers import VIEWER_POLICY
from api.story.html_page import STYLE_HASH
from services.application import Tvaers
from services.commands import RegisterOrganisation, RegisterPartnership
from services.settings import Settings
from tests.commands import execute
from tests.conftest import TEST_SECRET_KEY
from tests.ui.conftest import ADMIN, add_user, csrf, login, text, tvaers

EVIL = "javascript:alert(5)"
EVIL_DATA = "data:text/html,<script>alert(6)</script>"
GOOD = "https://www.svendborg.dk/referat-2024.pdf"


@dataclass(frozen=True)
class Site:
    client: TestClient[Litestar]
    partnership_id: uuid.UUID

    def page(self, suffix: str = "") -> str:
        return f"/ui/partnerships/{self.partnership_id}{suffix}"


def store_milestone_as_an_old_event(
    service: Tvaers, partnership_id: uuid.UUID, title: str, link: str
) -> None:
    """A milestone event with `link` as it is, past every check of the command (as stored
    before input refused such links): the event is triggered on the aggregate directly,
    not through `_trigger`, which checks every field of every event."""

    def command(partnership: Partnership) -> None:
        partnership.trigger_event(
            Partnership.MilestoneRecorded,
            **meta_fields(Meta(actor=ADMIN, valid_on=date(2024, 3, 1))),
            milestone_id=uuid.uuid4(),
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.STARTED,
            title=title,
            evidence=Evidence(text=f"Dokumentation til {title}", link=link),
        )

    service._change(Partnership, partnership_id, None, command)


@pytest.fixture(scope="module")
def site_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        database_url=str(tmp_path_factory.mktemp("headers") / "tvaers.sqlite3"),
        snapshot_interval=10,
        housekeeping=False,
        cookie_secure=False,
        secret_key=TEST_SECRET_KEY,
    )


@pytest.fixture(scope="module")
def site(site_settings: Settings) -> Iterator[Site]:
    """One app for the module, logged in as the administrator."""
    with TestClient(app=create_app(site_settings)) as client:
        service = tvaers(client)
        add_user(client, ADMIN, is_admin=True)
        meta = Meta(actor=ADMIN, valid_on=date(2024, 1, 1))
        lead = execute(
            service,
            RegisterOrganisation(name="Sundhed, Svendborg Kommune", sector=Sector.HEALTH),
            meta,
        ).aggregate_id
        partnership = execute(
            service,
            RegisterPartnership.of(
                Registry(title="Bevæg dig for livet", municipality="Svendborg"),
                lead_organisation_id=lead,
            ),
            meta,
        ).aggregate_id
        store_milestone_as_an_old_event(service, partnership, "Skriptet milepæl", EVIL)
        store_milestone_as_an_old_event(service, partnership, "Datamilepæl", EVIL_DATA)
        store_milestone_as_an_old_event(service, partnership, "Rigtig milepæl", GOOD)
        client.blocking_portal.call(
            client.app.state.read_side.wait_until, service.max_notification_id(), 30.0
        )
        login(client, ADMIN)
        yield Site(client, partnership)


# -- the headers -----------------------------------------------------------------------------


def csp_of(response: Response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    directives = (part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return {d[0]: d[1] if len(d) > 1 else "" for d in directives}


def missing_headers(response: Response, *, hsts: bool = False) -> list[str]:
    """What a response lacks of the hardening headers (empty: all there)."""
    h = response.headers
    wrong = []
    csp = csp_of(response)
    if csp.get("frame-ancestors") != "'none'":
        wrong.append(f"CSP frame-ancestors: {h.get('content-security-policy')!r}")
    if h.get("x-frame-options") != "DENY":
        wrong.append("X-Frame-Options")
    if h.get("x-content-type-options") != "nosniff":
        wrong.append("X-Content-Type-Options")
    if h.get("referrer-policy") != "same-origin":
        wrong.append("Referrer-Policy")
    if "camera=()" not in h.get("permissions-policy", ""):
        wrong.append("Permissions-Policy")
    if ("strict-transport-security" in h) != hsts:
        wrong.append(f"Strict-Transport-Security {'missing' if hsts else 'sent'}")
    if "server" in h:
        wrong.append(f"Server: {h['server']}")
    kind = h.get("content-type", "")
    if kind.startswith(("text/html", "image/svg")) and not response.request.url.path.startswith(
        "/schema"
    ):
        if csp.get("script-src") != "'self'" or csp.get("default-src") != "'none'":
            wrong.append(f"page CSP: {h.get('content-security-policy')!r}")
        if "unsafe-inline" in csp.get("style-src", "") or "unsafe" in csp.get("script-src", ""):
            wrong.append("unsafe-inline in a page's CSP")
    return wrong


def filled(template: str, partnership_id: uuid.UUID) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "partnership_id":
            return str(partnership_id)
        if name == "file_path":
            return "tvaers.css"
        return str(uuid.uuid4())

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, template)


def every_route(app: Litestar) -> list[tuple[str, str]]:
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found.update((m, route.path_format) for m in route.methods if m != "HEAD")
    # Logging out last, so that the rest is asked as the logged-in administrator.
    return sorted(found, key=lambda item: (item[1].endswith("/logout"), item[1], item[0]))


def ask(client: TestClient[Litestar], method: str, path: str) -> Response:
    if method in ("GET", "OPTIONS", "DELETE"):
        return client.request(method, path, follow_redirects=False)
    if path.startswith("/ui"):  # a form post, with its CSRF token and nothing else
        return client.request(
            method, path, data={"_csrf_token": csrf(client)}, follow_redirects=False
        )
    return client.request(method, path, json={}, follow_redirects=False)


def test_errors_of_every_kind_carry_the_headers(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = site.client
    answers = {
        "unknown path": client.get("/no/such/thing"),
        "unknown UI path": client.get("/ui/no/such/page"),
        "method not allowed": client.delete("/ready"),
        "problem (bad body)": client.post(
            "/partnerships", content=b"{", headers={"content-type": "application/json"}
        ),
        "problem (not found)": client.get(f"/partnerships/{uuid.uuid4()}"),
        "static file": client.get("/static/tvaers.css"),
        "static file missing": client.get("/static/nothing.js"),
        "OpenAPI document": client.get("/schema/openapi.json"),
        "health": client.get("/health"),
    }

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("the views are gone")

    monkeypatch.setattr(client.app.state.read_side, "ready", broken)
    answers["server error (API)"] = client.get(f"/partnerships/{site.partnership_id}/story")
    answers["server error (page)"] = client.get(site.page())
    assert answers["server error (API)"].status_code == 500
    assert answers["server error (page)"].status_code == 500
    assert answers["method not allowed"].status_code == 405
    assert answers["unknown path"].status_code == 404
    wrong = [f"{name}: {w}" for name, r in answers.items() for w in missing_headers(r)]
    assert not wrong, "\n".join(wrong)


def test_pages_allow_no_inline_script_and_the_story_only_its_own_style(site: Site) -> None:
    page = site.client.get(site.page())
    csp = csp_of(page)
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == f"'self' {STYLE_HASH}"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert csp["form-action"] == "'self'"
    # The templates hold nothing the policy would block: no inline script or handler,
    # no style attribute, and htmx is told to inject no style and evaluate nothing.
    for response in (page, site.client.get(site.page("/print")), site.client.get("/ui/registry")):
        html = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script"
        assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
        assert not re.search(r"\sstyle\s*=", html), "a style attribute"
        assert not re.search(r"<style\b", html), "a style element"
        assert '"allowEval": false' in html
        assert '"includeIndicatorStyles": false' in html
    # The story's one inline style block is the one the hash allows.
    story = site.client.get(f"/partnerships/{site.partnership_id}/story?format=html")
    assert STYLE_HASH in csp_of(story)["style-src"]
    assert len(re.findall(r"<style\b", story.text)) == 1


def test_the_openapi_viewers_run_sandboxed_and_the_documents_are_plain(site: Site) -> None:
    for viewer in ("/schema", "/schema/redoc", "/schema/swagger"):
        response = site.client.get(viewer)
        assert response.status_code == 200
        assert response.headers["content-security-policy"] == VIEWER_POLICY.decode()
        assert "allow-same-origin" not in csp_of(response)["sandbox"]
        assert "allow-scripts" in csp_of(response)["sandbox"]
    document = site.client.get("/schema/openapi.json")
    assert "sandbox" not in csp_of(document)
    assert csp_of(document)["script-src"] == "'self'"
    assert document.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in site.client.get("/partnerships").headers


def test_hsts_is_sent_when_the_cookies_are_secure(ui_settings: Settings) -> None:
    with TestClient(app=create_app(replace(ui_settings, cookie_secure=True))) as client:
        for response in (client.get("/ui/login"), client.get("/health"), client.get("/nope")):
            assert response.headers["strict-transport-security"].startswith("max-age=31536000")
            assert not missing_headers(response, hsts=True)


def test_serve_starts_uvicorn_without_a_server_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from api import cli

    started: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: started.update(kwargs))
    monkeypatch.setattr("api.app.create_app", lambda settings: None)
    assert cli.main(["serve", "--port", "1"]) == 0
    assert started["server_header"] is False


# -- stored links ----------------------------------------------------------------------------


def assert_shown_as_text(html: str, where: str) -> None:
    assert not re.search(r"href\s*=\s*[\"']?\s*(javascript|data):", html, re.I), where
    assert EVIL in html or EVIL.replace(":", "&#58;") in html, f"{where}: the link is gone"
    assert "data:text/html,&lt;script&gt;" in html, f"{where}: the data: link is gone"
    assert "<script>alert(6)" not in html, where
    assert f'href="{GOOD}"' in html, f"{where}: the web address is no link"


def test_a_stored_script_link_is_text_on_the_partnership_and_print_pages(site: Site) -> None:
    for suffix in ("", "/print", "/story"):
        response = site.client.get(site.page(suffix))
        assert response.status_code == 200, suffix
        assert_shown_as_text(response.text, suffix or "the page")
        assert "Skriptet milepæl" in text(response)


def test_a_stored_script_link_is_text_in_the_story_documents(site: Site) -> None:
    base = f"/partnerships/{site.partnership_id}/story"
    html = site.client.get(base, params={"format": "html"})
    assert html.status_code == 200
    assert_shown_as_text(html.text, "story HTML")

    markdown = site.client.get(base, params={"format": "md"}).text
    assert f"<{GOOD}>" in markdown
    assert "<javascript:" not in markdown
    assert "<data:" not in markdown
    assert "](javascript:" not in markdown
    assert "javascript:alert(5)" in markdown

    pdf = pikepdf.open(io.BytesIO(site.client.get(base, params={"format": "pdf"}).content))
    uris = [
        str(a.A.URI)
        for page in pdf.pages
        for a in page.get("/Annots", [])
        if "/A" in a and a.A.get("/S") == "/URI"
    ]
    assert uris == [GOOD], uris  # the one link action is the web address


@pytest.mark.parametrize(
    ("stored", "link"),
    [
        ("https://example.dk/a b", "https://example.dk/a b"),
        ("  HTTP://example.dk  ", "HTTP://example.dk"),
        ("mailto:sekretariat@svendborg.dk", "mailto:sekretariat@svendborg.dk"),
        ("javascript:alert(1)", None),
        (" JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),  # a browser removes the tab: javascript:
        ("\x01javascript:alert(1)", None),  # and strips leading controls
        ("jav&#x09;ascript:alert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("vbscript:msgbox", None),
        ("https:evil.example", None),  # no host: a path on the registry to a browser
        ("//evil.example/x", None),
        ("/ui/partnerships", None),
        ("mailto:", None),
        ("https://[::1", None),
        ("https://example.dk/\x00x", None),
        ("", None),
    ],
)
def test_only_web_and_mail_addresses_become_links(stored: str, link: str | None) -> None:
    assert web_link(stored) == link
    shown = str(external_link(stored, "Link"))
    if link is None:
        assert "<a " not in shown
    else:
        assert shown.startswith("<a href=")
        assert 'rel="noopener noreferrer"' in shown


def test_a_refused_address_is_shown_escaped() -> None:
    shown = str(external_link('javascript:"><img src=x onerror=alert(1)>', "Link"))
    assert "<img" not in shown
    assert "&lt;img" in shown
    assert "<a " not in shown
    assert str(external_link('https://a.dk/"onmouseover="x', "<b>")) == (
        '<a href="https://a.dk/&#34;onmouseover=&#34;x" rel="noopener noreferrer">&lt;b&gt;</a>'
    )


# Last: it posts to every form (all refused for want of fields) and logs out at the end.
def test_every_route_of_the_app_answers_with_the_hardening_headers(site: Site) -> None:
    client = site.client
    wrong: list[str] = []
    statuses: dict[int, int] = {}
    html_pages = 0
    for method, template in every_route(client.app):
        response = ask(client, method, filled(template, site.partnership_id))
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        html_pages += response.status_code == 200 and "text/html" in response.headers.get(
            "content-type", ""
        )
        wrong += [
            f"{method} {template} ({response.status_code}): {w}" for w in missing_headers(response)
        ]
    assert not wrong, "\n".join(wrong)
    # The walk met real pages, refusals, problems and answers of every kind.
    assert html_pages >= 10, statuses
    assert {200, 400, 404}.issubset(statuses), statuses
