"""Directory view: organisations and persons by id, for names in every other view, and
what the forms' pickers offer.

Persons' names follow erasure: once erased, the view holds no personal data. Who may be
offered which organisations and persons is the access view's to say
(`projections.access.DirectoryAccess`); the pickers here take its clauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import msgspec

from aggregates import Organisation, Person
from aggregates.danish import fold
from projections.core import Projection, decode_cursor, encode_cursor
from projections.store import ReadStore, Statement

directory = Projection(
    name="directory",
    version=4,  # 3: persons have a name_key (GET /persons?q=); 4: name_key folds æ, ø, å
    tables=("dir_organisations", "dir_persons"),
    ddl=(
        "CREATE TABLE dir_organisations ("
        " id {uuid} PRIMARY KEY, name {text} NOT NULL, sector {text} NOT NULL,"
        " municipality {text}, cvr {text}, parent_id {uuid}, status {text} NOT NULL,"
        " merged_into {uuid}, name_key {text} NOT NULL)",
        "CREATE TABLE dir_persons ("
        " id {uuid} PRIMARY KEY, name {text} NOT NULL, title {text} NOT NULL,"
        " organisation_id {uuid} NOT NULL, erased {int} NOT NULL, name_key {text} NOT NULL)",
    ),
)

ERASED_NAME = "(slettet)"
SEARCH_HITS = 20  # organisations a name search offers at most


def name_key(name: str) -> str:
    """A name as a search compares it: case and the Danish letters folded in Python
    (ø = oe = o, æ = ae, å = aa = a: aggregates/danish.py), so "Hoje-Taastrup" finds
    "Høje-Taastrup" (issue 16)."""
    return " ".join(fold(name).split())


@directory.on(Organisation.Registered)
def _organisation_registered(e: Organisation.Registered) -> Iterable[Statement]:
    yield (
        "INSERT INTO dir_organisations (id, name, sector, municipality, cvr, parent_id, status,"
        " name_key) VALUES (?, ?, ?, ?, ?, ?, 'active', ?)",
        (e.originator_id, e.name, e.sector, e.municipality, e.cvr, e.parent_id, name_key(e.name)),
    )


@directory.on(Organisation.Renamed)
def _organisation_renamed(e: Organisation.Renamed) -> Iterable[Statement]:
    yield (
        "UPDATE dir_organisations SET name = ?, name_key = ? WHERE id = ?",
        (e.name, name_key(e.name), e.originator_id),
    )


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
        "INSERT INTO dir_persons (id, name, title, organisation_id, erased, name_key)"
        " VALUES (?, ?, ?, ?, 0, ?)",
        (
            e.originator_id,
            e.contact.name,
            e.contact.title,
            e.organisation_id,
            name_key(e.contact.name),
        ),
    )


@directory.on(Person.ContactChanged)
def _person_contact_changed(e: Person.ContactChanged) -> Iterable[Statement]:
    yield (
        "UPDATE dir_persons SET name = ?, title = ?, name_key = ? WHERE id = ? AND erased = 0",
        (e.contact.name, e.contact.title, name_key(e.contact.name), e.originator_id),
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
        "UPDATE dir_persons SET name = ?, title = '', erased = 1, name_key = '' WHERE id = ?",
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


_ORGANISATION_COLUMNS = "id, name, sector, municipality"


def _entries(rows: list[dict[str, Any]]) -> list[OrganisationEntry]:
    return [msgspec.convert(r, OrganisationEntry, strict=False) for r in rows]


async def organisations(
    store: ReadStore, where: tuple[str, tuple[Any, ...]] = ("1 = 1", ())
) -> list[OrganisationEntry]:
    """Active organisations by name, all of them or those `where` (SQL over column `id`,
    e.g. a `DirectoryAccess` clause) keeps."""
    clause, params = where
    rows = await store.fetch(
        f"SELECT {_ORGANISATION_COLUMNS} FROM dir_organisations"
        f" WHERE status = 'active' AND {clause} ORDER BY name, id",
        *params,
    )
    return _entries(rows)


async def organisations_by_id(store: ReadStore, ids: Sequence[UUID]) -> list[OrganisationEntry]:
    """The active organisations among `ids`, by name."""
    wanted = sorted(set(ids), key=str)
    if not wanted:
        return []
    marks = ",".join("?" * len(wanted))
    rows = await store.fetch(
        f"SELECT {_ORGANISATION_COLUMNS} FROM dir_organisations"
        f" WHERE status = 'active' AND id IN ({marks}) ORDER BY name, id",
        *wanted,
    )
    return _entries(rows)


async def search_organisations(
    store: ReadStore, text: str, limit: int = SEARCH_HITS
) -> list[OrganisationEntry]:
    """Active organisations whose name contains `text` (case-insensitive), by name."""
    key = name_key(text)
    if not key:
        return []
    pattern = "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = await store.fetch(
        f"SELECT {_ORGANISATION_COLUMNS} FROM dir_organisations"
        " WHERE status = 'active' AND name_key LIKE ? ESCAPE '\\' ORDER BY name, id LIMIT ?",
        pattern,
        limit,
    )
    return _entries(rows)


async def persons(
    store: ReadStore,
    organisation_ids: Sequence[UUID],
    *,
    readable: tuple[str, tuple[Any, ...]],
) -> list[PersonEntry]:
    """The persons (not erased) of these organisations that `readable` (SQL over column
    `id`: a `DirectoryAccess.persons` clause) keeps, by name."""
    wanted = sorted(set(organisation_ids), key=str)
    if not wanted:
        return []
    clause, params = readable
    rows = await store.fetch(
        "SELECT id, name, title, organisation_id FROM dir_persons"
        f" WHERE erased = 0 AND organisation_id IN ({','.join('?' * len(wanted))})"
        f" AND {clause} ORDER BY name, id",
        *wanted,
        *params,
    )
    return [msgspec.convert(r, PersonEntry, strict=False) for r in rows]


async def readable_names(
    store: ReadStore, ids: Sequence[UUID], *, persons: tuple[str, tuple[Any, ...]]
) -> dict[UUID, str]:
    """Names of organisations (shared by all) and of the persons `persons` keeps (a
    `DirectoryAccess.persons` clause over `id`); unknown or unreadable ids left out."""
    wanted = sorted(set(ids), key=str)
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    clause, params = persons
    rows: list[dict[str, Any]] = await store.fetch(
        f"SELECT id, name FROM dir_organisations WHERE id IN ({marks})"
        f" UNION ALL SELECT id, name FROM dir_persons WHERE id IN ({marks}) AND {clause}",
        *wanted,
        *wanted,
        *params,
    )
    return {UUID(str(row["id"])): str(row["name"]) for row in rows}


# -- the directory as lists (GET /organisations, GET /persons) -----------------------


class OrganisationPage(msgspec.Struct, kw_only=True):
    """Organisations by name; `next_cursor` null on the last page."""

    items: list[OrganisationEntry]
    next_cursor: str | None


class PersonPage(msgspec.Struct, kw_only=True):
    """Persons (not erased) by name; `next_cursor` null on the last page."""

    items: list[PersonEntry]
    next_cursor: str | None


def _contains(text: str | None) -> tuple[str, tuple[Any, ...]]:
    """SQL keeping rows whose `name_key` holds `text`, folded the same way (`name_key`)."""
    key = name_key(text or "")
    if not key:
        return "1 = 1", ()
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "name_key LIKE ? ESCAPE '\\'", ("%" + escaped + "%",)


def _after(cursor: str | None) -> tuple[str, tuple[Any, ...]]:
    """SQL keeping rows after the cursor's (name, id) in the lists' order."""
    if cursor is None:
        return "1 = 1", ()
    name, last = decode_cursor(cursor, tuple[str, UUID])
    return "(name > ? OR (name = ? AND id > ?))", (name, name, last)


async def organisation_page(
    store: ReadStore,
    visible: tuple[str, tuple[Any, ...]],
    *,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> OrganisationPage:
    """Active organisations `visible` keeps (SQL over `id`), by name, those whose name
    holds `q`; a page of `limit` after `cursor`."""
    clauses = [visible, _contains(q), _after(cursor)]
    rows = await store.fetch(
        f"SELECT {_ORGANISATION_COLUMNS} FROM dir_organisations WHERE status = 'active'"
        + "".join(f" AND {clause}" for clause, _ in clauses)
        + " ORDER BY name, id LIMIT ?",
        *(param for _, params in clauses for param in params),
        limit + 1,
    )
    items = _entries(rows[:limit])
    more = len(rows) > limit
    return OrganisationPage(
        items=items,
        next_cursor=encode_cursor(items[-1].name, str(items[-1].id)) if more else None,
    )


async def person_page(
    store: ReadStore,
    readable: tuple[str, tuple[Any, ...]],
    *,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> PersonPage:
    """Persons (not erased) `readable` keeps (a `DirectoryAccess.persons` clause over
    `id`), by name, those whose name holds `q`; a page of `limit` after `cursor`."""
    clauses = [readable, _contains(q), _after(cursor)]
    rows = await store.fetch(
        "SELECT id, name, title, organisation_id FROM dir_persons WHERE erased = 0"
        + "".join(f" AND {clause}" for clause, _ in clauses)
        + " ORDER BY name, id LIMIT ?",
        *(param for _, params in clauses for param in params),
        limit + 1,
    )
    items = [msgspec.convert(r, PersonEntry, strict=False) for r in rows[:limit]]
    more = len(rows) > limit
    return PersonPage(
        items=items,
        next_cursor=encode_cursor(items[-1].name, str(items[-1].id)) if more else None,
    )
