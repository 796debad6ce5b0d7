"""Login throttling: per client address (Litestar's rate limiter) and per name (the database).

Every route that checks a password declares `opt["login_attempt"] = True` and goes
through `guarded_login` (today `POST /auth/login`, `POST /auth/tokens`, `POST /ui/login`).

- **Per client address**: Litestar's `RateLimitMiddleware` counts login attempts per
  address, all three routes together (`TVAERS_LOGIN_ATTEMPTS_PER_MINUTE`, default 30).
  Its counts live in the process (Litestar's memory store): behind N processes an
  address gets at most N times the limit; the reverse proxy adds its own limit.
- **Per name**: failed logins in a row are counted in the database (every process sees
  the same count). From the `TVAERS_LOGIN_MAX_FAILURES`-th failure (default 5) the name
  is locked for `TVAERS_LOGIN_LOCK_SECONDS` (default 30 s), doubling with each further
  failure up to 15 minutes. A locked name is answered 429 without checking the password.
  A successful login, a day without failures or an administrator
  (`DELETE /login-locks/{name}`) starts the count again.

Unknown names are counted and locked exactly like existing ones, and a wrong password
costs the same argon2 check for both (`services.security.verify_password` hashes against
a dummy), so neither the answers nor their timing tell whether a user exists.
Refusals: 429 with `Retry-After`; a lock set or cleared is a line in the access log.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import structlog
from litestar import Request
from litestar.concurrency import sync_to_thread
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.base import DefineMiddleware
from litestar.middleware.rate_limit import (
    RateLimitConfig,
    RateLimitMiddleware,
    get_remote_address,
)
from litestar.types import Receive, Scope, Send

from api.readside import ReadSide
from projections import login_throttle as throttle_table
from services.errors import InvalidCredentials
from services.settings import Settings

log = structlog.get_logger("tvaers.throttle")

T = TypeVar("T")

LOGIN_ATTEMPT = "login_attempt"  # the opt key of the routes that check a password
THROTTLE_ACTOR = "system:login-throttle"
MAX_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


class LoginThrottled(TooManyRequestsException):
    """Too many login attempts: 429 with Retry-After (whole seconds)."""

    def __init__(self, retry_after: int, detail: str) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(detail=detail, headers={"Retry-After": str(self.retry_after)})


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    lock: timedelta = timedelta(seconds=30)
    attempts_per_minute: int = 30

    @classmethod
    def of(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            max_failures=settings.login_max_failures,
            lock=timedelta(seconds=settings.login_lock_seconds),
            attempts_per_minute=settings.login_attempts_per_minute,
        )

    def lock_for(self, failures: int) -> timedelta:
        """How long a name stays locked after `failures` failed logins in a row."""
        if failures < self.max_failures:
            return timedelta(0)
        doublings = min(failures - self.max_failures, 20)
        return min(self.lock * (1 << doublings), MAX_LOCK)

    def locked_until(self, failures: throttle_table.Failures) -> datetime:
        return failures.last_failure + self.lock_for(failures.failures)


def throttle_name(username: str) -> str:
    """The name a login attempt is counted under: as typed, spaces and case folded away."""
    return " ".join(username.split()).lower()[:200]


def client_address(request: Request[Any, Any, Any]) -> str:
    return get_remote_address(request)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _locked_message(seconds: int) -> str:
    return (
        "Too many failed logins for this username: try again in "
        f"{seconds} seconds, or ask an administrator to lift the lock."
    )


class LoginThrottle:
    """The per-name half, on the read side's database."""

    def __init__(self, read_side: ReadSide) -> None:
        self.store = read_side.store
        self.policy = ThrottlePolicy.of(read_side.settings)

    async def check(self, name: str) -> None:
        """Raise LoginThrottled while `name` is locked."""
        failures = await throttle_table.failures_of(self.store, name)
        if failures is None:
            return
        left = self.policy.locked_until(failures) - datetime.now(UTC)
        if left > timedelta(0):
            log.warning("login refused: name locked", seconds=_seconds(left))
            raise LoginThrottled(_seconds(left), _locked_message(_seconds(left)))

    async def failed(self, name: str, address: str) -> None:
        now = datetime.now(UTC)
        failures = await throttle_table.count_failure(self.store, name, now, FORGET_AFTER)
        lock = self.policy.lock_for(failures.failures)
        if lock:
            log.warning("login name locked", failures=failures.failures, seconds=_seconds(lock))
            await throttle_table.record(
                self.store,
                name=name,
                actor=THROTTLE_ACTOR,
                kind="login_locked",
                detail=f"{failures.failures} failed logins in a row (the last from {address});"
                f" locked for {_seconds(lock)} s",
                now=now,
            )

    async def succeeded(self, name: str) -> None:
        await throttle_table.forget_failures(self.store, name)

    async def unlock(self, name: str, actor: str) -> bool:
        """Forget `name`'s failures (an administrator's undo); False if there were none."""
        return await throttle_table.lift(self.store, name, actor=actor, now=datetime.now(UTC))

    async def locks(self) -> list[tuple[throttle_table.Failures, datetime]]:
        """Names with failed logins in the last day, and until when each is locked."""
        since = datetime.now(UTC) - FORGET_AFTER
        rows = await throttle_table.all_failures(self.store, since)
        return [(row, self.policy.locked_until(row)) for row in rows]


