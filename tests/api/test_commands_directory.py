"""HTTP: an organisation's lifecycle (rename, merge, close) and persons (register, read, change
contact, move, erase). Every refusal writes nothing."""

from __future__ import annotations

import uuid

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Contact, Person
from tests.api.conftest import register_organisation, tvaers
from tests.api.support import refused, register_person, write


def test_an_organisation_is_renamed_merged_and_closed(client: TestClient[Litestar]) -> None:
    old = register_organisation(client, "Sundhedscenter Nord", "health")
    new = register_organisation(client, "Sundhedscenter Svendborg", "health")
    club = register_organisation(client, "Svendborg Roklub", "sports_club")

    renamed = write(
        client, f"/organisations/{old}/name", {"name": "Sundhedscenteret"}, method="PUT"
    )
    merged = write(client, f"/organisations/{old}/merger", {"into_id": new}, if_match=2)
    closed = write(client, f"/organisations/{club}/closure", {"reason": "Foreningen er nedlagt"})

    assert (renamed["id"], renamed["version"], merged["version"]) == (old, 2, 3)
    assert closed["version"] == 2
    read = client.get(f"/organisations/{old}")
    assert read.headers["etag"] == '"3"'
    assert (read.json()["name"], read.json()["status"]) == ("Sundhedscenteret", "merged")
    assert client.get(f"/organisations/{club}").json()["status"] == "closed"
    assert client.get(f"/organisations/{new}").json()["status"] == "active"


def test_an_organisation_lifecycle_change_that_breaks_a_rule_is_refused(
    client: TestClient[Litestar],
) -> None:
    active = register_organisation(client, "Jobcenter Svendborg", "employment")
    closed = register_organisation(client, "Svendborg Roklub", "sports_club")
    write(client, f"/organisations/{closed}/closure")
    unknown = uuid.uuid4()

    refused(
        client,
        f"/organisations/{closed}/name",
        {"name": "Ny Roklub"},
        422,
        "organisation-closed",
        method="PUT",
    )
    refused(
        client, f"/organisations/{active}/merger", {"into_id": closed}, 422, "organisation-closed"
    )
    refused(client, f"/organisations/{active}/merger", {"into_id": active}, 422, "invalid-value")
    refused(client, f"/organisations/{closed}/closure", {}, 422, "organisation-closed")
    refused(
        client,
        f"/organisations/{active}/name",
        {"name": "Jobcenter Svendborg"},
        422,
        "no-change",
        method="PUT",
    )
    refused(client, f"/organisations/{unknown}/closure", {}, 404, "not-found")
    refused(client, f"/organisations/{active}/merger", {"into_id": str(unknown)}, 404, "not-found")
    refused(client, f"/organisations/{active}/closure", {}, 412, "stale-version", if_match=7)
    refused(client, f"/organisations/{active}/name", {"name": ""}, 400, method="PUT")
    refused(client, f"/organisations/{active}/closure", None, 400)  # a body is required
    assert client.get(f"/organisations/{active}").json()["status"] == "active"


def test_a_person_is_registered_read_moved_and_their_contact_changed(
    client: TestClient[Litestar],
) -> None:
    health = register_organisation(client, "Sundhed og Forebyggelse", "health")
    job = register_organisation(client, "Jobcenter Svendborg", "employment")
    body = {"name": "Mette Holm", "title": "Projektleder", "email": "meho@svendborg.dk"}

    person = str(write(client, "/persons", {**body, "organisation_id": health}, status=201)["id"])
    first = client.get(f"/persons/{person}")

    assert first.status_code == 200
    assert first.headers["etag"] == '"1"'
    assert first.json() == {
        "id": person,
        "version": 1,
        "organisation_id": health,
        "erased": False,
        "contact": {**body, "phone": ""},
    }

    write(
        client,
        f"/persons/{person}/contact",
        {"name": "Mette Holm Nielsen", "phone": " 12 34 56 78 "},
        method="PUT",
        if_match=1,
    )
    write(client, f"/persons/{person}/organisation", {"organisation_id": job}, method="PUT")

    read = client.get(f"/persons/{person}").json()
    assert read["version"] == 3
    assert read["organisation_id"] == job
    assert read["contact"] == {
        "name": "Mette Holm Nielsen",
        "title": "",
        "email": "",
        "phone": "12 34 56 78",
    }


def test_a_person_change_that_breaks_a_rule_or_the_schema_is_refused(
    client: TestClient[Litestar],
) -> None:
    health = register_organisation(client, "Sundhed og Forebyggelse", "health")
    closed = register_organisation(client, "Svendborg Roklub", "sports_club")
    write(client, f"/organisations/{closed}/closure")
    person = register_person(client, health, "Mette Holm")
    unknown = uuid.uuid4()

    refused(
        client, "/persons", {"name": "Ole", "organisation_id": closed}, 422, "organisation-closed"
    )
    refused(client, "/persons", {"name": "Ole", "organisation_id": str(unknown)}, 404, "not-found")
    refused(client, "/persons", {"name": "  ", "organisation_id": health}, 400, "invalid-request")
    refused(
        client, f"/persons/{person}/contact", {"name": "Mette Holm"}, 422, "no-change", method="PUT"
    )
    refused(
        client,
        f"/persons/{person}/organisation",
        {"organisation_id": health},
        422,
        "no-change",
        method="PUT",
    )
    refused(
        client,
        f"/persons/{person}/organisation",
        {"organisation_id": closed},
        422,
        "organisation-closed",
        method="PUT",
    )
    refused(client, f"/persons/{unknown}/contact", {"name": "Ole"}, 404, "not-found", method="PUT")
    refused(
        client,
        f"/persons/{person}/contact",
        {"name": "Mette"},
        412,
        "stale-version",
        method="PUT",
        if_match=2,
    )
    assert client.get(f"/persons/{unknown}").status_code == 404
    assert client.get(f"/persons/{health}").status_code == 404  # an organisation's id


def test_a_malformed_email_is_refused_by_the_schema_without_echoing_the_address(
    client: TestClient[Litestar],
) -> None:
    health = register_organisation(client, "Sundhed og Forebyggelse", "health")
    person = register_person(client, health, "Mette Holm")

    for email in ("meho.svendborg.dk", "meho@", "@svendborg.dk", "me ho@svendborg.dk"):
        for method, path, body in (
            ("POST", "/persons", {"name": "Ole", "email": email, "organisation_id": health}),
            ("PUT", f"/persons/{person}/contact", {"name": "Mette", "email": email}),
        ):
            problem = refused(client, path, body, 400, "invalid-request", method=method)
            assert [error["field"] for error in problem["errors"]] == ["email"]
            assert email not in str(problem)


def test_erasing_a_person_makes_their_contact_unreadable_and_ends_changes_to_it(
    client: TestClient[Litestar],
) -> None:
    health = register_organisation(client, "Sundhed og Forebyggelse", "health")
    person = register_person(client, health, "Mette Holm")

    erased = write(client, f"/persons/{person}/erasure", {"reason": "Anmodning om sletning"})

    assert erased["version"] == 2
    assert client.get(f"/persons/{person}").json() == {
        "id": person,
        "version": 2,
        "organisation_id": health,
        "erased": True,
        "contact": None,
    }
    registered = next(iter(tvaers(client).events.get(uuid.UUID(person))))
    assert isinstance(registered, Person.Registered)
    assert registered.contact == Contact(name="(slettet)")
    refused(client, f"/persons/{person}/erasure", {}, 422, "person-erased")
    refused(
        client, f"/persons/{person}/contact", {"name": "Mette"}, 422, "person-erased", method="PUT"
    )
