"""The anchoring story as Markdown (CommonMark with GitHub tables; anchors as HTML ids)."""

from __future__ import annotations

import re

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

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|!&])")
_NOT_IN_AUTOLINK = re.compile(r"[\s<>]")  # CommonMark: an autolink holds none of these


def md(text: str) -> str:
    """Text as it must stand in Markdown to show as itself (no markup, no raw HTML)."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _cite(events: list[StoryEvent]) -> str:
    return ", ".join(f"[{event_label(e)}](#{e.anchor})" for e in events)


def _factor(f: StoryFactor, lang: Lang) -> str:
    line = f"- {md(f.description)} ({label(f.origin, lang)})"
    line = f"{line}: {_cite(f.events)}" if f.events else line
    for said, event in linked_to(f, lang):  # the events it came from or bears on
        line += f"; {WORDS[lang]['linked_to']}: {md(said)} ({_cite([event])})"
    return line


def _snapshot(s: Snapshot, lang: Lang) -> list[str]:
    w = WORDS[lang]
    lines = [f"**{w['on_the_date']} ({long_date(s.on, lang)})**", ""]
    if s.partners:
        ladder = "; ".join(
            f"{md(p.name)}: {w['rung']} {p.rung.value} ({rung_label(p.rung, lang)})"
            for p in s.partners
        )
        lines.append(f"- {w['ladder']}: {ladder}")
    else:
        lines.append(f"- {w['ladder']}: {w['no_partners']}")
    spread = ", ".join(f"{rung}: {count}" for rung, count in sorted(s.distribution.items()))
    lines.append(f"- {w['distribution']}: {spread}")
    if s.roles:
        held = "; ".join(
            f"{label(h.role, lang)}: {md(h.person_name) if h.person_name else w['vacant']}"
            for h in s.roles
        )
        lines.append(f"- {w['roles']}: {held}")
    else:
        lines.append(f"- {w['roles']}: {w['no_roles']}")
    return lines


def _entry(entry: StoryEntry, lang: Lang) -> list[str]:
    w = WORDS[lang]
    lines = [
        f'<a id="{entry.anchor}"></a>',
        "",
        f"### {long_date(entry.valid_on, lang)}: {md(entry.title)}",
        "",
        md(told(entry, lang)),
        "",
        f"{w['milestone_events']}: {_cite(entry.events)}",
    ]
    link = web_link(entry.link)
    if link and not _NOT_IN_AUTOLINK.search(link):
        lines += ["", f"{w['link']}: <{link}>"]
    elif entry.link:  # not a web address, or not one an autolink can hold: text only
        lines += ["", f"{w['link']}: {md(entry.link)}"]
    if entry.document_ref:
        lines += ["", f"{w['document_ref']}: {md(entry.document_ref)}"]
    for heading, factors in ((w["promoting"], entry.promoting), (w["barriers"], entry.barriers)):
        if factors:
            lines += ["", f"**{heading}**", "", *(_factor(f, lang) for f in factors)]
    return [*lines, "", *_snapshot(entry.snapshot, lang), ""]


def _cell(text: str) -> str:
    return md(text).replace("\n", " ")


def _sources(story: Story, lang: Lang) -> list[str]:
    w = WORDS[lang]
    lines = [f"## {w['sources']}", "", w["sources_intro"], ""]
    if not story.sources:
        return [*lines, w["no_sources"], ""]
    lines += [
        f"| {w['event_no']} | {w['version']} | {w['event']} | {w['valid_on']} |"
        f" {w['recorded_at']} | {w['recorded_by']} | {w['reason']} |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for e in story.sources:
        lines.append(
            f'| <a id="{e.anchor}"></a>{event_label(e)} | {e.notification_id or ""} |'
            f" {_cell(e.summary)} ({kind(e, lang)}) | {day(e.valid_on, lang)} |"
            f" {moment(e.recorded_at, lang)} | {_cell(e.recorded_by)} | {_cell(e.reason or '')} |"
        )
    return [*lines, ""]


def render_markdown(story: Story, lang: Lang = Lang.DA) -> str:
    w = WORDS[lang]
    lines = [
        f"# {md(title(story, lang))}",
        "",
        md(dating(story, lang)),
        "",
        md(told(story, lang)),
        "",
        f"## {w['timeline']}",
        "",
        *(
            f"{n}. {long_date(e.valid_on, lang)} {label(e.dimension, lang)},"
            f" {label(e.status, lang)}: [{md(e.title)}](#{e.anchor})"
            for n, e in enumerate(timeline(story), start=1)
        ),
        *([] if timeline(story) else [w["no_milestones"]]),
        "",
    ]
    for dimension in story.dimensions:
        lines += [
            f"## {dimension_heading(dimension.dimension, dimension.status, lang)}",
            "",
            md(told(dimension, lang)),
            "",
        ]
        for entry in dimension.entries:
            lines += _entry(entry, lang)
    lines += [f"## {w['unlinked']}", ""]
    if story.unlinked_factors:
        lines += [*(_factor(f, lang) for f in story.unlinked_factors), ""]
    else:
        lines += [w["no_unlinked"], ""]
    lines += _sources(story, lang)
    return "\n".join(lines).rstrip() + "\n"
