"""Access view: accounts, their live tokens and grants, and the access log.

The API authenticates every request against this view (by token id) and filters every
list by it (`Visibility`). Password hashes are not copied here; logging in reads the
account itself. The access log answers "who gave whom which right, and who logged in".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from aggregates import Account, Partnership
from projections.core import Projection
from projections.store import ReadStore, Statement

access = Projection(
    name="access",
    version=1,
    tables=("acc_accounts", "acc_tokens", "acc_grants", "acc_partnerships", "acc_log"),
    ddl=(
        "CREATE TABLE acc_accounts ("
        " id {uuid} PRIMARY KEY, username {text} NOT NULL UNIQUE, display_name {text} NOT NULL,"
        " is_admin {int} NOT NULL, active {int} NOT NULL, created_at {ts} NOT NULL)",
        "CREATE TABLE acc_tokens ("
        " id {uuid} PRIMARY KEY, account_id {uuid} NOT NULL, token_hash {text} NOT NULL,"
        " kind {text} NOT NULL, label {text} NOT NULL, issued_at {ts} NOT NULL,"
        " expires_at {ts} NOT NULL, revoked_at {ts})",
        "CREATE INDEX acc_tokens_by_account ON acc_tokens (account_id)",
        "CREATE TABLE acc_grants ("
        " id {uuid} PRIMARY KEY, account_id {uuid} NOT NULL, role {text} NOT NULL,"
        " partnership_id {uuid}, municipality {text}, municipality_key {text},"
        " granted_at {ts} NOT NULL, granted_by {text} NOT NULL)",
        "CREATE INDEX acc_grants_by_account ON acc_grants (account_id)",
        "CREATE TABLE acc_partnerships ( id {uuid} PRIMARY KEY, municipality_key {text} NOT NULL)",
        "CREATE INDEX acc_partnerships_by_municipality ON acc_partnerships (municipality_key)",
        "CREATE TABLE acc_log ("
        " account_id {uuid} NOT NULL, version {int} NOT NULL, username {text} NOT NULL,"
        " recorded_at {ts} NOT NULL, actor {text} NOT NULL, kind {text} NOT NULL,"
        " detail {text} NOT NULL, reason {text}, PRIMARY KEY (account_id, version))",
        "CREATE INDEX acc_log_by_time ON acc_log (recorded_at)",
    ),
)


def _key(municipality: str | None) -> str | None:
    # Case-folded in Python, as in the registry view: Danish has æ, ø and å.
    return municipality.strip().casefold() if municipality else None


def _log(e: Any, username: str, kind: str, detail: str) -> Statement:
    return (
        "INSERT INTO acc_log (account_id, version, username, recorded_at, actor, kind, detail,"
        " reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.originator_id,
            e.originator_version,
            username,
            e.timestamp,
            e.actor,
            kind,
            detail,
            e.reason,
        ),
    )


@access.on(Account.Created)
def _created(e: Account.Created) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_accounts (id, username, display_name, is_admin, active, created_at)"
        " VALUES (?, ?, ?, ?, 1, ?)",
        (e.originator_id, e.username, e.display_name, int(e.is_admin), e.timestamp),
    )
    yield _log(e, e.username, "created", "administrator" if e.is_admin else "")


def _logged(e: Any, kind: str, detail: str = "") -> Statement:
    """An access-log row whose username is looked up from the account."""
    return (
        "INSERT INTO acc_log (account_id, version, username, recorded_at, actor, kind, detail,"
        " reason) SELECT id, ?, username, ?, ?, ?, ?, ? FROM acc_accounts WHERE id = ?",
        (e.originator_version, e.timestamp, e.actor, kind, detail, e.reason, e.originator_id),
    )


@access.on(Account.PasswordChanged)
def _password_changed(e: Account.PasswordChanged) -> Iterable[Statement]:
    yield _logged(e, "password_changed")


@access.on(Account.AdminChanged)
def _admin_changed(e: Account.AdminChanged) -> Iterable[Statement]:
    yield ("UPDATE acc_accounts SET is_admin = ? WHERE id = ?", (int(e.is_admin), e.originator_id))
    yield _logged(e, "admin_granted" if e.is_admin else "admin_revoked")


@access.on(Account.Deactivated)
def _deactivated(e: Account.Deactivated) -> Iterable[Statement]:
    yield ("UPDATE acc_accounts SET active = 0 WHERE id = ?", (e.originator_id,))
    yield (
        "UPDATE acc_tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
        (e.timestamp, e.originator_id),
    )
    yield _logged(e, "deactivated")


@access.on(Account.Reactivated)
def _reactivated(e: Account.Reactivated) -> Iterable[Statement]:
    yield ("UPDATE acc_accounts SET active = 1 WHERE id = ?", (e.originator_id,))
    yield _logged(e, "reactivated")


@access.on(Account.Granted)
def _granted(e: Account.Granted) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_grants (id, account_id, role, partnership_id, municipality,"
        " municipality_key, granted_at, granted_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.grant_id,
            e.originator_id,
            e.role.value,
            e.partnership_id,
            e.municipality,
            _key(e.municipality),
            e.timestamp,
            e.actor,
        ),
    )
    scope = (
        f"partnership {e.partnership_id}" if e.partnership_id else f"municipality {e.municipality}"
    )
    yield _logged(e, "granted", f"{e.role.value} on {scope} (grant {e.grant_id})")


@access.on(Account.GrantRevoked)
def _grant_revoked(e: Account.GrantRevoked) -> Iterable[Statement]:
    yield ("DELETE FROM acc_grants WHERE id = ?", (e.grant_id,))
    yield _logged(e, "grant_revoked", f"grant {e.grant_id}")


@access.on(Account.TokenIssued)
def _token_issued(e: Account.TokenIssued) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_tokens (id, account_id, token_hash, kind, label, issued_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            e.token_id,
            e.originator_id,
            e.token_hash,
            e.kind.value,
            e.label,
            e.timestamp,
            e.expires_at,
        ),
    )
    kind = "logged_in" if e.kind.value == "session" else "token_issued"
    yield _logged(e, kind, f"token {e.token_id}" + (f" ({e.label})" if e.label else ""))


@access.on(Account.TokenRevoked)
def _token_revoked(e: Account.TokenRevoked) -> Iterable[Statement]:
    yield (
        "UPDATE acc_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (e.timestamp, e.token_id),
    )
    yield _logged(e, "token_revoked", f"token {e.token_id}")


@access.on(Partnership.Registered, Partnership.RegistryUpdated)
def _partnership_scope(e: Any) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_partnerships (id, municipality_key) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET municipality_key = excluded.municipality_key",
        (e.originator_id, _key(e.registry.municipality)),
    )


# -- queries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenOwner:
    token_id: UUID
    token_hash: str
    kind: str
    expires_at: datetime
    revoked: bool
    account_id: UUID
    username: str
    display_name: str
    is_admin: bool
    active: bool


@dataclass(frozen=True)
class GrantRow:
    id: UUID
    role: str
    partnership_id: UUID | None
    municipality: str | None
    granted_at: datetime
    granted_by: str


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def timestamp(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


_OWNER_COLUMNS = (
    "t.id, t.token_hash, t.kind, t.expires_at, t.revoked_at, a.id AS account_id,"
    " a.username, a.display_name, a.is_admin, a.active"
)


async def token_owner(store: ReadStore, token_id: UUID) -> TokenOwner | None:
    rows = await store.fetch(
        f"SELECT {_OWNER_COLUMNS}"
        " FROM acc_tokens t JOIN acc_accounts a ON a.id = t.account_id WHERE t.id = ?",
        token_id,
    )
    return _owner(rows[0]) if rows else None


async def token_owner_and_grants(
    store: ReadStore, token_id: UUID
) -> tuple[TokenOwner, list[GrantRow]] | None:
    """`token_owner` and `grants_of` its account in one query (every request asks)."""
    rows = await store.fetch(
        f"SELECT {_OWNER_COLUMNS}, g.id AS grant_id, g.role, g.partnership_id,"
        " g.municipality, g.granted_at, g.granted_by"
        " FROM acc_tokens t JOIN acc_accounts a ON a.id = t.account_id"
        " LEFT JOIN acc_grants g ON g.account_id = a.id"
        " WHERE t.id = ? ORDER BY g.granted_at, g.id",
        token_id,
    )
    if not rows:
        return None
    grants = [_grant({**r, "id": r["grant_id"]}) for r in rows if r["grant_id"] is not None]
    return _owner(rows[0]), grants


def _owner(r: dict[str, Any]) -> TokenOwner:
    return TokenOwner(
        token_id=_uuid(r["id"]),
        token_hash=str(r["token_hash"]),
        kind=str(r["kind"]),
        expires_at=timestamp(r["expires_at"]),
        revoked=r["revoked_at"] is not None,
        account_id=_uuid(r["account_id"]),
        username=str(r["username"]),
        display_name=str(r["display_name"]),
        is_admin=bool(r["is_admin"]),
        active=bool(r["active"]),
    )


async def grants_of(store: ReadStore, account_id: UUID) -> list[GrantRow]:
    rows = await store.fetch(
        "SELECT id, role, partnership_id, municipality, granted_at, granted_by"
        " FROM acc_grants WHERE account_id = ? ORDER BY granted_at, id",
        account_id,
    )
    return [_grant(r) for r in rows]


def _grant(r: dict[str, Any]) -> GrantRow:
    return GrantRow(
        id=_uuid(r["id"]),
        role=str(r["role"]),
        partnership_id=_uuid(r["partnership_id"]) if r["partnership_id"] else None,
        municipality=r["municipality"],
        granted_at=timestamp(r["granted_at"]),
        granted_by=str(r["granted_by"]),
    )


async def municipality_of(store: ReadStore, partnership_id: UUID) -> str | None:
    value = await store.fetchval(
        "SELECT municipality_key FROM acc_partnerships WHERE id = ?", partnership_id
    )
    return str(value) if value is not None else None


@dataclass(frozen=True)
class Visibility:
    """Which partnerships a list may show: all (an administrator), or those granted.

    `clause(column)` gives SQL that keeps rows whose partnership `column` the account
    may see, through a grant on the partnership or on its municipality.
    """

    account_id: UUID | None

    @classmethod
    def everything(cls) -> Visibility:
        return cls(None)

    def clause(self, column: str) -> tuple[str, tuple[Any, ...]]:
        if self.account_id is None:
            return "1 = 1", ()
        return (
            f"{column} IN (SELECT p.id FROM acc_partnerships p JOIN acc_grants g"
            " ON g.partnership_id = p.id OR g.municipality_key = p.municipality_key"
            " WHERE g.account_id = ?)",
            (self.account_id,),
        )


_ACCOUNT_COLUMNS = "id, username, display_name, is_admin, active, created_at"


async def accounts(store: ReadStore) -> list[dict[str, Any]]:
    return await store.fetch(f"SELECT {_ACCOUNT_COLUMNS} FROM acc_accounts ORDER BY username")


async def account(store: ReadStore, username: str) -> dict[str, Any] | None:
    rows = await store.fetch(
        f"SELECT {_ACCOUNT_COLUMNS} FROM acc_accounts WHERE username = ?",
        username.strip().lower(),
    )
    return rows[0] if rows else None


async def tokens_of(store: ReadStore, account_id: UUID, limit: int = 200) -> list[dict[str, Any]]:
    """An account's tokens and sessions, newest first (their hashes left out)."""
    return await store.fetch(
        "SELECT id, kind, label, issued_at, expires_at, revoked_at FROM acc_tokens"
        " WHERE account_id = ? ORDER BY issued_at DESC LIMIT ?",
        account_id,
        limit,
    )


