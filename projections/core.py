"""What a projection is: a name, a version, its tables, and pure event → statements handlers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import msgspec
from eventsourcing.utils import get_topic

from aggregates.dates import from_danish_local, now
from projections.store import Dialect, Statement, render_ddl

E = TypeVar("E")
C = TypeVar("C")


class InvalidQuery(ValueError):
    """A query parameter the views cannot use (e.g. a foreign cursor)."""


class QueryRefused(InvalidQuery):
    """A well-formed query about what the registry cannot answer: a recorded time after
    now, a range that ends before it starts (422 invalid-value: the request is valid by
    the schema, which cannot say "not after now"). `field` names the parameter."""

    def __init__(self, detail: str, *, field: str, reason: str) -> None:
        super().__init__(detail)
        self.field = field
        self.reason = reason


class UnknownPosition(InvalidQuery):
    """A well-formed cursor or `after` that names no position the API gave out (422)."""


def encode_cursor(*parts: str | int) -> str:
    """An opaque, URL-safe cursor holding a keyset position."""
    raw = msgspec.json.encode(list(parts))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, shape: type[C]) -> C:
    """The parts of a cursor this API gave out, as `shape` (a tuple type); else InvalidQuery."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=shape)
    except (binascii.Error, msgspec.DecodeError, msgspec.ValidationError, ValueError):
        raise UnknownPosition("The cursor is not one this API gave out.") from None


def cursor_time(value: str) -> datetime:
    """A time kept in a cursor (always with its zone); else InvalidQuery."""
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise UnknownPosition("The cursor is not one this API gave out.")
    return at


Handler = Callable[[Any], Iterable[Statement]]


@dataclass
class Projection:
    """A read model. Handlers are pure: an event in, SQL statements out, no I/O.

    Bumping `version` makes the runner drop the tables and rebuild them from the log.
    """

    name: str
    version: int
    tables: tuple[str, ...]
    ddl: tuple[str, ...]
    handlers: dict[type, Handler] = field(default_factory=dict)
    # Set-based statements (no parameters) run once at the end of a batch, in its
    # transaction, when the batch wrote to `staging` (or, without staging tables, to any
    # of this projection's tables): for facts a handler cannot state without reading
    # earlier rows, so that its own statements stay plain inserts (one COPY per batch
    # instead of a round trip per event).
    batch_end: tuple[str, ...] = ()
    # Tables that batch_end empties again: between batches they hold nothing.
    staging: tuple[str, ...] = ()

    def on(self, *event_classes: type[E]) -> Callable[[Callable[[E], Iterable[Statement]]], Any]:
        def register(handler: Callable[[E], Iterable[Statement]]) -> Callable[[E], Any]:
            for event_class in event_classes:
                if event_class in self.handlers:
                    raise ValueError(f"{self.name}: two handlers for {event_class.__qualname__}")
                self.handlers[event_class] = handler
            return handler

        return register

    @property
    def topics(self) -> frozenset[str]:
        return frozenset(get_topic(cls) for cls in self.handlers)

    def create_statements(self, dialect: Dialect) -> list[str]:
        return [render_ddl(sql, dialect) for sql in self.ddl]

    def drop_statements(self) -> list[str]:
        return [f"DROP TABLE IF EXISTS {table}" for table in reversed(self.tables)]


def fact_columns() -> str:
    """Columns every bitemporal fact table shares (see docs/time.md).

    source_version: the partnership event that stated the fact (corrections keep it);
    row_version: the event that wrote this row; recorded_at / superseded_at: the
    transaction-time interval in which the registry held this row to be true.
    """
    return (
        " valid_on {date} NOT NULL,"
        " source_version {int} NOT NULL,"
        " row_version {int} NOT NULL,"
        " recorded_at {ts} NOT NULL,"
        " superseded_at {ts}"
    )


KNOWN_AT = "recorded_at <= ? AND (superseded_at IS NULL OR superseded_at > ?)"


def known_filter(known_at: datetime | None) -> tuple[str, tuple[Any, ...]]:
    """The transaction-time condition: now (live rows) or as known at `known_at`."""
    if known_at is None:
        return "superseded_at IS NULL", ()
    known_at = checked_known_at(known_at)
    return KNOWN_AT, (known_at, known_at)


def checked_known_at(known_at: datetime) -> datetime:
    """A recorded time asked about: a time without a zone is Danish time; a time after now
    is refused (QueryRefused, a 422): the registry cannot know the future."""
    moment = from_danish_local(known_at)
    if moment > now():
        raise QueryRefused(
            f"known_at {moment.isoformat()} lies in the future; the registry can only say what "
            "it knew up to now.",
            field="known_at",
            reason="future",
        )
    return moment


def supersede(table: str, e: Any, corrects_version: int) -> Statement:
    """Close the transaction-time interval of the rows a correction replaces."""
    return (
        f"UPDATE {table} SET superseded_at = ? WHERE partnership_id = ? AND source_version = ?"
        " AND superseded_at IS NULL AND row_version <> ?",
        (e.timestamp, e.originator_id, corrects_version, e.originator_version),
    )


def redate(table: str, subject_columns: str, e: Any) -> Iterable[Statement]:
    """A DateCorrected on a fact table: each corrected fact again from the new date.

    `subject_columns` are the table's columns besides the shared fact columns (they are
    copied unchanged from the live row); the replaced rows are then superseded.
    """
    yield (
        f"INSERT INTO {table} ({subject_columns},"
        " valid_on, source_version, row_version, recorded_at)"
        f" SELECT {subject_columns}, ?, source_version, ?, ? FROM {table}"
        " WHERE partnership_id = ? AND source_version = ? AND superseded_at IS NULL",
        (
            e.corrected_valid_on,
            e.originator_version,
            e.timestamp,
            e.originator_id,
            e.corrects_version,
        ),
    )
    yield supersede(table, e, e.corrects_version)
