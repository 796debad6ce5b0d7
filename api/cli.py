"""The `tvaers` command line: serve the API, check the database, views, users and grants."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import signal
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from api.logging import UVICORN_LOGGING, configure_logging
from services.settings import Settings, SettingsError

if TYPE_CHECKING:
    from projections.runner import Status


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.workers > 1 and (settings.store != "postgresql" or settings.projections != "external"):
        sys.stderr.write(
            "tvaers: --workers needs PostgreSQL and TVAERS_PROJECTIONS=external, with a"
            " `tvaers project run` beside the API processes (docs/operations.md, Scaling"
            " out); with the embedded projections, run one process\n"
        )
        return 2
    if args.demo and _demo(args, settings) != 0:
        return 1
    import uvicorn  # noqa: PLC0415 - only the serve command needs the ASGI server

    from api.app import create_app  # noqa: PLC0415 - keep `check-db` free of web imports

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "server_header": False,  # no "Server: uvicorn" banner (api/security_headers.py)
        **UVICORN_LOGGING,  # uvicorn's records through structlog's renderer
    }
    if args.workers > 1:
        # Each worker process builds its app from the same environment; the session key
        # they must share is made here first when it is kept in a file (else the workers
        # would race to create it).
        from api.auth import session_secret  # noqa: PLC0415

        session_secret(settings)
        uvicorn.run("api.app:create_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)
    return 0


def _check_db(_: argparse.Namespace, settings: Settings) -> int:
    from services.application import Tvaers  # noqa: PLC0415

    try:
        tvaers = Tvaers(settings)
        head = tvaers.max_notification_id()
        tvaers.close()
    except Exception as error:  # noqa: BLE001 - report any connection failure readably
        sys.stderr.write(f"tvaers: cannot use {settings.describe()}: {error}\n")
        return 1
    sys.stdout.write(f"ok: {settings.describe()} ({head} events)\n")
    return 0


class _Progress:
    """A one-line progress bar on a terminal; a line per 10% otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.last_decile = -1

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        rate = done / max(time.monotonic() - self.started, 1e-9)
        if sys.stderr.isatty():
            bar = "#" * int(share * 30)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {done}/{total} events ({rate:,.0f}/s)")
            if done >= total:
                sys.stderr.write("\n")
        elif int(share * 10) > self.last_decile:
            self.last_decile = int(share * 10)
            sys.stderr.write(f"{self.label}: {done}/{total} events ({rate:,.0f}/s)\n")
        sys.stderr.flush()


async def _project(args: argparse.Namespace, settings: Settings) -> int:
    from api.readside import open_read_side  # noqa: PLC0415
    from projections.runner import RebuildFailed  # noqa: PLC0415
    from services.application import Tvaers  # noqa: PLC0415

    tvaers = Tvaers(settings)
    try:
        async with open_read_side(settings, tvaers, follow=False) as read_side:
            runner = read_side.runner
            if args.action == "status":
                await runner.setup()
                if settings.store == "postgresql":
                    await _print_projector(settings)
                return _print_status(await runner.status())
            await runner.setup()
            names = args.names or None  # the action is "rebuild" ("run": `_run_projector`)
            try:
                count = await runner.rebuild(names, progress=_Progress("rebuild"))
            except RebuildFailed as failed:
                sys.stderr.write(f"\ntvaers: {failed}\n")
                return 1
            except KeyError:  # an unknown view: a usage error (exit code 2, listing them)
                raise
            except Exception as error:  # noqa: BLE001 - the store: say so readably
                sys.stderr.write(
                    f"\ntvaers: the rebuild failed, the views are unchanged: {error}\n"
                )
                return 1
            sys.stdout.write(f"rebuilt {', '.join(names or ['all'])}: {count} events\n")
            return 0
    finally:
        tvaers.close()


