"""Typed round trips through the real stores: events, snapshots, upcasting, corruption."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic
from structlog.testing import capture_logs

from aggregates import Evidence, Partnership, Registry, TermsOfReference
from aggregates.base import Meta, TvaersAggregate
from aggregates.partnership import Milestone, Partner, RungEntry, Spell
from aggregates.person import Contact
from aggregates.taxonomy import (
    ActivityStatus,
    AnchoringStatus,
    Dimension,
    ImplementationPhase,
    PartnershipType,
    PreventionCategory,
    RoleKind,
    Rung,
    SeatRole,
    Sector,
)
from services.application import Tvaers, snapshot_due
from services.commands import (
    AppointSteeringMember,
    AssignRole,
    AssignSecretariat,
    EnterPhase,
    EvidenceFields,
    LaunchActivity,
    MoveOnLadder,
    RecordMilestone,
    RegisterPerson,
)
from services.settings import Settings
from tests.commands import execute
from tests.integration.conftest import (
    World,
    build_world,
    meta,
    register_organisation,
    rich_registry,
)

# -- helpers ---------------------------------------------------------------------------


def state_of(aggregate: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def replay(events: Iterable[Any]) -> Any:
    """Rebuild an aggregate from its events only (no snapshot), the way a repository does."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def store_partnership_directly(app: Tvaers) -> tuple[Partnership, list[Any]]:
    """A partnership with typed values in many event kinds, saved with `app.save`.

    Returns the aggregate and the original event objects, as they were before storing.
    """
    lead_id = register_organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    partner_id = register_organisation(app, "DGI Sundeborg", Sector.SPORTS_ORGANISATION)
    partnership = Partnership.register(
        registry=rich_registry(), lead_organisation_id=lead_id, meta=meta(reason="Opstart")
    )
    partnership.join_partner(
        partner_id, meta(date(2024, 1, 15)), rung=Rung.MUTUAL_REFERRAL, evidence="Møde"
    )
    activity_id = partnership.launch_activity(
        title="Motion på recept",
        category=PreventionCategory.OFFER,
        owner_ids=[lead_id, partner_id],
        meta=meta(date(2024, 2, 1)),
        running=True,
    )
    partnership.schedule_follow_up(
        label="Efter 3 måneder",
        due_on=date(2024, 5, 1),
        cohort=40,
        meta=meta(date(2024, 2, 1)),
        activity_id=activity_id,
    )
    partnership.record_milestone(
        dimension=Dimension.OPERATIONS,
        status=AnchoringStatus.PARTIAL,
        title="Budgetlinje i driftsbudgettet",
        evidence=Evidence(text="Byrådsbeslutning", link="https://sundeborg.dk/b/1"),
        meta=meta(date(2024, 3, 1)),
    )
    partnership.issue_terms_of_reference(
        TermsOfReference(purpose="Styregruppens kommissorium", focus_areas=("rygning", "kost")),
        meta(date(2024, 3, 2)),
    )
    originals = list(partnership.pending_events)
    app.save(partnership)
    return partnership, originals


# -- events ----------------------------------------------------------------------------


