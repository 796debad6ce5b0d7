"""Agreement lifecycle, and how signing, renewing and ending an agreement move the ladder."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import msgspec
import pytest

from aggregates import Agreement, AgreementStatus, Obligation, Partnership, Terms
from aggregates.errors import (
    AgreementStateError,
    AlreadySigned,
    DomainError,
    InconsistentDates,
    InvalidValue,
    LeadOrganisationRule,
    NoChange,
    NotAPartner,
    NotAParty,
    NotFound,
    RungNotBacked,
)
from aggregates.taxonomy import AgreementKind, Rung
from tests.unit.conftest import (
    Built,
    agreement_terms,
    assert_replays_to_same_state,
    backed,
    build_partnership,
    by,
    draft_agreement,
    meta,
    new_events,
    record_signed,
    sign_and_record,
    sign_by_all,
    unchanged,
)

VALID_FROM = date(2024, 3, 1)
VALID_TO = date(2025, 3, 1)


def draft_with(b: Built, terms: Terms) -> Agreement:
    return Agreement.draft(
        partnership_id=b.p.id,
        lead_organisation_id=b.lead_id,
        partner_ids=b.p.active_partner_ids,
        kind=AgreementKind.COOPERATION,
        terms=terms,
        meta=meta(date(2024, 2, 1)),
    )


def signed(b: Built, on: date = date(2024, 2, 20)) -> Agreement:
    agreement = draft_agreement(b)
    assert sign_by_all(agreement, b, on)
    return agreement


# -- drafting -------------------------------------------------------------------------


def test_a_drafted_agreement_has_cleaned_terms_and_no_signatures(built: Built) -> None:
    terms = Terms(
        title=" Samarbejdsaftale ",
        purpose=" Rygestop ",
        party_ids=(built.lead_id, built.a, built.a),
        obligations=(
            Obligation(party_id=built.a, text=" Rekrutterer deltagere "),
            Obligation(party_id=built.lead_id, text=" Stiller lokaler "),
        ),
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
    )
    agreement = draft_with(built, terms)
    assert agreement.terms == Terms(
        title="Samarbejdsaftale",
        purpose="Rygestop",
        party_ids=(built.lead_id, built.a),
        obligations=(
            Obligation(party_id=built.lead_id, text="Stiller lokaler"),
            Obligation(party_id=built.a, text="Rekrutterer deltagere"),
        ),
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
    )
    assert (agreement.partnership_id, agreement.lead_organisation_id) == (built.p.id, built.lead_id)
    assert agreement.kind is AgreementKind.COOPERATION
    assert agreement.unsigned_party_ids == [built.lead_id, built.a]
    assert not agreement.is_fully_signed
    assert agreement.fully_signed_on is None
    assert agreement.status_on(VALID_FROM) is AgreementStatus.DRAFT


def test_an_agreement_must_end_after_it_starts(built: Built) -> None:
    terms = agreement_terms(built.lead_id, [built.a], valid_from=VALID_FROM, valid_to=VALID_FROM)
    with pytest.raises(InconsistentDates, match="must be after its valid-from"):
        draft_with(built, terms)


def test_the_lead_organisation_must_be_a_party(built: Built) -> None:
    terms = agreement_terms(built.a, [built.b])  # a and b only: the lead is missing
    with pytest.raises(InvalidValue, match="lead organisation signs for the partnership"):
        draft_with(built, terms)


def test_an_agreement_needs_a_partner_besides_the_lead(built: Built) -> None:
    terms = agreement_terms(built.lead_id, [built.lead_id])
    with pytest.raises(InvalidValue, match="at least one partner besides the lead"):
        draft_with(built, terms)


def test_every_party_must_be_a_partner_of_the_partnership(built: Built) -> None:
    outsider = uuid4()
    terms = agreement_terms(built.lead_id, [built.a, outsider])
    with pytest.raises(NotAPartner, match=f"Party {outsider} is not a partner"):
        draft_with(built, terms)


def test_an_obligation_can_only_bind_a_party(built: Built) -> None:
    terms = agreement_terms(built.lead_id, [built.a])
    terms = msgspec.structs.replace(
        terms, obligations=(*terms.obligations, Obligation(party_id=built.b, text="Hjælper"))
    )
    with pytest.raises(NotAParty, match="who is not a party"):
        draft_with(built, terms)


@pytest.mark.parametrize("missing_text", [None, "   "], ids=["absent", "blank"])
def test_every_partys_obligations_must_be_settled_from_the_start(
    built: Built, missing_text: str | None
) -> None:
    obligations = [Obligation(party_id=built.lead_id, text="Koordinerer")]
    if missing_text is not None:
        obligations.append(Obligation(party_id=built.a, text=missing_text))
    terms = Terms(
        title="Aftale",
        purpose="Formål",
        party_ids=(built.lead_id, built.a),
        obligations=tuple(obligations),
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
    )
    with pytest.raises(InvalidValue, match=f"settled from the start; missing for {built.a}"):
        draft_with(built, terms)


@pytest.mark.parametrize(
    ("field", "message"), [("title", "Agreement title"), ("purpose", "Agreement purpose")]
)
def test_an_agreement_needs_a_title_and_a_purpose(built: Built, field: str, message: str) -> None:
    terms = agreement_terms(built.lead_id, [built.a], **{field: " "})
    with pytest.raises(InvalidValue, match=message):
        draft_with(built, terms)


# -- amending -------------------------------------------------------------------------


def test_an_amendment_replaces_the_terms_and_parties_sign_anew(built: Built) -> None:
    agreement = draft_agreement(built)
    agreement.sign(built.a, by(built.a), built.p.active_partner_ids, meta(date(2024, 2, 10)))
    new_terms = agreement_terms(built.lead_id, [built.a], valid_to=date(2026, 3, 1))
    agreement.amend(new_terms, built.p.active_partner_ids, meta(date(2024, 2, 15)))
    assert agreement.party_ids == (built.lead_id, built.a)
    assert agreement.valid_to == date(2026, 3, 1)
    assert agreement.signatures == []
    assert agreement.unsigned_party_ids == [built.lead_id, built.a]


def test_an_amendment_that_changes_nothing_is_refused(built: Built) -> None:
    agreement = draft_agreement(built)
    same = agreement_terms(
        built.lead_id, [built.a, built.b], title=" Samarbejdsaftale om rygestop "
    )
    with unchanged(agreement), pytest.raises(NoChange, match="amendment changes nothing"):
        agreement.amend(same, built.p.active_partner_ids, meta())


def test_an_amendment_must_itself_be_valid(built: Built) -> None:
    agreement = draft_agreement(built)
    invalid = agreement_terms(built.lead_id, [built.a, uuid4()])
    with unchanged(agreement), pytest.raises(NotAPartner, match="is not a partner"):
        agreement.amend(invalid, built.p.active_partner_ids, meta())


def test_a_fully_signed_agreement_cannot_be_amended(built: Built) -> None:
    agreement = signed(built)
    new_terms = agreement_terms(built.lead_id, [built.a])
    with unchanged(agreement), pytest.raises(AgreementStateError, match="renew or terminate"):
        agreement.amend(new_terms, built.p.active_partner_ids, meta())


def test_a_terminated_agreement_cannot_be_amended(built: Built) -> None:
    agreement = draft_agreement(built)
    agreement.terminate(meta(date(2024, 2, 10), reason="Droppet"))
    new_terms = agreement_terms(built.lead_id, [built.a])
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has been terminated"):
        agreement.amend(new_terms, built.p.active_partner_ids, meta())


def test_an_expired_agreement_cannot_be_amended(built: Built) -> None:
    agreement = draft_agreement(built)
    agreement.expire(meta(date(2025, 3, 2)))
    new_terms = agreement_terms(built.lead_id, [built.a])
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has expired"):
        agreement.amend(new_terms, built.p.active_partner_ids, meta())


# -- signing --------------------------------------------------------------------------


def test_signing_the_last_party_puts_the_agreement_in_force(built: Built) -> None:
    agreement = draft_agreement(built)
    partners = built.p.active_partner_ids
    assert not agreement.sign(built.lead_id, by(built.lead_id), partners, meta(date(2024, 2, 10)))
    formand = by(built.a)
    assert not agreement.sign(built.a, formand, partners, meta(date(2024, 2, 12)))
    assert agreement.status_on(VALID_FROM) is AgreementStatus.DRAFT
    assert agreement.sign(built.b, by(built.b), partners, meta(date(2024, 3, 5)))
    assert agreement.is_fully_signed
    assert agreement.fully_signed_on == date(2024, 3, 5)
    assert agreement.signatures[1].signatory_id == formand.person_id
    assert agreement.status_on(date(2024, 3, 4)) is AgreementStatus.DRAFT
    assert agreement.status_on(date(2024, 3, 5)) is AgreementStatus.IN_FORCE
    assert agreement.is_in_force_on(date(2024, 3, 5))


def test_an_organisation_that_is_not_a_party_cannot_sign(built: Built) -> None:
    agreement = draft_agreement(built, [built.a])
    with unchanged(agreement), pytest.raises(NotAParty, match="is not a party"):
        agreement.sign(built.b, by(built.b), built.p.active_partner_ids, meta())


def test_a_party_that_left_the_partnership_cannot_sign(built: Built) -> None:
    agreement = draft_agreement(built)
    built.p.leave_partner(built.b, meta(date(2024, 2, 5)))
    with unchanged(agreement), pytest.raises(NotAPartner, match="no longer a partner"):
        agreement.sign(built.b, by(built.b), built.p.active_partner_ids, meta(date(2024, 2, 10)))


def test_a_party_cannot_sign_twice(built: Built) -> None:
    agreement = draft_agreement(built)
    agreement.sign(built.a, by(built.a), built.p.active_partner_ids, meta(date(2024, 2, 10)))
    with unchanged(agreement), pytest.raises(AlreadySigned, match="has already signed"):
        agreement.sign(built.a, by(built.a), built.p.active_partner_ids, meta(date(2024, 2, 11)))


def test_an_agreement_cannot_be_signed_after_its_validity_ended(built: Built) -> None:
    agreement = draft_agreement(built)
    with unchanged(agreement), pytest.raises(InconsistentDates, match="can no longer be signed"):
        agreement.sign(built.a, by(built.a), built.p.active_partner_ids, meta(date(2025, 3, 2)))


def test_an_agreement_can_still_be_signed_on_its_last_valid_day(built: Built) -> None:
    agreement = draft_agreement(built)
    assert sign_by_all(agreement, built, VALID_TO)
    assert agreement.status_on(VALID_TO) is AgreementStatus.IN_FORCE


def test_the_signatory_belongs_to_the_signing_organisation(built: Built) -> None:
    agreement = draft_agreement(built)
    with unchanged(agreement), pytest.raises(NotAParty, match="signatory must belong"):
        agreement.sign(built.a, by(built.b), built.p.active_partner_ids, meta())


def test_a_terminated_agreement_cannot_be_signed(built: Built) -> None:
    agreement = draft_agreement(built)
    agreement.terminate(meta(date(2024, 2, 10), reason="Droppet"))
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has been terminated"):
        agreement.sign(built.a, by(built.a), built.p.active_partner_ids, meta(date(2024, 2, 11)))


# -- status over time -----------------------------------------------------------------


def test_the_status_of_an_agreement_follows_its_dates() -> None:
    b = build_partnership(1)
    agreement = draft_agreement(b)
    assert sign_by_all(agreement, b, date(2024, 2, 20))
    agreement.terminate(meta(date(2024, 9, 1), reason="Partneren lukker"))
    timeline = {
        date(2024, 2, 19): AgreementStatus.DRAFT,
        date(2024, 2, 20): AgreementStatus.SIGNED,
        date(2024, 2, 29): AgreementStatus.SIGNED,
        date(2024, 3, 1): AgreementStatus.IN_FORCE,
        date(2024, 8, 31): AgreementStatus.IN_FORCE,
        date(2024, 9, 1): AgreementStatus.TERMINATED,
        date(2026, 1, 1): AgreementStatus.TERMINATED,
    }
    assert {day: agreement.status_on(day) for day in timeline} == timeline


def test_an_agreement_counts_as_expired_after_its_validity_even_before_expiry_is_recorded(
    built: Built,
) -> None:
    agreement = signed(built)
    assert agreement.status_on(VALID_TO) is AgreementStatus.IN_FORCE
    assert agreement.status_on(date(2025, 3, 2)) is AgreementStatus.EXPIRED
    assert not agreement.has_ended


def test_a_never_signed_agreement_is_expired_after_its_validity(built: Built) -> None:
    agreement = draft_agreement(built)
    assert agreement.status_on(date(2025, 3, 2)) is AgreementStatus.EXPIRED


# -- renewing -------------------------------------------------------------------------


def test_renewing_extends_the_validity(built: Built) -> None:
    agreement = signed(built)
    agreement.renew(date(2026, 3, 1), meta(date(2025, 2, 1)))
    assert agreement.valid_to == date(2026, 3, 1)
    assert agreement.renewals == [date(2025, 2, 1)]
    assert agreement.status_on(date(2025, 6, 1)) is AgreementStatus.IN_FORCE


def test_only_a_fully_signed_agreement_can_be_renewed(built: Built) -> None:
    agreement = draft_agreement(built)
    with unchanged(agreement), pytest.raises(AgreementStateError, match="Only a signed agreement"):
        agreement.renew(date(2026, 3, 1), meta())


@pytest.mark.parametrize("valid_to", [VALID_TO, date(2024, 12, 31)], ids=["same", "shorter"])
def test_a_renewal_must_extend_the_validity(built: Built, valid_to: date) -> None:
    agreement = signed(built)
    with unchanged(agreement), pytest.raises(InconsistentDates, match="must extend the validity"):
        agreement.renew(valid_to, meta(date(2025, 2, 1)))


def test_an_expired_agreement_cannot_be_renewed(built: Built) -> None:
    agreement = signed(built)
    agreement.expire(meta(date(2025, 3, 2)))
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has expired"):
        agreement.renew(date(2026, 3, 1), meta(date(2025, 3, 3)))


def test_an_agreement_that_has_run_out_cannot_be_renewed(built: Built) -> None:
    agreement = signed(built)
    with unchanged(agreement), pytest.raises(InconsistentDates):
        agreement.renew(date(2026, 3, 1), meta(date(2025, 6, 1)))


# -- expiring and terminating ---------------------------------------------------------


def test_an_agreement_expires_after_its_validity(built: Built) -> None:
    agreement = signed(built)
    agreement.expire(meta(date(2025, 3, 2)))
    assert agreement.expired_on == date(2025, 3, 2)
    assert agreement.has_ended
    assert agreement.status_on(date(2025, 3, 2)) is AgreementStatus.EXPIRED


def test_an_agreement_cannot_expire_while_it_is_still_valid(built: Built) -> None:
    agreement = signed(built)
    with (
        unchanged(agreement),
        pytest.raises(InconsistentDates, match="cannot expire on 2025-03-01"),
    ):
        agreement.expire(meta(VALID_TO))


def test_an_agreement_cannot_expire_twice(built: Built) -> None:
    agreement = signed(built)
    agreement.expire(meta(date(2025, 3, 2)))
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has expired"):
        agreement.expire(meta(date(2025, 3, 3)))


def test_a_terminated_agreement_cannot_expire(built: Built) -> None:
    agreement = signed(built)
    agreement.terminate(meta(date(2024, 9, 1), reason="Opsagt"))
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has been terminated"):
        agreement.expire(meta(date(2025, 3, 2)))


def test_terminating_an_agreement_records_the_date_and_reason(built: Built) -> None:
    agreement = signed(built)
    agreement.terminate(meta(date(2024, 9, 1), reason="Partneren lukker"))
    assert (agreement.terminated_on, agreement.termination_reason) == (
        date(2024, 9, 1),
        "Partneren lukker",
    )


@pytest.mark.parametrize("reason", [None, "  "], ids=["none", "blank"])
def test_terminating_an_agreement_early_needs_a_reason(built: Built, reason: str | None) -> None:
    agreement = signed(built)
    with unchanged(agreement), pytest.raises(InvalidValue, match="needs a reason"):
        agreement.terminate(meta(date(2024, 9, 1), reason=reason))


def test_an_agreement_that_has_run_out_cannot_be_terminated(built: Built) -> None:
    agreement = signed(built)
    with unchanged(agreement), pytest.raises(InconsistentDates, match="record its expiry"):
        agreement.terminate(meta(date(2025, 3, 2), reason="For sent"))


def test_a_terminated_agreement_cannot_be_terminated_again(built: Built) -> None:
    agreement = signed(built)
    agreement.terminate(meta(date(2024, 9, 1), reason="Opsagt"))
    with unchanged(agreement), pytest.raises(AgreementStateError, match="has been terminated"):
        agreement.terminate(meta(date(2024, 9, 2), reason="Igen"))


def test_an_agreement_rebuilt_from_its_events_has_the_same_state(built: Built) -> None:
    agreement = draft_agreement(built)
    agreement.sign(built.a, by(built.a), built.p.active_partner_ids, meta(date(2024, 2, 3)))
    agreement.amend(
        agreement_terms(built.lead_id, [built.a, built.b], purpose="Nyt formål"),
        built.p.active_partner_ids,
        meta(date(2024, 2, 5)),
    )
    sign_by_all(agreement, built, date(2024, 2, 20))
    agreement.renew(date(2026, 3, 1), meta(date(2025, 1, 1)))
    agreement.terminate(meta(date(2025, 6, 1), reason="Opsagt"))
    assert_replays_to_same_state(agreement)


# -- signing lifts the ladder ---------------------------------------------------------


def test_signing_before_the_validity_lifts_the_parties_to_rung_5_when_it_begins() -> None:
    b = build_partnership(2)
    agreement = draft_agreement(b, [b.a])
    sign_and_record(b, agreement, date(2024, 2, 20))
    assert b.p.rung_of(b.a, on=date(2024, 2, 29)) is Rung.INFORMAL_COOPERATION
    assert b.p.rung_of(b.a, on=VALID_FROM) is Rung.COOPERATION_AGREEMENT
    lift = b.p.partner(b.a).rungs[-1]
    assert (lift.valid_on, lift.agreement_id, lift.evidence) == (
        VALID_FROM,
        agreement.id,
        "samarbejdsaftale underskrevet af alle parter",
    )
    assert b.p.rung_of(b.b) is Rung.INFORMAL_COOPERATION  # not a party


def test_signing_inside_the_validity_lifts_the_parties_on_the_signing_date() -> None:
    b = build_partnership(2)
    agreement = draft_agreement(b)
    sign_and_record(b, agreement, date(2024, 4, 15))
    for partner_id in b.partner_ids:
        assert b.p.rung_of(partner_id, on=date(2024, 4, 14)) is Rung.INFORMAL_COOPERATION
        assert b.p.rung_of(partner_id, on=date(2024, 4, 15)) is Rung.COOPERATION_AGREEMENT
    backing = b.p.agreements[str(agreement.id)]
    assert (backing.kind, backing.party_ids, backing.valid_from, backing.valid_to) == (
        AgreementKind.COOPERATION,
        agreement.party_ids,
        VALID_FROM,
        VALID_TO,
    )


def test_a_partnership_agreement_lifts_its_parties_to_rung_6() -> None:
    b = build_partnership(1, rung=Rung.DIALOGUE)
    backed(b, [b.a], kind=AgreementKind.PARTNERSHIP)
    assert b.p.rung_of(b.a) is Rung.PARTNERSHIP_AGREEMENT
    assert b.p.partner(b.a).rungs[-1].evidence == "partnerskabsaftale underskrevet af alle parter"


def test_the_lead_organisation_is_never_lifted_onto_the_ladder() -> None:
    b = build_partnership(1)
    backed(b, [b.a], kind=AgreementKind.PARTNERSHIP)
    assert b.p.rung_of(b.lead_id) is None
    assert b.p.partners[str(b.lead_id)].rungs == []
    with unchanged(b.p), pytest.raises(LeadOrganisationRule):
        b.p.move_on_ladder(b.lead_id, Rung.PARTNERSHIP_AGREEMENT, "x", meta(date(2024, 6, 1)))


def test_a_party_already_on_a_higher_rung_is_not_lifted_again() -> None:
    b = build_partnership(1)
    backed(b, [b.a], kind=AgreementKind.PARTNERSHIP)
    version = b.p.version
    backed(b, [b.a], kind=AgreementKind.COOPERATION, signed_on=date(2024, 4, 1))
    assert [type(e) for e in new_events(b.p, version)] == [Partnership.AgreementBacked]
    assert b.p.rung_of(b.a) is Rung.PARTNERSHIP_AGREEMENT


def test_a_party_that_left_before_the_last_signature_is_not_lifted() -> None:
    b = build_partnership(2)
    agreement = draft_agreement(b)
    agreement.sign(b.b, by(b.b), b.p.active_partner_ids, meta(date(2024, 2, 10)))
    b.p.leave_partner(b.b, meta(date(2024, 2, 15)))
    assert sign_by_all(agreement, b, date(2024, 2, 20))
    record_signed(b, agreement, date(2024, 2, 20))
    assert b.p.rung_of(b.a) is Rung.COOPERATION_AGREEMENT
    assert b.p.rung_of(b.b) is Rung.INFORMAL_COOPERATION


def test_an_agreement_signed_after_its_validity_backs_no_rung_and_lifts_nobody() -> None:
    b = build_partnership(1)
    agreement_id = uuid4()
    b.p.record_signed_agreement(
        agreement_id=agreement_id,
        kind=AgreementKind.COOPERATION,
        party_ids=(b.lead_id, b.a),
        valid_from=date(2022, 1, 1),
        valid_to=date(2022, 12, 31),
        meta=meta(date(2024, 2, 1)),
    )
    assert str(agreement_id) in b.p.agreements
    assert b.p.rung_of(b.a) is Rung.INFORMAL_COOPERATION
    # Signed only in 2024, after its validity: it never was in force, so it backs nothing.
    assert b.p.highest_backed_rung(b.a, date(2022, 6, 1)) is Rung.INFORMAL_COOPERATION


def test_a_signed_agreement_is_recorded_on_the_partnership_only_once() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    with unchanged(b.p), pytest.raises(NoChange, match="already recorded"):
        record_signed(b, agreement, date(2024, 3, 2))


def test_a_partner_can_be_moved_to_rung_5_on_any_date_its_agreement_is_in_force() -> None:
    b = build_partnership(2)
    backed(b, [b.a, b.b], signed_on=date(2024, 2, 20))
    b.p.leave_partner(b.a, meta(date(2024, 4, 1)))
    b.p.join_partner(b.a, meta(date(2024, 5, 1)), rung=Rung.MUTUAL_REFERRAL, evidence="Tilbage")
    b.p.move_on_ladder(b.a, Rung.COOPERATION_AGREEMENT, "Genoptaget", meta(VALID_TO))
    assert b.p.rung_of(b.a) is Rung.COOPERATION_AGREEMENT


def test_a_partner_cannot_drop_below_the_rung_an_agreement_in_force_backs() -> None:
    """Issue 14, finding 6: the ladder and the agreement would contradict each other."""
    b = build_partnership(2)
    agreement = backed(b, [b.a, b.b], signed_on=date(2024, 2, 20))
    with unchanged(b.p), pytest.raises(RungNotBacked) as refused:
        b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Pause", meta(date(2024, 5, 1)))
    assert refused.value.facts["organisation"] == b.a
    assert refused.value.facts["agreement"] == agreement.id
    assert refused.value.facts["on"] == date(2024, 5, 1)
    assert refused.value.facts["valid_to"] == VALID_TO
    assert "End or terminate the agreement first" in refused.value.detail
    # Before its validity and after it ran out, the partner may stand lower.
    b.p.move_on_ladder(b.a, Rung.DIALOGUE, "Før aftalen", meta(date(2024, 2, 1)))
    b.p.move_on_ladder(b.a, Rung.MUTUAL_REFERRAL, "Efter aftalen", meta(date(2025, 3, 2)))
    assert b.p.rung_of(b.a, on=date(2024, 6, 1)) is Rung.COOPERATION_AGREEMENT


def test_a_move_down_that_would_last_into_an_agreement_in_force_is_refused() -> None:
    """A move dated before the agreement's validity that no later move replaces."""
    b = build_partnership(1)
    backed(b, [b.a], valid_from=date(2024, 3, 1), signed_on=date(2024, 3, 1))
    b.p.leave_partner(b.a, meta(date(2024, 3, 2)))
    b.p.join_partner(b.a, meta(date(2024, 3, 3)), rung=Rung.DIALOGUE, evidence="Tilbage")
    with unchanged(b.p), pytest.raises(RungNotBacked):
        b.p.move_on_ladder(b.a, Rung.KNOW_EACH_OTHER, "Ned", meta(date(2024, 3, 4)))


