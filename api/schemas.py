"""Request and response bodies (msgspec structs): the API's contract, separate from the domain."""

from __future__ import annotations

import typing
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar
from uuid import UUID

import msgspec

from aggregates.taxonomy import (
    ActivityStatus,
    AgreementKind,
    AnchoringStatus,
    Dimension,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)
from services.commands import (
    AdjustActivity,
    AmendAgreement,
    AppointSteeringMember,
    AssignRole,
    AssignSecretariat,
    ChangeActivityStatus,
    ChangePersonContact,
    ChangeSteeringSeat,
    Command,
    CorrectDate,
    CorrectMilestone,
    CorrectRung,
    DraftAgreement,
    EnterPhase,
    HandOverRole,
    IssueTermsOfReference,
    JoinPartner,
    LaunchActivity,
    LinkFactor,
    LinkFactorToEvent,
    MergeOrganisation,
    MoveOnLadder,
    MovePerson,
    RateAnchoring,
    RecordAnnotation,
    RecordAssessment,
    RecordDecision,
    RecordEvaluation,
    RecordFactor,
    RecordFollowUp,
    RecordMilestone,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
    RenameOrganisation,
    RenewAgreement,
    ReviseAnnotation,
    ScheduleFollowUp,
    SignAgreement,
    StaffSecretariat,
    TerminateAgreement,
    UpdateRegistry,
)
from services.commands import ChangeRegistryFields as _ChangeRegistryFields
from services.fields import (
    Fact,
    Reason,
)

C = TypeVar("C", bound=Command)


