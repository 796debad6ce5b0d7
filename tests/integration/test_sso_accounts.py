"""Single sign-on's side of accounts (services/sso.py, ADR 0021), on both stores: the first
login makes an account bound to the provider's (issuer, subject); a later login finds it
by that binding, never by the user name alone; name and e-mail follow the provider; the
grants the groups give are synced at every login by the usual commands, actor
"system:sso", and an administrator's own grants stay."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from aggregates import Meta
from aggregates.account import NO_PASSWORD, SSO_ACTOR, AccessRole
from aggregates.errors import NotFound
from api.oidc import enabled
from services.application import Tvaers
from services.commands import CreateAccount, Envelope, GrantAccess
from services.errors import InvalidCredentials
from services.settings import Settings, SettingsError
from services.sso import (
    GroupGrant,
    Identity,
    MappingError,
    SsoRefused,
    identity_of,
    parse_group_grants,
    sign_in,
    wanted_grants,
)

pytestmark = pytest.mark.both_stores

ISSUER = "https://login.example.dk/tenant/v2.0"
MAPPING = parse_group_grants(
    """{
      "tvaers-ledere": {"role": "project_leader", "municipality": "Ishøj"},
      "tvaers-evaluatorer": [{"role": "evaluator"}],
      "andet": []
    }"""
)


def _identity(**changes: object) -> Identity:
    base = Identity(
        issuer=ISSUER,
        subject="sub-anna-1",
        username="anna@ishoj.dk",
        display_name="Anna Holm",
        email="anna@ishoj.dk",
        municipality="Vallensbæk",
        groups=("tvaers-ledere",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _grants(app: Tvaers, username: str) -> set[tuple[AccessRole, str | None]]:
    return {(g.role, g.municipality) for g in app.get_account(username).grants.values()}


def _actors(app: Tvaers, username: str) -> list[tuple[str, str]]:
    account = app.get_account(username)
    events = app.repository.event_store.get(account.id)
    return [(type(e).__name__, e.actor) for e in events]  # type: ignore[attr-defined]


def test_the_first_login_makes_an_account_bound_to_issuer_and_subject(app: Tvaers) -> None:
    username, last = sign_in(app, _identity(), MAPPING, uuid4())
    account = app.get_account(username)
    assert last is not None
    assert account.identity == (ISSUER, "sub-anna-1")
    assert (account.display_name, account.email) == ("Anna Holm", "anna@ishoj.dk")
    assert account.password_hash == NO_PASSWORD
    assert not account.is_admin
    assert _grants(app, username) == {(AccessRole.PROJECT_LEADER, "Ishøj")}
    # Recorded by the usual commands, said to be single sign-on's in the audit.
    assert {actor for _, actor in _actors(app, username)} == {SSO_ACTOR}
    assert [kind for kind, _ in _actors(app, username)] == [
        "Created",
        "IdentityBound",
        "ProfileUpdated",
        "Granted",
    ]
    # No password lets anyone in to it.
    for guess in (NO_PASSWORD, "", "anna@ishoj.dk"):
        with pytest.raises(InvalidCredentials):
            app.authenticate(username, guess)


def test_a_later_login_updates_the_profile_and_syncs_the_groups(app: Tvaers) -> None:
    username, _ = sign_in(app, _identity(), MAPPING, uuid4())
    # An administrator's own grant on the same account: never taken by the sync.
    app.execute(
        GrantAccess(username=username, role=AccessRole.EVALUATOR, municipality="Brøndby"),
        Envelope(Meta(actor="cli:admin")),
    )
    moved = _identity(
        display_name="Anna Holm Berg",
        email="ahb@ishoj.dk",
        groups=("tvaers-evaluatorer", "ukendt-gruppe"),
    )
    sign_in(app, moved, MAPPING, uuid4())
    account = app.get_account(username)
    assert (account.display_name, account.email) == ("Anna Holm Berg", "ahb@ishoj.dk")
    # The leader grant from the old group is gone; the evaluator grant names the user's
    # municipality claim (the mapping gives none); the administrator's grant stays.
    assert _grants(app, username) == {
        (AccessRole.EVALUATOR, "Vallensbæk"),
        (AccessRole.EVALUATOR, "Brøndby"),
    }
    # The same login again records nothing.
    version = account.version
    _, last = sign_in(app, moved, MAPPING, uuid4())
    assert last is None
    assert app.get_account(username).version == version


def test_a_user_name_held_by_another_account_is_refused_and_nothing_written(
    app: Tvaers,
) -> None:
    app.execute(
        CreateAccount(username="anna@ishoj.dk", display_name="Lokal", password="et-kodeord-123"),
        Envelope(Meta(actor="cli:admin")),
    )
    local = app.get_account("anna@ishoj.dk")
    with pytest.raises(SsoRefused):
        sign_in(app, _identity(), MAPPING, uuid4())
    assert app.get_account("anna@ishoj.dk").version == local.version
    # Nor does another subject at the same issuer get the account the first one made.
    sign_in(app, _identity(username="bo@ishoj.dk", subject="sub-bo"), MAPPING, uuid4())
    bo = app.get_account("bo@ishoj.dk")
    with pytest.raises(SsoRefused):
        sign_in(app, _identity(username="bo@ishoj.dk", subject="sub-other"), MAPPING, uuid4())
    with pytest.raises(SsoRefused):
        sign_in(app, _identity(username="bo@ishoj.dk", issuer="https://evil.example"), {}, uuid4())
    assert app.get_account("bo@ishoj.dk").version == bo.version


def test_claims_become_an_identity_by_the_configured_claim_names() -> None:
    settings = Settings(
        oidc_issuer=ISSUER,
        oidc_client_id="tvaers",
        oidc_username_claim="upn",
        oidc_municipality_claim="kommune",
        oidc_groups_claim="roles",
    )
    identity = identity_of(
        {
            "iss": ISSUER,
            "sub": "s1",
            "upn": " Anna@Ishoj.DK ",
            "name": "Anna",
            "kommune": "Ishøj",
            "roles": ["a", "b"],
        },
        settings,
    )
    assert (identity.username, identity.municipality, identity.groups) == (
        "anna@ishoj.dk",
        "Ishøj",
        ("a", "b"),
    )
    assert identity.email is None
    with pytest.raises(SsoRefused):
        identity_of({"iss": ISSUER, "sub": "s1", "upn": "not a user name!"}, settings)
    with pytest.raises(SsoRefused):
        identity_of({"iss": ISSUER, "sub": "s1"}, settings)


def test_the_group_mapping_format() -> None:
    assert MAPPING["tvaers-evaluatorer"] == (GroupGrant(AccessRole.EVALUATOR, None),)
    assert (
        wanted_grants(_identity(municipality=None, groups=("tvaers-evaluatorer",)), MAPPING)
        == set()
    )
    for bad in (
        "[]",
        "{",
        '{"g": {"role": "steering_member", "municipality": "Ishøj"}}',
        '{"g": {"role": "boss"}}',
        '{"g": {"role": "evaluator", "kommune": "Ishøj"}}',
        '{"g": {"role": "evaluator", "municipality": ""}}',
    ):
        with pytest.raises(MappingError):
            parse_group_grants(bad)
    with pytest.raises(SettingsError, match="TVAERS_OIDC_GROUP_GRANTS"):
        Settings.from_env(
            {
                "TVAERS_OIDC_ISSUER": ISSUER,
                "TVAERS_OIDC_CLIENT_ID": "tvaers",
                "TVAERS_OIDC_GROUP_GRANTS": '{"g": {"role": "boss"}}',
            }
        )
    with pytest.raises(SettingsError, match="TVAERS_OIDC_SCOPES"):
        Settings.from_env(
            {
                "TVAERS_OIDC_ISSUER": ISSUER,
                "TVAERS_OIDC_CLIENT_ID": "tvaers",
                "TVAERS_OIDC_SCOPES": "profile email",
            }
        )
    with pytest.raises(SettingsError, match="TVAERS_OIDC_CLIENT_SECRET_FILE"):
        Settings.from_env(
            {
                "TVAERS_OIDC_ISSUER": ISSUER,
                "TVAERS_OIDC_CLIENT_ID": "tvaers",
                "TVAERS_OIDC_CLIENT_SECRET_FILE": "/nonexistent/secret",
            }
        )
    # An issuer alone (no client id) leaves single sign-on off.
    assert not enabled(Settings.from_env({"TVAERS_OIDC_ISSUER": ISSUER}))


def test_a_deactivated_account_is_refused(app: Tvaers) -> None:
    from services.commands import DeactivateAccount

    username, _ = sign_in(app, _identity(), MAPPING, uuid4())
    app.execute(DeactivateAccount(username=username), Envelope(Meta(actor="cli:admin")))
    with pytest.raises(SsoRefused):
        sign_in(app, _identity(), MAPPING, uuid4())
    with pytest.raises(NotFound):
        app.get_account("nobody@ishoj.dk")


def test_an_account_made_between_look_up_and_creation_is_judged_by_its_binding(
    app: Tvaers, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two logins at the same moment: the second finds no account, then cannot create it.
    It goes on as a later login (same identity) or is refused (another one)."""
    username, _ = sign_in(app, _identity(), MAPPING, uuid4())
    app.execute(
        CreateAccount(username="lokal@ishoj.dk", display_name="Lokal", password="et-kodeord-123"),
        Envelope(Meta(actor="cli:admin")),
    )
    real = app.get_account
    missed: list[str] = []

    def not_yet(name: str) -> object:
        if name not in missed:
            missed.append(name)
            raise NotFound("not yet", da="endnu ikke")
        return real(name)

    monkeypatch.setattr(app, "get_account", not_yet)
    assert sign_in(app, _identity(), MAPPING, uuid4())[0] == username
    with pytest.raises(SsoRefused):
        sign_in(app, _identity(username="lokal@ishoj.dk", subject="sub-x"), MAPPING, uuid4())
