"""Charts of the web UI as SVG made on the server: pure functions, data in, markup out.

No chart leans on colour alone: boxes and bands carry their text, points differ in shape,
and every chart has a <title> and <desc> (the pages add a table or list beside it). Texts
come in already translated; every text is escaped here. Links inside a chart (`<a href>`)
are keyboard-focusable, so such charts are a labelled group rather than an image (whose
children a screen reader would not reach).
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"

# Partnership ladder: light to dark as the rungs rise; text colour chosen for contrast.
RUNG_FILL = {1: "#dbe9f6", 2: "#a9cce3", 3: "#6fa8dc", 4: "#3d85c6", 5: "#0b5394", 6: "#073763"}
RUNG_INK = {1: "#1b1f24", 2: "#1b1f24", 3: "#1b1f24", 4: "#ffffff", 5: "#ffffff", 6: "#ffffff"}
INK = "#1b1f24"
MUTED = "#4d5560"
LINE = "#8a929c"
SOFT = "#f3f5f8"
ACCENT = "#0b5394"
PROMOTING = "#1e6b30"
BARRIER = "#a4161a"
STATUS_FILL = {0: "#ffffff", 1: "#e6eef7", 2: "#b9d0ea", 3: "#6fa8dc"}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _open(ident: str, width: int, height: int, title: str, desc: str, *, interactive: bool) -> str:
    # An image's children are presentational; a chart with links must stay a group.
    role = "group" if interactive else "img"
    return (
        f'<svg xmlns="{SVG_NS}" class="chart" id="{_e(ident)}" viewBox="0 0 {width} {height}"'
        f' role="{role}" aria-labelledby="{_e(ident)}-title {_e(ident)}-desc"'
        f' preserveAspectRatio="xMinYMin meet">'
        f'<title id="{_e(ident)}-title">{_e(title)}</title>'
        f'<desc id="{_e(ident)}-desc">{_e(desc)}</desc>'
    )


def wrap(text: str, width: int, lines: int) -> list[str]:
    """`text` in at most `lines` lines of about `width` characters (the last cut with …)."""
    words = text.split()
    out: list[str] = []
    current = ""
    for whole in words:
        word = whole
        while len(word) > width:  # a very long word is split
            if current:
                out.append(current)
                current = ""
            out.append(word[: width - 1] + "-")
            word = word[width - 1 :]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        kept = out[:lines]
        last = kept[-1]
        kept[-1] = (last[: width - 1] if len(last) >= width else last) + "…"
        return kept
    return out


# -- governance diagram (KL: styregruppe, partners, sekretariat, activities) -------------------


@dataclass(frozen=True)
class Box:
    """One box of a diagram: a bold label, a detail line, where it leads, its full text."""

    label: str
    detail: str = ""
    href: str = ""
    title: str = ""  # the full text (tooltip and accessible name); default label + detail
    emphasis: bool = False  # drawn heavier (the lead organisation)


@dataclass(frozen=True)
class GovernanceTexts:
    title: str = "Organisering"
    description: str = ""
    steering: str = "Styregruppe"
    partners: str = "Partnere"
    secretariat: str = "Sekretariat"
    activities: str = "Aktiviteter"
    nothing: str = "ingen"


_DIAGRAM_WIDTH = 960
_BOX_WIDTH = 180
_BOX_GAP = 12
_PER_ROW = 5
_CHARS = 21  # characters per line in a box (bold, 13px)


def _box(box: Box, x: float, y: float, width: float, height: float, kind: str) -> str:
    lines = wrap(box.label, _CHARS, 2)
    details = wrap(box.detail, _CHARS + 2, 2) if box.detail else []
    full = box.title or " \N{EN DASH} ".join(t for t in (box.label, box.detail) if t)
    stroke = "3" if box.emphasis else "1.5"
    parts = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" rx="6"'
        f' class="box box-{kind}" fill="#ffffff" stroke="{ACCENT}" stroke-width="{stroke}"/>'
    ]
    total = len(lines) + len(details)
    line_y = y + height / 2 - (total - 1) * 8 + 4
    for line in lines:
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{line_y:.1f}" text-anchor="middle"'
            f' font-size="13" font-weight="700" fill="{INK}">{_e(line)}</text>'
        )
        line_y += 16
    for line in details:
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{line_y:.1f}" text-anchor="middle"'
            f' font-size="12" fill="{MUTED}">{_e(line)}</text>'
        )
        line_y += 16
    inner = f"<title>{_e(full)}</title>" + "".join(parts)
    if box.href:
        return f'<a href="{_e(box.href)}" class="diagram-link">{inner}</a>'
    return f"<g>{inner}</g>"


def _row_positions(count: int) -> list[list[float]]:
    """x of each box, row by row, each row centred."""
    rows: list[list[float]] = []
    for start in range(0, count, _PER_ROW):
        n = min(_PER_ROW, count - start)
        used = n * _BOX_WIDTH + (n - 1) * _BOX_GAP
        left = (_DIAGRAM_WIDTH - used) / 2
        rows.append([left + i * (_BOX_WIDTH + _BOX_GAP) for i in range(n)])
    return rows


def governance_diagram(
    *,
    ident: str,
    steering: Box,
    partners: Sequence[Box],
    secretariat: Box | None,
    activities: Sequence[Box],
    texts: GovernanceTexts | None = None,
) -> str:
    """The KL diagram: the steering group on top, partners, the secretariat, activities."""
    t = texts or GovernanceTexts()
    box_height = 72.0
    row_gap = 22.0
    band_gap = 46.0
    caption = 20.0
    out: list[str] = []
    y = 14.0
    centre = _DIAGRAM_WIDTH / 2
    bus_from: list[tuple[float, float]] = []  # (x, y) where the lines from the layer above end

    def caption_at(text: str, at: float) -> None:
        out.append(
            f'<text x="16" y="{at:.1f}" font-size="12" font-weight="700" fill="{MUTED}"'
            f' class="layer">{_e(text.upper())}</text>'
        )

    # steering group
    caption_at(t.steering, y + 12)
    width = 260.0
    out.append(_box(steering, centre - width / 2, y + caption, width, box_height, "steering"))
    top_bottom = y + caption + box_height
    y = top_bottom + band_gap

    # partners, in rows of five
    caption_at(t.partners, y + 12)
    y += caption
    rows = _row_positions(len(partners)) if partners else []
    index = 0
    partner_tops: list[tuple[float, float]] = []
    partner_bottoms: list[tuple[float, float]] = []
    if not partners:
        out.append(
            f'<text x="{centre:.1f}" y="{y + 30:.1f}" text-anchor="middle" font-size="13"'
            f' fill="{MUTED}">{_e(t.nothing)}</text>'
        )
        partner_bottoms.append((centre, y + 40))
        y += 40
    for row in rows:
        for x in row:
            out.append(_box(partners[index], x, y, _BOX_WIDTH, box_height, "partner"))
            partner_tops.append((x + _BOX_WIDTH / 2, y))
            partner_bottoms.append((x + _BOX_WIDTH / 2, y + box_height))
            index += 1
        y += box_height + row_gap
    y += band_gap - row_gap

    # lines: steering group down to the first row of partners
    lines: list[str] = []
    if partner_tops:
        # a bus above each row of partners, all hanging from the steering group's line
        row_tops = sorted({top for _, top in partner_tops})
        buses = []
        for n, row_top in enumerate(row_tops):
            bus_y = row_top - (band_gap / 2 - 6 if n == 0 else row_gap / 2)
            buses.append(bus_y)
            xs = [x for x, top in partner_tops if top == row_top]
            lines.append(_line(min(*xs, centre), bus_y, max(*xs, centre), bus_y))
            lines.extend(_line(x, bus_y, x, row_top) for x in xs)
        lines.insert(0, _line(centre, top_bottom, centre, buses[-1]))
    bus_from = partner_bottoms

    # secretariat
    caption_at(t.secretariat, y + 12)
    y += caption
    sec_box = secretariat or Box(label=t.secretariat, detail=t.nothing)
    out.append(_box(sec_box, centre - width / 2, y, width, box_height, "secretariat"))
    if bus_from:
        last_bottom = max(b for _, b in bus_from)
        lines.append(_line(centre, last_bottom, centre, y))
    sec_bottom = y + box_height
    y = sec_bottom + band_gap

    # activities
    caption_at(t.activities, y + 12)
    y += caption
    arows = _row_positions(len(activities)) if activities else []
    index = 0
    if not activities:
        out.append(
            f'<text x="{centre:.1f}" y="{y + 30:.1f}" text-anchor="middle" font-size="13"'
            f' fill="{MUTED}">{_e(t.nothing)}</text>'
        )
        y += 40
    for n, row in enumerate(arows):
        if n == 0:
            bus_y = y - band_gap / 2 + 6
            lines.append(_line(centre, sec_bottom, centre, bus_y))
            xs = [x + _BOX_WIDTH / 2 for x in row]
            lines.append(_line(min(xs), bus_y, max(xs), bus_y))
            lines.extend(_line(x, bus_y, x, y) for x in xs)
        for x in row:
            out.append(_box(activities[index], x, y, _BOX_WIDTH, box_height, "activity"))
            index += 1
        y += box_height + row_gap
    height = int(y + 4)
    return (
        _open(ident, _DIAGRAM_WIDTH, height, t.title, t.description, interactive=True)
        + f'<g class="lines" stroke="{LINE}" stroke-width="1.5">{"".join(lines)}</g>'
        + "".join(out)
        + "</svg>"
    )


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'


# -- the ladder over time -------------------------------------------------------------------


def months_between(first: date, last: date) -> list[date]:
    """The first day of every month from `first`'s month to `last`'s, both included."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return months


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


