"""Dependencies handed to controllers: the application service and the request's metadata."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import ClientException

from aggregates import Meta
from api.readside import ReadSide
from api.schemas import CommandAccepted, Write
from services.application import CommandResult, Tvaers


@dataclass(frozen=True)
class RequestContext:
    """Who is asking, and the ids that tie the request to its events and logs."""

    actor: str
    correlation_id: uuid.UUID
    request_id: str
    expected_version: int | None

    def meta(self, body: Write) -> Meta:
        return Meta(
            actor=self.actor,
            valid_on=body.valid_on or date.today(),
            reason=body.reason.strip() if body.reason and body.reason.strip() else None,
            correlation_id=self.correlation_id,
        )

    def command(
        self,
        tvaers: Tvaers,
        body: Write,
        action: Callable[[Meta], CommandResult],
        *,
        status: int = 200,
    ) -> Response[CommandAccepted]:
        """Run one write: build its metadata from the request and answer with the result.

        Every write handler goes through here, so metadata and (later) idempotency are
        handled in one place.
        """
        return accepted(action(self.meta(body)), status=status)


def accepted(result: CommandResult, status: int = 200) -> Response[CommandAccepted]:
    body = CommandAccepted(
        id=result.created_id or result.aggregate_id,
        version=result.version,
        notification_id=result.notification_id,
    )
    return Response(body, status_code=status, headers={"ETag": f'"{result.version}"'})


def provide_tvaers(state: State) -> Tvaers:
    tvaers: Tvaers = state.tvaers
    return tvaers


def provide_read_side(state: State) -> ReadSide:
    read_side: ReadSide = state.read_side
    return read_side


def _parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):
        raise ClientException(f'If-Match must be an ETag of a version such as "3", got {value!r}.')
    return int(tag)


def provide_context(request: Request[Any, Any, Any]) -> RequestContext:
    state = request.scope.get("state", {})
    raw_correlation = state.get("correlation_id") or str(uuid.uuid4())
    try:
        correlation_id = uuid.UUID(raw_correlation)
    except ValueError:
        # Correlation ids from other systems need not be UUIDs: derive a stable one.
        correlation_id = uuid.uuid5(uuid.NAMESPACE_URL, raw_correlation)
    return RequestContext(
        actor=state.get("actor", "anonymous"),
        correlation_id=correlation_id,
        request_id=state.get("request_id", ""),
        expected_version=_parse_if_match(request.headers.get("if-match")),
    )
