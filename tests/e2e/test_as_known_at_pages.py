"""The partnership page's time states in a browser, each passing axe (issue 15, H6): a
date before the partnership began, a recorded time before the registry knew it, a
recorded time in the future (refused at the field), and the story's milestones in date
order."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.e2e.conftest import assert_accessible, log_in


def _partnership(page: Page, server: str) -> str:
    log_in(page, server, "demo-evaluator")
    page.get_by_role("link", name=re.compile("Sundhed i aktiveringen - Greve")).first.click()
    return page.url.split("#")[0].split("?")[0]


def test_the_time_states_of_the_partnership_page_say_so_and_pass_axe(
    page: Page, server: str
) -> None:
    base = _partnership(page, server)

    page.goto(f"{base}?as_of=1990-01-01")
    assert "Partnerskabet var endnu ikke registreret den 01.01.1990" in page.content()
    assert "Sundhed i aktiveringen - Greve" not in page.locator("main").inner_text()
    assert_accessible(page)

    page.goto(f"{base}?known_at=2000-01-01T12:00")
    assert "Registret kendte ikke dette partnerskab 01.01.2000 12.00.00 (dansk tid)" in (
        page.locator("main").inner_text()
    )
    assert_accessible(page)

    page.goto(f"{base}?known_at=2099-01-01T12:00")
    error = page.locator("#known_at-error")
    assert "ligger i fremtiden" in error.inner_text()
    assert page.locator("#known_at").get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.goto(f"{base}/story")
    timeline = page.locator("#story-timeline li time")
    days = [t.get_attribute("datetime") or "" for t in timeline.all()]
    assert days, "no milestones in the story's timeline"
    assert days == sorted(days)
    assert_accessible(page)
