"""Every history entry says what changed (issue 15): the thing by name, old → new.

A realistic stream of every event type of every aggregate (projections.history.all_events)
is walked through the trail (projections/trail.py) the way the audit reader does, and
each event's Danish and English sentence must name what it is about (partner, role and
holder, person, activity, agreement, field) and, for a change, the old and the new value.
A new event type without a row here fails the walk.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest

from aggregates import Agreement, Annotation, Organisation, Partnership, Person
from aggregates.account import Account
from aggregates.dates import danish_time
from aggregates.idempotency import IdempotentRequest
from projections import history
from projections.history import Names
from projections.trail import Trail

P = Partnership


def _id() -> str:
    return str(uuid4())


KBH, DGI, SKOLE = _id(), _id(), _id()
METTE, JENS, ANNE = _id(), _id(), _id()
PARTNERSHIP, ACTIVITY, AGREEMENT, MILESTONE, FACTOR, FOLLOW_UP = (_id() for _ in range(6))
POSITION, APPOINTMENT, DECISION, EVALUATION = (_id() for _ in range(4))

NAMES = Names(
    names={
        UUID(KBH): "Københavns Kommune",
        UUID(DGI): "DGI Storstrøm",
        UUID(SKOLE): "Ølby Skole",
        UUID(METTE): "Mette Hansen",
        UUID(JENS): "Jens Ølgaard",
        UUID(ANNE): "Anne Æbelø",
    },
    titles={
        UUID(ACTIVITY): "Gå-klubben",
        UUID(AGREEMENT): "Samarbejdsaftale 2024",
        UUID(MILESTONE): "Byrådet vedtager budget",
        UUID(FACTOR): "Politisk opbakning",
        UUID(FOLLOW_UP): "Efter 3 måneder",
        UUID(PARTNERSHIP): "Sund By",
    },
)


def d(iso: str) -> tuple[str, str]:
    """A date as each locale writes it: (Danish, English)."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y"), iso


REGISTRY = {
    "title": "Sund By",
    "municipality": "København",
    "purpose": "Flere i bevægelse",
    "target_groups": ["ældre"],
    "arenas": [],
    "kind": "project",
    "period_start": "2024-01-01",
    "period_end": None,
    "prevention_categories": ["offer"],
    "bearings": [1],
    "tags": [],
    "yearly_budget_dkk": "100000",
    "staff_hours_per_year": None,
    "recruitment_channels": [],
    "evaluation_status": "",
    "attention_points": "",
    "barriers": "",
    "promoting_factors": "",
}
UPDATED = {
    **REGISTRY,
    "title": "Sund By 2.0",
    "period_end": "2026-12-31",
    "prevention_categories": ["offer", "early_detection"],
    "yearly_budget_dkk": "150000",
    "staff_hours_per_year": "1480.5",
}
TERMS = {
    "title": "Samarbejdsaftale 2024",
    "purpose": "Gå sammen",
    "party_ids": [KBH, DGI],
    "obligations": [{"party_id": DGI, "text": "stiller instruktører"}],
    "valid_from": "2024-02-01",
    "valid_to": "2025-01-31",
}
EVIDENCE = {"text": "Referat fra byrådet", "link": "", "document_ref": ""}

Row = tuple[type, dict[str, Any], tuple[Any, ...]]
"""An event class, its stored payload, and what each sentence must say (a string for both
locales, or a (Danish, English) pair)."""

