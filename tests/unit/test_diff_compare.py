"""The comparison's pure parts (projections/diff.py): which dates are refused, and how two
sides become changes (one per thing added or removed, one per aspect changed)."""

from __future__ import annotations

from datetime import date

import pytest

from projections import diff
from projections.diff import _Thing

TODAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (date(2024, 1, 1), date(2024, 6, 1), None),
        (date(2024, 6, 1), date(2024, 6, 1), None),  # a date with itself: nothing changed
        (date(2024, 1, 1), TODAY, None),  # today is not the future
        (date(2024, 6, 1), date(2024, 1, 1), ("to", "reversed")),
        (date(2024, 1, 1), date(2026, 12, 8), ("to", "future")),
        (date(2026, 12, 8), date(2026, 12, 9), ("from", "future")),
        (date(2026, 12, 9), date(2026, 12, 8), ("from", "future")),  # the first fault first
    ],
)
def test_which_dates_are_refused(
    first: date, second: date, expected: tuple[str, str] | None
) -> None:
    assert diff.refused(first, second, TODAY) == expected


def test_a_thing_added_removed_or_changed_aspect_by_aspect() -> None:
    before = {
        ("partners", "a"): _Thing("Ishøj Svømmeklub", (("", "trin 2"),)),
        ("partners", "b"): _Thing("DGI", (("", "trin 1"),)),
        ("activities", "x"): _Thing("Motion", (("Status", "i gang"), ("Arena", "«hal»"))),
        ("roles", "r"): _Thing("tovholder", (("Indehaver", "Bo Nielsen"),)),
    }
    after = {
        ("partners", "a"): _Thing("Ishøj Svømmeklub", (("", "trin 3"),)),
        ("activities", "x"): _Thing("Motion", (("Status", "sat på pause"), ("Arena", "«hal»"))),
        ("roles", "r"): _Thing("tovholder", (("Indehaver", "Bo Nielsen"),)),
        ("registry", "title"): _Thing("Titel", (("", "«Ny»"),)),
    }
    found = [
        (c.section, c.section_label, c.label, c.aspect, c.change, c.before, c.after)
        for c in diff.compare(before, after)
    ]
    assert found == [
        ("registry", "Stamdata", "Titel", None, "added", None, "«Ny»"),
        ("partners", "Partnere", "DGI", None, "removed", "trin 1", None),
        ("partners", "Partnere", "Ishøj Svømmeklub", None, "changed", "trin 2", "trin 3"),
        ("activities", "Aktiviteter", "Motion", "Status", "changed", "i gang", "sat på pause"),
    ]
    assert [c.section_label for c in diff.compare(before, after, "en")][:2] == [
        "Registry",
        "Partners",
    ]
    assert diff.compare(after, after) == []
