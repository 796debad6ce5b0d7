"""The documentation stays true to the code: a fresh event catalogue, no broken links."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import services.errors  # noqa: F401 - registers the application's DomainError subclasses
from aggregates.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MARKDOWN = sorted(DOCS.rglob("*.md"))

_FENCE = re.compile(r"^(```|~~~).*?^\1", re.DOTALL | re.MULTILINE)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _prose(text: str) -> str:
    """The text without code blocks and code spans, where `](` is not a link."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _anchors(path: Path) -> set[str]:
    """Heading anchors as GitHub makes them: lower case, punctuation dropped, - for space."""
    anchors: set[str] = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
        slug = re.sub(r"[^\w\- ]", "", plain.lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def _shown(path: Path) -> str:
    return os.path.relpath(path, ROOT)


def _relative_links(path: Path) -> list[str]:
    links = _LINK.findall(_prose(path.read_text(encoding="utf-8")))
    return [link for link in links if not _SCHEME.match(link) and not link.startswith("//")]


def test_the_docs_folder_has_markdown_files() -> None:
    assert len(MARKDOWN) >= 8, [p.name for p in MARKDOWN]


def test_the_event_catalogue_is_what_the_script_generates_from_the_code() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "docs.tools.event_catalogue"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    committed = (DOCS / "events.md").read_text(encoding="utf-8")
    assert result.stdout == committed, (
        "docs/events.md is stale: run "
        "`.venv/bin/python -m docs.tools.event_catalogue > docs/events.md`"
    )


def _subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_subclasses(direct))]


def test_the_readme_configuration_table_is_generated_from_the_settings() -> None:
    from docs.tools.settings_table import section, table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert section(readme) == table(), (
        "README.md's configuration table is stale: run "
        "`.venv/bin/python -m docs.tools.settings_table --write`"
    )


def test_the_operations_guide_names_every_setting() -> None:
    from services.settings import Settings

    guide = (DOCS / "operations.md").read_text(encoding="utf-8")
    missing = [v.name for _, v, _ in Settings.variables() if f"`{v.name}`" not in guide]
    assert missing == [], "docs/operations.md does not say what these do"


def test_the_api_guide_lists_every_problem_code() -> None:
    codes = {error.code for error in (DomainError, *_subclasses(DomainError))}
    guide = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = sorted(code for code in codes if f"`{code}`" not in guide)
    assert not missing, f"docs/api.md does not explain the problem codes {missing}"


@pytest.mark.parametrize("path", MARKDOWN, ids=_shown)
def test_every_relative_link_points_to_an_existing_file_and_heading(path: Path) -> None:
    broken = []
    for link in _relative_links(path):
        target, _, fragment = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists():
            broken.append(f"{link} (no file {_shown(file)})")
        elif fragment and file.suffix == ".md" and fragment not in _anchors(file):
            broken.append(f"{link} (no heading #{fragment} in {_shown(file)})")
    assert not broken, f"{_shown(path)}: " + "; ".join(broken)
