"""Form drafts: what a user typed into a web form that could not be saved yet, kept for a
short while so it can be put back (ADR 0018).

Two moments keep a draft: a form posted after the user's session ended (expired, or
logged out in another tab), so that after logging in again the form comes back filled
in; and a "register it first" detour (a new organisation or person) from a form, which
returns to the form with what was typed and the new thing chosen.

Not a projection and not events: a draft is working state, not a record of what
happened (an event would keep it for ever and let anyone grow the log). One table,
written directly, in the database beside the views, so every API process sees it; a
rebuild of the views leaves it alone.

- A draft belongs to one account and one form (its path); only that account takes it.
- It holds the form's fields as typed, never a password or the CSRF token (the caller
  leaves them out; `keep` refuses names that look like secrets as a second line).
- Its size is capped (`MAX_BYTES`, `MAX_VALUES`); an account keeps at most
  `MAX_PER_ACCOUNT` (the oldest go first).
- It lives `LIFETIME` (two hours); taking it deletes it, and every keep or take first
  deletes what has expired.
"""

from __future__ import annotations

import re
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from uuid import UUID

import msgspec

from projections.store import ReadStore, render_ddl

LIFETIME = timedelta(hours=2)
MAX_BYTES = 64 * 1024  # the draft's JSON: the longest form (a partnership) fits many times
MAX_VALUES = 200  # fields and list items together
MAX_PER_ACCOUNT = 20
SECRET_NAME = re.compile(r"password|passwd|secret|token|csrf", re.IGNORECASE)

Purpose = Literal["session", "detour"]

DDL = (
    "CREATE TABLE IF NOT EXISTS form_drafts ("
    " id {uuid} PRIMARY KEY, account_id {uuid} NOT NULL, path {text} NOT NULL,"
    " purpose {text} NOT NULL, fields {text} NOT NULL,"
    " created_at {ts} NOT NULL, expires_at {ts} NOT NULL)",
    "CREATE INDEX IF NOT EXISTS form_drafts_by_account ON form_drafts (account_id, created_at)",
    "CREATE INDEX IF NOT EXISTS form_drafts_by_expiry ON form_drafts (expires_at)",
)

Values = dict[str, str | list[str]]

_ready: weakref.WeakSet[ReadStore] = weakref.WeakSet()


class DraftTooLarge(ValueError):
    """The input is larger than a draft may be: it is not kept."""


@dataclass(frozen=True)
class Draft:
    id: UUID
    account_id: UUID
    path: str
    purpose: Purpose
    fields: Values


async def ensure_tables(store: ReadStore) -> None:
    """Create the table once per store (idempotent; cheap after the first call)."""
    if store in _ready:
        return
    await store.execute_script(render_ddl(sql, store.dialect) for sql in DDL)
    _ready.add(store)


def kept_values(posted: Mapping[str, str | list[str]]) -> Values:
    """What of a posted form a draft may hold: no secrets, no empty names, text only."""
    kept: Values = {}
    for name, value in posted.items():
        if not name or name.startswith("_") or SECRET_NAME.search(name):
            continue
        if isinstance(value, list):
            items = [v for v in value if isinstance(v, str)]
            if items:
                kept[name] = items if len(items) > 1 else items[0]
        elif isinstance(value, str):
            kept[name] = value
    return kept


def _encoded(values: Values) -> str:
    count = sum(len(v) if isinstance(v, list) else 1 for v in values.values())
    text = msgspec.json.encode(values).decode()
    if count > MAX_VALUES or len(text.encode()) > MAX_BYTES:
        raise DraftTooLarge(f"{count} values, {len(text.encode())} bytes")
    return text


async def keep(
    store: ReadStore,
    *,
    account_id: UUID,
    path: str,
    purpose: Purpose,
    values: Mapping[str, str | list[str]],
    now: datetime,
    lifetime: timedelta = LIFETIME,
) -> UUID:
    """Keep the form's values for the account; the new draft's id. DraftTooLarge if the
    input is over the caps (nothing kept)."""
    await ensure_tables(store)
    encoded = _encoded(kept_values(values))
    await forget_expired(store, now)
    draft_id = uuid.uuid4()
    await store.execute(
        "INSERT INTO form_drafts (id, account_id, path, purpose, fields, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        draft_id,
        account_id,
        path,
        purpose,
        encoded,
        now,
        now + lifetime,
    )
    # At most MAX_PER_ACCOUNT per account: the oldest go.
    await store.execute(
        "DELETE FROM form_drafts WHERE account_id = ? AND id NOT IN ("
        " SELECT id FROM form_drafts WHERE account_id = ?"
        " ORDER BY created_at DESC LIMIT ?)",
        account_id,
        account_id,
        MAX_PER_ACCOUNT,
    )
    return draft_id


async def take(store: ReadStore, draft_id: UUID, account_id: UUID, now: datetime) -> Draft | None:
    """The account's draft, deleted as it is taken; None if it is not theirs, is gone or
    has expired (another account's draft is left alone)."""
    await ensure_tables(store)
    await forget_expired(store, now)
    rows = await store.fetch(
        "DELETE FROM form_drafts WHERE id = ? AND account_id = ?"
        " RETURNING id, account_id, path, purpose, fields",
        draft_id,
        account_id,
    )
    if not rows:
        return None
    row = rows[0]
    fields: Any = msgspec.json.decode(row["fields"])
    purpose: Purpose = "detour" if row["purpose"] == "detour" else "session"
    return Draft(
        id=UUID(str(row["id"])),
        account_id=UUID(str(row["account_id"])),
        path=str(row["path"]),
        purpose=purpose,
        fields=fields if isinstance(fields, dict) else {},
    )


async def forget_expired(store: ReadStore, now: datetime) -> None:
    await ensure_tables(store)
    await store.execute("DELETE FROM form_drafts WHERE expires_at <= ?", now)


async def count(store: ReadStore, account_id: UUID | None = None) -> int:
    """How many drafts are kept (for one account): for tests and operations."""
    await ensure_tables(store)
    if account_id is None:
        return int(await store.fetchval("SELECT COUNT(*) FROM form_drafts") or 0)
    return int(
        await store.fetchval("SELECT COUNT(*) FROM form_drafts WHERE account_id = ?", account_id)
        or 0
    )


async def stored_text(store: ReadStore) -> list[str]:
    """Every draft's stored fields as text (tests: nothing secret in them)."""
    await ensure_tables(store)
    return [str(r["fields"]) for r in await store.fetch("SELECT fields FROM form_drafts")]
