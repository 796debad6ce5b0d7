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
  partnership (administrators pass every rule);
- "organisation:read": the shared directory of organisations, for anyone holding a grant;
- "organisation:write": renaming, merging, closing the organisation in the path
  (`organisation_id`), by its owners: the project leaders of its municipality;
- "person:read" / "person:write": the person in the path (`person_id`), by those the
  directory's rules let see or change them (`projections.access.DirectoryAccess`).

A JSON body is checked too (`check_body`): any `person_id` or `signatory_id` in it must
be a person the caller may read (no placing a stranger in one's partnership to read
their details), and a handler's `opt["body"]` names further fields with a rule:
"municipality:register" (a municipality-wide project-leader grant on it),
"municipality:lead" (a project leader there, as for owning an organisation) and
"organisation:staff" (an organisation the caller may register people in). Unknown ids
are refused like forbidden ones (403), so a refusal never tells what exists.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, Literal
from uuid import UUID

import msgspec
import structlog
from litestar.connection import ASGIConnection, Request
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
)
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.types import ASGIApp, Empty, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from aggregates.account import AccessRole
from api.principals import AccessCache
from api.readside import ReadSide
from api.throttle import login_rate_limit
from projections import access as access_view
from projections.access import DirectoryAccess, Visibility
from projections.runner import StillCatchingUp
from projections.store import ReadStore
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
    "organisation:read",
    "organisation:write",
    "person:read",
    "person:write",
]
ACCESS_LEVELS: frozenset[str] = frozenset(Access.__args__)  # type: ignore[attr-defined]

