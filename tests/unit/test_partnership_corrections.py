"""Corrections: DateCorrected, RungCorrected and MilestoneCorrected supersede earlier events."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from aggregates import Evidence, Partnership
from aggregates.errors import (
    InconsistentDates,
    InvalidValue,
    NotCorrectable,
    RungNotBacked,
)
from aggregates.taxonomy import (
    AgreementKind,
    AnchoringStatus,
    Dimension,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
)
from tests.unit.conftest import (
    START,
    Built,
    assert_replays_to_same_state,
    backed,
    build_partnership,
    meta,
    unchanged,
)


def record_milestone(b: Built, day: date, status: AnchoringStatus = AnchoringStatus.STARTED) -> int:
    b.p.record_milestone(
        dimension=Dimension.POLITICAL,
        status=status,
        title="Byrådsbeslutning",
        evidence=Evidence(text="Referat"),
        meta=meta(day),
    )
    return b.p.version


# -- correctable bookkeeping ----------------------------------------------------------


def test_only_dated_facts_are_booked_as_correctable() -> None:
    b = build_partnership(2)  # v1 registered, v2-v3 partners joined
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisning", meta(date(2024, 2, 1)))  # v4
    person = uuid4()
    b.p.appoint_steering_member(person, SeatRole.CHAIR, meta(date(2024, 2, 1)))  # v5
    b.p.step_down_steering_member(person, meta(date(2024, 3, 1)))  # v6
    position = b.p.assign_role(RoleKind.COORDINATOR, uuid4(), b.a, meta())  # v7
    b.p.hand_over_role(position, uuid4(), b.b, meta(date(2024, 2, 1)))  # v8
    b.p.vacate_role(position, meta(date(2024, 3, 1)))  # v9
    record_milestone(b, date(2024, 4, 1))  # v10
    b.p.launch_activity(
        title="Kursus", category=PreventionCategory.OFFER, owner_ids=[b.a], meta=meta()
    )  # v11: not a dated fact
    b.p.leave_partner(b.b, meta(date(2024, 5, 1)))  # v12
    assert b.p.correctable == {
        "2": "PartnerJoined",
        "3": "PartnerJoined",
        "4": "RungChanged",
        "5": "SteeringMemberAppointed",
        "6": "SteeringMemberSteppedDown",
        "7": "RoleAssigned",
        "8": "RoleHandedOver",
        "9": "RoleVacated",
        "10": "MilestoneRecorded",
        "12": "PartnerLeft",
    }


@pytest.mark.parametrize("version", [1, 4, 99], ids=["registration", "activity", "unknown"])
def test_only_a_dated_fact_can_have_its_date_corrected(version: int) -> None:
    b = build_partnership(2)
    b.p.launch_activity(
        title="Kursus", category=PreventionCategory.OFFER, owner_ids=[b.a], meta=meta()
    )
    with unchanged(b.p), pytest.raises(NotCorrectable, match=f"version {version} is not"):
        b.p.correct_date(version, date(2024, 2, 1), meta())


def test_a_date_correction_cannot_itself_be_date_corrected() -> None:
    b = build_partnership(1)
    b.p.correct_date(2, date(2024, 1, 10), meta())
    with unchanged(b.p), pytest.raises(NotCorrectable, match="version 3 is not"):
        b.p.correct_date(3, date(2024, 1, 20), meta())


# -- DateCorrected --------------------------------------------------------------------


def test_correcting_a_join_date_moves_the_spell_and_the_first_rung() -> None:
    b = build_partnership(1)
    b.p.correct_date(2, date(2024, 2, 1), meta(date(2024, 6, 1), reason="Forkert dato"))
    partner = b.p.partner(b.a)
    assert partner.spells[0].since == date(2024, 2, 1)
    assert partner.rungs[0].valid_on == date(2024, 2, 1)
    assert not partner.is_partner_on(date(2024, 1, 15))
    assert b.p.rung_of(b.a, on=date(2024, 1, 15)) is None
    assert b.p.rung_of(b.a, on=date(2024, 2, 1)) is Rung.INFORMAL_COOPERATION


def test_a_correction_is_a_new_event_and_the_original_stays_in_history() -> None:
    b = build_partnership(1)
    b.p.correct_date(2, date(2024, 2, 1), meta(date(2024, 6, 1), reason="Forkert dato"))
    joined, correction = b.p.pending_events[1], b.p.pending_events[2]
    assert isinstance(joined, Partnership.PartnerJoined)
    assert joined.valid_on == START
    assert isinstance(correction, Partnership.DateCorrected)
    assert (correction.corrects_version, correction.corrected_valid_on) == (2, date(2024, 2, 1))
    assert (correction.valid_on, correction.reason) == (date(2024, 6, 1), "Forkert dato")


def test_a_join_date_cannot_be_corrected_past_the_date_the_partner_left() -> None:
    b = build_partnership(1)
    b.p.leave_partner(b.a, meta(date(2024, 3, 1)))
    with unchanged(b.p), pytest.raises(InconsistentDates, match="A partner leaves after joining"):
        b.p.correct_date(2, date(2024, 3, 2), meta())


def test_a_join_date_can_be_corrected_up_to_the_date_the_partner_left() -> None:
    b = build_partnership(1)
    b.p.leave_partner(b.a, meta(date(2024, 3, 1)))
    b.p.correct_date(2, date(2024, 3, 1), meta())
    assert b.p.partners[str(b.a)].spells[0].since == date(2024, 3, 1)


def test_a_leave_date_cannot_be_corrected_to_before_the_partner_joined() -> None:
    b = build_partnership(1, on=date(2024, 2, 1))
    b.p.leave_partner(b.a, meta(date(2024, 3, 1)))
    with unchanged(b.p), pytest.raises(InconsistentDates, match="A partner leaves after joining"):
        b.p.correct_date(b.p.version, date(2024, 1, 31), meta())


def test_correcting_a_leave_date_also_moves_the_end_of_the_roles_it_vacated() -> None:
    b = build_partnership(1)
    position = b.p.assign_role(RoleKind.BRIDGE_BUILDER, uuid4(), b.a, meta())
    b.p.leave_partner(b.a, meta(date(2024, 6, 1)))
    b.p.correct_date(b.p.version, date(2024, 5, 1), meta())
    assert b.p.partners[str(b.a)].spells[0].until == date(2024, 5, 1)
    assert b.p.role_position(position).holdings[0].spell.until == date(2024, 5, 1)


def test_correcting_the_date_of_a_vacancy_moves_the_vacancy_too() -> None:
    b = build_partnership(1)
    position = b.p.assign_role(RoleKind.BRIDGE_BUILDER, uuid4(), b.a, meta())
    b.p.vacate_role(position, meta(date(2024, 6, 1)))
    b.p.correct_date(b.p.version, date(2024, 5, 1), meta())
    assert b.p.role_position(position).holdings[0].spell.until == date(2024, 5, 1)
    assert b.p.role_position(position).vacant_since == date(2024, 5, 1)


def test_correcting_a_hand_over_date_moves_both_holdings() -> None:
    b = build_partnership(2)
    first, second = uuid4(), uuid4()
    position = b.p.assign_role(RoleKind.COORDINATOR, first, b.a, meta(date(2024, 2, 1)))
    b.p.hand_over_role(position, second, b.b, meta(date(2024, 6, 1)))
    b.p.correct_date(b.p.version, date(2024, 5, 1), meta())
    holdings = b.p.role_position(position).holdings
    assert (holdings[0].spell.until, holdings[1].spell.since) == (
        date(2024, 5, 1),
        date(2024, 5, 1),
    )


def test_a_hand_over_date_cannot_be_corrected_to_before_the_assignment() -> None:
    b = build_partnership(2)
    position = b.p.assign_role(RoleKind.COORDINATOR, uuid4(), b.a, meta(date(2024, 2, 1)))
    b.p.hand_over_role(position, uuid4(), b.b, meta(date(2024, 6, 1)))
    with unchanged(b.p), pytest.raises(InconsistentDates, match="A role ends after it began"):
        b.p.correct_date(b.p.version, date(2024, 1, 31), meta())


def test_an_assignment_date_cannot_be_corrected_past_its_vacancy() -> None:
    b = build_partnership(1)
    position = b.p.assign_role(RoleKind.COORDINATOR, uuid4(), b.a, meta(date(2024, 2, 1)))
    assigned = b.p.version
    b.p.vacate_role(position, meta(date(2024, 6, 1)))
    with unchanged(b.p), pytest.raises(InconsistentDates, match="A role ends after it began"):
        b.p.correct_date(assigned, date(2024, 6, 2), meta())


def test_correcting_an_appointment_date_changes_who_sat_on_the_steering_group() -> None:
    b = build_partnership(1)
    person = uuid4()
    b.p.appoint_steering_member(person, SeatRole.CHAIR, meta(date(2024, 3, 1)))
    b.p.correct_date(b.p.version, date(2024, 2, 1), meta())
    assert [a.person_id for a in b.p.active_appointments(on=date(2024, 2, 1))] == [person]
    b.p.record_decision("Opstart", [], meta(date(2024, 2, 15)))
    assert len(b.p.decisions) == 1


def test_a_step_down_date_cannot_be_corrected_to_before_the_appointment() -> None:
    b = build_partnership(1)
    person = uuid4()
    b.p.appoint_steering_member(person, SeatRole.CHAIR, meta(date(2024, 3, 1)))
    b.p.step_down_steering_member(person, meta(date(2024, 9, 1)))
    with (
        unchanged(b.p),
        pytest.raises(InconsistentDates, match="A step-down follows the appointment"),
    ):
        b.p.correct_date(b.p.version, date(2024, 2, 1), meta())


def test_correcting_a_milestone_date_changes_the_anchoring_timeline() -> None:
    b = build_partnership(0)
    version = record_milestone(b, date(2024, 6, 1))
    b.p.correct_date(version, date(2024, 3, 1), meta())
    assert b.p.anchoring_status(Dimension.POLITICAL, on=date(2024, 4, 1)) is AnchoringStatus.STARTED


def test_a_rung_5_entry_cannot_be_redated_outside_its_agreement() -> None:
    b = build_partnership(1)
    backed(b, [b.a], valid_from=date(2024, 3, 1), signed_on=date(2024, 3, 1))
    lift = b.p.version
    assert b.p.partner(b.a).rungs[-1].rung is Rung.COOPERATION_AGREEMENT
    with unchanged(b.p), pytest.raises(RungNotBacked, match="in force on 2024-02-01"):
        b.p.correct_date(lift, date(2024, 2, 1), meta())
    b.p.correct_date(lift, date(2024, 4, 1), meta())
    assert b.p.rung_of(b.a, on=date(2024, 3, 15)) is Rung.INFORMAL_COOPERATION


def test_a_drop_after_an_agreement_ended_cannot_be_redated_later() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    b.p.record_agreement_ended(agreement.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    drop = b.p.version
    assert b.p.rung_of(b.a) is Rung.INFORMAL_COOPERATION
    with unchanged(b.p), pytest.raises(RungNotBacked):
        b.p.correct_date(drop, date(2024, 11, 1), meta())


def test_a_ladder_move_cannot_be_redated_before_the_partner_joined() -> None:
    b = build_partnership(1, on=date(2024, 3, 1))
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisning", meta(date(2024, 4, 1)))
    with unchanged(b.p), pytest.raises(InconsistentDates):
        b.p.correct_date(b.p.version, date(2024, 2, 1), meta())


def test_a_leave_date_cannot_be_redated_past_the_partners_rejoining() -> None:
    b = build_partnership(1)
    b.p.leave_partner(b.a, meta(date(2024, 3, 1)))
    left = b.p.version
    b.p.join_partner(b.a, meta(date(2024, 4, 1)))
    with unchanged(b.p), pytest.raises(InconsistentDates):
        b.p.correct_date(left, date(2024, 5, 1), meta())


# -- RungCorrected --------------------------------------------------------------------


def test_correcting_a_ladder_move_changes_its_rung_and_evidence() -> None:
    b = build_partnership(1, rung=Rung.KNOW_EACH_OTHER)
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisning", meta(date(2024, 2, 1)))
    b.p.correct_rung(b.p.version, Rung.DIALOGUE, " Kun dialog ", meta(date(2024, 6, 1)))
    entry = b.p.partner(b.a).rungs[-1]
    assert (entry.rung, entry.evidence, entry.valid_on) == (
        Rung.DIALOGUE,
        "Kun dialog",
        date(2024, 2, 1),
    )
    assert b.p.rung_of(b.a, on=date(2024, 3, 1)) is Rung.DIALOGUE


def test_the_starting_rung_of_a_joining_partner_can_be_corrected() -> None:
    b = build_partnership(1, rung=Rung.KNOW_EACH_OTHER)
    b.p.correct_rung(2, Rung.MUTUAL_REFERRAL, "Henviste allerede", meta())
    assert b.p.rung_of(b.a, on=START) is Rung.MUTUAL_REFERRAL


@pytest.mark.parametrize("version", [1, 3, 42], ids=["registration", "milestone", "unknown"])
def test_only_a_ladder_entry_can_have_its_rung_corrected(version: int) -> None:
    b = build_partnership(1)
    record_milestone(b, date(2024, 3, 1))
    with unchanged(b.p), pytest.raises(NotCorrectable, match="is not a ladder move"):
        b.p.correct_rung(version, Rung.DIALOGUE, "x", meta())


def test_a_leave_event_is_not_a_ladder_move() -> None:
    b = build_partnership(1)
    b.p.leave_partner(b.a, meta(date(2024, 3, 1)))
    with unchanged(b.p), pytest.raises(NotCorrectable, match="is not a ladder move"):
        b.p.correct_rung(b.p.version, Rung.DIALOGUE, "x", meta())


def test_a_rung_cannot_be_corrected_to_5_without_an_agreement_in_force_on_that_date() -> None:
    b = build_partnership(1)
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisning", meta(date(2024, 2, 1)))
    with unchanged(b.p), pytest.raises(RungNotBacked, match="needs a samarbejdsaftale"):
        b.p.correct_rung(b.p.version, Rung.COOPERATION_AGREEMENT, "Aftale", meta())


def test_a_rung_can_be_corrected_to_6_when_a_partnership_agreement_was_in_force() -> None:
    b = build_partnership(1)
    backed(b, [b.a], kind=AgreementKind.PARTNERSHIP)
    # Below rung 6 while the agreement is in force only by leaving and rejoining.
    b.p.leave_partner(b.a, meta(date(2024, 4, 30)))
    b.p.join_partner(b.a, meta(date(2024, 5, 1)), rung=Rung.MUTUAL_REFERRAL, evidence="Fejl")
    b.p.correct_rung(b.p.version, Rung.PARTNERSHIP_AGREEMENT, "Aftalen gjaldt", meta())
    assert b.p.rung_of(b.a, on=date(2024, 5, 1)) is Rung.PARTNERSHIP_AGREEMENT


def test_a_rung_correction_needs_evidence() -> None:
    b = build_partnership(1)
    with unchanged(b.p), pytest.raises(InvalidValue, match="Evidence for the corrected rung"):
        b.p.correct_rung(2, Rung.DIALOGUE, "  ", meta())


# -- MilestoneCorrected ---------------------------------------------------------------


def test_correcting_a_milestone_changes_its_content_and_the_anchoring_status() -> None:
    b = build_partnership(0)
    version = record_milestone(b, date(2024, 3, 1))
    b.p.correct_milestone(
        version,
        dimension=Dimension.MANAGEMENT,
        status=AnchoringStatus.PARTIAL,
        title=" Centerchefer i styregruppen ",
        evidence=Evidence(text=" Kommissorium ", link=" https://x.dk "),
        meta=meta(date(2024, 6, 1)),
    )
    (corrected,) = b.p.milestones.values()
    assert (corrected.dimension, corrected.status, corrected.title, corrected.evidence) == (
        Dimension.MANAGEMENT,
        AnchoringStatus.PARTIAL,
        "Centerchefer i styregruppen",
        Evidence(text="Kommissorium", link="https://x.dk"),
    )
    assert corrected.valid_on == date(2024, 3, 1)
    assert b.p.anchoring_status(Dimension.POLITICAL) is AnchoringStatus.NONE
    assert b.p.anchoring_status(Dimension.MANAGEMENT) is AnchoringStatus.PARTIAL


@pytest.mark.parametrize("version", [1, 2, 77], ids=["registration", "partner", "unknown"])
def test_only_a_milestone_can_be_corrected_as_a_milestone(version: int) -> None:
    b = build_partnership(1)
    record_milestone(b, date(2024, 3, 1))
    with unchanged(b.p), pytest.raises(NotCorrectable, match="is not a milestone"):
        b.p.correct_milestone(
            version,
            dimension=Dimension.POLITICAL,
            status=AnchoringStatus.ANCHORED,
            title="x",
            evidence=Evidence(text="x"),
            meta=meta(),
        )


@pytest.mark.parametrize(
    ("status", "title", "evidence", "message"),
    [
        (AnchoringStatus.NONE, "Titel", "Bevis", "started, partial or anchored"),
        (AnchoringStatus.STARTED, " ", "Bevis", "Milestone title"),
        (AnchoringStatus.STARTED, "Titel", " ", "Evidence must not be empty"),
    ],
)
def test_a_corrected_milestone_must_itself_be_valid(
    status: AnchoringStatus, title: str, evidence: str, message: str
) -> None:
    b = build_partnership(0)
    version = record_milestone(b, date(2024, 3, 1))
    with unchanged(b.p), pytest.raises(InvalidValue, match=message):
        b.p.correct_milestone(
            version,
            dimension=Dimension.POLITICAL,
            status=status,
            title=title,
            evidence=Evidence(text=evidence),
            meta=meta(),
        )


def test_a_corrected_partnership_rebuilt_from_its_events_has_the_same_state() -> None:
    b = build_partnership(2, rung=Rung.DIALOGUE)
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisning", meta(date(2024, 2, 1)))
    b.p.correct_rung(b.p.version, Rung.INFORMAL_COOPERATION, "Samarbejde", meta())
    b.p.correct_date(2, date(2024, 1, 10), meta())
    position = b.p.assign_role(RoleKind.COORDINATOR, uuid4(), b.b, meta(date(2024, 2, 1)))
    b.p.vacate_role(position, meta(date(2024, 4, 1)))
    b.p.correct_date(b.p.version, date(2024, 3, 1), meta())
    version = record_milestone(b, date(2024, 5, 1))
    b.p.correct_milestone(
        version,
        dimension=Dimension.CITIZENS,
        status=AnchoringStatus.ANCHORED,
        title="Borgere ejer aktiviteterne",
        evidence=Evidence(text="Evaluering"),
        meta=meta(),
    )
    assert_replays_to_same_state(b.p)
