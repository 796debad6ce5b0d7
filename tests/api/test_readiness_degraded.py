"""Issue 12, finding 1: a stuck view is loud (/ready, /metrics) and contained (logins work)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, Partnership, Registry
from aggregates.taxonomy import Rung, Sector
from projections.ladder import ladder
from projections.store import Statement
from services.commands import JoinPartner, MoveOnLadder, RegisterOrganisation, RegisterPartnership
from tests.api.conftest import PASSWORD, add_user, tvaers
from tests.commands import execute

pytestmark = pytest.mark.both_stores


def _ready_when(client: TestClient[Litestar], status: str) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while True:
        body: dict[str, object] = client.get("/ready").json()
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def test_a_stuck_view_makes_ready_degraded_and_counts_while_logins_and_writes_go_on(
    client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(e: Partnership.RungChanged) -> Iterable[Statement]:
        yield ("INSERT INTO ladder_facts (no_such_column) VALUES (?)", (e.originator_id,))

    monkeypatch.setitem(ladder.handlers, Partnership.RungChanged, broken)
    app = tvaers(client)
    meta = Meta(actor="cli:test", valid_on=date(2024, 1, 1))
    lead = execute(app, RegisterOrganisation(name="Sundhed", sector=Sector.HEALTH), meta).created_id
    dgi = execute(app, RegisterOrganisation(name="DGI", sector=Sector.SPORTS_ORGANISATION), meta)
    assert lead is not None
    assert dgi.created_id is not None

    pid = execute(
        app,
        RegisterPartnership.of(
            Registry(title="Sund By", municipality="Svendborg", purpose="Sundhed"),
            lead_organisation_id=lead,
        ),
        meta,
    ).created_id
    assert pid is not None
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=dgi.created_id, rung=Rung.DIALOGUE),
        meta,
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=pid,
            organisation_id=dgi.created_id,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        Meta(actor="cli:test", valid_on=date(2024, 2, 1)),
    )

    body = _ready_when(client, "degraded")
    response = client.get("/ready")
    assert response.status_code == 200  # still serving: no load balancer should drop it
    assert body["status"] == "degraded"
    assert body["stuck"] == [
        {
            "projection": "ladder",
            "notification_id": moved.notification_id,
            "error": body["stuck"][0]["error"],  # type: ignore[index]
            "attempts": body["stuck"][0]["attempts"],  # type: ignore[index]
            "since": body["stuck"][0]["since"],  # type: ignore[index]
        }
    ]
    stuck = body["stuck"][0]  # type: ignore[index]
    assert stuck["error"] in ("OperationalError", "UndefinedColumnError")
    assert "no_such_column" not in response.text  # the message stays in the log and the CLI
    assert stuck["attempts"] >= 1

    # Access goes on: a new user logs in, gets a token, and it works.
    add_user(client, "ny@svendborg.dk")
    issued = client.post(
        "/auth/tokens", json={"username": "ny@svendborg.dk", "password": PASSWORD, "label": "x"}
    )
    assert issued.status_code == 201, issued.text
    me = client.get("/auth/me", headers={"Authorization": f"Bearer {issued.json()['token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "ny@svendborg.dk"

    # Writes and reads of other views are not held back by the stuck one.
    written = client.post(
        "/organisations", json={"name": "Jobcenter Svendborg", "sector": "employment"}
    )
    assert written.status_code == 201, written.text
    shown = client.get(f"/organisations/{written.json()['id']}")
    assert shown.status_code == 200
    assert shown.json()["name"] == "Jobcenter Svendborg"

    metrics = client.get("/metrics").text
    assert 'tvaers_projection_stuck{projection="ladder"} 1.0' in metrics
    assert 'tvaers_projection_stuck{projection="access"} 0.0' in metrics
    counted = [
        line
        for line in metrics.splitlines()
        if line.startswith('tvaers_projection_failures_total{projection="ladder"}')
    ]
    assert counted
    assert float(counted[0].split()[-1]) >= 1


def test_ready_says_ready_and_lists_nothing_when_no_view_is_stuck(
    client: TestClient[Litestar],
) -> None:
    body = client.get("/ready").json()
    assert body["status"] == "ready"
    assert "stuck" not in body
