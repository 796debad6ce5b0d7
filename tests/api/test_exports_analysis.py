"""HTTP: exports an evaluator can analyse (issue 16).

A name beside every id, Danish headings only in Danish files, one column per fact,
numbers Danish Excel reads (decimal comma in Danish CSV, number cells in XLSX), budget
and staff hours, a codebook (sheet and CSV), the long-format event log limited to what
the caller may see, and the same query → the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from api import exports
from tests.api.conftest import (
    add_user,
    as_user,
    assert_problem,
    created,
    join,
    register_organisation,
    register_partnership,
)
from tests.api.support import write

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The names, registry facts and event log are read with SQL of their own: both stores.
pytestmark = pytest.mark.both_stores


@dataclass
class World:
    client: TestClient[Litestar]
    partnership: str
    lead: str
    other: str  # another municipality's partnership
    after: int


@pytest.fixture
def world(client: TestClient[Litestar]) -> World:
    lead = register_organisation(client, "Sundhed og Forebyggelse, Svendborg Kommune")
    partnership = register_partnership(
        client,
        lead,
        title="Bevæg dig for livet",
        tags=["bevægelse"],
        yearly_budget_dkk="250000.5",
        staff_hours_per_year="1200.25",
        period_start="2020-01-01",
        period_end="2024-12-31",
    )
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    created(join(client, partnership, club, rung=2, valid_on="2024-03-01", evidence="Møde"))
    write(
        client,
        f"/partnerships/{partnership}/milestones",
        {
            "dimension": "operations",
            "status": "anchored",
            "title": "Drift i egen forvaltning",
            "evidence": {"text": "Budget"},
            "valid_on": "2024-11-12",
        },
        status=201,
    )
    other_lead = register_organisation(client, "Jobcenter Assens", "employment")
    other = register_partnership(client, other_lead, title="Skjult indsats", municipality="Ishøj")
    last = write(
        client,
        f"/partnerships/{other}/milestones",
        {
            "dimension": "method",
            "status": "anchored",
            "title": "Metode i Assens",
            "evidence": {"text": "Referat"},
            "valid_on": "2024-05-01",
        },
        status=201,
    )
    return World(client, partnership, lead, other, last["notification_id"])


def get(world: World, path: str, headers: dict[str, str] | None = None, **params: Any) -> Response:
    response = world.client.get(path, params={"after": world.after, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response


def csv_rows(response: Response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def sheet(response: Response, name: str) -> list[dict[str, Any]]:
    book = load_workbook(io.BytesIO(response.content))
    heading, *rows = list(book[name].values)
    return [dict(zip(heading, row, strict=True)) for row in rows]


def test_the_registry_names_the_lead_and_holds_budget_and_hours(world: World) -> None:
    danish = csv_rows(get(world, "/registry/partnerships", format="csv", lang="da"))
    (row,) = [r for r in danish if r["ID"] == world.partnership]
    assert row["Titel"] == "Bevæg dig for livet"
    assert row["Ledende organisation-ID"] == world.lead
    assert row["Ledende organisation"] == "Sundhed og Forebyggelse, Svendborg Kommune"
    # Decimal comma in the Danish `;` file: Danish Excel reads it as a number.
    assert row["Årligt budget (kr.)"] == "250000,5"
    assert row["Personaletimer pr. år"] == "1200,25"
    assert row["Emneord"] == "bevægelse"
    headings = list(danish[0])
    assert "Tags" not in headings
    assert not [h for h in headings if "(dansk)" in h]  # one column per fact
    assert headings.count("Højeste trin") == 1

    english = csv_rows(get(world, "/registry/partnerships", format="csv", lang="en"))
    (row,) = [r for r in english if r["ID"] == world.partnership]
    assert row["Yearly budget (DKK)"] == "250000.5"
    assert row["Lead organisation"] == "Sundhed og Forebyggelse, Svendborg Kommune"
    assert row["Tags"] == "bevægelse"

    book = get(world, "/registry/partnerships", format="xlsx", lang="da", as_of="2024-06-01")
    (hit,) = [r for r in sheet(book, "partnerskaber") if r["ID"] == world.partnership]
    assert hit["Årligt budget (kr.)"] == 250000.5  # a number cell, not text
    assert hit["Højeste trin"] == 2
    assert isinstance(hit["Periode start"], datetime)  # a date cell


def test_the_crosscase_file_names_every_partnership_and_splits_the_days(world: World) -> None:
    params: dict[str, Any] = {"as_of": "2024-12-01", "anchored_on": "any"}
    danish = get(world, "/crosscase", format="xlsx", lang="da", **params)
    book = load_workbook(io.BytesIO(danish.content))
    assert "dage til forankring" in book.sheetnames
    cases = {r["ID"]: r for r in sheet(danish, "partnerskaber")}
    case = cases[world.partnership]
    assert case["Ledende organisation"] == "Sundhed og Forebyggelse, Svendborg Kommune"
    assert case["Årligt budget (kr.)"] == 250000.5
    assert case["Personaletimer pr. år"] == 1200.25
    # The days to anchoring: a date and a number, each in its own column, the
    # partnership named beside its id (not "2024-11-12 1777" in one cell).
    days = [r for r in sheet(danish, "dage til forankring") if r["Partnerskab-ID"]]
    ours = next(r for r in days if r["Partnerskab-ID"] == world.partnership)
    assert ours["Dimension"] == "drift"
    assert ours["Partnerskab"] == "Bevæg dig for livet"
    assert isinstance(ours["Forankret den"], datetime)
    assert isinstance(ours["Dage"], int)
    # Lists of partnerships carry their titles beside their ids.
    rungs = sheet(danish, "trin")
    assert any("Bevæg dig for livet" in (r["Partnerskaber (titler)"] or "") for r in rungs)
    # A sector's organisations per partnership: one row each, not "1; 0; 2" in a cell.
    per = sheet(danish, "forvaltninger pr. partnerskab")
    ours = next(r for r in per if r["Partnerskab-ID"] == world.partnership)
    assert ours["Partnerskab"] == "Bevæg dig for livet"
    assert isinstance(ours["Organisationer pr. partnerskab"], int)
    assert ours["Leder fra denne sektor"] == "ja"
    # Shares: numbers in XLSX, decimal commas in the Danish CSV.
    kinds = sheet(danish, "faktortyper")
    assert all(isinstance(r["Andel af de forankrede"], int | float) for r in kinds)
    rows = csv_rows(
        get(world, "/crosscase", format="csv", lang="da", table="factor_kinds", **params)
    )
    shares = [r["Andel af de forankrede"] for r in rows]
    assert shares
    assert all(re.fullmatch(r"\d+(,\d+)?", s) for s in shares)
    # No heading of an English file is Danish, and no Danish file has "Tags" or "(dansk)".
    for name in book.sheetnames:
        headings = next(book[name].values)
        assert not [h for h in headings if "(dansk)" in str(h) or h == "Tags"]


def test_every_file_has_a_codebook_of_its_columns(world: World) -> None:
    for lang in ("da", "en"):
        response = get(world, "/crosscase", format="xlsx", lang=lang)
        book = load_workbook(io.BytesIO(response.content))
        codebook_name = "kodebog" if lang == "da" else "codebook"
        assert book.sheetnames[-1] == codebook_name
        heading, *entries = list(book[codebook_name].values)
        described = {(e[0], e[1]) for e in entries}
        for name in book.sheetnames[:-1]:
            for column in next(book[name].values):
                assert (name, column) in described, (name, column)
        assert all(all(e[i] for i in range(6)) for e in entries)  # meaning, type, source
    danish = dict(zip(heading, entries[0], strict=True))  # the English book's first entry
    assert set(danish) == {"Sheet", "Column", "Field", "Meaning", "Type", "Source"}

    # The same codebook as CSV, for those who take the CSV files.
    rows = csv_rows(get(world, "/registry/partnerships", format="csv", lang="da", table="codebook"))
    budget = next(r for r in rows if r["Feltnavn"] == "yearly_budget_dkk")
    assert budget["Kolonne"] == "Årligt budget (kr.)"
    assert budget["Type"] == "decimaltal"
    assert "RegistryUpdated" in budget["Kilde"]
    assert "kroner" in budget["Betydning"]
    alone = get(world, "/crosscase", format="xlsx", lang="da", table="codebook")
    assert load_workbook(io.BytesIO(alone.content)).sheetnames == ["kodebog"]
    assert alone.headers["content-disposition"].startswith('attachment; filename="crosscase-')


def test_the_event_log_in_long_format(world: World) -> None:
    response = get(world, "/registry/events", format="csv", lang="da", as_of="2024-12-31")
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="events-2024-12-31.csv"'
    )
    rows = csv_rows(response)
    assert list(rows[0]) == [
        "Partnerskab-ID",
        "Partnerskab",
        "Hændelse nr.",
        "Post",
        "Post-ID",
        "Hændelsestype (kode)",
        "Slags ændring",
        "Resumé",
        "Gyldig fra",
        "Registreret (dansk tid)",
        "Bruger (navn og rolle)",
        "Begrundelse",
        "Felter (JSON)",
    ]
    ours = [r for r in rows if r["Partnerskab-ID"] == world.partnership]
    assert [r["Hændelse nr."] for r in ours] == [str(n) for n in range(1, len(ours) + 1)]
    milestone = next(r for r in ours if r["Hændelsestype (kode)"] == "MilestoneRecorded")
    assert milestone["Partnerskab"] == "Bevæg dig for livet"
    assert milestone["Gyldig fra"] == "12.11.2024"
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d\.\d\d\.\d\d", milestone["Registreret (dansk tid)"])
    assert milestone["Post"] == "partnerskab"
    assert milestone["Bruger (navn og rolle)"]
    assert json.loads(milestone["Felter (JSON)"])["title"] == "Drift i egen forvaltning"
    assert "Drift i egen forvaltning" in milestone["Resumé"]
    # as_of: nothing valid after it.
    early = csv_rows(get(world, "/registry/events", format="csv", lang="da", as_of="2024-06-01"))
    assert not [
        r
        for r in early
        if r["Hændelsestype (kode)"] == "MilestoneRecorded"
        and r["Partnerskab-ID"] == world.partnership
    ]
    # known_at: nothing recorded after it.
    none_yet = get(world, "/registry/events", known_at="2000-01-01T00:00:00Z").json()
    assert none_yet["events"] == []
    english = csv_rows(get(world, "/registry/events", format="csv", lang="en"))
    assert {r["Record"] for r in english} == {"partnership"}
    assert "Partnership ID" in english[0]
    # Recorded times in Danish time in English too (said so), as the audit export does.
    times = [r["Recorded (Danish time)"] for r in english]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in times)


def test_the_event_log_holds_only_partnerships_the_caller_may_read(world: World) -> None:
    client = world.client
    add_user(client, "leder@svendborg.dk")
    grant = client.post(
        "/users/leder@svendborg.dk/grants",
        json={"role": "project_leader", "partnership_id": world.partnership},
    )
    assert grant.status_code in (200, 201), grant.text
    headers = as_user(client, "leder@svendborg.dk")

    rows = csv_rows(get(world, "/registry/events", headers=headers, format="csv"))
    assert {r["Partnership ID"] for r in rows} == {world.partnership}
    assert "Skjult indsats" not in get(world, "/registry/events", headers, format="csv").text
    book = get(world, "/registry/events", headers=headers, format="xlsx")
    assert "Assens" not in str(sheet(book, "events"))
    refused = client.get(
        "/registry/events", params={"partnership_id": world.other, "format": "csv"}, headers=headers
    )
    assert_problem(refused, 403, "forbidden")
    assert "content-disposition" not in refused.headers


def _members(content: bytes) -> list[tuple[str, tuple[int, ...]]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [(i.filename, i.date_time) for i in archive.infolist()]


@pytest.mark.parametrize(
    "path", ["/registry/partnerships", "/crosscase", "/registry/events", "/agenda"]
)
def test_the_same_query_gives_the_same_bytes(world: World, path: str) -> None:
    for kind in ("csv", "xlsx"):
        params: dict[str, Any] = {"format": kind, "lang": "da", "as_of": "2024-12-01"}
        if path == "/registry/events":
            params["known_at"] = "2100-01-01T00:00:00Z"
        first = get(world, path, **params).content
        second = get(world, path, **params).content
        assert first == second
        if kind == "xlsx":
            # Nothing of the time of writing: fixed document times and zip member times.
            assert {t for _, t in _members(first)} == {(1980, 1, 1, 0, 0, 0)}
            with zipfile.ZipFile(io.BytesIO(first)) as archive:
                core = archive.read("docProps/core.xml").decode()
            assert "2000-01-01T00:00:00Z" in core


def test_every_column_of_every_export_has_both_headings_a_meaning_and_a_source() -> None:
    from tests.api.test_exports import exported_tables

    missing = []
    for table in exports.children(exported_tables()):
        for lang in exports.Lang:
            for column in exports.columns(table, lang, {}):
                if column.key not in exports.HEADINGS:
                    missing.append((table.name, column.key, "heading"))
                    continue
                english, danish = exports.HEADINGS[column.key]
                assert english
                assert danish
                assert exports.meaning(column.key)[0 if lang is exports.Lang.EN else 1]
                assert exports.source(table.name, column.key, lang)
                assert column.type in exports.TYPES
    assert not missing
    # Danish headings are Danish: none is an English heading spelt otherwise in Danish.
    english_only = {e for e, d in exports.HEADINGS.values() if e != d}
    assert not [d for _, d in exports.HEADINGS.values() if d in english_only]
