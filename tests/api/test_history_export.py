"""The audit export (issue 15): a partnership's history for a date range as CSV and XLSX,
with names, Danish headings, actor by name, reason, valid date (dd.mm.åååå) and recorded
time in Danish time; the same query gives the same bytes; a reversed range is refused."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from aggregates import Meta
from services.commands import CreateAccount
from tests.api.conftest import PASSWORD, add_user, as_user, assert_problem, tvaers
from tests.api.support import register_person, write
from tests.commands import execute

pytestmark = pytest.mark.both_stores

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _history(client: TestClient[Litestar], partnership_id: str) -> str:
    base = f"/partnerships/{partnership_id}/roles"
    dorte = register_person(client, _lead(client, partnership_id), "Dorte Ærø")
    position = write(
        client,
        base,
        {"role": "coordinator", "person_id": dorte, "valid_on": "2024-02-01"},
        status=201,
    )["id"]
    write(
        client,
        f"{base}/{position}/vacancy",
        {"valid_on": "2024-08-01", "reason": "Dorte er gået på pension"},
    )
    return str(tvaers(client).max_notification_id())


def _lead(client: TestClient[Litestar], partnership_id: str) -> str:
    body = client.get(f"/partnerships/{partnership_id}").json()
    return str(body.get("lead_organisation_id") or body["registry"]["lead_organisation_id"])


def _export(client: TestClient[Litestar], partnership_id: str, **params: str) -> bytes:
    response = client.get(f"/partnerships/{partnership_id}/history/export", params=params)
    assert response.status_code == 200, response.text
    return response.content


def test_the_csv_says_what_changed_who_why_and_when_in_danish(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    after = _history(client, partnership_id)
    today = datetime.now(COPENHAGEN).date()
    response = client.get(
        f"/partnerships/{partnership_id}/history/export",
        params={"format": "csv", "after": after, "from": today.isoformat()},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        f'filename="historik-{partnership_id}-{today.isoformat()}.csv"'
        in (response.headers["content-disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Registreret (dansk tid)",
        "Gælder fra",
        "Hvad",
        "Slags ændring",
        "Hvem",
        "Begrundelse",
        "Post",
        "Version",
    ]
    # oldest first: registered, role assigned, role vacated
    what = [r[2] for r in rows[1:]]
    assert what[0].startswith("Partnerskabet »")
    assert what[1].startswith("Dorte Ærø (Sundhed og Forebyggelse, Svendborg Kommune)")
    assert what[2] == (
        "Rolle ledig: tovholder; Dorte Ærø (Sundhed og Forebyggelse, Svendborg Kommune) er fratrådt"
    )
    vacated = rows[3]
    assert vacated[1] == "01.08.2024"
    assert vacated[3] == "Roller"
    assert vacated[4] == "Tovholder (projektleder)"  # display name and role, not the username
    assert vacated[5] == "Dorte er gået på pension"
    assert vacated[6] == "partnerskab"
    recorded = datetime.strptime(vacated[0], "%d.%m.%Y %H.%M.%S").replace(tzinfo=COPENHAGEN)
    assert abs(recorded - datetime.now(COPENHAGEN)) < timedelta(minutes=5)  # Danish time


def test_the_english_file_and_the_range(client: TestClient[Litestar], partnership_id: str) -> None:
    after = _history(client, partnership_id)
    english = _export(client, partnership_id, format="csv", lang="en", after=after)
    rows = list(csv.reader(io.StringIO(english.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Recorded (Danish time, Europe/Copenhagen)"
    assert rows[3][1] == "2024-08-01"
    assert rows[3][2].startswith("Role vacant: coordinator; Dorte Ærø")
    # a range with nothing recorded in it: the headings only
    past = _export(client, partnership_id, format="csv", to="2020-01-01")
    assert len(past.decode("utf-8-sig").splitlines()) == 1
    refused = client.get(
        f"/partnerships/{partnership_id}/history/export",
        params={"from": "2024-05-02", "to": "2024-05-01"},
    )
    assert_problem(refused, 400)
    assert_problem(
        client.get(f"/partnerships/{partnership_id}/history/export", params={"format": "pdf"}),
        400,
    )


def test_the_xlsx_has_real_dates_and_the_same_query_gives_the_same_bytes(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    after = _history(client, partnership_id)
    first = _export(client, partnership_id, format="xlsx", after=after, to="2099-12-31")
    again = _export(client, partnership_id, format="xlsx", to="2099-12-31")
    assert first == again
    csv_first = _export(client, partnership_id, format="csv")
    assert csv_first == _export(client, partnership_id, format="csv")

    sheet = load_workbook(io.BytesIO(first)).active
    assert sheet is not None
    assert sheet.title == "historik"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Registreret (dansk tid)"
    assert isinstance(rows[3][0], datetime)
    assert rows[3][1] == datetime(2024, 8, 1)  # a date cell
    assert sheet.cell(row=4, column=2).number_format == "dd.mm.yyyy"
    assert rows[3][4] == "Tovholder (projektleder)"


def test_the_export_is_for_those_who_may_read_the_history(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    add_user(client, "fremmed@andetsted.dk")
    refused = client.get(
        f"/partnerships/{partnership_id}/history/export",
        headers=as_user(client, "fremmed@andetsted.dk"),
    )
    assert refused.status_code in (403, 404), refused.text


def test_the_xlsx_carries_no_time_of_writing() -> None:
    """Byte-identical whenever it is written: the archive's member times and the document's
    created/modified are fixed (a comparison of two quick exports would pass by luck)."""
    import zipfile

    from api.audit_export import write_xlsx
    from api.exports import Lang

    archive = zipfile.ZipFile(io.BytesIO(write_xlsx([], Lang.DA)))
    assert {m.date_time for m in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = archive.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core
    assert str(datetime.now().year) not in core


def test_the_audit_names_the_actor_and_finds_them_by_part_of_their_name(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    """On both stores: the display name and role; `who` matches case-insensitively with
    Danish letters (SQL's lower() folds ASCII only, so the match is made in Python)."""
    execute(
        tvaers(client),
        CreateAccount(username="soeren", display_name="Søren Ærø", password=PASSWORD),
        Meta(actor="cli:test"),
    )
    write(
        client,
        "/users/soeren/grants",
        {"role": "project_leader", "partnership_id": partnership_id},
        status=201,
    )
    response = client.post(
        f"/partnerships/{partnership_id}/follow-ups",
        json={
            "label": "Efter 3 måneder",
            "due_on": "2024-09-01",
            "cohort": 20,
            "valid_on": "2024-05-01",
        },
        headers=as_user(client, "soeren"),
    )
    assert response.status_code == 201, response.text
    after = str(tvaers(client).max_notification_id())
    audit = f"/partnerships/{partnership_id}/audit"
    for typed in ("SØREN", "ærø", "SOEREN"):
        entries = client.get(audit, params={"who": typed, "after": after}).json()["entries"]
        assert [(e["kind"], e["actor_name"]) for e in entries] == [
            ("FollowUpScheduled", "Søren Ærø (projektleder)")
        ], typed
    assert client.get(audit, params={"who": "nobody"}).json()["entries"] == []


def test_a_registry_change_reads_field_by_field_in_the_history_and_the_export(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    """A registry change through the API: the history lists each changed field, old → new
    (the event's `changed`/`previous`, contract 2), in the audit and in the export."""
    write(
        client,
        f"/partnerships/{partnership_id}/registry",
        {"title": "Sund By 2.0", "period_end": "2026-12-31"},
        method="PATCH",
    )
    after = str(tvaers(client).max_notification_id())
    entries = client.get(
        f"/partnerships/{partnership_id}/audit", params={"group": "registry", "after": after}
    ).json()["entries"]
    updated = entries[0]
    assert updated["kind"] == "RegistryUpdated"
    assert "Titel: «" in updated["summary"]
    assert "» → «Sund By 2.0»" in updated["summary"]
    assert "Periode til: (tom) → 31.12.2026" in updated["summary"]
    assert "Period to: (empty) → 2026-12-31" in updated["summary_en"]
    exported = _export(client, partnership_id, format="csv").decode("utf-8-sig")
    assert "Periode til: (tom) → 31.12.2026" in exported


def test_what_an_event_changed_from_for_a_sentence_outside_the_history(
    client: TestClient[Litestar], partnership_id: str
) -> None:
    """projections.audit.changed_from: a conflict view or a confirmation renders an event
    with what it changed from, as the history does."""
    from uuid import UUID

    from aggregates import Partnership
    from projections import audit, history

    after = _history(client, partnership_id)
    client.get(f"/partnerships/{partnership_id}/audit", params={"after": after})  # views caught up
    store = client.app.state.read_side.store
    state = tvaers(client).get_partnership(UUID(partnership_id))
    wanted = [(UUID(partnership_id), "partnership", state.version)]
    extras = client.blocking_portal.call(audit.changed_from, store, wanted)
    (before,) = extras.values()
    names = client.blocking_portal.call(history.look_up, store, [before])
    payload = {"position_id": next(iter(state.roles)), **before}
    said = history.render(Partnership.RoleVacated, payload, names, "da")
    assert said.startswith("Rolle ledig: tovholder; Dorte Ærø (")
