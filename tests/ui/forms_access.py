"""A reader of a partnership (a steering-group member's grant) at a project leader's form:
the partnership page offers no link to it, and the form's URL answers 403 on GET and POST
with nothing saved (issue 14: every new form's access test)."""

from __future__ import annotations

from uuid import UUID

from aggregates import Meta
from aggregates.account import AccessRole
from services.commands import GrantAccess
from tests.commands import execute
from tests.ui.conftest import add_user, login, post_form, tvaers
from tests.ui.forms_support import Desk, day, nothing_saved

READER = "laeser@svendborg.dk"


def as_reader(desk: Desk) -> None:
    """Log the desk's client in as a new reader of its partnership (once a test)."""
    add_user(desk.client, READER)
    execute(
        tvaers(desk.client),
        GrantAccess(
            username=READER,
            role=AccessRole.STEERING_MEMBER,
            partnership_id=UUID(desk.partnership),
        ),
        Meta(actor="cli:test"),
    )
    login(desk.client, READER)


def assert_no_form_for_readers(desk: Desk, *tails: str) -> None:
    """The reader sees the partnership but no link to the forms, and each form refuses."""
    as_reader(desk)
    page = desk.client.get(desk.base)
    assert page.status_code == 200
    for tail in tails:
        path = f"{desk.base}/{tail}"
        assert f'href="{path}"' not in page.text, f"the reader is offered {tail}"
        assert desk.client.get(path, follow_redirects=False).status_code == 403, tail
        with nothing_saved(desk.client):
            posted = post_form(desk.client, path, {"valid_on": day(0), "version": "1"})
        assert posted.status_code == 403, tail
