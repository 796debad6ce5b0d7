"""What each event changed from: a fold over one aggregate's stream, in version order.

An event's payload says what is now (a rung, a status, a holder); the history also says
what was before ("flyttet fra trin 2 til trin 3", "Rolle ledig: projektleder (Mette
Hansen er fratrådt)", "datoen for »…« rettet fra 01.09.2019 til 20.08.2019"). `Trail`
walks the stream of one aggregate (partnership, agreement, organisation, person,
annotation or account) as the audit view keeps it, and gives each event the fields its
sentence may use besides its payload (projections/history.py `fields_of`):

- `old_…`: the value before (`old_rung`, `old_status`, `old_person_id`, `old_valid_to`,
  ...), and names the payload lacks (`role`, `person_id` and `seat` of a step-down);
- `_previous`: the structure before a change that lists its fields (the registry before
  an update without `previous`, the terms of reference, an agreement's terms, ...);
- `_corrects`: the corrected event (kind, aggregate and its own payload with its trail
  fields), so a correction names what it corrects; `corrects` is where it stands.

`PROVIDES` declares, per event class, the fields its step may add (the event readers'
test checks the sentences against it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aggregates import Agreement, Annotation, Organisation, Partnership, Person
from aggregates.account import Account

Extras = dict[str, Any]


@dataclass(frozen=True)
class Where:
    """Where an event stands in the history (for a link to it)."""

    aggregate_id: str
    version: int
    recorded_at: datetime | None


@dataclass
class _Event:
    kind: str
    aggregate: str
    payload: dict[str, Any]
    where: Where


@dataclass
class Trail:
    """The state of one aggregate as far as its history's sentences need it."""

    aggregate_id: str
    aggregate: str
    state: dict[str, Any] = field(default_factory=dict)
    events: dict[int, _Event] = field(default_factory=dict)

    def step(
        self,
        cls: type,
        version: int,
        valid_on: Any,
        payload: Mapping[str, Any],
        recorded_at: datetime | None = None,
    ) -> Extras:
        """The fields the event's sentence may use besides its payload; then the event
        is folded in."""
        handler = _STEPS.get(cls)
        extras: Extras = handler(self, payload, valid_on) if handler else {}
        if cls in _CORRECTIONS:
            corrected = self.events.get(int(payload.get("corrects_version", -1)))
            if corrected is not None:
                extras["_corrects"] = {
                    "kind": corrected.kind,
                    "aggregate": corrected.aggregate,
                    "payload": corrected.payload,
                }
                extras["corrects"] = corrected.where
        self.events[version] = _Event(
            kind=cls.__name__,
            aggregate=self.aggregate,
            payload={**payload, **{k: v for k, v in extras.items() if k != "corrects"}},
            where=Where(self.aggregate_id, version, recorded_at),
        )
        self.state.setdefault("valid_on", {})[version] = str(valid_on)
        return extras


Step = Callable[[Trail, Mapping[str, Any], Any], Extras]
_STEPS: dict[type, Step] = {}
PROVIDES: dict[type, frozenset[str]] = {}
"""The fields each event class's step may add (besides `_previous` and `_corrects`)."""


def _on(cls: type, *provides: str) -> Callable[[Step], Step]:
    def register(step: Step) -> Step:
        _STEPS[cls] = step
        PROVIDES[cls] = frozenset(provides)
        return step

    return register


def _some(**values: Any) -> Extras:
    return {k: v for k, v in values.items() if v is not None}


P = Partnership
_CORRECTIONS = (P.DateCorrected, P.RungCorrected, P.MilestoneCorrected)


# -- partnership -------------------------------------------------------------------------