async def _run_projector(settings: Settings) -> int:
    """`tvaers project run`: one of any number of replicas; the elected one keeps the views.

    PostgreSQL: the replica holding the advisory lock `projections.leader.LOCK_KEY` is the
    active projector (setup, catch-up, following, housekeeping); the others stand by and
    take over within seconds when it dies (docs/operations.md, "Scaling out"). SQLite is
    single-process: there the runner simply runs.
    """
    from api.readside import open_read_side  # noqa: PLC0415
    from projections.leader import Election  # noqa: PLC0415
    from services.application import Tvaers  # noqa: PLC0415

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    election: Election | None = None  # PostgreSQL only
    if settings.store != "sqlite":
        dsn, server_settings = settings.asyncpg_dsn()
        election = Election(dsn, server_settings=server_settings)

    async def lead() -> None:
        """Set up, catch up and follow until cancelled (the lock lost, or asked to stop).
        Only the elected replica opens the application: standbys touch no table."""
        tvaers = await asyncio.to_thread(Tvaers, settings)
        try:
            # It follows the log itself below, after setup and catching up: it must hear
            # each commit's NOTIFY (without it, a follower that found nothing new slept its
            # whole idle wait, a second, before it looked again).
            # Its sessions carry the election's name: a later leader ends those that block
            # it should this process hang (projections/leader.py).
            named = election.application_name if election is not None else None
            async with open_read_side(
                settings, tvaers, follow=False, listen=True, application_name=named
            ) as read_side:
                try:
                    rebuilt = await read_side.runner.setup()
                    if rebuilt:
                        sys.stdout.write(f"rebuilt after a version change: {', '.join(rebuilt)}\n")
                    await read_side.runner.catch_up(progress=_Progress("catch up"))
                    sys.stderr.write("following the event log (Ctrl-C to stop)\n")
                    read_side.runner.linger = settings.projector_interval / 1000
                    read_side.start_following()
                    await asyncio.Event().wait()  # until cancelled
                finally:
                    await read_side.stop(at_once=True)  # no batch begins or commits after this
        finally:
            tvaers.close()

    if election is None:  # SQLite
        work = asyncio.ensure_future(lead())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (work, stopping):
            task.cancel()
        await asyncio.gather(work, stopping, return_exceptions=True)
        if not work.cancelled() and work.exception() is not None:
            raise work.exception()  # type: ignore[misc]
        return 0
    await election.run(lead, stop)
    return 0


async def _print_projector(settings: Settings) -> None:
    """Which `tvaers project run` replica is active (PostgreSQL: the advisory lock's holder)."""
    from projections.leader import active_projector  # noqa: PLC0415

    dsn, server_settings = settings.asyncpg_dsn()
    active = await active_projector(dsn, server_settings=server_settings)
    if active is None:
        sys.stdout.write(
            "active projector: NONE (no `tvaers project run` holds the lock: the views stand"
            " still)\n"
        )
        return
    sys.stdout.write(
        f"active projector: {active.replica or active.application_name}"
        f" (from {active.client or 'local socket'}, since {active.since:%Y-%m-%d %H:%M:%S %Z})\n"
    )


def _print_status(statuses: Sequence[Status]) -> int:
    """The views' table; then each stuck view's failure. Exit code 1 when one is stuck."""
    sys.stdout.write(f"{'projection':<20} {'version':>7} {'position':>10} {'lag':>8}  state\n")
    for status in statuses:
        state = "ok" if status.failure is None else "STUCK"
        sys.stdout.write(
            f"{status.name:<20} {status.version:>7} {status.position:>10}"
            f" {status.lag:>8}  {state}\n"
        )
    stuck = [s.failure for s in statuses if s.failure is not None]
    for failure in stuck:
        sys.stdout.write(
            f"\n{failure.name} is stuck at event {failure.notification_id}"
            f" ({failure.attempts} attempts since {failure.first_failed_at:%Y-%m-%d %H:%M:%S}"
            f" UTC, last {failure.last_failed_at:%H:%M:%S}): {failure.error}\n"
        )
    if stuck:
        sys.stdout.write(
            "\nThe other views go on. Fix the cause (an upgrade), then the follower retries by"
            " itself, or run `tvaers project rebuild NAME`.\n"
        )
    return 1 if stuck else 0


def _projections(args: argparse.Namespace, settings: Settings) -> int:
    from projections.runner import run as run_loop  # noqa: PLC0415 - uvloop's asyncio.run

    try:
        if args.action == "run":
            return run_loop(_run_projector(settings))
        return run_loop(_project(args, settings))
    except KeyError as error:
        sys.stderr.write(f"tvaers: {error.args[0]}\n")
        return 2