def test_a_rung_correction_below_an_agreement_in_force_is_refused() -> None:
    b = build_partnership(1)
    backed(b, [b.a], signed_on=date(2024, 3, 1))
    lift = max(e.version for e in b.p.partners[str(b.a)].rungs)
    with unchanged(b.p), pytest.raises(RungNotBacked):
        b.p.correct_rung(lift, Rung.MUTUAL_REFERRAL, "Forkert trin", meta(date(2024, 6, 1)))


def test_a_partner_cannot_reach_rung_5_before_the_agreement_was_fully_signed() -> None:
    b = build_partnership(1)
    agreement = draft_agreement(b, [b.a])
    sign_and_record(b, agreement, date(2024, 4, 1))
    assert agreement.status_on(date(2024, 3, 15)) is AgreementStatus.DRAFT
    with unchanged(b.p), pytest.raises(RungNotBacked):
        b.p.move_on_ladder(b.a, Rung.COOPERATION_AGREEMENT, "For tidligt", meta(date(2024, 3, 15)))


# -- renewal on the partnership -------------------------------------------------------


def test_a_renewal_keeps_the_rung_backed_beyond_the_old_validity() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    agreement.renew(date(2026, 3, 1), meta(date(2025, 2, 1)))
    b.p.record_agreement_renewed(agreement.id, date(2026, 3, 1), meta(date(2025, 2, 1)))
    assert b.p.agreements[str(agreement.id)].valid_to == date(2026, 3, 1)
    assert b.p.highest_backed_rung(b.a, date(2025, 6, 1)) is Rung.COOPERATION_AGREEMENT
    assert b.p.rung_of(b.a, on=date(2025, 6, 1)) is Rung.COOPERATION_AGREEMENT


