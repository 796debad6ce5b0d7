"""The web UI's "Kommune": chosen from Denmark's 98 municipalities (issue 16), not typed.

A select lists them in Danish alphabetical order (aggregates/municipalities.py); anything
else posted is refused next to the field ("Vælg en af mulighederne."). A partnership or an
organisation registered before the list keeps its name: the form offers it too, first, so
that editing its other fields does not force a move."""

from __future__ import annotations

from typing import Any

from aggregates.municipalities import MUNICIPALITIES
from api.ui.actions_common import choice
from api.ui.forms import Field


def municipality_choices(current: str | None = None) -> list[tuple[str, str]]:
    """(value, label) of the 98, and `current` first when it is not one of them."""
    named = [(name, name) for name in MUNICIPALITIES]
    if current and current not in MUNICIPALITIES:
        return [(current, current), *named]
    return named


def municipality_field(
    *, required: bool = True, help: str = "", current: str | None = None, **kwargs: Any
) -> Field:
    """The "Kommune" select (an empty first choice unless `required`)."""
    return choice(
        "municipality",
        "Kommune",
        municipality_choices(current),
        required=required,
        help=help,
        **kwargs,
    )
