"""A broken rule said in the web UI (issue 14, findings 6 and 7): one Danish sentence that
names the partner, the agreement and the dates (dd.mm.åååå), next to the field concerned;
never the API's English words in the Danish UI; in the English UI, the API's words with
names instead of ids."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from api.ui import refusals
from projections.access import DirectoryAccess
from tests.ui.conftest import text, tvaers
from tests.ui.forms_support import (
    Desk,
    danish_day,
    day,
    error_next_to,
    form_message,
    nothing_saved,
    redirected,
)

LEAD = "Sundhed og Forebyggelse, Svendborg Kommune"
CLUB = "Svendborg Idrætsforening"
AGREEMENT = "Samarbejdsaftale om Motion på recept"


@dataclass
class Setting:
    desk: Desk
    lead: str
    club: str
    agreement: str


def _signed(desk: Desk, lead: str, club: str) -> str:
    """A samarbejdsaftale valid day(-30)..day(335), signed by both parties on day(-20)."""
    data = {
        "kind": "cooperation",
        "title": AGREEMENT,
        "purpose": "Flere ledige i gang med motion",
        "party_ids": [lead, club],
        f"obligation_{lead}": "Henviser borgere",
        f"obligation_{club}": "Stiller hal og trænere",
        "valid_from": day(-30),
        "valid_to": day(335),
        "valid_on": day(-60),
    }
    agreement = redirected(desk.post("agreements/new", data)).rsplit("/", 1)[1]
    for party, name in ((lead, "Anne Berg"), (club, "Bo Dahl")):
        signer = desk.person(name, party)
        version = tvaers(desk.client).get_agreement(UUID(agreement)).version
        redirected(
            desk.post(
                f"agreements/{agreement}/sign",
                {"party_id": party, "signatory_id": signer, "valid_on": day(-20)},
                version=version,
            )
        )
    return agreement


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation(LEAD)
    club = desk.organisation(CLUB, "sports_club")
    desk.new_partnership(lead)  # registered on day(-365)
    desk.join(club, rung=4)  # on day(-300)
    return Setting(desk, lead, club, _signed(desk, lead, club))


def test_a_move_below_the_agreement_in_force_names_partner_agreement_and_dates(
    setting: Setting,
) -> None:
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post(
            "ladder/new",
            {
                "organisation_id": setting.club,
                "rung": "3",
                "evidence": "Samarbejdet gik i stå",
                "valid_on": day(-5),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "rung") == (
        f"{CLUB} kan ikke stå på trin 3 (gensidig henvisning) fra {danish_day(-5)}: "
        f"samarbejdsaftalen «{AGREEMENT}» (gyldig fra {danish_day(-30)} til "
        f"{danish_day(335)}) er i kraft og bærer trin 5 (samarbejdsaftale). Registrér "
        "først, at aftalen er ophørt eller opsagt."
    )
    assert "End or terminate" not in response.text  # the API's English stays there
    assert '<p lang="en">' not in response.text
    assert setting.club not in text(response)  # names, not ids


def test_in_english_the_refusal_is_the_apis_words_with_names(setting: Setting) -> None:
    desk = setting.desk
    desk.client.get("/ui/?lang=en")
    with nothing_saved(desk.client):
        response = desk.post(
            "ladder/new",
            {
                "organisation_id": setting.club,
                "rung": "3",
                "evidence": "Samarbejdet gik i stå",
                "valid_on": day(-5),
            },
        )
    assert response.status_code == 422
    assert error_next_to(response, "rung") == (
        f"Organisation {CLUB} cannot stand on rung 3 from {day(-5)}: the samarbejdsaftale "
        f"{AGREEMENT} (valid {day(-30)} - {day(335)}) is in force and backs rung 5. End or "
        "terminate the agreement first."
    )


def test_joining_before_the_partnership_starts_is_said_with_both_dates(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    lead = desk.organisation(LEAD)
    club = desk.organisation(CLUB, "sports_club")
    desk.new_partnership(lead, title="Bevæg dig for livet")  # registered on day(-365)
    with nothing_saved(desk.client):
        response = desk.post(
            "partners/new", {"organisation_id": club, "rung": "2", "valid_on": day(-366)}
        )
    assert response.status_code == 422
    assert error_next_to(response, "valid_on") == (
        f"{CLUB} kan ikke blive partner i «Bevæg dig for livet» den {danish_day(-366)}: "
        f"partnerskabet starter først {danish_day(-365)}."
    )


def test_a_party_that_signed_meanwhile_is_said_above_the_form(setting: Setting) -> None:
    """The party is a hidden field once chosen: a refusal about it is said above the form,
    not next to a field nobody sees."""
    desk = setting.desk
    data = {
        "kind": "cooperation",
        "title": "Aftale om hal",
        "purpose": "Hal til holdene",
        "party_ids": [setting.lead, setting.club],
        f"obligation_{setting.lead}": "Henviser",
        f"obligation_{setting.club}": "Hal",
        "valid_from": day(-10),
        "valid_to": day(300),
        "valid_on": day(-10),
    }
    agreement = redirected(desk.post("agreements/new", data)).rsplit("/", 1)[1]
    signer = desk.person("Carl Holm", setting.club)

    def sign() -> Response:
        version = tvaers(desk.client).get_agreement(UUID(agreement)).version
        return desk.post(
            f"agreements/{agreement}/sign",
            {"party_id": setting.club, "signatory_id": signer, "valid_on": day(-5)},
            version=version,
        )

    redirected(sign())
    with nothing_saved(desk.client):
        again = sign()
    assert again.status_code == 422
    assert form_message(again) == f"{CLUB} har allerede skrevet under på «Aftale om hal»."


def test_a_refusal_names_only_persons_the_user_may_read(setting: Setting) -> None:
    """Names are a courtesy of the read side: a person the user may not read (ADR 0005)
    stays unnamed in a refusal, an organisation is named (they are shared)."""
    desk = setting.desk
    carl = UUID(desk.person("Carl Holm", setting.club))
    read_side = desk.client.app.state.read_side
    service = tvaers(desk.client)
    desk.client.blocking_portal.call(read_side.wait_until, service.max_notification_id(), 30.0)
    club = UUID(setting.club)

    def names(rules: DirectoryAccess) -> dict[UUID, str]:
        found: dict[UUID, str] = desk.client.blocking_portal.call(
            refusals.names_for, read_side.store, [carl, club], rules
        )
        return found

    assert names(DirectoryAccess.everything()) == {carl: "Carl Holm", club: CLUB}
    assert names(DirectoryAccess(uuid4())) == {club: CLUB}  # an account with no grant
