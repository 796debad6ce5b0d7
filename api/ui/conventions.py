"""What a Danish public body's site owes its users (issue 16): the privacy page (what is
kept about persons, why, who sees it, how long, how erasure works), the accessibility
statement's page when the site's own statement on was.digst.dk is not set
(`TVAERS_ACCESSIBILITY_STATEMENT`), and renewing a session before it ends (the warning
in static/tvaers.js, WCAG 2.2.1).

The footer of every page (templates/base.html) links to both pages.
"""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Controller, Request, get, post
from litestar.concurrency import sync_to_thread
from litestar.di import NamedDependency
from litestar.response import Response, Template

from aggregates import Meta
from aggregates.account import TokenKind
from api.auth import SESSION_TOKEN_KEY
from api.controllers.access import SESSION_LIFETIME
from api.readside import ReadSide
from api.ui.core import PREFIX, render, user_of
from api.ui.forms import correlation_id
from services.application import Tvaers
from services.commands import Envelope, RevokeToken
from services.settings import Settings

log = structlog.get_logger("tvaers.ui")


class ConventionPages(Controller):
    path = PREFIX
    include_in_schema = False

    @get("/privacy", opt={"access": "public"}, name="ui-privacy")
    async def privacy(self, request: Request[Any, Any, Any]) -> Template:
        """Personal data in Tværs: what, why, who sees it, how long, erasure."""
        return render(request, "privacy.html")

    @get("/accessibility", opt={"access": "public"}, name="ui-accessibility")
    async def accessibility(self, request: Request[Any, Any, Any]) -> Template:
        """Shown only while the site's own statement (was.digst.dk) is not set."""
        settings: Settings = request.app.state.settings
        return render(request, "accessibility.html", statement=settings.accessibility_statement)

    @post("/session/renew", opt={"access": "authenticated"}, status_code=200)
    async def renew(
        self,
        request: Request[Any, Any, Any],
        tvaers: NamedDependency[Tvaers],
        read_side: NamedDependency[ReadSide],
    ) -> Response[dict[str, int]]:
        """«Forlæng»: a new session token of the full lifetime replaces the one in use
        (revoked, so a copy of the old cookie stops working); the answer says how many
        seconds the new session has."""
        principal = user_of(request)
        if not principal.from_cookie or principal.token_kind != TokenKind.SESSION:
            return Response({"seconds": 0}, status_code=409)  # a bearer token: nothing to renew
        meta = Meta(actor=principal.username, correlation_id=correlation_id(request))

        def swap() -> Any:
            issued = tvaers.issue_token(
                principal.username, TokenKind.SESSION, "web session", SESSION_LIFETIME, meta
            )
            revoked = tvaers.execute(
                RevokeToken(username=principal.username, token_id=principal.token_id),
                Envelope(meta),
            )
            return issued, revoked

        issued, revoked = await sync_to_thread(swap)
        await read_side.wait_until(revoked.notification_id)
        await read_side.store.access_changes_sent()  # every API process forgets it (ADR 0025)
        kept = {k: v for k, v in (request.session or {}).items() if k != SESSION_TOKEN_KEY}
        request.set_session({**kept, SESSION_TOKEN_KEY: issued.token})
        log.info("session renewed", via="ui")
        return Response({"seconds": int(SESSION_LIFETIME.total_seconds())})
