"""The audit API reads what projections/history.py declares: sentences in Danish and
English, the group of each entry, a filter by group; the export carries them too."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import assert_problem, tvaers
from tests.api.support import register_person, write

LEAD = "Sundhed og Forebyggelse, Svendborg Kommune"


def _audit(
    client: TestClient[Litestar], partnership_id: str, **params: str | list[str]
) -> list[dict[str, Any]]:
    after = tvaers(client).max_notification_id()
    response = client.get(
        f"/partnerships/{partnership_id}/audit", params={"after": str(after), **params}
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def test_entries_carry_both_sentences_and_their_group_and_filter_by_group(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}/roles"
    dorte = register_person(client, lead_id, "Dorte Frost")
    position = write(
        client,
        base,
        {"role": "coordinator", "person_id": dorte, "valid_on": "2024-02-01"},
        status=201,
    )["id"]
    write(client, f"{base}/{position}/vacancy", {"valid_on": "2024-08-01"})

    roles = _audit(client, partnership_id, group="roles")
    assert [(e["kind"], e["summary"], e["summary_en"], e["group"]) for e in roles] == [
        (
            "RoleVacated",
            f"Rolle ledig: tovholder; Dorte Frost ({LEAD}) er fratrådt",
            f"Role vacant: coordinator; Dorte Frost ({LEAD}) has left it",
            "roles",
        ),
        (
            "RoleAssigned",
            "Dorte Frost (Sundhed og Forebyggelse, Svendborg Kommune) tildelt rollen tovholder",
            "Dorte Frost (Sundhed og Forebyggelse, Svendborg Kommune) given the role coordinator",
            "roles",
        ),
    ]
    both = _audit(client, partnership_id, group=["roles", "registry"])
    assert [e["kind"] for e in both] == ["RoleVacated", "RoleAssigned", "Registered"]
    assert _audit(client, partnership_id, group="corrections") == []
    assert_problem(
        client.get(f"/partnerships/{partnership_id}/audit", params={"group": "nonsense"}), 400
    )

    exported = client.get(
        f"/partnerships/{partnership_id}/audit",
        params={"format": "csv", "group": "roles", "lang": "en"},
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [(r["Summary"], r["Group"]) for r in rows] == [
        (
            f"Role vacant: coordinator; Dorte Frost ({LEAD}) has left it",
            "roles",
        ),
        (
            "Dorte Frost (Sundhed og Forebyggelse, Svendborg Kommune) given the role coordinator",
            "roles",
        ),
    ]
