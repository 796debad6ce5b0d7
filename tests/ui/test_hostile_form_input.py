"""Hostile text and impossible dates in the web UI's forms (issue 12, findings 3 and 9).

A form refuses a value no text may hold (aggregates/text.py) with a Danish message next
to its field, in the same round as the form's other field errors, and saves nothing; a
link must be http, https or mailto; a valid date lies from 1900 up to today, a planned
date up to the planning horizon. Values the domain refuses through a form that does not
check them itself (the gate in aggregates/base.py) get their message next to the field too.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.dates import latest_plan
from aggregates.text import Refusal
from api.ui.forms import TEXT_REFUSALS_DA, Field, parse
from tests.ui.conftest import post_form, tvaers
from tests.ui.forms_support import (
    Desk,
    day,
    error_next_to,
    form_message,
    nothing_saved,
)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("Svendborg\x00 Idræt", Refusal.NUL),
        ("Svendborg\x1b[2J Idræt", Refusal.CONTROL),
        ("Svendborg\x85Idræt", Refusal.CONTROL),
        ("Svendborg \u202eteærdI", Refusal.BIDI),
        ("Svendborg\u2028Idræt", Refusal.SEPARATOR),
        ("\ufeffSundeborg", Refusal.BYTE_ORDER_MARK),
        ("\u200b\u3164", Refusal.INVISIBLE),
        ("Svendborg\nIdræt", Refusal.LINE_BREAK),
    ],
)
def test_a_hostile_name_gets_a_danish_message_next_to_it_and_nothing_is_saved(
    ui: TestClient[Litestar], name: str, why: Refusal
) -> None:
    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/organisations/new",
            {"name": name, "sector": "", "cvr": "", "valid_on": day(0)},
        )

    assert response.status_code == 422
    assert error_next_to(response, "name") == TEXT_REFUSALS_DA[why]
    # ... in the same round as the form's other errors
    assert error_next_to(response, "sector") == "Feltet skal udfyldes."
    assert form_message(response) == "Rettelserne er ikke gemt. Ret fejlene herunder."


def test_a_link_that_is_not_web_or_mail_is_refused_next_to_it(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    milestone: dict[str, Any] = {
        "dimension": "operations",
        "status": "partial",
        "title": "Del af driftsbudgettet",
        "evidence_text": "Budget 2025, linje 4.2",
        "valid_on": day(-40),
    }

    for link in ("javascript:alert(5)", "data:text/html,<script>alert(1)</script>", "x.dk"):
        with nothing_saved(ui):
            response = desk.post("milestones/new", {**milestone, "evidence_link": link})
        assert response.status_code == 422
        assert error_next_to(response, "evidence_link") == (
            "Skriv et link, der begynder med http://, https:// eller mailto:."
        )

    accepted = desk.post("milestones/new", {**milestone, "evidence_link": "https://svendborg.dk"})
    assert accepted.status_code == 303


def test_a_multi_line_field_keeps_its_lines_and_refuses_control_characters(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    milestone = {
        "dimension": "operations",
        "status": "partial",
        "title": "Del af driftsbudgettet",
        "valid_on": day(-40),
    }
    with nothing_saved(ui):
        response = desk.post("milestones/new", {**milestone, "evidence_text": "Budget\x00 2025"})
    assert error_next_to(response, "evidence_text") == TEXT_REFUSALS_DA[Refusal.NUL]

    saved = desk.post("milestones/new", {**milestone, "evidence_text": "Budget 2025\r\nlinje 4.2"})

    assert saved.status_code == 303
    partnership = tvaers(ui).get_partnership(UUID(desk.partnership))
    [saved_milestone] = partnership.milestones.values()
    assert saved_milestone.evidence.text == "Budget 2025\nlinje 4.2"


@pytest.mark.parametrize("valid_on", ["0001-01-01", "1899-12-31", "9999-12-31", day(3)])
def test_a_valid_date_before_1900_or_after_today_is_refused_next_to_it(
    ui: TestClient[Litestar], valid_on: str
) -> None:
    with nothing_saved(ui):
        response = post_form(
            ui, "/ui/partnerships/new", {"title": "Sund i Svendborg", "valid_on": valid_on}
        )

    assert response.status_code == 422
    assert error_next_to(response, "valid_on") == (
        "Datoen skal ligge mellem 1. januar 1900 og i dag."
    )


def test_a_planned_date_beyond_the_horizon_is_refused_next_to_it() -> None:
    fields = [Field("period_end", "Periode til", "date")]
    horizon = latest_plan()

    clean, _raw, errors = parse(fields, {"period_end": horizon.isoformat()}, "da")
    assert clean["period_end"] == horizon
    assert not errors

    _clean, _raw, errors = parse(
        fields, {"period_end": (horizon + timedelta(days=1)).isoformat()}, "da"
    )
    assert errors["period_end"].startswith("Datoen skal ligge mellem 1. januar 1900 og ")
    assert horizon.strftime("%d.%m.%Y") in errors["period_end"]  # a Danish date (H6)
    assert date.today().isoformat() < horizon.isoformat()


def test_a_value_only_the_domain_refuses_gets_its_message_next_to_the_field(
    ui: TestClient[Litestar],
) -> None:
    """Target groups are typed one a line in a text area (tabs allowed there), but each
    is one line of text: the domain's gate refuses a tab, and the form shows it at the field."""
    desk = Desk(ui)
    lead = desk.organisation("Sundhed, Svendborg Kommune", municipality="Svendborg")

    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/partnerships/new",
            {
                "title": "Motion på recept",
                "municipality": "Svendborg",
                "lead_organisation_id": lead,
                "kind": "operations",
                "target_groups": "Ledige\nSyge\tmeldte",
                "valid_on": day(0),
            },
        )

    assert response.status_code == 422
    assert error_next_to(response, "target_groups") == TEXT_REFUSALS_DA[Refusal.LINE_BREAK]
