"""Logging in and out, tokens, users, grants and the access log."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
import structlog
from litestar import Controller, Request, Response, delete, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from aggregates import Meta, TokenKind
from aggregates.account import AccessRole
from aggregates.errors import NotFound
from api.auth import COOKIE_WRITE, SESSION_TOKEN_KEY, Principal, principal_of
from api.deps import RequestContext
from api.readside import ReadSide
from api.schemas import CommandAccepted, Write
from api.throttle import LOGIN_ATTEMPT, LoginThrottle, guarded_login, throttle_name
from projections import access as access_view
from projections.runner import StillCatchingUp
from services.application import Tvaers
from services.commands import (
    ChangePassword,
    CreateAccount,
    DeactivateAccount,
    Envelope,
    GrantAccess,
    ReactivateAccount,
    RevokeGrant,
    RevokeToken,
    SetAdministrator,
)
from services.errors import InvalidCredentials
from services.fields import Name, Text

log = structlog.get_logger("tvaers.access")

SESSION_LIFETIME = timedelta(hours=12)
Username = Annotated[str, msgspec.Meta(min_length=2, max_length=64)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class Login(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: Username
    password: Password


class TokenRequest(Login, kw_only=True):
    label: Text = ""
    days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 90


class IssuedToken(msgspec.Struct, kw_only=True):
    token_id: UUID
    token: str
    expires_at: datetime


class TokenView(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool


class GrantView(msgspec.Struct, kw_only=True):
    id: UUID
    role: AccessRole
    role_label: str
    partnership_id: UUID | None
    municipality: str | None
    granted_at: datetime
    granted_by: str


class Me(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    is_admin: bool
    grants: list[GrantView]


class User(msgspec.Struct, kw_only=True):
    username: str
    display_name: str
    is_admin: bool
    active: bool
    created_at: datetime


class UserDetail(User, kw_only=True):
    grants: list[GrantView]


class UserCreate(Write, kw_only=True):
    username: Username
    display_name: Name
    password: Password
    is_admin: bool = False


class PasswordChange(Write, kw_only=True):
    new_password: Password
    current_password: Password | None = None


class AdminChange(Write, kw_only=True):
    is_admin: bool


class Reasoned(Write, kw_only=True):
    """A write that needs nothing but when and why."""


class GrantCreate(Write, kw_only=True):
    role: AccessRole
    partnership_id: UUID | None = None
    municipality: Name | None = None


class AccessLogEntry(msgspec.Struct, kw_only=True):
    username: str
    recorded_at: datetime
    actor: str
    kind: str
    detail: str
    reason: str | None


class AccessLogPage(msgspec.Struct, kw_only=True):
    items: list[AccessLogEntry]
    next_cursor: str | None


def _grant_views(rows: list[access_view.GrantRow]) -> list[GrantView]:
    return [
        GrantView(
            id=g.id,
            role=AccessRole(g.role),
            role_label=AccessRole(g.role).label_da,
            partnership_id=g.partnership_id,
            municipality=g.municipality,
            granted_at=g.granted_at,
            granted_by=g.granted_by,
        )
        for g in rows
    ]


def _require(request: Request[Any, Any, Any]) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise NotAuthorizedException("Log in first.")
    return principal


class AuthController(Controller):
    """Sessions for the web UI, bearer tokens for integrations."""

    path = "/auth"
    tags = ["access"]

    @post(
        "/login",
        operation_id="logIn",
        summary="Log in: start a session (cookie)",
        status_code=200,
        opt={"access": "public", LOGIN_ATTEMPT: True},
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[Login],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        context: NamedDependency[RequestContext],
    ) -> Me:
        """Check the password and start a 12-hour session, kept in an encrypted cookie.

        Throttled per client address and per username (429 with Retry-After)."""
        issued = await guarded_login(
            request,
            read_side,
            data.username,
            lambda: _issue(
                tvaers, context, data, TokenKind.SESSION, "web session", SESSION_LIFETIME
            ),
        )
        await read_side.wait_until(issued.result.notification_id)
        request.set_session({SESSION_TOKEN_KEY: issued.token})
        owner = await access_view.token_owner(read_side.store, issued.token_id)
        assert owner is not None
        grants = await access_view.grants_of(read_side.store, owner.account_id)
        return Me(
            username=owner.username,
            display_name=owner.display_name,
            is_admin=owner.is_admin,
            grants=_grant_views(grants),
        )

    @post(
        "/logout",
        operation_id="logOut",
        summary="Log out: end the session",
        status_code=HTTP_204_NO_CONTENT,
        # The one JSON write the session cookie may make alone: a forged one only logs out.
        opt={"access": "authenticated", COOKIE_WRITE: True},
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        context: NamedDependency[RequestContext],
    ) -> None:
        """Revoke the session's token (or the bearer token used) and clear the cookie."""
        principal = _require(request)
        meta = Meta(actor=principal.username, correlation_id=context.correlation_id)
        revoke = RevokeToken(username=principal.username, token_id=principal.token_id)
        result = await sync_to_thread(tvaers.execute, revoke, Envelope(meta))
        request.clear_session()
        await _caught_up(read_side, result.notification_id)

    @post(
        "/tokens",
        operation_id="issueToken",
        summary="Issue a bearer token for an integration",
        status_code=201,
        opt={"access": "public", LOGIN_ATTEMPT: True},
    )
    async def issue_token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenRequest],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        context: NamedDependency[RequestContext],
    ) -> IssuedToken:
        """Exchange a username and password for a token; the token is shown only here.

        Throttled per client address and per username (429 with Retry-After)."""
        issued = await guarded_login(
            request,
            read_side,
            data.username,
            lambda: _issue(
                tvaers, context, data, TokenKind.BEARER, data.label, timedelta(days=data.days)
            ),
        )
        await read_side.wait_until(issued.result.notification_id)
        return IssuedToken(
            token_id=issued.token_id, token=issued.token, expires_at=issued.expires_at
        )

    @get(
        "/tokens",
        operation_id="listMyTokens",
        summary="My tokens and sessions",
        opt={"access": "authenticated"},
    )
    async def list_tokens(
        self, request: Request[Any, Any, Any], read_side: NamedDependency[ReadSide]
    ) -> list[TokenView]:
        principal = _require(request)
        rows = await access_view.tokens_of(read_side.store, principal.account_id)
        return [
            TokenView(
                id=UUID(str(r["id"])),
                kind=str(r["kind"]),
                label=str(r["label"]),
                issued_at=access_view.timestamp(r["issued_at"]),
                expires_at=access_view.timestamp(r["expires_at"]),
                revoked=r["revoked_at"] is not None,
            )
            for r in rows
        ]

    @delete(
        "/tokens/{token_id:uuid}",
        operation_id="revokeToken",
        summary="Revoke one of my tokens",
        status_code=HTTP_204_NO_CONTENT,
        opt={"access": "authenticated"},
    )
    async def revoke_token(
        self,
        request: Request[Any, Any, Any],
        token_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
        context: NamedDependency[RequestContext],
    ) -> None:
        """Revoke a token of your own (administrators: anyone's). It stops working at once."""
        principal = _require(request)
        owner = await access_view.token_owner(read_side.store, token_id)
        if owner is None or (owner.account_id != principal.account_id and not principal.is_admin):
            raise PermissionDeniedException("That is not one of your tokens.")
        meta = Meta(actor=principal.username, correlation_id=context.correlation_id)
        revoke = RevokeToken(username=owner.username, token_id=token_id)
        result = await sync_to_thread(tvaers.execute, revoke, Envelope(meta))
        await _caught_up(read_side, result.notification_id)

    @get(
        "/me",
        operation_id="whoAmI",
        summary="Who I am and my grants",
        opt={"access": "authenticated"},
    )
    async def me(self, request: Request[Any, Any, Any], read_side: NamedDependency[ReadSide]) -> Me:
        principal = _require(request)
        grants = await access_view.grants_of(read_side.store, principal.account_id)
        return Me(
            username=principal.username,
            display_name=principal.display_name,
            is_admin=principal.is_admin,
            grants=_grant_views(grants),
        )


