"""Working side by side (issue 14, finding 3): a form's base version conflicts only when
the same thing changed since (ADR 0016). Runs on SQLite and on PostgreSQL (`app`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec
from eventsourcing.persistence import StoredEvent

from aggregates import Partnership
from aggregates.errors import SeatOccupied
from aggregates.taxonomy import (
    AgreementKind,
    AnchoringStatus,
    Dimension,
    PartnershipType,
    Rung,
    SeatRole,
)
from services.application import Tvaers
from services.commands import (
    AppointSteeringMember,
    ChangeRegistryFields,
    CorrectDate,
    DraftAgreement,
    EnterOperations,
    EvidenceFields,
    MoveOnLadder,
    RecordMilestone,
    SignAgreement,
    UpdateRegistry,
)
from services.errors import EditConflict, StaleVersion
from tests.commands import execute
from tests.integration.conftest import World, meta, refused, signatory, terms

DAY = date(2024, 2, 1)


def milestone(world: World, dimension: Dimension, title: str) -> RecordMilestone:
    return RecordMilestone(
        partnership_id=world.partnership_id,
        dimension=dimension,
        status=AnchoringStatus.STARTED,
        title=title,
        evidence=EvidenceFields(text="Referat"),
    )


def test_two_milestones_saved_from_forms_of_one_version_both_land(world: World) -> None:
    """The reported case: a milestone saved in one tab no longer blocks the other."""
    app, base = world.app, world.version
    execute(app, milestone(world, Dimension.MANAGEMENT, "Styregruppe nedsat"), meta(DAY))
    result = execute(
        app,
        milestone(world, Dimension.POLITICAL, "Budget afsat"),
        meta(DAY),
        base_version=base,
    )
    assert result.version == base + 2
    titles = {m.title for m in app.get_partnership(world.partnership_id).milestones.values()}
    assert titles == {"Styregruppe nedsat", "Budget afsat"}


def test_different_registry_fields_both_land_and_the_other_change_stays(world: World) -> None:
    app, pid = world.app, world.partnership_id
    base = world.version
    execute(app, ChangeRegistryFields(partnership_id=pid, title="Ny titel"), meta(DAY))
    execute(
        app,
        ChangeRegistryFields(partnership_id=pid, purpose="Nyt formål"),
        meta(DAY),
        base_version=base,
    )
    registry = app.get_partnership(pid).registry
    assert (registry.title, registry.purpose) == ("Ny titel", "Nyt formål")


def test_the_same_registry_field_conflicts_and_nothing_is_saved(world: World) -> None:
    app, pid = world.app, world.partnership_id
    base = world.version
    execute(app, ChangeRegistryFields(partnership_id=pid, title="Deres titel"), meta(DAY))
    with refused(app, EditConflict) as info:
        execute(
            app,
            ChangeRegistryFields(partnership_id=pid, title="Min titel", tags=["ny"]),
            meta(DAY),
            base_version=base,
        )
    conflict = info.value
    assert conflict.current_version == base + 1
    assert conflict.fields() == ("title",)
    assert [type(e).__name__ for e in conflict.events] == ["RegistryUpdated"]
    assert conflict.events[0].registry.title == "Deres titel"
    # the cached aggregate was dropped: the current state is the other person's
    assert app.get_partnership(pid).registry.title == "Deres titel"
    assert app.get_partnership(pid).registry.tags == ("rygning", "bevægelse")
    # keeping one's own: the same command on the current version lands
    execute(
        app,
        ChangeRegistryFields(partnership_id=pid, title="Min titel"),
        meta(DAY),
        base_version=conflict.current_version,
    )
    assert app.get_partnership(pid).registry.title == "Min titel"


def test_the_same_partners_rung_conflicts_another_partners_does_not(world: World) -> None:
    app, pid = world.app, world.partnership_id
    base = world.version
    execute(
        app,
        MoveOnLadder(partnership_id=pid, organisation_id=world.a, rung=3, evidence="Møde"),
        meta(DAY),
    )
    execute(
        app,
        MoveOnLadder(partnership_id=pid, organisation_id=world.b, rung=3, evidence="Møde"),
        meta(DAY),
        base_version=base,
    )
    with refused(app, EditConflict):
        execute(
            app,
            MoveOnLadder(partnership_id=pid, organisation_id=world.a, rung=4, evidence="Aftale"),
            meta(DAY),
            base_version=base,
        )


def test_if_match_stays_strict(world: World) -> None:
    app = world.app
    base = world.version
    execute(app, milestone(world, Dimension.MANAGEMENT, "Styregruppe nedsat"), meta(DAY))
    with refused(app, StaleVersion):
        execute(
            app, milestone(world, Dimension.POLITICAL, "Budget"), meta(DAY), expected_version=base
        )


def test_the_command_is_checked_against_the_current_state(app: Tvaers, world: World) -> None:
    """Landing on the current version re-runs the rules there: a steering seat taken
    meanwhile by another person is refused by the rule, not by a conflict."""
    pid = world.partnership_id
    first, second = signatory(app, world.a), signatory(app, world.b)
    base = world.version
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=first, seat=SeatRole.CHAIR),
        meta(DAY),
    )
    with refused(app, SeatOccupied):
        execute(
            app,
            AppointSteeringMember(partnership_id=pid, person_id=second, seat=SeatRole.CHAIR),
            meta(DAY),
            base_version=base,
        )


def test_a_correction_touches_what_the_corrected_event_touched(world: World) -> None:
    app, pid = world.app, world.partnership_id
    moved = execute(
        app,
        MoveOnLadder(partnership_id=pid, organisation_id=world.a, rung=3, evidence="Møde"),
        meta(DAY),
    )
    base = moved.version
    execute(
        app,
        CorrectDate(partnership_id=pid, corrects_version=moved.version, corrected_valid_on=DAY),
        meta(date(2024, 2, 2)),
    )
    with refused(app, EditConflict):
        execute(
            app,
            MoveOnLadder(partnership_id=pid, organisation_id=world.a, rung=4, evidence="x"),
            meta(DAY),
            base_version=base,
        )


def test_signatures_of_two_parties_both_land_an_amendment_meanwhile_conflicts(
    app: Tvaers, world: World
) -> None:
    pid = world.partnership_id
    signers = {o: signatory(app, o) for o in (world.lead_id, world.a)}
    drafted = execute(
        app,
        DraftAgreement.of(
            terms(world.lead_id, [world.a]), partnership_id=pid, kind=AgreementKind.COOPERATION
        ),
        meta(DAY),
    )
    agreement_id = drafted.created_id
    assert agreement_id is not None
    base = app.get_agreement(agreement_id).version
    for party in (world.lead_id, world.a):
        execute(
            app,
            SignAgreement(
                partnership_id=pid,
                agreement_id=agreement_id,
                party_id=party,
                signatory_id=signers[party],
            ),
            meta(date(2024, 3, 1)),
            base_version=base,
        )
    partner = app.get_partnership(pid).partners[str(world.a)]
    assert partner.rungs[-1].rung is Rung.COOPERATION_AGREEMENT


def test_entering_operations_is_a_change_of_kind_alone(world: World) -> None:
    app, pid = world.app, world.partnership_id
    execute(app, ChangeRegistryFields(partnership_id=pid, kind=PartnershipType.PROJECT), meta(DAY))
    before = app.get_partnership(pid).registry
    execute(app, EnterOperations(partnership_id=pid), meta(DAY))
    event = app.partnership_events(pid)[-1]
    assert isinstance(event, Partnership.RegistryUpdated)
    assert event.changed == ("kind",)
    assert event.previous == before
    assert event.registry.kind is PartnershipType.OPERATIONS


def test_update_registry_records_what_changed_and_before(world: World) -> None:
    app, pid = world.app, world.partnership_id
    before = app.get_partnership(pid).registry
    execute(
        app,
        UpdateRegistry.of(
            msgspec.structs.replace(
                before, title="Anden titel", yearly_budget_dkk=Decimal("30000")
            ),
            partnership_id=pid,
        ),
        meta(DAY),
    )
    event = app.partnership_events(pid)[-1]
    assert isinstance(event, Partnership.RegistryUpdated)
    assert event.changed == ("title", "yearly_budget_dkk")
    assert event.previous == before


def test_a_registry_change_stored_before_changed_and_previous_existed_still_loads(
    world: World,
) -> None:
    """Registry changes written before 2026-12 have neither `changed` nor `previous`:
    they decode (upcast to version 2) and touch every registry field."""
    app, pid = world.app, world.partnership_id
    base = world.version
    execute(app, ChangeRegistryFields(partnership_id=pid, title="Gammel titel"), meta(DAY))
    new = app.partnership_events(pid)[-1]
    stored = app.mapper.to_stored_event(new)
    state = msgspec.json.decode(stored.state)
    for name in ("changed", "previous", "class_version"):
        state.pop(name, None)
    old_shape = StoredEvent(
        originator_id=stored.originator_id,
        originator_version=stored.originator_version + 1,
        topic=stored.topic,
        state=msgspec.json.encode({**state, "registry": {**state["registry"], "title": "Ny"}}),
    )
    app.recorder.insert_events([old_shape])
    app._forget(pid)

    decoded = app.partnership_events(pid)[-1]
    assert isinstance(decoded, Partnership.RegistryUpdated)
    assert (decoded.changed, decoded.previous) == ((), None)
    assert app.get_partnership(pid).registry.title == "Ny"
    with refused(app, EditConflict):  # an old change names no field: it touched them all
        execute(
            app,
            ChangeRegistryFields(partnership_id=pid, purpose="Formål"),
            meta(DAY),
            base_version=base + 1,
        )
