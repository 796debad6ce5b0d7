"""Registry search folds case and the Danish letters (issue 16), on both stores (the
`read_side` fixture runs every test on SQLite and on PostgreSQL): ø = oe = o, æ = ae,
å = aa = a, as the stored text and the query are folded alike (projections.registry.
search_fold)."""

from __future__ import annotations

from datetime import date

import pytest

from aggregates import Registry
from aggregates.taxonomy import Sector
from projections import registry as registry_view
from projections.registry import search_fold
from tests.projections.support import ReadSide, organisation
from tests.projections.test_search import World, ids, register, world  # noqa: F401 - fixture


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ishoj", "Ishøj"),
        ("ishoej", "Ishøj"),
        ("ISHØJ", "Ishøj"),
        ("aero", "Ærø"),
        ("aeroe", "Ærø"),
        ("Aabenraa", "Åbenrå"),
        ("åbenrå", "Aabenraa"),
        ("cafe", "Café"),
    ],
)
def test_a_query_folds_to_part_of_the_folded_text(typed: str, stored: str) -> None:
    assert search_fold(typed) in search_fold(stored)


def test_folding_keeps_what_like_escapes() -> None:
    assert search_fold("100% røgfri_1") == "100% rogfri_1"


async def test_search_finds_danish_letters_typed_without_them(world: World) -> None:  # noqa: F811
    await world.side.sync()
    w = world
    assert await ids(w, text="aeldre i bevaegelse") == [w.aero]  # a title
    assert await ids(w, text="AELDRECENTER") == [w.aero]  # an arena
    assert await ids(w, text="rogfri") == [w.smoke, w.work]  # a title, a tag
    assert await ids(w, text="roegfri fremtid") == [w.smoke]
    # The municipality filter: one of the 98 however spelt.
    assert await ids(w, municipality="aero") == [w.aero]
    assert await ids(w, municipality="AEROE") == [w.aero]
    assert await ids(w, municipality="Ærø Kommune") == [w.aero]


async def test_search_finds_ishoj_and_aabenraa(read_side: ReadSide) -> None:
    app = read_side.app
    lead = organisation(app, "Sundhed Ishøj", Sector.HEALTH)
    ishoj = register(
        app, lead, Registry(title="Bevægelse i Ishøj", municipality="Ishøj"), date(2024, 1, 1)
    )
    aabenraa = register(
        app, lead, Registry(title="Sund Åbenrå", municipality="Aabenraa"), date(2024, 1, 1)
    )
    await read_side.sync()
    for typed, expected in (
        ("i ishoj", [ishoj]),  # the title
        ("ISHOEJ", [ishoj]),
        ("bevaegelse", [ishoj]),
        ("Aabenraa", [aabenraa]),
        ("åbenrå", [aabenraa]),
    ):
        rows = await registry_view.find(read_side.store, text=typed)
        assert [r.id for r in rows] == expected, typed
    for typed in ("Ishoj", "ishoej", "Ishøj Kommune"):
        rows = await registry_view.find(read_side.store, municipality=typed)
        assert [r.id for r in rows] == [ishoj], typed
