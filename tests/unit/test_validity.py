"""When an agreement runs out, one rule (aggregates/validity.py, ADR 0015): the day after
its valid-to it has expired and the rungs it backed drop, in the aggregate as in every
view, recorded or not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import pytest

from aggregates import AgreementStatus
from aggregates.errors import NoChange
from aggregates.taxonomy import AgreementKind, Rung
from aggregates.validity import Lapse, has_run_out, in_force_on, lapses, rung_on, runs_out_on
from tests.unit.conftest import backed, build_partnership, meta

COOPERATION = (AgreementKind.COOPERATION.rung, "samarbejdsaftale")
PARTNERSHIP = (AgreementKind.PARTNERSHIP.rung, "partnerskabsaftale")


@dataclass(frozen=True)
class Held:
    agreement_id: UUID
    signed_on: date
    valid_from: date
    valid_to: date
    ended_on: date | None = None


def held(valid_to: date, *, ended_on: date | None = None, since: date = date(2024, 1, 1)) -> Held:
    return Held(uuid4(), since, since, valid_to, ended_on)


def test_an_agreement_has_run_out_from_the_day_after_its_valid_to() -> None:
    assert runs_out_on(date(2024, 12, 31)) == date(2025, 1, 1)
    assert not has_run_out(date(2024, 12, 31), date(2024, 12, 31))
    assert has_run_out(date(2024, 12, 31), date(2025, 1, 1))
    agreement = held(date(2024, 12, 31))
    assert in_force_on(agreement, date(2024, 12, 31))
    assert not in_force_on(agreement, date(2025, 1, 1))


def test_a_party_drops_to_the_highest_rung_another_agreement_still_backs() -> None:
    short = held(date(2024, 12, 31))
    long = held(date(2026, 12, 31))
    found = lapses([(short, *PARTNERSHIP), (long, *COOPERATION)])
    assert [(lapse.on, lapse.agreement_id, lapse.rung) for lapse in found] == [
        (date(2025, 1, 1), short.agreement_id, Rung.COOPERATION_AGREEMENT),
        (date(2027, 1, 1), long.agreement_id, Rung.INFORMAL_COOPERATION),
    ]
    assert found[0].evidence == "partnerskabsaftale ophørt"
    # Lifted to 6 in 2024: 5 from 2025, 4 from 2027; a later move sets its own rung.
    lifted = (Rung.PARTNERSHIP_AGREEMENT, date(2024, 3, 1))
    assert rung_on(*lifted, date(2024, 12, 31), found) is None
    assert rung_on(*lifted, date(2025, 1, 1), found) == found[0]
    last = rung_on(*lifted, date(2027, 1, 1), found)
    assert last is not None
    assert last.rung is Rung.INFORMAL_COOPERATION
    assert rung_on(Rung.PARTNERSHIP_AGREEMENT, date(2027, 6, 1), date(2027, 7, 1), found) is None
    # A rung at or below what is still backed does not drop (nor rise).
    assert rung_on(Rung.DIALOGUE, date(2024, 3, 1), date(2027, 7, 1), found) is None


def test_a_terminated_agreement_has_no_lapse_but_a_recorded_expiry_keeps_it() -> None:
    terminated = held(date(2024, 12, 31), ended_on=date(2024, 6, 1))
    expired = held(date(2024, 12, 31), ended_on=date(2025, 1, 1))
    assert lapses([(terminated, *COOPERATION)]) == []
    assert [lapse.on for lapse in lapses([(expired, *COOPERATION)])] == [date(2025, 1, 1)]


def test_the_partnership_says_the_rung_every_view_shows_before_the_expiry_is_recorded() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a], valid_to=date(2024, 12, 31))
    assert agreement.status_on(date(2025, 1, 1)) is AgreementStatus.EXPIRED
    # Recorded: still lifted (nobody wrote the expiry); standing: dropped on the day after.
    assert b.p.rung_of(b.a, date(2025, 1, 1)) is Rung.COOPERATION_AGREEMENT
    assert b.p.rung_standing_on(b.a, date(2024, 12, 31)) is Rung.COOPERATION_AGREEMENT
    assert b.p.rung_standing_on(b.a, date(2025, 1, 1)) is Rung.INFORMAL_COOPERATION
    # A move to the rung it stands on is no change, as the pages show it.
    with pytest.raises(NoChange):
        b.p.move_on_ladder(b.a, Rung.INFORMAL_COOPERATION, "Faldet tilbage", meta(date(2025, 2, 1)))
    # Once the expiry is recorded the two agree.
    b.p.record_agreement_ended(agreement.id, date(2025, 1, 1), meta(date(2025, 1, 1)))
    assert b.p.rung_of(b.a, date(2025, 1, 1)) is Rung.INFORMAL_COOPERATION
    assert b.p.rung_standing_on(b.a, date(2025, 1, 1)) is Rung.INFORMAL_COOPERATION


def test_a_lapse_is_a_value() -> None:
    lapse = Lapse(date(2025, 1, 1), uuid4(), Rung.INFORMAL_COOPERATION, "samarbejdsaftale ophørt")
    assert lapse == Lapse(lapse.on, lapse.agreement_id, lapse.rung, lapse.evidence)
