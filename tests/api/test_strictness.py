"""The API reads requests strictly, for every operation at once (api/body.py).

Issue 12, findings 6, 7 (nesting) and 9 (booleans, decimals, duplicate keys) and the
schemathesis findings on OPTIONS and undeclared query parameters: a JSON body must say
it is JSON (415), JSON nested absurdly deep is a 400 and not a 500, a key twice in one
object, `0` for a boolean and `"1e5"` for a decimal are refused, OPTIONS names every
method of the path, and a misspelt query parameter is refused instead of ignored.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.body import MAX_DEPTH
from tests.api.conftest import ACTOR, PASSWORD, assert_problem, partnership_body, tvaers
from tests.api.support import nothing_written

pytestmark = pytest.mark.both_stores

ORGANISATION = {"name": "Svendborg Idrætsforening", "sector": "sports_club"}
JSON_OPERATIONS_AT_LEAST = 50


def _document(client: TestClient[Litestar]) -> dict[str, Any]:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _concrete(path: str) -> str:
    """The path with made-up ids (and a real username) for its parameters."""
    path = path.replace("{username}", ACTOR)
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def _json_body_operations(client: TestClient[Litestar]) -> list[tuple[str, str]]:
    """(method, path with made-up ids) of every operation whose body is JSON."""
    found = []
    for path, item in _document(client)["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), _concrete(path)))
    return found


# -- 415: a JSON body says it is JSON (finding 6) ----------------------------------------


def test_every_operation_with_a_json_body_refuses_other_content_types(
    client: TestClient[Litestar],
) -> None:
    operations = _json_body_operations(client)
    assert len(operations) >= JSON_OPERATIONS_AT_LEAST, "the OpenAPI document lost operations"

    answers = {}
    with nothing_written(client):
        for method, path in operations:
            response = client.request(
                method, path, content=b"{}", headers={"Content-Type": "text/plain"}
            )
            answers[f"{method} {path}"] = response.status_code
            if response.status_code == 415:
                assert_problem(response, 415, "unsupported-media-type")

    assert {label for label, status in answers.items() if status != 415} == set()


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonp",
        None,  # a body without a Content-Type
    ],
)
def test_a_body_that_does_not_say_json_is_refused_with_415(
    client: TestClient[Litestar], content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    with nothing_written(client):
        response = client.post(
            "/organisations", content=json.dumps(ORGANISATION).encode(), headers=headers
        )
    assert_problem(response, 415, "unsupported-media-type")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=UTF-8", "application/vnd.x+json"],
)
def test_json_by_any_json_media_type_is_accepted(
    client: TestClient[Litestar], content_type: str
) -> None:
    response = client.post(
        "/organisations",
        content=json.dumps(ORGANISATION).encode(),
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 201, response.text


def test_the_session_cookie_does_not_carry_a_text_plain_write(
    client: TestClient[Litestar],
) -> None:
    """Finding 6: the UI's cookie with a text/plain body (what a sibling site can send)."""
    del client.headers["Authorization"]
    login = client.post("/auth/login", json={"username": ACTOR, "password": PASSWORD})
    assert login.status_code in {200, 201, 204}, login.text
    assert client.get("/auth/me").status_code == 200  # the cookie logs in

    with nothing_written(client):
        response = client.post(
            "/organisations",
            content=json.dumps(ORGANISATION).encode(),
            headers={"Content-Type": "text/plain"},
        )
    assert 400 <= response.status_code < 500
    assert response.status_code in {403, 415}, response.text


def test_the_web_ui_still_posts_forms(client: TestClient[Litestar]) -> None:
    """The UI's own form posts are form-encoded: the JSON rule does not apply to them."""
    page = client.get("/ui/login")
    assert page.status_code == 200
    response = client.post(
        "/ui/login",
        data={"username": ACTOR, "password": "wrong password, but a form"},
        follow_redirects=False,
    )
    assert response.status_code != 415


# -- bodies: depth, duplicate keys, strict types (findings 7 and 9) ----------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
def test_json_nested_too_deep_is_a_400_not_a_500(client: TestClient[Litestar], depth: int) -> None:
    nested = "[" * depth + "]" * depth
    body = f'{{"name": "A", "sector": "health", "municipality": {nested}}}'
    with nothing_written(client):
        response = client.post(
            "/organisations", content=body.encode(), headers={"Content-Type": "application/json"}
        )
    problem = assert_problem(response, 400, "invalid-request")
    assert "deeper" in problem["detail"]


