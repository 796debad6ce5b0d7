"""The web UI's pickers under least privilege (issue 12, finding 2; ADR 0005 revised).

A project leader of Greve sees Greve's organisations and their partnerships' partners in
the organisation choosers, others (København's) only by a name search, and in the
person choosers only people they may see: joining a København organisation as a partner
does not list its people. Partnerships and organisations are registered only where the
user leads. An administrator sees everything.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Contact, Meta
from aggregates.account import AccessRole
from aggregates.dates import today
from aggregates.partnership import Registry
from aggregates.taxonomy import RoleKind, Sector
from api.app import create_app
from services.commands import (
    AssignRole,
    GrantAccess,
    JoinPartner,
    RegisterOrganisation,
    RegisterPartnership,
    RegisterPerson,
)
from services.settings import Settings
from tests.api.conftest import add_user, tvaers
from tests.commands import execute
from tests.ui.conftest import ADMIN, login, post_form, text

GREVE = "tovholder@greve.dk"  # project leader of one partnership in Greve
NOBODY = "ny@greve.dk"  # no grant at all


@dataclass(frozen=True)
class World:
    client: TestClient[Litestar]
    greve_partnership: uuid.UUID
    kbh_org: uuid.UUID
    greve_org: uuid.UUID
    dgi: uuid.UUID


@pytest.fixture
def world(ui_settings: Settings) -> Iterator[World]:
    with TestClient(app=create_app(ui_settings)) as client:
        service = tvaers(client)
        add_user(client, ADMIN, is_admin=True)
        meta = Meta(actor=ADMIN)

        def org(name: str, municipality: str | None) -> uuid.UUID:
            return execute(
                service,
                RegisterOrganisation(name=name, sector=Sector.HEALTH, municipality=municipality),
                meta,
            ).aggregate_id

        kbh_org = org("Jobcentret København", "København")
        greve_org = org("Sundhed, Greve Kommune", "Greve")
        dgi = org("DGI Sjælland", None)
        kbh = execute(
            service,
            RegisterPartnership.of(
                Registry(title="Sund by", municipality="København"), lead_organisation_id=kbh_org
            ),
            meta,
        ).aggregate_id
        greve = execute(
            service,
            RegisterPartnership.of(
                Registry(title="Greve i bevægelse", municipality="Greve"),
                lead_organisation_id=greve_org,
            ),
            meta,
        ).aggregate_id
        execute(service, JoinPartner(partnership_id=greve, organisation_id=dgi), meta)

        def person(name: str, organisation: uuid.UUID) -> uuid.UUID:
            return execute(
                service, RegisterPerson.of(Contact(name=name), organisation_id=organisation), meta
            ).aggregate_id

        karen = person("Karen Københavner", kbh_org)
        execute(
            service,
            AssignRole(partnership_id=kbh, role=RoleKind.COORDINATOR, person_id=karen),
            meta,
        )
        person("Gitte Greve", greve_org)
        add_user(client, GREVE)
        add_user(client, NOBODY)
        execute(
            service,
            GrantAccess(username=GREVE, role=AccessRole.PROJECT_LEADER, partnership_id=greve),
            meta,
        )
        yield World(client, greve, kbh_org, greve_org, dgi)


def options(page: str, name: str) -> dict[str, str]:
    """The options (value -> label) of the page's select `name`."""
    select = re.search(rf'<select id="f-{name}".*?</select>', page, flags=re.S)
    assert select is not None, f"no select {name}"
    found = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select.group(0))
    return dict(found)


def test_the_partner_chooser_lists_ones_own_organisations_and_others_only_by_search(
    world: World,
) -> None:
    client = world.client
    login(client, GREVE)
    form = f"/ui/partnerships/{world.greve_partnership}/partners/new"

    listed = options(client.get(form).text, "organisation_id")
    assert str(world.kbh_org) not in listed
    assert "Jobcentret" not in " ".join(listed.values())

    searched = client.get(form, params={"q": "jobcentret"})
    assert searched.status_code == 200
    assert str(world.kbh_org) in options(searched.text, "organisation_id")
    assert 'role="search"' in searched.text

    # A searched organisation may be chosen: organisations are shared.
    joined = post_form(
        client,
        form,
        # (today: the partnership was registered today, and no partner joins before it)
        {"organisation_id": str(world.kbh_org), "rung": "1", "valid_on": today().isoformat()},
    )
    assert joined.status_code == 303, text(joined)


def test_joining_another_municipalitys_organisation_does_not_list_its_people(
    world: World,
) -> None:
    service = tvaers(world.client)
    execute(
        service,
        JoinPartner(partnership_id=world.greve_partnership, organisation_id=world.kbh_org),
        Meta(actor=ADMIN),
    )
    login(world.client, GREVE)

    page = world.client.get(f"/ui/partnerships/{world.greve_partnership}/roles/new")

    assert page.status_code == 200
    people = " ".join(options(page.text, "person_id").values())
    assert "Karen" not in people
    assert "Gitte Greve" in people  # Greve's own, whom Greve's project leader may see


def test_the_new_partnership_form_registers_only_where_the_user_leads(world: World) -> None:
    client = world.client
    login(client, GREVE)
    page = client.get("/ui/partnerships/new")
    leads = options(page.text, "lead_organisation_id")
    assert str(world.greve_org) in leads
    assert str(world.dgi) in leads
    assert str(world.kbh_org) not in leads

    head = tvaers(client).max_notification_id()
    refused = post_form(
        client,
        "/ui/partnerships/new",
        {
            "title": "Nyt",
            "municipality": "København",
            "lead_organisation_id": str(world.greve_org),
            "kind": "project",
            "valid_on": "2024-03-01",
        },
    )
    assert refused.status_code == 422
    assert "projektlederadgang" in text(refused)
    assert tvaers(client).max_notification_id() == head


def test_the_person_form_offers_only_organisations_one_may_register_people_in(
    world: World,
) -> None:
    client = world.client
    login(client, GREVE)
    chooser = options(client.get("/ui/persons/new").text, "organisation_id")
    assert set(chooser) == {str(world.greve_org), str(world.dgi)}

    head = tvaers(client).max_notification_id()
    refused = post_form(
        client,
        "/ui/persons/new",
        {"name": "Snyd", "organisation_id": str(world.kbh_org), "valid_on": "2024-03-01"},
    )
    assert refused.status_code == 422
    assert tvaers(client).max_notification_id() == head


def test_an_administrator_sees_every_organisation(world: World) -> None:
    login(world.client, ADMIN)
    listed = options(world.client.get("/ui/persons/new").text, "organisation_id")
    assert {str(world.kbh_org), str(world.greve_org), str(world.dgi)} <= set(listed)


def test_a_user_without_grants_gets_no_directory_form(world: World) -> None:
    login(world.client, NOBODY)
    for path in ("/ui/persons/new", "/ui/organisations/new", "/ui/partnerships/new"):
        response = world.client.get(path)
        assert response.status_code == 403, path
        assert "Jobcentret" not in response.text
