"""A refused form (issue 14, finding 7): every error of the submit at once, listed and
linked at the top in a summary that takes the focus, and a page title that starts with
"Fejl:"."""

from __future__ import annotations

import html
import re

from litestar import Litestar
from litestar.testing import TestClient

from tests.ui.conftest import post_form, text
from tests.ui.forms_support import Desk, day, error_next_to, nothing_saved


def summary_links(page: str) -> dict[str, str]:
    """The error summary's links: field id → what it says."""
    match = re.search(r'<div class="alert error-summary"(.*?)</div>', page, re.S)
    assert match is not None, "no error summary"
    return {
        target: html.unescape(re.sub(r"<[^>]+>", "", said))
        for target, said in re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(1), re.S)
    }


def title(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match is not None
    return html.unescape(match.group(1)).strip()


def test_every_error_of_a_partnership_form_comes_at_once_listed_and_linked(
    ui: TestClient[Litestar],
) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/partnerships/new",
            {
                "title": "",  # missing
                "municipality": "Svendborg",
                "lead_organisation_id": lead,
                "kind": "project",
                "period_start": "2025-06-01",
                "period_end": "2025-01-01",  # before the start: the domain's rule
                "yearly_budget_dkk": "30.5",  # not a Danish number
                "arenas": "\n".join(f"Arena {n}" for n in range(60)),  # a check across lines
                "valid_on": day(5),  # after today
            },
        )
    assert response.status_code == 422
    links = summary_links(response.text)
    assert set(links) == {
        "f-title",
        "f-period_end",
        "f-yearly_budget_dkk",
        "f-arenas",
        "f-valid_on",
    }
    assert links["f-title"] == "Titel: Feltet skal udfyldes."
    assert links["f-period_end"].startswith("Periode til: Perioden slutter 01.01.2025")
    assert error_next_to(response, "period_end").startswith("Perioden slutter 01.01.2025")
    assert error_next_to(response, "yearly_budget_dkk").startswith("Skriv et tal")
    assert error_next_to(response, "arenas") == "Højst 50 linjer."
    # each link points at its field's id, and the summary is where the focus goes
    for target in links:
        assert f'id="{target}"' in response.text
    assert re.search(
        r'<div class="alert error-summary" role="alert" id="form-message" '
        r'tabindex="-1"[^>]*data-focus-on-load',
        response.text,
    )
    assert '<script src="/static/tvaers.js" defer></script>' in response.text
    assert title(response.text) == "Fejl: Nyt partnerskab · Tværs"


def test_a_constraint_of_the_command_is_said_with_the_other_errors(
    ui: TestClient[Litestar],
) -> None:
    # The CVR number's pattern is the command's; the name is missing on the form: before,
    # the CVR error came only after the name was put right.
    with nothing_saved(ui):
        response = post_form(
            ui, "/ui/organisations/new", {"name": "", "sector": "voluntary", "cvr": "12ab"}
        )
    assert response.status_code == 422
    assert error_next_to(response, "name") == "Feltet skal udfyldes."
    assert error_next_to(response, "cvr") == "Et CVR-nummer er 8 cifre."
    assert set(summary_links(response.text)) == {"f-name", "f-cvr"}


def test_a_group_of_boxes_in_error_has_an_id_the_summary_links_to(
    ui: TestClient[Litestar],
) -> None:
    response = post_form(
        ui, "/ui/partnerships/new", {"title": "", "prevention_categories": "not-a-category"}
    )
    assert "f-prevention_categories" in summary_links(response.text)
    assert '<fieldset id="f-prevention_categories"' in response.text


def test_a_page_without_errors_has_no_summary_and_a_plain_title(ui: TestClient[Litestar]) -> None:
    page = ui.get("/ui/partnerships/new")
    assert "error-summary" not in page.text
    assert title(page.text) == "Nyt partnerskab · Tværs"


def test_a_refused_login_starts_its_title_with_fejl(ui: TestClient[Litestar]) -> None:
    ui.cookies.delete("tvaers_session")
    response = post_form(ui, "/ui/login", {"username": "", "password": "", "next": "/ui/"})
    assert response.status_code == 422
    assert title(response.text).startswith("Fejl: Log ind")
    assert set(summary_links(response.text)) == {"f-username", "f-password"}
    assert "Skriv dit brugernavn." in text(response)
