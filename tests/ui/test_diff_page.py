"""The comparison page (issue 15, part 2): refusals at the field, "siden sidste møde",
the English page, and the fragment the partnership page loads."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient

from aggregates.dates import in_denmark, now
from aggregates.dates import today as today_in_denmark
from aggregates.taxonomy import ActivityStatus, PreventionCategory, Rung, SeatRole, Sector
from services.commands import (
    AppointSteeringMember,
    ChangeActivityStatus,
    JoinPartner,
    LaunchActivity,
    RecordDecision,
)
from tests.api.conftest import tvaers
from tests.commands import execute
from tests.projections.support import created, meta, organisation, partnership, person
from tests.ui.conftest import text


def _world(ui: TestClient[Litestar], *, decision: bool = True) -> str:
    app = tvaers(ui)
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    club = organisation(app, "Ishøj Svømmeklub", Sector.SPORTS_CLUB)
    pid = partnership(app, lead, title="Brobygning til foreningslivet")
    execute(
        app,
        JoinPartner(partnership_id=pid, organisation_id=club, rung=Rung.DIALOGUE),
        meta(date(2024, 1, 10)),
    )
    activity = created(
        execute(
            app,
            LaunchActivity(
                partnership_id=pid,
                title="Motion på recept",
                category=PreventionCategory.OFFER,
                owner_ids=[club],
                running=True,
            ),
            meta(date(2024, 2, 1)),
        )
    )
    chair = person(app, "Anna Jensen", lead)
    execute(
        app,
        AppointSteeringMember(partnership_id=pid, person_id=chair, seat=SeatRole.CHAIR),
        meta(date(2024, 1, 15)),
    )
    if decision:
        execute(
            app,
            RecordDecision(partnership_id=pid, title="Budget godkendt"),
            meta(date(2024, 5, 20)),
        )
    execute(
        app,
        ChangeActivityStatus(
            partnership_id=pid, activity_id=activity, status=ActivityStatus.PAUSED
        ),
        meta(date(2024, 6, 1)),
    )
    ui.blocking_portal.call(ui.app.state.read_side.wait_until, app.max_notification_id(), 30.0)
    return f"/ui/partnerships/{pid}/diff"


def _error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="d-{field}-error">(.*?)</p>', html, re.S)
    assert found is not None, f"no error at {field}"
    return found.group(1)


def test_a_reversed_range_is_refused_at_the_to_field(ui: TestClient[Litestar]) -> None:
    url = _world(ui)
    page = ui.get(url, params={"from": "2024-06-01", "to": "2024-03-01"})
    assert page.status_code == 400
    assert _error(page.text, "to") == (
        "Til-datoen (01.03.2024) ligger før fra-datoen (01.06.2024). Vælg en til-dato samme "
        "dag som fra-datoen eller senere."
    )
    assert 'id="d-to" name="to" type="date"' in page.text
    assert 'aria-invalid="true" aria-describedby="d-to-error"' in page.text
    assert '<table class="diff">' not in page.text  # nothing compared


def test_a_future_date_is_refused_at_its_field(ui: TestClient[Litestar]) -> None:
    url = _world(ui)
    tomorrow = today_in_denmark() + timedelta(days=1)
    page = ui.get(url, params={"from": "2024-03-01", "to": tomorrow.isoformat()})
    assert page.status_code == 400
    assert _error(page.text, "to").startswith(f"Datoen {tomorrow:%d.%m.%Y} ligger efter i dag")
    both = ui.get(url, params={"from": tomorrow.isoformat(), "to": tomorrow.isoformat()})
    assert _error(both.text, "from").startswith(f"Datoen {tomorrow:%d.%m.%Y} ligger efter i dag")
    later = (now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    known = ui.get(url, params={"from": "2024-03-01", "to": "2024-07-01", "known_at": later})
    assert known.status_code == 400
    assert "ligger i fremtiden" in _error(known.text, "known")


def test_since_the_last_meeting_compares_from_the_meeting_to_today(
    ui: TestClient[Litestar],
) -> None:
    url = _world(ui)
    page = ui.get(url, params={"since": "last_meeting"})
    assert page.status_code == 200
    shown = text(page)
    assert (
        f"Siden sidste møde den 20.05.2024: fra 20.05.2024 til i dag, "
        f"{today_in_denmark():%d.%m.%Y}." in shown
    )
    assert "Motion på recept ændret : Status i gang sat på pause" in shown
    assert "Budget godkendt" not in shown  # the meeting's own decision was before


def test_since_the_last_meeting_without_a_decision_says_so(ui: TestClient[Litestar]) -> None:
    url = _world(ui, decision=False)
    page = ui.get(url, params={"since": "last_meeting"})
    assert page.status_code == 200  # a state of the partnership, not bad input
    assert "intet sidste møde at sammenligne fra" in text(page)
    assert 'aria-describedby="d-since-error"' in page.text


def test_the_english_page_says_it_in_english(ui: TestClient[Litestar]) -> None:
    url = _world(ui)
    page = ui.get(url, params={"from": "2024-03-01", "to": "2024-07-01", "lang": "en"})
    assert page.status_code == 200
    shown = text(page)
    assert "Activities" in shown
    assert "Motion på recept changed : Status running paused" in shown
    assert "Decisions What Change Before After Budget godkendt added" in shown
    assert "Budget godkendt added \N{EN DASH} 2024-05-20" in shown
    reversed_ = ui.get(url, params={"from": "2024-07-01", "to": "2024-03-01", "lang": "en"})
    assert "The to date (2024-03-01) lies before the from date (2024-07-01)." in text(reversed_)


def test_the_fragment_for_the_partnership_page_lists_the_sections(
    ui: TestClient[Litestar],
) -> None:
    url = _world(ui)
    fragment = ui.get(
        url, params={"from": "2024-03-01", "to": "2024-07-01"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    captions = re.findall(r"<caption>(.*?)</caption>", fragment.text)
    assert captions == ["Aktiviteter", "Beslutninger"]
    assert UUID(url.split("/")[3])  # the page's own id


def test_the_links_to_the_api_and_the_files_keep_the_dates_and_the_moment(
    ui: TestClient[Litestar],
) -> None:
    url = _world(ui)
    moment = in_denmark(now()).replace(tzinfo=None).isoformat()  # Danish time, no zone
    page = ui.get(url, params={"from": "2024-03-01", "to": "2024-07-01", "known_at": moment})
    assert page.status_code == 200
    link = re.search(r'<a href="(/partnerships/[^"]+/diff\?[^"]+)">', page.text)
    assert link is not None
    api = ui.get(link.group(1).replace("&amp;", "&"))
    assert api.status_code == 200, api.text
    body = api.json()
    assert (body["first"], body["second"]) == ("2024-03-01", "2024-07-01")
    assert body["known_at"] is not None
    assert [c["label"] for c in body["changes"]] == ["Motion på recept", "Budget godkendt"]