async def guarded_login(
    request: Request[Any, Any, Any],
    read_side: ReadSide,
    username: str,
    attempt: Callable[[], T],
) -> T:
    """Run `attempt` (check the password, issue a token) unless the name is locked.

    InvalidCredentials from `attempt` counts as a failed login for the name.
    """
    name = throttle_name(username)
    throttle = LoginThrottle(read_side)
    await throttle.check(name)
    try:
        result = await sync_to_thread(attempt)
    except InvalidCredentials:
        await throttle.failed(name, client_address(request))
        raise
    await throttle.succeeded(name)
    return result


# -- per client address: Litestar's rate limiter ---------------------------------------


class LoginRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limiter, answering with Retry-After and noting the refusal.

    Each address's first refusal in a window is a line in the access log (not every
    refusal: a flood of them must not flood the log).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["route_handler"].opt.get(LOGIN_ATTEMPT) is not True:
            # Not a login: Litestar's limiter would build a Request to find that out.
            await self.app(scope, receive, send)
            return
        try:
            await super().__call__(scope, receive, send)
        except LoginThrottled:
            raise
        except TooManyRequestsException as error:
            headers = dict(error.headers or {})
            seconds = int(headers.get(self.config.rate_limit_reset_header_key, "60") or 60)
            address = get_remote_address(scope["litestar_app"].request_class(scope))
            await self._note(scope, address, seconds)
            headers["Retry-After"] = str(max(1, seconds))
            throttled = LoginThrottled(
                seconds,
                "Too many login attempts from your address: try again in "
                f"{max(1, seconds)} seconds.",
            )
            throttled.headers = headers
            raise throttled from None

    async def _note(self, scope: Scope, address: str, seconds: int) -> None:
        # Per app, not per instance: Litestar builds one middleware per route.
        state = scope["litestar_app"].state
        noted: dict[str, float] = state.setdefault("login_addresses_noted", {})
        now = time.monotonic()
        if noted.get(address, 0.0) > now:
            return  # noted already in this window
        if len(noted) > 10_000:
            for old in [a for a, until in noted.items() if until <= now]:
                del noted[old]
        noted[address] = now + seconds
        log.warning("login attempts refused for an address", address=address, seconds=seconds)
        read_side: ReadSide | None = scope["litestar_app"].state.get("read_side")
        if read_side is None:
            return
        await throttle_table.record(
            read_side.store,
            name=f"address:{address}",
            actor=THROTTLE_ACTOR,
            kind="login_throttled",
            detail=f"more than {self.max_requests} login attempts in a minute from {address}",
            now=datetime.now(UTC),
        )


def _is_login_attempt(request: Request[Any, Any, Any]) -> bool:
    return request.route_handler.opt.get(LOGIN_ATTEMPT) is True


def login_rate_limit(settings: Settings) -> DefineMiddleware:
    """Litestar's rate limiter on the routes that check a password, per client address."""
    config = RateLimitConfig(
        rate_limit=("minute", settings.login_attempts_per_minute),
        check_throttle_handler=_is_login_attempt,
        middleware_class=LoginRateLimitMiddleware,
        store="login_attempts",
    )
    return config.middleware