def _events(args: argparse.Namespace, settings: Settings) -> int:
    """`tvaers events export|import FILE`: the whole event log as JSON Lines (services.transfer)."""
    from services import transfer  # noqa: PLC0415
    from services.application import Tvaers  # noqa: PLC0415

    if args.keys == "-":
        sys.stderr.write("tvaers: --keys needs a file name, not '-'\n")
        return 2
    tvaers = Tvaers(settings)
    started = time.monotonic()
    try:
        with contextlib.ExitStack() as files:
            keys = None
            if args.action == "export":
                out = (
                    sys.stdout.buffer
                    if args.file == "-"
                    else files.enter_context(open(args.file, "wb"))
                )
                if args.keys:
                    keys = files.enter_context(transfer.open_private(args.keys))
                steps = transfer.export_events(tvaers, out, keys_out=keys)
            else:
                source = (
                    sys.stdin.buffer
                    if args.file == "-"
                    else files.enter_context(open(args.file, "rb"))
                )
                if args.keys:
                    keys = files.enter_context(open(args.keys, "rb"))
                steps = transfer.import_events(tvaers, source, keys_source=keys)
            bars: dict[str, _Progress] = {}
            done = 0
            for step in steps:
                bars.setdefault(step.phase, _Progress(step.phase))(step.done, step.total)
                done = step.done
    except (transfer.TransferError, OSError) as error:
        sys.stderr.write(f"tvaers: {args.action} failed: {error}\n")
        return 1
    finally:
        tvaers.close()
    seconds = time.monotonic() - started
    verb = "exported" if args.action == "export" else "imported"
    with_keys = "with the personal-data keys" if args.keys else "WITHOUT the personal-data keys"
    report = sys.stderr if args.file == "-" else sys.stdout
    report.write(f"{verb} {done} events {with_keys} in {seconds:.1f} s\n")
    if args.action == "import":
        report.write("build the views with `tvaers project rebuild` (or start the server)\n")
    return 0


def _cli_actor() -> str:
    """Changes made on the command line are recorded as the operating-system user's."""
    return f"cli:{getpass.getuser()}"


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ValueError("The two passwords differ.")
    return first


def _users(args: argparse.Namespace, settings: Settings) -> int:
    from aggregates import Meta, TokenKind  # noqa: PLC0415
    from aggregates.account import AccessRole  # noqa: PLC0415
    from aggregates.errors import DomainError  # noqa: PLC0415
    from services.application import Tvaers  # noqa: PLC0415
    from services.commands import CreateAccount, Envelope, GrantAccess  # noqa: PLC0415

    tvaers = Tvaers(settings)
    meta = Meta(actor=_cli_actor(), reason=args.reason)
    try:
        if args.command == "grant":
            result = tvaers.execute(
                GrantAccess(
                    username=args.username,
                    role=AccessRole(args.role),
                    partnership_id=UUID(args.partnership) if args.partnership else None,
                    municipality=args.municipality,
                ),
                Envelope(meta),
            )
            sys.stdout.write(f"granted {args.role} to {args.username}: grant {result.created_id}\n")
        elif args.action == "create":
            tvaers.execute(
                CreateAccount(
                    username=args.username,
                    display_name=args.display_name or args.username,
                    password=_read_password(args),
                    is_admin=args.admin,
                ),
                Envelope(meta),
            )
            role = "administrator" if args.admin else "user"
            sys.stdout.write(f"created {role} {args.username.strip().lower()}\n")
        elif args.action == "token":
            issued = tvaers.issue_token(
                args.username, TokenKind.BEARER, args.label, timedelta(days=args.days), meta
            )
            sys.stderr.write(f"token {issued.token_id}, valid until {issued.expires_at:%Y-%m-%d}\n")
            sys.stdout.write(issued.token + "\n")
    except (DomainError, ValueError) as error:
        sys.stderr.write(f"tvaers: {getattr(error, 'detail', error)}\n")
        return 1
    finally:
        tvaers.close()
    return 0


def _unlock(args: argparse.Namespace, settings: Settings) -> int:
    """Lift a login lock (failed logins of a name), e.g. an administrator's own."""
    from datetime import UTC, datetime  # noqa: PLC0415

    from api.readside import build_store  # noqa: PLC0415
    from api.throttle import throttle_name  # noqa: PLC0415
    from projections import login_throttle  # noqa: PLC0415

    name = throttle_name(args.username)

    async def lift() -> bool:
        store = build_store(settings)
        await store.open()
        try:
            return await login_throttle.lift(store, name, actor=_cli_actor(), now=datetime.now(UTC))
        finally:
            await store.close()

    if asyncio.run(lift()):
        sys.stdout.write(f"lifted the login lock of {name}\n")
    else:
        sys.stdout.write(f"no failed logins recorded for {name}\n")
    return 0


