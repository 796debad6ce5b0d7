"""A large rebuild on PostgreSQL in two processes (ADR 0029).

One process (the one running `ProjectionRunner.rebuild`) creates the shadow schema and
takes the rebuild lock, as always; a *helper* process, started for a log of at least
`PARALLEL_FROM` events, projects one group of the views (`HELPER_VIEWS`: the audit log,
which has a row for every event, and the access view) into the same shadow,
up to the same event, while the first projects the others. Each reads and decodes the
log itself: decoding twice costs less than the single process's one core of Python.
The first then adds the keys and indexes the helper did not, and switches everything in
one transaction, as a single-process rebuild does.

Safety: each of the helper's transactions holds the helpers' advisory lock (shared) and
checks that the rebuild it helps still holds the rebuild lock (`store._guard`); a new
rebuild takes the helpers' lock exclusively while it drops and creates the shadow. A
helper whose rebuild was killed therefore never writes into the next one's tables, and
stops at its next transaction (or when it sees its parent gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from projections.catalog import ALL
from projections.core import Projection

PARALLEL_FROM = 250_000
"""Events in the log from which a rebuild takes a helper process. Starting one costs
about two seconds (imports, the application, the keys); measured at 200,000 events on
two cores, one process and two took about as long (6-8 s)."""

HELPER_FOLDED_ROWS = 200_000
"""The helper's share of `fold.MAX_FOLDED_ROWS` (the rows both processes' folds may hold in
all); the first process folds the rest. The helper's views hold the fewer rows in memory
(the audit's tables only receive inserts and are streamed out)."""

RowDecoder = Callable[[str, Any, int, bytes], Any]


@dataclass(frozen=True)
class HelperJob:
    """What a helper process is given (it is pickled: no connections, no closures)."""

    dsn: str
    events_table: str
    server_settings: dict[str, str]
    names: tuple[str, ...]  # the projections it rebuilds (projections/catalog.py)
    foreign: tuple[str, ...]  # the tables the other process fills: never to be touched
    upto: int  # the last event to project
    rebuild_pid: int  # backend pid of the rebuild's lock connection
    parent_pid: int
    chunk: int
    decoder: Callable[[], RowDecoder]  # picklable: a module-level function, or a partial
    max_rows: int  # the rows its fold may hold (HELPER_FOLDED_ROWS)


@dataclass
class HelperDone:
    position: int
    covered: int
    keys: list[str]
    indexes: list[str]
    sent: int
    spilled: list[str] = field(default_factory=list)


class HelperFailed(Exception):
    """The helper process failed: a projection on an event ((name, notification id,
    error) each), or the process itself (`failures` empty, the message says why)."""

    def __init__(self, message: str, failures: Sequence[tuple[str, int, str]] = ()) -> None:
        super().__init__(message)
        self.failures = list(failures)


HELPER_VIEWS = ("audit", "access")
"""The views the helper process rebuilds: the audit log (a row for every event, a JSON
payload built for each) and the access view; the other eleven stay. Measured at 1M
events on two cores (bench/README.md, session 8), this split ends both processes at
about the same time (audit alone: the helper finished 5 s before the other; with roles
too, 17 s after)."""


def split(projections: Sequence[Projection]) -> tuple[list[Projection], list[Projection]] | None:
    """(the projections this process rebuilds, those the helper rebuilds: `HELPER_VIEWS`),
    or None when one of the two would have none. Only projections of the catalogue (the
    helper finds them by name), and only groups whose statements stay within their own
    tables (checked as they run: see `Fold(foreign=…)`)."""
    catalogue = {p.name: p for p in ALL}
    if any(catalogue.get(p.name) is not p for p in projections):
        return None
    theirs = [p for p in projections if p.name in HELPER_VIEWS]
    mine = [p for p in projections if p.name not in HELPER_VIEWS]
    return (mine, theirs) if mine and theirs else None


class RebuildHelper:
    """The helper process, seen from the rebuild: started, followed (its position), and
    awaited (`done`) or stopped."""

    def __init__(self, job: HelperJob, main: Callable[[HelperJob, Connection], None]) -> None:
        """`main`: what the process runs (`runner.helper_main`)."""
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe(duplex=False)
        self.process = context.Process(
            target=main, args=(job, child), name="tvaers-rebuild-helper", daemon=True
        )
        self._child = child
        self.position = 0
        self._result: asyncio.Future[HelperDone] | None = None
        self._reading: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.process.start()
        self._child.close()  # the child's end: EOF here when the child is gone
        self._result = asyncio.get_running_loop().create_future()
        self._reading = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._result is not None
        try:
            while True:
                try:
                    kind, payload = await asyncio.to_thread(self._conn.recv)
                except (EOFError, OSError):
                    await asyncio.to_thread(self.process.join, 5)
                    raise HelperFailed(
                        f"The rebuild's helper process stopped (exit code {self.process.exitcode})."
                    ) from None
                if kind == "progress":
                    self.position = payload
                elif kind == "done":
                    self._result.set_result(payload)
                    return
                elif kind == "failed":
                    raise HelperFailed("A projection failed in the helper process.", payload)
                else:
                    raise HelperFailed(f"The rebuild's helper process failed: {payload}")
        except asyncio.CancelledError:
            if not self._result.done():
                self._result.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - the rebuild learns it from `done()`
            if not self._result.done():
                self._result.set_exception(error)

    async def done(self) -> HelperDone:
        """What the helper did, once it has ended (its process reaped)."""
        assert self._result is not None
        result = await self._result
        await asyncio.to_thread(self.process.join, 10)
        self._conn.close()
        return result

    async def stop(self) -> None:
        """Stop the helper (a failure elsewhere): terminate it and wait for it."""
        if self._reading is not None and not self._reading.done():
            self._reading.cancel()
            with contextlib.suppress(BaseException):
                await self._reading
        if self.process.is_alive():
            self.process.terminate()
        await asyncio.to_thread(self.process.join, 10)
        self._conn.close()