class Write(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Fields every write accepts: when it happened in the world, and why."""

    valid_on: Fact | None = None
    reason: Reason | None = None


class _BodyMeta(msgspec.StructMeta):
    """Makes a `Body[SomeCommand]` subclass: the command's fields, minus those the path
    gives (`path`), with their types, constraints and defaults; plus `valid_on`, `reason`."""

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> type:
        command = next(
            (
                arg
                for base in namespace.get("__orig_bases__", ())
                for arg in typing.get_args(base)
                if isinstance(arg, type) and issubclass(arg, Command)
            ),
            None,
        )
        if command is not None:
            path = namespace.get("path", ())
            hints = typing.get_type_hints(command, include_extras=True)
            missing = set(path) - set(command.__struct_fields__)
            if missing:
                raise TypeError(f"{name}: {command.__name__} has no field {sorted(missing)}.")
            annotations = dict(namespace.get("__annotations__", {}))
            for f in msgspec.structs.fields(command):
                if f.name in path or f.name in annotations:
                    continue
                annotations[f.name] = hints[f.name]
                if f.default is not msgspec.NODEFAULT:
                    namespace[f.name] = f.default
                elif f.default_factory is not msgspec.NODEFAULT:
                    namespace[f.name] = msgspec.field(default_factory=f.default_factory)
            namespace["__annotations__"] = annotations
            namespace["command"] = command
        cls: type = super().__new__(mcls, name, bases, namespace, **kwargs)
        return cls


class Body(Write, Generic[C], kw_only=True, metaclass=_BodyMeta):
    """A request body derived from a command (services/commands.py): `class LadderMove(
    Body[MoveOnLadder]): path = ("partnership_id", "organisation_id")` has the command's
    other fields, with their constraints, and `valid_on` and `reason` for the envelope.
    The class's docstring is the schema's description in the OpenAPI document."""

    command: ClassVar[type[Command]]
    path: ClassVar[tuple[str, ...]] = ()

    def to_command(self, **path: UUID) -> C:
        """The command: the body's fields and the ids from the path."""
        if set(path) != set(self.path):
            raise TypeError(f"{type(self).__name__} takes {self.path} from the path, not {path}.")
        fields = {
            name: getattr(self, name)
            for name in self.__struct_fields__
            if name in self.command.__struct_fields__
        }
        command: C = self.command(**fields, **path)  # type: ignore[assignment]
        return command


class CommandAccepted(msgspec.Struct, kw_only=True):
    """The result of a write: the new version, and the notification id for read-your-writes."""

    id: UUID
    version: int
    notification_id: int


# -- organisations --------------------------------------------------------------------


class OrganisationCreate(Body[RegisterOrganisation], kw_only=True):
    pass


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


class PartnershipCreate(Body[RegisterPartnership], kw_only=True):
    pass


class PartnerJoin(Body[JoinPartner], kw_only=True):
    path = ("partnership_id",)


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


class ActivitySummary(msgspec.Struct, kw_only=True):
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


class DimensionAnchoring(msgspec.Struct, kw_only=True):
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
    staff_hours_per_year: Decimal | None
    recruitment_channels: list[str]
    evaluation_status: str
    attention_points: str
    barriers: str
    promoting_factors: str
    lead_organisation_id: UUID
    partners: list[PartnerView]
    steering_group: list[SteeringMemberView]
    secretariat_organisation_id: UUID | None
    activities: list[ActivitySummary]
    roles: list[RoleView]
    anchoring: list[DimensionAnchoring]
    created_at: datetime
    modified_at: datetime


# -- organisations: lifecycle -----------------------------------------------------------


class OrganisationRename(Body[RenameOrganisation], kw_only=True):
    path = ("organisation_id",)


class OrganisationMerge(Body[MergeOrganisation], kw_only=True):
    """Merge this organisation into another (active) one; this one stops being active."""

    path = ("organisation_id",)


# -- persons (personal data: contact details are erasable) ------------------------------


class PersonCreate(Body[RegisterPerson], kw_only=True):
    pass


class ContactChange(Body[ChangePersonContact], kw_only=True):
    """The person's contact details, all of them: fields left out become empty."""

    path = ("person_id",)


class PersonMove(Body[MovePerson], kw_only=True):
    path = ("person_id",)


class ContactView(msgspec.Struct, kw_only=True):
    name: str
    title: str
    email: str
    phone: str


class PersonView(msgspec.Struct, kw_only=True):
    """A person; `contact` is null once their personal data has been erased."""

    id: UUID
    version: int
    organisation_id: UUID
    erased: bool
    contact: ContactView | None


# -- partnership: registry, partners, ladder ---------------------------------------------


class RegistryUpdate(Body[UpdateRegistry], kw_only=True):
    """Every registry field of the partnership: fields left out take their default (empty)."""

    path = ("partnership_id",)


class RegistryPatch(Body[_ChangeRegistryFields], kw_only=True):
    """Only the registry fields to change: a field left out keeps its current value, also
    when someone else changed it meanwhile. `null` empties the period dates, the budget and
    the staff hours; an empty list or text empties the others."""

    path = ("partnership_id",)


class LadderMove(Body[MoveOnLadder], kw_only=True):
    """Move a partner to a rung (1-6); rungs 5-6 need an agreement of that kind in force."""

    path = ("partnership_id", "organisation_id")


# -- partnership: steering group, secretariat, terms of reference, decisions -------------


class SteeringMemberAppoint(Body[AppointSteeringMember], kw_only=True):
    path = ("partnership_id",)


class SteeringSeatChange(Body[ChangeSteeringSeat], kw_only=True):
    """The member's new seat (formand, næstformand or medlem) from `valid_on`."""

    path = ("partnership_id", "person_id")


class SecretariatAssign(Body[AssignSecretariat], kw_only=True):
    path = ("partnership_id",)


class SecretariatStaff(Body[StaffSecretariat], kw_only=True):
    path = ("partnership_id",)


class TermsOfReferenceIssue(Body[IssueTermsOfReference], kw_only=True):
    """A new version of the terms of reference (kommissorium)."""

    path = ("partnership_id",)


class DecisionRecord(Body[RecordDecision], kw_only=True):
    """A steering-group decision; `valid_on` is the date of the meeting."""

    path = ("partnership_id",)


# -- partnership: activities, roles, follow-ups, implementation circle -------------------


class ActivityLaunch(Body[LaunchActivity], kw_only=True):
    path = ("partnership_id",)


class ActivityStatusChange(Body[ChangeActivityStatus], kw_only=True):
    path = ("partnership_id", "activity_id")


class ActivityAdjust(Body[AdjustActivity], kw_only=True):
    """What was adjusted and why (`description`); fields left out stay as they are."""

    path = ("partnership_id", "activity_id")


class RoleAssign(Body[AssignRole], kw_only=True):
    """Assign a role: a new position, or (with `position_id`) fill a vacant one."""

    path = ("partnership_id",)


class RoleHandOver(Body[HandOverRole], kw_only=True):
    path = ("partnership_id", "position_id")


class FollowUpSchedule(Body[ScheduleFollowUp], kw_only=True):
    path = ("partnership_id",)


class FollowUpRecord(Body[RecordFollowUp], kw_only=True):
    """Counts only: participants reached and retained out of the cohort."""

    path = ("partnership_id", "follow_up_id")


class PhaseEnter(Body[EnterPhase], kw_only=True):
    path = ("partnership_id",)


# -- partnership: anchoring and evaluation -----------------------------------------------


class MilestoneRecord(Body[RecordMilestone], kw_only=True):
    path = ("partnership_id",)


class FactorRecord(Body[RecordFactor], kw_only=True):
    path = ("partnership_id",)


class FactorLink(Body[LinkFactor], kw_only=True):
    path = ("partnership_id", "factor_id")


class FactorEventLink(Body[LinkFactorToEvent], kw_only=True):
    path = ("partnership_id", "factor_id")


class EvaluationRecord(Body[RecordEvaluation], kw_only=True):
    path = ("partnership_id",)


class AssessmentRecord(Body[RecordAssessment], kw_only=True):
    path = ("partnership_id", "evaluation_id")


# -- partnership: corrections (name the event by its version, see the audit history) -----


class DateCorrection(Body[CorrectDate], kw_only=True):
    path = ("partnership_id",)


class RungCorrection(Body[CorrectRung], kw_only=True):
    path = ("partnership_id",)


class MilestoneCorrection(Body[CorrectMilestone], kw_only=True):
    path = ("partnership_id",)


# -- agreements ----------------------------------------------------------------------------


class AgreementDraft(Body[DraftAgreement], kw_only=True):
    path = ("partnership_id",)


class AgreementAmend(Body[AmendAgreement], kw_only=True):
    """The whole amended text; every party signs it anew."""

    path = ("partnership_id", "agreement_id")


class AgreementSign(Body[SignAgreement], kw_only=True):
    """One party signs, by a person who belongs to it."""

    path = ("partnership_id", "agreement_id")


class AgreementRenew(Body[RenewAgreement], kw_only=True):
    path = ("partnership_id", "agreement_id")


class AgreementTerminate(Body[TerminateAgreement], kw_only=True):
    """End the agreement early: the reason is required."""

    path = ("partnership_id", "agreement_id")
    reason: Reason


class ObligationView(msgspec.Struct, kw_only=True):
    party_id: UUID
    text: str


class SignatureView(msgspec.Struct, kw_only=True):
    party_id: UUID
    signed_on: date
    signatory_id: UUID


class AgreementState(msgspec.Struct, kw_only=True):
    """One agreement as it stands now; `status` is its status today."""

    id: UUID
    version: int
    partnership_id: UUID
    kind: AgreementKind
    kind_label: str
    status: str
    status_label: str
    title: str
    purpose: str
    party_ids: list[UUID]
    obligations: list[ObligationView]
    signatures: list[SignatureView]
    unsigned_party_ids: list[UUID]
    valid_from: date
    valid_to: date
    renewals: list[date]
    expired_on: date | None
    terminated_on: date | None
    termination_reason: str | None
    created_at: datetime
    modified_at: datetime


# -- operations -----------------------------------------------------------------------


class Health(msgspec.Struct, kw_only=True):
    status: str


class StuckProjection(msgspec.Struct, kw_only=True):
    """A view stopped before an event it fails on; the other views go on (docs/operations.md)."""

    projection: str
    notification_id: int  # the event it fails on; its position is just before it
    error: str  # the kind of error only (the message is in the log and `tvaers project status`)
    attempts: int
    since: datetime


class Readiness(msgspec.Struct, kw_only=True, omit_defaults=True):
    status: str  # ready | degraded (a view is stuck: still 200) | unavailable (503)
    store: str
    max_notification_id: int
    lag: int | None  # events the slowest view is behind the log (None: unknown)
    stuck: list[StuckProjection] = msgspec.field(default_factory=list)


# -- evaluator toolkit: self-assessment of anchoring, evaluators' notes ------------------


class RatingRecord(Body[RateAnchoring], kw_only=True):
    """The steering group rates a dimension on the 1-7 scale (selvevaluering); `valid_on` is
    the date of the rating, `rated_by` the person who gave it (optional)."""

    path = ("partnership_id",)


class AnnotationRecord(Body[RecordAnnotation], kw_only=True):
    """A new note, a draft until its author publishes it."""

    path = ("partnership_id",)


class AnnotationRevision(Body[ReviseAnnotation], kw_only=True):
    """The note rewritten (only an unpublished note, by its author)."""

    path = ("partnership_id", "annotation_id")
