"""Logging in and out, and the dashboard: my partnerships and my agenda."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Controller, Request, Response, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from aggregates import Meta
from aggregates.account import TokenKind
from aggregates.dates import today as today_in_denmark
from api import oidc
from api.auth import ENDED_SESSION_KEY, SESSION_TOKEN_KEY
from api.controllers.access import SESSION_LIFETIME
from api.readside import ReadSide
from api.throttle import LOGIN_ATTEMPT, LoginThrottled, guarded_login
from api.ui import sso
from api.ui.core import PREFIX, locale_of, render, safe_next, user_of
from api.ui.forms import Field, Form, correlation_id, meta_of, parse
from api.ui.i18n import english, translator
from projections import agenda as agenda_view
from projections import registry
from services.application import Tvaers
from services.commands import Envelope, RevokeToken
from services.errors import InvalidCredentials
from services.settings import Settings

log = structlog.get_logger("tvaers.ui")

LOGIN_FIELDS = (
    Field("username", "Brugernavn", required=True, max_length=200),
    Field("password", "Adgangskode", "password", required=True, max_length=1000),
)
AGENDA_DAYS = 60
DASHBOARD_SIZE = 30


def _login_page(request: Request[Any, Any, Any], status: int = 200, **context: Any) -> Template:
    """The login page: the password form where local passwords are on, and «Log ind med
    <provider>» where single sign-on is set up (api/oidc.py)."""
    settings: Settings = request.app.state.settings
    return render(
        request,
        "login.html",
        status=status,
        sso_name=settings.oidc_provider_name if oidc.enabled(settings) else None,
        local_passwords=settings.local_passwords or not oidc.enabled(settings),
        **context,
    )


class SessionPages(Controller):
    path = PREFIX
    include_in_schema = False

    @get("/login", opt={"access": "public"}, name="ui-login")
    async def login_form(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
    ) -> Any:
        form = Form(fields=LOGIN_FIELDS)
        back = safe_next(next)
        if "draft=" in back:  # a form posted after the session ended: its input is kept
            form.notice = translator(locale_of(request))(
                "Du er blevet logget ud. Det, du skrev, er gemt: log ind igen som dig selv, "
                "så kommer du tilbage til formularen med det hele."
            )
        return _login_page(request, form=form, next=back)

    @post("/login", opt={"access": "public", LOGIN_ATTEMPT: True}, status_code=200)
    async def login(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        """Check the password and start a 12-hour session in the encrypted cookie."""
        _ = translator(locale_of(request))
        data = await request.form()
        clean, raw, errors = parse(LOGIN_FIELDS, data, locale_of(request))
        next_page = safe_next(data.get("next"))
        settings: Settings = request.app.state.settings
        if not settings.local_passwords and oidc.enabled(settings):
            form = Form(fields=LOGIN_FIELDS)
            form.message = _("Log ind med {provider}.", provider=settings.oidc_provider_name)
            return _login_page(request, status=403, form=form, next=next_page)
        if "username" in errors:
            errors["username"] = _("Skriv dit brugernavn.")
        if "password" in errors:
            errors["password"] = _("Skriv din adgangskode.")
        form = Form(fields=LOGIN_FIELDS, values={"username": raw["username"]}, errors=errors)
        if errors:
            return _login_page(request, status=422, form=form, next=next_page)

        def issue() -> Any:
            account = tvaers.authenticate(clean["username"], clean["password"])
            meta = Meta(actor=account.username, correlation_id=correlation_id(request))
            return tvaers.issue_token(
                account.username, TokenKind.SESSION, "web session", SESSION_LIFETIME, meta
            )

        try:
            issued = await guarded_login(request, read_side, clean["username"], issue)
        except LoginThrottled as throttled:
            form.message = _(
                "For mange mislykkede loginforsøg. Vent {seconds} sekunder, og prøv igen, "
                "eller bed en administrator om at ophæve spærringen.",
                seconds=throttled.retry_after,
            )
            response = _login_page(request, status=429, form=form, next=next_page)
            response.headers["Retry-After"] = str(throttled.retry_after)
            return response
        except InvalidCredentials:
            log.warning("login refused", username=clean["username"][:64], kind="session")
            form.message = _("Forkert brugernavn eller adgangskode.")
            return _login_page(request, status=401, form=form, next=next_page)
        await read_side.wait_until(issued.result.notification_id)
        request.set_session({SESSION_TOKEN_KEY: issued.token})
        log.info("logged in", kind="session", via="ui")
        return Redirect(path=next_page, status_code=303)

    @post("/logout", opt={"access": "authenticated"}, status_code=303)
    async def logout(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        """End the session: its token is revoked, the cookie cleared."""
        principal = user_of(request)
        meta = meta_of(request, {})
        revoke = RevokeToken(username=principal.username, token_id=principal.token_id)
        result = await sync_to_thread(tvaers.execute, revoke, Envelope(meta))
        # A session begun by single sign-on ends at the provider too, where it can.
        provider_logout = await sso.provider_logout(request)
        # The token goes; whose session it was stays (encrypted), so a form another tab
        # posts after this keeps its input for this account (api/ui/drafts.py).
        request.set_session({ENDED_SESSION_KEY: str(principal.account_id)})
        await read_side.wait_until(result.notification_id)
        await read_side.store.access_changes_sent()  # every API process forgets it (ADR 0025)
        if provider_logout:
            # A page with a link, not a redirect: the CSP's form-action 'self' (ADR 0012)
            # stops a form's redirect to another site, and the user may want to stay
            # logged in at the provider (their mail, their other systems).
            settings: Settings = request.app.state.settings
            return render(
                request,
                "sso_logged_out.html",
                provider_logout=provider_logout,
                sso_name=settings.oidc_provider_name,
            )
        return Redirect(path=f"{PREFIX}/login", status_code=303)

    @get("/", opt={"access": "authenticated"}, name="ui-dashboard")
    async def dashboard(
        self, request: Request[Any, Any, Any], read_side: NamedDependency[ReadSide]
    ) -> Template:
        """My partnerships (the ones my grants cover) and what is due in them."""
        principal = user_of(request)
        visible = principal.visibility
        listing = await registry.listing(read_side.store, visible=visible, limit=DASHBOARD_SIZE)
        agenda = await agenda_view.agenda(
            read_side.store, visible=visible, today=today_in_denmark(), within_days=AGENDA_DAYS
        )
        return render(
            request,
            "dashboard.html",
            partnerships=listing.items,
            more=listing.next_cursor is not None,
            agenda=agenda,
            days=AGENDA_DAYS,
        )


english(
    {
        "Du er blevet logget ud. Det, du skrev, er gemt: log ind igen som dig selv, "
        "så kommer du tilbage til formularen med det hele.": "You have been logged out. "
        "What you typed is kept: log in again as yourself to get back to the form with it.",
        "Vis adgangskode": "Show password",
        "For mange mislykkede loginforsøg. Vent {seconds} sekunder, og prøv igen, "
        "eller bed en administrator om at ophæve spærringen.": "Too many failed logins. "
        "Wait {seconds} seconds and try again, or ask an administrator to lift the lock.",
        "For mange loginforsøg": "Too many login attempts",
        "Log ind med {provider}.": "Log in with {provider}.",
        "For mange loginforsøg fra din adresse. Vent et minut, og prøv igen.": "Too many "
        "login attempts from your address. Wait a minute and try again.",
    }
)


@get("/", opt={"access": "public"}, include_in_schema=False)
async def root() -> Redirect:
    """The service's front door is the web UI."""
    return Redirect(path=f"{PREFIX}/", status_code=302)
