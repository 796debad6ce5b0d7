"""Bad input gets a 4xx problem document (RFC 9457) and writes nothing.

Every case checks the notification log's head before and after: a rejected request must not
record an event. Placeholders such as LEAD in the tables are replaced by ids made per test.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

import api.body as body_rules
from tests.api.conftest import (
    assert_problem,
    join,
    register_organisation,
    tvaers,
)

LEAD = "<lead>"
PARTNERSHIP = "<partnership>"
OTHER = "<other organisation>"
UNKNOWN = "<unknown id>"

ORGANISATIONS = "/organisations"
PARTNERSHIPS = "/partnerships"
PARTNERS = f"/partnerships/{PARTNERSHIP}/partners"

ORGANISATION = {"name": "Svendborg Frivilligcenter", "sector": "voluntary"}
REGISTRATION = {
    "title": "Bevæg dig for livet",
    "municipality": "Svendborg",
    "lead_organisation_id": LEAD,
}
JOINING = {"organisation_id": OTHER}


def without(body: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != field}


@pytest.fixture
def ids(client: TestClient[Litestar], lead_id: str, partnership_id: str) -> dict[str, str]:
    return {
        LEAD: lead_id,
        PARTNERSHIP: partnership_id,
        OTHER: register_organisation(client, "Svendborg Idrætsforening", "sports_club"),
        UNKNOWN: str(uuid.uuid4()),
    }


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Replace the placeholders in a path or body by this test's ids."""
    if isinstance(value, str):
        for placeholder, id_ in ids.items():
            value = value.replace(placeholder, id_)
        return value
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


@contextmanager
def nothing_written(client: TestClient[Litestar]) -> Iterator[None]:
    before = tvaers(client).max_notification_id()
    yield
    assert tvaers(client).max_notification_id() == before, "a rejected request wrote an event"


def names_field(error: dict[str, Any], field: str) -> bool:
    # Litestar reports a missing or unknown field on the body ("data"), naming it in the message.
    return error["field"] == field or f"`{field}`" in error["message"]


