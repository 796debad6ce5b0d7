"""The anchoring story as an accessible PDF (Typst, from PyPI: a tagged PDF/UA-1 document).

Typst lays the story out and writes what a screen reader and a PDF checker need: the
structure tree (headings H1-H3, paragraphs, lists, links) in reading order, `MarkInfo
Marked`, the document language (da/en), the title shown in the window
(`DisplayDocTitle`), bookmarks (the outline: the sections and milestones), page footers
as artifacts, and every font embedded (TrueType subsets, `FontFile2`). It refuses to
write a document that breaks PDF/UA-1 rather than writing an inaccessible one.

Fonts: DejaVu Sans from Debian (/usr/share/fonts/truetype/dejavu) when the machine has
it, else DejaVu Sans Mono, which Typst carries inside itself; never the machine's other
fonts, so the same story gives the same bytes on the same machine.

The story goes into the fixed Typst template below as JSON data (`sys.inputs`): every
text is inserted as a string, never read as markup, so a title with `#`, `*` or `$` is
shown as written. Each citation links to the event's line among the sources at the end.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typst

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
    linked_to,
    long_date,
    moment,
    rung_label,
    timeline,
    title,
    told,
)
from projections.story import Snapshot, Story, StoryEntry, StoryEvent, StoryFactor

FONT_DIRECTORY = Path("/usr/share/fonts/truetype/dejavu")
FONTS = ("DejaVu Sans", "DejaVu Sans Mono")  # the second is inside Typst
PROMOTING = FactorEffect.PROMOTING
# typst.compile's overloads (input as bytes or a path, output or none) defeat inference.
_compile: Callable[..., object] = typst.compile
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # the document's creation date: not the time of writing

TEMPLATE = """
#let data = json(bytes(sys.inputs.story))
#set document(title: data.title, author: "Tværs", description: data.subject)
#set text(lang: data.lang, font: data.fonts, size: 10pt)
#set par(justify: false, spacing: 0.9em)
#set heading(numbering: none)
#show heading.where(level: 1): set text(size: 18pt)
#show heading.where(level: 2): set text(size: 14pt)
#show heading.where(level: 3): set text(size: 11.5pt)
#show link: set text(fill: rgb(11, 79, 138))
#set page(
  paper: "a4",
  margin: (x: 18mm, top: 16mm, bottom: 20mm),
  footer: context align(center, text(size: 8pt, fill: rgb(64, 64, 64))[
    #data.footer · #data.page #counter(page).display("1/1", both: true)
  ]),
)

#let cites(items) = {
  for (n, item) in items.enumerate() {
    if n > 0 [, ]
    if item.anchor != none { link(label(item.anchor), item.text) } else { item.text }
  }
}

#let piece(p) = {
  if p.type == "text" { p.text }
  else if p.type == "cites" { cites(p.items) }
  else if p.type == "link" { link(p.url, p.text) }
}

