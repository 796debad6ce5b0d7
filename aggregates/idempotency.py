"""IdempotentRequest: the first result of a write sent with an Idempotency-Key.

Saved in the same transaction as the write's own events, under an id derived from the
caller and the key: a retry that races the first attempt loses on the event store's
version check, so a key can never produce two writes.
"""

from __future__ import annotations

import uuid
from uuid import UUID

from aggregates.base import Meta, TvaersAggregate

IDEMPOTENCY_NAMESPACE = uuid.UUID("0f8e7f7e-6a0c-4b8a-a1a4-59f2a7c1d3e2")


def request_id_for(actor: str, key: str) -> UUID:
    """Keys are per caller: two users may happen to pick the same key."""
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{actor}\n{key}")


class IdempotentRequest(TvaersAggregate):
    fingerprint: str
    result_aggregate_id: UUID
    result_version: int
    result_created_id: UUID | None

    def __init__(self) -> None:
        pass

    class Recorded(TvaersAggregate.Created):
        fingerprint: str
        result_aggregate_id: UUID
        result_version: int
        result_created_id: UUID | None

        def apply(self, request: IdempotentRequest) -> None:
            request.fingerprint = self.fingerprint
            request.result_aggregate_id = self.result_aggregate_id
            request.result_version = self.result_version
            request.result_created_id = self.result_created_id

    @classmethod
    def record(
        cls,
        *,
        actor: str,
        key: str,
        fingerprint: str,
        aggregate_id: UUID,
        version: int,
        created_id: UUID | None,
        meta: Meta,
    ) -> IdempotentRequest:
        return cls._create_with(
            cls.Recorded,
            meta,
            id=request_id_for(actor, key),
            fingerprint=fingerprint,
            result_aggregate_id=aggregate_id,
            result_version=version,
            result_created_id=created_id,
        )