# -- 400: the body breaks the schema ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # missing required fields
        pytest.param(ORGANISATIONS, without(ORGANISATION, "name"), "name", id="org-no-name"),
        pytest.param(ORGANISATIONS, without(ORGANISATION, "sector"), "sector", id="org-no-sector"),
        pytest.param(PARTNERSHIPS, without(REGISTRATION, "title"), "title", id="no-title"),
        pytest.param(
            PARTNERSHIPS,
            without(REGISTRATION, "lead_organisation_id"),
            "lead_organisation_id",
            id="no-lead",
        ),
        pytest.param(PARTNERS, {"rung": 2}, "organisation_id", id="join-no-organisation"),
        # wrong types
        pytest.param(ORGANISATIONS, {**ORGANISATION, "name": 42}, "name", id="name-number"),
        pytest.param(
            ORGANISATIONS, {**ORGANISATION, "valid_on": "1. marts"}, "valid_on", id="bad-date"
        ),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "target_groups": "ældre"},
            "target_groups",
            id="list-as-string",
        ),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "lead_organisation_id": "lead"},
            "lead_organisation_id",
            id="uuid-malformed",
        ),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "yearly_budget_dkk": "mange penge"},
            "yearly_budget_dkk",
            id="budget-words",
        ),
        pytest.param(PARTNERS, {"organisation_id": 42}, "organisation_id", id="uuid-number"),
        pytest.param(PARTNERS, {**JOINING, "rung": 2.5}, "rung", id="rung-fraction"),
        pytest.param(PARTNERS, {**JOINING, "rung": True}, "rung", id="rung-boolean"),
        # unknown extra fields
        pytest.param(ORGANISATIONS, {**ORGANISATION, "colour": "blå"}, "colour", id="org-extra"),
        pytest.param(
            PARTNERSHIPS, {**REGISTRATION, "barriers": "tid"}, "barriers", id="registry-only"
        ),
        pytest.param(PARTNERS, {**JOINING, "is_lead": True}, "is_lead", id="join-extra"),
        # out of range
        pytest.param(PARTNERS, {**JOINING, "rung": 0}, "rung", id="rung-0"),
        pytest.param(PARTNERS, {**JOINING, "rung": 5}, "rung", id="rung-5-needs-agreement"),
        pytest.param(PARTNERS, {**JOINING, "rung": 7}, "rung", id="rung-7"),
        pytest.param(PARTNERSHIPS, {**REGISTRATION, "bearings": [7]}, "bearings[0]", id="bearing"),
        pytest.param(ORGANISATIONS, {**ORGANISATION, "name": ""}, "name", id="name-empty"),
        # blank: no visible character (aggregates/text.py, stated as the field's pattern)
        pytest.param(ORGANISATIONS, {**ORGANISATION, "name": "  "}, "name", id="name-blank"),
        pytest.param(PARTNERSHIPS, {**REGISTRATION, "title": "   "}, "title", id="title-blank"),
        pytest.param(ORGANISATIONS, {**ORGANISATION, "name": "x" * 201}, "name", id="name-long"),
        pytest.param(ORGANISATIONS, {**ORGANISATION, "cvr": "1234"}, "cvr", id="cvr-short"),
        pytest.param(
            ORGANISATIONS, {**ORGANISATION, "reason": "r" * 2001}, "reason", id="reason-long"
        ),
        # invalid enum values
        pytest.param(ORGANISATIONS, {**ORGANISATION, "sector": "hospital"}, "sector", id="sector"),
        pytest.param(
            ORGANISATIONS, {**ORGANISATION, "sector": "HEALTH"}, "sector", id="sector-uppercase"
        ),
        pytest.param(PARTNERSHIPS, {**REGISTRATION, "kind": "forever"}, "kind", id="kind"),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "prevention_categories": ["cure"]},
            "prevention_categories[0]",
            id="prevention-category",
        ),
    ],
)
def test_a_body_that_breaks_the_schema_is_rejected_with_400_naming_the_field(
    client: TestClient[Litestar], ids: dict[str, str], path: str, body: dict[str, Any], field: str
) -> None:
    with nothing_written(client):
        response = client.post(fill(path, ids), json=fill(body, ids))

    problem = assert_problem(response, 400, "invalid-request")
    assert problem["errors"], problem
    assert any(names_field(error, field) for error in problem["errors"]), problem["errors"]
    assert all(error["source"] == "body" for error in problem["errors"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param(without(ORGANISATION, "name"), "name", id="missing"),
        pytest.param({**ORGANISATION, "colour": "blå"}, "colour", id="unknown"),
    ],
)
def test_a_missing_or_unknown_field_is_named_in_the_error_field_itself(
    client: TestClient[Litestar], body: dict[str, Any], field: str
) -> None:
    response = client.post(ORGANISATIONS, json=body)

    problem = assert_problem(response, 400, "invalid-request")
    assert [error["field"] for error in problem["errors"]] == [field]


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param(b'{"organisation_id": ', id="truncated"),
        pytest.param(b"", id="empty"),
        pytest.param(b"[]", id="array"),
        pytest.param(b"null", id="null"),
        pytest.param(
            '{"organisation_id": "Ærø"}'.encode("latin-1"),
            id="not-utf-8",
        ),
    ],
)
def test_a_malformed_json_body_is_rejected_with_400(
    client: TestClient[Litestar], ids: dict[str, str], content: bytes
) -> None:
    with nothing_written(client):
        response = client.post(
            fill(PARTNERS, ids), content=content, headers={"Content-Type": "application/json"}
        )

    assert_problem(response, 400)


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"limit": 0}, id="limit-0"),
        pytest.param({"limit": 201}, id="limit-201"),
        pytest.param({"limit": "ten"}, id="limit-words"),
        pytest.param({"cursor": "abc"}, id="cursor-words"),
        pytest.param({"cursor": "-1"}, id="cursor-negative"),
    ],
)
def test_a_bad_listing_query_is_rejected_with_400(
    client: TestClient[Litestar], params: dict[str, Any]
) -> None:
    assert_problem(client.get(PARTNERSHIPS, params=params), 400)


@pytest.mark.parametrize(
    "cursor",
    [pytest.param("²", id="superscript-two"), pytest.param("9" * 30, id="beyond-64-bits")],
)
def test_a_cursor_this_api_never_gave_out_is_rejected_with_400(
    client: TestClient[Litestar], cursor: str
) -> None:
    assert_problem(client.get(PARTNERSHIPS, params={"cursor": cursor}), 400)


# -- 404: no such resource --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/partnerships/not-a-uuid", id="get-partnership"),
        pytest.param("GET", "/organisations/42", id="get-organisation"),
        pytest.param("POST", "/partnerships/not-a-uuid/partners", id="join"),
    ],
)
def test_a_malformed_uuid_in_the_path_matches_no_route_and_is_a_404_problem(
    client: TestClient[Litestar], ids: dict[str, str], method: str, path: str
) -> None:
    with nothing_written(client):
        response = client.request(method, path, json=fill(JOINING, ids))

    assert_problem(response, 404, "not-found")


