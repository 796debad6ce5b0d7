"""Audit history: every event with recorded time, valid date, actor, reason and a summary.

Summaries are rendered when read (names resolved then, so an erased person's name never
appears); the stored payload holds no personal contact data.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Agreement, Organisation, Partnership, Person
from aggregates.base import TvaersAggregate
from aggregates.taxonomy import (
    ActivityStatus,
    AnchoringStatus,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    FactorEffect,
    ImplementationPhase,
    Labelled,
    RoleKind,
    SeatRole,
)
from projections.core import (
    Projection,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from projections.directory import names
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


def event_classes(aggregate: type[TvaersAggregate]) -> list[type[Any]]:
    """The concrete event classes nested in an aggregate class."""
    base = aggregate.Event
    return [
        value
        for name, value in vars(aggregate).items()
        if isinstance(value, type) and issubclass(value, base) and name[0].isupper()
        if name not in {"Event", "Created"}
    ]


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


for _cls in event_classes(Partnership):
    audit.on(_cls)(_on_partnership)
for _cls in event_classes(Agreement):
    audit.on(_cls)(_on_agreement)
for _cls in event_classes(Organisation):
    audit.on(_cls)(_on_other("organisation"))
for _cls in event_classes(Person):
    audit.on(_cls)(_on_other("person"))


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
    payload: dict[str, Any]


class AuditPage(msgspec.Struct, kw_only=True):
    entries: list[AuditEntry]
    next_cursor: str | None


@dataclasses.dataclass(frozen=True)
class AuditFilter:
    partnership_id: UUID | None = None
    actor: str | None = None
    kinds: Sequence[str] = ()
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
    labels = await names(store, [i for p in payloads for i in _ids(p)])
    entries = [
        msgspec.convert(
            {**r, "payload": p, "summary": summarise(r["kind"], p, labels)},
            AuditEntry,
            strict=False,
        )
        for r, p in zip(rows, payloads, strict=True)
    ]
    next_cursor = None
    if more and entries:
        last = entries[-1]
        next_cursor = encode_cursor(
            last.recorded_at.isoformat(), str(last.aggregate_id), last.version
        )
    return AuditPage(entries=entries, next_cursor=next_cursor)


def _ids(payload: dict[str, Any]) -> list[UUID]:
    found: list[UUID] = []
    for key, value in payload.items():
        if key.endswith("_id") and isinstance(value, str):
            found.append(UUID(value))
        elif key.endswith("_ids") and isinstance(value, list):
            found.extend(UUID(v) for v in value if isinstance(v, str))
    return found


def _name(labels: dict[UUID, str], value: Any) -> str:
    if not isinstance(value, str):
        return "?"
    return labels.get(UUID(value), value[:8])


_TEMPLATES: dict[str, str] = {
    "Registered": "Registreret",
    "RegistryUpdated": "Stamdata opdateret",
    "PartnerJoined": "{organisation} indtrådt som partner (trin {rung})",
    "PartnerLeft": "{organisation} udtrådt som partner",
    "RungChanged": "{organisation} flyttet til trin {rung} på partnerskabstrappen",
    "AgreementBacked": "Aftale underskrevet af alle parter; gyldig {valid_from} - {valid_to}",
    "AgreementRenewed": "Aftale forlænget til {valid_to}",
    "AgreementEnded": "Aftale ophørt {ended_on}",
    "SteeringMemberAppointed": "{person} udpeget til styregruppen ({seat})",
    "SteeringMemberSteppedDown": "Styregruppemedlem udtrådt",
    "SecretariatAssigned": "Sekretariatet placeret hos {organisation}",
    "SecretariatStaffed": "{person} tilknyttet sekretariatet",
    "SecretariatStaffLeft": "{person} ikke længere i sekretariatet",
    "ActivityLaunched": "Aktivitet oprettet: {title}",
    "ActivityStatusChanged": "Aktivitet ændret til status {status}",
    "ActivityAdjusted": "Aktivitet justeret: {description}",
    "TermsOfReferenceIssued": "Kommissorium version {number} udsendt",
    "DecisionRecorded": "Styregruppebeslutning: {title}",
    "RoleAssigned": "{person} tildelt rollen {role}",
    "RoleHandedOver": "Rolle overdraget til {person}",
    "RoleVacated": "Rolle ledig",
    "MilestoneRecorded": "Forankring ({dimension}, {status}): {title}",
    "FactorRecorded": "Faktor ({effect}): {description}",
    "FactorLinked": "Faktor koblet til milepæl",
    "AnchoringRated": "Selvevaluering af forankring ({dimension}): {rating} af 7",
    "EvaluationRecorded": "Evaluering ({kind}) ved {evaluator}",
    "AssessmentRecorded": "Vurdering: {question} - {answer}",
    "FollowUpScheduled": "Opfølgning planlagt: {label} ({due_on})",
    "FollowUpRecorded": "Opfølgning: {retained} af {reached} fastholdt",
    "PhaseEntered": "Implementeringscirklen: {phase}",
    "DateCorrected": "Rettelse: dato for hændelse {corrects_version} er {corrected_valid_on}",
    "RungCorrected": "Rettelse: trin for hændelse {corrects_version} rettet til {rung}",
    "MilestoneCorrected": "Rettelse af milepæl (hændelse {corrects_version})",
    "Drafted": "Aftaleudkast: {title}",
    "Amended": "Aftaleudkast ændret",
    "PartySigned": "{party} har underskrevet ved {signatory}",
    "Renewed": "Aftale fornyet til {valid_to}",
    "Expired": "Aftale udløbet",
    "Terminated": "Aftale opsagt",
    "Renamed": "Omdøbt til {name}",
    "Merged": "Fusioneret ind i {into}",
    "Closed": "Lukket",
    "ContactChanged": "Kontaktoplysninger ændret",
    "MovedOrganisation": "Skiftet til {organisation}",
    "Erased": "Personoplysninger slettet",
}


_LABELLED: dict[str, type[Labelled]] = {
    "seat": SeatRole,
    "role": RoleKind,
    "dimension": Dimension,
    "effect": FactorEffect,
    "status": ActivityStatus,
    "kind": EvaluationKind,
    "phase": ImplementationPhase,
    "question": AssessmentQuestion,
    "answer": AssessmentAnswer,
}


class _Fields(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def summarise(kind: str, payload: dict[str, Any], labels: dict[UUID, str]) -> str:
    """A readable Danish one-line summary of an event (names resolved from `labels`)."""
    fields = _Fields(payload)
    for key, enum in _LABELLED.items():
        if isinstance(payload.get(key), str):
            # An unknown word (e.g. an anchoring status) is shown as stored.
            with contextlib.suppress(ValueError):
                fields[key] = enum(payload[key]).label_da
    if kind == "MilestoneRecorded" and isinstance(payload.get("status"), str):
        fields["status"] = AnchoringStatus(payload["status"]).label_da
    for key in ("organisation", "person", "party", "into", "signatory"):
        raw = payload.get(f"{key}_id")
        if raw is not None:
            fields[key] = _name(labels, raw)
    terms = payload.get("terms")
    if isinstance(terms, dict) and "title" in terms:
        fields["title"] = terms["title"]
    registry = payload.get("registry")
    if kind == "Registered" and isinstance(registry, dict):
        return f"Registreret: {registry.get('title', '?')}"
    if kind == "Registered" and "name" in payload:
        return f"Registreret: {payload['name']}"
    template = _TEMPLATES.get(kind, kind)
    return template.format_map(fields)
