"""What every Tværs aggregate shares: event metadata (the two time axes) and the trigger helper."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Self
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import Aggregate

from aggregates.dates import check_date, check_fact, check_plan, today
from aggregates.errors import InvalidValue
from aggregates.text import clean_field


@dataclass(frozen=True, kw_only=True)
class Meta:
    """Who did it, when it happened in the world, and why.

    `valid_on` is valid time (given by the user, defaults to today); the recorded time
    is the event's `timestamp`, set by the system when the event is created. It is the
    date of a fact, so from 1900-01-01 up to today (aggregates/dates.py), except for a
    change the domain schedules itself (`scheduled_on`), which is a plan.
    """

    actor: str
    valid_on: date = field(default_factory=today)
    reason: str | None = None
    correlation_id: UUID = field(default_factory=uuid4)
    scheduled: bool = field(default=False, repr=False, compare=False)
    """Made by the domain for a change it schedules (not part of the events)."""

    def __post_init__(self) -> None:
        if not self.actor.strip():
            raise InvalidValue(
                "An actor is required on every change.",
                da="Ændringen mangler en afsender (hvem der foretog den).",
            )
        if self.scheduled:
            check_plan(self.valid_on, "valid_on")
        else:
            check_fact(self.valid_on, "valid_on")

    def scheduled_on(self, day: date) -> Meta:
        """The same change, dated `day`, which may lie ahead (a consequence the domain
        schedules, e.g. a rung lift when an agreement's validity starts)."""
        return replace(self, valid_on=day, scheduled=True)


class TvaersAggregate(Aggregate):
    """Base class: every event carries valid_on, actor, reason and correlation_id."""

    class Event(Aggregate.Event):
        valid_on: date
        actor: str
        reason: str | None
        correlation_id: UUID

    class Created(Event, Aggregate.Created):
        pass

    # Every event goes through one of these two, so the text and date rules hold for
    # every field of every write, whatever the entry point (API, web UI, CLI, demo).

    @classmethod
    def _create_with(
        cls: type[Self], event_class: type[Aggregate.Created], meta: Meta, **fields: Any
    ) -> Self:
        return cls._create(event_class, **_event_fields(meta, fields))

    def _trigger(self, event_class: type[Aggregate.Event], meta: Meta, **fields: Any) -> None:
        self.trigger_event(event_class, **_event_fields(meta, fields))

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """A private copy for a reader of a cached aggregate (commands change the cached
        one itself, under its lock: services/application.py, ADR 0009).

        `copy.deepcopy` is generic and, on a partnership with a long history, slow
        (16.5 ms at 1,100 events against 5.3 ms this way). The state here is built from
        a few known shapes (dicts, lists, msgspec structs, immutable values), which
        `clone_state` copies directly; objects reachable twice stay shared in the copy,
        as with deepcopy.
        """
        duplicate = object.__new__(type(self))
        memo[id(self)] = duplicate
        duplicate.__dict__.update(
            {name: clone_state(value, memo) for name, value in self.__dict__.items()}
        )
        return duplicate


# Values that are never changed in place: a copy may share them.
_IMMUTABLE: frozenset[type] = frozenset(
    {str, int, float, bool, bytes, type(None), UUID, date, datetime, time, Decimal}
)


def clone_state(value: Any, memo: dict[int, Any]) -> Any:
    """A deep copy of aggregate state; unknown types fall back to copy.deepcopy.

    The originals stay alive while copying (the cached aggregate holds them), so their
    ids in `memo` cannot be reused meanwhile.
    """
    cls = type(value)
    if cls in _IMMUTABLE:
        return value
    known = memo.get(id(value))
    if known is not None:
        return known
    duplicate: Any
    if cls is dict:
        duplicate = memo[id(value)] = {}
        for key, item in value.items():  # keys are hashable, hence immutable here
            duplicate[key] = clone_state(item, memo)
    elif cls is list:
        duplicate = memo[id(value)] = []
        duplicate.extend([clone_state(item, memo) for item in value])
    elif isinstance(value, msgspec.Struct):
        if cls.__struct_config__.frozen:
            changed = {}
            for name in cls.__struct_fields__:
                item = getattr(value, name)
                copied = clone_state(item, memo)
                if copied is not item:
                    changed[name] = copied
            # Unchanged: nothing inside can change either, so the copy may share it.
            duplicate = memo[id(value)] = (
                msgspec.structs.replace(value, **changed) if changed else value
            )
        else:
            duplicate = memo[id(value)] = copy.copy(value)  # shallow, in C
            for name in cls.__struct_fields__:
                item = getattr(value, name)
                copied = clone_state(item, memo)
                if copied is not item:
                    setattr(duplicate, name, copied)
    elif isinstance(value, Enum):
        return value
    else:
        return copy.deepcopy(value, memo)
    return duplicate


# Structs whose fields the API and the web UI spell at the top level of a request: a
# refusal names `title`, not `registry.title`.
_FLATTENED = frozenset({"registry", "contact", "terms"})


def checked_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """An event's fields held to the text and date rules (aggregates/text.py, dates.py).

    Every string, also inside lists, tuples and structs, is checked by its field's name
    (one-line, multi-line or link) and normalised (NFC, line feeds); every date lies
    within its bounds. Raises TextRefused or DateOutOfRange naming the field.
    """
    return {name: _checked(name, value, name) for name, value in fields.items()}


def _checked(name: str, value: Any, path: str) -> Any:
    if isinstance(value, str):
        return clean_field(name, value, path=path)
    cls = type(value)
    if cls is date:
        return check_date(name, value, path=path)
    if cls is list or cls is tuple:
        items = [_checked(name, item, f"{path}[{i}]") for i, item in enumerate(value)]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else cls(items)
    if cls is dict:
        entries = {key: _checked(name, item, f"{path}[{key}]") for key, item in value.items()}
        return value if all(entries[k] is v for k, v in value.items()) else entries
    if isinstance(value, msgspec.Struct):
        changed = {}
        for member in cls.__struct_fields__:
            item = getattr(value, member)
            where = member if path in _FLATTENED else f"{path}.{member}"
            checked = _checked(member, item, where)
            if checked is not item:
                changed[member] = checked
        return msgspec.structs.replace(value, **changed) if changed else value
    return value


def _event_fields(meta: Meta, fields: dict[str, Any]) -> dict[str, Any]:
    """An event's fields through the one gate; its own date (`valid_on`) is a fact (up to
    today) unless the domain scheduled the change (`Meta.scheduled_on`)."""
    if not meta.scheduled:
        check_fact(meta.valid_on, "valid_on")
    return checked_fields({**meta_fields(meta), **fields})


def meta_fields(meta: Meta) -> dict[str, Any]:
    return {
        "valid_on": meta.valid_on,
        "actor": meta.actor,
        "reason": meta.reason,
        "correlation_id": meta.correlation_id,
    }


# The Danish names of the texts `require_text` requires (a test holds every caller's).
TEXT_NAMES_DA: dict[str, str] = {
    "Agreement title": "aftalens titel",
    "Agreement purpose": "aftalens formål",
    "Title": "titel",
    "Municipality": "kommune",
    "Evidence": "dokumentation",
    "Evidence for a ladder move": "dokumentation for trinnet",
    "Activity title": "aktivitetens titel",
    "Description of the adjustment": "beskrivelse af justeringen",
    "Purpose of the terms of reference": "kommissoriets formål",
    "Decision title": "beslutningens titel",
    "Milestone title": "milepælens titel",
    "Factor description": "beskrivelse af faktoren",
    "Evaluator": "evaluator",
    "Follow-up label": "opfølgningens betegnelse",
    "Evidence for the corrected rung": "dokumentation for det rettede trin",
    "Display name": "visningsnavn",
    "Password hash": "adgangskode",
    "Token hash": "nøgle",
    "The note's text": "notatets tekst",
    "Person name": "personens navn",
    "Organisation name": "organisationens navn",
    "Issuer": "identitetsudbyder (udsteder)",
    "Subject": "brugerens id hos identitetsudbyderen",
}


def require_text(value: str, what: str) -> str:
    """Strip and require a non-empty text (`what` names it, a key of TEXT_NAMES_DA)."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidValue(
            f"{what} must not be empty.",
            da="Feltet «{what}» skal udfyldes.",
            what=TEXT_NAMES_DA.get(what, what),
        )
    return cleaned
