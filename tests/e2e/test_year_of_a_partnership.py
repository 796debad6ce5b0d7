"""A year of a partnership, played by a project leader in a real browser (issue 14).

København's demo project leader creates a partnership a year back, takes a partner in,
sets up the steering group (a member appointed as medlem is made formand: the seat
change), records two steering-group decisions (the second by keyboard only: Tab, Space,
Enter, no clicks), a kommissorium version approved by the first, starts the action plan,
launches an activity, schedules and records retention follow-ups, records an evaluation
with WHO-5 counts and both assessments, edits every registry field through "Ret
stamdata", and moves the partnership from projekt to drift. The history then shows each
change. Every new form is checked with axe, one with its errors shown too.

The server is `tvaers serve --demo` (tests/e2e/conftest.py); the users and organisations
are the demo data's (services/demo/data.py).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible, log_in, screenshot

TITLE = "Sund hverdag i jobcentret - København"
NEW_TITLE = "Sund hverdag for ledige - København"
LEAD = "Sundhed og Forebyggelse, København Kommune"
JOBCENTER = "Jobcenter København"
ACTIVITY = "Morgenmotion på jobcentret"
FIRST_DECISION = "Kommissoriet godkendt"
SECOND_DECISION = "Morgenmotion fortsætter"
EVALUATOR = "Rambøll Management"


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def dated(page: Page, offset: int) -> None:
    """The form's date of the change (its label differs by form: Gælder fra, Mødedato)."""
    page.locator("#f-valid_on").fill(day(offset))


