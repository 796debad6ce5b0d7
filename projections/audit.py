"""Audit history: every event with recorded time, valid date, actor, reason and a summary.

Summaries are rendered when read (names resolved then, so an erased person's name never
appears); the stored payload holds no personal contact data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Agreement, Organisation, Partnership, Person
from aggregates.account import AccessRole
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
    system_actor,
    written_events,
)
from projections.store import ReadStore, Statement
from projections.trail import Trail

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
    version=3,
    tables=("audit_log", "audit_pending", "audit_agreements"),
    ddl=(
        "CREATE TABLE audit_log (" + _TABLE,
        "CREATE INDEX audit_by_partnership ON audit_log (partnership_id, recorded_at)",
        "CREATE INDEX audit_by_time ON audit_log (recorded_at)",
        "CREATE INDEX audit_by_actor ON audit_log (actor, recorded_at)",
        # An agreement's events after its draft wait here until the end of their batch.
        "CREATE TABLE audit_pending (" + _TABLE,
        # Each agreement's partnership, from its draft (the one event that names it).
        "CREATE TABLE audit_agreements (agreement_id {uuid} PRIMARY KEY,"
        " partnership_id {uuid} NOT NULL)",
    ),
    # Only an agreement's draft names its partnership: the later events take it from
    # audit_agreements once the batch is written (a handler cannot read it; reading it per
    # event would cut the batch's one COPY into a round trip per agreement event).
    batch_end=(
        f"INSERT INTO audit_log ({_COLUMNS}) SELECT aggregate_id, version, aggregate_type,"
        " (SELECT d.partnership_id FROM audit_agreements d"
        "  WHERE d.agreement_id = audit_pending.aggregate_id),"
        " kind, recorded_at, valid_on, actor, reason, correlation_id, payload"
        " FROM audit_pending",
        "DELETE FROM audit_pending",
    ),
    staging=("audit_pending",),
)


# Per event class: a msgspec struct of its payload's fields, in the dataclass's order
# (None: no fields). Encoding a struct built from the values gives the same JSON as the
# dict of them (tests/unit/test_audit_payload.py) at a third of the cost:
# measured 0.5 against 1.4-2.0 µs an event, which is a rebuild's audit log's largest
# share of Python after decoding.
_PAYLOADS: dict[type, tuple[type[msgspec.Struct] | None, Callable[[Any], tuple[Any, ...]]]] = {}


def _payload_of(kind: type) -> tuple[type[msgspec.Struct] | None, Callable[[Any], tuple[Any, ...]]]:
    names = tuple(
        f.name
        for f in dataclasses.fields(kind)
        if f.name not in _METADATA and f.name not in _PERSONAL
    )
    if not names:
        return None, lambda event: ()
    struct = msgspec.defstruct(f"{kind.__qualname__.replace('.', '_')}Payload", names)
    if len(names) == 1:
        only = attrgetter(names[0])
        return struct, lambda event: (only(event),)
    return struct, attrgetter(*names)


def _payload(event: Any) -> str:
    found = _PAYLOADS.get(type(event))
    if found is None:
        found = _PAYLOADS[type(event)] = _payload_of(type(event))
    struct, values = found
    if struct is None:
        return "{}"
    return _encoder.encode(struct(*values(event))).decode()


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
        yield (
            "INSERT INTO audit_agreements (agreement_id, partnership_id) VALUES (?, ?)",
            (event.originator_id, event.partnership_id),
        )
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


class EntryRef(msgspec.Struct, kw_only=True):
    """Where an entry stands in the history: what a correction corrects."""

    aggregate_id: UUID
    version: int
    recorded_at: datetime | None


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
    actor_name: str = ""
    """Who, in Danish: the account's display name and role ("Mette Hansen (projektleder,
    København)"), a system actor in words ("automatisk: aftalens udløb")."""
    actor_name_en: str = ""
    """The same in English."""
    corrects: EntryRef | None = None
    """A correction: the entry it corrects."""


