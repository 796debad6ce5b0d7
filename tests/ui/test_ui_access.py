"""Every page and form of the web UI refuses callers without the right grant.

The routes are read from the app itself, so a page added later is checked too:
- anonymous: every page but the login page is a redirect to the login page;
- a user without a grant on partnership A: the 403 page for every page or form of A,
  without A's title in it, and a refused post writes nothing;
- a reader of A (an evaluator): the 403 page for A's forms, which need a write grant;
- a user who is not a project leader anywhere: the 403 page for the "writer" forms
  (new organisation, person, partnership), and non-administrators for "admin" pages.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from aggregates.partnership import Registry
from aggregates.taxonomy import Sector
from api.app import create_app
from services.commands import GrantAccess, RegisterOrganisation, RegisterPartnership
from services.settings import Settings
from tests.api.conftest import add_user, tvaers
from tests.commands import execute
from tests.ui.conftest import ADMIN, csrf, login

TITLE = "Hemmeligt partnerskab i Svendborg"
OUTSIDER = "udenfor@assens.dk"
READER = "evaluator@cowi.dk"


@dataclass(frozen=True)
class World:
    client: TestClient[Litestar]
    partnership_id: uuid.UUID


@pytest.fixture
def world(ui_settings: Settings) -> Iterator[World]:
    with TestClient(app=create_app(ui_settings)) as client:
        service = tvaers(client)
        add_user(client, ADMIN, is_admin=True)
        meta = Meta(actor=ADMIN)
        lead = execute(
            service,
            RegisterOrganisation(name="Sundhed, Svendborg Kommune", sector=Sector.HEALTH),
            meta,
        ).aggregate_id
        partnership = execute(
            service,
            RegisterPartnership.of(
                Registry(title=TITLE, municipality="Svendborg"), lead_organisation_id=lead
            ),
            meta,
        ).aggregate_id
        for user in (OUTSIDER, READER):
            add_user(client, user)
        execute(
            service,
            GrantAccess(username=READER, role=AccessRole.EVALUATOR, partnership_id=partnership),
            meta,
        )
        yield World(client, partnership)


def ui_routes(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/ui"):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method not in {"OPTIONS", "HEAD"}:
                found.append((method, route.path_format, handler))
    return sorted(found, key=lambda item: (item[1], item[0]))


def path_of(template: str, partnership_id: uuid.UUID) -> str:
    return re.sub(
        r"\{(\w+)\}",
        lambda m: str(partnership_id) if m.group(1) == "partnership_id" else str(uuid.uuid4()),
        template,
    )


def send(client: TestClient[Litestar], method: str, path: str) -> tuple[int, str, str]:
    if method == "GET":
        response = client.get(path, follow_redirects=False)
    else:
        response = client.request(
            method, path, data={"_csrf_token": csrf(client)}, follow_redirects=False
        )
    return response.status_code, response.headers.get("location", ""), response.text


def test_the_ui_has_pages_and_every_one_declares_its_access(world: World) -> None:
    routes = ui_routes(world.client.app)
    assert len(routes) >= 4
    undeclared = [f"{m} {p}" for m, p, h in routes if "access" not in h.opt]
    assert not undeclared


def test_anonymous_callers_are_sent_to_the_login_page(world: World) -> None:
    wrong = []
    for method, template, handler in ui_routes(world.client.app):
        if handler.opt["access"] == "public":
            continue
        path = path_of(template, world.partnership_id)
        status, location, _ = send(world.client, method, path)
        if status != 303 or not location.startswith("/ui/login?next="):
            wrong.append(f"{method} {template}: {status} {location}")
    assert not wrong, "\n".join(wrong)


def _refused(world: World, caller: str, needs: set[str]) -> list[str]:
    client = world.client
    login(client, caller)
    service = tvaers(client)
    wrong = []
    for method, template, handler in ui_routes(client.app):
        if handler.opt["access"] not in needs:
            continue
        path = path_of(template, world.partnership_id)
        before = service.max_notification_id()
        status, _, body = send(client, method, path)
        where = f"{method} {template} as {caller}: {status}"
        # A partnership the caller may not even read looks like one that does not exist
        # (issue 16): the "findes ikke" page, 404; the others the 403 page.
        hidden = caller == OUTSIDER and str(handler.opt["access"]).startswith("partnership:")
        if status != (404 if hidden else 403):
            wrong.append(where)
        if TITLE in body:
            wrong.append(f"{where} shows the partnership's title")
        if service.max_notification_id() != before:
            wrong.append(f"{where} wrote an event")
    return wrong


def test_a_user_without_a_grant_gets_the_403_page_for_every_page_of_the_partnership(
    world: World,
) -> None:
    needs = {"partnership:read", "partnership:audit", "partnership:write", "writer", "admin"}
    wrong = _refused(world, OUTSIDER, needs)
    assert not wrong, "\n".join(wrong)


def test_a_reader_may_not_use_the_forms_of_the_partnership(world: World) -> None:
    wrong = _refused(world, READER, {"partnership:write", "writer", "admin"})
    assert not wrong, "\n".join(wrong)


def test_a_hidden_partnership_is_a_page_in_danish_without_data(world: World) -> None:
    login(world.client, OUTSIDER)
    response = world.client.get(f"/ui/partnerships/{world.partnership_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Partnerskabet findes ikke" in response.text
    assert TITLE not in response.text


def test_the_403_page_is_a_page_in_danish_without_data(world: World) -> None:
    login(world.client, READER)  # may read the partnership, not change it
    response = world.client.get(f"/ui/partnerships/{world.partnership_id}/registry/edit")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Ingen adgang" in response.text
    assert TITLE not in response.text


def test_names_from_the_data_are_escaped_in_pages_and_charts(world: World) -> None:
    service = tvaers(world.client)
    meta = Meta(actor=ADMIN)
    evil = '<script>alert("x")</script>'
    lead = execute(
        service, RegisterOrganisation(name=f"Forening {evil}", sector=Sector.VOLUNTARY), meta
    ).aggregate_id
    partnership = execute(
        service,
        RegisterPartnership.of(
            Registry(title=f"Titel {evil}", municipality="Svendborg", purpose=evil),
            lead_organisation_id=lead,
        ),
        meta,
    ).aggregate_id
    login(world.client, ADMIN)
    for path in (
        f"/ui/partnerships/{partnership}",
        f"/ui/partnerships/{partnership}/history",
        f"/ui/partnerships/{partnership}/story",
        "/ui/registry",
        "/ui/crosscase?select=filter",
    ):
        page = world.client.get(path)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text, path
    assert "&lt;script&gt;" in world.client.get(f"/ui/partnerships/{partnership}").text
