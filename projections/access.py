"""Access view: accounts, their live tokens and grants, and the access log.

The API authenticates every request against this view (by token id) and filters every
list by it (`Visibility`). Password hashes are not copied here; logging in reads the
account itself. The access log answers "who gave whom which right, and who logged in".

It also keeps what the directory's rules need (ADR 0005, "Revised (issue 12)"): each
organisation's municipality, each person's organisation and registrant, the partners of
each partnership, and every partnership a person holds or held a seat, role, secretariat
post or signature in. These rules then depend on this one view only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from aggregates import Account, Agreement, Organisation, Partnership, Person
from projections import login_throttle
from projections.core import Projection
from projections.store import ReadStore, Statement

access = Projection(
    name="access",
    version=2,
    tables=(
        "acc_accounts",
        "acc_tokens",
        "acc_grants",
        "acc_partnerships",
        "acc_log",
        "acc_organisations",
        "acc_persons",
        "acc_partners",
        "acc_person_links",
        "acc_agreements",
    ),
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
        # The directory's owners: an organisation's municipality (NULL: none, national).
        "CREATE TABLE acc_organisations ( id {uuid} PRIMARY KEY, municipality_key {text})",
        "CREATE TABLE acc_persons ("
        " id {uuid} PRIMARY KEY, organisation_id {uuid} NOT NULL, registered_by {text} NOT NULL)",
        "CREATE INDEX acc_persons_by_organisation ON acc_persons (organisation_id)",
        # Every organisation that is or was a partner (the lead included) of a partnership.
        "CREATE TABLE acc_partners ("
        " partnership_id {uuid} NOT NULL, organisation_id {uuid} NOT NULL,"
        " PRIMARY KEY (partnership_id, organisation_id))",
        "CREATE INDEX acc_partners_by_organisation ON acc_partners (organisation_id)",
        # Every partnership a person holds or held a seat, role, secretariat post or
        # signature in: who may see and change their contact details.
        "CREATE TABLE acc_person_links ("
        " person_id {uuid} NOT NULL, partnership_id {uuid} NOT NULL,"
        " PRIMARY KEY (person_id, partnership_id))",
        "CREATE INDEX acc_person_links_by_partnership ON acc_person_links (partnership_id)",
        "CREATE TABLE acc_agreements ( id {uuid} PRIMARY KEY, partnership_id {uuid} NOT NULL)",
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


@access.on(Account.IdentityBound)
def _identity_bound(e: Account.IdentityBound) -> Iterable[Statement]:
    yield _logged(e, "identity_bound", f"single sign-on: {e.issuer} (subject {e.subject})")


@access.on(Account.ProfileUpdated)
def _profile_updated(e: Account.ProfileUpdated) -> Iterable[Statement]:
    yield (
        "UPDATE acc_accounts SET display_name = ? WHERE id = ?",
        (e.display_name, e.originator_id),
    )
    yield _logged(e, "profile_updated", "name and e-mail from the identity provider")


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


@access.on(Partnership.Registered)
def _partnership_registered(e: Partnership.Registered) -> Iterable[Statement]:
    yield from _partnership_scope(e)
    yield _partner(e.originator_id, e.lead_organisation_id)


@access.on(Partnership.RegistryUpdated)
def _partnership_scope(e: Any) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_partnerships (id, municipality_key) VALUES (?, ?)"
        " ON CONFLICT (id) DO UPDATE SET municipality_key = excluded.municipality_key",
        (e.originator_id, _key(e.registry.municipality)),
    )


@access.on(Partnership.PartnerJoined)
def _partner_joined(e: Partnership.PartnerJoined) -> Iterable[Statement]:
    yield _partner(e.originator_id, e.organisation_id)


def _partner(partnership_id: UUID, organisation_id: UUID) -> Statement:
    return (
        "INSERT INTO acc_partners (partnership_id, organisation_id) VALUES (?, ?)"
        " ON CONFLICT (partnership_id, organisation_id) DO NOTHING",
        (partnership_id, organisation_id),
    )


def _link(person_id: UUID, partnership_id: UUID) -> Statement:
    return (
        "INSERT INTO acc_person_links (person_id, partnership_id) VALUES (?, ?)"
        " ON CONFLICT (person_id, partnership_id) DO NOTHING",
        (person_id, partnership_id),
    )


@access.on(
    Partnership.SteeringMemberAppointed,
    Partnership.SecretariatStaffed,
    Partnership.RoleAssigned,
    Partnership.RoleHandedOver,
)
def _person_in_partnership(e: Any) -> Iterable[Statement]:
    yield _link(e.person_id, e.originator_id)


@access.on(Agreement.Drafted)
def _agreement_drafted(e: Agreement.Drafted) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_agreements (id, partnership_id) VALUES (?, ?)",
        (e.originator_id, e.partnership_id),
    )


@access.on(Agreement.PartySigned)
def _agreement_signed(e: Agreement.PartySigned) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_person_links (person_id, partnership_id)"
        " SELECT ?, partnership_id FROM acc_agreements WHERE id = ?"
        " ON CONFLICT (person_id, partnership_id) DO NOTHING",
        (e.signatory_id, e.originator_id),
    )


@access.on(Organisation.Registered)
def _organisation_registered(e: Organisation.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_organisations (id, municipality_key) VALUES (?, ?)",
        (e.originator_id, _key(e.municipality)),
    )


@access.on(Person.Registered)
def _person_registered(e: Person.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO acc_persons (id, organisation_id, registered_by) VALUES (?, ?, ?)",
        (e.originator_id, e.organisation_id, e.actor.strip().lower()),
    )


@access.on(Person.MovedOrganisation)
def _person_moved(e: Person.MovedOrganisation) -> Iterable[Statement]:
    yield (
        "UPDATE acc_persons SET organisation_id = ? WHERE id = ?",
        (e.organisation_id, e.originator_id),
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


# The municipalities (keys) an account is a project leader in: through a municipality-wide
# project-leader grant, or one on a partnership of that municipality. One parameter: the
# account id, twice.
_LED_MUNICIPALITIES = (
    "SELECT g.municipality_key FROM acc_grants g WHERE g.account_id = ?"
    " AND g.role = 'project_leader' AND g.municipality_key IS NOT NULL"
    " UNION SELECT p.municipality_key FROM acc_grants g"
    " JOIN acc_partnerships p ON p.id = g.partnership_id"
    " WHERE g.account_id = ? AND g.role = 'project_leader'"
)


def _granted_partnerships(*, leader: bool) -> str:
    """SQL of the partnerships an account (one parameter) holds a grant on (a project-leader
    grant when `leader`), directly or through the partnership's municipality."""
    role = " AND g.role = 'project_leader'" if leader else ""
    return (
        "SELECT p.id FROM acc_partnerships p JOIN acc_grants g"
        " ON g.partnership_id = p.id OR g.municipality_key = p.municipality_key"
        f" WHERE g.account_id = ?{role}"
    )


