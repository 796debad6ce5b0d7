"""Every write use case as data: one command struct each, and the envelope it travels in.

A command names what is to change and carries its constraints once (services/fields.py):
the API's request body is derived from it (api/schemas.py, `Body`), the web forms convert
their fields into it (api/ui/forms.py), and the demo loader and the tests build it
directly. `Tvaers.execute(command, envelope)` runs it through one table (command class ->
aggregate kind and handler, services/application.py). ADR 0014 has the recipe for a new one.

Conventions:
- The command holds the ids it addresses; the aggregate it changes is found by the kind's
  id field (`partnership_id` for a partnership, `organisation_id`, `person_id`,
  `agreement_id`).
- Who, when and why is not part of the command: it travels beside it in the `Envelope`
  (actor, valid_on, reason, correlation id as the events' `Meta`; expected version;
  idempotency key).
- A command built in code is not validated by msgspec (only decoding and `convert` are):
  the domain still checks every rule, the fields' constraints are the edge's first line.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Annotated, Any, Self, TypeVar
from uuid import UUID

import msgspec

from aggregates import (
    Contact,
    EventRef,
    Evidence,
    Meta,
    Obligation,
    Registry,
    Terms,
    TermsOfReference,
)
from aggregates.account import AccessRole
from aggregates.partnership import Who5
from aggregates.taxonomy import (
    ActivityStatus,
    AgreementKind,
    AnchoringStatus,
    AnnotationKind,
    AssessmentAnswer,
    AssessmentQuestion,
    Dimension,
    EvaluationKind,
    EvaluationMethod,
    FactorEffect,
    FactorOrigin,
    ImplementationPhase,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    SeatRole,
    Sector,
)
from services.fields import (
    Amount,
    AnyRung,
    Bearing,
    Count,
    Cvr,
    Email,
    Fact,
    Ids,
    Items,
    JoinRung,
    Link,
    LongText,
    Municipality,
    Name,
    Phone,
    Plan,
    Rating,
    Score,
    Text,
    Version,
)


@dataclass(frozen=True)
class Idempotency:
    """A write's Idempotency-Key, who sent it, and the fingerprint of its request."""

    actor: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class Envelope:
    """What travels beside a command: who, when in the world and why (the events' `Meta`:
    actor, valid_on, reason, correlation id), the version the writer saw (If-Match), and
    the Idempotency-Key that makes a retry return the first result.

    `expected_version` is strict: any other current version refuses the write.
    `base_version` (a web form's hidden version: the version it was loaded from) is not:
    the command runs on the current state, and only if an event since that version
    touched the same thing as this command's events is it refused (`EditConflict`;
    aggregates/subjects.py, ADR 0016)."""

    meta: Meta
    expected_version: int | None = None
    idempotency: Idempotency | None = None
    base_version: int | None = None


class Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A write use case. Subclasses are frozen, keyword-only and refuse unknown fields."""


# -- partnership: partners and the ladder --------------------------------------------------


class MoveOnLadder(Command, frozen=True, kw_only=True):
    """Move a partner to a rung (1-6); rungs 5-6 need an agreement of that kind in force."""

    partnership_id: UUID
    organisation_id: UUID
    rung: AnyRung
    evidence: LongText


class JoinPartner(Command, frozen=True, kw_only=True):
    """An organisation joins the partnership; a new partner starts at most on rung 4."""

    partnership_id: UUID
    organisation_id: UUID
    rung: JoinRung = 1
    evidence: LongText = ""


class LeavePartner(Command, frozen=True, kw_only=True):
    """The partner leaves; roles held by its people fall vacant."""

    partnership_id: UUID
    organisation_id: UUID


# -- partnership: governance (steering group, secretariat, terms of reference, decisions) --


class AppointSteeringMember(Command, frozen=True, kw_only=True):
    """A person takes a seat in the steering group (formand, næstformand or medlem)."""

    partnership_id: UUID
    person_id: UUID
    seat: SeatRole = SeatRole.MEMBER


class ChangeSteeringSeat(Command, frozen=True, kw_only=True):
    """A steering-group member takes another seat (formand, næstformand or medlem) from the
    envelope's valid_on; at most one formand and one næstformand at a time."""

    partnership_id: UUID
    person_id: UUID
    seat: SeatRole


