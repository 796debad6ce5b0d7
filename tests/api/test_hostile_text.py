"""Hostile text in every text field of every write (issue 12, findings 1, 3 and 9).

The OpenAPI document the app serves is walked: every write operation with a JSON body,
every string field of that body (nested objects and list items too). Each field gets the
hostile strings a careless paste or an attacker sends: U+0000 (which once stopped every
view on PostgreSQL), C0 and C1 controls, DEL, U+2028, a bidi override, a byte order mark,
line breaks in one-line fields, and names made only of invisible characters.

Each answer must be a 4xx problem document that wrote nothing, or (only for fields that
hold no text, such as a password) a success after which every view still advances: `/ready`
reports no stuck view and no lag, and every projection's position reaches the head of the
notification log. Runs on both stores: U+0000 is what PostgreSQL cannot hold.

Every text field must also say in the document which text it accepts (a `pattern`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, TokenKind
from aggregates.text import (
    LINK_PATTERN,
    MULTI_LINE_FIELDS,
    MULTI_LINE_PATTERN,
    ONE_LINE_PATTERN,
)
from services.fields import PATTERN_WORDS
from tests.api.conftest import (
    ACTOR,
    PASSWORD,
    add_user,
    assert_problem,
    register_organisation,
    register_partnership,
    tvaers,
)

pytestmark = pytest.mark.both_stores

WRITES = {"post", "put", "patch", "delete"}
TARGET = "hostile-target@svendborg.dk"

# (label, value, refused in multi-line fields too)
HOSTILE: list[tuple[str, str, bool]] = [
    ("U+0000", "a\x00b", True),
    ("U+0001", "a\x01b", True),
    ("ESC", "a\x1b[2Jb", True),
    ("DEL", "a\x7fb", True),
    ("U+0085", "a\x85b", True),
    ("U+2028", "a\u2028b", True),
    ("U+202E", "abc\u202edcba", True),
    ("U+FEFF", "\ufeffabc", True),
    ("invisible only", "\u200b\u200d\u3164", True),
    ("spaces only", "   ", True),
    ("CR LF", "a\r\nb", False),
    ("LF", "a\nb", False),
    ("TAB", "a\tb", False),
]

# Fields that hold no text anyone reads (hashed at once, or looked up and refused by the
# domain): a hostile value may be accepted, but then every view must still advance.
NOT_TEXT = {"password", "new_password", "current_password", "username"}


# -- the document: write operations and their string fields -----------------------------


@dataclass(frozen=True)
class StringField:
    path: tuple[str, ...]  # keys; "[]" for a list's item
    schema: dict[str, Any]

    @property
    def name(self) -> str:
        return next(p for p in reversed(self.path) if p != "[]")

    @property
    def label(self) -> str:
        return ".".join(self.path).replace(".[]", "[0]")

    @property
    def multi_line(self) -> bool:
        return self.schema.get("pattern") == MULTI_LINE_PATTERN


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    body: dict[str, Any]  # the request body's schema, resolved

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


class Document:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def alternative(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema without `| None`: the non-null alternative, with the outer bounds."""
        schema = self.resolve(schema)
        if "oneOf" in schema:
            alts = [self.resolve(a) for a in schema["oneOf"] if a.get("type") != "null"]
            outer = {k: v for k, v in schema.items() if k != "oneOf"}
            if len(alts) == 1:
                return {**alts[0], **outer}
            return {**alts[0], **outer, "alternatives": alts}
        return schema

    def operations(self) -> list[Operation]:
        found = []
        for path, item in self.doc["paths"].items():
            for method, op in item.items():
                content = op.get("requestBody", {}).get("content", {})
                if method in WRITES and "application/json" in content:
                    body = self.resolve(content["application/json"]["schema"])
                    found.append(Operation(method, path, body))
        return found

    def strings(self, schema: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[StringField]:
        schema = self.alternative(schema)
        kind = schema.get("type")
        if kind == "object":
            for name, sub in schema.get("properties", {}).items():
                yield from self.strings(sub, (*path, name))
        elif kind == "array":
            yield from self.strings(schema["items"], (*path, "[]"))
        elif kind == "string" and "enum" not in schema and "format" not in schema:
            yield StringField(path, schema)


# -- seeded records and valid bodies -----------------------------------------------------


def _post(client: TestClient[Litestar], path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body)
    assert response.status_code in {200, 201}, f"{path}: {response.text}"
    return str(response.json()["id"])


def seed(client: TestClient[Litestar]) -> dict[str, str]:
    """One of every record a write's path or body names, made over HTTP."""
    lead = register_organisation(client, "Sundhed og Forebyggelse")
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    spare = register_organisation(client, "Jobcenter Svendborg", "employment")
    partnership = register_partnership(client, lead)
    base = f"/partnerships/{partnership}"
    _post(client, f"{base}/partners", {"organisation_id": club, "valid_on": "2024-03-01"})
    person = _post(client, "/persons", {"name": "Mette Holm", "organisation_id": club})
    milestone = _post(
        client,
        f"{base}/milestones",
        {"dimension": "method", "status": "started", "title": "Værktøj", "evidence": {"text": "x"}},
    )
    add_user(client, TARGET)
    return {
        "lead": lead,
        "club": club,
        "spare": spare,
        "partnership": partnership,
        "person": person,
        "milestone": milestone,
        "activity": _post(
            client,
            f"{base}/activities",
            {"title": "Motion på recept", "category": "offer", "owner_ids": [club]},
        ),
        "agreement": _post(
            client,
            f"{base}/agreements",
            {
                "kind": "cooperation",
                "title": "Aftale",
                "purpose": "Formål",
                "party_ids": [lead, club],
                "obligations": [
                    {"party_id": lead, "text": "Henviser"},
                    {"party_id": club, "text": "Træner"},
                ],
                "valid_from": "2024-01-01",
                "valid_to": "2030-12-31",
            },
        ),
        "position": _post(client, f"{base}/roles", {"role": "coordinator", "person_id": person}),
        "follow_up": _post(
            client,
            f"{base}/follow-ups",
            {"label": "Efter 3 måneder", "due_on": "2030-07-01", "cohort": 24},
        ),
        "factor": _post(
            client,
            f"{base}/factors",
            {"origin": "internal", "effect": "promoting", "description": "Ledelse"},
        ),
        "evaluation": _post(
            client,
            f"{base}/evaluations",
            {"kind": "internal", "evaluator": "Os", "method": "survey"},
        ),
        "annotation": _post(client, f"{base}/annotations", {"kind": "judgement", "text": "Godt"}),
    }


def path_of(operation: Operation, ids: dict[str, str]) -> str:
    values = {
        "partnership_id": ids["partnership"],
        "organisation_id": ids["club"],
        "person_id": ids["person"],
        "activity_id": ids["activity"],
        "agreement_id": ids["agreement"],
        "position_id": ids["position"],
        "follow_up_id": ids["follow_up"],
        "factor_id": ids["factor"],
        "evaluation_id": ids["evaluation"],
        "annotation_id": ids["annotation"],
        "username": TARGET,
    }
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], operation.path)


