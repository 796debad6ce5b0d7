"""Single sign-on over OpenID Connect: authorization code with PKCE, by Authlib (ADR 0021).

"Log ind med <provider>" on the login page leads to `GET /ui/sso/login`, which sends the
browser to the provider with a fresh state, nonce and PKCE code challenge (kept in the
encrypted session cookie). The provider sends it back to `GET /ui/sso/callback`: the
state must be the one kept; Authlib exchanges the code (with the PKCE verifier) and
validates the ID token -- its signature against the provider's JWKS, issuer, audience,
expiry and nonce. Only then does services/sso.py find or make the account (bound to
issuer + subject) and sync its grants; a session starts as after a password login.
Anything else -- a wrong audience, an expired or tampered token, a state mismatch, the
provider down -- answers a Danish page, records nothing and logs why (never a token).

Logging out of a session begun here ends the provider's session too, where the provider
offers `end_session_endpoint` (RP-initiated logout with `id_token_hint`).
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import urlencode

import httpx
import joserfc.errors
import structlog
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.integrations.base_client import BaseApp, OAuthError
from authlib.integrations.base_client.async_app import AsyncOAuth2Mixin
from authlib.integrations.base_client.async_openid import AsyncOpenIDMixin
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect

from aggregates import Meta
from aggregates.account import TokenKind
from api.auth import SESSION_TOKEN_KEY
from api.controllers.access import SESSION_LIFETIME
from api.readside import ReadSide
from api.throttle import LOGIN_ATTEMPT, LoginThrottled, guarded_login
from api.ui.core import PREFIX, locale_of, render, safe_next
from api.ui.forms import correlation_id
from api.ui.i18n import english, translator
from services.application import Tvaers
from services.settings import Settings
from services.sso import SsoRefused, client_secret, group_grants, identity_of, sign_in

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns when it falls back to httpx, which
    # the project already uses (and whose errors are caught below). ADR 0021.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

log = structlog.get_logger("tvaers.sso")

FLOW_KEY = "oidc"  # the session's pending login: state, nonce, PKCE verifier, next page
ID_TOKEN_KEY = "id_token"  # noqa: S105 - the session key's name; the hint for logging out
CALLBACK = f"{PREFIX}/sso/callback"
LEEWAY_SECONDS = 60  # clock skew allowed on exp/iat


class _Provider(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's framework-independent OpenID Connect client (the parts the Starlette
    and Django integrations build on); the state lives in our session cookie."""

    client_cls = AsyncOAuth2Client


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _provider(request: Request[Any, Any, Any]) -> _Provider:
    """One client per app: the provider's metadata and keys are fetched once (the keys
    again when a token names one not known: key rotation)."""
    state = request.app.state
    provider = state.get("oidc_provider")
    if provider is None:
        settings: Settings = state.settings
        issuer = str(settings.oidc_issuer).rstrip("/")
        provider = _Provider(
            None,
            name="oidc",
            client_id=settings.oidc_client_id,
            client_secret=client_secret(settings),
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.oidc_scopes,
                "code_challenge_method": "S256",
                "timeout": 10,
            },
        )
        state.oidc_provider = provider
    assert isinstance(provider, _Provider)
    return provider


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _base(request: Request[Any, Any, Any]) -> str:
    configured = _settings(request).public_url
    return (configured or str(request.base_url)).rstrip("/")


async def _metadata(provider: _Provider, issuer: str) -> dict[str, Any]:
    metadata: dict[str, Any] = await provider.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer asked.
        provider.server_metadata.clear()
        raise SsoRefused("the discovery document names another issuer", _PROVIDER_DOWN)
    return metadata


_PROVIDER_DOWN = (
    "Identitetsudbyderen svarer ikke, som den skal, lige nu. Prøv igen om lidt, eller log "
    "ind med brugernavn og adgangskode, hvis du har en."
)
_NOT_VALID = (
    "Svaret fra identitetsudbyderen kunne ikke godkendes, så du er ikke logget ind. "
    "Prøv igen. Sker det igen, så kontakt din it-afdeling."
)
_STATE = "Loginforsøget var udløbet eller blev ikke startet her. Start forfra fra loginsiden."


def _refused(request: Request[Any, Any, Any], da: str, status: int = 400) -> Response[Any]:
    _ = translator(locale_of(request))
    session = dict(request.session or {})
    session.pop(FLOW_KEY, None)
    request.set_session(session)
    return render(
        request,
        "error.html",
        status=status,
        title=_("Login mislykkedes"),
        message=_(da),
    )