def test_stored_events_decode_to_the_original_events_with_their_types(app: Tvaers) -> None:
    partnership, originals = store_partnership_directly(app)

    decoded = list(app.events.get(partnership.id))

    assert [type(e) for e in decoded] == [type(e) for e in originals]
    assert [vars(e) for e in decoded] == [vars(e) for e in originals]
    registered = decoded[0]
    assert isinstance(registered, Partnership.Registered)
    registry = registered.registry
    assert type(registry) is Registry
    assert type(registry.period_start) is date
    assert registry.period_start == date(2024, 1, 1)
    assert type(registry.yearly_budget_dkk) is Decimal
    assert registry.yearly_budget_dkk == Decimal("1250000.50")
    assert str(registry.staff_hours_per_year) == "1480.25"  # scale preserved
    assert registry.kind is PartnershipType.OPERATIONS
    assert registry.prevention_categories == (
        PreventionCategory.OFFER,
        PreventionCategory.EARLY_DETECTION,
    )
    assert all(type(c) is PreventionCategory for c in registry.prevention_categories)
    assert type(registry.target_groups) is tuple
    assert registry.target_groups == ("ledige", "sygemeldte")
    assert registry.bearings == (2, 5)
    assert type(registered.lead_organisation_id) is UUID
    assert type(registered.correlation_id) is UUID
    assert type(registered.valid_on) is date
    assert registered.reason == "Opstart"
    assert type(registered.timestamp) is datetime
    assert registered.timestamp.utcoffset() == timedelta(0)

    joined = decoded[1]
    assert isinstance(joined, Partnership.PartnerJoined)
    assert joined.rung is Rung.MUTUAL_REFERRAL
    launched = decoded[2]
    assert isinstance(launched, Partnership.ActivityLaunched)
    assert launched.status is ActivityStatus.RUNNING
    assert type(launched.owner_ids) is tuple
    assert all(type(o) is UUID for o in launched.owner_ids)
    scheduled = decoded[3]
    assert isinstance(scheduled, Partnership.FollowUpScheduled)
    assert type(scheduled.due_on) is date
    assert type(scheduled.activity_id) is UUID
    milestone = decoded[4]
    assert isinstance(milestone, Partnership.MilestoneRecorded)
    assert type(milestone.evidence) is Evidence
    assert milestone.dimension is Dimension.OPERATIONS
    assert milestone.status is AnchoringStatus.PARTIAL
    issued = decoded[5]
    assert isinstance(issued, Partnership.TermsOfReferenceIssued)
    assert type(issued.terms) is TermsOfReference
    assert issued.terms.focus_areas == ("rygning", "kost")


def test_a_new_application_on_the_same_database_reads_the_same_typed_events(
    app: Tvaers, store_settings: Settings
) -> None:
    partnership, originals = store_partnership_directly(app)

    other = Tvaers(store_settings)
    try:
        decoded = list(other.events.get(partnership.id))
        rebuilt = other.get_partnership(partnership.id)
    finally:
        other.close()

    assert [vars(e) for e in decoded] == [vars(e) for e in originals]
    assert state_of(rebuilt) == state_of(partnership)
    assert rebuilt.registry.kind is PartnershipType.OPERATIONS
    partner = next(p for p in rebuilt.partners.values() if p.rungs)
    assert type(partner) is Partner
    assert type(partner.spells[0]) is Spell
    assert partner.spells[0].since == date(2024, 1, 15)
    assert partner.rungs[0].rung is Rung.MUTUAL_REFERRAL


def test_personal_contact_details_round_trip_as_a_typed_struct(app: Tvaers) -> None:
    organisation_id = register_organisation(app, "Jobcenter", Sector.EMPLOYMENT)
    contact = Contact(name="Anna Holm", title="Konsulent", email="ah@sundeborg.dk", phone="1234")
    created = execute(app, RegisterPerson.of(contact, organisation_id=organisation_id), meta())
    assert created.created_id is not None

    [registered] = app.events.get(created.created_id)

    assert type(registered.contact) is Contact  # type: ignore[attr-defined]
    assert registered.contact == contact  # type: ignore[attr-defined]
    assert type(registered.organisation_id) is UUID  # type: ignore[attr-defined]


# -- snapshots -------------------------------------------------------------------------