DATES = {"valid_from": "2024-01-01", "valid_to": "2030-12-31", "due_on": "2030-07-01"}


class Bodies:
    """A valid body for an operation, with one field set to a given value."""

    def __init__(self, document: Document, ids: dict[str, str]) -> None:
        self.document = document
        self.uuids: dict[str, Any] = {
            "organisation_id": ids["spare"],
            "lead_organisation_id": ids["lead"],
            "into_id": ids["lead"],
            "person_id": ids["person"],
            "signatory_id": ids["person"],
            "party_id": ids["club"],
            "party_ids": [ids["lead"], ids["club"]],
            "owner_ids": [ids["club"]],
            "activity_id": ids["activity"],
            "milestone_id": ids["milestone"],
            "milestone_ids": [ids["milestone"]],
            "partnership_id": ids["partnership"],
            "aggregate_id": ids["partnership"],
        }
        self.partnership = ids["partnership"]

    def build(
        self,
        schema: dict[str, Any],
        name: str,
        target: tuple[str, ...] | None = None,
        value: str = "",
    ) -> Any:
        if target == ():
            return value
        schema = self.document.alternative(schema)
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object":
            props = schema.get("properties", {})
            wanted = [k for k in props if k in schema.get("required", [])]
            if target and target[0] not in wanted:
                wanted.append(target[0])
            return {
                key: self.build(
                    props[key], key, target[1:] if target and target[0] == key else None, value
                )
                for key in wanted
            }
        if kind == "array":
            if target:
                return [self.build(schema["items"], name, target[1:], value)]
            if name in self.uuids:
                return self.uuids[name]
            return [self.build(schema["items"], name)]
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "boolean":
            return False
        if kind == "number":
            return 1
        return self._string(schema, name)

    def _string(self, schema: dict[str, Any], name: str) -> Any:
        fmt = schema.get("format")
        if fmt == "uuid":
            return self.uuids.get(name, self.partnership)
        if fmt == "date":
            return DATES.get(name, "2024-03-01")
        if schema.get("pattern") == LINK_PATTERN:
            return "https://svendborg.dk"
        if "@" in schema.get("description", "") or name in ("email", "username"):
            return "mette@svendborg.dk"
        if "password" in name:
            return PASSWORD
        return "Tekst"


# -- the checks --------------------------------------------------------------------------


def views_advance(client: TestClient[Litestar]) -> None:
    """Every view reaches the head of the notification log, none stuck."""
    deadline = time.monotonic() + 10
    while True:
        ready = client.get("/ready")
        body = ready.json()
        if ready.status_code == 200 and body["lag"] == 0 and body["status"] == "ready":
            break
        assert not body.get("stuck"), f"a view is stuck: {body}"
        assert time.monotonic() < deadline, f"the views do not catch up: {body}"
        time.sleep(0.05)
    head = tvaers(client).max_notification_id()
    statuses = client.blocking_portal.call(client.app.state.read_side.runner.status)
    assert {s.name: s.position for s in statuses} == {s.name: head for s in statuses}


