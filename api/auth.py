"""Who is asking, and may they: token/session authentication and the one access guard.

Authentication is Litestar's: a client-side session cookie (CookieBackendConfig) for the
web UI and `Authorization: Bearer` for integrations, both carrying one of our opaque
tokens, checked by an `AbstractAuthenticationMiddleware` against the access view.

Authorisation is one guard for every route. Each handler declares in `opt["access"]`
what it needs; a route without a declaration is refused (deny by default):

- "public": no login (health, login itself, the OpenAPI schema);
- "authenticated": any logged-in user;
- "writer": an administrator or anyone who is a project leader somewhere (registering
  organisations, persons and partnerships);
- "admin": administrators only (users, grants, the access log);
- "partnership:read" / "partnership:audit" / "partnership:write": a grant on the
  partnership in the path (`partnership_id`), directly or through its municipality;
- "partnership:rate": the self-assessment of anchoring, by the partnership's project
  leaders and steering-group members;
- "partnership:annotate": evaluators' own notes, by an evaluator whose grant covers the
  partnership (administrators pass every rule).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, Literal
from uuid import UUID

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig

from aggregates.account import AccessRole
from api.readside import ReadSide
from projections import access as access_view
from projections.access import Visibility
from projections.runner import StillCatchingUp
from services.security import parse_token, secret_matches
from services.settings import Settings

log = structlog.get_logger("tvaers.auth")

Access = Literal[
    "public",
    "authenticated",
    "writer",
    "admin",
    "partnership:read",
    "partnership:audit",
    "partnership:write",
    "partnership:rate",
    "partnership:annotate",
]
ACCESS_LEVELS: frozenset[str] = frozenset(Access.__args__)  # type: ignore[attr-defined]

SESSION_TOKEN_KEY = "token"  # noqa: S105 - the session key's name, not a secret
_READERS = frozenset(AccessRole)
_WRITERS = frozenset({AccessRole.PROJECT_LEADER})
_RATERS = frozenset({AccessRole.PROJECT_LEADER, AccessRole.STEERING_MEMBER})
_ANNOTATORS = frozenset({AccessRole.EVALUATOR})
# The roles whose grant covers each need (the part after "partnership:").
_ROLES_FOR = {
    "read": _READERS,
    "audit": _READERS,
    "write": _WRITERS,
    "rate": _RATERS,
    "annotate": _ANNOTATORS,
}


@dataclass(frozen=True)
class GrantScope:
    role: AccessRole
    partnership_id: UUID | None
    municipality_key: str | None


@dataclass(frozen=True)
class Principal:
    """An authenticated user, with the grants they held when the request began."""

    account_id: UUID
    username: str
    display_name: str
    is_admin: bool
    token_id: UUID
    token_kind: str
    grants: tuple[GrantScope, ...]

    @property
    def is_writer(self) -> bool:
        return self.is_admin or any(g.role in _WRITERS for g in self.grants)

    @property
    def visibility(self) -> Visibility:
        return Visibility.everything() if self.is_admin else Visibility(self.account_id)

    def may(self, need: str, partnership_id: UUID, municipality_key: str | None) -> bool:
        """Whether a grant covers `need` ("read", "audit", "write", "rate" or "annotate") on
        the partnership."""
        if self.is_admin:
            return True
        roles = _ROLES_FOR[need]
        return any(
            g.role in roles
            and (
                g.partnership_id == partnership_id
                or (g.municipality_key is not None and g.municipality_key == municipality_key)
            )
            for g in self.grants
        )


def _read_side(connection: ASGIConnection[Any, Any, Any, Any]) -> ReadSide:
    read_side: ReadSide = connection.app.state.read_side
    return read_side


async def _catch_up(read_side: ReadSide) -> bool:
    """Bring the views up to the log's head (a grant or token may be only just written)."""
    try:
        await read_side.wait_until(await read_side.store.head())
    except StillCatchingUp:
        return False
    return True


def _bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthorizedException("Use 'Authorization: Bearer <token>'.")
    return credentials.strip()


class TokenAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Finds the caller's token (bearer header, else session cookie) and its account.

    No token: an anonymous request (the guard decides whether that is enough). A token
    that is unknown, expired, revoked or whose account is deactivated: 401.
    """

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        if connection.route_handler.opt.get("access") == "public":
            # Health checks, metrics and logging in work whatever credentials come along.
            return AuthenticationResult(user=None, auth=None)
        token = _bearer(connection)
        from_session = False
        if token is None:
            session = connection.scope.get("session") or {}
            token = session.get(SESSION_TOKEN_KEY) if isinstance(session, dict) else None
            from_session = token is not None
        if token is None:
            return AuthenticationResult(user=None, auth=None)
        principal = await self._principal(connection, str(token))
        if principal is None:
            if from_session:
                connection.scope["session"] = {}  # a stale cookie: forget it
                return AuthenticationResult(user=None, auth=None)
            raise NotAuthorizedException(
                "The token is not valid: unknown, expired or revoked. Log in again."
            )
        connection.scope.setdefault("state", {})["actor"] = principal.username
        structlog.contextvars.bind_contextvars(actor=principal.username)
        return AuthenticationResult(user=principal, auth=principal.token_id)

    async def _principal(
        self, connection: ASGIConnection[Any, Any, Any, Any], token: str
    ) -> Principal | None:
        parsed = parse_token(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        read_side = _read_side(connection)
        found = await access_view.token_owner_and_grants(read_side.store, token_id)
        if found is None and await _catch_up(read_side):
            found = await access_view.token_owner_and_grants(read_side.store, token_id)
        if found is None or not secret_matches(secret, found[0].token_hash):
            log.warning("authentication refused", token_id=str(token_id), why="unknown token")
            return None
        owner, grants = found
        if owner.revoked or not owner.active or owner.expires_at <= datetime.now(UTC):
            log.info("authentication refused", token_id=str(token_id), why="ended token")
            return None
        return await load_principal(read_side, owner, grants)


async def load_principal(
    read_side: ReadSide,
    owner: access_view.TokenOwner,
    grants: list[access_view.GrantRow] | None = None,
) -> Principal:
    if grants is None:
        grants = await access_view.grants_of(read_side.store, owner.account_id)
    return Principal(
        account_id=owner.account_id,
        username=owner.username,
        display_name=owner.display_name,
        is_admin=owner.is_admin,
        token_id=owner.token_id,
        token_kind=owner.kind,
        grants=tuple(
            GrantScope(
                AccessRole(g.role),
                g.partnership_id,
                g.municipality.strip().casefold() if g.municipality else None,
            )
            for g in grants
        ),
    )


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


async def access_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The one guard: enforce the handler's declared `opt["access"]` (deny by default)."""
    access = handler.opt.get("access")
    if access == "public" or connection.scope.get("method") == "OPTIONS":
        return  # OPTIONS: Litestar's own handler, which reveals only the allowed methods
    if access not in ACCESS_LEVELS:
        # A route that forgot to say what it needs is a bug; fail closed.
        log.error("route without an access declaration", path=connection.url.path)
        raise PermissionDeniedException("This route has no access rule.")
    principal = principal_of(connection)
    if principal is None:
        raise NotAuthorizedException("Log in first (session cookie or bearer token).")
    if access == "authenticated":
        return
    if access == "admin":
        if not principal.is_admin:
            raise PermissionDeniedException("Only an administrator may do this.")
        return
    if access == "writer":
        if not principal.is_writer:
            raise PermissionDeniedException(
                "Only project leaders and administrators may do this: organisations and "
                "persons are shared by every partnership."
            )
        return
    need = str(access).split(":", 1)[1]
    partnership_id = connection.path_params.get("partnership_id")
    if not isinstance(partnership_id, UUID):
        log.error("partnership access rule on a route without partnership_id")
        raise PermissionDeniedException("This route has no partnership to check access on.")
    if await _may(connection, principal, need, partnership_id):
        return
    raise PermissionDeniedException(
        f"You have no grant that lets you {_VERBS[need]} this partnership."
    )


_VERBS = {
    "read": "read",
    "audit": "read the history of",
    "write": "change",
    "rate": "rate the anchoring of",
    "annotate": "write evaluator notes on",
}


async def _may(
    connection: ASGIConnection[Any, Any, Any, Any],
    principal: Principal,
    need: str,
    partnership_id: UUID,
) -> bool:
    read_side = _read_side(connection)
    municipality = await access_view.municipality_of(read_side.store, partnership_id)
    if principal.may(need, partnership_id, municipality):
        return True
    if principal.is_admin or not await _catch_up(read_side):
        return False
    # A grant given a moment ago (e.g. with a new partnership): look once more.
    owner = await access_view.token_owner(read_side.store, principal.token_id)
    if owner is None:
        return False
    fresh = await load_principal(read_side, owner)
    municipality = await access_view.municipality_of(read_side.store, partnership_id)
    return fresh.may(need, partnership_id, municipality)


# -- the session cookie ----------------------------------------------------------------


def session_secret(settings: Settings) -> bytes:
    """The key that encrypts session cookies: TVAERS_SECRET_KEY, else one kept in a file.

    Several API processes behind one address must share it (set TVAERS_SECRET_KEY).
    """
    if settings.secret_key:
        return sha256(settings.secret_key.encode()).digest()
    path = settings.session_key_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return sha256(path.read_text().strip().encode()).digest()


def session_config(settings: Settings) -> CookieBackendConfig:
    return CookieBackendConfig(
        secret=session_secret(settings),
        key="tvaers_session",
        max_age=12 * 3600,
        secure=settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def auth_middleware(settings: Settings) -> list[DefineMiddleware]:
    """Session first (it decodes the cookie), then authentication."""
    return [
        session_config(settings).middleware,
        DefineMiddleware(TokenAuthenticationMiddleware),
    ]
