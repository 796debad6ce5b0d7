"""What every endpoint promises, checked over the app's routes: each declares the access it
needs, and each write to an existing record honours If-Match."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from api.auth import ACCESS_LEVELS  # the levels the one guard knows
from tests.api.conftest import assert_problem, created, join, register_organisation, tvaers
from tests.api.support import register_person, write

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores

# The access each partnership, organisation, person and agreement endpoint needs.
ACCESS = {
    "createOrganisation": "writer",
    "getOrganisation": "organisation:read",  # anyone holding a grant
    # The directory under least privilege (ADR 0005, revised in issue 12).
    "renameOrganisation": "organisation:write",  # the owning municipality's leaders
    "mergeOrganisation": "organisation:write",
    "closeOrganisation": "organisation:write",
    "createPerson": "writer",
    "getPerson": "person:read",  # contact details are personal data
    "changePersonContact": "person:write",
    "movePerson": "person:write",
    "erasePerson": "admin",  # an act of the data controller
    "createPartnership": "writer",
    "listPartnerships": "authenticated",
    "getPartnership": "partnership:read",
    "getAgreement": "partnership:read",
    **dict.fromkeys(
        (
            "joinPartner",
            "updateRegistry",
            "changeRegistryFields",
            "enterOperations",
            "leavePartner",
            "moveOnLadder",
            "appointSteeringMember",
            "stepDownSteeringMember",
            "changeSteeringSeat",
            "assignSecretariat",
            "staffSecretariat",
            "releaseSecretariatStaff",
            "issueTermsOfReference",
            "recordDecision",
            "launchActivity",
            "changeActivityStatus",
            "adjustActivity",
            "assignRole",
            "handOverRole",
            "vacateRole",
            "scheduleFollowUp",
            "recordFollowUp",
            "enterPhase",
            "recordMilestone",
            "recordFactor",
            "linkFactor",
            "linkFactorToEvent",
            "recordEvaluation",
            "recordAssessment",
            "correctDate",
            "correctRung",
            "correctMilestone",
            "draftAgreement",
            "amendAgreement",
            "signAgreement",
            "renewAgreement",
            "terminateAgreement",
            "expireAgreement",
        ),
        "partnership:write",
    ),
    # The evaluator toolkit: the steering group rates; evaluators write their own notes.
    "rateAnchoring": "partnership:rate",
    "getRatings": "partnership:read",
    **dict.fromkeys(
        ("recordAnnotation", "reviseAnnotation", "publishAnnotation", "withdrawAnnotation"),
        "partnership:annotate",
    ),
    "getAnnotations": "partnership:read",
}

# Writes that create a new record: If-Match has nothing to compare with.
CREATES = frozenset({"createOrganisation", "createPerson", "createPartnership", "draftAgreement"})

P, ORG, OTHER_ORG, PERSON, AGREEMENT, ANY = (
    "<partnership>",
    "<organisation>",
    "<other organisation>",
    "<person>",
    "<agreement>",
    "<any id>",
)

# A well-formed body per write, for the If-Match check (which comes before the rules).
STALE_WRITES: dict[str, tuple[str, dict[str, Any]]] = {
    "renameOrganisation": (f"/organisations/{ORG}/name", {"name": "Nyt navn"}),
    "mergeOrganisation": (f"/organisations/{ORG}/merger", {"into_id": OTHER_ORG}),
    "closeOrganisation": (f"/organisations/{ORG}/closure", {}),
    "changePersonContact": (f"/persons/{PERSON}/contact", {"name": "Nyt Navn"}),
    "movePerson": (f"/persons/{PERSON}/organisation", {"organisation_id": OTHER_ORG}),
    "erasePerson": (f"/persons/{PERSON}/erasure", {}),
    "joinPartner": (f"/partnerships/{P}/partners", {"organisation_id": OTHER_ORG}),
    "updateRegistry": (f"/partnerships/{P}/registry", {"title": "Ny", "municipality": "Nyborg"}),
    "changeRegistryFields": (f"/partnerships/{P}/registry", {"title": "Ny"}),
    "enterOperations": (f"/partnerships/{P}/registry/operations", {}),
    "leavePartner": (f"/partnerships/{P}/partners/{ORG}/departure", {}),
    "moveOnLadder": (
        f"/partnerships/{P}/partners/{ORG}/ladder-moves",
        {"rung": 3, "evidence": "Henvisninger"},
    ),
    "appointSteeringMember": (f"/partnerships/{P}/steering-group/members", {"person_id": PERSON}),
    "changeSteeringSeat": (
        f"/partnerships/{P}/steering-group/members/{PERSON}/seat",
        {"seat": "chair"},
    ),
    "stepDownSteeringMember": (
        f"/partnerships/{P}/steering-group/members/{PERSON}/departure",
        {},
    ),
    "assignSecretariat": (f"/partnerships/{P}/secretariat", {"organisation_id": ORG}),
    "staffSecretariat": (f"/partnerships/{P}/secretariat/staff", {"person_id": PERSON}),
    "releaseSecretariatStaff": (f"/partnerships/{P}/secretariat/staff/{PERSON}/departure", {}),
    "issueTermsOfReference": (f"/partnerships/{P}/terms-of-reference", {"purpose": "Styre"}),
    "recordDecision": (f"/partnerships/{P}/decisions", {"title": "Budget"}),
    "launchActivity": (
        f"/partnerships/{P}/activities",
        {"title": "Gåture", "category": "offer", "owner_ids": [ORG]},
    ),
    "changeActivityStatus": (
        f"/partnerships/{P}/activities/{ANY}/status",
        {"status": "running"},
    ),
    "adjustActivity": (f"/partnerships/{P}/activities/{ANY}/adjustments", {"description": "Ny"}),
    "assignRole": (f"/partnerships/{P}/roles", {"role": "facilitator", "person_id": PERSON}),
    "handOverRole": (f"/partnerships/{P}/roles/{ANY}/handovers", {"person_id": PERSON}),
    "vacateRole": (f"/partnerships/{P}/roles/{ANY}/vacancy", {}),
    "scheduleFollowUp": (
        f"/partnerships/{P}/follow-ups",
        {"label": "3 måneder", "due_on": "2070-01-01", "cohort": 10},
    ),
    "recordFollowUp": (
        f"/partnerships/{P}/follow-ups/{ANY}/result",
        {"reached": 1, "retained": 1},
    ),
    "enterPhase": (f"/partnerships/{P}/phases", {"phase": "plan"}),
    "recordMilestone": (
        f"/partnerships/{P}/milestones",
        {"dimension": "method", "status": "started", "title": "Værktøj", "evidence": {"text": "x"}},
    ),
    "recordFactor": (
        f"/partnerships/{P}/factors",
        {"origin": "internal", "effect": "promoting", "description": "Ledelse"},
    ),
    "linkFactor": (f"/partnerships/{P}/factors/{ANY}/milestones", {"milestone_id": ANY}),
    "linkFactorToEvent": (f"/partnerships/{P}/factors/{ANY}/events", {"event_version": 1}),
    "recordEvaluation": (
        f"/partnerships/{P}/evaluations",
        {"kind": "internal", "evaluator": "Os", "method": "survey"},
    ),
    "recordAssessment": (
        f"/partnerships/{P}/evaluations/{ANY}/assessments",
        {"question": "purpose_met", "answer": "high_extent"},
    ),
    "correctDate": (
        f"/partnerships/{P}/corrections/dates",
        {"corrects_version": 2, "corrected_valid_on": "2024-01-01"},
    ),
    "correctRung": (
        f"/partnerships/{P}/corrections/rungs",
        {"corrects_version": 2, "rung": 2, "evidence": "Rettet"},
    ),
    "correctMilestone": (
        f"/partnerships/{P}/corrections/milestones",
        {
            "corrects_version": 2,
            "dimension": "method",
            "status": "started",
            "title": "Værktøj",
            "evidence": {"text": "x"},
        },
    ),
    "amendAgreement": (
        f"/partnerships/{P}/agreements/{AGREEMENT}/terms",
        {
            "title": "Aftale",
            "purpose": "Formål",
            "party_ids": [],
            "obligations": [],
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
        },
    ),
    "signAgreement": (
        f"/partnerships/{P}/agreements/{AGREEMENT}/signatures",
        {"party_id": ORG, "signatory_id": PERSON},
    ),
    "renewAgreement": (
        f"/partnerships/{P}/agreements/{AGREEMENT}/renewals",
        {"valid_to": "2070-01-01"},
    ),
    "terminateAgreement": (
        f"/partnerships/{P}/agreements/{AGREEMENT}/termination",
        {"reason": "Fejl"},
    ),
    "expireAgreement": (f"/partnerships/{P}/agreements/{AGREEMENT}/expiry", {}),
}


def handlers(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every route, without Litestar's own OPTIONS/HEAD answers."""
    found: list[tuple[str, str, HTTPRouteHandler]] = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method not in {"OPTIONS", "HEAD"}:
                found.append((method, route.path, handler))
    return found