def _issue(
    tvaers: Tvaers,
    context: RequestContext,
    data: Login,
    kind: TokenKind,
    label: str,
    lifetime: timedelta,
) -> Any:
    try:
        account = tvaers.authenticate(data.username, data.password)
    except InvalidCredentials:
        log.warning("login refused", username=data.username[:64], kind=kind.value)
        raise
    meta = Meta(actor=account.username, correlation_id=context.correlation_id)
    issued = tvaers.issue_token(account.username, kind, label, lifetime, meta)
    log.info("logged in", username=account.username, kind=kind.value)
    return issued


VIEWS_HEADER = "Tvaers-Views"
"""Sent with `catching-up` when a write is saved but the views do not show it yet."""


async def _caught_up(read_side: ReadSide, notification_id: int) -> bool:
    """Wait until authentication sees a saved access change; False if the views lag.

    The change is saved either way: its answer must never be an error (a client would
    retry a write that happened), so a lag is only said (`Tvaers-Views: catching-up`).
    """
    try:
        await read_side.wait_until(notification_id)
    except StillCatchingUp as lag:
        log.warning("access change saved, views still catching up", wanted=lag.wanted)
        return False
    # Every API process forgets the principals it kept once it hears of the change
    # (api/principals.py): answer after it has been sent to them all.
    await read_side.store.access_changes_sent()
    return True


