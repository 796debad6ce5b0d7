"""Plain Danish on the forms (issue 14, findings 5, 7 and 8): "Gælder fra" only where a
back-dated fact makes sense, an optional and explained reason, no event numbers, a
password field that hides the password (with a show/hide button), numbers read the
Danish way."""

from __future__ import annotations

import re
from decimal import Decimal
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.ui.forms import Field, parse
from tests.ui.conftest import post_form, text
from tests.ui.forms_support import Desk, day, error_next_to, redirected, tvaers

BUDGET = [Field("yearly_budget_dkk", "Årligt budget (kr.)", "decimal")]


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("30.000", Decimal("30000")),
        ("1.234,5", Decimal("1234.5")),
        ("1.234.567,25", Decimal("1234567.25")),
        ("30,5", Decimal("30.5")),
        ("30 000", Decimal("30000")),
        ("30\u00a0000", Decimal("30000")),
        ("250000", Decimal("250000")),
        ("0,75", Decimal("0.75")),
        ("1234,5", Decimal("1234.5")),
    ],
)
def test_a_number_is_read_the_danish_way(typed: str, number: Decimal) -> None:
    clean, _raw, errors = parse(BUDGET, {"yearly_budget_dkk": typed}, "da")
    assert not errors
    assert clean["yearly_budget_dkk"] == number


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("30,000", "Mener du 30 eller 30.000?"),  # English thousands, or 3 decimals?
        ("1,500", "Mener du 1,5 eller 1.500?"),
        ("30.5", "Skriv et tal, fx 30.000 eller 1.234,5"),  # a dot is not a decimal mark
        ("1.23", "Skriv et tal, fx 30.000 eller 1.234,5"),
        ("1.2345", "Skriv et tal, fx 30.000 eller 1.234,5"),
        ("12.34.567", "Skriv et tal, fx 30.000 eller 1.234,5"),
        ("3,5,1", "Skriv et tal, fx 30.000 eller 1.234,5"),
        ("tredive", "Skriv et tal, fx 30.000 eller 1.234,5"),
        ("1e5", "Skriv et tal, fx 30.000 eller 1.234,5"),
        ("-5", "Skriv et tal, fx 30.000 eller 1.234,5"),
    ],
)
def test_a_number_that_could_be_read_two_ways_or_none_is_refused(typed: str, said: str) -> None:
    _clean, _raw, errors = parse(BUDGET, {"yearly_budget_dkk": typed}, "da")
    assert errors["yearly_budget_dkk"].startswith(said)


def test_a_budget_of_30_000_is_thirty_thousand(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    desk.new_partnership(
        desk.organisation("Sundhed, Svendborg Kommune"), yearly_budget_dkk="30.000"
    )
    partnership = tvaers(ui).get_partnership(UUID(desk.partnership))
    assert partnership.registry.yearly_budget_dkk == Decimal("30000")


def test_an_ambiguous_number_is_refused_next_to_its_field(ui: TestClient[Litestar]) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    response = post_form(
        ui,
        "/ui/partnerships/new",
        {
            "title": "Sund i Svendborg",
            "municipality": "Svendborg",
            "lead_organisation_id": lead,
            "kind": "project",
            "staff_hours_per_year": "1,500",
            "valid_on": day(-1),
        },
    )
    assert response.status_code == 422
    assert error_next_to(response, "staff_hours_per_year") == (
        "Mener du 1,5 eller 1.500? Skriv tusinder med punktum (1.500) og decimaler med komma (1,5)."
    )


def test_the_valid_date_is_gaelder_fra_with_help_only_where_back_dating_makes_sense(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    join = desk.get("partners/new").text
    assert re.search(r'<label for="f-valid_on">Gælder fra', join)
    assert "Skete det før i dag, så skriv den dag" in join
    for form in ("/ui/organisations/new", "/ui/persons/new"):
        page = ui.get(form).text
        assert 'name="valid_on"' not in page, form
        assert "Gælder fra" not in page, form
    # nowhere the old words
    for page in (join, ui.get("/ui/partnerships/new").text, desk.get("ladder/new").text):
        assert "Gyldig fra" not in page


def test_an_organisation_registered_without_a_valid_date_gets_today(
    ui: TestClient[Litestar],
) -> None:
    response = post_form(
        ui, "/ui/organisations/new", {"name": "Svendborg Svømmeklub", "sector": "sports_club"}
    )
    assert redirected(response).startswith("/ui/?organisation_id=")


def test_the_reason_is_optional_and_explained(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    page = desk.get("partners/new").text
    assert re.search(r'<label for="f-reason">Begrundelse \(valgfri\)</label>', page)
    assert "Valgfri. Vises i historikken, så andre kan se hvorfor." in page
    assert not re.search(r'<textarea id="f-reason"[^>]*required', page)


def test_the_correction_form_names_entries_by_date_and_deed_not_event_number(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    partner = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.join(partner, rung=2)
    page = desk.get("corrections/new")
    options = re.findall(r'<option value="\d+"[^>]*>(.*?)</option>', page.text)
    assert options, text(page)[:2000]
    assert not any("hændelse" in o for o in options)
    assert any("Svendborg Idrætsforening" in o and "registreret" in o for o in options)
    assert "hændelse" not in text(page)


def test_the_login_password_is_hidden_with_a_show_hide_button(ui: TestClient[Litestar]) -> None:
    ui.cookies.delete("tvaers_session")
    page = ui.get("/ui/login").text
    assert re.search(r'<input id="f-password" name="password"\s+type="password"', page)
    button = re.search(r"<button[^>]*data-password-toggle[^>]*>(.*?)</button>", page)
    assert button is not None
    assert 'type="button"' in button.group(0)
    assert 'aria-pressed="false"' in button.group(0)
    assert 'aria-controls="f-password"' in button.group(0)
    assert " hidden" in button.group(0)  # shown by the script: no script, no dead button
    assert button.group(1) == "Vis adgangskode"
    script = ui.get("/static/tvaers.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert "aria-pressed" in script.text


def test_a_form_with_its_own_validity_asks_for_no_second_date(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    page = desk.get("agreements/new").text
    assert 'name="valid_from"' in page  # "Aftalen gælder fra og med"
    assert 'name="valid_on"' not in page
