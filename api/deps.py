"""Dependencies handed to controllers: the application service and the request's metadata."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.concurrency import sync_to_thread
from litestar.datastructures import State
from litestar.exceptions import ValidationException

from aggregates import Meta
from aggregates.dates import today as today_in_denmark
from aggregates.errors import DomainError, NotFound
from api.contract import LOCATIONS
from api.metrics import Metrics
from api.readside import ReadSide
from api.schemas import Body, CommandAccepted, Write
from services.application import CommandResult, Tvaers
from services.commands import Command, Envelope, Idempotency


@dataclass(frozen=True)
class RequestContext:
    """Who is asking, and the ids that tie the request to its events and logs."""

    actor: str
    correlation_id: uuid.UUID
    request_id: str
    expected_version: int | None
    idempotency: Idempotency | None = None
    on_accepted: Callable[[], None] = lambda: None
    """Called once a command has been saved (counts it in the app's metrics)."""
    location: str | None = None
    """Where what the operation creates is read (api/contract.py LOCATIONS): `Location`."""

    def meta(self, body: Write) -> Meta:
        return Meta(
            actor=self.actor,
            valid_on=body.valid_on or today_in_denmark(),
            reason=body.reason.strip() if body.reason and body.reason.strip() else None,
            correlation_id=self.correlation_id,
        )

    def envelope(self, body: Write) -> Envelope:
        """The command's envelope: metadata from the body and the request, If-Match and
        Idempotency-Key."""
        return Envelope(
            meta=self.meta(body),
            expected_version=self.expected_version,
            idempotency=self.idempotency,
        )

    def execute(
        self,
        tvaers: Tvaers,
        body: Write,
        command: Command | None = None,
        *,
        status: int = 200,
        **path: uuid.UUID,
    ) -> Response[CommandAccepted]:
        """Run the body's command (with the ids from the path) and answer with the result;
        for a synchronous handler (on a thread). `execute_on_loop` is the same for an
        asynchronous one.

        `command`: for a body that carries only the metadata (`Write`), the command the
        path names. A retry with the same Idempotency-Key gets the first result back
        (marked `Idempotent-Replayed: true`) and writes nothing; only a new write counts.
        """
        command = self._command(body, command, path)
        try:
            result = tvaers.execute(command, self.envelope(body))
        except DomainError as error:
            name_records(tvaers, error, path.get("partnership_id"))
            raise
        return self._answer(result, status, path)

    async def execute_on_loop(
        self,
        tvaers: Tvaers,
        body: Write,
        command: Command | None = None,
        *,
        status: int = 200,
        **path: uuid.UUID,
    ) -> Response[CommandAccepted]:
        """`execute` for an asynchronous handler: the command runs on the event loop, its
        database round trips awaited (`Tvaers.execute_on_loop`, ADR 0030); a refusal's
        records are named on a thread (they are read from the store)."""
        command = self._command(body, command, path)
        try:
            result = await tvaers.execute_on_loop(command, self.envelope(body))
        except DomainError as error:
            await sync_to_thread(name_records, tvaers, error, path.get("partnership_id"))
            raise
        return self._answer(result, status, path)

    @staticmethod
    def _command(body: Write, command: Command | None, path: dict[str, uuid.UUID]) -> Command:
        if command is not None:
            return command
        if not isinstance(body, Body):
            raise TypeError(f"{type(body).__name__} is no command's body: pass the command")
        made: Command = body.to_command(**path)
        return made

    def _answer(
        self, result: CommandResult, status: int, path: dict[str, uuid.UUID]
    ) -> Response[CommandAccepted]:
        response = accepted(result, status=status)
        if self.location is not None and status == 201:
            created = result.created_id or result.aggregate_id
            response.headers["Location"] = self.location.format(id=created, **path)
        if result.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        else:
            self.on_accepted()
        return response


_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def name_records(tvaers: Tvaers, error: DomainError, partnership_id: uuid.UUID | None) -> None:
    """A refusal's English detail names each organisation, and each agreement of the
    partnership written to, by name beside its id (issue 16).

    The domain's raise sites know them by id only; every user who can write sees every
    organisation (ADR 0005) and the agreements of a partnership they write to. Persons
    stay ids (who may read them is the directory's rule, ADR 0020), and so does whatever
    was not found (it may be what the user may not see).
    """
    if isinstance(error, NotFound):
        return

    def name_of(some_id: uuid.UUID) -> str | None:
        try:
            return tvaers.get_organisation(some_id).name
        except NotFound:
            pass
        if partnership_id is None:
            return None
        try:
            return tvaers.get_agreement(some_id, partnership_id=partnership_id).terms.title
        except NotFound:
            return None

    def named(found: re.Match[str]) -> str:
        name = name_of(uuid.UUID(found.group()))
        if name is None or name in error.detail:
            return found.group()
        return f"{name!r} ({found.group()})"

    error.detail = _UUID.sub(named, error.detail)


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


def _bad_header(name: str, must_be: str) -> ValidationException:
    """400 invalid-request naming the header (in `errors`, source `header`)."""
    return ValidationException(
        f"The {name} header must be {must_be}.",
        extra=[{"key": name, "message": f"must be {must_be}", "source": "header"}],
    )


def _parse_if_match(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit() and len(tag) <= 18):
        raise _bad_header("If-Match", f'an ETag of a version such as "3", got {value[:40]!r}')
    return int(tag)


MAX_IDEMPOTENCY_KEY = 255


async def _idempotency(request: Request[Any, Any, Any], actor: str) -> Idempotency | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not (0 < len(key) <= MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable()):
        raise _bad_header("Idempotency-Key", f"1-{MAX_IDEMPOTENCY_KEY} printable ASCII characters")
    raw = await request.body()
    try:
        # Key order and spacing do not make a different request.
        canonical = msgspec.json.encode(msgspec.json.decode(raw), order="sorted") if raw else b""
    except msgspec.DecodeError:
        canonical = raw  # the body's own parser will answer 400
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.url.path.encode(), canonical):
        digest.update(part)
        digest.update(b"\0")
    return Idempotency(actor=actor, key=key, fingerprint=digest.hexdigest())


async def provide_context(request: Request[Any, Any, Any]) -> RequestContext:
    state = request.scope.get("state", {})
    raw_correlation = state.get("correlation_id") or str(uuid.uuid4())
    try:
        correlation_id = uuid.UUID(raw_correlation)
    except ValueError:
        # Correlation ids from other systems need not be UUIDs: derive a stable one.
        correlation_id = uuid.uuid5(uuid.NAMESPACE_URL, raw_correlation)
    actor = state.get("actor", "anonymous")
    return RequestContext(
        actor=actor,
        correlation_id=correlation_id,
        request_id=state.get("request_id", ""),
        expected_version=_parse_if_match(request.headers.get("if-match")),
        idempotency=await _idempotency(request, actor),
        on_accepted=_count_command(request),
        location=_location(request),
    )


def _location(request: Request[Any, Any, Any]) -> str | None:
    operation = request.route_handler.operation_id
    return LOCATIONS.get(operation) if isinstance(operation, str) else None


def _count_command(request: Request[Any, Any, Any]) -> Callable[[], None]:
    """Count the request's command, labelled by its API operation, in the app's metrics."""
    metrics: Metrics | None = request.app.state.get("metrics")
    if metrics is None:
        return lambda: None
    handler = request.route_handler
    operation = handler.operation_id
    return partial(
        metrics.command_accepted, operation if isinstance(operation, str) else handler.handler_name
    )
