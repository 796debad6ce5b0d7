"""Helpers for the command-endpoint tests (tests/api/test_commands_*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import assert_problem, tvaers


def accepted(response: Response, status: int = 200) -> dict[str, Any]:
    """The body of a write that must have succeeded with `status`, its ETag the new version."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"id", "version", "notification_id"}
    assert response.headers["etag"] == f'"{body["version"]}"'
    return body


def write(
    client: TestClient[Litestar],
    path: str,
    body: dict[str, Any] | None = None,
    *,
    method: str = "POST",
    status: int = 200,
    if_match: int | None = None,
) -> dict[str, Any]:
    """A write that must succeed."""
    headers = {"If-Match": f'"{if_match}"'} if if_match is not None else None
    response = client.request(method, path, json=body or {}, headers=headers)
    return accepted(response, status)


@contextmanager
def nothing_written(client: TestClient[Litestar]) -> Iterator[None]:
    before = tvaers(client).max_notification_id()
    yield
    assert tvaers(client).max_notification_id() == before, "a refused request wrote an event"


def refused(
    client: TestClient[Litestar],
    path: str,
    body: dict[str, Any] | None,
    status: int,
    code: str | None = None,
    *,
    method: str = "POST",
    if_match: int | None = None,
) -> dict[str, Any]:
    """A write that must be refused with this problem, writing nothing."""
    headers = {"If-Match": f'"{if_match}"'} if if_match is not None else None
    with nothing_written(client):
        response = client.request(method, path, json=body, headers=headers)
    return assert_problem(response, status, code)


def register_person(client: TestClient[Litestar], organisation_id: str, name: str) -> str:
    body = {"name": name, "organisation_id": organisation_id}
    return str(write(client, "/persons", body, status=201)["id"])


def view(client: TestClient[Litestar], partnership_id: str) -> dict[str, Any]:
    response = client.get(f"/partnerships/{partnership_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def rungs(client: TestClient[Litestar], partnership_id: str) -> dict[str, int | None]:
    """Each active partner's rung today, by organisation id."""
    return {p["organisation_id"]: p["rung"] for p in view(client, partnership_id)["partners"]}


def uuid(value: str) -> UUID:
    return UUID(value)