PARTNERSHIP_STREAM: list[Row] = [
    (
        P.Registered,
        {"registry": REGISTRY, "lead_organisation_id": KBH},
        ("Sund By", "Københavns Kommune"),
    ),
    # an old update: no `changed`/`previous`; the trail gives the registry before
    (
        P.RegistryUpdated,
        {"registry": UPDATED},
        (
            ("Titel: «Sund By» → «Sund By 2.0»", "Title: “Sund By” → “Sund By 2.0”"),
            ("Periode til: (tom) → 31.12.2026", "Period to: (empty) → 2026-12-31"),
            ("«tilbud» → «tilbud, tidlig opsporing»", "“offer” → “offer, early detection”"),
            (  # numbers the Danish way, with the unit (English: the English way)
                "Årligt budget: 100.000 kr. → 150.000 kr.",
                "Yearly budget: 100,000 DKK → 150,000 DKK",
            ),
            ("Personaletimer pr. år: (tom) → 1.480,5", "Staff hours per year: (empty) → 1,480.5"),
        ),
    ),
    # a new one (contract 2): `changed` and `previous` in the payload
    (
        P.RegistryUpdated,
        {
            "registry": {**UPDATED, "purpose": "Alle i bevægelse"},
            "changed": ["purpose"],
            "previous": UPDATED,
        },
        (("Formål: «Flere i bevægelse» → «Alle i bevægelse»", "Purpose: “Flere i bevægelse”"),),
    ),
    (
        P.PartnerJoined,
        {"organisation_id": DGI, "rung": 2, "evidence": "Møde"},
        ("DGI Storstrøm", "2"),
    ),
    (
        P.RungChanged,
        {"organisation_id": DGI, "rung": 4, "evidence": "Aftale", "agreement_id": None},
        ("DGI Storstrøm", ("fra trin 2 til trin 4", "from rung 2 to rung 4")),
    ),
    (
        P.AgreementBacked,
        {
            "agreement_id": AGREEMENT,
            "kind": "cooperation",
            "party_ids": [KBH, DGI],
            "valid_from": "2024-02-01",
            "valid_to": "2025-01-31",
        },
        ("Samarbejdsaftale 2024", d("2024-02-01"), d("2025-01-31")),
    ),
    (
        P.AgreementRenewed,
        {"agreement_id": AGREEMENT, "valid_to": "2026-01-31"},
        ("Samarbejdsaftale 2024", d("2025-01-31"), d("2026-01-31")),
    ),
    (
        P.SteeringMemberAppointed,
        {"appointment_id": APPOINTMENT, "person_id": METTE, "seat": "member"},
        ("Mette Hansen", ("medlem", "member")),
    ),
    (
        P.SteeringSeatChanged,
        {"appointment_id": APPOINTMENT, "person_id": METTE, "from_seat": "member", "seat": "chair"},
        ("Mette Hansen", ("medlem → formand", "member → chair")),
    ),
    (P.SecretariatAssigned, {"organisation_id": KBH}, ("Københavns Kommune",)),
    (
        P.SecretariatAssigned,
        {"organisation_id": DGI},
        (("fra Københavns Kommune til DGI Storstrøm", "from Københavns Kommune to DGI Storstrøm"),),
    ),
    (P.SecretariatStaffed, {"person_id": JENS}, ("Jens Ølgaard",)),
    (P.SecretariatStaffLeft, {"person_id": JENS}, ("Jens Ølgaard",)),
    (
        P.ActivityLaunched,
        {
            "activity_id": ACTIVITY,
            "title": "Gå-klubben",
            "description": "Ugentlige gåture",
            "category": "offer",
            "target_group": "ældre",
            "arena": "parken",
            "owner_ids": [KBH],
            "status": "planned",
        },
        ("Gå-klubben", ("planlagt", "planned")),
    ),
    (
        P.ActivityStatusChanged,
        {"activity_id": ACTIVITY, "status": "running"},
        ("Gå-klubben", ("fra status planlagt til i gang", "from status planned to running")),
    ),
    (
        P.ActivityAdjusted,
        {
            "activity_id": ACTIVITY,
            "description": "Flere hold",
            "title": None,
            "target_group": None,
            "arena": "stranden",
            "owner_ids": [KBH, DGI],
        },
        (
            "Gå-klubben",
            "Flere hold",
            ("Arena: «parken» → «stranden»", "Arena: “parken” → “stranden”"),
            "Københavns Kommune → Københavns Kommune, DGI Storstrøm",
        ),
    ),
    (
        P.TermsOfReferenceIssued,
        {
            "number": 1,
            "terms": {
                "purpose": "Styre",
                "composition": "",
                "task": "",
                "time_plan": "",
                "focus_areas": [],
            },
            "decision_id": None,
        },
        ("1", ("Formål: (tom) → «Styre»", "Purpose: (empty) → “Styre”")),
    ),
    (
        P.TermsOfReferenceIssued,
        {
            "number": 2,
            "terms": {
                "purpose": "Styre og følge op",
                "composition": "",
                "task": "",
                "time_plan": "",
                "focus_areas": ["bevægelse"],
            },
            "decision_id": DECISION,
        },
        (
            "2",
            ("Formål: «Styre» → «Styre og følge op»", "Purpose: “Styre” → “Styre og følge op”"),
            "bevægelse",
        ),
    ),
    (
        P.DecisionRecorded,
        {"decision_id": DECISION, "title": "Budget godkendt", "approved": ["budget 2025"]},
        ("Budget godkendt", "budget 2025"),
    ),
    (
        P.RoleAssigned,
        {
            "position_id": POSITION,
            "role": "project_leader",
            "activity_id": ACTIVITY,
            "person_id": METTE,
            "organisation_id": KBH,
        },
        ("Mette Hansen", "Københavns Kommune", ("projektleder", "project leader"), "Gå-klubben"),
    ),
    (
        P.RoleHandedOver,
        {"position_id": POSITION, "person_id": ANNE, "organisation_id": DGI},
        (
            ("projektleder", "project leader"),
            ("fra Mette Hansen til Anne Æbelø", "from Mette Hansen to Anne Æbelø"),
        ),
    ),
    (
        P.RoleVacated,
        {"position_id": POSITION},
        (
            ("Rolle ledig: projektleder", "Role vacant: project leader"),
            "Anne Æbelø",
            "DGI Storstrøm",
        ),
    ),
    (
        P.MilestoneRecorded,
        {
            "milestone_id": MILESTONE,
            "dimension": "political",
            "status": "started",
            "title": "Byrådet vedtager budget",
            "evidence": EVIDENCE,
        },
        ("Byrådet vedtager budget", ("politisk", "political")),
    ),
    (
        P.FactorRecorded,
        {
            "factor_id": FACTOR,
            "origin": "internal",
            "effect": "promoting",
            "description": "Politisk opbakning",
            "milestone_ids": [],
        },
        ("Politisk opbakning",),
    ),
    (
        P.FactorLinked,
        {"factor_id": FACTOR, "milestone_id": MILESTONE},
        ("Politisk opbakning", "Byrådet vedtager budget"),
    ),
    (
        P.AnchoringRated,
        {
            "rating_id": _id(),
            "dimension": "political",
            "rating": 4,
            "comment": "",
            "rated_by": None,
        },
        (("politisk", "political"), "4"),
    ),
    (
        P.AnchoringRated,
        {
            "rating_id": _id(),
            "dimension": "political",
            "rating": 6,
            "comment": "",
            "rated_by": None,
        },
        ("4 → 6",),
    ),
    (
        P.EvaluationRecorded,
        {
            "evaluation_id": EVALUATION,
            "kind": "external",
            "evaluator": "VIVE",
            "method": "survey",
            "findings": "Godt",
        },
        ("VIVE",),
    ),
    (
        P.AssessmentRecorded,
        {"evaluation_id": EVALUATION, "question": "purpose_met", "answer": "high_extent"},
        (("formålet", "purpose"),),
    ),
    (
        P.FollowUpScheduled,
        {
            "follow_up_id": FOLLOW_UP,
            "activity_id": ACTIVITY,
            "label": "Efter 3 måneder",
            "due_on": "2024-09-01",
            "cohort": 20,
        },
        ("Efter 3 måneder", d("2024-09-01")),
    ),
    (
        P.FollowUpRecorded,
        {"follow_up_id": FOLLOW_UP, "reached": 18, "retained": 12},
        ("Efter 3 måneder", "12", "18"),
    ),
    (P.PhaseEntered, {"phase": "plan", "note": ""}, (("planlæg", "plan"),)),
    (
        P.PhaseEntered,
        {"phase": "start", "note": ""},
        (("planlæg → igangsæt aktiviteter", "plan → start"),),
    ),
    (
        P.SteeringMemberSteppedDown,
        {"appointment_id": APPOINTMENT},
        ("Mette Hansen", ("formand", "chair")),
    ),
    (
        P.AgreementEnded,
        {"agreement_id": AGREEMENT, "ended_on": "2025-06-30"},
        ("Samarbejdsaftale 2024", d("2025-06-30")),
    ),
    (P.PartnerLeft, {"organisation_id": DGI}, ("DGI Storstrøm", "4")),
]
# Corrections, naming the version (1-based) they correct in the stream above.
_JOINED = next(i for i, r in enumerate(PARTNERSHIP_STREAM, 1) if r[0] is P.PartnerJoined)
_MILESTONE = next(i for i, r in enumerate(PARTNERSHIP_STREAM, 1) if r[0] is P.MilestoneRecorded)
ROLE_VACATED_VERSION = 1 + next(
    i for i, (cls, _, _) in enumerate(PARTNERSHIP_STREAM) if cls is P.RoleVacated
)
PARTNERSHIP_STREAM += [
    (  # linked to the event it came from: the role vacated above, said in full
        P.FactorEventLinked,
        {"factor_id": FACTOR, "event_version": ROLE_VACATED_VERSION},
        (
            "Politisk opbakning",
            ("Rolle ledig: projektleder", "Role vacant: project leader"),
            "Anne Æbelø",
        ),
    ),
    (
        P.DateCorrected,
        {"corrects_version": _JOINED, "corrected_valid_on": "2019-08-20"},
        (
            ("DGI Storstrøm indtrådt som partner", "DGI Storstrøm joined as a partner"),
            ("fra 01.09.2019 til 20.08.2019", "from 2019-09-01 to 2019-08-20"),
        ),
    ),
    (
        P.RungCorrected,
        {"corrects_version": _JOINED, "rung": 3, "evidence": "Rettet"},
        (
            ("DGI Storstrøm indtrådt som partner", "DGI Storstrøm joined as a partner"),
            ("fra trin 2 til trin 3", "from rung 2 to rung 3"),
        ),
    ),
    (
        P.MilestoneCorrected,
        {
            "corrects_version": _MILESTONE,
            "dimension": "political",
            "status": "started",
            "title": "Byrådet vedtager budgettet",
            "evidence": EVIDENCE,
        },
        (
            "Byrådet vedtager budget",
            (
                "«Byrådet vedtager budget» → «Byrådet vedtager budgettet»",
                "“Byrådet vedtager budget” → “Byrådet vedtager budgettet”",
            ),
        ),
    ),
]

