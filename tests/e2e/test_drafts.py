"""Nothing typed is lost, in a real browser (issue 14): the session ends while a form is
open, logging in again brings the input back and submitting works; another user on the
same browser does not get it; a refused form's error summary takes the focus and its
links move the focus to the fields; the login page's password can be shown and hidden.
Each state is checked with axe-core."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from services.demo.data import DEMO_PASSWORD
from tests.e2e.conftest import assert_accessible as assert_no_serious_violation
from tests.e2e.conftest import log_in

LEADER = "demo-ishoj"
OTHER_LEADER = "demo-silkeborg"
LEAD = "Stabsenhed for Sundhedsudvikling, Ishøj Kommune (Ishøj)"


def assert_accessible(page: Page) -> None:
    """axe-core: no WCAG 2.1 A/AA violation of any impact on these states (stricter than
    the conftest's serious-or-critical)."""
    assert_no_serious_violation(page)
    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            "resultTypes": ["violations"],
        },
    )
    found = [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]]
    assert not found, f"{page.url}: {found}"


def log_out_in_another_tab(context: BrowserContext, server: str) -> None:
    """The same browser, another tab: "Log ud" there ends this tab's session too."""
    other = context.new_page()
    other.goto(f"{server}/ui/")
    other.get_by_role("button", name="Log ud").click()
    other.wait_for_url(re.compile(r"/ui/login"))
    other.close()


def end_token_keeping_the_cookie(context: BrowserContext, server: str) -> None:
    """The token ends on the server while the browser still holds its cookie (as when
    the session's twelve hours run out): logged out elsewhere, the old cookie put back."""
    old = [c for c in context.cookies() if c["name"].startswith("tvaers_session")]
    log_out_in_another_tab(context, server)
    context.add_cookies(old)  # type: ignore[arg-type]


def fill_login(page: Page, username: str) -> None:
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_the_session_ends_mid_form_and_the_input_is_back_after_logging_in(
    page: Page, server: str
) -> None:
    log_in(page, server, LEADER)
    page.goto(f"{server}/ui/partnerships/new")
    page.get_by_label("Titel").fill("Bevægelse i Vildtbanen")
    page.get_by_label(re.compile("^Kommune")).select_option("Ishøj")  # one of the 98
    page.get_by_role("textbox", name="Formål", exact=True).fill("Flere ældre i bevægelse")
    page.get_by_label("Målgrupper").fill("Ældre 65+\nPårørende")
    page.get_by_label("Gælder fra").fill("2026-03-02")

    end_token_keeping_the_cookie(page.context, server)
    page.get_by_role("button", name="Opret partnerskab").click()

    # The login page, saying the input is kept.
    page.wait_for_url(re.compile(r"/ui/login\?next="))
    expect(page.locator("#form-notice")).to_contain_text("Det, du skrev, er gemt")
    assert_accessible(page)
    fill_login(page, LEADER)

    # Back on the form, everything as typed, and a notice saying so.
    page.wait_for_url(re.compile(r"/ui/partnerships/new\?draft="))
    expect(page.locator("#form-notice")).to_contain_text("Det, du skrev, er sat ind igen")
    expect(page.get_by_label("Titel")).to_have_value("Bevægelse i Vildtbanen")
    expect(page.get_by_role("textbox", name="Formål", exact=True)).to_have_value(
        "Flere ældre i bevægelse"
    )
    expect(page.get_by_label("Målgrupper")).to_have_value("Ældre 65+\nPårørende")
    expect(page.get_by_label("Gælder fra")).to_have_value("2026-03-02")
    assert_accessible(page)

    # Submitting works, and the next page says what was saved, once.
    page.get_by_label("Ledende organisation").select_option(label=LEAD)
    page.get_by_role("button", name="Opret partnerskab").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bevægelse i Vildtbanen")
    confirmation = page.locator(".confirmation[role=status]")
    expect(confirmation).to_contain_text("Gemt:")
    expect(confirmation).to_contain_text("Bevægelse i Vildtbanen")
    assert_accessible(page)
    page.reload()
    expect(page.locator(".confirmation")).to_have_count(0)


def test_another_user_logging_in_on_that_browser_does_not_get_the_input(
    page: Page, server: str
) -> None:
    log_in(page, server, LEADER)
    page.goto(f"{server}/ui/partnerships/new")
    page.get_by_label("Titel").fill("Et hemmeligt udkast")

    log_out_in_another_tab(page.context, server)
    page.get_by_role("button", name="Opret partnerskab").click()
    page.wait_for_url(re.compile(r"/ui/login\?next="))
    fill_login(page, OTHER_LEADER)

    page.wait_for_url(re.compile(r"/ui/partnerships/new"))
    expect(page.get_by_label("Titel")).to_have_value("")
    expect(page.locator("#form-notice")).to_have_count(0)
    assert "Et hemmeligt udkast" not in page.content()


def test_the_error_summary_takes_the_focus_and_its_links_move_it_to_the_fields(
    page: Page, server: str
) -> None:
    log_in(page, server, LEADER)
    page.goto(f"{server}/ui/partnerships/new")
    page.get_by_label("Årligt budget (kr.)").fill("30,000")  # ambiguous: refused
    page.get_by_role("button", name="Opret partnerskab").click()

    summary = page.locator("#form-message")
    expect(summary).to_be_focused()
    assert page.title().startswith("Fejl: ")
    links = summary.get_by_role("link")
    assert links.count() >= 4  # title, municipality, lead organisation, budget
    assert_accessible(page)

    summary.get_by_role("link", name=re.compile("^Titel")).click()
    expect(page.get_by_label("Titel")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^Årligt budget")).click()
    expect(page.get_by_label("Årligt budget (kr.)")).to_be_focused()
    expect(page.locator("#f-yearly_budget_dkk-error")).to_contain_text("Mener du 30 eller 30.000?")

    # by keyboard: from the summary, Tab reaches the first link, Enter moves to its field
    summary.focus()
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Titel")).to_be_focused()


def test_the_password_can_be_shown_and_hidden_again(page: Page, server: str) -> None:
    page.goto(f"{server}/ui/login")
    password = page.get_by_label("Adgangskode")
    toggle = page.get_by_role("button", name="Vis adgangskode")
    expect(password).to_have_attribute("type", "password")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    password.fill("hemmelig")
    toggle.click()
    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
    toggle.click()
    expect(password).to_have_attribute("type", "password")
    expect(toggle).to_have_attribute("aria-pressed", "false")
