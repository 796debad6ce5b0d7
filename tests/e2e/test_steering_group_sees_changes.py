"""The steering group sees exactly what changed (issue 15, the first "Done when").

København's demo project leader changes several things of the steering-group member's
partnership in the browser today: a registry field through "Ret stamdata", a seat in the
steering group, a role made vacant, an agreement drafted and signed, an activity paused.
Then the demo steering-group member reads the history (each change named, old → new)
and compares yesterday with today: the comparison lists every change, and the API's
`GET .../diff` (read in the same browser session) says exactly what the page says. The
diff page, its "siden sidste møde" shortcut and its error state (a reversed range) pass
axe.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from aggregates.dates import today as today_in_denmark
from services.demo.data import LEADERS, STEERING
from tests.e2e.conftest import assert_accessible, log_in, screenshot

TITLE = "Sundhed i beskæftigelsesindsatsen - København"
JOBCENTER = "Jobcenter København"
AGREEMENT = "Aftale om sundhedssamtaler i jobcentret"
STATUS_TEXT = "Evalueret af styregruppen december"


def _open(page: Page, server: str) -> str:
    page.goto(f"{server}/ui/")
    page.get_by_role("link", name=TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    return page.url.split("#")[0].split("?")[0]


def _saved(page: Page, button: str | re.Pattern[str]) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.first.inner_text()
    expect(page).to_have_url(
        re.compile(r"/ui/partnerships/[0-9a-f-]+(/agreements/[0-9a-f-]+)?(\?.*)?(#.*)?$")
    )


def _other_option(page: Page, label: str) -> str:
    """Choose an option of the select other than the one chosen now; its text."""
    select = page.get_by_label(label)
    current = select.input_value()
    values = [
        v
        for v in select.locator("option").evaluate_all("(os) => os.map((o) => o.value)")
        if v and v != current
    ]
    labels = select.locator("option").evaluate_all(
        "(os) => Object.fromEntries(os.map((o) => [o.value, o.textContent.trim()]))"
    )
    # a plain member's seat has room for many; a chair or vice chair only for one
    chosen = next((v for v in values if labels[v] == "medlem"), values[0])
    select.select_option(value=chosen)
    return str(select.locator("option:checked").inner_text()).strip()


def _changes_as_leader(page: Page, server: str) -> dict[str, Any]:
    log_in(page, server, LEADERS["København"])
    base = _open(page, server)
    done: dict[str, Any] = {}

    # a registry field, through "Ret stamdata"
    page.goto(f"{base}/registry/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ret stamdata")
    done["status_before"] = page.get_by_label("Evalueringsstatus").input_value()
    page.get_by_label("Evalueringsstatus").fill(STATUS_TEXT)
    _saved(page, "Gem stamdata")

    # a seat in the steering group
    page.goto(base)
    seat_link = page.locator('a[href*="/steering/"][href$="/seat"]').first
    seat_row = seat_link.locator("xpath=ancestor::tr")
    done["member"] = seat_row.locator("th").inner_text().strip()
    done["seat_before"] = seat_row.locator("td").first.inner_text().strip()
    seat_link.click()
    done["seat_after"] = _other_option(page, "Ny plads")
    _saved(page, "Skift plads")

    # a role made vacant
    page.goto(base)
    vacate = page.locator('a[href*="/roles/"][href$="/vacate"]').first
    done["role_text"] = vacate.inner_text().strip()  # "Gør <role> ledig"
    holder = vacate.locator("xpath=ancestor::div[1]").inner_text()
    done["holder"] = holder.split("Overdrag")[0].strip()
    vacate.click()
    _saved(page, "Registrér som ledig")

    # an activity paused
    page.goto(base)
    status = page.get_by_role("link", name=re.compile("^Skift status for ")).first
    done["activity"] = status.inner_text().removeprefix("Skift status for ").strip()
    status.click()
    page.get_by_label("Ny status").select_option(label="sat på pause")
    _saved(page, "Skift status")

    # an agreement drafted and signed by both parties today
    page.goto(base)
    page.get_by_role("link", name="Ny aftale").first.click()
    page.get_by_label("Slags aftale").select_option(label="samarbejdsaftale")
    page.get_by_label("Titel").fill(AGREEMENT)
    page.get_by_role("textbox", name="Formål", exact=True).fill("Samtaler om sundhed")
    page.get_by_label(JOBCENTER, exact=True).check()
    page.get_by_role("button", name="Vis forpligtelser for de valgte parter").click()
    # The step is a page load: wait for the new page's boxes (all() does not wait, and
    # once read the old page's empty list: CI at 04a407a).
    boxes = page.get_by_label(re.compile("^Forpligtelser for "))
    expect(page.get_by_label(f"Forpligtelser for {JOBCENTER}")).to_be_visible()
    expect(boxes).to_have_count(2)
    for box in boxes.all():
        box.fill("Holder sundhedssamtaler")
    page.get_by_label("Aftalen gælder fra og med").fill(today_in_denmark().isoformat())
    page.get_by_label("Aftalen gælder til og med").fill(
        (today_in_denmark() + timedelta(days=365)).isoformat()
    )
    page.get_by_role("button", name=re.compile("Gem|Opret|udkast", re.I)).click()
    page.wait_for_load_state()
    errors = page.locator(".error-summary")
    assert errors.count() == 0, errors.first.inner_text()
    expect(page.get_by_role("heading", level=1)).to_have_text(AGREEMENT)
    for _ in range(2):
        choose = page.get_by_role("link", name=re.compile("^Underskriv for "))
        if choose.count():
            choose.first.click()
        page.get_by_role("combobox", name="Underskriver", exact=True).select_option(index=1)
        page.get_by_role("button", name="Registrér underskrift").click()
        page.wait_for_load_state()  # the next round's `count()` must read the new page
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator(".error-summary")).to_have_count(0)
    page.get_by_role("button", name="Log ud").click()
    return done


def _page_rows(page: Page) -> list[tuple[str, ...]]:
    """(section, what, change, before, after) of every row of the diff tables."""
    found = []
    for table in page.locator("#diff-panel table.diff").all():
        section = table.locator("caption").inner_text().strip()
        for row in table.locator("tbody tr").all():
            cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
            found.append((section, *cells))
    return found


def test_a_steering_member_sees_what_the_project_leader_changed(page: Page, server: str) -> None:
    done = _changes_as_leader(page, server)
    today, yesterday = today_in_denmark(), today_in_denmark() - timedelta(days=1)

    log_in(page, server, STEERING)
    base = _open(page, server)

    # -- the history names each change, old → new ---------------------------------------
    page.goto(f"{base}/history")
    history = re.sub(r"\s+", " ", page.locator("main").inner_text())
    assert "→" in history
    assert f"«{STATUS_TEXT}»" in history
    assert done["member"] in history
    assert done["seat_after"] in history
    assert done["activity"] in history
    assert "sat på pause" in history
    assert AGREEMENT in history

    # -- the comparison from yesterday to today lists every change ------------------------
    page.goto(f"{base}/diff")
    assert_accessible(page)
    page.get_by_label("Fra dato").fill(yesterday.isoformat())
    page.get_by_label("Til dato").fill(today.isoformat())
    page.get_by_role("button", name="Sammenlign").click()
    expect(page.locator("#diff-panel table.diff").first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "diff")
    rows = _page_rows(page)
    by_section: dict[str, list[tuple[str, ...]]] = {}
    for row in rows:
        by_section.setdefault(row[0], []).append(row[1:])
    registry = by_section["Stamdata"]
    assert (
        "Evalueringsstatus",
        "ændret",
        f"«{done['status_before']}»" if done["status_before"] else "(tom)",
        f"«{STATUS_TEXT}»",
    ) in registry
    assert (done["member"], "ændret: Sæde", done["seat_before"], done["seat_after"]) in by_section[
        "Styregruppe"
    ]
    assert any(r[1] == "ændret: Indehaver" and r[3] == "ledig" for r in by_section["Roller"])
    assert any(
        r[0] == done["activity"] and r[1] == "ændret: Status" and r[3] == "sat på pause"
        for r in by_section["Aktiviteter"]
    )
    assert (AGREEMENT, "tilføjet", "\N{EN DASH}", "i kraft") in by_section["Aftaler"]

    # -- the same in GET .../diff, read in the same session -------------------------------
    pid = base.rstrip("/").rsplit("/", 1)[1]
    answer = page.request.get(
        f"{server}/partnerships/{pid}/diff",
        params={"from": yesterday.isoformat(), "to": today.isoformat(), "lang": "da"},
    )
    assert answer.status == 200, answer.text()
    words = {"added": "tilføjet", "changed": "ændret", "removed": "fjernet"}
    api_rows = [
        (
            c["section_label"],
            c["label"],
            words[c["change"]] + (f": {c['aspect']}" if c["aspect"] else ""),
            c["before"] or "\N{EN DASH}",
            c["after"] or "\N{EN DASH}",
        )
        for c in answer.json()["changes"]
    ]
    assert [tuple(html.unescape(v) for v in r) for r in rows] == api_rows

    # -- the error state: a reversed range, refused at the field ------------------------
    page.goto(f"{base}/diff?from={today.isoformat()}&to={yesterday.isoformat()}")
    expect(page.locator("#d-to-error")).to_contain_text("ligger før fra-datoen")
    expect(page.locator("#d-to")).to_have_attribute("aria-invalid", "true")
    assert page.locator("#diff-panel table.diff").count() == 0
    assert_accessible(page)
    refused = page.request.get(
        f"{server}/partnerships/{pid}/diff",
        params={"from": today.isoformat(), "to": yesterday.isoformat()},
    )
    assert refused.status == 422  # valid by the schema, refused by the rule

    # -- "siden sidste møde": from the last decision's meeting date to today -------------
    page.goto(f"{base}/diff")
    page.get_by_role("link", name="Siden sidste møde").click()
    expect(page.locator("#diff-panel")).to_contain_text("Siden sidste møde den")
    assert_accessible(page)
    assert any(r[1] == AGREEMENT for r in _page_rows(page))