SESSION_TOKEN_KEY = "token"  # noqa: S105 - the session key's name, not a secret
# Whose session ended, in the (encrypted) session cookie once its token has expired or
# been revoked, or after logging out: lets a form posted after that keep what was typed
# for that account (api/ui/drafts.py). Never a token: it lets no one in.
ENDED_SESSION_KEY = "ended"
ENDED_ACCOUNT = "ended_account"  # scope state: the account whose session just ended
# opt key (the web UI's router sets it): an async `(request, account_id) -> str | None`
# called when a write arrives after the caller's session ended; it may keep the input
# and answer where to go after logging in again (scope state LOGIN_NEXT).
SIGNED_OUT = "signed_out"
LOGIN_NEXT = "login_next"
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
    # Authenticated by the web UI's session cookie (not a bearer header): such a request
    # may write only where Litestar's CSRF middleware checked its token (see the guard).
    from_cookie: bool = False
    # When the token ends (the web UI warns before its session does: issue 16).
    expires_at: datetime | None = None
    # The grants indexed once (a principal is kept between requests, api/principals.py):
    # checking a need costs the same with 1 grant or 300.
    _on_partnership: dict[UUID, frozenset[AccessRole]] = dataclasses.field(
        init=False, repr=False, compare=False
    )
    _in_municipality: dict[str, frozenset[AccessRole]] = dataclasses.field(
        init=False, repr=False, compare=False
    )
    _writer: bool = dataclasses.field(init=False, repr=False, compare=False)
    _registers_in: frozenset[str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        on_partnership: dict[UUID, set[AccessRole]] = {}
        in_municipality: dict[str, set[AccessRole]] = {}
        for g in self.grants:
            if g.partnership_id is not None:
                on_partnership.setdefault(g.partnership_id, set()).add(g.role)
            if g.municipality_key is not None:
                in_municipality.setdefault(g.municipality_key, set()).add(g.role)
        put = object.__setattr__  # frozen: set once, here
        put(self, "_on_partnership", {k: frozenset(v) for k, v in on_partnership.items()})
        put(self, "_in_municipality", {k: frozenset(v) for k, v in in_municipality.items()})
        put(self, "_writer", self.is_admin or any(g.role in _WRITERS for g in self.grants))
        put(
            self,
            "_registers_in",
            frozenset(
                g.municipality_key
                for g in self.grants
                if g.role in _WRITERS and g.municipality_key is not None
            ),
        )

    @property
    def is_writer(self) -> bool:
        return self._writer

    @property
    def visibility(self) -> Visibility:
        return Visibility.everything() if self.is_admin else Visibility(self.account_id)

    @property
    def directory(self) -> DirectoryAccess:
        """The directory's rules for this user (organisations and persons)."""
        return DirectoryAccess.everything() if self.is_admin else DirectoryAccess(self.account_id)

    @property
    def registers_in(self) -> frozenset[str]:
        """Municipalities (keys) the user may register partnerships in: those of their
        municipality-wide project-leader grants (administrators: any)."""
        return self._registers_in

    def may_register_in(self, municipality: str) -> bool:
        return self.is_admin or municipality.strip().casefold() in self.registers_in

    def may(self, need: str, partnership_id: UUID, municipality_key: str | None) -> bool:
        """Whether a grant covers `need` ("read", "audit", "write", "rate" or "annotate") on
        the partnership."""
        if self.is_admin:
            return True
        roles = _ROLES_FOR[need]
        held = self._on_partnership.get(partnership_id)
        if held is not None and not held.isdisjoint(roles):
            return True
        if municipality_key is None:
            return False
        held = self._in_municipality.get(municipality_key)
        return held is not None and not held.isdisjoint(roles)


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
        principal = await self._principal(connection, str(token), from_session)
        if principal is None:
            if from_session:
                # A stale cookie: forget its token, remember only whose session it was.
                ended = connection.scope.get("state", {}).get(ENDED_ACCOUNT)
                connection.scope["session"] = {ENDED_SESSION_KEY: str(ended)} if ended else {}
                return AuthenticationResult(user=None, auth=None)
            raise NotAuthorizedException(
                "The token is not valid: unknown, expired or revoked. Log in again."
            )
        connection.scope.setdefault("state", {})["actor"] = principal.username
        structlog.contextvars.bind_contextvars(actor=principal.username)
        return AuthenticationResult(user=principal, auth=principal.token_id)

    async def _principal(
        self, connection: ASGIConnection[Any, Any, Any, Any], token: str, from_session: bool
    ) -> Principal | None:
        """The token's principal: kept from an earlier request (api/principals.py) while
        nothing it was built from has changed, else loaded from the access view."""
        read_side = _read_side(connection)
        cache: AccessCache[Principal] = read_side.principals
        key = (token, from_session)
        kept = cache.principal(key)
        if kept is not None and read_side.store.dialect == "postgresql":
            # Another process's change arrives by NOTIFY: a few turns of the event loop
            # let a notification that came in with this request be heard before it is
            # served (read from its socket, then its callback run).
            for _ in range(3):
                await asyncio.sleep(0)
            kept = cache.principal(key)
        if kept is not None:
            if kept.expires_at is None or kept.expires_at > datetime.now(UTC):
                return kept
            cache.forget_principal(key)  # ended: the full check below refuses and logs it
        loading = cache.loading(key)
        if loading is not None:
            # Another request is loading this token right now (a burst after a change
            # or at the TTL): its result, not one more load of every grant.
            shared = await asyncio.shield(loading)
            if shared is not None:
                return shared
        generation = cache.generation
        future = cache.start_loading(key)
        principal: Principal | None = None
        try:
            principal = await self._load(connection, read_side, token)
            if principal is not None:
                if from_session:
                    principal = replace(principal, from_cookie=True)
                cache.keep_principal(key, principal, generation)
        finally:
            cache.done_loading(key, future, principal)
        return principal

    async def _load(
        self, connection: ASGIConnection[Any, Any, Any, Any], read_side: ReadSide, token: str
    ) -> Principal | None:
        parsed = parse_token(token)
        if parsed is None:
            return None
        token_id, secret = parsed
        found = await access_view.token_owner_and_grants(read_side.store, token_id)
        if found is None and await _catch_up(read_side):
            found = await access_view.token_owner_and_grants(read_side.store, token_id)
        if found is None or not secret_matches(secret, found[0].token_hash):
            log.warning("authentication refused", token_id=str(token_id), why="unknown token")
            return None
        owner, grants = found
        if owner.revoked or not owner.active or owner.expires_at <= datetime.now(UTC):
            log.info("authentication refused", token_id=str(token_id), why="ended token")
            if owner.active:  # the secret matched: the session was this account's
                connection.scope.setdefault("state", {})[ENDED_ACCOUNT] = owner.account_id
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
        expires_at=owner.expires_at,
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


def ended_account(connection: ASGIConnection[Any, Any, Any, Any]) -> UUID | None:
    """The account whose session this request's cookie belonged to, once that session has
    ended (expired, revoked, logged out); None when unknown (no cookie, a bearer token)."""
    ended = connection.scope.get("state", {}).get(ENDED_ACCOUNT)
    if isinstance(ended, UUID):
        return ended
    session = connection.scope.get("session")
    if not isinstance(session, dict) or SESSION_TOKEN_KEY in session:
        return None
    return _as_uuid(session.get(ENDED_SESSION_KEY))


async def _signed_out(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A write after the session ended: let the route's SIGNED_OUT hook keep the input
    for the account the session was (after the CSRF check: this runs in the guard)."""
    hook = handler.opt.get(SIGNED_OUT)
    if hook is None or connection.scope.get("method") in _SAFE_METHODS:
        return
    account_id = ended_account(connection)
    if account_id is None or not isinstance(connection, Request):
        return  # whose input it is cannot be told: nothing is kept
    location = await hook(connection, account_id)
    if location:
        connection.scope.setdefault("state", {})[LOGIN_NEXT] = location


async def access_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The one guard: enforce the handler's declared `opt["access"]` (deny by default),
    then the rules on what a JSON body names (`check_body`)."""
    access = handler.opt.get("access")
    if access == "public" or connection.scope.get("method") == "OPTIONS":
        return  # OPTIONS: Litestar's own handler, which reveals only the allowed methods
    if access not in ACCESS_LEVELS:
        # A route that forgot to say what it needs is a bug; fail closed.
        log.error("route without an access declaration", path=connection.url.path)
        raise PermissionDeniedException("This route has no access rule.")
    principal = principal_of(connection)
    if principal is None:
        await _signed_out(connection, handler)
        raise NotAuthorizedException("Log in first (session cookie or bearer token).")
    _refuse_unchecked_cookie_write(connection, handler, principal)
    await _check_level(connection, principal, str(access))
    await check_body(connection, handler, principal)


async def _check_level(
    connection: ASGIConnection[Any, Any, Any, Any], principal: Principal, access: str
) -> None:
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
    kind, need = access.split(":", 1)
    if kind == "organisation":
        await _check_organisation(connection, principal, need)
        return
    if kind == "person":
        person_id = _path_id(connection, "person_id")
        change = need == "write"
        if not await _granted(
            connection,
            principal,
            lambda p, store: access_view.may_see_person(
                store, p.directory, person_id, change=change
            ),
        ):
            raise PermissionDeniedException(
                "You may not change this person's details."
                if change
                else "You may not see this person's details."
            )
        return
    partnership_id = _path_id(connection, "partnership_id")

    async def covered(p: Principal, store: ReadStore) -> bool:
        return p.may(need, partnership_id, await municipality_of(connection, partnership_id))

    if not await _granted(connection, principal, covered):

        async def readable(p: Principal, store: ReadStore) -> bool:
            return p.may("read", partnership_id, await municipality_of(connection, partnership_id))

        # One the user may not even read looks like one that does not exist (issue 16).
        hidden = need == "read" or not await _granted(connection, principal, readable)
        raise (HiddenPartnership if hidden else PermissionDeniedException)(
            f"You have no grant that lets you {_VERBS[need]} this partnership."
        )


async def municipality_of(
    connection: ASGIConnection[Any, Any, Any, Any], partnership_id: UUID
) -> str | None:
    """The partnership's municipality (key) from the access view, kept between requests
    until the view changes it (a registry change, api/principals.py)."""
    read_side = _read_side(connection)
    cache: AccessCache[Principal] = read_side.principals
    kept = cache.municipality(partnership_id)
    if kept is not None:
        return kept
    generation = cache.scope_generation
    found = await access_view.municipality_of(read_side.store, partnership_id)
    if found is not None:
        cache.keep_municipality(partnership_id, found, generation)
    return found


async def _check_organisation(
    connection: ASGIConnection[Any, Any, Any, Any], principal: Principal, need: str
) -> None:
    if need == "read":
        # Organisations are shared by every municipality: anyone working in the registry
        # (holding some grant) may read them; a user without any grant sees nothing.
        if principal.is_admin or principal.grants:
            return
        if not await _granted(connection, principal, lambda p, _store: _has_grant(p)):
            raise PermissionDeniedException("You hold no grant: the directory is not open to you.")
        return
    organisation_id = _path_id(connection, "organisation_id")
    if not await _granted(
        connection,
        principal,
        lambda p, store: access_view.owns_organisation(store, p.directory, organisation_id),
    ):
        raise PermissionDeniedException(
            "Only administrators and the project leaders of the organisation's own "
            "municipality may change it (an organisation without a municipality: "
            "administrators only)."
        )


async def _has_grant(principal: Principal) -> bool:
    return bool(principal.grants)


def _path_id(connection: ASGIConnection[Any, Any, Any, Any], name: str) -> UUID:
    value = connection.path_params.get(name)
    if not isinstance(value, UUID):
        log.error("access rule on a route without its path id", needs=name)
        raise PermissionDeniedException("This route has nothing to check access on.")
    return value


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_WRITE = "cookie_write"  # opt key: a write the session cookie alone may make


def _refuse_unchecked_cookie_write(
    connection: ASGIConnection[Any, Any, Any, Any],
    handler: BaseRouteHandler,
    principal: Principal,
) -> None:
    """A write authenticated by the session cookie needs a CSRF token Litestar checked.

    The web UI's pages are behind Litestar's CSRF middleware, which has checked the
    token by now (it records it in the scope). The JSON API is outside it: there the
    cookie may read but not write (bearer tokens only), so a page on another site, or a
    sibling subdomain, cannot make a logged-in browser write. Logging out
    (`opt["cookie_write"]`) is the one exception: all a forged one can do is end a
    session. ADR 0013.
    """
    if not principal.from_cookie or connection.scope.get("method") in _SAFE_METHODS:
        return
    if handler.opt.get(COOKIE_WRITE) is True:
        return
    if ScopeState.from_scope(connection.scope).csrf_token is not Empty:
        return  # Litestar's CSRF middleware checked this request's token
    log.warning("cookie write refused", path=connection.url.path)
    raise PermissionDeniedException(
        "The session cookie is the web UI's: write to the JSON API with a bearer token "
        "(POST /auth/tokens), in the Authorization header."
    )


class HiddenPartnership(PermissionDeniedException):
    """Refused: the user may not even read the partnership, or there is none with that
    id; the two look the same (the web UI answers its "findes ikke" page to both)."""


_VERBS = {
    "read": "read",
    "audit": "read the history of",
    "write": "change",
    "rate": "rate the anchoring of",
    "annotate": "write evaluator notes on",
}

Check = Callable[[Principal, ReadStore], Awaitable[bool]]


async def _granted(
    connection: ASGIConnection[Any, Any, Any, Any], principal: Principal, check: Check
) -> bool:
    """Whether `check` passes; if not, once more after catching the views up to the log's
    head with the user's grants as they are then (a grant, a partnership, an organisation
    or a person registered a moment ago)."""
    read_side = _read_side(connection)
    if principal.is_admin or await check(principal, read_side.store):
        return True
    if not await _catch_up(read_side):
        return False
    owner = await access_view.token_owner(read_side.store, principal.token_id)
    if owner is None:
        return False
    fresh = await load_principal(read_side, owner)
    return await check(fresh, read_side.store)


# -- what a JSON body names ---------------------------------------------------------------

# Body fields that name a person, on any route: the caller must be allowed to read them.
PERSON_FIELDS = ("person_id", "signatory_id")
BODY_RULES = frozenset({"municipality:register", "municipality:lead", "organisation:staff"})


async def check_body(
    connection: ASGIConnection[Any, Any, Any, Any],
    handler: BaseRouteHandler,
    principal: Principal,
) -> None:
    """Refuse a JSON body naming what the caller may not use (see the module's doc)."""
    rules: dict[str, str] = handler.opt.get("body") or {}
    unknown = set(rules.values()) - BODY_RULES
    if unknown:
        log.error("unknown body rule", rules=sorted(unknown))
        raise PermissionDeniedException("This route has an unknown access rule.")
    if principal.is_admin or "data" not in handler.parsed_fn_signature.parameters:
        return
    if not isinstance(connection, Request):
        return
    try:
        body = msgspec.json.decode(await connection.body())
    except msgspec.DecodeError:
        return  # not JSON: the handler's own parsing refuses it
    if not isinstance(body, dict):
        return
    for field in PERSON_FIELDS:
        person_id = _as_uuid(body.get(field))
        if person_id is not None and not await _granted(
            connection, principal, _sees_person(person_id)
        ):
            raise PermissionDeniedException(f"You may not name that person ({field}).")
    for field, rule in rules.items():
        value = body.get(field)
        if value is None or value == "":
            continue
        await _check_body_rule(connection, principal, field, rule, value)


async def _check_body_rule(
    connection: ASGIConnection[Any, Any, Any, Any],
    principal: Principal,
    field: str,
    rule: str,
    value: Any,
) -> None:
    if rule == "organisation:staff":
        organisation_id = _as_uuid(value)
        if organisation_id is None:
            return  # malformed: the handler's own parsing refuses it
        if not await _granted(
            connection,
            principal,
            lambda p, store: access_view.may_staff_organisation(
                store, p.directory, organisation_id
            ),
        ):
            raise PermissionDeniedException(
                f"You may not register people in that organisation ({field}): only its "
                "municipality's project leaders and those of its partnerships may."
            )
        return
    if not isinstance(value, str):
        return
    if rule == "municipality:register":
        if not await _granted(connection, principal, lambda p, _store: _registers_in(p, value)):
            raise PermissionDeniedException(
                f"You may register partnerships only in a municipality you hold a "
                f"municipality-wide project-leader grant for ({field})."
            )
        return
    if not await _granted(
        connection,
        principal,
        lambda p, store: access_view.leads_in(store, p.account_id, value),
    ):
        raise PermissionDeniedException(
            f"You may name only a municipality you are a project leader in ({field})."
        )


def _sees_person(person_id: UUID) -> Check:
    async def check(principal: Principal, store: ReadStore) -> bool:
        return await access_view.may_see_person(store, principal.directory, person_id)

    return check


async def _registers_in(principal: Principal, municipality: str) -> bool:
    return principal.may_register_in(municipality)


def _as_uuid(value: Any) -> UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return UUID(value)
    except ValueError:
        return None


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


class CookieSession:
    """The session cookie's middleware, for requests without a bearer token only.

    A request that says `Authorization: ...` is an integration's (or a test's), never a
    browser's: it is authenticated by that header alone, so its cookie is neither
    decrypted nor written back (an empty session stands in). CSRF checks stay as they
    are: they guard the web UI's paths, whose writes need the cookie (ADR 0013).
    """

    def __init__(self, app: ASGIApp, session: DefineMiddleware) -> None:
        self.app = app
        self.with_session = session(app)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and any(
            name == b"authorization" for name, _ in scope.get("headers", ())
        ):
            scope["session"] = {}
            await self.app(scope, receive, send)
            return
        await self.with_session(scope, receive, send)


def auth_middleware(settings: Settings) -> list[DefineMiddleware]:
    """Login attempts per client address first (refused before any work), then the
    session (it decodes the cookie; not for bearer requests), then authentication."""
    return [
        login_rate_limit(settings),
        DefineMiddleware(CookieSession, session=session_config(settings).middleware),
        DefineMiddleware(TokenAuthenticationMiddleware),
    ]
