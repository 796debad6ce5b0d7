"""The anchoring story as Markdown, HTML and PDF: one story made by hand, every format.

No I/O: the story is a struct built here, with Danish letters, an en dash and text that
would be markup if it were not escaped.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from uuid import UUID

import pytest

from aggregates.taxonomy import (
    AnchoringStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    RoleKind,
    Rung,
)
from api.exports import Lang
from api.story import render_html, render_markdown
from projections.ladder import PartnerRung
from projections.roles import RoleHolding
from projections.story import (
    KIND_WORDS,
    DimensionStory,
    Snapshot,
    Story,
    StoryEntry,
    StoryEvent,
    StoryFactor,
    entry_text_da,
    entry_text_en,
    event_ref,
)

PARTNERSHIP = UUID("00000000-0000-4000-8000-000000000001")
MILESTONE = UUID("00000000-0000-4000-8000-000000000002")
FACTOR = UUID("00000000-0000-4000-8000-000000000003")
BARRIER = UUID("00000000-0000-4000-8000-000000000004")
AT = datetime(2024, 5, 2, 9, 30, tzinfo=UTC)
DASH = "\u2013"  # the en dash
TITLE = f"Værktøjssamling {DASH} fem metoder <script>alert(1)</script>"


def event(version: int, notification_id: int, kind: str, summary: str) -> StoryEvent:
    return StoryEvent(
        anchor=f"h{version}",
        notification_id=notification_id,
        version=version,
        kind=kind,
        ref=event_ref(version),
        kind_da=KIND_WORDS[kind][0],
        kind_en=KIND_WORDS[kind][1],
        summary=summary,
        recorded_at=AT,
        recorded_by="demo-kbh",
        valid_on=date(2021, 12, 1),
        reason="Titlen præciseret" if kind == "MilestoneCorrected" else None,
    )


RECORDED = event(26, 131, "MilestoneRecorded", "Forankring (metode, forankret): Værktøjssamling")
CORRECTED = event(43, 148, "MilestoneCorrected", "Rettelse af milepæl (hændelse 26)")
FACTOR_EVENT = event(29, 134, "FactorRecorded", "Faktor (fremmende): Rygeloven")
BARRIER_EVENT = event(35, 140, "FactorRecorded", "Faktor (hæmmende): Modstand hos medarbejderne")


def factor(
    factor_id: UUID, effect: FactorEffect, description: str, source: StoryEvent
) -> StoryFactor:
    return StoryFactor(
        factor_id=factor_id,
        origin=FactorOrigin.EXTERNAL if effect is FactorEffect.PROMOTING else FactorOrigin.INTERNAL,
        origin_label="ekstern" if effect is FactorEffect.PROMOTING else "intern",
        effect=effect,
        effect_label=effect.label_da,
        description=description,
        valid_on=date(2022, 3, 15),
        recorded_by="demo-kbh",
        events=[source],
    )


def entry() -> StoryEntry:
    made = StoryEntry(
        anchor=f"m{MILESTONE}",
        milestone_id=MILESTONE,
        valid_on=date(2021, 12, 1),
        dimension=Dimension.METHOD,
        previous_status=AnchoringStatus.NONE,
        status=AnchoringStatus.ANCHORED,
        status_label="forankret",
        title=TITLE,
        evidence="Fem *konkrete* metoder & en casebeskrivelse",
        link="javascript:alert(1)",
        document_ref="seeds/001 (COWI)",
        recorded_by="demo-kbh",
        corrected=True,
        text_da="",
        text_en="",
        events=[RECORDED, CORRECTED],
        promoting=[factor(FACTOR, FactorEffect.PROMOTING, "Rygeloven", FACTOR_EVENT)],
        barriers=[
            factor(BARRIER, FactorEffect.BARRIER, "Modstand hos medarbejderne", BARRIER_EVENT)
        ],
        snapshot=Snapshot(
            on=date(2021, 12, 1),
            partners=[
                PartnerRung(
                    organisation_id=UUID(int=5),
                    name="Jobcenter København",
                    rung=Rung.INFORMAL_COOPERATION,
                    since=date(2020, 2, 1),
                    evidence="",
                    agreement_id=None,
                )
            ],
            distribution={1: 0, 2: 0, 3: 0, 4: 1, 5: 0, 6: 0},
            roles=[
                RoleHolding(
                    position_id=UUID(int=6),
                    role=RoleKind.COORDINATOR,
                    activity_id=None,
                    person_id=UUID(int=7),
                    person_name="Søren Ærø",
                    organisation_id=None,
                    organisation_name=None,
                    since=date(2019, 4, 1),
                ),
                RoleHolding(
                    position_id=UUID(int=8),
                    role=RoleKind.RECRUITER,
                    activity_id=None,
                    person_id=None,
                    person_name=None,
                    organisation_id=None,
                    organisation_name=None,
                    since=date(2021, 1, 1),
                ),
            ],
            vacant_roles=1,
            text_da="",
            text_en="",
        ),
    )
    made.text_da = entry_text_da(made)
    made.text_en = entry_text_en(made)
    return made


@pytest.fixture
def story() -> Story:
    dimensions = [
        DimensionStory(
            dimension=dimension,
            label=dimension.label_da,
            status=AnchoringStatus.ANCHORED
            if dimension is Dimension.METHOD
            else AnchoringStatus.NONE,
            status_label="forankret" if dimension is Dimension.METHOD else "ingen",
            since=date(2021, 12, 1) if dimension is Dimension.METHOD else None,
            text_da=f"{dimension.label_da.capitalize()}: status.",
            text_en=f"{dimension.value.capitalize()}: status.",
            entries=[entry()] if dimension is Dimension.METHOD else [],
        )
        for dimension in Dimension
    ]
    return Story(
        partnership_id=PARTNERSHIP,
        title=f"Sundhed i beskæftigelsesindsatsen {DASH} København",
        municipality="København",
        as_of=date(2026, 6, 30),
        known_at=None,
        anchored=[Dimension.METHOD],
        text_da="Forankret på 1 af 7 dimensioner: metode.",
        text_en="Anchored on 1 of 7 dimensions: method.",
        dimensions=dimensions,
        unlinked_factors=[],
        sources=[RECORDED, FACTOR_EVENT, BARRIER_EVENT, CORRECTED],
    )


def test_the_sentences_tell_the_change_of_status_in_danish_and_english() -> None:
    told = entry()
    assert told.text_da == (
        f"Den 01.12.2021 gik dimensionen metode fra ingen til forankret: {TITLE}."
        " Dokumentation: Fem *konkrete* metoder & en casebeskrivelse."
        " Milepælen er rettet efter registreringen."
    )
    assert told.text_en.startswith(
        "On 1 December 2021 the method dimension went from none to anchored: "
    )


def test_markdown_has_headings_anchors_and_citations_and_escapes_the_text(story: Story) -> None:
    text = render_markdown(story)

    assert text.startswith(
        f"# Forankringshistorie: Sundhed i beskæftigelsesindsatsen {DASH} København\n"
    )
    assert f"## Metode {DASH} forankret" in text
    assert f"## Politisk {DASH} ingen" in text
    assert f'<a id="m{MILESTONE}"></a>' in text
    assert f"### 01.12.2021: Værktøjssamling {DASH} fem metoder \\<script\\>" in text
    assert "<script>" not in text  # ...but the title's markup is
    assert "Fem \\*konkrete\\* metoder \\& en casebeskrivelse" in text
    assert "Milepælens hændelser: [#26](#h26), [#43](#h43)" in text
    assert "- Rygeloven (ekstern): [#29](#h29)" in text
    assert "**Hæmmende faktorer**" in text
    assert "- Partnerskabstrappen: Jobcenter København: trin 4 (uformelt samarbejde)" in text
    assert "- Roller: tovholder: Søren Ærø; rekrutterer: ledig" in text
    # Only web links are links; one stored before input refused it is shown as text.
    assert "<javascript:" not in text
    assert "](javascript:" not in text
    assert "\nLink: javascript:alert(1)\n" in text  # plain text: no Markdown autolink
    # Every citation points to a row of the sources table.
    targets = set(re.findall(r"\]\(#(h\d+)\)", text))
    anchors = set(re.findall(r'<a id="(h\d+)"></a>', text))
    assert targets == anchors == {"h26", "h29", "h35", "h43"}
    assert '| <a id="h43"></a>#43 | 148 | Rettelse af milepæl' in text
    assert "| Titlen præciseret |" in text
    english = render_markdown(story, Lang.EN)
    assert english.startswith("# Anchoring story: ")
    assert f"## Method {DASH} anchored" in english
    assert "**Barriers**" in english


class _Outline(HTMLParser):
    """What an accessibility check looks at: language, headings, ids, links, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.lang: str | None = None
        self.headings: list[str] = []
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.scripts = 0
        self._heading: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang")
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if tag == "script":
            self.scripts += 1
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._text = tag, []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._heading:
            self.headings.append(f"{tag}:{''.join(self._text).strip()}")
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading:
            self._text.append(data)