class StepDownSteeringMember(Command, frozen=True, kw_only=True):
    """The person leaves their seat in the steering group."""

    partnership_id: UUID
    person_id: UUID


class AssignSecretariat(Command, frozen=True, kw_only=True):
    """A partner holds the secretariat (or takes it over from another)."""

    partnership_id: UUID
    organisation_id: UUID


class StaffSecretariat(Command, frozen=True, kw_only=True):
    """A person joins the secretariat's staff; the secretariat must be assigned."""

    partnership_id: UUID
    person_id: UUID


class ReleaseSecretariatStaff(Command, frozen=True, kw_only=True):
    """A person leaves the secretariat's staff."""

    partnership_id: UUID
    person_id: UUID


class IssueTermsOfReference(Command, frozen=True, kw_only=True):
    """A new version of the terms of reference (kommissorium), optionally approved by a
    steering-group decision."""

    partnership_id: UUID
    purpose: LongText
    composition: LongText = ""
    task: LongText = ""
    time_plan: LongText = ""
    focus_areas: Items = msgspec.field(default_factory=list)
    decision_id: UUID | None = None

    @classmethod
    def of(
        cls, terms: TermsOfReference, *, partnership_id: UUID, decision_id: UUID | None = None
    ) -> IssueTermsOfReference:
        """The command for terms already built (the demo, tests)."""
        return cls(
            partnership_id=partnership_id,
            purpose=terms.purpose,
            composition=terms.composition,
            task=terms.task,
            time_plan=terms.time_plan,
            focus_areas=list(terms.focus_areas),
            decision_id=decision_id,
        )

    def terms(self) -> TermsOfReference:
        return TermsOfReference(
            purpose=self.purpose,
            composition=self.composition,
            task=self.task,
            time_plan=self.time_plan,
            focus_areas=tuple(self.focus_areas),
        )


class RecordDecision(Command, frozen=True, kw_only=True):
    """A steering-group decision taken at a meeting (the envelope's valid_on), with what it
    approved; the steering group must sit on that date."""

    partnership_id: UUID
    title: Name
    approved: Items = msgspec.field(default_factory=list)
    linked_ids: Ids = msgspec.field(default_factory=list)
    """What of the partnership the decision concerns: its activities, agreements,
    milestones, evaluations or earlier decisions (each must be the partnership's)."""


# -- partnership: roles --------------------------------------------------------------------


class AssignRole(Command, frozen=True, kw_only=True):
    """A person of a partner takes a role: a new position, or (`position_id`) a vacant one."""

    partnership_id: UUID
    role: RoleKind
    person_id: UUID
    activity_id: UUID | None = None
    position_id: UUID | None = None


class HandOverRole(Command, frozen=True, kw_only=True):
    """The held role passes to another person of a partner."""

    partnership_id: UUID
    position_id: UUID
    person_id: UUID


class VacateRole(Command, frozen=True, kw_only=True):
    """The holder leaves the role; the position stays, vacant."""

    partnership_id: UUID
    position_id: UUID


# -- partnership: registering it, its registry fields -------------------------------------


class RegisterPartnership(Command, frozen=True, kw_only=True):
    """Register a partnership; its registering user becomes its project leader."""

    title: Name
    municipality: Municipality  # one of the 98 (services/fields.py)
    lead_organisation_id: UUID
    purpose: LongText = ""
    target_groups: Items = msgspec.field(default_factory=list)
    arenas: Items = msgspec.field(default_factory=list)
    kind: PartnershipType = PartnershipType.PROJECT
    period_start: Plan | None = None
    period_end: Plan | None = None
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

    @classmethod
    def of(cls, registry: Registry, *, lead_organisation_id: UUID) -> RegisterPartnership:
        """The command for a registry already built (the demo, tests)."""
        return _with_registry(cls, registry, lead_organisation_id=lead_organisation_id)

    def registry(self) -> Registry:
        return _registry(self)


