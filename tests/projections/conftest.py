"""Fixtures for the projection suite: the service, the view store and the runner, on both stores.

Every test takes `read_side` (through `store_settings`), so it runs once on a SQLite file
and once on a fresh PostgreSQL database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api.readside import build_store
from projections.catalog import ALL
from projections.runner import ProjectionRunner
from services.application import Tvaers
from services.settings import Settings
from tests.projections.support import ReadSide


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: takes more than ~20 s per store (still part of the default run)"
    )


@pytest.fixture
async def read_side(store_settings: Settings) -> AsyncIterator[ReadSide]:
    """(app, store, runner): the write side and the views over the same database, set up."""
    app = Tvaers(store_settings)
    store = build_store(store_settings)
    try:
        await store.open()
        runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
        assert await runner.setup() == []
        yield ReadSide(app, store, runner)
    finally:
        await store.close()
        app.close()
