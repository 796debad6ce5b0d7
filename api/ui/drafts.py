"""Nothing typed is lost: form drafts kept across a session's end and "register it first"
detours, and the confirmation shown once after a save (ADR 0018).

- `keep_on_sign_out` is the UI router's SIGNED_OUT hook (api/auth.py): a form posted after
  the session ended is kept (projections/drafts.py) for the account the session was, and
  the login page's `next` goes back to the form with the draft's id.
- `DraftMiddleware` takes the draft named by a page's `?draft=` for the logged-in user
  (never another account's) before the page is made; `render()` (api/ui/core.py) puts
  its values back into the page's form with a notice.
- `remember_saved` / `pop_saved`: the "Gemt: ..." sentences, kept in the (encrypted)
  session cookie until the next page shows them once; a URL cannot put one there.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import UUID

import structlog
from litestar import Request
from litestar.datastructures import FormMultiDict
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.auth import Principal, principal_of
from api.readside import ReadSide
from api.ui.i18n import english
from projections import drafts

log = structlog.get_logger("tvaers.ui.drafts")

PREFIX = "/ui"
DRAFT_PARAM = "draft"
DRAFT_STATE = "draft"  # scope state: the Draft taken for this page
SAVED_KEY = "saved"  # session key: sentences saying what was just saved
MAX_SAVED = 5  # sentences shown (a command writes one to a few events)
MAX_SENTENCE = 300
# What a detour's target fills in itself on return: dropped from the form's address.
DETOUR_CHOSEN = ("organisation_id", "person_id")
# Posted fields that say nothing typed (a form with only these is not kept).
BOOKKEEPING = frozenset({"version", "next", "kind", "form"})


def _read_side(request: Request[Any, Any, Any]) -> ReadSide:
    read_side: ReadSide = request.app.state.read_side
    return read_side


def posted_values(form: FormMultiDict) -> dict[str, str | list[str]]:
    """A posted form's text values by name (a name posted more than once: a list)."""
    values: dict[str, str | list[str]] = {}
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue  # a file: never kept
        if name in values:
            before = values[name]
            values[name] = [*before, value] if isinstance(before, list) else [before, value]
        else:
            values[name] = value
    return values


def typed_anything(values: Mapping[str, str | list[str]]) -> bool:
    kept = drafts.kept_values(values)
    return any(v not in ("", []) for k, v in kept.items() if k not in BOOKKEEPING)


