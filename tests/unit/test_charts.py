"""The web UI's charts: valid SVG, titles for screen readers, the figures in the text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from api.ui import charts

NS = {"svg": charts.SVG_NS}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup, not untrusted input


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{{{charts.SVG_NS}}}text")]


def titles(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{{{charts.SVG_NS}}}title")]


def links(root: ET.Element) -> list[str]:
    return [a.get("href", "") for a in root.iter(f"{{{charts.SVG_NS}}}a")]


def test_the_governance_diagram_draws_every_box_as_a_link_with_its_full_name() -> None:
    svg = charts.governance_diagram(
        ident="g",
        steering=charts.Box("Styregruppe", "formand: Anne Kjærgaard · medlemmer: 3", "#steering"),
        partners=[
            charts.Box("Sundhed & Omsorg, Silkeborg Kommune", "ledende", "#p0", emphasis=True),
            *(charts.Box(f"Partner {n}", f"trin {n % 6 + 1}", f"#p{n}") for n in range(1, 8)),
        ],
        secretariat=charts.Box("Sekretariatet <Sundhed>", "medarbejdere: 2", "#secretariat"),
        activities=[charts.Box("Bevægelsesbrobygning", "i gang", "#a1")],
        texts=charts.GovernanceTexts(title="Organisering", description="KL-diagrammet"),
    )
    root = parse(svg)  # the ampersand and the angle brackets are escaped
    assert root.get("role") == "group"  # it holds links, so it is not an image
    assert root.get("aria-labelledby") == "g-title g-desc"
    assert root.find("svg:title", NS) is not None
    assert root.find("svg:title", NS).text == "Organisering"  # type: ignore[union-attr]
    assert links(root) == ["#steering", "#p0", *(f"#p{n}" for n in range(1, 8)),
                           "#secretariat", "#a1"]  # fmt: skip
    assert "Sundhed & Omsorg, Silkeborg Kommune \N{EN DASH} ledende" in titles(root)
    assert "Sekretariatet <Sundhed> \N{EN DASH} medarbejdere: 2" in titles(root)
    shown = texts(root)
    assert "medlemmer: 3" in " ".join(shown)
    assert "trin 4" in shown  # Partner 3
    for caption in ("STYREGRUPPE", "PARTNERE", "SEKRETARIAT", "AKTIVITETER"):
        assert caption in shown
    # eight partners: a row of five and a row of three
    rects = [
        r for r in root.iter(f"{{{charts.SVG_NS}}}rect") if "box-partner" in r.get("class", "")
    ]
    assert len(rects) == 8
    assert len({r.get("y") for r in rects}) == 2


def test_an_empty_diagram_says_there_is_nothing_rather_than_drawing_nothing() -> None:
    root = parse(
        charts.governance_diagram(
            ident="empty",
            steering=charts.Box("Styregruppe"),
            partners=[],
            secretariat=None,
            activities=[],
        )
    )
    assert texts(root).count("ingen") == 3  # partners, secretariat, activities
    assert links(root) == []


def test_long_names_wrap_and_are_cut_with_an_ellipsis() -> None:
    lines = charts.wrap("Sundhed og Forebyggelse, København Kommune", 21, 2)
    assert len(lines) == 2
    assert all(len(line) <= 21 for line in lines)
    assert lines[-1].endswith("…")
    assert charts.wrap("Samskabelsesworkshopsforløbet", 10, 3)[0] == "Samskabel-"
    assert charts.wrap("kort", 21, 2) == ["kort"]


def test_the_ladder_chart_stacks_the_rungs_and_shows_the_figures() -> None:
    months = charts.months_between(date(2022, 1, 10), date(2022, 6, 30))
    assert months[0] == date(2022, 1, 1)
    assert months[-1] == date(2022, 6, 1)
    counts = [
        {4: 2},
        {2: 2, 4: 2},
        {1: 2, 2: 2, 3: 2, 4: 2},
        {1: 2, 2: 2, 3: 2, 4: 2},
        {1: 2, 2: 1, 3: 2, 4: 3},
        {1: 2, 2: 1, 4: 3, 5: 2},
    ]
    root = parse(
        charts.ladder_chart(
            ident="ladder",
            months=months,
            counts=counts,
            rung_names={1: "kendskab til hinanden", 5: "samarbejdsaftale"},
            texts=charts.LadderTexts(title="Partnere på trin", description="Pr. måned"),
        )
    )
    assert root.get("role") == "img"
    assert titles(root)[0] == "Partnere på trin"
    bands = [p for p in root.iter(f"{{{charts.SVG_NS}}}polygon")]
    assert [b.get("class") for b in bands] == [f"band rung-{r}" for r in (1, 2, 3, 4, 5)]
    assert "Trin 5: samarbejdsaftale" in titles(root)
    shown = texts(root)
    # y axis up to the eight partners, the last month's bands labelled with their counts
    assert "8" in shown
    assert "0" in shown
    assert "4: 3" in shown
    assert "5: 2" in shown
    assert "01.2022" in shown  # a short span is labelled by month
    assert [f"Trin {n}" for n in range(6, 0, -1)] == [t for t in shown if t.startswith("Trin")]


def test_a_ladder_chart_without_partners_says_so() -> None:
    root = parse(charts.ladder_chart(ident="none", months=[], counts=[], rung_names={}))
    assert "Ingen partnere på trinene endnu." in texts(root)


def test_a_long_ladder_history_is_labelled_by_year() -> None:
    months = charts.months_between(date(2019, 3, 1), date(2026, 11, 23))
    assert len(months) == 93
    root = parse(
        charts.ladder_chart(
            ident="years", months=months, counts=[{2: 1}] * len(months), rung_names={}
        )
    )
    shown = texts(root)
    assert "03.2019" in shown
    assert all(str(year) in shown for year in range(2020, 2027))
    assert charts.month_end(date(2024, 2, 1)) == date(2024, 2, 29)


def test_the_anchoring_lanes_mark_milestones_by_shape_with_their_evidence() -> None:
    lanes = [
        charts.Lane("operations", "drift", "forankret", 3),
        charts.Lane("method", "metode", "delvis", 2),
        charts.Lane("culture", "kultur", "ingen", 0),
    ]
    marks = [
        charts.Mark("operations", date(2021, 11, 1), 3, "To sundhedskonsulenter fastansat. "
                    "Evidens: fastansat i driften", "#milestone-1"),
        charts.Mark("method", date(2021, 9, 1), 1, "Koncept i udbud", "#milestone-2"),
        charts.Mark("method", date(2021, 12, 1), 2, "Værktøjssamling", "#milestone-3"),
    ]  # fmt: skip
    factors = [
        charts.FactorMark(date(2022, 3, 15), True, "Rygeloven", "#factor-1"),
        charts.FactorMark(date(2022, 3, 15), False, "Modstand hos medarbejderne", "#factor-2"),
    ]
    root = parse(
        charts.anchoring_lanes(
            ident="anchoring",
            lanes=lanes,
            marks=marks,
            factors=factors,
            start=date(2019, 3, 1),
            end=date(2024, 1, 1),
            texts=charts.AnchoringTexts(title="Forankring over tid", description="Baner"),
        )
    )
    assert root.get("role") == "group"
    assert links(root) == ["#milestone-1", "#milestone-2", "#milestone-3", "#factor-1",
                           "#factor-2"]  # fmt: skip
    assert "To sundhedskonsulenter fastansat. Evidens: fastansat i driften" in titles(root)
    assert "Modstand hos medarbejderne" in titles(root)
    shown = texts(root)
    for word in ("drift", "forankret", "metode", "delvis", "kultur", "ingen", "Faktorer"):
        assert word in shown
    assert [str(y) for y in range(2020, 2025)] == [t for t in shown if t.isdigit()]
    for legend in ("påbegyndt", "delvis", "forankret", "fremmende", "hæmmende"):
        assert legend in shown
    # status shading from each milestone on: one stretch on drift, two on metode
    fills = {charts.STATUS_FILL[level] for level in (1, 2, 3)}
    shaded = [r for r in root.iter(f"{{{charts.SVG_NS}}}rect") if r.get("fill") in fills]
    assert len(shaded) == 3
