"""The forms that register partnerships, organisations and persons, and the fast path
between them: a form sends you to register what is missing and brings you back with it
chosen; a new partnership opens at its own page, with its creator as project leader."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from aggregates.taxonomy import PartnershipType, PreventionCategory
from services.commands import GrantAccess
from tests.commands import execute
from tests.ui.conftest import add_user, login, post_form, text, tvaers
from tests.ui.forms_support import (
    Desk,
    day,
    error_next_to,
    form_message,
    nothing_saved,
    redirected,
)

LEADER = "projektleder@svendborg.dk"


def test_a_new_partnership_opens_at_its_page_with_its_registry_fields(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune", municipality="Svendborg")
    form = ui.get("/ui/partnerships/new")
    assert form.status_code == 200
    assert "Sundhed og Forebyggelse, Svendborg Kommune (Svendborg)" in text(form)

    response = post_form(
        ui,
        "/ui/partnerships/new",
        {
            "title": "Motion på recept",
            "municipality": "Svendborg",
            "lead_organisation_id": lead,
            "kind": "operations",
            "purpose": "Flere ledige i gang med motion",
            "period_start": "2024-01-01",
            "period_end": "2026-12-31",
            "target_groups": "Ledige\n\n  Sygemeldte  \n",
            "arenas": "Jobcenter",
            "prevention_categories": ["offer", "early_detection"],
            "bearings": ["2", "5"],
            "yearly_budget_dkk": "250.000,50".replace(".", ""),
            "valid_on": "2023-12-01",
            "reason": "Besluttet i sundhedsudvalget",
        },
    )
    location = redirected(response)
    partnership_id = UUID(location.rsplit("/", 1)[1])
    assert location == f"/ui/partnerships/{partnership_id}"

    registry = tvaers(ui).get_partnership(partnership_id).registry
    assert registry.title == "Motion på recept"
    assert registry.kind is PartnershipType.OPERATIONS
    assert registry.target_groups == ("Ledige", "Sygemeldte")
    assert registry.prevention_categories == (
        PreventionCategory.OFFER,
        PreventionCategory.EARLY_DETECTION,
    )
    assert registry.bearings == (2, 5)
    assert registry.yearly_budget_dkk == Decimal("250000.50")
    desk.partnership = str(partnership_id)
    registered = desk.last_entry("Registered")
    assert (registered["valid_on"], registered["reason"]) == (
        "2023-12-01",
        "Besluttet i sundhedsudvalget",
    )


def test_the_creator_of_a_partnership_becomes_its_project_leader_and_goes_on_at_once(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    # A project leader for the municipality may register new partnerships there.
    add_user(ui, LEADER)
    execute(
        tvaers(ui),
        GrantAccess(username=LEADER, role=AccessRole.PROJECT_LEADER, municipality="Svendborg"),
        Meta(actor="cli:test"),
    )
    login(ui, LEADER)
    mine = Desk(ui)
    mine.new_partnership(lead, title="Mit nye partnerskab")
    assert mine.get("partners/new").status_code == 200
    mine.join(club, rung=2)
    assert mine.rungs()[club] == 2


def test_a_missing_title_is_said_next_to_the_field_and_nothing_is_saved(
    ui: TestClient[Litestar],
) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/partnerships/new",
            {
                "title": "",
                "municipality": "Svendborg",
                "lead_organisation_id": lead,
                "kind": "project",
                "valid_on": day(0),
                "purpose": "Behold mig",
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "title") == "Feltet skal udfyldes."
    assert form_message(response) == "Rettelserne er ikke gemt. Ret fejlene herunder."
    assert "Behold mig" in response.text  # the user's input is kept


def test_a_period_that_ends_before_it_starts_is_said_next_to_the_end_date(
    ui: TestClient[Litestar],
) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/partnerships/new",
            {
                "title": "Bevæg dig",
                "municipality": "Svendborg",
                "lead_organisation_id": lead,
                "kind": "project",
                "period_start": "2025-06-01",
                "period_end": "2025-01-01",
                "valid_on": day(0),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "period_end") == (
        "Perioden slutter 01.01.2025, før den begynder 01.06.2025: slutdatoen skal ligge "
        "efter startdatoen."
    )


def test_registering_an_organisation_from_the_join_form_brings_you_back_with_it_chosen(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    join_form = desk.get("partners/new")
    here = f"{desk.base}/partners/new"
    link = f"/ui/organisations/new?next={quote(here, safe='')}"
    # a button that keeps what was typed (tests/ui/test_drafts.py), naming the detour
    assert f'name="_detour" value="{link}"' in join_form.text

    form = ui.get(link)
    assert f'name="next" value="{here}"' in form.text
    response = post_form(
        ui,
        "/ui/organisations/new",
        {
            "name": "Ældre Sagen Svendborg",
            "sector": "voluntary",
            "cvr": "12345678",
            "municipality": "Svendborg",
            "valid_on": day(0),
            "next": here,
        },
    )
    location = redirected(response)
    organisation_id = location.rsplit("organisation_id=", 1)[1]
    assert location == f"{here}?organisation_id={organisation_id}"
    organisation = tvaers(ui).get_organisation(UUID(organisation_id))
    assert (organisation.name, organisation.cvr) == ("Ældre Sagen Svendborg", "12345678")

    back = ui.get(location)
    assert f'<option value="{organisation_id}" selected>Ældre Sagen Svendborg' in back.text


def test_a_malformed_cvr_number_is_refused_next_to_the_field(ui: TestClient[Litestar]) -> None:
    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/organisations/new",
            {
                "name": "Svendborg Idrætsforening",
                "sector": "sports_club",
                "cvr": "1234",
                "valid_on": day(0),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "cvr") == "Et CVR-nummer er 8 cifre."

    with nothing_saved(ui):
        no_sector = post_form(
            ui, "/ui/organisations/new", {"name": "Uden sektor", "sector": "", "valid_on": day(0)}
        )
    assert error_next_to(no_sector, "sector") == "Feltet skal udfyldes."


def test_a_person_is_registered_with_contact_details_and_the_form_returns_with_them(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed, Svendborg Kommune")
    desk.new_partnership(lead)
    here = f"{desk.base}/steering/new"
    form = ui.get(f"/ui/persons/new?organisation_id={lead}&next={quote(here, safe='')}")
    assert f'<option value="{lead}" selected>' in form.text

    response = post_form(
        ui,
        "/ui/persons/new",
        {
            "name": "Anne Berg",
            "title": "Sundhedschef",
            "email": "anne@svendborg.dk",
            "phone": "12 34 56 78",
            "organisation_id": lead,
            "valid_on": day(0),
            "next": here,
        },
    )
    location = redirected(response)
    person_id = location.rsplit("person_id=", 1)[1]
    assert location == f"{here}?person_id={person_id}"
    person = tvaers(ui).get_person(UUID(person_id))
    assert person.contact is not None
    assert (person.contact.name, person.contact.email) == ("Anne Berg", "anne@svendborg.dk")
    back = ui.get(location)
    assert f'<option value="{person_id}" selected>Anne Berg, Sundhedschef' in back.text


def test_a_malformed_email_address_is_refused_next_to_the_field(ui: TestClient[Litestar]) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/persons/new",
            {
                "name": "Bo Dahl",
                "email": "bo-ved-svendborg",
                "organisation_id": lead,
                "valid_on": day(0),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "email") == "Skriv en gyldig e-mailadresse."


def test_a_form_never_sends_you_to_another_site_afterwards(ui: TestClient[Litestar]) -> None:
    response = post_form(
        ui,
        "/ui/organisations/new",
        {
            "name": "Svendborg Bibliotek",
            "sector": "culture_leisure",
            "valid_on": day(0),
            "next": "https://evil.example/ui/",
        },
    )
    assert redirected(response).startswith("/ui/?organisation_id=")
