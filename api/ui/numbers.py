"""Numbers the Danish way: 30.000 (thousands with a point), 1.480,25 (decimals with a comma).

Defined once in aggregates/numbers.py (the history's sentences use it too)."""

from __future__ import annotations

from aggregates.numbers import form_number, format_number

__all__ = ["form_number", "format_number"]
