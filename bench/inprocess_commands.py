"""API CPU per command in one process, two settings of the same code paired (issue 17).

    .venv/bin/python -m tests.pgserver -- .venv/bin/python bench/inprocess_commands.py \
        [--pairs 20] [--block 384] [--switch thin]

On a shared machine two wrk runs of the same code differ by up to a third
(bench/README.md), which hides a change worth a few per cent. Here the app is driven in
this process by direct ASGI calls (no HTTP server or client: what uvicorn adds is the same
for both settings), and a switch is flipped between blocks of commands: its two settings
alternate block by block (the order swapped every pair), so both see the same moments of
the machine, and the figure is the median of the pairs' ratios of CPU per command
(`time.process_time` of this process: the app, asyncpg, the event loop).

The load is bench/http_commands.py's: `POST /partnerships/{id}/factors` and
`.../milestones` in turn by an administrator holding 300 grants, `--concurrency` (32)
at once, never two on one partnership. The partnerships are seeded over HTTP by a
`tvaers serve` process first; during the measurement `tvaers project run` keeps the views
(its CPU is not counted), as with `--projections external`.

Switches:
- `thin`: the thin path of bearer-token writes and the dependencies resolved in turn
  (api/thin.py, ADR 0027), on (as shipped) and off (Litestar's full stack and task groups);
- `core`: the HTTP layers around the command: the command alone (`execute_on_loop` with
  the same commands, no request), against the whole request;
- `snapshots`: every 100th event's snapshot taken from the aggregate just saved (as
  shipped, ADR 0033), against the library's way (the aggregate rebuilt from the store at
  that version, then snapshotted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import _http
import generate
import http_commands as hc
import httpx
import msgspec
from eventsourcing.application import Application
from litestar._kwargs.dependencies import create_dependency_batches
from litestar.routes import HTTPRoute

from aggregates import Meta
from api.app import create_app
from api.thin import ThinWrites
from services.commands import Envelope, RecordFactor, RecordMilestone
from services.settings import Settings

PARTNERSHIPS = 300


def seed() -> tuple[dict[str, str], str, list[str]]:
    """A fresh database with `PARTNERSHIPS` partnerships of `bench-300`; the env and token."""
    admin = generate.admin_url()
    url = generate.fresh_database(admin, "bench_inprocess_commands")
    server = _http.ApiServer(url, workers=1, projections="external")
    token = _http.bootstrap_user(server.env, "bench-300", admin=True)
    with server, httpx.Client(base_url=server.url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        ids = hc.seed(client, PARTNERSHIPS, "300")
        hc.settle(client)
    return server.env, token, ids


def fields(n: int) -> tuple[str, dict[str, Any]]:
    """The n-th command's path suffix and body fields (factors and milestones in turn)."""
    if n % 2 == 0:
        return "factors", {
            "origin": "internal",
            "effect": "promoting",
            "description": f"Faktor {n}",
        }
    return "milestones", {
        "dimension": "method",
        "status": "started",
        "title": f"Milepæl {n}",
        "evidence": {"text": "Referat fra styregruppemødet"},
    }


async def request(app: Any, token: str, pid: str, n: int) -> int:
    """One command through the whole app, as uvicorn would call it; its status."""
    kind, made = fields(n)
    data = json.dumps(made).encode()
    path = f"/partnerships/{pid}/{kind}"
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-length", str(len(data)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": data, "more_body": False}
        await asyncio.Event().wait()  # the client never disconnects
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0] if status else 0


async def command(app: Any, pid: str, n: int) -> int:
    """The same command without the request: the application's `execute_on_loop`."""
    kind, made = fields(n)
    # Read from the same fields as the API reads a body (enumerations and all).
    command_type = RecordFactor if kind == "factors" else RecordMilestone
    command = msgspec.convert({**made, "partnership_id": pid}, command_type)
    await app.state.tvaers.execute_on_loop(command, Envelope(Meta(actor="bench-300")))
    return 201


