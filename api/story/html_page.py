"""The anchoring story as one self-contained, printable and accessible HTML document.

No scripts, no external files: the style sheet is inline (screen and print). Headings
follow the story (dimension, then milestone); each sentence cites its events by links to
the sources table at the end, whose rows carry the events' ids.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

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

_STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  line-height: 1.5; color: #1a1a1a; background: #fff; margin: 0 auto; max-width: 52rem;
  padding: 1.5rem; }
h1 { font-size: 1.8rem; margin-bottom: .25rem; }
h2 { font-size: 1.4rem; border-bottom: 2px solid #1f4e79; padding-bottom: .2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-bottom: .3rem; }
.dating { color: #404040; margin-top: 0; }
a { color: #0b4f8a; }
a:focus-visible { outline: 3px solid #c45500; outline-offset: 2px; }
article { border-left: 4px solid #1f4e79; padding: .1rem 0 .4rem 1rem; margin: 1.2rem 0; }
.status { font-weight: 600; }
.cites { font-size: .95rem; color: #303030; }
.state { background: #f3f6f9; border: 1px solid #c9d3dd; padding: .5rem .8rem; }
.state h4 { margin: 0 0 .3rem 0; font-size: 1rem; }
.factors h4 { margin: .6rem 0 .2rem 0; font-size: 1rem; }
ul { margin: .2rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid #9aa5b1; padding: .25rem .4rem; text-align: left;
  vertical-align: top; }
th { background: #e4eaf0; }
tr:target { background: #fff3c4; }
footer { margin-top: 2rem; color: #404040; font-size: .85rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  article, .state, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  @page { margin: 18mm 16mm; }
}
"""

# The document is self-contained (saved, mailed, archived), so its style is inline. The
# service's Content-Security-Policy allows exactly this block by its hash
# (api/security_headers.py); nothing else inline runs or styles.
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode() + "'"


def _e(text: str) -> str:
    return escape(text, quote=True)


def _cite(events: list[StoryEvent], lang: Lang) -> str:
    names = WORDS[lang]["event"].lower()
    return ", ".join(
        f'<a href="#{_e(e.anchor)}" aria-label="{_e(names)} {_e(event_label(e))}">'
        f"{_e(event_label(e))}</a>"
        for e in events
    )


def _linked(f: StoryFactor, lang: Lang) -> str:
    """What the factor came from or bears on: each event's sentence, cited by its number."""
    return "".join(
        f"; {_e(WORDS[lang]['linked_to'])}: {_e(said)}"
        f' <span class="cites">[{_cite([event], lang)}]</span>'
        for said, event in linked_to(f, lang)
    )


def _factors(heading: str, factors: list[StoryFactor], lang: Lang) -> str:
    if not factors:
        return ""
    items = "".join(
        f"<li>{_e(f.description)} ({_e(label(f.origin, lang))})"
        + (f' <span class="cites">[{_cite(f.events, lang)}]</span>' if f.events else "")
        + _linked(f, lang)
        + "</li>"
        for f in factors
    )
    return f"<h4>{_e(heading)}</h4><ul>{items}</ul>"


def _snapshot(s: Snapshot, lang: Lang) -> str:
    w = WORDS[lang]
    if s.partners:
        ladder = "".join(
            f"<li>{_e(p.name)}: {_e(w['rung'])} {p.rung.value}"
            f" ({_e(rung_label(p.rung, lang))})</li>"
            for p in s.partners
        )
        ladder_html = f"<ul>{ladder}</ul>"
    else:
        ladder_html = f"<p>{_e(w['no_partners'])}</p>"
    spread = ", ".join(f"{rung}: {count}" for rung, count in sorted(s.distribution.items()))
    if s.roles:
        roles = "".join(
            f"<li>{_e(label(h.role, lang))}: "
            + (_e(h.person_name) if h.person_name else f"<em>{_e(w['vacant'])}</em>")
            + "</li>"
            for h in s.roles
        )
        roles_html = f"<ul>{roles}</ul>"
    else:
        roles_html = f"<p>{_e(w['no_roles'])}</p>"
    return (
        '<section class="state">'
        f'<h4>{_e(w["on_the_date"])} (<time datetime="{s.on.isoformat()}">'
        f"{_e(long_date(s.on, lang))}</time>)</h4>"
        f"<p>{_e(w['ladder'])}:</p>{ladder_html}"
        f"<p>{_e(w['distribution'])}: {_e(spread)}</p>"
        f"<p>{_e(w['roles'])}:</p>{roles_html}</section>"
    )


def _entry(entry: StoryEntry, lang: Lang) -> str:
    w = WORDS[lang]
    heading_id = f"{entry.anchor}-title"
    extra = ""
    link = web_link(entry.link)
    if link:
        extra += f'<p>{_e(w["link"])}: <a href="{_e(link)}">{_e(link)}</a></p>'
    elif entry.link:  # stored before input refused it (javascript:, data:): text only
        extra += f"<p>{_e(w['link'])}: {_e(entry.link)}</p>"
    if entry.document_ref:
        extra += f"<p>{_e(w['document_ref'])}: {_e(entry.document_ref)}</p>"
    factors = _factors(w["promoting"], entry.promoting, lang) + _factors(
        w["barriers"], entry.barriers, lang
    )
    return (
        f'<article id="{_e(entry.anchor)}" aria-labelledby="{_e(heading_id)}">'
        f'<h3 id="{_e(heading_id)}"><time datetime="{entry.valid_on.isoformat()}">'
        f"{_e(long_date(entry.valid_on, lang))}</time>: {_e(entry.title)}</h3>"
        f"<p>{_e(told(entry, lang))}</p>"
        f'<p class="cites">{_e(w["milestone_events"])}: {_cite(entry.events, lang)}</p>'
        f"{extra}"
        + (f'<div class="factors">{factors}</div>' if factors else "")
        + _snapshot(entry.snapshot, lang)
        + "</article>"
    )


