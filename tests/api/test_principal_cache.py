"""The principal cache (issue 17): a token is authenticated once, and what ends access
ends it on the very next request, in this process and in another on the same database.

- A revoked token, a removed grant, a deactivated account, a partnership moved to another
  municipality: refused on the next request (the API's own writes, and writes made
  beside the API, once the views have them).
- The cache is used: a second request with the same token loads nothing; the load is
  the same whatever the number of grants; its entries expire after a short TTL.
- PostgreSQL, two app instances on one database (one follows the log, the other does
  not, as several API processes beside one projector): a change made through one is
  refused by the other on its next request (NOTIFY). An instance that cannot hear the
  changes (its listening connection lost) does not trust its cache.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import AccessRole, Meta
from api.readside import ReadSide
from projections import access as access_view
from services.commands import GrantAccess, RevokeToken
from services.security import parse_token
from services.settings import Settings
from tests.api.conftest import (
    ACTOR,
    PASSWORD,
    add_user,
    as_user,
    register_organisation,
    register_partnership,
    token_for,
    tvaers,
)
from tests.apps import app_for
from tests.commands import execute
from tests.conftest import TEST_SECRET_KEY

pytestmark = pytest.mark.both_stores

USER = "evaluator@svendborg.dk"
FACTOR = {"origin": "internal", "effect": "promoting", "description": "Ledelsesopbakning"}


def _token_id(token: str) -> UUID:
    parsed = parse_token(token)
    assert parsed is not None
    return parsed[0]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _read_side(client: TestClient[Litestar]) -> ReadSide:
    read_side: ReadSide = client.app.state.read_side
    return read_side


def _grant(client: TestClient[Litestar], username: str, **scope: Any) -> UUID:
    """Grant through the API (an administrator's client); the new grant's id."""
    response = client.post(f"/users/{username}/grants", json=scope)
    assert response.status_code == 201, response.text
    grants = client.get(f"/users/{username}").json()["grants"]
    return UUID(grants[-1]["id"])


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[UUID]:
    """Every load of a token's owner and grants from the views (the cache's misses)."""
    seen: list[UUID] = []
    original = access_view.token_owner_and_grants

    async def counted(store: Any, token_id: UUID) -> Any:
        seen.append(token_id)
        return await original(store, token_id)

    monkeypatch.setattr(access_view, "token_owner_and_grants", counted)
    return seen


def _settle(client: TestClient[Litestar]) -> None:
    """Let the views catch up with every write so far (the fixtures' too): a load racing
    with a change is rightly not kept, which would blur what the tests count."""
    head = tvaers(client).max_notification_id()
    client.blocking_portal.call(_read_side(client).wait_until, head)
    # ... and the changes sent to the other processes (as an access change's answer does).
    client.blocking_portal.call(_read_side(client).store.access_changes_sent)


# -- one process ---------------------------------------------------------------------------


def test_a_token_is_authenticated_once_not_on_every_request(
    client: TestClient[Litestar], partnership_id: str, loads: list[UUID]
) -> None:
    add_user(client, USER)
    token = token_for(client, USER)
    _settle(client)
    for _ in range(3):
        assert client.get("/auth/me", headers=_bearer(token)).status_code == 200
    assert loads == [_token_id(token)]
    for _ in range(3):  # the administrator's own token: loaded once as well
        assert client.post(f"/partnerships/{partnership_id}/factors", json=FACTOR).is_success
    assert len(loads) == 2


def test_a_revoked_token_is_refused_on_the_next_request(client: TestClient[Litestar]) -> None:
    add_user(client, USER)
    token = token_for(client, USER)
    assert client.get("/auth/me", headers=_bearer(token)).status_code == 200
    assert client.get("/auth/me", headers=_bearer(token)).status_code == 200  # cached

    assert client.delete(f"/auth/tokens/{_token_id(token)}").status_code == 204

    assert client.get("/auth/me", headers=_bearer(token)).status_code == 401


def test_a_token_revoked_beside_the_api_is_refused_once_the_views_have_it(
    client: TestClient[Litestar],
) -> None:
    """The CLI writes events the API did not make: the views applying them invalidate."""
    add_user(client, USER)
    token = token_for(client, USER)
    assert client.get("/auth/me", headers=_bearer(token)).status_code == 200

    result = execute(
        tvaers(client), RevokeToken(username=USER, token_id=_token_id(token)), Meta(actor="cli")
    )
    client.blocking_portal.call(_read_side(client).wait_until, result.notification_id)

    assert client.get("/auth/me", headers=_bearer(token)).status_code == 401


def test_a_removed_grant_is_refused_on_the_next_request(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    add_user(client, USER)
    grant_id = _grant(client, USER, role="project_leader", partnership_id=partnership_id)
    user = as_user(client, USER)
    path = f"/partnerships/{partnership_id}/factors"
    assert client.post(path, json=FACTOR, headers=user).status_code == 201
    assert client.get(f"/partnerships/{partnership_id}", headers=user).status_code == 200

    response = client.delete(f"/users/{USER}/grants/{grant_id}")
    assert response.status_code == 200, response.text

    head = tvaers(client).max_notification_id()
    assert client.post(path, json=FACTOR, headers=user).status_code == 403
    assert client.get(f"/partnerships/{partnership_id}", headers=user).status_code == 403
    assert tvaers(client).max_notification_id() == head


def test_a_deactivated_account_is_refused_on_the_next_request(
    client: TestClient[Litestar],
) -> None:
    add_user(client, USER)
    user = as_user(client, USER)
    assert client.get("/auth/me", headers=user).status_code == 200

    assert client.post(f"/users/{USER}/deactivation", json={}).status_code == 200

    assert client.get("/auth/me", headers=user).status_code == 401


def test_a_new_grant_counts_on_the_next_request(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    add_user(client, USER)
    user = as_user(client, USER)
    assert client.get("/auth/me", headers=user).json()["grants"] == []  # cached: no grant

    _grant(client, USER, role="project_leader", partnership_id=partnership_id)

    path = f"/partnerships/{partnership_id}/factors"
    assert client.post(path, json=FACTOR, headers=user).status_code == 201


def test_a_partnership_moved_to_another_municipality_is_guarded_by_the_new_one(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    """The guard's lookup of a partnership's municipality (cached) follows the registry."""
    add_user(client, USER)
    _grant(client, USER, role="project_leader", municipality="Svendborg")
    user = as_user(client, USER)
    path = f"/partnerships/{partnership_id}/factors"
    assert client.post(path, json=FACTOR, headers=user).status_code == 201

    response = client.patch(
        f"/partnerships/{partnership_id}/registry", json={"municipality": "Nyborg"}
    )
    assert response.status_code == 200, response.text
    _settle(client)  # a command's answer does not wait for the views; the guard reads them

    assert client.post(path, json=FACTOR, headers=user).status_code == 403


def test_the_cost_does_not_grow_with_the_grants(
    client: TestClient[Litestar], lead_id: str, loads: list[UUID]
) -> None:
    """A user with many grants is loaded once, like one with a single grant."""
    add_user(client, USER)
    app = tvaers(client)
    partnerships = [register_partnership(client, lead_id) for _ in range(12)]
    for pid in partnerships:
        execute(
            app,
            GrantAccess(username=USER, role=AccessRole.PROJECT_LEADER, partnership_id=UUID(pid)),
            Meta(actor=ACTOR),
        )
    user = as_user(client, USER)
    _settle(client)
    loads.clear()
    for pid in partnerships:
        assert client.post(f"/partnerships/{pid}/factors", json=FACTOR, headers=user).is_success
    assert len(loads) == 1


def test_a_cached_principal_is_loaded_again_after_its_time_to_live(
    client: TestClient[Litestar], loads: list[UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(client, USER)
    user = as_user(client, USER)
    _settle(client)
    cache = _read_side(client).principals
    now = [1000.0]
    monkeypatch.setattr(cache, "clock", lambda: now[0])
    assert client.get("/auth/me", headers=user).status_code == 200
    now[0] += cache.ttl / 2
    assert client.get("/auth/me", headers=user).status_code == 200
    assert len(loads) == 1
    now[0] += cache.ttl
    assert client.get("/auth/me", headers=user).status_code == 200
    assert len(loads) == 2


# -- two processes on one PostgreSQL --------------------------------------------------------


@pytest.fixture
def two_instances(
    prepared_postgres_template: str, make_postgres_database: Callable[[str], str]
) -> Iterator[tuple[TestClient[Litestar], TestClient[Litestar]]]:
    """Two apps on one database: `a` follows the log (the projector), `b` does not."""
    settings = Settings(
        database_url=make_postgres_database(prepared_postgres_template),
        postgres_pool_size=2,
        housekeeping=False,
        secret_key=TEST_SECRET_KEY,
        cookie_secure=False,
    )
    other = dataclasses.replace(settings, projections="external")
    with TestClient(app=app_for(settings)) as a, TestClient(app=app_for(other)) as b:
        add_user(a, ACTOR, is_admin=True)
        a.headers["Authorization"] = f"Bearer {token_for(a, ACTOR)}"
        assert a.get("/auth/me").status_code == 200
        yield a, b


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert condition()


def _on_both(
    a: TestClient[Litestar], b: TestClient[Litestar], path: str, headers: dict[str, str]
) -> tuple[int, int]:
    return a.get(path, headers=headers).status_code, b.get(path, headers=headers).status_code


@pytest.mark.postgres
def test_another_process_refuses_a_revoked_token_on_its_next_request(
    two_instances: tuple[TestClient[Litestar], TestClient[Litestar]], loads: list[UUID]
) -> None:
    a, b = two_instances
    add_user(a, USER)
    token = token_for(a, USER)
    _settle(a)
    for _ in range(3):  # until both keep it (a load racing with a change is not kept)
        assert _on_both(a, b, "/auth/me", _bearer(token)) == (200, 200)
    loads.clear()
    assert _on_both(a, b, "/auth/me", _bearer(token)) == (200, 200)
    assert loads == []  # served from each process's cache

    assert a.delete(f"/auth/tokens/{_token_id(token)}").status_code == 204

    assert b.get("/auth/me", headers=_bearer(token)).status_code == 401
    assert a.get("/auth/me", headers=_bearer(token)).status_code == 401


@pytest.mark.postgres
def test_another_process_refuses_a_removed_grant_and_a_deactivated_account(
    two_instances: tuple[TestClient[Litestar], TestClient[Litestar]],
) -> None:
    a, b = two_instances
    partnership_id = register_partnership(a, register_organisation(a, "Sundhed, Svendborg"))
    add_user(a, USER)
    grant_id = _grant(a, USER, role="evaluator", partnership_id=partnership_id)
    user = as_user(a, USER)
    path = f"/partnerships/{partnership_id}"
    assert _on_both(a, b, path, user) == (200, 200)
    assert _on_both(a, b, path, user) == (200, 200)

    assert a.delete(f"/users/{USER}/grants/{grant_id}").status_code == 200

    assert b.get(path, headers=user).status_code == 403
    assert b.get("/auth/me", headers=user).status_code == 200
    assert b.get("/auth/me", headers=user).status_code == 200

    assert a.post(f"/users/{USER}/deactivation", json={}).status_code == 200

    assert b.get("/auth/me", headers=user).status_code == 401


@pytest.mark.postgres
def test_another_process_sees_a_partnership_move_municipality_on_its_next_request(
    two_instances: tuple[TestClient[Litestar], TestClient[Litestar]],
) -> None:
    a, b = two_instances
    partnership_id = register_partnership(a, register_organisation(a, "Sundhed, Svendborg"))
    add_user(a, USER)
    _grant(a, USER, role="evaluator", municipality="Svendborg")
    user = as_user(a, USER)
    path = f"/partnerships/{partnership_id}"
    assert _on_both(a, b, path, user) == (200, 200)

    heard = _read_side(b).principals.scope_generation
    response = a.patch(f"{path}/registry", json={"municipality": "Nyborg"})
    assert response.status_code == 200, response.text
    _settle(a)  # a command's answer does not wait for the views: wait until b hears it
    _until(lambda: _read_side(b).principals.scope_generation > heard)

    assert b.get(path, headers=user).status_code == 403


@pytest.mark.postgres
def test_a_process_that_cannot_hear_the_changes_does_not_trust_its_cache(
    two_instances: tuple[TestClient[Litestar], TestClient[Litestar]], loads: list[UUID]
) -> None:
    a, b = two_instances
    add_user(a, USER)
    token = token_for(a, USER)
    _settle(a)
    for _ in range(3):  # until B keeps it (a load racing with a change is not kept)
        assert b.get("/auth/me", headers=_bearer(token)).status_code == 200
    loads.clear()
    assert b.get("/auth/me", headers=_bearer(token)).status_code == 200
    assert loads == []

    # B's listening connection is lost (its backend terminated, as in a failover).
    store = _read_side(b).store
    pid = getattr(store, "_listener").get_server_pid()  # noqa: B009 - the store's own
    a.blocking_portal.call(_read_side(a).store.execute, "SELECT pg_terminate_backend(?)", pid)
    _until(lambda: not store.hears_other_processes())

    assert b.get("/auth/me", headers=_bearer(token)).status_code == 200
    assert b.get("/auth/me", headers=_bearer(token)).status_code == 200
    assert len(loads) == 2
    assert a.delete(f"/auth/tokens/{_token_id(token)}").status_code == 204
    assert b.get("/auth/me", headers=_bearer(token)).status_code == 401


# -- sessions are the browser's -------------------------------------------------------------


def test_a_bearer_request_does_not_touch_the_session_cookie(client: TestClient[Litestar]) -> None:
    """The cookie's middleware is skipped for a request with a bearer header: its cookie is
    neither read nor written back; a cookie alone still needs the CSRF check to write."""
    bearer = client.headers.pop("Authorization")
    login = client.post("/auth/login", json={"username": ACTOR, "password": PASSWORD})
    assert login.status_code == 200, login.text
    assert "tvaers_session" in client.cookies
    assert client.get("/auth/me").status_code == 200  # the cookie alone authenticates

    with_both = client.get("/auth/me", headers={"Authorization": bearer})
    assert with_both.status_code == 200
    assert "tvaers_session" not in with_both.headers.get("set-cookie", "")

    forged = client.post("/organisations", json={"name": "Forged", "sector": "health"})
    assert forged.status_code == 403  # a cookie write outside the UI's CSRF check
    assert client.post("/auth/logout").status_code == 204


def test_a_rebuild_switching_the_access_view_in_is_heard(client: TestClient[Litestar]) -> None:
    """A rebuild replaces the access view's tables whole (no row-by-row writes to watch):
    the switch itself tells every process (projections/store.py `switch_shadow`)."""
    add_user(client, USER)
    user = as_user(client, USER)
    _settle(client)
    assert client.get("/auth/me", headers=user).status_code == 200
    cache = _read_side(client).principals
    before = cache.generation

    client.blocking_portal.call(_read_side(client).runner.rebuild, ["access"])

    assert cache.generation > before
    assert client.get("/auth/me", headers=user).status_code == 200