@dataclass(frozen=True)
class LadderTexts:
    title: str = "Partnere på trin over tid"
    description: str = ""
    axis: str = "Antal partnere"
    rung: str = "Trin {n}"
    empty: str = "Ingen partnere på trinene endnu."


def ladder_chart(
    *,
    ident: str,
    months: Sequence[date],
    counts: Sequence[Mapping[int, int]],
    rung_names: Mapping[int, str],
    texts: LadderTexts | None = None,
) -> str:
    """Partners per rung at the end of each month, stacked (rung 1 at the bottom) as steps.

    Each band is labelled with its rung number where it ends, and the legend gives the
    rungs' names, so the colours are not the only way to tell the bands apart.
    """
    t = texts or LadderTexts()
    width, height = 960, 320
    left, right, top, bottom = 56, 150, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [_open(ident, width, height, t.title, t.description, interactive=False)]
    totals = [sum(c.get(r, 0) for r in range(1, 7)) for c in counts]
    peak = max(totals, default=0)
    if not months or peak == 0:
        out.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" font-size="14"'
            f' fill="{MUTED}">{_e(t.empty)}</text></svg>'
        )
        return "".join(out)
    step = _nice_step(peak)
    y_max = math.ceil(peak / step) * step
    col = plot_w / len(months)

    def y_of(value: float) -> float:
        return top + plot_h - value / y_max * plot_h

    # grid and y axis
    for tick in range(0, y_max + 1, step):
        y = y_of(tick)
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#d5d9df"'
            ' stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12"'
            f' fill="{MUTED}">{tick}</text>'
        )
    out.append(
        f'<text x="14" y="{top + plot_h / 2:.1f}" font-size="12" fill="{MUTED}"'
        f' transform="rotate(-90 14 {top + plot_h / 2:.1f})" text-anchor="middle">'
        f"{_e(t.axis)}</text>"
    )
    # bands, rung 1 at the bottom
    below = [0] * len(months)
    for rung in range(1, 7):
        upper = [below[i] + counts[i].get(rung, 0) for i in range(len(months))]
        if any(upper[i] != below[i] for i in range(len(months))):
            points: list[str] = []
            for i in range(len(months)):
                x0, x1 = left + i * col, left + (i + 1) * col
                points.append(f"{x0:.1f},{y_of(upper[i]):.1f} {x1:.1f},{y_of(upper[i]):.1f}")
            for i in reversed(range(len(months))):
                x0, x1 = left + i * col, left + (i + 1) * col
                points.append(f"{x1:.1f},{y_of(below[i]):.1f} {x0:.1f},{y_of(below[i]):.1f}")
            name = t.rung.format(n=rung)
            out.append(
                f'<polygon points="{" ".join(points)}" fill="{RUNG_FILL[rung]}"'
                f' stroke="#ffffff" stroke-width="0.5" class="band rung-{rung}">'
                f"<title>{_e(name)}: {_e(rung_names.get(rung, ''))}</title></polygon>"
            )
            thickness = upper[-1] - below[-1]
            if thickness > 0 and (y_of(below[-1]) - y_of(upper[-1])) >= 14:
                mid = y_of(below[-1] + thickness / 2)
                out.append(
                    f'<text x="{left + plot_w - 6:.1f}" y="{mid + 4:.1f}" text-anchor="end"'
                    f' font-size="12" font-weight="700" fill="{RUNG_INK[rung]}">'
                    f"{rung}: {thickness}</text>"
                )
        below = upper
    # x axis: years (or months when the span is short)
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"'
        f' stroke="{INK}" stroke-width="1"/>'
    )
    short = len(months) <= 14
    for i, month in enumerate(months):
        if short or month.month == 1 or i == 0:
            x = left + i * col
            label = f"{month.month:02d}.{month.year}" if short else str(month.year)
            if not short and i == 0 and month.month != 1:
                label = f"{month.month:02d}.{month.year}"
            out.append(
                f'<line x1="{x:.1f}" y1="{top + plot_h}" x2="{x:.1f}" y2="{top + plot_h + 5}"'
                f' stroke="{INK}"/><text x="{x + 2:.1f}" y="{top + plot_h + 20}" font-size="12"'
                f' fill="{MUTED}">{_e(label)}</text>'
            )
    # legend
    lx = left + plot_w + 16
    for n, rung in enumerate(range(6, 0, -1)):
        ly = top + 6 + n * 24
        out.append(
            f'<rect x="{lx}" y="{ly}" width="16" height="16" fill="{RUNG_FILL[rung]}"'
            f' stroke="{INK}" stroke-width="0.5"/><text x="{lx + 22}" y="{ly + 13}"'
            f' font-size="12" fill="{INK}">{_e(t.rung.format(n=rung))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100):
        if peak / step <= 6:
            return step
    return max(1, peak // 5)


# -- anchoring lanes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    status: str  # the status on the day, as text
    level: int  # 0 none, 1 started, 2 partial, 3 anchored


@dataclass(frozen=True)
class Mark:
    """A milestone on a lane."""

    lane: str
    on: date
    level: int
    title: str  # shown on hover and read as the link's name
    href: str = ""


@dataclass(frozen=True)
class FactorMark:
    on: date
    promoting: bool
    title: str
    href: str = ""


@dataclass(frozen=True)
class AnchoringTexts:
    title: str = "Forankring over tid"
    description: str = ""
    factors: str = "Faktorer"
    started: str = "påbegyndt"
    partial: str = "delvis"
    anchored: str = "forankret"
    promoting: str = "fremmende"
    barrier: str = "hæmmende"


def _marker(level: int, x: float, y: float) -> str:
    """A milestone's shape by status: ring (started), half-filled (partial), filled."""
    r = 7
    ring = (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="#ffffff" stroke="{ACCENT}"'
        ' stroke-width="2.5"/>'
    )
    if level <= 1:
        return ring
    if level == 2:
        return ring + (
            f'<path d="M {x:.1f} {y - r:.1f} A {r} {r} 0 0 0 {x:.1f} {y + r:.1f} Z"'
            f' fill="{ACCENT}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{ACCENT}" stroke="{ACCENT}"/>'


def _factor_shape(promoting: bool, x: float, y: float) -> str:
    if promoting:  # a triangle pointing up
        d = f"M {x:.1f} {y - 8:.1f} L {x + 7:.1f} {y + 5:.1f} L {x - 7:.1f} {y + 5:.1f} Z"
        return f'<path d="{d}" fill="{PROMOTING}"/>'
    d = f"M {x:.1f} {y + 8:.1f} L {x + 7:.1f} {y - 5:.1f} L {x - 7:.1f} {y - 5:.1f} Z"
    return f'<path d="{d}" fill="{BARRIER}"/>'


def anchoring_lanes(
    *,
    ident: str,
    lanes: Sequence[Lane],
    marks: Sequence[Mark],
    factors: Sequence[FactorMark],
    start: date,
    end: date,
    texts: AnchoringTexts | None = None,
) -> str:
    """One lane per dimension on a time axis; milestones as points, factors in a lane below.

    A lane is shaded from each milestone on by the status it gave (none, started, partial,
    anchored); the lane's label says the status on the last day in words.
    """
    t = texts or AnchoringTexts()
    width = 960
    left, right = 210, 24
    lane_h = 40
    top = 12
    plot_w = width - left - right
    rows = len(lanes) + 1  # the factors' lane
    axis_y = top + rows * lane_h + 6
    height = axis_y + 60
    span = max((end - start).days, 1)

    def x_of(day: date) -> float:
        return left + max(0, min(span, (day - start).days)) / span * plot_w

    out = [_open(ident, width, height, t.title, t.description, interactive=True)]
    for n, lane in enumerate(lanes):
        y0 = top + n * lane_h
        mid = y0 + lane_h / 2
        out.append(
            f'<rect x="{left}" y="{y0 + 6}" width="{plot_w}" height="{lane_h - 12}" fill="{SOFT}"/>'
        )
        mine = sorted((m for m in marks if m.lane == lane.key), key=lambda m: m.on)
        for i, mark in enumerate(mine):
            x0 = x_of(mark.on)
            x1 = x_of(mine[i + 1].on) if i + 1 < len(mine) else left + plot_w
            if x1 > x0 and mark.level > 0:
                out.append(
                    f'<rect x="{x0:.1f}" y="{y0 + 6}" width="{x1 - x0:.1f}"'
                    f' height="{lane_h - 12}" fill="{STATUS_FILL[min(mark.level, 3)]}"/>'
                )
        out.append(
            f'<text x="8" y="{mid - 2:.1f}" font-size="13" font-weight="700" fill="{INK}">'
            f'{_e(lane.label)}</text><text x="8" y="{mid + 13:.1f}" font-size="12"'
            f' fill="{MUTED}">{_e(lane.status)}</text>'
        )
        seen: dict[int, int] = {}
        for mark in mine:
            x = x_of(mark.on)
            bucket = round(x / 8)
            offset = seen.get(bucket, 0)
            seen[bucket] = offset + 1
            shape = _marker(mark.level, x + offset * 9, mid)
            inner = f"<title>{_e(mark.title)}</title>{shape}"
            if mark.href:
                out.append(f'<a href="{_e(mark.href)}" class="mark-link">{inner}</a>')
            else:
                out.append(f"<g>{inner}</g>")
    # factors
    y0 = top + len(lanes) * lane_h
    mid = y0 + lane_h / 2
    out.append(
        f'<rect x="{left}" y="{y0 + 6}" width="{plot_w}" height="{lane_h - 12}" fill="#ffffff"'
        f' stroke="#d5d9df"/><text x="8" y="{mid + 4:.1f}" font-size="13" font-weight="700"'
        f' fill="{INK}">{_e(t.factors)}</text>'
    )
    seen_f: dict[int, int] = {}
    for factor in sorted(factors, key=lambda f: f.on):
        x = x_of(factor.on)
        bucket = round(x / 8)
        offset = seen_f.get(bucket, 0)
        seen_f[bucket] = offset + 1
        inner = f"<title>{_e(factor.title)}</title>" + _factor_shape(
            factor.promoting, x + (offset % 6) * 9, mid
        )
        if factor.href:
            out.append(f'<a href="{_e(factor.href)}" class="mark-link">{inner}</a>')
        else:
            out.append(f"<g>{inner}</g>")
    # time axis: a tick per year (per month when short)
    out.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="{INK}"/>'
    )
    months = months_between(start, end)
    short = len(months) <= 14
    for month in months:
        if month < start and not short:
            continue
        if short or month.month == 1:
            x = x_of(max(month, start))
            label = f"{month.month:02d}.{month.year}" if short else str(month.year)
            out.append(
                f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="{INK}"/>'
                f'<text x="{x + 2:.1f}" y="{axis_y + 19}" font-size="12" fill="{MUTED}">'
                f"{_e(label)}</text>"
            )
    # legend
    ly = axis_y + 42
    legend = [
        (_marker(1, left + 8, ly), t.started),
        (_marker(2, left + 8, ly), t.partial),
        (_marker(3, left + 8, ly), t.anchored),
        (_factor_shape(True, left + 8, ly), t.promoting),
        (_factor_shape(False, left + 8, ly), t.barrier),
    ]
    x = 0.0
    for shape, text in legend:
        out.append(
            f'<g transform="translate({x:.1f} 0)">{shape}<text x="{left + 22}" y="{ly + 4}"'
            f' font-size="12" fill="{INK}">{_e(text)}</text></g>'
        )
        x += 24 + 8 * len(text) + 16
    out.append("</svg>")
    return "".join(out)
