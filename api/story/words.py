"""What the story documents say around the story's own sentences, in Danish and English."""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

from aggregates.dates import danish_date, danish_time
from aggregates.taxonomy import Dimension, Labelled, Rung
from api.exports import Lang
from projections.story import (
    RUNG_EN,
    Story,
    StoryEntry,
    StoryEvent,
    StoryFactor,
    date_da,
    date_en,
    label_en,
)

EN_DASH = "\u2013"

WORDS: dict[Lang, dict[str, str]] = {
    Lang.DA: {
        "document": "Forankringshistorie",
        "as_of": "Pr.",
        "known_at": "Som registret kendte det",
        "contents": "Indhold",
        "summary": "Sammenfatning",
        "promoting": "Fremmende faktorer",
        "barriers": "Hæmmende faktorer",
        "on_the_date": "Partnerskabet på datoen",
        "ladder": "Partnerskabstrappen",
        "roles": "Roller",
        "vacant": "ledig",
        "no_partners": "Ingen partnere på trappen.",
        "no_roles": "Ingen roller.",
        "sources": "Kilder: hændelser i registret",
        "sources_intro": (
            "Hver hændelse er registreret i Tværs. Nr. er hændelsens nummer i partnerskabets "
            "egen historik (det samme på siden og i alle udgaver af historien); løbenr. er "
            "dens plads i hele hændelsesloggen. Tider er dansk tid."
        ),
        "event_no": "Nr.",
        "version": "Løbenr.",
        "timeline": "Milepæle i datoorden",
        "no_milestones": "Ingen milepæle på datoen.",
        "local_time": "dansk tid",
        "event": "Hændelse",
        "valid_on": "Gyldig fra",
        "recorded_at": "Registreret",
        "recorded_by": "Af",
        "reason": "Begrundelse",
        "evidence_from": "Kilde",
        "link": "Link",
        "document_ref": "Dokument",
        "unlinked": "Faktorer uden kobling til en milepæl",
        "no_unlinked": "Alle faktorer er koblet til en milepæl.",
        "no_sources": "Ingen hændelser.",
        "rung": "trin",
        "distribution": "Fordeling på trin",
        "page": "Side",
        "milestone_events": "Milepælens hændelser",
        "linked_to": "knyttet til",
        "made_by": "Dannet af Tværs",
    },
    Lang.EN: {
        "document": "Anchoring story",
        "as_of": "As of",
        "known_at": "As the registry knew it at",
        "contents": "Contents",
        "summary": "Summary",
        "promoting": "Promoting factors",
        "barriers": "Barriers",
        "on_the_date": "The partnership on the date",
        "ladder": "Partnership ladder",
        "roles": "Roles",
        "vacant": "vacant",
        "no_partners": "No partners on the ladder.",
        "no_roles": "No roles.",
        "sources": "Sources: events in the registry",
        "sources_intro": (
            "Every event is recorded in Tværs. No. is the event's number in the "
            "partnership's own history (the same on the page and in every form of the "
            "story); log no. is its place in the whole event log. Times are Danish time."
        ),
        "event_no": "No.",
        "version": "Log no.",
        "timeline": "Milestones in date order",
        "no_milestones": "No milestones on the date.",
        "local_time": "Danish time",
        "event": "Event",
        "valid_on": "Valid from",
        "recorded_at": "Recorded",
        "recorded_by": "By",
        "reason": "Reason",
        "evidence_from": "Source",
        "link": "Link",
        "document_ref": "Document",
        "unlinked": "Factors not linked to a milestone",
        "no_unlinked": "Every factor is linked to a milestone.",
        "no_sources": "No events.",
        "rung": "rung",
        "distribution": "Partners per rung",
        "page": "Page",
        "milestone_events": "The milestone's events",
        "linked_to": "linked to",
        "made_by": "Made by Tværs",
    },
}


class _Told(Protocol):
    @property
    def text_da(self) -> str: ...

    @property
    def text_en(self) -> str: ...


def told(item: _Told, lang: Lang) -> str:
    """The story's own sentence for an item, in the language."""
    return item.text_en if lang is Lang.EN else item.text_da


def label(value: Labelled, lang: Lang) -> str:
    return label_en(value) if lang is Lang.EN else value.label_da


def rung_label(rung: Rung, lang: Lang) -> str:
    return RUNG_EN[rung] if lang is Lang.EN else rung.label_da


def long_date(day: date, lang: Lang) -> str:
    return date_en(day) if lang is Lang.EN else date_da(day)


def moment(at: datetime, lang: Lang = Lang.DA) -> str:
    """A recorded time, to the minute, in Danish time (said so)."""
    return f"{danish_time(at)} ({WORDS[lang]['local_time']})"


def day(value: date, lang: Lang) -> str:
    """A date in a table: dd.mm.åååå in Danish, ISO in English."""
    return value.isoformat() if lang is Lang.EN else danish_date(value)


def kind(event: StoryEvent, lang: Lang) -> str:
    """The kind of event in words (never the event class's English name in Danish)."""
    return event.kind_en if lang is Lang.EN else event.kind_da


def timeline(story: Story) -> list[StoryEntry]:
    """Every milestone told, in date order (then in the dimensions' order)."""
    entries = [entry for d in story.dimensions for entry in d.entries]
    return sorted(entries, key=lambda entry: entry.valid_on)


def dimension_heading(dimension: Dimension, status: Labelled, lang: Lang) -> str:
    return f"{label(dimension, lang).capitalize()} {EN_DASH} {label(status, lang)}"


def sentence(event: StoryEvent, lang: Lang) -> str:
    """The event's history sentence in the language (Danish when no English is kept)."""
    return event.summary_en if lang is Lang.EN and event.summary_en else event.summary


def linked_to(factor: StoryFactor, lang: Lang) -> list[tuple[str, StoryEvent]]:
    """What a factor is linked to besides milestones: each event's sentence and the event
    (cited by its number, `event_label`)."""
    return [(sentence(e, lang), e) for e in factor.linked]


def event_label(event: StoryEvent) -> str:
    """How a citation names an event, in every form: `StoryEvent.ref` ("#23")."""
    return event.ref


def title(story: Story, lang: Lang) -> str:
    return f"{WORDS[lang]['document']}: {story.title}"


def dating(story: Story, lang: Lang) -> str:
    """The line under the title: municipality, valid date and recorded time."""
    w = WORDS[lang]
    line = f"{story.municipality} · {w['as_of']} {long_date(story.as_of, lang)}"
    if story.known_at is not None:
        line += f" · {w['known_at']} {moment(story.known_at, lang)}"
    return line