@pytest.mark.parametrize(
    ("method", "path", "body", "missing"),
    [
        pytest.param("GET", f"/partnerships/{UNKNOWN}", None, "partnership", id="get-partnership"),
        pytest.param(
            "GET", f"/organisations/{UNKNOWN}", None, "organisation", id="get-organisation"
        ),
        pytest.param(
            "GET", f"/organisations/{PARTNERSHIP}", None, "organisation", id="wrong-kind-of-id"
        ),
        pytest.param(
            "POST",
            f"/partnerships/{UNKNOWN}/partners",
            JOINING,
            "partnership",
            id="join-unknown-partnership",
        ),
        pytest.param(
            "POST", PARTNERS, {"organisation_id": UNKNOWN}, "organisation", id="join-unknown-org"
        ),
        pytest.param(
            "POST",
            PARTNERS,
            {"organisation_id": PARTNERSHIP},
            "organisation",
            id="join-a-partnership-as-org",
        ),
        pytest.param(
            "POST",
            PARTNERSHIPS,
            {**REGISTRATION, "lead_organisation_id": UNKNOWN},
            "organisation",
            id="unknown-lead",
        ),
        pytest.param(
            "POST",
            ORGANISATIONS,
            {**ORGANISATION, "parent_id": UNKNOWN},
            "organisation",
            id="unknown-parent",
        ),
    ],
)
def test_an_unknown_id_is_a_404_not_found_problem(
    client: TestClient[Litestar],
    ids: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any] | None,
    missing: str,
) -> None:
    with nothing_written(client):
        response = client.request(method, fill(path, ids), json=fill(body, ids))

    problem = assert_problem(response, 404, "not-found")
    assert problem["detail"].startswith(f"No {missing} with id ")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("GET", "/partnerships/not-a-uuid", id="404"),
        pytest.param("DELETE", "/partnerships", id="405"),
    ],
)
def test_a_request_that_matches_no_route_still_gets_its_ids(
    client: TestClient[Litestar], method: str, path: str
) -> None:
    response = client.request(method, path, headers={"X-Correlation-ID": "sag-42"})

    problem = assert_problem(response, response.status_code)
    assert response.headers["x-correlation-id"] == "sag-42"
    assert problem["request_id"] == response.headers["x-request-id"]


# -- 422: a rule of the domain is broken ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        pytest.param(
            PARTNERS, {"organisation_id": LEAD}, "already-a-partner", id="lead-joins-again"
        ),
        pytest.param(
            PARTNERSHIPS, {**REGISTRATION, "yearly_budget_dkk": "-1"}, "invalid-value", id="budget"
        ),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "yearly_budget_dkk": -0.01},
            "invalid-value",
            id="budget-as-number",
        ),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "staff_hours_per_year": "-37"},
            "invalid-value",
            id="staff-hours",
        ),
        pytest.param(
            PARTNERSHIPS,
            {**REGISTRATION, "period_start": "2025-01-01", "period_end": "2024-12-31"},
            "inconsistent-dates",
            id="period-ends-before-it-starts",
        ),
    ],
)
def test_a_broken_rule_is_a_422_problem_with_its_code(
    client: TestClient[Litestar], ids: dict[str, str], path: str, body: dict[str, Any], code: str
) -> None:
    with nothing_written(client):
        response = client.post(fill(path, ids), json=fill(body, ids))

    assert_problem(response, 422, code)


def test_joining_twice_is_a_422_already_a_partner(
    client: TestClient[Litestar], ids: dict[str, str]
) -> None:
    assert join(client, ids[PARTNERSHIP], ids[OTHER], rung=2).status_code == 201

    with nothing_written(client):
        response = join(client, ids[PARTNERSHIP], ids[OTHER], rung=3)

    assert_problem(response, 422, "already-a-partner")
    partners = client.get(f"/partnerships/{ids[PARTNERSHIP]}").json()["partners"]
    assert [p["rung"] for p in partners if p["organisation_id"] == ids[OTHER]] == [2]


def test_a_write_without_credentials_is_a_401_and_writes_nothing(
    client: TestClient[Litestar], ids: dict[str, str]
) -> None:
    token = client.headers.pop("Authorization")
    with nothing_written(client):
        response = join(client, ids[PARTNERSHIP], ids[OTHER])
    client.headers["Authorization"] = token

    assert_problem(response, 401, "unauthenticated")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity"])
def test_a_budget_that_is_not_a_finite_number_is_a_400(
    client: TestClient[Litestar], ids: dict[str, str], amount: str
) -> None:
    """The document's decimal pattern forbids it, so the body is malformed (api/body.py)."""
    with nothing_written(client):
        response = client.post(
            PARTNERSHIPS, json=fill({**REGISTRATION, "yearly_budget_dkk": amount}, ids)
        )

    assert_problem(response, 400, "invalid-request")


