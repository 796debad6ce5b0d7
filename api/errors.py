"""One table from exceptions to RFC 9457 problem details; no stack trace ever reaches a client."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import msgspec
import structlog
from litestar import Litestar, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.routes import HTTPRoute
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_412_PRECONDITION_FAILED,
    HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_429_TOO_MANY_REQUESTS,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.typing import FieldDefinition

from aggregates.errors import DomainError, NotFound
from api.body import UnsupportedMediaType
from projections.core import InvalidQuery, QueryRefused, UnknownPosition
from projections.runner import StillCatchingUp
from projections.store import DATABASE_UNREACHABLE as READ_STORE_UNREACHABLE
from services.database import DATABASE_UNREACHABLE as EVENT_STORE_UNREACHABLE
from services.errors import (
    ConcurrencyConflict,
    InvalidCredentials,
    LastAdministrator,
    StaleVersion,
)
from services.fields import PATTERN_WORDS
from services.settings import SettingsError

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"

log = structlog.get_logger("tvaers.errors")


def problem(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body["request_id"] = request_id
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _status_for(error: DomainError) -> int:
    if isinstance(error, InvalidCredentials):
        return HTTP_401_UNAUTHORIZED
    if isinstance(error, StaleVersion):
        return HTTP_412_PRECONDITION_FAILED
    if isinstance(error, ConcurrencyConflict | LastAdministrator):
        return HTTP_409_CONFLICT
    if isinstance(error, NotFound):
        return HTTP_404_NOT_FOUND
    return HTTP_422_UNPROCESSABLE_ENTITY


def domain_error_handler(
    request: Request[Any, Any, Any], error: DomainError
) -> Response[dict[str, Any]]:
    extra: dict[str, Any] = {}
    headers: dict[str, str] | None = None
    if isinstance(error, StaleVersion):
        extra["current_version"] = error.current
        headers = {"ETag": f'"{error.current}"'}
    field = getattr(error, "field", None)  # TextRefused, DateOutOfRange: which field
    if isinstance(field, str) and field:
        extra["errors"] = [{"field": field, "message": error.detail, "source": "body"}]
    log.info("domain error", code=error.code, detail=error.detail)
    return problem(
        request,
        status=_status_for(error),
        code=error.code,
        title=error.title,
        detail=error.detail,
        headers=headers,
        **extra,
    )


def catching_up_handler(
    request: Request[Any, Any, Any], error: StillCatchingUp
) -> Response[dict[str, Any]]:
    return problem(
        request,
        status=HTTP_503_SERVICE_UNAVAILABLE,
        code="catching-up",
        title="The views are still catching up",
        detail=str(error),
        headers={"Retry-After": "1"},
        wanted=error.wanted,
        reached=error.reached,
    )


def query_error_handler(
    request: Request[Any, Any, Any], error: InvalidQuery
) -> Response[dict[str, Any]]:
    return problem(
        request, status=400, code="invalid-request", title="Invalid request", detail=str(error)
    )


def query_refused_handler(
    request: Request[Any, Any, Any], error: QueryRefused
) -> Response[dict[str, Any]]:
    """A well-formed query the registry cannot answer (a future recorded time, a range
    ending before it starts): 422, `errors` naming the parameter."""
    return problem(
        request,
        status=HTTP_422_UNPROCESSABLE_ENTITY,
        code="invalid-value",
        title="Invalid value",
        detail=str(error),
        errors=[{"field": error.field, "message": error.reason, "source": "query"}],
    )


def unknown_position_handler(
    request: Request[Any, Any, Any], error: UnknownPosition
) -> Response[dict[str, Any]]:
    """A cursor or `after` of the documented form that names no position (yet): 422."""
    return problem(
        request,
        status=HTTP_422_UNPROCESSABLE_ENTITY,
        code="unknown-position",
        title="No such position",
        detail=str(error),
    )


_FIELD_IN_MESSAGE = re.compile(r"(?:missing required|unknown|invalid) field `([^`]+)`")


def _field(entry: dict[str, Any]) -> Any:
    """The offending field: Litestar names the whole body `data` for missing/unknown fields."""
    key = entry.get("key")
    if key == "data":
        found = _FIELD_IN_MESSAGE.search(str(entry.get("message", "")))
        if found:
            return found.group(1)
    return key


def undecodable_body_handler(
    request: Request[Any, Any, Any], error: UnicodeDecodeError
) -> Response[dict[str, Any]]:
    return problem(
        request,
        status=400,
        code="invalid-request",
        title="Invalid request",
        detail="The request body is not valid UTF-8 JSON.",
    )


def _readable(message: Any) -> Any:
    """The text rule in words instead of its (long) regular expression."""
    if isinstance(message, str) and "matching regex" in message:
        for pattern, words in PATTERN_WORDS.items():
            message = message.replace(f"matching regex {pattern!r}", f"that is: {words}")
    return message


def validation_error_handler(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[dict[str, Any]]:
    errors = error.extra if isinstance(error.extra, list) else []
    return problem(
        request,
        status=400,
        code="invalid-request",
        title="Invalid request",
        detail=str(error.detail),
        errors=[
            {"field": _field(e), "message": _readable(e.get("message")), "source": e.get("source")}
            for e in errors
            if isinstance(e, dict)
        ],
    )


def http_error_handler(
    request: Request[Any, Any, Any], error: HTTPException
) -> Response[dict[str, Any]]:
    headers = dict(error.headers or {})
    title = str(error.detail)
    if isinstance(error, NotFoundException):
        # No route: a path that names nothing, an id in it that is not a UUID included.
        code, title = "not-found", "Not found"
        if str(error.detail) in {"", "Not Found"}:
            error_detail = f"Nothing is found at {request.url.path[:200]} (ids in paths are UUIDs)."
            return problem(
                request,
                status=404,
                code=code,
                title=title,
                detail=error_detail,
                headers=headers or None,
            )
    elif isinstance(error, NotAuthorizedException):
        code, title = "unauthenticated", "Not logged in"
        headers.setdefault("WWW-Authenticate", 'Bearer realm="tvaers"')
    elif isinstance(error, PermissionDeniedException):
        code, title = "forbidden", "Not allowed"
    elif isinstance(error, UnsupportedMediaType):
        code, title = "unsupported-media-type", "Unsupported media type"
    elif error.status_code == 400:
        code, title = "invalid-request", "Invalid request"
    elif error.status_code == HTTP_429_TOO_MANY_REQUESTS:
        code, title = "too-many-attempts", "Too many login attempts"
    else:
        code = f"http-{error.status_code}"
    return problem(
        request,
        status=error.status_code,
        code=code,
        title=title,
        detail=str(error.detail),
        headers=headers or None,
    )


DATABASE_RETRY_AFTER = 5
"""Seconds a client should wait before retrying while the database is unreachable."""

DATABASE_UNAVAILABLE: tuple[type[Exception], ...] = (
    # the event store's and the key stores' (eventsourcing's, psycopg's)
    *EVENT_STORE_UNREACHABLE,
    # the read store's (asyncpg's)
    *READ_STORE_UNREACHABLE,
    # a refused or reset socket, a pool that waited too long
    ConnectionError,
    TimeoutError,
)
"""The exceptions that mean "the database cannot be reached now", not "a bug": 503."""


def database_unavailable_handler(
    request: Request[Any, Any, Any], error: Exception
) -> Response[dict[str, Any]]:
    log.warning("database unavailable", error_type=type(error).__name__, error=str(error)[:200])
    return problem(
        request,
        status=HTTP_503_SERVICE_UNAVAILABLE,
        code="database-unavailable",
        title="The database cannot be reached",
        detail="The registry's database is not answering. Try again in "
        f"{DATABASE_RETRY_AFTER} seconds (with the same Idempotency-Key a retried write "
        "cannot be saved twice).",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def server_error_handler(
    request: Request[Any, Any, Any], error: Exception
) -> Response[dict[str, Any]]:
    log.exception("unhandled error", error_type=type(error).__name__)
    return problem(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        code="server-error",
        title="Internal server error",
        detail="Something went wrong on our side. Quote the request id when reporting it.",
    )


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    StillCatchingUp: catching_up_handler,
    InvalidQuery: query_error_handler,
    QueryRefused: query_refused_handler,
    UnknownPosition: unknown_position_handler,
    ValidationException: validation_error_handler,
    UnicodeDecodeError: undecodable_body_handler,
    HTTPException: http_error_handler,
    SettingsError: server_error_handler,
    **dict.fromkeys(DATABASE_UNAVAILABLE, database_unavailable_handler),
    Exception: server_error_handler,
}


# -- the problems in the OpenAPI document ------------------------------------------------


class ProblemField(msgspec.Struct, kw_only=True):
    """One invalid part of a request."""

    field: str | None = None
    message: str | None = None
    source: str | None = None


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem document (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str | None = None
    errors: list[ProblemField] | None = None
    current_version: int | None = None
    wanted: int | None = None
    reached: int | None = None


_PROBLEM_DESCRIPTIONS = {
    HTTP_400_BAD_REQUEST: "Malformed request: body, path, query or a header (invalid-request)",
    HTTP_401_UNAUTHORIZED: "Not logged in, or wrong credentials (unauthenticated, "
    "invalid-credentials)",
    HTTP_403_FORBIDDEN: "No grant allows this request (forbidden)",
    HTTP_404_NOT_FOUND: "No such record (not-found)",
    HTTP_409_CONFLICT: "Another write to the same record won the race (conflict), or the "
    "change would leave no active administrator (last-administrator)",
    HTTP_412_PRECONDITION_FAILED: "If-Match names an older version (stale-version)",
    HTTP_422_UNPROCESSABLE_ENTITY: "The request breaks a rule; nothing was saved (or, for "
    "`after` and `cursor`, names a position the API never gave out: unknown-position)",
    HTTP_429_TOO_MANY_REQUESTS: "Too many login attempts; see Retry-After (too-many-attempts)",
    HTTP_415_UNSUPPORTED_MEDIA_TYPE: "The body is not sent as application/json "
    "(unsupported-media-type)",
    HTTP_503_SERVICE_UNAVAILABLE: "The database cannot be reached (database-unavailable), or "
    "the views are still catching up (catching-up); see Retry-After",
}

# Handler parameters that are not part of the request the client sends.
_NOT_FROM_THE_CLIENT = frozenset({"request", "scope", "state", "socket"})


def _names_records(field: FieldDefinition) -> bool:
    """Whether a parameter holds ids (a UUID, or a list of them) that may name nothing."""
    return field.is_subclass_of(UUID) or any(_names_records(t) for t in field.inner_types)


def problem_statuses(handler: HTTPRouteHandler, path_parameters: set[str]) -> set[int]:
    """The problem statuses an operation may answer with (see docs/api.md, Errors).

    Derived from what the handler declares: its access rule, its method, what it reads
    from the request and whether it waits for the views.
    """
    parameters = set(handler.parsed_fn_signature.parameters)
    dependencies = set(handler.resolve_dependencies())
    from_client = parameters - dependencies - _NOT_FROM_THE_CLIENT
    public = handler.opt.get("access") == "public"
    write = not handler.http_methods <= {"GET", "HEAD"}
    statuses: set[int] = set()
    if from_client or path_parameters or "context" in parameters:
        statuses.add(HTTP_400_BAD_REQUEST)  # also a malformed If-Match or Idempotency-Key
    if not public:
        statuses |= {HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN}
    elif write:
        statuses.add(HTTP_401_UNAUTHORIZED)  # logging in: wrong username or password
    names_records = any(
        _names_records(handler.parsed_fn_signature.parameters[name]) for name in from_client
    )
    if not public and (path_parameters or write or names_records):
        statuses.add(HTTP_404_NOT_FOUND)
    if from_client & {"after", "cursor"}:
        statuses.add(HTTP_422_UNPROCESSABLE_ENTITY)  # a position never given out
    if write:
        statuses.add(HTTP_422_UNPROCESSABLE_ENTITY)
        if not public:
            statuses |= {HTTP_409_CONFLICT, HTTP_412_PRECONDITION_FAILED}
    if "data" in parameters:
        statuses.add(HTTP_415_UNSUPPORTED_MEDIA_TYPE)  # every body is JSON (api/body.py)
    if handler.opt.get("login_attempt") is True:
        statuses.add(HTTP_429_TOO_MANY_REQUESTS)  # login throttling (api/throttle.py)
    # The database may be unreachable (and the views may lag) for any operation.
    statuses.add(HTTP_503_SERVICE_UNAVAILABLE)
    return statuses


def document_problems(app: Litestar) -> None:
    """Declare in the OpenAPI document the problem documents each operation may answer.

    Replaces Litestar's own 400 (a shape we never send) and adds the other statuses, all
    as `application/problem+json`. A response a handler declares itself is kept.
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            declared = dict(handler.responses or {})
            for status in sorted(problem_statuses(handler, set(route.path_parameters))):
                declared.setdefault(
                    status,
                    ResponseSpec(
                        data_container=Problem,
                        description=_PROBLEM_DESCRIPTIONS[status],
                        media_type=PROBLEM_MEDIA_TYPE,
                        generate_examples=False,
                    ),
                )
            handler.responses = declared