def build_snapshotted_world(app: Tvaers) -> World:
    """A partnership at version 14 with rich state, so that a snapshot exists at version 10."""
    world = build_world(app)  # v1 registered, v2-v3 partners joined
    pid = world.partnership_id
    person = execute(
        app, RegisterPerson.of(Contact(name="Bo Berg"), organisation_id=world.a), meta()
    ).created_id
    assert person is not None
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=person, seat=SeatRole.CHAIR),
        meta(),
    )  # v4
    activity = execute(
        app,
        LaunchActivity(
            partnership_id=pid,
            title="Rygestopkursus",
            category=PreventionCategory.OFFER,
            owner_ids=[world.a],
        ),
        meta(),
    )  # v5
    activity_id = app.get_partnership(pid).activities.popitem()[1].activity_id
    assert activity.version == 5
    execute(
        app,
        AssignRole(
            partnership_id=pid,
            role=RoleKind.BRIDGE_BUILDER,
            person_id=person,
            activity_id=activity_id,
        ),
        meta(),
    )  # v6
    execute(app, AssignSecretariat(partnership_id=pid, organisation_id=world.lead_id), meta())  # v7
    execute(
        app,
        EnterPhase(partnership_id=pid, phase=ImplementationPhase.PLAN, note="Plan lagt"),
        meta(),
    )  # v8
    execute(
        app,
        MoveOnLadder(
            partnership_id=pid, organisation_id=world.b, rung=Rung.DIALOGUE, evidence="Dialogmøde"
        ),
        meta(date(2024, 2, 1)),
    )  # v9
    for number in range(5):  # v10-v14
        execute(
            app,
            RecordMilestone(
                partnership_id=pid,
                dimension=Dimension.METHOD,
                status=AnchoringStatus.STARTED,
                title=f"Værktøjskasse {number}",
                evidence=EvidenceFields(text="Manual udgivet", document_ref=f"DOC-{number}"),
            ),
            meta(date(2024, 3, 1 + number)),
        )
    assert world.version == 14
    return world


def test_a_snapshot_is_taken_at_the_interval_and_holds_typed_state(
    app: Tvaers, snapshots_at_multiples: None
) -> None:
    world = build_snapshotted_world(app)
    assert app.snapshots is not None

    snapshots = list(app.snapshots.get(world.partnership_id))

    assert [s.originator_version for s in snapshots] == [10]
    state = snapshots[0].state  # type: ignore[attr-defined]
    assert type(state["registry"]) is Registry
    assert type(state["registry"].yearly_budget_dkk) is Decimal
    assert state["registry"].kind is PartnershipType.OPERATIONS
    assert type(state["registry"].period_end) is date
    assert type(state["lead_organisation_id"]) is UUID
    assert type(state["_created_on"]) is datetime
    partner = state["partners"][str(world.b)]
    assert type(partner) is Partner
    assert [type(r) for r in partner.rungs] == [RungEntry, RungEntry]
    assert [r.rung for r in partner.rungs] == [Rung.INFORMAL_COOPERATION, Rung.DIALOGUE]
    assert type(partner.rungs[1].valid_on) is date
    [milestone] = state["milestones"].values()
    assert type(milestone) is Milestone
    assert milestone.dimension is Dimension.METHOD
    assert type(milestone.evidence) is Evidence
    [position] = state["roles"].values()
    assert position.role is RoleKind.BRIDGE_BUILDER
    assert type(position.activity_id) is UUID
    [appointment] = state["appointments"].values()
    assert appointment.seat is SeatRole.CHAIR
    assert state["phases"][0].phase is ImplementationPhase.PLAN
    assert state["correctable"]["9"] == "RungChanged"


def test_an_aggregate_loaded_through_its_snapshot_equals_one_replayed_from_events(
    app: Tvaers, store_settings: Settings, snapshots_at_multiples: None
) -> None:
    world = build_snapshotted_world(app)
    fresh = Tvaers(store_settings)
    try:
        with mock.patch.object(fresh.events, "get", wraps=fresh.events.get) as events_get:
            loaded = fresh.get_partnership(world.partnership_id)
        replayed = replay(fresh.events.get(world.partnership_id))
        at_twelve = fresh.get_partnership(world.partnership_id, version=12)
        at_eight = fresh.get_partnership(world.partnership_id, version=8)
        events = list(fresh.events.get(world.partnership_id))
    finally:
        fresh.close()

    # The repository started from the snapshot at version 10, reading only later events.
    assert events_get.call_args.kwargs["gt"] == 10
    assert loaded.version == replayed.version == 14
    assert state_of(loaded) == state_of(replayed)
    assert state_of(at_twelve) == state_of(replay(events[:12]))
    assert state_of(at_eight) == state_of(replay(events[:8]))
    assert at_twelve.version == 12
    assert len(at_twelve.milestones) == 3


