"""Denmark's 98 municipalities and Danish sorting (issue 16)."""

from __future__ import annotations

import pytest

from aggregates.danish import fold, sort_key
from aggregates.municipalities import MUNICIPALITIES, municipality_named
from services.demo import data as demo


def test_there_are_98_distinct_municipalities_in_danish_order() -> None:
    assert len(MUNICIPALITIES) == 98
    assert len({fold(name) for name in MUNICIPALITIES}) == 98  # none folds onto another
    assert list(MUNICIPALITIES) == sorted(MUNICIPALITIES, key=sort_key)
    assert MUNICIPALITIES[0] == "Albertslund"
    assert MUNICIPALITIES[-4:] == ("Ærø", "Aabenraa", "Aalborg", "Aarhus")


@pytest.mark.parametrize(
    ("typed", "named"),
    [
        ("Ishoj", "Ishøj"),
        ("ishøj", "Ishøj"),
        ("aero", "Ærø"),
        ("Københavns Kommune", "København"),
        ("Bornholms Regionskommune", "Bornholm"),
        ("hoje-taastrup", "Høje-Taastrup"),
        ("Sundeborg", None),
        ("", None),
    ],
)
def test_a_municipality_is_found_by_its_name_however_spelt(typed: str, named: str | None) -> None:
    assert municipality_named(typed) == named


def test_danish_order_is_case_insensitive_with_ae_oe_aa_after_z() -> None:
    names = [
        "Ærø IF",
        "aalborg Kommune",
        "Zealand",
        "Østergaard",
        "bornholm",
        "Åbenrå",
        "Albertslund",
    ]
    assert sorted(names, key=sort_key) == [
        "Albertslund",
        "bornholm",
        "Zealand",
        "Ærø IF",
        "Østergaard",
        "Åbenrå",
        "aalborg Kommune",  # aa is å, as in a Danish dictionary: after Åbenrå
    ]


def test_the_demo_names_only_real_municipalities() -> None:
    named = {case.municipality for case in demo.CASES} | {
        org.municipality for org in demo.ORGANISATIONS.values() if org.municipality
    }
    assert named <= set(MUNICIPALITIES), named - set(MUNICIPALITIES)
