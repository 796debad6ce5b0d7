"""Directory view: organisations and persons by id, for names in every other view.

Persons' names follow erasure: once erased, the view holds no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Organisation, Person
from projections.core import Projection
from projections.store import ReadStore, Statement

directory = Projection(
    name="directory",
    version=1,
    tables=("dir_organisations", "dir_persons"),
    ddl=(
        "CREATE TABLE dir_organisations ("
        " id {uuid} PRIMARY KEY, name {text} NOT NULL, sector {text} NOT NULL,"
        " municipality {text}, cvr {text}, parent_id {uuid}, status {text} NOT NULL,"
        " merged_into {uuid})",
        "CREATE TABLE dir_persons ("
        " id {uuid} PRIMARY KEY, name {text} NOT NULL, title {text} NOT NULL,"
        " organisation_id {uuid} NOT NULL, erased {int} NOT NULL)",
    ),
)

ERASED_NAME = "(slettet)"


@directory.on(Organisation.Registered)
def _organisation_registered(e: Organisation.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO dir_organisations (id, name, sector, municipality, cvr, parent_id, status)"
        " VALUES (?, ?, ?, ?, ?, ?, 'active')",
        (e.originator_id, e.name, e.sector, e.municipality, e.cvr, e.parent_id),
    )


@directory.on(Organisation.Renamed)
def _organisation_renamed(e: Organisation.Renamed) -> Iterable[Statement]:
    yield ("UPDATE dir_organisations SET name = ? WHERE id = ?", (e.name, e.originator_id))


@directory.on(Organisation.Merged)
def _organisation_merged(e: Organisation.Merged) -> Iterable[Statement]:
    yield (
        "UPDATE dir_organisations SET status = 'merged', merged_into = ? WHERE id = ?",
        (e.into_id, e.originator_id),
    )


@directory.on(Organisation.Closed)
def _organisation_closed(e: Organisation.Closed) -> Iterable[Statement]:
    yield ("UPDATE dir_organisations SET status = 'closed' WHERE id = ?", (e.originator_id,))


@directory.on(Person.Registered)
def _person_registered(e: Person.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO dir_persons (id, name, title, organisation_id, erased) VALUES (?, ?, ?, ?, 0)",
        (e.originator_id, e.contact.name, e.contact.title, e.organisation_id),
    )


@directory.on(Person.ContactChanged)
def _person_contact_changed(e: Person.ContactChanged) -> Iterable[Statement]:
    yield (
        "UPDATE dir_persons SET name = ?, title = ? WHERE id = ? AND erased = 0",
        (e.contact.name, e.contact.title, e.originator_id),
    )


@directory.on(Person.MovedOrganisation)
def _person_moved(e: Person.MovedOrganisation) -> Iterable[Statement]:
    yield (
        "UPDATE dir_persons SET organisation_id = ? WHERE id = ?",
        (e.organisation_id, e.originator_id),
    )


@directory.on(Person.Erased)
def _person_erased(e: Person.Erased) -> Iterable[Statement]:
    yield (
        "UPDATE dir_persons SET name = ?, title = '', erased = 1 WHERE id = ?",
        (ERASED_NAME, e.originator_id),
    )


async def names(store: ReadStore, ids: Sequence[UUID | None]) -> dict[UUID, str]:
    """Display names of organisations and persons by id (unknown ids are left out)."""
    wanted = sorted({i for i in ids if i is not None}, key=str)
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows: list[dict[str, Any]] = await store.fetch(
        f"SELECT id, name FROM dir_organisations WHERE id IN ({marks})"
        f" UNION ALL SELECT id, name FROM dir_persons WHERE id IN ({marks})",
        *wanted,
        *wanted,
    )
    return {UUID(str(row["id"])): str(row["name"]) for row in rows}


class OrganisationEntry(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    name: str
    sector: str
    municipality: str | None


class PersonEntry(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    name: str
    title: str
    organisation_id: UUID


async def organisations(store: ReadStore) -> list[OrganisationEntry]:
    """Active organisations by name: what a form may offer to choose from."""
    rows = await store.fetch(
        "SELECT id, name, sector, municipality FROM dir_organisations"
        " WHERE status = 'active' ORDER BY name, id"
    )
    return [msgspec.convert(r, OrganisationEntry, strict=False) for r in rows]


async def persons(store: ReadStore, organisation_ids: Sequence[UUID]) -> list[PersonEntry]:
    """The persons (not erased) of these organisations, by name."""
    wanted = sorted(set(organisation_ids), key=str)
    if not wanted:
        return []
    rows = await store.fetch(
        "SELECT id, name, title, organisation_id FROM dir_persons"
        f" WHERE erased = 0 AND organisation_id IN ({','.join('?' * len(wanted))})"
        " ORDER BY name, id",
        *wanted,
    )
    return [msgspec.convert(r, PersonEntry, strict=False) for r in rows]
