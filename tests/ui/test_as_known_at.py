"""As known at explains itself, in Danish time (issue 15, findings 4 and 7).

The "som registret kendte det kl." field is Danish wall-clock time (summer time
included); a time before the registry knew the partnership shows nothing of it, saying
so; a date before it began likewise; a time in the future is refused with a message.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

from litestar import Litestar
from litestar.testing import TestClient

from aggregates.dates import DENMARK
from aggregates.taxonomy import Sector
from api.ui.partnership import parse_moment
from tests.projections.support import organisation, partnership
from tests.ui.conftest import text, tvaers

TITLE = "Sund By Svendborg"
PURPOSE = "Flere borgere i beskæftigelse gennem bedre sundhed"


def registered(ui: TestClient[Litestar]) -> tuple[str, datetime]:
    """A partnership registered (valid from 01.01.2024) just now, and when it was recorded."""
    app = tvaers(ui)
    lead = organisation(app, "Sundhed og Forebyggelse", Sector.HEALTH)
    pid = partnership(app, lead, title=TITLE, purpose=PURPOSE)
    recorded_at = next(iter(app.events.get(pid))).timestamp
    # The views hold it before the page is asked for (read-your-writes through the API).
    caught_up = ui.get(f"/partnerships/{pid}/ladder", params={"after": app.max_notification_id()})
    assert caught_up.status_code == 200, caught_up.text
    return f"/ui/partnerships/{pid}", recorded_at


def danish_wall_clock(moment: datetime) -> str:
    """What a user in Denmark types into the datetime-local field for `moment`."""
    return moment.astimezone(DENMARK).strftime("%Y-%m-%dT%H:%M:%S")


def test_known_at_before_the_partnership_was_recorded_shows_nothing_of_it(
    ui: TestClient[Litestar],
) -> None:
    page, recorded_at = registered(ui)
    before = ui.get(
        page, params={"known_at": danish_wall_clock(recorded_at - timedelta(seconds=2))}
    )
    assert before.status_code == 200
    said = text(before)
    assert "Registret kendte ikke dette partnerskab" in said
    assert "(dansk tid)" in said
    for master_data in (TITLE, PURPOSE, "Svendborg", "Sundhed og Forebyggelse"):
        assert master_data not in before.text, master_data
    # A moment after it was recorded (typed as Danish time, to the second): the partnership
    # is there. (Wait until that second has passed: a time after now is refused.)
    moment = (recorded_at + timedelta(seconds=1)).replace(microsecond=0)
    time.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds() + 0.01))
    after = ui.get(page, params={"known_at": danish_wall_clock(moment)})
    assert after.status_code == 200
    assert TITLE in after.text
    assert PURPOSE in after.text
    assert "Registret kendte ikke" not in after.text


def test_a_date_before_the_partnership_began_shows_nothing_of_it(
    ui: TestClient[Litestar],
) -> None:
    page, _ = registered(ui)
    response = ui.get(page, params={"as_of": "2023-12-31"})
    assert response.status_code == 200
    said = text(response)
    assert (
        "Partnerskabet var endnu ikke registreret den 31.12.2023: "
        "det er registreret med virkning fra 01.01.2024." in said
    )
    assert TITLE not in response.text
    assert PURPOSE not in response.text
    printed = ui.get(f"{page}/print", params={"as_of": "2023-12-31"})
    assert printed.status_code == 200
    assert TITLE not in printed.text
    assert "endnu ikke registreret" in printed.text


def test_a_known_at_in_the_future_is_refused_with_a_message(ui: TestClient[Litestar]) -> None:
    page, _ = registered(ui)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    response = ui.get(page, params={"known_at": danish_wall_clock(tomorrow)})
    assert response.status_code == 400
    said = text(response)
    assert "ligger i fremtiden" in said
    assert "Registret kan kun vise, hvad det vidste indtil nu" in said
    assert 'aria-invalid="true"' in response.text
    assert TITLE in response.text  # the page as it stands now, the field marked


def test_the_api_refuses_a_known_at_in_the_future_with_a_problem(
    ui: TestClient[Litestar],
) -> None:
    page, _ = registered(ui)
    pid = page.rsplit("/", 1)[-1]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for path in ("ladder", "roles", "anchoring", "story"):
        response = ui.get(f"/partnerships/{pid}/{path}", params={"known_at": tomorrow})
        # valid by the schema (which cannot say "not after now"), refused by the rule: 422
        assert response.status_code == 422, (path, response.text)
        problem = response.json()
        assert problem["type"].endswith("/invalid-value")
        assert "future" in problem["detail"]
        assert problem["errors"] == [{"field": "known_at", "message": "future", "source": "query"}]


def test_known_at_is_danish_wall_clock_time_across_the_summer_time_changes() -> None:
    cases = {
        # winter time: UTC+1
        "2026-01-15T12:00": datetime(2026, 1, 15, 11, 0, tzinfo=UTC),
        # summer time: UTC+2
        "2026-07-01T12:00": datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
        # the last Sunday of March: 02.00 becomes 03.00
        "2026-03-29T01:59": datetime(2026, 3, 29, 0, 59, tzinfo=UTC),
        "2026-03-29T03:00": datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        "2026-03-29T02:30": datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # no such time: 03.30
        # the last Sunday of October: 03.00 becomes 02.00 (the first 02.30 is taken)
        "2026-10-25T01:30": datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
        "2026-10-25T02:30": datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        "2026-10-25T03:30": datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
        # a time with its zone stays that time
        "2026-10-25T03:30+00:00": datetime(2026, 10, 25, 3, 30, tzinfo=UTC),
    }
    for typed, meant in cases.items():
        assert parse_moment(typed) == meant, typed


def test_the_page_shows_the_known_at_time_as_typed_in_danish_time(
    ui: TestClient[Litestar],
) -> None:
    page, _ = registered(ui)
    for typed, shown in (
        ("2026-10-25T01:30", "25.10.2026 01.30.00"),
        ("2026-10-25T03:30", "25.10.2026 03.30.00"),
        ("2026-07-01T12:00", "01.07.2026 12.00.00"),
    ):
        response = ui.get(page, params={"known_at": typed})
        assert f"Registret kendte ikke dette partnerskab {shown} (dansk tid)" in text(response)
        assert f'value="{typed}:00"' in response.text  # the field keeps what was typed


def test_today_on_the_page_is_the_danish_date(ui: TestClient[Litestar]) -> None:
    page, _ = registered(ui)
    response = ui.get(page)
    today = datetime.now(UTC).astimezone(DENMARK).date()
    assert f'value="{today.isoformat()}"' in response.text
    assert today >= date(2026, 1, 1)


def test_the_api_reads_a_known_at_without_a_zone_as_danish_time(ui: TestClient[Litestar]) -> None:
    page, _ = registered(ui)
    pid = page.rsplit("/", 1)[-1]
    for typed, meant in (
        ("2026-10-25T01:30:00", "2026-10-24T23:30:00Z"),  # summer time, UTC+2
        ("2026-10-25T03:30:00", "2026-10-25T02:30:00Z"),  # winter time, UTC+1
        ("2026-10-25T03:30:00Z", "2026-10-25T03:30:00Z"),  # with a zone: as given
    ):
        story = ui.get(f"/partnerships/{pid}/story", params={"known_at": typed})
        assert story.status_code == 200, story.text
        assert story.json()["known_at"] == meant, typed