class AuditPage(msgspec.Struct, kw_only=True):
    entries: list[AuditEntry]
    next_cursor: str | None


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    partnership_id: UUID | None = None
    actor: str | None = None
    who: str | None = None
    """Part of the actor's name, username or words (case-insensitive, Danish letters)."""
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
    store: ReadStore,
    where: AuditFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
    described: bool = True,
) -> AuditPage:
    """Audit entries, newest first, filtered; keyset-paginated by an opaque cursor.

    `described`: each sentence says what the event changed from (its aggregate's stream
    before it is read: projections/trail.py) and each actor is named; a reader that
    needs only the payloads (projections/facts.py) passes False and saves those reads."""
    clauses: list[str] = []
    params: list[Any] = []
    if where.partnership_id is not None:
        clauses.append("partnership_id = ?")
        params.append(where.partnership_id)
    if where.actor:
        clauses.append("actor = ?")
        params.append(where.actor)
    if where.who and where.who.strip():
        matching = await actors_matching(store, where.who, where.partnership_id)
        clauses.append(f"actor IN ({','.join('?' * len(matching))})" if matching else "1 = 0")
        params.extend(matching)
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
    extras = await _trails(store, rows) if described else {}
    said = [
        {**p, **extras.get((str(r["aggregate_id"]), int(r["version"])), {})}
        for r, p in zip(rows, payloads, strict=True)
    ]
    labels = await look_up(store, said)
    who = (
        await actor_names(store, {str(r["actor"]) for r in rows}, where.partnership_id)
        if described
        else {}
    )
    entries = [_entry(r, p, s, labels, who) for r, p, s in zip(rows, payloads, said, strict=True)]
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


def _entry(
    row: dict[str, Any],
    payload: dict[str, Any],
    said: dict[str, Any],
    labels: Names,
    who: Mapping[str, tuple[str, str]],
) -> AuditEntry:
    cls = event_class(row["kind"], row["aggregate_type"])
    if cls is None:  # a kind no class has any more: shown as stored
        da = en = row["kind"]
        group = ""
    else:
        da, en = render(cls, said, labels, "da"), render(cls, said, labels, "en")
        group = reading(cls).group.value
    actor = str(row["actor"])
    name_da, name_en = who.get(actor, (actor, actor))
    corrects = said.get("corrects")
    entry = msgspec.convert(
        {
            **row,
            "payload": payload,
            "summary": da,
            "summary_en": en,
            "group": group,
            "actor_name": name_da,
            "actor_name_en": name_en,
        },
        AuditEntry,
        strict=False,
    )
    if corrects is not None:
        entry.corrects = EntryRef(
            aggregate_id=UUID(corrects.aggregate_id),
            version=corrects.version,
            recorded_at=corrects.recorded_at,
        )
    return entry


# -- what each event changed from: its aggregate's stream before it -------------------------

_TRAILED = ("partnership", "agreement", "organisation", "person")


