"""Server-made SVG heat maps of the cross-case tables (pure functions returning strings).

Accessible by construction: the image has a `<title>` and a `<desc>` (role="img"), every
row and column has a text label, every cell shows its number as text (the colour only
repeats it) with a tooltip naming row, column and value, text colour is chosen for
contrast against its cell, and marks (the lead organisation) are a letter, not a colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from html import escape

from aggregates.dates import danish_date
from api.exports import Lang
from projections.crosscase import CrossCase, FactorRow, SectorRow

# ColorBrewer "Blues", light to dark: sequential, readable in grey scale.
_SCALE = (
    (0xF7, 0xFB, 0xFF),
    (0xDE, 0xEB, 0xF7),
    (0xC6, 0xDB, 0xEF),
    (0x9E, 0xCA, 0xE1),
    (0x6B, 0xAE, 0xD6),
    (0x42, 0x92, 0xC6),
    (0x21, 0x71, 0xB5),
    (0x08, 0x51, 0x9C),
    (0x08, 0x30, 0x6B),
)
_DARK_TEXT = "#1a1a1a"
_INK = "#000000"  # numbers on a coloured cell
_ZERO_TEXT = "#595959"  # a zero: quieter, still 7:1 on white
_LIGHT_TEXT = "#ffffff"
_EMPTY = "#ffffff"
_GRID = "#8c8c8c"
_MARK = "#b35900"  # the outline of a marked cell (the letter says it too)
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
_CHAR = 7.0  # px per character at 12 px, for layout estimates
_ROW_H = 28
_COLUMN_MAX = 34


@dataclass(frozen=True)
class Cell:
    value: float  # 0-1: where on the colour scale (0: no colour)
    text: str  # what the cell shows: the number
    note: str  # the cell's tooltip after "row, column: "
    marked: bool = False


@dataclass(frozen=True)
class HeatMap:
    title: str
    description: str
    row_heading: str
    column_heading: str
    rows: Sequence[str]
    columns: Sequence[str]
    cells: Sequence[Sequence[Cell]]  # one list per row, one cell per column
    legend: Sequence[tuple[float, str]]  # (value on the scale, its label)
    mark_note: str = ""  # what a marked cell means (shown under the legend when used)
    lang: str = "da"
    label_max: int = 56  # characters of a row label before it is cut (its tooltip has it all)


def colour(value: float) -> tuple[int, int, int]:
    """The scale's colour at `value` (0-1), interpolated between its stops."""
    if value <= 0:
        return (0xFF, 0xFF, 0xFF)
    position = min(value, 1.0) * (len(_SCALE) - 1)
    low = int(position)
    high = min(low + 1, len(_SCALE) - 1)
    t = position - low
    r, g, b = (round(a + (b - a) * t) for a, b in zip(_SCALE[low], _SCALE[high], strict=True))
    return (r, g, b)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG contrast ratio of two colours (1-21)."""
    a, b = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def text_colour(background: tuple[int, int, int]) -> str:
    """Black or white text, whichever contrasts more with the background: one of the two
    always reaches 4.5:1 (WCAG AA), whatever the background."""
    black, white = (0, 0, 0), (0xFF, 0xFF, 0xFF)
    return _INK if contrast(background, black) >= contrast(background, white) else _LIGHT_TEXT


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _e(text: str) -> str:
    return escape(text, quote=True)


def render(heatmap: HeatMap) -> str:
    """The heat map as a standalone SVG document."""
    rows, columns = list(heatmap.rows), list(heatmap.columns)
    texts = [c.text for row in heatmap.cells for c in row]
    cell_w = max(44, round(max((len(t) for t in texts), default=1) * _CHAR + 18))
    label_w = round(
        max((len(_cut(r, heatmap.label_max)) for r in [*rows, heatmap.row_heading]), default=8)
        * _CHAR
        + 24
    )
    longest_column = max((len(_cut(c, _COLUMN_MAX)) for c in columns), default=8)
    head_h = round(longest_column * _CHAR * 0.72 + 40)
    top = 52 + head_h  # title line, then the slanted column labels
    grid_w = cell_w * len(columns)
    legend_y = top + _ROW_H * len(rows) + 34
    width = max(
        label_w + grid_w + round(longest_column * _CHAR * 0.72) + 20,
        round(len(heatmap.title) * 9.5) + 24,
        480,
    )
    height = legend_y + 64 + (18 if heatmap.mark_note else 0)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" lang="{_e(heatmap.lang)}"'
        f' aria-labelledby="heatmap-title heatmap-desc" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="{_FONT}" font-size="12">',
        f'<title id="heatmap-title">{_e(heatmap.title)}</title>',
        f'<desc id="heatmap-desc">{_e(heatmap.description)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="12" y="26" font-size="16" font-weight="600" fill="{_DARK_TEXT}">'
        f"{_e(heatmap.title)}</text>",
        f'<text x="12" y="{top - 8}" font-weight="600" fill="{_DARK_TEXT}">'
        f"{_e(heatmap.row_heading)}</text>",
        f'<text x="{label_w}" y="46" fill="{_DARK_TEXT}">{_e(heatmap.column_heading)}</text>',
    ]
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        out.append(
            f'<g><title>{_e(column)}</title><text transform="translate({x:.1f},{top - 8})'
            f' rotate(-45)" fill="{_DARK_TEXT}">{_e(_cut(column, _COLUMN_MAX))}</text></g>'
        )
    for i, (row, cells) in enumerate(zip(rows, heatmap.cells, strict=True)):
        y = top + i * _ROW_H
        out.append(
            f'<g><title>{_e(row)}</title><text x="12" y="{y + _ROW_H / 2 + 4:.1f}"'
            f' fill="{_DARK_TEXT}">{_e(_cut(row, heatmap.label_max))}</text></g>'
        )
        for j, cell in enumerate(cells):
            x = label_w + j * cell_w
            fill = colour(cell.value)
            stroke = (
                f' stroke="{_MARK}" stroke-width="3"'
                if cell.marked
                else f' stroke="{_GRID}" stroke-width="1"'
            )
            inset = 1.5 if cell.marked else 0.5
            out.append(
                f"<g><title>{_e(row)}, {_e(columns[j])}: {_e(cell.note)}</title>"
                f'<rect x="{x + inset}" y="{y + inset}" width="{cell_w - 2 * inset}"'
                f' height="{_ROW_H - 2 * inset}" fill="{_hex(fill) if cell.value > 0 else _EMPTY}"'
                f"{stroke}/>"
                f'<text x="{x + cell_w / 2:.1f}" y="{y + _ROW_H / 2 + 4:.1f}" text-anchor="middle"'
                f' fill="{text_colour(fill) if cell.value > 0 else _ZERO_TEXT}">'
                f"{_e(cell.text)}</text></g>"
            )
    x = 12
    legend_title = "Forklaring" if heatmap.lang == "da" else "Legend"
    out.append(f'<text x="12" y="{legend_y}" font-weight="600">{legend_title}</text>')
    for value, label in heatmap.legend:
        fill = colour(value)
        w = max(44, round(len(label) * _CHAR + 16))
        out.append(
            f'<rect x="{x + 0.5}" y="{legend_y + 8.5}" width="{w - 1}" height="{_ROW_H - 1}"'
            f' fill="{_hex(fill) if value > 0 else _EMPTY}" stroke="{_GRID}"/>'
            f'<text x="{x + w / 2:.1f}" y="{legend_y + 8 + _ROW_H / 2 + 4:.1f}"'
            f' text-anchor="middle" fill="{text_colour(fill)}">{_e(label)}</text>'
        )
        x += w + 4
    if heatmap.mark_note:
        out.append(
            f'<rect x="12.5" y="{legend_y + 44.5}" width="14" height="14" fill="{_EMPTY}"'
            f' stroke="{_MARK}" stroke-width="3"/>'
            f'<text x="34" y="{legend_y + 56}">{_e(heatmap.mark_note)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


# -- the cross-case tables as heat maps -----------------------------------------------------


class HeatmapTable(str, Enum):
    DEPARTMENTS = "departments"
    PARTNER_KINDS = "partner_kinds"
    FACTORS = "factors"


_TIMES = "\u00d7"  # the multiplication sign of "rows x columns"

_WORDS = {
    Lang.DA: {
        "departments": "Kommunale forvaltninger {x} partnerskaber",
        "partner_kinds": "Typer af eksterne partnere {x} partnerskaber",
        "factors": "Hyppigste faktorer: forankrede og ikke forankrede partnerskaber",
        "department": "Forvaltning",
        "partner_kind": "Type af ekstern partner",
        "factor": "Faktor",
        "partnership": "Partnerskab",
        "group": "Gruppe",
        "lead": "L",
        "lead_note": "L: den ledende organisation (ejer af indsatsen) hører til denne sektor",
        "lead_cell": "heraf den ledende organisation",
        "organisations": "organisationer",
        "organisation": "organisation",
        "anchored": "Forankret",
        "not_anchored": "Ikke forankret",
        "any": "på en dimension",
        "of": "af",
        "as_of": "pr.",
        "sectors_desc": (
            "Antal organisationer af hver sektor, der deltager i hvert partnerskab {day}"
            " (den ledende organisation tæller med og er markeret med L). {n} partnerskaber."
        ),
        "factors_desc": (
            "Andel af partnerskaberne i hver gruppe, der har registreret faktoren {day}."
            " Forankret: {anchored} af {cases} partnerskaber nåede »forankret« {on}."
        ),
        "none": "Ingen partnerskaber at vise.",
    },
    Lang.EN: {
        "departments": "Municipal departments {x} partnerships",
        "partner_kinds": "Kinds of external partner {x} partnerships",
        "factors": "Most frequent factors: anchored and not anchored partnerships",
        "department": "Department",
        "partner_kind": "Kind of external partner",
        "factor": "Factor",
        "partnership": "Partnership",
        "group": "Group",
        "lead": "L",
        "lead_note": "L: the lead organisation (owner of the partnership) is of this sector",
        "lead_cell": "the lead organisation among them",
        "organisations": "organisations",
        "organisation": "organisation",
        "anchored": "Anchored",
        "not_anchored": "Not anchored",
        "any": "on some dimension",
        "of": "of",
        "as_of": "as of",
        "sectors_desc": (
            "Number of organisations of each sector taking part in each partnership {day}"
            " (the lead organisation counts and is marked L). {n} partnerships."
        ),
        "factors_desc": (
            "Share of the partnerships in each group that recorded the factor {day}."
            " Anchored: {anchored} of {cases} partnerships reached 'anchored' {on}."
        ),
        "none": "No partnerships to show.",
    },
}


def _day(value: date, lang: Lang) -> str:
    """dd.mm.åååå in Danish, ISO in English."""
    return danish_date(value) if lang is Lang.DA else value.isoformat()


def _sector_label(row: SectorRow, lang: Lang) -> str:
    return row.label if lang is Lang.DA else row.sector.value.replace("_", " ")


def sectors_heatmap(tables: CrossCase, table: HeatmapTable, lang: Lang) -> HeatMap:
    """Figure 1 (departments) or 2 (kinds of external partner) of the mastercase."""
    w = _WORDS[lang]
    sector_rows = tables.municipal if table is HeatmapTable.DEPARTMENTS else tables.external
    # The municipality first: titles often end with it, and a long title is cut.
    columns = [f"{p.municipality}: {p.title}" for p in tables.partnerships]
    ids = [p.id for p in tables.partnerships]
    top = max((n for r in sector_rows for n in r.organisations), default=0)
    scale = max(top, 1)
    cells = []
    for row in sector_rows:
        line = []
        for pid, n in zip(ids, row.organisations, strict=True):
            lead = pid in row.lead_in
            counted = w["organisation"] if n == 1 else w["organisations"]
            note = f"{n} {counted}" + (f" ({w['lead_cell']})" if lead else "")
            line.append(
                Cell(
                    value=n / scale,
                    text=f"{n} {w['lead']}" if lead else str(n),
                    note=note,
                    marked=lead,
                )
            )
        cells.append(line)
    steps = range(top + 1) if top <= 6 else sorted({0, 1, top // 2, top})
    day = f"{w['as_of']} {_day(tables.as_of, lang)}"
    return HeatMap(
        title=f"{w[table.value].format(x=_TIMES)} ({day})",
        description=(w["sectors_desc"].format(day=day, n=len(columns)) if columns else w["none"]),
        row_heading=w["department" if table is HeatmapTable.DEPARTMENTS else "partner_kind"],
        column_heading=w["partnership"],
        rows=[_sector_label(r, lang) for r in sector_rows],
        columns=columns,
        cells=cells,
        legend=[(n / scale, str(n)) for n in steps],
        mark_note=w["lead_note"],
        lang=lang.value,
    )


def _factor_label(row: FactorRow, lang: Lang) -> str:
    if lang is Lang.DA:
        return f"{row.effect_label}, {row.origin_label}: {row.description}"
    return f"{row.effect.value}, {row.origin.value}: {row.description}"


def _share_text(count: int, share: float | None) -> str:
    return f"{count} ({round(share * 100)} %)" if share is not None else f"{count}"


def factors_heatmap(tables: CrossCase, lang: Lang, top: int = 15) -> HeatMap:
    """The most frequent factors against the two groups (anchored, not anchored)."""
    w = _WORDS[lang]
    dimension = tables.anchored_on.dimension
    if dimension is None:
        on = w["any"]
    else:
        on = f"({dimension.label_da if lang is Lang.DA else dimension.value})"
    anchored, not_anchored = len(tables.anchored_group), len(tables.not_anchored_group)
    columns = [f"{w['anchored']} {on} (n={anchored})", f"{w['not_anchored']} (n={not_anchored})"]
    rows = tables.factors[:top]
    cells = [
        [
            Cell(
                value=row.anchored_share or 0.0,
                text=_share_text(row.anchored_count, row.anchored_share),
                note=f"{row.anchored_count} {w['of']} {anchored}",
            ),
            Cell(
                value=row.not_anchored_share or 0.0,
                text=_share_text(row.not_anchored_count, row.not_anchored_share),
                note=f"{row.not_anchored_count} {w['of']} {not_anchored}",
            ),
        ]
        for row in rows
    ]
    day = f"{w['as_of']} {_day(tables.as_of, lang)}"
    return HeatMap(
        title=f"{w['factors']} ({day})",
        description=w["factors_desc"].format(
            day=day, anchored=anchored, cases=anchored + not_anchored, on=on
        ),
        row_heading=w["factor"],
        column_heading=w["group"],
        rows=[_factor_label(r, lang) for r in rows],
        columns=columns,
        cells=cells,
        legend=[(v, f"{round(v * 100)} %") for v in (0.0, 0.25, 0.5, 0.75, 1.0)],
        lang=lang.value,
        label_max=90,
    )


def crosscase_svg(tables: CrossCase, table: HeatmapTable, lang: Lang, top: int = 15) -> str:
    """The chosen table of the cross-case analysis as an SVG heat map."""
    if table is HeatmapTable.FACTORS:
        return render(factors_heatmap(tables, lang, top))
    return render(sectors_heatmap(tables, table, lang))
