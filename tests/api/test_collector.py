"""The garbage collector while the app serves (issue 17, second round; api/app.py
GC_THRESHOLDS): young collections after 50,000 allocations, not 700, so that what a
request made is freed by reference counting before a collection promotes it (under load
the promoted objects triggered a full collection every ~2 s, 25-85 ms each, freeing
nothing). The process's own thresholds come back when the app stops."""

from __future__ import annotations

import gc

from litestar.testing import TestClient

from api.app import GC_THRESHOLDS
from services.settings import Settings
from tests.apps import app_for


def test_young_collections_wait_for_50000_allocations_while_the_app_serves(
    store_settings: Settings,
) -> None:
    before = gc.get_threshold()
    assert before[0] < GC_THRESHOLDS[0]
    with TestClient(app=app_for(store_settings)) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_threshold() == (50_000, 20, 10)
    assert gc.get_threshold() == before
