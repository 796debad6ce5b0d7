"""The grant matrix: every route, asked by every kind of caller, refuses those without the
right grant, and lets those with it through.

`ROUTES` names every route of the app (Litestar's automatic OPTIONS answers aside) with
the access it must declare and a request that could succeed (real ids in the path, a
well-formed body). A route the table does not cover fails the test, and so does a route
whose declared access differs from the table's.

The callers (`CALLERS`): anonymous, a user with no grant, a steering-group member of
partnership A, an evaluator on A's municipality, a project leader of partnership B (not
A, in another municipality), a project leader of A, a project leader for all of A's
municipality, and an administrator. For each route and caller:

- anonymous: 401 `unauthenticated` (public routes aside);
- a caller the access rule does not cover: 403 `forbidden`, a problem document naming
  nothing of A (only the problem fields; no id but the request path's own);
- a caller it covers: neither 401 nor 403 (nor a 5xx);
- every refusal writes nothing (the head of the event log is unchanged).

The lists across partnerships (`LISTS`) answer every logged-in caller, but show A (its id
or any name of its records) only to those a grant on A covers; naming A in the agenda's
or the cross-case tables' filter (`FILTERS_NAMING_A`) needs a grant on A like reading A.
Routes any logged-in user may call but that act on one user's own things (tokens, the
password) refuse other users: a test of its own.

The directory's routes (organisations, persons) act on A's municipality's records: an
organisation of Svendborg and a person of it holding a role in A. Who may do what there
follows ADR 0005's revision (issue 12); a route whose body names something with a rule
of its own (`opt["body"]`, e.g. the municipality of a new partnership) lists the callers
it lets through in `Route.permitted`, and its declared body rules are checked too.

Runs on SQLite and PostgreSQL, about 15 s each.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from httpx import Response
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from aggregates import Meta, TokenKind
from aggregates.account import AccessRole
from aggregates.taxonomy import AnnotationKind
from services.commands import GrantAccess, RecordAnnotation
from tests.api.conftest import (
    ACTOR,
    PASSWORD,
    PROBLEM_FIELDS,
    add_user,
    assert_problem,
    created,
    join,
    register_organisation,
    token_for,
    tvaers,
)
from tests.api.support import register_person, write
from tests.commands import execute

MARK = "Matrixby"  # in every name and title of partnership A's records, and nowhere else
A_TITLE = f"Sund start i {MARK}"
MUNICIPALITY = "Svendborg"
SOON = date.today() + timedelta(days=30)  # A's follow-up is due then: on the agenda

# -- the callers -----------------------------------------------------------------------

ANONYMOUS = "anonymous"
NO_GRANT = "nogrant@svendborg.dk"
STEERING_A = "steering.a@svendborg.dk"
EVALUATOR = "evaluator@svendborg.dk"  # on every partnership of A's municipality
LEADER_B = "leader.b@norddjurs.dk"
LEADER_A = "leader.a@svendborg.dk"
LEADER_M = "leader@svendborg.dk"  # project leader for every partnership of A's municipality
ADMIN = ACTOR
CALLERS = (ANONYMOUS, NO_GRANT, STEERING_A, EVALUATOR, LEADER_B, LEADER_A, LEADER_M, ADMIN)
TARGET = "target@svendborg.dk"  # the user the administrators' routes act on

READERS_OF_A = frozenset({STEERING_A, EVALUATOR, LEADER_A, LEADER_M, ADMIN})
# Project leaders in A's municipality (A's own, the municipality-wide one) and admins.
LEADERS_IN_M = frozenset({LEADER_A, LEADER_M, ADMIN})
PERMITTED: dict[str, frozenset[str]] = {
    "public": frozenset(CALLERS),
    "authenticated": frozenset(CALLERS) - {ANONYMOUS},
    "writer": frozenset({LEADER_B, LEADER_A, LEADER_M, ADMIN}),
    "admin": frozenset({ADMIN}),
    "partnership:read": READERS_OF_A,
    "partnership:audit": READERS_OF_A,
    "partnership:write": LEADERS_IN_M,
    "partnership:rate": frozenset({STEERING_A, LEADER_A, LEADER_M, ADMIN}),
    "partnership:annotate": frozenset({EVALUATOR, ADMIN}),
    # the directory: any grant holder reads organisations; the organisation's
    # municipality's project leaders change them; a person (of Svendborg, with a role in
    # A) is read by A's readers and the municipality's project leaders, changed by A's
    # project leaders and the municipality's.
    "organisation:read": frozenset(CALLERS) - {ANONYMOUS, NO_GRANT},
    "organisation:write": LEADERS_IN_M,
    "person:read": READERS_OF_A,
    "person:write": LEADERS_IN_M,
}

# -- the routes ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    access: str
    body: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    own_token: bool = False  # needs a token of the caller's own (logout, revoking)
    body_rules: dict[str, str] | None = None  # the handler's opt["body"]
    permitted: frozenset[str] | None = None  # when the body's rules narrow the access's

    def lets_through(self, caller: str) -> bool:
        allowed = PERMITTED[self.access] if self.permitted is None else self.permitted
        return caller in allowed


AGREEMENT_TERMS = {
    "title": f"Aftale i {MARK}",
    "purpose": "Formål",
    "party_ids": ["<lead>", "<club>"],
    "obligations": [
        {"party_id": "<lead>", "text": "Henviser"},
        {"party_id": "<club>", "text": "Træner"},
    ],
    "valid_from": "2024-01-01",
    "valid_to": "2069-12-31",
}
MILESTONE = {
    "dimension": "method",
    "status": "started",
    "title": "Værktøj",
    "evidence": {"text": "x"},
}
P = "/partnerships/{partnership_id}"
W = "partnership:write"

ROUTES: dict[tuple[str, str], Route] = {
    # public
    ("GET", "/health"): Route("public"),
    ("GET", "/ready"): Route("public"),
    ("GET", "/metrics"): Route("public"),
    ("POST", "/auth/login"): Route("public", {"username": "<self>", "password": PASSWORD}),
    ("POST", "/auth/tokens"): Route("public", {"username": "<self>", "password": PASSWORD}),
    ("GET", "/schema"): Route("public"),
    ("GET", "/schema/openapi.json"): Route("public"),
    ("GET", "/schema/openapi.yaml"): Route("public"),
    ("GET", "/schema/openapi.yml"): Route("public"),
    ("GET", "/schema/redoc"): Route("public"),
    ("GET", "/schema/swagger"): Route("public"),
    ("GET", "/schema/elements"): Route("public"),
    ("GET", "/schema/rapidoc"): Route("public"),
    ("GET", "/schema/oauth2-redirect.html"): Route("public"),
    ("GET", "/schema/{path}"): Route("public"),
    # any logged-in user
    ("GET", "/auth/me"): Route("authenticated"),
    ("GET", "/auth/tokens"): Route("authenticated"),
    ("POST", "/auth/logout"): Route("authenticated", own_token=True),
    ("DELETE", "/auth/tokens/{token_id}"): Route("authenticated", own_token=True),
    ("POST", "/users/{username}/password"): Route(
        "authenticated", {"new_password": PASSWORD, "current_password": PASSWORD}
    ),
    ("GET", "/partnerships"): Route("authenticated"),
    ("GET", "/registry/partnerships"): Route("authenticated"),
    ("GET", "/registry/offers"): Route("authenticated"),
    ("GET", "/registry/events"): Route("authenticated"),  # H11, issue 16
    ("GET", "/agenda"): Route("authenticated", query={"within_days": 3650}),
    ("GET", "/crosscase"): Route("authenticated"),
    ("GET", "/crosscase/heatmap"): Route("authenticated"),
    # administrators
    ("GET", "/users"): Route("admin"),
    ("POST", "/users"): Route(
        "admin", {"username": "ny@svendborg.dk", "display_name": "Ny", "password": PASSWORD}
    ),
    ("GET", "/users/{username}"): Route("admin"),
    ("POST", "/users/{username}/admin"): Route("admin", {"is_admin": False}),
    ("POST", "/users/{username}/grants"): Route(
        "admin", {"role": "steering_member", "partnership_id": "<partnership>"}
    ),
    ("DELETE", "/users/{username}/grants/{grant_id}"): Route("admin"),
    ("POST", "/users/{username}/deactivation"): Route("admin", {"reason": "Fratrådt"}),
    ("POST", "/users/{username}/reactivation"): Route("admin", {"reason": "Tilbage"}),
    ("GET", "/access-log"): Route("admin"),
    ("GET", "/login-locks"): Route("admin"),
    ("DELETE", "/login-locks/{name}"): Route("admin"),
    ("POST", "/persons/{person_id}/erasure"): Route("admin", {}),
    # the directory (ADR 0005, revised in issue 12)
    ("GET", "/organisations"): Route("organisation:read"),  # what each sees: test_directory_lists
    ("GET", "/persons"): Route("authenticated"),
    ("GET", "/organisations/{organisation_id}"): Route("organisation:read"),
    ("PUT", "/organisations/{organisation_id}/name"): Route(
        "organisation:write", {"name": "Nyt navn"}
    ),
    ("POST", "/organisations/{organisation_id}/merger"): Route(
        "organisation:write", {"into_id": "<lead>"}
    ),
    ("POST", "/organisations/{organisation_id}/closure"): Route("organisation:write", {}),
    ("GET", "/persons/{person_id}"): Route("person:read"),
    ("PUT", "/persons/{person_id}/contact"): Route("person:write", {"name": "Nyt Navn"}),
    ("PUT", "/persons/{person_id}/organisation"): Route(
        "person:write",
        {"organisation_id": "<club>"},
        body_rules={"organisation_id": "organisation:staff"},
    ),
    # registering: project leaders somewhere, and administrators, each where they lead
    ("POST", "/organisations"): Route(
        "writer",
        {"name": "Roklubben", "sector": "sports_club", "municipality": MUNICIPALITY},
        body_rules={"municipality": "municipality:lead"},
        permitted=LEADERS_IN_M,
    ),
    ("POST", "/persons"): Route(
        "writer",
        {"name": "Ny Person", "organisation_id": "<club>"},
        body_rules={"organisation_id": "organisation:staff"},
        permitted=LEADERS_IN_M,
    ),
    ("POST", "/partnerships"): Route(
        "writer",
        {"title": "Nyt", "municipality": MUNICIPALITY, "lead_organisation_id": "<lead>"},
        body_rules={"municipality": "municipality:register"},
        permitted=frozenset({LEADER_M, ADMIN}),
    ),
    # reading partnership A
    ("GET", P): Route("partnership:read"),
    ("GET", f"{P}/ladder"): Route("partnership:read"),
    ("GET", f"{P}/ladder/history"): Route("partnership:read"),
    ("GET", f"{P}/roles"): Route("partnership:read"),
    ("GET", f"{P}/anchoring"): Route("partnership:read"),
    ("GET", f"{P}/story"): Route("partnership:read", query={"format": "html"}),
    ("GET", f"{P}/activities"): Route("partnership:read"),
    ("GET", f"{P}/agreements"): Route("partnership:read"),
    ("GET", f"{P}/agreements/{{agreement_id}}"): Route("partnership:read"),
    ("GET", f"{P}/audit"): Route("partnership:audit"),
    ("GET", f"{P}/history/export"): Route("partnership:audit"),
    ("GET", f"{P}/diff"): Route(
        "partnership:audit", query={"from": "2024-01-01", "to": "2099-01-01"}
    ),
    # changing partnership A
    ("POST", f"{P}/partners"): Route(W, {"organisation_id": "<spare>"}),
    ("POST", f"{P}/partners/{{organisation_id}}/departure"): Route(W, {}),
    ("POST", f"{P}/partners/{{organisation_id}}/ladder-moves"): Route(
        W, {"rung": 3, "evidence": "Henvisninger"}
    ),
    ("PUT", f"{P}/registry"): Route(W, {"title": A_TITLE, "municipality": MUNICIPALITY}),
    ("PATCH", f"{P}/registry"): Route(
        W, {"purpose": "Et nyt formål"}, body_rules={"municipality": "municipality:register"}
    ),
    ("POST", f"{P}/registry/operations"): Route(W, {}),
    ("POST", f"{P}/steering-group/members"): Route(W, {"person_id": "<person>"}),
    ("POST", f"{P}/steering-group/members/{{person_id}}/departure"): Route(W, {}),
    ("PUT", f"{P}/steering-group/members/{{person_id}}/seat"): Route(W, {"seat": "chair"}),
    ("PUT", f"{P}/secretariat"): Route(W, {"organisation_id": "<club>"}),
    ("POST", f"{P}/secretariat/staff"): Route(W, {"person_id": "<person>"}),
    ("POST", f"{P}/secretariat/staff/{{person_id}}/departure"): Route(W, {}),
    ("POST", f"{P}/terms-of-reference"): Route(W, {"purpose": "Styre"}),
    ("POST", f"{P}/decisions"): Route(W, {"title": "Budget"}),
    ("POST", f"{P}/activities"): Route(
        W, {"title": f"Gåtur i {MARK}", "category": "offer", "owner_ids": ["<club>"]}
    ),
    ("PUT", f"{P}/activities/{{activity_id}}/status"): Route(W, {"status": "running"}),
    ("POST", f"{P}/activities/{{activity_id}}/adjustments"): Route(W, {"description": "Ny"}),
    ("POST", f"{P}/roles"): Route(W, {"role": "facilitator", "person_id": "<person>"}),
    ("POST", f"{P}/roles/{{position_id}}/handovers"): Route(W, {"person_id": "<person>"}),
    ("POST", f"{P}/roles/{{position_id}}/vacancy"): Route(W, {}),
    ("POST", f"{P}/follow-ups"): Route(
        W, {"label": "3 måneder", "due_on": "2069-01-01", "cohort": 10}
    ),
    ("POST", f"{P}/follow-ups/{{follow_up_id}}/result"): Route(W, {"reached": 1, "retained": 1}),
    ("POST", f"{P}/phases"): Route(W, {"phase": "plan"}),
    ("POST", f"{P}/milestones"): Route(W, MILESTONE),
    ("POST", f"{P}/factors"): Route(
        W, {"origin": "internal", "effect": "promoting", "description": "Ledelse"}
    ),
    ("POST", f"{P}/factors/{{factor_id}}/milestones"): Route(W, {"milestone_id": "<milestone>"}),
    ("POST", f"{P}/factors/{{factor_id}}/events"): Route(W, {"event_version": 1}),
    ("POST", f"{P}/evaluations"): Route(
        W, {"kind": "internal", "evaluator": "Os", "method": "survey"}
    ),
    ("POST", f"{P}/evaluations/{{evaluation_id}}/assessments"): Route(
        W, {"question": "purpose_met", "answer": "high_extent"}
    ),
    ("POST", f"{P}/corrections/dates"): Route(
        W, {"corrects_version": 2, "corrected_valid_on": "2024-01-01"}
    ),
    ("POST", f"{P}/corrections/rungs"): Route(
        W, {"corrects_version": 2, "rung": 2, "evidence": "Rettet"}
    ),
    ("POST", f"{P}/corrections/milestones"): Route(W, {"corrects_version": 2, **MILESTONE}),
    ("POST", f"{P}/agreements"): Route(W, {"kind": "cooperation", **AGREEMENT_TERMS}),
    ("PUT", f"{P}/agreements/{{agreement_id}}/terms"): Route(W, AGREEMENT_TERMS),
    ("POST", f"{P}/agreements/{{agreement_id}}/signatures"): Route(
        W, {"party_id": "<club>", "signatory_id": "<person>"}
    ),
    ("POST", f"{P}/agreements/{{agreement_id}}/renewals"): Route(W, {"valid_to": "2070-01-01"}),
    ("POST", f"{P}/agreements/{{agreement_id}}/termination"): Route(W, {"reason": "Fejl"}),
    ("POST", f"{P}/agreements/{{agreement_id}}/expiry"): Route(W, {}),
    # the evaluator toolkit: self-assessment (steering group) and evaluators' notes
    ("GET", f"{P}/ratings"): Route("partnership:read"),
    ("POST", f"{P}/ratings"): Route("partnership:rate", {"dimension": "method", "rating": 4}),
    ("GET", f"{P}/annotations"): Route("partnership:read"),
    ("POST", f"{P}/annotations"): Route(
        "partnership:annotate", {"kind": "judgement", "text": "Ledelsen bærer indsatsen"}
    ),
    ("PUT", f"{P}/annotations/{{annotation_id}}"): Route(
        "partnership:annotate", {"kind": "barrier", "text": "Udskiftning blandt tovholdere"}
    ),
    ("POST", f"{P}/annotations/{{annotation_id}}/publish"): Route("partnership:annotate", {}),
    ("POST", f"{P}/annotations/{{annotation_id}}/withdraw"): Route("partnership:annotate", {}),
}

# The lists across partnerships: every logged-in caller gets 200, with A (its id, or a
# name with MARK) only for those a grant on A covers. A has something on each: a running
# offer, a follow-up due SOON.
LISTS = frozenset(
    {
        "/partnerships",
        "/registry/partnerships",
        "/registry/offers",
        "/registry/events",
        "/agenda",
        "/crosscase",
        "/crosscase/heatmap",
        "/persons",  # tests/api/test_directory_lists.py
    }
)

# Naming partnership A in a list's filter needs a grant on A, like reading A itself.
FILTERS_NAMING_A: dict[tuple[str, str], Route] = {
    ("GET", "/agenda"): Route("partnership:read", query={"partnership_id": "<partnership>"}),
    ("GET", "/crosscase"): Route("partnership:read", query={"partnership_id": "<partnership>"}),
    ("GET", "/registry/events"): Route(
        "partnership:read", query={"partnership_id": "<partnership>"}
    ),
    ("GET", "/crosscase/heatmap"): Route(
        "partnership:read", query={"partnership_id": "<partnership>"}
    ),
}

UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


# -- the world -------------------------------------------------------------------------


@dataclass
class World:
    client: TestClient[Litestar]
    ids: dict[str, str]  # placeholder name -> id
    headers: dict[str, dict[str, str]]  # caller -> headers (none for anonymous)

    def fill(self, value: Any, caller: str) -> Any:
        return _fill(value, {**self.ids, "self": ADMIN if caller == ANONYMOUS else caller})

    def path(self, template: str, caller: str) -> str:
        ids = self.ids
        directory = template.startswith(("/organisations/", "/persons/"))
        own = caller if caller != ANONYMOUS else ADMIN
        values = {
            "partnership_id": ids["partnership"],
            "organisation_id": ids["d_org" if directory else "club"],
            "person_id": ids["d_person" if directory else "person"],
            "activity_id": ids["activity"],
            "agreement_id": ids["agreement"],
            "position_id": ids["position"],
            "follow_up_id": ids["follow_up"],
            "factor_id": ids["factor"],
            "evaluation_id": ids["evaluation"],
            "grant_id": ids["grant"],
            "annotation_id": ids["annotation"],
            "username": own if template.endswith("/password") else TARGET,
            "name": TARGET,
            "path": "nothing-here",
        }
        if "{token_id}" in template:
            values["token_id"] = self.spare_token(own)[0]
        return template.format(**values)

    def spare_token(self, username: str) -> tuple[str, str]:
        """(id, token) of a new token of the user, for routes that revoke one."""
        issued = tvaers(self.client).issue_token(
            username, TokenKind.BEARER, "matrix", timedelta(hours=1), Meta(actor=username)
        )
        return str(issued.token_id), issued.token

    def send(self, method: str, template: str, route: Route, caller: str) -> tuple[Response, bool]:
        """Send the route's request as `caller`; also whether it wrote nothing."""
        url = self.path(template, caller)
        headers = dict(self.headers.get(caller, {}))
        if route.own_token and caller != ANONYMOUS:
            headers["Authorization"] = f"Bearer {self.spare_token(caller)[1]}"
        request = self.client.build_request(
            method,
            url,
            json=self.fill(route.body, caller) if route.body is not None else None,
            params=self.fill(route.query, caller) if route.query else None,
        )
        request.headers.pop("Authorization", None)
        request.headers.update(headers)
        service = tvaers(self.client)
        head = service.max_notification_id()
        response = self.client.send(request)
        self.client.cookies.clear()  # logging in sets a session cookie: not for the next
        return response, service.max_notification_id() == head


