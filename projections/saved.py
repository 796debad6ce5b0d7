"""What one command just wrote, as the history's sentences: the confirmation a form shows
after a save ("Gemt: ..."). Read from the audit view (projections/audit.py), by the
aggregates the command touched and its correlation id, once the views have caught up."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import msgspec

from projections.audit import changed_from, summarise
from projections.history import look_up
from projections.store import ReadStore


async def sentences(
    store: ReadStore,
    aggregate_ids: Iterable[UUID | None],
    correlation_id: UUID,
    locale: str = "da",
    limit: int = 20,
) -> list[str]:
    """The sentences of the events with this correlation id on these aggregates, in the
    order they were written (empty if the views do not have them)."""
    ids = list(dict.fromkeys(i for i in aggregate_ids if i is not None))
    if not ids:
        return []
    rows = await store.fetch(
        "SELECT aggregate_id, version, aggregate_type, kind, payload FROM audit_log"
        f" WHERE aggregate_id IN ({','.join('?' * len(ids))}) AND correlation_id = ?"
        " ORDER BY recorded_at, version LIMIT ?",
        *ids,
        correlation_id,
        limit,
    )
    # What each event changed from ("Titel: «gammel» → «ny»"), as the history says it.
    before = await changed_from(
        store, [(UUID(str(r["aggregate_id"])), r["aggregate_type"], r["version"]) for r in rows]
    )
    payloads: list[dict[str, Any]] = [
        {
            **(
                msgspec.json.decode(r["payload"])
                if isinstance(r["payload"], str | bytes)
                else r["payload"]
            ),
            **before.get((str(r["aggregate_id"]), int(r["version"])), {}),
        }
        for r in rows
    ]
    names = await look_up(store, payloads)
    return [
        summarise(r["kind"], p, names, r["aggregate_type"], locale)
        for r, p in zip(rows, payloads, strict=True)
    ]
