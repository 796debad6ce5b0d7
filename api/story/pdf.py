"""The anchoring story as a PDF (fpdf2, pure Python): A4, outline, internal links.

The PDF core font (Helvetica) with the Windows-1252 encoding holds æ, ø, å, the en dash
and the other characters of Danish text; anything outside it is written without its
accents (NFKD), else as "?". Each citation links to the event's line in the sources at
the end; the outline (bookmarks) follows the dimensions and milestones.
"""

from __future__ import annotations

import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from aggregates.taxonomy import FactorEffect
from api.exports import Lang
from api.links import web_link
from api.story.words import (
    WORDS,
    dating,
    day,
    dimension_heading,
    event_label,
    kind,
    label,
    long_date,
    moment,
    rung_label,
    timeline,
    title,
    told,
)
from projections.story import Snapshot, Story, StoryEntry, StoryEvent, StoryFactor

ENCODING = "windows-1252"
FONT = "Helvetica"
LINE = 5.0  # mm, body text
PROMOTING = FactorEffect.PROMOTING


def pdf_text(text: str) -> str:
    """Text the core font can show: kept if Windows-1252 has it, else unaccented, else '?'."""
    out = []
    for char in " ".join(text.split()):
        try:
            char.encode(ENCODING)
        except UnicodeEncodeError:
            plain = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            try:
                plain.encode(ENCODING)
            except UnicodeEncodeError:
                plain = "?"
            out.append(plain or "?")
        else:
            out.append(char)
    return "".join(out)