AGREEMENT_STREAM: list[Row] = [
    (
        Agreement.Drafted,
        {
            "partnership_id": PARTNERSHIP,
            "lead_organisation_id": KBH,
            "kind": "cooperation",
            "terms": TERMS,
        },
        ("Samarbejdsaftale 2024",),
    ),
    (
        Agreement.Amended,
        {"terms": {**TERMS, "valid_to": "2025-06-30", "party_ids": [KBH, DGI, SKOLE]}},
        (
            "Samarbejdsaftale 2024",
            d("2025-01-31"),
            d("2025-06-30"),
            "Københavns Kommune, DGI Storstrøm → Københavns Kommune, DGI Storstrøm, Ølby Skole",
        ),
    ),
    (
        Agreement.PartySigned,
        {"party_id": DGI, "signatory_id": JENS},
        ("DGI Storstrøm", "Jens Ølgaard", "Samarbejdsaftale 2024"),
    ),
    (
        Agreement.Renewed,
        {"valid_to": "2026-06-30"},
        ("Samarbejdsaftale 2024", d("2025-06-30"), d("2026-06-30")),
    ),
    (Agreement.Expired, {}, ("Samarbejdsaftale 2024", d("2026-06-30"))),
    (Agreement.Terminated, {}, ("Samarbejdsaftale 2024",)),
]