class UpdateRegistry(Command, frozen=True, kw_only=True):
    """Every registry field of the partnership: fields left out take their default (empty)."""

    partnership_id: UUID
    title: Name
    municipality: Municipality
    purpose: LongText = ""
    target_groups: Items = msgspec.field(default_factory=list)
    arenas: Items = msgspec.field(default_factory=list)
    kind: PartnershipType = PartnershipType.PROJECT
    period_start: Plan | None = None
    period_end: Plan | None = None
    prevention_categories: Annotated[list[PreventionCategory], msgspec.Meta(max_length=4)] = (
        msgspec.field(default_factory=list)
    )
    bearings: Annotated[list[Bearing], msgspec.Meta(max_length=6)] = msgspec.field(
        default_factory=list
    )
    tags: Items = msgspec.field(default_factory=list)
    yearly_budget_dkk: Amount | None = None
    staff_hours_per_year: Amount | None = None
    recruitment_channels: Items = msgspec.field(default_factory=list)
    evaluation_status: Text = ""
    attention_points: LongText = ""
    barriers: LongText = ""
    promoting_factors: LongText = ""

    @classmethod
    def of(cls, registry: Registry, *, partnership_id: UUID) -> UpdateRegistry:
        """The command for a registry already built (the demo, tests)."""
        return _with_registry(cls, registry, partnership_id=partnership_id)

    def registry(self) -> Registry:
        return _registry(self)


class ChangeRegistryFields(Command, frozen=True, kw_only=True):
    """Change only the registry fields named: a field left out keeps its current value
    (someone else's change to it stands). `null` empties the period dates, the budget
    and the staff hours; an empty list or text empties the others."""

    partnership_id: UUID
    title: Name | msgspec.UnsetType = msgspec.UNSET
    municipality: Municipality | msgspec.UnsetType = msgspec.UNSET
    purpose: LongText | msgspec.UnsetType = msgspec.UNSET
    target_groups: Items | msgspec.UnsetType = msgspec.UNSET
    arenas: Items | msgspec.UnsetType = msgspec.UNSET
    kind: PartnershipType | msgspec.UnsetType = msgspec.UNSET
    period_start: Plan | msgspec.UnsetType | None = msgspec.UNSET
    period_end: Plan | msgspec.UnsetType | None = msgspec.UNSET
    prevention_categories: (
        Annotated[list[PreventionCategory], msgspec.Meta(max_length=4)] | msgspec.UnsetType
    ) = msgspec.UNSET
    bearings: Annotated[list[Bearing], msgspec.Meta(max_length=6)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    tags: Items | msgspec.UnsetType = msgspec.UNSET
    yearly_budget_dkk: Amount | msgspec.UnsetType | None = msgspec.UNSET
    staff_hours_per_year: Amount | msgspec.UnsetType | None = msgspec.UNSET
    recruitment_channels: Items | msgspec.UnsetType = msgspec.UNSET
    evaluation_status: Text | msgspec.UnsetType = msgspec.UNSET
    attention_points: LongText | msgspec.UnsetType = msgspec.UNSET
    barriers: LongText | msgspec.UnsetType = msgspec.UNSET
    promoting_factors: LongText | msgspec.UnsetType = msgspec.UNSET

    def changes(self) -> dict[str, Any]:
        """The registry fields named, with their new values."""
        return {
            name: getattr(self, name)
            for name in Registry.__struct_fields__
            if getattr(self, name) is not msgspec.UNSET
        }

    @classmethod
    def between(
        cls, before: Registry, after: Registry, *, partnership_id: UUID
    ) -> ChangeRegistryFields:
        """The command that changes the fields where `after` differs from `before` (a form
        loaded at `before`, posted as `after`): the other fields are left as they are now."""
        values: dict[str, Any] = {
            name: list(new) if isinstance(new, tuple) else new
            for name in Registry.__struct_fields__
            if (new := getattr(after, name)) != getattr(before, name)
        }
        return cls(partnership_id=partnership_id, **values)


class EnterOperations(Command, frozen=True, kw_only=True):
    """The anchoring step: the partnership goes from projekt to drift (permanent
    operation), recorded as a registry change of its type alone."""

    partnership_id: UUID


R = TypeVar("R", RegisterPartnership, UpdateRegistry)


def _with_registry(cls: type[R], registry: Registry, **ids: UUID) -> R:
    left_out = [
        name
        for name in Registry.__struct_fields__
        if name not in cls.__struct_fields__ and getattr(registry, name)
    ]
    if left_out:
        raise ValueError(f"{cls.__name__} has no {left_out}: set them with UpdateRegistry.")
    fields: dict[str, Any] = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in msgspec.structs.asdict(registry).items()
        if name in cls.__struct_fields__
    }
    fields.update(ids)
    return cls(**fields)


