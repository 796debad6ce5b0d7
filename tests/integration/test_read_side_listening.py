"""An API process hears new events only when it follows the log itself."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from aggregates.taxonomy import Sector
from api.readside import open_read_side
from projections.store import PostgresReadStore
from services.application import Tvaers
from services.commands import RegisterOrganisation
from services.settings import Settings
from tests.commands import execute
from tests.integration.conftest import meta

pytestmark = pytest.mark.parametrize("store_settings", ["postgresql"], indirect=True)


async def test_with_the_projections_external_writes_do_not_wake_an_api_process(
    store_settings: Settings,
) -> None:
    tvaers = await asyncio.to_thread(Tvaers, store_settings)
    try:
        async with open_read_side(store_settings, tvaers, follow=False) as read_side:
            store = read_side.store
            assert isinstance(store, PostgresReadStore)
            # Access changes still reach it (the principal cache, ADR 0025); events not.
            assert store.listening == {store.changes_channel}
            await asyncio.to_thread(
                execute,
                tvaers,
                RegisterOrganisation(name="Ældresagen Sundeborg", sector=Sector.VOLUNTARY),
                meta(date(2024, 3, 1)),
            )
            await asyncio.sleep(0.3)
            assert not store._wake.is_set()

        async with open_read_side(store_settings, tvaers, follow=True) as read_side:
            store = read_side.store
            assert isinstance(store, PostgresReadStore)
            assert store.listening == {store.channel, store.changes_channel}
    finally:
        await asyncio.to_thread(tvaers.close)