def test_nesting_the_api_needs_is_accepted(client: TestClient[Litestar], lead_id: str) -> None:
    partnership = client.post("/partnerships", json=partnership_body(lead_id)).json()["id"]
    club = client.post("/organisations", json=ORGANISATION).json()["id"]
    joined = client.post(f"/partnerships/{partnership}/partners", json={"organisation_id": club})
    assert joined.status_code in {200, 201}, joined.text
    body = {
        "kind": "cooperation",
        "title": "Aftale",
        "purpose": "Formål",
        "party_ids": [lead_id, club],
        "obligations": [
            {"party_id": lead_id, "text": "Henviser"},
            {"party_id": club, "text": "Træner"},
        ],
        "valid_from": "2024-01-01",
        "valid_to": "2030-12-31",
    }
    response = client.post(f"/partnerships/{partnership}/agreements", json=body)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "A", "sector": "health", "name": "B"}',
        '{"name": "A", "sector": "health", "sector": "health"}',
    ],
)
def test_a_key_twice_in_one_object_is_refused(client: TestClient[Litestar], body: str) -> None:
    with nothing_written(client):
        response = client.post(
            "/organisations", content=body.encode(), headers={"Content-Type": "application/json"}
        )
    problem = assert_problem(response, 400, "invalid-request")
    assert "twice" in problem["detail"]


