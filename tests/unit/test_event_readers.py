"""Every event of every aggregate knows its readers (projections/history.py).

Walks every event class of every aggregate and fails when one lacks a Danish or an
English sentence, a group, an entry in docs/events.md, or a projection that reads it
(unless it is declared as read by none, with the reason); checks that what the history
says can be corrected is what the Partnership aggregate lets each correction put right,
and that the catalogue's "emitted by" comes from an exact scan of the aggregates' source.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import sys
import types
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

import aggregates
from aggregates import Meta, Organisation, Partnership
from aggregates.base import TvaersAggregate
from aggregates.taxonomy import Sector
from docs.tools import event_catalogue
from projections import facts, history, trail
from projections.catalog import ALL as PROJECTIONS
from projections.history import READ_BY_NONE, READINGS, Correction, Group, Names, Seat

ROOT = Path(__file__).resolve().parents[2]
EVENTS = history.all_events()
CATALOGUE = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    direct: list[type] = cls.__subclasses__()
    for sub in direct:
        found |= {sub, *_subclasses(sub)}
    return found


def test_the_history_knows_every_aggregate() -> None:
    for module in pkgutil.iter_modules(aggregates.__path__):
        importlib.import_module(f"aggregates.{module.name}")
    found = {cls for cls in _subclasses(TvaersAggregate) if cls.__module__.startswith("aggregates")}
    assert found == set(history.AGGREGATES)


def test_the_walk_finds_the_events_written_in_the_source_and_only_those() -> None:
    names = {cls.__qualname__ for cls in EVENTS}
    assert "Account.Created" in names  # written in the source, though named like the library's
    assert "Partnership.Created" not in names  # the library's, never triggered
    assert not any(name.endswith(".Event") for name in names)
    # SteeringSeatChanged (issue 14), FactorEventLinked (issue 15), Account.IdentityBound and
    # Account.ProfileUpdated (single sign-on, ADR 0021) added
    assert len(names) == len(EVENTS) == 65


def _ids(cls: type) -> str:
    return cls.__qualname__


def _placeholders(template: str) -> set[str]:
    return set(history._placeholders(template))


def _available(cls: type) -> set[str]:
    """The placeholders `fields_of` can give a sentence of `cls`."""
    fields = set(typing.get_type_hints(cls)) - set(event_catalogue.LIBRARY_FIELDS)
    derived = {name[:-3] for name in fields if name.endswith("_id")}
    if fields & {"registry", "terms"}:
        derived.add("title")
    if "position_id" in fields:
        derived.add("role")
    if "appointment_id" in fields:
        derived |= {"person", "seat"}
    # what the stream before the event gives (projections/trail.py)
    extras = set(trail.PROVIDES.get(cls, ()))
    derived |= extras | {name[:-3] for name in extras if name.endswith("_id")}
    if cls in history.CHANGES:
        derived.add("changes")
    if READINGS[cls].group is Group.CORRECTIONS:
        derived.add("corrected")
    if {"municipality", "partnership_id"} & (fields | extras):
        derived |= {"scope", "partnership"}
    return (fields | derived) - history._SECRET


def _sample(hint: Any) -> Any:
    """A stored (JSON) value of the type."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return _sample(args[0])
    if isinstance(hint, type) and issubclass(hint, Enum):
        return next(iter(hint)).value
    if hint is UUID:
        return str(uuid4())
    if hint is bool:
        return True
    if hint is int:
        return 3
    if hint is date:
        return "2024-05-01"
    if hint is str:
        return "Tekst"
    if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
        return {"title": "Titel"}
    if typing.get_origin(hint) is tuple and typing.get_args(hint)[:1] == (str,):
        return ["Tekst"]
    return []


