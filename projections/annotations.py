"""Evaluators' notes (evaluatornotater) on a partnership, with who may see which in the SQL.

A note is seen by its author whatever its status, and by everyone who may read the
partnership once it is published (ADR 0007). Each link names an event of the
partnership's history (aggregate id and version, as the audit history shows it); the
view adds what the audit history says about that event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Annotation, EventRef
from aggregates.taxonomy import AnnotationKind, AnnotationStatus, Dimension
from projections.access import Visibility
from projections.audit import summarise
from projections.core import Projection
from projections.directory import names
from projections.helpers import chunks, marks
from projections.store import ReadStore, Statement

annotations_projection = Projection(
    name="annotations",
    version=1,
    tables=("annotations", "annotation_links"),
    ddl=(
        "CREATE TABLE annotations ("
        " annotation_id {uuid} PRIMARY KEY, partnership_id {uuid} NOT NULL,"
        " author {text} NOT NULL, kind {text} NOT NULL, dimension {text}, body {text} NOT NULL,"
        " status {text} NOT NULL, valid_on {date} NOT NULL, recorded_at {ts} NOT NULL,"
        " revised_at {ts}, published_at {ts}, version {int} NOT NULL)",
        "CREATE INDEX annotations_by_partnership ON annotations (partnership_id, valid_on)",
        "CREATE TABLE annotation_links ("
        " annotation_id {uuid} NOT NULL, seq {int} NOT NULL,"
        " aggregate_id {uuid} NOT NULL, version {int} NOT NULL,"
        " PRIMARY KEY (annotation_id, seq))",
    ),
)


def _links(annotation_id: UUID, links: Sequence[EventRef]) -> Iterable[Statement]:
    yield ("DELETE FROM annotation_links WHERE annotation_id = ?", (annotation_id,))
    for seq, link in enumerate(links, start=1):
        yield (
            "INSERT INTO annotation_links (annotation_id, seq, aggregate_id, version)"
            " VALUES (?, ?, ?, ?)",
            (annotation_id, seq, link.aggregate_id, link.version),
        )


@annotations_projection.on(Annotation.Recorded)
def _recorded(e: Annotation.Recorded) -> Iterable[Statement]:
    yield (
        "INSERT INTO annotations (annotation_id, partnership_id, author, kind, dimension, body,"
        " status, valid_on, recorded_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.originator_id,
            e.partnership_id,
            e.actor,
            e.kind,
            e.dimension,
            e.text,
            AnnotationStatus.DRAFT,
            e.valid_on,
            e.timestamp,
            e.originator_version,
        ),
    )
    yield from _links(e.originator_id, e.links)


@annotations_projection.on(Annotation.Revised)
def _revised(e: Annotation.Revised) -> Iterable[Statement]:
    yield (
        "UPDATE annotations SET kind = ?, dimension = ?, body = ?, revised_at = ?, version = ?"
        " WHERE annotation_id = ?",
        (e.kind, e.dimension, e.text, e.timestamp, e.originator_version, e.originator_id),
    )
    yield from _links(e.originator_id, e.links)


@annotations_projection.on(Annotation.Published)
def _published(e: Annotation.Published) -> Iterable[Statement]:
    yield (
        "UPDATE annotations SET status = ?, published_at = ?, version = ? WHERE annotation_id = ?",
        (AnnotationStatus.PUBLISHED, e.timestamp, e.originator_version, e.originator_id),
    )


@annotations_projection.on(Annotation.Withdrawn)
def _withdrawn(e: Annotation.Withdrawn) -> Iterable[Statement]:
    yield (
        "UPDATE annotations SET status = ?, version = ? WHERE annotation_id = ?",
        (AnnotationStatus.WITHDRAWN, e.originator_version, e.originator_id),
    )


# -- queries ------------------------------------------------------------------------------


class LinkedEvent(msgspec.Struct, kw_only=True):
    """An event a note is about; `kind`, `valid_on` and `summary` are the audit history's
    (null while the views have not got that far)."""

    aggregate_id: UUID
    version: int
    kind: str | None
    valid_on: date | None
    summary: str | None


class AnnotationView(msgspec.Struct, kw_only=True):
    """One note. `mine`: the caller wrote it (and so may revise, publish or withdraw it).
    `published_at` is the last publication (kept when withdrawn)."""

    id: UUID
    partnership_id: UUID
    author: str
    author_name: str | None
    kind: AnnotationKind
    dimension: Dimension | None
    text: str
    status: AnnotationStatus
    valid_on: date
    recorded_at: datetime
    revised_at: datetime | None
    published_at: datetime | None
    version: int
    mine: bool
    links: list[LinkedEvent]


async def list_annotations(
    store: ReadStore, partnership_id: UUID, *, viewer: str, visible: Visibility
) -> list[AnnotationView]:
    """The notes on the partnership that `viewer` (a username) may see, oldest first.

    `visible` is the caller's reach over partnerships (`Principal.visibility`): a note is
    shown only on a partnership it covers, and then only if published or the viewer's own.
    An administrator, too, sees others' notes only once they are published.
    """
    visible_sql, visible_params = visible.clause("n.partnership_id")
    rows = await store.fetch(
        "SELECT n.annotation_id AS id, n.partnership_id, n.author,"
        " a.display_name AS author_name, n.kind, n.dimension, n.body AS text, n.status,"
        " n.valid_on, n.recorded_at, n.revised_at, n.published_at, n.version,"
        " n.author = ? AS mine"
        " FROM annotations n LEFT JOIN acc_accounts a ON a.username = n.author"
        f" WHERE n.partnership_id = ? AND {visible_sql}"
        " AND (n.status = ? OR n.author = ?)"
        " ORDER BY n.valid_on, n.recorded_at, n.annotation_id",
        viewer,
        partnership_id,
        *visible_params,
        AnnotationStatus.PUBLISHED,
        viewer,
    )
    links = await _linked_events(store, [r["id"] for r in rows])
    return [
        msgspec.convert({**r, "links": links.get(str(r["id"]), [])}, AnnotationView, strict=False)
        for r in rows
    ]


_NAMED = ("organisation_id", "person_id", "party_id", "into_id", "signatory_id")


async def _linked_events(store: ReadStore, ids: Sequence[Any]) -> dict[str, list[LinkedEvent]]:
    """The notes' links in their order, by note id (as text), with the audit history's word."""
    rows: list[dict[str, Any]] = []
    for chunk in chunks(list(ids)):
        rows += await store.fetch(
            "SELECT l.annotation_id, l.aggregate_id, l.version, au.kind, au.valid_on, au.payload"
            " FROM annotation_links l LEFT JOIN audit_log au"
            " ON au.aggregate_id = l.aggregate_id AND au.version = l.version"
            f" WHERE l.annotation_id IN ({marks(chunk)}) ORDER BY l.annotation_id, l.seq",
            *chunk,
        )
    payloads = [
        msgspec.json.decode(r["payload"]) if isinstance(r["payload"], str | bytes) else r["payload"]
        for r in rows
    ]
    named = [UUID(p[key]) for p in payloads if p for key in _NAMED if isinstance(p.get(key), str)]
    labels = await names(store, named)
    grouped: dict[str, list[LinkedEvent]] = {}
    for row, payload in zip(rows, payloads, strict=True):
        grouped.setdefault(str(row["annotation_id"]), []).append(
            msgspec.convert(
                {
                    "aggregate_id": row["aggregate_id"],
                    "version": row["version"],
                    "kind": row["kind"],
                    "valid_on": row["valid_on"],
                    "summary": summarise(row["kind"], payload, labels) if row["kind"] else None,
                },
                LinkedEvent,
                strict=False,
            )
        )
    return grouped
