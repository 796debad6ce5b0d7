"""The registry pages (search, the map of offers, the cross-case tables) on the demo data.

The expected values are counted by hand from services/demo/data.py, on fixed dates (the
demo's agreements run out in 2025, so "today" would move the answers).

The demo loads once for the module (about a second on SQLite); `client` logs each test
in afresh as the demo administrator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from html.parser import HTMLParser
from typing import Any
from uuid import UUID, uuid4

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from api.ui import registry as registry_ui
from api.ui.core import TEMPLATES as UI_TEMPLATES
from api.ui.i18n import ENGLISH, MISSING_ENGLISH
from services.demo import DEMO_PASSWORD, load_demo
from services.demo.data import ADMIN, CASES, LEADERS
from services.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.ui.conftest import login, text, tvaers

TITLES = {case.municipality: case.title for case in CASES}
TEMPLATES = UI_TEMPLATES / "registry"
NO = "\N{EN DASH}"  # an empty cell
ON = "2024-01-01"  # every agreement of the demo in force, the projects ended or running


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient[Litestar]]:
    settings = Settings(
        database_url=str(tmp_path_factory.mktemp("demo") / "tvaers.sqlite3"),
        snapshot_interval=10,
        housekeeping=False,
        cookie_secure=False,
        secret_key=TEST_SECRET_KEY,
    )
    with TestClient(app=create_app(settings)) as client:
        summary = load_demo(tvaers(client))
        read_side = client.app.state.read_side
        client.blocking_portal.call(partial(read_side.wait_until, summary.total_events, 60.0))
        yield client


@pytest.fixture
def client(demo: TestClient[Litestar]) -> TestClient[Litestar]:
    demo.cookies.clear()
    login(demo, ADMIN, DEMO_PASSWORD)
    return demo


def as_leader_of(client: TestClient[Litestar], municipality: str) -> None:
    client.cookies.clear()
    login(client, LEADERS[municipality], DEMO_PASSWORD)


class Tables(HTMLParser):
    """Every table of a page as its caption and rows of cell texts, as they are seen
    (the screen-reader-only texts left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._hidden = 0  # depth inside a .sr-only element
        self._name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._hidden:
            self._hidden += tag != "input"
            return
        if ("class", "sr-only") in attrs:
            self._hidden = 1
        elif tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            self._hidden -= 1
            return
        if tag == "caption" and self._caption is not None:
            self._name = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name] = self._rows
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        for part in (self._caption, self._cell):
            if part is not None:
                part.append(data)


def tables_of(response: Response) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(response.text)
    return parser.tables


def table(response: Response, caption_start: str) -> list[list[str]]:
    (found,) = [
        rows for name, rows in tables_of(response).items() if name.startswith(caption_start)
    ]
    return found


def by_first_cell(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows[1:]}


def hit_titles(response: Response) -> list[str]:
    """The titles in the registry's result table, in order."""
    rows = tables_of(response).get("Partnerskaber, der matcher søgningen", [])
    return [row[0] for row in rows[1:]]


def offer_titles(response: Response) -> set[str]:
    return set(re.findall(r'<h3 id="offer-[^"]+">([^<]+)</h3>', response.text))


def partnership_id(client: TestClient[Litestar], municipality: str) -> UUID:
    page = client.get("/ui/registry", params={"municipality": municipality})
    match = re.search(r'href="/ui/partnerships/([0-9a-f-]{36})"', page.text)
    assert match is not None, municipality
    return UUID(match.group(1))


# -- the registry -------------------------------------------------------------------------


