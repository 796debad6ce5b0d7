"""HTTP: changing some registry fields (PATCH), going to operation (drift), and what the
registry change records (issue 14: every registry field editable, each change recorded
with the fields that changed and the registry before). Also on PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, Partnership
from aggregates.account import AccessRole
from services.commands import GrantAccess
from tests.api.conftest import ACTOR, add_user, as_user, tvaers
from tests.api.support import refused, view, write
from tests.commands import execute

pytestmark = pytest.mark.both_stores

LEADER = "leder@svendborg.dk"


def _last_event(client: TestClient[Litestar], partnership_id: str) -> Any:
    return tvaers(client).partnership_events(UUID(partnership_id))[-1]


def test_patch_changes_only_the_named_fields_and_records_what_changed(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/registry"
    write(client, path, {"purpose": "Flere i bevægelse", "tags": ["motion"]}, method="PATCH")
    before = view(client, partnership_id)

    body = write(
        client,
        path,
        {
            "title": "Bevæg dig hele livet",
            "yearly_budget_dkk": "30000",
            "staff_hours_per_year": 120,
        },
        method="PATCH",
    )

    after = view(client, partnership_id)
    assert body["version"] == before["version"] + 1
    assert after["title"] == "Bevæg dig hele livet"
    # the fields not named keep their values
    assert after["purpose"] == "Flere i bevægelse"
    assert after["tags"] == ["motion"]
    event = _last_event(client, partnership_id)
    assert isinstance(event, Partnership.RegistryUpdated)
    assert event.changed == ("title", "yearly_budget_dkk", "staff_hours_per_year")
    assert event.previous is not None
    assert event.previous.title == "Bevæg dig for livet"
    assert event.previous.purpose == "Flere i bevægelse"


def test_put_records_changed_and_previous_too(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    body = {"title": "Ny titel", "municipality": "Svendborg", "purpose": "Et formål"}
    write(client, f"/partnerships/{partnership_id}/registry", body, method="PUT")
    event = _last_event(client, partnership_id)
    assert event.changed == ("title", "purpose")
    assert event.previous.title == "Bevæg dig for livet"


def test_patch_with_a_stale_if_match_is_refused(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/registry"
    write(client, path, {"purpose": "Et andet formål"}, method="PATCH", if_match=1)
    refused(client, path, {"title": "Min titel"}, 412, "stale-version", method="PATCH", if_match=1)


def test_patch_without_if_match_lands_on_the_current_version(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/registry"
    write(client, path, {"purpose": "Et formål"}, method="PATCH")
    write(client, path, {"arenas": ["skole"]}, method="PATCH")
    shown = view(client, partnership_id)
    assert (shown["purpose"], shown["arenas"]) == ("Et formål", ["skole"])


def test_patch_refuses_a_rule_broken_with_the_current_fields_and_unknown_fields(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/registry"
    write(client, path, {"period_start": "2025-01-01"}, method="PATCH")
    refused(client, path, {"period_end": "2024-01-01"}, 422, "inconsistent-dates", method="PATCH")
    refused(client, path, {"lead_organisation_id": partnership_id}, 400, method="PATCH")
    refused(client, path, {"title": ""}, 400, method="PATCH")
    refused(client, path, {}, 422, "no-change", method="PATCH")


def test_null_empties_a_period_date_and_the_budget(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/registry"
    write(client, path, {"period_start": "2025-01-01", "yearly_budget_dkk": 5}, method="PATCH")
    write(client, path, {"period_start": None, "yearly_budget_dkk": None}, method="PATCH")
    shown = view(client, partnership_id)
    assert shown["period_start"] is None
    assert shown.get("yearly_budget_dkk") is None


def test_only_one_who_may_register_there_moves_a_partnership_to_a_municipality(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    add_user(client, LEADER)
    execute(
        tvaers(client),
        GrantAccess(
            username=LEADER, role=AccessRole.PROJECT_LEADER, partnership_id=UUID(partnership_id)
        ),
        Meta(actor=ACTOR),
    )
    path = f"/partnerships/{partnership_id}/registry"
    leader = as_user(client, LEADER)
    response = client.patch(path, json={"purpose": "Projektlederen retter"}, headers=leader)
    assert response.status_code == 200, response.text
    response = client.patch(path, json={"municipality": "Nyborg"}, headers=leader)
    assert response.status_code == 403, response.text
    write(client, path, {"municipality": "Nyborg"}, method="PATCH")  # an administrator


def test_entering_operations(client: TestClient[Litestar], partnership_id: str) -> None:
    path = f"/partnerships/{partnership_id}/registry/operations"
    write(client, path, {"reason": "Styregruppen besluttede drift"})
    assert view(client, partnership_id)["kind"] == "operations"
    event = _last_event(client, partnership_id)
    assert event.changed == ("kind",)
    refused(client, path, {}, 422, "no-change")
