"""Synchronous command code on the event loop, its database waits awaited (ADR 0030).

A command is synchronous code (eventsourcing's Application, the aggregates' rules) with
a few database round trips in the middle. On a thread of its own it costs a hop to the
thread and back and the two threads' handing over of the interpreter lock: a quarter of
the API's CPU per command (bench/README.md, session 9). `run` instead runs the
synchronous code in a greenlet on the event loop's thread; where it would wait for the
database it calls `wait_for` with a coroutine, which suspends the greenlet, awaits the
coroutine on the loop (other requests go on meanwhile) and resumes the greenlet with its
result or exception. Only code that knows it may run bridged calls `wait_for` (the event
store's recorders, services/pgstore.py); `blocking` hands any other blocking call of a
bridged greenlet to a thread, so that nothing blocks the loop.

Outside a bridged greenlet (a thread, the CLI, the SQLite store) everything is as
before: `in_bridge()` is false and the recorders use their synchronous connections.

Locks: a bridged greenlet shares its thread with every other request, so a threading
lock held across a `wait_for` would block the whole loop if another greenlet asked for
it. Locks held across database waits are therefore greenlet-aware
(`services.application.AggregateLocks`: their owner is the greenlet, and a greenlet
that must wait polls with `asyncio.sleep`).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar, cast

from greenlet import getcurrent, greenlet

P = ParamSpec("P")
T = TypeVar("T")


class _Bridged(greenlet):
    """A greenlet run by `run`: the only kind in which `wait_for` may suspend."""


def in_bridge() -> bool:
    """True inside `run`'s greenlet: a database wait must go through `wait_for`."""
    return isinstance(getcurrent(), _Bridged)


async def run(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` in a greenlet on this loop; each `wait_for` inside it awaited
    here. Context variables (the log's request id and actor) are the caller's: the
    greenlet runs in a copy of the caller's context. If this task is cancelled while
    `fn` waits, the cancellation is raised inside `fn` at its `wait_for` (so its
    `finally` blocks release what it holds) and then here."""
    child = _Bridged(functools.partial(fn, *args, **kwargs), getcurrent())
    child.gr_context = contextvars.copy_context()
    step: Any = child.switch()
    while not child.dead:
        try:
            value = await cast(Awaitable[Any], step)
        except BaseException as error:  # noqa: BLE001 (cancellation too: raised inside fn)
            step = child.throw(error)
        else:
            step = child.switch(value)
    return cast(T, step)


def wait_for(awaitable: Awaitable[T]) -> T:
    """Suspend this bridged greenlet until `awaitable` is done on the loop; its result
    (or its exception, raised here)."""
    current = getcurrent()
    if not isinstance(current, _Bridged):
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise RuntimeError("wait_for outside services.bridge.run")
    parent = current.parent
    assert parent is not None  # the loop's greenlet, which `run` switched from
    return cast(T, parent.switch(awaitable))


def blocking(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call `fn`, which may block: directly, or, in a bridged greenlet, on the loop's
    executor (a thread), in a copy of this context, awaiting its result."""
    if not in_bridge():
        return fn(*args, **kwargs)
    return wait_for(asyncio.to_thread(fn, *args, **kwargs))