def test_an_unrecorded_agreement_cannot_be_renewed_on_the_partnership() -> None:
    b = build_partnership(1)
    with unchanged(b.p), pytest.raises(NotFound, match="is not signed"):
        b.p.record_agreement_renewed(uuid4(), date(2026, 3, 1), meta())


def test_a_renewal_cannot_shorten_the_backing() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    with unchanged(b.p), pytest.raises(InconsistentDates, match="must extend the validity"):
        b.p.record_agreement_renewed(agreement.id, date(2025, 1, 1), meta())


def test_a_renewal_on_the_partnership_must_extend_the_backing() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    with unchanged(b.p), pytest.raises(InconsistentDates):
        b.p.record_agreement_renewed(agreement.id, VALID_TO, meta())


def test_an_ended_agreement_cannot_be_renewed_on_the_partnership() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    b.p.record_agreement_ended(agreement.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    with unchanged(b.p), pytest.raises(DomainError):
        b.p.record_agreement_renewed(agreement.id, date(2026, 3, 1), meta(date(2024, 10, 1)))


# -- ending drops the ladder ----------------------------------------------------------


def test_terminating_an_agreement_drops_its_parties_back_to_rung_4() -> None:
    b = build_partnership(2)
    agreement = backed(b)
    agreement.terminate(meta(date(2024, 9, 1), reason="Opsagt"))
    b.p.record_agreement_ended(agreement.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    assert b.p.agreements[str(agreement.id)].ended_on == date(2024, 9, 1)
    for partner_id in b.partner_ids:
        assert b.p.rung_of(partner_id, on=date(2024, 8, 31)) is Rung.COOPERATION_AGREEMENT
        assert b.p.rung_of(partner_id, on=date(2024, 9, 1)) is Rung.INFORMAL_COOPERATION
        drop = b.p.partner(partner_id).rungs[-1]
        assert (drop.agreement_id, drop.evidence) == (agreement.id, "samarbejdsaftale ophørt")
    assert b.p.rung_of(b.lead_id) is None


def test_expiry_drops_the_parties_the_day_after_the_validity_ends() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    expired_on = date(2025, 3, 2)
    agreement.expire(meta(expired_on))
    b.p.record_agreement_ended(agreement.id, expired_on, meta(expired_on))
    assert b.p.rung_of(b.a, on=VALID_TO) is Rung.COOPERATION_AGREEMENT
    assert b.p.rung_of(b.a, on=expired_on) is Rung.INFORMAL_COOPERATION


def test_ending_keeps_rung_5_when_another_cooperation_agreement_still_backs_it() -> None:
    b = build_partnership(1)
    first = backed(b, [b.a])
    backed(b, [b.a], signed_on=date(2024, 4, 1), valid_to=date(2026, 1, 1))
    version = b.p.version
    b.p.record_agreement_ended(first.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    assert [type(e) for e in new_events(b.p, version)] == [Partnership.AgreementEnded]
    assert b.p.rung_of(b.a) is Rung.COOPERATION_AGREEMENT


def test_ending_a_partnership_agreement_drops_to_5_while_a_cooperation_agreement_holds() -> None:
    b = build_partnership(1)
    cooperation = backed(b, [b.a])
    partnership = backed(b, [b.a], kind=AgreementKind.PARTNERSHIP, signed_on=date(2024, 4, 1))
    assert b.p.rung_of(b.a) is Rung.PARTNERSHIP_AGREEMENT
    b.p.record_agreement_ended(partnership.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    assert b.p.rung_of(b.a) is Rung.COOPERATION_AGREEMENT
    assert b.p.partner(b.a).rungs[-1].evidence == "partnerskabsaftale ophørt"
    b.p.record_agreement_ended(cooperation.id, date(2024, 10, 1), meta(date(2024, 10, 1)))
    assert b.p.rung_of(b.a) is Rung.INFORMAL_COOPERATION


def test_ending_leaves_a_party_already_below_the_backed_rung_where_it_stands() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    # Below the agreement's rung while it is in force only by leaving and rejoining (a
    # move down is refused while the agreement is in force).
    b.p.leave_partner(b.a, meta(date(2024, 5, 31)))
    b.p.join_partner(b.a, meta(date(2024, 6, 1)), rung=Rung.DIALOGUE, evidence="Tilbage")
    version = b.p.version
    b.p.record_agreement_ended(agreement.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    assert [type(e) for e in new_events(b.p, version)] == [Partnership.AgreementEnded]
    assert b.p.rung_of(b.a) is Rung.DIALOGUE


def test_ending_does_not_move_a_party_that_has_left_the_partnership() -> None:
    b = build_partnership(2)
    agreement = backed(b)
    b.p.leave_partner(b.b, meta(date(2024, 6, 1)))
    version = b.p.version
    b.p.record_agreement_ended(agreement.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    moved = [
        e.organisation_id
        for e in new_events(b.p, version)
        if isinstance(e, Partnership.RungChanged)
    ]
    assert moved == [b.a]


def test_an_unrecorded_agreement_cannot_end_on_the_partnership() -> None:
    b = build_partnership(1)
    with unchanged(b.p), pytest.raises(NotFound, match="is not signed"):
        b.p.record_agreement_ended(uuid4(), date(2024, 9, 1), meta())


def test_an_agreement_cannot_end_twice_on_the_partnership() -> None:
    b = build_partnership(1)
    agreement = backed(b, [b.a])
    b.p.record_agreement_ended(agreement.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    with unchanged(b.p), pytest.raises(NoChange, match="has already ended"):
        b.p.record_agreement_ended(agreement.id, date(2024, 10, 1), meta(date(2024, 10, 1)))


def test_terminating_before_the_validity_begins_cancels_the_coming_lift() -> None:
    b = build_partnership(1)
    agreement = draft_agreement(b, [b.a], valid_from=date(2024, 6, 1))
    sign_and_record(b, agreement, date(2024, 2, 20))
    assert b.p.rung_of(b.a, on=date(2024, 6, 1)) is Rung.COOPERATION_AGREEMENT
    agreement.terminate(meta(date(2024, 3, 1), reason="Fortrudt"))
    b.p.record_agreement_ended(agreement.id, date(2024, 3, 1), meta(date(2024, 3, 1)))
    assert b.p.highest_backed_rung(b.a, date(2024, 7, 1)) is Rung.INFORMAL_COOPERATION
    assert b.p.rung_of(b.a, on=date(2024, 7, 1)) is Rung.INFORMAL_COOPERATION


def test_a_partnership_rebuilt_after_agreements_came_and_went_has_the_same_state() -> None:
    b = build_partnership(2)
    first = backed(b)
    second = backed(b, [b.a], kind=AgreementKind.PARTNERSHIP, signed_on=date(2024, 4, 1))
    b.p.record_agreement_renewed(second.id, date(2026, 1, 1), meta(date(2024, 12, 1)))
    b.p.record_agreement_ended(first.id, date(2024, 9, 1), meta(date(2024, 9, 1)))
    assert_replays_to_same_state(b.p)


def test_a_history_recorded_before_the_rule_stays_correctable() -> None:
    """A move below the agreement's rung recorded before issue 14's rule (written here
    as the event it was) does not block corrections elsewhere; a new one is refused."""
    b = build_partnership(2)
    backed(b, [b.a, b.b], signed_on=date(2024, 2, 20))
    b.p._trigger(  # as recorded before the rule existed
        Partnership.RungChanged,
        meta(date(2024, 5, 1)),
        organisation_id=b.a,
        rung=Rung.MUTUAL_REFERRAL,
        evidence="Pause",
        agreement_id=None,
    )
    a_join = next(int(v) for v, kind in b.p.correctable.items() if kind == "PartnerJoined")
    b.p.correct_date(a_join, date(2024, 1, 2), meta(date(2024, 6, 1)))
    lift_b = max(e.version for e in b.p.partners[str(b.b)].rungs)
    with unchanged(b.p), pytest.raises(RungNotBacked):
        b.p.correct_rung(lift_b, Rung.DIALOGUE, "Forkert", meta(date(2024, 6, 1)))
