"""The composition root: `create_app(settings)` builds the Litestar app and its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from litestar import Litestar, Router
from litestar.concurrency import sync_to_thread
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from api.auth import access_guard, auth_middleware
from api.controllers import COMMAND_CONTROLLERS
from api.controllers.access import AccessLogController, AuthController, UserController
from api.controllers.health import HealthController
from api.controllers.metrics import MetricsController
from api.controllers.organisations import OrganisationController
from api.controllers.partnerships import PartnershipController
from api.controllers.registry import (
    AgendaController,
    CrossCaseController,
    PartnershipRegistryController,
    RegistryController,
)
from api.controllers.views import PartnershipViewsController
from api.deps import provide_context, provide_read_side, provide_tvaers
from api.errors import EXCEPTION_HANDLERS
from api.logging import RequestContextMiddleware, configure_logging
from api.metrics import Metrics, MetricsMiddleware
from api.readside import open_read_side
from services.application import Tvaers
from services.settings import Settings

log = structlog.get_logger("tvaers.app")


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app. Tests call this with their own settings; `tvaers serve` with the env's."""
    settings = settings or Settings.from_env()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        tvaers = await sync_to_thread(Tvaers, settings)
        app.state.tvaers = tvaers
        try:
            follow = settings.projections == "embedded"
            async with open_read_side(settings, tvaers, follow=follow) as read_side:
                app.state.read_side = read_side
                log.info("started", store=settings.describe(), projections=settings.projections)
                yield
        finally:
            await sync_to_thread(tvaers.close)
            log.info("stopped")

    app = Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            UserController,
            AccessLogController,
            MetricsController,
            OrganisationController,
            PartnershipController,
            PartnershipViewsController,
            RegistryController,
            AgendaController,
            CrossCaseController,
            PartnershipRegistryController,
            *COMMAND_CONTROLLERS,  # last: some share a path with a view above
        ],
        dependencies={
            "tvaers": Provide(provide_tvaers, sync_to_thread=False),
            "read_side": Provide(provide_read_side, sync_to_thread=False),
            "context": Provide(provide_context),
        },
        lifespan=[lifespan],
        middleware=auth_middleware(settings),
        # One guard for every route: each handler declares opt["access"] (api/auth.py).
        guards=[access_guard],
        exception_handlers=EXCEPTION_HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Tværs API",
            use_handler_docstrings=True,
            openapi_router=Router(path="/schema", route_handlers=[], opt={"access": "public"}),
            version="0.1.0",
            description=(
                "Partnership governance and project registry for cross-sector health "
                "partnerships in Danish municipalities. Every write is an event."
            ),
        ),
    )
    # Requests counted per route template, unknown paths included (api/metrics.py).
    app.state.metrics = Metrics()
    app.asgi_handler = MetricsMiddleware(app.asgi_handler, app.state.metrics)
    # Outermost, around Litestar's own exception handling, so that every request (an
    # unknown path included) gets a request id, its log line and the id headers.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler)
    return app
