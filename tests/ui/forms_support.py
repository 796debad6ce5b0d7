"""Helpers for the tests of the project leader's forms (tests/ui/test_forms_*.py).

Everything a test sets up goes through the forms themselves (as a project leader would),
and what a form did is read back from the views (the JSON API's view endpoints, with the
same session) or the aggregate.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from tests.ui.conftest import post_form, text, tvaers

TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def danish_day(offset: int) -> str:
    """`day(offset)` as a Danish message writes it (dd.mm.åååå)."""
    return (TODAY + timedelta(days=offset)).strftime("%d.%m.%Y")


def redirected(response: Response) -> str:
    """Where a form that must have succeeded sends the browser (303)."""
    assert response.status_code == 303, text(response)[:3000]
    location: str = response.headers["location"]
    return location


def error_next_to(response: Response, field: str) -> str:
    """The message shown next to a field (its `f-<name>-error` paragraph)."""
    match = re.search(rf'<p class="error" id="f-{re.escape(field)}-error">(.*?)</p>', response.text)
    assert match is not None, f"no message next to {field}: {text(response)[:3000]}"
    return html.unescape(match.group(1))


def form_message(response: Response) -> str:
    """The heading of the form's error summary (what is wrong with the form as a whole)."""
    match = re.search(
        r'<div class="alert[^"]*" role="alert"[^>]*>\s*<(p|h2)\b[^>]*>(.*?)</\1>',
        response.text,
        re.S,
    )
    assert match is not None, f"no form message: {text(response)[:3000]}"
    return html.unescape(match.group(2))


@contextmanager
def nothing_saved(client: TestClient[Litestar]) -> Iterator[None]:
    before = tvaers(client).max_notification_id()
    yield
    assert tvaers(client).max_notification_id() == before, "a refused form wrote an event"


def get_json(client: TestClient[Litestar], path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


class Desk:
    """A project leader at work in the UI: registers, then acts on one partnership."""

    def __init__(self, client: TestClient[Litestar]) -> None:
        self.client = client
        self.partnership = ""

    # -- the directory and new partnerships ---------------------------------------------------

    def organisation(self, name: str, sector: str = "health", **fields: Any) -> str:
        response = post_form(
            self.client,
            "/ui/organisations/new",
            {"name": name, "sector": sector, "valid_on": day(-400), **fields},
        )
        return redirected(response).rsplit("organisation_id=", 1)[1]

    def person(self, name: str, organisation_id: str, **fields: Any) -> str:
        response = post_form(
            self.client,
            "/ui/persons/new",
            {"name": name, "organisation_id": organisation_id, "valid_on": day(-400), **fields},
        )
        return redirected(response).rsplit("person_id=", 1)[1]

    def new_partnership(self, lead_id: str, **fields: Any) -> str:
        data = {
            "title": "Bevæg dig for livet",
            "municipality": "Svendborg",
            "lead_organisation_id": lead_id,
            "kind": "project",
            "valid_on": day(-365),
            **fields,
        }
        location = redirected(post_form(self.client, "/ui/partnerships/new", data))
        self.partnership = location.rsplit("/", 1)[1]
        return self.partnership

    # -- acting on the partnership ------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"/ui/partnerships/{self.partnership}"

    def version(self) -> int:
        return int(tvaers(self.client).get_partnership(UUID(self.partnership)).version)

    def get(self, tail: str) -> Response:
        return self.client.get(f"{self.base}/{tail}", follow_redirects=False)

    def post(self, tail: str, data: dict[str, Any], *, version: int | None = None) -> Response:
        """Post a form of the partnership, with its current version unless told otherwise."""
        sent = {"version": str(self.version() if version is None else version), **data}
        return post_form(self.client, f"{self.base}/{tail}", sent)

    def join(self, organisation_id: str, rung: int = 1, **fields: Any) -> None:
        data = {"organisation_id": organisation_id, "rung": str(rung), "valid_on": day(-300)}
        redirected(self.post("partners/new", {**data, **fields}))

    # -- views ----------------------------------------------------------------------------

    def rungs(self) -> dict[str, int]:
        ladder = get_json(self.client, f"/partnerships/{self.partnership}/ladder")
        return {p["organisation_id"]: p["rung"] for p in ladder["partners"]}

    def audit(self) -> list[dict[str, Any]]:
        page = get_json(self.client, f"/partnerships/{self.partnership}/audit?limit=200")
        entries: list[dict[str, Any]] = page["entries"]
        return entries

    def last_entry(self, kind: str) -> dict[str, Any]:
        return next(e for e in self.audit() if e["kind"] == kind)