def _fill(value: Any, ids: dict[str, str]) -> Any:
    """The value with every `<name>` replaced by ids[name]."""
    if isinstance(value, str):
        for name, id_ in ids.items():
            value = value.replace(f"<{name}>", id_)
        return value
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _grant(client: TestClient[Litestar], username: str, role: AccessRole, **scope: Any) -> str:
    result = execute(
        tvaers(client), GrantAccess(username=username, role=role, **scope), Meta(actor=ACTOR)
    )
    return str(result.created_id)


def _build(client: TestClient[Litestar]) -> World:
    lead = register_organisation(client, f"Sundhed i {MARK}")
    club = register_organisation(
        client, f"{MARK} Idrætsforening", "sports_club", municipality=MUNICIPALITY
    )
    spare = register_organisation(client, "Jobcenter Svendborg", "employment")
    # The directory routes' records: an organisation of A's municipality, a partner of A,
    # and a person of it with a role in A (they may be renamed, merged, closed, erased).
    d_org = register_organisation(client, "Sundhedshuset", municipality=MUNICIPALITY)
    a_body = {
        "title": A_TITLE,
        "municipality": MUNICIPALITY,
        "lead_organisation_id": lead,
        "valid_on": "2024-01-01",  # partners join on or after the partnership starts
    }
    partnership = str(created(client.post("/partnerships", json=a_body))["id"])
    b_body = {
        "title": "Røgfri Norddjurs",
        "municipality": "Norddjurs",
        "lead_organisation_id": spare,
    }
    b = str(created(client.post("/partnerships", json=b_body))["id"])
    created(join(client, partnership, club, valid_on="2024-03-01"))
    created(join(client, partnership, d_org, valid_on="2024-03-01"))
    person = register_person(client, club, f"Mette {MARK}")
    d_person = register_person(client, d_org, "Dorte Holm")
    base = f"/partnerships/{partnership}"
    write(client, f"{base}/roles", {"role": "facilitator", "person_id": d_person}, status=201)
    ids = {
        "lead": lead,
        "club": club,
        "spare": spare,
        "partnership": partnership,
        "person": person,
        "d_org": d_org,
        "d_person": d_person,
        "activity": write(
            client,
            f"{base}/activities",
            {"title": f"Motion i {MARK}", "category": "offer", "owner_ids": [club]},
            status=201,
        )["id"],
        "agreement": write(
            client,
            f"{base}/agreements",
            {"kind": "cooperation", **_fill(AGREEMENT_TERMS, {"lead": lead, "club": club})},
            status=201,
        )["id"],
        "position": write(
            client, f"{base}/roles", {"role": "coordinator", "person_id": person}, status=201
        )["id"],
        "follow_up": write(
            client,
            f"{base}/follow-ups",
            {"label": f"{MARK} 3 måneder", "due_on": str(SOON), "cohort": 24},
            status=201,
        )["id"],
        "factor": write(
            client,
            f"{base}/factors",
            {"origin": "internal", "effect": "promoting", "description": "Ledelse"},
            status=201,
        )["id"],
        "milestone": write(client, f"{base}/milestones", MILESTONE, status=201)["id"],
        "evaluation": write(
            client,
            f"{base}/evaluations",
            {"kind": "internal", "evaluator": "Os", "method": "survey"},
            status=201,
        )["id"],
    }
    for username in (NO_GRANT, STEERING_A, EVALUATOR, LEADER_B, LEADER_A, LEADER_M, TARGET):
        add_user(client, username)
    _grant(client, STEERING_A, AccessRole.STEERING_MEMBER, partnership_id=uuid.UUID(partnership))
    _grant(client, EVALUATOR, AccessRole.EVALUATOR, municipality=MUNICIPALITY)
    _grant(client, LEADER_B, AccessRole.PROJECT_LEADER, partnership_id=uuid.UUID(b))
    _grant(client, LEADER_A, AccessRole.PROJECT_LEADER, partnership_id=uuid.UUID(partnership))
    _grant(client, LEADER_M, AccessRole.PROJECT_LEADER, municipality=MUNICIPALITY)
    ids["grant"] = _grant(client, TARGET, AccessRole.EVALUATOR, municipality="Norddjurs")
    # The evaluator's draft note on A (another caller's PUT/publish/withdraw: not found).
    note = execute(
        tvaers(client),
        RecordAnnotation(
            partnership_id=uuid.UUID(partnership),
            kind=AnnotationKind.FACTOR,
            text="Ledelsen er med hele vejen",
        ),
        Meta(actor=EVALUATOR),
    )
    ids["annotation"] = str(note.created_id)
    headers = {
        caller: {"Authorization": f"Bearer {token_for(client, caller)}"}
        for caller in CALLERS
        if caller != ANONYMOUS
    }
    # The views know every grant and token before the first request.
    after = {"after": tvaers(client).max_notification_id()}
    assert client.get("/partnerships", params=after).status_code == 200
    return World(client=client, ids=ids, headers=headers)


