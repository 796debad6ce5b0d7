"""A barrier linked to the event it came from, in a browser (issue 15 finding 8, H8): the
factor form with the partnership's events, the form that links a factor later, the story
and the cross-case tables showing the link; every state passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from aggregates.dates import today
from tests.e2e.conftest import assert_accessible, log_in


def test_a_barrier_linked_to_an_event_is_shown_everywhere_and_passes_axe(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-admin")
    page.get_by_role("link", name=re.compile("Sundhed i aktiveringen - Greve")).first.click()
    base = page.url.split("#")[0].split("?")[0]

    page.goto(f"{base}/factors/new")
    events = page.locator('input[name="event_versions"]')
    assert events.count() > 1
    numbers = [int(v or 0) for v in events.evaluate_all("xs => xs.map(x => x.value)")]
    assert numbers == sorted(numbers, reverse=True)  # the most recent first
    assert_accessible(page)
    chosen = events.first
    said = chosen.locator("xpath=..").inner_text()
    sentence = said.split(": ", 1)[1].strip()
    chosen.check()
    page.get_by_label("Virkning").select_option("barrier")
    page.get_by_label("Oprindelse").select_option("internal")
    page.get_by_label("Beskrivelse").fill("Brobyggeren blev udskiftet")
    page.get_by_label("Gælder fra").fill(today().isoformat())
    page.get_by_role("button", name="Registrér faktor").click()
    expect(page.locator("#anchoring")).to_contain_text("Brobyggeren blev udskiftet")

    ours = page.locator("li", has_text="Brobyggeren blev udskiftet")
    expect(ours).to_contain_text("Knyttet til hændelse")
    page.goto(server + (ours.locator('a[href$="/events/new"]').get_attribute("href") or ""))
    expect(page.locator("h1")).to_contain_text("Knyt faktoren til en hændelse")
    assert_accessible(page)
    page.get_by_role("button", name="Knyt til hændelsen").click()  # nothing chosen
    expect(page.locator("#f-event_version-error")).to_be_visible()
    assert_accessible(page)
    page.locator("#f-event_version").select_option(index=1)
    page.get_by_label("Gælder fra").fill(today().isoformat())
    page.get_by_role("button", name="Knyt til hændelsen").click()
    expect(page.locator("li", has_text="Brobyggeren blev udskiftet")).to_contain_text(", #")

    page.goto(f"{base}/story")
    factor = page.locator("li", has_text="Brobyggeren blev udskiftet").first
    expect(factor).to_contain_text(f"Knyttet til: {sentence}")
    assert_accessible(page)

    page.goto(f"{server}/ui/crosscase")
    expect(page.locator("main")).to_contain_text("Hvor faktorerne kom fra")
    assert_accessible(page)