def send(
    client: TestClient[Litestar], operation: Operation, path: str, body: dict[str, Any]
) -> Any:
    headers = None
    if operation.path in ("/auth/logout",):  # logging out ends the token used: a new one
        issued = tvaers(client).issue_token(
            ACTOR, TokenKind.BEARER, "hostile", timedelta(hours=1), Meta(actor=ACTOR)
        )
        headers = {"Authorization": f"Bearer {issued.token}"}
    return client.request(operation.method.upper(), path, json=body, headers=headers)


def check(
    client: TestClient[Litestar],
    operation: Operation,
    field: StringField,
    response: Any,
    before: int,
) -> bool:
    """The answer is a refusal that wrote nothing, or (not text) a success; True if accepted."""
    where = f"{operation.label} {field.label}"
    if response.status_code < 300:
        assert field.name in NOT_TEXT, f"{where}: hostile text accepted: {response.text}"
        return True
    assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text}"
    problem = assert_problem(response, response.status_code)
    assert tvaers(client).max_notification_id() == before, f"{where}: a refusal wrote"
    if response.status_code in (400, 422) and field.name not in NOT_TEXT:
        named = [e.get("field") for e in problem.get("errors") or []]
        assert any(n and field.name in n for n in named), f"{where}: field not named: {problem}"
        if field.schema.get("pattern") in PATTERN_WORDS:  # the rule in words, not its regex
            assert "regex" not in str(problem.get("errors")), f"{where}: {problem}"
    return False


@pytest.fixture
def world(client: TestClient[Litestar]) -> tuple[Document, Bodies, dict[str, str]]:
    document = Document(client.get("/schema/openapi.json").json())
    ids = seed(client)
    return document, Bodies(document, ids), ids


def test_every_text_field_of_every_write_states_the_text_rule(
    world: tuple[Document, Bodies, dict[str, str]],
) -> None:
    document, _bodies, _ids = world
    operations = document.operations()
    assert len(operations) > 50, "the OpenAPI document lost write operations"
    missing = [
        f"{op.label} {field.label}"
        for op in operations
        for field in document.strings(op.body)
        if field.name not in NOT_TEXT and "pattern" not in field.schema
    ]
    assert not missing, missing
    # The document and the domain's gate agree on which fields may span lines.
    disagree = [
        f"{op.label} {field.label}"
        for op in operations
        for field in document.strings(op.body)
        if field.name not in NOT_TEXT
        and field.multi_line != (field.name in MULTI_LINE_FIELDS)
        and field.schema.get("pattern") in (ONE_LINE_PATTERN, MULTI_LINE_PATTERN)
    ]
    assert not disagree, disagree


def test_hostile_text_in_any_field_of_any_write_is_refused_and_every_view_advances(
    client: TestClient[Litestar], world: tuple[Document, Bodies, dict[str, str]]
) -> None:
    document, bodies, ids = world
    sent = accepted = 0
    for operation in document.operations():
        path = path_of(operation, ids)
        for field in document.strings(operation.body):
            for _label, value, everywhere in HOSTILE:
                if field.multi_line and not everywhere:
                    continue  # line breaks and tabs are fine in multi-line text
                body = bodies.build(operation.body, "", field.path, value)
                before = tvaers(client).max_notification_id()
                response = send(client, operation, path, body)
                sent += 1
                accepted += check(client, operation, field, response, before)
    assert sent > 1000
    assert accepted < sent // 20  # only fields that hold no text may take them
    views_advance(client)


# Any text with at least one character no text may hold, anywhere in it.
FORBIDDEN = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x08",
        "\x0b",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9f",
        "\u2028",
        "\u2029",
        "\u202a",
        "\u202e",
        "\u2066",
        "\u2069",
        "\ufeff",
    ]
)


@pytest.mark.fuzz
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_any_text_holding_a_forbidden_character_is_refused_in_any_field(
    client: TestClient[Litestar],
    world: tuple[Document, Bodies, dict[str, str]],
    data: st.DataObject,
) -> None:
    document, bodies, ids = world
    fields = [
        (operation, field)
        for operation in document.operations()
        for field in document.strings(operation.body)
        if field.name not in NOT_TEXT
    ]
    operation, field = data.draw(st.sampled_from(fields), label="field")
    head = data.draw(st.text(max_size=20), label="head")
    tail = data.draw(st.text(max_size=20), label="tail")
    value = head + data.draw(FORBIDDEN, label="forbidden") + tail
    before = tvaers(client).max_notification_id()

    response = send(
        client,
        operation,
        path_of(operation, ids),
        bodies.build(operation.body, "", field.path, value),
    )

    assert not check(client, operation, field, response, before)