def _sources(story: Story, lang: Lang) -> str:
    w = WORDS[lang]
    if not story.sources:
        return f"<p>{_e(w['no_sources'])}</p>"
    columns = ("event_no", "version", "event", "valid_on", "recorded_at", "recorded_by", "reason")
    head = "".join(f'<th scope="col">{_e(w[c])}</th>' for c in columns)
    rows = "".join(
        f'<tr id="{_e(e.anchor)}"><th scope="row">{_e(event_label(e))}</th>'
        f"<td>{e.notification_id or ''}</td>"
        f"<td>{_e(e.summary)} <small>({_e(kind(e, lang))})</small></td>"
        f'<td><time datetime="{e.valid_on.isoformat()}">{_e(day(e.valid_on, lang))}</time></td>'
        f'<td><time datetime="{_e(e.recorded_at.isoformat())}">'
        f"{_e(moment(e.recorded_at, lang))}</time></td>"
        f"<td>{_e(e.recorded_by)}</td><td>{_e(e.reason or '')}</td></tr>"
        for e in story.sources
    )
    return (
        f"<p>{_e(w['sources_intro'])}</p>"
        f"<table><caption>{_e(w['sources'])}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _timeline(story: Story, lang: Lang) -> str:
    w = WORDS[lang]
    entries = timeline(story)
    if not entries:
        return f"<p>{_e(w['no_milestones'])}</p>"
    items = "".join(
        f'<li><time datetime="{e.valid_on.isoformat()}">{_e(long_date(e.valid_on, lang))}</time>'
        f" {_e(label(e.dimension, lang))}, {_e(label(e.status, lang))}:"
        f' <a href="#{_e(e.anchor)}">{_e(e.title)}</a></li>'
        for e in entries
    )
    return f"<ol>{items}</ol>"


def render_html(story: Story, lang: Lang = Lang.DA) -> str:
    w = WORDS[lang]
    toc = f'<li><a href="#timeline">{_e(w["timeline"])}</a></li>'
    toc += "".join(
        f'<li><a href="#d-{d.dimension.value}">'
        f"{_e(dimension_heading(d.dimension, d.status, lang))}</a></li>"
        for d in story.dimensions
    )
    toc += f'<li><a href="#unlinked">{_e(w["unlinked"])}</a></li>'
    toc += f'<li><a href="#sources">{_e(w["sources"])}</a></li>'
    sections = "".join(
        f'<section id="d-{d.dimension.value}" aria-labelledby="d-{d.dimension.value}-title">'
        f'<h2 id="d-{d.dimension.value}-title">'
        f"{_e(dimension_heading(d.dimension, d.status, lang))}</h2>"
        f"<p>{_e(told(d, lang))}</p>" + "".join(_entry(e, lang) for e in d.entries) + "</section>"
        for d in story.dimensions
    )
    unlinked = (
        "<ul>"
        + "".join(
            f"<li>{_e(f.description)} ({_e(label(f.effect, lang))},"
            f" {_e(label(f.origin, lang))}) [{_cite(f.events, lang)}]{_linked(f, lang)}</li>"
            for f in story.unlinked_factors
        )
        + "</ul>"
        if story.unlinked_factors
        else f"<p>{_e(w['no_unlinked'])}</p>"
    )
    heading = title(story, lang)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang.value}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(heading)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{_e(heading)}</h1>"
        f'<p class="dating">{_e(dating(story, lang))}</p></header>\n'
        f'<nav aria-labelledby="toc-title"><h2 id="toc-title">{_e(w["contents"])}</h2>'
        f"<ol>{toc}</ol></nav>\n<main>\n"
        f'<section aria-labelledby="summary-title"><h2 id="summary-title">'
        f"{_e(w['summary'])}</h2><p>{_e(told(story, lang))}</p></section>\n"
        f'<section id="timeline" aria-labelledby="timeline-title"><h2 id="timeline-title">'
        f"{_e(w['timeline'])}</h2>{_timeline(story, lang)}</section>\n"
        f"{sections}\n"
        f'<section id="unlinked" aria-labelledby="unlinked-title">'
        f'<h2 id="unlinked-title">{_e(w["unlinked"])}</h2>{unlinked}</section>\n'
        f'<section id="sources" aria-labelledby="sources-title">'
        f'<h2 id="sources-title">{_e(w["sources"])}</h2>{_sources(story, lang)}</section>\n'
        f"</main>\n<footer><p>{_e(w['made_by'])} · {_e(dating(story, lang))}</p></footer>\n"
        "</body>\n</html>\n"
    )
