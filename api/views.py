"""Mapping aggregates to response structs (presentation only, no rules)."""

from __future__ import annotations

from datetime import date

from aggregates import Agreement, Organisation, Partnership, Person
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import Dimension
from api import schemas


def organisation_view(organisation: Organisation) -> schemas.Organisation:
    return schemas.Organisation(
        id=organisation.id,
        version=organisation.version,
        name=organisation.name,
        sector=organisation.sector,
        sector_label=organisation.sector.label_da,
        sector_group=organisation.sector.group.value,
        municipality=organisation.municipality,
        cvr=organisation.cvr,
        parent_id=organisation.parent_id,
        status=organisation.status.value,
    )


def partnership_view(
    p: Partnership, organisations: dict[str, Organisation]
) -> schemas.PartnershipView:
    partners = []
    for key, partner in p.partners.items():
        if not partner.is_active:
            continue
        organisation = organisations[key]
        rung = p.rung_standing_on(partner.organisation_id, today_in_denmark())
        partners.append(
            schemas.PartnerView(
                organisation_id=partner.organisation_id,
                name=organisation.name,
                sector=organisation.sector,
                is_lead=partner.organisation_id == p.lead_organisation_id,
                joined_on=partner.spells[-1].since,
                rung=rung,
                rung_label=rung.label_da if rung is not None else None,
            )
        )
    registry = p.registry
    return schemas.PartnershipView(
        id=p.id,
        version=p.version,
        title=registry.title,
        municipality=registry.municipality,
        purpose=registry.purpose,
        kind=registry.kind,
        period_start=registry.period_start,
        period_end=registry.period_end,
        target_groups=list(registry.target_groups),
        arenas=list(registry.arenas),
        prevention_categories=list(registry.prevention_categories),
        bearings=list(registry.bearings),
        tags=list(registry.tags),
        yearly_budget_dkk=registry.yearly_budget_dkk,
        staff_hours_per_year=registry.staff_hours_per_year,
        recruitment_channels=list(registry.recruitment_channels),
        evaluation_status=registry.evaluation_status,
        attention_points=registry.attention_points,
        barriers=registry.barriers,
        promoting_factors=registry.promoting_factors,
        lead_organisation_id=p.lead_organisation_id,
        partners=partners,
        steering_group=[
            schemas.SteeringMemberView(
                person_id=a.person_id, seat=a.seat, appointed_on=a.spell.since
            )
            for a in p.active_appointments()
        ],
        secretariat_organisation_id=p.secretariat.organisation_id if p.secretariat else None,
        activities=[
            schemas.ActivitySummary(
                id=a.activity_id,
                title=a.title,
                category=a.category,
                status=a.status,
                target_group=a.target_group,
                arena=a.arena,
                owner_ids=list(a.owner_ids),
            )
            for a in p.activities.values()
        ],
        roles=[
            schemas.RoleView(
                position_id=r.position_id,
                role=r.role,
                activity_id=r.activity_id,
                person_id=r.holder.person_id if r.holder else None,
                vacant_since=r.vacant_since,
            )
            for r in p.roles.values()
        ],
        anchoring=[
            schemas.DimensionAnchoring(dimension=d, status=p.anchoring_status(d)) for d in Dimension
        ],
        created_at=p.created_on,
        modified_at=p.modified_on,
    )


def person_view(person: Person) -> schemas.PersonView:
    contact = person.contact
    return schemas.PersonView(
        id=person.id,
        version=person.version,
        organisation_id=person.organisation_id,
        erased=person.erased,
        contact=schemas.ContactView(
            name=contact.name, title=contact.title, email=contact.email, phone=contact.phone
        )
        if contact is not None and not person.erased
        else None,
    )


def agreement_view(agreement: Agreement, today: date) -> schemas.AgreementState:
    status = agreement.status_on(today)
    terms = agreement.terms
    return schemas.AgreementState(
        id=agreement.id,
        version=agreement.version,
        partnership_id=agreement.partnership_id,
        kind=agreement.kind,
        kind_label=agreement.kind.label_da,
        status=status.value,
        status_label=status.label_da,
        title=terms.title,
        purpose=terms.purpose,
        party_ids=list(terms.party_ids),
        obligations=[
            schemas.ObligationView(party_id=o.party_id, text=o.text) for o in terms.obligations
        ],
        signatures=[
            schemas.SignatureView(
                party_id=s.party_id, signed_on=s.signed_on, signatory_id=s.signatory_id
            )
            for s in agreement.signatures
        ],
        unsigned_party_ids=agreement.unsigned_party_ids,
        valid_from=terms.valid_from,
        valid_to=terms.valid_to,
        renewals=list(agreement.renewals),
        expired_on=agreement.expired_on,
        terminated_on=agreement.terminated_on,
        termination_reason=agreement.termination_reason,
        created_at=agreement.created_on,
        modified_at=agreement.modified_on,
    )