async def block(
    app: Any, token: str, ids: list[str], size: int, concurrency: int, bare: bool, first: int
) -> float:
    """`size` commands, `concurrency` at once; ms of this process's CPU per command."""
    failed: list[int] = []

    async def worker(w: int) -> None:
        mine = ids[w::concurrency]
        for i in range(size // concurrency):
            n = first + w * 1_000_000 + i
            pid = mine[i % len(mine)]
            status = await (command(app, pid, n) if bare else request(app, token, pid, n))
            if status != 201:
                failed.append(status)

    cpu = time.process_time()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    used = time.process_time() - cpu
    if failed:
        raise RuntimeError(f"{len(failed)} commands failed, e.g. status {failed[0]}")
    return 1000 * used / (size // concurrency * concurrency)


def snapshots_switch(app: Any) -> Callable[[bool], None]:
    """Snapshots from memory (True), or the library's `_take_snapshots` (rebuilt)."""
    tvaers = app.state.tvaers

    def switch(on: bool) -> None:
        if on:
            tvaers.__dict__.pop("_take_snapshots", None)
        else:
            tvaers.__dict__["_take_snapshots"] = partial(Application._take_snapshots, tvaers)

    return switch


def thin_switch(app: Any) -> Callable[[bool], None]:
    """The thin path and the dependencies in turn, on (True) or off."""
    exceptions = app.asgi_handler
    while not isinstance(getattr(exceptions, "app", None), ThinWrites):
        exceptions = exceptions.app
    thin = exceptions.app
    # Litestar's own batches, from every dependency (the batches in turn hold them all).
    models = [
        (
            model,
            model.dependency_batches,
            create_dependency_batches({d for batch in model.dependency_batches for d in batch}),
        )
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for _handler, model in route.route_handler_map.values()
    ]

    def switch(on: bool) -> None:
        exceptions.app = thin if on else thin.router
        for model, in_turn, litestars in models:
            model.dependency_batches = in_turn if on else litestars

    return switch


async def measure(
    args: argparse.Namespace, env: dict[str, str], token: str, ids: list[str]
) -> None:
    os.environ.update(env)
    projector = subprocess.Popen(
        [str(_http.BIN / "tvaers"), "project", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    app = create_app(Settings.from_env())
    names = {
        "thin": ("thin path on", "thin path off"),
        "core": ("request", "command alone"),
        "snapshots": ("snapshots from memory", "snapshots rebuilt"),
    }[args.switch]
    try:
        async with app.lifespan():
            switches = {"thin": thin_switch, "snapshots": snapshots_switch}
            flip = switches[args.switch](app) if args.switch in switches else lambda _on: None
            await block(app, token, ids, args.block, args.concurrency, False, 0)  # warm-up
            figures: dict[bool, list[float]] = {True: [], False: []}
            n = 1
            for pair in range(args.pairs):
                for setting in (True, False) if pair % 2 == 0 else (False, True):
                    flip(setting)
                    bare = args.switch == "core" and not setting
                    figures[setting].append(
                        await block(app, token, ids, args.block, args.concurrency, bare, n)
                    )
                    n += args.block
            flip(True)
    finally:
        projector.terminate()
        projector.wait(timeout=30)
    for setting, name in zip((True, False), names, strict=True):
        values = ", ".join(f"{x:.3f}" for x in figures[setting])
        median = statistics.median(figures[setting])
        print(f"{name}: median {median:.3f} ms of CPU a command (blocks: {values})")
    ratios = [off / on for on, off in zip(figures[True], figures[False], strict=True)]
    print(
        f"{names[1]} / {names[0]}: median of the {args.pairs} pairs' ratios"
        f" {statistics.median(ratios):.3f} (range {min(ratios):.3f}-{max(ratios):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--switch", choices=["thin", "core", "snapshots"], default="thin")
    parser.add_argument("--pairs", type=int, default=20, help="pairs of blocks (20)")
    parser.add_argument("--block", type=int, default=384, help="commands a block (384)")
    parser.add_argument("--concurrency", type=int, default=32, help="commands at once (32)")
    args = parser.parse_args()
    print(f"code: {generate.code_version()}")
    print(f"machine: {_http.machine_line()}")
    env, token, ids = seed()
    print(
        f"seeded {len(ids)} partnerships; {args.pairs} pairs of {args.block} commands,"
        f" {args.concurrency} at once; switch: {args.switch}"
    )
    try:
        import uvloop  # noqa: PLC0415 - as uvicorn uses it when installed

        uvloop.install()
    except ImportError:
        pass
    # The app's log lines (one a request, as in production) go to a file, not the terminal.
    with tempfile.NamedTemporaryFile("w", prefix="tvaers-inprocess-", suffix=".log") as log:
        print(f"the app's log: {log.name}")
        sys.stderr = log
        try:
            asyncio.run(measure(args, env, token, ids))
        finally:
            sys.stderr = sys.__stderr__


if __name__ == "__main__":
    main()
