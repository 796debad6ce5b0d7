"""Every write use case as data: one command struct each, and the envelope it travels in.

A command names what is to change and carries its constraints once (services/fields.py):
the API's request body is derived from it (api/schemas.py, `Body`), the web forms convert
their fields into it (api/ui/forms.py), and the demo loader and the tests build it
directly. `Tvaers.execute(command, envelope)` runs it through one table (command class ->
aggregate kind and handler, services/application.py). ADR 0014 has the recipe for a new one.

Conventions:
- The command holds the ids it addresses; the aggregate it changes is found by the kind's
  id field (`partnership_id` for a partnership, `organisation_id`, `person_id`,
  `agreement_id`).
- Who, when and why is not part of the command: it travels beside it in the `Envelope`
  (actor, valid_on, reason, correlation id as the events' `Meta`; expected version;
  idempotency key).
- A command built in code is not validated by msgspec (only decoding and `convert` are):
  the domain still checks every rule, the fields' constraints are the edge's first line.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import msgspec

from aggregates import Meta
from services.fields import AnyRung, LongText


@dataclass(frozen=True)
class Idempotency:
    """A write's Idempotency-Key, who sent it, and the fingerprint of its request."""

    actor: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Envelope:
    """What travels beside a command: who, when in the world and why (the events' `Meta`:
    actor, valid_on, reason, correlation id), the version the writer saw (If-Match), and
    the Idempotency-Key that makes a retry return the first result."""

    meta: Meta
    expected_version: int | None = None
    idempotency: Idempotency | None = None


class Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A write use case. Subclasses are frozen, keyword-only and refuse unknown fields."""


# -- partnership: partners and the ladder --------------------------------------------------


class MoveOnLadder(Command, frozen=True, kw_only=True):
    """Move a partner to a rung (1-6); rungs 5-6 need an agreement of that kind in force."""

    partnership_id: UUID
    organisation_id: UUID
    rung: AnyRung
    evidence: LongText
