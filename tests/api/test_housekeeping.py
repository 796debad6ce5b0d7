"""The API process, following the log, records expired agreements by itself."""

from __future__ import annotations

import dataclasses
import time
from datetime import date

import pytest
from litestar.testing import TestClient

from aggregates.taxonomy import Rung, Sector
from api.app import create_app
from api.readside import HOUSEKEEPING_ACTOR
from services.application import Tvaers
from services.commands import JoinPartner
from services.settings import Settings
from tests.commands import execute
from tests.projections.support import meta, organisation, partnership, signed_agreement

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores


def test_an_agreement_past_its_validity_is_expired_when_the_api_starts(
    store_settings: Settings,
) -> None:
    app = Tvaers(store_settings)
    try:
        lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
        club = organisation(app, "Ishøj Svømmeklub", Sector.SPORTS_CLUB)
        pid = partnership(app, lead, title="Brobygning til foreningslivet")
        execute(
            app,
            JoinPartner(partnership_id=pid, organisation_id=club, rung=Rung.INFORMAL_COOPERATION),
            meta(date(2024, 1, 10)),
        )
        agreement_id = signed_agreement(
            app,
            pid,
            lead,
            [club],
            valid_from=date(2024, 2, 1),
            valid_to=date(2024, 12, 31),
            signed_on=date(2024, 1, 20),
        )
    finally:
        app.close()

    settings = dataclasses.replace(store_settings, housekeeping=True)
    with TestClient(app=create_app(settings)) as client:
        tvaers: Tvaers = client.app.state.tvaers
        deadline = time.monotonic() + 10
        while tvaers.get_agreement(agreement_id).expired_on is None:
            assert time.monotonic() < deadline, "housekeeping did not expire the agreement"
            time.sleep(0.05)
        expiry = list(tvaers.events.get(agreement_id))[-1]
        assert (type(expiry).__name__, expiry.actor) == ("Expired", HOUSEKEEPING_ACTOR)
        assert (
            tvaers.get_partnership(pid).rung_of(club, date(2025, 1, 1)) is Rung.INFORMAL_COOPERATION
        )
