"""What each event touches: the "things" two people editing side by side may both change.

A form remembers the version it was loaded from (`Envelope.base_version`). When it is
saved and the aggregate has moved on since, the application compares what the new
events touch with what the events since that version touched (services/application.py,
ADR 0016): the same thing (the same registry field, the same partner, the same role
position, the same steering member, the same activity, the same agreement's terms, ...)
is a conflict; anything else lands on the current version, the command having been run
(and its rules checked) on the current state.

A subject is a tuple of strings: its kind, then the id or name that tells which one
(`("registry", "title")`, `("partner", "<uuid>")`, `("secretariat",)`). An event
*touches* what it changes; it may also *read* what it depends on without changing it (a
signature depends on the terms being the ones its signer read). Two edits conflict when
one touches what the other touches or reads.

A correction touches what the corrected event touched (found by `earlier`, the stored
event of a version) and the corrected event itself (`("event", "<version>")`).

Every event class of every aggregate has an entry (tests/unit/test_subjects.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aggregates.account import Account
from aggregates.agreement import Agreement
from aggregates.annotation import Annotation
from aggregates.idempotency import IdempotentRequest
from aggregates.organisation import Organisation
from aggregates.partnership import Partnership, Registry
from aggregates.person import Person

Subject = tuple[str, ...]
Earlier = Callable[[int], Any]
"""The stored event of the same aggregate at a version (for corrections)."""

REGISTRY_FIELDS: tuple[str, ...] = tuple(Registry.__struct_fields__)


def _registry(names: Iterable[str]) -> set[Subject]:
    return {("registry", name) for name in names}


def _id(kind: str, field: str) -> Callable[[Any], set[Subject]]:
    return lambda e: {(kind, str(getattr(e, field)))}


def _fixed(*subjects: Subject) -> Callable[[Any], set[Subject]]:
    return lambda _e: set(subjects)


def _registry_updated(e: Any) -> set[Subject]:
    # Events written before `changed` existed name no field: they touched every one.
    return _registry(e.changed or REGISTRY_FIELDS)


def _registered(e: Any) -> set[Subject]:
    return _registry(REGISTRY_FIELDS) | {("partner", str(e.lead_organisation_id))}


def _steering(e: Any) -> set[Subject]:
    found: set[Subject] = {("appointment", str(e.appointment_id))}
    person = getattr(e, "person_id", None)
    if person is not None:
        found.add(("steering", str(person)))
    return found


def _role(e: Any) -> set[Subject]:
    return {("role", str(e.position_id))}


def _activity(e: Any) -> set[Subject]:
    return {("activity", str(e.activity_id))}


def _follow_up(e: Any) -> set[Subject]:
    found: set[Subject] = {("follow-up", str(e.follow_up_id))}
    return found


def _factor(e: Any) -> set[Subject]:
    return {("factor", str(e.factor_id))}


def _assessment(e: Any) -> set[Subject]:
    return {("evaluation", str(e.evaluation_id), str(e.question))}


def _secretariat_staff(e: Any) -> set[Subject]:
    return {("secretariat", str(e.person_id))}


# Corrections are resolved in `touches` (they need the corrected event).
_CORRECTIONS: tuple[type, ...] = (
    Partnership.DateCorrected,
    Partnership.RungCorrected,
    Partnership.MilestoneCorrected,
)

TOUCHES: dict[type, Callable[[Any], set[Subject]]] = {
    # -- partnership
    Partnership.Registered: _registered,
    Partnership.RegistryUpdated: _registry_updated,
    Partnership.PartnerJoined: _id("partner", "organisation_id"),
    Partnership.PartnerLeft: _id("partner", "organisation_id"),
    Partnership.RungChanged: _id("partner", "organisation_id"),
    Partnership.AgreementBacked: _id("agreement", "agreement_id"),
    Partnership.AgreementRenewed: _id("agreement", "agreement_id"),
    Partnership.AgreementEnded: _id("agreement", "agreement_id"),
    Partnership.SteeringMemberAppointed: _steering,
    Partnership.SteeringMemberSteppedDown: _steering,
    Partnership.SteeringSeatChanged: _steering,
    Partnership.SecretariatAssigned: _fixed(("secretariat",)),
    Partnership.SecretariatStaffed: _secretariat_staff,
    Partnership.SecretariatStaffLeft: _secretariat_staff,
    Partnership.ActivityLaunched: _activity,
    Partnership.ActivityStatusChanged: _activity,
    Partnership.ActivityAdjusted: _activity,
    Partnership.TermsOfReferenceIssued: _fixed(("terms",)),
    Partnership.DecisionRecorded: _id("decision", "decision_id"),
    Partnership.RoleAssigned: _role,
    Partnership.RoleHandedOver: _role,
    Partnership.RoleVacated: _role,
    Partnership.MilestoneRecorded: _id("milestone", "milestone_id"),
    Partnership.FactorRecorded: _factor,
    Partnership.FactorLinked: _factor,
    Partnership.FactorEventLinked: _factor,
    Partnership.AnchoringRated: _id("rating", "rating_id"),
    Partnership.EvaluationRecorded: _id("evaluation", "evaluation_id"),
    Partnership.AssessmentRecorded: _assessment,
    Partnership.FollowUpScheduled: _follow_up,
    Partnership.FollowUpRecorded: _follow_up,
    Partnership.PhaseEntered: _fixed(("phase",)),
    **{cls: _fixed() for cls in _CORRECTIONS},
    # -- agreement: its text, each party's signature, its validity
    Agreement.Drafted: _fixed(("terms",), ("validity",)),
    Agreement.Amended: _fixed(("terms",), ("validity",)),
    Agreement.PartySigned: _id("signature", "party_id"),
    Agreement.Renewed: _fixed(("validity",)),
    Agreement.Expired: _fixed(("validity",)),
    Agreement.Terminated: _fixed(("validity",)),
    # -- the directory
    Organisation.Registered: _fixed(("name",), ("status",), ("parent",)),
    Organisation.Renamed: _fixed(("name",)),
    Organisation.Merged: _fixed(("status",)),
    Organisation.Closed: _fixed(("status",)),
    Person.Registered: _fixed(("contact",), ("organisation",)),
    Person.ContactChanged: _fixed(("contact",)),
    Person.MovedOrganisation: _fixed(("organisation",)),
    Person.Erased: _fixed(("contact",), ("organisation",)),
    # -- evaluators' notes
    Annotation.Recorded: _fixed(("text",), ("status",)),
    Annotation.Revised: _fixed(("text",)),
    Annotation.Published: _fixed(("status",)),
    Annotation.Withdrawn: _fixed(("status",)),
    # -- accounts
    Account.Created: _fixed(("password",), ("admin",), ("active",)),
    Account.PasswordChanged: _fixed(("password",)),
    Account.AdminChanged: _fixed(("admin",)),
    Account.Deactivated: _fixed(("active",)),
    Account.Reactivated: _fixed(("active",)),
    Account.Granted: _id("grant", "grant_id"),
    Account.GrantRevoked: _id("grant", "grant_id"),
    Account.TokenIssued: _id("token", "token_id"),
    Account.TokenRevoked: _id("token", "token_id"),
    Account.IdentityBound: _fixed(("identity",)),
    Account.ProfileUpdated: _fixed(("profile",)),
    IdempotentRequest.Recorded: _fixed(("request",)),
}
"""Event class (as written, or as the aggregate re-creates it) -> what it changes."""

READS: dict[type, Callable[[Any], set[Subject]]] = {
    # A signature is given to the text and period its signer read.
    Agreement.PartySigned: _fixed(("terms",), ("validity",)),
    # A note is published as its author last read it.
    Annotation.Published: _fixed(("text",)),
    # A rung move leans on the agreements that back (or no longer back) it: the domain
    # re-checks that; nothing more to read here.
}
"""Event class -> what it depends on without changing it."""


def _entry(table: dict[type, Callable[[Any], set[Subject]]], cls: type) -> Any:
    for klass in cls.__mro__:
        found = table.get(klass)
        if found is not None:
            return found
    return None


def has_subjects(cls: type) -> bool:
    """Whether the event class has an entry (every event class must)."""
    return _entry(TOUCHES, cls) is not None


def touches(event: Any, earlier: Earlier | None = None) -> set[Subject]:
    """What the event changes. KeyError for an event class without an entry."""
    cls = type(event)
    if issubclass(cls, _CORRECTIONS):
        version = int(event.corrects_version)
        found: set[Subject] = {("event", str(version))}
        if earlier is not None:
            corrected = earlier(version)
            if corrected is not None:
                found |= touches(corrected, earlier)
        return found
    entry = _entry(TOUCHES, cls)
    if entry is None:
        raise KeyError(f"{cls.__qualname__} has no subjects (aggregates/subjects.py).")
    subjects: set[Subject] = entry(event)
    return subjects


def reads(event: Any) -> set[Subject]:
    """What the event depends on without changing it."""
    entry = _entry(READS, type(event))
    return set(entry(event)) if entry is not None else set()


def clashes(
    mine: Sequence[Any], theirs: Sequence[Any], earlier: Earlier | None = None
) -> list[tuple[Any, set[Subject]]]:
    """Each of `theirs` (events saved since the form was loaded) that conflicts with
    `mine` (the events the command would save), with the subjects they share: one
    touches what the other touches or reads."""
    my_touches: set[Subject] = set()
    my_reads: set[Subject] = set()
    for event in mine:
        my_touches |= touches(event, earlier)
        my_reads |= reads(event)
    found: list[tuple[Any, set[Subject]]] = []
    for event in theirs:
        their_touches = touches(event, earlier)
        shared = (their_touches & (my_touches | my_reads)) | (reads(event) & my_touches)
        if shared:
            found.append((event, shared))
    return found
