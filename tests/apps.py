"""One built app per kind of settings, serving a fresh store in each test.

Building the Litestar app (parsing ~300 handlers' signatures) cost more than the rest of
a typical HTTP test. A test still gets its own store, its own views and a fresh client
(cookies, session): only the app object is reused. Its lifespan opens the store that
`app.state.settings` names (api/app.py), so a reused app serves the test's database;
everything else the app was built with (session key, cookie flags, throttling limits) is
the same for every test of that kind, because it is part of the key.

What a run leaves in the app's memory is cleared before the next test: the request
metrics and the rate limiter's counts (a restarted process starts with neither).
"""

from __future__ import annotations

import asyncio
import dataclasses

from litestar import Litestar
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.stores.memory import MemoryStore

from api.app import create_app
from api.metrics import Metrics
from services.settings import Settings

_built: dict[Settings, Litestar] = {}


def app_for(settings: Settings) -> Litestar:
    """An app serving `settings`' store (built once per kind of settings)."""
    key = dataclasses.replace(settings, database_url="")
    app = _built.get(key)
    if app is None:
        app = _built[key] = create_app(settings)
    else:
        _forget_the_last_run(app)
    app.state.settings = settings
    return app


def _forget_the_last_run(app: Litestar) -> None:
    metrics: Metrics = app.state.metrics
    Metrics.__init__(metrics)  # in place: the middleware holds this object
    for name in _rate_limit_stores(app):
        store = app.stores.get(name)
        if isinstance(store, MemoryStore):
            asyncio.run(store.delete_all())


def _rate_limit_stores(app: Litestar) -> set[str]:
    """The stores of the app's rate limiters (the login throttle's, api/throttle.py)."""
    names = {"rate_limit"}
    for middleware in app.middleware:
        config = getattr(middleware, "kwargs", {}).get("config")
        if isinstance(config, RateLimitConfig):
            names.add(config.store)
    return names
