"""What the event store and the key stores raise when their database cannot be reached.

The API answers these with 503 and Retry-After instead of a 500 (api/errors.py); it
names no database driver itself (an import-linter contract): the drivers belong to the
stores, here and in projections/store.py.
"""

from __future__ import annotations

import psycopg
from eventsourcing import persistence

DATABASE_UNREACHABLE: tuple[type[Exception], ...] = (
    # eventsourcing's own (it wraps psycopg's and sqlite3's after its retries)
    persistence.OperationalError,
    persistence.InterfaceError,
    # psycopg (personal-data keys; pool timeouts are OperationalErrors too)
    psycopg.OperationalError,
    psycopg.InterfaceError,
)
"""The event store's and the key stores' "the database cannot be reached now", not "a bug"."""
