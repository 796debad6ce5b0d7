"""What each event touches (aggregates/subjects.py) and the conflict decision on it."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import uuid4

import msgspec

from aggregates import Meta, Partnership, Registry
from aggregates.subjects import clashes, has_subjects, reads, touches
from aggregates.taxonomy import Rung
from projections.history import all_events

M = Meta(actor="a", valid_on=date(2024, 1, 1))


def test_every_event_class_of_every_aggregate_has_subjects() -> None:
    missing = [cls.__qualname__ for cls in all_events() if not has_subjects(cls)]
    assert missing == []


def _partnership() -> Partnership:
    return Partnership.register(
        registry=Registry(title="Sund By", municipality="Sundeborg"),
        lead_organisation_id=uuid4(),
        meta=M,
    )


def _events_of(p: Partnership, act: Any) -> list[Any]:
    p.collect_events()
    act(p)
    return list(p.collect_events())


def test_a_registry_change_touches_the_fields_it_changed() -> None:
    p = _partnership()
    registry = msgspec.structs.replace(p.registry, title="Ny", purpose="Formål")
    (event,) = _events_of(p, lambda p: p.update_registry(registry, M))
    assert touches(event) == {("registry", "title"), ("registry", "purpose")}


def test_an_old_registry_change_without_changed_touches_every_field() -> None:
    p = _partnership()
    (event,) = _events_of(
        p,
        lambda p: p._trigger(Partnership.RegistryUpdated, M, registry=p.registry),
    )
    assert ("registry", "title") in touches(event)
    assert ("registry", "promoting_factors") in touches(event)


def test_the_decision_same_thing_conflicts_different_things_do_not() -> None:
    p = _partnership()
    a, b = uuid4(), uuid4()
    theirs = _events_of(p, lambda p: p.join_partner(a, M, rung=Rung.KNOW_EACH_OTHER))
    other = _events_of(p, lambda p: p.join_partner(b, M))
    same = _events_of(p, lambda p: p.move_on_ladder(a, Rung.INFORMAL_COOPERATION, "Møde", M))
    assert clashes(other, theirs) == []
    ((event, shared),) = clashes(same, theirs)
    assert event is theirs[0]
    assert shared == {("partner", str(a))}


def test_a_correction_touches_the_corrected_event_and_what_it_touched() -> None:
    p = _partnership()
    a = uuid4()
    (joined,) = _events_of(p, lambda p: p.join_partner(a, M))
    (correction,) = _events_of(
        p, lambda p: p.correct_date(joined.originator_version, date(2024, 1, 1), M)
    )
    earlier = {joined.originator_version: joined}.get
    assert touches(correction, earlier) == {
        ("event", str(joined.originator_version)),
        ("partner", str(a)),
    }


def test_a_signature_reads_the_terms_an_amendment_touches() -> None:
    from aggregates import Agreement

    signed = next(cls for cls in all_events() if cls.__qualname__ == "Agreement.PartySigned")
    assert issubclass(signed, Agreement.PartySigned)
    assert ("terms",) in reads(object.__new__(signed))