def _registry(command: Command) -> Registry:
    fields = {
        name: value
        for name, value in msgspec.structs.asdict(command).items()
        if name in Registry.__struct_fields__
    }
    return msgspec.convert(fields, Registry, from_attributes=True)


# -- the directory: organisations and persons -----------------------------------------------


class RegisterOrganisation(Command, frozen=True, kw_only=True):
    """Register an organisation (under an active parent, if one is named)."""

    name: Name
    sector: Sector
    municipality: Municipality | None = None
    cvr: Cvr | None = None
    parent_id: UUID | None = None


class RenameOrganisation(Command, frozen=True, kw_only=True):
    """Give an active organisation a new name; its history keeps the old one."""

    organisation_id: UUID
    name: Name


class MergeOrganisation(Command, frozen=True, kw_only=True):
    """Merge this organisation into another (active) one; this one stops being active."""

    organisation_id: UUID
    into_id: UUID


class CloseOrganisation(Command, frozen=True, kw_only=True):
    """The organisation closed; it can take part in nothing new afterwards."""

    organisation_id: UUID


class _ContactCommand(Command, frozen=True, kw_only=True):
    name: Name
    title: Text = ""
    email: Email = ""
    phone: Phone = ""

    def contact(self) -> Contact:
        return Contact(name=self.name, title=self.title, email=self.email, phone=self.phone)

    @classmethod
    def of(cls, contact: Contact, **ids: UUID) -> Self:
        """The command for `contact` (tests and the demo build a Contact), with its ids."""
        return cls(
            name=contact.name, title=contact.title, email=contact.email, phone=contact.phone, **ids
        )


class RegisterPerson(_ContactCommand, frozen=True, kw_only=True):
    """Register a professional of an active organisation, with their contact details."""

    organisation_id: UUID


class ChangePersonContact(_ContactCommand, frozen=True, kw_only=True):
    """The person's contact details, all of them: fields left out become empty."""

    person_id: UUID


class MovePerson(Command, frozen=True, kw_only=True):
    """The person now works for another (active) organisation."""

    person_id: UUID
    organisation_id: UUID


class ErasePerson(Command, frozen=True, kw_only=True):
    """Erase the person's contact details everywhere (GDPR); roles and history stay."""

    person_id: UUID


# -- agreements (samarbejdsaftale, partnerskabsaftale) ----------------------------------------


