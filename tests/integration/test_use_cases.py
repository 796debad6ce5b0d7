"""The whole use-case surface of `Tvaers`, through the service, on both stores.

Every refused command is checked with `refused(...)`: the domain error is raised and the
notification log did not grow (nothing at all was written).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from unittest import mock
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic

from aggregates import Agreement, Contact, Obligation, Partnership, Terms
from aggregates import TermsOfReference as ToR
from aggregates.agreement import AgreementStatus
from aggregates.errors import (
    ActivityEnded,
    ActivityStateError,
    AgreementStateError,
    AlreadyAPartner,
    AlreadyOnSteeringGroup,
    AlreadySigned,
    FollowUpStateError,
    InconsistentDates,
    InvalidValue,
    LeadOrganisationRule,
    NoChange,
    NoSteeringGroup,
    NotAPartner,
    NotAParty,
    NotCorrectable,
    NotFound,
    NotOnSteeringGroup,
    OrganisationClosed,
    PersonErased,
    RoleStateError,
    RungNotBacked,
    SeatOccupied,
    SecretariatRule,
)
from aggregates.partnership import Assessment
from aggregates.person import ERASED_CONTACT
from aggregates.taxonomy import (
    ActivityStatus,
    AgreementKind,
    AnchoringStatus,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    EvaluationMethod,
    FactorEffect,
    FactorOrigin,
    ImplementationPhase,
    OrganisationStatus,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)
from services.application import Tvaers
from services.commands import (
    AdjustActivity,
    AmendAgreement,
    AppointSteeringMember,
    AssignRole,
    AssignSecretariat,
    ChangeActivityStatus,
    ChangePersonContact,
    CloseOrganisation,
    CorrectDate,
    CorrectMilestone,
    CorrectRung,
    DraftAgreement,
    EnterPhase,
    ErasePerson,
    EvidenceFields,
    ExpireAgreement,
    HandOverRole,
    IssueTermsOfReference,
    JoinPartner,
    LaunchActivity,
    LeavePartner,
    LinkFactor,
    MergeOrganisation,
    MoveOnLadder,
    MovePerson,
    RecordAssessment,
    RecordDecision,
    RecordEvaluation,
    RecordFactor,
    RecordFollowUp,
    RecordMilestone,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    ReleaseSecretariatStaff,
    RenameOrganisation,
    RenewAgreement,
    ScheduleFollowUp,
    SignAgreement,
    StaffSecretariat,
    StepDownSteeringMember,
    TerminateAgreement,
    UpdateRegistry,
    VacateRole,
)
from services.errors import ConcurrencyConflict
from services.personal_data import PostgresKeys, SQLiteKeys
from services.settings import Settings
from tests.commands import execute
from tests.integration.conftest import (
    World,
    meta,
    refused,
    register_organisation,
    rich_registry,
    signatory,
    terms,
)


def created(result: Any) -> UUID:
    assert result.created_id is not None
    return result.created_id  # type: ignore[no-any-return]


def register_person(app: Tvaers, organisation_id: UUID, name: str = "Anna Holm") -> UUID:
    return created(
        execute(
            app,
            RegisterPerson.of(
                Contact(name=name, email=f"{name.split(maxsplit=1)[0].lower()}@sundeborg.dk"),
                organisation_id=organisation_id,
            ),
            meta(),
        )
    )


def launch(app: Tvaers, world: World, owners: list[UUID], day: date = date(2024, 2, 1)) -> UUID:
    return created(
        execute(
            app,
            LaunchActivity(
                partnership_id=world.partnership_id,
                title="Motion på recept",
                category=PreventionCategory.OFFER,
                owner_ids=owners,
                target_group="Ledige",
            ),
            meta(day),
        )
    )


def signed_agreement(
    app: Tvaers,
    world: World,
    parties: list[UUID],
    *,
    kind: AgreementKind = AgreementKind.COOPERATION,
    valid_from: date = date(2024, 3, 1),
    valid_to: date = date(2025, 3, 1),
    signed_on: date = date(2024, 3, 1),
) -> UUID:
    agreement_id = created(
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, parties, valid_from=valid_from, valid_to=valid_to),
                partnership_id=world.partnership_id,
                kind=kind,
            ),
            meta(date(2024, 2, 1)),
        )
    )
    for party_id in (world.lead_id, *parties):
        execute(
            app,
            SignAgreement(
                agreement_id=agreement_id, party_id=party_id, signatory_id=signatory(app, party_id)
            ),
            meta(signed_on),
        )
    return agreement_id


# -- organisations ---------------------------------------------------------------------


def test_an_organisation_is_registered_with_a_parent_and_renamed(app: Tvaers) -> None:
    parent = execute(
        app,
        RegisterOrganisation(
            name="Sundhed og Omsorg", sector=Sector.HEALTH, municipality=" Sundeborg "
        ),
        meta(),
    )
    child = execute(
        app,
        RegisterOrganisation(
            name="Sundhedscenter", sector=Sector.HEALTH, cvr="12345678", parent_id=created(parent)
        ),
        meta(),
    )
    renamed = execute(
        app,
        RenameOrganisation(organisation_id=created(child), name="Sundhedscenter Nord"),
        meta(date(2024, 2, 1)),
        expected_version=1,
    )

    organisation = app.get_organisation(created(child))
    assert organisation.name == "Sundhedscenter Nord"
    assert organisation.parent_id == created(parent)
    assert organisation.cvr == "12345678"
    assert organisation.sector is Sector.HEALTH
    assert organisation.status is OrganisationStatus.ACTIVE
    assert app.get_organisation(created(parent)).municipality == "Sundeborg"
    assert (renamed.aggregate_id, renamed.version, renamed.created_id) == (created(child), 2, None)
    assert renamed.notification_id == child.notification_id + 1 == parent.notification_id + 2


def test_organisation_rules_are_refused_without_writing(app: Tvaers) -> None:
    organisation_id = register_organisation(app, "DGI Sundeborg", Sector.SPORTS_ORGANISATION)

    with refused(app, InvalidValue, match="CVR"):
        execute(app, RegisterOrganisation(name="X", sector=Sector.RESEARCH, cvr="1234"), meta())
    with refused(app, InvalidValue):
        execute(app, RegisterOrganisation(name="   ", sector=Sector.RESEARCH), meta())
    with refused(app, NoChange):
        execute(
            app, RenameOrganisation(organisation_id=organisation_id, name=" DGI Sundeborg "), meta()
        )
    with refused(app, NotFound):
        execute(
            app, RegisterOrganisation(name="Y", sector=Sector.SOCIAL, parent_id=uuid4()), meta()
        )
    assert app.get_organisation(organisation_id).version == 1


def test_a_merged_organisation_points_to_the_survivor_and_is_no_longer_active(
    app: Tvaers,
) -> None:
    merged = register_organisation(app, "Frivilligcenter Syd")
    survivor = register_organisation(app, "Frivilligcenter Sundeborg")

    result = execute(
        app, MergeOrganisation(organisation_id=merged, into_id=survivor), meta(date(2024, 5, 1))
    )

    organisation = app.get_organisation(merged)
    assert result.version == 2
    assert organisation.status is OrganisationStatus.MERGED
    assert organisation.merged_into == survivor
    with refused(app, OrganisationClosed):
        execute(app, MergeOrganisation(organisation_id=survivor, into_id=merged), meta())
    with refused(app, OrganisationClosed):
        execute(app, RenameOrganisation(organisation_id=merged, name="Nyt navn"), meta())
    with refused(app, InvalidValue, match="itself"):
        execute(app, MergeOrganisation(organisation_id=survivor, into_id=survivor), meta())


def test_a_closed_organisation_cannot_join_a_partnership_or_take_on_people(
    app: Tvaers, world: World
) -> None:
    closed = register_organisation(app, "Lukket forening")
    execute(app, CloseOrganisation(organisation_id=closed), meta(date(2024, 2, 1)))
    assert app.get_organisation(closed).status is OrganisationStatus.CLOSED

    with refused(app, OrganisationClosed):
        execute(
            app,
            JoinPartner(partnership_id=world.partnership_id, organisation_id=closed),
            meta(date(2024, 3, 1)),
        )
    with refused(app, OrganisationClosed):
        execute(app, RegisterPerson.of(Contact(name="Bo"), organisation_id=closed), meta())
    with refused(app, OrganisationClosed):
        execute(app, RegisterPartnership.of(rich_registry(), lead_organisation_id=closed), meta())
    with refused(app, OrganisationClosed):
        execute(
            app,
            RegisterOrganisation(name="Afdeling", sector=Sector.VOLUNTARY, parent_id=closed),
            meta(),
        )
    with refused(app, OrganisationClosed):
        execute(app, CloseOrganisation(organisation_id=closed), meta())
    assert not app.get_partnership(world.partnership_id).is_partner(closed)


# -- persons ---------------------------------------------------------------------------


def test_a_person_is_registered_changes_contact_and_moves_organisation(app: Tvaers) -> None:
    jobcenter = register_organisation(app, "Jobcenter Sundeborg", Sector.EMPLOYMENT)
    club = register_organisation(app, "Sundeborg IF", Sector.SPORTS_CLUB)
    person_id = created(
        execute(
            app,
            RegisterPerson.of(
                Contact(name=" Anna Holm ", email=" ah@sundeborg.dk "), organisation_id=jobcenter
            ),
            meta(),
        )
    )
    execute(
        app,
        ChangePersonContact.of(
            Contact(name="Anna Holm", title="Leder", email="ah@sundeborg.dk"), person_id=person_id
        ),
        meta(date(2024, 2, 1)),
    )
    moved = execute(
        app,
        MovePerson(person_id=person_id, organisation_id=club),
        meta(date(2024, 3, 1)),
        expected_version=2,
    )

    person = app.get_person(person_id)
    assert moved.version == 3
    assert person.contact == Contact(name="Anna Holm", title="Leder", email="ah@sundeborg.dk")
    assert person.organisation_id == club
    assert person.erased is False

    with refused(app, NoChange):
        execute(
            app,
            ChangePersonContact.of(
                Contact(name="Anna Holm", title="Leder", email="ah@sundeborg.dk"),
                person_id=person_id,
            ),
            meta(),
        )
    with refused(app, NoChange):
        execute(app, MovePerson(person_id=person_id, organisation_id=club), meta())
    with refused(app, InvalidValue, match="email"):
        execute(
            app,
            ChangePersonContact.of(Contact(name="Anna", email="anna@"), person_id=person_id),
            meta(),
        )
    with refused(app, NotFound):
        execute(app, MovePerson(person_id=person_id, organisation_id=uuid4()), meta())


def test_erasing_a_person_removes_the_contact_and_refuses_further_use(
    app: Tvaers, world: World
) -> None:
    person_id = register_person(app, world.a)
    execute(
        app, AssignSecretariat(partnership_id=world.partnership_id, organisation_id=world.a), meta()
    )

    erased = execute(
        app,
        ErasePerson(person_id=person_id),
        meta(date(2024, 2, 1), reason="Anmodning om sletning"),
    )

    person = app.get_person(person_id)
    assert erased.version == 2
    assert person.contact is None
    assert person.erased is True
    assert person.display_name == "(slettet)"
    assert person.organisation_id == world.a  # the rest of the record stays intact
    pid = world.partnership_id
    with refused(app, PersonErased):
        execute(app, ChangePersonContact.of(Contact(name="Ny"), person_id=person_id), meta())
    with refused(app, PersonErased):
        execute(app, MovePerson(person_id=person_id, organisation_id=world.b), meta())
    with refused(app, PersonErased):
        execute(app, ErasePerson(person_id=person_id), meta())
    with refused(app, PersonErased):
        execute(
            app,
            AppointSteeringMember(partnership_id=pid, person_id=person_id, seat=SeatRole.MEMBER),
            meta(),
        )
    with refused(app, PersonErased):
        execute(
            app,
            AssignRole(partnership_id=pid, role=RoleKind.COORDINATOR, person_id=person_id),
            meta(),
        )
    with refused(app, PersonErased):
        execute(app, StaffSecretariat(partnership_id=pid, person_id=person_id), meta())


def test_contact_details_are_sealed_in_the_store_and_unreadable_after_erasure(
    app: Tvaers, world: World, store_settings: Settings
) -> None:
    person_id = created(
        execute(
            app,
            RegisterPerson.of(
                Contact(name="Karen Kofoed", email="karen@kofoed-post.dk", phone="5512"),
                organisation_id=world.a,
            ),
            meta(),
        )
    )
    execute(
        app,
        ChangePersonContact.of(
            Contact(name="Karen Kofoed", email="kk@kofoed-post.dk"), person_id=person_id
        ),
        meta(),
    )
    stored = b"".join(s.state for s in app.recorder.select_events(person_id))
    assert b"Kofoed" not in stored  # sealed with Karen's key even before any erasure
    assert b"kofoed-post" not in stored
    assert app.get_person(person_id).display_name == "Karen Kofoed"

    execute(app, ErasePerson(person_id=person_id), meta(reason="Anmodning om sletning"))

    assert app.get_person(person_id).contact is None
    history = list(app.events.get(person_id))
    assert [e.contact for e in history[:2]] == [ERASED_CONTACT, ERASED_CONTACT]  # type: ignore[attr-defined]
    other = Tvaers(store_settings)  # a new process reads the same store: still unreadable
    try:
        assert other.get_person(person_id).contact is None
        registered = next(iter(other.events.get(person_id)))
        assert registered.contact == ERASED_CONTACT  # type: ignore[attr-defined]
    finally:
        other.close()
    with refused(app, PersonErased):
        execute(app, ChangePersonContact.of(Contact(name="Karen K"), person_id=person_id), meta())


def test_erasures_are_reapplied_when_a_key_comes_back_from_a_restore(
    app: Tvaers, world: World
) -> None:
    person_id = created(
        execute(app, RegisterPerson.of(Contact(name="Ole Bach"), organisation_id=world.a), meta())
    )
    key = app.keys.key_for(person_id, create=False)
    assert key is not None
    execute(app, ErasePerson(person_id=person_id), meta())
    assert app.keys.key_for(person_id, create=False) is None
    _restore_key(app, person_id, key)  # as if an older backup of the key table came back
    assert app.get_person(person_id).erased  # the Erased event is still in the log
    assert next(iter(app.events.get(person_id))).contact.name == "Ole Bach"  # type: ignore[attr-defined]

    assert app.reapply_erasures() == 1

    assert next(iter(app.events.get(person_id))).contact == ERASED_CONTACT  # type: ignore[attr-defined]
    assert app.keys.key_for(person_id, create=True) is None  # a forgotten subject gets no new key


def _restore_key(app: Tvaers, subject: UUID, key: bytes) -> None:
    keys = app.keys
    if isinstance(keys, SQLiteKeys):
        keys._conn.execute(
            "UPDATE person_keys SET key = ? WHERE subject_id = ?", (key, str(subject))
        )
    else:
        assert isinstance(keys, PostgresKeys)
        keys._conn.execute(
            "UPDATE tvaers_person_keys SET key = %s WHERE subject_id = %s", (key, subject)
        )


# -- partnership: registry, partners, ladder -------------------------------------------


def test_registering_a_partnership_makes_the_lead_a_partner_off_the_ladder(app: Tvaers) -> None:
    lead_id = register_organisation(app, "Sundhed", Sector.HEALTH)

    result = execute(
        app,
        RegisterPartnership.of(
            rich_registry(title="  Sund By  ", tags=("rygning", " rygning ", "", "kost")),
            lead_organisation_id=lead_id,
        ),
        meta(),
    )

    partnership = app.get_partnership(created(result))
    assert (result.version, result.aggregate_id) == (1, created(result))
    assert partnership.title == "Sund By"
    assert partnership.registry.tags == ("rygning", "kost")
    assert partnership.lead_organisation_id == lead_id
    assert partnership.active_partner_ids == [lead_id]
    assert partnership.rung_of(lead_id) is None
    assert [type(e) for e in app.partnership_events(created(result))] == [Partnership.Registered]


def test_updating_the_registry_replaces_it_and_refuses_invalid_fields(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    updated = rich_registry(title="Sund By 2.0", yearly_budget_dkk=Decimal("99.95"), bearings=(6,))

    result = execute(
        app,
        UpdateRegistry.of(updated, partnership_id=pid),
        meta(date(2024, 6, 1)),
        expected_version=3,
    )

    partnership = app.get_partnership(pid)
    assert result.version == 4
    assert partnership.title == "Sund By 2.0"
    assert partnership.registry.yearly_budget_dkk == Decimal("99.95")
    assert partnership.registry.bearings == (6,)
    assert app.get_partnership(pid, version=3).title == "Sund By Sundeborg"
    with refused(app, NoChange):
        execute(app, UpdateRegistry.of(updated, partnership_id=pid), meta())
    with refused(app, InconsistentDates):
        execute(
            app,
            UpdateRegistry.of(rich_registry(period_end=date(2023, 1, 1)), partnership_id=pid),
            meta(),
        )
    with refused(app, InvalidValue, match="1-6"):
        execute(app, UpdateRegistry.of(rich_registry(bearings=(7,)), partnership_id=pid), meta())
    with refused(app, InvalidValue, match="negative"):
        execute(
            app,
            UpdateRegistry.of(rich_registry(yearly_budget_dkk=Decimal("-1")), partnership_id=pid),
            meta(),
        )
    with refused(app, InvalidValue, match="Title"):
        execute(app, UpdateRegistry.of(rich_registry(title=" "), partnership_id=pid), meta())


def test_partners_join_move_on_the_ladder_leave_and_rejoin(app: Tvaers, world: World) -> None:
    pid = world.partnership_id
    school = register_organisation(app, "Sundeborg Skole", Sector.CHILDREN_YOUTH)

    execute(
        app,
        JoinPartner(
            partnership_id=pid, organisation_id=school, rung=Rung.DIALOGUE, evidence="Møde"
        ),
        meta(date(2024, 2, 1)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=school,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(date(2024, 3, 1)),
    )
    execute(app, LeavePartner(partnership_id=pid, organisation_id=school), meta(date(2024, 4, 1)))
    after_leaving = app.get_partnership(pid)
    execute(app, JoinPartner(partnership_id=pid, organisation_id=school), meta(date(2024, 5, 1)))

    partnership = app.get_partnership(pid)
    assert not after_leaving.is_partner(school)
    assert school not in after_leaving.active_partner_ids
    assert after_leaving.partners[str(school)].is_partner_on(date(2024, 3, 15))
    assert not after_leaving.partners[str(school)].is_partner_on(date(2024, 4, 1))
    assert partnership.is_partner(school)
    assert len(partnership.partners[str(school)].spells) == 2
    assert partnership.rung_of(school, on=date(2024, 1, 15)) is None
    assert partnership.rung_of(school, on=date(2024, 2, 15)) is Rung.DIALOGUE
    assert partnership.rung_of(school, on=date(2024, 3, 15)) is Rung.MUTUAL_REFERRAL
    assert partnership.rung_of(school) is Rung.KNOW_EACH_OTHER
    assert partnership.version == 7


def test_ladder_and_partner_rules_are_refused_without_writing(app: Tvaers, world: World) -> None:
    pid = world.partnership_id
    newcomer = register_organisation(app, "Patientforeningen")

    with refused(app, AlreadyAPartner):
        execute(app, JoinPartner(partnership_id=pid, organisation_id=world.a), meta())
    with refused(app, RungNotBacked):
        execute(
            app,
            JoinPartner(
                partnership_id=pid, organisation_id=newcomer, rung=Rung.COOPERATION_AGREEMENT
            ),
            meta(),
        )
    with refused(app, RungNotBacked):
        execute(
            app,
            MoveOnLadder(
                partnership_id=pid,
                organisation_id=world.a,
                rung=Rung.COOPERATION_AGREEMENT,
                evidence="Aftale",
            ),
            meta(),
        )
    with refused(app, RungNotBacked):
        execute(
            app,
            MoveOnLadder(
                partnership_id=pid,
                organisation_id=world.a,
                rung=Rung.PARTNERSHIP_AGREEMENT,
                evidence="Aftale",
            ),
            meta(),
        )
    with refused(app, LeadOrganisationRule):
        execute(
            app,
            MoveOnLadder(
                partnership_id=pid,
                organisation_id=world.lead_id,
                rung=Rung.DIALOGUE,
                evidence="Møde",
            ),
            meta(),
        )
    with refused(app, LeadOrganisationRule):
        execute(app, LeavePartner(partnership_id=pid, organisation_id=world.lead_id), meta())
    with refused(app, NoChange):
        execute(
            app,
            MoveOnLadder(
                partnership_id=pid,
                organisation_id=world.a,
                rung=Rung.INFORMAL_COOPERATION,
                evidence="Samme",
            ),
            meta(),
        )
    with refused(app, InvalidValue, match="Evidence"):
        execute(
            app,
            MoveOnLadder(
                partnership_id=pid, organisation_id=world.a, rung=Rung.DIALOGUE, evidence="  "
            ),
            meta(),
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            MoveOnLadder(
                partnership_id=pid,
                organisation_id=world.a,
                rung=Rung.DIALOGUE,
                evidence="Før start",
            ),
            meta(date(2023, 12, 1)),
        )
    with refused(app, NotAPartner):
        execute(app, LeavePartner(partnership_id=pid, organisation_id=newcomer), meta())
    with refused(app, NotFound):
        execute(app, JoinPartner(partnership_id=pid, organisation_id=uuid4()), meta())
    assert world.version == 3


# -- partnership: governance -----------------------------------------------------------


def test_the_steering_group_is_appointed_decides_and_issues_terms_of_reference(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    chair, vice, member, extra = (
        register_person(app, world.lead_id, "Carl Chef"),
        register_person(app, world.a, "Vera Vice"),
        register_person(app, world.b, "Mads Medlem"),
        register_person(app, world.b, "Erik Ekstra"),
    )
    with refused(app, NoSteeringGroup):
        execute(
            app,
            RecordDecision(partnership_id=pid, title="Før styregruppen", approved=["noget"]),
            meta(),
        )

    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=chair, seat=SeatRole.CHAIR),
        meta(date(2024, 1, 10)),
    )
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=vice, seat=SeatRole.VICE_CHAIR),
        meta(date(2024, 1, 10)),
    )
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=member, seat=SeatRole.MEMBER),
        meta(date(2024, 1, 10)),
    )
    decision = execute(
        app,
        RecordDecision(
            partnership_id=pid,
            title="Kommissorium godkendt",
            approved=["kommissorium", " budget ", ""],
        ),
        meta(date(2024, 2, 1)),
    )
    first = execute(
        app,
        IssueTermsOfReference.of(
            ToR(purpose="Styre indsatsen", focus_areas=("rygning", " rygning")),
            partnership_id=pid,
            decision_id=created(decision),
        ),
        meta(date(2024, 2, 1)),
    )
    execute(
        app,
        IssueTermsOfReference.of(ToR(purpose="Styre og evaluere"), partnership_id=pid),
        meta(date(2024, 8, 1)),
    )
    execute(app, StepDownSteeringMember(partnership_id=pid, person_id=vice), meta(date(2024, 6, 1)))

    partnership = app.get_partnership(pid)
    assert first.created_id is None  # the command returns the version number, not an id
    recorded = partnership.decisions[str(created(decision))]
    assert recorded.approved == ("kommissorium", "budget")
    assert recorded.meeting_on == date(2024, 2, 1)
    assert [t.number for t in partnership.terms] == [1, 2]
    assert partnership.terms[0].decision_id == created(decision)
    assert partnership.terms[0].terms.focus_areas == ("rygning",)
    assert {a.person_id for a in partnership.active_appointments()} == {chair, member}
    assert {a.person_id for a in partnership.active_appointments(on=date(2024, 3, 1))} == {
        chair,
        vice,
        member,
    }
    with refused(app, SeatOccupied):
        execute(
            app,
            AppointSteeringMember(partnership_id=pid, person_id=extra, seat=SeatRole.CHAIR),
            meta(),
        )
    with refused(app, AlreadyOnSteeringGroup):
        execute(
            app,
            AppointSteeringMember(partnership_id=pid, person_id=member, seat=SeatRole.MEMBER),
            meta(),
        )
    with refused(app, NotOnSteeringGroup):
        execute(
            app, StepDownSteeringMember(partnership_id=pid, person_id=vice), meta(date(2024, 7, 1))
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            StepDownSteeringMember(partnership_id=pid, person_id=member),
            meta(date(2024, 1, 5)),
        )
    with refused(app, NoChange):
        execute(
            app,
            IssueTermsOfReference.of(ToR(purpose=" Styre og evaluere "), partnership_id=pid),
            meta(),
        )
    with refused(app, NotFound):
        execute(
            app,
            IssueTermsOfReference.of(ToR(purpose="Nyt"), partnership_id=pid, decision_id=uuid4()),
            meta(),
        )
    with refused(app, NoSteeringGroup):
        execute(
            app,
            RecordDecision(partnership_id=pid, title="For tidligt", approved=["x"]),
            meta(date(2024, 1, 5)),
        )
    with refused(app, NotFound):
        execute(
            app,
            AppointSteeringMember(partnership_id=pid, person_id=uuid4(), seat=SeatRole.MEMBER),
            meta(),
        )


def test_the_secretariat_is_held_by_a_partner_and_staffed_by_persons(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    person_id = register_person(app, world.lead_id)
    outsider = register_organisation(app, "Ikke partner")

    with refused(app, SecretariatRule):
        execute(app, StaffSecretariat(partnership_id=pid, person_id=person_id), meta())
    with refused(app, NotAPartner):
        execute(app, AssignSecretariat(partnership_id=pid, organisation_id=outsider), meta())
    execute(
        app,
        AssignSecretariat(partnership_id=pid, organisation_id=world.lead_id),
        meta(date(2024, 1, 5)),
    )
    with refused(app, NoChange):
        execute(app, AssignSecretariat(partnership_id=pid, organisation_id=world.lead_id), meta())
    execute(app, StaffSecretariat(partnership_id=pid, person_id=person_id), meta(date(2024, 1, 5)))
    with refused(app, SecretariatRule):
        execute(app, StaffSecretariat(partnership_id=pid, person_id=person_id), meta())
    execute(
        app, AssignSecretariat(partnership_id=pid, organisation_id=world.a), meta(date(2024, 3, 1))
    )  # staff carry over
    execute(
        app,
        ReleaseSecretariatStaff(partnership_id=pid, person_id=person_id),
        meta(date(2024, 6, 1)),
    )
    with refused(app, SecretariatRule):
        execute(
            app,
            ReleaseSecretariatStaff(partnership_id=pid, person_id=person_id),
            meta(date(2024, 7, 1)),
        )

    secretariat = app.get_partnership(pid).secretariat
    assert secretariat is not None
    assert secretariat.organisation_id == world.a
    assert secretariat.holder_on(date(2024, 2, 1)) == world.lead_id
    assert secretariat.holder_on(date(2024, 3, 1)) == world.a
    assert secretariat.staff_on(date(2024, 5, 1)) == [person_id]
    assert secretariat.staff_on(date(2024, 6, 1)) == []
    [spell] = secretariat.staff[str(person_id)]
    assert (spell.since, spell.until) == (date(2024, 1, 5), date(2024, 6, 1))
    with refused(app, SecretariatRule, match="move it before leaving"):
        execute(
            app, LeavePartner(partnership_id=pid, organisation_id=world.a), meta(date(2024, 7, 1))
        )


# -- partnership: activities -----------------------------------------------------------


def test_an_activity_is_launched_runs_pauses_is_adjusted_and_ends(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    launched = execute(
        app,
        LaunchActivity(
            partnership_id=pid,
            title="Motion på recept",
            category=PreventionCategory.OFFER,
            owner_ids=[world.a],
            target_group="Ledige",
        ),
        meta(date(2024, 2, 1)),
    )
    activity_id = created(launched)
    for status, day in (
        (ActivityStatus.RUNNING, date(2024, 3, 1)),
        (ActivityStatus.PAUSED, date(2024, 4, 1)),
        (ActivityStatus.RUNNING, date(2024, 5, 1)),
    ):
        execute(
            app,
            ChangeActivityStatus(partnership_id=pid, activity_id=activity_id, status=status),
            meta(day),
        )
    adjusted = execute(
        app,
        AdjustActivity(
            partnership_id=pid,
            activity_id=activity_id,
            description="Flyttet til hallen og åbnet for flere",
            title="Motion for alle",
            arena=" Hallen ",
            owner_ids=[world.a, world.b, world.a],
        ),
        meta(date(2024, 6, 1)),
    )
    execute(
        app,
        ChangeActivityStatus(
            partnership_id=pid, activity_id=activity_id, status=ActivityStatus.ENDED
        ),
        meta(date(2024, 12, 1)),
    )

    activity = app.get_partnership(pid).activity(activity_id)
    assert launched.version == 4
    assert activity.title == "Motion for alle"
    assert activity.arena == "Hallen"
    assert activity.target_group == "Ledige"
    assert activity.owner_ids == (world.a, world.b)
    assert activity.category is PreventionCategory.OFFER
    assert activity.status is ActivityStatus.ENDED
    assert activity.status_since == date(2024, 12, 1)
    assert [(a.valid_on, a.version) for a in activity.adjustments] == [
        (date(2024, 6, 1), adjusted.version)
    ]
    with refused(app, ActivityEnded):
        execute(
            app,
            ChangeActivityStatus(
                partnership_id=pid, activity_id=activity_id, status=ActivityStatus.RUNNING
            ),
            meta(),
        )
    with refused(app, ActivityEnded):
        execute(
            app,
            AdjustActivity(
                partnership_id=pid, activity_id=activity_id, description="Efter afslutning"
            ),
            meta(date(2025, 1, 1)),
        )


def test_activity_rules_are_refused_without_writing(app: Tvaers, world: World) -> None:
    pid = world.partnership_id
    outsider = register_organisation(app, "Ikke partner")
    activity_id = launch(app, world, [world.a])

    with refused(app, NotAPartner):
        launch(app, world, [outsider])
    with refused(app, InvalidValue, match="owner"):
        launch(app, world, [])
    with refused(app, ActivityStateError):
        execute(
            app,
            ChangeActivityStatus(
                partnership_id=pid, activity_id=activity_id, status=ActivityStatus.PAUSED
            ),
            meta(date(2024, 3, 1)),
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            ChangeActivityStatus(
                partnership_id=pid, activity_id=activity_id, status=ActivityStatus.RUNNING
            ),
            meta(),
        )
    with refused(app, NotAPartner):
        execute(
            app,
            AdjustActivity(
                partnership_id=pid,
                activity_id=activity_id,
                description="Ny ejer",
                owner_ids=[outsider],
            ),
            meta(date(2024, 3, 1)),
        )
    with refused(app, NotFound):
        execute(
            app,
            ChangeActivityStatus(
                partnership_id=pid, activity_id=uuid4(), status=ActivityStatus.RUNNING
            ),
            meta(),
        )
    with refused(app, ActivityStateError, match="owns activities"):
        execute(
            app, LeavePartner(partnership_id=pid, organisation_id=world.a), meta(date(2024, 6, 1))
        )


# -- partnership: roles ----------------------------------------------------------------


def test_roles_are_assigned_at_both_scopes_handed_over_vacated_and_refilled(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    carl = register_person(app, world.lead_id, "Carl Chef")
    anna = register_person(app, world.a, "Anna Holm")
    bo = register_person(app, world.b, "Bo Berg")
    activity_id = launch(app, world, [world.a])

    coordinator = created(
        execute(
            app,
            AssignRole(partnership_id=pid, role=RoleKind.COORDINATOR, person_id=carl),
            meta(date(2024, 2, 1)),
        )
    )
    local = created(
        execute(
            app,
            AssignRole(
                partnership_id=pid,
                role=RoleKind.LOCAL_COORDINATOR,
                person_id=anna,
                activity_id=activity_id,
            ),
            meta(date(2024, 2, 1)),
        )
    )
    execute(
        app,
        HandOverRole(partnership_id=pid, position_id=coordinator, person_id=bo),
        meta(date(2024, 3, 1)),
    )
    execute(app, VacateRole(partnership_id=pid, position_id=local), meta(date(2024, 4, 1)))
    vacant = app.get_partnership(pid).role_position(local)
    refilled = execute(
        app,
        AssignRole(
            partnership_id=pid,
            role=RoleKind.LOCAL_COORDINATOR,
            person_id=carl,
            activity_id=activity_id,
            position_id=local,
        ),
        meta(date(2024, 5, 1)),
    )

    partnership = app.get_partnership(pid)
    position = partnership.role_position(coordinator)
    assert position.role is RoleKind.COORDINATOR
    assert position.activity_id is None
    assert [(h.person_id, h.organisation_id) for h in position.holdings] == [
        (carl, world.lead_id),
        (bo, world.b),
    ]
    assert position.holdings[0].spell.until == date(2024, 3, 1)
    assert vacant.holder is None
    assert vacant.vacant_since == date(2024, 4, 1)
    assert created(refilled) == local
    local_position = partnership.role_position(local)
    assert local_position.activity_id == activity_id
    assert local_position.vacant_since is None
    assert local_position.holder is not None
    assert local_position.holder.person_id == carl
    assert len(partnership.roles) == 2


def test_a_person_whose_organisation_is_not_a_partner_cannot_hold_a_role(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    outsider = register_person(app, register_organisation(app, "Ikke partner"), "Ole Uden")
    insider = register_person(app, world.a)
    activity_id = launch(app, world, [world.a])
    position = created(
        execute(
            app,
            AssignRole(partnership_id=pid, role=RoleKind.BRIDGE_BUILDER, person_id=insider),
            meta(),
        )
    )

    with refused(app, NotAPartner, match="not a partner"):
        execute(
            app,
            AssignRole(partnership_id=pid, role=RoleKind.COORDINATOR, person_id=outsider),
            meta(),
        )
    with refused(app, NotAPartner):
        execute(
            app,
            AssignRole(
                partnership_id=pid,
                role=RoleKind.RECRUITER,
                person_id=outsider,
                activity_id=activity_id,
            ),
            meta(),
        )
    with refused(app, NotAPartner):
        execute(
            app,
            HandOverRole(partnership_id=pid, position_id=position, person_id=outsider),
            meta(date(2024, 3, 1)),
        )


def test_role_rules_are_refused_without_writing(app: Tvaers, world: World) -> None:
    pid = world.partnership_id
    anna = register_person(app, world.a)
    position = created(
        execute(
            app,
            AssignRole(partnership_id=pid, role=RoleKind.FACILITATOR, person_id=anna),
            meta(date(2024, 2, 1)),
        )
    )

    with refused(app, RoleStateError, match="already holds"):
        execute(
            app, AssignRole(partnership_id=pid, role=RoleKind.FACILITATOR, person_id=anna), meta()
        )
    with refused(app, RoleStateError, match="hand it over"):
        execute(
            app,
            AssignRole(
                partnership_id=pid, role=RoleKind.FACILITATOR, person_id=anna, position_id=position
            ),
            meta(),
        )
    with refused(app, NoChange):
        execute(
            app,
            HandOverRole(partnership_id=pid, position_id=position, person_id=anna),
            meta(date(2024, 3, 1)),
        )
    with refused(app, InconsistentDates):
        execute(app, VacateRole(partnership_id=pid, position_id=position), meta(date(2024, 1, 15)))
    execute(app, VacateRole(partnership_id=pid, position_id=position), meta(date(2024, 3, 1)))
    with refused(app, RoleStateError, match="already vacant"):
        execute(app, VacateRole(partnership_id=pid, position_id=position), meta(date(2024, 4, 1)))
    with refused(app, RoleStateError, match="vacant"):
        execute(
            app,
            HandOverRole(partnership_id=pid, position_id=position, person_id=anna),
            meta(date(2024, 4, 1)),
        )
    with refused(app, RoleStateError, match="another role"):
        execute(
            app,
            AssignRole(
                partnership_id=pid, role=RoleKind.RECRUITER, person_id=anna, position_id=position
            ),
            meta(date(2024, 4, 1)),
        )
    with refused(app, NotFound):
        execute(app, VacateRole(partnership_id=pid, position_id=uuid4()), meta())


def test_a_partner_leaving_vacates_the_roles_its_people_hold(app: Tvaers, world: World) -> None:
    pid = world.partnership_id
    anna = register_person(app, world.a)
    carl = register_person(app, world.lead_id, "Carl Chef")
    held_by_a = created(
        execute(
            app, AssignRole(partnership_id=pid, role=RoleKind.KEY_PERSON, person_id=anna), meta()
        )
    )
    held_by_lead = created(
        execute(
            app,
            AssignRole(partnership_id=pid, role=RoleKind.PROJECT_LEADER, person_id=carl),
            meta(),
        )
    )

    execute(app, LeavePartner(partnership_id=pid, organisation_id=world.a), meta(date(2024, 6, 1)))

    partnership = app.get_partnership(pid)
    assert partnership.role_position(held_by_a).holder is None
    assert partnership.role_position(held_by_a).vacant_since == date(2024, 6, 1)
    assert partnership.role_position(held_by_lead).holder is not None


# -- partnership: anchoring, evaluation, follow-up, phases -----------------------------


def test_milestones_and_linked_factors_build_the_anchoring_picture(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    started = created(
        execute(
            app,
            RecordMilestone(
                partnership_id=pid,
                dimension=Dimension.POLITICAL,
                status=AnchoringStatus.STARTED,
                title="Udvalget drøfter indsatsen",
                evidence=EvidenceFields(text="Dagsorden", link=" https://sundeborg.dk/1 "),
            ),
            meta(date(2024, 3, 1)),
        )
    )
    anchored = created(
        execute(
            app,
            RecordMilestone(
                partnership_id=pid,
                dimension=Dimension.POLITICAL,
                status=AnchoringStatus.ANCHORED,
                title="Byrådet vedtager politik",
                evidence=EvidenceFields(text="Byrådsbeslutning", document_ref="BR-2024-17"),
            ),
            meta(date(2024, 9, 1)),
        )
    )
    factor = created(
        execute(
            app,
            RecordFactor(
                partnership_id=pid,
                origin=FactorOrigin.EXTERNAL,
                effect=FactorEffect.PROMOTING,
                description="Ny rygelov",
                milestone_ids=[started],
            ),
            meta(date(2024, 3, 1)),
        )
    )
    execute(
        app,
        LinkFactor(partnership_id=pid, factor_id=factor, milestone_id=anchored),
        meta(date(2024, 9, 1)),
    )

    partnership = app.get_partnership(pid)
    assert partnership.anchoring_status(Dimension.POLITICAL) is AnchoringStatus.ANCHORED
    assert (
        partnership.anchoring_status(Dimension.POLITICAL, on=date(2024, 6, 1))
        is AnchoringStatus.STARTED
    )
    assert partnership.anchoring_status(Dimension.CULTURE) is AnchoringStatus.NONE
    assert partnership.milestones[str(started)].evidence.link == "https://sundeborg.dk/1"
    assert partnership.milestones[str(anchored)].recorded_by == "tovholder@svendborg.dk"
    assert partnership.factors[str(factor)].milestone_ids == (started, anchored)
    assert partnership.factors[str(factor)].effect is FactorEffect.PROMOTING
    with refused(app, NoChange):
        execute(
            app, LinkFactor(partnership_id=pid, factor_id=factor, milestone_id=anchored), meta()
        )
    with refused(app, NotFound):
        execute(
            app, LinkFactor(partnership_id=pid, factor_id=uuid4(), milestone_id=anchored), meta()
        )
    with refused(app, NotFound):
        execute(
            app,
            RecordFactor(
                partnership_id=pid,
                origin=FactorOrigin.INTERNAL,
                effect=FactorEffect.BARRIER,
                description="Udskiftning",
                milestone_ids=[uuid4()],
            ),
            meta(),
        )
    with refused(app, InvalidValue):
        execute(
            app,
            RecordMilestone(
                partnership_id=pid,
                dimension=Dimension.CULTURE,
                status=AnchoringStatus.NONE,
                title="Ingen",
                evidence=EvidenceFields(text="x"),
            ),
            meta(),
        )
    with refused(app, InvalidValue, match="Evidence"):
        execute(
            app,
            RecordMilestone(
                partnership_id=pid,
                dimension=Dimension.CULTURE,
                status=AnchoringStatus.STARTED,
                title="Fælles sprog",
                evidence=EvidenceFields(text=" "),
            ),
            meta(),
        )


def test_evaluations_assessments_follow_ups_and_phases_are_recorded(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    evaluation = created(
        execute(
            app,
            RecordEvaluation(
                partnership_id=pid,
                kind=EvaluationKind.EXTERNAL,
                evaluator="COWI",
                method=EvaluationMethod.WHO5,
                findings=" Bedre trivsel ",
            ),
            meta(date(2024, 6, 1)),
        )
    )
    execute(
        app,
        RecordAssessment(
            partnership_id=pid,
            evaluation_id=evaluation,
            question=AssessmentQuestion.PURPOSE_MET,
            answer=AssessmentAnswer.HIGH_EXTENT,
        ),
        meta(date(2024, 6, 2)),
    )
    activity_id = launch(app, world, [world.a])
    follow_up = created(
        execute(
            app,
            ScheduleFollowUp(
                partnership_id=pid,
                label="Efter 3 måneder",
                due_on=date(2024, 9, 1),
                cohort=40,
                activity_id=activity_id,
            ),
            meta(date(2024, 6, 1)),
        )
    )
    execute(
        app,
        RecordFollowUp(partnership_id=pid, follow_up_id=follow_up, reached=30, retained=25),
        meta(date(2024, 9, 2)),
    )
    execute(
        app,
        EnterPhase(partnership_id=pid, phase=ImplementationPhase.PLAN, note="Handleplan"),
        meta(),
    )
    execute(
        app,
        EnterPhase(
            partnership_id=pid, phase=ImplementationPhase.START, note=" Aktiviteter i gang "
        ),
        meta(date(2024, 2, 1)),
    )

    partnership = app.get_partnership(pid)
    recorded = partnership.evaluations[str(evaluation)]
    assert (recorded.evaluator, recorded.findings) == ("COWI", "Bedre trivsel")
    assert recorded.method is EvaluationMethod.WHO5
    assert recorded.assessments == [
        Assessment(
            question=AssessmentQuestion.PURPOSE_MET,
            answer=AssessmentAnswer.HIGH_EXTENT,
            valid_on=date(2024, 6, 2),
        )
    ]
    counted = partnership.follow_ups[str(follow_up)]
    assert (counted.reached, counted.retained, counted.recorded_on) == (30, 25, date(2024, 9, 2))
    assert counted.activity_id == activity_id
    assert [(p.phase, p.note) for p in partnership.phases] == [
        (ImplementationPhase.PLAN, "Handleplan"),
        (ImplementationPhase.START, "Aktiviteter i gang"),
    ]

    q, a = AssessmentQuestion.IMPLEMENTED_AS_PLANNED, AssessmentAnswer.SOME_EXTENT
    with refused(app, InconsistentDates):
        execute(
            app,
            RecordAssessment(partnership_id=pid, evaluation_id=evaluation, question=q, answer=a),
            meta(date(2024, 5, 1)),
        )
    with refused(app, NotFound):
        execute(
            app,
            RecordAssessment(partnership_id=pid, evaluation_id=uuid4(), question=q, answer=a),
            meta(),
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            ScheduleFollowUp(partnership_id=pid, label="Bagud", due_on=date(2023, 1, 1), cohort=5),
            meta(),
        )
    with refused(app, InvalidValue):
        execute(
            app,
            ScheduleFollowUp(
                partnership_id=pid, label="Negativ", due_on=date(2025, 1, 1), cohort=-1
            ),
            meta(),
        )
    with refused(app, FollowUpStateError, match="already recorded"):
        execute(
            app,
            RecordFollowUp(partnership_id=pid, follow_up_id=follow_up, reached=30, retained=25),
            meta(),
        )
    other = created(
        execute(
            app,
            ScheduleFollowUp(partnership_id=pid, label="6 mdr", due_on=date(2025, 1, 1), cohort=10),
            meta(),
        )
    )
    with refused(app, FollowUpStateError):
        execute(
            app,
            RecordFollowUp(partnership_id=pid, follow_up_id=other, reached=11, retained=5),
            meta(),
        )
    with refused(app, FollowUpStateError):
        execute(
            app,
            RecordFollowUp(partnership_id=pid, follow_up_id=other, reached=5, retained=6),
            meta(),
        )
    with refused(app, NoChange):
        execute(
            app,
            EnterPhase(partnership_id=pid, phase=ImplementationPhase.START, note="Igen"),
            meta(date(2024, 3, 1)),
        )
    with refused(app, InvalidValue, match="implementation circle"):
        execute(
            app,
            EnterPhase(partnership_id=pid, phase=ImplementationPhase.ADJUST, note="Springer over"),
            meta(date(2024, 3, 1)),
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            EnterPhase(partnership_id=pid, phase=ImplementationPhase.FOLLOW_UP, note="Før start"),
            meta(date(2024, 1, 15)),
        )


def test_corrections_supersede_dates_rungs_and_milestones_without_deleting_history(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    school = register_organisation(app, "Sundeborg Skole", Sector.CHILDREN_YOUTH)
    joined = execute(
        app,
        JoinPartner(
            partnership_id=pid, organisation_id=school, rung=Rung.DIALOGUE, evidence="Møde"
        ),
        meta(date(2024, 2, 1)),
    )
    milestone = execute(
        app,
        RecordMilestone(
            partnership_id=pid,
            dimension=Dimension.METHOD,
            status=AnchoringStatus.STARTED,
            title="Værktøjskasse",
            evidence=EvidenceFields(text="Udkast"),
        ),
        meta(date(2024, 3, 1)),
    )

    execute(
        app,
        CorrectDate(
            partnership_id=pid,
            corrects_version=joined.version,
            corrected_valid_on=date(2024, 1, 20),
        ),
        meta(reason="Forkert dato"),
    )
    execute(
        app,
        CorrectRung(
            partnership_id=pid,
            corrects_version=joined.version,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Rettet",
        ),
        meta(),
    )
    execute(
        app,
        CorrectMilestone(
            partnership_id=pid,
            corrects_version=milestone.version,
            dimension=Dimension.CULTURE,
            status=AnchoringStatus.PARTIAL,
            title="Fælles sprog",
            evidence=EvidenceFields(text="Workshop"),
        ),
        meta(),
    )

    partnership = app.get_partnership(pid)
    partner = partnership.partners[str(school)]
    assert partner.spells[0].since == date(2024, 1, 20)
    assert partnership.rung_of(school) is Rung.MUTUAL_REFERRAL
    assert partner.rungs[0].evidence == "Rettet"
    assert partner.rungs[0].valid_on == date(2024, 1, 20)
    corrected = partnership.milestones[str(created(milestone))]
    assert (corrected.dimension, corrected.status, corrected.title) == (
        Dimension.CULTURE,
        AnchoringStatus.PARTIAL,
        "Fælles sprog",
    )
    events = app.partnership_events(pid)
    original = events[joined.version - 1]
    assert isinstance(original, Partnership.PartnerJoined)
    assert (original.valid_on, original.rung) == (date(2024, 2, 1), Rung.DIALOGUE)
    assert [type(e).__name__ for e in events[-3:]] == [
        "DateCorrected",
        "RungCorrected",
        "MilestoneCorrected",
    ]
    assert events[-3].reason == "Forkert dato"
    with refused(app, NotCorrectable):
        execute(
            app,
            CorrectDate(
                partnership_id=pid, corrects_version=1, corrected_valid_on=date(2024, 1, 2)
            ),
            meta(),
        )
    with refused(app, NotCorrectable):
        execute(
            app,
            CorrectRung(
                partnership_id=pid,
                corrects_version=milestone.version,
                rung=Rung.DIALOGUE,
                evidence="x",
            ),
            meta(),
        )
    with refused(app, NotCorrectable):
        execute(
            app,
            CorrectMilestone(
                partnership_id=pid,
                corrects_version=joined.version,
                dimension=Dimension.CULTURE,
                status=AnchoringStatus.PARTIAL,
                title="x",
                evidence=EvidenceFields(text="x"),
            ),
            meta(),
        )
    with refused(app, RungNotBacked):
        execute(
            app,
            CorrectRung(
                partnership_id=pid,
                corrects_version=joined.version,
                rung=Rung.COOPERATION_AGREEMENT,
                evidence="Aftale",
            ),
            meta(),
        )


# -- agreements ------------------------------------------------------------------------


def test_the_last_signature_saves_agreement_and_partnership_in_one_transaction(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    drafted = execute(
        app,
        DraftAgreement.of(
            terms(world.lead_id, [world.a, world.b]),
            partnership_id=pid,
            kind=AgreementKind.COOPERATION,
        ),
        meta(date(2024, 2, 1)),
    )
    agreement_id = created(drafted)
    execute(
        app,
        AmendAgreement.of(
            terms(world.lead_id, [world.a, world.b], title="Aftale om rygestop og motion"),
            agreement_id=agreement_id,
        ),
        meta(date(2024, 2, 5)),
        expected_version=1,
    )
    partnership_version = world.version
    for party_id in (world.lead_id, world.a):
        execute(
            app,
            SignAgreement(
                agreement_id=agreement_id, party_id=party_id, signatory_id=signatory(app, party_id)
            ),
            meta(date(2024, 3, 1)),
        )
    assert world.version == partnership_version  # partial signatures touch the agreement only
    last_signer = signatory(app, world.b)
    before = app.max_notification_id()

    last = execute(
        app,
        SignAgreement(agreement_id=agreement_id, party_id=world.b, signatory_id=last_signer),
        meta(date(2024, 3, 1)),
    )

    notifications = app.recorder.select_notifications(start=before + 1, limit=10)
    assert [n.id for n in notifications] == list(range(before + 1, before + 5))
    assert last.notification_id == before + 4 == app.max_notification_id()
    assert [n.topic for n in notifications] == [
        get_topic(Agreement.PartySigned),
        get_topic(Partnership.AgreementBacked),
        get_topic(Partnership.RungChanged),
        get_topic(Partnership.RungChanged),
    ]
    assert [n.originator_id for n in notifications] == [agreement_id] + [pid] * 3
    assert (last.aggregate_id, last.version) == (agreement_id, 5)
    partnership = app.get_partnership(pid)
    assert partnership.version == partnership_version + 3
    assert partnership.rung_of(world.a) is Rung.COOPERATION_AGREEMENT
    assert partnership.rung_of(world.b) is Rung.COOPERATION_AGREEMENT
    assert partnership.rung_of(world.lead_id) is None
    assert partnership.partners[str(world.a)].rungs[-1].agreement_id == agreement_id
    agreement = app.get_agreement(agreement_id)
    assert agreement.terms.title == "Aftale om rygestop og motion"
    assert agreement.status_on(date(2024, 3, 1)) is AgreementStatus.IN_FORCE
    assert agreement.signatures[-1].signatory_id == last_signer


def test_a_conflict_on_the_partnership_discards_the_last_signature_too(
    app: Tvaers, world: World, store_settings: Settings
) -> None:
    pid = world.partnership_id
    agreement_id = created(
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [world.a]), partnership_id=pid, kind=AgreementKind.COOPERATION
            ),
            meta(date(2024, 2, 1)),
        )
    )
    execute(
        app,
        SignAgreement(
            agreement_id=agreement_id,
            party_id=world.lead_id,
            signatory_id=signatory(app, world.lead_id),
        ),
        meta(date(2024, 3, 1)),
    )
    other = Tvaers(store_settings)
    real_get = app.repository.get
    interfered: list[int] = []

    def get_then_let_another_writer_in(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        aggregate = real_get(aggregate_id, *args, **kwargs)
        if aggregate_id == pid and not interfered:
            result = execute(
                other,
                EnterPhase(partnership_id=pid, phase=ImplementationPhase.PLAN, note="Imens"),
                meta(),
            )
            interfered.append(result.notification_id)
        return aggregate

    patched = mock.patch.object(app.repository, "get", side_effect=get_then_let_another_writer_in)
    try:
        with patched, pytest.raises(ConcurrencyConflict):
            execute(
                app,
                SignAgreement(
                    agreement_id=agreement_id,
                    party_id=world.a,
                    signatory_id=signatory(app, world.a),
                ),
                meta(date(2024, 3, 1)),
            )
    finally:
        other.close()

    assert app.max_notification_id() == interfered[0]  # only the other writer's event
    assert app.get_agreement(agreement_id).unsigned_party_ids == [world.a]
    assert app.get_partnership(pid).agreements == {}
    assert app.get_partnership(pid).rung_of(world.a) is Rung.INFORMAL_COOPERATION
    retried = execute(
        app,
        SignAgreement(
            agreement_id=agreement_id, party_id=world.a, signatory_id=signatory(app, world.a)
        ),
        meta(date(2024, 3, 1)),
    )
    assert retried.version == 3
    assert app.get_partnership(pid).rung_of(world.a) is Rung.COOPERATION_AGREEMENT


def test_renewal_extends_both_records_and_termination_drops_partners_to_rung_four(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    agreement_id = signed_agreement(app, world, [world.a, world.b])

    renewed = execute(
        app,
        RenewAgreement(agreement_id=agreement_id, valid_to=date(2026, 3, 1)),
        meta(date(2025, 2, 1)),
    )
    assert app.get_partnership(pid).agreements[str(agreement_id)].valid_to == date(2026, 3, 1)
    with refused(app, InconsistentDates):
        execute(
            app,
            RenewAgreement(agreement_id=agreement_id, valid_to=date(2025, 6, 1)),
            meta(date(2025, 2, 2)),
        )
    with refused(app, InconsistentDates, match="ran out"):
        execute(
            app,
            RenewAgreement(agreement_id=agreement_id, valid_to=date(2027, 3, 1)),
            meta(date(2026, 3, 2)),
        )
    with refused(app, InvalidValue, match="reason"):
        execute(app, TerminateAgreement(agreement_id=agreement_id), meta(date(2025, 6, 1)))
    terminated = execute(
        app,
        TerminateAgreement(agreement_id=agreement_id),
        meta(date(2025, 6, 1), reason="Partneren trækker sig"),
    )

    agreement = app.get_agreement(agreement_id)
    partnership = app.get_partnership(pid)
    assert renewed.version == 5  # drafted, three signatures, renewed
    assert terminated.version == 6
    assert agreement.valid_to == date(2026, 3, 1)
    assert agreement.renewals == [date(2025, 2, 1)]
    assert agreement.terminated_on == date(2025, 6, 1)
    assert agreement.termination_reason == "Partneren trækker sig"
    assert agreement.status_on(date(2025, 6, 1)) is AgreementStatus.TERMINATED
    assert agreement.status_on(date(2025, 5, 31)) is AgreementStatus.IN_FORCE
    assert partnership.agreements[str(agreement_id)].ended_on == date(2025, 6, 1)
    for partner_id in (world.a, world.b):
        assert partnership.rung_of(partner_id) is Rung.INFORMAL_COOPERATION
        assert partnership.rung_of(partner_id, on=date(2025, 5, 31)) is Rung.COOPERATION_AGREEMENT
    with refused(app, AgreementStateError):
        execute(
            app,
            TerminateAgreement(agreement_id=agreement_id),
            meta(date(2025, 7, 1), reason="Igen"),
        )
    with refused(app, AgreementStateError):
        execute(
            app,
            RenewAgreement(agreement_id=agreement_id, valid_to=date(2027, 1, 1)),
            meta(date(2025, 7, 1)),
        )


def test_ending_one_agreement_leaves_partners_on_the_rung_another_still_backs(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    signed_agreement(app, world, [world.a, world.b])
    partnership_agreement = signed_agreement(
        app, world, [world.a], kind=AgreementKind.PARTNERSHIP, signed_on=date(2024, 4, 1)
    )
    assert app.get_partnership(pid).rung_of(world.a) is Rung.PARTNERSHIP_AGREEMENT

    execute(
        app,
        TerminateAgreement(agreement_id=partnership_agreement),
        meta(date(2024, 9, 1), reason="Omlagt"),
    )

    partnership = app.get_partnership(pid)
    assert partnership.rung_of(world.a) is Rung.COOPERATION_AGREEMENT
    assert partnership.rung_of(world.b) is Rung.COOPERATION_AGREEMENT


def test_expire_due_agreements_expires_only_those_past_their_validity(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    due = signed_agreement(app, world, [world.a], valid_to=date(2024, 6, 30))
    later = signed_agreement(app, world, [world.b], valid_to=date(2025, 3, 1))
    never_signed = created(
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [world.a], valid_to=date(2024, 5, 1)),
                partnership_id=pid,
                kind=AgreementKind.COOPERATION,
            ),
            meta(date(2024, 2, 1)),
        )
    )

    expired = app.expire_due_agreements(
        [due, later, never_signed], today=date(2024, 7, 15), actor="system"
    )

    partnership = app.get_partnership(pid)
    assert expired == 2
    assert app.get_agreement(due).expired_on == date(2024, 7, 1)
    assert app.get_agreement(due).status_on(date(2024, 7, 15)) is AgreementStatus.EXPIRED
    assert app.get_agreement(never_signed).expired_on == date(2024, 5, 2)
    assert not app.get_agreement(later).has_ended
    assert partnership.rung_of(world.a) is Rung.INFORMAL_COOPERATION
    assert partnership.rung_of(world.a, on=date(2024, 6, 30)) is Rung.COOPERATION_AGREEMENT
    assert partnership.rung_of(world.b) is Rung.COOPERATION_AGREEMENT
    assert partnership.agreements[str(due)].ended_on == date(2024, 7, 1)
    drop = partnership.partners[str(world.a)].rungs[-1]
    assert (drop.valid_on, drop.agreement_id) == (date(2024, 7, 1), due)
    last_event = app.partnership_events(pid)[-1]
    assert (last_event.actor, last_event.reason) == ("system", "Gyldighedsperioden er udløbet")
    before = app.max_notification_id()
    assert app.expire_due_agreements([due, later, never_signed], date(2024, 8, 1), "system") == 0
    assert app.max_notification_id() == before


def test_signing_before_the_validity_lifts_the_partner_from_its_first_day(
    app: Tvaers, world: World
) -> None:
    agreement_id = signed_agreement(app, world, [world.a], signed_on=date(2024, 2, 15))

    partnership = app.get_partnership(world.partnership_id)
    agreement = app.get_agreement(agreement_id)
    assert agreement.status_on(date(2024, 2, 20)) is AgreementStatus.SIGNED
    assert partnership.rung_of(world.a, on=date(2024, 2, 20)) is Rung.INFORMAL_COOPERATION
    assert partnership.rung_of(world.a, on=date(2024, 3, 1)) is Rung.COOPERATION_AGREEMENT


def test_terminating_an_agreement_before_it_comes_into_force_cancels_the_lift(
    app: Tvaers, world: World
) -> None:
    agreement_id = signed_agreement(app, world, [world.a], signed_on=date(2024, 2, 15))

    execute(
        app,
        TerminateAgreement(agreement_id=agreement_id),
        meta(date(2024, 2, 20), reason="Droppet"),
    )

    partnership = app.get_partnership(world.partnership_id)
    assert app.get_agreement(agreement_id).status_on(date(2024, 4, 1)) is (
        AgreementStatus.TERMINATED
    )
    assert partnership.rung_of(world.a, on=date(2024, 4, 1)) is Rung.INFORMAL_COOPERATION
    assert partnership.rung_of(world.a) is Rung.INFORMAL_COOPERATION
    undo = partnership.partners[str(world.a)].rungs[-1]
    assert (undo.rung, undo.valid_on, undo.agreement_id) == (
        Rung.INFORMAL_COOPERATION,
        date(2024, 3, 1),
        agreement_id,
    )


def test_agreement_rules_are_refused_without_writing(app: Tvaers, world: World) -> None:
    pid = world.partnership_id
    outsider = register_organisation(app, "Ikke partner")
    cooperation = AgreementKind.COOPERATION

    with refused(app, NotAPartner):
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [outsider]), partnership_id=pid, kind=cooperation
            ),
            meta(),
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [world.a], valid_to=date(2024, 3, 1)),
                partnership_id=pid,
                kind=cooperation,
            ),
            meta(),
        )
    without_lead = Terms(
        title="Uden leder",
        purpose="x",
        party_ids=(world.a, world.b),
        obligations=(
            Obligation(party_id=world.a, text="a"),
            Obligation(party_id=world.b, text="b"),
        ),
        valid_from=date(2024, 3, 1),
        valid_to=date(2025, 3, 1),
    )
    with refused(app, InvalidValue, match="lead"):
        execute(app, DraftAgreement.of(without_lead, partnership_id=pid, kind=cooperation), meta())
    missing_obligation = Terms(
        title="Mangler",
        purpose="x",
        party_ids=(world.lead_id, world.a),
        obligations=(Obligation(party_id=world.lead_id, text="lead"),),
        valid_from=date(2024, 3, 1),
        valid_to=date(2025, 3, 1),
    )
    with refused(app, InvalidValue, match="obligations"):
        execute(
            app, DraftAgreement.of(missing_obligation, partnership_id=pid, kind=cooperation), meta()
        )

    agreement_id = created(
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [world.a]), partnership_id=pid, kind=cooperation
            ),
            meta(),
        )
    )
    signers = {org: signatory(app, org) for org in (world.lead_id, world.a, world.b)}
    with refused(app, NotAParty):
        execute(
            app,
            SignAgreement(
                agreement_id=agreement_id, party_id=world.b, signatory_id=signatory(app, world.b)
            ),
            meta(),
        )
    execute(
        app,
        SignAgreement(
            agreement_id=agreement_id,
            party_id=world.lead_id,
            signatory_id=signatory(app, world.lead_id),
        ),
        meta(),
    )
    with refused(app, AlreadySigned):
        execute(
            app,
            SignAgreement(
                agreement_id=agreement_id,
                party_id=world.lead_id,
                signatory_id=signatory(app, world.lead_id),
            ),
            meta(),
        )
    with refused(app, InconsistentDates):
        execute(
            app,
            SignAgreement(
                agreement_id=agreement_id, party_id=world.a, signatory_id=signatory(app, world.a)
            ),
            meta(date(2025, 3, 2)),
        )
    with refused(app, NotAParty, match="signatory must belong"):
        execute(
            app,
            SignAgreement(
                agreement_id=agreement_id, party_id=world.a, signatory_id=signers[world.b]
            ),
            meta(),
        )
    with refused(app, NotFound):
        execute(
            app,
            SignAgreement(agreement_id=agreement_id, party_id=world.a, signatory_id=uuid4()),
            meta(),
        )
    with refused(app, AgreementStateError, match="signed"):
        execute(app, RenewAgreement(agreement_id=agreement_id, valid_to=date(2026, 1, 1)), meta())
    with refused(app, NoChange, match="changes nothing"):
        execute(
            app,
            AmendAgreement.of(terms(world.lead_id, [world.a]), agreement_id=agreement_id),
            meta(),
        )
    execute(
        app,
        SignAgreement(
            agreement_id=agreement_id, party_id=world.a, signatory_id=signatory(app, world.a)
        ),
        meta(date(2024, 3, 1)),
    )
    with refused(app, AgreementStateError, match="renew or terminate"):
        execute(
            app,
            AmendAgreement.of(
                terms(world.lead_id, [world.a], title="Ny"), agreement_id=agreement_id
            ),
            meta(),
        )
    with refused(app, InconsistentDates):
        execute(app, ExpireAgreement(agreement_id=agreement_id), meta(date(2025, 3, 1)))


def test_a_party_that_left_the_partnership_can_no_longer_sign(app: Tvaers, world: World) -> None:
    agreement_id = created(
        execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [world.a, world.b]),
                partnership_id=world.partnership_id,
                kind=AgreementKind.COOPERATION,
            ),
            meta(date(2024, 2, 1)),
        )
    )
    signer = signatory(app, world.b)
    execute(
        app,
        LeavePartner(partnership_id=world.partnership_id, organisation_id=world.b),
        meta(date(2024, 2, 10)),
    )

    with refused(app, NotAPartner, match="no longer a partner"):
        execute(
            app,
            SignAgreement(agreement_id=agreement_id, party_id=world.b, signatory_id=signer),
            meta(date(2024, 3, 1)),
        )


# -- lookups ---------------------------------------------------------------------------


def test_unknown_ids_raise_not_found_and_write_nothing(app: Tvaers, world: World) -> None:
    unknown = uuid4()
    pid = world.partnership_id
    signer = signatory(app, world.a)
    calls: dict[str, Callable[[], object]] = {
        "get_partnership": lambda: app.get_partnership(unknown),
        "get_partnership(version)": lambda: app.get_partnership(unknown, version=1),
        "get_partnership(organisation id)": lambda: app.get_partnership(world.lead_id),
        "get_organisation": lambda: app.get_organisation(unknown),
        "get_organisation(partnership id)": lambda: app.get_organisation(pid),
        "get_person": lambda: app.get_person(unknown),
        "get_agreement": lambda: app.get_agreement(unknown),
        "partnership_events": lambda: app.partnership_events(unknown),
        "rename_organisation": lambda: execute(
            app, RenameOrganisation(organisation_id=unknown, name="X"), meta()
        ),
        "erase_person": lambda: execute(app, ErasePerson(person_id=unknown), meta()),
        "register_person": lambda: execute(
            app, RegisterPerson.of(Contact(name="X"), organisation_id=unknown), meta()
        ),
        "register_partnership": lambda: execute(
            app, RegisterPartnership.of(rich_registry(), lead_organisation_id=unknown), meta()
        ),
        "update_registry": lambda: execute(
            app, UpdateRegistry.of(rich_registry(), partnership_id=unknown), meta()
        ),
        "join_partner(unknown partnership)": lambda: execute(
            app, JoinPartner(partnership_id=unknown, organisation_id=world.a), meta()
        ),
        "record_milestone": lambda: execute(
            app,
            RecordMilestone(
                partnership_id=unknown,
                dimension=Dimension.METHOD,
                status=AnchoringStatus.STARTED,
                title="x",
                evidence=EvidenceFields(text="x"),
            ),
            meta(),
        ),
        "draft_agreement": lambda: execute(
            app,
            DraftAgreement.of(
                terms(world.lead_id, [world.a]),
                partnership_id=unknown,
                kind=AgreementKind.COOPERATION,
            ),
            meta(),
        ),
        "sign_agreement": lambda: execute(
            app, SignAgreement(agreement_id=unknown, party_id=world.a, signatory_id=signer), meta()
        ),
        "terminate_agreement": lambda: execute(
            app, TerminateAgreement(agreement_id=unknown), meta(reason="x")
        ),
        "expire_due_agreements": lambda: app.expire_due_agreements(
            [unknown], date(2030, 1, 1), "system"
        ),
    }
    before = app.max_notification_id()
    not_raising = []
    for name, call in calls.items():
        try:
            call()
        except NotFound:
            pass
        else:
            not_raising.append(name)
    assert not_raising == []
    assert app.max_notification_id() == before
