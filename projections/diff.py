"""Diff of a partnership between two valid dates: what was added, changed, removed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec

from projections import anchoring, ladder, roles
from projections.store import ReadStore


class Change(msgspec.Struct, kw_only=True):
    section: Literal["partners", "steering_group", "roles", "anchoring"]
    key: str
    label: str
    change: Literal["added", "changed", "removed"]
    before: str | None
    after: str | None


async def _snapshot(
    store: ReadStore, partnership_id: UUID, day: date, known_at: datetime | None
) -> dict[tuple[str, str], tuple[str, str]]:
    """(section, key) → (label, value) for everything the diff compares, on one date."""
    state: dict[tuple[str, str], tuple[str, str]] = {}
    for partner in await ladder.rungs(store, partnership_id, as_of=day, known_at=known_at):
        state[("partners", str(partner.organisation_id))] = (
            partner.name,
            f"trin {partner.rung.value} ({partner.rung.label_da})",
        )
    for seat in await roles.steering_group(store, partnership_id, as_of=day, known_at=known_at):
        state[("steering_group", str(seat.appointment_id))] = (
            seat.person_name,
            seat.seat.label_da,
        )
    for holding in await roles.holdings(store, partnership_id, as_of=day, known_at=known_at):
        state[("roles", str(holding.position_id))] = (
            holding.role.label_da,
            holding.person_name or "ledig",
        )
    for dimension in await anchoring.status(store, partnership_id, as_of=day, known_at=known_at):
        if dimension.milestones:
            state[("anchoring", dimension.dimension.value)] = (
                dimension.dimension.label_da,
                dimension.status.label_da,
            )
    return state


async def between(
    store: ReadStore,
    partnership_id: UUID,
    first: date,
    second: date,
    *,
    known_at: datetime | None = None,
) -> list[Change]:
    """Changes from the partnership as it stood on `first` to how it stood on `second`."""
    before = await _snapshot(store, partnership_id, first, known_at)
    after = await _snapshot(store, partnership_id, second, known_at)
    changes: list[Change] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        section, ident = key
        label = (new or old or ("", ""))[0]
        kind: Literal["added", "changed", "removed"] = (
            "added" if old is None else "removed" if new is None else "changed"
        )
        changes.append(
            Change(
                section=section,  # type: ignore[arg-type]
                key=ident,
                label=label,
                change=kind,
                before=old[1] if old else None,
                after=new[1] if new else None,
            )
        )
    return changes
