"""Every setting is declared once, with its variable, concern and meaning (services/settings.py).

The README's table is generated from these declarations (tests/test_docs.py checks it);
here they are held to what `Settings.from_env` really reads.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from services.settings import CONCERNS, Settings, Variable

VARIABLES = Settings.variables()


def test_every_field_is_declared_with_its_variable() -> None:
    undeclared = [f.name for f in dataclasses.fields(Settings) if "variable" not in f.metadata]
    assert undeclared == []
    assert len(VARIABLES) == len(dataclasses.fields(Settings))
    names = [variable.name for _, variable, _ in VARIABLES]
    assert len(set(names)) == len(names)
    assert all(name.startswith("TVAERS_") for name in names)


def test_every_concern_has_settings_and_every_setting_a_meaning() -> None:
    assert {variable.concern for _, variable, _ in VARIABLES} == set(CONCERNS)
    for _, variable, _ in VARIABLES:
        assert len(variable.meaning) > 10, variable


def test_the_defaults_are_what_from_env_reads_from_an_empty_environment() -> None:
    assert Settings.from_env({}) == Settings()


@pytest.mark.parametrize(
    ("field", "variable"), [(name, variable) for name, variable, _ in VARIABLES]
)
def test_each_variable_sets_its_own_field(field: str, variable: Variable) -> None:
    changed = Settings.from_env({variable.name: variable.example})
    default = Settings()

    differs = [
        f.name
        for f in dataclasses.fields(Settings)
        if getattr(changed, f.name) != getattr(default, f.name)
    ]
    assert differs == [field]


class _Spy(dict[str, str]):
    """An environment that notes every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def __contains__(self, key: object) -> bool:
        self.asked.add(str(key))
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)


def test_from_env_reads_only_declared_variables() -> None:
    environment = _Spy()
    Settings.from_env(environment)

    declared = {variable.name for _, variable, _ in VARIABLES}
    assert {name for name in environment.asked if name.startswith("TVAERS_")} == declared
