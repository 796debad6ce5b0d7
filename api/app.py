"""The composition root: `create_app(settings)` builds the Litestar app and its resources."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import msgspec
import structlog
from litestar import Litestar, Router
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.concurrency import sync_to_thread
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from api.auth import access_guard, auth_middleware, session_secret
from api.body import DECIMAL_PATTERN, StrictRequests
from api.contract import document_contract
from api.controllers import COMMAND_CONTROLLERS
from api.controllers.access import (
    AccessLogController,
    AuthController,
    LoginLockController,
    UserController,
)
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
from api.controllers.story import StoryController
from api.controllers.views import PartnershipViewsController
from api.deps import provide_context, provide_read_side, provide_tvaers
from api.errors import DATABASE_UNAVAILABLE, EXCEPTION_HANDLERS, document_problems
from api.logging import RequestContextMiddleware, configure_logging
from api.metrics import Metrics, MetricsMiddleware
from api.readside import open_read_side
from api.security_headers import SecurityHeadersMiddleware
from api.thin import ThinWrites, resolve_dependencies_in_turn
from api.ui import csrf_config, template_config, ui_handlers
from api.ui.core import ui_aware
from services import pgstore
from services.application import Tvaers
from services.settings import Settings

log = structlog.get_logger("tvaers.app")

EXECUTOR_THREADS = 32


def _bare(type_info: Any) -> Any:
    """The type of a struct field without `| None` and without its msgspec.Meta."""
    if isinstance(type_info, msgspec.inspect.UnionType):
        kinds = [t for t in type_info.types if not isinstance(t, msgspec.inspect.NoneType)]
        type_info = kinds[0] if len(kinds) == 1 else type_info
    return type_info.type if isinstance(type_info, msgspec.inspect.Metadata) else type_info


def _items(prop: Schema) -> Schema | None:
    """The schema of a list field's items; also of a field that may be left out
    (`| msgspec.UNSET`, a PATCH body), which Litestar documents as a one-item `oneOf`."""
    if isinstance(prop.items, Schema):
        return prop.items
    for option in prop.one_of or ():
        if isinstance(option, Schema) and isinstance(option.items, Schema):
            return option.items
    return None


class ClosedStructSchemaPlugin(OpenAPISchemaPlugin):
    """Request bodies in the OpenAPI document as strict as the API reading them.

    Litestar documents every msgspec struct as open, drops the bounds of list items
    (KL bearings are 1-6; tags are one line of text) and calls a decimal any string. Our
    request bodies (`forbid_unknown_fields`) answer 400 to all three, and the document must not
    promise otherwise: `additionalProperties: false`, the items' bounds, a decimal pattern.
    """

    def __init__(self) -> None:
        self._structs = StructSchemaPlugin()

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        if not self._structs.is_plugin_supported_field(field_definition):
            return False
        info = msgspec.inspect.type_info(field_definition.type_)
        return isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = self._structs.to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        info = msgspec.inspect.type_info(field_definition.type_)
        assert isinstance(info, msgspec.inspect.StructType)
        for field in info.fields:
            kind = _bare(field.type)
            prop = (schema.properties or {}).get(field.encode_name)
            if not isinstance(prop, Schema):
                continue
            if isinstance(kind, msgspec.inspect.IntType | msgspec.inspect.FloatType):
                # Litestar drops a bound of 0 (`ge=0`: a WHO-5 mean, a count of people).
                if kind.ge is not None and prop.minimum is None:
                    prop.minimum = kind.ge
                if kind.gt is not None and prop.exclusive_minimum is None:
                    prop.exclusive_minimum = kind.gt
            if isinstance(kind, msgspec.inspect.DecimalType):
                prop.one_of = [
                    Schema(type=OpenAPIType.NUMBER),
                    Schema(type=OpenAPIType.STRING, pattern=DECIMAL_PATTERN),
                    *([Schema(type=OpenAPIType.NULL)] if field.type != kind else []),
                ]
                prop.type = None
            elif isinstance(kind, msgspec.inspect.ListType) and (items := _items(prop)):
                item = _bare(kind.item_type)
                if isinstance(item, msgspec.inspect.IntType):
                    items.minimum = item.ge
                    items.maximum = item.le
                elif isinstance(item, msgspec.inspect.StrType):  # the text rule of items
                    items.min_length = item.min_length
                    items.max_length = item.max_length
                    items.pattern = item.pattern
        return schema


def _freeze_startup_objects() -> None:
    """Keep what start-up built (routes, modules, schemas) out of garbage collection.

    A full collection walked those ~150,000 objects in 110-140 ms, stalling whatever
    request was running: about 1 % of requests took 110-170 ms (bench/http_queries.py).
    Frozen objects are never collected; they live as long as the app anyway.

    The full collection first (so no garbage is frozen) runs at the process's first
    start only: a process that starts apps again and again (the tests: one per test)
    would pay those ~100 ms each time, and what a later start adds is mostly alive.
    """
    global _collected  # noqa: PLW0603 - once per process, like the start-up it follows
    if not _collected:
        gc.collect()
        _collected = True
    gc.freeze()


_collected = False

# The garbage collector's thresholds while the app serves: a young collection after
# 50,000 allocations, not 700 (restored when the app stops).
#
# With 700, a request's objects still alive at a young collection (32 requests in flight,
# each waiting on the database) were promoted, and the promoted objects triggered a full
# collection every ~2 s under load: each walked every object kept since start-up (the
# cached aggregates grow with every command) for 25-85 ms and freed nothing (a gc callback
# timing them; bench/README.md, session 8): the p99 of commands at half the peak rate.
# With 50,000, what a request made is mostly freed by reference counting before any
# collection sees it; a young collection walks at most 50,000 objects (1-2 ms), and a
# cycle of garbage waits a little longer to be freed.
GC_THRESHOLDS = (50_000, 20, 10)


@asynccontextmanager
async def command_pool(settings: Settings, tvaers: Tvaers) -> AsyncIterator[None]:
    """On PostgreSQL, the commands' own asyncpg pool, attached to the application: the
    API's command handlers run on the loop (services/bridge.py, ADR 0030)."""
    async with pgstore.loop_pool(settings) as pool:
        tvaers.attach_pool(pool)
        try:
            yield
        finally:
            await tvaers.detach_pool()


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the app. Tests call this with their own settings; `tvaers serve` with the env's."""
    settings = settings or Settings.from_env()
    configure_logging(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # The store opened is the one `app.state.settings` names when the app starts:
        # the settings it was built with, or (tests/apps.py) a fresh store for a reused
        # app -- the app's other settings (keys, cookies, throttling) are fixed at build.
        settings: Settings = app.state.settings
        # Synchronous handlers (every command) run in the loop's executor; its default
        # size (CPUs + 4) queued commands behind each other's database waits.
        asyncio.get_running_loop().set_default_executor(
            ThreadPoolExecutor(max_workers=EXECUTOR_THREADS, thread_name_prefix="tvaers")
        )
        tvaers = await sync_to_thread(Tvaers, settings)
        app.state.tvaers = tvaers
        thresholds = gc.get_threshold()
        try:
            follow = settings.projections == "embedded"
            async with (
                command_pool(settings, tvaers),
                open_read_side(settings, tvaers, follow=follow) as read_side,
            ):
                app.state.read_side = read_side
                _freeze_startup_objects()
                gc.set_threshold(*GC_THRESHOLDS)
                log.info("started", store=settings.describe(), projections=settings.projections)
                yield
        finally:
            gc.set_threshold(*thresholds)
            gc.unfreeze()  # collectable again (tests start many apps in one process)
            await sync_to_thread(tvaers.close)
            log.info("stopped")

    app = Litestar(
        route_handlers=[
            HealthController,
            AuthController,
            UserController,
            AccessLogController,
            LoginLockController,
            MetricsController,
            OrganisationController,
            PartnershipController,
            PartnershipViewsController,
            RegistryController,
            AgendaController,
            CrossCaseController,
            PartnershipRegistryController,
            StoryController,
            *COMMAND_CONTROLLERS,  # last: some share a path with a view above
            *ui_handlers(),  # the web UI under /ui, its files under /static
        ],
        template_config=template_config(),
        csrf_config=csrf_config(session_secret(settings), secure=settings.cookie_secure),
        dependencies={
            "tvaers": Provide(provide_tvaers, sync_to_thread=False),
            "read_side": Provide(provide_read_side, sync_to_thread=False),
            "context": Provide(provide_context),
        },
        lifespan=[lifespan],
        middleware=auth_middleware(settings),
        # One guard for every route: each handler declares opt["access"] (api/auth.py).
        guards=[access_guard],
        # Content-Type, strict JSON and known query parameters, for every API operation.
        before_request=StrictRequests(),
        # Problem details for the JSON API; pages for the web UI's paths (issue 16).
        exception_handlers=ui_aware(EXCEPTION_HANDLERS, unavailable=DATABASE_UNAVAILABLE),
        plugins=[ClosedStructSchemaPlugin()],
        # Logging is api/logging.py's; Litestar's default would put its own plain-text
        # handler on the root logger, beside structlog's JSON lines.
        logging_config=None,
        openapi_config=OpenAPIConfig(
            title="Tværs API",
            use_handler_docstrings=True,
            openapi_router=Router(
                path="/schema",
                route_handlers=[],
                opt={"access": "public"},
                include_in_schema=False,  # the viewers are not operations of the API
            ),
            version="0.1.0",
            description=(
                "Partnership governance and project registry for cross-sector health "
                "partnerships in Danish municipalities. Every write is an event."
            ),
        ),
    )
    app.state.settings = settings
    document_problems(app)
    # Security schemes and the convention headers, per operation (api/contract.py).
    document_contract(app)
    # Bearer-token writes skip the browser's middleware (api/thin.py, ADR 0027); every
    # route resolves its cheap dependencies in turn, not in a task group.
    resolve_dependencies_in_turn(app)
    exceptions = app.asgi_handler  # Litestar's exception handler around its router
    exceptions.app = ThinWrites(app, exceptions.app)  # type: ignore[attr-defined]
    # Requests counted per route template, unknown paths included (api/metrics.py).
    app.state.metrics = Metrics()
    app.asgi_handler = MetricsMiddleware(app.asgi_handler, app.state.metrics)
    # CSP, framing, nosniff, referrer, HSTS on every response, Litestar's own 404/405 and
    # exception answers included (api/security_headers.py).
    app.asgi_handler = SecurityHeadersMiddleware(app.asgi_handler, hsts=settings.cookie_secure)
    # Outermost, around Litestar's own exception handling, so that every request (an
    # unknown path included) gets a request id, its log line and the id headers.
    app.asgi_handler = RequestContextMiddleware(app.asgi_handler)
    return app
