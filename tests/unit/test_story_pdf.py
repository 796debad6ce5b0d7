"""The anchoring story as an accessible PDF (issue 16): read back with pikepdf.

Tagged (a structure tree in reading order, MarkInfo Marked, the language, the title shown
in the window), every font embedded, bookmarks for the sections and milestones, internal
links from each citation to its source, and the same bytes for the same story.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pikepdf
import pytest

from api.exports import Lang
from api.story import pdf as pdf_module
from api.story import render_pdf
from projections.story import Story
from tests.pdf_text import shown_text
from tests.unit.test_story_documents import DASH, story

__all__ = ["story"]  # the fixture, made here by hand (tests/unit/test_story_documents.py)


def _open(document: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(document))


def _elements(node: pikepdf.Object) -> Iterator[pikepdf.Object]:
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
            yield kid
            yield from _elements(kid)


def test_the_pdf_is_tagged_with_language_title_outline_and_embedded_fonts(story: Story) -> None:
    pdf = _open(render_pdf(story))
    root = pdf.Root

    assert bool(root.MarkInfo.Marked)
    assert str(root.Lang) == "da"
    title = f"Forankringshistorie: Sundhed i beskæftigelsesindsatsen {DASH} København"
    assert str(pdf.docinfo.Title) == title
    assert bool(root.ViewerPreferences.DisplayDocTitle)
    # The structure tree: the title as H1, the sections as H2, each milestone as H3, in
    # reading order, with paragraphs, lists and links.
    elements = list(_elements(root.StructTreeRoot))
    headings = [
        (str(e.S), str(e.get("/T", ""))) for e in elements if re.fullmatch(r"/H\d", str(e.S))
    ]
    assert headings[0] == ("/H1", title)
    assert ("/H2", "Milepæle i datoorden") in headings
    assert ("/H2", f"Metode {DASH} forankret") in headings
    milestone = f"01.12.2021: Værktøjssamling {DASH} fem metoder <script>alert(1)</script>"
    assert ("/H3", milestone) in headings
    assert headings[-1] == ("/H2", "Kilder: hændelser i registret")
    kinds = {str(e.S) for e in elements}
    assert {"/P", "/L", "/LI", "/Link"} <= kinds
    # Every font is embedded (a TrueType subset).
    fonts = [font for page in pdf.pages for font in page.Resources.Font.values()]
    assert fonts
    for font in fonts:
        descriptor = (
            font.DescendantFonts[0] if "/DescendantFonts" in font else font
        ).FontDescriptor
        assert "/FontFile2" in descriptor
    # Bookmarks: the title, its sections, the milestone under its dimension.
    with pdf.open_outline() as outline:
        top = outline.root[0]
        assert top.title == title
        sections = {item.title: [c.title for c in item.children] for item in top.children}
    assert sections[f"Metode {DASH} forankret"] == [milestone]
    assert "Kilder: hændelser i registret" in sections
    # Each citation is a link within the document (to its source line).
    links = [a for page in pdf.pages for a in page.get("/Annots", []) if a.Subtype == "/Link"]
    assert any("/Dest" in a or ("/A" in a and a.A.S == "/GoTo") for a in links)


def test_the_pdf_holds_the_story_with_danish_letters_and_the_en_dash(story: Story) -> None:
    document = render_pdf(story)

    assert document.startswith(b"%PDF-")
    assert document.rstrip().endswith(b"%%EOF")
    shown = shown_text(document)
    assert f"Værktøjssamling {DASH} fem metoder <script>alert(1)</script>" in shown
    assert "Søren Ærø" in shown
    assert "#43: Rettelse af milepæl" in shown
    assert "Gyldig fra 01.12.2021" in shown
    assert "Partnerskabstrappen: Jobcenter København" in shown


def test_the_english_pdf_says_en_and_the_same_story_gives_the_same_bytes(story: Story) -> None:
    english = render_pdf(story, Lang.EN)

    pdf = _open(english)
    assert str(pdf.Root.Lang) == "en"
    assert str(pdf.docinfo.Title).startswith("Anchoring story: ")
    assert render_pdf(story, Lang.EN) == english
    assert render_pdf(story) != english


@pytest.mark.parametrize("title", ["#set page(width: 1pt) *bold* $x$ <b> \\ ] [", "[", "\u202e"])
def test_text_is_never_read_as_markup(story: Story, title: str) -> None:
    document = render_pdf(msgspec.structs.replace(story, title=title))

    assert title.strip() in str(_open(document).docinfo.Title)


def test_without_debians_dejavu_the_font_inside_typst_is_embedded(
    story: Story, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf_module, "FONT_DIRECTORY", tmp_path / "none")

    pdf = _open(render_pdf(story))
    fonts = [font for page in pdf.pages for font in page.Resources.Font.values()]
    assert fonts
    for font in fonts:
        assert "DejaVuSansMono" in str(font.BaseFont)
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor
    assert "Søren Ærø" in shown_text(render_pdf(story))


def test_runs_of_text_keep_the_space_that_joins_them(story: Story) -> None:
    """ "Milepælens hændelser: #26", not "hændelser:#26" (a run's edge space is kept)."""
    blocks = pdf_module._Writer(story, Lang.DA).data()["blocks"]
    pieces = [p for b in blocks if b["type"] == "par" for p in b["pieces"]]
    assert {"type": "text", "text": "Milepælens hændelser: "} in pieces
    items = [p for b in blocks if b["type"] == "list" for item in b["items"] for p in item]
    assert {"type": "text", "text": " ["} in items
