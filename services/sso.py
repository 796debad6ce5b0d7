"""Single sign-on: from a validated ID token's claims to an account, its profile and grants.

The protocol (discovery, PKCE, state, nonce, the ID token's signature, issuer, audience
and expiry) is Authlib's, in api/oidc.py. This module starts where the claims are known
to be the provider's: it finds the account bound to (issuer, subject) -- never by user
name alone --, makes it at the first login, brings name and e-mail up to date, and syncs
the grants the provider's groups give (ADR 0021). Everything it changes goes through the
usual commands with the actor "system:sso", so the access log and the audit show it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import structlog

from aggregates import Meta
from aggregates.account import SSO_ACTOR, AccessRole, normalise_username
from aggregates.errors import AlreadyExists, DomainError, NotFound
from services.commands import Envelope, GrantAccess, RevokeGrant, SignOnFirstTime, UpdateProfile

if TYPE_CHECKING:
    from services.application import Tvaers
    from services.settings import Settings

log = structlog.get_logger("tvaers.sso")

# What a group may give: the roles a municipality-wide grant can carry.
GROUP_ROLES = (AccessRole.PROJECT_LEADER, AccessRole.EVALUATOR)


class SsoRefused(Exception):
    """A login through the provider that cannot go on; nothing has been recorded.

    `why` is for the log (English, no token, no claim values beyond names); `da` is what
    the user reads."""

    def __init__(self, why: str, da: str) -> None:
        super().__init__(why)
        self.why = why
        self.da = da


@dataclass(frozen=True)
class GroupGrant:
    """One grant a group gives: a role on every partnership of a municipality. Without a
    municipality of its own, the user's municipality claim names it."""

    role: AccessRole
    municipality: str | None = None


GroupGrants = Mapping[str, tuple[GroupGrant, ...]]


class MappingError(ValueError):
    pass


def parse_group_grants(text: str | None) -> dict[str, tuple[GroupGrant, ...]]:
    """The group mapping: a JSON object from group to one grant or a list of grants,
    each `{"role": "project_leader" | "evaluator", "municipality": "<name>"}` (the
    municipality may be left out: the user's municipality claim is used)."""
    if text is None or not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise MappingError(f"not JSON: {error}") from None
    if not isinstance(raw, dict):
        raise MappingError("expected a JSON object from group to grant(s)")
    mapping: dict[str, tuple[GroupGrant, ...]] = {}
    for group, value in raw.items():
        items = value if isinstance(value, list) else [value]
        grants = []
        for item in items:
            if not isinstance(item, dict) or set(item) - {"role", "municipality"}:
                raise MappingError(
                    f"group {group!r}: each grant is {{'role': ..., 'municipality': ...}}"
                )
            try:
                role = AccessRole(str(item.get("role")))
            except ValueError:
                raise MappingError(
                    f"group {group!r}: role must be one of "
                    + ", ".join(r.value for r in GROUP_ROLES)
                ) from None
            if role not in GROUP_ROLES:
                raise MappingError(
                    f"group {group!r}: {role.value} is given per partnership, not by a group"
                )
            municipality = item.get("municipality")
            if municipality is not None and (
                not isinstance(municipality, str) or not municipality.strip()
            ):
                raise MappingError(f"group {group!r}: municipality must be a name")
            grants.append(GroupGrant(role, municipality.strip() if municipality else None))
        mapping[str(group)] = tuple(grants)
    return mapping


def group_grants(settings: Settings) -> dict[str, tuple[GroupGrant, ...]]:
    """TVAERS_OIDC_GROUP_GRANTS: the JSON itself, or the path of a file holding it."""
    value = settings.oidc_group_grants
    if value is None or value.lstrip().startswith(("{", "[")):
        return parse_group_grants(value)
    return parse_group_grants(Path(value).read_text(encoding="utf-8"))


def client_secret(settings: Settings) -> str | None:
    if settings.oidc_client_secret:
        return settings.oidc_client_secret
    if settings.oidc_client_secret_file:
        return Path(settings.oidc_client_secret_file).read_text(encoding="utf-8").strip() or None
    return None


def settings_problem(settings: Settings) -> str | None:
    """What is wrong with single sign-on's settings (naming the variable), or None; asked
    once issuer and client id are set (either alone leaves single sign-on off)."""
    if "openid" not in settings.oidc_scopes.split():
        return "TVAERS_OIDC_SCOPES must include openid."
    try:
        client_secret(settings)
    except OSError as error:
        return f"TVAERS_OIDC_CLIENT_SECRET_FILE: {error.strerror}"
    try:
        group_grants(settings)
    except OSError as error:
        return f"TVAERS_OIDC_GROUP_GRANTS: {error.strerror}"
    except MappingError as error:
        return f"TVAERS_OIDC_GROUP_GRANTS: {error}"
    return None


@dataclass(frozen=True)
class Identity:
    """Who the provider says logged in, from the ID token's validated claims."""

    issuer: str
    subject: str
    username: str
    display_name: str
    email: str | None
    municipality: str | None
    groups: tuple[str, ...]


