"""Secrets made and checked here only: argon2 password hashes and opaque login tokens.

A token reads `tvaers_<token id>_<secret>`. The id finds the token's record; only the
SHA-256 of the secret is stored, so neither the event log nor the views hold a usable
token. Secrets are 256 random bits, so a fast hash is enough for them (unlike passwords).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from uuid import UUID, uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from aggregates.errors import InvalidValue

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "tvaers_"  # noqa: S105 - a format marker, not a secret

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the answer time the same
    (made on first use: a hash costs ~0.1 s, which every process start would pay)."""
    return _hasher.hash("not a password of anyone")


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidValue(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            da="En adgangskode skal have mindst {n} tegn.",
            n=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValue(
            f"A password may have at most {MAX_PASSWORD_LENGTH} characters.",
            da="En adgangskode kan have højst {n} tegn.",
            n=MAX_PASSWORD_LENGTH,
        )


def hash_password(password: str) -> str:
    check_password_policy(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; takes as long when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class NewToken:
    token_id: UUID
    token: str  # shown to its owner once, never stored
    token_hash: str


def new_token() -> NewToken:
    token_id = uuid4()
    secret = secrets.token_urlsafe(32)
    return NewToken(token_id, f"{TOKEN_PREFIX}{token_id.hex}_{secret}", hash_secret(secret))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_token(token: str) -> tuple[UUID, str] | None:
    """The token's id and secret, or None when it is not shaped like one of ours."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    id_part, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if len(id_part) != 32 or not secret or len(secret) > 100:
        return None
    try:
        return UUID(hex=id_part), secret
    except ValueError:
        return None


def secret_matches(secret: str, token_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), token_hash)
