"""Changes to the views that every API process must hear of at once: who may do what.

The API keeps each token's principal (its account and grants) and each partnership's
municipality in memory (api/principals.py, ADR 0025). Those come from four tables of the
access view; whenever a write to the views changes one of them, the store that wrote it

- tells its own process, right after the commit (`ViewChanges.changed`), and
- on PostgreSQL, tells every other process on the database: a `NOTIFY` on the
  channel `<events table>_access` inside the same transaction, so it is delivered
  exactly when the change becomes visible (never before, never without it).

A process that cannot hear the others (its listening connection lost) says so
(`ReadStore.hears_changes`): then nothing cached may be trusted.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from typing import Any

# What a principal is built from (accounts, their tokens and grants), and what the
# guard looks up per request (a partnership's municipality).
PRINCIPAL_TABLES = frozenset({"acc_accounts", "acc_tokens", "acc_grants"})
SCOPE_TABLES = frozenset({"acc_partnerships"})
WATCHED_TABLES = PRINCIPAL_TABLES | SCOPE_TABLES

_WRITES = re.compile(r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:\w+\.)?(\w+)", re.I)


def channel(events_table: str) -> str:
    """The NOTIFY channel of access changes (one per event store, like its wake-up)."""
    return events_table.replace(".", "_") + "_access"


@lru_cache(maxsize=4096)
def _written(sql: str) -> frozenset[str]:
    match = _WRITES.match(sql)
    if match is None:
        return frozenset()
    return WATCHED_TABLES & {match.group(1).lower()}


def watched_in(statements: Iterable[tuple[str, Any]]) -> frozenset[str]:
    """The watched tables that these statements write to."""
    found: frozenset[str] = frozenset()
    for sql, _ in statements:
        written = _written(sql)
        if written:
            found |= written
    return found


def watched_among(tables: Iterable[str]) -> frozenset[str]:
    """The watched tables among these (a rebuild swapping whole tables in)."""
    return WATCHED_TABLES & {t.rsplit(".", 1)[-1].lower() for t in tables}


def encode(origin: str, tables: frozenset[str]) -> str:
    """The NOTIFY's payload: who sent it (its own process heard it already) and what."""
    return f"{origin} {','.join(sorted(tables))}"


def decode(payload: str) -> tuple[str, frozenset[str]]:
    """Who sent a NOTIFY and the tables it names; every watched table if it names none
    we know (be safe)."""
    origin, _, names = payload.partition(" ")
    named = WATCHED_TABLES & set(names.split(","))
    return origin, named or WATCHED_TABLES


BARRIER = "-"  # a payload's names starting with it: a barrier (`ViewChanges.barrier`)
BARRIER_GRACE = 0.02  # seconds, after the barrier: for the other processes' listeners


Subscriber = Callable[[frozenset[str]], None]


class ViewChanges:
    """The subscribers of one store: called with the watched tables a commit changed,
    or with all of them when changes may have been missed (a lost connection)."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        # Names this process's NOTIFYs: it told its own subscribers at the commit already.
        self.origin = secrets.token_hex(8)
        self._barriers: dict[str, asyncio.Future[None]] = {}

    def heard(self, payload: str) -> None:
        """A NOTIFY on the access channel (from any process, this one's included)."""
        origin, _, names = payload.partition(" ")
        if names.startswith(BARRIER):
            waiter = self._barriers.get(names[len(BARRIER) :])
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            return
        if origin != self.origin:  # this process's own: heard at its commit already
            self.changed(decode(payload)[1])

    async def barrier(
        self,
        notify: Callable[[str], Awaitable[object]],
        timeout: float = 1.0,
        grace: float = BARRIER_GRACE,
    ) -> None:
        """Send a NOTIFY, wait until this process hears it back, then `grace` seconds.

        Notifications reach each listener in commit order, and every listener is
        signalled at the same commits: once this process hears its barrier, the changes
        committed before it have been sent to this process, and the other processes'
        listening backends were told at the same moment; `grace` leaves them time to
        pass it on (each is its own PostgreSQL process, scheduled on its own). An access
        change waits for this before it is answered (api/controllers/access.py), so that
        the next request, in any process, finds it heard.
        """
        key = secrets.token_hex(8)
        waiter = asyncio.get_running_loop().create_future()
        self._barriers[key] = waiter
        try:
            await notify(f"{self.origin} {BARRIER}{key}")
            await asyncio.wait_for(waiter, timeout)
            await asyncio.sleep(grace)
        except TimeoutError:
            pass  # the TTL is the safety net; the change itself is saved and visible
        finally:
            self._barriers.pop(key, None)

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def changed(self, tables: frozenset[str]) -> None:
        if tables:
            for subscriber in list(self._subscribers):
                subscriber(tables)