@pytest.mark.parametrize("cls", EVENTS, ids=_ids)
def test_every_event_has_sentences_a_group_a_catalogue_entry_and_readers(cls: type) -> None:
    reading = READINGS.get(cls)
    assert reading is not None, f"{cls.__qualname__}: no reading in projections/history.py"
    assert isinstance(reading.group, Group)
    assert reading.group.label_da
    assert reading.group.label_en
    for sentence in (reading.da, reading.en):
        for template in sentence.templates:
            assert template.strip()
            unknown = _placeholders(template) - _available(cls)
            assert not unknown, f"{cls.__qualname__}: {template!r} names {unknown}"

    # Rendered from a payload of the event's fields and names for every id: complete.
    hints = typing.get_type_hints(cls)
    skip = {*event_catalogue.LIBRARY_FIELDS, *TvaersAggregate.Event.__annotations__}
    payload = {name: _sample(hint) for name, hint in hints.items() if name not in skip}
    ids = [UUID(v) for k, v in payload.items() if k.endswith("_id") and isinstance(v, str)]
    # and what the stream before it gives (projections/trail.py)
    for name in trail.PROVIDES.get(cls, ()):
        payload.setdefault(name, str(uuid4()) if name.endswith("_id") else "Før")
    if cls in history.CHANGES:
        payload["_previous"] = {}
    if reading.group is Group.CORRECTIONS:
        joined = {"organisation_id": str(uuid4()), "rung": 2}
        payload["_corrects"] = {
            "kind": "PartnerJoined",
            "aggregate": "partnership",
            "payload": joined,
        }
    ids = [UUID(v) for k, v in payload.items() if k.endswith("_id") and isinstance(v, str)]
    names = Names(
        names={i: "Navn" for i in ids},
        titles={i: "Titel" for i in ids},
        roles={i: "coordinator" for i in ids},
        seats={i: Seat(person_id=ids[0], seat="chair") for i in ids},
    )
    for locale in ("da", "en"):
        said = history.render(cls, payload, names, locale)
        assert said, (cls.__qualname__, locale)
        # the fullest template, nothing left unknown
        fields = history.fields_of(cls, payload, names, locale)
        assert _placeholders(reading.sentence(locale).text) <= set(fields), (cls, locale)
        assert "{" not in said, (cls.__qualname__, locale, said)
    assert history.render(cls, payload, names, "da") == reading.da.render(
        history.fields_of(cls, payload, names, "da")
    )

    aggregate = history.aggregate_of(cls)
    assert f"\n### {aggregate.__name__}.{cls.__name__}\n" in CATALOGUE, "not in docs/events.md"

    readers = [p.name for p in PROJECTIONS if cls in p.handlers]
    if cls in READ_BY_NONE:
        assert not readers, f"{cls.__qualname__} is read by {readers}: drop it from READ_BY_NONE"
        assert len(READ_BY_NONE[cls]) > 20, "say why no projection reads it"
    else:
        assert readers, f"{cls.__qualname__}: no projection reads it (or declare why none)"


def test_the_declarations_name_only_event_classes_of_the_aggregates() -> None:
    assert set(READINGS) == set(EVENTS)
    assert set(READ_BY_NONE) <= set(EVENTS)
    for projection in PROJECTIONS:
        stray = [c.__qualname__ for c in projection.handlers if c not in READINGS]
        assert not stray, f"{projection.name} reads {stray}, which the history does not know"


# -- corrections ----------------------------------------------------------------------------


def _partnership_source() -> ast.ClassDef:
    tree = ast.parse(inspect.getsource(sys.modules[Partnership.__module__]))
    (node,) = (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Partnership")
    return node


def _noted_as_correctable() -> dict[str, str]:
    """Event class -> the name its `apply` notes in `p.correctable` (the date's rule)."""
    noted: dict[str, str] = {}
    for item in _partnership_source().body:
        if not isinstance(item, ast.ClassDef):
            continue
        for node in ast.walk(item):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.targets[0], ast.Subscript)
                and isinstance(node.targets[0].value, ast.Attribute)
                and node.targets[0].value.attr == "correctable"
                and isinstance(node.value, ast.Constant)
            ):
                noted[item.name] = str(node.value.value)
    return noted