# -- the checks ------------------------------------------------------------------------


def _routes(app: Litestar) -> dict[tuple[str, str], HTTPRouteHandler]:
    """Every (method, path) of the API, but Litestar's own OPTIONS answers."""
    found: dict[tuple[str, str], HTTPRouteHandler] = {}
    for route in app.routes:
        assert isinstance(route, HTTPRoute), f"not an HTTP route: {route.path}"
        if route.path == "/" or route.path.startswith(("/ui", "/static")):
            continue  # the web UI's pages: tests/ui/test_ui_access.py
        for method, (handler, _) in route.route_handler_map.items():
            if method != "OPTIONS":
                found[(method, route.path_format)] = handler
    return found


def _reveals_nothing(world: World, response: Response) -> list[str]:
    """What a refusal's body shows beyond the problem itself (empty: nothing)."""
    body = response.json()
    shown = [f"field {key}" for key in body if key not in {*PROBLEM_FIELDS, "request_id"}]
    if MARK in response.text or A_TITLE in response.text:
        shown.append("partnership A's names")
    own = set(UUID_PATTERN.findall(response.request.url.path))
    shown += [f"id {id_}" for id_ in UUID_PATTERN.findall(response.text) if id_ not in own]
    return shown


def _check(world: World, method: str, template: str, route: Route, caller: str) -> list[str]:
    """What is wrong with the answer to `caller` (empty: nothing)."""
    response, wrote_nothing = world.send(method, template, route, caller)
    where = f"{method} {template} as {caller}: {response.status_code}"
    if route.lets_through(caller):
        if response.status_code in {401, 403} or response.status_code >= 500:
            return [f"{where} (should be let through) {response.text[:300]}"]
        return []
    expected = 401 if caller == ANONYMOUS else 403
    code = "unauthenticated" if caller == ANONYMOUS else "forbidden"
    wrong: list[str] = []
    try:
        assert_problem(response, expected, code)
    except AssertionError as error:
        return [f"{where} (should be {expected} {code}) {error}"]
    wrong += [f"{where} shows {what}" for what in _reveals_nothing(world, response)]
    if not wrote_nothing:
        wrong.append(f"{where} wrote an event")
    return wrong


