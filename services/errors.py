"""Errors the application layer adds to the domain's: write conflicts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from aggregates.errors import DomainError
from aggregates.partnership import Registry


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


class EditConflict(ConcurrencyConflict):
    """Someone saved a change to the same thing (the same registry field, partner, role,
    agreement, ...) since the version the writer's form was loaded from
    (`Envelope.base_version`); nothing of this command was saved (ADR 0016).

    `current_version`: the aggregate's version now (resubmitting with it as the base
    keeps the writer's change); `events`: the stored events since the base version that
    touched what this command touches; `subjects`: what they share with it."""

    code = "edit-conflict"
    title = "Someone changed the same thing"

    def __init__(
        self,
        *,
        aggregate_id: UUID,
        base_version: int,
        current_version: int,
        events: tuple[Any, ...],
        subjects: frozenset[tuple[str, ...]],
    ) -> None:
        super().__init__(
            f"Since version {base_version}, someone else changed the same thing "
            f"(now at version {current_version}). Look at their change, then keep it or "
            "save yours on the current version.",
            da="Nogen har ændret det samme, mens du arbejdede. Se deres ændring, og vælg "
            "om den skal blive stående, eller om din skal gemmes.",
        )
        self.aggregate_id = aggregate_id
        self.base_version = base_version
        self.current_version = current_version
        self.events = events
        self.subjects = subjects

    def fields(self) -> tuple[str, ...]:
        """The registry fields both changed, in the registry's order."""
        named = {s[1] for s in self.subjects if len(s) == 2 and s[0] == "registry"}
        return tuple(sorted(named, key=_REGISTRY_ORDER.index))


_REGISTRY_ORDER: list[str] = list(Registry.__struct_fields__)


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
