"""What every Tværs aggregate shares: event metadata (the two time axes) and the trigger helper."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any, Self
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import Aggregate

from aggregates.errors import InvalidValue


@dataclass(frozen=True, kw_only=True)
class Meta:
    """Who did it, when it happened in the world, and why.

    `valid_on` is valid time (given by the user, defaults to today); the recorded time
    is the event's `timestamp`, set by the system when the event is created.
    """

    actor: str
    valid_on: date = field(default_factory=date.today)
    reason: str | None = None
    correlation_id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        if not self.actor.strip():
            raise InvalidValue("An actor is required on every change.")


class TvaersAggregate(Aggregate):
    """Base class: every event carries valid_on, actor, reason and correlation_id."""

    class Event(Aggregate.Event):
        valid_on: date
        actor: str
        reason: str | None
        correlation_id: UUID

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create_with(
        cls: type[Self], event_class: type[Aggregate.Created], meta: Meta, **fields: Any
    ) -> Self:
        return cls._create(event_class, **meta_fields(meta), **fields)

    def _trigger(self, event_class: type[Aggregate.Event], meta: Meta, **fields: Any) -> None:
        self.trigger_event(event_class, **meta_fields(meta), **fields)

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


def meta_fields(meta: Meta) -> dict[str, Any]:
    return {
        "valid_on": meta.valid_on,
        "actor": meta.actor,
        "reason": meta.reason,
        "correlation_id": meta.correlation_id,
    }


def require_text(value: str, what: str) -> str:
    """Strip and require a non-empty text."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidValue(f"{what} must not be empty.")
    return cleaned
