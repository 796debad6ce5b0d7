"""Audit history: every event with recorded time, valid date, actor, reason and a summary.

Summaries are rendered when read (names resolved then, so an erased person's name never
appears); the stored payload holds no personal contact data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Agreement, Organisation, Partnership, Person
from projections.core import (
    Projection,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from projections.history import (
    Group,
    Names,
    aggregate_type,
    event_class,
    in_group,
    kinds_by_type,
    look_up,
    reading,
    render,
    written_events,
)
from projections.store import ReadStore, Statement

_METADATA = frozenset(
    {
        "originator_id",
        "originator_version",
        "timestamp",
        "originator_topic",
        "valid_on",
        "actor",
        "reason",
        "correlation_id",
    }
)
_PERSONAL = frozenset({"contact"})
_encoder = msgspec.json.Encoder(decimal_format="string")

_COLUMNS = (
    "aggregate_id, version, aggregate_type, partnership_id, kind,"
    " recorded_at, valid_on, actor, reason, correlation_id, payload"
)
# The columns of audit_log and of audit_pending, where rows wait for their batch's end.
_TABLE = (
    " aggregate_id {uuid} NOT NULL, version {int} NOT NULL,"
    " aggregate_type {text} NOT NULL, partnership_id {uuid}, kind {text} NOT NULL,"
    " recorded_at {ts} NOT NULL, valid_on {date} NOT NULL, actor {text} NOT NULL,"
    " reason {text}, correlation_id {uuid}, payload {json} NOT NULL,"
    " PRIMARY KEY (aggregate_id, version))"
)

audit = Projection(
    name="audit",
    version=2,
    tables=("audit_log", "audit_pending"),
    ddl=(
        "CREATE TABLE audit_log (" + _TABLE,
        "CREATE INDEX audit_by_partnership ON audit_log (partnership_id, recorded_at)",
        "CREATE INDEX audit_by_time ON audit_log (recorded_at)",
        "CREATE INDEX audit_by_actor ON audit_log (actor, recorded_at)",
        # An agreement's events after its draft wait here until the end of their batch.
        "CREATE TABLE audit_pending (" + _TABLE,
    ),
    # Only an agreement's draft names its partnership: the later events take it from the
    # draft's row once the batch is written (a handler cannot read it; reading it per
    # event would cut the batch's one COPY into a round trip per agreement event).
    batch_end=(
        f"INSERT INTO audit_log ({_COLUMNS}) SELECT aggregate_id, version, aggregate_type,"
        " (SELECT d.partnership_id FROM audit_log d"
        "  WHERE d.aggregate_id = audit_pending.aggregate_id AND d.version = 1),"
        " kind, recorded_at, valid_on, actor, reason, correlation_id, payload"
        " FROM audit_pending",
        "DELETE FROM audit_pending",
    ),
    staging=("audit_pending",),
)


_PAYLOAD_FIELDS: dict[type, tuple[str, ...]] = {}


def _payload(event: Any) -> str:
    names = _PAYLOAD_FIELDS.get(type(event))
    if names is None:
        names = _PAYLOAD_FIELDS[type(event)] = tuple(
            f.name
            for f in dataclasses.fields(event)
            if f.name not in _METADATA and f.name not in _PERSONAL
        )
    fields = {name: getattr(event, name) for name in names}
    return _encoder.encode(fields).decode()


_VALUES = " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT = f"INSERT INTO audit_log ({_COLUMNS})" + _VALUES
_INSERT_PENDING = f"INSERT INTO audit_pending ({_COLUMNS})" + _VALUES


def _row(
    event: Any, aggregate_type: str, partnership_id: UUID | None, sql: str = _INSERT
) -> Statement:
    return (
        sql,
        (
            event.originator_id,
            event.originator_version,
            aggregate_type,
            partnership_id,
            type(event).__name__,
            event.timestamp,
            event.valid_on,
            event.actor,
            event.reason,
            event.correlation_id,
            _payload(event),
        ),
    )


def _on_partnership(event: Any) -> Iterable[Statement]:
    yield _row(event, "partnership", event.originator_id)


def _on_agreement(event: Any) -> Iterable[Statement]:
    if isinstance(event, Agreement.Drafted):
        yield _row(event, "agreement", event.partnership_id)
    else:  # the partnership comes from the draft's row: see batch_end
        yield _row(event, "agreement", None, _INSERT_PENDING)


def _on_other(aggregate_type: str) -> Any:
    def handler(event: Any) -> Iterable[Statement]:
        yield _row(event, aggregate_type, None)

    return handler


for _cls in written_events(Partnership):
    audit.on(_cls)(_on_partnership)
for _cls in written_events(Agreement):
    audit.on(_cls)(_on_agreement)
for _cls in written_events(Organisation):
    audit.on(_cls)(_on_other(aggregate_type(Organisation)))
for _cls in written_events(Person):
    audit.on(_cls)(_on_other(aggregate_type(Person)))


# -- reading ------------------------------------------------------------------------------


class AuditEntry(msgspec.Struct, kw_only=True):
    aggregate_id: UUID
    aggregate_type: str
    version: int
    partnership_id: UUID | None
    kind: str
    recorded_at: datetime
    valid_on: date
    actor: str
    reason: str | None
    correlation_id: UUID | None
    summary: str
    """What happened, in Danish (names resolved when read)."""
    summary_en: str
    """The same in English."""
    group: str
    """Where the history files the event (projections/history.py `Group`)."""
    payload: dict[str, Any]


class AuditPage(msgspec.Struct, kw_only=True):
    entries: list[AuditEntry]
    next_cursor: str | None


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    partnership_id: UUID | None = None
    actor: str | None = None
    kinds: Sequence[str] = ()
    groups: Sequence[Group] = ()
    recorded_from: datetime | None = None
    recorded_to: datetime | None = None
    valid_from: date | None = None
    valid_to: date | None = None


def _cursor(value: str) -> tuple[datetime, UUID, int]:
    recorded_at, aggregate_id, version = decode_cursor(value, tuple[str, UUID, int])
    return cursor_time(recorded_at), aggregate_id, version


async def history(
    store: ReadStore, where: AuditFilter, *, limit: int = 50, cursor: str | None = None
) -> AuditPage:
    """Audit entries, newest first, filtered; keyset-paginated by an opaque cursor."""
    clauses: list[str] = []
    params: list[Any] = []
    if where.partnership_id is not None:
        clauses.append("partnership_id = ?")
        params.append(where.partnership_id)
    if where.actor:
        clauses.append("actor = ?")
        params.append(where.actor)
    if where.kinds:
        clauses.append(f"kind IN ({','.join('?' * len(where.kinds))})")
        params.extend(where.kinds)
    if where.groups:
        clause, values = _in_groups(where.groups)
        clauses.append(clause)
        params.extend(values)
    for column, op, value in (
        ("recorded_at", ">=", where.recorded_from),
        ("recorded_at", "<", where.recorded_to),
        ("valid_on", ">=", where.valid_from),
        ("valid_on", "<=", where.valid_to),
    ):
        if value is not None:
            clauses.append(f"{column} {op} ?")
            params.append(value)
    if cursor:
        recorded, aggregate_id, version = _cursor(cursor)
        clauses.append(
            "(recorded_at < ? OR (recorded_at = ? AND (aggregate_id < ?"
            " OR (aggregate_id = ? AND version < ?))))"
        )
        params.extend([recorded, recorded, aggregate_id, aggregate_id, version])
    sql = (
        "SELECT aggregate_id, aggregate_type, version, partnership_id, kind, recorded_at,"
        " valid_on, actor, reason, correlation_id, payload FROM audit_log"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + " ORDER BY recorded_at DESC, aggregate_id DESC, version DESC LIMIT ?"
    )
    rows = await store.fetch(sql, *params, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    payloads = [
        msgspec.json.decode(r["payload"]) if isinstance(r["payload"], str | bytes) else r["payload"]
        for r in rows
    ]
    labels = await look_up(store, payloads)
    entries = [_entry(r, p, labels) for r, p in zip(rows, payloads, strict=True)]
    next_cursor = None
    if more and entries:
        last = entries[-1]
        next_cursor = encode_cursor(
            last.recorded_at.isoformat(), str(last.aggregate_id), last.version
        )
    return AuditPage(entries=entries, next_cursor=next_cursor)


def _in_groups(groups: Sequence[Group]) -> tuple[str, list[Any]]:
    """SQL for "the event is in one of the groups": by (aggregate type, class name), as a
    name alone may belong to several aggregates (`Registered`)."""
    parts: list[str] = []
    params: list[Any] = []
    classes = [cls for group in dict.fromkeys(groups) for cls in in_group(group)]
    for aggregate, names_ in kinds_by_type(classes).items():
        parts.append(f"(aggregate_type = ? AND kind IN ({','.join('?' * len(names_))}))")
        params.extend([aggregate, *names_])
    return "(" + (" OR ".join(parts) or "1 = 0") + ")", params


def _entry(row: dict[str, Any], payload: dict[str, Any], labels: Names) -> AuditEntry:
    cls = event_class(row["kind"], row["aggregate_type"])
    if cls is None:  # a kind no class has any more: shown as stored
        da = en = row["kind"]
        group = ""
    else:
        da, en = render(cls, payload, labels, "da"), render(cls, payload, labels, "en")
        group = reading(cls).group.value
    return msgspec.convert(
        {**row, "payload": payload, "summary": da, "summary_en": en, "group": group},
        AuditEntry,
        strict=False,
    )


def summarise(
    kind: str,
    payload: dict[str, Any],
    labels: Mapping[UUID, str] | Names,
    aggregate: str | None = None,
    locale: str = "da",
) -> str:
    """The event's one-line sentence (projections/history.py), names resolved from `labels`.

    `kind` and `aggregate` are the audit row's `kind` and `aggregate_type`; without the
    type, a partnership's or an agreement's event is meant.
    """
    cls = event_class(kind, aggregate)
    if cls is None:  # a kind no class has any more: shown as stored
        return kind
    names = labels if isinstance(labels, Names) else Names(names=labels)
    return render(cls, payload, names, locale)