ORGANISATION_STREAM: list[Row] = [
    (
        Organisation.Registered,
        {
            "name": "Ølby Skole",
            "sector": "children_youth",
            "municipality": "København",
            "cvr": None,
            "parent_id": None,
        },
        ("Ølby Skole",),
    ),
    (Organisation.Renamed, {"name": "Ølby Friskole"}, ("Ølby Skole", "Ølby Friskole")),
    (Organisation.Merged, {"into_id": KBH}, ("Ølby Friskole", "Københavns Kommune")),
    (Organisation.Closed, {}, ("Ølby Friskole",)),
]
PERSON_STREAM: list[Row] = [
    (Person.Registered, {"organisation_id": KBH}, ("Mette Hansen", "Københavns Kommune")),
    (Person.ContactChanged, {}, ("Mette Hansen",)),
    (
        Person.MovedOrganisation,
        {"organisation_id": DGI},
        ("Mette Hansen", "Københavns Kommune", "DGI Storstrøm"),
    ),
    (Person.Erased, {}, ("DGI Storstrøm",)),
]
NOTE = {
    "partnership_id": PARTNERSHIP,
    "kind": "judgement",
    "text": "Stærk ledelse",
    "dimension": None,
    "links": [],
}
ANNOTATION_STREAM: list[Row] = [
    (Annotation.Recorded, NOTE, ("Stærk ledelse",)),
    (
        Annotation.Revised,
        {
            "kind": "judgement",
            "text": "Meget stærk ledelse",
            "dimension": "management",
            "links": [],
        },
        (
            ("«Stærk ledelse» → «Meget stærk ledelse»", "“Stærk ledelse” → “Meget stærk ledelse”"),
            ("ledelsesmæssig", "management"),
        ),
    ),
    (Annotation.Published, {}, ("Meget stærk ledelse",)),
    (Annotation.Withdrawn, {}, ("Meget stærk ledelse",)),
]
GRANT, TOKEN = _id(), _id()
ACCOUNT_STREAM: list[Row] = [
    (
        Account.Created,
        {
            "username": "mette",
            "display_name": "Mette Hansen",
            "password_hash": "x",
            "is_admin": False,
        },
        ("mette", "Mette Hansen"),
    ),
    (Account.PasswordChanged, {"password_hash": "y"}, ("mette",)),
    (Account.AdminChanged, {"is_admin": True}, ("mette", ("nej → ja", "no → yes"))),
    (Account.Deactivated, {}, ("mette",)),
    (Account.Reactivated, {}, ("mette",)),
    (
        Account.Granted,
        {
            "grant_id": GRANT,
            "role": "project_leader",
            "partnership_id": PARTNERSHIP,
            "municipality": None,
        },
        ("mette", ("projektleder", "project leader"), "Sund By"),
    ),
    (
        Account.GrantRevoked,
        {"grant_id": GRANT},
        ("mette", ("projektleder", "project leader"), "Sund By"),
    ),
    (
        Account.TokenIssued,
        {
            "token_id": TOKEN,
            "token_hash": "h",
            "kind": "bearer",
            "label": "Rapportering",
            "expires_at": "2030-01-01T00:00:00Z",
        },
        ("mette", "Rapportering"),
    ),
    (Account.TokenRevoked, {"token_id": TOKEN}, ("mette", "Rapportering")),
    (
        Account.IdentityBound,
        {"issuer": "https://login.example.dk", "subject": "s-1"},
        ("mette", "https://login.example.dk"),
    ),
    (
        Account.ProfileUpdated,
        {"display_name": "Mette Holm", "email": "mette@example.dk"},
        ("mette", "Mette Holm"),
    ),
]
IDEMPOTENCY_STREAM: list[Row] = [
    # the write side's own record: no view shows it, there is nothing to name
    (
        IdempotentRequest.Recorded,
        {
            "fingerprint": "f",
            "result_aggregate_id": PARTNERSHIP,
            "result_version": 1,
            "result_created_id": None,
        },
        (),
    ),
]

