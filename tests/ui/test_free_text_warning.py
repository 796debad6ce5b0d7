"""Free text that may hold a name warns the user on the form (issue 12, finding 8).

An erasure seals only a registered person's contact details (ADR 0004): a name written in
a note, a comment, a reason or a piece of evidence is never erased. Every such field says
so under it, in Danish and in English, and every multi-line text field of the UI's forms
carries the warning unless listed below with the reason it need not.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from api.ui.free_text import NAMES_WARNING, NAMES_WARNING_EN
from services.commands import GrantAccess
from tests.api.conftest import add_user, as_user
from tests.commands import execute
from tests.ui.conftest import tvaers
from tests.ui.forms_support import Desk

UI = Path(__file__).resolve().parents[2] / "api" / "ui"
EVALUATOR = "evaluator@cowi.dk"

# (module, label) of multi-line text fields that need no warning, and why.
NO_WARNING = {
    # The partnership's register entry describes the work, not people; target groups and
    # arenas are lists of kinds ("ledige", "jobcenter"), one per line.
    ("actions.py", "Formål"): "the partnership's purpose",
    ("actions.py", "Målgrupper"): "a list of target groups",
    ("actions.py", "Arenaer"): "a list of arenas",
    # An agreement's text is the parties' document: one obligation field per party, and
    # the purpose above them says what the agreement is for. Its parties are organisations
    # and its signatories registered persons.
    ("actions_registry.py", "Formål"): "the partnership's purpose (Ret stamdata)",
    ("actions_registry.py", "Målgrupper"): "a list of target groups",
    ("actions_registry.py", "Arenaer"): "a list of arenas",
    ("actions_registry.py", "Emneord"): "a list of tags",
    ("actions_registry.py", "Rekrutteringskanaler"): "a list of recruitment channels",
    ("actions_agreements.py", "Formål"): "the agreement's purpose",
    ("actions_agreements.py", "Forpligtelser"): "one per party",
}


@dataclass(frozen=True)
class World:
    client: TestClient[Litestar]
    desk: Desk
    evaluator: dict[str, str]


@pytest.fixture
def world(ui: TestClient[Litestar]) -> World:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead)
    desk.join(club, rung=4)
    add_user(ui, EVALUATOR)
    execute(
        tvaers(ui),
        GrantAccess(
            username=EVALUATOR, role=AccessRole.EVALUATOR, partnership_id=UUID(desk.partnership)
        ),
        Meta(actor="cli:test"),
    )
    return World(ui, desk, as_user(ui, EVALUATOR))


def _help_of(page: str, field: str) -> str:
    """The help text under a field (its `f-<name>-help` paragraph), unescaped."""
    match = re.search(rf'<p class="help" id="f-{re.escape(field)}-help">(.*?)</p>', page, re.S)
    assert match is not None, f"no help text under {field}"
    described = re.search(rf'id="f-{re.escape(field)}"[^>]*aria-describedby="([^"]*)"', page)
    assert described is not None, f"{field} is not described by its help"
    assert f"f-{field}-help" in described.group(1).split()
    return html.unescape(match.group(1))


# (form, its free-text fields, opened by the evaluator rather than the administrator)
FORMS = [
    ("annotations/new", ["text"], True),  # an evaluator's note
    ("ratings/new", ["comment", "reason"], False),  # the steering group's self-assessment
    ("partners/new", ["evidence", "reason"], False),
    ("ladder/new", ["evidence", "reason"], False),
    ("milestones/new", ["evidence_text", "reason"], False),
    ("factors/new", ["description", "reason"], False),
    ("activities/new", ["description", "reason"], False),
]


def test_free_text_fields_warn_against_names_in_danish_and_english(world: World) -> None:
    assert "Skriv ikke borgeres navne" in NAMES_WARNING
    assert "fagpersoner" in NAMES_WARNING
    for tail, fields, as_evaluator in FORMS:
        path = f"{world.desk.base}/{tail}"
        headers = world.evaluator if as_evaluator else {}
        danish = world.client.get(path, headers={**headers, "Accept-Language": "da"})
        assert danish.status_code == 200, path
        english = world.client.get(path, headers={**headers, "Accept-Language": "en"})
        assert english.status_code == 200, path
        assert '<html lang="en">' in english.text
        for field in fields:
            assert _help_of(danish.text, field).endswith(NAMES_WARNING), (path, field)
            assert _help_of(english.text, field).endswith(NAMES_WARNING_EN), (path, field)


def _warns(node: ast.expr | None, warned: set[str]) -> bool:
    """The help expression is `warn_names(...)` or a module constant made by it."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "warn_names"
    return isinstance(node, ast.Name) and node.id in warned


def _textarea_fields(tree: ast.Module) -> Iterator[tuple[str, ast.expr | None]]:
    """(label, help expression) of every `Field(name, label, "textarea", ...)`."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Field"):
            continue
        keywords = {k.arg: k.value for k in node.keywords}
        kind = node.args[2] if len(node.args) > 2 else keywords.get("kind")
        if not (isinstance(kind, ast.Constant) and kind.value == "textarea"):
            continue
        label = node.args[1] if len(node.args) > 1 else keywords.get("label")
        assert isinstance(label, ast.Constant), ast.unparse(node)
        yield str(label.value), keywords.get("help")


def test_every_multi_line_text_field_of_the_ui_warns_against_names() -> None:
    """The class of defect: a new free-text field without the warning fails here."""
    found: set[tuple[str, str]] = set()
    missing = []
    for module in sorted(UI.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        warned = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign) and _warns(node.value, set())
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for label, help_expression in _textarea_fields(tree):
            found.add((module.name, label))
            if (module.name, label) not in NO_WARNING and not _warns(help_expression, warned):
                missing.append(f"{module.name}: {label}")
    assert missing == []
    assert ("forms.py", "Begrundelse (valgfri)") in found  # the reason on (nearly) every form
    assert ("evaluation.py", "Notat") in found
    assert set(NO_WARNING) <= found, "an exemption names a field that no longer exists"
