"""One "today" (issue 15, finding 5): an agreement's validity running out, and the rung it
backed, read the same in every view at every moment, on a frozen clock (ADR 0015).

The clock stands still at noon in Denmark on the agreement's last valid day, on the day
it has run out and on the day after; every view is read with its default date (today).
Then the housekeeping job records the expiry, and every view reads exactly as before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import dates
from aggregates.taxonomy import AnchoringStatus, Dimension, Rung, Sector
from api.readside import HOUSEKEEPING_ACTOR
from services.commands import (
    EvidenceFields,
    JoinPartner,
    RecordMilestone,
    RenewAgreement,
    TerminateAgreement,
)
from tests.api.conftest import tvaers
from tests.commands import execute
from tests.projections.support import meta, organisation, partnership, signed_agreement

pytestmark = pytest.mark.both_stores

VALID_TO = date(2024, 12, 31)
RUNS_OUT = date(2025, 1, 1)
DAYS = {"the day before": VALID_TO, "the day of": RUNS_OUT, "the day after": date(2025, 1, 2)}


@pytest.fixture
def frozen() -> Iterator[None]:
    yield
    dates.freeze(None)


def at_noon(day: date) -> None:
    dates.freeze(datetime.combine(day, time(12), tzinfo=dates.DENMARK))


class World:
    def __init__(self, client: TestClient[Litestar]) -> None:
        app = tvaers(client)
        self.client = client
        lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
        self.club = organisation(app, "Ishøj Svømmeklub", Sector.SPORTS_CLUB)
        self.pid = partnership(app, lead, title="Brobygning til foreningslivet")
        execute(
            app,
            JoinPartner(
                partnership_id=self.pid,
                organisation_id=self.club,
                rung=Rung.INFORMAL_COOPERATION,
            ),
            meta(date(2024, 1, 10)),
        )
        self.agreement = signed_agreement(
            app,
            self.pid,
            lead,
            [self.club],
            valid_from=date(2024, 2, 1),
            valid_to=VALID_TO,
            signed_on=date(2024, 1, 20),
        )
        # The story tells the ladder on each milestone's date: one on the day it ran out.
        execute(
            app,
            RecordMilestone(
                partnership_id=self.pid,
                dimension=Dimension.OPERATIONS,
                status=AnchoringStatus.STARTED,
                title="Drøftet i styregruppen",
                evidence=EvidenceFields(text="Referat"),
            ),
            meta(RUNS_OUT),
        )
        self.after = app.max_notification_id()

    def get(self, path: str, *, aggregate: bool = False, **params: Any) -> Any:
        """A view (read once it holds the last write), or an aggregate read directly."""
        wait = {} if aggregate else {"after": self.after}
        response = self.client.get(path, params={**wait, **params})
        assert response.status_code == 200, response.text
        return response.json()

    def views(self) -> dict[str, Any]:
        """What every view says today about the agreement and the club's rung."""
        base = f"/partnerships/{self.pid}"
        club, agreement = str(self.club), str(self.agreement)
        listed = {
            a["agreement_id"]: a["status"] for a in self.get(f"{base}/agreements")["agreements"]
        }
        ladder = {p["organisation_id"]: p["rung"] for p in self.get(f"{base}/ladder")["partners"]}
        partners = {
            p["organisation_id"]: p["rung"] for p in self.get(base, aggregate=True)["partners"]
        }
        today = self.get("/agenda")["today"]
        steps = [
            (s["valid_on"], s["rung"], s["evidence"])
            for s in self.get(f"{base}/ladder/history")["steps"]
            if s["organisation_id"] == club and s["valid_on"] <= today
        ]
        hits = self.get("/registry/partnerships", min_rung=5)["hits"]
        highest = {h["id"]: h["highest_rung"] for h in self.get("/registry/partnerships")["hits"]}
        story = self.get(f"{base}/story")
        snapshots = [
            {p["organisation_id"]: p["rung"] for p in s["partners"]}
            for dimension in story["dimensions"]
            for entry in dimension["entries"]
            for s in [entry["snapshot"]]
            if s is not None
        ]
        expiring = [a["agreement_id"] for a in self.get("/agenda")["expiring_agreements"]]
        changed = {
            c["key"]: c["after"]
            for c in self.get(f"{base}/diff", **{"from": "2024-06-01", "to": today})["changes"]
        }
        crosscase = {
            r["rung"]: r["partnerships"] for r in self.get("/crosscase")["rungs"] if r["count"]
        }
        page = self.client.get(f"/ui/partnerships/{self.pid}")
        assert page.status_code == 200, page.text
        ladder_section = page.text[page.text.index('id="ladder"') :]
        ui_ladder = re.search(r'<span class="rung rung-(\d)">\d</span>', ladder_section)
        assert ui_ladder is not None
        ui_agreement = re.search(r'<span class="status agreement-([a-z_]+)">', page.text)
        assert ui_agreement is not None
        return {
            "today": today,
            "agenda: expiring": expiring == [agreement],
            "diff since 01.06.2024": changed.get(club),
            "cross-case: highest rung reached": crosscase,
            "page: the club's rung": int(ui_ladder.group(1)),
            "page: the agreement's status": ui_agreement.group(1),
            "agreement (list)": listed[agreement],
            "agreement (one)": self.get(f"{base}/agreements/{agreement}", aggregate=True)["status"],
            "ladder": ladder[club],
            "partnership": partners[club],
            "ladder history (today's step)": steps[-1],
            "registry: rung 5 or higher": [h["id"] for h in hits],
            "registry: highest rung": highest[str(self.pid)],
            "story: the ladder on the milestone's date": snapshots,
        }


