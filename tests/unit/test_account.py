"""Account: usernames, grants and tokens (the secrets themselves never reach the domain)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from aggregates import Account, TokenKind, account_id_for
from aggregates.account import AccessRole
from aggregates.errors import AccessRuleBroken, InvalidValue, NoChange, NotFound
from tests.unit.conftest import assert_replays_to_same_state, meta, unchanged

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def create(username: str = "Tovholder@Svendborg.dk", *, is_admin: bool = False) -> Account:
    return Account.create(
        username=username,
        display_name=" Tove Holder ",
        password_hash="$argon2id$stub",
        is_admin=is_admin,
        meta=meta(),
    )


def test_a_username_is_case_folded_and_decides_the_account_id() -> None:
    account = create("  Tovholder@Svendborg.dk ")

    assert account.username == "tovholder@svendborg.dk"
    assert account.display_name == "Tove Holder"
    assert account.id == account_id_for("TOVHOLDER@svendborg.dk")
    assert account.active
    assert not account.is_admin


@pytest.mark.parametrize("username", ["", "a", "med mellemrum", "æøå", "x" * 65, "-start"])
def test_a_malformed_username_is_refused(username: str) -> None:
    with pytest.raises(InvalidValue):
        create(username)


def test_a_grant_names_exactly_one_scope() -> None:
    account = create()
    with unchanged(account), pytest.raises(InvalidValue):
        account.grant(AccessRole.EVALUATOR, meta())
    with unchanged(account), pytest.raises(InvalidValue):
        account.grant(AccessRole.EVALUATOR, meta(), partnership_id=uuid4(), municipality="Ishøj")


def test_a_steering_member_grant_is_per_partnership_only() -> None:
    account = create()
    with unchanged(account), pytest.raises(AccessRuleBroken):
        account.grant(AccessRole.STEERING_MEMBER, meta(), municipality="Ishøj")


def test_the_same_grant_twice_is_no_change_and_a_revoked_one_is_gone() -> None:
    account = create()
    partnership = uuid4()
    grant_id = account.grant(AccessRole.PROJECT_LEADER, meta(), partnership_id=partnership)
    with unchanged(account), pytest.raises(NoChange):
        account.grant(AccessRole.PROJECT_LEADER, meta(), partnership_id=partnership)

    account.revoke_grant(grant_id, meta())

    assert account.grants == {}
    with unchanged(account), pytest.raises(NotFound):
        account.revoke_grant(grant_id, meta())
    assert_replays_to_same_state(account)


def test_deactivating_revokes_every_token_and_refuses_new_grants_and_tokens() -> None:
    account = create()
    token_id = uuid4()
    account.issue_token(token_id, "hash", TokenKind.BEARER, "ESDH", LATER, meta())

    account.deactivate(meta())

    assert account.tokens[token_id].revoked
    with unchanged(account), pytest.raises(AccessRuleBroken):
        account.grant(AccessRole.EVALUATOR, meta(), municipality="Ishøj")
    with unchanged(account), pytest.raises(AccessRuleBroken):
        account.issue_token(uuid4(), "hash", TokenKind.SESSION, "", LATER, meta())
    account.reactivate(meta())
    assert account.active
    assert account.tokens[token_id].revoked  # reactivation does not revive old tokens
    assert_replays_to_same_state(account)


def test_a_token_is_revoked_once_and_needs_an_aware_expiry() -> None:
    account = create()
    token_id = uuid4()
    with unchanged(account), pytest.raises(InvalidValue):
        account.issue_token(token_id, "h", TokenKind.BEARER, "", datetime(2030, 1, 1), meta())
    account.issue_token(token_id, "h", TokenKind.BEARER, "x" * 500, LATER, meta())
    assert len(account.tokens[token_id].label) == 200

    account.revoke_token(token_id, meta())

    with unchanged(account), pytest.raises(NoChange):
        account.revoke_token(token_id, meta())
    with unchanged(account), pytest.raises(NotFound):
        account.revoke_token(uuid4(), meta())


def test_admin_rights_change_only_when_they_differ() -> None:
    account = create()
    with unchanged(account), pytest.raises(NoChange):
        account.set_admin(False, meta())
    account.set_admin(True, meta())
    assert account.is_admin


def test_a_password_change_needs_an_active_account() -> None:
    account = create()
    account.change_password("$argon2id$new", meta())
    assert account.password_hash == "$argon2id$new"
    account.deactivate(meta())
    with unchanged(account), pytest.raises(AccessRuleBroken):
        account.change_password("$argon2id$newer", meta())