def _milestones(app: Tvaers, partnership_id: UUID, numbers: range) -> None:
    for number in numbers:
        execute(
            app,
            RecordMilestone(
                partnership_id=partnership_id,
                dimension=Dimension.CULTURE,
                status=AnchoringStatus.STARTED,
                title=f"Fælles sprog {number}",
                evidence=EvidenceFields(text="Temadag for medarbejdere"),
            ),
            meta(date(2024, 4, 1 + number)),
        )


def test_snapshots_taken_from_the_saved_aggregate_equal_the_state_its_stored_events_give(
    app: Tvaers,
) -> None:
    """Snapshots come from the aggregate in memory, the one the command changed (ADR
    0033), not rebuilt from the store: each must hold what the stored events give at its
    version. At the partnership's own phase of the interval (`snapshot_due`)."""
    world = build_snapshotted_world(app)  # v14
    _milestones(app, world.partnership_id, range(7))  # v15-v21: two or three snapshots
    assert app.snapshots is not None

    snapshots = list(app.snapshots.get(world.partnership_id))
    events = list(app.events.get(world.partnership_id))

    due = [v for v in range(1, 22) if snapshot_due(world.partnership_id, v, 10)]
    assert len(due) in (2, 3)
    assert [s.originator_version for s in snapshots] == due
    for snapshot in snapshots:
        from_store = replay(events[: snapshot.originator_version])
        assert snapshot.state == type(snapshot).take(from_store).state  # type: ignore[attr-defined]


def test_a_snapshot_that_cannot_be_written_leaves_the_command_done(
    app: Tvaers, snapshots_at_multiples: None
) -> None:
    world = build_world(app)  # v3
    assert app.snapshots is not None

    with (
        mock.patch.object(app.snapshots, "put", side_effect=OSError("disk full")) as put,
        capture_logs() as logs,
    ):
        _milestones(app, world.partnership_id, range(7))  # v4-v10: the 10th is due one

    assert put.call_count == 1
    assert app.get_partnership(world.partnership_id).version == 10
    assert len(list(app.events.get(world.partnership_id))) == 10
    assert list(app.snapshots.get(world.partnership_id)) == []
    [warning] = [entry for entry in logs if entry["event"] == "snapshot_not_written"]
    assert warning["log_level"] == "warning"
    assert warning["versions"] == [10]


# -- upcasting -------------------------------------------------------------------------


class Clinic(TvaersAggregate):
    """A tiny aggregate whose creation event changed shape: `places: int` became `capacity`."""

    name: str
    capacity: Decimal
    opened_on: date

    def __init__(self) -> None:
        pass

    class Opened(TvaersAggregate.Created):
        class_version = 2
        name: str
        capacity: Decimal
        opened_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Upcasters see raw JSON values: a string here, made a Decimal by the mapper.
            state["capacity"] = f"{state.pop('places')}.5"

        def apply(self, clinic: Clinic) -> None:
            clinic.name = self.name
            clinic.capacity = self.capacity
            clinic.opened_on = self.opened_on

    @classmethod
    def open(cls, name: str, capacity: Decimal, opened_on: date, meta: Meta) -> Clinic:
        return cls._create_with(cls.Opened, meta, name=name, capacity=capacity, opened_on=opened_on)


def test_a_stored_v1_event_is_upcast_and_decoded_typed(app: Tvaers) -> None:
    clinic = Clinic.open("Sundhedshuset", Decimal("30.5"), date(2024, 4, 1), meta())
    stored_v2 = app.mapper.to_stored_event(clinic.pending_events[0])
    state = msgspec.json.decode(stored_v2.state)
    assert state.pop("class_version") == 2  # v2 events carry their class version
    del state["capacity"]
    state["places"] = 12  # the v1 shape: an int called "places", no class_version
    stored_v1 = StoredEvent(
        originator_id=clinic.id,
        originator_version=1,
        topic=stored_v2.topic,
        state=msgspec.json.encode(state),
    )
    app.recorder.insert_events([stored_v1])

    [decoded] = app.events.get(clinic.id)
    loaded: Any = app.repository.get(clinic.id)

    assert isinstance(decoded, Clinic.Opened)
    assert type(decoded.capacity) is Decimal
    assert decoded.capacity == Decimal("12.5")
    assert "places" not in vars(decoded)
    assert "class_version" not in vars(decoded)
    assert type(decoded.opened_on) is date
    assert decoded.opened_on == date(2024, 4, 1)
    assert type(decoded.correlation_id) is UUID
    assert type(decoded.timestamp) is datetime
    assert isinstance(loaded, Clinic)
    assert loaded.capacity == Decimal("12.5")
    assert loaded.name == "Sundhedshuset"


