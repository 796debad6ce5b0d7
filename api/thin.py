"""The thin path of a bearer-token write (issue 17): the route's own handling, without the
middleware stack that only a browser's request needs.

Litestar runs every request through the route's middleware stack before the route: the
login rate limiter, the session cookie, authentication, CSRF, and a second exception
handler between them. For a write to the JSON API that carries `Authorization:`, each of
them is a no-op except authentication:

- the login rate limiter counts only login attempts (`opt[LOGIN_ATTEMPT]`);
- `CookieSession` gives a request with an `Authorization` header an empty session;
- CSRF excludes every path outside the web UI (`api/ui csrf_config`);
- the inner exception handler lets the middleware's send wrappers see an error's
  response; none of these wraps `send`.

So such a request is routed here as Litestar's router does it, authenticated by the same
`TokenAuthenticationMiddleware.authenticate_request` (same cache, same refusals), and
handed to the route's own `handle`: the same guard (`access_guard`, including the cookie
and body rules), `before_request` (strict bodies), dependencies, handler and response.
An exception is answered by the app's exception handler around this (the one that
answers the middleware's own refusals in the full stack), with the route's handlers.

Anything else takes the full stack unchanged: reads, requests without `Authorization`
(the web UI's cookie), paths CSRF covers (the web UI), routes with middleware,
a response cache or an opt-out of authentication of their own, public routes, login
attempts, unknown paths and methods. ADR 0027.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar._asgi.utils import is_valid_host
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware.csrf import CSRFMiddleware
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.path import normalize_path
from litestar.utils.scope.state import ScopeState

from api.auth import CookieSession, TokenAuthenticationMiddleware
from api.throttle import LOGIN_ATTEMPT, LoginRateLimitMiddleware

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
THIN = "thin_path"  # scope state: set when a request took the thin path (tests, logs)


def resolve_dependencies_in_turn(app: Litestar) -> None:
    """Resolve each route's dependencies one after another, not concurrently.

    Litestar resolves the dependencies of one "batch" (those that do not depend on each
    other) in an anyio task group: a task, a cancel scope and an event per dependency,
    on every request (~9 % of a command's CPU, py-spy). Ours are cheap and do no I/O
    worth overlapping, so one batch becomes a run of batches of one, in the same order
    (a later batch still comes after every dependency it needs).
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for _handler, model in route.route_handler_map.values():
            model.dependency_batches = [
                {dependency}
                for batch in model.dependency_batches
                for dependency in sorted(batch, key=lambda d: d.key)
            ]


# The middleware `api.auth.auth_middleware` installs, each a no-op for these requests
# but authentication (see the module's doc). A route with any other is not thin.
KNOWN_MIDDLEWARE = (LoginRateLimitMiddleware, CookieSession, TokenAuthenticationMiddleware)


def _known(middleware: Any) -> bool:
    kind = getattr(middleware, "middleware", middleware)  # DefineMiddleware or the class
    return isinstance(kind, type) and issubclass(kind, KNOWN_MIDDLEWARE)


class ThinWrites:
    """In place of Litestar's router (inside the app's exception handler): see the module's
    doc. `router` is the app's `asgi_router`."""

    def __init__(self, app: Litestar, router: Any) -> None:
        self.app = app
        self.router = router
        self.authenticate = TokenAuthenticationMiddleware(router).authenticate_request
        csrf = app.csrf_config
        self.csrf_exclude = CSRFMiddleware(router, csrf).exclude if csrf is not None else None
        self.csrf_opt_key = csrf.exclude_from_csrf_key if csrf is not None else None
        self.routes: dict[tuple[Any, str], Any] = {}  # (handler, path) -> route.handle
        # What else Litestar would put in a route's stack would be skipped: none allowed.
        self.usable = (
            app.compression_config is None and not app.allowed_hosts and app.cors_config is None
        )
        if self.usable:
            for route in app.routes:
                if not isinstance(route, HTTPRoute):
                    continue
                for handler in route.route_handlers:
                    if self._eligible(handler):
                        self.routes[(handler, route.path_format)] = route.handle

    def _eligible(self, handler: Any) -> bool:
        opt = handler.opt
        return (
            bool(WRITES & set(handler.http_methods))
            and not handler.cache
            and all(_known(m) for m in handler.resolve_middleware())
            and opt.get("access") not in (None, "public")
            and opt.get(LOGIN_ATTEMPT) is not True
            and not opt.get("exclude_from_auth")
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handle = self._thin(scope)
        if handle is None:
            await self.router(scope, receive, send)
            return
        await handle(scope, receive, send)

    def _thin(self, scope: Any) -> Any:
        """The route's handling of this request, its scope filled in as the router and the
        middleware would; None when the request must take the full stack."""
        if (
            not self.usable
            or scope["type"] != ScopeType.HTTP
            or scope.get("method") not in WRITES
            or not any(name == b"authorization" for name, _ in scope.get("headers", ()))
        ):
            return None
        path = scope["path"]
        if root_path := scope.get("root_path", ""):
            path = path.split(root_path, maxsplit=1)[-1]
        host = next((value for name, value in scope["headers"] if name == b"host"), None)
        if host is not None and not is_valid_host(host):
            return None  # the router refuses it
        try:
            _stack, handler, normalized, params, template = self.router.handle_routing(
                path=normalize_path(path), method=scope["method"]
            )
        except Exception:  # noqa: BLE001 - unknown path or method: the router answers it
            return None
        handle = self.routes.get((handler, template))
        if handle is None or not self._csrf_exempt(handler, normalized):
            return None
        scope["route_handler"] = handler
        scope["path"] = normalized
        scope["path_params"] = params
        scope["path_template"] = template
        ScopeState.from_scope(scope).exception_handlers = handler.resolve_exception_handlers()
        scope.setdefault("state", {})[THIN] = True
        return self._authenticated(handle)

    def _csrf_exempt(self, handler: Any, path: str) -> bool:
        """Whether Litestar's CSRF middleware would let this request through unchecked
        (its opt-out, or its path excluded): else it is the web UI's and takes the full stack."""
        if self.csrf_exclude is None and self.csrf_opt_key is None:
            return True
        if self.csrf_opt_key and handler.opt.get(self.csrf_opt_key):
            return True
        return bool(self.csrf_exclude and self.csrf_exclude.findall(path))

    def _authenticated(self, handle: ASGIApp) -> ASGIApp:
        async def run(scope: Scope, receive: Receive, send: Send) -> None:
            scope["session"] = {}  # CookieSession's answer to a request with Authorization
            result = await self.authenticate(ASGIConnection(scope))
            scope["user"] = result.user
            scope["auth"] = result.auth
            await handle(scope, receive, send)

        return run
