"""A partnership's and an organisation's municipality is one of Denmark's 98 (issue 16):
the API refuses any other name, naming the field, and writes nothing; the OpenAPI
document lists the names; records stored before keep theirs."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, Registry
from aggregates.municipalities import MUNICIPALITIES
from services.commands import RegisterPartnership
from tests.api.conftest import ACTOR, partnership_body, register_organisation, tvaers
from tests.api.support import refused
from tests.commands import execute


@pytest.mark.parametrize("named", ["Sundeborg", "Københavns Kommune", " Greve ", "ærø"])
def test_a_partnership_in_another_municipality_is_refused(
    client: TestClient[Litestar], lead_id: str, named: str
) -> None:
    problem = refused(client, "/partnerships", partnership_body(lead_id, municipality=named), 400)
    assert [e["field"] for e in problem["errors"]] == ["municipality"]


def test_one_of_the_98_is_accepted(client: TestClient[Litestar], lead_id: str) -> None:
    response = client.post(
        "/partnerships", json=partnership_body(lead_id, municipality="Ærø", valid_on="2020-01-01")
    )
    assert response.status_code == 201, response.text


def test_an_organisation_names_one_of_the_98_or_none(client: TestClient[Litestar]) -> None:
    refused(
        client, "/organisations", {"name": "X", "sector": "health", "municipality": "Nowhere"}, 400
    )
    register_organisation(client, "Sundhed Ishøj", municipality="Ishøj")
    register_organisation(client, "DGI", "sports_organisation")


def test_a_registry_change_names_one_of_the_98(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    body: dict[str, Any] = {"municipality": "Nordby", "valid_on": "2021-01-01"}
    refused(client, f"/partnerships/{partnership_id}/registry", body, 400, method="PATCH")


def test_a_partnership_stored_before_the_list_keeps_its_name(
    client: TestClient[Litestar], lead_id: str
) -> None:
    old = execute(
        tvaers(client),
        RegisterPartnership.of(
            Registry(title="Fra før listen", municipality="Gammelby"),
            lead_organisation_id=UUID(lead_id),
        ),
        Meta(actor=ACTOR),
    ).aggregate_id
    assert client.get(f"/partnerships/{old}").json()["municipality"] == "Gammelby"


def test_the_openapi_document_lists_the_98(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    enums = [
        prop.get("enum")
        for component in schema["components"]["schemas"].values()
        for name, prop in (component.get("properties") or {}).items()
        if name == "municipality" and "enum" in prop
    ]
    assert enums
    assert all(sorted(n for n in e if n is not None) == sorted(MUNICIPALITIES) for e in enums)
