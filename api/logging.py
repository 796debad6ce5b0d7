"""structlog set-up (once per process) and the request-logging middleware."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
import uuid
from typing import Any

import msgspec
import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from services.settings import Settings

_configured = False


class _Stderr:
    """Whatever `sys.stderr` is when a line is written.

    Logging is configured once per process and loggers are cached on first use, so a
    stream captured at that moment (a test's captured stderr, closed after the test)
    would otherwise be written to for the rest of the process.
    """

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# How `tvaers serve` runs uvicorn: uvicorn installs no handlers or formats of its own
# (log_config=None), so its records reach the root handler below like any stdlib record;
# every request is logged by RequestContextMiddleware, so uvicorn's access log is off.
UVICORN_LOGGING: dict[str, Any] = {"log_config": None, "log_level": "warning", "access_log": False}

# What every line carries, whoever wrote it: the request's ids (when there is a request),
# the logger's name, the level and the time.
_SHARED: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


_ENCODER = msgspec.json.Encoder(enc_hook=repr)


def _json_line(event: Any, **_: Any) -> str:
    return _ENCODER.encode(event).decode()


def _renderer(settings: Settings) -> Any:
    as_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not sys.stderr.isatty()
    )
    if as_json:
        # msgspec encodes a line in ~0.5 us where json.dumps took ~8 (one line a request);
        # what it cannot encode is written as its repr, as structlog's default does.
        return structlog.processors.JSONRenderer(serializer=_json_line)
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())


class _LineLogger:
    """structlog's logger: writes a rendered line through the root's handler.

    structlog's own events skip the standard library's record machinery (that doubled
    the cost of a line, ~35 to ~70 µs); they are written under the handler's lock, so
    they never interleave with the records the handler formats.
    """

    def __init__(self, name: str, handler: logging.StreamHandler[Any]) -> None:
        self.name = name  # structlog.stdlib.add_logger_name reads it
        self._handler = handler

    def msg(self, message: str) -> None:
        with self._handler.lock or contextlib.nullcontext():
            self._handler.stream.write(message + "\n")
            self._handler.flush()

    debug = info = warning = warn = error = err = critical = exception = fatal = msg


def configure_logging(settings: Settings) -> None:
    """Configure structlog and stdlib logging once: JSON off a terminal, console on one.

    One renderer writes every line: structlog's events and the standard library's records
    (uvicorn, asyncio, httpx, eventsourcing) alike, through the root logger's one handler
    (a `ProcessorFormatter` runs the records through the same processors), so a JSON log
    has no plain-text lines in it, and every line has `event`, `level`, `timestamp`,
    `logger`.
    """
    global _configured  # noqa: PLW0603 - process-wide logging is configured exactly once
    if _configured:
        return
    level = logging.getLevelName(settings.log_level)
    if not isinstance(level, int):
        level = logging.INFO
    renderer = _renderer(settings)
    rendering: list[Any] = [
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        renderer,
    ]
    handler = logging.StreamHandler(_Stderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=_SHARED,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
        )
    )
    structlog.configure(
        processors=[*_SHARED, *rendering],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=lambda *args: _LineLogger(str(args[0]) if args else "tvaers", handler),
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    # Plain handlers someone installed before (basicConfig's) would write a second,
    # unformatted line; test frameworks' capturing handlers (subclasses) stay.
    for old in [h for h in root.handlers if type(h) is logging.StreamHandler]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    _configured = True


log = structlog.get_logger("tvaers.http")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class RequestContextMiddleware:
    """Binds request id, correlation id and actor to the log context; logs each request.

    The ids are echoed in the response headers so a user can quote them in a support case.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        ids = uuid.uuid4()  # one random UUID a request: its id, and its correlation's default
        request_id = ids.hex
        correlation_id = _header(scope, b"x-correlation-id") or str(ids)
        actor = "anonymous"  # until authentication says who it is
        state = scope.setdefault("state", {})
        state.update(request_id=request_id, correlation_id=correlation_id, actor=actor)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            request_id=request_id, correlation_id=correlation_id, actor=actor
        )
        status = 500
        started = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-correlation-id", correlation_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.clear_contextvars()