async def _trails(
    store: ReadStore, rows: Sequence[dict[str, Any]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """For each row, what its sentence may say besides its payload (projections/trail.py):
    each aggregate's stream is folded up to the newest of its rows here."""
    newest: dict[str, tuple[str, int]] = {}
    for row in rows:
        key = str(row["aggregate_id"])
        if row["aggregate_type"] in _TRAILED and int(row["version"]) > newest.get(key, ("", 0))[1]:
            newest[key] = (str(row["aggregate_type"]), int(row["version"]))
    wanted = {(str(r["aggregate_id"]), int(r["version"])) for r in rows}
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for aggregate_id, (kind, version) in sorted(newest.items()):
        stream = await store.fetch(
            "SELECT version, kind, valid_on, recorded_at, payload FROM audit_log"
            " WHERE aggregate_id = ? AND version <= ? ORDER BY version",
            UUID(aggregate_id),
            version,
        )
        trail = Trail(aggregate_id, kind)
        for event in stream:
            cls = event_class(str(event["kind"]), kind)
            if cls is None:
                continue
            extras = trail.step(
                cls,
                int(event["version"]),
                event["valid_on"],
                _decoded(event["payload"]),
                _aware(event["recorded_at"]),
            )
            if (aggregate_id, int(event["version"])) in wanted:
                found[(aggregate_id, int(event["version"]))] = extras
    return found


async def changed_from(
    store: ReadStore, events: Sequence[tuple[UUID, str, int]]
) -> dict[tuple[str, int], dict[str, Any]]:
    """What each event (aggregate id, aggregate type, version) changed from, to merge into
    its payload before `projections.history.render` (a conflict view, a confirmation):
    keyed by (str(aggregate id), version). Events the audit view does not hold yet get
    nothing (their sentence falls back to what the payload says)."""
    rows = [{"aggregate_id": a, "aggregate_type": t, "version": v} for a, t, v in events]
    return await _trails(store, rows)


def _decoded(payload: Any) -> dict[str, Any]:
    if isinstance(payload, str | bytes):
        decoded: dict[str, Any] = msgspec.json.decode(payload)
        return decoded
    return dict(payload)


def _aware(value: Any) -> datetime | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


# -- who did it, by name ----------------------------------------------------------------------

_ROLE_ORDER = (AccessRole.PROJECT_LEADER, AccessRole.STEERING_MEMBER, AccessRole.EVALUATOR)
_ROLE_VALUES = frozenset(r.value for r in AccessRole)


async def actor_names(
    store: ReadStore, actors: Iterable[str], partnership_id: UUID | None = None
) -> dict[str, tuple[str, str]]:
    """(Danish, English) for each actor: a user's display name with their role in the
    partnership ("Mette Hansen (projektleder, København)"), a system actor in words; an
    actor without an account (any more) as stored."""
    wanted = sorted(set(actors))
    named: dict[str, tuple[str, str]] = {}
    users = [a for a in wanted if system_actor(a) is None]
    for actor in wanted:
        words = system_actor(actor)
        if words is not None:
            named[actor] = (words, system_actor(actor, "en") or actor)
    if not users:
        return named
    accounts = await store.fetch(
        f"SELECT id, username, display_name, is_admin FROM acc_accounts"
        f" WHERE username IN ({','.join('?' * len(users))})",
        *users,
    )
    grants: dict[str, list[dict[str, Any]]] = {}
    if accounts and partnership_id is not None:
        ids = [a["id"] for a in accounts]
        for grant in await store.fetch(
            "SELECT g.account_id, g.role, g.municipality FROM acc_grants g"
            " JOIN acc_partnerships p ON p.id = ?"
            " AND (g.partnership_id = p.id OR g.municipality_key = p.municipality_key)"
            f" WHERE g.account_id IN ({','.join('?' * len(ids))})",
            partnership_id,
            *ids,
        ):
            grants.setdefault(str(grant["account_id"]), []).append(grant)
    for account in accounts:
        name = str(account["display_name"]) or str(account["username"])
        held = grants.get(str(account["id"]), [])
        roles = [AccessRole(g["role"]) for g in held if g["role"] in _ROLE_VALUES]
        role = min(roles, key=_ROLE_ORDER.index) if roles else None
        if role is not None:
            where = next(
                (str(g["municipality"]) for g in held if g["role"] == role and g["municipality"]),
                "",
            )
            da = ", ".join(x for x in (role.label_da, where) if x)
            en = ", ".join(x for x in (role.value.replace("_", " "), where) if x)
            named[str(account["username"])] = (f"{name} ({da})", f"{name} ({en})")
        elif account["is_admin"]:
            named[str(account["username"])] = (f"{name} (administrator)", f"{name} (administrator)")
        else:
            named[str(account["username"])] = (name, name)
    return named


async def actors_matching(store: ReadStore, text: str, partnership_id: UUID | None) -> list[str]:
    """The actors (of the partnership's history) whose name, username or words contain
    `text`, case-insensitively (Python's casefold: Æ, Ø and Å too; SQL's lower() folds
    ASCII only)."""
    needle = " ".join(text.split()).casefold()
    if partnership_id is not None:
        rows = await store.fetch(
            "SELECT DISTINCT actor FROM audit_log WHERE partnership_id = ?", partnership_id
        )
    else:
        rows = await store.fetch("SELECT DISTINCT actor FROM audit_log")
    actors = sorted(str(r["actor"]) for r in rows)
    names = await actor_names(store, actors, partnership_id)
    return [
        actor
        for actor in actors
        if any(needle in value.casefold() for value in (actor, *names.get(actor, ())))
    ]


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


# -- the audit export: a partnership's history for a date range ----------------------------


async def between(
    store: ReadStore,
    partnership_id: UUID,
    recorded_from: datetime | None,
    recorded_to: datetime | None,
    *,
    page: int = 500,
) -> list[AuditEntry]:
    """Every entry of the partnership's history recorded in [from, to), oldest first."""
    where = AuditFilter(
        partnership_id=partnership_id, recorded_from=recorded_from, recorded_to=recorded_to
    )
    found: list[AuditEntry] = []
    cursor: str | None = None
    while True:
        got = await history(store, where, limit=page, cursor=cursor)
        found += got.entries
        if got.next_cursor is None:
            break
        cursor = got.next_cursor
    found.reverse()
    return found
