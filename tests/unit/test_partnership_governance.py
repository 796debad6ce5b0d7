"""Partnership governance: steering group, secretariat, terms of reference, decisions."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from aggregates import TermsOfReference
from aggregates.errors import (
    AlreadyExists,
    AlreadyOnSteeringGroup,
    InconsistentDates,
    InvalidValue,
    NoChange,
    NoSteeringGroup,
    NotAPartner,
    NotFound,
    NotOnSteeringGroup,
    SeatOccupied,
    SecretariatRule,
)
from aggregates.taxonomy import SeatRole
from tests.unit.conftest import Built, assert_replays_to_same_state, meta, unchanged

# -- steering group -------------------------------------------------------------------


def test_an_appointed_member_sits_on_the_steering_group_from_the_appointment_date(
    built: Built,
) -> None:
    chair = uuid4()
    appointment_id = built.p.appoint_steering_member(chair, SeatRole.CHAIR, meta(date(2024, 2, 1)))
    appointment = built.p.appointments[str(appointment_id)]
    assert (appointment.person_id, appointment.seat) == (chair, SeatRole.CHAIR)
    assert built.p.active_appointments() == [appointment]
    assert built.p.active_appointments(on=date(2024, 2, 1)) == [appointment]
    assert built.p.active_appointments(on=date(2024, 1, 31)) == []
    assert built.p.correctable[str(built.p.version)] == "SteeringMemberAppointed"


def test_an_appointment_may_carry_its_own_id(built: Built) -> None:
    given = uuid4()
    assert (
        built.p.appoint_steering_member(uuid4(), SeatRole.MEMBER, meta(), appointment_id=given)
        == given
    )


def test_the_steering_group_can_have_many_ordinary_members(built: Built) -> None:
    for _ in range(3):
        built.p.appoint_steering_member(uuid4(), SeatRole.MEMBER, meta())
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta())
    built.p.appoint_steering_member(uuid4(), SeatRole.VICE_CHAIR, meta())
    assert len(built.p.active_appointments()) == 5


def test_a_person_cannot_sit_twice_on_the_steering_group(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta())
    with unchanged(built.p), pytest.raises(AlreadyOnSteeringGroup, match="already sits"):
        built.p.appoint_steering_member(person, SeatRole.CHAIR, meta())


@pytest.mark.parametrize(
    ("seat", "label"), [(SeatRole.CHAIR, "formand"), (SeatRole.VICE_CHAIR, "næstformand")]
)
def test_the_steering_group_has_only_one_chair_and_one_vice_chair(
    built: Built, seat: SeatRole, label: str
) -> None:
    built.p.appoint_steering_member(uuid4(), seat, meta())
    with unchanged(built.p), pytest.raises(SeatOccupied, match=f"already has a {label}"):
        built.p.appoint_steering_member(uuid4(), seat, meta())


def test_the_chair_can_be_filled_again_after_the_chair_steps_down(built: Built) -> None:
    first, second = uuid4(), uuid4()
    built.p.appoint_steering_member(first, SeatRole.CHAIR, meta(date(2024, 2, 1)))
    built.p.step_down_steering_member(first, meta(date(2024, 6, 1)))
    built.p.appoint_steering_member(second, SeatRole.CHAIR, meta(date(2024, 6, 1)))
    chairs_on = {
        day: [a.person_id for a in built.p.active_appointments(on=day)]
        for day in (date(2024, 5, 31), date(2024, 6, 1))
    }
    assert chairs_on == {date(2024, 5, 31): [first], date(2024, 6, 1): [second]}


def test_stepping_down_ends_the_appointment(built: Built) -> None:
    person = uuid4()
    appointment_id = built.p.appoint_steering_member(
        person, SeatRole.MEMBER, meta(date(2024, 2, 1))
    )
    built.p.step_down_steering_member(person, meta(date(2024, 9, 1)))
    spell = built.p.appointments[str(appointment_id)].spell
    assert (spell.since, spell.until) == (date(2024, 2, 1), date(2024, 9, 1))
    assert built.p.active_appointments() == []
    assert built.p.correctable[str(built.p.version)] == "SteeringMemberSteppedDown"


def test_a_stepped_down_member_can_be_appointed_again(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(date(2024, 2, 1)))
    built.p.step_down_steering_member(person, meta(date(2024, 3, 1)))
    built.p.appoint_steering_member(person, SeatRole.CHAIR, meta(date(2024, 4, 1)))
    assert [a.seat for a in built.p.active_appointments()] == [SeatRole.CHAIR]


def test_a_person_not_on_the_steering_group_cannot_step_down(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotOnSteeringGroup, match="does not sit"):
        built.p.step_down_steering_member(uuid4(), meta())


def test_a_member_who_stepped_down_cannot_step_down_again(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(date(2024, 2, 1)))
    built.p.step_down_steering_member(person, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(NotOnSteeringGroup, match="does not sit"):
        built.p.step_down_steering_member(person, meta(date(2024, 4, 1)))


def test_a_member_cannot_step_down_before_being_appointed(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(date(2024, 2, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="step-down follows"):
        built.p.step_down_steering_member(person, meta(date(2024, 1, 31)))


def test_a_back_dated_chair_cannot_overlap_a_former_chairs_term(built: Built) -> None:
    former = uuid4()
    built.p.appoint_steering_member(former, SeatRole.CHAIR, meta(date(2024, 1, 1)))
    built.p.step_down_steering_member(former, meta(date(2024, 6, 1)))
    with unchanged(built.p), pytest.raises(SeatOccupied, match="already has a formand"):
        built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(date(2024, 3, 1)))


# -- secretariat ----------------------------------------------------------------------


def test_a_partner_can_hold_the_secretariat(built: Built) -> None:
    built.p.assign_secretariat(built.lead_id, meta(date(2024, 2, 1)))
    assert built.p.secretariat is not None
    assert built.p.secretariat.organisation_id == built.lead_id
    assert built.p.secretariat.holders[0].spell.since == date(2024, 2, 1)
    assert built.p.secretariat.holder_on(date(2024, 1, 31)) is None
    assert built.p.secretariat.holder_on(date(2024, 2, 1)) == built.lead_id


def test_an_organisation_that_is_not_a_partner_cannot_hold_the_secretariat(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.assign_secretariat(uuid4(), meta())


def test_assigning_the_secretariat_to_its_current_holder_changes_nothing(built: Built) -> None:
    built.p.assign_secretariat(built.a, meta())
    with unchanged(built.p), pytest.raises(NoChange, match="already holds the secretariat"):
        built.p.assign_secretariat(built.a, meta())


def test_moving_the_secretariat_to_another_partner_keeps_its_staff(built: Built) -> None:
    person = uuid4()
    built.p.assign_secretariat(built.a, meta())
    built.p.staff_secretariat(person, meta(date(2024, 2, 1)))
    built.p.assign_secretariat(built.b, meta(date(2024, 5, 1)))
    assert built.p.secretariat is not None
    assert built.p.secretariat.organisation_id == built.b
    assert built.p.secretariat.holder_on(date(2024, 4, 30)) == built.a
    assert built.p.secretariat.holder_on(date(2024, 5, 1)) == built.b
    assert built.p.secretariat.staff_on(date(2024, 5, 1)) == [person]


def test_the_secretariat_cannot_be_staffed_before_it_is_assigned(built: Built) -> None:
    with unchanged(built.p), pytest.raises(SecretariatRule, match="Assign the secretariat"):
        built.p.staff_secretariat(uuid4(), meta())


def test_a_person_cannot_staff_the_secretariat_twice(built: Built) -> None:
    person = uuid4()
    built.p.assign_secretariat(built.a, meta())
    built.p.staff_secretariat(person, meta())
    with unchanged(built.p), pytest.raises(SecretariatRule, match="already staffs"):
        built.p.staff_secretariat(person, meta())


def test_staff_leaving_the_secretariat_ends_their_spell(built: Built) -> None:
    person = uuid4()
    built.p.assign_secretariat(built.a, meta())
    built.p.staff_secretariat(person, meta(date(2024, 2, 1)))
    built.p.release_secretariat_staff(person, meta(date(2024, 7, 1)))
    assert built.p.secretariat is not None
    [spell] = built.p.secretariat.staff[str(person)]
    assert (spell.since, spell.until) == (date(2024, 2, 1), date(2024, 7, 1))
    assert spell.covers(date(2024, 6, 30))
    assert not spell.covers(date(2024, 7, 1))
    built.p.staff_secretariat(person, meta(date(2024, 9, 1)))
    first, second = built.p.secretariat.staff[str(person)]
    assert (first.since, first.until) == (date(2024, 2, 1), date(2024, 7, 1))
    assert (second.since, second.until) == (date(2024, 9, 1), None)
    assert built.p.secretariat.staff_on(date(2024, 8, 1)) == []


def test_a_person_not_staffing_the_secretariat_cannot_leave_it(built: Built) -> None:
    built.p.assign_secretariat(built.a, meta())
    with unchanged(built.p), pytest.raises(SecretariatRule, match="does not staff"):
        built.p.release_secretariat_staff(uuid4(), meta())


def test_nobody_can_leave_a_secretariat_that_does_not_exist(built: Built) -> None:
    with unchanged(built.p), pytest.raises(SecretariatRule, match="does not staff"):
        built.p.release_secretariat_staff(uuid4(), meta())


def test_staff_who_already_left_the_secretariat_cannot_leave_again(built: Built) -> None:
    person = uuid4()
    built.p.assign_secretariat(built.a, meta())
    built.p.staff_secretariat(person, meta(date(2024, 2, 1)))
    built.p.release_secretariat_staff(person, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(SecretariatRule, match="does not staff"):
        built.p.release_secretariat_staff(person, meta(date(2024, 4, 1)))


def test_staff_cannot_leave_the_secretariat_before_joining_it(built: Built) -> None:
    person = uuid4()
    built.p.assign_secretariat(built.a, meta())
    built.p.staff_secretariat(person, meta(date(2024, 2, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="follows joining it"):
        built.p.release_secretariat_staff(person, meta(date(2024, 1, 31)))


# -- terms of reference ---------------------------------------------------------------


def test_terms_of_reference_are_issued_in_numbered_versions(built: Built) -> None:
    first = built.p.issue_terms_of_reference(
        TermsOfReference(purpose=" Røgfri ungdom ", focus_areas=("Skoler", " skoler ", "Skoler")),
        meta(date(2024, 2, 1)),
    )
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(date(2024, 2, 1)))
    decision = built.p.record_decision(
        "Revideret kommissorium", ["kommissorium v2"], meta(date(2024, 5, 1))
    )
    second = built.p.issue_terms_of_reference(
        TermsOfReference(purpose="Røgfri ungdom", task="Koordinere"),
        meta(date(2024, 5, 1)),
        decision_id=decision,
    )
    assert (first, second) == (1, 2)
    assert built.p.terms[0].terms == TermsOfReference(
        purpose="Røgfri ungdom", focus_areas=("Skoler", "skoler")
    )
    assert built.p.terms[0].decision_id is None
    assert built.p.terms[1].decision_id == decision
    assert [t.valid_on for t in built.p.terms] == [date(2024, 2, 1), date(2024, 5, 1)]


def test_terms_of_reference_need_a_purpose(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Purpose of the terms"):
        built.p.issue_terms_of_reference(TermsOfReference(purpose="  "), meta())


def test_terms_of_reference_can_only_cite_a_recorded_decision(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No steering-group decision"):
        built.p.issue_terms_of_reference(
            TermsOfReference(purpose="Formål"), meta(), decision_id=uuid4()
        )


def test_reissuing_unchanged_terms_of_reference_changes_nothing(built: Built) -> None:
    built.p.issue_terms_of_reference(TermsOfReference(purpose="Formål"), meta())
    with unchanged(built.p), pytest.raises(NoChange, match="terms of reference are unchanged"):
        built.p.issue_terms_of_reference(TermsOfReference(purpose=" Formål "), meta())


# -- decisions ------------------------------------------------------------------------


def test_a_decision_is_recorded_with_its_meeting_date_and_what_it_approved(built: Built) -> None:
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(date(2024, 2, 1)))
    decision_id = built.p.record_decision(
        " Budget 2025 ", ["Budget", " budget ", "", "Budget"], meta(date(2024, 11, 5))
    )
    decision = built.p.decisions[str(decision_id)]
    assert (decision.title, decision.meeting_on, decision.approved) == (
        "Budget 2025",
        date(2024, 11, 5),
        ("Budget", "budget"),
    )


def test_a_decision_requires_a_steering_group(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NoSteeringGroup, match="No steering group sat on"):
        built.p.record_decision("Beslutning", [], meta())


def test_a_decision_requires_a_steering_group_sitting_on_the_meeting_date(built: Built) -> None:
    member = uuid4()
    built.p.appoint_steering_member(member, SeatRole.CHAIR, meta(date(2024, 3, 1)))
    built.p.step_down_steering_member(member, meta(date(2024, 9, 1)))
    for too_early_or_late in (date(2024, 2, 29), date(2024, 9, 1)):
        with unchanged(built.p), pytest.raises(NoSteeringGroup, match=str(too_early_or_late)):
            built.p.record_decision("Beslutning", [], meta(too_early_or_late))
    built.p.record_decision("Beslutning", [], meta(date(2024, 8, 31)))
    assert len(built.p.decisions) == 1


def test_a_decision_needs_a_title(built: Built) -> None:
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta())
    with unchanged(built.p), pytest.raises(InvalidValue, match="Decision title"):
        built.p.record_decision(" ", [], meta())


def test_a_partnership_rebuilt_from_its_events_has_the_same_governance(built: Built) -> None:
    chair, member, staff = uuid4(), uuid4(), uuid4()
    built.p.appoint_steering_member(chair, SeatRole.CHAIR, meta(date(2024, 2, 1)))
    built.p.appoint_steering_member(member, SeatRole.MEMBER, meta(date(2024, 2, 1)))
    built.p.step_down_steering_member(member, meta(date(2024, 5, 1)))
    built.p.assign_secretariat(built.a, meta(date(2024, 2, 1)))
    built.p.staff_secretariat(staff, meta(date(2024, 2, 1)))
    built.p.release_secretariat_staff(staff, meta(date(2024, 6, 1)))
    built.p.assign_secretariat(built.b, meta(date(2024, 7, 1)))
    decision = built.p.record_decision("Kommissorium", ["v1"], meta(date(2024, 3, 1)))
    built.p.issue_terms_of_reference(
        TermsOfReference(purpose="Formål"), meta(date(2024, 3, 1)), decision_id=decision
    )
    assert_replays_to_same_state(built.p)


def test_the_secretariat_cannot_be_moved_before_it_was_placed(built: Built) -> None:
    built.p.assign_secretariat(built.a, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="Moving the secretariat"):
        built.p.assign_secretariat(built.b, meta(date(2024, 2, 1)))


def test_staff_cannot_rejoin_the_secretariat_before_they_left(built: Built) -> None:
    person = uuid4()
    built.p.assign_secretariat(built.a, meta(date(2024, 1, 1)))
    built.p.staff_secretariat(person, meta(date(2024, 2, 1)))
    built.p.release_secretariat_staff(person, meta(date(2024, 7, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="Rejoining the secretariat"):
        built.p.staff_secretariat(person, meta(date(2024, 6, 1)))


def test_the_partner_holding_the_secretariat_cannot_leave(built: Built) -> None:
    built.p.assign_secretariat(built.a, meta())
    with unchanged(built.p), pytest.raises(SecretariatRule, match="holds the secretariat"):
        built.p.leave_partner(built.a, meta(date(2024, 5, 1)))


def test_an_appointment_cannot_be_redated_so_that_a_decision_had_no_steering_group(
    built: Built,
) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.CHAIR, meta(date(2024, 1, 1)))
    appointed = built.p.version
    built.p.record_decision("Kommissorium godkendt", ["kommissorium"], meta(date(2024, 2, 1)))
    with unchanged(built.p), pytest.raises(NoSteeringGroup, match="would have no steering group"):
        built.p.correct_date(appointed, date(2024, 3, 1), meta())


def test_a_decision_id_cannot_be_reused(built: Built) -> None:
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(date(2024, 1, 1)))
    decision = built.p.record_decision("Første", [], meta(date(2024, 2, 1)))
    with unchanged(built.p), pytest.raises(AlreadyExists, match="already used by another decision"):
        built.p.record_decision("Anden", [], meta(date(2024, 3, 1)), decision_id=decision)
