"""services/bridge.py: synchronous code in a greenlet on the loop, its waits awaited; and
the aggregate locks a bridged command holds across those waits."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import threading
import uuid

import pytest

from services import bridge
from services.application import AggregateLocks

REQUEST = contextvars.ContextVar("request", default="none")


def _sum_after_waits(a: int, b: int) -> int:
    first = bridge.wait_for(asyncio.sleep(0.001, result=a))
    return first + bridge.wait_for(asyncio.sleep(0.001, result=b))


async def test_the_result_of_the_synchronous_code_and_its_waits() -> None:
    assert await bridge.run(_sum_after_waits, 2, b=40) == 42


async def test_an_exception_of_a_wait_is_raised_inside_the_code_and_can_be_handled() -> None:
    async def refuse() -> None:
        raise LookupError("nope")

    def code() -> str:
        try:
            bridge.wait_for(refuse())
        except LookupError as error:
            return f"handled {error}"
        return "not raised"

    assert await bridge.run(code) == "handled nope"


async def test_an_exception_of_the_code_reaches_the_caller() -> None:
    def code() -> None:
        bridge.wait_for(asyncio.sleep(0))
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await bridge.run(code)


async def test_waits_of_several_commands_interleave_on_one_thread() -> None:
    order: list[str] = []

    def code(name: str, pause: float) -> str:
        order.append(f"{name} begins")
        bridge.wait_for(asyncio.sleep(pause))
        order.append(f"{name} ends")
        return threading.current_thread().name

    threads = await asyncio.gather(bridge.run(code, "slow", 0.05), bridge.run(code, "fast", 0))
    assert order == ["slow begins", "fast begins", "fast ends", "slow ends"]
    assert set(threads) == {threading.current_thread().name}


async def test_cancelling_the_caller_runs_the_codes_finally_and_cancels_the_caller() -> None:
    released: list[bool] = []
    entered = asyncio.Event()

    def code() -> None:
        try:
            entered.set()
            bridge.wait_for(asyncio.sleep(10))
        finally:
            released.append(True)

    task = asyncio.create_task(bridge.run(code))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert released == [True]


async def test_the_code_sees_the_callers_context_and_its_own_changes_stay_inside() -> None:
    def code() -> str:
        seen = REQUEST.get()
        REQUEST.set("changed inside")
        bridge.wait_for(asyncio.sleep(0))
        return seen + " / " + REQUEST.get()

    REQUEST.set("request 7")
    assert await bridge.run(code) == "request 7 / changed inside"
    assert REQUEST.get() == "request 7"


async def test_blocking_calls_of_bridged_code_run_on_a_thread_in_its_context() -> None:
    loop_thread = threading.current_thread().name

    def where() -> tuple[str, str]:
        return threading.current_thread().name, REQUEST.get()

    REQUEST.set("request 8")
    thread, seen = await bridge.run(lambda: bridge.blocking(where))
    assert thread != loop_thread
    assert seen == "request 8"
    # Outside a bridged greenlet the call is made where it is.
    assert bridge.blocking(where) == (loop_thread, "request 8")
    assert not bridge.in_bridge()
    assert await bridge.run(bridge.in_bridge) is True


def test_wait_for_outside_a_bridged_greenlet_is_refused() -> None:
    coroutine = asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="outside"):
        bridge.wait_for(coroutine)
    assert inspect.getcoroutinestate(coroutine) == inspect.CORO_CLOSED  # not left pending


async def test_bridged_commands_take_an_aggregate_in_turn_and_others_at_once() -> None:
    locks = AggregateLocks()
    one, other = uuid.uuid4(), uuid.uuid4()
    while one.int % 256 == other.int % 256:
        other = uuid.uuid4()
    trace: list[str] = []

    def command(name: str, aggregate_id: uuid.UUID) -> None:
        locks.acquire(aggregate_id)
        try:
            trace.append(f"{name}+")
            assert locks.holding()
            bridge.wait_for(asyncio.sleep(0.02))
            trace.append(f"{name}-")
        finally:
            locks.release(aggregate_id)
        assert not locks.holding()

    await asyncio.gather(
        bridge.run(command, "a", one),
        bridge.run(command, "b", one),
        bridge.run(command, "c", other),
    )
    # a and b never overlap on the same aggregate; c on another one runs beside a.
    assert sorted(trace) == ["a+", "a-", "b+", "b-", "c+", "c-"]
    assert trace.index("a-") < trace.index("b+") < trace.index("b-")
    assert trace.index("c+") < trace.index("a-")


async def test_a_bridged_command_waits_for_a_thread_holding_its_aggregate() -> None:
    locks = AggregateLocks()
    aggregate_id = uuid.uuid4()
    held, release = threading.Event(), threading.Event()
    trace: list[str] = []

    def thread_command() -> None:
        locks.acquire(aggregate_id)
        try:
            held.set()
            release.wait(5)
            trace.append("thread done")
        finally:
            locks.release(aggregate_id)

    thread = threading.Thread(target=thread_command)
    thread.start()
    await asyncio.to_thread(held.wait, 5)

    def bridged() -> bool:
        acquired_at_once = locks.acquire(aggregate_id, blocking=False)
        assert not acquired_at_once
        locks.acquire(aggregate_id)  # polls the loop meanwhile
        try:
            trace.append("bridged")
            return locks.acquire(aggregate_id)  # re-entrant
        finally:
            locks.release(aggregate_id)
            locks.release(aggregate_id)

    task = asyncio.create_task(bridge.run(bridged))
    await asyncio.sleep(0.05)
    assert not task.done()  # still waiting, and the loop runs meanwhile
    release.set()
    assert await asyncio.wait_for(task, 5) is True
    thread.join(5)
    assert trace == ["thread done", "bridged"]


def test_releasing_a_lock_not_held_is_refused() -> None:
    locks = AggregateLocks()
    with pytest.raises(RuntimeError, match="not held"):
        locks.release(uuid.uuid4())