STREAMS: dict[str, tuple[str, list[Row]]] = {
    "partnership": (PARTNERSHIP, PARTNERSHIP_STREAM),
    "agreement": (AGREEMENT, AGREEMENT_STREAM),
    "organisation": (SKOLE, ORGANISATION_STREAM),
    "person": (METTE, PERSON_STREAM),
    "annotation": (_id(), ANNOTATION_STREAM),
    "account": (_id(), ACCOUNT_STREAM),
    "idempotentrequest": (_id(), IDEMPOTENCY_STREAM),
}

VALID_ON = {P.PartnerJoined: "2019-09-01"}


def _walk(aggregate: str) -> list[tuple[type, dict[str, Any], tuple[Any, ...]]]:
    """Each event's payload with what its trail adds, as the audit reader renders it."""
    aggregate_id, rows = STREAMS[aggregate]
    trail = Trail(aggregate_id, aggregate)
    walked = []
    for version, (cls, payload, expected) in enumerate(rows, start=1):
        valid_on = VALID_ON.get(cls, "2024-05-01")
        at = datetime(2024, 5, 1, 12, tzinfo=UTC)
        extras = trail.step(cls, version, valid_on, payload, at)
        walked.append((cls, {**payload, **extras}, expected))
    return walked


def _said(cls: type, payload: Mapping[str, Any], locale: str) -> str:
    return history.render(cls, payload, NAMES, locale)


