"""Accounts and access as commands (ADR 0014): changing a password, setting or taking
away administrator rights, deactivating and reactivating run through the command table.
The plain password goes no further than the handler (hashed there; never in an event nor
in the command's repr), and the last active administrator stays (409)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from aggregates import Meta
from aggregates.errors import AlreadyExists, NotFound
from services.application import Tvaers
from services.commands import (
    ChangePassword,
    CreateAccount,
    DeactivateAccount,
    ReactivateAccount,
    SetAdministrator,
    SignOnFirstTime,
)
from services.errors import InvalidCredentials, LastAdministrator, StaleVersion
from tests.commands import execute

ADMIN = "admin@sundeborg.dk"
USER = "tovholder@svendborg.dk"
SECRET = "et-hemmeligt-kodeord-1"
OLD = "gammelt-kodeord-1"


def _meta() -> Meta:
    return Meta(actor=ADMIN)


@pytest.fixture
def accounts(app: Tvaers) -> Tvaers:
    execute(
        app,
        CreateAccount(
            username=ADMIN, display_name="Admin", password="admin-kodeord-123", is_admin=True
        ),
        _meta(),
    )
    execute(app, CreateAccount(username=USER, display_name="Tovholder", password=OLD), _meta())
    return app


def test_a_changed_password_is_hashed_in_the_handler_and_never_shown(accounts: Tvaers) -> None:
    command = ChangePassword(username=USER, new_password=SECRET, current_password=OLD)
    assert SECRET not in repr(command)
    assert OLD not in repr(command)
    assert SECRET not in str(command)

    execute(accounts, command, _meta())

    assert accounts.authenticate(USER, SECRET).username == USER
    account = accounts.get_account(USER)
    assert SECRET not in account.password_hash
    for event in accounts.repository.event_store.get(account.id):
        assert SECRET not in repr(event)


def test_a_wrong_current_password_or_a_stale_version_changes_nothing(accounts: Tvaers) -> None:
    before = accounts.get_account(USER).version
    with pytest.raises(InvalidCredentials):
        execute(
            accounts,
            ChangePassword(
                username=USER, new_password=SECRET, current_password="forkert-kodeord-1"
            ),
            _meta(),
        )
    with pytest.raises(StaleVersion):
        execute(
            accounts,
            ChangePassword(username=USER, new_password=SECRET),
            _meta(),
            expected_version=before + 5,
        )
    assert accounts.get_account(USER).version == before
    assert accounts.authenticate(USER, OLD).username == USER


def test_the_last_administrator_keeps_the_right_and_stays_active(accounts: Tvaers) -> None:
    with pytest.raises(LastAdministrator):
        execute(accounts, SetAdministrator(username=ADMIN, is_admin=False), _meta())
    with pytest.raises(LastAdministrator):
        execute(accounts, DeactivateAccount(username=ADMIN, administrators=(ADMIN,)), _meta())
    assert accounts.get_account(ADMIN).is_admin
    assert accounts.get_account(ADMIN).active

    execute(accounts, SetAdministrator(username=USER, is_admin=True), _meta())
    execute(
        accounts,
        SetAdministrator(username=ADMIN, is_admin=False, administrators=(ADMIN, USER)),
        _meta(),
    )
    assert not accounts.get_account(ADMIN).is_admin


def test_deactivating_ends_the_sessions_and_reactivating_lets_the_user_back(
    accounts: Tvaers,
) -> None:
    execute(accounts, DeactivateAccount(username=USER), _meta())
    with pytest.raises(InvalidCredentials):
        accounts.authenticate(USER, OLD)
    execute(accounts, ReactivateAccount(username=USER), _meta())
    assert accounts.authenticate(USER, OLD).active


def test_a_command_for_no_such_user_is_not_found(accounts: Tvaers) -> None:
    with pytest.raises(NotFound):
        execute(accounts, ReactivateAccount(username=f"{uuid4().hex[:8]}@x.dk"), _meta())


def test_a_new_account_s_password_is_hashed_and_never_shown(app: Tvaers) -> None:
    command = CreateAccount(username=USER, display_name="Tovholder", password=SECRET)
    assert SECRET not in repr(command)
    assert "password" not in repr(command)

    execute(app, command, _meta())

    account = app.get_account(USER)
    assert SECRET not in account.password_hash
    assert app.authenticate(USER, SECRET).username == USER
    for event in app.repository.event_store.get(account.id):
        assert SECRET not in repr(event)


def test_a_second_account_with_a_taken_name_is_refused_in_both_ways_of_making_one(
    accounts: Tvaers,
) -> None:
    """A user name is one account's: a new local account or a first single sign-on under
    a taken name (in any case) is refused with the same message, and nothing is written."""
    before = accounts.get_account(USER).version
    with pytest.raises(AlreadyExists) as local:
        execute(
            accounts,
            CreateAccount(username=USER.upper(), display_name="Anden", password="andet-kodeord-1"),
            _meta(),
        )
    with pytest.raises(AlreadyExists) as first_sign_on:
        execute(
            accounts,
            SignOnFirstTime(
                username=USER,
                display_name="Anden",
                email=None,
                issuer="https://login.example",
                subject="sub-2",
            ),
            _meta(),
        )
    for refused in (local.value, first_sign_on.value):
        assert str(refused) == f"There is already a user called {USER!r}."
        assert refused.da == "Der er allerede en bruger med navnet «{username}»."
    assert accounts.get_account(USER).version == before
