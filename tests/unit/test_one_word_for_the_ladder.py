"""One Danish word for the ladder (issue 16): "partnerskabstrappen", as docs/glossary.md
says; "partnerskabsstigen" appeared beside it in the UI. Checked in every text a user
reads: the code (UI strings, refusals, exports, the story), the templates and the docs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLACES = ("aggregates", "api", "projections", "services", "docs")
OTHER_WORD = re.compile(r"partnerskabs-?stige", re.IGNORECASE)


def test_the_ladder_is_partnerskabstrappen_everywhere() -> None:
    found = []
    for place in PLACES:
        for path in (ROOT / place).rglob("*"):
            if path.suffix not in (".py", ".html", ".md", ".txt") or not path.is_file():
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                # The glossary names the word it replaces, once.
                if OTHER_WORD.search(line) and path.name != "glossary.md":
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not OTHER_WORD.search(readme)
    assert not found, "\n".join(found)


def test_the_glossary_names_the_word() -> None:
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    assert "| partnerskabstrappen | the partnership ladder |" in glossary