def local_ui_path(value: str | None) -> str | None:
    """`value` as a path of the web UI (path and query), or None if it is not one."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "\\" in value:
        return None
    if parts.path != PREFIX and not parts.path.startswith(PREFIX + "/"):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


def with_query(
    url: str, *, drop: tuple[str, ...] = (), add: Mapping[str, str] | None = None
) -> str:
    """The URL with the parameters in `drop` (and those added) removed, then `add` added."""
    add = add or {}
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query) if k not in drop and k not in add]
    kept.extend(add.items())
    return urlunsplit(("", "", parts.path, urlencode(kept), ""))


def form_address(request: Request[Any, Any, Any]) -> str:
    """The page the posted form was on: the Referer when it is this site's UI page (it
    keeps the form's own query, like a chosen organisation, and is right for a form that
    posts elsewhere), else the posted path."""
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        if parts.netloc == request.url.netloc:
            local = local_ui_path(urlunsplit(("", "", parts.path, parts.query, "")))
            if local and not local.startswith(PREFIX + "/login"):
                return local
    return request.url.path


async def keep_on_sign_out(request: Request[Any, Any, Any], account_id: UUID) -> str | None:
    """The SIGNED_OUT hook: keep the posted form for `account_id`; where to go after
    logging in again (the form, with the draft's id), or None when nothing was kept."""
    if not request.url.path.startswith(PREFIX + "/"):
        return None
    values = posted_values(await request.form())
    if not typed_anything(values):
        return None
    back = with_query(form_address(request), drop=(DRAFT_PARAM,))
    try:
        draft_id = await drafts.keep(
            _read_side(request).store,
            account_id=account_id,
            path=back,
            purpose="session",
            values=values,
            now=datetime.now(UTC),
        )
    except drafts.DraftTooLarge as error:
        log.warning("form draft not kept", why="too large", size=str(error))
        return None
    log.info("form draft kept", purpose="session", path=urlsplit(back).path)
    return with_query(back, add={DRAFT_PARAM: str(draft_id)})


async def keep_for_detour(request: Request[Any, Any, Any], then: str) -> str:
    """Keep the posted form for a "register it first" detour to `then` (a page whose
    `next` is the form); where to go: `then` with `next` naming the draft."""
    principal = principal_of(request)
    target = local_ui_path(then)
    if target is None or principal is None:
        return PREFIX + "/"
    back = local_ui_path(dict(parse_qsl(urlsplit(target).query)).get("next"))
    if back is None:
        return target
    back = with_query(back, drop=(DRAFT_PARAM, *DETOUR_CHOSEN))
    values = posted_values(await request.form())
    try:
        draft_id = await drafts.keep(
            _read_side(request).store,
            account_id=principal.account_id,
            path=back,
            purpose="detour",
            values=values,
            now=datetime.now(UTC),
        )
    except drafts.DraftTooLarge as error:
        log.warning("form draft not kept", why="too large", size=str(error))
        return target
    log.info("form draft kept", purpose="detour", path=urlsplit(back).path)
    return with_query(target, add={"next": with_query(back, add={DRAFT_PARAM: str(draft_id)})})


class DraftMiddleware:
    """Takes the draft a page's `?draft=` names, for the logged-in user only, into the
    scope state (`render()` puts it into the page's form). Another account's draft, an
    expired one or a malformed id: nothing (the page shows as usual)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope.get("method") == "GET":
            await self._take(scope)
        await self.app(scope, receive, send)

    async def _take(self, scope: Scope) -> None:
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        raw = query.get(DRAFT_PARAM)
        principal = scope.get("user")
        if not raw or not isinstance(principal, Principal):
            return
        try:
            draft_id = UUID(raw)
        except ValueError:
            return
        read_side: ReadSide = scope["app"].state.read_side
        draft = await drafts.take(
            read_side.store, draft_id, principal.account_id, datetime.now(UTC)
        )
        if draft is None:
            return
        if urlsplit(draft.path).path != scope["path"]:
            log.warning("form draft for another page", path=scope["path"])
            return
        scope.setdefault("state", {})[DRAFT_STATE] = draft
        log.info("form draft restored", purpose=draft.purpose, path=scope["path"])


def draft_of(request: Request[Any, Any, Any]) -> drafts.Draft | None:
    found = request.scope.get("state", {}).get(DRAFT_STATE)
    return found if isinstance(found, drafts.Draft) else None


def remember_saved(request: Request[Any, Any, Any], sentences: list[str]) -> None:
    """Keep what was saved for the next page (in the session, never in the URL)."""
    session = request.scope.get("session")
    if not isinstance(session, dict) or not sentences:
        return
    session[SAVED_KEY] = [
        s if len(s) <= MAX_SENTENCE else s[: MAX_SENTENCE - 1] + "…" for s in sentences[:MAX_SAVED]
    ]


def pop_saved(request: Request[Any, Any, Any]) -> list[str]:
    """What was just saved, once: the sentences leave the session as they are shown."""
    session = request.scope.get("session")
    if not isinstance(session, dict) or SAVED_KEY not in session:
        return []
    saved = session.pop(SAVED_KEY)
    return [s for s in saved if isinstance(s, str)] if isinstance(saved, list) else []


english(
    {
        # the confirmation after a save, and the page title of a refused form
        "Gemt: {what}": "Saved: {what}",
        "Ændringen er gemt.": "The change is saved.",
        "Fejl": "Error",
        # a draft put back into its form (api/ui/core.py)
        "Du blev logget ud, før formularen blev gemt. Det, du skrev, er sat ind igen: "
        "tjek det, og gem.": "You were logged out before the form was saved. What you "
        "typed is back: check it, and save.",
        "Det, du havde skrevet, er sat ind igen. Tjek det, og gem.": "What you had typed "
        "is back. Check it, and save.",
        # the form's common fields (api/ui/forms.py)
        "Gælder fra": "Applies from",
        "Den dag, det skete eller gælder fra. Skete det før i dag, så skriv den dag: "
        "historikken viser det på den dato.": "The day it happened or applies from. If it "
        "happened before today, enter that day: the history shows it on that date.",
        "Begrundelse (valgfri)": "Reason (optional)",
        "Valgfri. Vises i historikken, så andre kan se hvorfor.": "Optional. Shown in the "
        "history, so others can see why.",
        "Perioden slutter {end}, før den begynder {start}: slutdatoen skal ligge efter "
        "startdatoen.": "The period ends {end}, before it starts {start}: the end date "
        "must lie after the start date.",
        # Danish numbers (api/ui/forms.py danish_number)
        "Skriv et tal, fx 30.000 eller 1.234,5 (punktum mellem tusinder, komma før "
        "decimaler).": "Enter a number the Danish way, e.g. 30.000 or 1.234,5 (a dot "
        "between thousands, a comma before decimals).",
        "Mener du {whole} eller {thousands}? Skriv tusinder med punktum ({thousands}) og "
        "decimaler med komma ({decimal}).": "Do you mean {whole} or {thousands}? Write "
        "thousands with a dot ({thousands}) and decimals with a comma ({decimal}).",
    }
)
