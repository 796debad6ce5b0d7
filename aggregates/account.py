"""Account: a user of Tværs, with their grants and their login tokens.

Access is recorded as events like everything else, so "who could see this partnership
on 1 March, and who gave them the right?" has an answer. Passwords and tokens are held
only as hashes made in the service layer; this module never sees a secret.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from aggregates.base import Meta, TvaersAggregate, require_text
from aggregates.errors import AccessRuleBroken, InvalidValue, NoChange, NotFound

ACCOUNT_NAMESPACE = uuid.UUID("7d1c0b51-3f0e-4c55-9a4e-2f5b7c0a9e10")
SSO_ACTOR = "system:sso"
"""The actor of what single sign-on records (accounts made at first login, grants synced
from the identity provider's groups): the audit says "system:sso", never a person."""
NO_PASSWORD = "!"  # noqa: S105 - not a hash: no password matches it (single sign-on only)
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class AccessRole(StrEnum):
    """What a grant lets its holder do (DOMAIN.md "Users")."""

    PROJECT_LEADER = "project_leader"  # read and write the partnership
    STEERING_MEMBER = "steering_member"  # read, including the audit history
    EVALUATOR = "evaluator"  # read, including the audit history

    @property
    def label_da(self) -> str:
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    AccessRole.PROJECT_LEADER: "projektleder",
    AccessRole.STEERING_MEMBER: "styregruppemedlem",
    AccessRole.EVALUATOR: "evaluator",
}


class TokenKind(StrEnum):
    SESSION = "session"  # behind the web UI's cookie; ended by logging out
    BEARER = "bearer"  # for integrations; revoked explicitly


@dataclass(frozen=True)
class Grant:
    """A role on one partnership, or on every partnership of one municipality."""

    id: UUID
    role: AccessRole
    partnership_id: UUID | None
    municipality: str | None


@dataclass(frozen=True)
class Token:
    id: UUID
    kind: TokenKind
    label: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False


def account_id_for(username: str) -> UUID:
    """Accounts are keyed by their username, so two accounts can never share one."""
    return uuid.uuid5(ACCOUNT_NAMESPACE, normalise_username(username))


def normalise_username(username: str) -> str:
    cleaned = username.strip().lower()
    if not _USERNAME.match(cleaned):
        raise InvalidValue(
            "A username is 2-64 characters: lower-case letters, digits and . _ @ - "
            f"(got {username!r}).",
            da="Et brugernavn er 2-64 tegn: små bogstaver, cifre og . _ @ - (ikke «{username}»).",
            username=username,
        )
    return cleaned


