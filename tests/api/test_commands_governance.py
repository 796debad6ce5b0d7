"""HTTP: a partnership's governance. Registry fields, partners leaving, ladder moves, the
steering group, the secretariat, terms of reference, decisions and roles. Every refusal
writes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from aggregates.taxonomy import Rung
from tests.api.conftest import created, join, register_organisation, tvaers
from tests.api.support import refused, register_person, rungs, view, write


def test_the_registry_fields_are_replaced_and_read_back(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    registry: dict[str, Any] = {
        "title": "Bevæg dig for livet 2.0",
        "municipality": "Svendborg",
        "purpose": "Flere ældre i bevægelse",
        "target_groups": ["ældre"],
        "arenas": ["plejecenter"],
        "kind": "operations",
        "period_start": "2025-01-01",
        "prevention_categories": ["offer"],
        "bearings": [2],
        "tags": ["motion"],
        "yearly_budget_dkk": "120000",
        "staff_hours_per_year": "400.5",
        "recruitment_channels": ["hjemmeplejen"],
        "evaluation_status": "i gang",
        "attention_points": "Transport",
        "barriers": "Personaleomsætning",
        "promoting_factors": "Ledelsesopbakning",
    }

    result = write(
        client, f"/partnerships/{partnership_id}/registry", registry, method="PUT", if_match=1
    )

    assert (result["id"], result["version"]) == (partnership_id, 2)
    shown = view(client, partnership_id)
    assert {key: shown[key] for key in registry} == {**registry, "period_start": "2025-01-01"}
    assert shown["period_end"] is None
    assert shown["lead_organisation_id"] == lead_id


def test_a_registry_update_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    path = f"/partnerships/{partnership_id}/registry"
    same = {"title": "Bevæg dig for livet", "municipality": "Svendborg"}

    refused(client, path, same, 422, "no-change", method="PUT")
    refused(
        client,
        path,
        {**same, "period_start": "2025-01-01", "period_end": "2024-01-01"},
        422,
        "inconsistent-dates",
        method="PUT",
    )
    refused(
        client, path, {**same, "staff_hours_per_year": "-1"}, 422, "invalid-value", method="PUT"
    )
    refused(client, path, {**same, "title": "Ny"}, 412, "stale-version", method="PUT", if_match=3)
    refused(
        client,
        f"/partnerships/{uuid.uuid4()}/registry",
        {**same, "title": "Ny"},
        404,
        "not-found",
        method="PUT",
    )
    refused(client, path, {**same, "lead_organisation_id": lead_id}, 400, method="PUT")
    assert view(client, partnership_id)["version"] == 1


def test_a_partner_moves_on_the_ladder_and_leaves(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership_id, club, rung=2, valid_on="2024-03-01"))
    partners = f"/partnerships/{partnership_id}/partners/{club}"

    write(
        client,
        f"{partners}/ladder-moves",
        {"rung": 4, "evidence": "Fælles holdstart", "valid_on": "2024-06-01"},
        if_match=2,
    )

    assert rungs(client, partnership_id)[club] == 4
    service = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    assert service.rung_of(uuid.UUID(club), on=date(2024, 5, 31)) is Rung.DIALOGUE

    write(client, f"{partners}/departure", {"valid_on": "2024-12-31"})

    assert club not in rungs(client, partnership_id)


def test_a_ladder_move_or_a_leave_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership_id, club, rung=2, valid_on="2024-03-01"))
    outsider = register_organisation(client, "Svendborg Roklub", "sports_club")
    base = f"/partnerships/{partnership_id}/partners"
    move = {"rung": 3, "evidence": "Henvisninger"}

    refused(client, f"{base}/{club}/ladder-moves", {**move, "rung": 5}, 422, "rung-not-backed")
    refused(client, f"{base}/{club}/ladder-moves", {**move, "rung": 2}, 422, "no-change")
    refused(client, f"{base}/{club}/ladder-moves", {**move, "rung": 7}, 400, "invalid-request")
    refused(
        client, f"{base}/{club}/ladder-moves", {**move, "evidence": " "}, 400, "invalid-request"
    )
    refused(
        client,
        f"{base}/{club}/ladder-moves",
        {**move, "valid_on": "2024-02-01"},
        422,
        "inconsistent-dates",
    )
    refused(client, f"{base}/{lead_id}/ladder-moves", move, 422, "lead-organisation")
    refused(client, f"{base}/{outsider}/ladder-moves", move, 422, "not-a-partner")
    refused(client, f"{base}/{club}/ladder-moves", move, 412, "stale-version", if_match=1)
    refused(client, f"{base}/{lead_id}/departure", {}, 422, "lead-organisation")
    refused(client, f"{base}/{outsider}/departure", {}, 422, "not-a-partner")
    refused(client, f"/partnerships/{uuid.uuid4()}/partners/{club}/departure", {}, 404, "not-found")
    assert rungs(client, partnership_id)[club] == 2


def test_the_steering_group_sits_decides_and_issues_terms_of_reference(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    chair = register_person(client, lead_id, "Anne Berg")
    member = register_person(client, lead_id, "Bo Dahl")

    appointed = write(
        client,
        f"{base}/steering-group/members",
        {"person_id": chair, "seat": "chair", "valid_on": "2024-01-10"},
        status=201,
    )
    write(
        client,
        f"{base}/steering-group/members",
        {"person_id": member, "valid_on": "2024-01-10"},
        status=201,
    )
    decision = write(
        client,
        f"{base}/decisions",
        {"title": "Kommissorium godkendt", "approved": ["kommissorium"], "valid_on": "2024-02-01"},
        status=201,
    )
    write(
        client,
        f"{base}/terms-of-reference",
        {
            "purpose": "Styre partnerskabet",
            "composition": "Ledere fra sundhed og jobcenter",
            "focus_areas": ["motion", " motion "],  # trimmed, the same once
            "decision_id": decision["id"],
            "valid_on": "2024-02-01",
        },
    )
    write(client, f"{base}/steering-group/members/{member}/departure", {"valid_on": "2024-06-30"})

    assert appointed["id"] != partnership_id  # the appointment's id
    seats = {s["person_id"]: s["seat"] for s in view(client, partnership_id)["steering_group"]}
    assert seats == {chair: "chair"}
    service = tvaers(client).get_partnership(uuid.UUID(partnership_id))
    assert str(appointed["id"]) in service.appointments
    assert service.decisions[decision["id"]].approved == ("kommissorium",)
    (terms,) = service.terms
    assert (terms.number, terms.decision_id) == (1, uuid.UUID(decision["id"]))
    assert terms.terms.focus_areas == ("motion",)


def test_a_steering_group_change_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}"
    chair = register_person(client, lead_id, "Anne Berg")
    other = register_person(client, lead_id, "Bo Dahl")
    decision = {"title": "Budget", "valid_on": "2024-02-01"}

    refused(client, f"{base}/decisions", decision, 422, "no-steering-group")
    write(
        client,
        f"{base}/steering-group/members",
        {"person_id": chair, "seat": "chair", "valid_on": "2024-01-10"},
        status=201,
    )
    members = f"{base}/steering-group/members"
    refused(client, members, {"person_id": other, "seat": "chair"}, 422, "seat-occupied")
    refused(client, members, {"person_id": chair}, 422, "already-on-steering-group")
    refused(client, members, {"person_id": str(uuid.uuid4())}, 404, "not-found")
    refused(client, members, {"person_id": other, "seat": "king"}, 400, "invalid-request")
    refused(client, f"{members}/{other}/departure", {}, 422, "not-on-steering-group")
    refused(client, f"{base}/terms-of-reference", {"purpose": " "}, 400, "invalid-request")
    refused(
        client,
        f"{base}/terms-of-reference",
        {"purpose": "Styre", "decision_id": str(uuid.uuid4())},
        404,
        "not-found",
    )
    refused(client, members, {"person_id": other}, 412, "stale-version", if_match=1)
    assert len(view(client, partnership_id)["steering_group"]) == 1


def test_the_secretariat_is_placed_staffed_and_released(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}/secretariat"
    person = register_person(client, lead_id, "Carla Eskildsen")
    outsider = register_organisation(client, "Svendborg Roklub", "sports_club")

    refused(client, f"{base}/staff", {"person_id": person}, 422, "secretariat")
    refused(client, base, {"organisation_id": outsider}, 422, "not-a-partner", method="PUT")
    write(client, base, {"organisation_id": lead_id, "valid_on": "2024-01-15"}, method="PUT")
    refused(client, base, {"organisation_id": lead_id}, 422, "no-change", method="PUT")
    write(client, f"{base}/staff", {"person_id": person, "valid_on": "2024-01-15"})
    refused(client, f"{base}/staff", {"person_id": person}, 422, "secretariat")
    write(client, f"{base}/staff/{person}/departure", {"valid_on": "2024-09-01"})
    refused(client, f"{base}/staff/{person}/departure", {}, 422, "secretariat")

    assert view(client, partnership_id)["secretariat_organisation_id"] == lead_id
    secretariat = tvaers(client).get_partnership(uuid.UUID(partnership_id)).secretariat
    assert secretariat is not None
    assert secretariat.staff_on(date(2024, 6, 1)) == [uuid.UUID(person)]
    assert secretariat.staff_on(date(2024, 9, 1)) == []


def test_a_role_is_assigned_handed_over_and_vacated(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}/roles"
    first = register_person(client, lead_id, "Dorte Frost")
    second = register_person(client, lead_id, "Erik Gram")

    position = write(
        client,
        base,
        {"role": "coordinator", "person_id": first, "valid_on": "2024-02-01"},
        status=201,
    )["id"]
    write(client, f"{base}/{position}/handovers", {"person_id": second, "valid_on": "2024-05-01"})

    (role,) = view(client, partnership_id)["roles"]
    assert (role["position_id"], role["role"], role["person_id"]) == (
        position,
        "coordinator",
        second,
    )

    write(client, f"{base}/{position}/vacancy", {"valid_on": "2024-08-01"})
    refilled = write(
        client,
        base,
        {
            "role": "coordinator",
            "person_id": first,
            "position_id": position,
            "valid_on": "2024-09-01",
        },
        status=201,
    )

    assert refilled["id"] == position
    holdings = tvaers(client).get_partnership(uuid.UUID(partnership_id)).roles[position].holdings
    assert [str(h.person_id) for h in holdings] == [first, second, first]


def test_a_role_change_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar], lead_id: str, partnership_id: str
) -> None:
    base = f"/partnerships/{partnership_id}/roles"
    person = register_person(client, lead_id, "Dorte Frost")
    outsider_org = register_organisation(client, "Svendborg Roklub", "sports_club")
    outsider = register_person(client, outsider_org, "Finn Hald")
    position = write(
        client,
        base,
        {"role": "recruiter", "person_id": person, "valid_on": "2024-02-01"},
        status=201,
    )["id"]

    refused(client, base, {"role": "recruiter", "person_id": person}, 422, "role-state")
    refused(client, base, {"role": "recruiter", "person_id": outsider}, 422, "not-a-partner")
    refused(client, base, {"role": "chief", "person_id": person}, 400, "invalid-request")
    refused(
        client,
        base,
        {"role": "recruiter", "person_id": person, "activity_id": str(uuid.uuid4())},
        404,
        "not-found",
    )
    refused(client, f"{base}/{position}/handovers", {"person_id": person}, 422, "no-change")
    refused(client, f"{base}/{uuid.uuid4()}/vacancy", {}, 404, "not-found")
    refused(
        client,
        f"{base}/{position}/vacancy",
        {"valid_on": "2024-01-01"},
        422,
        "inconsistent-dates",
    )
    write(client, f"{base}/{position}/vacancy", {"valid_on": "2024-03-01"})
    refused(client, f"{base}/{position}/vacancy", {}, 422, "role-state")
    refused(client, f"{base}/{position}/handovers", {"person_id": person}, 422, "role-state")
    (role,) = view(client, partnership_id)["roles"]
    assert role["person_id"] is None
    assert role["vacant_since"] == "2024-03-01"
