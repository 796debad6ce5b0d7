"""Partnership activities (status and adjustments) and roles (assign, hand over, vacate)."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from aggregates.errors import (
    ActivityEnded,
    ActivityStateError,
    AlreadyExists,
    InconsistentDates,
    InvalidValue,
    NoChange,
    NotAPartner,
    NotFound,
    RoleStateError,
)
from aggregates.taxonomy import ActivityStatus, PreventionCategory, RoleKind
from tests.unit.conftest import Built, assert_replays_to_same_state, meta, unchanged


def launch(b: Built, *, on: date = date(2024, 2, 1), running: bool = False) -> UUID:
    return b.p.launch_activity(
        title="Rygestopkursus",
        category=PreventionCategory.OFFER,
        owner_ids=[b.a],
        meta=meta(on),
        running=running,
    )


# -- launching ------------------------------------------------------------------------


def test_a_launched_activity_is_planned_with_its_owners_and_cleaned_fields(built: Built) -> None:
    activity_id = built.p.launch_activity(
        title="  Rygestopkursus ",
        category=PreventionCategory.OFFER,
        owner_ids=[built.a, built.b, built.a],
        meta=meta(date(2024, 2, 1)),
        description=" 6 uger ",
        target_group=" Unge ",
        arena=" Erhvervsskole ",
    )
    activity = built.p.activity(activity_id)
    assert (activity.title, activity.description, activity.target_group, activity.arena) == (
        "Rygestopkursus",
        "6 uger",
        "Unge",
        "Erhvervsskole",
    )
    assert activity.owner_ids == (built.a, built.b)
    assert activity.category is PreventionCategory.OFFER
    assert (activity.status, activity.status_since) == (ActivityStatus.PLANNED, date(2024, 2, 1))


def test_an_activity_can_be_launched_already_running(built: Built) -> None:
    activity_id = launch(built, running=True)
    assert built.p.activity(activity_id).status is ActivityStatus.RUNNING


def test_the_lead_organisation_can_own_an_activity(built: Built) -> None:
    activity_id = built.p.launch_activity(
        title="Kampagne",
        category=PreventionCategory.INFORMATION,
        owner_ids=[built.lead_id],
        meta=meta(),
    )
    assert built.p.activity(activity_id).owner_ids == (built.lead_id,)


def test_an_activity_needs_at_least_one_owner(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="at least one owner"):
        built.p.launch_activity(
            title="Kursus", category=PreventionCategory.OFFER, owner_ids=[], meta=meta()
        )


def test_an_activity_can_only_be_owned_by_partners(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.launch_activity(
            title="Kursus",
            category=PreventionCategory.OFFER,
            owner_ids=[built.a, uuid4()],
            meta=meta(),
        )


def test_a_partner_that_left_cannot_own_a_new_activity(built: Built) -> None:
    built.p.leave_partner(built.b, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.launch_activity(
            title="Kursus", category=PreventionCategory.OFFER, owner_ids=[built.b], meta=meta()
        )


def test_an_activity_needs_a_title(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Activity title"):
        built.p.launch_activity(
            title=" ", category=PreventionCategory.OFFER, owner_ids=[built.a], meta=meta()
        )


def test_launching_an_activity_with_an_existing_id_is_refused(built: Built) -> None:
    activity_id = launch(built, running=True)
    built.p.adjust_activity(activity_id, "Flyttet", meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(AlreadyExists, match="already used by another activity"):
        built.p.launch_activity(
            title="Andet",
            category=PreventionCategory.FRAMEWORK,
            owner_ids=[built.b],
            meta=meta(date(2024, 4, 1)),
            activity_id=activity_id,
        )


# -- status transitions ---------------------------------------------------------------


def test_an_activity_moves_through_running_paused_and_ended(built: Built) -> None:
    activity_id = launch(built)
    moves = [
        (ActivityStatus.RUNNING, date(2024, 3, 1)),
        (ActivityStatus.PAUSED, date(2024, 6, 1)),
        (ActivityStatus.RUNNING, date(2024, 8, 1)),
        (ActivityStatus.ENDED, date(2024, 12, 1)),
    ]
    for status, day in moves:
        built.p.change_activity_status(activity_id, status, meta(day))
        activity = built.p.activity(activity_id)
        assert (activity.status, activity.status_since) == (status, day)


def test_a_planned_activity_can_be_ended_without_running(built: Built) -> None:
    activity_id = launch(built)
    built.p.change_activity_status(activity_id, ActivityStatus.ENDED, meta(date(2024, 3, 1)))
    assert built.p.activity(activity_id).status is ActivityStatus.ENDED


@pytest.mark.parametrize(
    ("start_running", "to"),
    [
        (False, ActivityStatus.PAUSED),
        (False, ActivityStatus.PLANNED),
        (True, ActivityStatus.RUNNING),
        (True, ActivityStatus.PLANNED),
    ],
)
def test_an_activity_cannot_make_a_move_outside_its_lifecycle(
    built: Built, start_running: bool, to: ActivityStatus
) -> None:
    activity_id = launch(built, running=start_running)
    with unchanged(built.p), pytest.raises(ActivityStateError, match=f"to {to.label_da}"):
        built.p.change_activity_status(activity_id, to, meta(date(2024, 3, 1)))


def test_an_ended_activity_cannot_change_status(built: Built) -> None:
    activity_id = launch(built)
    built.p.change_activity_status(activity_id, ActivityStatus.ENDED, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(ActivityEnded, match="has ended"):
        built.p.change_activity_status(activity_id, ActivityStatus.RUNNING, meta(date(2024, 4, 1)))


def test_a_status_change_cannot_be_dated_before_the_last_one(built: Built) -> None:
    activity_id = launch(built, on=date(2024, 2, 1))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="status change follows"):
        built.p.change_activity_status(activity_id, ActivityStatus.RUNNING, meta(date(2024, 1, 31)))


def test_the_status_of_an_unknown_activity_cannot_change(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No activity"):
        built.p.change_activity_status(uuid4(), ActivityStatus.RUNNING, meta())


# -- adjustments ----------------------------------------------------------------------


def test_an_adjustment_is_recorded_and_changes_only_the_given_fields(built: Built) -> None:
    activity_id = launch(built)
    built.p.adjust_activity(
        activity_id,
        " Flere hold ",
        meta(date(2024, 4, 1)),
        arena=" Bibliotek ",
        owner_ids=[built.b, built.b],
    )
    activity = built.p.activity(activity_id)
    assert (activity.title, activity.arena, activity.owner_ids) == (
        "Rygestopkursus",
        "Bibliotek",
        (built.b,),
    )
    assert [(a.description, a.valid_on) for a in activity.adjustments] == [
        ("Flere hold", date(2024, 4, 1))
    ]
    built.p.adjust_activity(activity_id, "Nyt navn", meta(date(2024, 5, 1)), title=" Røgfri ")
    assert built.p.activity(activity_id).title == "Røgfri"
    assert len(built.p.activity(activity_id).adjustments) == 2


def test_an_ended_activity_cannot_be_adjusted(built: Built) -> None:
    activity_id = launch(built)
    built.p.change_activity_status(activity_id, ActivityStatus.ENDED, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(ActivityEnded, match="has ended"):
        built.p.adjust_activity(activity_id, "For sent", meta(date(2024, 4, 1)))


def test_an_adjustment_needs_a_description(built: Built) -> None:
    activity_id = launch(built)
    with unchanged(built.p), pytest.raises(InvalidValue, match="Description of the adjustment"):
        built.p.adjust_activity(activity_id, "  ", meta(date(2024, 3, 1)))


def test_an_adjustment_cannot_blank_the_title(built: Built) -> None:
    activity_id = launch(built)
    with unchanged(built.p), pytest.raises(InvalidValue, match="Activity title"):
        built.p.adjust_activity(activity_id, "Omdøbt", meta(date(2024, 3, 1)), title=" ")


def test_an_adjustment_cannot_hand_the_activity_to_a_non_partner(built: Built) -> None:
    activity_id = launch(built)
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.adjust_activity(activity_id, "Ny ejer", meta(date(2024, 3, 1)), owner_ids=[uuid4()])


def test_an_adjustment_cannot_leave_the_activity_without_owners(built: Built) -> None:
    activity_id = launch(built)
    with unchanged(built.p), pytest.raises(InvalidValue, match="at least one owner"):
        built.p.adjust_activity(activity_id, "Ingen ejer", meta(date(2024, 3, 1)), owner_ids=[])


def test_an_unknown_activity_cannot_be_adjusted(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No activity"):
        built.p.adjust_activity(uuid4(), "x", meta())


# -- assigning roles ------------------------------------------------------------------


def test_an_assigned_role_is_held_from_the_assignment_date(built: Built) -> None:
    person = uuid4()
    position_id = built.p.assign_role(
        RoleKind.COORDINATOR, person, built.lead_id, meta(date(2024, 2, 1))
    )
    position = built.p.role_position(position_id)
    assert position.role is RoleKind.COORDINATOR
    assert position.activity_id is None
    assert position.holder is not None
    assert (position.holder.person_id, position.holder.organisation_id) == (person, built.lead_id)
    assert position.holder.spell.since == date(2024, 2, 1)
    assert position.vacant_since is None
    assert built.p.correctable[str(built.p.version)] == "RoleAssigned"


def test_a_role_can_be_assigned_at_activity_scope(built: Built) -> None:
    activity_id = launch(built)
    person = uuid4()
    position_id = built.p.assign_role(
        RoleKind.LOCAL_COORDINATOR, person, built.a, meta(), activity_id=activity_id
    )
    assert built.p.role_position(position_id).activity_id == activity_id


def test_a_person_can_hold_the_same_role_at_different_scopes(built: Built) -> None:
    activity_id = launch(built)
    person = uuid4()
    built.p.assign_role(RoleKind.KEY_PERSON, person, built.a, meta())
    built.p.assign_role(RoleKind.KEY_PERSON, person, built.a, meta(), activity_id=activity_id)
    built.p.assign_role(RoleKind.RECRUITER, person, built.a, meta())
    assert len(built.p.roles) == 3


def test_a_person_cannot_hold_the_same_role_twice_at_the_same_scope(built: Built) -> None:
    person = uuid4()
    built.p.assign_role(RoleKind.KEY_PERSON, person, built.a, meta())
    with unchanged(built.p), pytest.raises(RoleStateError, match="already holds nøgleperson"):
        built.p.assign_role(RoleKind.KEY_PERSON, person, built.a, meta())


def test_a_role_can_only_go_to_a_person_from_a_partner_organisation(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotAPartner, match="cannot hold the role brobygger"):
        built.p.assign_role(RoleKind.BRIDGE_BUILDER, uuid4(), uuid4(), meta())


def test_a_role_cannot_be_assigned_for_an_unknown_activity(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No activity"):
        built.p.assign_role(RoleKind.FACILITATOR, uuid4(), built.a, meta(), activity_id=uuid4())


def test_a_role_cannot_be_assigned_for_an_ended_activity(built: Built) -> None:
    activity_id = launch(built)
    built.p.change_activity_status(activity_id, ActivityStatus.ENDED, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(ActivityEnded, match="has ended"):
        built.p.assign_role(
            RoleKind.FACILITATOR, uuid4(), built.a, meta(date(2024, 4, 1)), activity_id=activity_id
        )


def test_a_held_position_cannot_be_assigned_again(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.COORDINATOR, uuid4(), built.a, meta())
    with unchanged(built.p), pytest.raises(RoleStateError, match="hand it over instead"):
        built.p.assign_role(RoleKind.COORDINATOR, uuid4(), built.a, meta(), position_id=position_id)


def test_a_vacant_position_is_filled_with_its_own_role_and_scope(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.COORDINATOR, uuid4(), built.a, meta())
    built.p.vacate_role(position_id, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(RoleStateError, match="another role or scope"):
        built.p.assign_role(
            RoleKind.FACILITATOR, uuid4(), built.a, meta(date(2024, 4, 1)), position_id=position_id
        )
    activity_id = launch(built)
    with unchanged(built.p), pytest.raises(RoleStateError, match="another role or scope"):
        built.p.assign_role(
            RoleKind.COORDINATOR,
            uuid4(),
            built.a,
            meta(date(2024, 4, 1)),
            position_id=position_id,
            activity_id=activity_id,
        )


def test_filling_a_vacancy_ends_it(built: Built) -> None:
    first, second = uuid4(), uuid4()
    position_id = built.p.assign_role(RoleKind.COORDINATOR, first, built.a, meta(date(2024, 2, 1)))
    built.p.vacate_role(position_id, meta(date(2024, 3, 1)))
    same = built.p.assign_role(
        RoleKind.COORDINATOR, second, built.b, meta(date(2024, 5, 1)), position_id=position_id
    )
    position = built.p.role_position(position_id)
    assert same == position_id
    assert position.vacant_since is None
    assert position.holder is not None
    assert position.holder.person_id == second
    assert [(h.person_id, h.spell.since, h.spell.until) for h in position.holdings] == [
        (first, date(2024, 2, 1), date(2024, 3, 1)),
        (second, date(2024, 5, 1), None),
    ]


def test_a_vacancy_cannot_be_filled_before_it_arose(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.COORDINATOR, uuid4(), built.a, meta())
    built.p.vacate_role(position_id, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="Filling follows the vacancy"):
        built.p.assign_role(
            RoleKind.COORDINATOR, uuid4(), built.a, meta(date(2024, 2, 29)), position_id=position_id
        )


# -- handing over and vacating --------------------------------------------------------


def test_handing_over_a_role_ends_one_holding_and_starts_the_next(built: Built) -> None:
    first, second = uuid4(), uuid4()
    position_id = built.p.assign_role(
        RoleKind.PROJECT_LEADER, first, built.a, meta(date(2024, 2, 1))
    )
    built.p.hand_over_role(position_id, second, built.b, meta(date(2024, 6, 1)))
    position = built.p.role_position(position_id)
    assert position.holder is not None
    assert (position.holder.person_id, position.holder.organisation_id) == (second, built.b)
    assert position.holdings[0].spell.until == date(2024, 6, 1)
    assert position.holdings[0].spell.until_version == position.holdings[1].spell.since_version
    assert position.vacant_since is None
    assert built.p.correctable[str(built.p.version)] == "RoleHandedOver"


def test_a_vacant_role_cannot_be_handed_over(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.PROJECT_LEADER, uuid4(), built.a, meta())
    built.p.vacate_role(position_id, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(RoleStateError, match="assign it instead"):
        built.p.hand_over_role(position_id, uuid4(), built.a, meta(date(2024, 4, 1)))


def test_handing_a_role_over_to_its_holder_changes_nothing(built: Built) -> None:
    person = uuid4()
    position_id = built.p.assign_role(RoleKind.PROJECT_LEADER, person, built.a, meta())
    with unchanged(built.p), pytest.raises(NoChange, match="already holds the role"):
        built.p.hand_over_role(position_id, person, built.a, meta())


def test_a_role_cannot_be_handed_over_to_someone_outside_the_partners(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.PROJECT_LEADER, uuid4(), built.a, meta())
    with unchanged(built.p), pytest.raises(NotAPartner, match="cannot hold the role projektleder"):
        built.p.hand_over_role(position_id, uuid4(), uuid4(), meta())


def test_a_hand_over_cannot_be_dated_before_the_assignment(built: Built) -> None:
    position_id = built.p.assign_role(
        RoleKind.PROJECT_LEADER, uuid4(), built.a, meta(date(2024, 2, 1))
    )
    with unchanged(built.p), pytest.raises(InconsistentDates, match="hand-over follows"):
        built.p.hand_over_role(position_id, uuid4(), built.a, meta(date(2024, 1, 31)))


def test_an_unknown_role_position_cannot_be_handed_over(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No role position"):
        built.p.hand_over_role(uuid4(), uuid4(), built.a, meta())


def test_a_role_cannot_be_handed_over_to_someone_already_holding_it_at_that_scope(
    built: Built,
) -> None:
    person = uuid4()
    built.p.assign_role(RoleKind.BRIDGE_BUILDER, person, built.a, meta())
    other = built.p.assign_role(RoleKind.BRIDGE_BUILDER, uuid4(), built.b, meta())
    with unchanged(built.p), pytest.raises(RoleStateError, match="already holds brobygger"):
        built.p.hand_over_role(other, person, built.a, meta(date(2024, 2, 1)))


def test_vacating_a_role_leaves_a_vacancy_from_that_date(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.HEALTH_COORDINATOR, uuid4(), built.a, meta())
    built.p.vacate_role(position_id, meta(date(2024, 4, 1)))
    position = built.p.role_position(position_id)
    assert position.holder is None
    assert position.vacant_since == date(2024, 4, 1)
    assert position.holdings[0].spell.until == date(2024, 4, 1)
    assert built.p.correctable[str(built.p.version)] == "RoleVacated"


def test_a_vacant_role_cannot_be_vacated_again(built: Built) -> None:
    position_id = built.p.assign_role(RoleKind.HEALTH_COORDINATOR, uuid4(), built.a, meta())
    built.p.vacate_role(position_id, meta(date(2024, 4, 1)))
    with unchanged(built.p), pytest.raises(RoleStateError, match="already vacant"):
        built.p.vacate_role(position_id, meta(date(2024, 5, 1)))


def test_a_vacancy_cannot_be_dated_before_the_assignment(built: Built) -> None:
    position_id = built.p.assign_role(
        RoleKind.HEALTH_COORDINATOR, uuid4(), built.a, meta(date(2024, 2, 1))
    )
    with unchanged(built.p), pytest.raises(InconsistentDates, match="vacancy follows"):
        built.p.vacate_role(position_id, meta(date(2024, 1, 31)))


def test_an_unknown_role_position_cannot_be_vacated(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotFound, match="No role position"):
        built.p.vacate_role(uuid4(), meta())


def test_a_partner_leaving_vacates_only_the_roles_its_people_hold(built: Built) -> None:
    activity_id = launch(built)
    from_a = built.p.assign_role(
        RoleKind.RECRUITER, uuid4(), built.a, meta(), activity_id=activity_id
    )
    from_b = built.p.assign_role(RoleKind.RECRUITER, uuid4(), built.b, meta())
    handed = built.p.assign_role(RoleKind.FACILITATOR, uuid4(), built.a, meta())
    built.p.hand_over_role(handed, uuid4(), built.b, meta(date(2024, 2, 1)))
    built.p.adjust_activity(activity_id, "B overtager", meta(date(2024, 4, 1)), owner_ids=[built.b])
    built.p.leave_partner(built.a, meta(date(2024, 5, 1)))
    assert built.p.role_position(from_a).holder is None
    assert built.p.role_position(from_a).vacant_since == date(2024, 5, 1)
    assert built.p.role_position(from_b).holder is not None
    assert built.p.role_position(handed).holder is not None
    assert built.p.role_position(handed).vacant_since is None


def test_a_partnership_rebuilt_from_its_events_has_the_same_activities_and_roles(
    built: Built,
) -> None:
    activity_id = launch(built)
    built.p.change_activity_status(activity_id, ActivityStatus.RUNNING, meta(date(2024, 3, 1)))
    built.p.adjust_activity(activity_id, "Nyt hold", meta(date(2024, 4, 1)), owner_ids=[built.b])
    position = built.p.assign_role(RoleKind.COORDINATOR, uuid4(), built.a, meta(date(2024, 2, 1)))
    built.p.hand_over_role(position, uuid4(), built.b, meta(date(2024, 5, 1)))
    built.p.vacate_role(position, meta(date(2024, 6, 1)))
    built.p.assign_role(
        RoleKind.COORDINATOR, uuid4(), built.a, meta(date(2024, 7, 1)), position_id=position
    )
    built.p.assign_role(RoleKind.RECRUITER, uuid4(), built.a, meta(), activity_id=activity_id)
    built.p.leave_partner(built.a, meta(date(2024, 8, 1)))
    assert_replays_to_same_state(built.p)


def test_a_partner_that_owns_an_open_activity_cannot_leave(built: Built) -> None:
    launch(built)
    with unchanged(built.p), pytest.raises(ActivityStateError, match="owns activities"):
        built.p.leave_partner(built.a, meta(date(2024, 5, 1)))


def test_a_partner_whose_activities_have_ended_can_leave(built: Built) -> None:
    activity_id = launch(built)
    built.p.change_activity_status(activity_id, ActivityStatus.ENDED, meta(date(2024, 3, 1)))
    built.p.leave_partner(built.a, meta(date(2024, 5, 1)))
    assert not built.p.is_partner(built.a)


def test_an_adjustment_cannot_be_dated_before_the_activity_was_launched(built: Built) -> None:
    activity_id = launch(built, on=date(2024, 2, 1))
    with (
        unchanged(built.p),
        pytest.raises(InconsistentDates, match="follows the launch"),
    ):
        built.p.adjust_activity(activity_id, "Nyt hold", meta(date(2024, 1, 31)))
