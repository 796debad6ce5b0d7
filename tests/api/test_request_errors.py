"""Malformed requests answer what docs/api.md says (issue 16): an unknown query parameter
on any operation, an invalid value of a known one, an id in a path that is not a UUID,
a malformed If-Match or Idempotency-Key, a missing body."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import assert_problem, tvaers
from tests.api.support import nothing_written

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _operations(client: TestClient[Litestar]) -> list[tuple[str, str]]:
    document: dict[str, Any] = client.get("/schema/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in HTTP_METHODS
        if method in item
    ]


def _filled(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", lambda _: str(uuid.uuid4()), path)


def test_every_operation_refuses_a_query_parameter_it_does_not_take(
    client: TestClient[Litestar],
) -> None:
    wrong = []
    operations = _operations(client)
    with nothing_written(client):
        for method, path in operations:
            response = client.request(
                method, _filled(path), params={"no_such_parameter": "1"}, json={}
            )
            body = response.json() if response.content else {}
            if response.status_code != 400 or "`no_such_parameter`" not in body.get("detail", ""):
                wrong.append(f"{method} {path}: {response.status_code} {response.text[:200]}")

    assert len(operations) > 90
    assert not wrong, "\n".join(wrong)


def test_a_misspelt_parameter_is_named_with_the_ones_the_operation_takes(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    response = client.get(f"/partnerships/{partnership_id}/ladder", params={"asof": "2021-03-01"})

    problem = assert_problem(response, 400, "invalid-request")
    assert "`asof`" in problem["detail"]
    assert "as_of" in problem["detail"]
    assert problem["errors"] == [
        {"field": "asof", "message": "unknown query parameter", "source": "query"}
    ]


def test_an_unknown_event_kind_in_the_audit_filter_is_refused_not_an_empty_list(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/audit"

    problem = assert_problem(client.get(path, params={"kind": "Bogus"}), 400, "invalid-request")
    assert "`Bogus`" in problem["detail"]
    assert problem["errors"][0]["field"] == "kind"
    after = tvaers(client).max_notification_id()  # the views hold the partnership
    known = client.get(path, params={"kind": "PartnerJoined", "after": after})
    assert known.status_code == 200, known.text


def test_an_id_in_a_path_that_is_not_a_uuid_names_nothing(client: TestClient[Litestar]) -> None:
    problem = assert_problem(client.get("/partnerships/not-a-uuid"), 404, "not-found")

    assert problem["title"] == "Not found"
    assert "/partnerships/not-a-uuid" in problem["detail"]
    assert "UUID" in problem["detail"]


@pytest.mark.parametrize("value", ["abc", '"3x"', "W/", "1" * 30])
def test_a_malformed_if_match_is_an_invalid_request_naming_the_header(
    client: TestClient[Litestar], partnership_id: str, value: str
) -> None:
    with nothing_written(client):
        response = client.post(
            f"/partnerships/{partnership_id}/evaluations",
            json={"evaluator": "KORA", "findings": "Godt"},
            headers={"If-Match": value},
        )

    problem = assert_problem(response, 400, "invalid-request")
    assert problem["title"] == "Invalid request"
    assert problem["detail"].startswith("The If-Match header must be an ETag")
    assert problem["errors"][0]["field"] == "If-Match"
    assert problem["errors"][0]["source"] == "header"


def test_a_malformed_idempotency_key_is_an_invalid_request_naming_the_header(
    client: TestClient[Litestar],
) -> None:
    response = client.post(
        "/organisations", json={"name": "X", "sector": "health"}, headers={"Idempotency-Key": " "}
    )

    problem = assert_problem(response, 400, "invalid-request")
    assert problem["title"] == "Invalid request"
    assert problem["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize("headers", [{}, {"Content-Type": "application/json"}])
def test_a_missing_body_is_named_as_such(
    client: TestClient[Litestar], headers: dict[str, str]
) -> None:
    with nothing_written(client):
        response = client.post("/organisations", headers=headers)

    problem = assert_problem(response, 400, "invalid-request")
    assert "no body" in problem["detail"]
    assert "OrganisationCreate" in problem["detail"]
    assert problem["errors"] == [
        {"field": "body", "message": "missing: a OrganisationCreate object", "source": "body"}
    ]
