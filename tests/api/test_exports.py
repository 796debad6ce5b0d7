"""HTTP: the views as CSV and XLSX files (`format=csv|xlsx`, `lang=da`, `table=`).

One partnership with a lead, two partners (one moved up the ladder), a coordinator and a
milestone, built through the API; then the files are read back with `csv` and openpyxl.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from aggregates import dates
from aggregates.taxonomy import Rung
from api import exports
from api.controllers import ratings, registry, views
from api.controllers.annotations import AnnotationsView
from projections import agenda, crosscase
from tests.api.conftest import (
    add_user,
    as_user,
    assert_problem,
    created,
    join,
    register_organisation,
    register_partnership,
)
from tests.api.support import register_person, write

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    client: TestClient[Litestar]
    partnership: str
    club: str
    patients: str
    after: int


@pytest.fixture
def world(client: TestClient[Litestar]) -> World:
    lead = register_organisation(client, "Sundhed og Forebyggelse, Svendborg Kommune")
    partnership = register_partnership(client, lead, title="Bevæg dig for livet")
    club = register_organisation(client, "Svendborg Idrætsforening", "sports_club")
    patients = register_organisation(client, "Hjerteforeningen", "patient_association")
    created(join(client, partnership, club, rung=2, valid_on="2024-03-01", evidence="Møde"))
    created(join(client, partnership, patients, rung=3, valid_on="2024-04-01"))
    write(
        client,
        f"/partnerships/{partnership}/partners/{club}/ladder-moves",
        {"rung": 4, "evidence": "Fælles holdstart", "valid_on": "2024-06-01"},
    )
    person = register_person(client, lead, "Dorte Frost")
    write(
        client,
        f"/partnerships/{partnership}/roles",
        {"role": "coordinator", "person_id": person, "valid_on": "2024-02-01"},
        status=201,
    )
    milestone = {
        "dimension": "political",
        "status": "anchored",
        "title": "=Sundhedsudvalget vedtog en politik",  # not a formula in the files
        "evidence": {"text": "Referat", "document_ref": "SU-7"},
        "valid_on": "2024-11-12",
    }
    last = write(client, f"/partnerships/{partnership}/milestones", milestone, status=201)
    return World(client, partnership, club, patients, last["notification_id"])


def get_file(world: World, path: str, **params: Any) -> Response:
    response = world.client.get(path, params={"after": world.after, **params})
    assert response.status_code == 200, response.text
    return response


def rows_of(response: Response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel looks for
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_the_ladder_as_csv(world: World) -> None:
    path = f"/partnerships/{world.partnership}/ladder"
    response = get_file(world, path, format="csv", as_of="2024-07-01")

    disposition = response.headers["content-disposition"]
    name = f"ladder-{world.partnership}-2024-07-01.csv"
    assert disposition == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    rows = rows_of(response)
    assert list(rows[0]) == [
        "Organisation ID",
        "Partner",
        "Rung",
        "Since",
        "Evidence",
        "Agreement ID",
        "Agreement",  # the agreement's title beside its id
    ]
    got = {r["Partner"]: (r["Rung"], r["Since"], r["Evidence"]) for r in rows}
    assert got == {
        "Svendborg Idrætsforening": ("4", "2024-06-01", "Fælles holdstart"),
        "Hjerteforeningen": ("3", "2024-04-01", ""),
    }
    # The same data as the JSON view, which stays the default.
    body = world.client.get(path, params={"as_of": "2024-07-01"}).json()
    assert {p["name"]: p["rung"] for p in body["partners"]} == {
        "Svendborg Idrætsforening": 4,
        "Hjerteforeningen": 3,
    }


def test_as_of_and_the_accept_header_apply(world: World) -> None:
    path = f"/partnerships/{world.partnership}/ladder"
    march = world.client.get(
        path, params={"as_of": "2024-03-15", "after": world.after}, headers={"Accept": "text/csv"}
    )
    assert march.status_code == 200, march.text
    assert [(r["Partner"], r["Rung"]) for r in rows_of(march)] == [
        ("Svendborg Idrætsforening", "2")
    ]
    history = rows_of(get_file(world, f"{path}/history", format="csv"))
    club = [(r["Rung"], r["Valid from"]) for r in history if r["Organisation ID"] == world.club]
    assert sorted(club) == [("2", "2024-03-01"), ("4", "2024-06-01")]


def test_danish_headings_and_labels(world: World) -> None:
    path = f"/partnerships/{world.partnership}/ladder"
    rows = rows_of(get_file(world, path, format="csv", lang="da", as_of="2024-07-01"))
    assert list(rows[0])[:4] == ["Organisation-ID", "Partner", "Trin", "Siden"]
    # A rung is its number (1-6) in both languages: one column, a number (the codebook
    # says what each number means).
    assert {r["Partner"]: r["Trin"] for r in rows} == {
        "Svendborg Idrætsforening": "4",
        "Hjerteforeningen": "3",
    }
    history = rows_of(get_file(world, f"{path}/history", format="csv", lang="da"))
    assert {"Gyldig fra", "Registreret (dansk tid)", "Rettet"} <= set(history[0])
    # Danish sheets: dates dd.mm.åååå, times in Danish time (H6, issue 15 finding 4).
    assert {r["Gyldig fra"] for r in history} >= {"01.03.2024", "01.06.2024"}
    assert all(
        re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d\.\d\d\.\d\d", r["Registreret (dansk tid)"])
        for r in history
    )
    assert {r["Rettet"] for r in history} == {"nej"}

    roles = rows_of(
        get_file(world, f"/partnerships/{world.partnership}/roles", format="csv", lang="da")
    )
    assert [(r["Rolle"], r["Person"]) for r in roles] == [("tovholder", "Dorte Frost")]


def test_a_table_of_a_view_with_several(world: World) -> None:
    path = f"/partnerships/{world.partnership}/anchoring"
    main = rows_of(get_file(world, path, format="csv"))
    assert {r["Dimension"] for r in main} >= {"political"}
    response = get_file(world, path, format="csv", table="milestones")
    assert response.headers["content-disposition"].endswith(
        f"anchoring-{world.partnership}-{dates.today().isoformat()}-milestones.csv"
    )
    (milestone,) = rows_of(response)
    assert milestone["Title"] == "'=Sundhedsudvalget vedtog en politik"
    assert milestone["Valid from"] == "2024-11-12"
    response = world.client.get(path, params={"format": "csv", "table": "nonsense"})
    assert_problem(response, 400, "invalid-request")


def test_the_ladder_and_the_roles_as_xlsx(world: World) -> None:
    base = f"/partnerships/{world.partnership}"
    response = get_file(world, f"{base}/ladder", format="xlsx", as_of="2024-07-01")
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].endswith("-2024-07-01.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["partners", "distribution", "codebook"]
    sheet = book["partners"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    values = list(sheet.values)
    assert values[0][:4] == ("Organisation ID", "Partner", "Rung", "Since")
    partners = {row[1]: row for row in values[1:]}
    assert partners["Svendborg Idrætsforening"][2] == 4
    since = partners["Svendborg Idrætsforening"][3]
    assert isinstance(since, datetime)  # a real date cell (openpyxl reads it as datetime)
    assert since.date() == date(2024, 6, 1)
    assert list(book["distribution"].values)[1:] == [
        (1, 0),
        (2, 0),
        (3, 1),
        (4, 1),
        (5, 0),
        (6, 0),
    ]

    roles = load_workbook(
        io.BytesIO(get_file(world, f"{base}/roles", format="xlsx", lang="da").content)
    )
    assert roles.sheetnames == ["roller", "styregruppe", "vakancer", "udskiftning", "kodebog"]
    (heading, role) = list(roles["roller"].values)
    assert dict(zip(heading, role, strict=True))["Rolle"] == "tovholder"

    anchoring = load_workbook(
        io.BytesIO(get_file(world, f"{base}/anchoring", format="xlsx").content)
    )
    cell = anchoring["milestones"]["D2"]
    assert (cell.value, cell.data_type) == ("=Sundhedsudvalget vedtog en politik", "s")


def test_every_view_exports(world: World) -> None:
    base = f"/partnerships/{world.partnership}"
    paths = [
        f"{base}/ladder",
        f"{base}/ladder/history",
        f"{base}/roles",
        f"{base}/anchoring",
        f"{base}/audit",
        f"{base}/activities",
        f"{base}/agreements",
        f"{base}/ratings",
        f"{base}/annotations",
        "/registry/partnerships",
        "/registry/offers",
        "/agenda",
        "/crosscase",
    ]
    for path in paths:
        for kind in ("csv", "xlsx"):
            response = get_file(world, path, format=kind, lang="da")
            assert response.headers["content-disposition"].startswith("attachment; filename=")
    diff = get_file(
        world, f"{base}/diff", format="csv", **{"from": "2024-01-01", "to": "2024-12-31"}
    )
    assert len(rows_of(diff)) >= 3


def test_no_grant_no_file(world: World) -> None:
    add_user(world.client, "udenfor@svendborg.dk")
    headers = as_user(world.client, "udenfor@svendborg.dk")
    for view in ("ladder", "roles", "audit"):
        response = world.client.get(
            f"/partnerships/{world.partnership}/{view}", params={"format": "xlsx"}, headers=headers
        )
        assert_problem(response, 403, "forbidden")
        assert "content-disposition" not in response.headers


def test_the_registry_export_holds_only_visible_partnerships(world: World) -> None:
    client = world.client
    other_lead = register_organisation(client, "Jobcenter Svendborg", "employment")
    hidden = register_partnership(client, other_lead, title="Skjult indsats")
    add_user(client, "leder@svendborg.dk")
    grant = client.post(
        "/users/leder@svendborg.dk/grants",
        json={"role": "project_leader", "partnership_id": world.partnership},
    )
    assert grant.status_code in (200, 201), grant.text

    headers = as_user(client, "leder@svendborg.dk")
    response = client.get("/registry/partnerships", params={"format": "csv"}, headers=headers)
    assert response.status_code == 200, response.text
    assert [r["ID"] for r in rows_of(response)] == [world.partnership]

    everything = rows_of(get_file(world, "/registry/partnerships", format="csv"))
    assert {world.partnership, hidden} <= {r["ID"] for r in everything}


def exported_tables() -> list[exports.Table]:
    """Every table a view exports (empty), as the export functions build them."""
    from projections.audit import AuditPage
    from projections.export_facts import EventRow

    views_: dict[str, type[msgspec.Struct]] = {
        "getLadder": views.LadderView,
        "getLadderHistory": views.LadderHistory,
        "getRoles": views.RolesView,
        "getAnchoring": views.AnchoringView,
        "getPartnershipDiff": views.DiffView,
        "getPartnershipAudit": AuditPage,
        "getActivities": registry.ActivitiesView,
        "getAgreements": registry.AgreementsView,
        "listOffers": registry.OffersView,
        "getAgenda": agenda.Agenda,
        "getCrossCase": crosscase.CrossCase,
        "getRatings": ratings.RatingsView,
        "getAnnotations": AnnotationsView,
    }
    special: dict[tuple[str, str], type[msgspec.Struct]] = {
        ("getLadder", "distribution"): exports.RungCount,
        ("getCrossCase", "partnerships"): exports.CaseRow,
        ("getCrossCase", "municipal_per_partnership"): exports.SectorCount,
        ("getCrossCase", "external_per_partnership"): exports.SectorCount,
        ("searchPartnerships", "hits"): exports.PartnershipRow,
        ("exportEvents", "events"): EventRow,
    }
    found = []
    kind: type[msgspec.Struct] | None
    for operation, names in exports.TABLES.items():
        fields = (
            {f.name: f.type for f in msgspec.structs.fields(views_[operation])}
            if operation in views_
            else {}
        )
        for name in names:
            kind = special.get((operation, name))
            if kind is None and name in fields:
                info = msgspec.inspect.type_info(fields[name])
                assert isinstance(info, msgspec.inspect.ListType)
                assert isinstance(info.item_type, msgspec.inspect.StructType)
                kind = info.item_type.cls
            if kind is not None:
                found.append(exports.Table(name, kind, []))
    return found


def test_every_exported_column_has_a_danish_heading() -> None:
    tables = exports.children(exported_tables())
    assert {t.name for t in tables} == {n for names in exports.TABLES.values() for n in names}
    missing = {
        column.key
        for table in tables
        for column in exports.columns(table, exports.Lang.DA, {})
        if column.key not in exports.HEADINGS
    }
    assert not missing


def test_text_a_worksheet_cannot_hold_is_dropped() -> None:
    row = exports.RungCount(rung=Rung(2), count=1)
    table = exports.Table("distribution", exports.RungCount, [row])
    assert load_workbook(io.BytesIO(exports.write_xlsx([table], exports.Lang.DA))).sheetnames == [
        "fordeling",
        "kodebog",
    ]
    assert exports._xlsx_value("a\x0eb\ud9c3") == "ab?"