def submit(page: Page, name: str | re.Pattern[str]) -> None:
    page.get_by_role("button", name=name).click()
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/ui/partnerships/[0-9a-f-]+(#.*)?$"))


def follow(page: Page, name: str | re.Pattern[str]) -> None:
    """Follow a link of the partnership page to its form, and check the form with axe."""
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def tab_to(page: Page, selector: str, *, limit: int = 250) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_project_leader_keeps_a_partnership_up_to_date_for_a_year(
    page: Page, server: str
) -> None:
    log_in(page, server, "demo-kbh")

    # -- created a year ago, with a partner -----------------------------------------------
    page.get_by_role("link", name="Nyt partnerskab").click()
    page.get_by_label("Titel").fill(TITLE)
    page.get_by_label(re.compile("^Kommune")).select_option("København")  # one of the 98
    page.get_by_label("Ledende organisation").select_option(label=f"{LEAD} (København)")
    dated(page, -365)
    page.get_by_role("button", name="Opret partnerskab").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    base = page.url.split("#")[0].split("?")[0]

    follow(page, "Tilføj partner")
    page.get_by_label(re.compile("^Organisation")).select_option(label=f"{JOBCENTER} (København)")
    page.get_by_label("Trin på partnerskabstrappen").select_option(value="2")
    dated(page, -360)
    submit(page, re.compile("Tilføj|Gem"))

    # -- the steering group: appointed as medlem, made formand from the same day ----------
    follow(page, "Udpeg til styregruppen")
    page.get_by_label("Person").select_option(index=1)
    chosen = page.get_by_label("Person").locator("option:checked").inner_text()
    person = chosen.split(",")[0].split(" (")[0]
    dated(page, -350)
    submit(page, "Udpeg")
    follow(page, "Skift rolle i styregruppen")
    page.get_by_label("Ny plads").select_option(label="formand")
    dated(page, -350)
    submit(page, "Skift plads")

    # -- decision 1, and the kommissorium it approved -------------------------------------
    follow(page, "Registrér beslutning")
    page.locator("#f-title").fill(FIRST_DECISION)
    dated(page, -340)
    page.get_by_label("Det godkendte").fill("Kommissorium version 1\nBudget for første år")
    submit(page, "Registrér beslutningen")

    follow(page, "Ny version af kommissoriet")
    page.get_by_role("textbox", name="Formål", exact=True).fill(
        "Flere ledige i bedre trivsel gennem daglig bevægelse"
    )
    page.get_by_label("Sammensætning").fill("Sundhedschef (formand) og jobcenterchef")
    page.get_by_label("Opgave").fill("Styre og følge morgenmotionen")
    page.get_by_label("Tidsplan").fill("Et år, med evaluering efter 11 måneder")
    page.get_by_label("Fokusområder").fill("Bevægelse\nTrivsel")
    page.get_by_label("Godkendt ved beslutning").select_option(index=1)
    dated(page, -340)
    submit(page, "Gem den nye version")

    # -- the action plan and an activity ------------------------------------------------------
    follow(page, "Næste skridt i handlingsplanen")
    page.get_by_label("Næste skridt").select_option(label="planlæg")
    page.get_by_label("Note").fill("Mål og målgruppe aftalt")
    dated(page, -330)
    submit(page, "Gem skridtet")

    follow(page, "Ny aktivitet")
    page.get_by_label("Titel").fill(ACTIVITY)
    page.get_by_label("Kategori").select_option(index=1)
    page.get_by_label(JOBCENTER, exact=True).check()
    dated(page, -300)
    submit(page, "Opret aktivitet")

    follow(page, "Næste skridt i handlingsplanen")
    page.get_by_label("Næste skridt").select_option(label="igangsæt aktiviteter")
    dated(page, -300)
    submit(page, "Gem skridtet")

    # -- retention follow-ups: after 3 weeks and after 3 months, then their counts --------
    for preset, label in (("Efter 3 uger", "Efter 3 uger"), ("Efter 3 måneder", "Efter 3 måneder")):
        follow(page, "Planlæg opfølgning")
        page.get_by_label("Hvornår").select_option(label=preset)
        page.get_by_label("Antal deltagere på holdet").fill("24")
        page.get_by_label("Aktivitet").select_option(label=ACTIVITY)
        dated(page, -150)
        submit(page, "Planlæg opfølgningen")
        follow(page, f"Registrér resultatet for {label}")
        page.get_by_label("Nået").fill("20")
        page.get_by_label("Fastholdt").fill("16" if "uger" in label else "12")
        dated(page, -40)
        submit(page, "Registrér resultatet")
    follow_ups = page.locator("table.follow-ups").first.inner_text()
    for shown in ("Efter 3 uger", "Efter 3 måneder", "16 (80 %)", "12 (60 %)"):
        assert shown in follow_ups, shown

    # -- an evaluation with WHO-5 counts and both assessments; a refusal on the way -------
    follow(page, "Registrér evaluering")
    page.get_by_label("Intern eller ekstern").select_option(label="ekstern")
    page.get_by_label("Evaluator").fill(EVALUATOR)
    page.get_by_label("Metode").select_option(label="WHO-5 før/efter")
    page.get_by_label("Resultater").fill("Trivslen steg for de fleste deltagere.")
    page.get_by_label("WHO-5 før: gennemsnit").fill("48,5")
    dated(page, -30)
    page.get_by_role("button", name="Registrér evalueringen").click()
    expect(page.locator("#f-who5_respondents_before-error")).to_be_visible()
    assert_accessible(page)  # the errors shown
    page.get_by_label("WHO-5 før: antal besvarelser").fill("22")
    page.get_by_label("WHO-5 efter: antal besvarelser").fill("19")
    page.get_by_label("WHO-5 efter: gennemsnit").fill("61")
    page.get_by_label("Er formålet opfyldt?").select_option(label="i nogen grad")
    page.get_by_label("Er indsatsen gennemført som planlagt?").select_option(label="i høj grad")
    submit(page, "Registrér evalueringen")
    evaluations = page.locator("#evaluations").inner_text()
    assert "gennemsnit 48,5 (22 besvarelser)" in evaluations
    assert "gennemsnit 61,0 (19 besvarelser)" in evaluations
    assert "i høj grad" in evaluations
    follow(page, f"Vurdér {EVALUATOR}s evaluering")  # a later assessment: axe only
    page.goto(base)

    # -- decision 2, by keyboard only (today's meeting: the date is left as it is) --------
    page.goto(base)
    tab_to(page, f'a[href="{base.split(server)[1]}/decisions/new"]')
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Registrér en beslutning i styregruppen"
    )
    tab_to(page, "#f-title")
    page.keyboard.type(SECOND_DECISION)
    tab_to(page, "#f-approved")
    page.keyboard.type("Morgenmotion i endnu et år")
    tab_to(page, 'input[name="linked_ids"]')
    while not page.evaluate(
        "(t) => document.activeElement.parentElement.textContent.includes(t)", ACTIVITY
    ):
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    tab_to(page, 'button[type="submit"]')
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#governance$"))
    governance = page.locator("#governance").inner_text()
    assert SECOND_DECISION in governance
    assert f"Vedrører: {ACTIVITY}" in governance
    assert "Godkendte kommissorium version 1" in governance

    # -- every registry field through "Ret stamdata" --------------------------------------
    follow(page, "Ret stamdata")
    page.get_by_label("Titel").fill(NEW_TITLE)
    page.get_by_role("textbox", name="Formål", exact=True).fill(
        "Flere ledige i bedre trivsel og i job"
    )
    page.get_by_label("Målgrupper").fill("ledige på kontanthjælp\nsygedagpengemodtagere")
    page.get_by_label("Arenaer").fill("jobcentret\nlokale idrætsforeninger")
    page.get_by_label("Periode fra").fill(day(-365))
    page.get_by_label("Periode til").fill(day(365))
    page.get_by_label("tilbud", exact=True).check()
    page.get_by_label("tidlig opsporing", exact=True).check()
    page.get_by_label("Pejlemærke 3", exact=True).check()
    page.get_by_label("Emneord").fill("bevægelse\ntrivsel")
    page.get_by_label("Årligt budget (kr.)").fill("30.000")
    page.get_by_label("Personaletimer pr. år").fill("1.480,5")
    page.get_by_label("Rekrutteringskanaler").fill("jobkonsulenter\nopslag")
    page.get_by_label("Evalueringsstatus").fill("evalueret")
    page.get_by_label("Opmærksomhedspunkter").fill("Transport til morgenholdet")
    page.get_by_label("Barrierer").fill("Udskiftning blandt jobkonsulenter")
    page.get_by_label("Fremmende faktorer").fill("Ledelsen bakker op")
    if page.locator("#f-valid_on").count():
        dated(page, -20)
    submit(page, "Gem stamdata")
    header = page.locator("header.partnership-header").inner_text()
    assert NEW_TITLE in header
    assert "30.000 kr." in header

    # -- from projekt to drift: the anchoring step ----------------------------------------
    follow(page, "Overgå til drift")
    dated(page, -10)
    submit(page, "Bekræft overgang til drift")
    assert "drift" in page.locator("header.partnership-header").inner_text()
    screenshot(page, "year-of-a-partnership")
    assert_accessible(page)  # the partnership page with every new section and link

    # -- the history shows each change -------------------------------------------------------
    page.goto(f"{base}/history")
    assert_accessible(page)
    history = page.locator("main").inner_text()
    registry_values = (
        NEW_TITLE,
        "Flere ledige i bedre trivsel og i job",
        "sygedagpengemodtagere",
        "lokale idrætsforeninger",
        date.fromisoformat(day(365)).strftime("%d.%m.%Y"),
        "tidlig opsporing",
        "bevægelse, trivsel",
        "jobkonsulenter, opslag",
        "evalueret",
        "Transport til morgenholdet",
        "Udskiftning blandt jobkonsulenter",
        "Ledelsen bakker op",
    )
    for expected in (
        TITLE,  # the registration, and the old title in the registry change
        *registry_values,
        JOBCENTER,
        person,
        "formand",
        f"Styregruppebeslutning: {FIRST_DECISION}",
        f"Styregruppebeslutning: {SECOND_DECISION}",
        "Kommissorium version 1",
        "Implementeringscirklen: planlæg",
        ACTIVITY,
        "Opfølgning planlagt: Efter 3 uger",
        "Opfølgning planlagt: Efter 3 måneder",
        "16 af 20 fastholdt",
        "12 af 20 fastholdt",
        f"Evaluering (ekstern) ved {EVALUATOR}",
        "Er formålet opfyldt? - i nogen grad",
        "projekt → drift",
    ):
        assert expected in history, f"{expected} not in:\n{history}"
    assert re.search(r"Årligt budget[^;]*30\.?000", history), history
    assert re.search(r"Personaletimer[^;]*1\.?480[,.]5", history), history
    assert re.search(r"skifter plads i styregruppen: medlem → formand", history), history
