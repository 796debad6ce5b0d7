"""The served OpenAPI document is the committed copy (docs/openapi.json).

The public contract changes only on purpose: a refactoring that moves an operation,
renames an operation id or changes a request or response schema fails here, with the
difference and how to write the copy anew (`make openapi`) when the change is meant.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
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


# -- a document a generator can use (issue 16) -------------------------------------------

PROJECT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


def test_every_component_has_one_name_chosen_by_the_project(
    client: TestClient[Litestar],
) -> None:
    """Litestar publishes two structs of one name as `module_Name`: a generator then
    cannot resolve them (it dropped PartnershipView, AgreementsView, ActivitiesView)."""
    names = client.get("/schema/openapi.json").json()["components"]["schemas"]

    prefixed = [name for name in names if not PROJECT_NAME.match(name)]
    assert not prefixed, f"component names with a module prefix: {prefixed}"


def _structs(annotation: Any) -> Iterator[type]:
    """The msgspec structs (and enums) a handler's annotation reaches."""
    try:
        infos = msgspec.inspect.multi_type_info([annotation])
    except (TypeError, ValueError):
        return
    seen: set[int] = set()
    stack: list[Any] = list(infos)
    while stack:
        info = stack.pop()
        if id(info) in seen:
            continue
        seen.add(id(info))
        if isinstance(info, msgspec.inspect.StructType | msgspec.inspect.EnumType):
            yield info.cls
        for name in getattr(info, "__struct_fields__", ()):  # inspect's types are structs
            stack.extend(_children(getattr(info, name)))


def _children(value: Any) -> list[Any]:
    if isinstance(value, msgspec.inspect.Type):
        return [value]
    if isinstance(value, msgspec.inspect.Field):
        return [value.type]
    if isinstance(value, tuple | list):
        return [child for item in value for child in _children(item)]
    return []


def test_no_two_structs_of_the_api_share_a_name(client: TestClient[Litestar]) -> None:
    by_name: dict[str, set[str]] = {}
    for route in client.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            signature = handler.parsed_fn_signature
            annotations = [signature.return_type.annotation]
            annotations += [p.annotation for p in signature.parameters.values()]
            for annotation in annotations:
                for inner in (annotation, *getattr(annotation, "__args__", ())):
                    for cls in _structs(inner):
                        by_name.setdefault(cls.__name__, set()).add(cls.__module__)

    shared = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert len(by_name) > 50
    assert not shared, f"structs of one name in several modules: {shared}"


def _operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise AssertionError(operation_id)


def _header_parameters(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_security_schemes_and_headers_are_declared_per_operation(
    client: TestClient[Litestar],
) -> None:
    document = client.get("/schema/openapi.json").json()
    components = document["components"]
    assert components["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "tvaers_<id>_<secret>",
        "description": components["securitySchemes"]["bearer"]["description"],
    }
    assert components["securitySchemes"]["cookie"]["in"] == "cookie"

    for public in ("health", "logIn", "issueToken"):
        assert _operation(document, public)["security"] == [], public
    reads = _operation(document, "getPartnership")
    assert reads["security"] == [{"bearer": []}, {"cookie": []}]
    assert _header_parameters(reads) == {"X-Correlation-ID"}
    assert set(reads["responses"]["200"]["headers"]) >= {"ETag", "X-Request-ID"}

    write = _operation(document, "joinPartner")
    assert write["security"] == [{"bearer": []}]  # the cookie does not write (ADR 0013)
    assert _header_parameters(write) == {"If-Match", "Idempotency-Key", "X-Correlation-ID"}
    assert set(write["responses"]["201"]["headers"]) >= {"ETag", "Idempotent-Replayed"}
    assert set(write["responses"]["412"]["headers"]) == {"ETag"}
    assert set(write["responses"]["503"]["headers"]) == {"Retry-After"}
    assert _operation(document, "logOut")["security"] == [{"bearer": []}, {"cookie": []}]

    creation = _operation(document, "createOrganisation")
    assert _header_parameters(creation) == {"Idempotency-Key", "X-Correlation-ID"}
    assert set(creation["responses"]["201"]["headers"]) >= {"ETag", "Location"}

    every = [
        operation
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    assert all("security" in operation for operation in every)
    assert all("X-Correlation-ID" in _header_parameters(operation) for operation in every)


def test_a_lower_bound_of_zero_is_stated(client: TestClient[Litestar]) -> None:
    """Litestar leaves out `ge=0`; the API refuses a negative WHO-5 mean (400), and the
    document says so (a generator or a fuzzer must not send one as valid)."""
    schemas = client.get("/schema/openapi.json").json()["components"]["schemas"]

    assert schemas["EvaluationRecord"]["properties"]["who5_mean_before"]["minimum"] == 0
