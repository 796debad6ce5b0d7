"""Changing a steering-group member's seat (issue 14, finding 2): the rule in the aggregate.

A seat could not be changed: a formand appointed as medlem (the form's default) could only
be put right by a false step-down and a new appointment. Now the member changes seat from
a date; at most one formand and one næstformand at a time, as for an appointment.
"""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from aggregates.errors import InconsistentDates, NoChange, NotOnSteeringGroup, SeatOccupied
from aggregates.taxonomy import SeatRole
from tests.unit.conftest import Built, assert_replays_to_same_state, meta, unchanged

D = date


def test_a_formand_appointed_as_medlem_is_made_formand_from_the_appointment_day(
    built: Built,
) -> None:
    person = uuid4()
    appointment_id = built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.change_steering_seat(person, SeatRole.CHAIR, meta(D(2024, 2, 1)))

    appointment = built.p.appointments[str(appointment_id)]
    assert appointment.seat is SeatRole.CHAIR
    assert appointment.seat_on(D(2024, 2, 1)) is SeatRole.CHAIR
    assert appointment.spell.until is None  # no step-down was needed
    assert built.p.active_appointments() == [appointment]


def test_the_seat_changes_from_its_date_and_the_earlier_seat_stays_in_the_past(
    built: Built,
) -> None:
    person = uuid4()
    appointment_id = built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.change_steering_seat(person, SeatRole.VICE_CHAIR, meta(D(2024, 5, 1)))
    built.p.change_steering_seat(person, SeatRole.CHAIR, meta(D(2024, 9, 1)))

    appointment = built.p.appointments[str(appointment_id)]
    assert [appointment.seat_on(d) for d in (D(2024, 4, 30), D(2024, 5, 1), D(2024, 9, 1))] == [
        SeatRole.MEMBER,
        SeatRole.VICE_CHAIR,
        SeatRole.CHAIR,
    ]
    assert [(seat, w.since, w.until) for seat, w in appointment.seat_spells()] == [
        (SeatRole.MEMBER, D(2024, 2, 1), D(2024, 5, 1)),
        (SeatRole.VICE_CHAIR, D(2024, 5, 1), D(2024, 9, 1)),
        (SeatRole.CHAIR, D(2024, 9, 1), None),
    ]
    assert_replays_to_same_state(built.p)


def test_only_a_member_sitting_on_that_date_can_change_seat(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.step_down_steering_member(person, meta(D(2024, 6, 1)))
    for day in (D(2024, 1, 31), D(2024, 6, 1)):
        with unchanged(built.p), pytest.raises(NotOnSteeringGroup, match="does not sit"):
            built.p.change_steering_seat(person, SeatRole.CHAIR, meta(day))
    with unchanged(built.p), pytest.raises(NotOnSteeringGroup):
        built.p.change_steering_seat(uuid4(), SeatRole.CHAIR, meta(D(2024, 3, 1)))


@pytest.mark.parametrize(
    ("seat", "label"), [(SeatRole.CHAIR, "formand"), (SeatRole.VICE_CHAIR, "næstformand")]
)
def test_a_member_cannot_take_a_single_seat_someone_else_holds(
    built: Built, seat: SeatRole, label: str
) -> None:
    built.p.appoint_steering_member(uuid4(), seat, meta(D(2024, 2, 1)))
    member = uuid4()
    built.p.appoint_steering_member(member, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    with unchanged(built.p), pytest.raises(SeatOccupied, match=f"already has a {label}"):
        built.p.change_steering_seat(member, seat, meta(D(2024, 3, 1)))


def test_a_member_may_take_the_chair_once_the_chair_has_stepped_down(built: Built) -> None:
    chair, member = uuid4(), uuid4()
    built.p.appoint_steering_member(chair, SeatRole.CHAIR, meta(D(2024, 2, 1)))
    built.p.appoint_steering_member(member, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.step_down_steering_member(chair, meta(D(2024, 6, 1)))
    with unchanged(built.p), pytest.raises(SeatOccupied):  # still chair on 1 May
        built.p.change_steering_seat(member, SeatRole.CHAIR, meta(D(2024, 5, 1)))
    built.p.change_steering_seat(member, SeatRole.CHAIR, meta(D(2024, 6, 1)))


def test_the_seat_left_is_free_for_an_appointment_from_the_change(built: Built) -> None:
    chair = uuid4()
    built.p.appoint_steering_member(chair, SeatRole.CHAIR, meta(D(2024, 2, 1)))
    built.p.change_steering_seat(chair, SeatRole.MEMBER, meta(D(2024, 6, 1)))
    with unchanged(built.p), pytest.raises(SeatOccupied):  # the chair was taken on 1 May
        built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(D(2024, 5, 1)))
    built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(D(2024, 6, 1)))


def test_a_new_chair_cannot_be_appointed_beside_a_member_who_became_chair(built: Built) -> None:
    member = uuid4()
    built.p.appoint_steering_member(member, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.change_steering_seat(member, SeatRole.CHAIR, meta(D(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(SeatOccupied, match="already has a formand"):
        built.p.appoint_steering_member(uuid4(), SeatRole.CHAIR, meta(D(2024, 4, 1)))


def test_changing_to_the_seat_held_changes_nothing(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.VICE_CHAIR, meta(D(2024, 2, 1)))
    with unchanged(built.p), pytest.raises(NoChange, match="already holds"):
        built.p.change_steering_seat(person, SeatRole.VICE_CHAIR, meta(D(2024, 3, 1)))


def test_seat_changes_follow_one_another_and_precede_the_step_down(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.change_steering_seat(person, SeatRole.CHAIR, meta(D(2024, 5, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="follows the previous"):
        built.p.change_steering_seat(person, SeatRole.VICE_CHAIR, meta(D(2024, 4, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="step-down follows a seat"):
        built.p.step_down_steering_member(person, meta(D(2024, 4, 1)))


def test_an_appointment_cannot_be_redated_so_that_two_chairs_would_sit(built: Built) -> None:
    member, chair = uuid4(), uuid4()
    built.p.appoint_steering_member(member, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    built.p.change_steering_seat(member, SeatRole.CHAIR, meta(D(2024, 3, 1)))
    built.p.step_down_steering_member(member, meta(D(2024, 6, 1)))
    built.p.appoint_steering_member(chair, SeatRole.CHAIR, meta(D(2024, 6, 1)))
    appointed = built.p.version
    with unchanged(built.p), pytest.raises(SeatOccupied, match="two of formand"):
        built.p.correct_date(appointed, D(2024, 4, 1), meta())


def test_an_appointment_cannot_be_redated_after_its_seat_change(built: Built) -> None:
    person = uuid4()
    built.p.appoint_steering_member(person, SeatRole.MEMBER, meta(D(2024, 2, 1)))
    appointed = built.p.version
    built.p.change_steering_seat(person, SeatRole.CHAIR, meta(D(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="seat change follows"):
        built.p.correct_date(appointed, D(2024, 4, 1), meta())
