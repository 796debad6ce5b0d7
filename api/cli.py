"""The `tvaers` command line: serve the API, check the database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api.logging import configure_logging
from services.settings import Settings, SettingsError


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415 - only the serve command needs the ASGI server

    from api.app import create_app  # noqa: PLC0415 - keep `check-db` free of web imports

    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
    )
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
    serve.set_defaults(handler=_serve)
    check = commands.add_parser("check-db", help="connect to the store and report which it is")
    check.set_defaults(handler=_check_db)
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
