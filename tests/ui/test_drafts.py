"""Nothing typed is lost (issue 14, findings 4 and 7): a form posted after the session
ended comes back filled in after logging in again, as the same user only; "register it
first" detours return to the form with its input; a save says what was saved, once."""

from __future__ import annotations

import dataclasses
import html
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, unquote, urlsplit
from uuid import UUID, uuid4

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from api.app import create_app
from api.ui.actions_registry import form_values
from projections import drafts
from services.settings import Settings
from tests.api.conftest import PASSWORD
from tests.ui.conftest import ADMIN, add_user, csrf, login, post_form, text
from tests.ui.forms_support import Desk, day, nothing_saved, redirected, tvaers

OTHER = "kollega@svendborg.dk"


def store(client: TestClient[Litestar]) -> object:
    return client.app.state.read_side.store


def kept(client: TestClient[Litestar]) -> list[str]:
    """Every kept draft's stored fields (JSON text)."""
    found: list[str] = client.blocking_portal.call(drafts.stored_text, store(client))
    return found


def end_session(client: TestClient[Litestar], *, keep_old_cookie: bool) -> None:
    """The session ends while a form is open: logged out in another tab (the browser then
    holds what the logout answered), or the token ended on the server while the browser
    still holds the old cookie (`keep_old_cookie`: as an expired token does)."""
    [old] = [c for c in client.cookies.jar if c.name == "tvaers_session"]
    assert post_form(client, "/ui/logout", {}).status_code == 303
    if keep_old_cookie:
        client.cookies.delete("tvaers_session")
        client.cookies.set("tvaers_session", old.value or "", domain=old.domain, path=old.path)


def partnership_form(**fields: str) -> dict[str, str]:
    return {
        "title": "Sund i Svendborg",
        "municipality": "Svendborg",
        "kind": "project",
        "purpose": "Flere unge i foreningslivet",
        "target_groups": "Unge 15-25\nNyankomne",
        "prevention_categories": "offer",
        "valid_on": day(-10),
        "reason": "Aftalt på mødet",
        **fields,
    }


