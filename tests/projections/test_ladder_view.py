"""Ladder view: rungs per partner on any valid date, as the registry knew it at any time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

import pytest

from aggregates.taxonomy import AgreementKind, Rung, Sector
from projections import ladder
from services.commands import (
    CorrectDate,
    CorrectRung,
    JoinPartner,
    LeavePartner,
    MoveOnLadder,
    TerminateAgreement,
)
from tests.commands import execute
from tests.projections.support import (
    ReadSide,
    instant,
    meta,
    organisation,
    partnership,
    signed_agreement,
)

D = date


@dataclass
class Ladder:
    side: ReadSide
    lead: UUID
    dgi: UUID
    kb: UUID
    pid: UUID


@pytest.fixture
def world(read_side: ReadSide) -> Ladder:
    app = read_side.app
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    dgi = organisation(app, "DGI Sydjylland", Sector.SPORTS_ORGANISATION)
    kb = organisation(app, "Kræftens Bekæmpelse", Sector.PATIENT_ASSOCIATION)
    return Ladder(read_side, lead, dgi, kb, partnership(app, lead))


def steps(history: list[ladder.RungStep]) -> list[tuple[UUID, int | None, date]]:
    return [(s.organisation_id, s.rung, s.valid_on) for s in history]


async def test_rungs_show_each_partner_now_and_on_earlier_valid_dates(world: Ladder) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(
            partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE, evidence="Møde"
        ),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.kb, rung=Rung.KNOW_EACH_OTHER),
        meta(D(2024, 2, 1)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.kb,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Fælles kursus",
        ),
        meta(D(2024, 4, 1)),
    )
    await world.side.sync()

    assert await ladder.rungs(store, world.pid, as_of=D(2024, 1, 9)) == []
    on_jan_15 = await ladder.rungs(store, world.pid, as_of=D(2024, 1, 15))
    assert [(r.name, r.rung, r.since, r.evidence) for r in on_jan_15] == [
        ("DGI Sydjylland", Rung.DIALOGUE, D(2024, 1, 10), "Møde")
    ]
    on_feb_15 = await ladder.rungs(store, world.pid, as_of=D(2024, 2, 15))
    assert [(r.organisation_id, r.rung) for r in on_feb_15] == [
        (world.dgi, Rung.DIALOGUE),
        (world.kb, Rung.KNOW_EACH_OTHER),
    ]
    on_mar_15 = await ladder.rungs(store, world.pid, as_of=D(2024, 3, 15))
    assert [(r.organisation_id, r.rung, r.since) for r in on_mar_15] == [
        (world.dgi, Rung.MUTUAL_REFERRAL, D(2024, 3, 1)),
        (world.kb, Rung.KNOW_EACH_OTHER, D(2024, 2, 1)),
    ]
    now = await ladder.rungs(store, world.pid)
    assert [(r.name, r.rung, r.since, r.evidence, r.agreement_id) for r in now] == [
        ("Kræftens Bekæmpelse", Rung.INFORMAL_COOPERATION, D(2024, 4, 1), "Fælles kursus", None),
        ("DGI Sydjylland", Rung.MUTUAL_REFERRAL, D(2024, 3, 1), "Henvisninger", None),
    ]
    assert world.lead not in {r.organisation_id for r in now}  # the lead is not on the ladder


async def test_history_lists_steps_in_valid_time_order_whatever_order_they_were_recorded(
    world: Ladder,
) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Aftale",
        ),
        meta(D(2024, 5, 1)),
    )
    execute(
        app, JoinPartner(partnership_id=world.pid, organisation_id=world.kb), meta(D(2024, 2, 1))
    )
    # Back-dated: recorded last, happened between the two DGI facts above.
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    await world.side.sync()

    history = await ladder.history(store, world.pid)
    assert steps(history) == [
        (world.dgi, Rung.DIALOGUE, D(2024, 1, 10)),
        (world.kb, Rung.KNOW_EACH_OTHER, D(2024, 2, 1)),
        (world.dgi, Rung.MUTUAL_REFERRAL, D(2024, 3, 1)),
        (world.dgi, Rung.INFORMAL_COOPERATION, D(2024, 5, 1)),
    ]
    assert [s.source_version for s in history] == [2, 4, 5, 3]
    assert not any(s.corrected for s in history)
    only_dgi = await ladder.history(store, world.pid, organisation_id=world.dgi)
    assert [s.rung for s in only_dgi] == [
        Rung.DIALOGUE,
        Rung.MUTUAL_REFERRAL,
        Rung.INFORMAL_COOPERATION,
    ]


async def test_distribution_counts_partners_per_rung_on_each_date(world: Ladder) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.kb, rung=Rung.DIALOGUE),
        meta(D(2024, 2, 1)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Kursus",
        ),
        meta(D(2024, 3, 1)),
    )
    execute(
        app, LeavePartner(partnership_id=world.pid, organisation_id=world.kb), meta(D(2024, 4, 1))
    )
    await world.side.sync()

    dates = [D(2024, 1, 1), D(2024, 1, 10), D(2024, 2, 1), D(2024, 3, 1), D(2024, 4, 1)]
    result = await ladder.distribution(store, world.pid, dates=dates)
    empty = {1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}
    assert result == [
        (D(2024, 1, 1), empty),
        (D(2024, 1, 10), {**empty, 2: 1}),
        (D(2024, 2, 1), {**empty, 2: 2}),
        (D(2024, 3, 1), {**empty, 2: 1, 4: 1}),
        (D(2024, 4, 1), {**empty, 4: 1}),
    ]


async def test_a_back_dated_move_changes_past_dates_but_not_what_the_registry_said_before(
    world: Ladder,
) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Kursus",
        ),
        meta(D(2024, 6, 1)),
    )
    before = instant()
    execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    await world.side.sync()

    async def rung_on(day: date, known_at: datetime | None = None) -> list[Rung]:
        found = await ladder.rungs(store, world.pid, as_of=day, known_at=known_at)
        return [r.rung for r in found]

    assert await rung_on(D(2024, 4, 1)) == [Rung.MUTUAL_REFERRAL]
    assert await rung_on(D(2024, 4, 1), before) == [Rung.DIALOGUE]
    assert await rung_on(D(2024, 7, 1)) == [Rung.INFORMAL_COOPERATION]
    assert await rung_on(D(2024, 7, 1), before) == [Rung.INFORMAL_COOPERATION]
    history_then = await ladder.history(store, world.pid, known_at=before)
    assert [s.rung for s in history_then] == [Rung.DIALOGUE, Rung.INFORMAL_COOPERATION]


async def test_a_date_correction_shows_from_its_recording_and_earlier_reports_stay_as_they_were(
    world: Ladder,
) -> None:
    """The example of docs/time.md: a move recorded for 1 March really happened 1 February."""
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    before = instant()
    execute(
        app,
        CorrectDate(
            partnership_id=world.pid,
            corrects_version=moved.version,
            corrected_valid_on=D(2024, 2, 1),
        ),
        meta(D(2024, 3, 5), reason="Dato"),
    )
    await world.side.sync()

    now = await ladder.rungs(store, world.pid, as_of=D(2024, 2, 15))
    assert [(r.rung, r.since) for r in now] == [(Rung.MUTUAL_REFERRAL, D(2024, 2, 1))]
    then = await ladder.rungs(store, world.pid, as_of=D(2024, 2, 15), known_at=before)
    assert [(r.rung, r.since) for r in then] == [(Rung.DIALOGUE, D(2024, 1, 10))]
    assert await ladder.rungs(store, world.pid, as_of=D(2024, 1, 5)) == []

    history = await ladder.history(store, world.pid)
    assert [(s.rung, s.valid_on, s.source_version, s.corrected) for s in history] == [
        (Rung.DIALOGUE, D(2024, 1, 10), 2, False),
        (Rung.MUTUAL_REFERRAL, D(2024, 2, 1), moved.version, True),
    ]
    history_then = await ladder.history(store, world.pid, known_at=before)
    assert [(s.rung, s.valid_on, s.corrected) for s in history_then] == [
        (Rung.DIALOGUE, D(2024, 1, 10), False),
        (Rung.MUTUAL_REFERRAL, D(2024, 3, 1), False),
    ]


async def test_a_rung_correction_replaces_the_rung_from_its_recording_on(world: Ladder) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    before = instant()
    execute(
        app,
        CorrectRung(
            partnership_id=world.pid,
            corrects_version=moved.version,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Fælles kursus",
        ),
        meta(reason="Trin"),
    )
    await world.side.sync()

    now = await ladder.rungs(store, world.pid, as_of=D(2024, 3, 15))
    assert [(r.rung, r.since, r.evidence) for r in now] == [
        (Rung.INFORMAL_COOPERATION, D(2024, 3, 1), "Fælles kursus")
    ]
    then = await ladder.rungs(store, world.pid, as_of=D(2024, 3, 15), known_at=before)
    assert [(r.rung, r.since, r.evidence) for r in then] == [
        (Rung.MUTUAL_REFERRAL, D(2024, 3, 1), "Henvisninger")
    ]
    dates = [D(2024, 3, 15)]
    assert await ladder.distribution(store, world.pid, dates=dates, known_at=before) == [
        (D(2024, 3, 15), {1: 0, 2: 0, 3: 1, 4: 0, 5: 0, 6: 0})
    ]
    assert await ladder.distribution(store, world.pid, dates=dates) == [
        (D(2024, 3, 15), {1: 0, 2: 0, 3: 0, 4: 1, 5: 0, 6: 0})
    ]


async def test_a_correction_is_known_from_the_instant_it_was_recorded(world: Ladder) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    corrected = execute(
        app,
        CorrectRung(
            partnership_id=world.pid,
            corrects_version=moved.version,
            rung=Rung.KNOW_EACH_OTHER,
            evidence="Fejl",
        ),
        meta(),
    )
    await world.side.sync()
    [correction] = app.partnership_events(world.pid)[corrected.version - 1 :]
    recorded = correction.timestamp

    async def rung_known_at(known_at: datetime) -> list[Rung]:
        found = await ladder.rungs(store, world.pid, known_at=known_at)
        return [r.rung for r in found]

    assert await rung_known_at(recorded) == [Rung.KNOW_EACH_OTHER]
    assert await rung_known_at(recorded - timedelta(microseconds=1)) == [Rung.MUTUAL_REFERRAL]
    history = await ladder.history(store, world.pid, known_at=recorded)
    assert [(s.rung, s.recorded_at, s.corrected) for s in history[1:]] == [
        (Rung.KNOW_EACH_OTHER, recorded, True)
    ]


async def test_of_two_moves_on_the_same_date_the_one_recorded_later_stands(world: Ladder) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.kb, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    for rung in (Rung.INFORMAL_COOPERATION, Rung.MUTUAL_REFERRAL):
        execute(
            app,
            MoveOnLadder(
                partnership_id=world.pid, organisation_id=world.dgi, rung=rung, evidence="Samme dag"
            ),
            meta(D(2024, 3, 1)),
        )
    await world.side.sync()

    on_the_day = await ladder.rungs(store, world.pid, as_of=D(2024, 3, 1))
    assert [(r.organisation_id, r.rung) for r in on_the_day] == [
        (world.dgi, Rung.MUTUAL_REFERRAL),
        (world.kb, Rung.DIALOGUE),
    ]
    assert app.get_partnership(world.pid).rung_of(world.dgi) is Rung.MUTUAL_REFERRAL
    assert await ladder.distribution(store, world.pid, dates=[D(2024, 3, 1)]) == [
        (D(2024, 3, 1), {1: 0, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0})
    ]


async def test_a_rung_correction_after_a_date_correction_keeps_the_corrected_date(
    world: Ladder,
) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    moved = execute(
        app,
        MoveOnLadder(
            partnership_id=world.pid,
            organisation_id=world.dgi,
            rung=Rung.MUTUAL_REFERRAL,
            evidence="Henvisninger",
        ),
        meta(D(2024, 3, 1)),
    )
    execute(
        app,
        CorrectDate(
            partnership_id=world.pid,
            corrects_version=moved.version,
            corrected_valid_on=D(2024, 2, 1),
        ),
        meta(reason="Dato"),
    )
    between = instant()
    execute(
        app,
        CorrectRung(
            partnership_id=world.pid,
            corrects_version=moved.version,
            rung=Rung.INFORMAL_COOPERATION,
            evidence="Kursus",
        ),
        meta(),
    )
    await world.side.sync()

    async def on_feb_15(known_at: datetime | None = None) -> list[tuple[Rung, date]]:
        found = await ladder.rungs(store, world.pid, as_of=D(2024, 2, 15), known_at=known_at)
        return [(r.rung, r.since) for r in found]

    assert await on_feb_15() == [(Rung.INFORMAL_COOPERATION, D(2024, 2, 1))]
    assert await on_feb_15(between) == [(Rung.MUTUAL_REFERRAL, D(2024, 2, 1))]
    history = await ladder.history(store, world.pid)
    assert [(s.rung, s.valid_on) for s in history] == [
        (Rung.DIALOGUE, D(2024, 1, 10)),
        (Rung.INFORMAL_COOPERATION, D(2024, 2, 1)),
    ]


async def test_signing_an_agreement_lifts_the_partner_to_rung_5_and_terminating_drops_it_to_4(
    world: Ladder,
) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(
            partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.INFORMAL_COOPERATION
        ),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.kb, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    agreement_id = signed_agreement(
        app,
        world.pid,
        world.lead,
        [world.dgi],
        kind=AgreementKind.COOPERATION,
        valid_from=D(2024, 3, 1),
        valid_to=D(2025, 2, 28),
        signed_on=D(2024, 2, 25),
    )
    await world.side.sync()

    async def dgi_on(day: date) -> tuple[Rung, date, UUID | None]:
        found = {r.organisation_id: r for r in await ladder.rungs(store, world.pid, as_of=day)}
        return found[world.dgi].rung, found[world.dgi].since, found[world.dgi].agreement_id

    assert await dgi_on(D(2024, 2, 28)) == (Rung.INFORMAL_COOPERATION, D(2024, 1, 10), None)
    assert await dgi_on(D(2024, 3, 1)) == (Rung.COOPERATION_AGREEMENT, D(2024, 3, 1), agreement_id)
    kb_now = [r.rung for r in await ladder.rungs(store, world.pid) if r.organisation_id == world.kb]
    assert kb_now == [Rung.DIALOGUE]  # not a party: not lifted

    execute(
        app,
        TerminateAgreement(agreement_id=agreement_id),
        meta(D(2024, 9, 1), reason="Projektet stopper"),
    )
    await world.side.sync()
    assert await dgi_on(D(2024, 8, 31)) == (Rung.COOPERATION_AGREEMENT, D(2024, 3, 1), agreement_id)
    assert await dgi_on(D(2024, 9, 1)) == (Rung.INFORMAL_COOPERATION, D(2024, 9, 1), agreement_id)
    history = await ladder.history(store, world.pid, organisation_id=world.dgi)
    assert [(s.rung, s.valid_on, s.evidence) for s in history] == [
        (Rung.INFORMAL_COOPERATION, D(2024, 1, 10), ""),
        (Rung.COOPERATION_AGREEMENT, D(2024, 3, 1), "samarbejdsaftale underskrevet af alle parter"),
        (Rung.INFORMAL_COOPERATION, D(2024, 9, 1), "samarbejdsaftale ophørt"),
    ]


async def test_a_partner_who_leaves_disappears_from_the_rungs_from_that_date(world: Ladder) -> None:
    app, store = world.side.app, world.side.store
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.dgi, rung=Rung.DIALOGUE),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.kb, rung=Rung.MUTUAL_REFERRAL),
        meta(D(2024, 1, 10)),
    )
    execute(
        app,
        LeavePartner(partnership_id=world.pid, organisation_id=world.kb),
        meta(D(2024, 6, 1), reason="Ingen ressourcer"),
    )
    await world.side.sync()

    before = await ladder.rungs(store, world.pid, as_of=D(2024, 5, 31))
    assert [(r.name, r.rung) for r in before] == [
        ("Kræftens Bekæmpelse", Rung.MUTUAL_REFERRAL),
        ("DGI Sydjylland", Rung.DIALOGUE),
    ]
    for day in (D(2024, 6, 1), None):
        after = await ladder.rungs(store, world.pid, as_of=day)
        assert [(r.name, r.rung) for r in after] == [("DGI Sydjylland", Rung.DIALOGUE)]
    kb_history = await ladder.history(store, world.pid, organisation_id=world.kb)
    assert [(s.rung, s.valid_on) for s in kb_history] == [
        (Rung.MUTUAL_REFERRAL, D(2024, 1, 10)),
        (None, D(2024, 6, 1)),
    ]

    # Rejoining puts the partner back on the ladder from the new date.
    execute(
        app,
        JoinPartner(partnership_id=world.pid, organisation_id=world.kb, rung=Rung.KNOW_EACH_OTHER),
        meta(D(2024, 10, 1)),
    )
    await world.side.sync()
    rejoined = await ladder.rungs(store, world.pid, as_of=D(2024, 10, 1))
    assert [(r.name, r.rung, r.since) for r in rejoined] == [
        ("DGI Sydjylland", Rung.DIALOGUE, D(2024, 1, 10)),
        ("Kræftens Bekæmpelse", Rung.KNOW_EACH_OTHER, D(2024, 10, 1)),
    ]
