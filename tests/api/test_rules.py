"""The rules a project leader meets (issue 14, finding 6), on both stores: no ladder move
or rung correction below the rung a signed agreement in force backs; no partner before
the partnership starts; no fact dated after today (in Denmark); a signatory signs only
for the organisation they work for. Each refusal writes nothing, and carries the facts
its Danish sentence names."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import dates
from aggregates.taxonomy import Rung
from tests.api.conftest import created, join, register_organisation, register_partnership, tvaers
from tests.api.support import refused, register_person, rungs, write

pytestmark = pytest.mark.both_stores

TODAY = date.today()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def signed_agreement(client: TestClient[Litestar], partnership: str, lead: str, club: str) -> str:
    """A samarbejdsaftale between the lead and the club, valid day(-30)..day(335), signed
    by both on day(-20): the club stands on rung 5 from then."""
    body = {
        "kind": "cooperation",
        "title": "Samarbejdsaftale om Motion på recept",
        "purpose": "Flere ledige i gang med motion",
        "party_ids": [lead, club],
        "obligations": [
            {"party_id": lead, "text": "Henviser borgere"},
            {"party_id": club, "text": "Stiller hal og trænere"},
        ],
        "valid_from": day(-30),
        "valid_to": day(335),
        "valid_on": day(-60),
    }
    agreements = f"/partnerships/{partnership}/agreements"
    agreement = str(write(client, agreements, body, status=201)["id"])
    for party, name in ((lead, "Anne Berg"), (club, "Bo Dahl")):
        signer = register_person(client, party, name)
        write(
            client,
            f"{agreements}/{agreement}/signatures",
            {"party_id": party, "signatory_id": signer, "valid_on": day(-20)},
        )
    return agreement


@pytest.fixture
def club(client: TestClient[Litestar], partnership_id: str) -> str:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership_id, club, rung=4, valid_on=day(-100)))
    return club


def test_a_move_below_the_rung_an_agreement_in_force_backs_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    agreement = signed_agreement(client, partnership_id, lead_id, club)
    assert rungs(client, partnership_id)[club] == Rung.COOPERATION_AGREEMENT
    moves = f"/partnerships/{partnership_id}/partners/{club}/ladder-moves"

    problem = refused(
        client,
        moves,
        {"rung": 3, "evidence": "Samarbejdet gik i stå", "valid_on": day(-5)},
        422,
        "rung-not-backed",
    )
    assert club in problem["detail"]
    assert agreement in problem["detail"]
    assert "End or terminate the agreement first" in problem["detail"]
    # Before the agreement was signed the club may stand lower; after it ended too.
    write(client, moves, {"rung": 3, "evidence": "Før aftalen", "valid_on": day(-25)})
    write(
        client,
        f"/partnerships/{partnership_id}/agreements/{agreement}/termination",
        {"reason": "Klubben lukker holdet", "valid_on": day(0)},
    )
    assert rungs(client, partnership_id)[club] == Rung.INFORMAL_COOPERATION


def test_a_rung_correction_below_an_agreement_in_force_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    signed_agreement(client, partnership_id, lead_id, club)
    partnership = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    lift = max(e.version for e in partnership.partners[club].rungs)
    refused(
        client,
        f"/partnerships/{partnership_id}/corrections/rungs",
        {"corrects_version": lift, "rung": 2, "evidence": "Forkert trin"},
        422,
        "rung-not-backed",
    )


def test_a_partner_cannot_join_before_the_partnership_starts(
    client: TestClient[Litestar], lead_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    # No period: the partnership starts on its registration's valid date.
    registered = register_partnership(client, lead_id, valid_on="2022-05-01")
    problem = refused(
        client,
        f"/partnerships/{registered}/partners",
        {"organisation_id": club, "valid_on": "2022-04-30"},
        422,
        "inconsistent-dates",
    )
    assert "starts on 2022-05-01" in problem["detail"]
    created(join(client, registered, club, valid_on="2022-05-01"))

    # A period: it starts on the period's start, also before the registration.
    period = register_partnership(
        client, lead_id, title="Sund by", valid_on="2022-05-01", period_start="2022-01-01"
    )
    refused(
        client,
        f"/partnerships/{period}/partners",
        {"organisation_id": club, "valid_on": "2021-12-31"},
        422,
        "inconsistent-dates",
    )
    created(join(client, period, club, valid_on="2022-01-01"))


def test_a_correction_cannot_date_a_join_before_the_partnership_starts(
    client: TestClient[Litestar], lead_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    partnership = register_partnership(client, lead_id, valid_on="2022-05-01")
    joined = created(join(client, partnership, club, valid_on="2022-06-01"))
    refused(
        client,
        f"/partnerships/{partnership}/corrections/dates",
        {"corrects_version": joined["version"], "corrected_valid_on": "2022-04-01"},
        422,
        "inconsistent-dates",
    )


@pytest.fixture
def afternoon_in_denmark() -> Iterator[date]:
    """The clock at 14.00 in Denmark today (13.00 UTC in winter): tomorrow is already
    'today' somewhere on Earth (UTC+14), but not in Denmark."""
    today = datetime.now(UTC).date()
    dates.freeze(datetime.combine(today, time(13, 0), tzinfo=UTC))
    try:
        yield today
    finally:
        dates.freeze(None)


def test_a_ladder_move_dated_tomorrow_is_refused(
    client: TestClient[Litestar], partnership_id: str, club: str, afternoon_in_denmark: date
) -> None:
    tomorrow = (afternoon_in_denmark + timedelta(days=1)).isoformat()
    problem = refused(
        client,
        f"/partnerships/{partnership_id}/partners/{club}/ladder-moves",
        {"rung": 3, "evidence": "Henvisninger", "valid_on": tomorrow},
        422,
        "date-out-of-range",
    )
    assert [e["field"] for e in problem["errors"]] == ["valid_on"]
    week = (afternoon_in_denmark + timedelta(days=7)).isoformat()
    refused(
        client,
        f"/partnerships/{partnership_id}/partners/{club}/departure",
        {"valid_on": week},
        422,
        "date-out-of-range",
    )
    write(
        client,
        f"/partnerships/{partnership_id}/partners/{club}/ladder-moves",
        {"rung": 3, "evidence": "Henvisninger", "valid_on": afternoon_in_denmark.isoformat()},
    )


def test_a_signatory_of_another_organisation_cannot_sign_for_a_party(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    body = {
        "kind": "cooperation",
        "title": "Samarbejdsaftale",
        "purpose": "Motion",
        "party_ids": [lead_id, club],
        "obligations": [
            {"party_id": lead_id, "text": "Henviser"},
            {"party_id": club, "text": "Træner"},
        ],
        "valid_from": day(-30),
        "valid_to": day(335),
        "valid_on": day(-60),
    }
    agreements = f"/partnerships/{partnership_id}/agreements"
    agreement = str(write(client, agreements, body, status=201)["id"])
    anne = register_person(client, lead_id, "Anne Berg")
    problem = refused(
        client,
        f"{agreements}/{agreement}/signatures",
        {"party_id": club, "signatory_id": anne, "valid_on": day(-20)},
        422,
        "not-a-party",
    )
    assert "must belong to the organisation that signs" in problem["detail"]


def test_a_later_start_that_would_leave_a_partner_before_it_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str, club: str
) -> None:
    """The start moves only where every partner still joined on or after it."""
    registry = f"/partnerships/{partnership_id}/registry"
    refused(client, registry, {"period_start": day(-99)}, 422, "inconsistent-dates", method="PATCH")
    write(client, registry, {"period_start": day(-100)}, method="PATCH")
