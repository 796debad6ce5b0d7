"""Numbers the Danish way: 30.000 (thousands with a point), 1.480,25 (decimals with a
comma); in English 30,000 and 1,480.25. The one definition: the web UI's `number` filter
(api/ui/core.py) and the history's sentences (projections/history.py) use it."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def format_number(
    value: Decimal | int | float | str | None, locale: str = "da", *, exact: bool = False
) -> str:
    """An amount the Danish way: 30000 -> "30.000", 1480.25 -> "1.480,25"; "" for none.

    A fraction shows two decimals (an amount of money), or with `exact` as many as it
    has (1480.5 hours -> "1.480,5"). In English the separators are swapped."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if not amount.is_finite():
        return str(value)
    whole = amount == amount.to_integral_value()
    if whole:
        text = f"{amount:,.0f}"
    elif exact:
        text = f"{amount.normalize():,f}"
    else:
        text = f"{amount:,.2f}"
    if locale == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def form_number(value: Decimal | int | float | None) -> str:
    """An amount as a form shows it for editing: no thousands point, a decimal comma."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    whole = amount == amount.to_integral_value()
    text = f"{amount:.0f}" if whole else f"{amount.normalize():f}"
    return text.replace(".", ",")
