"""Single sign-on in the browser against a real OpenID Connect provider (issue 16, ADR 0021).

The provider is oidc-provider-mock (PyPI) in a thread of this process, behind a small
WSGI layer that makes it stricter and, when a test asks, wrong:

- it enforces PKCE (the mock does not): the token endpoint refuses a code whose
  `code_verifier` does not hash (S256) to the challenge the authorization request sent;
- `Provider.mode` makes the token endpoint answer an ID token for another audience, an
  expired one (both signed with the provider's real key), one whose payload was changed
  after signing (the signature no longer matches), or no answer at all (503).

Tværs runs as `tvaers serve --demo` with TVAERS_OIDC_* pointing at it; it must do every
check itself (Authlib's), and on a refusal show a Danish page and create nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import flask
import httpx
import pytest
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey
from oidc_provider_mock import app as provider_app
from playwright.sync_api import Page, expect

from services.demo.data import ADMIN, DEMO_PASSWORD
from tests.e2e.conftest import ROOT, _free_port, assert_accessible

# The mock provider is built on Authlib's server side, which warns about its own API.
pytestmark = pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")

PROVIDER_NAME = "Testkommunens login"
SERVER_LOGS: list[Path] = []
CLIENT_ID = "tvaers-e2e"
GROUPS = {"tvaers-ledere": {"role": "project_leader", "municipality": "Ishøj"}}


class Provider:
    """The mock provider's WSGI app, with PKCE enforced and a switch for bad answers."""

    def __init__(self) -> None:
        self.flask_app = provider_app()
        self.mode = "ok"  # ok | audience | expired | signature | down
        self.challenges: dict[str, str] = {}
        self.seen: list[tuple[str, dict[str, list[str]]]] = []

    def key(self) -> RSAKey:
        with self.flask_app.test_request_context():
            self.flask_app.preprocess_request()
            private = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
        return RSAKey.import_key(private)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        self.seen.append((path, query))
        if path == "/oauth2/token":
            return self._token(environ, start_response)
        if path == "/oauth2/authorize" and environ["REQUEST_METHOD"] == "POST":
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
                captured["headers"] = headers
                return start_response(status, headers, *rest)

            body = list(self.flask_app(environ, capture))
            location = dict(captured.get("headers", [])).get("Location", "")
            code = parse_qs(urlsplit(location).query).get("code", [""])[0]
            if code:
                assert query.get("code_challenge_method") == ["S256"]
                self.challenges[code] = query["code_challenge"][0]
            return body
        return self.flask_app(environ, start_response)

    def _token(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self.mode == "down":
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"down for maintenance"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length)
        form = parse_qs(raw.decode())
        code = form.get("code", [""])[0]
        verifier = form.get("code_verifier", [""])[0]
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != self.challenges.pop(
            code, None
        ):
            start_response("400 Bad Request", [("Content-Type", "application/json")])
            return [b'{"error": "invalid_grant", "error_description": "PKCE"}']
        environ["wsgi.input"] = io.BytesIO(raw)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        answer = json.loads(b"".join(self.flask_app(environ, capture)))
        if "id_token" in answer and self.mode != "ok":
            answer["id_token"] = self._spoil(answer["id_token"])
        body = json.dumps(answer).encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _spoil(self, id_token: str) -> str:
        header, payload, signature = id_token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        if self.mode == "signature":
            claims["name"] = "Mallory"
            changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
            return f"{header}.{changed}.{signature}"
        if self.mode == "audience":
            claims["aud"] = "another-client"
        elif self.mode == "expired":
            claims["iat"] = int(time.time()) - 7200
            claims["exp"] = int(time.time()) - 3600
        key = self.key()
        fields = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
        return jwt.encode(fields, claims, key)


