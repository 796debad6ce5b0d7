"""The "Ret stamdata" form, "Overgå til drift", and working side by side in the web UI
(issue 14: every registry field editable; finding 3: two people on one partnership; finding
7: the budget shown)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta, Partnership, Registry
from aggregates.account import AccessRole
from api.ui.actions_registry import form_values
from api.ui.i18n import LANG_COOKIE, MISSING_ENGLISH
from services.commands import GrantAccess
from tests.commands import execute
from tests.ui.conftest import add_user, login, post_form, text, tvaers
from tests.ui.forms_support import Desk, day, form_message, nothing_saved, redirected

LEADER = "leder@svendborg.dk"


@dataclass
class Setting:
    desk: Desk
    lead: str
    club: str

    @property
    def pid(self) -> UUID:
        return UUID(self.desk.partnership)

    def registry(self) -> Registry:
        return tvaers(self.desk.client).get_partnership(self.pid).registry

    def form(self, version: int | None = None, **changes: Any) -> dict[str, Any]:
        """What the browser posts: the form as loaded (at `version`), with `changes`."""
        app = tvaers(self.desk.client)
        partnership = app.get_partnership(self.pid, version=version)
        values = {k: v for k, v in form_values(partnership.registry).items() if k != "kind"}
        return {**values, "valid_on": day(0), "version": str(partnership.version), **changes}

    def save(self, data: dict[str, Any]) -> Any:
        return post_form(self.desk.client, f"{self.desk.base}/registry/edit", data)


@pytest.fixture
def setting(ui: TestClient[Litestar]) -> Setting:
    desk = Desk(ui)
    lead = desk.organisation("Sundhed og Forebyggelse, Svendborg Kommune")
    club = desk.organisation("Svendborg Idrætsforening", "sports_club")
    desk.new_partnership(lead)
    return Setting(desk, lead, club)


def _last_event(setting: Setting) -> Any:
    return tvaers(setting.desk.client).partnership_events(setting.pid)[-1]


def test_the_form_offers_every_registry_field_and_is_reached_from_the_page(
    setting: Setting,
) -> None:
    page = setting.desk.get("")
    assert f'href="{setting.desk.base}/registry/edit"' in page.text
    assert "Ret stamdata" in text(page)
    form = setting.desk.get("registry/edit")
    assert form.status_code == 200
    names = set(re.findall(r'name="([a-z_]+)"', form.text))
    editable = set(Registry.__struct_fields__) - {"kind"}
    assert editable <= names, editable - names  # an administrator may also move it
    assert "Overgå til drift" in text(form)


def test_every_field_is_saved_and_shown_on_the_page_budget_in_danish(setting: Setting) -> None:
    data = setting.form(
        title="Bevæg dig hele livet",
        purpose="Flere i bevægelse",
        target_groups="Ældre\nLedige",
        arenas="Idrætshal",
        period_start=day(-100),
        period_end=day(300),
        prevention_categories=["offer", "information"],
        bearings=["2", "5"],
        tags="motion\nfællesskab",
        yearly_budget_dkk="30000",
        staff_hours_per_year="1480,5",
        recruitment_channels="Sagsbehandler",
        evaluation_status="Midtvejsevaluering",
        attention_points="Transport",
        barriers="Afstand",
        promoting_factors="Frivillige",
        reason="Styregruppemødet",
    )
    redirected(setting.save(data))
    registry = setting.registry()
    assert registry.title == "Bevæg dig hele livet"
    assert registry.target_groups == ("Ældre", "Ledige")
    assert registry.bearings == (2, 5)
    assert str(registry.yearly_budget_dkk) == "30000"
    event = _last_event(setting)
    assert isinstance(event, Partnership.RegistryUpdated)
    assert "yearly_budget_dkk" in event.changed
    assert "title" in event.changed
    assert event.previous.title == "Bevæg dig for livet"
    page = text(setting.desk.get(""))
    for shown in (
        "30.000 kr.",
        "1.480,50 timer",
        "Sagsbehandler",
        "Midtvejsevaluering",
        "Transport",
        "Afstand",
        "Frivillige",
        "fællesskab",
    ):
        assert shown in page, shown
    MISSING_ENGLISH.clear()
    english = text(setting.desk.client.get(setting.desk.base, params={"lang": "en"}))
    assert "Yearly budget" in english
    assert "1.480,50 hours" in english
    assert not MISSING_ENGLISH, sorted(MISSING_ENGLISH)


def test_a_form_saved_unchanged_says_nothing_changed(setting: Setting) -> None:
    with nothing_saved(setting.desk.client):
        response = setting.save(setting.form())
    assert response.status_code == 422


def test_different_fields_saved_from_two_forms_of_one_version_both_land(
    setting: Setting,
) -> None:
    base = setting.desk.version()
    redirected(setting.save(setting.form(title="Deres titel")))
    redirected(setting.save(setting.form(version=base, purpose="Mit formål")))
    registry = setting.registry()
    assert (registry.title, registry.purpose) == ("Deres titel", "Mit formål")


def test_the_same_field_comes_back_with_both_values_and_one_click_keeps_theirs(
    setting: Setting,
) -> None:
    base = setting.desk.version()
    redirected(setting.save(setting.form(title="Deres titel", reason="Ny titel")))
    mine = setting.form(version=base, title="Min titel", tags="mit emneord")
    with nothing_saved(setting.desk.client):
        response = setting.save(mine)
    assert response.status_code == 409
    assert "Nogen har ændret det samme" in form_message(response)
    # my input is intact, theirs beside it, with who and what
    assert 'value="Min titel"' in response.text
    assert "mit emneord" in response.text
    shown = text(response)
    assert "Deres værdi" in shown
    assert "Deres titel" in shown
    assert "Admin" in shown  # their display name
    assert 'name="conflict_fields" value="title"' in response.text
    version = re.search(r'name="version" value="(\d+)"', response.text)
    assert version is not None
    assert int(version.group(1)) == base + 1

    # one click: keep theirs for the title, my other change is saved
    resolved = dict(mine, version=version.group(1), conflict_fields="title", resolve="theirs")
    redirected(setting.save(resolved))
    registry = setting.registry()
    assert registry.title == "Deres titel"
    assert registry.tags == ("mit emneord",)


def test_the_same_field_one_click_keeps_mine(setting: Setting) -> None:
    base = setting.desk.version()
    redirected(setting.save(setting.form(title="Deres titel", purpose="Deres formål")))
    mine = setting.form(version=base, title="Min titel")
    response = setting.save(mine)
    assert response.status_code == 409
    # the field I did not touch now shows their value, so keeping mine keeps theirs there
    assert "Deres formål" in response.text
    version = re.search(r'name="version" value="(\d+)"', response.text)
    assert version is not None
    purpose = re.search(r'<textarea id="f-purpose"[^>]*>([^<]*)</textarea>', response.text)
    assert purpose is not None
    assert purpose.group(1) == "Deres formål"
    again = dict(mine, version=version.group(1), purpose="Deres formål", resolve="mine")
    redirected(setting.save(again))
    registry = setting.registry()
    assert (registry.title, registry.purpose) == ("Min titel", "Deres formål")


def test_moving_to_operation_is_its_own_confirmed_action(setting: Setting) -> None:
    desk = setting.desk
    confirm = desk.get("registry/operations")
    assert confirm.status_code == 200
    assert "forankringens afgørende skridt" in text(confirm)
    redirected(desk.post("registry/operations", {"valid_on": day(0), "reason": "Besluttet"}))
    assert setting.registry().kind.value == "operations"
    event = _last_event(setting)
    assert event.changed == ("kind",)
    page = desk.get("")
    assert f'href="{desk.base}/registry/operations"' not in page.text
    with nothing_saved(desk.client):
        again = desk.post("registry/operations", {"valid_on": day(0)})
    assert again.status_code == 422


def test_another_form_in_conflict_shows_their_sentence_and_saves_mine_on_one_click(
    setting: Setting,
) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=1)
    base = desk.version()
    redirected(
        desk.post(
            "ladder/new",
            {"organisation_id": setting.club, "rung": "2", "evidence": "Møde", "valid_on": day(0)},
        )
    )
    mine = {"organisation_id": setting.club, "rung": "3", "evidence": "Aftale", "valid_on": day(0)}
    response = desk.post("ladder/new", mine, version=base)
    assert response.status_code == 409
    shown = text(response)
    assert "Deres ændring" in shown
    assert "Svendborg Idrætsforening" in shown  # the history's sentence names the partner
    assert "til trin 2" in shown  # and says what their move was
    assert "Gem min ændring alligevel" in shown
    assert "Behold deres ændring" in shown
    assert 'value="Aftale"' in response.text or ">Aftale<" in response.text
    version = re.search(r'name="version" value="(\d+)"', response.text)
    assert version is not None
    assert int(version.group(1)) == base + 1
    redirected(desk.post("ladder/new", {**mine, "resolve": "mine"}, version=int(version.group(1))))
    assert desk.rungs()[setting.club] == 3


def test_a_project_leader_without_a_municipality_grant_cannot_move_the_partnership(
    setting: Setting, ui: TestClient[Litestar]
) -> None:
    add_user(ui, LEADER)
    execute(
        tvaers(ui),
        GrantAccess(username=LEADER, role=AccessRole.PROJECT_LEADER, partnership_id=setting.pid),
        Meta(actor="cli:test"),
    )
    login(ui, LEADER)
    form = setting.desk.get("registry/edit")
    assert form.status_code == 200
    assert 'name="municipality"' not in form.text
    assert "Svendborg" in text(form)  # shown, not offered
    data = setting.form(title="Projektlederens titel")
    data.pop("municipality")
    redirected(setting.save(data))
    assert setting.registry().municipality == "Svendborg"


def test_the_conflict_views_are_in_english_too(setting: Setting) -> None:
    desk = setting.desk
    desk.join(setting.club, rung=1)
    base = desk.version()
    redirected(setting.save(setting.form(title="Deres titel")))
    redirected(
        desk.post(
            "ladder/new",
            {"organisation_id": setting.club, "rung": "2", "evidence": "Møde", "valid_on": day(0)},
        )
    )
    MISSING_ENGLISH.clear()
    desk.client.cookies.set(LANG_COOKIE, "en")
    try:
        registry = setting.save(setting.form(version=base, title="Min titel"))
        ladder = desk.post(
            "ladder/new",
            {"organisation_id": setting.club, "rung": "3", "evidence": "x", "valid_on": day(0)},
            version=base,
        )
    finally:
        desk.client.cookies.delete(LANG_COOKIE)
    assert registry.status_code == 409
    assert ladder.status_code == 409
    assert "Keep their values" in text(registry)
    assert "Save my change anyway" in text(ladder)
    assert not MISSING_ENGLISH, sorted(MISSING_ENGLISH)


def test_keeping_theirs_with_nothing_else_of_mine_saves_nothing_and_says_so(
    setting: Setting,
) -> None:
    base = setting.desk.version()
    redirected(setting.save(setting.form(title="Deres titel")))
    mine = setting.form(version=base, title="Min titel")
    response = setting.save(mine)
    assert response.status_code == 409
    version = re.search(r'name="version" value="(\d+)"', response.text)
    assert version is not None
    with nothing_saved(setting.desk.client):
        resolved = setting.save(
            dict(mine, version=version.group(1), conflict_fields="title", resolve="theirs")
        )
    assert redirected(resolved) == setting.desk.base
    assert "Deres ændring står" in text(setting.desk.get(""))
    assert setting.registry().title == "Deres titel"
