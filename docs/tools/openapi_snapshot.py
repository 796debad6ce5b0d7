"""Writes docs/openapi.json, the committed copy of the served OpenAPI document.

The public contract of the API is what `/schema/openapi.json` serves. A copy of it is
committed, and tests/api/test_openapi_contract.py fails when the served document differs
from the copy -- so a change to a path, an operation id, a request or a response schema
is never a side effect of a refactoring. When the change is deliberate, write the copy
anew and commit it with the change (the diff of docs/openapi.json shows the reviewer
what changed in the contract):

    make openapi
    # or: .venv/bin/python -m docs.tools.openapi_snapshot

`--check` only compares (exit status 1 and a diff on a difference), as the test does.

The document is served by an app built like `tvaers serve` builds it, on a throwaway
SQLite store; it depends on the code only, not on the settings or the data.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).resolve().parents[1] / "openapi.json"
SCHEMA_PATH = "/schema/openapi.json"
UPDATE_HINT = (
    "If the change is deliberate, write the copy anew and commit it with the change:\n"
    "    make openapi   (or: .venv/bin/python -m docs.tools.openapi_snapshot)\n"
    "and list the change in the commit message; otherwise undo what changed the contract."
)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DIFF_LINES = 400  # at most this many lines of the unified diff in a message


def render(document: Mapping[str, Any]) -> str:
    """The document as committed: pretty-printed, keys sorted, one newline at the end."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def served_document() -> dict[str, Any]:
    """The OpenAPI document an app built from today's code serves."""
    from litestar.testing import TestClient  # noqa: PLC0415 -- only when generating

    from api.app import create_app  # noqa: PLC0415
    from services.settings import Settings  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="tvaers-openapi-") as directory:
        settings = Settings(
            database_url=str(Path(directory) / "tvaers.sqlite3"),
            housekeeping=False,
            log_format="console",
            log_level="WARNING",
        )
        with TestClient(app=create_app(settings)) as client:
            response = client.get(SCHEMA_PATH)
            response.raise_for_status()
            document: dict[str, Any] = response.json()
    return document


def operations(document: Mapping[str, Any]) -> dict[str, str]:
    """`METHOD /path` -> the operation's id, for every operation of the document."""
    found: dict[str, str] = {}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, Mapping):
                found[f"{method.upper()} {path}"] = str(operation.get("operationId", "?"))
    return found


def difference(committed: str, served: Mapping[str, Any]) -> str | None:
    """None when `served` renders as `committed`; otherwise a readable account of how."""
    rendered = render(served)
    if rendered == committed:
        return None
    lines: list[str] = ["The served OpenAPI document differs from docs/openapi.json."]
    try:
        before = operations(json.loads(committed))
    except json.JSONDecodeError:
        before = {}
        lines.append("docs/openapi.json is not valid JSON.")
    after = operations(served)
    for title, keys in (
        ("Operations added", sorted(after.keys() - before.keys())),
        ("Operations removed", sorted(before.keys() - after.keys())),
    ):
        if keys:
            lines.append(f"{title}:")
            lines.extend(f"  {key} ({(after if key in after else before)[key]})" for key in keys)
    renamed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    if renamed:
        lines.append("Operation ids changed:")
        lines.extend(f"  {key}: {before[key]} -> {after[key]}" for key in renamed)
    diff = list(
        difflib.unified_diff(
            committed.splitlines(),
            rendered.splitlines(),
            fromfile="docs/openapi.json (committed)",
            tofile=f"{SCHEMA_PATH} (served)",
            lineterm="",
        )
    )
    lines.append("")
    lines.extend(diff[:DIFF_LINES])
    if len(diff) > DIFF_LINES:
        lines.append(f"... and {len(diff) - DIFF_LINES} more lines of difference")
    lines.extend(("", UPDATE_HINT))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check", action="store_true", help="only compare; exit 1 and show the difference"
    )
    args = parser.parse_args(argv)
    served = served_document()
    committed = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    found = difference(committed, served)
    if args.check:
        if found is not None:
            sys.stderr.write(found + "\n")
            return 1
        return 0
    if found is None:
        sys.stderr.write(f"{SNAPSHOT.name} is up to date.\n")
        return 0
    SNAPSHOT.write_text(render(served), encoding="utf-8")
    sys.stderr.write(f"wrote {SNAPSHOT} ({len(operations(served))} operations)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