class Account(TvaersAggregate):
    username: str
    display_name: str
    password_hash: str
    is_admin: bool
    active: bool
    grants: dict[UUID, Grant]
    tokens: dict[UUID, Token]
    # Single sign-on (ADR 0021): the identity provider's (issuer, subject) the account is
    # bound to, its e-mail as the provider last said, and the grants the provider's groups
    # gave (those a login's sync may take away again; an administrator's stay).
    identity: tuple[str, str] | None
    email: str | None
    sso_grants: set[UUID]

    def __init__(self) -> None:
        pass

    class Created(TvaersAggregate.Created):
        username: str
        display_name: str
        password_hash: str
        is_admin: bool

        def apply(self, account: Account) -> None:
            account.username = self.username
            account.display_name = self.display_name
            account.password_hash = self.password_hash
            account.is_admin = self.is_admin
            account.active = True
            account.grants = {}
            account.tokens = {}
            account.identity = None
            account.email = None
            account.sso_grants = set()

    class PasswordChanged(TvaersAggregate.Event):
        password_hash: str

        def apply(self, account: Account) -> None:
            account.password_hash = self.password_hash

    class AdminChanged(TvaersAggregate.Event):
        is_admin: bool

        def apply(self, account: Account) -> None:
            account.is_admin = self.is_admin

    class Deactivated(TvaersAggregate.Event):
        def apply(self, account: Account) -> None:
            account.active = False
            account.tokens = {
                key: Token(t.id, t.kind, t.label, t.issued_at, t.expires_at, revoked=True)
                for key, t in account.tokens.items()
            }

    class Reactivated(TvaersAggregate.Event):
        def apply(self, account: Account) -> None:
            account.active = True

    class Granted(TvaersAggregate.Event):
        grant_id: UUID
        role: AccessRole
        partnership_id: UUID | None
        municipality: str | None

        def apply(self, account: Account) -> None:
            account.grants[self.grant_id] = Grant(
                self.grant_id, self.role, self.partnership_id, self.municipality
            )
            if self.actor == SSO_ACTOR:
                account.sso_grants.add(self.grant_id)

    class GrantRevoked(TvaersAggregate.Event):
        grant_id: UUID

        def apply(self, account: Account) -> None:
            account.grants.pop(self.grant_id, None)
            account.sso_grants.discard(self.grant_id)

    class IdentityBound(TvaersAggregate.Event):
        """The account is the identity provider's user `subject` at `issuer` (single
        sign-on): only that user logs in to it through the provider."""

        issuer: str
        subject: str

        def apply(self, account: Account) -> None:
            account.identity = (self.issuer, self.subject)

    class ProfileUpdated(TvaersAggregate.Event):
        """Name and e-mail as the identity provider said them at a login."""

        display_name: str
        email: str | None

        def apply(self, account: Account) -> None:
            account.display_name = self.display_name
            account.email = self.email

    class TokenIssued(TvaersAggregate.Event):
        token_id: UUID
        token_hash: str
        kind: TokenKind
        label: str
        expires_at: datetime

        def apply(self, account: Account) -> None:
            account.tokens[self.token_id] = Token(
                self.token_id, self.kind, self.label, self.timestamp, self.expires_at
            )

    class TokenRevoked(TvaersAggregate.Event):
        token_id: UUID

        def apply(self, account: Account) -> None:
            token = account.tokens[self.token_id]
            account.tokens[self.token_id] = Token(
                token.id, token.kind, token.label, token.issued_at, token.expires_at, True
            )

    # -- commands ------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        is_admin: bool,
        meta: Meta,
    ) -> Account:
        name = normalise_username(username)
        return cls._create_with(
            cls.Created,
            meta,
            id=account_id_for(name),
            username=name,
            display_name=require_text(display_name, "Display name"),
            password_hash=require_text(password_hash, "Password hash"),
            is_admin=is_admin,
        )

    @classmethod
    def create_from_identity(
        cls,
        *,
        username: str,
        display_name: str,
        email: str | None,
        issuer: str,
        subject: str,
        meta: Meta,
    ) -> Account:
        """An account made at a user's first single sign-on: bound to the provider's
        (issuer, subject), with no password (none matches NO_PASSWORD)."""
        account = cls.create(
            username=username,
            display_name=display_name,
            password_hash=NO_PASSWORD,
            is_admin=False,
            meta=meta,
        )
        account.bind_identity(issuer, subject, meta)
        account.update_profile(display_name, email, meta)  # records the e-mail, if any
        return account

    def bind_identity(self, issuer: str, subject: str, meta: Meta) -> None:
        """Bind a new account to the identity provider's user (single sign-on)."""
        if self.identity is not None:
            raise AccessRuleBroken(
                f"The account {self.username!r} is bound to an identity already.",
                da="Brugeren «{username}» er allerede knyttet til et login hos en "
                "identitetsudbyder.",
                username=self.username,
            )
        self._trigger(
            self.IdentityBound,
            meta,
            issuer=require_text(issuer, "Issuer"),
            subject=require_text(subject, "Subject"),
        )

    def bound_to(self, issuer: str, subject: str) -> bool:
        return self.identity == (issuer, subject)

    def update_profile(self, display_name: str, email: str | None, meta: Meta) -> bool:
        """Name and e-mail from the identity provider; recorded only when they changed."""
        self.check_active()
        name = require_text(display_name, "Display name")
        if (name, email or None) == (self.display_name, self.email):
            return False
        self._trigger(self.ProfileUpdated, meta, display_name=name, email=email or None)
        return True

    def check_active(self) -> None:
        if not self.active:
            raise AccessRuleBroken(
                f"The account {self.username!r} is deactivated.",
                da="Brugeren «{username}» er deaktiveret.",
                username=self.username,
            )

    def live_tokens(self, at: datetime) -> list[UUID]:
        """The tokens and sessions that still work at `at` (neither revoked nor expired)."""
        return [t.id for t in self.tokens.values() if not t.revoked and t.expires_at > at]

    def _end_sessions(self, meta: Meta, keep: UUID | None) -> None:
        """Revoke every live token but `keep` (the session making the change), as of the
        change just recorded: what the old password or rights let in ends with them."""
        for token_id in self.live_tokens(self.modified_on):
            if token_id != keep:
                self._trigger(self.TokenRevoked, meta, token_id=token_id)

    def change_password(
        self, password_hash: str, meta: Meta, *, keep_token: UUID | None = None
    ) -> None:
        """A new password; every other session and token of the account is revoked."""
        self.check_active()
        self._trigger(
            self.PasswordChanged, meta, password_hash=require_text(password_hash, "Password hash")
        )
        self._end_sessions(meta, keep_token)

    def set_admin(self, is_admin: bool, meta: Meta, *, keep_token: UUID | None = None) -> None:
        """Make an administrator, or not; losing it revokes the other sessions and tokens."""
        if is_admin == self.is_admin:
            raise NoChange(
                f"{self.username!r} is {'already' if is_admin else 'not'} an admin.",
                da="Brugeren «{username}» er allerede administrator."
                if is_admin
                else "Brugeren «{username}» er ikke administrator.",
                username=self.username,
            )
        self._trigger(self.AdminChanged, meta, is_admin=is_admin)
        if not is_admin:
            self._end_sessions(meta, keep_token)

    def deactivate(self, meta: Meta) -> None:
        self.check_active()
        self._trigger(self.Deactivated, meta)

    def reactivate(self, meta: Meta) -> None:
        if self.active:
            raise NoChange(
                f"The account {self.username!r} is active.",
                da="Brugeren «{username}» er allerede aktiv.",
                username=self.username,
            )
        self._trigger(self.Reactivated, meta)

    def grant(
        self,
        role: AccessRole,
        meta: Meta,
        *,
        partnership_id: UUID | None = None,
        municipality: str | None = None,
    ) -> UUID:
        """Give a role on one partnership or one municipality; returns the grant's id."""
        self.check_active()
        municipality = municipality.strip() if municipality else None
        if (partnership_id is None) == (municipality is None):
            raise InvalidValue(
                "A grant names either one partnership or one municipality.",
                da="En adgang gælder enten ét partnerskab eller én kommune, ikke begge.",
            )
        if municipality is not None and role is AccessRole.STEERING_MEMBER:
            raise AccessRuleBroken(
                "A steering-group member sits on one partnership's steering group: "
                "grant it per partnership, not per municipality.",
                da="Et styregruppemedlem sidder i ét partnerskabs styregruppe: giv adgangen "
                "for partnerskabet, ikke for en hel kommune.",
            )
        for existing in self.grants.values():
            if (existing.role, existing.partnership_id, existing.municipality) == (
                role,
                partnership_id,
                municipality,
            ):
                raise NoChange(
                    f"{self.username!r} already holds that grant.",
                    da="Brugeren «{username}» har allerede den adgang.",
                    username=self.username,
                )
        grant_id = uuid.uuid4()
        self._trigger(
            self.Granted,
            meta,
            grant_id=grant_id,
            role=AccessRole(role),
            partnership_id=partnership_id,
            municipality=municipality,
        )
        return grant_id

    def revoke_grant(self, grant_id: UUID, meta: Meta) -> None:
        if grant_id not in self.grants:
            raise NotFound(
                f"{self.username!r} holds no grant with id {grant_id}.",
                da="Brugeren «{username}» har ikke den adgang (længere).",
                username=self.username,
            )
        self._trigger(self.GrantRevoked, meta, grant_id=grant_id)

    def issue_token(
        self,
        token_id: UUID,
        token_hash: str,
        kind: TokenKind,
        label: str,
        expires_at: datetime,
        meta: Meta,
    ) -> None:
        self.check_active()
        if expires_at.tzinfo is None:
            raise InvalidValue(
                "A token's expiry must carry a time zone.",
                da="En nøgles udløbstidspunkt skal have en tidszone.",
            )
        self._trigger(
            self.TokenIssued,
            meta,
            token_id=token_id,
            token_hash=require_text(token_hash, "Token hash"),
            kind=TokenKind(kind),
            label=label.strip()[:200],
            expires_at=expires_at,
        )

    def revoke_token(self, token_id: UUID, meta: Meta) -> None:
        token = self.tokens.get(token_id)
        if token is None:
            raise NotFound(
                f"{self.username!r} has no token with id {token_id}.",
                da="Brugeren «{username}» har ikke den nøgle.",
                username=self.username,
            )
        if token.revoked:
            raise NoChange("That token is already revoked.", da="Nøglen er allerede tilbagekaldt.")
        self._trigger(self.TokenRevoked, meta, token_id=token_id)
