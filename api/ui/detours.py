"""The "register it first" detour: a form's input kept while the user registers the
organisation or person the form needs (api/ui/drafts.py, ADR 0018)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.response import Redirect

from api.ui.core import PREFIX
from api.ui.drafts import keep_for_detour


class DetourPages(Controller):
    path = PREFIX
    include_in_schema = False

    @post("/drafts/detour", opt={"access": "authenticated"}, status_code=303)
    async def detour(self, request: Request[Any, Any, Any]) -> Redirect:
        """Keep the posted form (for this user, two hours) and go to the page the button
        names (`_detour`: a new organisation or person, whose `next` is the form); that
        page returns to the form with the draft, which puts the input back."""
        form = await request.form()
        then = form.get("_detour")
        return Redirect(
            path=await keep_for_detour(request, then if isinstance(then, str) else ""),
            status_code=303,
        )
