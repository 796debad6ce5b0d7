"""What the OpenAPI document says that Litestar does not derive from the handlers.

Litestar documents paths, parameters and bodies. How a client authenticates and the
headers of the HTTP conventions (docs/api.md, Headers) are the app's own, read by one
dependency (api/deps.py `provide_context`) or one middleware (api/logging.py), so no
handler's signature names them. `document_contract(app)` adds them to the document, per
operation, derived from what each handler declares:

- security: `bearer` (an API token, `POST /auth/tokens`) on every operation but the
  public ones (`opt["access"] == "public"`: `security: []`); `cookie` (the web UI's
  session) besides on the reads and on the writes the cookie may make
  (`opt["cookie_write"]`, logging out), as api/auth.py refuses other cookie writes;
- request headers: `X-Correlation-ID` on every operation; `Idempotency-Key` on every
  write that runs a command (it takes the `context` dependency); `If-Match` on those of
  them that change an existing record (all but the creations in `LOCATIONS`);
- response headers: `ETag` on those writes and on the reads in `ETAG_READS`,
  `Location` on the creations in `LOCATIONS`, `X-Request-ID` and `X-Correlation-ID` on
  every success; `ETag` on a 412 (the current version), `Retry-After` on a 429 or 503.

`LOCATIONS` is also what api/deps.py answers `Location` from: the document and the
answers cannot drift apart.
"""

from __future__ import annotations

from typing import Any, get_args

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    PathItem,
    Reference,
    Schema,
    SecurityScheme,
)
from litestar.routes import HTTPRoute

from api.schemas import CommandAccepted

LOCATIONS: dict[str, str] = {
    "createOrganisation": "/organisations/{id}",
    "createPerson": "/persons/{id}",
    "createPartnership": "/partnerships/{id}",
    "draftAgreement": "/partnerships/{partnership_id}/agreements/{id}",
}
"""Operations that create a record one can read: where it is read (`Location`)."""

ETAG_READS = frozenset({"getOrganisation", "getPerson", "getPartnership", "getAgreement"})
"""Reads that answer the record's version as `ETag` (the `If-Match` of a later write)."""

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "bearer": SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="tvaers_<id>_<secret>",
        description="An API token from POST /auth/tokens, sent as `Authorization: Bearer "
        "<token>`. Integrations write with it.",
    ),
    "cookie": SecurityScheme(
        type="apiKey",
        name="tvaers_session",
        security_scheme_in="cookie",
        description="The web UI's session (POST /auth/login). It reads the JSON API but "
        "does not write to it (logging out excepted): write with a bearer token.",
    ),
}

_TEXT = Schema(type=OpenAPIType.STRING)
PARAMETERS: dict[str, Parameter] = {
    "IfMatch": Parameter(
        name="If-Match",
        param_in="header",
        schema=Schema(type=OpenAPIType.STRING, pattern=r'^\s*(\*|(W/)?"?[0-9]{1,18}"?)\s*$'),
        description='The ETag read (e.g. `"3"`): the write is refused with 412 stale-version '
        "if the record has moved on since. `*` or no header: no check. Malformed: 400.",
    ),
    "IdempotencyKey": Parameter(
        name="Idempotency-Key",
        param_in="header",
        # printable ASCII, no space at either end (the API strips them)
        schema=Schema(type=OpenAPIType.STRING, pattern=r"^[!-~]([ -~]{0,253}[!-~])?$"),
        description="1-255 printable ASCII characters, one per request you mean (a UUID). "
        "The same key and body again answers the first response "
        "(`Idempotent-Replayed: true`) and writes nothing; with another body: 422 "
        "idempotency-key-reused.",
    ),
    "CorrelationId": Parameter(
        name="X-Correlation-ID",
        param_in="header",
        schema=_TEXT,
        description="Ties the events and log lines of related requests together; echoed "
        "in the response (a new UUID when none is sent).",
    ),
}

HEADERS: dict[str, OpenAPIHeader | Reference] = {
    "ETag": OpenAPIHeader(
        schema=_TEXT, description='The record\'s version after this answer, e.g. `"3"`.'
    ),
    "Location": OpenAPIHeader(schema=_TEXT, description="Where the created record is read."),
    "RequestId": OpenAPIHeader(
        schema=_TEXT, description="This request's id (in the logs and in problem bodies)."
    ),
    "CorrelationId": OpenAPIHeader(
        schema=_TEXT, description="The X-Correlation-ID sent, or a new UUID."
    ),
    "IdempotentReplayed": OpenAPIHeader(
        schema=_TEXT, description="`true` on the answer to a retried write."
    ),
    "RetryAfter": OpenAPIHeader(
        schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
        description="Seconds to wait before trying again.",
    ),
    "CurrentVersion": OpenAPIHeader(
        schema=_TEXT, description='The record\'s current version, e.g. `"4"` (stale-version).'
    ),
}

