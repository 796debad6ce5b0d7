"""HTTP: anchoring and evaluation. Milestones, factors and their links, evaluations and their
assessments. Every refusal writes nothing."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Evidence
from aggregates.taxonomy import AssessmentAnswer, AssessmentQuestion
from tests.api.conftest import tvaers
from tests.api.support import refused, view, write

MILESTONE = {
    "dimension": "political",
    "status": "anchored",
    "title": "Sundhedsudvalget vedtog en politik",
    "evidence": {"text": "Referat", "link": "https://svendborg.dk/ref", "document_ref": "SU-7"},
    "valid_on": "2024-11-12",
}


def test_milestones_and_factors_are_recorded_and_linked(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"

    political = write(client, f"{base}/milestones", MILESTONE, status=201)["id"]
    operations = write(
        client,
        f"{base}/milestones",
        {
            **MILESTONE,
            "dimension": "operations",
            "status": "started",
            "evidence": {"text": "Budget"},
        },
        status=201,
    )["id"]
    factor = write(
        client,
        f"{base}/factors",
        {
            "origin": "external",
            "effect": "promoting",
            "description": "Ny rygelov",
            "milestone_ids": [political],
        },
        status=201,
    )["id"]
    write(client, f"{base}/factors/{factor}/milestones", {"milestone_id": operations})

    anchoring = {a["dimension"]: a["status"] for a in view(client, partnership_id)["anchoring"]}
    assert (anchoring["political"], anchoring["operations"], anchoring["culture"]) == (
        "anchored",
        "started",
        "none",
    )
    stored = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    assert stored.milestones[political].evidence == Evidence(
        text="Referat", link="https://svendborg.dk/ref", document_ref="SU-7"
    )
    assert [str(m) for m in stored.factors[factor].milestone_ids] == [political, operations]


def test_an_anchoring_record_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    milestone = write(client, f"{base}/milestones", MILESTONE, status=201)["id"]
    factor = {"origin": "internal", "effect": "barrier", "description": "Personaleomsætning"}
    created = write(client, f"{base}/factors", factor, status=201)["id"]
    write(client, f"{base}/factors/{created}/milestones", {"milestone_id": milestone})

    refused(client, f"{base}/milestones", {**MILESTONE, "status": "none"}, 422, "invalid-value")
    refused(
        client,
        f"{base}/milestones",
        {**MILESTONE, "evidence": {"text": " "}},
        400,
        "invalid-request",
    )
    refused(
        client,
        f"{base}/milestones",
        {**MILESTONE, "evidence": {"text": "x", "pages": 3}},
        400,
        "invalid-request",
    )
    refused(client, f"{base}/milestones", {**MILESTONE, "dimension": "economy"}, 400)
    refused(
        client,
        f"{base}/factors",
        {**factor, "milestone_ids": [str(uuid.uuid4())]},
        404,
        "not-found",
    )
    refused(client, f"{base}/factors", {**factor, "effect": "neutral"}, 400, "invalid-request")
    refused(
        client,
        f"{base}/factors/{created}/milestones",
        {"milestone_id": milestone},
        422,
        "no-change",
    )
    refused(
        client,
        f"{base}/factors/{uuid.uuid4()}/milestones",
        {"milestone_id": milestone},
        404,
        "not-found",
    )
    refused(client, f"{base}/milestones", MILESTONE, 412, "stale-version", if_match=1)


def test_an_evaluation_is_recorded_and_assessed(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}/evaluations"
    evaluation = write(
        client,
        base,
        {
            "kind": "external",
            "evaluator": "COWI",
            "method": "who5",
            "findings": "Trivslen steg",
            "valid_on": "2024-10-01",
        },
        status=201,
    )["id"]

    write(
        client,
        f"{base}/{evaluation}/assessments",
        {"question": "purpose_met", "answer": "some_extent", "valid_on": "2024-10-02"},
    )

    refused(
        client,
        f"{base}/{evaluation}/assessments",
        {"question": "purpose_met", "answer": "high_extent", "valid_on": "2024-09-01"},
        422,
        "inconsistent-dates",
    )
    refused(
        client,
        f"{base}/{uuid.uuid4()}/assessments",
        {"question": "purpose_met", "answer": "high_extent"},
        404,
        "not-found",
    )
    refused(
        client,
        f"{base}/{evaluation}/assessments",
        {"question": "purpose_met", "answer": "maybe"},
        400,
        "invalid-request",
    )
    refused(
        client,
        base,
        {"kind": "internal", "evaluator": " ", "method": "survey"},
        400,  # nothing visible: the schema's text rule
        "invalid-request",
    )
    refused(client, base, {"kind": "internal", "evaluator": "Os", "method": "tarot"}, 400)
    stored = tvaers(client).get_partnership(uuid.UUID(partnership_id)).evaluations[evaluation]
    assert (stored.evaluator, stored.method.value, stored.findings) == (
        "COWI",
        "who5",
        "Trivslen steg",
    )
    assert [(a.question, a.answer) for a in stored.assessments] == [
        (AssessmentQuestion.PURPOSE_MET, AssessmentAnswer.SOME_EXTENT)
    ]
