"""Numbers the Danish way: 30.000 (thousands with a point), 1.480,25 (decimals with a comma)."""

from __future__ import annotations

from decimal import Decimal


def format_number(value: Decimal | int | float | str | None) -> str:
    """An amount the Danish way: 30000 -> "30.000", 1480.25 -> "1.480,25"; "" for none."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    if not amount.is_finite():
        return str(value)
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def form_number(value: Decimal | int | float | None) -> str:
    """An amount as a form shows it for editing: no thousands point, a decimal comma."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    whole = amount == amount.to_integral_value()
    text = f"{amount:.0f}" if whole else f"{amount.normalize():f}"
    return text.replace(".", ",")