class _Document(FPDF):
    def __init__(self, lang: Lang, footer: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self._lang = lang
        self._footer = footer
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(64, 64, 64)
        page = f"{WORDS[self._lang]['page']} {self.page_no()}/{{nb}}"
        self.cell(0, 6, pdf_text(f"{self._footer} · {page}"), align="C")
        self.set_text_color(0, 0, 0)


class _Writer:
    def __init__(self, story: Story, lang: Lang) -> None:
        self.story = story
        self.lang = lang
        self.w = WORDS[lang]
        self.pdf = _Document(lang, dating(story, lang))
        # Named destinations: citations come before the sources they point to.
        self.cited = {e.version for e in story.sources}

    def paragraph(self, text: str, *, size: float = 10, style: str = "", h: float = LINE) -> None:
        self.pdf.set_font(FONT, style, size)
        self.pdf.multi_cell(0, h, pdf_text(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, level: int, size: float) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 50:  # keep a heading with what follows
            pdf.add_page()
        pdf.ln(3 if level else 5)
        pdf.start_section(pdf_text(text), level=level)
        self.paragraph(text, size=size, style="B", h=size * 0.5)
        pdf.ln(1)

    def cite(self, events: list[StoryEvent]) -> None:
        pdf = self.pdf
        pdf.set_text_color(11, 79, 138)
        for n, event in enumerate(events):
            if n:
                pdf.set_text_color(0, 0, 0)
                pdf.write(LINE, ", ")
                pdf.set_text_color(11, 79, 138)
            link = f"#{event.anchor}" if event.version in self.cited else ""
            pdf.write(LINE, event_label(event), link=link)
        pdf.set_text_color(0, 0, 0)

    def factors(self, heading: str, factors: list[StoryFactor]) -> None:
        if not factors:
            return
        self.paragraph(heading, style="B")
        self.pdf.set_font(FONT, size=10)
        for f in factors:
            self.pdf.write(LINE, pdf_text(f"• {f.description} ({label(f.origin, self.lang)})"))
            if f.events:
                self.pdf.write(LINE, " [")
                self.cite(f.events)
                self.pdf.write(LINE, "]")
            self.pdf.ln(LINE)

    def snapshot(self, s: Snapshot) -> None:
        w, lang = self.w, self.lang
        self.pdf.ln(1)
        self.paragraph(f"{w['on_the_date']} ({long_date(s.on, lang)})", style="B")
        ladder = "; ".join(
            f"{p.name}: {w['rung']} {p.rung.value} ({rung_label(p.rung, lang)})" for p in s.partners
        )
        self.paragraph(f"{w['ladder']}: {ladder or w['no_partners']}", size=9)
        spread = ", ".join(f"{rung}: {count}" for rung, count in sorted(s.distribution.items()))
        self.paragraph(f"{w['distribution']}: {spread}", size=9)
        held = "; ".join(f"{label(h.role, lang)}: {h.person_name or w['vacant']}" for h in s.roles)
        self.paragraph(f"{w['roles']}: {held or w['no_roles']}", size=9)

    def entry(self, entry: StoryEntry) -> None:
        w, pdf = self.w, self.pdf
        self.heading(f"{long_date(entry.valid_on, self.lang)}: {entry.title}", 1, 11.5)
        self.paragraph(told(entry, self.lang))
        pdf.set_font(FONT, size=9)
        pdf.write(LINE, pdf_text(f"{w['milestone_events']}: "))
        self.cite(entry.events)
        pdf.ln(LINE)
        link = web_link(entry.link)
        if link:
            pdf.write(LINE, pdf_text(f"{w['link']}: "))
            pdf.write(LINE, pdf_text(link), link=link)
            pdf.ln(LINE)
        elif entry.link:  # not a web address (javascript:, data:): text, no link action
            self.paragraph(f"{w['link']}: {entry.link}", size=9)
        if entry.document_ref:
            self.paragraph(f"{w['document_ref']}: {entry.document_ref}", size=9)
        self.factors(w["promoting"], entry.promoting)
        self.factors(w["barriers"], entry.barriers)
        self.snapshot(entry.snapshot)

    def sources(self) -> None:
        w, pdf = self.w, self.pdf
        self.heading(w["sources"], 0, 14)
        self.paragraph(w["sources_intro"], size=9)
        if not self.story.sources:
            self.paragraph(w["no_sources"])
        for e in self.story.sources:
            if pdf.get_y() > pdf.h - 30:
                pdf.add_page()
            pdf.ln(1.5)
            pdf.set_link(name=e.anchor, y=pdf.get_y(), page=pdf.page_no())
            self.paragraph(f"{event_label(e)}: {e.summary}", style="B")
            line = (
                f"{kind(e, self.lang)} · {w['valid_on']} {day(e.valid_on, self.lang)} ·"
                f" {w['recorded_at']} {moment(e.recorded_at, self.lang)} ·"
                f" {w['recorded_by']} {e.recorded_by}"
            )
            if e.notification_id is not None:
                line += f" · {w['version']} {e.notification_id}"
            if e.reason:
                line += f" · {w['reason']}: {e.reason}"
            self.paragraph(line, size=9)

    def write(self, *, compress: bool) -> bytes:
        pdf, story, lang, w = self.pdf, self.story, self.lang, self.w
        heading = title(story, lang)
        pdf.set_compression(compress)
        pdf.set_title(pdf_text(heading))
        pdf.set_lang(lang.value)
        pdf.set_subject(pdf_text(told(story, lang)))
        pdf.set_creator("Tværs")
        pdf.add_page()
        pdf.start_section(pdf_text(heading), level=0)
        self.paragraph(heading, size=18, style="B", h=9)
        self.paragraph(dating(story, lang), size=10)
        pdf.ln(2)
        self.paragraph(told(story, lang), size=11)
        self.heading(w["timeline"], 0, 14)
        entries = timeline(story)
        if not entries:
            self.paragraph(w["no_milestones"])
        for n, e in enumerate(entries, start=1):
            self.paragraph(
                f"{n}. {long_date(e.valid_on, lang)} {label(e.dimension, lang)},"
                f" {label(e.status, lang)}: {e.title}",
                size=10,
            )
        for d in story.dimensions:
            self.heading(dimension_heading(d.dimension, d.status, lang), 0, 14)
            self.paragraph(told(d, lang))
            for entry in d.entries:
                self.entry(entry)
        self.heading(w["unlinked"], 0, 14)
        if story.unlinked_factors:
            unlinked = story.unlinked_factors
            self.factors(w["promoting"], [f for f in unlinked if f.effect is PROMOTING])
            self.factors(w["barriers"], [f for f in unlinked if f.effect is not PROMOTING])
        else:
            self.paragraph(w["no_unlinked"])
        self.sources()
        return bytes(pdf.output())


def render_pdf(story: Story, lang: Lang = Lang.DA, *, compress: bool = True) -> bytes:
    """The story as a PDF document (`compress=False` leaves its text readable in the bytes)."""
    return _Writer(story, lang).write(compress=compress)
