"""HTTP (issue 14): a decision's `linked_ids` name the partnership's own things, a draft
agreement included, never another partnership's; an evaluation carries WHO-5 counts and
may bring its two assessments along, in one write. Refusals write nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import created, join, register_organisation, register_partnership, tvaers
from tests.api.support import refused, register_person, write

TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@dataclass
class Parties:
    """A partnership (begun 200 days ago) with a steering group and a club on rung 4."""

    partnership: str
    lead: str
    club: str

    def draft(self, client: TestClient[Litestar]) -> str:
        body = {
            "kind": "cooperation",
            "title": "Samarbejdsaftale om Motion på recept",
            "purpose": "Flere ledige i gang med motion",
            "party_ids": [self.lead, self.club],
            "obligations": [
                {"party_id": self.lead, "text": "Henviser borgere"},
                {"party_id": self.club, "text": "Stiller hal og trænere"},
            ],
            "valid_from": day(-30),
            "valid_to": day(335),
            "valid_on": day(-60),
        }
        path = f"/partnerships/{self.partnership}/agreements"
        return str(write(client, path, body, status=201)["id"])


def setting(client: TestClient[Litestar], lead_id: str) -> Parties:
    partnership = register_partnership(client, lead_id, valid_on=day(-200))
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership, club, rung=4, valid_on=day(-150)))
    chair = register_person(client, lead_id, "Carl Chef")
    write(
        client,
        f"/partnerships/{partnership}/steering-group/members",
        {"person_id": chair, "seat": "chair", "valid_on": day(-100)},
        status=201,
    )
    return Parties(partnership, lead_id, club)


@pytest.fixture
def parties(client: TestClient[Litestar], lead_id: str) -> Parties:
    return setting(client, lead_id)


def test_a_decision_links_to_a_draft_agreement_of_its_partnership(
    client: TestClient[Litestar], parties: Parties
) -> None:
    agreement = parties.draft(client)
    decision = write(
        client,
        f"/partnerships/{parties.partnership}/decisions",
        {"title": "Aftalen godkendt", "linked_ids": [agreement], "valid_on": day(-10)},
        status=201,
    )
    service = tvaers(client).get_partnership(uuid.UUID(parties.partnership))
    assert service.decisions[decision["id"]].linked_ids == (uuid.UUID(agreement),)


def test_a_decision_linking_to_another_partnerships_agreement_is_refused(
    client: TestClient[Litestar], lead_id: str, parties: Parties
) -> None:
    theirs = setting(client, lead_id).draft(client)
    path = f"/partnerships/{parties.partnership}/decisions"
    for stranger in (theirs, str(uuid.uuid4()), parties.club):
        body = {"title": "Godkendt", "linked_ids": [stranger], "valid_on": day(-10)}
        refused(client, path, body, 404, "not-found")


def test_an_evaluation_with_who5_counts_and_assessments_is_one_write(
    client: TestClient[Litestar], parties: Parties
) -> None:
    path = f"/partnerships/{parties.partnership}/evaluations"
    body = {
        "kind": "external",
        "evaluator": "COWI",
        "method": "who5",
        "who5_respondents_before": 40,
        "who5_mean_before": 52.5,
        "who5_respondents_after": 31,
        "who5_mean_after": 64,
        "purpose_met": "high_extent",
        "valid_on": day(-5),
    }
    before = tvaers(client).get_partnership(uuid.UUID(parties.partnership)).version
    written = write(client, path, body, status=201)
    service = tvaers(client).get_partnership(uuid.UUID(parties.partnership))
    assert service.version == before + 2  # the evaluation and its assessment
    evaluation = service.evaluations[written["id"]]
    assert evaluation.who5 is not None
    assert (evaluation.who5.respondents_after, evaluation.who5.mean_after) == (31, 64.0)
    assert [a.answer.value for a in evaluation.assessments] == ["high_extent"]

    refused(client, path, {**body, "who5_mean_before": 101}, 400)
    refused(client, path, {**body, "who5_respondents_before": None}, 422, "invalid-value")
