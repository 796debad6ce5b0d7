"""The users' main journeys in a real browser, each page checked with axe-core.

1. A project leader creates a partnership, adds partners, drafts and signs an agreement,
   and sees the partner reach rung 5 on the ladder.
2. A steering-group member reads the audit history and the diff between two dates.
3. An evaluator switches the page to an earlier date and sees the earlier state.
4. A user without a grant can neither see nor reach another partnership.

The server is `tvaers serve --demo` (tests/e2e/conftest.py); users and partnerships are
the demo data's (services/demo/data.py).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import TABLET, assert_accessible, log_in, screenshot

TITLE = "Grønne fællesskaber i Ishøj"
LEAD = "Stabsenhed for Sundhedsudvikling, Ishøj Kommune"
CULTURE = "Kultur og Fritid, Ishøj Kommune"
NETWORK = "Sund By Netværket"


def open_partnership(page: Page, title: str) -> None:
    """From the dashboard, follow the link to a partnership."""
    page.get_by_role("link", name="Overblik").click()
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def row_of(page: Page, table: str, name: str) -> str:
    """The text of the row naming `name` in the table captioned `table`."""
    grid = page.locator("table", has=page.locator("caption", has_text=table)).first
    return grid.locator("tr", has_text=name).first.inner_text()


def test_a_project_leader_builds_a_partnership_up_to_a_signed_agreement(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-ishoj")
    page.get_by_role("link", name="Nyt partnerskab").click()
    assert_accessible(page)
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label(re.compile("^Kommune")).select_option("Ishøj")  # one of the 98
    page.get_by_label("Ledende organisation").select_option(label=f"{LEAD} (Ishøj)")
    page.get_by_label("Gælder fra").fill("2026-01-05")
    page.get_by_label("Begrundelse").fill("Styregruppen besluttede at starte")
    page.get_by_role("button", name="Opret partnerskab").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    partnership_url = page.url.split("#")[0]

    for organisation, rung in ((f"{CULTURE} (Ishøj)", "3"), (NETWORK, "2")):
        page.get_by_role("link", name="Tilføj partner").first.click()
        page.get_by_label(re.compile("^Organisation")).select_option(label=organisation)
        trin = page.get_by_label("Trin på partnerskabstrappen")
        trin.select_option(value=rung)
        page.get_by_label("Gælder fra").fill("2026-02-01")
        page.get_by_role("button", name=re.compile("Tilføj|Gem")).click()
        expect(page).to_have_url(re.compile(re.escape(partnership_url)))
    assert "3 gensidig henvisning" in row_of(page, "Partnerne", CULTURE)

    # A broken form shows its message next to the field and saves nothing.
    page.get_by_role("link", name="Ny aftale").first.click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Gem|Opret|udkast", re.I)).click()
    expect(page.locator("#f-title-error")).to_have_text("Feltet skal udfyldes.")
    assert_accessible(page)

    page.get_by_label("Slags aftale").select_option(label="samarbejdsaftale")
    page.get_by_label("Titel").fill("Samarbejdsaftale om grønne fællesskaber")
    page.get_by_role("textbox", name="Formål", exact=True).fill("Henvisning til naturfællesskaber")
    page.get_by_label(CULTURE, exact=True).check()
    # Boxes for obligations only for the parties chosen: choose, then show them.
    expect(page.get_by_label(f"Forpligtelser for {CULTURE}")).to_have_count(0)
    page.get_by_role("button", name="Vis forpligtelser for de valgte parter").click()
    assert_accessible(page)
    page.get_by_label(f"Forpligtelser for {CULTURE}").fill("Stiller instruktører til rådighed")
    page.get_by_label(f"Forpligtelser for {LEAD}").fill("Henviser borgere")
    page.get_by_label("Aftalen gælder fra og med").fill("2026-03-01")
    page.get_by_label("Aftalen gælder til og med").fill("2027-12-31")
    # no second "Gælder fra" on a form with its own validity (api/ui/forms.py with_meta)
    expect(page.get_by_label("Gælder fra", exact=True)).to_have_count(0)
    page.get_by_role("button", name=re.compile("Gem|Opret|udkast", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Samarbejdsaftale om grønne fællesskaber"
    )
    assert_accessible(page)

    for party, signatory in (
        (CULTURE, f"Mikkel Dahl, fritidskonsulent ({CULTURE})"),
        (LEAD, f"Helle Aagaard, sundhedskonsulent ({LEAD})"),
    ):
        # The party first (while more than one is left to sign), then its people.
        choose = page.get_by_role("link", name=f"Underskriv for {party}")
        if choose.count():
            assert_accessible(page)
            choose.click()
            assert_accessible(page)
        expect(page.get_by_text(f"Underskriver for {party}")).to_be_visible()
        page.get_by_role("combobox", name="Underskriver", exact=True).select_option(label=signatory)
        page.get_by_label("Gælder fra").fill("2026-03-01")
        page.get_by_role("button", name="Registrér underskrift").click()
        page.wait_for_load_state()  # the next party's `count()` must read the new page
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(partnership_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    assert "5 samarbejdsaftale" in row_of(page, "Partnerne", CULTURE)
    assert "2 dialog" in row_of(page, "Partnerne", NETWORK)
    assert_accessible(page)
    screenshot(page, "partnership")
    page.set_viewport_size(TABLET)
    assert_accessible(page)


def test_a_steering_member_reads_the_history_and_the_diff_between_two_dates(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-styregruppe")
    open_partnership(page, "Sundhed i beskæftigelsesindsatsen - København")
    base = page.url.split("#")[0].split("?")[0]

    page.goto(f"{base}/history")
    assert_accessible(page)
    history = page.locator("main").inner_text()
    # who: København's demo project leader by name and role (issue 15)
    assert "Af Demo projektleder København (projektleder, København)" in history
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d\.\d\d \(dansk tid\)", history)  # when
    assert "gælder fra" in history  # the valid date
    screenshot(page, "history")
    # the filters go into the address (htmx pushes it): a filtered history can be shared
    page.get_by_label("Hvem (navn eller brugernavn)").fill("københavn")
    page.get_by_role("button", name="Filtrér").click()
    page.wait_for_url(re.compile(r"actor=k%C3%B8benhavn"))
    expect(page.locator("#history-panel")).to_contain_text("Demo projektleder København")
    # a bad filter: a message beside the field, and the page stays accessible
    page.goto(f"{base}/history?from=2024-05-02&to=2024-05-01")
    expect(page.locator("#h-to-error")).to_have_text("Til-datoen ligger før fra-datoen.")
    assert_accessible(page)

    page.goto(base)
    page.get_by_label("Fra dato").fill("2019-01-01")
    page.get_by_label("Til dato").fill("2022-12-31")
    page.get_by_role("button", name="Sammenlign").click()
    changes = page.locator("#diff-panel")
    expect(changes.locator("table").first).to_be_visible()  # one table per part
    assert "tilføjet" in changes.inner_text().lower()
    assert_accessible(page)


def test_an_evaluator_sees_the_partnership_as_it_stood_on_an_earlier_date(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-evaluator")
    open_partnership(page, "Fælles sprog om sundhed og beskæftigelse - Jammerbugt")
    assert "4 uformelt samarbejde" in row_of(page, "Partnerne", "Jobcenter Jammerbugt")

    # Jobcenter Jammerbugt joined on rung 1 on 1 March 2019, reached rung 3 on 1 September
    # 2019 and rung 4 on 1 February 2020 (services/demo/data.py).
    page.get_by_label("Vis som det stod den …").fill("2019-12-31")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"as_of=2019-12-31"))
    assert "3 gensidig henvisning" in row_of(page, "Partnerne", "Jobcenter Jammerbugt")

    page.get_by_label("Vis som det stod den …").fill("2019-06-01")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(r"as_of=2019-06-01"))
    assert "1 kendskab til hinanden" in row_of(page, "Partnerne", "Jobcenter Jammerbugt")
    expect(page.get_by_role("link", name="Tilbage til i dag")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "partnership-earlier")


def test_a_user_without_a_grant_can_neither_see_nor_reach_another_partnership(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-frederiksberg")
    link = page.get_by_role("link", name=re.compile("Kultur på recept")).first
    frederiksberg = link.get_attribute("href")
    assert frederiksberg is not None

    page.goto(f"{server}/ui/registry")
    assert "Ishøj" not in page.locator("main").inner_text()

    log_in(page, server, "demo-ishoj")
    response = page.goto(f"{server}{frederiksberg}")
    assert response is not None
    # Another municipality's partnership looks like one that does not exist (issue 16).
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerskabet findes ikke")
    assert "Frederiksberg" not in page.locator("main").inner_text()
    assert_accessible(page)
    response = page.goto(f"{server}{frederiksberg}/history")
    assert response is not None
    assert response.status == 404


def test_the_registry_the_map_of_offers_and_the_cross_case_tables_in_the_browser(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-evaluator")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Fritekst").fill("aktivering")
    page.get_by_role("button", name="Søg").click()
    results = page.locator("#results")
    expect(results).to_contain_text("Sundhed i aktiveringen - Greve")
    expect(results).not_to_contain_text("Kultur på recept")
    assert_accessible(page)
    screenshot(page, "registry")

    page.get_by_role("link", name="Tilbudskort").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "offers")

    page.get_by_role("link", name="Krydscase").click()
    page.get_by_role("button", name="Vis tabeller for filteret").click()
    expect(page.locator("main table").first).to_be_visible()
    expect(page.locator("main svg").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "crosscase")
    page.set_viewport_size(TABLET)
    assert_accessible(page)
