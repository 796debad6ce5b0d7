""" "Kommune" is chosen from Denmark's 98 municipalities in the web UI's forms, and the
organisation pickers are sorted the Danish way (issue 16)."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.municipalities import MUNICIPALITIES
from aggregates.taxonomy import Sector
from services.commands import RegisterOrganisation
from tests.commands import execute
from tests.ui.conftest import ADMIN, post_form, text, tvaers
from tests.ui.forms_support import Desk, nothing_saved

SELECT = re.compile(r'<select id="[^"]*" name="municipality"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]*)"')


def _offered(page: str) -> list[str]:
    found = SELECT.search(page)
    assert found is not None, "no municipality select"
    return OPTION.findall(found.group(1))


def test_the_new_partnership_form_offers_the_98_municipalities(ui: TestClient[Litestar]) -> None:
    assert _offered(ui.get("/ui/partnerships/new").text) == ["", *MUNICIPALITIES]
    assert _offered(ui.get("/ui/organisations/new").text) == ["", *MUNICIPALITIES]


def test_a_typed_municipality_is_refused_and_a_chosen_one_saved(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed Ærø", municipality="Ærø")
    with nothing_saved(ui):
        refused = post_form(
            ui,
            "/ui/partnerships/new",
            {
                "title": "Et partnerskab",
                "municipality": "Sundeborg",  # typed, not one of the 98
                "lead_organisation_id": lead,
                "kind": "project",
                "valid_on": "2024-01-01",
            },
        )
    assert refused.status_code == 422
    assert "Kommune: Vælg en af mulighederne." in text(refused)
    pid = desk.new_partnership(lead, municipality="Ærø")
    page = text(ui.get(f"/ui/partnerships/{pid}"))
    assert "Ærø" in page


def test_a_partnership_registered_before_the_list_keeps_its_name_in_the_form(
    ui: TestClient[Litestar],
) -> None:
    from aggregates import Registry
    from services.commands import RegisterPartnership

    service = tvaers(ui)
    meta = Meta(actor=ADMIN)
    lead = execute(service, RegisterOrganisation(name="Gammel", sector=Sector.HEALTH), meta)
    old = execute(
        service,
        RegisterPartnership.of(
            Registry(title="Fra før listen", municipality="Gammelby"),
            lead_organisation_id=lead.aggregate_id,
        ),
        meta,
    ).aggregate_id
    offered = _offered(ui.get(f"/ui/partnerships/{old}/registry/edit").text)
    assert offered[:2] == ["", "Gammelby"]
    assert offered[2:] == list(MUNICIPALITIES)


def test_organisation_pickers_are_sorted_the_danish_way(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    for name in ("Ærø IF", "aalborg Sport", "Zumba Klub", "bornholm Løb", "Østerbro Fodbold"):
        desk.organisation(name)
    page = ui.get("/ui/partnerships/new").text
    picker = re.search(r'name="lead_organisation_id"[^>]*>(.*?)</select>', page, re.S)
    assert picker is not None
    labels = [
        label.split(" (")[0]
        for label in re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", picker.group(1))
    ]
    assert labels == ["bornholm Løb", "Zumba Klub", "Ærø IF", "Østerbro Fodbold", "aalborg Sport"]
