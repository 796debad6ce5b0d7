"""axe-core over every kind of page of the web UI, found by following the links.

From the dashboard of the demo administrator (who may see and do everything), the
crawler follows every link to a /ui page, one page per route (ids replaced by a
placeholder), in Danish, and checks each with axe-core: no serious or critical WCAG
2.1 A/AA violation. The printable version and the English version of the partnership
page are checked too. A page that does not answer 200 fails the test.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.e2e.conftest import assert_accessible, log_in

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
MAX_PAGES = 120


def route_of(path: str) -> str:
    return UUID.sub("{id}", path)


def test_every_kind_of_page_passes_axe(page: Page, server: str) -> None:
    log_in(page, server, "demo-admin")
    queue: deque[str] = deque(["/ui/"])
    seen_routes: set[str] = set()
    checked: list[str] = []
    while queue and len(checked) < MAX_PAGES:
        path = queue.popleft()
        route = route_of(path.split("?")[0])
        if route in seen_routes:
            continue
        seen_routes.add(route)
        response = page.goto(server + path)
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page)
        checked.append(route)
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/ui/"):
                continue
            if "lang=" in parts.query or parts.path.endswith("/logout"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if route_of(parts.path) not in seen_routes:
                queue.append(target)
    # The crawl reached the pages of every group of users.
    for expected in (
        "/ui/registry",
        "/ui/offers",
        "/ui/crosscase",
        "/ui/partnerships/{id}",
        "/ui/partnerships/{id}/history",
        "/ui/partnerships/{id}/partners/new",
        "/ui/partnerships/{id}/agreements/new",
        "/ui/partnerships/{id}/agreements/{id}",
        "/ui/partnerships/{id}/roles/{id}/hand-over",
        "/ui/partnerships/{id}/registry/edit",
        "/ui/partnerships/new",
        "/ui/privacy",  # the footer's links (issue 16)
        "/ui/accessibility",
    ):
        assert expected in checked, f"the crawl did not reach {expected}: {sorted(checked)}"
    partnership = next(p for p in checked if p == "/ui/partnerships/{id}")
    assert partnership
    assert len(checked) >= 25, sorted(checked)


def test_the_partnership_page_in_english_and_in_print_passes_axe(page: Page, server: str) -> None:
    log_in(page, server, "demo-evaluator")
    page.get_by_role("link", name=re.compile("Sundhed i aktiveringen - Greve")).first.click()
    base = page.url.split("#")[0].split("?")[0]
    page.goto(f"{base}?lang=en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)
    page.goto(f"{base}/print?lang=da")
    assert_accessible(page)
    page.emulate_media(media="print")
    page.goto(base)
    assert_accessible(page)
