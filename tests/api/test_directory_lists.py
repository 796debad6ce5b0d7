"""`GET /organisations` and `GET /persons` (issue 16): lists with a name search and cursor
paging, under the directory's rules (ADR 0005, revised): a user sees the organisations of
the municipalities they hold a grant in and the partners of their partnerships, and the
persons they may read; administrators everything. Both used to answer 405."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api import test_directory_access
from tests.api.conftest import assert_problem, tvaers
from tests.api.test_directory_access import GREVE, KBH, NOBODY, World

world = test_directory_access.world  # the same fixture: København, Greve and DGI


def caught_up(world: World) -> World:
    """The world once the views hold all of it (reads without `after` may lag)."""
    after = tvaers(world.client).max_notification_id()
    response = world.client.get("/persons", params={"after": after})
    assert response.status_code == 200, response.text
    return world


pytestmark = pytest.mark.both_stores


def _all(client: TestClient[Litestar], path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a list, page by page (a page of 1, so the cursor is walked)."""
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"}
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the cursor never ended")


def _names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


def test_an_administrator_lists_every_organisation_by_name_page_by_page(world: World) -> None:
    world = caught_up(world)
    items = _all(world.client, "/organisations")

    assert _names(items) == sorted(["Jobcentret", "Sundhed, Greve Kommune", "DGI"])
    assert set(items[0]) == {"id", "name", "sector", "municipality"}


def test_the_name_search_ignores_case(world: World) -> None:
    world = caught_up(world)
    assert _names(_all(world.client, "/organisations", q="sundhed, GREVE")) == [
        "Sundhed, Greve Kommune"
    ]
    assert _names(_all(world.client, "/persons", q="KAREN")) == ["Karen Kbh"]
    assert _all(world.client, "/organisations", q="ingen sådan") == []


def test_a_user_of_another_municipality_sees_nothing_of_it(world: World) -> None:
    world = caught_up(world)
    greve = world.as_(GREVE)
    organisations = world.client.get("/organisations", headers=greve).json()["items"]
    persons = world.client.get("/persons", headers=greve).json()["items"]

    # Greve's own organisation and DGI, a partner of Greve's partnership; not København's
    assert _names(organisations) == ["DGI", "Sundhed, Greve Kommune"]
    assert persons == []
    assert world.client.get("/persons", headers=greve, params={"q": "Karen"}).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_kobenhavns_project_leader_sees_kobenhavns_organisation_and_person(world: World) -> None:
    world = caught_up(world)
    kbh = world.as_(KBH)
    organisations = world.client.get("/organisations", headers=kbh).json()["items"]
    persons = world.client.get("/persons", headers=kbh).json()["items"]

    assert _names(organisations) == ["Jobcentret"]
    assert [(p["id"], p["name"]) for p in persons] == [(world.kbh_person, "Karen Kbh")]


def test_a_user_without_grants_gets_no_organisations(world: World) -> None:
    world = caught_up(world)
    assert_problem(world.client.get("/organisations", headers=world.as_(NOBODY)), 403, "forbidden")
    assert world.client.get("/persons", headers=world.as_(NOBODY)).json()["items"] == []


def test_an_erased_person_is_not_listed(world: World) -> None:
    world = caught_up(world)
    client = world.client
    response = client.post(f"/persons/{world.kbh_person}/erasure", json={})
    assert response.status_code == 200, response.text

    notification = response.json()["notification_id"]
    assert client.get("/persons", params={"after": notification}).json()["items"] == []


def test_a_cursor_not_given_out_is_refused(client: TestClient[Litestar]) -> None:
    assert_problem(client.get("/organisations", params={"cursor": "Wxyz"}), 422)
    assert_problem(client.get("/persons", params={"cursor": "not a cursor"}), 400)


def test_the_name_search_folds_the_danish_letters(client: TestClient[Litestar]) -> None:
    body = {"name": "Brøndby Idrætsforening", "sector": "sports_club"}
    organisation = client.post("/organisations", json=body).json()["id"]
    person = client.post("/persons", json={"name": "Søren Ærø", "organisation_id": organisation})
    after = person.json()["notification_id"]

    for q in ("brondby idraetsforening", "BROENDBY", "Brøndby"):
        found = client.get("/organisations", params={"q": q, "after": after}).json()["items"]
        assert _names(found) == ["Brøndby Idrætsforening"], q
    for q in ("soren aero", "SØREN ÆRØ", "aero"):
        found = client.get("/persons", params={"q": q, "after": after}).json()["items"]
        assert _names(found) == ["Søren Ærø"], q