async def _settled(
    read_side: ReadSide, run: Callable[[], Response[CommandAccepted]]
) -> Response[CommandAccepted]:
    """Run an access change, then wait until authentication sees it.

    Revoking or deactivating takes effect before the administrator is told it did;
    if the views lag past the read timeout, the answer is still the write's own (2xx,
    with its notification id) and says `Tvaers-Views: catching-up`.
    """
    response = await sync_to_thread(run)
    assert isinstance(response.content, CommandAccepted)
    if not await _caught_up(read_side, response.content.notification_id):
        response.headers[VIEWS_HEADER] = "catching-up"
    return response


# Changes that may take away an administrator run one at a time in a process, each on
# an up-to-date list of the administrators (ADR 0013).
_ADMIN_CHANGES = asyncio.Lock()


async def _administrators(read_side: ReadSide) -> list[str]:
    """The active administrators, as of the newest event (as far as the views get)."""
    with contextlib.suppress(StillCatchingUp):
        await read_side.wait_until(await read_side.store.head())
    return await access_view.active_administrators(read_side.store)


class UserController(Controller):
    """Administrators manage users and their grants."""

    path = "/users"
    tags = ["access"]

    @post(
        operation_id="createUser",
        summary="Create a user",
        opt={"access": "admin"},
    )
    async def create(
        self,
        read_side: NamedDependency[ReadSide],
        data: JSONBody[UserCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return await _settled(
            read_side,
            lambda: context.execute(
                tvaers,
                data,
                CreateAccount(
                    username=data.username,
                    display_name=data.display_name,
                    password=data.password,
                    is_admin=data.is_admin,
                ),
                status=201,
            ),
        )

    @get(operation_id="listUsers", summary="All users", opt={"access": "admin"})
    async def list(self, read_side: NamedDependency[ReadSide]) -> list[User]:
        rows = await access_view.accounts(read_side.store)
        return [_user(r) for r in rows]

    @get(
        "/{username:str}",
        operation_id="getUser",
        summary="A user and their grants",
        opt={"access": "admin"},
    )
    async def read(
        self, username: FromPath[str], read_side: NamedDependency[ReadSide]
    ) -> UserDetail:
        row = await access_view.account(read_side.store, username)
        if row is None:
            raise _no_user(username)
        grants = await access_view.grants_of(read_side.store, UUID(str(row["id"])))
        base = _user(row)
        return UserDetail(**msgspec.structs.asdict(base), grants=_grant_views(grants))

    @post(
        "/{username:str}/password",
        operation_id="changePassword",
        status_code=200,
        summary="Change a password (your own, or anyone's as administrator)",
        opt={"access": "authenticated"},
    )
    async def change_password(
        self,
        read_side: NamedDependency[ReadSide],
        request: Request[Any, Any, Any],
        username: FromPath[str],
        data: JSONBody[PasswordChange],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Your own password needs the current one; an administrator may reset anyone's."""
        principal = _require(request)
        own = principal.username == username.strip().lower()
        if not own and not principal.is_admin:
            raise PermissionDeniedException("You may change only your own password.")
        if own and data.current_password is None:
            raise InvalidCredentials("Give your current password to set a new one.")
        return await _settled(
            read_side,
            lambda: context.execute(
                tvaers,
                data,
                ChangePassword(
                    username=username,
                    new_password=data.new_password,
                    current_password=data.current_password if own else None,
                    # The session changing its own password stays; every other ends.
                    keep_token=principal.token_id if own else None,
                ),
            ),
        )

    @post(
        "/{username:str}/admin",
        operation_id="setAdministrator",
        status_code=200,
        summary="Make a user an administrator, or not",
        opt={"access": "admin"},
    )
    async def set_admin(
        self,
        read_side: NamedDependency[ReadSide],
        request: Request[Any, Any, Any],
        username: FromPath[str],
        data: JSONBody[AdminChange],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Taking it away revokes the user's sessions and tokens (but the one asking, if
        they demote themselves); the last active administrator keeps it (409)."""
        principal = _require(request)
        own = principal.username == username.strip().lower()
        async with _ADMIN_CHANGES:
            administrators = await _administrators(read_side)
            return await _settled(
                read_side,
                lambda: context.execute(
                    tvaers,
                    data,
                    SetAdministrator(
                        username=username,
                        is_admin=data.is_admin,
                        administrators=tuple(administrators),
                        keep_token=principal.token_id if own else None,
                    ),
                ),
            )

    @post(
        "/{username:str}/deactivation",
        operation_id="deactivateUser",
        status_code=200,
        summary="Deactivate a user (their tokens stop working)",
        opt={"access": "admin"},
    )
    async def deactivate(
        self,
        read_side: NamedDependency[ReadSide],
        username: FromPath[str],
        data: JSONBody[Reasoned],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Every session and token of the user ends; the last active administrator
        cannot be deactivated (409)."""
        async with _ADMIN_CHANGES:
            administrators = await _administrators(read_side)
            return await _settled(
                read_side,
                lambda: context.execute(
                    tvaers,
                    data,
                    DeactivateAccount(username=username, administrators=tuple(administrators)),
                ),
            )

    @post(
        "/{username:str}/reactivation",
        operation_id="reactivateUser",
        status_code=200,
        summary="Reactivate a user",
        opt={"access": "admin"},
    )
    async def reactivate(
        self,
        read_side: NamedDependency[ReadSide],
        username: FromPath[str],
        data: JSONBody[Reasoned],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return await _settled(
            read_side,
            lambda: context.execute(tvaers, data, ReactivateAccount(username=username)),
        )

    @post(
        "/{username:str}/grants",
        operation_id="grantAccess",
        summary="Grant a role on a partnership or a municipality",
        opt={"access": "admin"},
    )
    async def grant(
        self,
        read_side: NamedDependency[ReadSide],
        username: FromPath[str],
        data: JSONBody[GrantCreate],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        """Project leader (write), steering-group member or evaluator (read, with audit).

        Name either `partnership_id` or `municipality` (every partnership registered in
        that municipality, now and later); steering-group members are per partnership.
        """
        return await _settled(
            read_side,
            lambda: context.execute(
                tvaers,
                data,
                GrantAccess(
                    username=username,
                    role=data.role,
                    partnership_id=data.partnership_id,
                    municipality=data.municipality,
                ),
                status=201,
            ),
        )

    @delete(
        "/{username:str}/grants/{grant_id:uuid}",
        operation_id="revokeGrant",
        summary="Revoke a grant",
        status_code=200,
        opt={"access": "admin"},
    )
    async def revoke(
        self,
        read_side: NamedDependency[ReadSide],
        username: FromPath[str],
        grant_id: FromPath[UUID],
        tvaers: NamedDependency[Tvaers],
        context: NamedDependency[RequestContext],
    ) -> Response[CommandAccepted]:
        return await _settled(
            read_side,
            lambda: context.execute(
                tvaers, Reasoned(), RevokeGrant(username=username, grant_id=grant_id)
            ),
        )


class AccessLogController(Controller):
    path = "/access-log"
    tags = ["access"]

    @get(
        operation_id="accessLog",
        summary="Who gave whom which right; logins",
        opt={"access": "admin"},
    )
    async def log(
        self,
        read_side: NamedDependency[ReadSide],
        username: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        cursor: Annotated[
            str | None,
            QueryParameter(pattern=r"^[0-9]{1,9}$", description="The previous `next_cursor`."),
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AccessLogPage:
        """Newest first. Grants given and revoked, logins, tokens, password changes."""
        offset = _offset(cursor)
        rows = await access_view.access_log(
            read_side.store,
            username=username.strip().lower() if username else None,
            since=since,
            until=until,
            after=offset,
            limit=limit + 1,
        )
        more = len(rows) > limit
        items = [
            AccessLogEntry(
                username=str(r["username"]),
                recorded_at=access_view.timestamp(r["recorded_at"]),
                actor=str(r["actor"]),
                kind=str(r["kind"]),
                detail=str(r["detail"]),
                reason=r["reason"],
            )
            for r in rows[:limit]
        ]
        return AccessLogPage(items=items, next_cursor=str(offset + limit) if more else None)


class LoginLock(msgspec.Struct, kw_only=True):
    name: str
    failures: int
    last_failure: datetime
    locked_until: datetime | None


class LoginLockController(Controller):
    """Failed logins per username, and the locks they set (api/throttle.py)."""

    path = "/login-locks"
    tags = ["access"]

    @get(
        operation_id="listLoginLocks",
        summary="Usernames with failed logins in the last day, and their locks",
        opt={"access": "admin"},
    )
    async def locks(self, read_side: NamedDependency[ReadSide]) -> list[LoginLock]:
        """Any name typed at a login, whether or not a user has it; newest failure first.
        `locked_until` is null when the name may log in now."""
        now = datetime.now(UTC)
        return [
            LoginLock(
                name=row.name,
                failures=row.failures,
                last_failure=row.last_failure,
                locked_until=until if until > now else None,
            )
            for row, until in await LoginThrottle(read_side).locks()
        ]

    @delete(
        "/{name:str}",
        operation_id="liftLoginLock",
        summary="Lift a login lock: forget the name's failed logins",
        status_code=HTTP_204_NO_CONTENT,
        opt={"access": "admin"},
    )
    async def lift(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        read_side: NamedDependency[ReadSide],
    ) -> None:
        """The name may log in again at once; recorded in the access log (404: no failed
        logins for that name)."""
        principal = _require(request)
        if not await LoginThrottle(read_side).unlock(throttle_name(name), principal.username):
            raise NotFound(f"No failed logins are recorded for {name!r}.")


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 9):
        raise ClientException("The cursor is not one this API gave out.")
    return int(cursor)


def _user(row: dict[str, Any]) -> User:
    return User(
        username=str(row["username"]),
        display_name=str(row["display_name"]),
        is_admin=bool(row["is_admin"]),
        active=bool(row["active"]),
        created_at=access_view.timestamp(row["created_at"]),
    )


def _no_user(username: str) -> Exception:
    return NotFound(f"No user called {username!r}.")
