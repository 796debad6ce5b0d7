"""Rebuild (or resume) every view in a process of its own, for the crash-safety test to kill.

    python -m tests.projections.rebuild_worker DATABASE_URL [--resume | --shadow] [--batch-size N]
    python -m tests.projections.rebuild_worker DATABASE_URL --serve [--batch-size N]

Opens the read side as the API and the CLI do (`build_store`, `ProjectionRunner` over
`ALL`, decoding with the application's mapper) and writes "ready" once set up, then
"batch <position>" after each batch it commits. Without
`--resume` it empties every view in place and builds it again from the first event (as
after a version change: `runner.reset()`, then `catch_up`); with it, it only brings the
views up to the head from their stored positions. With `--shadow` it runs
`runner.rebuild()`, which builds beside the live views and switches at the end. It writes
"done <events covered>" and exits 0 when the views have reached the head.

While rebuilding (`--shadow`), it also writes "phase <name>" when it enters a step of the
rebuild, as far as the store's methods show them (e.g. "phase begin_rebuild", "phase
copy_streamed", "phase finish_rebuild", "phase switch_shadow", and "phase switched" once
the switch has returned), so that a test killing it can tell where the kill landed.

With `--helper` the rebuild takes a helper process (projections/parallel.py) whatever the
log's size, in chunks of 20 events.

`--serve` pays the imports once: for each line "rebuild", "resume" or "shadow" from stdin it
forks a worker process doing just that, writes "started <pid>", waits for the worker to
end (normally or killed) and writes "exited <pid> <exit code>" (negative: the signal).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import projections.runner as runner_module
from api.readside import build_store, rebuild_decoder_for
from projections import parallel
from projections.catalog import ALL
from projections.runner import ProjectionRunner
from services.application import Tvaers
from services.settings import Settings


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# The store's steps of a rebuild, by method name (whichever of these the store has).
PHASES = ("shadow", "rebuild", "copy", "switch", "index", "apply", "execute_script", "read")


def announce_phases(store: object) -> None:
    """Wrap the store's rebuild steps so that each writes "phase <name>" when entered
    (once per run of consecutive calls), and "phase switched" after a switch returns."""
    last: list[str] = [""]

    def wrap(name: str, method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(method)
        async def announced(*args: Any, **kwargs: Any) -> Any:
            if last[0] != name:
                last[0] = name
                say(f"phase {name}")
            result = await method(*args, **kwargs)
            if "switch" in name:
                last[0] = "switched"
                say("phase switched")
            return result

        return announced

    for name in dir(store):
        if name.startswith("_") or not any(part in name for part in PHASES):
            continue
        method = getattr(store, name)
        if inspect.iscoroutinefunction(method):
            setattr(store, name, wrap(name, method))


async def work(
    database_url: str,
    *,
    resume: bool,
    batch_size: int,
    shadow: bool = False,
    helper: bool = False,
) -> int:
    settings = Settings(database_url=database_url, postgres_pool_size=2)
    app = Tvaers(settings)
    store = build_store(settings)
    try:
        await store.open()
        runner = ProjectionRunner(  # as api/readside.py builds it
            store,
            ALL,
            app.mapper.to_domain_event,
            batch_size=batch_size,
            rebuild_decoder=app.rebuild_decoder,
        )
        if helper:  # a helper process whatever the log's size, and small chunks
            parallel.PARALLEL_FROM = 1
            runner_module.REBUILD_CHUNK = 20
            runner.helper_decoder = functools.partial(rebuild_decoder_for, settings)
        await runner.setup()
        say("ready")

        def progress(position: int, _head: int) -> None:
            say(f"batch {position}")

        if shadow:
            announce_phases(store)
            covered = await runner.rebuild(progress=progress)
        elif resume:
            covered = await runner.catch_up(progress=progress)
        else:
            await runner.reset()
            covered = await runner.catch_up(progress=progress)
        say(f"done {covered}")
        return 0
    finally:
        await store.close()
        app.close()


def serve(database_url: str, *, batch_size: int) -> int:
    for line in sys.stdin:
        command = line.strip()
        if command not in ("rebuild", "resume", "shadow"):
            say(f"error unknown command {command!r}")
            return 2
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the worker: a process of its own, with its own connections
            code = 1
            try:
                code = asyncio.run(
                    work(
                        database_url,
                        resume=command == "resume",
                        batch_size=batch_size,
                        shadow=command == "shadow",
                    )
                )
            except BaseException:
                traceback.print_exc()
                raise
            finally:  # leave at once: the parent's cleanup is not the worker's
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        say(f"started {pid}")
        _, status = os.waitpid(pid, 0)
        say(f"exited {pid} {os.waitstatus_to_exitcode(status)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.projections.rebuild_worker")
    parser.add_argument("database_url")
    parser.add_argument("--resume", action="store_true", help="catch up; do not start over")
    parser.add_argument("--serve", action="store_true", help="fork a worker per stdin line")
    parser.add_argument("--shadow", action="store_true", help="runner.rebuild(), then switch")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--helper", action="store_true", help="rebuild with a helper process")
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.database_url, batch_size=args.batch_size)
    return asyncio.run(
        work(
            args.database_url,
            resume=args.resume,
            batch_size=args.batch_size,
            shadow=args.shadow,
            helper=args.helper,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