def _text(claims: Mapping[str, Any], name: str | None) -> str | None:
    value = claims.get(name) if name else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def identity_of(claims: Mapping[str, Any], settings: Settings) -> Identity:
    issuer, subject = _text(claims, "iss"), _text(claims, "sub")
    if issuer is None or subject is None:
        raise SsoRefused("the ID token names no issuer or subject", _UNUSABLE)
    raw_name = _text(claims, settings.oidc_username_claim)
    if raw_name is None:
        raise SsoRefused(f"no {settings.oidc_username_claim!r} claim", _UNUSABLE)
    try:
        username = normalise_username(raw_name)
    except DomainError:
        raise SsoRefused(
            f"the {settings.oidc_username_claim!r} claim is not a usable user name",
            _UNUSABLE,
        ) from None
    groups = claims.get(settings.oidc_groups_claim) or ()
    if isinstance(groups, str):
        groups = (groups,)
    return Identity(
        issuer=issuer,
        subject=subject,
        username=username,
        display_name=_text(claims, settings.oidc_name_claim) or username,
        email=_text(claims, settings.oidc_email_claim),
        municipality=_text(claims, settings.oidc_municipality_claim),
        groups=tuple(str(g) for g in groups if isinstance(g, str | int)),
    )


_UNUSABLE = (
    "Identitetsudbyderen sendte ikke de oplysninger, Tværs skal bruge for at logge dig ind "
    "(brugernavn). Kontakt din it-afdeling."
)


def wanted_grants(identity: Identity, mapping: GroupGrants) -> set[tuple[AccessRole, str]]:
    """The (role, municipality) grants the user's groups give; a mapping without a
    municipality uses the user's municipality claim (none: that mapping gives nothing)."""
    wanted: set[tuple[AccessRole, str]] = set()
    for group in identity.groups:
        for grant in mapping.get(group, ()):
            municipality = grant.municipality or identity.municipality
            if municipality:
                wanted.add((grant.role, municipality))
    return wanted


def _key(role: AccessRole, municipality: str | None) -> tuple[AccessRole, str]:
    return role, (municipality or "").strip().casefold()


def sign_in(
    tvaers: Tvaers, identity: Identity, mapping: GroupGrants, correlation_id: UUID
) -> tuple[str, int | None]:
    """The account for this identity, made or brought up to date; its grants synced.

    Returns the user name and the notification id of the last event recorded (None when
    nothing changed). Refuses (SsoRefused, nothing recorded) a user name held by an
    account not bound to this (issuer, subject), and a deactivated account.
    """
    meta = Meta(actor=SSO_ACTOR, correlation_id=correlation_id)
    last: int | None = None
    try:
        account = tvaers.get_account(identity.username)
    except NotFound:
        account = None
    if account is not None and not account.bound_to(identity.issuer, identity.subject):
        log.warning(
            "single sign-on refused",
            why="user name held by another account",
            username=identity.username,
        )
        raise SsoRefused(
            "the user name belongs to an account not bound to this identity",
            "Der findes allerede en bruger i Tværs med dit brugernavn, som ikke er knyttet "
            "til dit login hos identitetsudbyderen. Bed en administrator om hjælp.",
        )
    if account is not None and not account.active:
        raise SsoRefused(
            "the account is deactivated",
            "Din bruger i Tværs er deaktiveret. Bed en administrator om at genaktivere den.",
        )
    if account is None:
        try:
            result = tvaers.execute(
                SignOnFirstTime(
                    username=identity.username,
                    display_name=identity.display_name,
                    email=identity.email,
                    issuer=identity.issuer,
                    subject=identity.subject,
                ),
                Envelope(meta),
            )
        except AlreadyExists:
            # Made a moment ago (the same user's second tab, or someone else's account):
            # the binding decides, as for any later login.
            return sign_in(tvaers, identity, mapping, correlation_id)
        last = result.notification_id
        log.info("single sign-on account created", username=identity.username)
    elif (account.display_name, account.email) != (identity.display_name, identity.email):
        result = tvaers.execute(
            UpdateProfile(
                username=identity.username,
                display_name=identity.display_name,
                email=identity.email,
            ),
            Envelope(meta),
        )
        last = result.notification_id
    account = tvaers.get_account(identity.username)
    wanted = {_key(role, m): (role, m) for role, m in wanted_grants(identity, mapping)}
    held = {
        _key(g.role, g.municipality): g.id
        for g in account.grants.values()
        if g.municipality is not None
    }
    synced = {
        _key(account.grants[g].role, account.grants[g].municipality): g
        for g in account.sso_grants
        if g in account.grants
    }
    for key, (role, municipality) in sorted(wanted.items()):
        if key in held:
            continue  # held already (given by the provider's groups or an administrator)
        result = tvaers.execute(
            GrantAccess(username=identity.username, role=role, municipality=municipality),
            Envelope(meta),
        )
        last = result.notification_id
    for key, grant_id in sorted(synced.items()):
        if key not in wanted:
            result = tvaers.execute(
                RevokeGrant(username=identity.username, grant_id=grant_id), Envelope(meta)
            )
            last = result.notification_id
    return identity.username, last
