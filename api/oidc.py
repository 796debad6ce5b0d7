"""Single sign-on over OpenID Connect: authorization code with PKCE, by Authlib (ADR 0021).

The protocol, without pages (those are api/ui/sso.py): `start` gives the provider's
authorization URL with a fresh state, nonce and PKCE code challenge (the caller keeps
them in the encrypted session cookie); `finish` takes the provider's answer back: the
state must be the one kept; Authlib exchanges the code (with the PKCE verifier) and
validates the ID token -- its signature against the provider's JWKS, issuer, audience,
expiry and nonce -- and only then are the claims read into an `Identity`
(services/sso.py finds or makes the account). Anything else -- a wrong audience, an
expired or tampered token, a state mismatch, the provider down -- raises `SsoRefused`
with a Danish sentence, after a log line saying why (never a token or a code).

Logging out of a session begun by single sign-on ends the provider's session too, where
the provider offers `end_session_endpoint` (RP-initiated logout with `id_token_hint`).
"""

from __future__ import annotations

import time
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
from litestar import Request

from services.settings import Settings
from services.sso import Identity, SsoRefused, client_secret, identity_of

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns when it falls back to httpx, which
    # the project already uses (and whose errors are caught below). ADR 0021.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

log = structlog.get_logger("tvaers.sso")

LEEWAY_SECONDS = 60  # clock skew allowed on exp/iat
METADATA_MAX_AGE = 24 * 3600  # seconds the discovery document (and keys) are kept

PROVIDER_DOWN = (
    "Identitetsudbyderen svarer ikke, som den skal, lige nu. Prøv igen om lidt, eller log "
    "ind med brugernavn og adgangskode, hvis du har en."
)
NOT_VALID = (
    "Svaret fra identitetsudbyderen kunne ikke godkendes, så du er ikke logget ind. "
    "Prøv igen. Sker det igen, så kontakt din it-afdeling."
)
STATE = "Loginforsøget var udløbet eller blev ikke startet her. Start forfra fra loginsiden."
SAID_NO = (
    "Identitetsudbyderen gav ikke lov til at logge ind. Prøv igen, eller kontakt din it-afdeling."
)


class _Provider(AsyncOAuth2Mixin, AsyncOpenIDMixin, BaseApp):  # type: ignore[misc]
    """Authlib's framework-independent OpenID Connect client (the parts the Starlette
    and Django integrations build on); the state lives in our session cookie."""

    client_cls = AsyncOAuth2Client


def settings_of(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def enabled(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def base_url(request: Request[Any, Any, Any]) -> str:
    """The address users reach Tværs at: TVAERS_PUBLIC_URL, else the request's."""
    configured = settings_of(request).public_url
    return (configured or str(request.base_url)).rstrip("/")


def _provider(request: Request[Any, Any, Any]) -> _Provider:
    """One client per app: the provider's metadata and keys are fetched once a day (the
    keys again when a token names one not known: key rotation)."""
    state = request.app.state
    provider = state.get("oidc_provider")
    if provider is None:
        settings = settings_of(request)
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


async def _metadata(provider: _Provider, issuer: str) -> dict[str, Any]:
    loaded_at = provider.server_metadata.get("_loaded_at")
    if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE:
        provider.server_metadata.clear()  # read the discovery document and keys anew
    metadata: dict[str, Any] = await provider.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer asked.
        provider.server_metadata.clear()
        raise SsoRefused("the discovery document names another issuer", PROVIDER_DOWN)
    return metadata


async def start(request: Request[Any, Any, Any], redirect_uri: str) -> dict[str, str]:
    """The authorization URL (`url`) and what to keep until the provider answers
    (`state`, `nonce`, `verifier`). SsoRefused when the provider cannot be reached."""
    provider = _provider(request)
    try:
        await _metadata(provider, str(settings_of(request).oidc_issuer))
        started = await provider.create_authorization_url(redirect_uri)
    except SsoRefused as refused:
        log.warning("single sign-on refused", why=refused.why)
        raise
    except (httpx.HTTPError, ValueError, KeyError, RuntimeError) as error:
        log.warning(
            "single sign-on refused", why="provider unreachable", error=type(error).__name__
        )
        raise SsoRefused("provider unreachable", PROVIDER_DOWN) from None
    return {
        "url": started["url"],
        "state": started["state"],
        "nonce": started["nonce"],
        "verifier": started["code_verifier"],
    }


async def finish(
    request: Request[Any, Any, Any], kept: dict[str, Any], redirect_uri: str
) -> tuple[Identity, str]:
    """The identity the provider vouches for, and its ID token (the hint for logging
    out), from the callback's query and what `start` kept; else SsoRefused."""
    settings = settings_of(request)
    params = request.query_params
    if params.get("error"):
        # Checked before the state: an error answer logs no one in whatever its state,
        # and some providers leave the state out of it.
        log.info("single sign-on refused", why="provider said no", error=params.get("error"))
        raise SsoRefused("provider said no", SAID_NO)
    state = params.get("state")
    if not state or state != kept.get("state"):
        log.warning("single sign-on refused", why="state mismatch")
        raise SsoRefused("state mismatch", STATE)
    provider = _provider(request)
    issuer = str(settings.oidc_issuer)
    try:
        await _metadata(provider, issuer)
        token = await provider.fetch_access_token(
            redirect_uri=redirect_uri,
            code=params.get("code", ""),
            code_verifier=kept.get("verifier"),
        )
        if "id_token" not in token:
            raise SsoRefused("no ID token in the token response", NOT_VALID)
        claims = await provider.parse_id_token(
            token,
            nonce=kept.get("nonce"),
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
        raise
    except (httpx.HTTPError, OAuthError) as error:
        log.warning(
            "single sign-on refused",
            why="token request failed",
            error=type(error).__name__,
            detail=getattr(error, "error", None),
        )
        raise SsoRefused("token request failed", PROVIDER_DOWN) from None
    except (joserfc.errors.JoseError, ValueError, KeyError, TypeError) as error:
        # A bad signature, another audience or issuer, an expired token, a wrong nonce.
        log.warning(
            "single sign-on refused",
            why="ID token not valid",
            error=type(error).__name__,
            detail=str(getattr(error, "description", "") or getattr(error, "error", "")),
        )
        raise SsoRefused("ID token not valid", NOT_VALID) from None
    return identity, str(token["id_token"])


async def end_session_url(
    request: Request[Any, Any, Any], id_token: str | None, post_logout_redirect_uri: str
) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout),
    or None: no single sign-on session, or a provider that offers no end_session_endpoint
    (or cannot be reached: the session here has ended anyway)."""
    settings = settings_of(request)
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
            "post_logout_redirect_uri": post_logout_redirect_uri,
            "client_id": settings.oidc_client_id,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