def login_next(response: Response) -> str:
    """Where the login page will send the browser back to."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/ui/login?next="), location
    return unquote(location.split("next=", 1)[1])


@pytest.mark.parametrize("old_cookie", [True, False], ids=["token-ended", "logged-out-elsewhere"])
def test_a_form_posted_after_the_session_ended_comes_back_after_logging_in(
    ui: TestClient[Litestar], old_cookie: bool
) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    end_session(ui, keep_old_cookie=old_cookie)

    with nothing_saved(ui):
        response = post_form(
            ui,
            "/ui/partnerships/new",
            partnership_form(lead_organisation_id=lead, prevention_categories="offer"),
        )
    back = login_next(response)
    assert urlsplit(back).path == "/ui/partnerships/new"
    draft_id = parse_qs(urlsplit(back).query)["draft"][0]

    # The login page says the input is kept; logging in goes back to the form.
    page = ui.get(response.headers["location"])
    assert "Det, du skrev, er gemt" in text(page)
    answer = post_form(ui, "/ui/login", {"username": ADMIN, "password": "", "next": back})
    assert answer.status_code == 422  # no password: the login form again, the draft waits
    login_response = post_form(
        ui, "/ui/login", {"username": ADMIN, "password": PASSWORD, "next": back}
    )
    assert login_response.headers["location"] == back

    form = ui.get(back)
    shown = text(form)
    assert "Du blev logget ud, før formularen blev gemt" in shown
    assert 'value="Sund i Svendborg"' in form.text
    assert "Flere unge i foreningslivet</textarea>" in form.text
    assert "Unge 15-25\nNyankomne</textarea>" in form.text
    assert f'<option value="{lead}" selected>' in form.text
    assert re.search(r'value="offer"\s+checked', form.text)
    assert f'value="{day(-10)}"' in form.text
    assert "Aftalt på mødet</textarea>" in form.text
    # taken: it is gone once shown (a reload shows the empty form)
    assert kept(ui) == []
    assert "Sund i Svendborg" not in ui.get(f"/ui/partnerships/new?draft={draft_id}").text

    # and submitting it works
    saved = post_form(ui, "/ui/partnerships/new", partnership_form(lead_organisation_id=lead))
    assert redirected(saved).startswith("/ui/partnerships/")


def test_another_user_logging_in_does_not_get_the_draft(ui: TestClient[Litestar]) -> None:
    add_user(ui, OTHER, is_admin=True)
    end_session(ui, keep_old_cookie=True)
    response = post_form(ui, "/ui/partnerships/new", partnership_form(title="Hemmeligt udkast"))
    back = login_next(response)

    answer = post_form(ui, "/ui/login", {"username": OTHER, "password": PASSWORD, "next": back})
    assert answer.headers["location"] == back
    form = ui.get(back)
    assert form.status_code == 200
    assert "Hemmeligt udkast" not in form.text
    assert "logget ud, før formularen" not in text(form)
    assert len(kept(ui)) == 1  # left for its owner, who alone can take it

    # the owner, on the same browser, still gets it
    post_form(ui, "/ui/logout", {})
    login(ui, ADMIN)
    assert "Hemmeligt udkast" in ui.get(back).text
    assert kept(ui) == []


def test_nothing_is_kept_when_whose_session_it_was_cannot_be_told(
    ui: TestClient[Litestar],
) -> None:
    ui.cookies.delete("tvaers_session")  # no session cookie at all (it ran out)
    response = post_form(ui, "/ui/partnerships/new", partnership_form())
    assert login_next(response) == "/ui/partnerships/new"
    assert kept(ui) == []


def test_a_draft_keeps_no_password_and_no_csrf_token(ui: TestClient[Litestar]) -> None:
    end_session(ui, keep_old_cookie=True)
    post_form(
        ui,
        "/ui/partnerships/new",
        partnership_form(password="hunter2-hemmelig", new_password="x-hemmelig-2"),
    )
    [stored] = kept(ui)
    assert "Sund i Svendborg" in stored
    assert "hemmelig" not in stored
    assert "_csrf_token" not in stored
    assert "csrf" not in stored


def test_a_draft_over_the_size_limit_is_not_kept(ui: TestClient[Litestar]) -> None:
    end_session(ui, keep_old_cookie=True)
    huge = "x" * (drafts.MAX_BYTES + 10)
    response = post_form(ui, "/ui/partnerships/new", partnership_form(purpose=huge))
    assert login_next(response) == "/ui/partnerships/new"  # to the form, without a draft
    assert kept(ui) == []


def test_an_expired_draft_is_deleted_and_not_restored(ui: TestClient[Litestar]) -> None:
    account = uuid4()
    now = datetime.now(UTC)
    the_store = store(ui)

    async def scenario() -> tuple[object, int]:
        draft_id = await drafts.keep(
            the_store,  # type: ignore[arg-type]
            account_id=account,
            path="/ui/partnerships/new",
            purpose="session",
            values={"title": "Gammelt"},
            now=now - drafts.LIFETIME - timedelta(minutes=1),
        )
        taken = await drafts.take(the_store, draft_id, account, now)  # type: ignore[arg-type]
        return taken, await drafts.count(the_store)  # type: ignore[arg-type]

    taken, left = ui.blocking_portal.call(scenario)
    assert taken is None
    assert left == 0


def test_an_account_keeps_at_most_its_share_of_drafts(ui: TestClient[Litestar]) -> None:
    account = uuid4()
    the_store = store(ui)

    async def scenario() -> int:
        for n in range(drafts.MAX_PER_ACCOUNT + 3):
            await drafts.keep(
                the_store,  # type: ignore[arg-type]
                account_id=account,
                path="/ui/partnerships/new",
                purpose="session",
                values={"title": f"Udkast {n}"},
                now=datetime.now(UTC) + timedelta(seconds=n),
            )
        return await drafts.count(the_store, account)  # type: ignore[arg-type]

    assert ui.blocking_portal.call(scenario) == drafts.MAX_PER_ACCOUNT


def test_registering_an_organisation_first_returns_to_the_form_with_its_input(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    here = f"{desk.base}/partners/new"
    join_form = desk.get("partners/new")
    detour = f"/ui/organisations/new?next={quote(here, safe='')}"
    assert (
        f'<button type="submit" form="command-form" class="link" '
        f'formaction="/ui/drafts/detour" formnovalidate name="_detour" value="{detour}">'
    ) in join_form.text
    assert 'id="command-form"' in join_form.text

    # The button posts the form to the detour: kept, and on to the new organisation.
    response = post_form(
        ui,
        "/ui/drafts/detour",
        {
            "_detour": detour,
            "organisation_id": "",
            "rung": "3",
            "evidence": "Referat af mødet 3. marts",
            "valid_on": day(-20),
            "reason": "Henviser borgere",
            "version": str(desk.version()),
        },
    )
    location = redirected(response)
    assert location.startswith("/ui/organisations/new?")
    back = parse_qs(urlsplit(location).query)["next"][0]
    assert urlsplit(back).path == here
    assert "draft=" in back

    # The new organisation's form goes back there, the organisation chosen.
    org_form = ui.get(location)
    assert f'name="next" value="{html.escape(back)}"' in org_form.text
    created = post_form(
        ui,
        "/ui/organisations/new",
        {"name": "Ældre Sagen Svendborg", "sector": "voluntary", "next": back},
    )
    returned = redirected(created)
    organisation_id = parse_qs(urlsplit(returned).query)["organisation_id"][0]
    assert urlsplit(returned).path == here

    form = ui.get(returned)
    assert f'<option value="{organisation_id}" selected>Ældre Sagen Svendborg' in form.text
    assert re.search(r'<option value="3" selected>', form.text)
    assert "Referat af mødet 3. marts</textarea>" in form.text
    assert f'value="{day(-20)}"' in form.text
    assert "Henviser borgere</textarea>" in form.text
    assert "Det, du havde skrevet, er sat ind igen" in text(form)

    # and it saves
    saved = desk.post(
        "partners/new",
        {
            "organisation_id": organisation_id,
            "rung": "3",
            "evidence": "Referat af mødet 3. marts",
            "valid_on": day(-20),
        },
    )
    redirected(saved)
    assert desk.rungs()[organisation_id] == 3


def test_a_detour_to_another_site_goes_nowhere_but_home(ui: TestClient[Litestar]) -> None:
    response = post_form(
        ui, "/ui/drafts/detour", {"_detour": "https://evil.example/?next=/ui/", "title": "x"}
    )
    assert redirected(response) == "/ui/"
    assert kept(ui) == []


def test_a_draft_is_restored_only_into_its_own_form(ui: TestClient[Litestar]) -> None:
    end_session(ui, keep_old_cookie=True)
    back = login_next(post_form(ui, "/ui/partnerships/new", partnership_form(title="Mit udkast")))
    login(ui, ADMIN)
    draft_id = parse_qs(urlsplit(back).query)["draft"][0]
    other = ui.get(f"/ui/organisations/new?draft={draft_id}")
    assert other.status_code == 200
    assert "Mit udkast" not in other.text


# -- the confirmation after a save ----------------------------------------------------------


def test_a_save_says_once_on_the_next_page_what_was_saved(ui: TestClient[Litestar]) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    partner = desk.organisation("Svendborg Idrætsforening", "sports_club")
    response = desk.post(
        "partners/new",
        {"organisation_id": partner, "rung": "2", "valid_on": day(-30), "evidence": "Møde"},
    )
    page = ui.get(redirected(response))
    match = re.search(r'<div class="confirmation" role="status">(.*?)</div>', page.text, re.S)
    assert match is not None, text(page)[:2000]
    said = re.sub(r"<[^>]+>", " ", html.unescape(match.group(1)))
    assert "Gemt:" in said
    assert "Svendborg Idrætsforening" in said  # the history's sentence, names resolved
    # once: the next page does not say it again
    assert 'class="confirmation"' not in ui.get(redirected(response)).text


def test_a_confirmation_cannot_be_put_on_a_page_by_its_address(ui: TestClient[Litestar]) -> None:
    page = ui.get("/ui/?saved=Alt+er+slettet&flash=Alt+er+slettet&Gemt=1")
    assert "Alt er slettet" not in page.text
    assert 'class="confirmation"' not in page.text


def test_the_confirmation_speaks_english_on_an_english_page(ui: TestClient[Litestar]) -> None:
    ui.get("/ui/?lang=en")
    response = post_form(
        ui,
        "/ui/organisations/new?lang=en",
        {"name": "Svendborg Svømmeklub", "sector": "sports_club"},
    )
    page = ui.get(redirected(response))
    assert "Saved: " in text(page)


def test_registering_an_organisation_writes_its_registration_sentence(
    ui: TestClient[Litestar],
) -> None:
    response = post_form(
        ui, "/ui/organisations/new", {"name": "Svendborg Svømmeklub", "sector": "sports_club"}
    )
    page = ui.get(redirected(response))
    assert "Gemt:" in text(page)
    organisation_id = UUID(redirected(response).rsplit("organisation_id=", 1)[1])
    assert tvaers(ui).get_organisation(organisation_id).name == "Svendborg Svømmeklub"


def test_the_form_comes_back_on_the_page_it_was_on_with_that_pages_query(
    ui: TestClient[Litestar],
) -> None:
    lead = Desk(ui).organisation("Sundhed, Svendborg Kommune")
    end_session(ui, keep_old_cookie=True)
    page = f"/ui/partnerships/new?organisation_id={lead}"
    response = ui.post(
        "/ui/partnerships/new",
        data={"_csrf_token": csrf(ui), **partnership_form(lead_organisation_id=lead)},
        headers={"referer": f"http://testserver.local{page}"},
        follow_redirects=False,
    )
    back = login_next(response)
    assert back.startswith(page + "&draft=")
    # a Referer from another site is not followed
    response = ui.post(
        "/ui/partnerships/new",
        data={"_csrf_token": csrf(ui), **partnership_form()},
        headers={"referer": "https://evil.example/ui/organisations/new"},
        follow_redirects=False,
    )
    assert login_next(response).startswith("/ui/partnerships/new?draft=")


def test_housekeeping_deletes_expired_drafts_even_if_no_one_logs_in(
    ui_settings: Settings,
) -> None:
    settings = dataclasses.replace(ui_settings, housekeeping=True, housekeeping_interval=0.1)
    with TestClient(app=create_app(settings)) as client:
        the_store = store(client)

        async def keep_one(age: timedelta) -> None:
            await drafts.keep(
                the_store,  # type: ignore[arg-type]
                account_id=uuid4(),
                path="/ui/partnerships/new",
                purpose="session",
                values={"title": "x"},
                now=datetime.now(UTC) - age,
            )

        # (keeping one deletes the expired ones first: this is the only one, kept last)
        client.blocking_portal.call(keep_one, drafts.LIFETIME + timedelta(minutes=1))
        deadline = time.monotonic() + 10
        while client.blocking_portal.call(drafts.count, the_store) != 0:
            assert time.monotonic() < deadline, "the expired draft was not deleted"
            time.sleep(0.05)


def test_the_confirmation_of_a_registry_edit_says_what_changed_from_what(
    ui: TestClient[Litestar],
) -> None:
    desk = Desk(ui)
    desk.new_partnership(desk.organisation("Sundhed, Svendborg Kommune"))
    partnership = tvaers(ui).get_partnership(UUID(desk.partnership))
    values = {k: v for k, v in form_values(partnership.registry).items() if k != "kind"}
    response = desk.post(
        "registry/edit", {**values, "title": "Bevæg dig hele livet", "valid_on": day(-1)}
    )
    page = ui.get(redirected(response))
    match = re.search(r'<div class="confirmation" role="status">(.*?)</div>', page.text, re.S)
    assert match is not None, text(page)[:2000]
    said = html.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
    assert "Gemt:" in said
    assert "Bevæg dig for livet" in said  # from
    assert "Bevæg dig hele livet" in said  # to