# Problem answers' own headers (api/errors.py): the current version on a stale If-Match,
# when to retry while the database or the views are unavailable, or logins throttled.
_PROBLEM_HEADERS = {
    "412": {"ETag": "CurrentVersion"},
    "429": {"Retry-After": "RetryAfter"},
    "503": {"Retry-After": "RetryAfter"},
}

_BEARER: dict[str, list[str]] = {"bearer": []}
_COOKIE: dict[str, list[str]] = {"cookie": []}


def _parameter(name: str) -> Parameter:
    """A header parameter, written out in each operation (tools read `name` and `in`)."""
    return PARAMETERS[name]


def _header(name: str) -> Reference:
    return Reference(ref=f"#/components/headers/{name}")


def is_write(handler: HTTPRouteHandler) -> bool:
    return not handler.http_methods <= {"GET", "HEAD"}


def _answers(annotation: Any, kind: type) -> bool:
    return annotation is kind or any(_answers(inner, kind) for inner in get_args(annotation))


def runs_command(handler: HTTPRouteHandler) -> bool:
    """A write that runs a command through the request's context (`RequestContext.execute`:
    If-Match, Idempotency-Key) and answers its result (`CommandAccepted`, with an ETag)."""
    signature = handler.parsed_fn_signature
    return (
        is_write(handler)
        and "context" in signature.parameters
        and _answers(signature.return_type.annotation, CommandAccepted)
    )


def takes_if_match(handler: HTTPRouteHandler) -> bool:
    return runs_command(handler) and handler.operation_id not in LOCATIONS


def _document(handler: HTTPRouteHandler, operation: Operation) -> None:
    public = handler.opt.get("access") == "public"
    if public:
        operation.security = []
    elif is_write(handler) and handler.opt.get("cookie_write") is not True:
        operation.security = [_BEARER]
    else:
        operation.security = [_BEARER, _COOKIE]
    parameters: list[Parameter | Reference] = list(operation.parameters or [])
    if takes_if_match(handler):
        parameters.append(_parameter("IfMatch"))
    if runs_command(handler):
        parameters.append(_parameter("IdempotencyKey"))
    parameters.append(_parameter("CorrelationId"))
    operation.parameters = parameters
    etag = runs_command(handler) or handler.operation_id in ETAG_READS
    for status, response in (operation.responses or {}).items():
        if not isinstance(response, OpenAPIResponse):
            continue
        if status in _PROBLEM_HEADERS:
            response.headers = {
                **(response.headers or {}),
                **{name: _header(key) for name, key in _PROBLEM_HEADERS[status].items()},
            }
        if not status.startswith("2"):
            continue
        headers: dict[str, OpenAPIHeader | Reference] = dict(response.headers or {})
        if etag:
            headers["ETag"] = _header("ETag")
        if status == "201" and handler.operation_id in LOCATIONS:
            headers["Location"] = _header("Location")
        if runs_command(handler):
            headers["Idempotent-Replayed"] = _header("IdempotentReplayed")
        headers["X-Request-ID"] = _header("RequestId")
        headers["X-Correlation-ID"] = _header("CorrelationId")
        response.headers = headers


def _operation(item: PathItem, method: str) -> Operation | None:
    found: Any = getattr(item, method.lower(), None)
    return found if isinstance(found, Operation) else None


def document_contract(app: Litestar) -> None:
    """Add security and the convention headers to the app's OpenAPI document (built now)."""
    openapi = app.plugins.get(OpenAPIPlugin).provide_openapi()
    components = openapi.components
    assert not isinstance(components, list)
    components.security_schemes = {**(components.security_schemes or {}), **SECURITY_SCHEMES}
    components.headers = {**(components.headers or {}), **HEADERS}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        item = (openapi.paths or {}).get(route.path_format or "/")
        if not isinstance(item, PathItem):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in handler.http_methods:
                operation = _operation(item, method)
                if operation is not None:
                    _document(handler, operation)
