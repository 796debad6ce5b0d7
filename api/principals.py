"""What authentication and the guard keep between requests (issue 17, ADR 0025).

Authenticating a request used to load the token, its account and every grant from the
access view and build them into objects, and the guard looked up the partnership's
municipality: on every request, growing with the user's grants. Both are kept here, in
process memory, per API process:

- `principal(key)`: the principal built for a token (keyed by the whole token string,
  whose secret was checked when it was loaded, and how it came: header or cookie);
- `municipality(partnership_id)`: the municipality the guard checks grants against.

They are forgotten the moment the access view changes what they were built from
(`changed`, subscribed to the store's `changes`, projections/changes.py): at once for a
change committed by this process, by NOTIFY for one committed by another. A load that
began before such a change is not kept (the generation it began in is gone). Entries
also expire after `ttl` seconds (a safety net, should a notification ever be lost), and
nothing is served while the process cannot hear other processes' changes (`trusted`).
Nothing here decides access: a miss loads from the views as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar
from uuid import UUID

import structlog

from projections.changes import PRINCIPAL_TABLES, SCOPE_TABLES

log = structlog.get_logger("tvaers.auth")

P = TypeVar("P")

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


class AccessCache(Generic[P]):
    """Principals by token, municipalities by partnership; see the module's doc."""

    def __init__(
        self,
        trusted: Callable[[], bool],
        *,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.trusted = trusted
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._principals: dict[Hashable, tuple[P, float]] = {}
        self._municipalities: dict[UUID, tuple[str, float]] = {}
        self._loading: dict[Hashable, asyncio.Future[P | None]] = {}
        # Bumped by every change: a load that began in an older generation is not kept.
        self.generation = 0
        self.scope_generation = 0
        self.was_trusted = True

    # -- invalidation ---------------------------------------------------------------------

    def changed(self, tables: frozenset[str]) -> None:
        """The access view changed these tables (committed): forget what they built."""
        if tables & PRINCIPAL_TABLES:
            self.generation += 1
            self._principals.clear()
            self._loading.clear()  # a request from now on must not take a load begun before
        if tables & SCOPE_TABLES:
            self.scope_generation += 1
            self._municipalities.clear()

    def clear(self) -> None:
        self.changed(PRINCIPAL_TABLES | SCOPE_TABLES)

    def _serving(self) -> bool:
        if self.trusted():
            if not self.was_trusted:
                # Whatever was kept before the process went deaf may be stale.
                self.clear()
                self.was_trusted = True
                log.info("principal cache on again: changes are heard")
            return True
        if self.was_trusted:
            self.was_trusted = False
            self.clear()
            log.warning("principal cache off: this process cannot hear access changes")
        return False

    # -- principals -----------------------------------------------------------------------

    def principal(self, key: Hashable) -> P | None:
        if not self._serving():
            return None
        entry = self._principals.get(key)
        if entry is None:
            return None
        if self.clock() - entry[1] >= self.ttl:
            del self._principals[key]
            return None
        return entry[0]

    def keep_principal(self, key: Hashable, principal: P, generation: int) -> None:
        """Keep a principal loaded in `generation` (dropped if a change came meanwhile)."""
        if generation != self.generation or not self._serving():
            return
        if len(self._principals) >= self.max_entries:
            self._principals.clear()
        self._principals[key] = (principal, self.clock())

    def forget_principal(self, key: Hashable) -> None:
        self._principals.pop(key, None)

    # One load at a time per token: requests arriving meanwhile wait for its result.

    def loading(self, key: Hashable) -> asyncio.Future[P | None] | None:
        return self._loading.get(key)

    def start_loading(self, key: Hashable) -> asyncio.Future[P | None]:
        future: asyncio.Future[P | None] = asyncio.get_running_loop().create_future()
        self._loading[key] = future
        return future

    def done_loading(
        self, key: Hashable, future: asyncio.Future[P | None], principal: P | None
    ) -> None:
        if self._loading.get(key) is future:
            del self._loading[key]
        if not future.done():
            future.set_result(principal)

    # -- a partnership's municipality -----------------------------------------------------

    def municipality(self, partnership_id: UUID) -> str | None:
        if not self._serving():
            return None
        entry = self._municipalities.get(partnership_id)
        if entry is None:
            return None
        if self.clock() - entry[1] >= self.ttl:
            del self._municipalities[partnership_id]
            return None
        return entry[0]

    def keep_municipality(self, partnership_id: UUID, key: str, generation: int) -> None:
        if generation != self.scope_generation or not self._serving():
            return
        if len(self._municipalities) >= self.max_entries:
            self._municipalities.clear()
        self._municipalities[partnership_id] = (key, self.clock())
