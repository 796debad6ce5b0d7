"""What every Tværs aggregate shares: event metadata (the two time axes) and the trigger helper."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Self
from uuid import UUID, uuid4

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