async def hidden(store: ReadStore, visible: Visibility, ids: Sequence[UUID]) -> list[UUID]:
    """Those of `ids` the visibility does not cover (unknown ids too: no hint of what exists)."""
    if visible.account_id is None or not ids:
        return []
    visible_sql, visible_params = visible.clause("id")
    marks = ",".join("?" * len(ids))
    rows = await store.fetch(
        f"SELECT id FROM acc_partnerships WHERE id IN ({marks}) AND {visible_sql}",
        *ids,
        *visible_params,
    )
    seen = {UUID(str(r["id"])) for r in rows}
    return [i for i in dict.fromkeys(ids) if i not in seen]


async def access_log(
    store: ReadStore,
    *,
    username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: int = 0,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """The access log, newest first, filtered by user and period."""
    where = ["1 = 1"]
    params: list[Any] = []
    if username:
        where.append("username = ?")
        params.append(username)
    if since is not None:
        where.append("recorded_at >= ?")
        params.append(since)
    if until is not None:
        where.append("recorded_at < ?")
        params.append(until)
    params.extend([limit, after])
    return await store.fetch(
        "SELECT account_id, version, username, recorded_at, actor, kind, detail, reason"
        f" FROM acc_log WHERE {' AND '.join(where)}"
        " ORDER BY recorded_at DESC, account_id, version DESC LIMIT ? OFFSET ?",
        *params,
    )