@_on(P.Registered)
def _registered(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state["registry"] = copy.deepcopy(e.get("registry"))
    return {}


@_on(P.RegistryUpdated)
def _registry_updated(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("registry")
    t.state["registry"] = copy.deepcopy(e.get("registry"))
    return {} if e.get("previous") or before is None else {"_previous": before}


def _rungs(t: Trail) -> dict[str, Any]:
    rungs: dict[str, Any] = t.state.setdefault("rungs", {})
    return rungs


@_on(P.PartnerJoined)
def _joined(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    _rungs(t)[str(e.get("organisation_id"))] = e.get("rung")
    return {}


@_on(P.PartnerLeft, "old_rung")
def _left(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    return _some(old_rung=_rungs(t).get(str(e.get("organisation_id"))))


@_on(P.RungChanged, "old_rung")
def _rung_changed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    organisation = str(e.get("organisation_id"))
    before = _rungs(t).get(organisation)
    _rungs(t)[organisation] = e.get("rung")
    return _some(old_rung=before)


def _backings(t: Trail) -> dict[str, Any]:
    backings: dict[str, Any] = t.state.setdefault("backings", {})
    return backings


@_on(P.AgreementBacked)
def _backed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    _backings(t)[str(e.get("agreement_id"))] = e.get("valid_to")
    return {}


@_on(P.AgreementRenewed, "old_valid_to")
def _renewed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    agreement = str(e.get("agreement_id"))
    before = _backings(t).get(agreement)
    _backings(t)[agreement] = e.get("valid_to")
    return _some(old_valid_to=before)


@_on(P.AgreementEnded, "old_valid_to")
def _ended(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    return _some(old_valid_to=_backings(t).get(str(e.get("agreement_id"))))


def _seats(t: Trail) -> dict[str, dict[str, Any]]:
    seats: dict[str, dict[str, Any]] = t.state.setdefault("seats", {})
    return seats


@_on(P.SteeringMemberAppointed)
def _appointed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    _seats(t)[str(e.get("appointment_id"))] = {
        "person_id": e.get("person_id"),
        "seat": e.get("seat"),
    }
    return {}


@_on(P.SteeringSeatChanged, "person_id")
def _seat_changed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    seat = _seats(t).setdefault(str(e.get("appointment_id")), {})
    seat["seat"] = e.get("seat")
    seat.setdefault("person_id", e.get("person_id"))
    return {}


@_on(P.SteeringMemberSteppedDown, "person_id", "seat")
def _stepped_down(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    seat = _seats(t).get(str(e.get("appointment_id")), {})
    return _some(person_id=seat.get("person_id"), seat=seat.get("seat"))


@_on(P.SecretariatAssigned, "old_organisation_id")
def _secretariat(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("secretariat")
    t.state["secretariat"] = e.get("organisation_id")
    return _some(old_organisation_id=before)


def _activities(t: Trail) -> dict[str, dict[str, Any]]:
    activities: dict[str, dict[str, Any]] = t.state.setdefault("activities", {})
    return activities


def _activity_of(t: Trail, e: Mapping[str, Any]) -> dict[str, Any]:
    return _activities(t).setdefault(str(e.get("activity_id")), {})


@_on(P.ActivityLaunched)
def _launched(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    _activities(t)[str(e.get("activity_id"))] = {
        key: e.get(key) for key in ("title", "status", "target_group", "arena", "owner_ids")
    }
    return {}


@_on(P.ActivityStatusChanged, "activity", "old_status")
def _status_changed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    activity = _activity_of(t, e)
    before = activity.get("status")
    activity["status"] = e.get("status")
    return _some(activity=activity.get("title"), old_status=before)


@_on(P.ActivityAdjusted, "activity")
def _adjusted(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    activity = _activity_of(t, e)
    before = dict(activity)
    for key in ("title", "target_group", "arena", "owner_ids"):
        if e.get(key) is not None:
            activity[key] = e.get(key)
    return _some(activity=before.get("title"), _previous=before)


@_on(P.TermsOfReferenceIssued)
def _terms_issued(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("terms")
    t.state["terms"] = copy.deepcopy(e.get("terms"))
    return {"_previous": before if before is not None else {}}


def _positions(t: Trail) -> dict[str, dict[str, Any]]:
    positions: dict[str, dict[str, Any]] = t.state.setdefault("positions", {})
    return positions


@_on(P.RoleAssigned)
def _assigned(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    _positions(t)[str(e.get("position_id"))] = {
        "role": e.get("role"),
        "activity_id": e.get("activity_id"),
        "person_id": e.get("person_id"),
        "organisation_id": e.get("organisation_id"),
    }
    return {}


@_on(P.RoleHandedOver, "role", "activity_id", "old_person_id", "old_organisation_id")
def _handed_over(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    position = _positions(t).setdefault(str(e.get("position_id")), {})
    extras = _some(
        role=position.get("role"),
        activity_id=position.get("activity_id"),
        old_person_id=position.get("person_id"),
        old_organisation_id=position.get("organisation_id"),
    )
    position["person_id"] = e.get("person_id")
    position["organisation_id"] = e.get("organisation_id")
    return extras


@_on(P.RoleVacated, "role", "activity_id", "old_person_id", "old_organisation_id")
def _vacated(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    position = _positions(t).setdefault(str(e.get("position_id")), {})
    extras = _some(
        role=position.get("role"),
        activity_id=position.get("activity_id"),
        old_person_id=position.get("person_id"),
        old_organisation_id=position.get("organisation_id"),
    )
    position["person_id"] = position["organisation_id"] = None
    return extras


def _milestones(t: Trail) -> dict[str, dict[str, Any]]:
    milestones: dict[str, dict[str, Any]] = t.state.setdefault("milestones", {})
    return milestones


_MILESTONE = ("title", "dimension", "status", "evidence")


@_on(P.MilestoneRecorded)
def _milestone(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    _milestones(t)[str(e.get("milestone_id"))] = {key: e.get(key) for key in _MILESTONE}
    return {}


@_on(P.MilestoneCorrected, "milestone")
def _milestone_corrected(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    corrected = t.events.get(int(e.get("corrects_version", -1)))
    if corrected is None:
        return {}
    milestone = _milestones(t).setdefault(str(corrected.payload.get("milestone_id")), {})
    before = dict(milestone)
    milestone.update({key: e.get(key) for key in _MILESTONE})
    return _some(_previous=before, milestone=before.get("title"))


@_on(P.FactorRecorded, "linked", "events")  # the sentences of `_linked`; its numbers
def _factor(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state.setdefault("factors", {})[str(e.get("factor_id"))] = e.get("description")
    return _linked_events(t, e.get("event_versions"))


@_on(P.FactorLinked, "factor", "milestone")
def _linked(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    milestone = _milestones(t).get(str(e.get("milestone_id")), {})
    return _some(
        factor=t.state.get("factors", {}).get(str(e.get("factor_id"))),
        milestone=milestone.get("title"),
    )


def _linked_events(t: Trail, versions: Any) -> Extras:
    """`_linked`: the events a factor is linked to (kind, aggregate and payload with its
    trail fields, like a correction's `_corrects`), those the stream holds."""
    found = []
    for version in versions if isinstance(versions, list | tuple) else ():
        linked = t.events.get(int(version))
        if linked is not None:
            found.append(
                {"kind": linked.kind, "aggregate": linked.aggregate, "payload": linked.payload}
            )
    return {"_linked": found} if found else {}


@_on(P.FactorEventLinked, "factor", "linked")
def _event_linked(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    """The factor's description, and the event it is linked to."""
    return {
        **_some(factor=t.state.get("factors", {}).get(str(e.get("factor_id")))),
        **_linked_events(t, [e.get("event_version", -1)]),
    }


@_on(P.AnchoringRated, "old_rating")
def _rated(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    ratings = t.state.setdefault("ratings", {})
    before = ratings.get(e.get("dimension"))
    ratings[e.get("dimension")] = e.get("rating")
    return _some(old_rating=before)


@_on(P.FollowUpScheduled)
def _scheduled(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state.setdefault("follow_ups", {})[str(e.get("follow_up_id"))] = e.get("label")
    return {}


@_on(P.FollowUpRecorded, "follow_up")
def _followed_up(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    return _some(follow_up=t.state.get("follow_ups", {}).get(str(e.get("follow_up_id"))))


@_on(P.PhaseEntered, "old_phase")
def _phase(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("phase")
    t.state["phase"] = e.get("phase")
    return _some(old_phase=before)


@_on(P.DateCorrected, "old_valid_on")
def _date_corrected(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    dates: dict[int, str] = t.state.setdefault("valid_on", {})
    version = int(e.get("corrects_version", -1))
    before = dates.get(version)
    if version in dates:
        dates[version] = str(e.get("corrected_valid_on"))
    return _some(old_valid_on=before)


@_on(P.RungCorrected, "old_rung")
def _rung_corrected(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    corrected = t.events.get(int(e.get("corrects_version", -1)))
    if corrected is None:
        return {}
    before = corrected.payload.get("rung")
    corrections = t.state.setdefault("rung_corrections", {})
    before = corrections.get(corrected.where.version, before)
    corrections[corrected.where.version] = e.get("rung")
    organisation = str(corrected.payload.get("organisation_id"))
    if _rungs(t).get(organisation) == before:
        _rungs(t)[organisation] = e.get("rung")
    return _some(old_rung=before)


# -- agreement ---------------------------------------------------------------------------


@_on(Agreement.Drafted)
def _drafted(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state["terms"] = copy.deepcopy(e.get("terms"))
    return {}


def _agreement(t: Trail) -> Extras:
    terms = t.state.get("terms") or {}
    return _some(agreement_id=t.aggregate_id, agreement=terms.get("title"))


@_on(Agreement.Amended, "agreement", "agreement_id")
def _amended(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    extras = _agreement(t)
    before = t.state.get("terms")
    t.state["terms"] = copy.deepcopy(e.get("terms"))
    return {**extras, "_previous": before} if before is not None else extras


@_on(Agreement.PartySigned, "agreement", "agreement_id")
def _signed(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    return _agreement(t)


@_on(Agreement.Renewed, "agreement", "agreement_id", "old_valid_to")
def _agreement_renewed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    terms = t.state.get("terms") or {}
    extras = {**_agreement(t), **_some(old_valid_to=terms.get("valid_to"))}
    if isinstance(t.state.get("terms"), dict):
        t.state["terms"]["valid_to"] = e.get("valid_to")
    return extras


def _agreement_end(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    terms = t.state.get("terms") or {}
    return {**_agreement(t), **_some(old_valid_to=terms.get("valid_to"))}


_on(Agreement.Expired, "agreement", "agreement_id", "old_valid_to")(_agreement_end)
_on(Agreement.Terminated, "agreement", "agreement_id", "old_valid_to")(_agreement_end)


# -- directory ---------------------------------------------------------------------------


@_on(Organisation.Registered)
def _organisation(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state["name"] = e.get("name")
    return {}


@_on(Organisation.Renamed, "old_name")
def _renamed(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("name")
    t.state["name"] = e.get("name")
    return _some(old_name=before)


def _organisation_end(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    return _some(old_name=t.state.get("name"))


_on(Organisation.Merged, "old_name")(_organisation_end)
_on(Organisation.Closed, "old_name")(_organisation_end)


def _person(t: Trail) -> Extras:
    return {"person_id": t.aggregate_id}


@_on(Person.Registered, "person_id")
def _person_registered(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state["organisation_id"] = e.get("organisation_id")
    return _person(t)


@_on(Person.ContactChanged, "person_id")
def _contact(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    return _person(t)


@_on(Person.MovedOrganisation, "person_id", "old_organisation_id")
def _moved(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("organisation_id")
    t.state["organisation_id"] = e.get("organisation_id")
    return {**_person(t), **_some(old_organisation_id=before)}


@_on(Person.Erased, "old_organisation_id")
def _erased(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    return _some(old_organisation_id=t.state.get("organisation_id"))


# -- the evaluator's notes ----------------------------------------------------------------

_NOTE = ("kind", "dimension", "text")


@_on(Annotation.Recorded)
def _note(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state["note"] = {key: e.get(key) for key in _NOTE}
    return {}


@_on(Annotation.Revised)
def _note_revised(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("note") or {}
    t.state["note"] = {key: e.get(key) for key in _NOTE}
    return {"_previous": before}


def _note_now(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    note = t.state.get("note") or {}
    return _some(old_kind=note.get("kind"), old_text=note.get("text"))


_on(Annotation.Published, "old_kind", "old_text")(_note_now)
_on(Annotation.Withdrawn, "old_kind", "old_text")(_note_now)


# -- accounts ----------------------------------------------------------------------------


def _user(t: Trail) -> Extras:
    return _some(username=t.state.get("username"))


@_on(Account.Created)
def _account(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state.update(username=e.get("username"), is_admin=e.get("is_admin"))
    return {}


def _just_user(t: Trail, _e: Mapping[str, Any], __: Any) -> Extras:
    return _user(t)


for _cls in (
    Account.PasswordChanged,
    Account.Deactivated,
    Account.Reactivated,
    Account.IdentityBound,  # single sign-on (ADR 0021)
    Account.ProfileUpdated,
):
    _on(_cls, "username")(_just_user)


@_on(Account.AdminChanged, "username", "old_is_admin")
def _admin(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    before = t.state.get("is_admin")
    t.state["is_admin"] = e.get("is_admin")
    return {**_user(t), **_some(old_is_admin=before)}


@_on(Account.Granted, "username")
def _granted(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state.setdefault("grants", {})[str(e.get("grant_id"))] = {
        "role": e.get("role"),
        "partnership_id": e.get("partnership_id"),
        "municipality": e.get("municipality"),
    }
    return _user(t)


@_on(Account.GrantRevoked, "username", "old_role", "partnership_id", "municipality")
def _revoked(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    grant = t.state.get("grants", {}).get(str(e.get("grant_id")), {})
    return {
        **_user(t),
        **_some(
            old_role=grant.get("role"),
            partnership_id=grant.get("partnership_id"),
            municipality=grant.get("municipality"),
        ),
    }


@_on(Account.TokenIssued, "username")
def _token(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    t.state.setdefault("tokens", {})[str(e.get("token_id"))] = e.get("label")
    return _user(t)


@_on(Account.TokenRevoked, "username", "old_label")
def _token_revoked(t: Trail, e: Mapping[str, Any], _: Any) -> Extras:
    return {**_user(t), **_some(old_label=t.state.get("tokens", {}).get(str(e.get("token_id"))))}


del P