def test_a_current_version_event_is_stored_with_its_class_version_and_not_upcast(
    app: Tvaers,
) -> None:
    clinic = Clinic.open("Sundhedshuset", Decimal("30.5"), date(2024, 4, 1), meta())
    original = vars(clinic.pending_events[0]).copy()
    app.save(clinic)

    [stored] = app.recorder.select_events(clinic.id)
    [decoded] = app.events.get(clinic.id)

    assert msgspec.json.decode(stored.state)["class_version"] == 2
    assert vars(decoded) == original
    assert decoded.capacity == Decimal("30.5")  # type: ignore[attr-defined]


class Ward(TvaersAggregate):
    """An aggregate whose state changed shape: `places: int` became `capacity: Decimal`."""

    class_version = 2
    name: str
    capacity: Decimal

    def __init__(self) -> None:
        pass

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["capacity"] = Decimal(state.pop("places"))

    class Opened(TvaersAggregate.Created):
        name: str
        capacity: Decimal

        def apply(self, ward: Ward) -> None:
            ward.name = self.name
            ward.capacity = self.capacity

    @classmethod
    def open(cls, name: str, capacity: Decimal, meta: Meta) -> Ward:
        return cls._create_with(cls.Opened, meta, name=name, capacity=capacity)


def test_a_current_snapshot_of_a_versioned_aggregate_round_trips_typed(app: Tvaers) -> None:
    assert app.snapshots is not None
    ward = Ward.open("Afsnit 3", Decimal("8.5"), meta())
    app.save(ward)
    app.take_snapshot(ward.id)

    [snapshot] = app.snapshots.get(ward.id)
    loaded: Any = app.repository.get(ward.id)

    assert snapshot.state["class_version"] == 2  # type: ignore[attr-defined]
    assert type(snapshot.state["capacity"]) is Decimal  # type: ignore[attr-defined]
    assert isinstance(loaded, Ward)
    assert loaded.capacity == Decimal("8.5")
    assert state_of(loaded) == state_of(ward)


def test_a_v1_snapshot_of_a_versioned_aggregate_is_upcast_and_typed(app: Tvaers) -> None:
    assert app.snapshots is not None
    ward = Ward.open("Afsnit 3", Decimal("8.5"), meta())
    app.save(ward)
    app.take_snapshot(ward.id)
    [current] = app.snapshots.recorder.select_events(ward.id)
    envelope = msgspec.json.decode(current.state)
    del envelope["state"]["class_version"]
    del envelope["state"]["capacity"]
    envelope["state"]["places"] = 12  # the v1 shape of the aggregate's state
    old_id = uuid4()
    app.snapshots.recorder.insert_events(
        [StoredEvent(old_id, 1, current.topic, msgspec.json.encode(envelope))]
    )

    [snapshot] = app.snapshots.get(old_id)
    loaded = snapshot.mutate(None)  # type: ignore[attr-defined]

    assert isinstance(loaded, Ward)
    assert loaded.capacity == Decimal(12)
    assert type(loaded.capacity) is Decimal


def test_snapshot_intervals_of_one_application_survive_constructing_another(
    app: Tvaers, tmp_path: Path, snapshots_at_multiples: None
) -> None:
    """Applications with different settings in one process must not share intervals."""
    other = Tvaers(Settings(database_url=str(tmp_path / "other.sqlite3"), snapshot_interval=1000))
    try:
        world = build_snapshotted_world(app)
    finally:
        other.close()
    assert app.snapshots is not None
    assert [s.originator_version for s in app.snapshots.get(world.partnership_id)] == [10]


