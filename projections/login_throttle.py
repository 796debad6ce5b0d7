"""Failed logins per name, and the login locks they lead to, shared by every API process.

Not a projection: failed logins are not events (an attacker could otherwise grow the
event log at will), so these two tables are written directly, in the database beside
the views, where every API process sees the same counts. A rebuild of the views leaves
them alone. Names are kept as typed (normalised), whether or not a user has that name,
so nothing here tells an existing user from an unknown one.

- `login_failures`: per name, failed logins in a row and when the last one was.
- `login_lock_log`: locks set and cleared, shown in the access log (`GET /access-log`).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from projections.store import ReadStore, render_ddl

DDL = (
    "CREATE TABLE IF NOT EXISTS login_failures ("
    " name {text} PRIMARY KEY, failures {int} NOT NULL, last_failure {ts} NOT NULL)",
    "CREATE TABLE IF NOT EXISTS login_lock_log ("
    " recorded_at {ts} NOT NULL, name {text} NOT NULL, actor {text} NOT NULL,"
    " kind {text} NOT NULL, detail {text} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS login_lock_log_by_time ON login_lock_log (recorded_at)",
)

# The access log's columns, for the union with the access view's own log.
LOG_SELECT = (
    "SELECT NULL AS account_id, 0 AS version, name AS username, recorded_at, actor, kind,"
    " detail, NULL AS reason FROM login_lock_log"
)

_ready: weakref.WeakSet[ReadStore] = weakref.WeakSet()


def _ts(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


async def ensure_tables(store: ReadStore) -> None:
    """Create the tables once per store (idempotent; cheap after the first call)."""
    if store in _ready:
        return
    await store.execute_script(render_ddl(sql, store.dialect) for sql in DDL)
    _ready.add(store)


@dataclass(frozen=True)
class Failures:
    name: str
    failures: int
    last_failure: datetime


async def failures_of(store: ReadStore, name: str) -> Failures | None:
    await ensure_tables(store)
    rows = await store.fetch(
        "SELECT name, failures, last_failure FROM login_failures WHERE name = ?", name
    )
    if not rows:
        return None
    row = rows[0]
    return Failures(str(row["name"]), int(row["failures"]), _ts(row["last_failure"]))


async def count_failure(store: ReadStore, name: str, now: datetime, forget: timedelta) -> Failures:
    """One more failed login for `name` (one statement: concurrent processes add up).

    Failures older than `forget` are forgotten: the count starts again at one.
    """
    await ensure_tables(store)
    rows = await store.fetch(
        "INSERT INTO login_failures (name, failures, last_failure) VALUES (?, 1, ?)"
        " ON CONFLICT (name) DO UPDATE SET"
        " failures = CASE WHEN login_failures.last_failure < ? THEN 1"
        " ELSE login_failures.failures + 1 END,"
        " last_failure = excluded.last_failure"
        " RETURNING name, failures, last_failure",
        name,
        now,
        now - forget,
    )
    row = rows[0]
    return Failures(str(row["name"]), int(row["failures"]), _ts(row["last_failure"]))


async def forget_failures(store: ReadStore, name: str) -> bool:
    """Start `name`'s count again (a successful login, or an administrator's unlock)."""
    await ensure_tables(store)
    rows = await store.fetch("DELETE FROM login_failures WHERE name = ? RETURNING name", name)
    return bool(rows)


async def all_failures(store: ReadStore, since: datetime, limit: int = 200) -> list[Failures]:
    await ensure_tables(store)
    rows = await store.fetch(
        "SELECT name, failures, last_failure FROM login_failures WHERE last_failure >= ?"
        " ORDER BY last_failure DESC, name LIMIT ?",
        since,
        limit,
    )
    return [Failures(str(r["name"]), int(r["failures"]), _ts(r["last_failure"])) for r in rows]


async def record(
    store: ReadStore, *, name: str, actor: str, kind: str, detail: str, now: datetime
) -> None:
    """A line in the access log: a lock set (`login_locked`, `login_throttled`) or
    cleared (`login_unlocked`)."""
    await ensure_tables(store)
    await store.execute(
        "INSERT INTO login_lock_log (recorded_at, name, actor, kind, detail)"
        " VALUES (?, ?, ?, ?, ?)",
        now,
        name,
        actor,
        kind,
        detail,
    )


async def lift(store: ReadStore, name: str, *, actor: str, now: datetime) -> bool:
    """Forget `name`'s failed logins (an administrator's undo), noted in the access log.

    False when there were none (nothing noted)."""
    if not await forget_failures(store, name):
        return False
    await record(
        store,
        name=name,
        actor=actor,
        kind="login_unlocked",
        detail="failed logins forgotten, lock lifted",
        now=now,
    )
    return True
