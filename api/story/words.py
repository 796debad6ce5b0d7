"""What the story documents say around the story's own sentences, in Danish and English."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

from aggregates.taxonomy import Dimension, Labelled, Rung
from api.exports import Lang
from projections.story import RUNG_EN, Story, StoryEvent, date_da, date_en, label_en

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
            "Hver hændelse er registreret i Tværs. Nr. er hændelsens nummer i hele "
            "hændelsesloggen; version er dens nummer i partnerskabets egen historik."
        ),
        "event_no": "Nr.",
        "version": "Version",
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
            "Every event is recorded in Tværs. No. is the event's number in the whole "
            "event log; version is its number in the partnership's own history."
        ),
        "event_no": "No.",
        "version": "Version",
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


def moment(at: datetime) -> str:
    """A recorded time, to the minute, in UTC."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def dimension_heading(dimension: Dimension, status: Labelled, lang: Lang) -> str:
    return f"{label(dimension, lang).capitalize()} {EN_DASH} {label(status, lang)}"


def event_label(event: StoryEvent) -> str:
    """How a citation names an event: its notification id (else its version)."""
    return f"#{event.notification_id}" if event.notification_id is not None else f"v{event.version}"


def title(story: Story, lang: Lang) -> str:
    return f"{WORDS[lang]['document']}: {story.title}"


def dating(story: Story, lang: Lang) -> str:
    """The line under the title: municipality, valid date and recorded time."""
    w = WORDS[lang]
    line = f"{story.municipality} · {w['as_of']} {long_date(story.as_of, lang)}"
    if story.known_at is not None:
        line += f" · {w['known_at']} {moment(story.known_at)}"
    return line
