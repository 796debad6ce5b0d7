"""Errors the application layer adds to the domain's: write conflicts."""

from __future__ import annotations

from aggregates.errors import DomainError


class ConcurrencyConflict(DomainError):
    """Another writer saved the same aggregate first; nothing of this command was saved."""

    code = "conflict"
    title = "Concurrent change"


class StaleVersion(ConcurrencyConflict):
    """The caller's expected version (If-Match) is not the current one."""

    code = "stale-version"
    title = "Stale version"

    def __init__(self, *, expected: int, current: int) -> None:
        super().__init__(
            f"You edited version {expected}, but the record is now at version {current}. "
            "Reload to see the other change, then try again."
        )
        self.expected = expected
        self.current = current


class LastAdministrator(DomainError):
    """The change would leave no active administrator (nobody could manage users)."""

    code = "last-administrator"
    title = "The last active administrator"


class InvalidCredentials(DomainError):
    """Wrong username or password (which one is not said)."""

    code = "invalid-credentials"
    title = "Invalid credentials"


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key sent again with a different request."""

    code = "idempotency-key-reused"
    title = "Idempotency key reused"