def test_html_is_one_accessible_printable_document_with_working_links(story: Story) -> None:
    page = render_html(story)
    outline = _Outline()
    outline.feed(page)

    assert page.startswith("<!DOCTYPE html>\n")
    assert outline.lang == "da"
    assert outline.scripts == 0  # the title's <script> is text, not an element
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert outline.headings[0] == (
        f"h1:Forankringshistorie: Sundhed i beskæftigelsesindsatsen {DASH} København"
    )
    assert f"h2:Metode {DASH} forankret" in outline.headings
    assert f"h3:01.12.2021: {TITLE}" in outline.headings
    assert "h4:Fremmende faktorer" in outline.headings
    # Every internal link lands on an element with that id; no javascript: link.
    internal = [link[1:] for link in outline.links if link.startswith("#")]
    assert set(internal) <= outline.ids
    assert {"h26", "h29", "h35", "h43"} <= set(internal)
    assert all(not link.startswith("javascript") for link in outline.links)
    assert '<time datetime="2021-12-01">01.12.2021</time>' in page
    assert "@media print" in page
    assert "<em>ledig</em>" in page
    assert 'aria-label="hændelse #43"' in page
    english = render_html(story, Lang.EN)
    assert '<html lang="en">' in english
    assert "<em>vacant</em>" in english


# The PDF: tests/unit/test_story_pdf.py (its text, structure tree, fonts and outline).