def test_the_matrix_covers_every_route_with_its_declared_access(
    client: TestClient[Litestar],
) -> None:
    routes = _routes(client.app)

    assert set(routes) - set(ROUTES) == set(), "routes the grant matrix does not cover"
    assert set(ROUTES) - set(routes) == set(), "matrix rows for routes that do not exist"
    declared = {key: handler.opt.get("access") for key, handler in routes.items()}
    assert declared == {key: route.access for key, route in ROUTES.items()}
    body_rules = {key: handler.opt.get("body") for key, handler in routes.items()}
    assert body_rules == {key: route.body_rules for key, route in ROUTES.items()}


def test_every_route_refuses_callers_without_the_grant_and_lets_the_others_through(
    client: TestClient[Litestar],
) -> None:
    world = _build(client)

    wrong: list[str] = []
    for (method, template), route in [*ROUTES.items(), *FILTERS_NAMING_A.items()]:
        if template in LISTS and route.access == "authenticated":
            continue  # the lists have a test of their own, below
        for caller in CALLERS:
            wrong += _check(world, method, template, route, caller)

    assert not wrong, "\n".join(wrong)


def test_the_lists_show_partnership_a_only_to_callers_with_a_grant_on_it(
    client: TestClient[Litestar],
) -> None:
    world = _build(client)
    a = world.ids["partnership"]

    wrong: list[str] = []
    for path in sorted(LISTS):
        route = ROUTES[("GET", path)]
        for caller in CALLERS:
            response, wrote_nothing = world.send("GET", path, route, caller)
            where = f"GET {path} as {caller}: {response.status_code}"
            if caller == ANONYMOUS:
                wrong += _check(world, "GET", path, route, caller)
                continue
            if response.status_code != 200:
                wrong.append(f"{where} {response.text[:300]}")
                continue
            shows_a = a in response.text or MARK in response.text
            if caller not in READERS_OF_A and shows_a:
                wrong.append(f"{where} shows partnership A")
            if caller in READERS_OF_A and not shows_a:
                wrong.append(f"{where} does not show partnership A")
            if not wrote_nothing:
                wrong.append(f"{where} wrote an event")

    assert not wrong, "\n".join(wrong)


def test_a_user_may_not_revoke_another_users_token_or_change_their_password(
    client: TestClient[Litestar],
) -> None:
    world = _build(client)
    token_id, token = world.spare_token(LEADER_A)
    head = tvaers(client).max_notification_id()

    revoke = client.delete(f"/auth/tokens/{token_id}", headers=world.headers[LEADER_B])
    password = client.post(
        f"/users/{LEADER_A}/password",
        json={"new_password": "et helt nyt kodeord"},
        headers=world.headers[LEADER_B],
    )

    assert_problem(revoke, 403, "forbidden")
    assert_problem(password, 403, "forbidden")
    assert tvaers(client).max_notification_id() == head
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
