"""Partnership: registry fields, partners joining and leaving, and the partnership ladder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from aggregates import Partnership
from aggregates.errors import (
    AlreadyAPartner,
    InconsistentDates,
    InvalidValue,
    LeadOrganisationRule,
    NoChange,
    NotAPartner,
    RungNotBacked,
)
from aggregates.taxonomy import AgreementKind, PreventionCategory, RoleKind, Rung
from tests.unit.conftest import (
    START,
    Built,
    assert_replays_to_same_state,
    backed,
    build_partnership,
    meta,
    registry,
    unchanged,
)

# -- registry fields ------------------------------------------------------------------


def test_a_registered_partnership_has_cleaned_registry_fields_and_its_lead_as_partner() -> None:
    lead = uuid4()
    p = Partnership.register(
        registry=registry(
            title="  Sund By  ",
            municipality=" Sundeborg ",
            purpose=" Flere røgfri ",
            target_groups=("Unge", " unge ", "Unge", " "),
            bearings=(5, 2, 5),
            prevention_categories=(PreventionCategory.OFFER, PreventionCategory.OFFER),
            tags=(" rygning ", "rygning"),
        ),
        lead_organisation_id=lead,
        meta=meta(),
    )
    assert p.title == "Sund By"
    assert p.registry.municipality == "Sundeborg"
    assert p.registry.purpose == "Flere røgfri"
    assert p.registry.target_groups == ("Unge", "unge")
    assert p.registry.bearings == (2, 5)
    assert p.registry.prevention_categories == (PreventionCategory.OFFER,)
    assert p.registry.tags == ("rygning",)
    assert p.lead_organisation_id == lead
    assert p.is_partner(lead)
    assert p.active_partner_ids == [lead]


def test_the_lead_organisation_is_never_on_the_ladder() -> None:
    b = build_partnership()
    assert b.p.rung_of(b.lead_id) is None
    assert b.p.rung_of(b.lead_id, on=date(2030, 1, 1)) is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": " "}, "Title must not be empty"),
        ({"municipality": ""}, "Municipality must not be empty"),
        ({"bearings": (0,)}, "pejlemærker"),
        ({"bearings": (7,)}, "pejlemærker"),
        ({"yearly_budget_dkk": Decimal("-1")}, "Yearly budget must be a finite"),
        ({"staff_hours_per_year": Decimal("-0.5")}, "Staff hours must be a finite"),
    ],
)
def test_a_partnership_cannot_be_registered_with_invalid_registry_fields(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        Partnership.register(
            registry=registry(**overrides), lead_organisation_id=uuid4(), meta=meta()
        )


def test_a_partnership_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(InconsistentDates, match="period ends"):
        Partnership.register(
            registry=registry(period_start=date(2024, 6, 1), period_end=date(2024, 5, 31)),
            lead_organisation_id=uuid4(),
            meta=meta(),
        )


def test_a_one_day_period_and_zero_budget_are_accepted() -> None:
    p = Partnership.register(
        registry=registry(
            period_start=date(2024, 6, 1),
            period_end=date(2024, 6, 1),
            yearly_budget_dkk=Decimal(0),
            bearings=(1, 6),
        ),
        lead_organisation_id=uuid4(),
        meta=meta(),
    )
    assert p.registry.bearings == (1, 6)


def test_updating_the_registry_records_the_new_fields(built: Built) -> None:
    built.p.update_registry(registry(purpose="Mere bevægelse"), meta(date(2024, 2, 1)))
    assert built.p.registry.purpose == "Mere bevægelse"


def test_updating_the_registry_with_the_same_fields_changes_nothing(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NoChange, match="registry fields are unchanged"):
        built.p.update_registry(registry(title=" Sund By "), meta())


def test_updating_the_registry_with_invalid_fields_changes_nothing(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="pejlemærker"):
        built.p.update_registry(registry(bearings=(9,)), meta())


# -- joining and leaving --------------------------------------------------------------


def test_a_joining_partner_starts_on_the_given_rung_with_its_evidence() -> None:
    b = build_partnership(0)
    org = uuid4()
    b.p.join_partner(org, meta(date(2024, 2, 1)), rung=Rung.DIALOGUE, evidence="  Møde  ")
    partner = b.p.partner(org)
    assert partner.rung is Rung.DIALOGUE
    assert partner.rungs[0].evidence == "Møde"
    assert partner.is_partner_on(date(2024, 2, 1))
    assert not partner.is_partner_on(date(2024, 1, 31))
    assert b.p.rung_of(org, on=date(2024, 1, 31)) is None


def test_a_joining_partner_starts_on_rung_1_by_default() -> None:
    b = build_partnership(0)
    org = uuid4()
    b.p.join_partner(org, meta())
    assert b.p.rung_of(org) is Rung.KNOW_EACH_OTHER


def test_an_active_partner_cannot_join_again(built: Built) -> None:
    with unchanged(built.p), pytest.raises(AlreadyAPartner, match="already a partner"):
        built.p.join_partner(built.a, meta())


def test_the_lead_organisation_cannot_join_as_a_partner(built: Built) -> None:
    with unchanged(built.p), pytest.raises(AlreadyAPartner, match="already a partner"):
        built.p.join_partner(built.lead_id, meta())


@pytest.mark.parametrize("rung", [Rung.COOPERATION_AGREEMENT, Rung.PARTNERSHIP_AGREEMENT])
def test_a_new_partner_cannot_join_above_rung_4(built: Built, rung: Rung) -> None:
    with unchanged(built.p), pytest.raises(RungNotBacked, match="starts at most on rung 4"):
        built.p.join_partner(uuid4(), meta(), rung=rung)


def test_a_new_partner_cannot_join_above_rung_4_even_with_an_agreement_in_force() -> None:
    b = build_partnership(2)
    backed(b, [b.a, b.b])
    b.p.leave_partner(b.b, meta(date(2024, 4, 1)))
    with unchanged(b.p), pytest.raises(RungNotBacked, match="starts at most on rung 4"):
        b.p.join_partner(b.b, meta(date(2024, 5, 1)), rung=Rung.COOPERATION_AGREEMENT)


def test_a_partner_that_left_can_rejoin_with_a_new_spell(built: Built) -> None:
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    built.p.join_partner(built.a, meta(date(2024, 6, 1)), rung=Rung.DIALOGUE, evidence="Igen")
    partner = built.p.partner(built.a)
    assert [(s.since, s.until) for s in partner.spells] == [
        (START, date(2024, 3, 1)),
        (date(2024, 6, 1), None),
    ]
    assert partner.is_partner_on(date(2024, 2, 1))
    assert not partner.is_partner_on(date(2024, 4, 1))
    assert partner.is_partner_on(date(2024, 6, 1))
    assert built.p.rung_of(built.a) is Rung.DIALOGUE
    assert built.p.rung_of(built.a, on=date(2024, 4, 1)) is Rung.INFORMAL_COOPERATION


def test_a_partner_can_rejoin_on_the_day_it_left(built: Built) -> None:
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    built.p.join_partner(built.a, meta(date(2024, 3, 1)))
    assert built.p.is_partner(built.a)


def test_a_partner_cannot_rejoin_before_it_left(built: Built) -> None:
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(InconsistentDates, match="rejoins after it left"):
        built.p.join_partner(built.a, meta(date(2024, 2, 28)))


def test_a_leaving_partner_is_no_longer_active(built: Built) -> None:
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    assert not built.p.is_partner(built.a)
    assert built.a not in built.p.active_partner_ids
    assert built.p.partners[str(built.a)].spells[-1].until == date(2024, 3, 1)
    with pytest.raises(NotAPartner, match="is not a partner"):
        built.p.partner(built.a)


def test_the_lead_organisation_cannot_leave(built: Built) -> None:
    with unchanged(built.p), pytest.raises(LeadOrganisationRule, match="cannot leave"):
        built.p.leave_partner(built.lead_id, meta())


def test_an_organisation_that_is_not_a_partner_cannot_leave(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.leave_partner(uuid4(), meta())


def test_a_partner_cannot_leave_twice(built: Built) -> None:
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.leave_partner(built.a, meta(date(2024, 4, 1)))


def test_a_partner_cannot_leave_before_it_joined() -> None:
    b = build_partnership(1, on=date(2024, 5, 1))
    with unchanged(b.p), pytest.raises(InconsistentDates, match="leaves after joining"):
        b.p.leave_partner(b.a, meta(date(2024, 4, 30)))


def test_a_leaving_partner_takes_its_peoples_roles_with_it(built: Built) -> None:
    person_a, person_b = uuid4(), uuid4()
    pos_a = built.p.assign_role(RoleKind.BRIDGE_BUILDER, person_a, built.a, meta())
    pos_b = built.p.assign_role(RoleKind.BRIDGE_BUILDER, person_b, built.b, meta())
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    assert built.p.role_position(pos_a).holder is None
    assert built.p.role_position(pos_a).vacant_since == date(2024, 3, 1)
    assert built.p.role_position(pos_a).holdings[0].spell.until == date(2024, 3, 1)
    assert built.p.role_position(pos_b).holder is not None


def test_the_rung_of_an_organisation_that_never_was_a_partner_is_refused(built: Built) -> None:
    with pytest.raises(NotAPartner, match="has never been a partner"):
        built.p.rung_of(uuid4())


# -- moving on the ladder -------------------------------------------------------------


def test_ladder_moves_build_a_rung_history_answerable_on_any_date() -> None:
    b = build_partnership(1, rung=Rung.KNOW_EACH_OTHER)
    b.p.move_on_ladder(b.a, Rung.DIALOGUE, "Netværksmøde", meta(date(2024, 2, 1)))
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisningsaftale", meta(date(2024, 4, 1)))
    b.p.move_on_ladder(b.a, Rung.DIALOGUE, "Samarbejdet gik i stå", meta(date(2024, 9, 1)))
    assert b.p.rung_of(b.a) is Rung.DIALOGUE
    assert b.p.rung_of(b.a, on=date(2023, 12, 31)) is None
    assert b.p.rung_of(b.a, on=START) is Rung.KNOW_EACH_OTHER
    assert b.p.rung_of(b.a, on=date(2024, 3, 31)) is Rung.DIALOGUE
    assert b.p.rung_of(b.a, on=date(2024, 4, 1)) is Rung.MUTUAL_REFERRAL
    assert b.p.rung_of(b.a, on=date(2024, 8, 31)) is Rung.MUTUAL_REFERRAL
    entries = b.p.partner(b.a).rungs
    assert [e.evidence for e in entries][1:] == [
        "Netværksmøde",
        "Henvisningsaftale",
        "Samarbejdet gik i stå",
    ]


def test_a_back_dated_ladder_move_slots_into_the_history_by_valid_date() -> None:
    b = build_partnership(1, rung=Rung.KNOW_EACH_OTHER)
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisninger", meta(date(2024, 6, 1)))
    b.p.move_on_ladder(b.a, Rung.DIALOGUE, "Registreret bagud", meta(date(2024, 3, 1)))
    assert b.p.rung_of(b.a) is Rung.MUTUAL_REFERRAL
    assert b.p.rung_of(b.a, on=date(2024, 4, 1)) is Rung.DIALOGUE
    assert b.p.rung_of(b.a, on=date(2024, 2, 1)) is Rung.KNOW_EACH_OTHER


def test_two_moves_on_the_same_day_are_ordered_by_when_they_were_recorded() -> None:
    b = build_partnership(1, rung=Rung.KNOW_EACH_OTHER)
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Først", meta(date(2024, 3, 1)))
    b.p.move_on_ladder(b.a, Rung.DIALOGUE, "Rettet samme dag", meta(date(2024, 3, 1)))
    assert b.p.rung_of(b.a, on=date(2024, 3, 1)) is Rung.DIALOGUE


def test_a_ladder_move_records_its_evidence_and_version(built: Built) -> None:
    version = built.p.version
    built.p.move_on_ladder(built.a, Rung.MUTUAL_REFERRAL, "  Referat  ", meta(date(2024, 2, 1)))
    entry = built.p.partner(built.a).rungs[-1]
    assert (entry.rung, entry.evidence, entry.version) == (
        Rung.MUTUAL_REFERRAL,
        "Referat",
        version + 1,
    )
    assert built.p.correctable[str(version + 1)] == "RungChanged"


def test_the_lead_organisation_cannot_be_moved_on_the_ladder(built: Built) -> None:
    with unchanged(built.p), pytest.raises(LeadOrganisationRule, match="is not on the ladder"):
        built.p.move_on_ladder(built.lead_id, Rung.DIALOGUE, "x", meta())


def test_an_organisation_that_is_not_a_partner_cannot_be_moved_on_the_ladder(
    built: Built,
) -> None:
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.move_on_ladder(uuid4(), Rung.DIALOGUE, "x", meta())


def test_a_partner_that_left_cannot_be_moved_on_the_ladder(built: Built) -> None:
    built.p.leave_partner(built.a, meta(date(2024, 3, 1)))
    with unchanged(built.p), pytest.raises(NotAPartner, match="is not a partner"):
        built.p.move_on_ladder(built.a, Rung.DIALOGUE, "x", meta(date(2024, 2, 1)))


def test_a_ladder_move_cannot_be_dated_before_the_partner_joined() -> None:
    b = build_partnership(1, on=date(2024, 5, 1))
    with unchanged(b.p), pytest.raises(InconsistentDates, match="ladder move follows joining"):
        b.p.move_on_ladder(b.a, Rung.DIALOGUE, "x", meta(date(2024, 4, 30)))


def test_moving_to_the_rung_the_partner_already_stands_on_changes_nothing(built: Built) -> None:
    with unchanged(built.p), pytest.raises(NoChange, match="already stands on rung 4"):
        built.p.move_on_ladder(built.a, Rung.INFORMAL_COOPERATION, "x", meta())


def test_a_ladder_move_needs_evidence(built: Built) -> None:
    with unchanged(built.p), pytest.raises(InvalidValue, match="Evidence for a ladder move"):
        built.p.move_on_ladder(built.a, Rung.MUTUAL_REFERRAL, "  ", meta())


def test_a_partner_cannot_reach_rung_5_without_a_cooperation_agreement_in_force(
    built: Built,
) -> None:
    with unchanged(built.p), pytest.raises(RungNotBacked, match="needs a samarbejdsaftale"):
        built.p.move_on_ladder(built.a, Rung.COOPERATION_AGREEMENT, "x", meta(date(2024, 2, 1)))


def test_a_partner_cannot_reach_rung_6_on_a_cooperation_agreement() -> None:
    b = build_partnership(1)
    backed(b, [b.a])
    with unchanged(b.p), pytest.raises(RungNotBacked, match="needs a partnerskabsaftale"):
        b.p.move_on_ladder(b.a, Rung.PARTNERSHIP_AGREEMENT, "x", meta(date(2024, 6, 1)))


def test_a_partner_cannot_reach_rung_5_after_the_agreement_has_run_out() -> None:
    b = build_partnership(1)
    backed(b, [b.a], valid_to=date(2024, 12, 31))
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Faldet tilbage", meta(date(2025, 1, 1)))
    with unchanged(b.p), pytest.raises(RungNotBacked, match="in force on 2025-01-02"):
        b.p.move_on_ladder(b.a, Rung.COOPERATION_AGREEMENT, "x", meta(date(2025, 1, 2)))


def test_a_partner_cannot_reach_rung_5_on_an_agreement_it_is_not_party_to() -> None:
    b = build_partnership(2)
    backed(b, [b.a])
    with unchanged(b.p), pytest.raises(RungNotBacked, match="needs a samarbejdsaftale"):
        b.p.move_on_ladder(b.b, Rung.COOPERATION_AGREEMENT, "x", meta(date(2024, 6, 1)))


def test_a_partner_can_return_to_rung_5_while_its_agreement_is_in_force() -> None:
    b = build_partnership(1)
    backed(b, [b.a], valid_to=date(2024, 12, 31))
    b.p.leave_partner(b.a, meta(date(2024, 5, 31)))
    b.p.join_partner(b.a, meta(date(2024, 6, 1)), rung=Rung.MUTUAL_REFERRAL, evidence="Pause")
    b.p.move_on_ladder(b.a, Rung.COOPERATION_AGREEMENT, "Genoptaget", meta(date(2024, 12, 31)))
    assert b.p.rung_of(b.a) is Rung.COOPERATION_AGREEMENT


def test_a_partnership_agreement_in_force_keeps_the_partner_on_rung_6() -> None:
    """Issue 14, finding 6: rung 5 would contradict the partnership agreement in force."""
    b = build_partnership(1)
    backed(b, [b.a], kind=AgreementKind.PARTNERSHIP)
    assert b.p.highest_backed_rung(b.a, date(2024, 6, 1)) is Rung.PARTNERSHIP_AGREEMENT
    with unchanged(b.p), pytest.raises(RungNotBacked, match="backs rung 6"):
        b.p.move_on_ladder(b.a, Rung.COOPERATION_AGREEMENT, "Nedjusteret", meta(date(2024, 6, 1)))
    assert b.p.rung_of(b.a) is Rung.PARTNERSHIP_AGREEMENT


def test_a_partnership_rebuilt_from_its_events_has_the_same_partners_and_ladder() -> None:
    b = build_partnership(3, rung=Rung.DIALOGUE)
    b.p.update_registry(registry(purpose="Røgfri kommune"), meta(date(2024, 1, 15)))
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Henvisning", meta(date(2024, 2, 1)))
    b.p.leave_partner(b.partner_ids[2], meta(date(2024, 2, 15)))
    b.p.join_partner(b.partner_ids[2], meta(date(2024, 8, 1)), rung=Rung.KNOW_EACH_OTHER)
    backed(b, [b.a, b.b])
    b.p.record_agreement_ended(
        next(iter(b.p.agreements.values())).agreement_id,
        date(2024, 10, 1),
        meta(date(2024, 10, 1), reason="Opsagt"),
    )
    assert_replays_to_same_state(b.p)
