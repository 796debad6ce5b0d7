"""Numbers the Danish way, defined once (aggregates/numbers.py) for the UI and the history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from aggregates.numbers import form_number, format_number
from api.ui import core as ui_core


@pytest.mark.parametrize(
    ("value", "locale", "exact", "shown"),
    [
        (30000, "da", False, "30.000"),
        (Decimal("1480.25"), "da", False, "1.480,25"),
        (Decimal("1480.5"), "da", False, "1.480,50"),  # money: two decimals
        (Decimal("1480.5"), "da", True, "1.480,5"),  # hours: the decimals it has
        ("1250000.50", "da", True, "1.250.000,5"),
        (30000, "en", False, "30,000"),
        (Decimal("1480.5"), "en", True, "1,480.5"),
        (None, "da", False, ""),
        ("", "da", False, ""),
    ],
)
def test_numbers_are_shown_the_danish_way(
    value: Decimal | int | str | None, locale: str, exact: bool, shown: str
) -> None:
    assert format_number(value, locale, exact=exact) == shown


def test_the_ui_uses_the_one_definition() -> None:
    assert ui_core.format_number is format_number  # behind the templates' `number` filter
    assert form_number(Decimal("1480.50")) == "1480,5"
