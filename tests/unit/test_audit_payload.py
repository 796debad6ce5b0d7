"""The audit log's payload is the same JSON whichever way it is built (session 9).

`projections.audit._payload` encodes a msgspec struct of the event's payload fields
instead of a dict of them (a third of the cost, which a rebuild pays a million times).
Rows written before and after must not differ: the history reads them back and compares
old with new values. Here every event of a generated log (bench/generate.py's `World`,
with corrections, erasures and renames, so every event class it makes) is encoded both
ways, and the text must be identical, byte for byte.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import msgspec
from eventsourcing.persistence import StoredEvent

from bench.generate import World
from projections import audit
from services.application import Tvaers
from services.settings import Settings

_by_dict = msgspec.json.Encoder(decimal_format="string")


def _as_a_dict(event: Any) -> str:
    """The payload as it was built before: a dict of the fields, in the class's order."""
    names = [
        f.name
        for f in dataclasses.fields(event)
        if f.name not in audit._METADATA and f.name not in audit._PERSONAL
    ]
    return _by_dict.encode({name: getattr(event, name) for name in names}).decode()


def test_every_generated_event_has_the_same_payload_as_a_dict_of_its_fields(
    tmp_path: Path,
) -> None:
    app = Tvaers(Settings(database_url=f"sqlite:///{tmp_path / 'log.db'}"))
    stored: list[StoredEvent] = []
    world = World(
        stored.extend,
        app.mapper,
        partnerships=12,
        expected_events=9_000,
        seed=3,
        organisations=30,
        persons_per_organisation=3,
        correction_weight=4.0,
    )
    world.run(6_000)
    world.flush()
    classes: set[type] = set()
    for record in stored:
        event = app.mapper.to_domain_event(record)
        assert audit._payload(event) == _as_a_dict(event), type(event).__qualname__
        classes.add(type(event))
    # Enough of the domain to mean something: fields of every kind (ids, dates, enums,
    # texts, tuples, decimals) and the classes with no payload at all.
    assert len(classes) >= 35, sorted(c.__qualname__ for c in classes)
    app.close()


def test_an_event_without_payload_fields_is_an_empty_object() -> None:
    @dataclasses.dataclass
    class Bare:
        originator_id: Any
        timestamp: Any

    assert audit._payload(Bare(originator_id=1, timestamp=2)) == "{}"
