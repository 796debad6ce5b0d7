"""Every refusal of the API names things by name (issue 16): an organisation or an
agreement the domain knows by id only is named beside its id in the problem's `detail`
(`'Svendborg Idrætsforening' (5f0c…)`); persons and whatever was not found stay ids."""

from __future__ import annotations

import uuid

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import assert_problem, created, join, register_organisation
from tests.api.support import nothing_written
from tests.api.test_commands_agreements import Parties

pytestmark = pytest.mark.both_stores

CLUB = "Svendborg Idrætsforening"


def test_a_partner_is_named_when_it_joins_twice(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    club = register_organisation(client, CLUB, "sports_club")
    created(join(client, partnership_id, club, valid_on="2024-03-01"))

    with nothing_written(client):
        problem = assert_problem(join(client, partnership_id, club), 422, "already-a-partner")

    assert f"Organisation {CLUB!r} ({club}) is already a partner" in problem["detail"]


def test_a_ladder_refusal_names_the_organisation_and_the_agreement(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    parties = Parties(client, lead_id, partnership_id)
    agreement = parties.draft(client)
    parties.sign(client, agreement, parties.lead)
    parties.sign(client, agreement, parties.club)
    move = {"rung": 3, "evidence": "Samarbejdet gik i stå"}

    with nothing_written(client):
        response = client.post(
            f"/partnerships/{partnership_id}/partners/{parties.club}/ladder-moves", json=move
        )

    detail = assert_problem(response, 422, "rung-not-backed")["detail"]
    assert f"Organisation {CLUB!r} ({parties.club}) cannot stand on rung 3" in detail
    assert f"'Samarbejdsaftale om Motion på recept' ({agreement})" in detail


def test_a_signature_for_a_non_party_names_the_organisation(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    parties = Parties(client, lead_id, partnership_id)
    agreement = parties.draft(client)
    other = register_organisation(client, "Svendborg Roklub", "sports_club")
    created(join(client, partnership_id, other, valid_on="2024-03-01"))
    signature = {"party_id": other, "signatory_id": parties.club_signer}

    with nothing_written(client):
        response = client.post(f"{parties.agreements}/{agreement}/signatures", json=signature)

    detail = assert_problem(response, 422, "not-a-party")["detail"]
    assert f"'Svendborg Roklub' ({other})" in detail


def test_what_was_not_found_is_not_named(client: TestClient[Litestar], partnership_id: str) -> None:
    unknown = str(uuid.uuid4())
    response = join(client, partnership_id, unknown)

    detail = assert_problem(response, 404, "not-found")["detail"]
    assert unknown in detail
    assert f"({unknown})" not in detail
