"""Dates the registry accepts (issue 12, finding 9): a date something happened lies from
1900-01-01 up to today, a planned date up to the planning horizon
(TVAERS_PLAN_HORIZON_YEARS); anything else is a 422 problem naming the field, and
nothing is written."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.dates import latest_plan
from tests.api.conftest import partnership_body, register_organisation
from tests.api.support import refused, write

TOMORROW_EVERYWHERE = (date.today() + timedelta(days=2)).isoformat()
BEYOND = (latest_plan() + timedelta(days=1)).isoformat()


def out_of_range(
    client: TestClient[Litestar], path: str, body: dict[str, Any], field: str, **kw: Any
) -> dict[str, Any]:
    problem = refused(client, path, body, 422, "date-out-of-range", **kw)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["message"] == problem["detail"]
    return problem


@pytest.mark.parametrize(
    "valid_on", ["0001-01-01", "1899-12-31", "9999-12-31", TOMORROW_EVERYWHERE]
)
def test_a_valid_date_outside_1900_to_today_is_refused_naming_it(
    client: TestClient[Litestar], valid_on: str
) -> None:
    problem = out_of_range(
        client,
        "/organisations",
        {"name": "Klub", "sector": "sports_club", "valid_on": valid_on},
        "valid_on",
    )
    assert "up to today" in problem["detail"]


def test_the_first_day_of_1900_and_today_are_valid_dates(client: TestClient[Litestar]) -> None:
    for valid_on in ("1900-01-01", date.today().isoformat()):
        body = {"name": f"Klub {valid_on}", "sector": "sports_club", "valid_on": valid_on}
        write(client, "/organisations", body, status=201)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"period_start": "0001-01-01"}, "period_start"),
        ({"period_end": "9999-12-31"}, "period_end"),
        ({"period_end": BEYOND}, "period_end"),
    ],
)
def test_a_period_beyond_the_horizon_or_before_1900_is_refused_naming_it(
    client: TestClient[Litestar], lead_id: str, fields: dict[str, str], field: str
) -> None:
    out_of_range(client, "/partnerships", partnership_body(lead_id, **fields), field)


def test_a_period_up_to_the_horizon_is_accepted(client: TestClient[Litestar], lead_id: str) -> None:
    body = partnership_body(
        lead_id, period_start="1990-01-01", period_end=latest_plan().isoformat()
    )
    write(client, "/partnerships", body, status=201)


def test_plans_of_agreements_and_follow_ups_and_corrected_dates_are_bounded(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    joined = write(
        client, f"{base}/partners", {"organisation_id": club, "valid_on": "2024-03-01"}, status=201
    )
    terms = {
        "kind": "cooperation",
        "title": "Aftale",
        "purpose": "Formål",
        "party_ids": [lead_id, club],
        "obligations": [
            {"party_id": lead_id, "text": "Henviser"},
            {"party_id": club, "text": "Træner"},
        ],
        "valid_from": "2024-01-01",
    }

    out_of_range(client, f"{base}/agreements", {**terms, "valid_to": "9999-12-31"}, "valid_to")
    out_of_range(
        client,
        f"{base}/follow-ups",
        {"label": "Efter 3 måneder", "due_on": BEYOND, "cohort": 24},
        "due_on",
    )
    out_of_range(
        client,
        f"{base}/corrections/dates",
        {"corrects_version": joined["version"], "corrected_valid_on": TOMORROW_EVERYWHERE},
        "corrected_valid_on",
    )