def test_searching_by_text_finds_the_partnerships_that_mention_it_and_no_others(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/ui/registry", params={"text": "aktivering"})
    assert page.status_code == 200
    assert sorted(hit_titles(page)) == sorted([TITLES["Greve"], TITLES["Vordingborg"]])
    assert 'value="aktivering"' in page.text  # the filter keeps what was typed

    # A target group (in the facets, not the title): the Lighed i sundhed cases with it.
    page = client.get("/ui/registry", params={"text": "førtidspensionist"})
    assert hit_titles(page) == [TITLES["Gladsaxe"]]


def test_searching_by_municipality_ignores_case_and_shows_what_the_results_need(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/ui/registry", params={"municipality": "KØBENHAVN", "as_of": ON})
    assert hit_titles(page) == [TITLES["København"]]
    (row,) = table(page, "Partnerskaber, der matcher søgningen")[1:]
    _, municipality, lead, period, rung, anchored = row
    assert municipality == "København"
    assert lead == "Sundhed og Forebyggelse, København Kommune"
    assert period == f"01.03.2019{NO}31.12.2021"
    assert rung == "5 samarbejdsaftale"
    assert anchored == "drift, metode"
    assert f'href="/ui/partnerships/{partnership_id(client, "København")}"' in page.text

    assert hit_titles(client.get("/ui/registry", params={"municipality": "Nowhere"})) == []
    assert "Ingen partnerskaber matcher søgningen." in text(
        client.get("/ui/registry", params={"municipality": "Nowhere"})
    )


def test_the_min_rung_filter_keeps_partnerships_with_a_partner_on_that_rung_or_higher(
    client: TestClient[Litestar],
) -> None:
    top = client.get("/ui/registry", params={"min_rung": "5", "as_of": ON})
    assert sorted(hit_titles(top)) == sorted(
        TITLES[m] for m in ("København", "Odense", "Silkeborg")
    )
    # Ishøj's partners stand on rung 2 (dialogue); every other case reaches 3 or more.
    three = client.get("/ui/registry", params={"min_rung": "3", "as_of": ON})
    assert sorted(hit_titles(three)) == sorted(t for m, t in TITLES.items() if m != "Ishøj")
    # Before the agreements were signed (December 2021) nobody stood on rung 5.
    before = client.get("/ui/registry", params={"min_rung": "5", "as_of": "2021-06-01"})
    assert hit_titles(before) == []
    # The other filters: sector, tag and anchoring dimension.
    clubs = client.get("/ui/registry", params={"sector": "sports_club"})
    assert hit_titles(clubs) == [TITLES["Silkeborg"]]
    culture = client.get("/ui/registry", params={"dimension": "culture", "as_of": ON})
    assert hit_titles(culture) == [TITLES["Jammerbugt"]]
    tagged = client.get("/ui/registry", params={"tag": "kram", "min_rung": "5", "as_of": ON})
    assert sorted(hit_titles(tagged)) == sorted([TITLES["København"], TITLES["Odense"]])


def test_a_filter_that_is_not_valid_is_shown_next_to_its_field_and_finds_nothing(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/ui/registry", params={"min_rung": "9", "as_of": "23.11.2026"})
    assert page.status_code == 200
    assert hit_titles(page) == []
    assert 'id="flt-min_rung" name="min_rung" aria-describedby="flt-min_rung-help' in page.text
    assert re.search(r'id="flt-as_of"[^>]*aria-invalid="true"', page.text)
    assert "Skriv en dato som åååå-mm-dd." in text(page)
    assert "Ret filteret for at se resultater." in text(page)

    mangled = client.get("/ui/registry", params={"cursor": "not-a-cursor"})
    assert mangled.status_code == 200
    assert "Start søgningen forfra." in text(mangled)


def test_the_results_come_in_pages_with_a_next_page_link(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_ui, "PAGE_SIZE", 4)
    seen: list[str] = []
    page = client.get("/ui/registry", params={"text": "sundhed"})
    assert "4 partnerskaber på denne side. Der er flere på næste side." in text(page)
    pages = 1
    while True:
        seen += hit_titles(page)
        found = re.search(r'<a href="([^"]+)" rel="next">Næste side</a>', page.text)
        if found is None:
            break
        next_url = found.group(1).replace("&amp;", "&")
        assert "text=sundhed" in next_url
        assert "cursor=" in next_url
        page = client.get(next_url)
        assert "Første side" in text(page)
        pages += 1
    monkeypatch.undo()
    everything = hit_titles(client.get("/ui/registry", params={"text": "sundhed"}))
    assert seen == everything  # each once, in the same order
    assert len(seen) > 4
    assert pages == -(-len(seen) // 4)


def test_the_filter_form_works_without_javascript_and_htmx_replaces_only_the_results(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/ui/registry")
    form = re.search(r"<form method=\"get\" action=\"/ui/registry\"[^>]*>", page.text)
    assert form is not None
    for attribute in ('hx-get="/ui/registry"', 'hx-target="#results"', 'hx-push-url="true"'):
        assert attribute in form.group(0)
    assert re.search(r'<section id="results"[^>]*aria-live="polite"', page.text)
    for name in ("text", "municipality", "tag", "target_group", "sector", "min_rung"):
        assert f'<label for="flt-{name}">' in page.text
        assert f'id="flt-{name}"' in page.text

    partial = client.get(
        "/ui/registry",
        params={"municipality": "Odense"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text
    assert "<form" not in partial.text
    assert hit_titles(partial) == [TITLES["Odense"]]
    assert "HX-Request" in partial.headers["vary"]

    offers = client.get(
        "/ui/offers",
        params={"arena": "museum"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert "<html" not in offers.text
    assert offer_titles(offers) == {"Kulturforløb på museerne"}


def test_the_registry_offers_its_result_as_a_file_from_the_json_api(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/ui/registry", params={"municipality": "Odense"})
    found = re.search(r'<a href="(/registry/partnerships\?[^"]+)" download>som CSV', page.text)
    assert found is not None
    url = found.group(1).replace("&amp;", "&")
    assert "lang=da" in url
    assert "format=csv" in url
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert TITLES["Odense"] in answer.text
    assert TITLES["København"] not in answer.text


# -- the map of offers ----------------------------------------------------------------------


def test_offers_are_found_by_target_group_with_what_where_and_who(
    client: TestClient[Litestar],
) -> None:
    page = client.get("/ui/offers", params={"target_group": "kontanthjælp", "as_of": ON})
    assert page.status_code == 200
    # Greve's KRAM course ended in 2021; its new one is planned. Vordingborg's pilot is
    # for unemployed parents, not for cash-benefit recipients.
    assert offer_titles(page) == {
        "Sundhed i aktiveringen (forberedelse)",
        "KRAM-forløb for kontanthjælpsmodtagere",
        "Skånsom aktivering",
        "Sundhedstilbud i jobcentret",
    }
    shown = text(page)
    assert "4 tilbud den 01.01.2024." in shown
    assert "Jobcenter København, Sundhed og Forebyggelse, København Kommune" in shown
    assert "jobcenter, København" in shown
    assert "planlagt" in shown
    assert "i gang" in shown
    kbh = partnership_id(client, "København")
    assert f'<a href="/ui/partnerships/{kbh}">{TITLES["København"]}</a>' in page.text

    parents = client.get("/ui/offers", params={"target_group": "arbejdsløse med børn"})
    assert offer_titles(parents) == {"Pilotprojekt: Sundhed i aktiveringen"}
    clubs = client.get(
        "/ui/offers", params={"arena": "idrætsforening", "municipality": "silkeborg"}
    )
    assert offer_titles(clubs) == {"Bevægelsesbrobygning"}
    assert "Motionsfællesskabet Søstien (fiktiv)" in text(clubs)
    assert offer_titles(client.get("/ui/offers", params={"municipality": "Ishøj"})) == set()


# -- what a municipality's user sees ---------------------------------------------------------


def test_a_user_with_a_grant_on_one_municipality_sees_only_its_partnerships_and_offers(
    client: TestClient[Litestar],
) -> None:
    as_leader_of(client, "København")
    registry = client.get("/ui/registry")
    assert hit_titles(registry) == [TITLES["København"]]
    offers = client.get("/ui/offers", params={"as_of": ON})
    assert offer_titles(offers) == {"Skånsom aktivering"}
    assert "Jammerbugt" not in text(offers)
    # Searching for another municipality's partnership finds nothing.
    assert hit_titles(client.get("/ui/registry", params={"municipality": "Odense"})) == []
    # The cross-case tables cover only København too.
    crosscase = client.get("/ui/crosscase", params={"as_of": ON})
    assert [row[0] for row in table(crosscase, "Højeste trin nået og datoen")[1:]] == [
        TITLES["København"]
    ]


def test_naming_a_partnership_the_user_may_not_read_gives_the_403_page(
    client: TestClient[Litestar],
) -> None:
    odense = partnership_id(client, "Odense")
    kbh = partnership_id(client, "København")
    as_leader_of(client, "København")
    for ids in ([odense], [kbh, odense], [uuid4()]):
        page = client.get("/ui/crosscase", params={"partnership_id": [str(i) for i in ids]})
        assert page.status_code == 403
        assert "Ingen adgang" in text(page)
        assert TITLES["Odense"] not in page.text
    assert client.get("/ui/crosscase", params={"partnership_id": str(kbh)}).status_code == 200
    # An administrator naming a partnership that does not exist: not found.
    client.cookies.clear()
    login(client, ADMIN, DEMO_PASSWORD)
    assert client.get("/ui/crosscase", params={"partnership_id": str(uuid4())}).status_code == 404
    assert client.get("/ui/crosscase", params={"partnership_id": "x"}).status_code == 400


# -- the cross-case tables -------------------------------------------------------------------

CHOSEN = ("København", "Odense", "Silkeborg", "Ishøj")  # in the tables' order (municipality)


def test_the_cross_case_tables_hold_the_hand_counted_values_for_the_ticked_partnerships(
    client: TestClient[Litestar],
) -> None:
    ids = {m: partnership_id(client, m) for m in CHOSEN}
    page = client.get(
        "/ui/crosscase",
        params={
            "partnership_id": [str(ids[m]) for m in CHOSEN],
            "as_of": ON,
            "select": "ticked",
        },
    )
    assert page.status_code == 200
    order = ["Ishøj", "København", "Odense", "Silkeborg"]
    columns = [TITLES[m] for m in order]

    municipal = table(page, "Hvilke forvaltninger der deltager")
    assert municipal[0] == ["Forvaltning", *columns, "I alt"]
    rows = by_first_cell(municipal)
    # Every lead is a health department; Ishøj's forum has six other units (two of them
    # children and youth); København and Odense add their job centre, Silkeborg its job
    # centre and its culture department.
    assert rows["sundhed og forebyggelse"] == ["✓ L", "✓ L", "✓ L", "✓ L", "4"]
    assert rows["beskæftigelse (jobcenter)"] == [NO, "✓", "✓", "✓", "3"]
    assert rows["kultur og fritid"] == ["✓", NO, NO, "✓", "2"]
    assert rows["børn og unge (skole, dagtilbud, SSP)"] == ["✓ (2)", NO, NO, NO, "1"]
    for sector in ("social", "ældre og omsorg", "teknik og miljø"):
        assert rows[sector] == ["✓", NO, NO, NO, "1"]
    assert rows["sekretariat/direktion"][-1] == "0"

    external = by_first_cell(table(page, "Hvilke slags eksterne partnere"))
    assert external["fagforening"] == [NO, NO, NO, "✓ (2)", "1"]  # 3F and FOA
    assert external["idrætsforening"] == [NO, NO, NO, "✓ (2)", "1"]  # the two clubs
    assert external["interesseorganisation"] == ["✓", NO, NO, NO, "1"]  # Sund By Netværket
    assert external["idrætsorganisation (DGI, DIF)"][-1] == "1"
    assert external["frivilligorganisation/frivilligcenter"][-1] == "1"
    for kind in ("region/hospital", "almen praksis", "patientforening", "forskning"):
        assert external[kind][-1] == "0"

    cases = by_first_cell(table(page, "Højeste trin nået og datoen"))
    assert list(cases) == columns
    # municipality, start, highest rung, then the first anchoring on each dimension.
    assert cases[TITLES["København"]][:3] == ["København", "01.03.2019", "5 samarbejdsaftale"]
    assert cases[TITLES["København"]][3:] == [
        NO, NO, "01.11.2021", "01.09.2021", NO, NO, NO,
    ]  # fmt: skip
    assert cases[TITLES["Ishøj"]][2:] == [
        "2 dialog og erfaringsudveksling", NO, "01.12.2019", NO, NO, NO, NO, NO,
    ]  # fmt: skip
    assert cases[TITLES["Silkeborg"]][1:3] == ["10.01.2022", "5 samarbejdsaftale"]

    rungs = by_first_cell(table(page, "Antal partnerskaber efter det højeste trin"))
    assert rungs["Trin 5: samarbejdsaftale"][0] == "3"
    assert rungs["Trin 2: dialog og erfaringsudveksling"] == ["1", TITLES["Ishøj"]]
    assert rungs["Trin 4: uformelt samarbejde"][0] == "0"

    dimensions = by_first_cell(table(page, "Pr. dimension"))
    # From the start (1 March 2019) to the first "anchored": København 976 days (drift,
    # 1.11.2021) and 915 (metode, 1.9.2021); Odense 1037 (1.1.2022) and 959 (15.10.2021).
    assert dimensions["drift"][:2] == ["2", "1006,5"]
    assert dimensions["metode"][:2] == ["2", "937"]
    assert dimensions["ledelsesmæssig"][:2] == ["1", "61"]  # Ishøj: 1.10 to 1.12.2019
    assert dimensions["kultur"][:2] == ["0", NO]
    assert f"{TITLES['København']}: 976 dage" in dimensions["drift"][2]

    text_shown = text(page)
    assert (
        "4 partnerskaber den 01.01.2024. Tabellerne viser de partnerskaber, du har sat flueben ved."
    ) in text_shown
    for other in ("Gladsaxe", "Greve", "Jammerbugt", "Vordingborg", "Frederiksberg"):
        assert TITLES[other] not in municipal[0]
    for m in CHOSEN:  # ticked in the list
        assert f'value="{ids[m]}" checked' in page.text
    assert f'value="{partnership_id(client, "Greve")}">' in page.text  # listed, not ticked


def test_the_factor_tables_compare_the_anchored_with_the_others_and_the_heat_maps_are_inline(
    client: TestClient[Litestar],
) -> None:
    ids = [str(partnership_id(client, m)) for m in CHOSEN]
    page = client.get("/ui/crosscase", params={"partnership_id": ids, "as_of": ON})
    # Anchored in operations by 2024: København and Odense, which share the ten factors
    # of the Lighed i sundhed evaluation (three external and four internal promoting,
    # three internal barriers); København adds a promoting one of its own. Not anchored:
    # Silkeborg (one internal promoting) and Ishøj (one internal promoting, one barrier).
    assert (
        "Forankret: 2 partnerskaber (forankret på dimensionen drift). Ikke forankret: 2."
    ) in text(page)
    kinds = table(page, "Faktortyper blandt")
    assert kinds[1:] == [
        ["fremmende", "ekstern", "2 (100 %)", "0 (0 %)", "2"],
        ["fremmende", "intern", "2 (100 %)", "2 (100 %)", "4"],
        ["hæmmende", "ekstern", "0 (0 %)", "0 (0 %)", "0"],
        ["hæmmende", "intern", "2 (100 %)", "1 (50 %)", "3"],
    ]
    factors = by_first_cell(table(page, "Faktorer blandt"))
    # (the demo's factors are linked to no event: the "Knyttet til" column says so)
    rygeloven = ["fremmende", "ekstern", "ingen hændelse", "2 (100 %)", "0 (0 %)", "2"]
    assert factors["Rygeloven"] == rygeloven
    barrier = "Kortlægningen af sundhedstilbud var ikke gennemført"
    assert factors[barrier] == ["hæmmende", "intern", "ingen hændelse", "0 (0 %)", "1 (50 %)", "1"]
    assert len(factors) == 10 + 1 + 1 + 2

    # "Anchored" on any dimension: Ishøj (management) joins the anchored group.
    wider = client.get(
        "/ui/crosscase", params={"partnership_id": ids, "as_of": ON, "anchored_on": "any"}
    )
    assert "Forankret: 3 partnerskaber (forankret på mindst én dimension)." in text(wider)
    factors = by_first_cell(table(wider, "Faktorer blandt"))
    assert factors[barrier][3:] == ["1 (33 %)", "0 (0 %)", "1"]

    # The heat maps of GET /crosscase/heatmap, inline, each labelled by its own title.
    for name in ("departments", "partner_kinds", "factors"):
        assert (
            f'role="img" lang="da" aria-labelledby="heatmap-{name}-title heatmap-{name}-desc"'
        ) in page.text
        assert f'<title id="heatmap-{name}-title">' in page.text
    assert '<title id="heatmap-departments-title">Kommunale forvaltninger' in page.text
    every_id = re.findall(r'\sid="([^"]+)"', page.text)
    assert len(every_id) == len(set(every_id))


def test_the_cross_case_page_chooses_by_filter_and_links_the_same_tables_as_files(
    client: TestClient[Litestar],
) -> None:
    page = client.get(
        "/ui/crosscase",
        params={"min_rung": "5", "as_of": ON, "select": "filter", "partnership_id": "ignored"},
    )
    assert page.status_code == 200
    cases = by_first_cell(table(page, "Højeste trin nået og datoen"))
    assert sorted(cases) == sorted(TITLES[m] for m in ("København", "Odense", "Silkeborg"))
    assert "Tabellerne viser de partnerskaber, filteret finder." in text(page)

    found = re.search(r'<a href="(/crosscase\?[^"]+)" download>Alle tabeller', page.text)
    assert found is not None
    xlsx = client.get(found.group(1).replace("&amp;", "&"))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    csv_link = re.search(r'<a href="(/crosscase\?[^"]+table=municipal[^"]*)" download>', page.text)
    assert csv_link is not None
    url = csv_link.group(1).replace("&amp;", "&")
    assert "lang=da" in url
    assert f"as_of={ON}" in url
    assert url.count("partnership_id=") == 3
    csv = client.get(url)
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "beskæftigelse (jobcenter)" in csv.text
    svg_link = re.search(r'<a href="(/crosscase/heatmap\?[^"]+)" download>faktorer', page.text)
    assert svg_link is not None
    svg = client.get(svg_link.group(1).replace("&amp;", "&"))
    assert svg.status_code == 200
    assert svg.headers["content-type"].startswith("image/svg+xml")
    # København and Odense anchored in operations by 2024, Silkeborg not.
    assert "Forankret (drift) (n=2)" in svg.text
    assert "Ikke forankret (n=1)" in svg.text

    everything = client.get("/ui/crosscase", params={"as_of": ON})
    assert len(by_first_cell(table(everything, "Højeste trin nået og datoen"))) == len(CASES)
    assert "Tabellerne viser alle de partnerskaber, du har adgang til." in text(everything)

    nothing = client.get("/ui/crosscase", params={"select": "ticked"})
    assert "Vælg mindst ét partnerskab." in text(nothing)


def test_the_cross_case_page_shows_at_most_a_listful_of_partnerships(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_ui, "MAX_IDS", 3)
    page = client.get("/ui/crosscase", params={"as_of": ON})
    cases = by_first_cell(table(page, "Højeste trin nået og datoen"))
    assert list(cases) == [TITLES[m] for m in ("Frederiksberg", "Gladsaxe", "Greve")]
    shown = text(page)
    assert "Listen viser de første 3." in shown
    assert "tabellerne viser de første 3." in shown
    too_many = [str(partnership_id(client, m)) for m in ("Odense", "Greve", "Ishøj", "Gladsaxe")]
    assert client.get("/ui/crosscase", params={"partnership_id": too_many}).status_code == 400


def test_the_cross_case_tables_are_accessible_tables(client: TestClient[Litestar]) -> None:
    page = client.get("/ui/crosscase", params={"as_of": ON})
    body = page.text
    assert body.count("<h1") == 1
    assert body.count("<table") == body.count("<caption>") >= 5
    assert '<th scope="col">' in body
    assert '<th scope="row">' in body
    assert "<td><th" not in body
    for label in ("Forankret betyder", "Mindst trin", "Kommune"):
        assert re.search(rf'<label for="flt-[a-z_]+">{label}</label>', body), label


# -- English ---------------------------------------------------------------------------------


def test_the_pages_speak_english_with_no_missing_texts(client: TestClient[Litestar]) -> None:
    kbh = partnership_id(client, "København")
    saved = set(MISSING_ENGLISH)
    MISSING_ENGLISH.clear()
    try:
        pages: list[tuple[str, dict[str, Any], int]] = [
            ("/ui/registry", {"as_of": ON}, 200),
            ("/ui/registry", {"municipality": "Odense"}, 200),
            ("/ui/registry", {"min_rung": "9", "as_of": "x", "text": "y" * 300}, 200),
            ("/ui/registry", {"cursor": "nonsense"}, 200),
            ("/ui/registry", {"municipality": "Nowhere"}, 200),
            ("/ui/offers", {"as_of": ON}, 200),
            ("/ui/offers", {"municipality": "Nowhere"}, 200),
            ("/ui/offers", {"as_of": "x"}, 200),
            ("/ui/offers", {"arena": "museum"}, 200),
            ("/ui/crosscase", {"as_of": ON}, 200),
            ("/ui/crosscase", {"partnership_id": str(kbh), "anchored_on": "any"}, 200),
            ("/ui/crosscase", {"select": "ticked"}, 200),
            ("/ui/crosscase", {"anchored_on": "nonsense", "min_rung": "0"}, 200),
            ("/ui/crosscase", {"partnership_id": "x"}, 400),
            ("/ui/crosscase", {"partnership_id": [str(uuid4()) for _ in range(201)]}, 400),
        ]
        for path, params, status in pages:
            page = client.get(path, params={**params, "lang": "en"})
            assert page.status_code == status, (path, params)
            assert '<html lang="en">' in page.text
        missing = set(MISSING_ENGLISH)
    finally:
        MISSING_ENGLISH.clear()
        MISSING_ENGLISH.update(saved)
    assert missing == set()

    # Texts of branches the demo does not reach (more pages, long lists) have one too.
    for template in TEMPLATES.glob("*.html"):
        for danish in re.findall(r"""_\((?:"([^"]+)"|'([^']+)')""", template.read_text()):
            assert ENGLISH.get(danish[0] or danish[1]), (template.name, danish)

    english = text(client.get("/ui/crosscase", params={"lang": "en", "as_of": ON}))
    assert "Which departments take part in each partnership" in english
    assert "Rung 5: cooperation agreement" in english
    assert "employment (job centre)" in english
    offers = text(client.get("/ui/offers", params={"lang": "en", "target_group": "førtid"}))
    assert "For whom" in offers
    assert "running" in offers
    client.get("/ui/registry", params={"lang": "da"})
