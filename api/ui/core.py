"""What every page of the web UI shares: templates, the request's language and user,
rendering, and the HTML answers to errors (a login redirect, 403, 404, 500).

The UI is server-rendered (Jinja, htmx for partial updates, SVG made on the server) and
sits on the same services, views and access guard as the JSON API: a page handler
declares `opt["access"]` like an API handler and calls the same projections and
`Tvaers` methods.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import structlog
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template import TemplateConfig

from aggregates.dates import danish_clock, danish_date, danish_time
from aggregates.dates import today as today_in_denmark
from aggregates.errors import NotFound
from aggregates.numbers import format_number
from api.auth import LOGIN_NEXT, HiddenPartnership, Principal, principal_of
from api.links import external_link
from api.ui.drafts import draft_of, local_ui_path, pop_saved
from api.ui.i18n import LANG_COOKIE, labeller, locale_from, translator
from api.ui.refusals import danish, english
from projections.core import InvalidQuery
from projections.runner import StillCatchingUp

log = structlog.get_logger("tvaers.ui")

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PREFIX = "/ui"
STATIC_PREFIX = "/static"


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg", "xml"], default_for_string=True),
        undefined=StrictUndefined,  # a misspelt name in a template fails its test
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["day"] = format_day
    environment.filters["moment"] = format_moment
    # Danish dates and times (issue 15): dd.mm.åååå; tt.mm in Danish time (Europe/Copenhagen)
    environment.filters["danish_date"] = danish_date
    environment.filters["danish_time"] = danish_time
    environment.filters["danish_clock"] = danish_clock
    environment.filters["number"] = format_number  # 30.000, 1.480,25 (aggregates/numbers.py)
    # Every user-supplied address goes through it: a link only for http, https, mailto.
    environment.filters["external_link"] = external_link
    environment.globals["PREFIX"] = PREFIX
    environment.globals["STATIC"] = STATIC_PREFIX
    environment.globals["query"] = query_string
    environment.tests["detour"] = is_detour
    return TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment))


def format_day(value: date | str | None) -> str:
    """A date the Danish way (23.11.2026); ISO strings are accepted (their date part)."""
    return danish_date(value[:10] if isinstance(value, str) else value)


def format_moment(value: datetime | str | None) -> str:
    """A recorded time, to the minute, in Danish time (23.11.2026 07.45)."""
    return danish_time(value)


def query_string(**values: Any) -> str:
    """`?a=1&b=2` of the values that are set (None and "" left out)."""
    kept = {k: v for k, v in values.items() if v is not None and v != ""}
    return "?" + urlencode(kept, doseq=True) if kept else ""


def is_detour(href: str) -> bool:
    """Whether a link leaves a form for another form that returns to it (`next`): a
    "register it first" link, shown as a button that keeps what was typed."""
    query = parse_qs(urlsplit(href).query)
    return local_ui_path(href) is not None and bool(query.get("next"))


def locale_of(request: Request[Any, Any, Any]) -> str:
    return locale_from(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def render(
    request: Request[Any, Any, Any],
    template: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A page in the request's language, with the user and the shared helpers.

    A page shown after a save says once what was saved (`saved`); a form page named by a
    kept draft (api/ui/drafts.py) gets the draft's values back into its form."""
    locale = locale_of(request)
    full_page = status == 200 and request.headers.get("hx-request") != "true"
    saved = pop_saved(request) if full_page else []
    draft = draft_of(request)
    form = context.get("form")
    if draft is not None and full_page and callable(getattr(form, "restore", None)):
        _ = translator(locale)
        form.restore(  # type: ignore[union-attr]
            draft.fields,
            keep_prefilled=draft.purpose == "detour",
            notice=_(
                "Du blev logget ud, før formularen blev gemt. Det, du skrev, er sat ind "
                "igen: tjek det, og gem."
                if draft.purpose == "session"
                else "Det, du havde skrevet, er sat ind igen. Tjek det, og gem."
            ),
        )
    response = Template(
        template_name=template,
        context={
            "_": translator(locale),
            "label": labeller(locale),
            "locale": locale,
            "user": principal_of(request),
            "path": request.url.path,
            "current_url": str(request.url.path)
            + (f"?{request.url.query}" if request.url.query else ""),
            "today": today_in_denmark(),
            "language_links": _language_links(request),
            "saved": saved,
            **_conventions(request),
            **context,
        },
        status_code=status,
        headers=headers,
        media_type=MediaType.HTML,
    )
    chosen = request.query_params.get("lang")
    if chosen in ("da", "en") and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response


