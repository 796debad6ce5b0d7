"""SVG heat maps: well-formed, labelled, numbers in every cell, readable contrast (no I/O)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from uuid import UUID

from aggregates.taxonomy import FactorEffect, FactorOrigin, Sector, SectorGroup
from api.exports import Lang
from api.heatmap import (
    Cell,
    HeatMap,
    HeatmapTable,
    colour,
    contrast,
    crosscase_svg,
    render,
    text_colour,
)
from projections.crosscase import (
    AnchoredOn,
    CaseColumn,
    CrossCase,
    FactorRow,
    SectorRow,
)

SVG = "{http://www.w3.org/2000/svg}"
P1, P2 = UUID(int=1), UUID(int=2)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _texts(root: ET.Element, tag: str) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}{tag}")]


def _sector_row(sector: Sector, organisations: list[int], lead_in: list[UUID]) -> SectorRow:
    having = [pid for pid, n in zip((P1, P2), organisations, strict=True) if n]
    return SectorRow(
        sector=sector,
        label=sector.label_da,
        partnerships=having,
        lead_in=lead_in,
        count=len(having),
        organisations=organisations,
    )


def _tables() -> CrossCase:
    def sectors(group: SectorGroup) -> list[SectorRow]:
        counts = {
            Sector.HEALTH: ([1, 1], [P1, P2]),
            Sector.EMPLOYMENT: ([2, 0], []),
            Sector.SPORTS_CLUB: ([0, 3], []),
        }
        return [_sector_row(s, *counts.get(s, ([0, 0], []))) for s in Sector if s.group is group]

    return CrossCase(
        as_of=date(2025, 3, 1),
        partnerships=[
            CaseColumn(
                id=P1,
                title="Sund By & <Røgfri>",
                municipality="Ærø",
                start=date(2024, 1, 1),
                highest_rung=None,
                highest_rung_label=None,
                anchored=[],
            ),
            CaseColumn(
                id=P2,
                title="Bevæg dig",
                municipality="Vestby",
                start=date(2024, 1, 1),
                highest_rung=None,
                highest_rung_label=None,
                anchored=[],
            ),
        ],
        municipal=sectors(SectorGroup.MUNICIPAL),
        external=sectors(SectorGroup.EXTERNAL),
        rungs=[],
        dimensions=[],
        anchored_on=AnchoredOn.OPERATIONS,
        anchored_group=[P1],
        not_anchored_group=[P2],
        factor_kinds=[],
        factors=[
            FactorRow(
                effect=FactorEffect.PROMOTING,
                effect_label="fremmende",
                origin=FactorOrigin.EXTERNAL,
                origin_label="ekstern",
                description="Rygeloven",
                anchored_count=1,
                anchored_share=1.0,
                not_anchored_count=0,
                not_anchored_share=0.0,
                total_count=1,
                partnerships=[P1],
            )
        ],
    )


def test_the_departments_map_has_a_title_a_description_labels_and_a_number_per_cell() -> None:
    svg = crosscase_svg(_tables(), HeatmapTable.DEPARTMENTS, Lang.DA)
    root = _parse(svg)  # well-formed, the title's & and <> escaped

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "heatmap-title heatmap-desc"
    assert root.get("lang") == "da"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Kommunale forvaltninger \u00d7 partnerskaber (pr. 01.03.2025)"
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "2 partnerskaber" in str(desc.text)
    shown = _texts(root, "text")
    # Rows: every department; columns: municipality and title; cells: the counts.
    assert "sundhed og forebyggelse" in shown
    assert "sekretariat/direktion" in shown
    assert "Ærø: Sund By & <Røgfri>" in shown
    assert "Vestby: Bevæg dig" in shown
    cells = [t for t in shown if t and (t[0].isdigit())]
    assert cells[:6] == ["1 L", "1 L", "0", "0", "2", "0"]  # health (both leads), social, jobs
    assert len(cells) == 8 * 2 + 3  # 8 departments x 2 partnerships, and the legend 0-2
    tooltips = _texts(root, "title")
    assert "beskæftigelse (jobcenter), Ærø: Sund By & <Røgfri>: 2 organisationer" in tooltips
    assert (
        "sundhed og forebyggelse, Vestby: Bevæg dig: 1 organisation"
        " (heraf den ledende organisation)" in tooltips
    )
    assert "L: den ledende organisation (ejer af indsatsen) hører til denne sektor" in shown


def test_the_partner_kinds_map_in_english() -> None:
    root = _parse(crosscase_svg(_tables(), HeatmapTable.PARTNER_KINDS, Lang.EN))

    assert root.get("lang") == "en"
    shown = _texts(root, "text")
    assert "sports club" in shown
    assert "Kind of external partner" in shown
    assert "3" in shown


def test_the_factors_map_shows_counts_and_shares_per_group() -> None:
    root = _parse(crosscase_svg(_tables(), HeatmapTable.FACTORS, Lang.DA))

    shown = _texts(root, "text")
    assert "fremmende, ekstern: Rygeloven" in shown
    assert "Forankret (drift) (n=1)" in shown
    assert "Ikke forankret (n=1)" in shown
    assert [t for t in shown if "(" in t and "%" in t][:2] == ["1 (100 %)", "0 (0 %)"]


def test_every_cell_text_contrasts_with_its_colour() -> None:
    for step in range(101):
        fill = colour(step / 100)
        ink = (0, 0, 0) if text_colour(fill) == "#000000" else (0xFF, 0xFF, 0xFF)
        assert contrast(fill, ink) >= 4.5, (step, fill)
    assert colour(0) == (0xFF, 0xFF, 0xFF)
    assert colour(1.0) == (0x08, 0x30, 0x6B)


def test_long_labels_are_cut_but_kept_whole_in_the_tooltip() -> None:
    long = "En meget lang forvaltning " * 5
    heatmap = HeatMap(
        title="T",
        description="D",
        row_heading="R",
        column_heading="C",
        rows=[long],
        columns=["K"],
        cells=[[Cell(value=0.5, text="1", note="1")]],
        legend=[(0.0, "0"), (1.0, "2")],
    )
    root = _parse(render(heatmap))

    assert any(t.endswith("…") and len(t) <= 56 for t in _texts(root, "text"))
    assert long in _texts(root, "title")
