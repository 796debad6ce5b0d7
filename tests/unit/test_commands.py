"""Commands as data (ADR 0014): every command has one row in the application's table, every
API body is its command minus the path's ids, and the web forms refuse a value by the
command's own constraint."""

from __future__ import annotations

import typing
from uuid import uuid4

import msgspec
import pytest

from api import schemas
from api.schemas import Body, LadderMove, Write
from api.ui.forms import Field, command_errors, command_of
from api.ui.i18n import translator
from services import commands
from services.application import COMMANDS, ID_FIELDS, Change
from services.commands import Command, MoveOnLadder


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _commands() -> list[type[Command]]:
    return [
        c
        for c in _subclasses(Command)
        if c.__module__ == commands.__name__ and not c.__name__.startswith("_")
    ]


def _bodies() -> list[type[Body[typing.Any]]]:
    return [b for b in _subclasses(Body) if b.__module__ == schemas.__name__]


def test_every_command_has_one_row_in_the_table() -> None:
    declared = set(_commands())
    assert declared, "no command declared"
    assert declared == set(COMMANDS), (
        f"without a row: {sorted(c.__name__ for c in declared - set(COMMANDS))}; "
        f"a row without a command: {sorted(c.__name__ for c in set(COMMANDS) - declared)}"
    )
    for command, handler in COMMANDS.items():
        assert handler.command is command
        assert command.__doc__, f"{command.__name__} says what it does"
        config = command.__struct_config__
        assert config.frozen, command.__name__
        assert config.forbid_unknown_fields, command.__name__
        if isinstance(handler, Change):
            assert ID_FIELDS[handler.kind] in command.__struct_fields__


@pytest.mark.parametrize("body", _bodies(), ids=lambda b: b.__name__)
def test_a_body_is_its_command_without_the_paths_ids(body: type[Body[typing.Any]]) -> None:
    command = body.command
    hints = typing.get_type_hints(command, include_extras=True)
    body_hints = typing.get_type_hints(body, include_extras=True)
    expected = (set(command.__struct_fields__) - set(body.path)) | set(Write.__struct_fields__)
    assert set(body.__struct_fields__) == expected
    defaults = {f.name: f for f in msgspec.structs.fields(command)}
    for f in msgspec.structs.fields(body):
        if f.name in Write.__struct_fields__:
            continue
        assert body_hints[f.name] == hints[f.name], f.name  # the same constraints
        assert (f.default, f.default_factory) == (
            defaults[f.name].default,
            defaults[f.name].default_factory,
        ), f.name


def test_a_body_becomes_its_command_with_the_ids_of_the_path() -> None:
    pid, oid = uuid4(), uuid4()
    body = msgspec.json.decode(
        b'{"rung": 3, "evidence": "Referat", "valid_on": "2024-03-01", "reason": "Mode"}',
        type=LadderMove,
    )
    assert body.to_command(partnership_id=pid, organisation_id=oid) == MoveOnLadder(
        partnership_id=pid, organisation_id=oid, rung=3, evidence="Referat"
    )
    with pytest.raises(TypeError):
        body.to_command(partnership_id=pid)
    with pytest.raises(msgspec.ValidationError, match=r"\$\.rung"):
        msgspec.json.decode(b'{"rung": 7, "evidence": "x"}', type=LadderMove)
    with pytest.raises(msgspec.ValidationError, match="unknown field `partnership_id`"):
        msgspec.json.decode(
            f'{{"rung": 3, "evidence": "x", "partnership_id": "{pid}"}}'.encode(),
            type=LadderMove,
        )


LADDER_FORM = [
    Field("organisation_id", "Partner", "choice"),
    Field("rung", "Nyt trin", "choice"),
    Field("evidence", "Dokumentation", "textarea"),
    Field("valid_on", "Gyldig fra", "date"),
]


def test_a_form_becomes_the_same_command() -> None:
    pid, oid = uuid4(), uuid4()
    clean = {
        "organisation_id": str(oid),
        "rung": "2",
        "evidence": "Referat",
        "valid_on": None,
        "version": "4",
    }
    command = command_of(MoveOnLadder, clean, {"partnership_id": pid})
    assert command == MoveOnLadder(
        partnership_id=pid, organisation_id=oid, rung=2, evidence="Referat"
    )


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"rung": "7", "evidence": "x"}, "rung", "Skriv et tal inden for det tilladte."),
        ({"rung": "2"}, "evidence", "Feltet skal udfyldes."),
        ({"rung": "2", "evidence": "x" * 10_001}, "evidence", "Teksten er for lang"),
        (
            {"rung": "2", "evidence": "a\u202eb"},
            "evidence",
            "Teksten indeholder et usynligt tegn, der vender",
        ),
    ],
)
def test_a_value_the_command_refuses_is_a_danish_message_at_its_field(
    values: dict[str, str], field: str, message: str
) -> None:
    address = {"partnership_id": uuid4(), "organisation_id": uuid4()}
    with pytest.raises(msgspec.ValidationError) as refusal:
        command_of(MoveOnLadder, values, address)
    errors = command_errors(LADDER_FORM, refusal.value, translator("da"), values)
    assert list(errors) == [field]
    assert errors[field].startswith(message)


ORGANISATION_FORM = [
    Field("name", "Navn"),
    Field("sector", "Sektor", "choice"),
    Field("cvr", "CVR-nummer"),
]


@pytest.mark.parametrize("cvr", ["1234", "1234567a", "١٢٣٤٥٦٧٨", "123456789", "12345678\n"])
def test_one_cvr_rule_for_the_domain_the_api_and_the_form(cvr: str) -> None:
    """The CVR number's rule is one pattern (aggregates/organisation.py): the domain, the
    API's body and the web form's command refuse the same values."""
    from aggregates.errors import InvalidValue
    from aggregates.organisation import check_cvr
    from api.schemas import OrganisationCreate
    from services.commands import RegisterOrganisation

    with pytest.raises(InvalidValue):
        check_cvr(cvr)
    body = {"name": "Klub", "sector": "voluntary", "cvr": cvr}
    with pytest.raises(msgspec.ValidationError, match=r"\$\.cvr"):
        msgspec.json.decode(msgspec.json.encode(body), type=OrganisationCreate)
    with pytest.raises(msgspec.ValidationError) as refusal:
        command_of(RegisterOrganisation, body, {})
    assert command_errors(ORGANISATION_FORM, refusal.value, translator("da"), body) == {
        "cvr": "Et CVR-nummer er 8 cifre."
    }
    assert check_cvr("12345678") == "12345678"
