"""HTTP: agreements. Draft, read, amend, sign (the last signature lifts the ladder), renew,
terminate, expire; an agreement is only found under its own partnership. Every refusal
writes nothing."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.taxonomy import Rung
from tests.api.conftest import created, join, register_organisation, register_partnership, tvaers
from tests.api.support import refused, register_person, rungs, write

TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


class Parties:
    """A partnership whose lead and a club (on rung 4) can agree, each with a signatory."""

    def __init__(self, client: TestClient[Litestar], lead_id: str, partnership_id: str) -> None:
        self.partnership = partnership_id
        self.lead = lead_id
        self.club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
        created(join(client, partnership_id, self.club, rung=4, valid_on="2024-01-01"))
        self.lead_signer = register_person(client, lead_id, "Anne Berg")
        self.club_signer = register_person(client, self.club, "Bo Dahl")
        self.agreements = f"/partnerships/{partnership_id}/agreements"

    def terms(self, **fields: Any) -> dict[str, Any]:
        return {
            "title": "Samarbejdsaftale om Motion på recept",
            "purpose": "Flere ledige i gang med motion",
            "party_ids": [self.lead, self.club],
            "obligations": [
                {"party_id": self.lead, "text": "Henviser borgere"},
                {"party_id": self.club, "text": "Stiller hal og trænere"},
            ],
            "valid_from": day(-30),
            "valid_to": day(335),
            **fields,
        }

    def draft(self, client: TestClient[Litestar], **fields: Any) -> str:
        body = {"kind": "cooperation", **self.terms(), "valid_on": day(-60), **fields}
        return str(write(client, self.agreements, body, status=201)["id"])

    def sign(self, client: TestClient[Litestar], agreement: str, party: str, **fields: Any) -> None:
        signer = self.lead_signer if party == self.lead else self.club_signer
        body = {"party_id": party, "signatory_id": signer, "valid_on": day(-40), **fields}
        write(client, f"{self.agreements}/{agreement}/signatures", body)


@pytest.fixture
def parties(client: TestClient[Litestar], lead_id: str, partnership_id: str) -> Parties:
    return Parties(client, lead_id, partnership_id)


def test_an_agreement_is_drafted_amended_signed_renewed_and_terminated(
    client: TestClient[Litestar], parties: Parties
) -> None:
    agreement = parties.draft(client)
    path = f"{parties.agreements}/{agreement}"

    drafted = client.get(path)
    assert drafted.status_code == 200, drafted.text
    assert drafted.headers["etag"] == '"1"'
    body = drafted.json()
    assert (body["id"], body["partnership_id"], body["kind"], body["kind_label"]) == (
        agreement,
        parties.partnership,
        "cooperation",
        "samarbejdsaftale",
    )
    assert (body["status"], body["status_label"]) == ("draft", "udkast")
    assert body["party_ids"] == body["unsigned_party_ids"] == [parties.lead, parties.club]
    assert body["obligations"][1] == {"party_id": parties.club, "text": "Stiller hal og trænere"}

    amended = write(
        client,
        f"{path}/terms",
        parties.terms(title="Samarbejdsaftale om motion"),
        method="PUT",
        if_match=1,
    )
    parties.sign(client, agreement, parties.lead)
    parties.sign(client, agreement, parties.club, valid_on=day(-35))

    assert (amended["id"], amended["version"]) == (agreement, 2)
    signed = client.get(path).json()
    assert (signed["version"], signed["status"], signed["title"]) == (
        4,
        "in_force",
        "Samarbejdsaftale om motion",
    )
    assert signed["unsigned_party_ids"] == []
    assert [(s["party_id"], s["signed_on"]) for s in signed["signatures"]] == [
        (parties.lead, day(-40)),
        (parties.club, day(-35)),
    ]
    assert rungs(client, parties.partnership)[parties.club] == Rung.COOPERATION_AGREEMENT

    write(client, f"{path}/renewals", {"valid_to": day(700), "valid_on": day(-1)}, if_match=4)
    renewed = client.get(path).json()
    assert (renewed["valid_to"], renewed["renewals"]) == (day(700), [day(-1)])

    write(client, f"{path}/termination", {"reason": "Klubben lukker holdet", "valid_on": day(0)})

    ended = client.get(path).json()
    assert (ended["status"], ended["terminated_on"], ended["termination_reason"]) == (
        "terminated",
        day(0),
        "Klubben lukker holdet",
    )
    assert rungs(client, parties.partnership)[parties.club] == Rung.INFORMAL_COOPERATION


def test_an_agreement_that_ran_out_is_recorded_as_expired(
    client: TestClient[Litestar], parties: Parties
) -> None:
    agreement = parties.draft(
        client, valid_from="2024-02-01", valid_to="2024-06-30", valid_on="2024-01-15"
    )
    for party in (parties.lead, parties.club):
        parties.sign(client, agreement, party, valid_on="2024-01-20")
    path = f"{parties.agreements}/{agreement}"

    refused(client, f"{path}/expiry", {"valid_on": "2024-06-30"}, 422, "inconsistent-dates")
    write(client, f"{path}/expiry", {"valid_on": "2024-07-01"})

    expired = client.get(path).json()
    assert (expired["status"], expired["expired_on"]) == ("expired", "2024-07-01")
    ladder = tvaers(client).get_partnership(uuid.UUID(parties.partnership))
    club = uuid.UUID(parties.club)
    assert ladder.rung_of(club, on=date(2024, 6, 30)) is Rung.COOPERATION_AGREEMENT
    assert ladder.rung_of(club, on=date(2024, 7, 1)) is Rung.INFORMAL_COOPERATION
    refused(client, f"{path}/expiry", {"valid_on": "2024-07-02"}, 422, "agreement-state")


def test_an_agreement_of_another_partnership_is_not_found_under_this_one(
    client: TestClient[Litestar], lead_id: str, parties: Parties
) -> None:
    agreement = parties.draft(client)
    other = register_partnership(client, lead_id, title="Røgfri Fremtid")
    elsewhere = f"/partnerships/{other}/agreements/{agreement}"
    unknown = f"{parties.agreements}/{uuid.uuid4()}"
    sign = {"party_id": parties.lead, "signatory_id": parties.lead_signer}

    for path in (elsewhere, unknown):
        assert client.get(path).status_code == 404
        refused(client, f"{path}/terms", parties.terms(title="Ny"), 404, "not-found", method="PUT")
        refused(client, f"{path}/signatures", sign, 404, "not-found")
        refused(client, f"{path}/renewals", {"valid_to": day(900)}, 404, "not-found")
        refused(client, f"{path}/termination", {"reason": "Fejl"}, 404, "not-found")
        refused(client, f"{path}/expiry", {"valid_on": day(-1)}, 404, "not-found")
    assert client.get(f"{parties.agreements}/{agreement}").json()["version"] == 1


def test_a_draft_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], parties: Parties
) -> None:
    outsider = register_organisation(client, "Svendborg Roklub", "sports_club")
    draft = {"kind": "cooperation", **parties.terms()}
    obligations = draft["obligations"]

    refused(
        client,
        parties.agreements,
        {**draft, "party_ids": [parties.lead, outsider]},
        422,
        "not-a-partner",
    )
    refused(
        client, parties.agreements, {**draft, "party_ids": [parties.club]}, 422, "invalid-value"
    )
    refused(
        client, parties.agreements, {**draft, "obligations": obligations[:1]}, 422, "invalid-value"
    )
    refused(
        client,
        parties.agreements,
        {**draft, "valid_to": draft["valid_from"]},
        422,
        "inconsistent-dates",
    )
    refused(client, parties.agreements, {**draft, "kind": "handshake"}, 400, "invalid-request")
    refused(client, parties.agreements, {**draft, "obligations": [{"text": "x"}]}, 400)
    refused(client, f"/partnerships/{uuid.uuid4()}/agreements", draft, 404, "not-found")


def test_a_signature_amendment_renewal_or_termination_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], parties: Parties
) -> None:
    agreement = parties.draft(client)
    path = f"{parties.agreements}/{agreement}"
    lead_signs = {"party_id": parties.lead, "signatory_id": parties.lead_signer}

    refused(client, f"{path}/terms", parties.terms(), 422, "no-change", method="PUT")
    refused(client, f"{path}/renewals", {"valid_to": day(900)}, 422, "agreement-state")
    refused(
        client,
        f"{path}/signatures",
        {"party_id": parties.lead, "signatory_id": parties.club_signer},
        422,
        "not-a-party",
    )
    refused(
        client,
        f"{path}/signatures",
        {"party_id": str(uuid.uuid4()), "signatory_id": parties.lead_signer},
        422,
        "not-a-party",
    )
    refused(
        client,
        f"{path}/signatures",
        {"party_id": parties.lead, "signatory_id": str(uuid.uuid4())},
        404,
        "not-found",
    )
    refused(client, f"{path}/signatures", lead_signs, 412, "stale-version", if_match=2)
    refused(client, f"{path}/termination", {}, 400, "invalid-request")
    refused(client, f"{path}/termination", {"reason": "   "}, 400, "invalid-request")

    parties.sign(client, agreement, parties.lead)
    refused(client, f"{path}/signatures", lead_signs, 422, "already-signed")
    parties.sign(client, agreement, parties.club)
    refused(
        client, f"{path}/terms", parties.terms(title="Ny"), 422, "agreement-state", method="PUT"
    )
    refused(client, f"{path}/renewals", {"valid_to": day(100)}, 422, "inconsistent-dates")
    refused(client, f"{path}/expiry", {}, 422, "inconsistent-dates")
    assert client.get(f"{path}").json()["status"] == "in_force"
