"""The key stores' interface (services/personal_data.py) is all their users need.

`tvaers events export/import` (services/transfer.py) lists, counts and loads keys through
`PersonalDataKeys`; it used to read and write the two stores' tables through their
private connections and locks, and refused any other key store.
"""

from __future__ import annotations

import ast
import io
import sqlite3
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest

from services.personal_data import PersonalDataKeys, open_keys
from services.settings import Settings
from services.transfer import export_keys, read_keys_file

SERVICES = Path(__file__).resolve().parents[2] / "services"


class MemoryKeys(PersonalDataKeys):
    """A key store of the interface alone (as a test double or a future store would be)."""

    def __init__(self) -> None:
        self.rows: dict[UUID, bytes | None] = {}

    def key_for(self, subject_id: UUID, *, create: bool) -> bytes | None:
        if subject_id not in self.rows and create:
            self.rows[subject_id] = bytes(range(32))
        return self.rows.get(subject_id)

    def forget(self, subject_id: UUID) -> bool:
        had = self.rows.get(subject_id) is not None
        self.rows[subject_id] = None
        return had

    def purge(self) -> bool:
        return True

    def all_keys(self) -> list[tuple[UUID, bytes | None]]:
        return sorted(self.rows.items(), key=lambda row: str(row[0]))

    def count(self) -> int:
        return len(self.rows)

    def load(self, rows: list[tuple[UUID, bytes | None]]) -> None:
        self.rows.update(rows)

    def close(self) -> None:
        pass


def test_export_lists_the_keys_of_any_key_store() -> None:
    keys = MemoryKeys()
    kept, forgotten = uuid4(), uuid4()
    keys.key_for(kept, create=True)
    keys.key_for(forgotten, create=True)
    keys.forget(forgotten)
    out = io.BytesIO()

    assert export_keys(keys, "memory", out) == 2

    out.seek(0)
    assert sorted(read_keys_file(out), key=str) == sorted(
        [(kept, bytes(range(32))), (forgotten, None)], key=str
    )


def test_each_store_lists_counts_and_loads_its_keys(store_settings: Settings) -> None:
    keys = open_keys(store_settings)
    try:
        assert keys.count() == 0
        assert keys.all_keys() == []
        a, b, c = (uuid4() for _ in range(3))
        rows = [(a, bytes(32)), (b, None), (c, bytes(range(32)))]

        keys.load(rows)

        assert keys.count() == 3
        assert keys.all_keys() == sorted(rows, key=lambda row: str(row[0]))
        assert keys.key_for(b, create=True) is None  # a forgotten subject stays forgotten
        assert keys.key_for(c, create=False) == bytes(range(32))
    finally:
        keys.close()


def test_a_load_that_fails_inserts_nothing(store_settings: Settings) -> None:
    keys = open_keys(store_settings)
    try:
        present = uuid4()
        keys.load([(present, bytes(32))])
        new = uuid4()

        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
            keys.load([(new, bytes(32)), (present, bytes(range(32)))])

        assert keys.all_keys() == [(present, bytes(32))]
    finally:
        keys.close()


def _defined_here(tree: ast.Module) -> set[str]:
    """Names a module defines itself: functions and methods, class and `self.` attributes.

    Private to a module is private to its author: code of the same module may use them.
    """
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
    return names


def _reaches_into_private_attributes(path: Path) -> list[str]:
    """`other._name` where `_name` is another module's (not this module's, not a module's).

    `self._name` is the class's own business (inherited or not).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = {
        (alias.asname or alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    own = _defined_here(tree)
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr not in own
            and not (isinstance(node.value, ast.Name) and node.value.id in {"self", "cls"})
            and not (isinstance(node.value, ast.Name) and node.value.id in modules)
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_service_reaches_into_another_objects_private_attributes() -> None:
    found = [
        line
        for path in sorted(SERVICES.rglob("*.py"))
        for line in _reaches_into_private_attributes(path)
    ]
    assert found == [], "use the object's interface instead:\n" + "\n".join(found)