# -- 412 and 400: If-Match ---------------------------------------------------------------


def test_a_join_with_a_stale_if_match_is_a_412_and_writes_nothing(
    client: TestClient[Litestar], ids: dict[str, str]
) -> None:
    partnership = ids[PARTNERSHIP]
    etag = client.get(f"/partnerships/{partnership}").headers["etag"]
    club = register_organisation(client, "Svendborg Roklub", "sports_club")
    assert join(client, partnership, club).status_code == 201  # someone else, meanwhile

    with nothing_written(client):
        response = join(client, partnership, ids[OTHER], {"If-Match": etag})

    problem = assert_problem(response, 412, "stale-version")
    assert etag == '"1"'
    assert problem["current_version"] == 2
    assert response.headers["etag"] == '"2"'
    view = client.get(f"/partnerships/{partnership}").json()
    assert view["version"] == 2
    assert ids[OTHER] not in {p["organisation_id"] for p in view["partners"]}


@pytest.mark.parametrize(
    "if_match",
    [
        pytest.param("abc", id="words"),
        pytest.param('"1", "2"', id="a-list"),
        pytest.param('"-1"', id="negative"),
        pytest.param('"1.0"', id="fraction"),
        pytest.param('""', id="empty-tag"),
    ],
)
def test_a_malformed_if_match_is_rejected_with_400(
    client: TestClient[Litestar], ids: dict[str, str], if_match: str
) -> None:
    with nothing_written(client):
        response = join(client, ids[PARTNERSHIP], ids[OTHER], {"If-Match": if_match})

    problem = assert_problem(response, 400)
    assert "If-Match" in problem["detail"]


def _post_raw(
    client: TestClient[Litestar], path: str, body: dict[str, Any], if_match: bytes
) -> tuple[int, dict[str, Any]]:
    """POST through the ASGI interface, with If-Match bytes the test client cannot send.

    The test client encodes header values as UTF-8; a server hands Litestar the raw bytes,
    which it decodes as latin-1.
    """
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": json.dumps(body).encode(), "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    async def call() -> None:
        headers = [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"if-match", if_match),
            (b"authorization", client.headers["authorization"].encode()),
        ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }
        await client.app(scope, receive, send)  # type: ignore[arg-type]

    client.blocking_portal.call(call)
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return start["status"], json.loads(content)


def test_an_if_match_of_raw_non_ascii_bytes_is_rejected_with_400(
    client: TestClient[Litestar], ids: dict[str, str]
) -> None:
    with nothing_written(client):
        status, problem = _post_raw(client, fill(PARTNERS, ids), fill(JOINING, ids), b'"\xe6"')

    assert status == 400
    assert "If-Match" in problem["detail"]


def test_an_if_match_with_a_non_ascii_digit_is_rejected_with_400(
    client: TestClient[Litestar], ids: dict[str, str]
) -> None:
    with nothing_written(client):
        status, problem = _post_raw(client, fill(PARTNERS, ids), fill(JOINING, ids), b'"\xb2"')

    assert status == 400
    assert "If-Match" in problem["detail"]


# -- no internals leak -------------------------------------------------------------------


def test_an_unexpected_error_is_a_500_problem_without_internals(
    client: TestClient[Litestar], ids: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret connection string postgresql://u:p@db")

    monkeypatch.setattr(tvaers(client), "get_partnership", broken)

    response = client.get(f"/partnerships/{ids[PARTNERSHIP]}")

    problem = assert_problem(response, 500, "server-error")
    assert "secret" not in response.text
    assert problem["request_id"] == response.headers["x-request-id"]


class _Amount(msgspec.Struct):
    amount: Decimal


class _Plain(msgspec.Struct):
    title: str
    count: int | None = None
    tags: list[str] = msgspec.field(default_factory=list)


class _Nested(msgspec.Struct):
    title: str
    lines: list[_Amount] = msgspec.field(default_factory=list)


class _ByName(msgspec.Struct):
    amounts: dict[str, Annotated[Decimal, msgspec.Meta(title="DKK")] | None]


class _Tree(msgspec.Struct):
    name: str
    children: list[_Tree] = msgspec.field(default_factory=list)


@pytest.mark.parametrize(
    ("body", "holds"),
    [(_Amount, True), (_Plain, False), (_Nested, True), (_ByName, True), (_Tree, False)],
)
def test_only_a_body_that_can_hold_a_decimal_is_walked_for_one(body: type, holds: bool) -> None:
    """The strict-body check skips the walk for decimal strings where no decimal can be
    (api/body.py); one nested in a list, a dict or a union is found, and a type inside
    itself ends the search."""
    assert body_rules._holds_decimal(msgspec.inspect.type_info(body), set()) is holds
