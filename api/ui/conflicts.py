"""The conflict view of a form (issue 14, finding 3; ADR 0016).

When a save is refused because someone else changed the same thing since the form was
loaded (`services.errors.EditConflict`), the form comes back with the user's input
intact and, beside it, the other person's change: who (their display name), when, and
what (the history's sentence for the event; for registry fields their value next to the
field). Two ways on, one click each: keep theirs (discard mine: back to the page, or for
the registry form, their value for the fields both changed and the rest of mine saved),
or keep mine (the form is posted again on the current version: its hidden version is
now the current one).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import msgspec
import structlog

from aggregates.dates import danish_time
from api.ui.i18n import english, translator
from projections import access as access_view
from projections import audit as audit_view
from projections.history import (
    Names,
    aggregate_of,
    aggregate_type,
    look_up,
    render,
)
from projections.store import ReadStore
from services.errors import EditConflict

log = structlog.get_logger("tvaers.ui.conflicts")

_METADATA = frozenset(
    {"originator_id", "originator_version", "timestamp", "actor", "valid_on", "reason"}
)

CONFLICT_DA = (
    "Nogen har ændret det samme, mens du arbejdede. Din indtastning er bevaret herunder, "
    "og deres ændring står ved siden af. Vælg, hvilken der skal gælde."
)


@dataclass(frozen=True)
class TheirChange:
    """One change someone else saved since the form was loaded."""

    who: str
    when: str
    what: str
    reason: str | None = None


@dataclass
class ConflictView:
    """What a form in conflict shows beside the user's input."""

    changes: list[TheirChange]
    current_version: int
    fields: dict[str, str] = field(default_factory=dict)
    """Registry field -> the other person's value, as shown (the registry form)."""
    by: dict[str, TheirChange] = field(default_factory=dict)
    """Registry field -> the change that set it."""


def payload_of(event: Any) -> dict[str, Any]:
    """The event's own fields as plain values (as the audit view stores them)."""
    names = [f.name for f in dataclasses.fields(event) if f.name not in _METADATA]
    fields = {name: getattr(event, name) for name in names}
    try:
        plain: dict[str, Any] = msgspec.to_builtins(fields)
    except TypeError:  # something not plain: leave the sentence its fallback
        plain = {}
    return plain


async def display_name(store: ReadStore, actor: str) -> str:
    """The account's display name (the username when the account is unknown)."""
    row = await access_view.account(store, actor)
    return str(row["display_name"]) if row and row.get("display_name") else actor


async def describe(store: ReadStore, conflict: EditConflict, locale: str) -> ConflictView:
    """The other person's changes, each with who, when and what."""
    payloads = [payload_of(event) for event in conflict.events]
    try:  # what each changed from ("fra trin 1 til 2"), as the history says it
        before = await audit_view.changed_from(
            store,
            [
                (e.originator_id, aggregate_type(aggregate_of(type(e))), e.originator_version)
                for e in conflict.events
            ],
        )
        payloads = [
            {**p, **before.get((str(e.originator_id), e.originator_version), {})}
            for e, p in zip(conflict.events, payloads, strict=True)
        ]
    except Exception:  # the views may lag: the sentence then says what the payload says
        log.warning("conflict: what changed from not looked up", exc_info=True)
    try:
        names = await look_up(store, payloads)
    except Exception:  # a view may lag: a plainer sentence then, never a failure
        log.warning("conflict names not looked up", exc_info=True)
        names = Names()
    changes: list[TheirChange] = []
    for event, payload in zip(conflict.events, payloads, strict=True):
        try:
            what = render(type(event), payload, names, locale)
        except (KeyError, LookupError, TypeError, ValueError):
            log.warning("conflict sentence not rendered", kind=type(event).__name__)
            what = type(event).__name__
        changes.append(
            TheirChange(
                who=await display_name(store, event.actor),
                when=danish_time(event.timestamp),
                what=what,
                reason=getattr(event, "reason", None),
            )
        )
    return ConflictView(changes=changes, current_version=conflict.current_version)


def message(locale: str) -> str:
    return translator(locale)(CONFLICT_DA)


english(
    {
        CONFLICT_DA: "Someone changed the same thing while you were working. What you "
        "typed is kept below, with their change beside it. Choose which should stand.",
        "Deres ændring": "Their change",
        "Deres ændringer": "Their changes",
        "{who}, {when}": "{who}, {when}",
        "Begrundelse: {reason}": "Reason: {reason}",
        "Gem min ændring alligevel": "Save my change anyway",
        "Behold deres ændring": "Keep their change",
        "Min ændring gemmes oven på deres, på den nyeste version.": (
            "My change is saved on top of theirs, on the newest version."
        ),
        "Min ændring kasseres; du kommer tilbage til partnerskabet.": (
            "My change is discarded; you return to the partnership."
        ),
    }
)