@dataclass(frozen=True)
class DirectoryAccess:
    """Who may see and change which organisations and persons (ADR 0005, revised in
    issue 12): every rule as SQL over this view, for the guard and for lists alike.

    `account_id` None is an administrator, for whom every clause is true.

    - an organisation is *owned* by the project leaders of its municipality (a
      municipality-wide project-leader grant, or one on a partnership there); one
      without a municipality by administrators only;
    - a person may be read by those with any grant on a partnership where they hold or
      held a seat, role, secretariat post or signature, and changed by that
      partnership's project leaders; the owners of their organisation may read and
      change them too, and so may the user who registered them, until they first take
      a place in a partnership;
    - people may be registered in (moved to) an organisation its owners, and the project
      leaders of a partnership it is or was a partner of.
    """

    account_id: UUID | None

    @classmethod
    def everything(cls) -> DirectoryAccess:
        return cls(None)

    def owned_organisations(self, column: str) -> tuple[str, tuple[Any, ...]]:
        """SQL keeping rows whose organisation `column` the account owns."""
        if self.account_id is None:
            return "1 = 1", ()
        return (
            f"{column} IN (SELECT o.id FROM acc_organisations o"
            f" WHERE o.municipality_key IN ({_LED_MUNICIPALITIES}))",
            (self.account_id, self.account_id),
        )

    def staffable_organisations(self, column: str) -> tuple[str, tuple[Any, ...]]:
        """SQL keeping rows whose organisation `column` the account may register people in."""
        if self.account_id is None:
            return "1 = 1", ()
        owned, params = self.owned_organisations(column)
        return (
            f"({owned} OR {column} IN (SELECT a.organisation_id FROM acc_partners a"
            f" WHERE a.partnership_id IN ({_granted_partnerships(leader=True)})))",
            (*params, self.account_id),
        )

    def listed_organisations(self, column: str) -> tuple[str, tuple[Any, ...]]:
        """SQL keeping rows whose organisation `column` the account's list shows (GET
        /organisations): those of a municipality it holds any grant in (for the
        municipality or a partnership there), and the partners (now or before) of the
        partnerships it holds a grant on."""
        if self.account_id is None:
            return "1 = 1", ()
        account = self.account_id
        return (
            f"({column} IN (SELECT o.id FROM acc_organisations o WHERE o.municipality_key IN ("
            "SELECT g.municipality_key FROM acc_grants g"
            " WHERE g.account_id = ? AND g.municipality_key IS NOT NULL"
            " UNION SELECT p.municipality_key FROM acc_grants g"
            " JOIN acc_partnerships p ON p.id = g.partnership_id WHERE g.account_id = ?))"
            f" OR {column} IN (SELECT a.organisation_id FROM acc_partners a"
            f" WHERE a.partnership_id IN ({_granted_partnerships(leader=False)})))",
            (account, account, account),
        )

    def persons(self, column: str, *, change: bool = False) -> tuple[str, tuple[Any, ...]]:
        """SQL keeping rows whose person `column` the account may read (`change`: change)."""
        if self.account_id is None:
            return "1 = 1", ()
        account = self.account_id
        return (
            f"{column} IN ("
            "SELECT l.person_id FROM acc_person_links l"
            f" WHERE l.partnership_id IN ({_granted_partnerships(leader=change)})"
            " UNION SELECT s.id FROM acc_persons s JOIN acc_organisations o"
            f" ON o.id = s.organisation_id WHERE o.municipality_key IN ({_LED_MUNICIPALITIES})"
            " UNION SELECT s.id FROM acc_persons s JOIN acc_accounts a"
            " ON a.username = s.registered_by WHERE a.id = ?"
            " AND NOT EXISTS (SELECT 1 FROM acc_person_links l WHERE l.person_id = s.id))",
            (account, account, account, account),
        )