#for b in data.blocks {
  if b.type == "heading" {
    heading(level: b.level, b.text)
  } else if b.type == "par" {
    par(text(size: b.size * 1pt, weight: if b.bold { "bold" } else { "regular" },
      for p in b.pieces { piece(p) }))
  } else if b.type == "list" {
    list(..b.items.map(i => for p in i { piece(p) }))
  } else if b.type == "source" {
    [#par(text(weight: "bold", b.text)) #label(b.anchor)]
    par(text(size: 9pt, b.line))
  }
}
"""


def _text(text: str) -> dict[str, Any]:
    """A run of text, its white space squeezed (a space at either end kept: runs join)."""
    return {"type": "text", "text": re.sub(r"\s+", " ", text)}


class _Writer:
    """The story as the template's data: headings, paragraphs, lists and sources in order."""

    def __init__(self, story: Story, lang: Lang) -> None:
        self.story = story
        self.lang = lang
        self.w = WORDS[lang]
        self.cited = {e.anchor for e in story.sources}
        self.blocks: list[dict[str, Any]] = []

    def heading(self, text: str, level: int) -> None:
        self.blocks.append({"type": "heading", "level": level, "text": " ".join(text.split())})

    def paragraph(
        self, *pieces: dict[str, Any] | str, size: float = 10, bold: bool = False
    ) -> None:
        parts = [_text(p) if isinstance(p, str) else p for p in pieces]
        self.blocks.append({"type": "par", "pieces": parts, "size": size, "bold": bold})

    def cites(self, events: list[StoryEvent]) -> dict[str, Any]:
        items = [
            {"text": event_label(e), "anchor": e.anchor if e.anchor in self.cited else None}
            for e in events
        ]
        return {"type": "cites", "items": items}

    def factors(self, heading: str, factors: list[StoryFactor]) -> None:
        if not factors:
            return
        self.paragraph(heading, bold=True)
        items = []
        for f in factors:
            item = [_text(f"{f.description} ({label(f.origin, self.lang)})")]
            if f.events:
                item += [_text(" ["), self.cites(f.events), _text("]")]
            for said, event in linked_to(f, self.lang):  # what it came from (H8)
                item += [_text(f"; {self.w['linked_to']}: {said} ["), self.cites([event])]
                item += [_text("]")]
            items.append(item)
        self.blocks.append({"type": "list", "items": items})

    def snapshot(self, s: Snapshot) -> None:
        w, lang = self.w, self.lang
        self.paragraph(f"{w['on_the_date']} ({long_date(s.on, lang)})", bold=True)
        ladder = "; ".join(
            f"{p.name}: {w['rung']} {p.rung.value} ({rung_label(p.rung, lang)})" for p in s.partners
        )
        self.paragraph(f"{w['ladder']}: {ladder or w['no_partners']}", size=9)
        spread = ", ".join(f"{rung}: {count}" for rung, count in sorted(s.distribution.items()))
        self.paragraph(f"{w['distribution']}: {spread}", size=9)
        held = "; ".join(f"{label(h.role, lang)}: {h.person_name or w['vacant']}" for h in s.roles)
        self.paragraph(f"{w['roles']}: {held or w['no_roles']}", size=9)

    def entry(self, entry: StoryEntry) -> None:
        w = self.w
        self.heading(f"{long_date(entry.valid_on, self.lang)}: {entry.title}", 3)
        self.paragraph(told(entry, self.lang))
        self.paragraph(f"{w['milestone_events']}: ", self.cites(entry.events), size=9)
        link = web_link(entry.link)
        if link:
            self.paragraph(f"{w['link']}: ", {"type": "link", "url": link, "text": link}, size=9)
        elif entry.link:  # not a web address (javascript:, data:): text, no link action
            self.paragraph(f"{w['link']}: {entry.link}", size=9)
        if entry.document_ref:
            self.paragraph(f"{w['document_ref']}: {entry.document_ref}", size=9)
        self.factors(w["promoting"], entry.promoting)
        self.factors(w["barriers"], entry.barriers)
        self.snapshot(entry.snapshot)

    def sources(self) -> None:
        w = self.w
        self.heading(w["sources"], 2)
        self.paragraph(w["sources_intro"], size=9)
        if not self.story.sources:
            self.paragraph(w["no_sources"])
        for e in self.story.sources:
            line = (
                f"{kind(e, self.lang)} · {w['valid_on']} {day(e.valid_on, self.lang)} ·"
                f" {w['recorded_at']} {moment(e.recorded_at, self.lang)} ·"
                f" {w['recorded_by']} {e.recorded_by}"
            )
            if e.notification_id is not None:
                line += f" · {w['version']} {e.notification_id}"
            if e.reason:
                line += f" · {w['reason']}: {e.reason}"
            self.blocks.append(
                {
                    "type": "source",
                    "anchor": e.anchor,
                    "text": " ".join(f"{event_label(e)}: {e.summary}".split()),
                    "line": " ".join(line.split()),
                }
            )

    def data(self) -> dict[str, Any]:
        story, lang, w = self.story, self.lang, self.w
        heading = title(story, lang)
        self.heading(heading, 1)
        self.paragraph(dating(story, lang))
        self.paragraph(told(story, lang), size=11)
        self.heading(w["timeline"], 2)
        entries = timeline(story)
        if not entries:
            self.paragraph(w["no_milestones"])
        for n, e in enumerate(entries, start=1):
            self.paragraph(
                f"{n}. {long_date(e.valid_on, lang)} {label(e.dimension, lang)},"
                f" {label(e.status, lang)}: {e.title}"
            )
        for d in story.dimensions:
            self.heading(dimension_heading(d.dimension, d.status, lang), 2)
            self.paragraph(told(d, lang))
            for entry in d.entries:
                self.entry(entry)
        self.heading(w["unlinked"], 2)
        if story.unlinked_factors:
            unlinked = story.unlinked_factors
            self.factors(w["promoting"], [f for f in unlinked if f.effect is PROMOTING])
            self.factors(w["barriers"], [f for f in unlinked if f.effect is not PROMOTING])
        else:
            self.paragraph(w["no_unlinked"])
        self.sources()
        return {
            "lang": lang.value,
            "title": " ".join(heading.split()),
            "subject": " ".join(told(story, lang).split()),
            "footer": " ".join(dating(story, lang).split()),
            "page": w["page"],
            "fonts": list(FONTS),
            "blocks": self.blocks,
        }


def render_pdf(story: Story, lang: Lang = Lang.DA) -> bytes:
    """The story as a tagged PDF/UA-1 document; the same story gives the same bytes."""
    fonts = [str(FONT_DIRECTORY)] if FONT_DIRECTORY.is_dir() else []
    document = _compile(
        TEMPLATE.encode(),
        font_paths=fonts,
        ignore_system_fonts=True,
        sys_inputs={"story": json.dumps(_Writer(story, lang).data(), ensure_ascii=False)},
        pdf_standards=["ua-1"],
        timestamp=int(_EPOCH.timestamp()),
    )
    assert isinstance(document, bytes)
    return document
