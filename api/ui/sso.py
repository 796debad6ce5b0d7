"""Single sign-on's pages (the protocol is api/oidc.py; ADR 0021).

`GET /ui/sso/login` sends the browser to the provider; `GET /ui/sso/callback` takes it
back, and after every check makes or updates the account (services/sso.py) and starts a
session as a password login does (`guarded_login`: a locked name stays locked, and the
callback counts as a login attempt for the per-address limit, ADR 0013). A refusal is a
Danish page («Login mislykkedes»); nothing is recorded.
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from aggregates import Meta
from aggregates.account import TokenKind
from api import oidc
from api.auth import SESSION_TOKEN_KEY
from api.controllers.access import SESSION_LIFETIME
from api.readside import ReadSide
from api.throttle import LOGIN_ATTEMPT, LoginThrottled, guarded_login
from api.ui.core import PREFIX, locale_of, render, safe_next
from api.ui.forms import correlation_id
from api.ui.i18n import english, translator
from services.application import Tvaers
from services.sso import SsoRefused, group_grants, sign_in

log = structlog.get_logger("tvaers.sso")

FLOW_KEY = "oidc"  # the session's pending login: state, nonce, PKCE verifier, next page
ID_TOKEN_KEY = "id_token"  # noqa: S105 - the session key's name; the hint for logging out
CALLBACK = f"{PREFIX}/sso/callback"
NOT_SET_UP = "Log ind med brugernavn og adgangskode."


def _refused(request: Request[Any, Any, Any], da: str, status: int = 400) -> Response[Any]:
    _ = translator(locale_of(request))
    session = dict(request.session or {})
    session.pop(FLOW_KEY, None)
    request.set_session(session)
    return render(request, "error.html", status=status, title=_("Login mislykkedes"), message=_(da))


class SingleSignOnPages(Controller):
    path = f"{PREFIX}/sso"
    include_in_schema = False

    @get("/login", opt={"access": "public"}, name="ui-sso-login")
    async def start(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
    ) -> Response[Any]:
        """Off to the provider, with a fresh state, nonce and PKCE challenge."""
        if not oidc.enabled(oidc.settings_of(request)):
            return _refused(request, NOT_SET_UP, status=404)
        try:
            started = await oidc.start(request, oidc.base_url(request) + CALLBACK)
        except SsoRefused as refused:
            return _refused(request, refused.da, status=502)
        session = dict(request.session or {})
        session[FLOW_KEY] = {
            "state": started["state"],
            "nonce": started["nonce"],
            "verifier": started["verifier"],
            "next": safe_next(next),
        }
        request.set_session(session)
        return Redirect(path=started["url"], status_code=303)

    @get("/callback", opt={"access": "public", LOGIN_ATTEMPT: True}, name="ui-sso-callback")
    async def callback(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[Any]:
        """Back from the provider: check everything, then the account and a session."""
        settings = oidc.settings_of(request)
        if not oidc.enabled(settings):
            return _refused(request, NOT_SET_UP, status=404)
        kept = (request.session or {}).get(FLOW_KEY)
        if not isinstance(kept, dict):
            kept = {}
        try:
            identity, id_token = await oidc.finish(request, kept, oidc.base_url(request) + CALLBACK)
        except SsoRefused as refused:
            status = {oidc.PROVIDER_DOWN: 502, oidc.STATE: 400, oidc.SAID_NO: 403}
            return _refused(request, refused.da, status=status.get(refused.da, 401))

        def issue() -> Any:
            username, _ = sign_in(tvaers, identity, group_grants(settings), correlation_id(request))
            meta = Meta(actor=username, correlation_id=correlation_id(request))
            return tvaers.issue_token(
                username, TokenKind.SESSION, "web session (single sign-on)", SESSION_LIFETIME, meta
            )

        try:
            issued = await guarded_login(request, read_side, identity.username, issue)
        except SsoRefused as refused:
            log.warning("single sign-on refused", why=refused.why)
            return _refused(request, refused.da, status=403)
        except LoginThrottled as throttled:
            _ = translator(locale_of(request))
            return _refused(
                request,
                _(
                    "For mange mislykkede loginforsøg. Vent {seconds} sekunder, og prøv igen, "
                    "eller bed en administrator om at ophæve spærringen.",
                    seconds=throttled.retry_after,
                ),
                status=429,
            )
        await read_side.wait_until(issued.result.notification_id)
        # A new session: nothing of the one before (nor the pending login) is kept.
        request.set_session({SESSION_TOKEN_KEY: issued.token, ID_TOKEN_KEY: id_token})
        log.info("logged in", kind="session", via="sso")
        return Redirect(path=safe_next(kept.get("next")), status_code=303)


async def provider_logout(request: Request[Any, Any, Any]) -> str | None:
    """The provider's end-session address for this session, if it began there."""
    id_token = (request.session or {}).get(ID_TOKEN_KEY)
    return await oidc.end_session_url(
        request,
        id_token if isinstance(id_token, str) else None,
        oidc.base_url(request) + f"{PREFIX}/login",
    )


english(
    {
        "Login mislykkedes": "Login failed",
        NOT_SET_UP: "Log in with user name and password.",
        oidc.PROVIDER_DOWN: "The identity provider is not answering as it should right now. "
        "Try again in a moment, or log in with a user name and password if you have one.",
        oidc.NOT_VALID: "The identity provider's answer could not be accepted, so you are not "
        "logged in. Try again; if it happens again, contact your IT department.",
        oidc.STATE: "The login attempt had expired or was not started here. Start again from "
        "the login page.",
        oidc.SAID_NO: "The identity provider did not allow the login. Try again, or contact "
        "your IT department.",
        "Der findes allerede en bruger i Tværs med dit brugernavn, som ikke er knyttet til "
        "dit login hos identitetsudbyderen. Bed en administrator om hjælp.": "Tværs already "
        "has a user with your user name that is not linked to your login at the identity "
        "provider. Ask an administrator for help.",
        "Din bruger i Tværs er deaktiveret. Bed en administrator om at genaktivere den.": "Your "
        "Tværs user is deactivated. Ask an administrator to reactivate it.",
        "Identitetsudbyderen sendte ikke de oplysninger, Tværs skal bruge for at logge dig ind "
        "(brugernavn). Kontakt din it-afdeling.": "The identity provider did not send what "
        "Tværs needs to log you in (a user name). Contact your IT department.",
        "Log ind med {provider}": "Log in with {provider}",
        "Eller log ind med dit brugernavn og din adgangskode i Tværs:": "Or log in with "
        "your Tværs user name and password:",
        "Du er logget ud": "You are logged out",
        "Du er logget ud af Tværs. Du er stadig logget ind hos {provider}, som du brugte til "
        "at logge ind.": "You are logged out of Tværs. You are still logged in at "
        "{provider}, which you logged in with.",
        "Log også ud hos {provider}": "Log out at {provider} too",
        "Til loginsiden": "To the login page",
    }
)
