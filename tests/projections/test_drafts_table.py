"""The form drafts' table (projections/drafts.py, ADR 0018) on both stores: a draft is
taken once, only by its account, never after it expired; the caps hold."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from projections import drafts
from projections.store import PostgresReadStore, ReadStore, SQLiteReadStore

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
FORM = "/ui/partnerships/new"


def on(store: ReadStore, scenario: Callable[[ReadStore], Awaitable[None]]) -> None:
    async def run() -> None:
        await store.open()
        try:
            await scenario(store)
        finally:
            await store.close()

    asyncio.run(run())


async def taken_once_by_its_account_only(store: ReadStore) -> None:
    owner, other = uuid4(), uuid4()
    draft_id = await drafts.keep(
        store,
        account_id=owner,
        path=FORM + "?organisation_id=x",
        purpose="session",
        values={
            "title": "Sund i Sundeborg",
            "bearings": ["1", "3"],
            "password": "hemmelig",
            "_csrf_token": "abc",
            "new_password": "x",
        },
        now=NOW,
    )
    assert await drafts.take(store, draft_id, other, NOW) is None  # another account's
    assert await drafts.count(store) == 1  # left for its owner
    [stored] = await drafts.stored_text(store)
    assert "hemmelig" not in stored
    assert "abc" not in stored
    draft = await drafts.take(store, draft_id, owner, NOW + timedelta(minutes=5))
    assert draft is not None
    assert draft.fields == {"title": "Sund i Sundeborg", "bearings": ["1", "3"]}
    assert (draft.path, draft.purpose, draft.account_id) == (
        FORM + "?organisation_id=x",
        "session",
        owner,
    )
    assert await drafts.take(store, draft_id, owner, NOW) is None  # taken: gone
    assert await drafts.count(store) == 0


async def expired_drafts_go(store: ReadStore) -> None:
    owner = uuid4()
    old = await drafts.keep(
        store, account_id=owner, path=FORM, purpose="detour", values={"title": "x"}, now=NOW
    )
    later = NOW + drafts.LIFETIME + timedelta(seconds=1)
    assert await drafts.take(store, old, owner, later) is None
    assert await drafts.count(store) == 0


async def caps_hold(store: ReadStore) -> None:
    owner = uuid4()
    for n in range(drafts.MAX_PER_ACCOUNT + 2):
        await drafts.keep(
            store,
            account_id=owner,
            path=FORM,
            purpose="session",
            values={"title": str(n)},
            now=NOW + timedelta(seconds=n),
        )
    assert await drafts.count(store, owner) == drafts.MAX_PER_ACCOUNT
    with pytest.raises(drafts.DraftTooLarge):
        await drafts.keep(
            store,
            account_id=owner,
            path=FORM,
            purpose="session",
            values={"purpose": "x" * drafts.MAX_BYTES},
            now=NOW,
        )
    with pytest.raises(drafts.DraftTooLarge):
        await drafts.keep(
            store,
            account_id=owner,
            path=FORM,
            purpose="session",
            values={"items": [str(n) for n in range(drafts.MAX_VALUES + 1)]},
            now=NOW,
        )


SCENARIOS = [taken_once_by_its_account_only, expired_drafts_go, caps_hold]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_on_sqlite(tmp_path: Path, scenario: Callable[[ReadStore], Awaitable[None]]) -> None:
    on(SQLiteReadStore(tmp_path / "views.sqlite3"), scenario)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_on_postgresql(
    postgres_database_url: str, scenario: Callable[[ReadStore], Awaitable[None]]
) -> None:
    on(PostgresReadStore(postgres_database_url), scenario)