def test_the_streams_hold_every_event_type() -> None:
    walked = {cls for _, rows in STREAMS.values() for cls, _, _ in rows}
    missing = [c.__qualname__ for c in history.all_events() if c not in walked]
    assert not missing, f"no realistic row for {missing}: add one here"


@pytest.mark.parametrize("aggregate", list(STREAMS))
@pytest.mark.parametrize("locale", ["da", "en"])
def test_every_sentence_names_the_thing_and_the_old_and_new_values(
    aggregate: str, locale: str
) -> None:
    failures = []
    for cls, payload, expected in _walk(aggregate):
        said = _said(cls, payload, locale)
        for want in expected:
            text = want if isinstance(want, str) else want[1 if locale == "en" else 0]
            if text not in said:
                failures.append(f"{cls.__qualname__}: {text!r} not in {said!r}")
        assert "?" not in said.replace("? ", ""), said
        assert "hændelse" not in said, said
        assert " event " not in said, said
        if locale == "da":
            # no ISO date inside a Danish sentence
            assert not any(part[:4].isdigit() and part[4:5] == "-" for part in said.split()), said
    assert not failures, "\n".join(failures)


def test_a_correction_says_where_the_corrected_entry_stands() -> None:
    trail = Trail(PARTNERSHIP, "partnership")
    at = datetime(2024, 5, 1, 12, tzinfo=UTC)
    trail.step(
        P.Registered, 1, "2024-01-01", {"registry": REGISTRY, "lead_organisation_id": KBH}, at
    )
    joined = {"organisation_id": DGI, "rung": 2, "evidence": "Møde"}
    trail.step(P.PartnerJoined, 2, "2024-02-01", joined, at)
    extras = trail.step(
        P.DateCorrected,
        3,
        "2024-03-01",
        {"corrects_version": 2, "corrected_valid_on": "2024-01-20"},
    )
    assert extras["corrects"].version == 2
    assert extras["corrects"].recorded_at == at
    assert extras["old_valid_on"] == "2024-02-01"
    # corrected twice: the second says from the first correction's date
    extras = trail.step(
        P.DateCorrected,
        4,
        "2024-03-02",
        {"corrects_version": 2, "corrected_valid_on": "2024-01-10"},
    )
    assert extras["old_valid_on"] == "2024-01-20"


def test_a_registry_update_read_alone_falls_back_to_its_title() -> None:
    """Without its stream (an old event, no `previous`), the sentence says what it can."""
    said = history.render(P.RegistryUpdated, {"registry": UPDATED}, Names(), "da")
    assert said == "Stamdata opdateret: Sund By 2.0"
    unchanged = {"registry": REGISTRY, "changed": [], "previous": REGISTRY}
    assert history.render(P.RegistryUpdated, unchanged, Names(), "da") == (
        "Stamdata opdateret: ingen felter ændret"
    )


def test_system_actors_in_words() -> None:
    assert history.system_actor("system:housekeeping") == "automatisk: aftalens udløb"
    assert history.system_actor("system:housekeeping", "en") == "automatic: agreement expiry"
    assert history.system_actor("cli:ops") == "kommandolinjen (ops)"
    assert history.system_actor("mette") is None


def test_danish_time_is_copenhagen_time() -> None:
    summer = datetime(2024, 6, 1, 18, 14, tzinfo=UTC)
    winter = datetime(2024, 12, 1, 18, 14, tzinfo=UTC)
    assert danish_time(summer) == "01.06.2024 20.14"
    assert danish_time(winter) == "01.12.2024 19.14"


def test_every_partnership_event_has_a_name_in_words() -> None:
    """A factor may be linked to any event of its partnership: each kind has a name."""
    missing = [c.__qualname__ for c in history.written_events(P) if c not in history.EVENT_NAMES]
    assert not missing
    assert history.event_name("RoleVacated") == "rolle ledig"
    assert history.event_name("PartnerLeft", "en") == "partner left"
