"""When a signed agreement stops backing rungs: one rule for every view (ADR 0015).

An agreement's validity runs out at the end of its valid-to date: from the next day on it
is expired, whether or not the housekeeping job has recorded the expiry yet. The parties
it lifted drop on that day to the highest rung another agreement still backs (at least
rung 4, informal cooperation), exactly as the recorded expiry (`Partnership.
record_agreement_ended`) drops them. Every view derives this on read from the same
facts with the functions below, so the agreements view, the ladder, the registry, the
cross-case tables, the story and the API say the same on every day, before and after
the housekeeping job writes the expiry (the written drop and the derived one coincide).

Pure: no clock. "Today" is only the default day a reader asks about
(`aggregates.dates.today`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol
from uuid import UUID

from aggregates.taxonomy import Rung


def runs_out_on(valid_to: date) -> date:
    """The first day an agreement valid to `valid_to` is no longer valid."""
    return valid_to + timedelta(days=1)


def has_run_out(valid_to: date, day: date) -> bool:
    """Whether an agreement valid to `valid_to` has expired on `day`."""
    return day >= runs_out_on(valid_to)


class Held(Protocol):
    """A signed agreement as one party's rung sees it (`Partnership.Backing` is one)."""

    @property
    def agreement_id(self) -> UUID: ...
    @property
    def signed_on(self) -> date: ...
    @property
    def valid_from(self) -> date: ...
    @property
    def valid_to(self) -> date: ...
    @property
    def ended_on(self) -> date | None: ...


def in_force_on(held: Held, day: date) -> bool:
    """Fully signed by then, inside the validity, and not ended."""
    return (
        held.signed_on <= day
        and held.valid_from <= day <= held.valid_to
        and (held.ended_on is None or day < held.ended_on)
    )


@dataclass(frozen=True)
class Lapse:
    """A party's rung falls to `rung` on `on` because agreement `agreement_id` ran out."""

    on: date
    agreement_id: UUID
    rung: Rung  # the highest rung still backed on `on` (at least informal cooperation)
    evidence: str  # what the recorded drop says: "<kind> ophørt"


def lapses(held: Sequence[tuple[Held, Rung, str]]) -> list[Lapse]:
    """The lapses of one party's signed agreements, in date order.

    `held`: each agreement with the rung its kind backs and its Danish kind label. An
    agreement ended before its validity ran out (terminated) has no lapse: its end was
    recorded with the drop.
    """
    result = []
    for agreement, _, label in held:
        if agreement.ended_on is not None and agreement.ended_on <= agreement.valid_to:
            continue
        on = runs_out_on(agreement.valid_to)
        still = max(
            (rung for other, rung, _ in held if in_force_on(other, on)),
            default=Rung.INFORMAL_COOPERATION,
        )
        result.append(Lapse(on, agreement.agreement_id, Rung(still), f"{label} ophørt"))
    return sorted(result, key=lambda lapse: (lapse.on, str(lapse.agreement_id)))


def rung_on(rung: Rung, since: date, day: date, party_lapses: Iterable[Lapse]) -> Lapse | None:
    """The lapse that sets the rung on `day` of a party placed on `rung` on `since`, or
    None when `rung` still holds. Lapses on or after `since` and by `day` count (a drop is
    recorded after any ladder fact of its own day)."""
    current: Lapse | None = None
    level = rung
    for lapse in party_lapses:
        if since <= lapse.on <= day and level > lapse.rung:
            current, level = lapse, lapse.rung
    return current