def test_a_key_twice_in_a_nested_object_is_refused(
    client: TestClient[Litestar], lead_id: str
) -> None:
    partnership = client.post("/partnerships", json=partnership_body(lead_id)).json()["id"]
    body = (
        '{"kind": "cooperation", "title": "Aftale", "purpose": "Formål", '
        f'"party_ids": ["{lead_id}"], "valid_from": "2024-01-01", "valid_to": "2030-12-31", '
        f'"obligations": [{{"party_id": "{lead_id}", "text": "a", "text": "b"}}]}}'
    )
    with nothing_written(client):
        response = client.post(
            f"/partnerships/{partnership}/agreements",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
    assert_problem(response, 400, "invalid-request")


@pytest.mark.parametrize("is_admin", [0, 1, "true", "false", None])
def test_a_boolean_is_true_or_false(client: TestClient[Litestar], is_admin: Any) -> None:
    body = {
        "username": "ny@svendborg.dk",
        "display_name": "Ny",
        "password": PASSWORD,
        "is_admin": is_admin,
    }
    with nothing_written(client):
        response = client.post("/users", json=body)
    problem = assert_problem(response, 400, "invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["is_admin"]


def test_an_integer_given_as_a_string_is_refused(
    client: TestClient[Litestar], lead_id: str
) -> None:
    partnership = client.post("/partnerships", json=partnership_body(lead_id)).json()["id"]
    body = {"label": "Efter 3 måneder", "due_on": "2099-07-01", "cohort": "24"}
    with nothing_written(client):
        response = client.post(f"/partnerships/{partnership}/follow-ups", json=body)
    problem = assert_problem(response, 400, "invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["cohort"]


@pytest.mark.parametrize(("cohort", "status"), [(24.0, 201), (1e1, 201), (24.5, 400)])
def test_an_integer_written_with_a_fraction_of_zero_is_an_integer(
    client: TestClient[Litestar], lead_id: str, cohort: float, status: int
) -> None:
    """JSON Schema counts 24.0 as an integer; 24.5 is not one."""
    partnership = client.post("/partnerships", json=partnership_body(lead_id)).json()["id"]
    body = {"label": "Efter 3 måneder", "due_on": "2030-07-01", "cohort": cohort}
    response = client.post(f"/partnerships/{partnership}/follow-ups", json=body)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "budget", ["1e5", "1E5", "NaN", "Infinity", "-0x10", " 100", "100.", "1_000", "1234567.1234567"]
)
def test_a_decimal_string_the_schema_pattern_forbids_is_refused(
    client: TestClient[Litestar], lead_id: str, budget: str
) -> None:
    with nothing_written(client):
        response = client.post(
            "/partnerships", json=partnership_body(lead_id, yearly_budget_dkk=budget)
        )
    problem = assert_problem(response, 400, "invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["yearly_budget_dkk"]


@pytest.mark.parametrize("budget", ["100000", "100000.50", 100000, 1e5, 1234.5])
def test_a_decimal_as_the_schema_states_it_is_accepted(
    client: TestClient[Litestar], lead_id: str, budget: Any
) -> None:
    response = client.post(
        "/partnerships", json=partnership_body(lead_id, yearly_budget_dkk=budget)
    )
    assert response.status_code == 201, response.text


def test_the_document_states_the_decimal_pattern_the_server_enforces(
    client: TestClient[Litestar],
) -> None:
    from api.body import DECIMAL_PATTERN

    schema = _document(client)["components"]["schemas"]["PartnershipCreate"]
    budget = schema["properties"]["yearly_budget_dkk"]
    assert {"type": "string", "pattern": DECIMAL_PATTERN} in budget["oneOf"]


def test_malformed_json_is_a_400(client: TestClient[Litestar]) -> None:
    for body in (b'{"name": "A",', b'{"name": NaN}', b"\xff\xfe{}", b'{"a": 1} {"b": 2}'):
        with nothing_written(client):
            response = client.post(
                "/organisations", content=body, headers={"Content-Type": "application/json"}
            )
        assert_problem(response, 400, "invalid-request")


# -- OPTIONS and query parameters --------------------------------------------------------


def test_options_names_every_documented_method_of_every_path(
    client: TestClient[Litestar],
) -> None:
    """Schemathesis found 8 paths whose `Allow` left out methods another controller adds."""
    wrong = {}
    for path, item in _document(client)["paths"].items():
        response = client.options(_concrete(path))
        documented = {m.upper() for m in item if m in {"get", "put", "post", "delete", "patch"}}
        allowed = {m.strip() for m in response.headers.get("allow", "").split(",") if m.strip()}
        if response.status_code != 204 or allowed - {"OPTIONS", "HEAD"} != documented:
            wrong[path] = (response.status_code, sorted(allowed), sorted(documented))
    assert wrong == {}


def test_options_on_a_path_two_controllers_share(client: TestClient[Litestar]) -> None:
    response = client.options("/users")
    assert response.status_code == 204
    assert set(response.headers["allow"].split(", ")) == {"GET", "OPTIONS", "POST"}


@pytest.mark.parametrize("path", ["/registry/partnerships", "/agenda", "/crosscase", "/access-log"])
def test_an_unknown_query_parameter_is_refused(client: TestClient[Litestar], path: str) -> None:
    """Issue 16: `?asof=` (for `as_of`) used to be ignored, answering today instead."""
    response = client.get(path, params={"asof": "2021-03-01"})
    problem = assert_problem(response, 400, "invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["asof"]
    assert "as_of" in problem["detail"] or path == "/access-log"


def test_declared_query_parameters_including_the_export_ones_are_accepted(
    client: TestClient[Litestar],
) -> None:
    response = client.get(
        "/registry/partnerships",
        params={"as_of": "2021-03-01", "format": "json", "lang": "da", "limit": "5"},
    )
    assert response.status_code == 200, response.text


def test_strictness_does_not_slow_a_write_down_noticeably(client: TestClient[Litestar]) -> None:
    """The checks run once per request on bodies of a few hundred bytes."""
    from api.body import _parse

    body = json.dumps({**ORGANISATION, "municipality": "x" * 200}).encode()
    assert _parse(body)["name"] == ORGANISATION["name"]
    assert tvaers(client) is not None


def test_the_table_values_the_document_states_are_exactly_those_each_view_accepts(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    """Schemathesis sent `table=` values the document allowed and the server refused."""
    from api.exports import TABLES

    stated: dict[str, list[str]] = {}
    wrong = {}
    for path, item in _document(client)["paths"].items():
        for operation in item.values():
            names = [
                p["schema"].get("enum")
                for p in operation.get("parameters", [])
                if p.get("name") == "table" and p.get("in") == "query"
            ]
            if operation.get("operationId") not in TABLES:
                continue
            stated[operation["operationId"]] = names[0]
            url = path.replace("{partnership_id}", partnership_id)
            extra = {"from": "2024-01-01", "to": "2024-06-01"} if url.endswith("/diff") else {}
            extra["after"] = str(tvaers(client).max_notification_id())  # the views caught up
            for table in names[0]:
                response = client.get(url, params={"format": "csv", "table": table, **extra})
                if response.status_code != 200:
                    wrong[f"{url} {table}"] = response.status_code
            refused = client.get(url, params={"format": "csv", "table": "nope", **extra})
            listed = refused.json()["detail"].split("choose one of: ")[1].rstrip(".").split(", ")
            if listed != names[0]:
                wrong[f"{url} listed"] = listed
    # every view's tables and its codebook (issue 16)
    assert stated == {operation: [*names, "codebook"] for operation, names in TABLES.items()}
    assert wrong == {}


def test_cursor_and_after_state_their_form_and_a_well_formed_unknown_one_is_a_422(
    client: TestClient[Litestar],
) -> None:
    """The form is in the document (400 when broken); a position never given out is 422."""
    from api.controllers.views import CURSOR_PATTERN

    parameters = {
        p["name"]: p["schema"]
        for p in _document(client)["paths"]["/registry/partnerships"]["get"]["parameters"]
    }
    assert CURSOR_PATTERN in json.dumps(parameters["cursor"])
    assert str(2**63 - 1) in json.dumps(parameters["after"])

    for cursor in ("abc", "-1", "W" + "x" * 1_000):
        assert_problem(client.get("/registry/partnerships", params={"cursor": cursor}), 400)
    assert_problem(client.get("/registry/partnerships", params={"after": 2**63}), 400)
    assert_problem(client.get("/access-log", params={"cursor": "W1"}), 400)

    unknown = client.get("/registry/partnerships", params={"cursor": "Wzz"})
    assert_problem(unknown, 422, "unknown-position")
    head = tvaers(client).max_notification_id()
    ahead = client.get("/registry/partnerships", params={"after": head + 1_000})
    assert_problem(ahead, 422, "unknown-position")


def test_every_pattern_in_the_document_is_one_an_ecma_regex_engine_reads(
    client: TestClient[Litestar],
) -> None:
    """A pattern ECMA-262 cannot read (a lone-surrogate range) is dropped by schemathesis
    and client generators, so the constraint is as good as unstated."""
    import jsonschema_rs

    patterns: set[str] = set()
    stack: list[Any] = [_document(client)]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("pattern"), str):
                patterns.add(item["pattern"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    unreadable = []
    for pattern in patterns:
        try:
            jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        except jsonschema_rs.ValidationError:
            unreadable.append(pattern[:80])
    assert len(patterns) > 5
    assert unreadable == []
