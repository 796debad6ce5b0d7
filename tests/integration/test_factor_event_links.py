"""A factor links to any event of its partnership (issue 15 finding 8): recorded with it or
linked later, by the event's version; refused (in Danish too) when the event is not the
partnership's or is the factor itself; a factor stored before the links existed still
loads. Runs on SQLite and on PostgreSQL (`app`)."""

from __future__ import annotations

from datetime import date

import msgspec
from eventsourcing.persistence import StoredEvent

from aggregates import Partnership
from aggregates.errors import InvalidValue, NoChange, NotFound
from aggregates.taxonomy import FactorEffect, FactorOrigin
from services.commands import LeavePartner, LinkFactorToEvent, RecordFactor
from tests.commands import execute
from tests.integration.conftest import World, meta, refused

DAY = date(2024, 3, 1)


def _barrier(world: World, *versions: int) -> RecordFactor:
    return RecordFactor(
        partnership_id=world.partnership_id,
        origin=FactorOrigin.INTERNAL,
        effect=FactorEffect.BARRIER,
        description="Brobyggeren stoppede",
        event_versions=list(versions),
    )


def test_a_barrier_is_linked_to_the_event_it_came_from_and_another_later(world: World) -> None:
    app, pid = world.app, world.partnership_id
    left = execute(app, LeavePartner(partnership_id=pid, organisation_id=world.a), meta(DAY))
    recorded = execute(app, _barrier(world, left.version, left.version), meta(DAY))
    factor_id = recorded.created_id
    assert factor_id is not None
    factor = app.get_partnership(pid).factors[str(factor_id)]
    assert (factor.event_versions, factor.version) == ((left.version,), recorded.version)
    event = app.partnership_events(pid)[-1]
    assert isinstance(event, Partnership.FactorRecorded)
    assert event.event_versions == (left.version,)

    execute(
        app,
        LinkFactorToEvent(partnership_id=pid, factor_id=factor_id, event_version=1),
        meta(DAY),
    )
    assert app.get_partnership(pid).factors[str(factor_id)].event_versions == (left.version, 1)


def test_links_to_events_that_are_not_the_partnerships_are_refused(world: World) -> None:
    app, pid = world.app, world.partnership_id
    recorded = execute(app, _barrier(world), meta(DAY))
    factor_id = recorded.created_id
    assert factor_id is not None
    beyond = recorded.version + 1
    with refused(app, NotFound) as info:
        execute(app, _barrier(world, beyond + 5), meta(DAY))
    assert info.value.da == "Hændelse #{version} findes ikke i «{partnership}»."
    assert info.value.facts["version"] == beyond + 5
    with refused(app, InvalidValue) as info:  # the factor's own recording
        execute(app, _barrier(world, beyond), meta(DAY))
    assert info.value.da == "En faktor kan ikke knyttes til sig selv (hændelse #{version})."
    with refused(app, InvalidValue):
        execute(
            app,
            LinkFactorToEvent(
                partnership_id=pid, factor_id=factor_id, event_version=recorded.version
            ),
            meta(DAY),
        )
    with refused(app, NotFound):
        execute(
            app,
            LinkFactorToEvent(partnership_id=pid, factor_id=factor_id, event_version=beyond),
            meta(DAY),
        )
    execute(
        app, LinkFactorToEvent(partnership_id=pid, factor_id=factor_id, event_version=2), meta(DAY)
    )
    with refused(app, NoChange) as info:
        execute(
            app,
            LinkFactorToEvent(partnership_id=pid, factor_id=factor_id, event_version=2),
            meta(DAY),
        )
    assert info.value.da == "Faktoren er allerede knyttet til hændelse #{version}."


def test_a_factor_stored_before_event_links_existed_still_loads(world: World) -> None:
    """Factors written before 2026-12 have no `event_versions`: they decode (upcast to
    version 2) linked to no event, and can be linked later."""
    app, pid = world.app, world.partnership_id
    execute(app, _barrier(world), meta(DAY))
    new = app.partnership_events(pid)[-1]
    stored = app.mapper.to_stored_event(new)
    state = msgspec.json.decode(stored.state)
    for name in ("event_versions", "class_version"):
        state.pop(name, None)
    state["factor_id"] = "0b7d2d0e-6f3c-4d43-9a53-7c2b4b1f0a11"
    old_shape = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version + 1,
        topic=stored.topic,
        state=msgspec.json.encode(state),
    )
    app.recorder.insert_events([old_shape])
    app._forget(pid)

    decoded = app.partnership_events(pid)[-1]
    assert isinstance(decoded, Partnership.FactorRecorded)
    assert decoded.event_versions == ()
    old = app.get_partnership(pid).factors[state["factor_id"]]
    assert (old.event_versions, old.version) == ((), old_shape.originator_version)
    execute(
        app,
        LinkFactorToEvent(partnership_id=pid, factor_id=decoded.factor_id, event_version=1),
        meta(DAY),
    )
    assert app.get_partnership(pid).factors[state["factor_id"]].event_versions == (1,)