def api_handlers(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    """`handlers` of the JSON API: without the web UI's pages and forms (tests/ui)."""
    found: list[tuple[str, str, HTTPRouteHandler]] = []
    for method, path, handler in handlers(app):
        if not (path == "/" or path.startswith(("/ui", "/static"))):
            found.append((method, path, handler))
    return found


def test_every_route_declares_the_access_it_needs(client: TestClient[Litestar]) -> None:
    undeclared = [
        f"{method} {path}"
        for method, path, handler in handlers(client.app)
        if handler.opt.get("access") not in ACCESS_LEVELS
    ]

    assert not undeclared


def test_each_endpoint_declares_the_agreed_access(client: TestClient[Litestar]) -> None:
    declared = {
        handler.operation_id: handler.opt.get("access")
        for _, _, handler in handlers(client.app)
        if handler.operation_id in ACCESS
    }

    assert declared == ACCESS


def test_every_write_to_an_existing_record_is_in_the_if_match_table(
    client: TestClient[Litestar],
) -> None:
    writes = {
        str(handler.operation_id)
        for method, path, handler in api_handlers(client.app)
        if method in {"POST", "PUT", "PATCH", "DELETE"}
        and (
            handler.opt.get("access")
            in {"writer", "partnership:write", "organisation:write", "person:write"}
            # Administrators' writes to the registry (not to users and grants).
            or (
                handler.opt.get("access") == "admin"
                and path.startswith(("/organisations", "/persons"))
            )
        )
    }

    assert writes - CREATES == set(STALE_WRITES)


@pytest.fixture
def ids(client: TestClient[Litestar], lead_id: str, partnership_id: str) -> dict[str, str]:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership_id, club))
    other = register_organisation(client, "Jobcenter Svendborg", "employment")
    person = register_person(client, club, "Mette Holm")
    agreement = write(
        client,
        f"/partnerships/{partnership_id}/agreements",
        {
            "kind": "cooperation",
            "title": "Aftale",
            "purpose": "Formål",
            "party_ids": [lead_id, club],
            "obligations": [
                {"party_id": lead_id, "text": "Henviser"},
                {"party_id": club, "text": "Træner"},
            ],
            "valid_from": "2024-01-01",
            "valid_to": "2024-12-31",
        },
        status=201,
    )["id"]
    return {
        P: partnership_id,
        ORG: club,
        OTHER_ORG: other,
        PERSON: person,
        AGREEMENT: agreement,
        ANY: str(uuid.uuid4()),
    }


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, id_ in ids.items():
            value = value.replace(placeholder, id_)
        return value
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def test_a_stale_if_match_is_refused_by_every_write_to_an_existing_record(
    client: TestClient[Litestar], ids: dict[str, str]
) -> None:
    methods = {str(handler.operation_id): method for method, _, handler in handlers(client.app)}
    service = tvaers(client)
    not_refused = []
    for operation, (path, body) in STALE_WRITES.items():
        before = service.max_notification_id()
        response = client.request(
            methods[operation], fill(path, ids), json=fill(body, ids), headers={"If-Match": '"0"'}
        )
        if response.status_code != 412 or service.max_notification_id() != before:
            not_refused.append(f"{operation}: {response.status_code} {response.text}")
            continue
        problem = assert_problem(response, 412, "stale-version")
        assert response.headers["etag"] == f'"{problem["current_version"]}"'

    assert not not_refused
