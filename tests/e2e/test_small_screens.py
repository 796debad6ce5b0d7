"""Small screens, error pages and the session warning in Chromium (issue 16).

- At 375 px (a phone) no page kind is wider than the screen: the partnership page, the
  registry (its filters folded away), the history, a form; a wide table scrolls inside
  its own box; the partnership's title is the first thing on the page.
- At 1280 px the registry's table shows its last column (nothing clipped).
- Every error page kind, the privacy page, the accessibility page and the session warning
  pass axe (no serious or critical WCAG 2.1 A/AA violation).
- The session warning opens before the session ends, and «Forlæng» renews it.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, log_in

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
PARTNERSHIP = re.compile(r"^/ui/partnerships/[0-9a-f-]{36}$")


def assert_no_violations(page: Page) -> None:
    """axe-core: no WCAG 2.1 A/AA violation at all (minor and moderate included)."""
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    found = [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]]
    assert found == [], f"{page.url}: {found}"


def _page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def _a_partnership(page: Page, server: str) -> str:
    page.goto(f"{server}/ui/registry")
    for href in page.eval_on_selector_all(
        "main a[href]", "links => links.map(a => a.getAttribute('href'))"
    ):
        if PARTNERSHIP.match(href.split("?")[0]):
            return str(href.split("?")[0])
    pytest.fail("no partnership in the registry")


def test_no_page_is_wider_than_a_phone(page: Page, server: str) -> None:
    log_in(page, server, "demo-admin")
    partnership = _a_partnership(page, server)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    wide = []
    for path in (
        "/ui/",
        "/ui/registry",
        partnership,
        f"{partnership}/history",
        f"{partnership}/registry/edit",
        "/ui/partnerships/new",
        "/ui/offers",
        "/ui/crosscase",
        "/ui/privacy",
        "/ui/nowhere",
    ):
        page.goto(server + path)
        width = _page_width(page)
        if width > PHONE["width"]:
            wide.append(f"{path}: {width} px")
    assert not wide, "wider than 375 px:\n" + "\n".join(wide)


def test_the_partnership_page_on_a_phone_starts_with_its_title(page: Page, server: str) -> None:
    log_in(page, server, "demo-admin")
    partnership = _a_partnership(page, server)
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(server + partnership)
    # The governance diagram is replaced by its list on a phone.
    expect(page.locator("#governance .diagram")).to_be_hidden()
    expect(page.locator("#governance .governance-list")).to_be_visible()
    title = page.locator("main h1").first
    box = title.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"], "the title is below the fold"
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    # The ladder and the role tables: wide content scrolls inside its box, not the page.
    assert _page_width(page) <= PHONE["width"]
    assert_accessible(page)


def test_the_registry_on_a_phone_folds_its_filters(page: Page, server: str) -> None:
    log_in(page, server, "demo-admin")
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"{server}/ui/registry")
    # The results come before the filters' long list of boxes: the search field and the
    # first hit are on the first screen; the filters open on demand.
    filters = page.locator("details.filters-toggle")
    expect(filters).to_have_count(1)
    assert filters.get_attribute("open") is None
    first_hit = page.locator("table.hits tbody tr").first
    box = first_hit.bounding_box()
    assert box is not None
    assert box["y"] < PHONE["height"] * 2
    filters.locator("summary").click()
    expect(page.locator("form.filters")).to_be_visible()
    assert _page_width(page) <= PHONE["width"]
    assert_accessible(page)


def test_the_registry_shows_its_last_column_at_1280_px(page: Page, server: str) -> None:
    page.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
    log_in(page, server, "demo-admin")
    page.goto(f"{server}/ui/registry")
    assert _page_width(page) <= DESKTOP["width"]
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('table.hits')].map(t => {
            const box = t.closest('.table-wrap') || t.parentElement;
            const last = t.querySelector('thead th:last-child').getBoundingClientRect();
            return last.right > box.getBoundingClientRect().right + 1
                || last.right > window.innerWidth;
        })"""
    )
    assert clipped == [False]


@pytest.mark.parametrize(
    "path",
    [
        "/ui/nowhere",
        "/ui/partnerships/00000000-0000-4000-8000-000000000000",
        "/ui/partnerships/00000000-0000-4000-8000-000000000000/history?actor=" + "x" * 1500,
        "/ui/privacy",
        "/ui/privacy?lang=en",
        "/ui/accessibility",
    ],
)
def test_error_and_convention_pages_pass_axe(page: Page, server: str, path: str) -> None:
    log_in(page, server, "demo-admin")
    response = page.goto(server + path)
    assert response is not None
    assert response.status in (200, 400, 404)
    expect(page.locator("main h1")).to_have_count(1)
    english = "lang=en" in path
    statement = "Accessibility statement" if english else "Tilgængelighedserklæring"
    expect(page.get_by_role("link", name=statement)).to_be_visible()
    privacy = "Personal data" if english else "Personoplysninger"
    expect(page.get_by_role("link", name=privacy, exact=True)).to_be_visible()
    assert_no_violations(page)


def test_an_error_page_before_login_passes_axe(page: Page, server: str) -> None:
    response = page.goto(f"{server}/ui/nowhere")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Siden findes ikke")
    assert_no_violations(page)


def test_the_session_warning_opens_before_the_end_and_forlaeng_renews(
    page: Page, server: str
) -> None:
    page.clock.install()
    log_in(page, server, "demo-admin")
    page.goto(f"{server}/ui/registry")
    dialog = page.locator("dialog#session-warning")
    seconds = int(dialog.get_attribute("data-session-seconds") or "0")
    assert seconds > 600
    expect(dialog).not_to_be_visible()
    page.clock.run_for((seconds - 4 * 60) * 1000)  # four minutes before the end
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Du bliver snart logget ud")
    renew = dialog.get_by_role("button", name="Forlæng")
    expect(renew).to_be_focused()
    assert_no_violations(page)
    before = {c["name"]: c["value"] for c in page.context.cookies()}
    with page.expect_response(lambda r: r.url.endswith("/ui/session/renew")) as answer:
        renew.click()
    assert answer.value.status == 200
    expect(dialog).not_to_be_visible()
    after = {c["name"]: c["value"] for c in page.context.cookies()}
    assert after != before  # a new session token in the cookie
    page.clock.run_for(10 * 60 * 1000)  # past the old end: no warning, still logged in
    expect(dialog).not_to_be_visible()
    page.goto(f"{server}/ui/registry")
    assert "/ui/login" not in page.url