async def may_see_person(
    store: ReadStore, rules: DirectoryAccess, person_id: UUID, *, change: bool = False
) -> bool:
    """Whether the person exists and the account may read (`change`: change) them."""
    clause, params = rules.persons("id", change=change)
    found = await store.fetchval(
        f"SELECT count(*) FROM acc_persons WHERE id = ? AND {clause}", person_id, *params
    )
    return bool(found)


async def owns_organisation(
    store: ReadStore, rules: DirectoryAccess, organisation_id: UUID
) -> bool:
    """Whether the organisation exists and the account may rename, merge or close it."""
    clause, params = rules.owned_organisations("id")
    found = await store.fetchval(
        f"SELECT count(*) FROM acc_organisations WHERE id = ? AND {clause}",
        organisation_id,
        *params,
    )
    return bool(found)


async def may_staff_organisation(
    store: ReadStore, rules: DirectoryAccess, organisation_id: UUID
) -> bool:
    """Whether the organisation exists and the account may register people in it."""
    clause, params = rules.staffable_organisations("id")
    found = await store.fetchval(
        f"SELECT count(*) FROM acc_organisations WHERE id = ? AND {clause}",
        organisation_id,
        *params,
    )
    return bool(found)


async def leads_in(store: ReadStore, account_id: UUID, municipality: str) -> bool:
    """Whether the account is a project leader in the municipality (any grant form)."""
    found = await store.fetchval(
        f"SELECT count(*) FROM ({_LED_MUNICIPALITIES}) m WHERE m.municipality_key = ?",
        account_id,
        account_id,
        _key(municipality),
    )
    return bool(found)


async def led_municipalities(store: ReadStore, account_id: UUID) -> list[str]:
    """The municipalities (keys) the account is a project leader in (any grant form)."""
    rows = await store.fetch(
        f"SELECT municipality_key FROM ({_LED_MUNICIPALITIES}) m", account_id, account_id
    )
    return [str(r["municipality_key"]) for r in rows if r["municipality_key"] is not None]


async def near_organisations(store: ReadStore, account_id: UUID) -> list[UUID]:
    """The organisations closest to the account: those of the municipalities it holds any
    grant in, and the partners (past too) of the partnerships it holds a grant on."""
    rows = await store.fetch(
        "SELECT o.id FROM acc_organisations o WHERE o.municipality_key IN ("
        " SELECT g.municipality_key FROM acc_grants g"
        " WHERE g.account_id = ? AND g.municipality_key IS NOT NULL"
        " UNION SELECT p.municipality_key FROM acc_grants g"
        " JOIN acc_partnerships p ON p.id = g.partnership_id WHERE g.account_id = ?)"
        " UNION SELECT a.organisation_id FROM acc_partners a"
        f" WHERE a.partnership_id IN ({_granted_partnerships(leader=False)})",
        account_id,
        account_id,
        account_id,
    )
    return [_uuid(r["id"]) for r in rows]


_ACCOUNT_COLUMNS = "id, username, display_name, is_admin, active, created_at"


async def accounts(store: ReadStore) -> list[dict[str, Any]]:
    return await store.fetch(f"SELECT {_ACCOUNT_COLUMNS} FROM acc_accounts ORDER BY username")


async def active_administrators(store: ReadStore) -> list[str]:
    """Usernames of the active administrators."""
    rows = await store.fetch(
        "SELECT username FROM acc_accounts WHERE is_admin = 1 AND active = 1 ORDER BY username"
    )
    return [str(r["username"]) for r in rows]


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
    """The access log, newest first, filtered by user and period.

    With the login locks set and lifted (`projections.login_throttle`), which are not
    events: their account_id is NULL, their version 0.
    """
    await login_throttle.ensure_tables(store)
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
        "SELECT * FROM (SELECT account_id, version, username, recorded_at, actor, kind, detail,"
        f" reason FROM acc_log UNION ALL {login_throttle.LOG_SELECT}) AS entries"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY recorded_at DESC, account_id, version DESC LIMIT ? OFFSET ?",
        *params,
    )
