"""The partnership page on the demo data: sections, past dates, history, diff and access.

One app per module with the demo data loaded (`tvaers demo load` takes seconds, so not
once per test); the tests only read, except the fixture's one vacancy. Other users ask
with a bearer token, which the UI accepts like the session cookie.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.taxonomy import RoleKind
from api.app import create_app
from api.ui.i18n import ENGLISH, MISSING_ENGLISH
from services.commands import VacateRole
from services.demo import load_demo
from services.demo.data import LEADERS, STEERING
from services.settings import Settings
from tests.api.conftest import as_user
from tests.commands import execute
from tests.conftest import TEST_SECRET_KEY
from tests.ui.conftest import ADMIN, add_user, login, text, tvaers

KBH = "Sundhed i beskæftigelsesindsatsen - København"
SILKEBORG = "Bevægelsesbrobygning til foreningslivet - Silkeborg"
FREDERIKSBERG = "Kultur på recept - mental sundhed på Frederiksberg"
OUTSIDER = "udenfor@assens.dk"
KBH_LEADER = "Demo projektleder København (projektleder, København)"
VACATED_ON = date(2024, 6, 1)
VACANCY_REASON = "Rekrutteringen fra foreningen er stoppet"
FORMS = (
    "/partners/new",
    "/roles/new",
    "/milestones/new",
    "/factors/new",
    "/agreements/new",
    "/corrections/new",
    "/steering/new",
    "/activities/new",
    "/ladder/new",
)


@dataclass(frozen=True)
class Demo:
    client: TestClient[Litestar]
    ids: dict[str, UUID]

    def page(self, title: str, suffix: str = "") -> str:
        return f"/ui/partnerships/{self.ids[title]}{suffix}"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    path: Path = tmp_path_factory.mktemp("demo") / "tvaers.sqlite3"
    settings = Settings(
        database_url=str(path),
        snapshot_interval=10,
        housekeeping=False,
        cookie_secure=False,
        secret_key=TEST_SECRET_KEY,
    )
    with TestClient(app=create_app(settings)) as client:
        add_user(client, ADMIN, is_admin=True)
        add_user(client, OUTSIDER)
        service = tvaers(client)
        load_demo(service)
        login(client, ADMIN)
        listing = client.get("/partnerships?limit=50").json()["items"]
        ids = {p["title"]: UUID(p["id"]) for p in listing}
        # A vacancy: the recruiter of Frederiksberg's museum course leaves the role.
        partnership = service.get_partnership(ids[FREDERIKSBERG])
        (recruiter,) = (r for r in partnership.roles.values() if r.role is RoleKind.RECRUITER)
        execute(
            service,
            VacateRole(partnership_id=ids[FREDERIKSBERG], position_id=recruiter.position_id),
            Meta(actor=LEADERS["Frederiksberg"], valid_on=VACATED_ON, reason=VACANCY_REASON),
        )
        read_side = client.app.state.read_side
        client.blocking_portal.call(read_side.wait_until, service.max_notification_id(), 30.0)
        yield Demo(client, ids)


def rows(html: str, table_class: str) -> list[str]:
    """The text of each body row of the first table with the class."""
    table = re.search(rf'<table class="{table_class}">(.*?)</table>', html, re.S)
    assert table is not None, f"no table {table_class}"
    body = table.group(1).split("<tbody>", 1)[1]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr\b.*?</tr>", body, re.S)
    ]


def test_the_page_shows_the_registry_the_partners_and_their_rungs(demo: Demo) -> None:
    page = demo.client.get(demo.page(SILKEBORG))
    assert page.status_code == 200
    shown = text(page)
    assert f"<h1>{SILKEBORG}" in page.text.replace("&#39;", "'")
    for fact in (
        "Silkeborg",
        "Sundhed og Omsorg, Silkeborg Kommune",
        "brobygning",
        "foreningsliv",
        "borgere efter kommunale trænings- og forebyggelsesforløb",
        "10.01.2022 \N{EN DASH} 31.12.2025",
    ):
        assert fact in shown, fact
    ladder = rows(page.text, "ladder-table")
    assert (
        "Frivilligcenter Silkeborg 4 uformelt samarbejde 01.05.2022 Fælles workshops"
        " Flyt Frivilligcenter Silkeborg på trappen"
        " Frivilligcenter Silkeborg forlader partnerskabet"
    ) in ladder  # with the project leader's links (the client is an administrator)
    assert any(
        r.startswith("3F Silkeborg 1 kendskab til hinanden 01.03.2022 Informationsmøde")
        for r in ladder
    )
    assert any(r.startswith("DGI Midtjylland 2 dialog og erfaringsudveksling") for r in ladder)
    # The KL diagram: boxes that lead to the sections, and the same as a nested list.
    diagram = re.search(r'<svg[^>]*id="governance-diagram".*?</svg>', page.text, re.S)
    assert diagram is not None
    assert 'href="#steering"' in diagram.group(0)
    assert 'href="#secretariat"' in diagram.group(0)
    assert diagram.group(0).count('href="#partner-') == 9  # the lead and eight partners
    assert "Bevægelsesbrobygning" in diagram.group(0)
    assert "Organiseringen som liste" in shown
    # The ladder over time: the chart and its figures (eight partners since 03.2022).
    assert 'id="ladder-chart"' in page.text
    assert "03.2022 2 2 2 2 0 0 8" in shown


def test_a_vacant_role_is_marked_vacant_in_words(demo: Demo) -> None:
    page = demo.client.get(demo.page(FREDERIKSBERG))
    shown = text(page)
    matrix = rows(page.text, "role-matrix")
    (recruiter,) = (r for r in matrix if r.startswith("rekrutterer"))
    assert "LEDIG siden 01.06.2024" in recruiter
    assert "Kulturforløb på museerne" in recruiter  # the activity the role belongs to
    assert "stadig ledig" in shown  # the vacancies table
    (project_leader,) = (r for r in matrix if r.startswith("projektleder"))
    assert "LEDIG" not in project_leader
    # The day before, the role was held.
    before = rows(
        demo.client.get(demo.page(FREDERIKSBERG, "?as_of=2024-05-31")).text, "role-matrix"
    )
    (recruiter,) = (r for r in before if r.startswith("rekrutterer"))
    assert "LEDIG" not in recruiter


def test_a_milestone_shows_with_its_evidence_in_the_lanes_and_the_list(demo: Demo) -> None:
    page = demo.client.get(demo.page(KBH))
    lanes = re.search(r'<svg[^>]*id="anchoring-chart".*?</svg>', page.text, re.S)
    assert lanes is not None
    assert "To sundhedskonsulenter er blevet fastansat i driften" in lanes.group(0)  # <title>
    item = re.search(
        r'<li id="milestone-([0-9a-f-]+)" tabindex="-1">\s*<p><strong>To sundhedskonsulenter '
        r"fastansat</strong>(.*?)</li>",
        page.text,
        re.S,
    )
    assert item is not None
    assert "To sundhedskonsulenter er blevet fastansat i driften" in item.group(2)
    assert "01.11.2021" in item.group(2)
    assert f'href="#milestone-{item.group(1)}"' in lanes.group(0)  # the point leads to it
    status = rows(page.text, "status-table")
    assert "drift forankret 01.11.2021 1" in status
    assert "Rygeloven" in text(page)  # a factor beside the lanes


def test_an_earlier_date_shows_the_partnership_as_it_stood_then(demo: Demo) -> None:
    page = demo.client.get(demo.page(SILKEBORG, "?as_of=2022-02-15"))
    assert page.status_code == 200
    shown = text(page)
    assert "Historisk visning." in shown
    assert "Partnerskabet som det stod 15.02.2022." in shown
    assert f'href="{demo.page(SILKEBORG)}">Tilbage til i dag' in page.text
    ladder = rows(page.text, "ladder-table")
    assert not any("3F Silkeborg" in r for r in ladder)  # joined 01.03.2022
    assert "3F Silkeborg" not in shown
    # Frivilligcenter stood on rung 2 then (rung 4 from 01.05.2022).
    assert any(r.startswith("Frivilligcenter Silkeborg 2 dialog") for r in ladder)
    # Nothing can be changed on a past date, not even by an administrator.
    assert "/partners/new" not in page.text
    today = demo.client.get(demo.page(SILKEBORG))
    assert "/partners/new" in today.text
    assert "Historisk visning." not in text(today)


def test_a_date_that_is_not_a_date_is_refused_next_to_the_field(demo: Demo) -> None:
    page = demo.client.get(demo.page(SILKEBORG, "?as_of=2022-13-45"))
    assert page.status_code == 400
    assert 'id="as_of-error"' in page.text
    assert "Skriv en dato som åååå-mm-dd." in text(page)


def test_known_at_shows_what_the_registry_said_before_a_correction(demo: Demo) -> None:
    pid = demo.ids[KBH]
    corrections = demo.client.get(
        f"/partnerships/{pid}/audit", params={"kind": "MilestoneCorrected"}
    ).json()["entries"]
    (correction,) = corrections
    recorded = demo.client.get(
        f"/partnerships/{pid}/audit", params={"kind": "MilestoneRecorded"}
    ).json()["entries"]
    (original,) = (e for e in recorded if e["version"] == correction["payload"]["corrects_version"])
    old_title = "Værktøjssamling med fem metoder udgivet"
    new_title = "Værktøjssamling (fem metoder) og casebeskrivelse udgivet"

    now = text(demo.client.get(demo.page(KBH)))
    assert new_title in now
    assert old_title not in now

    then = demo.client.get(demo.page(KBH), params={"known_at": original["recorded_at"]})
    assert then.status_code == 200
    shown = text(then)
    assert old_title in shown
    assert new_title not in shown
    assert "som registret kendte det" in shown


def test_the_history_lists_who_changed_what_when_and_why(demo: Demo) -> None:
    pid = demo.ids[KBH]
    page = demo.client.get(f"/ui/partnerships/{pid}/history", params={"kind": "corrections"})
    assert page.status_code == 200
    shown = text(page)
    # what was corrected, from what to what, and a link to it (issue 15): no event numbers
    assert "Rettelse: datoen for »" in shown
    assert "hændelse" not in shown
    assert re.search(r"rettet fra \d\d\.\d\d\.\d{4} til \d\d\.\d\d\.\d{4}", shown), shown
    assert f"Af {KBH_LEADER}" in shown  # the display name and role, not the username
    assert "Begrundelse: Datoen rettet efter mødereferat" in shown
    assert "gælder fra 02.05.2024" in shown
    assert "Stamdata opdateret" not in shown  # another kind
    link = re.search(
        r'<p class="corrects"><a href="([^"]+)">Se den rettede registrering</a>', page.text
    )
    assert link is not None
    target, anchor = link.group(1).replace("&amp;", "&").split("#")
    corrected = demo.client.get(target)
    assert corrected.status_code == 200
    first = re.search(r'<li id="(e-[^"]+)">', corrected.text)
    assert first is not None
    assert first.group(1) == anchor  # the corrected entry heads the page it links to

    # A page at a time, newest first; the next page is a plain link (no script needed).
    page = demo.client.get(f"/ui/partnerships/{pid}/history")
    pages = [text(page)]
    older_link = re.compile(r'<a href="([^"]+cursor=[^"]+)"[^>]*>Ældre ændringer</a>')
    while (older := older_link.search(page.text)) is not None:
        page = demo.client.get(older.group(1).replace("&amp;", "&"))
        assert page.status_code == 200
        pages.append(text(page))
        assert len(pages) < 50, f"the history's pages never end: {older.group(1)}"
    assert len(pages) > 1
    registered = f"Partnerskabet »{KBH}« registreret"
    assert registered not in pages[0]
    assert registered in pages[-1]  # the very first event, on the last page
    # Loaded with htmx into the partnership page: the fragment only.
    fragment = demo.client.get(f"/ui/partnerships/{pid}/history", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert f"Af {KBH_LEADER}" in text(fragment)

    by_actor = text(
        demo.client.get(
            demo.page(FREDERIKSBERG, "/history"), params={"actor": LEADERS["Frederiksberg"]}
        )
    )
    assert f"Begrundelse: {VACANCY_REASON}" in by_actor
    assert "Rolle ledig" in by_actor


def test_the_history_names_the_role_filters_by_group_and_speaks_english(demo: Demo) -> None:
    """The sentences, groups and English come from projections/history.py: the vacancy
    names its role, the roles filter holds the role events only, English reads English."""
    page = demo.client.get(demo.page(FREDERIKSBERG, "/history"), params={"kind": "roles"})
    assert page.status_code == 200
    shown = text(page)
    assert "Rolle ledig: rekrutterer" in shown
    assert "indtrådt som partner" not in shown  # another group
    english = demo.client.get(
        demo.page(FREDERIKSBERG, "/history"), params={"kind": "roles", "lang": "en"}
    )
    assert "Role vacant: recruiter" in text(english)
    assert "Rolle ledig" not in text(english)
    assert '<option value="roles" selected>Roles</option>' in english.text
    demo.client.get("/ui/?lang=da")  # back to Danish for the other tests


def test_the_diff_lists_what_changed_between_two_dates(demo: Demo) -> None:
    page = demo.client.get(
        demo.page(SILKEBORG, "/diff"), params={"from": "2022-02-15", "to": "2022-06-15"}
    )
    assert page.status_code == 200
    changes = rows(page.text, "diff")
    assert "3F Silkeborg tilføjet \N{EN DASH} trin 1 (kendskab til hinanden)" in changes
    assert any(
        r.startswith("Frivilligcenter Silkeborg ændret trin 2") and "trin 4" in r for r in changes
    )
    nothing = demo.client.get(
        demo.page(SILKEBORG, "/diff"), params={"from": "2023-01-01", "to": "2023-01-02"}
    )
    assert "Ingen ændringer mellem 01.01.2023 og 02.01.2023." in text(nothing)


def test_a_user_without_a_grant_gets_the_not_found_page_without_the_title(demo: Demo) -> None:
    # A partnership one may not read looks like one that does not exist (issue 16).
    headers = as_user(demo.client, OUTSIDER)
    for suffix in ("", "/print", "/history", "/diff?from=2022-01-01&to=2023-01-01"):
        page = demo.client.get(demo.page(SILKEBORG, suffix), headers=headers)
        assert page.status_code == 404, suffix
        assert "Partnerskabet findes ikke" in text(page)
        assert "Bevægelsesbrobygning" not in page.text


def test_a_steering_member_reads_the_history_but_gets_no_links_to_forms(demo: Demo) -> None:
    member = as_user(demo.client, STEERING)
    page = demo.client.get(demo.page(KBH), headers=member)
    assert page.status_code == 200
    assert "Logget ind som Demo styregruppemedlem" in text(page)
    assert 'id="history"' in page.text  # may read the audit history
    for form in FORMS:
        assert form not in page.text, form
    # The agreement's own page is for reading too.
    assert re.search(rf'href="{demo.page(KBH)}/agreements/[0-9a-f-]{{36}}"', page.text)
    history = demo.client.get(demo.page(KBH, "/history"), headers=member)
    assert history.status_code == 200
    assert f"Af {KBH_LEADER}" in text(history)
    # Their grant is on København only.
    assert demo.client.get(demo.page(SILKEBORG), headers=member).status_code == 404  # hidden

    leader = as_user(demo.client, LEADERS["København"])
    own = demo.client.get(demo.page(KBH), headers=leader)
    for form in ("/partners/new", "/roles/new", "/milestones/new", "/corrections/new"):
        assert f"{demo.page(KBH)}{form}" in own.text, form
    past = demo.client.get(demo.page(KBH, "?as_of=2021-01-01"), headers=leader)
    assert "/partners/new" not in past.text


def test_the_print_version_holds_the_meeting_papers_without_forms(demo: Demo) -> None:
    page = demo.client.get(demo.page(KBH, "/print?as_of=2022-06-01"))
    assert page.status_code == 200
    shown = text(page)
    for heading in ("Organisering", "Partnerskabstrappen", "Roller", "Forankring", "Aftaler"):
        assert f">{heading}</h2>" in page.text, heading
    assert "Mødeudskrift til styregruppen" in shown
    assert "Samarbejdsaftale om sundhed i beskæftigelsesindsatsen, København" in shown
    assert "i kraft" in shown  # the agreement's status on 01.06.2022
    assert 'class="date-control"' not in page.text
    assert 'id="history"' not in page.text
    assert "/partners/new" not in page.text


def test_every_text_of_the_pages_has_an_english_version(demo: Demo) -> None:
    MISSING_ENGLISH.clear()
    diff = "/diff?from=2022-01-01&to=2023-01-01"
    for suffix in ("", "?as_of=2022-02-15", "/print", "/history", diff):
        page = demo.client.get(demo.page(SILKEBORG, suffix), params={"lang": "en"})
        assert page.status_code == 200, suffix
    demo.client.get(demo.page(KBH), params={"lang": "en"})
    demo.client.get("/ui/?lang=da")
    # (a word the same in both languages, like "Status", is listed by the translator too)
    assert {t for t in MISSING_ENGLISH if t not in ENGLISH} == set()
    english = text(demo.client.get(demo.page(SILKEBORG), params={"lang": "en"}))
    assert "Partnership ladder" in english
    assert "informal cooperation" in english
    demo.client.get("/ui/?lang=da")  # back to Danish for the other tests


def test_every_link_on_the_page_leads_to_a_page_that_answers(demo: Demo) -> None:
    """The page's links to forms and sections (a project leader's view) all work."""
    for case in (SILKEBORG, FREDERIKSBERG):
        page = demo.client.get(demo.page(case))
        links = {
            href.replace("&amp;", "&").split("#")[0]
            for href in re.findall(r'href="(/ui/[^"]+)"', page.text)
        }
        forms = [link for link in links if link.endswith(("/leave", "/hand-over", "/vacate"))]
        assert forms, "no row links to the forms"
        broken = [
            f"{link}: {status}"
            for link in sorted(links)
            if (status := demo.client.get(link).status_code) != 200
        ]
        assert not broken, broken


def test_the_who_filter_takes_part_of_a_name_in_any_case_and_the_filters_stay_in_the_url(
    demo: Demo,
) -> None:
    """Issue 15: "Hvem" matches part of a display name or username, case-insensitively and
    with Danish letters; the filters are a GET form whose URL htmx keeps (bookmarkable)."""
    history = demo.page(KBH, "/history")
    for typed in ("projektleder KØBENHAVN", "københavn", "demo-kbh"):
        page = demo.client.get(history, params={"actor": typed})
        assert page.status_code == 200, typed
        shown = text(page)
        assert f"Af {KBH_LEADER}" in shown, typed
        assert "Ingen ændringer passer til filtrene." not in shown, typed
    nobody = text(demo.client.get(history, params={"actor": "Åge Østergård"}))
    assert "Ingen ændringer passer til filtrene." in nobody
    page = demo.client.get(history, params={"actor": "københavn", "kind": "roles"})
    assert '<form method="get" action="' in page.text
    assert 'hx-push-url="true"' in page.text
    assert 'value="københavn"' in page.text
    assert '<option value="roles" selected>' in page.text
    # times in Danish time, said so; the export links keep the dates
    assert "(dansk tid)" in text(page)
    dated = demo.client.get(history, params={"from": "2024-01-01", "to": "2024-12-31"})
    assert (
        f"/partnerships/{demo.ids[KBH]}/history/export?format=csv&amp;lang=da"
        "&amp;from=2024-01-01&amp;to=2024-12-31"
    ) in dated.text


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2024-13-01"}, "from", "Skriv en dato som åååå-mm-dd."),
        ({"from": "2024-05-02", "to": "2024-05-01"}, "to", "Til-datoen ligger før fra-datoen."),
        ({"kind": "nonsense"}, "kind", "Vælg en af mulighederne."),
        ({"actor": "x" * 300}, "actor", "Skriv højst 200 tegn."),
        ({"cursor": "WnonsenseW"}, "cursor", "Siden findes ikke længere. Start forfra."),
    ],
)
def test_a_bad_filter_gets_a_readable_message_not_an_error_page(
    demo: Demo, params: dict[str, str], field: str, message: str
) -> None:
    page = demo.client.get(demo.page(KBH, "/history"), params=params)
    assert page.status_code == 400, page.text[:500]
    assert message in text(page)
    if field != "cursor":
        assert f'id="h-{field}-error"' in page.text


def test_the_history_shows_recorded_times_in_danish_time(demo: Demo) -> None:
    """Issue 15 finding 4: "registreret 19.14" was 20.14 in Denmark; the times are
    Europe/Copenhagen whatever the server's zone, and the page says so."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    page = demo.client.get(demo.page(KBH, "/history"))
    shown = re.findall(r'<time datetime="([^"]+)">([^<]+)</time> \(dansk tid\)', page.text)
    assert shown
    for iso, said in shown:
        local = datetime.fromisoformat(iso).astimezone(ZoneInfo("Europe/Copenhagen"))
        assert said == local.strftime("%d.%m.%Y %H.%M"), (iso, said)
    assert "Tider er dansk tid." in text(page)