def _conventions(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The footer's accessibility statement (the site's own on was.digst.dk, else our
    page saying it is not yet published) and the seconds left of a web session (the
    page warns before it ends: static/tvaers.js; api/ui/conventions.py renews it)."""
    settings = getattr(request.app.state, "settings", None)
    statement = getattr(settings, "accessibility_statement", None)
    principal = principal_of(request)
    seconds = None
    if principal is not None and principal.from_cookie and principal.expires_at is not None:
        seconds = max(0, int((principal.expires_at - datetime.now(UTC)).total_seconds()))
    return {
        "statement_url": statement or f"{PREFIX}/accessibility",
        "session_seconds": seconds,
    }


def _language_links(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The page itself in each language: the same path and query, only `lang` changed."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return {
        code: request.url.path + "?" + urlencode([*kept, ("lang", code)]) for code in ("da", "en")
    }


def user_of(request: Request[Any, Any, Any]) -> Principal:
    """The logged-in user (the access guard has already refused anonymous callers)."""
    principal = principal_of(request)
    if principal is None:
        raise NotAuthorizedException("Log in first.")
    return principal


def redirect_after_post(request: Request[Any, Any, Any], location: str) -> Response[Any]:
    """Where a successful form goes next: a 303, or `HX-Redirect` for an htmx request."""
    if request.headers.get("hx-request") == "true":
        return Response(content=b"", status_code=204, headers={"HX-Redirect": location})
    return Redirect(path=location, status_code=303)


def safe_next(value: str | None) -> str:
    """A local UI path to go back to after logging in (never another site)."""
    if value and (value == PREFIX or value.startswith((PREFIX + "/", PREFIX + "?"))):
        return value
    return PREFIX + "/"


# -- errors as pages ---------------------------------------------------------------------


def _error_page(
    request: Request[Any, Any, Any], status: int, title: str, message: str
) -> Response[Any]:
    _ = translator(locale_of(request))
    return render(
        request,
        "error.html",
        status=status,
        title=_(title),
        message=_(message, id=request.scope.get("state", {}).get("request_id", "")),
    )


def _unauthenticated(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    # After a form posted once the session had ended: back to the form, its input kept.
    here = request.scope.get("state", {}).get(LOGIN_NEXT) or here
    location = f"{PREFIX}/login?next={quote(here, safe='')}"
    if request.headers.get("hx-request") == "true":
        return Response(content=b"", status_code=401, headers={"HX-Redirect": location})
    return Redirect(path=location, status_code=303)


def _forbidden(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return _error_page(
        request, 403, "Ingen adgang", "Du har ikke en tildeling, der giver adgang til denne side."
    )


def _not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, NotFound) and exc.facts.get("kind") == "Partnership":
        return _hidden_partnership(request, exc)  # the same page as one not to be seen
    if isinstance(exc, NotFound) and exc.da is not None:  # "Aktiviteten findes ikke."
        # What was not found is not named (it may be another partnership's): no names.
        said = english(exc, {}) if locale_of(request) == "en" else danish(exc, {})
        return render(
            request,
            "error.html",
            status=404,
            title=translator(locale_of(request))("Siden findes ikke"),
            message=said,
        )
    return _error_page(
        request,
        404,
        "Siden findes ikke",
        "Der er ingen side på denne adresse. Tjek adressen, eller gå til forsiden.",
    )


def _hidden_partnership(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    """A partnership the user may not read answers exactly as one that does not exist
    (api/auth.py HiddenPartnership): nothing tells the two apart, not even the status."""
    return _error_page(
        request,
        404,
        "Partnerskabet findes ikke",
        "Der er intet partnerskab med denne adresse, som du har adgang til. Tjek "
        "adressen, eller find partnerskabet i registret.",
    )


def _not_allowed(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    page = _error_page(
        request,
        405,
        "Det kan ikke lade sig gøre her",
        "Siden kan ikke bruges på den måde (metoden er ikke tilladt). Gå tilbage, og prøv "
        "igen fra siden selv.",
    )
    if isinstance(exc, HTTPException) and exc.headers and "Allow" in exc.headers:
        page.headers["Allow"] = exc.headers["Allow"]
    return page


def _catching_up(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    return _error_page(
        request,
        503,
        "Noget gik galt",
        "Visningerne er ved at indhente de seneste ændringer. Prøv igen om et øjeblik.",
    )


def _http(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 401:
        return _unauthenticated(request, exc)
    if exc.status_code == 403:
        return _forbidden(request, exc)
    if exc.status_code == 404:
        return _not_found(request, exc)
    if exc.status_code == 405:
        return _not_allowed(request, exc)
    if exc.status_code == 429:  # login attempts from this address (api/throttle.py)
        page = _error_page(
            request,
            429,
            "For mange loginforsøg",
            "For mange loginforsøg fra din adresse. Vent et minut, og prøv igen.",
        )
        page.headers.update({"Retry-After": (exc.headers or {}).get("Retry-After", "60")})
        return page
    if 400 <= exc.status_code < 500:
        return _bad_request(request, exc)
    return _error_page(
        request,
        exc.status_code,
        "Noget gik galt",
        "Fejlen er logget med id {id}. Prøv igen, eller kontakt en administrator.",
    )


def _server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("page failed", path=request.url.path, error=type(exc).__name__)
    return _error_page(
        request,
        500,
        "Noget gik galt",
        "Fejlen er logget med id {id}. Prøv igen, eller kontakt en administrator.",
    )


def _bad_request(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The address (its query or path) cannot be read: said in the page's language, not
    the validator's English (that goes to the log)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    log.info("page refused a request", path=request.url.path, status=status, error=str(exc)[:200])
    return _error_page(
        request,
        status,
        "Forkert forespørgsel",
        "Adressen kan ikke læses: et tal, en dato eller et id i den er skrevet forkert. "
        "Gå tilbage, og prøv igen fra siden selv.",
    )


def _database_unavailable(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    page = _error_page(
        request,
        503,
        "Noget gik galt",
        "Databasen svarer ikke lige nu. Prøv igen om et øjeblik.",
    )
    page.headers["Retry-After"] = "5"
    return page


def is_page_request(request: Request[Any, Any, Any]) -> bool:
    """Whether an error should be answered as a page: a path of the web UI, or an unknown
    address a browser asked for (it accepts HTML, and no route matched)."""
    path = request.url.path
    if path == PREFIX or path.startswith(PREFIX + "/"):
        return True
    return request.scope.get("route_handler") is None and "text/html" in request.headers.get(
        "accept", ""
    )


def ui_aware(
    handlers: dict[type[Exception] | int, Any], *, unavailable: tuple[type[Exception], ...] = ()
) -> dict[type[Exception] | int, Any]:
    """The app's exception handlers (the JSON API's problem details), each answering an
    error on a page request (`is_page_request`) with a page in the user's language.

    The UI's router has its own handlers for what its pages raise; these catch what
    happens before a route is found (an unknown address: 404, a wrong method: 405) and
    any exception type the app's table names more precisely than the router's."""

    def wrapped(api_handler: Any) -> Any:
        def handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            if not is_page_request(request):
                return api_handler(request, exc)  # type: ignore[no-any-return]
            if isinstance(exc, unavailable):
                return _database_unavailable(request, exc)
            return _page_for(request, exc)

        return handler

    return {key: wrapped(api_handler) for key, api_handler in handlers.items()}


def _page_for(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    for kind in type(exc).__mro__:
        page = UI_EXCEPTION_HANDLERS.get(kind)
        if page is not None:
            return page(request, exc)  # type: ignore[no-any-return]
    return _server_error(request, exc)


UI_EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    ValidationException: _bad_request,
    InvalidQuery: _bad_request,
    NotAuthorizedException: _unauthenticated,
    HiddenPartnership: _hidden_partnership,
    PermissionDeniedException: _forbidden,
    MethodNotAllowedException: _not_allowed,
    NotFoundException: _not_found,
    NotFound: _not_found,
    StillCatchingUp: _catching_up,
    HTTPException: _http,
    Exception: _server_error,
}
