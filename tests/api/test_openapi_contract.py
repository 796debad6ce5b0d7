"""The served OpenAPI document is the committed copy (docs/openapi.json).

The public contract changes only on purpose: a refactoring that moves an operation,
renames an operation id or changes a request or response schema fails here, with the
difference and how to write the copy anew (`make openapi`) when the change is meant.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from docs.tools.openapi_snapshot import SNAPSHOT, difference, operations, render


def test_the_served_document_is_the_committed_copy(client: TestClient[Litestar]) -> None:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    found = difference(SNAPSHOT.read_text(encoding="utf-8"), response.json())
    if found is not None:
        pytest.fail(found, pytrace=False)


def test_the_copy_is_written_as_the_snapshot_script_writes_it() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert render(json.loads(committed)) == committed
    assert len(operations(json.loads(committed))) > 50


def _committed() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return document


def test_a_difference_names_the_operations_and_shows_the_diff() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    served = _committed()
    path, item = next(iter(served["paths"].items()))
    method, operation = next((m, o) for m, o in item.items() if isinstance(o, dict))
    old_id = operation["operationId"]
    operation["operationId"] = "SomethingElse"
    served["paths"]["/a-new-path"] = {"get": {"operationId": "ANewOperation"}}

    found = difference(committed, served)

    assert found is not None
    assert "Operations added:\n  GET /a-new-path (ANewOperation)" in found
    assert f"{method.upper()} {path}: {old_id} -> SomethingElse" in found
    assert f'-        "operationId": "{old_id}",' in found
    assert '+        "operationId": "SomethingElse",' in found
    assert "make openapi" in found


def test_a_removed_operation_is_named() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    served = copy.deepcopy(_committed())
    path = next(iter(served["paths"]))
    removed = operations({"paths": {path: served["paths"].pop(path)}})

    found = difference(committed, served)

    assert found is not None
    assert "Operations removed:" in found
    for key, operation_id in removed.items():
        assert f"  {key} ({operation_id})" in found


def test_no_difference_is_none() -> None:
    committed = SNAPSHOT.read_text(encoding="utf-8")
    assert difference(committed, _committed()) is None
