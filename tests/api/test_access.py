"""Logging in and out, tokens, users and grants over HTTP; the access log records them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from services.commands import GrantAccess
from tests.api.conftest import (
    ACTOR,
    PASSWORD,
    add_user,
    as_user,
    assert_problem,
    created,
    join,
    partnership_body,
    register_organisation,
    register_partnership,
    tvaers,
)
from tests.commands import execute

LEADER = "leder@svendborg.dk"
MEMBER = "styregruppe@svendborg.dk"


def _anonymous(client: TestClient[Litestar]) -> TestClient[Litestar]:
    client.headers.pop("Authorization", None)
    return client


def _grant(client: TestClient[Litestar], username: str, role: AccessRole, **scope: Any) -> None:
    execute(tvaers(client), GrantAccess(username=username, role=role, **scope), Meta(actor=ACTOR))


def test_logging_in_starts_a_cookie_session_that_logging_out_ends(
    client: TestClient[Litestar],
) -> None:
    add_user(client, LEADER)
    _anonymous(client)

    response = client.post("/auth/login", json={"username": LEADER, "password": PASSWORD})

    assert response.status_code == 200, response.text
    assert response.json()["username"] == LEADER
    cookie = response.headers["set-cookie"]
    assert "tvaers_session=" in cookie
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert client.get("/auth/me").json()["username"] == LEADER

    assert client.post("/auth/logout").status_code == 204
    assert_problem(client.get("/auth/me"), 401, "unauthenticated")


def test_a_session_cookie_used_after_logout_is_refused(client: TestClient[Litestar]) -> None:
    add_user(client, LEADER)
    _anonymous(client)
    client.post("/auth/login", json={"username": LEADER, "password": PASSWORD})
    stolen = dict(client.cookies)
    client.post("/auth/logout")

    client.cookies.update(stolen)

    assert_problem(client.get("/auth/me"), 401, "unauthenticated")


def test_a_wrong_password_or_unknown_user_gets_the_same_401_and_no_session(
    client: TestClient[Litestar],
) -> None:
    add_user(client, LEADER)
    _anonymous(client)

    wrong = client.post("/auth/login", json={"username": LEADER, "password": "forkert kodeord"})
    unknown = client.post("/auth/login", json={"username": "ingen", "password": PASSWORD})

    for response in (wrong, unknown):
        body = assert_problem(response, 401, "invalid-credentials")
        assert body["detail"] == "Wrong username or password."
        assert "set-cookie" not in response.headers


def test_a_bearer_token_works_until_it_is_revoked(client: TestClient[Litestar]) -> None:
    add_user(client, LEADER)
    _anonymous(client)
    issued = client.post(
        "/auth/tokens",
        json={"username": LEADER, "password": PASSWORD, "label": "ESDH", "days": 30},
    )
    body = created(issued)
    headers = {"Authorization": f"Bearer {body['token']}"}

    assert client.get("/auth/me", headers=headers).json()["username"] == LEADER
    tokens = client.get("/auth/tokens", headers=headers).json()
    assert [(t["id"], t["label"], t["revoked"]) for t in tokens] == [
        (body["token_id"], "ESDH", False)
    ]
    assert "token" not in tokens[0]  # the secret is shown once, at issue

    revoked = client.delete(f"/auth/tokens/{body['token_id']}", headers=headers)

    assert revoked.status_code == 204
    assert_problem(client.get("/auth/me", headers=headers), 401, "unauthenticated")


def test_malformed_or_forged_tokens_are_401_but_public_routes_still_answer(
    client: TestClient[Litestar],
) -> None:
    add_user(client, LEADER)
    real = as_user(client, LEADER)["Authorization"]
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")

    for header in ("Basic dXNlcjpwdw==", "Bearer", "Bearer nonsense", forged):
        response = client.get("/auth/me", headers={"Authorization": header})
        assert_problem(response, 401)
        assert client.get("/health", headers={"Authorization": header}).status_code == 200


def test_a_user_may_not_revoke_someone_elses_token(client: TestClient[Litestar]) -> None:
    add_user(client, LEADER)
    add_user(client, MEMBER)
    theirs = client.get("/auth/tokens", headers=as_user(client, LEADER)).json()[0]["id"]

    response = client.delete(f"/auth/tokens/{theirs}", headers=as_user(client, MEMBER))

    assert_problem(response, 403, "forbidden")


def test_only_administrators_manage_users_and_grants(client: TestClient[Litestar]) -> None:
    add_user(client, LEADER)
    headers = as_user(client, LEADER)
    head = tvaers(client).max_notification_id()

    attempts = [
        client.get("/users", headers=headers),
        client.post(
            "/users",
            json={"username": "ny", "display_name": "Ny", "password": PASSWORD},
            headers=headers,
        ),
        client.post(
            f"/users/{LEADER}/grants",
            json={"role": "evaluator", "municipality": "Svendborg"},
            headers=headers,
        ),
        client.get("/access-log", headers=headers),
    ]

    for response in attempts:
        body = assert_problem(response, 403, "forbidden")
        assert set(body) <= {"type", "title", "status", "detail", "instance", "request_id"}
    assert tvaers(client).max_notification_id() == head


def test_an_administrator_creates_a_user_who_can_then_log_in(
    client: TestClient[Litestar],
) -> None:
    response = client.post(
        "/users",
        json={
            "username": "Evaluator@VIVE.dk",
            "display_name": "Eva Luator",
            "password": PASSWORD,
            "reason": "Evaluering 2026",
        },
    )
    created(response)
    duplicate = client.post(
        "/users",
        json={"username": "evaluator@vive.dk", "display_name": "Igen", "password": PASSWORD},
    )
    too_short = client.post(
        "/users", json={"username": "kort", "display_name": "Kort", "password": "kort"}
    )

    assert_problem(duplicate, 422, "already-exists")
    assert_problem(too_short, 422, "invalid-value")
    users = {u["username"]: u for u in client.get("/users").json()}
    assert users["evaluator@vive.dk"]["display_name"] == "Eva Luator"
    login = _anonymous(client).post(
        "/auth/login", json={"username": "evaluator@vive.dk", "password": PASSWORD}
    )
    assert login.status_code == 200


def test_a_grant_given_over_http_opens_the_partnership_and_revoking_closes_it(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    add_user(client, MEMBER)
    member = as_user(client, MEMBER)
    assert_problem(client.get(f"/partnerships/{partnership_id}", headers=member), 403, "forbidden")

    grant = client.post(
        f"/users/{MEMBER}/grants",
        json={"role": "steering_member", "partnership_id": partnership_id, "reason": "Udpeget"},
    )
    grant_id = created(grant)["id"]

    assert client.get(f"/partnerships/{partnership_id}", headers=member).status_code == 200
    assert client.get(f"/partnerships/{partnership_id}/audit", headers=member).status_code == 200
    detail = client.get(f"/users/{MEMBER}").json()
    assert [(g["id"], g["role"]) for g in detail["grants"]] == [(grant_id, "steering_member")]

    revoked = client.delete(f"/users/{MEMBER}/grants/{grant_id}")

    assert revoked.status_code == 200, revoked.text
    assert_problem(client.get(f"/partnerships/{partnership_id}", headers=member), 403, "forbidden")


def test_a_steering_member_reads_but_may_not_change_the_partnership(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    add_user(client, MEMBER)
    _grant(client, MEMBER, AccessRole.STEERING_MEMBER, partnership_id=UUID(partnership_id))
    member = as_user(client, MEMBER)
    head = tvaers(client).max_notification_id()

    response = join(client, partnership_id, club, headers=member)

    body = assert_problem(response, 403, "forbidden")
    assert "change" in body["detail"]
    assert tvaers(client).max_notification_id() == head
    assert client.get(f"/partnerships/{partnership_id}/ladder", headers=member).status_code == 200


def test_a_municipal_project_leader_registers_a_partnership_and_leads_it_at_once(
    client: TestClient[Litestar], lead_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    add_user(client, LEADER)
    _grant(client, LEADER, AccessRole.PROJECT_LEADER, municipality="Nyborg")
    leader = as_user(client, LEADER)

    body = partnership_body(lead_id, municipality="Nyborg")
    response = client.post("/partnerships", json=body, headers=leader)
    partnership = created(response)["id"]

    # Only in their own municipality (ADR 0005, revised in issue 12): elsewhere, 403.
    elsewhere = client.post("/partnerships", json=partnership_body(lead_id), headers=leader)
    assert elsewhere.status_code == 403
    assert join(client, partnership, club, headers=leader).status_code == 201
    grants = client.get("/auth/me", headers=leader).json()["grants"]
    assert ("project_leader", partnership) in {(g["role"], g["partnership_id"]) for g in grants}


def test_a_user_without_any_project_leader_grant_may_not_register(
    client: TestClient[Litestar], lead_id: str
) -> None:
    add_user(client, MEMBER)
    member = as_user(client, MEMBER)
    head = tvaers(client).max_notification_id()

    attempts = [
        client.post("/partnerships", json=partnership_body(lead_id), headers=member),
        client.post(
            "/organisations",
            json={"name": "Ny forening", "sector": "patient_association"},
            headers=member,
        ),
    ]

    for response in attempts:
        assert_problem(response, 403, "forbidden")
    assert tvaers(client).max_notification_id() == head


def test_a_deactivated_user_cannot_use_their_token_or_log_in(
    client: TestClient[Litestar],
) -> None:
    add_user(client, LEADER)
    headers = as_user(client, LEADER)
    assert client.get("/auth/me", headers=headers).status_code == 200

    response = client.post(f"/users/{LEADER}/deactivation", json={"reason": "Fratrådt"})

    assert response.status_code == 200, response.text
    assert_problem(client.get("/auth/me", headers=headers), 401)
    login = _anonymous(client).post("/auth/login", json={"username": LEADER, "password": PASSWORD})
    assert_problem(login, 401, "invalid-credentials")


def test_changing_your_own_password_needs_the_current_one(client: TestClient[Litestar]) -> None:
    add_user(client, LEADER)
    headers = as_user(client, LEADER)
    path = f"/users/{LEADER}/password"

    missing = client.post(path, json={"new_password": "et helt nyt kodeord"}, headers=headers)
    wrong = client.post(
        path,
        json={"new_password": "et helt nyt kodeord", "current_password": "forkert"},
        headers=headers,
    )
    right = client.post(
        path,
        json={"new_password": "et helt nyt kodeord", "current_password": PASSWORD},
        headers=headers,
    )
    someone_else = client.post(
        f"/users/{ACTOR}/password", json={"new_password": "x" * 20}, headers=headers
    )

    assert_problem(missing, 401, "invalid-credentials")
    assert_problem(wrong, 401, "invalid-credentials")
    assert right.status_code == 200, right.text
    assert_problem(someone_else, 403, "forbidden")
    assert tvaers(client).authenticate(LEADER, "et helt nyt kodeord").username == LEADER


def test_the_access_log_records_grants_logins_and_revocations_with_who_and_why(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    add_user(client, MEMBER)
    grant = client.post(
        f"/users/{MEMBER}/grants",
        json={
            "role": "evaluator",
            "partnership_id": partnership_id,
            "reason": "Midtvejsevaluering",
        },
    )
    client.delete(f"/users/{MEMBER}/grants/{created(grant)['id']}")
    client.post("/auth/login", json={"username": MEMBER, "password": PASSWORD})

    log = client.get("/access-log", params={"username": MEMBER}).json()["items"]

    kinds = [(entry["kind"], entry["actor"]) for entry in log]
    assert kinds == [
        ("logged_in", MEMBER),
        ("grant_revoked", ACTOR),
        ("granted", ACTOR),
        ("created", "cli:test"),
    ]
    granted = log[2]
    assert granted["reason"] == "Midtvejsevaluering"
    assert partnership_id in granted["detail"]
    assert "hash" not in str(log).lower()


def test_two_partnerships_by_two_leaders_stay_apart(client: TestClient[Litestar]) -> None:
    lead = register_organisation(client, "Sundhed og Forebyggelse, Svendborg Kommune")
    mine = register_partnership(client, lead, title="Min")
    add_user(client, LEADER)
    _grant(client, LEADER, AccessRole.PROJECT_LEADER, partnership_id=UUID(mine))
    theirs = register_partnership(client, lead, title="Deres")
    leader = as_user(client, LEADER)

    assert client.get(f"/partnerships/{mine}", headers=leader).status_code == 200
    body = assert_problem(client.get(f"/partnerships/{theirs}", headers=leader), 403, "forbidden")
    assert "Deres" not in str(body)