class ObligationFields(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    party_id: UUID
    text: LongText


class _AgreementTerms(Command, frozen=True, kw_only=True):
    """The negotiable content of an agreement: parties, who does what, validity."""

    title: Name
    purpose: LongText
    party_ids: Ids
    obligations: Annotated[list[ObligationFields], msgspec.Meta(max_length=50)]
    valid_from: Plan
    valid_to: Plan

    def terms(self) -> Terms:
        return Terms(
            title=self.title,
            purpose=self.purpose,
            party_ids=tuple(self.party_ids),
            obligations=tuple(
                Obligation(party_id=o.party_id, text=o.text) for o in self.obligations
            ),
            valid_from=self.valid_from,
            valid_to=self.valid_to,
        )

    @staticmethod
    def _terms_fields(terms: Terms) -> dict[str, Any]:
        return {
            "title": terms.title,
            "purpose": terms.purpose,
            "party_ids": list(terms.party_ids),
            "obligations": [
                ObligationFields(party_id=o.party_id, text=o.text) for o in terms.obligations
            ],
            "valid_from": terms.valid_from,
            "valid_to": terms.valid_to,
        }


class DraftAgreement(_AgreementTerms, frozen=True, kw_only=True):
    """Draft a cooperation or partnership agreement between partners of the partnership
    (the lead organisation signs for it)."""

    partnership_id: UUID
    kind: AgreementKind

    @classmethod
    def of(cls, terms: Terms, *, partnership_id: UUID, kind: AgreementKind) -> DraftAgreement:
        """The command for terms already built (the demo, tests)."""
        return cls(partnership_id=partnership_id, kind=kind, **cls._terms_fields(terms))


class _AgreementCommand(Command, frozen=True, kw_only=True):
    """A change of one agreement. `partnership_id`, when given (the API's and the web
    page's path), must be the agreement's: an agreement of another one is not found."""

    agreement_id: UUID
    partnership_id: UUID | None = None


class AmendAgreement(_AgreementTerms, frozen=True, kw_only=True):
    """Replace the terms of an agreement not yet signed by every party; every party signs
    the amended text anew."""

    agreement_id: UUID
    partnership_id: UUID | None = None

    @classmethod
    def of(
        cls, terms: Terms, *, agreement_id: UUID, partnership_id: UUID | None = None
    ) -> AmendAgreement:
        """The command for terms already built (tests)."""
        return cls(
            agreement_id=agreement_id, partnership_id=partnership_id, **cls._terms_fields(terms)
        )


class SignAgreement(_AgreementCommand, frozen=True, kw_only=True):
    """A party signs, by a person who belongs to it; the last signature puts the agreement
    in force and lifts its parties on the ladder."""

    party_id: UUID
    signatory_id: UUID


class RenewAgreement(_AgreementCommand, frozen=True, kw_only=True):
    """Extend a signed agreement's validity to `valid_to`, before it runs out."""

    valid_to: Plan


class TerminateAgreement(_AgreementCommand, frozen=True, kw_only=True):
    """End the agreement early (the envelope's reason is required); its parties drop back
    on the ladder unless another agreement still backs their rung."""


class ExpireAgreement(_AgreementCommand, frozen=True, kw_only=True):
    """The agreement's validity ran out (the envelope's valid_on is after valid-to)."""


# -- partnership: activities and follow-up ------------------------------------------------


class LaunchActivity(Command, frozen=True, kw_only=True):
    """A new activity owned by one or more partners, planned (or `running`)."""

    partnership_id: UUID
    title: Name
    category: PreventionCategory
    owner_ids: Ids
    description: LongText = ""
    target_group: Text = ""
    arena: Text = ""
    running: bool = False


class ChangeActivityStatus(Command, frozen=True, kw_only=True):
    """Planned → running → paused → running … → ended; an ended activity changes no more."""

    partnership_id: UUID
    activity_id: UUID
    status: ActivityStatus


class AdjustActivity(Command, frozen=True, kw_only=True):
    """What was adjusted and why (`description`); fields left out stay as they are."""

    partnership_id: UUID
    activity_id: UUID
    description: LongText
    title: Name | None = None
    target_group: Text | None = None
    arena: Text | None = None
    owner_ids: Ids | None = None


class ScheduleFollowUp(Command, frozen=True, kw_only=True):
    """A retention follow-up of a cohort, due on `due_on`, for the partnership or an activity."""

    partnership_id: UUID
    label: Name
    due_on: Plan
    cohort: Count
    activity_id: UUID | None = None


class RecordFollowUp(Command, frozen=True, kw_only=True):
    """Counts only: participants reached and retained out of the cohort."""

    partnership_id: UUID
    follow_up_id: UUID
    reached: Count
    retained: Count


class EnterPhase(Command, frozen=True, kw_only=True):
    """The action plan moves on: plan → start → follow up → adjust, then plan or start anew."""

    partnership_id: UUID
    phase: ImplementationPhase
    note: LongText = ""


# -- partnership: anchoring and evaluation ------------------------------------------------


class EvidenceFields(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    text: LongText
    link: Link = ""
    document_ref: Text = ""

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceFields:
        """The fields of evidence already built (the demo, tests)."""
        return cls(text=evidence.text, link=evidence.link, document_ref=evidence.document_ref)

    def evidence(self) -> Evidence:
        return Evidence(text=self.text, link=self.link, document_ref=self.document_ref)


class RecordMilestone(Command, frozen=True, kw_only=True):
    """A dimension reached a status (started, partial, anchored), with evidence."""

    partnership_id: UUID
    dimension: Dimension
    status: AnchoringStatus
    title: Name
    evidence: EvidenceFields


# An event's number (version) in a partnership's history.
EventVersion = Annotated[int, msgspec.Meta(ge=1, le=2_147_483_647)]


class RecordFactor(Command, frozen=True, kw_only=True):
    """A promoting factor or a barrier, optionally linked to milestones."""

    partnership_id: UUID
    origin: FactorOrigin
    effect: FactorEffect
    description: LongText
    milestone_ids: Ids = msgspec.field(default_factory=list)
    # events of the partnership it came from or bears on, by their number in its history
    event_versions: Annotated[list[EventVersion], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )


class LinkFactor(Command, frozen=True, kw_only=True):
    """The factor also bears on this milestone."""

    partnership_id: UUID
    factor_id: UUID
    milestone_id: UUID


class LinkFactorToEvent(Command, frozen=True, kw_only=True):
    """The factor came from, or bears on, this event of the partnership (a role vacated,
    a partner leaving, a decision, ...), by its number in the partnership's history."""

    partnership_id: UUID
    factor_id: UUID
    event_version: EventVersion


class RecordEvaluation(Command, frozen=True, kw_only=True):
    """An internal or external evaluation: by whom, the method and the findings; WHO-5
    before/after as counts (respondents and mean score 0-100 on each side, when measured);
    and optionally its two assessments on the 4-point scale, recorded with it."""

    partnership_id: UUID
    kind: EvaluationKind
    evaluator: Name
    method: EvaluationMethod
    findings: LongText = ""
    who5_respondents_before: Count | None = None
    who5_mean_before: Score | None = None
    who5_respondents_after: Count | None = None
    who5_mean_after: Score | None = None
    purpose_met: AssessmentAnswer | None = None
    implemented_as_planned: AssessmentAnswer | None = None

    def who5(self) -> Who5 | None:
        """The WHO-5 counts, or None when no side is given."""
        given = (
            self.who5_respondents_before,
            self.who5_mean_before,
            self.who5_respondents_after,
            self.who5_mean_after,
        )
        if all(value is None for value in given):
            return None
        return Who5(
            respondents_before=self.who5_respondents_before,
            mean_before=self.who5_mean_before,
            respondents_after=self.who5_respondents_after,
            mean_after=self.who5_mean_after,
        )

    def assessments(self) -> list[tuple[AssessmentQuestion, AssessmentAnswer]]:
        given = (
            (AssessmentQuestion.PURPOSE_MET, self.purpose_met),
            (AssessmentQuestion.IMPLEMENTED_AS_PLANNED, self.implemented_as_planned),
        )
        return [(question, answer) for question, answer in given if answer is not None]


class RecordAssessment(Command, frozen=True, kw_only=True):
    """An answer on the 4-point scale to one of an evaluation's questions."""

    partnership_id: UUID
    evaluation_id: UUID
    question: AssessmentQuestion
    answer: AssessmentAnswer


class RateAnchoring(Command, frozen=True, kw_only=True):
    """The steering group rates a dimension 1-7; `rated_by` the person who gave it (optional;
    a registered person whose data is not erased)."""

    partnership_id: UUID
    dimension: Dimension
    rating: Rating
    comment: LongText = ""
    rated_by: UUID | None = None


# -- partnership: corrections (name the event by its version, see the audit history) -------


class CorrectDate(Command, frozen=True, kw_only=True):
    """The event of version `corrects_version` happened on `corrected_valid_on` instead."""

    partnership_id: UUID
    corrects_version: Version
    corrected_valid_on: Fact


class CorrectRung(Command, frozen=True, kw_only=True):
    """The join or ladder move of version `corrects_version` put the partner on `rung`."""

    partnership_id: UUID
    corrects_version: Version
    rung: AnyRung
    evidence: LongText


class CorrectMilestone(Command, frozen=True, kw_only=True):
    """The milestone of version `corrects_version` is replaced by this content (its date stays)."""

    partnership_id: UUID
    corrects_version: Version
    dimension: Dimension
    status: AnchoringStatus
    title: Name
    evidence: EvidenceFields


# -- annotations: evaluators' notes ----------------------------------------------------------


class EventLink(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """An event of the partnership's history, as the audit history names it: the
    partnership's or one of its agreements' id, and the event's version."""

    aggregate_id: UUID
    version: Version

    def ref(self) -> EventRef:
        return EventRef(aggregate_id=self.aggregate_id, version=self.version)


class _NoteFields(Command, frozen=True, kw_only=True):
    kind: AnnotationKind
    text: LongText
    dimension: Dimension | None = None
    links: Annotated[list[EventLink], msgspec.Meta(max_length=50)] = msgspec.field(
        default_factory=list
    )

    def refs(self) -> list[EventRef]:
        return [link.ref() for link in self.links]


def event_links(refs: Collection[EventRef]) -> list[EventLink]:
    """Events already named (the demo, tests) as a command's links."""
    return [EventLink(aggregate_id=r.aggregate_id, version=r.version) for r in refs]


class RecordAnnotation(_NoteFields, frozen=True, kw_only=True):
    """An evaluator's draft note on the partnership (a promoting factor, a barrier or a
    judgement), optionally about one dimension and linked to events of its history."""

    partnership_id: UUID


class ReviseAnnotation(_NoteFields, frozen=True, kw_only=True):
    """The whole note anew (fields left out become empty): only by its author, and only
    while it is not published."""

    partnership_id: UUID
    annotation_id: UUID


class PublishAnnotation(Command, frozen=True, kw_only=True):
    """Publish one's own note: everyone who may read the partnership sees it."""

    partnership_id: UUID
    annotation_id: UUID


class WithdrawAnnotation(Command, frozen=True, kw_only=True):
    """Withdraw one's own published note: only its author sees it again."""

    partnership_id: UUID
    annotation_id: UUID


# -- accounts and access (keyed by username; no partnership data) ----------------------------

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
"""A password as typed: it travels no further than the handler, which hashes it."""


class ChangePassword(Command, frozen=True, kw_only=True):
    """Set a new password (hashed by the handler); a user changing their own gives the
    current one. Every session and token of the account ends but `keep_token`."""

    username: str
    new_password: Password
    current_password: Password | None = None
    keep_token: UUID | None = None

    def __repr__(self) -> str:
        # The passwords never reach a log line or a traceback through the command.
        return f"ChangePassword(username={self.username!r}, keep_token={self.keep_token!r})"


class SetAdministrator(Command, frozen=True, kw_only=True):
    """Make a user an administrator, or not (their other sessions and tokens end).

    `administrators`: the active administrators the caller knows of; the last active one
    keeps the right (409)."""

    username: str
    is_admin: bool
    administrators: tuple[str, ...] = ()
    keep_token: UUID | None = None


class DeactivateAccount(Command, frozen=True, kw_only=True):
    """Deactivate a user: every session and token of theirs ends; not the last active
    administrator (409)."""

    username: str
    administrators: tuple[str, ...] = ()


class ReactivateAccount(Command, frozen=True, kw_only=True):
    """Reactivate a deactivated user."""

    username: str


class RevokeGrant(Command, frozen=True, kw_only=True):
    """Take away one of a user's grants."""

    username: str
    grant_id: UUID


class SignOnFirstTime(Command, frozen=True, kw_only=True):
    """A user's first single sign-on: an account bound to the identity provider's
    (issuer, subject), without a password (ADR 0021). Made by the login, not the API."""

    username: str
    display_name: Name
    email: str | None = None
    issuer: str
    subject: str


class UpdateProfile(Command, frozen=True, kw_only=True):
    """Name and e-mail as the identity provider says them at a login (single sign-on)."""

    username: str
    display_name: Name
    email: str | None = None


class RevokeToken(Command, frozen=True, kw_only=True):
    """End a session or an integration's token: it stops working at once (logging out)."""

    username: str
    token_id: UUID


class CreateAccount(Command, frozen=True, kw_only=True):
    """A new user. The handler hashes `password`; `password_hash`, when given, is its hash
    made already (the demo accounts share one published password, hashed once)."""

    username: str
    display_name: Name
    password: Password
    is_admin: bool = False
    password_hash: str | None = None

    def __repr__(self) -> str:
        # Neither the password nor its hash reaches a log line through the command.
        return f"CreateAccount(username={self.username!r}, is_admin={self.is_admin!r})"


class GrantAccess(Command, frozen=True, kw_only=True):
    """Grant a role on one partnership, or on every partnership of a municipality."""

    username: str
    role: AccessRole
    partnership_id: UUID | None = None
    municipality: Name | None = None
