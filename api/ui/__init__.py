"""The web UI (Danish first, English second), server-rendered on the API's services.

`ui_handlers()` gives the app its pages under /ui and the static files under /static;
`csrf_config()` protects the UI's forms (double-submit token, Litestar's CSRF
middleware); the JSON API is left out of it, as it authenticates writes with a bearer
token or a SameSite session cookie and takes no form posts.
"""

from __future__ import annotations

from litestar import Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router
from litestar.types import ControllerRouterHandler

from api.auth import SIGNED_OUT
from api.ui.actions import ACTION_PAGES
from api.ui.conventions import ConventionPages
from api.ui.core import PREFIX, STATIC, STATIC_PREFIX, UI_EXCEPTION_HANDLERS, template_config
from api.ui.detours import DetourPages
from api.ui.drafts import DraftMiddleware, keep_on_sign_out
from api.ui.evaluation import EvaluationPages
from api.ui.pages import SessionPages, root
from api.ui.partnership import PartnershipPages
from api.ui.registry import RegistryPages
from api.ui.sso import SingleSignOnPages

__all__ = ["csrf_config", "template_config", "ui_handlers"]

UI_CONTROLLERS: list[ControllerRouterHandler] = [
    SessionPages,
    SingleSignOnPages,  # single sign-on over OpenID Connect (api/ui/sso.py, api/oidc.py)
    RegistryPages,
    PartnershipPages,
    *ACTION_PAGES,
    EvaluationPages,
    DetourPages,
    ConventionPages,  # privacy, accessibility statement, renewing a session (issue 16)
]


def ui_handlers() -> list[ControllerRouterHandler]:
    pages = Router(
        path="/",
        route_handlers=UI_CONTROLLERS,
        exception_handlers=UI_EXCEPTION_HANDLERS,
        include_in_schema=False,
        # Nothing typed is lost (api/ui/drafts.py): a form posted after the session ended
        # is kept for its account; a page named by a kept draft gets it back.
        opt={SIGNED_OUT: keep_on_sign_out},
        middleware=[DraftMiddleware],
    )
    static = create_static_files_router(
        path=STATIC_PREFIX,
        directories=[STATIC],
        opt={"access": "public"},
        cache_control=CacheControlHeader(max_age=3600, public=True),
        include_in_schema=False,
    )
    return [pages, static, root]


def csrf_config(secret: bytes, *, secure: bool) -> CSRFConfig:
    return CSRFConfig(
        secret=secret.hex(),
        cookie_name="tvaers_csrf",
        cookie_secure=secure,
        cookie_httponly=False,  # htmx reads none of it: the token is in the page
        cookie_samesite="strict",
        # Only the UI's pages and forms; the JSON API is outside (see the module's doc).
        exclude=[rf"^/(?!{PREFIX[1:]}(?:/|$)).+"],
    )
