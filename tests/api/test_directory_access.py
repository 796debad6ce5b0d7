"""The directory under least privilege (issue 12, finding 2; ADR 0005 "Revised (issue 12)").

København's people and organisations, asked for by a project leader of Greve, by a
user without any grant, and by an administrator. What a refusal looks like: 403, a
problem document, nothing written, København's records unchanged. The grant matrix
(tests/api/test_grant_matrix.py) walks every directory route; these tests tell the
story of each rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from services.commands import GrantAccess
from tests.api.conftest import ACTOR, add_user, as_user, assert_problem, created, tvaers
from tests.api.support import nothing_written, write
from tests.commands import execute

pytestmark = pytest.mark.both_stores

GREVE = "tovholder@greve.dk"  # project leader of a partnership in Greve
GREVE_WIDE = "sundhed@greve.dk"  # project leader for all of Greve
KBH = "tovholder@kk.dk"  # project leader of a partnership in København
NOBODY = "ny@kk.dk"  # logged in, no grant at all


@dataclass
class World:
    client: TestClient[Litestar]
    kbh_org: str  # Jobcentret, København
    kbh_person: str  # on København's steering group
    kbh_partnership: str
    greve_partnership: str
    dgi: str  # no municipality: a partner of Greve's partnership
    headers: dict[str, dict[str, str]]

    def as_(self, who: str) -> dict[str, str]:
        return self.headers[who]


def _grant(client: TestClient[Litestar], user: str, **scope: Any) -> None:
    execute(
        tvaers(client),
        GrantAccess(username=user, role=AccessRole.PROJECT_LEADER, **scope),
        Meta(actor=ACTOR),
    )


@pytest.fixture
def world(client: TestClient[Litestar]) -> World:
    def org(name: str, municipality: str | None) -> str:
        body = {"name": name, "sector": "health", "municipality": municipality}
        return str(created(client.post("/organisations", json=body))["id"])

    kbh_org = org("Jobcentret", "København")
    greve_org = org("Sundhed, Greve Kommune", "Greve")
    dgi = org("DGI", None)

    def partnership(title: str, municipality: str, lead: str) -> str:
        body = {"title": title, "municipality": municipality, "lead_organisation_id": lead}
        return str(created(client.post("/partnerships", json=body))["id"])

    kbh_partnership = partnership("Sund by", "København", kbh_org)
    greve_partnership = partnership("Greve i bevægelse", "Greve", greve_org)
    created(
        client.post(f"/partnerships/{greve_partnership}/partners", json={"organisation_id": dgi})
    )
    kbh_person = write(
        client,
        "/persons",
        {"name": "Karen Kbh", "title": "Leder", "email": "karen@kk.dk", "organisation_id": kbh_org},
        status=201,
    )["id"]
    write(
        client,
        f"/partnerships/{kbh_partnership}/steering-group/members",
        {"person_id": kbh_person},
        status=201,
    )
    for user in (GREVE, GREVE_WIDE, KBH, NOBODY):
        add_user(client, user)
    _grant(client, GREVE, partnership_id=uuid.UUID(greve_partnership))
    _grant(client, GREVE_WIDE, municipality="Greve")
    _grant(client, KBH, partnership_id=uuid.UUID(kbh_partnership))
    headers = {user: as_user(client, user) for user in (GREVE, GREVE_WIDE, KBH, NOBODY)}
    headers[ACTOR] = {}
    return World(client, kbh_org, kbh_person, kbh_partnership, greve_partnership, dgi, headers)


def _refused(world: World, who: str, method: str, path: str, body: Any = None) -> None:
    with nothing_written(world.client):
        response = world.client.request(method, path, json=body, headers=world.as_(who))
    assert_problem(response, 403, "forbidden")
    assert "Karen" not in response.text
    assert "karen@kk.dk" not in response.text


def test_a_greve_project_leader_can_neither_read_nor_change_a_kobenhavn_person(
    world: World,
) -> None:
    person = f"/persons/{world.kbh_person}"

    for who in (GREVE, GREVE_WIDE, NOBODY):
        _refused(world, who, "GET", person)
        _refused(world, who, "PUT", f"{person}/contact", {"name": "Overskrevet"})
        _refused(world, who, "PUT", f"{person}/organisation", {"organisation_id": world.dgi})

    # København's own project leader (a grant on the partnership she sits in) may.
    shown = world.client.get(person, headers=world.as_(KBH))
    assert shown.status_code == 200
    assert shown.json()["contact"]["email"] == "karen@kk.dk"
    assert world.client.get(person).json()["contact"]["name"] == "Karen Kbh"  # admin


def test_an_unknown_person_is_refused_like_a_forbidden_one(world: World) -> None:
    _refused(world, GREVE, "GET", f"/persons/{uuid.uuid4()}")
    assert world.client.get(f"/persons/{uuid.uuid4()}").status_code == 404  # admin


def test_only_the_owning_municipality_renames_closes_or_merges_an_organisation(
    world: World,
) -> None:
    org = f"/organisations/{world.kbh_org}"

    for who in (GREVE, GREVE_WIDE, NOBODY):
        _refused(world, who, "PUT", f"{org}/name", {"name": "Greves jobcenter"})
        _refused(world, who, "POST", f"{org}/closure", {})
        _refused(world, who, "POST", f"{org}/merger", {"into_id": world.dgi})

    assert world.client.get(org).json()["name"] == "Jobcentret"
    write(world.client, f"{org}/name", {"name": "Jobcenter København"}, method="PUT")
    renamed = world.client.get(org, headers=world.as_(KBH))
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Jobcenter København"
    response = world.client.put(
        f"{org}/name", json={"name": "Jobcentret KK"}, headers=world.as_(KBH)
    )
    assert response.status_code == 200, response.text


def test_an_organisation_without_a_municipality_is_changed_by_administrators_only(
    world: World,
) -> None:
    # DGI partners with Greve, but belongs to no municipality.
    for who in (GREVE, GREVE_WIDE, KBH):
        _refused(world, who, "PUT", f"/organisations/{world.dgi}/name", {"name": "DGI Greve"})
    write(world.client, f"/organisations/{world.dgi}/name", {"name": "DGI Sjælland"}, method="PUT")


def test_organisations_are_shared_with_grant_holders_but_not_with_users_without_grants(
    world: World,
) -> None:
    for who in (GREVE, KBH):
        response = world.client.get(f"/organisations/{world.kbh_org}", headers=world.as_(who))
        assert response.status_code == 200
    _refused(world, NOBODY, "GET", f"/organisations/{world.kbh_org}")


def test_partnerships_are_registered_only_where_the_user_holds_a_municipality_grant(
    world: World,
) -> None:
    def body(municipality: str) -> dict[str, Any]:
        return {"title": "Nyt", "municipality": municipality, "lead_organisation_id": world.dgi}

    _refused(world, GREVE, "POST", "/partnerships", body("København"))
    _refused(world, GREVE_WIDE, "POST", "/partnerships", body("København"))
    # A grant on one partnership is not a grant for its municipality.
    _refused(world, GREVE, "POST", "/partnerships", body("Greve"))
    response = world.client.post(
        # the name as the list spells it (issue 16); the grant's own case does not matter
        "/partnerships",
        json=body("Greve"),
        headers=world.as_(GREVE_WIDE),
    )
    assert response.status_code == 201, response.text
    typed = world.client.post("/partnerships", json=body(" greve "), headers=world.as_(GREVE_WIDE))
    assert typed.status_code == 400  # only the 98 names as listed (issue 16)
    # The new partnership's own grant works at once (the guard catches the views up).
    new = response.json()["id"]
    assert (
        world.client.get(f"/partnerships/{new}", headers=world.as_(GREVE_WIDE)).status_code == 200
    )


def test_a_stranger_cannot_be_placed_in_ones_partnership_to_read_their_details(
    world: World,
) -> None:
    """Seating a København person in Greve's partnership would open their contact details
    to Greve: a body naming a person the caller may not see is refused."""
    greve = f"/partnerships/{world.greve_partnership}"

    _refused(
        world,
        GREVE,
        "POST",
        f"{greve}/roles",
        {"role": "facilitator", "person_id": world.kbh_person},
    )
    _refused(
        world, GREVE, "POST", f"{greve}/steering-group/members", {"person_id": world.kbh_person}
    )
    _refused(
        world,
        GREVE,
        "POST",
        f"{greve}/roles",
        {"role": "facilitator", "person_id": str(uuid.uuid4())},
    )


def test_people_are_registered_only_in_organisations_one_owns_or_partners_with(
    world: World,
) -> None:
    def person(organisation_id: str) -> dict[str, Any]:
        return {"name": "Ny Kontakt", "email": "ny@example.dk", "organisation_id": organisation_id}

    _refused(world, GREVE, "POST", "/persons", person(world.kbh_org))
    # DGI partners with Greve's partnership: its project leader registers DGI's contact,
    # sees them while they are in no partnership yet, and may then give them a role.
    response = world.client.post("/persons", json=person(world.dgi), headers=world.as_(GREVE))
    assert response.status_code == 201, response.text
    contact = response.json()["id"]
    assert world.client.get(f"/persons/{contact}", headers=world.as_(GREVE)).status_code == 200
    _refused(world, KBH, "GET", f"/persons/{contact}")
    assigned = world.client.post(
        f"/partnerships/{world.greve_partnership}/roles",
        json={"role": "facilitator", "person_id": contact},
        headers=world.as_(GREVE),
    )
    assert assigned.status_code == 201, assigned.text
    # Greve's municipality-wide project leader now sees them too (a grant on the
    # partnership through its municipality), and may change them.
    changed = world.client.put(
        f"/persons/{contact}/contact",
        json={"name": "Ny Kontakt", "phone": "12345678"},
        headers=world.as_(GREVE_WIDE),
    )
    assert changed.status_code == 200, changed.text
    # Moving them to København's organisation is not Greve's to do.
    _refused(
        world, GREVE, "PUT", f"/persons/{contact}/organisation", {"organisation_id": world.kbh_org}
    )


def test_organisations_are_registered_only_in_municipalities_one_leads_in(world: World) -> None:
    def body(municipality: str | None) -> dict[str, Any]:
        return {"name": "Roklubben", "sector": "sports_club", "municipality": municipality}

    _refused(world, GREVE, "POST", "/organisations", body("København"))
    for municipality in ("Greve", None):
        response = world.client.post(
            "/organisations", json=body(municipality), headers=world.as_(GREVE)
        )
        assert response.status_code == 201, response.text
