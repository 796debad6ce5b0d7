"""Mapping aggregates to response structs (presentation only, no rules)."""

from __future__ import annotations

from datetime import date

from aggregates import Organisation, Partnership
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
        rung = partner.rung_on(date.today())
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
            schemas.ActivityView(
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
            schemas.AnchoringView(dimension=d, status=p.anchoring_status(d)) for d in Dimension
        ],
        created_at=p.created_on,
        modified_at=p.modified_on,
    )