@pytest.fixture(scope="module")
def provider() -> Iterator[tuple[Provider, str]]:
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # the mock speaks plain HTTP locally
    wrapped = Provider()
    server = werkzeug.serving.make_server("127.0.0.1", 0, wrapped, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield wrapped, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def sso_server(
    provider: tuple[Provider, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    _, issuer = provider
    folder = tmp_path_factory.mktemp("e2e-sso")
    secret = folder / "client-secret"
    secret.write_text("a-client-secret\n")
    port = _free_port()
    env = {
        **os.environ,
        "TVAERS_DATABASE_URL": str(folder / "tvaers.sqlite3"),
        "TVAERS_COOKIE_SECURE": "off",
        "TVAERS_SECRET_KEY": "an-end-to-end-test-key-of-more-than-32-characters",
        "TVAERS_HOUSEKEEPING": "off",
        "TVAERS_LOG_FORMAT": "json",
        "TVAERS_OIDC_ISSUER": issuer,
        "TVAERS_OIDC_PROVIDER_NAME": PROVIDER_NAME,
        "TVAERS_OIDC_CLIENT_ID": CLIENT_ID,
        "TVAERS_OIDC_CLIENT_SECRET_FILE": str(secret),
        "TVAERS_OIDC_MUNICIPALITY_CLAIM": "kommune",
        "TVAERS_OIDC_GROUP_GRANTS": json.dumps(GROUPS),
        "AUTHLIB_INSECURE_TRANSPORT": "1",
    }
    log_path = folder / "server.log"
    SERVER_LOGS.append(log_path)
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped: {log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not become ready within 60 s")
            time.sleep(0.2)
        yield base
        # No token reaches the log, whatever happened.
        assert "eyJ" not in log_path.read_text()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _user(issuer: str, sub: str, **claims: Any) -> None:
    body = {
        "preferred_username": f"{sub}@ishoj.dk",
        "name": f"{sub.title()} Hansen",
        "email": f"{sub}@ishoj.dk",
        "kommune": "Ishøj",
        "groups": ["tvaers-ledere"],
        **claims,
    }
    assert httpx.put(f"{issuer}/users/{sub}", json=body).status_code == 204


def _admin_get(server: str, path: str) -> httpx.Response:
    token = httpx.post(
        f"{server}/auth/tokens",
        json={"username": ADMIN, "password": DEMO_PASSWORD, "label": "e2e", "days": 1},
    ).json()["token"]
    return httpx.get(f"{server}{path}", headers={"Authorization": f"Bearer {token}"})


def _through_provider(page: Page, server: str, sub: str) -> None:
    page.goto(f"{server}/ui/login")
    page.get_by_role("link", name=f"Log ind med {PROVIDER_NAME}").click()
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_log_in_and_out_through_the_provider(
    page: Page, sso_server: str, provider: tuple[Provider, str]
) -> None:
    mock, issuer = provider
    mock.mode = "ok"
    _user(issuer, "anna")
    page.goto(f"{sso_server}/ui/login")
    expect(page.get_by_role("link", name=f"Log ind med {PROVIDER_NAME}")).to_be_visible()
    expect(page.get_by_label("Brugernavn")).to_be_visible()  # local passwords stay on
    assert_accessible(page)
    _through_provider(page, sso_server, "anna")
    page.wait_for_url(f"{sso_server}/ui/")
    expect(page.get_by_text("Anna Hansen").first).to_be_visible()
    # The account: made at the first login, bound to the provider, its grant from the group.
    user = _admin_get(sso_server, "/users/anna@ishoj.dk").json()
    assert user["display_name"] == "Anna Hansen"
    assert [(g["role"], g["municipality"]) for g in user["grants"]] == [("project_leader", "Ishøj")]
    # Logging out ends the session here and offers to end the provider's too.
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("heading", name="Du er logget ud")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"Log også ud hos {PROVIDER_NAME}").click()
    page.get_by_role("button").first.click()  # the provider's "end session" confirmation
    page.wait_for_url(f"{sso_server}/ui/login**")
    ended = [q for p, q in mock.seen if p == "/oauth2/end_session"]
    assert ended
    assert ended[-1]["id_token_hint"][0].count(".") == 2
    assert ended[-1]["post_logout_redirect_uri"] == [f"{sso_server}/ui/login"]
    page.goto(f"{sso_server}/ui/")
    page.wait_for_url(f"{sso_server}/ui/login**")
    # A second login finds the same account; a changed name follows the provider.
    _user(issuer, "anna", name="Anna Holm Hansen", groups=[])
    _through_provider(page, sso_server, "anna")
    page.wait_for_url(f"{sso_server}/ui/")
    user = _admin_get(sso_server, "/users/anna@ishoj.dk").json()
    assert user["display_name"] == "Anna Holm Hansen"
    assert user["grants"] == []  # the group is gone at the provider: so is its grant


def _refusals() -> list[dict[str, Any]]:
    lines = SERVER_LOGS[-1].read_text().splitlines()
    found = [json.loads(line) for line in lines if line.startswith("{")]
    return [e for e in found if e.get("event") == "single sign-on refused"]


# Why Tværs refused, as its log says (Authlib's and joserfc's error for each).
WHY = {
    "audience": ("ID token not valid", "InvalidClaimError", "aud"),
    "expired": ("ID token not valid", "ExpiredTokenError", ""),
    "signature": ("ID token not valid", "BadSignatureError", ""),
    "down": ("token request failed", "HTTPStatusError", ""),
}


@pytest.mark.parametrize("mode", sorted(WHY))
def test_a_bad_answer_from_the_provider_logs_no_one_in(
    page: Page, sso_server: str, provider: tuple[Provider, str], mode: str
) -> None:
    mock, issuer = provider
    sub = f"bad-{mode}"
    _user(issuer, sub)
    mock.mode = mode
    try:
        _through_provider(page, sso_server, sub)
        expect(page.get_by_role("heading", name="Login mislykkedes")).to_be_visible()
        assert_accessible(page)
    finally:
        mock.mode = "ok"
    assert "/ui/sso/callback" in page.url
    why, error, detail = WHY[mode]
    last = _refusals()[-1]
    assert (last["why"], last["error"]) == (why, error), last
    assert detail in str(last.get("detail", ""))
    assert _admin_get(sso_server, f"/users/{sub}@ishoj.dk").status_code == 404  # nothing made
    page.goto(f"{sso_server}/ui/")
    page.wait_for_url(f"{sso_server}/ui/login**")  # and no session


def test_a_callback_not_started_here_is_refused(page: Page, sso_server: str) -> None:
    page.goto(f"{sso_server}/ui/sso/callback?state=forged&code=stolen")
    expect(page.get_by_role("heading", name="Login mislykkedes")).to_be_visible()
    expect(page.get_by_text("Start forfra fra loginsiden")).to_be_visible()
    assert_accessible(page)


def test_the_app_refuses_a_token_made_for_another_client(provider: tuple[Provider, str]) -> None:
    """The refusal above is Tværs's own: the provider signed that token with its key."""
    mock, _ = provider
    mock.mode = "audience"
    try:
        token = mock._spoil(
            jwt.encode({"alg": "RS256"}, {"sub": "x", "aud": CLIENT_ID}, mock.key())
        )
    finally:
        mock.mode = "ok"
    decoded = jwt.decode(token, mock.key())
    assert decoded.claims["aud"] == "another-client"


def test_the_user_saying_no_at_the_provider(page: Page, sso_server: str) -> None:
    page.goto(f"{sso_server}/ui/login")
    page.get_by_role("link", name=f"Log ind med {PROVIDER_NAME}").click()
    page.get_by_role("button", name="Deny").click()
    expect(page.get_by_role("heading", name="Login mislykkedes")).to_be_visible()
    expect(page.get_by_text("Identitetsudbyderen gav ikke lov")).to_be_visible()
    assert_accessible(page)


def test_a_locked_user_name_stays_locked_through_the_provider(
    page: Page, sso_server: str, provider: tuple[Provider, str]
) -> None:
    """ADR 0013's lock is per user name, whichever way the login comes."""
    _, issuer = provider
    _user(issuer, "carl")
    for _ in range(5):
        wrong = {"username": "carl@ishoj.dk", "password": "forkert-forkert", "label": "x"}
        assert httpx.post(f"{sso_server}/auth/tokens", json=wrong).status_code in (401, 429)
    _through_provider(page, sso_server, "carl")
    expect(page.get_by_role("heading", name="Login mislykkedes")).to_be_visible()
    expect(page.get_by_text("For mange mislykkede loginforsøg")).to_be_visible()
    assert _admin_get(sso_server, "/users/carl@ishoj.dk").status_code == 404  # nothing made
