"""Factors and barriers link to any event of the partnership (issue 15 finding 8): the
factor form offers the partnership's events (most recent first, each as its history
sentence with its number and date), a factor gets a link later, and the story and the
cross-case tables show what each factor is linked to."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.dates import today
from services.commands import LeavePartner
from tests.commands import execute
from tests.ui.conftest import text, tvaers
from tests.ui.forms_support import (
    Desk,
    day,
    error_next_to,
    get_json,
    nothing_saved,
    redirected,
)


def _left(ui: TestClient[Litestar]) -> tuple[Desk, int]:
    """A partnership whose sports club left 20 days ago; the version of its leaving."""
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead, municipality="Vordingborg")
    desk.join(club, rung=3)
    app = tvaers(ui)
    result = execute(
        app,
        LeavePartner(partnership_id=UUID(desk.partnership), organisation_id=UUID(club)),
        Meta(actor="admin", valid_on=today() - timedelta(days=20)),
    )
    read_side = ui.app.state.read_side
    assert ui.blocking_portal is not None
    ui.blocking_portal.call(read_side.wait_until, app.max_notification_id(), 30.0)
    return desk, result.version


def _factor(desk: Desk) -> dict[str, object]:
    [factor] = get_json(desk.client, f"/partnerships/{desk.partnership}/anchoring")["factors"]
    assert isinstance(factor, dict)
    return factor


def test_a_barrier_is_recorded_with_the_event_it_came_from(ui: TestClient[Litestar]) -> None:
    desk, left = _left(ui)
    form = desk.get("factors/new")
    offered = re.findall(r'name="event_versions" value="(\d+)"', form.text)
    assert offered[0] == str(left)  # the most recent first
    assert [int(v) for v in offered] == sorted((int(v) for v in offered), reverse=True)
    shown = text(form)
    assert f"#{left} · {(today() - timedelta(days=20)).strftime('%d.%m.%Y')}: " in shown
    assert "Svendborg Idrætsforening udtrådt som partner" in shown

    redirected(
        desk.post(
            "factors/new",
            {
                "effect": "barrier",
                "origin": "internal",
                "description": "Foreningen mistede sine trænere",
                "event_versions": [str(left)],
                "valid_on": day(-10),
            },
        )
    )
    assert _factor(desk)["event_versions"] == [left]

    story = desk.get("story")
    said = text(story)
    assert "Knyttet til: Svendborg Idrætsforening udtrådt som partner" in said
    assert f'href="#source-h{left}"' in story.text  # cited by its number, listed as a source
    assert f'id="source-h{left}"' in story.text
    api_story = get_json(desk.client, f"/partnerships/{desk.partnership}/story")
    [factor] = api_story["unlinked_factors"]
    assert [(e["version"], e["ref"]) for e in factor["linked"]] == [(left, f"#{left}")]
    assert "udtrådt som partner" in factor["linked"][0]["summary"]
    markdown = desk.client.get(
        f"/partnerships/{desk.partnership}/story", params={"format": "md"}
    ).text
    assert "knyttet til: Svendborg Idrætsforening udtrådt som partner" in markdown
    assert f"[#{left}](#h{left})" in markdown
    html = desk.client.get(
        f"/partnerships/{desk.partnership}/story", params={"format": "html"}
    ).text
    assert f'<a href="#h{left}"' in html
    assert "knyttet til: Svendborg Idrætsforening udtrådt som partner" in html

    crosscase = text(ui.get("/ui/crosscase"))
    assert "Hvor faktorerne kom fra" in crosscase
    assert "partner udtrådt" in crosscase
    tables = get_json(ui, "/crosscase")
    [source] = tables["factor_sources"]
    assert (source["kind"], source["kind_label"], source["effect"]) == (
        "PartnerLeft",
        "partner udtrådt",
        "barrier",
    )
    [row] = tables["factors"]
    assert row["linked_to"] == ["partner udtrådt"]


def test_a_factor_is_linked_to_an_event_later_and_refusals_are_danish(
    ui: TestClient[Litestar],
) -> None:
    desk, left = _left(ui)
    redirected(
        desk.post(
            "factors/new",
            {
                "effect": "promoting",
                "origin": "external",
                "description": "Ny kommunal sundhedspolitik",
                "valid_on": day(-5),
            },
        )
    )
    factor_id = str(_factor(desk)["factor_id"])
    assert f"factors/{factor_id}/events/new" in desk.get("").text  # the partnership page

    form = desk.get(f"factors/{factor_id}/events/new")
    assert form.status_code == 200
    assert f'value="{left}"' in form.text
    own = desk.version()  # the factor's own recording: not offered
    assert f'<option value="{own}"' not in form.text

    with nothing_saved(desk.client):
        refused = desk.post(
            f"factors/{factor_id}/events/new", {"event_version": "999", "valid_on": day(0)}
        )
        assert error_next_to(refused, "event_version") == "Vælg en af mulighederne."
    redirected(
        desk.post(
            f"factors/{factor_id}/events/new", {"event_version": str(left), "valid_on": day(0)}
        )
    )
    assert _factor(desk)["event_versions"] == [left]
    entry = desk.last_entry("FactorEventLinked")
    assert entry["summary"].startswith("Faktoren »Ny kommunal sundhedspolitik« knyttet til: ")
    assert "Svendborg Idrætsforening udtrådt som partner" in entry["summary"]


def test_the_events_are_searchable_and_a_chosen_one_stays_choosable(
    ui: TestClient[Litestar],
) -> None:
    desk, left = _left(ui)
    found = desk.get("factors/new?q=indtrådt")
    offered = re.findall(r'name="event_versions" value="(\d+)"', found.text)
    assert offered == [str(left - 1)]  # only the joining matches
    assert 'role="search"' in found.text
    assert "Søg i hændelserne" in text(found)
    assert desk.get("factors/new?q=findes+ikke").text.count('name="event_versions"') == 0
    # posted from the searched list: the search is kept in the action, the choice valid
    redirected(
        desk.post(
            "factors/new?q=indtrådt",
            {
                "effect": "promoting",
                "origin": "external",
                "description": "Foreningen kom med",
                "event_versions": [str(left - 1)],
                "valid_on": day(-3),
            },
        )
    )
    assert _factor(desk)["event_versions"] == [left - 1]