def _demo(_: argparse.Namespace, settings: Settings) -> int:
    from services.application import Tvaers  # noqa: PLC0415
    from services.demo import DEMO_PASSWORD, load_demo  # noqa: PLC0415

    tvaers = Tvaers(settings)
    try:
        summary = load_demo(tvaers)
    finally:
        tvaers.close()
    if summary.already_loaded:
        sys.stdout.write(
            "demo data already loaded (the demo-admin account exists): nothing written\n"
        )
    else:
        sys.stdout.write(
            f"loaded {summary.partnerships} partnerships, {summary.organisations} organisations,"
            f" {summary.persons} persons: {summary.events} events in {summary.seconds:.1f} s\n"
        )
    sys.stdout.write(
        f"{summary.total_events} events in the store; {len(summary.users)} demo users\n"
    )
    sys.stdout.write(f"demo logins (password for all: {DEMO_PASSWORD}):\n")
    for username, access in summary.users:
        sys.stdout.write(f"  {username:<20} {access}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tvaers",
        description="Tværs: partnership registry for cross-sector health partnerships.",
        epilog="The store comes from TVAERS_DATABASE_URL (default: SQLite at var/tvaers.sqlite3).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument(
        "--demo", action="store_true", help="load the demo data first (skipped if loaded)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="API processes (default 1); more than one needs PostgreSQL and"
        " TVAERS_PROJECTIONS=external with `tvaers project run` beside them",
    )
    serve.set_defaults(handler=_serve)
    check = commands.add_parser("check-db", help="connect to the store and report which it is")
    check.set_defaults(handler=_check_db)
    project = commands.add_parser("project", help="run, rebuild or inspect the views")
    actions = project.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("run", help="catch up, then follow the event log (a worker process)")
    rebuild = actions.add_parser("rebuild", help="drop and replay views from the first event")
    rebuild.add_argument("names", nargs="*", metavar="NAME", help="projections (default: all)")
    actions.add_parser("status", help="position and lag of every projection")
    project.set_defaults(handler=_projections)

    events = commands.add_parser(
        "events",
        help="export the event log to a JSON Lines file, or import one into an empty store",
    )
    event_actions = events.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = event_actions.add_parser("export", help="write every event, in order ('-': stdout)")
    load = event_actions.add_parser(
        "import", help="load an export into an EMPTY store ('-': stdin)"
    )
    for sub in (export, load):
        sub.add_argument("file", metavar="FILE")
        keys_choice = sub.add_mutually_exclusive_group(required=True)
        keys_choice.add_argument(
            "--keys",
            metavar="KEYFILE",
            help="the personal-data keys, in a file of their own (keep it apart, short-lived)",
        )
        keys_choice.add_argument(
            "--no-keys",
            action="store_true",
            help="without the keys: contact details are unreadable in the target",
        )
    events.set_defaults(handler=_events)

    user = commands.add_parser("user", help="create users and tokens (bootstrap the first admin)")
    user_actions = user.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = user_actions.add_parser("create", help="create a user (password asked, or stdin)")
    create.add_argument("username")
    create.add_argument("--display-name", default=None, help="name shown in the UI")
    create.add_argument("--admin", action="store_true", help="an administrator")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    token = user_actions.add_parser("token", help="issue a bearer token (printed once)")
    token.add_argument("username")
    token.add_argument("--label", default="cli", help="what the token is for")
    token.add_argument("--days", type=int, default=90, help="lifetime in days (default 90)")
    for sub in (create, token):
        sub.add_argument("--reason", default=None, help="recorded with the change")
    unlock = user_actions.add_parser(
        "unlock", help="lift a login lock: forget the failed logins of a username"
    )
    unlock.add_argument("username")
    unlock.set_defaults(handler=_unlock)
    user.set_defaults(handler=_users)

    grant = commands.add_parser("grant", help="grant a user a role on a partnership/municipality")
    grant.add_argument("username")
    grant.add_argument("role", choices=["project_leader", "steering_member", "evaluator"])
    scope = grant.add_mutually_exclusive_group(required=True)
    scope.add_argument("--partnership", metavar="ID", help="one partnership (its id)")
    scope.add_argument("--municipality", metavar="NAME", help="every partnership of a municipality")
    grant.add_argument("--reason", default=None, help="recorded with the grant")
    grant.set_defaults(handler=_users)

    demo = commands.add_parser("demo", help="load demo data (idempotent)")
    demo_actions = demo.add_subparsers(dest="action", required=True, metavar="ACTION")
    demo_actions.add_parser("load", help="write the demo partnerships and users")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.stderr.write(f"tvaers: configuration error: {error}\n")
        return 2
    configure_logging(settings)
    code: int = args.handler(args, settings)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