def test_an_agreement_running_out_reads_the_same_in_every_view_on_every_day(
    client: TestClient[Litestar], frozen: None
) -> None:
    world = World(client)
    pid, club = str(world.pid), str(world.club)
    dropped = (RUNS_OUT.isoformat(), Rung.INFORMAL_COOPERATION.value, "samarbejdsaftale ophørt")
    expected = {
        "the day before": {
            "today": VALID_TO.isoformat(),
            "agenda: expiring": True,
            "diff since 01.06.2024": None,
            "cross-case: highest rung reached": {5: [pid]},
            "page: the club's rung": 5,
            "page: the agreement's status": "in_force",
            "agreement (list)": "in_force",
            "agreement (one)": "in_force",
            "ladder": 5,
            "partnership": 5,
            "ladder history (today's step)": (
                "2024-02-01",
                5,
                "samarbejdsaftale underskrevet af alle parter",
            ),
            "registry: rung 5 or higher": [pid],
            "registry: highest rung": 5,
        },
        **{
            when: {
                "today": day.isoformat(),
                "agenda: expiring": False,
                "diff since 01.06.2024": "trin 4 (uformelt samarbejde)",
                # the highest rung ever reached stays (it was reached)
                "cross-case: highest rung reached": {5: [pid]},
                "page: the club's rung": 4,
                "page: the agreement's status": "expired",
                "agreement (list)": "expired",
                "agreement (one)": "expired",
                "ladder": 4,
                "partnership": 4,
                "ladder history (today's step)": dropped,
                "registry: rung 5 or higher": [],
                "registry: highest rung": 4,
            }
            for when, day in DAYS.items()
            if day >= RUNS_OUT
        },
    }
    seen = {}
    for when, day in DAYS.items():
        at_noon(day)
        seen[when] = world.views()
        story = seen[when].pop("story: the ladder on the milestone's date")
        # The milestone on the day it ran out tells rung 4 from that day on.
        assert story == ([] if day < RUNS_OUT else [{club: 4}]), when
        assert seen[when] == expected[when], when

    # The housekeeping job records the expiry (on the day after): nothing any view says changes.
    app = tvaers(client)
    assert app.expire_due_agreements([world.agreement], DAYS["the day after"], HOUSEKEEPING_ACTOR)
    assert app.get_agreement(world.agreement).expired_on == RUNS_OUT
    world.after = app.max_notification_id()
    recorded = world.views()
    recorded.pop("story: the ladder on the milestone's date")
    assert recorded == seen["the day after"]


def test_a_renewal_before_the_validity_runs_out_keeps_the_rung(
    client: TestClient[Litestar], frozen: None
) -> None:
    world = World(client)
    app = tvaers(client)
    execute(
        app,
        RenewAgreement(
            agreement_id=world.agreement, partnership_id=world.pid, valid_to=date(2025, 6, 30)
        ),
        meta(date(2024, 12, 1)),
    )
    world.after = app.max_notification_id()
    at_noon(date(2025, 1, 2))
    views = world.views()
    assert (views["agreement (list)"], views["ladder"], views["partnership"]) == ("in_force", 5, 5)
    assert views["registry: rung 5 or higher"] == [str(world.pid)]
    at_noon(date(2025, 7, 1))
    views = world.views()
    assert (views["agreement (list)"], views["ladder"], views["partnership"]) == ("expired", 4, 4)
    assert views["ladder history (today's step)"] == (
        "2025-07-01",
        4,
        "samarbejdsaftale ophørt",
    )


def test_a_terminated_agreement_drops_on_its_end_and_does_not_lapse_again(
    client: TestClient[Litestar], frozen: None
) -> None:
    world = World(client)
    app = tvaers(client)
    execute(
        app,
        TerminateAgreement(agreement_id=world.agreement, partnership_id=world.pid),
        meta(date(2024, 6, 1), reason="Klubben lukker afdelingen"),
    )
    world.after = app.max_notification_id()
    for day in DAYS.values():
        at_noon(day)
        views = world.views()
        assert (views["agreement (list)"], views["ladder"]) == ("terminated", 4), day
        assert views["ladder history (today's step)"][0] == "2024-06-01"


def test_the_clock_is_danish_today(frozen: None) -> None:
    # 23.30 UTC on 31 December is already New Year's Day in Denmark.
    dates.freeze(datetime(2024, 12, 31, 23, 30, tzinfo=UTC))
    assert dates.today() == RUNS_OUT
    assert dates.now().tzinfo is not None