def _accepted_by(method: str) -> set[str]:
    """The event names a correction method compares `self.correctable.get(...)` with."""
    (function,) = (
        n for n in _partnership_source().body if isinstance(n, ast.FunctionDef) and n.name == method
    )
    found: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Compare) and "correctable" in ast.unparse(node.left):
            for comparator in node.comparators:
                found |= {
                    c.value
                    for c in ast.walk(comparator)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
    return found


def test_what_the_history_calls_correctable_is_what_the_aggregate_corrects() -> None:
    noted = _noted_as_correctable()
    assert all(cls == name for cls, name in noted.items()), noted
    declared = {c.__name__ for c in history.correctable_by(Correction.DATE)}
    assert declared == set(noted), "a dated fact the aggregate can redate, or not"
    assert {c.__name__ for c in history.correctable_by(Correction.RUNG)} == _accepted_by(
        "correct_rung"
    )
    assert {c.__name__ for c in history.correctable_by(Correction.MILESTONE)} == _accepted_by(
        "correct_milestone"
    )
    for correction in Correction:
        assert callable(getattr(Partnership, correction.method))
    # Only partnership events are corrected.
    for cls, reading in READINGS.items():
        if reading.corrections:
            assert history.aggregate_of(cls) is Partnership


def test_the_facts_fold_holds_no_event_a_correction_could_redate() -> None:
    assert facts.RECORDED
    assert all(not READINGS[c].corrections for c in facts.RECORDED)
    assert tuple(c.__name__ for c in facts.RECORDED) == facts.RECORDED_KINDS


def test_the_history_filters_of_the_web_ui_hold_every_partnership_and_agreement_event() -> None:
    from api.ui.partnership import EVENT_GROUPS, KIND_GROUPS

    shown = [c for c in EVENTS if history.aggregate_of(c) in (Partnership, aggregates.Agreement)]
    listed = [kind for _, kinds in KIND_GROUPS.values() for kind in kinds]
    assert sorted(listed) == sorted(c.__name__ for c in shown)
    assert set(EVENT_GROUPS) == set(listed)
    assert "directory" not in KIND_GROUPS
    assert "access" not in KIND_GROUPS


# -- the catalogue's "emitted by" -------------------------------------------------------------


def test_every_event_is_emitted_by_a_method_of_its_aggregate() -> None:
    for aggregate in history.AGGREGATES:
        emitted = event_catalogue.emitters(aggregate)
        missing = [c.__qualname__ for c in history.written_events(aggregate) if c not in emitted]
        assert not missing, f"no method emits {missing}"
        for methods in emitted.values():
            assert all(callable(getattr(aggregate, m)) and not m.startswith("_") for m in methods)
    partnership = event_catalogue.emitters(Partnership)
    assert partnership[Partnership.RoleVacated] == ["vacate_role"]
    assert "move_on_ladder" in partnership[Partnership.RungChanged]


_SOURCE = """
class Thing:
    class Made: ...
    class Moved: ...
    class Gone: ...

    @classmethod
    def make(cls, meta):
        return cls._create_with(cls.Made, meta)

    def move(self, meta):
        self._step(meta)

    def _step(self, meta):
        self._deeper(meta)

    def _deeper(self, meta):
        self._trigger(self.Moved, meta)

    def end(self, meta):
        self.move(meta)
        self._trigger(self.Gone, meta)
"""


def test_the_scan_follows_helper_methods_and_refuses_a_trigger_it_cannot_name() -> None:
    (node,) = ast.parse(_SOURCE).body
    assert isinstance(node, ast.ClassDef)
    emitted = event_catalogue.scan(node, ["Made", "Moved", "Gone"])
    assert emitted == {"Made": ["make"], "Moved": ["move", "end"], "Gone": ["end"]}

    hidden = _SOURCE.replace("self._trigger(self.Gone, meta)", "self._trigger(kind, meta)")
    (node,) = ast.parse(hidden).body
    assert isinstance(node, ast.ClassDef)
    with pytest.raises(event_catalogue.UnnamedTrigger, match=r"Thing\.end"):
        event_catalogue.scan(node, ["Made", "Moved", "Gone"])


def test_the_scan_agrees_with_what_the_methods_do() -> None:
    """Organisation's methods, run: each emits what the scan says it emits."""
    meta = Meta(actor="admin@sundeborg.dk")
    scanned = event_catalogue.emitters(Organisation)
    org = Organisation.register(name="DGI", sector=Sector.SPORTS_ORGANISATION, meta=meta)
    other = Organisation.register(name="DIF", sector=Sector.SPORTS_ORGANISATION, meta=meta)
    runs: dict[str, Callable[[], None]] = {
        "rename": lambda: org.rename("DGI Syd", meta),
        "merge_into": lambda: org.merge_into(other, meta),
    }
    assert [type(e) for e in org.collect_events()] == [Organisation.Registered]
    for method, run in runs.items():
        run()
        (event,) = org.collect_events()
        assert method in scanned[type(event)], (method, type(event).__qualname__)
    assert "register" in scanned[Organisation.Registered]


class MoveOnLadder(msgspec.Struct):
    rung: int


class VacateRole(msgspec.Struct):
    position_id: str


class Handler(msgspec.Struct):
    aggregate: type
    method: str


def test_the_catalogue_names_the_command_struct_when_services_commands_has_a_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    module = types.ModuleType("services.commands")
    module.COMMANDS = {  # type: ignore[attr-defined]
        MoveOnLadder: lambda app, c, meta: app.move_on_ladder(c.rung, meta),
        VacateRole: Handler(aggregate=Partnership, method="vacate_role"),
    }
    monkeypatch.setitem(sys.modules, "services.commands", module)
    table = event_catalogue.command_table()
    assert event_catalogue.commands_by_method(table, ["move_on_ladder", "vacate_role", "x"]) == {
        "move_on_ladder": ["MoveOnLadder"],
        "vacate_role": ["VacateRole"],
    }
    text = event_catalogue.render()
    assert "- emitted by: `Partnership.vacate_role` (command `VacateRole`)" in text
    assert "`Partnership.move_on_ladder` (command `MoveOnLadder`)" in text

    @dataclasses.dataclass
    class Route:
        kind: type
        handler: Any

    module.COMMANDS = {VacateRole: Route(Partnership, lambda p, c, m: p.vacate_role(c, m))}  # type: ignore[attr-defined]
    assert event_catalogue.commands_by_method(event_catalogue.command_table(), ["vacate_role"]) == {
        "vacate_role": ["VacateRole"]
    }

    # A handler that names its aggregate counts for that aggregate only.
    class RegisterPartnership(msgspec.Struct):
        title: str

    module.COMMANDS = {  # type: ignore[attr-defined]
        RegisterPartnership: lambda app, c, meta: Partnership.register(
            registry=c, lead_organisation_id=app, meta=meta
        ),
    }
    table = event_catalogue.command_table()
    assert event_catalogue.commands_by_method(table, ["register"], Organisation) == {}
    assert event_catalogue.commands_by_method(table, ["register"], Partnership) == {
        "register": ["RegisterPartnership"]
    }

    for name in event_catalogue.COMMAND_MODULES:  # no table (yet)
        monkeypatch.setitem(sys.modules, name, None)
    assert event_catalogue.command_table() == {}
    assert "(command " not in event_catalogue.render()