class SingleSignOnPages(Controller):
    path = f"{PREFIX}/sso"
    include_in_schema = False

    @get("/login", opt={"access": "public"}, name="ui-sso-login")
    async def start(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
    ) -> Response[Any]:
        """Off to the provider, with a fresh state, nonce and PKCE challenge."""
        if not enabled(_settings(request)):
            return _refused(request, "Log ind med brugernavn og adgangskode.", status=404)
        provider = _provider(request)
        try:
            await _metadata(provider, str(_settings(request).oidc_issuer))
            started = await provider.create_authorization_url(_base(request) + CALLBACK)
        except SsoRefused as refused:
            log.warning("single sign-on refused", why=refused.why)
            return _refused(request, refused.da, status=502)
        except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as error:
            log.warning(
                "single sign-on refused", why="provider unreachable", error=type(error).__name__
            )
            return _refused(request, _PROVIDER_DOWN, status=502)
        session = dict(request.session or {})
        session[FLOW_KEY] = {
            "state": started["state"],
            "nonce": started["nonce"],
            "verifier": started["code_verifier"],
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
        settings = _settings(request)
        if not enabled(settings):
            return _refused(request, "Log ind med brugernavn og adgangskode.", status=404)
        flow = (request.session or {}).get(FLOW_KEY)
        params = request.query_params
        state = params.get("state")
        if not isinstance(flow, dict) or not state or state != flow.get("state"):
            log.warning("single sign-on refused", why="state mismatch")
            return _refused(request, _STATE)
        if params.get("error"):
            log.info("single sign-on refused", why="provider said no", error=params.get("error"))
            return _refused(
                request,
                "Identitetsudbyderen gav ikke lov til at logge ind. Prøv igen, eller kontakt "
                "din it-afdeling.",
                status=403,
            )
        provider = _provider(request)
        issuer = str(settings.oidc_issuer)
        try:
            await _metadata(provider, issuer)
            token = await provider.fetch_access_token(
                redirect_uri=_base(request) + CALLBACK,
                code=params.get("code", ""),
                code_verifier=flow.get("verifier"),
            )
            if "id_token" not in token:
                raise SsoRefused("no ID token in the token response", _NOT_VALID)
            claims = await provider.parse_id_token(
                token,
                nonce=flow.get("nonce"),
                claims_options={
                    "iss": {"essential": True, "value": issuer},
                    "aud": {"essential": True, "value": settings.oidc_client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                    "nonce": {"essential": True},
                },
                leeway=LEEWAY_SECONDS,
            )
            identity = identity_of(dict(claims), settings)
        except SsoRefused as refused:
            log.warning("single sign-on refused", why=refused.why)
            return _refused(request, refused.da, status=401)
        except (httpx.HTTPError, OAuthError) as error:
            log.warning(
                "single sign-on refused",
                why="token request failed",
                error=type(error).__name__,
                detail=getattr(error, "error", None),
            )
            return _refused(request, _PROVIDER_DOWN, status=502)
        except (joserfc.errors.JoseError, ValueError, KeyError, TypeError) as error:
            # A bad signature, another audience or issuer, an expired token, a wrong nonce.
            log.warning(
                "single sign-on refused",
                why="ID token not valid",
                error=type(error).__name__,
                detail=str(getattr(error, "description", "") or getattr(error, "error", "")),
            )
            return _refused(request, _NOT_VALID, status=401)

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
        request.set_session({SESSION_TOKEN_KEY: issued.token, ID_TOKEN_KEY: token["id_token"]})
        log.info("logged in", kind="session", via="sso")
        return Redirect(path=safe_next(flow.get("next")), status_code=303)


async def end_session_url(request: Request[Any, Any, Any], id_token: str | None) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout),
    or None: no single sign-on session, or a provider that offers no end_session_endpoint
    (or cannot be reached: the session here has ended anyway)."""
    settings = _settings(request)
    if not id_token or not enabled(settings):
        return None
    try:
        metadata = await _metadata(_provider(request), str(settings.oidc_issuer))
    except (SsoRefused, httpx.HTTPError, ValueError):
        log.warning("single sign-on logout: provider metadata unavailable")
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": f"{_base(request)}{PREFIX}/login",
            "client_id": settings.oidc_client_id,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


english(
    {
        "Login mislykkedes": "Login failed",
        "Log ind med brugernavn og adgangskode.": "Log in with user name and password.",
        _PROVIDER_DOWN: "The identity provider is not answering as it should right now. Try "
        "again in a moment, or log in with a user name and password if you have one.",
        _NOT_VALID: "The identity provider's answer could not be accepted, so you are not "
        "logged in. Try again; if it happens again, contact your IT department.",
        _STATE: "The login attempt had expired or was not started here. Start again from "
        "the login page.",
        "Identitetsudbyderen gav ikke lov til at logge ind. Prøv igen, eller kontakt din "
        "it-afdeling.": "The identity provider did not allow the login. Try again, or "
        "contact your IT department.",
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
