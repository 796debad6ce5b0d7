"""Housekeeping: agreements whose validity ran out are recorded as expired, by themselves."""

from __future__ import annotations

from datetime import date

from aggregates.agreement import AgreementStatus
from aggregates.taxonomy import Rung, Sector
from api.readside import HOUSEKEEPING_ACTOR
from api.readside import ReadSide as ApiReadSide
from projections import ladder
from services.commands import JoinPartner
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    meta,
    organisation,
    partnership,
    signed_agreement,
)


async def test_an_agreement_past_its_validity_is_expired_and_its_partner_drops_to_rung_4(
    read_side: ReadSide,
) -> None:
    app, store, runner = read_side
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    club = organisation(app, "Ishøj Svømmeklub", Sector.SPORTS_CLUB)
    still_valid = organisation(app, "Frivilligcenter Ishøj", Sector.VOLUNTARY)
    pid = partnership(app, lead, title="Brobygning til foreningslivet")
    for partner in (club, still_valid):
        execute(
            app,
            JoinPartner(
                partnership_id=pid, organisation_id=partner, rung=Rung.INFORMAL_COOPERATION
            ),
            meta(date(2024, 1, 10)),
        )
    ran_out = signed_agreement(
        app,
        pid,
        lead,
        [club],
        valid_from=date(2024, 2, 1),
        valid_to=date(2024, 12, 31),
        signed_on=date(2024, 1, 20),
    )
    signed_agreement(
        app,
        pid,
        lead,
        [still_valid],
        valid_from=date(2024, 2, 1),
        valid_to=date(2026, 12, 31),
        signed_on=date(2024, 1, 20),
    )
    await runner.setup()
    housekeeping = ApiReadSide(settings=app.settings, store=store, runner=runner, tvaers=app)

    assert await housekeeping.expire_due_agreements(today=date(2025, 1, 15)) == 1
    assert await housekeeping.expire_due_agreements(today=date(2025, 1, 15)) == 0  # idempotent

    agreement = app.get_agreement(ran_out)
    assert agreement.expired_on == date(2025, 1, 1)
    assert agreement.status_on(date(2025, 1, 1)) is AgreementStatus.EXPIRED
    partnership_now = app.get_partnership(pid)
    assert partnership_now.rung_of(club, date(2024, 12, 31)) is Rung.COOPERATION_AGREEMENT
    assert partnership_now.rung_of(club, date(2025, 1, 1)) is Rung.INFORMAL_COOPERATION
    assert partnership_now.rung_of(still_valid, date(2025, 1, 1)) is Rung.COOPERATION_AGREEMENT
    await runner.catch_up()
    rungs = {
        r.organisation_id: r.rung for r in await ladder.rungs(store, pid, as_of=date(2025, 1, 2))
    }
    assert rungs == {club: Rung.INFORMAL_COOPERATION, still_valid: Rung.COOPERATION_AGREEMENT}
    expiry = [e for e in app.events.get(ran_out)][-1]
    assert (type(expiry).__name__, expiry.actor) == ("Expired", HOUSEKEEPING_ACTOR)
