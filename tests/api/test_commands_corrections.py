"""HTTP: corrections. A date, a rung or a milestone recorded by an earlier event (named by its
version) is superseded by a new event; the earlier event stays. Every refusal writes
nothing."""

from __future__ import annotations

import uuid
from datetime import date

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Partnership
from aggregates.taxonomy import AnchoringStatus, Dimension, Rung
from tests.api.conftest import created, join, register_organisation, tvaers
from tests.api.support import refused, view, write


def test_a_join_date_a_rung_and_a_milestone_are_corrected(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    joined = created(join(client, partnership_id, club, rung=2, valid_on="2024-03-01"))["version"]
    milestone = write(
        client,
        f"/partnerships/{partnership_id}/milestones",
        {
            "dimension": "political",
            "status": "started",
            "title": "Udvalget drøftede",
            "evidence": {"text": "Dagsorden"},
        },
        status=201,
    )
    base = f"/partnerships/{partnership_id}/corrections"

    write(client, f"{base}/dates", {"corrects_version": joined, "corrected_valid_on": "2024-02-01"})
    write(client, f"{base}/rungs", {"corrects_version": joined, "rung": 3, "evidence": "Rettet"})
    write(
        client,
        f"{base}/milestones",
        {
            "corrects_version": milestone["version"],
            "dimension": "management",
            "status": "partial",
            "title": "Ledelsen godkendte",
            "evidence": {"text": "Referat"},
        },
        if_match=5,
    )

    partner = next(
        p for p in view(client, partnership_id)["partners"] if p["organisation_id"] == club
    )
    assert (partner["joined_on"], partner["rung"]) == ("2024-02-01", 3)
    stored = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    assert stored.rung_of(uuid.UUID(club), on=date(2024, 2, 15)) is Rung.MUTUAL_REFERRAL
    corrected = stored.milestones[milestone["id"]]
    assert (corrected.dimension, corrected.status, corrected.title) == (
        Dimension.MANAGEMENT,
        AnchoringStatus.PARTIAL,
        "Ledelsen godkendte",
    )
    events = tvaers(client).partnership_events(uuid.UUID(partnership_id))
    assert isinstance(events[joined - 1], Partnership.PartnerJoined)  # the original stays
    assert [type(e).__name__ for e in events[-3:]] == [
        "DateCorrected",
        "RungCorrected",
        "MilestoneCorrected",
    ]


def test_a_correction_of_something_that_cannot_be_corrected_so_is_refused(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership_id, club, rung=2, valid_on="2024-03-01"))
    write(
        client,
        f"/partnerships/{partnership_id}/partners/{club}/ladder-moves",
        {"rung": 3, "evidence": "Henvisninger", "valid_on": "2024-05-01"},
    )
    base = f"/partnerships/{partnership_id}/corrections"
    milestone = {
        "dimension": "political",
        "status": "started",
        "title": "Udvalget drøftede",
        "evidence": {"text": "Dagsorden"},
    }

    refused(
        client,
        f"{base}/dates",
        {"corrects_version": 1, "corrected_valid_on": "2024-01-01"},
        422,
        "not-correctable",
    )
    refused(  # the join would come after the ladder move it precedes
        client,
        f"{base}/dates",
        {"corrects_version": 2, "corrected_valid_on": "2024-06-01"},
        422,
        "inconsistent-dates",
    )
    refused(
        client,
        f"{base}/rungs",
        {"corrects_version": 3, "rung": 5, "evidence": "Aftale"},
        422,
        "rung-not-backed",
    )
    refused(
        client,
        f"{base}/rungs",
        {"corrects_version": 1, "rung": 3, "evidence": "x"},
        422,
        "not-correctable",
    )
    refused(
        client, f"{base}/milestones", {"corrects_version": 2, **milestone}, 422, "not-correctable"
    )
    refused(
        client, f"{base}/dates", {"corrects_version": 0, "corrected_valid_on": "2024-01-01"}, 400
    )
    refused(
        client,
        f"{base}/dates",
        {"corrects_version": 2, "corrected_valid_on": "2024-02-01"},
        412,
        "stale-version",
        if_match=2,
    )
    refused(
        client,
        f"/partnerships/{uuid.uuid4()}/corrections/dates",
        {"corrects_version": 2, "corrected_valid_on": "2024-02-01"},
        404,
        "not-found",
    )
