"""Two people on one partnership at the same time, in two browsers (issue 14, finding 3).

Ishøj's demo project leader works in two browser contexts (two colleagues, or two tabs
with separate sessions). Different registry fields saved from forms loaded at the same
time both land; the same field changed in both brings the second save back as a conflict
form: the typed input intact, the other person's value beside the field, and one click
("Behold deres værdier") resolves it, the rest of the second person's change saved. Another
form (a ladder move of the same partner) comes back the same way, with the history's
sentence of the other change. The "Ret stamdata" form, both conflict states and "Overgå til
drift" pass axe.
"""

from __future__ import annotations

import re
from datetime import date

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LAPTOP, assert_accessible, log_in, screenshot

TITLE = "Side om side i Ishøj"
LEAD = "Stabsenhed for Sundhedsudvikling, Ishøj Kommune"
CULTURE = "Kultur og Fritid, Ishøj Kommune"
USER = "demo-ishoj"


def no_violations(page: Page) -> None:
    """axe over the page: no WCAG 2.1 A/AA violation of any impact (the shared helper's
    rule, serious and critical, and the moderate and minor ones too)."""
    assert_accessible(page)
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    found = [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]]
    assert found == [], f"{page.url}: {found}"


def _new_partnership(page: Page, server: str) -> str:
    page.goto(f"{server}/ui/partnerships/new")
    page.locator("#f-title").fill(TITLE)
    page.locator("#f-municipality").select_option("Ishøj")  # one of the 98
    page.locator("#f-lead_organisation_id").select_option(label=f"{LEAD} (Ishøj)")
    page.locator("#f-valid_on").fill(date.today().replace(day=1).isoformat())
    page.get_by_role("button", name="Opret partnerskab").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    return page.url.split("#")[0]


def _edit(page: Page, partnership: str) -> None:
    page.goto(partnership)
    page.get_by_role("link", name="Ret stamdata").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ret stamdata")


def _saved(page: Page, partnership: str) -> None:
    page.get_by_role("button", name="Gem stamdata").click()
    expect(page).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))


def test_two_people_edit_the_registry_side_by_side(
    page: Page, browser: Browser, server: str
) -> None:
    log_in(page, server, USER)
    partnership = _new_partnership(page, server)
    other_context = browser.new_context(viewport=LAPTOP, locale="da-DK")
    other = other_context.new_page()
    other.set_default_timeout(15_000)
    try:
        log_in(other, server, USER)

        # Different fields, both forms loaded before either save: both land.
        _edit(page, partnership)
        no_violations(page)
        _edit(other, partnership)
        page.locator("#f-title").fill(TITLE + " og omegn")
        _saved(page, partnership)
        other.locator("#f-purpose").fill("Flere borgere i bevægelse")
        _saved(other, partnership)
        header = other.locator(".partnership-header")
        expect(header).to_contain_text(TITLE + " og omegn")
        expect(header).to_contain_text("Flere borgere i bevægelse")

        # The same field: the second save comes back with both values and the input kept.
        _edit(page, partnership)
        _edit(other, partnership)
        page.locator("#f-evaluation_status").fill("Midtvejsevaluering")
        _saved(page, partnership)
        other.locator("#f-evaluation_status").fill("Slutevaluering")
        other.locator("#f-attention_points").fill("Husk transport til hallen")
        other.locator("#f-yearly_budget_dkk").fill("30000")
        other.get_by_role("button", name="Gem stamdata").click()
        expect(other.locator("#conflict")).to_be_visible()
        expect(other.locator("#f-evaluation_status")).to_have_value("Slutevaluering")
        expect(other.locator("#f-attention_points")).to_have_value("Husk transport til hallen")
        expect(other.locator("#f-evaluation_status-theirs")).to_contain_text("Midtvejsevaluering")
        expect(other.locator("#f-title")).to_have_value(TITLE + " og omegn")
        no_violations(other)
        screenshot(other, "registry-conflict")

        # One click: their value for the field both changed, the rest of mine saved.
        other.get_by_role("button", name="Behold deres værdier").click()
        expect(other).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))
        header = other.locator(".partnership-header")
        expect(header).to_contain_text("Midtvejsevaluering")
        expect(header).not_to_contain_text("Slutevaluering")
        expect(header).to_contain_text("30.000 kr.")
        expect(header).to_contain_text("Husk transport til hallen")

        # Keeping mine instead: one click saves my value on the current version.
        _edit(page, partnership)
        _edit(other, partnership)
        page.locator("#f-evaluation_status").fill("Afsluttet")
        _saved(page, partnership)
        other.locator("#f-evaluation_status").fill("Forlænget")
        other.get_by_role("button", name="Gem stamdata").click()
        expect(other.locator("#conflict")).to_be_visible()
        other.get_by_role("button", name="Gem mine værdier").click()
        expect(other).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))
        expect(other.locator(".partnership-header")).to_contain_text("Forlænget")

        # Another form: the same partner moved on the ladder in both. The second comes back
        # with the first person's change as the history says it, and the input kept.
        page.goto(f"{partnership}/partners/new")
        page.locator("#f-organisation_id").select_option(label=f"{CULTURE} (Ishøj)")
        page.locator("#f-rung").select_option(value="1")
        page.get_by_role("button", name=re.compile("Tilføj|Gem")).click()
        expect(page).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))
        page.goto(f"{partnership}/ladder/new")
        other.goto(f"{partnership}/ladder/new")
        for who, rung, evidence in ((page, "3", "Fælles henvisning"), (other, "2", "Dialogmøde")):
            who.locator("#f-organisation_id").select_option(index=1)  # the one partner
            who.locator("#f-rung").select_option(value=rung)
            who.locator("#f-evidence").fill(evidence)
            who.locator("#command-form button[type=submit]").last.click()
        expect(page).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))
        expect(other.locator("#conflict")).to_be_visible()
        expect(other.locator("#conflict")).to_contain_text(CULTURE)
        expect(other.locator("#f-evidence")).to_have_value("Dialogmøde")
        no_violations(other)
        other.get_by_role("link", name="Behold deres ændring").click()
        expect(other).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))
    finally:
        other_context.close()

    # The move to operation: its own page, explained, confirmed.
    page.goto(partnership)
    page.get_by_role("link", name="Overgå til drift").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overgå til drift")
    no_violations(page)
    page.get_by_role("button", name="Bekræft overgang til drift").click()
    expect(page).to_have_url(re.compile(re.escape(partnership) + r"(#.*)?$"))
    expect(page.locator(".partnership-header")).to_contain_text("drift")
    expect(page.get_by_role("link", name="Overgå til drift")).to_have_count(0)
