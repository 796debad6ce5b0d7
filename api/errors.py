"""One table from exceptions to RFC 9457 problem details; no stack trace ever reaches a client."""

from __future__ import annotations

import re
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.status_codes import (
    HTTP_401_UNAUTHORIZED,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_412_PRECONDITION_FAILED,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from aggregates.errors import DomainError, NotFound
from projections.core import InvalidQuery
from projections.runner import StillCatchingUp
from services.errors import ConcurrencyConflict, InvalidCredentials, StaleVersion
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
    if isinstance(error, ConcurrencyConflict):
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
            {"field": _field(e), "message": e.get("message"), "source": e.get("source")}
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
        code = "not-found"
    elif isinstance(error, NotAuthorizedException):
        code, title = "unauthenticated", "Not logged in"
        headers.setdefault("WWW-Authenticate", 'Bearer realm="tvaers"')
    elif isinstance(error, PermissionDeniedException):
        code, title = "forbidden", "Not allowed"
    elif error.status_code == 400:
        code = "invalid-request"
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
    ValidationException: validation_error_handler,
    UnicodeDecodeError: undecodable_body_handler,
    HTTPException: http_error_handler,
    SettingsError: server_error_handler,
    Exception: server_error_handler,
}
