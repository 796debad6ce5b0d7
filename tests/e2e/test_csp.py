"""The pages work under the Content-Security-Policy, in a real browser (Chromium).

The policy allows no inline script, no `eval` and no inline style (api/security_headers.py,
docs/adr/0012). A template that gains an `onclick`, a `style="…"` or an inline `<script>`,
or an htmx setting that injects a `<style>` or evaluates an attribute, is reported here as
a violation. The main page kinds are driven as a user would (the dashboard, the registry
search with its htmx partial results, the partnership page with its date control and the
htmx history panel, a form post, the story and its HTML document), then: no violation
reported, by the `securitypolicyviolation` event or on the console. And a page of the
registry shown in a frame of another site is refused (`frame-ancestors 'none'`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import LAPTOP, log_in

PARTNERSHIP = "Sundhed i beskæftigelsesindsatsen - København"

# Runs before any script of each document (through DevTools, so the policy does not apply
# to it): every violation the document reports is kept for the test to read.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


class Watched:
    """A page whose policy violations are collected across navigations."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console: list[str] = []
        self.seen: list[str] = []
        page.on("console", self._console)
        page.on(
            "framenavigated", lambda frame: self._collect() if frame == page.main_frame else None
        )

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def _collect(self) -> None:
        try:
            found = self.page.evaluate("window.__violations || []")
        except Exception:  # noqa: BLE001 - the document is already gone: nothing to read
            return
        self.seen += [f"{self.page.url}: {v}" for v in found]

    def violations(self) -> list[str]:
        self._collect()
        self.page.evaluate("window.__violations = []")
        return [*self.seen, *self.console]


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport=LAPTOP, locale="da-DK")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Watched(page)
    context.close()


def test_the_main_pages_work_under_the_policy_without_a_violation(
    watched: Watched, server: str
) -> None:
    page = watched.page
    log_in(page, server, "demo-kbh")  # the login form: a form post
    expect(page.get_by_role("heading", level=1)).to_be_visible()  # the dashboard
    assert page.evaluate("typeof htmx") == "object", "htmx did not load under the policy"
    assert page.evaluate("htmx.config.allowEval") is False
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("style").count() == 0  # htmx injected no <style>

    # The registry: typing and submitting swaps the result list in through htmx.
    page.get_by_role("link", name="Register").click()
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Fritekst").fill("beskæftigelse")
        page.get_by_role("button", name="Søg").click()
    expect(page.locator("#results")).to_contain_text(PARTNERSHIP)
    expect(page).to_have_url(re.compile(r"text=besk"))  # htmx pushed the address

    # The map of offers and the cross-case page with its server-made SVG heat maps.
    for name in ("Tilbudskort", "Krydscase"):
        page.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main svg").first).to_be_visible()

    # The partnership page, its date control, and the history panel loaded by htmx.
    page.get_by_role("link", name="Overblik").click()
    page.get_by_role("link", name=PARTNERSHIP).first.click()
    base = page.url.split("#")[0].split("?")[0]
    page.get_by_label("Vis som det stod den …").fill("2022-06-01")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"as_of=2022-06-01"))
    page.goto(base)
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        page.get_by_role("link", name="Vis historikken").click()
    expect(page.locator("#history-panel")).not_to_be_empty()

    # A form post that is refused: the form comes back with its messages.
    page.goto(f"{base}/milestones/new")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator(".error").first).to_be_visible()

    # The print version, the story in the UI and the story's HTML document (inline style
    # allowed by its hash).
    for path in (f"{base}/print", f"{base}/story"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    api = base.replace("/ui/partnerships/", "/partnerships/")
    page.goto(f"{api}/story?format=html")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"

    assert not watched.violations(), "\n".join(watched.violations())


def test_a_page_of_the_registry_is_not_shown_in_another_sites_frame(
    watched: Watched, server: str
) -> None:
    page = watched.page
    # A page that frames the login page, served by the test itself (no policy of its own).
    # On the registry's own origin: Chromium refuses a loopback frame in a page of another
    # origin by itself (local network access), and `frame-ancestors 'none'` and
    # `X-Frame-Options: DENY` refuse every framing page, the registry's own included.
    other = f"{server}/a-page-that-frames-the-registry"
    control = f"{server}/a-page-without-the-headers"  # shown in a frame: the harness works
    page.route(
        other,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!doctype html><title>x</title><iframe id="framed" src="{server}/ui/login">'
            f'</iframe><iframe id="control" src="{control}"></iframe>',
        ),
    )
    page.route(
        control,
        lambda route: route.fulfill(
            content_type="text/html", body="<label>Kontrol <input></label>"
        ),
    )
    with page.expect_response(f"{server}/ui/login") as answer:
        page.goto(other)
    assert answer.value.status == 200  # the registry answered; the browser refused to show it
    page.wait_for_timeout(500)
    expect(page.frame_locator("#control").get_by_label("Kontrol")).to_have_count(1)
    expect(page.frame_locator("#framed").get_by_label("Brugernavn")).to_have_count(0)
    # The login page's frame holds the browser's error page instead.
    assert page.frame(url=lambda url: not url.startswith(server)) is not None


def test_the_server_sends_the_headers_and_no_banner(server: str) -> None:
    for path in ("/ui/login", "/static/tvaers.css", "/health", "/no/such/page"):
        response = httpx.get(f"{server}{path}")
        assert "server" not in response.headers, (path, response.headers.get("server"))
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        # The test server runs with TVAERS_COOKIE_SECURE=off: plain HTTP, so no HSTS.
        assert "strict-transport-security" not in response.headers


def test_the_openapi_viewer_runs_sandboxed_without_the_registrys_cookies(
    watched: Watched, server: str
) -> None:
    """ReDoc's script comes from its CDN (stubbed here: the test machine has no internet);
    the policy lets it and the inline start run, in an opaque origin without cookies."""
    page = watched.page
    log_in(page, server, "demo-kbh")
    stub = (
        "window.Redoc = {init: (spec, options, el) => {"
        " el.textContent = 'stub:' + spec.info.title; }};"
    )
    page.route(
        "https://cdn.redoc.ly/**",
        lambda route: route.fulfill(
            content_type="application/javascript",
            body=stub,
            headers={"Access-Control-Allow-Origin": "*"},
        ),
    )
    page.route("https://fonts.googleapis.com/**", lambda route: route.fulfill(body=""))
    page.goto(f"{server}/schema/redoc")
    expect(page.locator("#redoc-container")).to_have_text("stub:Tværs API")
    cookies = "(() => { try { return document.cookie; } catch (e) { return e.name; } })()"
    assert page.evaluate(cookies) == "SecurityError"  # an opaque origin: no cookies
    assert page.evaluate("origin") == "null"
    assert not watched.violations(), "\n".join(watched.violations())
