"""Request and response bodies (msgspec structs): the API's contract, separate from the domain."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import msgspec

from aggregates.taxonomy import (
    ActivityStatus,
    AnchoringStatus,
    Dimension,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)

Text = Annotated[str, msgspec.Meta(max_length=200)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=10_000)]
Items = Annotated[list[Text], msgspec.Meta(max_length=50)]
Bearing = Annotated[int, msgspec.Meta(ge=1, le=6)]
Amount = Decimal  # non-negative: checked by the domain (msgspec cannot bound decimals)
Reason = Annotated[str, msgspec.Meta(max_length=2_000)]


class Write(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields every write accepts: when it happened in the world, and why."""

    valid_on: date | None = None
    reason: Reason | None = None


class CommandAccepted(msgspec.Struct, kw_only=True):
    """The result of a write: the new version, and the notification id for read-your-writes."""

    id: UUID
    version: int
    notification_id: int


# -- organisations --------------------------------------------------------------------


class OrganisationCreate(Write, kw_only=True):
    name: Name
    sector: Sector
    municipality: Text | None = None
    cvr: Annotated[str, msgspec.Meta(pattern=r"^\d{8}$")] | None = None
    parent_id: UUID | None = None


class Organisation(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    name: str
    sector: Sector
    sector_label: str
    sector_group: str
    municipality: str | None
    cvr: str | None
    parent_id: UUID | None
    status: str


# -- partnerships ---------------------------------------------------------------------


class PartnershipCreate(Write, kw_only=True):
    title: Name
    municipality: Name
    lead_organisation_id: UUID
    purpose: LongText = ""
    target_groups: Items = msgspec.field(default_factory=list)
    arenas: Items = msgspec.field(default_factory=list)
    kind: PartnershipType = PartnershipType.PROJECT
    period_start: date | None = None
    period_end: date | None = None
    prevention_categories: list[PreventionCategory] = msgspec.field(default_factory=list)
    bearings: Annotated[list[Bearing], msgspec.Meta(max_length=6)] = msgspec.field(
        default_factory=list
    )
    tags: Items = msgspec.field(default_factory=list)
    yearly_budget_dkk: Amount | None = None
    staff_hours_per_year: Amount | None = None
    recruitment_channels: Items = msgspec.field(default_factory=list)
    evaluation_status: Text = ""
    attention_points: LongText = ""


class PartnerJoin(Write, kw_only=True):
    organisation_id: UUID
    rung: Annotated[int, msgspec.Meta(ge=1, le=4)] = 1
    evidence: LongText = ""


class PartnershipListItem(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    municipality: str
    registered_at: datetime


class PartnershipPage(msgspec.Struct, kw_only=True):
    items: list[PartnershipListItem]
    next_cursor: str | None


class PartnerView(msgspec.Struct, kw_only=True):
    organisation_id: UUID
    name: str
    sector: Sector
    is_lead: bool
    joined_on: date
    rung: Rung | None
    rung_label: str | None


class SteeringMemberView(msgspec.Struct, kw_only=True):
    person_id: UUID
    seat: SeatRole
    appointed_on: date


class ActivityView(msgspec.Struct, kw_only=True):
    id: UUID
    title: str
    category: PreventionCategory
    status: ActivityStatus
    target_group: str
    arena: str
    owner_ids: list[UUID]


class RoleView(msgspec.Struct, kw_only=True):
    position_id: UUID
    role: RoleKind
    activity_id: UUID | None
    person_id: UUID | None
    vacant_since: date | None


class AnchoringView(msgspec.Struct, kw_only=True):
    dimension: Dimension
    status: AnchoringStatus


class PartnershipView(msgspec.Struct, kw_only=True):
    """One partnership's current state, rebuilt from its events."""

    id: UUID
    version: int
    title: str
    municipality: str
    purpose: str
    kind: PartnershipType
    period_start: date | None
    period_end: date | None
    target_groups: list[str]
    arenas: list[str]
    prevention_categories: list[PreventionCategory]
    bearings: list[int]
    tags: list[str]
    yearly_budget_dkk: Decimal | None
    lead_organisation_id: UUID
    partners: list[PartnerView]
    steering_group: list[SteeringMemberView]
    secretariat_organisation_id: UUID | None
    activities: list[ActivityView]
    roles: list[RoleView]
    anchoring: list[AnchoringView]
    created_at: datetime
    modified_at: datetime


# -- operations -----------------------------------------------------------------------


class Health(msgspec.Struct, kw_only=True):
    status: str


class Readiness(msgspec.Struct, kw_only=True):
    status: str
    store: str
    max_notification_id: int
    lag: int | None  # events the slowest view is behind the log (None: unknown)
