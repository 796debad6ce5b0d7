"""Agreements in the UI: drafting, the agreement's page, and its lifecycle forms (sign,
amend, renew, terminate). The first test is the scenario the browser test runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from services.commands import GrantAccess
from tests.commands import execute
from tests.ui.conftest import add_user, login, post_form, text, tvaers
from tests.ui.forms_support import (
    Desk,
    danish_day,
    day,
    error_next_to,
    form_message,
    get_json,
    nothing_saved,
    redirected,
)

READER = "evaluator@cowi.dk"


@dataclass
class Setting:
    desk: Desk
    lead: str
    club: str
    anne: str  # signs for the lead
    bo: str  # signs for the club


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead)
    desk.join(club, rung=4)
    return Setting(
        desk, lead, club, anne=desk.person("Anne Berg", lead), bo=desk.person("Bo Dahl", club)
    )


def terms(lead: str, club: str, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Samarbejdsaftale om Motion på recept",
        "purpose": "Flere ledige i gang med motion",
        "party_ids": [lead, club],
        f"obligation_{lead}": "Henviser borgere",
        f"obligation_{club}": "Stiller hal og trænere",
        "valid_from": day(-30),
        "valid_to": day(335),
        "valid_on": day(-60),
        **fields,
    }


def draft(setting: Setting, **fields: Any) -> str:
    data = {"kind": "cooperation", **terms(setting.lead, setting.club), **fields}
    location = redirected(setting.desk.post("agreements/new", data))
    return location.rsplit("/", 1)[1]


def agreement_version(desk: Desk, agreement_id: str) -> int:
    return int(tvaers(desk.client).get_agreement(UUID(agreement_id)).version)


def sign(setting: Setting, agreement_id: str, party: str, signatory: str) -> None:
    desk = setting.desk
    response = desk.post(
        f"agreements/{agreement_id}/sign",
        {"party_id": party, "signatory_id": signatory, "valid_on": day(-40)},
        version=agreement_version(desk, agreement_id),
    )
    assert redirected(response) == f"{desk.base}/agreements/{agreement_id}"


def test_two_partners_sign_a_cooperation_agreement_and_the_partner_stands_on_rung_five(
    ui: TestClient[Litestar],
) -> None:
    """The browser test's scenario: create a partnership, add two partners, draft an
    agreement between the lead and one of them, both parties sign, and the partner is on
    rung 5 (samarbejdsaftale) in the ladder view."""
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    library = desk.organisation("Svendborg Bibliotek", "culture_leisure")
    desk.new_partnership(lead, title="Motion på recept")
    desk.join(club, rung=4)
    desk.join(library, rung=2)

    form = desk.get("agreements/new")
    # A box for obligations only for the parties chosen (issue 14, finding 8): the lead.
    assert "Forpligtelser for Sundhed og Forebyggelse" in text(form)
    assert "Forpligtelser for Svendborg Idrætsforening" not in text(form)
    chosen = desk.post(
        "agreements/new",
        {"kind": "cooperation", "title": "Motion", "party_ids": [lead, club], "step": "parties"},
    )
    assert chosen.status_code == 200
    assert "Forpligtelser for Svendborg Idrætsforening" in text(chosen)
    assert "Forpligtelser for Svendborg Bibliotek" not in text(chosen)  # a partner, no party
    assert 'value="Motion"' in chosen.text  # what was typed is kept
    location = redirected(desk.post("agreements/new", {"kind": "cooperation", **terms(lead, club)}))
    agreement_id = location.rsplit("/", 1)[1]
    assert location == f"{desk.base}/agreements/{agreement_id}"

    page = ui.get(location)
    assert "udkast" in text(page)
    assert "Henviser borgere" in text(page)
    # The signatory's person is registered on the way, from the sign form's link.
    anne = desk.person("Anne Berg", lead)
    bo = desk.person("Bo Dahl", club)
    setting = Setting(desk, lead, club, anne, bo)
    sign(setting, agreement_id, lead, anne)
    assert desk.rungs()[club] == 4  # one signature does not lift anyone
    second = ui.get(location)
    assert "Underskriver for Svendborg Idrætsforening" in text(second)  # the one left to sign
    assert f'name="party_id" value="{club}"' in second.text
    assert f'<option value="{bo}"' in second.text
    assert f'<option value="{anne}"' not in second.text  # the lead's people: not this party's
    sign(setting, agreement_id, club, bo)

    assert desk.rungs() == {club: 5, library: 2}
    ladder = get_json(ui, f"/partnerships/{desk.partnership}/ladder")
    lifted = next(p for p in ladder["partners"] if p["organisation_id"] == club)
    assert lifted["agreement_id"] == agreement_id
    signed = ui.get(location)
    assert "i kraft" in text(signed)
    assert f"Underskrevet {_dk(day(-40))} af Bo Dahl" in text(signed)


def _dk(iso: str) -> str:
    year, month, day_ = iso.split("-")
    return f"{day_}.{month}.{year}"


def test_a_draft_needs_every_partys_obligations_said_next_to_that_party(
    setting: Setting,
) -> None:
    data = {"kind": "cooperation", **terms(setting.lead, setting.club)}
    data[f"obligation_{setting.club}"] = ""
    with nothing_saved(setting.desk.client):
        response = setting.desk.post("agreements/new", data)
    assert response.status_code == 422
    assert error_next_to(response, f"obligation_{setting.club}") == (
        "Skriv, hvad parten forpligter sig til."
    )
    assert "Henviser borgere" in response.text  # the rest of the input is kept


def test_a_draft_that_ends_before_it_begins_is_said_next_to_the_end_date(
    setting: Setting,
) -> None:
    data = {"kind": "cooperation", **terms(setting.lead, setting.club, valid_to=day(-31))}
    with nothing_saved(setting.desk.client):
        response = setting.desk.post("agreements/new", data)
    assert response.status_code == 422
    assert error_next_to(response, "valid_to") == "Slutdatoen skal ligge efter startdatoen."


def test_a_draft_without_the_lead_organisation_is_refused_next_to_the_parties(
    setting: Setting,
) -> None:
    data = {"kind": "cooperation", **terms(setting.lead, setting.club, party_ids=[setting.club])}
    with nothing_saved(setting.desk.client):
        response = setting.desk.post("agreements/new", data)
    assert error_next_to(response, "party_ids") == "Den ledende organisation skal være part."


def test_a_signatory_of_another_organisation_is_refused_next_to_the_signatory(
    setting: Setting,
) -> None:
    agreement_id = draft(setting)
    desk = setting.desk
    with nothing_saved(desk.client):
        response = desk.post(
            f"agreements/{agreement_id}/sign",
            {"party_id": setting.club, "signatory_id": setting.anne, "valid_on": day(-40)},
            version=agreement_version(desk, agreement_id),
        )
    assert response.status_code == 422
    assert error_next_to(response, "signatory_id") == (
        "Anne Berg arbejder ikke for Svendborg Idrætsforening."
    )


def test_two_parties_signing_from_forms_of_one_version_both_land(setting: Setting) -> None:
    """Issue 14, finding 3: another party's signature since the form was loaded does not
    block this one (a signature reads the terms; it does not change them)."""
    agreement_id = draft(setting)
    desk = setting.desk
    stale = agreement_version(desk, agreement_id)
    sign(setting, agreement_id, setting.lead, setting.anne)
    redirected(
        desk.post(
            f"agreements/{agreement_id}/sign",
            {"party_id": setting.club, "signatory_id": setting.bo, "valid_on": day(-40)},
            version=stale,
        )
    )
    assert agreement_version(desk, agreement_id) == stale + 2


def test_an_amendment_replaces_the_terms_and_drops_the_signatures(setting: Setting) -> None:
    agreement_id = draft(setting)
    desk = setting.desk
    sign(setting, agreement_id, setting.lead, setting.anne)
    form = desk.get(f"agreements/{agreement_id}?form=amend")
    assert "Stiller hal og trænere" in form.text  # starts from the current text

    data = terms(setting.lead, setting.club, purpose="Flere ledige og sygemeldte i gang")
    response = desk.post(
        f"agreements/{agreement_id}/amend", data, version=agreement_version(desk, agreement_id)
    )
    assert redirected(response) == f"{desk.base}/agreements/{agreement_id}"
    agreement = tvaers(desk.client).get_agreement(UUID(agreement_id))
    assert agreement.terms.purpose == "Flere ledige og sygemeldte i gang"
    assert agreement.signatures == []


def test_a_signed_agreement_is_renewed_and_a_shorter_renewal_is_refused(
    setting: Setting,
) -> None:
    agreement_id = draft(setting)
    desk = setting.desk
    sign(setting, agreement_id, setting.lead, setting.anne)
    sign(setting, agreement_id, setting.club, setting.bo)
    page = desk.get(f"agreements/{agreement_id}")
    assert "Forlæng" in text(page)
    assert "Underskriv" not in text(page)

    with nothing_saved(desk.client):
        short = desk.post(
            f"agreements/{agreement_id}/renew",
            {"valid_to": day(100), "valid_on": day(0)},
            version=agreement_version(desk, agreement_id),
        )
    assert short.status_code == 422
    assert error_next_to(short, "valid_to") == (
        "En fornyelse af «Samarbejdsaftale om Motion på recept» skal forlænge den ud over "
        f"{danish_day(335)}; {danish_day(100)} gør ikke."
    )

    redirected(
        desk.post(
            f"agreements/{agreement_id}/renew",
            {"valid_to": day(700), "valid_on": day(0), "reason": "Forlænget et år"},
            version=agreement_version(desk, agreement_id),
        )
    )
    assert tvaers(desk.client).get_agreement(UUID(agreement_id)).valid_to.isoformat() == day(700)


def test_terminating_needs_a_reason_and_drops_the_partner_back_on_the_ladder(
    setting: Setting,
) -> None:
    agreement_id = draft(setting)
    desk = setting.desk
    sign(setting, agreement_id, setting.lead, setting.anne)
    sign(setting, agreement_id, setting.club, setting.bo)
    assert desk.rungs()[setting.club] == 5

    with nothing_saved(desk.client):
        response = desk.post(
            f"agreements/{agreement_id}/terminate",
            {"valid_on": day(-1), "reason": ""},
            version=agreement_version(desk, agreement_id),
        )
    assert response.status_code == 422
    assert error_next_to(response, "reason") == "Feltet skal udfyldes."

    redirected(
        desk.post(
            f"agreements/{agreement_id}/terminate",
            {"valid_on": day(-1), "reason": "Klubben lukker afdelingen"},
            version=agreement_version(desk, agreement_id),
        )
    )
    assert desk.rungs()[setting.club] == 4
    page = desk.get(f"agreements/{agreement_id}")
    assert "opsagt" in text(page)
    assert "Klubben lukker afdelingen" in text(page)
    assert 'method="post"' not in page.text.split("<main", 1)[1]  # no forms once ended
    with nothing_saved(desk.client):
        late = desk.post(
            f"agreements/{agreement_id}/sign",
            {"party_id": setting.club, "signatory_id": setting.bo, "valid_on": day(0)},
            version=agreement_version(desk, agreement_id),
        )
    assert late.status_code == 409
    assert form_message(late) == "Det kan ikke lade sig gøre for aftalen nu."


def test_a_reader_sees_the_agreement_but_no_forms_and_may_not_post(
    setting: Setting, ui: TestClient[Litestar]
) -> None:
    agreement_id = draft(setting)
    add_user(ui, READER)
    execute(
        tvaers(ui),
        GrantAccess(
            username=READER,
            role=AccessRole.EVALUATOR,
            partnership_id=UUID(setting.desk.partnership),
        ),
        Meta(actor="cli:test"),
    )
    login(ui, READER)
    path = f"{setting.desk.base}/agreements/{agreement_id}"
    page = ui.get(path)
    assert page.status_code == 200
    assert "Samarbejdsaftale om Motion på recept" in text(page)
    assert "Du kan se aftalen, men ikke ændre den." in text(page)
    assert f"{path}/sign" not in page.text
    with nothing_saved(ui):
        response = post_form(
            ui,
            f"{path}/sign",
            {
                "party_id": setting.lead,
                "signatory_id": setting.anne,
                "valid_on": day(0),
                "version": "1",
            },
        )
    assert response.status_code == 403


def test_an_agreement_of_another_partnership_is_not_found_under_this_one(
    setting: Setting,
) -> None:
    agreement_id = draft(setting)
    desk = setting.desk
    other = Desk(desk.client)
    other.new_partnership(setting.lead, title="Et andet partnerskab")
    assert other.get(f"agreements/{agreement_id}").status_code == 404


def test_an_unknown_lifecycle_form_is_not_found_and_saves_nothing(setting: Setting) -> None:
    agreement_id = draft(setting)
    with nothing_saved(setting.desk.client):
        response = setting.desk.post(f"agreements/{agreement_id}/shred", {})
    assert response.status_code == 404


def test_the_sign_form_asks_for_the_party_first_and_lists_only_its_people(
    setting: Setting,
) -> None:
    """Issue 14, finding 6: the sign form listed every person; now the party is chosen
    first (links, no script needed) and only that party's people are offered."""
    agreement_id = draft(setting)
    desk = setting.desk
    page = desk.get(f"agreements/{agreement_id}?form=sign")
    assert "Hvilken part underskriver?" in text(page)
    assert "Underskriv for Svendborg Idrætsforening" in text(page)
    assert 'name="signatory_id"' not in page.text  # no signer before the party

    club_form = desk.get(f"agreements/{agreement_id}?form=sign&party_id={setting.club}")
    assert f'<option value="{setting.bo}"' in club_form.text
    assert f'<option value="{setting.anne}"' not in club_form.text
    lead_form = desk.get(f"agreements/{agreement_id}?form=sign&party_id={setting.lead}")
    assert f'<option value="{setting.anne}"' in lead_form.text
    assert f'<option value="{setting.bo}"' not in lead_form.text


def test_changing_the_parties_shows_their_obligation_boxes_on_the_amend_form(
    setting: Setting,
) -> None:
    """Issue 14, finding 8: the amend form shows boxes only for the agreement's parties,
    and for the parties chosen once the user asks for them."""
    agreement_id = draft(setting)
    desk = setting.desk
    library = desk.organisation("Svendborg Bibliotek", "culture_leisure")
    desk.join(library, rung=2)
    amend = desk.get(f"agreements/{agreement_id}?form=amend")
    assert "Forpligtelser for Svendborg Idrætsforening" in text(amend)
    assert "Forpligtelser for Svendborg Bibliotek" not in text(amend)

    data = {
        **terms(setting.lead, setting.club, party_ids=[setting.lead, setting.club, library]),
        "step": "parties",
    }
    with nothing_saved(desk.client):
        shown = desk.post(
            f"agreements/{agreement_id}/amend", data, version=agreement_version(desk, agreement_id)
        )
    assert shown.status_code == 200
    assert "Forpligtelser for Svendborg Bibliotek" in text(shown)
    assert "Stiller hal og trænere" in shown.text  # the typed obligations are kept
