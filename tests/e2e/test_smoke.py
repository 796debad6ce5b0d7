"""The browser reaches the service: logging in, the dashboard, accessibility."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.e2e.conftest import TABLET, assert_accessible, log_in, screenshot


def test_a_project_leader_logs_in_and_sees_the_dashboard(page: Page, server: str) -> None:
    page.goto(f"{server}/ui/")
    assert "/ui/login" in page.url
    assert_accessible(page)
    log_in(page, server, "demo-ishoj")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "Overblik"
    assert page.get_by_role("link", name="Tværgående sundhedsforum").count() >= 1
    assert_accessible(page)
    screenshot(page, "dashboard")
    page.set_viewport_size(TABLET)
    assert_accessible(page)