# -- corruption ------------------------------------------------------------------------


CORRUPTED_STATES = {
    "truncated json": b'{"registry": {"title": "x", "municipality"',
    "not json": b"\x00\x01binary",
    "wrong type, missing fields": b'{"registry": 42}',
}


def test_a_corrupted_stored_event_raises_a_deserialisation_error(app: Tvaers, world: World) -> None:
    topic = get_topic(Partnership.RegistryUpdated)
    app.recorder.insert_events(
        [StoredEvent(world.partnership_id, world.version + 1, topic, CORRUPTED_STATES["not json"])]
    )
    with pytest.raises(MapperDeserialisationError):
        app.get_partnership(world.partnership_id)

    messages: dict[str, str] = {}
    for case, state in CORRUPTED_STATES.items():
        originator_id = uuid4()
        app.recorder.insert_events([StoredEvent(originator_id, 1, topic, state)])
        try:
            list(app.events.get(originator_id))
        except MapperDeserialisationError as error:
            messages[case] = str(error).replace(str(originator_id), "<id>")
        else:
            messages[case] = "DID NOT RAISE"
    expected = f"Failed to decode stored event {topic} <id> v1:"
    assert {case: message.startswith(expected) for case, message in messages.items()} == {
        case: True for case in CORRUPTED_STATES
    }, messages


def test_a_stored_event_with_a_malformed_date_raises_a_deserialisation_error(
    app: Tvaers, world: World
) -> None:
    [first] = app.recorder.select_events(world.partnership_id, limit=1)
    state = msgspec.json.decode(first.state)
    state["registry"]["period_start"] = "2024-13-45"
    corrupted_id = uuid4()
    corrupted = StoredEvent(
        originator_id=corrupted_id,
        originator_version=1,
        topic=first.topic,
        state=msgspec.json.encode(state),
    )
    app.recorder.insert_events([corrupted])

    with pytest.raises(MapperDeserialisationError, match="period_start"):
        list(app.events.get(corrupted_id))


def test_a_corrupted_snapshot_raises_a_deserialisation_error(
    snapshots_at_multiples: None, app: Tvaers, world: World
) -> None:
    assert app.snapshots is not None
    app.take_snapshot(world.partnership_id)
    [stored] = app.snapshots.recorder.select_events(world.partnership_id)
    assert stored.topic == get_topic(Snapshot)
    envelope = msgspec.json.decode(stored.state)
    envelope["state"]["lead_organisation_id"] = "not-a-uuid"
    corrupted_id = uuid4()
    corrupted = StoredEvent(
        originator_id=corrupted_id,
        originator_version=stored.originator_version,
        topic=stored.topic,
        state=msgspec.json.encode(envelope),
    )
    app.snapshots.recorder.insert_events([corrupted])

    with pytest.raises(MapperDeserialisationError, match="lead_organisation_id"):
        list(app.snapshots.get(corrupted_id))


def test_each_aggregate_takes_a_snapshot_every_interval_at_its_own_phase() -> None:
    """Aggregates changed in step do not all take their snapshots at the same versions:
    300 partnerships in step wrote 300 snapshots within seconds at every multiple of the
    interval (bench/README.md, session 13)."""
    draw = random.Random(20261207)
    ids = [UUID(int=draw.getrandbits(128), version=4) for _ in range(300)]
    for aggregate_id in ids[:20]:
        due = [v for v in range(1, 501) if snapshot_due(aggregate_id, v, 100)]
        assert len(due) == 5
        assert [b - a for a, b in itertools.pairwise(due)] == [100] * 4
    firsts = [next(v for v in range(1, 101) if snapshot_due(i, v, 100)) for i in ids]
    assert len(set(firsts)) > 80  # spread over the interval (all 100 before: at 100)
    assert max(firsts.count(v) for v in set(firsts)) < 15
