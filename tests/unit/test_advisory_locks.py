"""The PostgreSQL advisory locks the processes take are distinct: two features sharing a
key wait for each other (a process starting during a rebuild waited until it ended)."""

from __future__ import annotations

from projections import leader, store
from services import schema_lock


def test_every_advisory_lock_has_its_own_key() -> None:
    keys = {
        "projector election": leader.LOCK_KEY,
        "rebuild": store.REBUILD_LOCK_KEY,
        "rebuild helpers": store.HELPERS_LOCK_KEY,
        "event store schema": schema_lock.SCHEMA_LOCK_KEY,
    }
    assert len(set(keys.values())) == len(keys), keys
