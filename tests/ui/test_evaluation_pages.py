"""The evaluator's toolkit in the web UI on the demo data: the anchoring story, ratings beside
the evidence and the self-assessment form, evaluators' notes and who sees them.

One app per module with the demo data loaded (as in test_partnership_page.py). The demo's
users ask with a bearer token, which the UI accepts like the session cookie; the forms
post with the CSRF token of the client's cookie. Tests that write use records of their
own (a dimension København has not rated, a note with its own words).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from api.app import create_app
from api.ui.i18n import ENGLISH, MISSING_ENGLISH
from services.commands import GrantAccess
from services.demo import load_demo
from services.demo.data import EVALUATOR, LEADERS, STEERING
from services.settings import Settings
from tests.api.conftest import as_user
from tests.commands import execute
from tests.conftest import TEST_SECRET_KEY
from tests.ui.conftest import ADMIN, add_user, csrf, login, text, tvaers

KBH = "Sundhed i beskæftigelsesindsatsen - København"
ODENSE = "Sundhedsprofil Light i jobcentret - Odense"
SILKEBORG = "Bevægelsesbrobygning til foreningslivet - Silkeborg"
ODENSE_DRAFT = "Spørg styregruppen, hvad de vidste i oktober."  # the demo's unpublished note
KBH_NOTE = "Fastansættelsen af de to sundhedskonsulenter bar driftsforankringen."  # published
SECOND_EVALUATOR = "evaluator2@cowi.dk"  # an evaluator on København, made by the fixture
FLAG_ROSE = "Vurderingen steg uden ny dokumentation"
FLAG_UNRATED = "Dokumentation uden efterfølgende vurdering"
HIDDEN_VERSION = re.compile(r'<input type="hidden" name="version" value="(\d+)">')


@dataclass(frozen=True)
class Demo:
    client: TestClient[Litestar]
    ids: dict[str, UUID]
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, user: str | None) -> dict[str, str] | None:
        """A bearer token's header for the user, issued once (issuing writes an event)."""
        if user is None:
            return None
        if user not in self.tokens:
            self.tokens[user] = as_user(self.client, user)
        return self.tokens[user]

    def page(self, title: str, suffix: str = "") -> str:
        return f"/ui/partnerships/{self.ids[title]}{suffix}"

    def get(self, path: str, user: str | None = None, **params: Any) -> Response:
        return self.client.get(
            path, params=params, headers=self.headers(user), follow_redirects=False
        )

    def post(self, path: str, data: dict[str, Any], user: str | None = None) -> Response:
        return self.client.post(
            path,
            data={"_csrf_token": csrf(self.client), **data},
            headers=self.headers(user),
            follow_redirects=False,
        )

    def settle(self) -> None:
        """Wait until the views include every event written so far."""
        service = tvaers(self.client)
        read_side = self.client.app.state.read_side
        self.client.blocking_portal.call(read_side.wait_until, service.max_notification_id(), 30.0)

    def head(self) -> int:
        return tvaers(self.client).max_notification_id()


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
        add_user(client, SECOND_EVALUATOR)
        service = tvaers(client)
        load_demo(service)
        execute(
            service,
            GrantAccess(
                username=SECOND_EVALUATOR, role=AccessRole.EVALUATOR, municipality="København"
            ),
            Meta(actor=ADMIN),
        )
        login(client, ADMIN)
        listing = client.get("/partnerships?limit=50").json()["items"]
        found = Demo(client, {p["title"]: UUID(p["id"]) for p in listing})
        found.settle()
        yield found


def section(html: str, element_id: str) -> str:
    """The HTML of the element with the id, up to its own closing tag."""
    start = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', html)
    assert start is not None, f"no element #{element_id}"
    tag = start.group(1)
    depth = 0
    for mark in re.finditer(rf"<(/?){tag}\b", html[start.start() :]):
        depth += -1 if mark.group(1) else 1
        if depth == 0:
            return html[start.start() : start.start() + mark.start()]
    raise AssertionError(f"#{element_id} is not closed")


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'").strip()


def table_rows(html: str, table_id: str) -> list[str]:
    body = section(html, table_id).split("<tbody>", 1)[1]
    return [words(row) for row in re.findall(r"<tr\b.*?</tr>", body, re.S)]


# -- the anchoring story --------------------------------------------------------------------


def test_the_story_tells_a_milestone_with_its_events_factors_and_the_partnership_then(
    demo: Demo,
) -> None:
    page = demo.get(demo.page(KBH, "/story"))
    assert page.status_code == 200
    assert "<h1>Forankringshistorie: Sundhed i beskæftigelsesindsatsen - København</h1>" in (
        page.text
    )
    sentence = (
        "Den 01.11.2021 gik dimensionen drift fra ingen til forankret: To "
        "sundhedskonsulenter fastansat. Dokumentation: To sundhedskonsulenter er blevet "
        "fastansat i driften."
    )
    (entry,) = (
        a for a in re.findall(r"<article\b.*?</article>", page.text, re.S) if sentence in words(a)
    )
    told = words(entry)
    # The sentence's event: who recorded it, when, and from which date it is valid.
    assert re.search(
        r"Forankring \(drift, forankret\): To sundhedskonsulenter fastansat · registreret af "
        r"demo-kbh \d\d\.\d\d\.\d{4} \d\d\.\d\d \(dansk tid\) · gælder fra 01\.11\.2021",
        told,
    ), told
    cited = re.search(r'href="#source-(h\d+)"', entry)
    assert cited is not None
    source = table_rows(page.text, "story-sources")
    version = cited.group(1)[1:]
    assert any(
        r.startswith(f"#{version} Forankring (drift, forankret)") and "demo-kbh" in r
        for r in source
    )
    assert f'id="source-{cited.group(1)}"' in page.text
    # The promoting factor linked to the milestone, and a barrier.
    assert "Obligatoriske tilbud, hvor deltagerne selv vælger aktiviteter (frontmedarbejder)" in (
        told
    )
    assert "Modstand hos medarbejderne snarere end hos borgerne" in told
    # The partnership on the milestone's date: the ladder and the roles.
    assert "Partnerskabet 01.11.2021" in told
    assert "Jobcenter København: uformelt samarbejde" in told
    assert "projektleder: Rasmus Friis" in told


def test_an_earlier_date_tells_the_story_as_it_stood_then(demo: Demo) -> None:
    page = demo.get(demo.page(KBH, "/story"), as_of="2021-07-01")
    assert page.status_code == 200
    shown = text(page)
    assert "Historisk visning." in shown
    assert "Den 01.06.2021 gik dimensionen ledelsesmæssig fra ingen til delvis" in shown
    assert "To sundhedskonsulenter fastansat" not in shown  # 01.11.2021
    # The date control reloads the story, and "today" leads back to it.
    assert f'action="{demo.page(KBH, "/story")}"' in page.text
    assert f'href="{demo.page(KBH)}?as_of=2021-07-01">Tilbage til partnerskabet' in page.text
    wrong = demo.get(demo.page(KBH, "/story"), as_of="2021-02-30")
    assert wrong.status_code == 400
    assert "Skriv en dato som åååå-mm-dd." in text(wrong)


def test_the_story_downloads_answer_with_their_documents_for_the_same_date(demo: Demo) -> None:
    page = demo.get(demo.page(KBH, "/story"), as_of="2021-07-01")
    links = dict(
        (kind, href.replace("&amp;", "&"))
        for href, kind in re.findall(r'<a href="([^"]+)" type="([^"]+)">Hent som', page.text)
    )
    assert set(links) == {"text/html", "text/markdown", "application/pdf"}
    for kind, href in links.items():
        assert href.startswith(f"/partnerships/{demo.ids[KBH]}/story?"), href
        assert "as_of=2021-07-01" in href
        assert "lang=da" in href
        answer = demo.client.get(href)  # the API, with the UI's session cookie
        assert answer.status_code == 200, href
        assert answer.headers["content-type"].startswith(kind), href
    markdown = demo.client.get(links["text/markdown"]).text
    assert "Ledelsen bag videreførelse" in markdown
    assert "To sundhedskonsulenter fastansat" not in markdown  # not yet on 01.07.2021
    assert demo.client.get(links["application/pdf"]).content.startswith(b"%PDF")
    # The partnership page's anchoring section leads to the story, on the page's date.
    partnership = demo.get(demo.page(KBH), as_of="2021-07-01")
    assert f'href="{demo.page(KBH, "/story")}?as_of=2021-07-01">Forankringshistorien' in (
        partnership.text
    )


# -- ratings beside the evidence ----------------------------------------------------------------


def test_the_ratings_stand_beside_the_milestones_with_their_flags_in_words(demo: Demo) -> None:
    page = demo.get(demo.page(KBH))
    operations = table_rows(page.text, "ratings-operations")
    assert operations[0].startswith("01.10.2019 2 Konsulenterne er projektansatte")
    (rose,) = (r for r in operations if r.startswith("01.10.2020"))
    assert rose.startswith("01.10.2020 3 (fra 2, +1) Drøftelser om videreførelse er i gang")
    assert "Anne Kjærgaard" in rose
    assert f"registreret af {STEERING}" in rose
    assert rose.endswith(f"ingen ⚠ {FLAG_ROSE}")
    (later,) = (r for r in operations if r.startswith("15.12.2021"))
    assert "To sundhedskonsulenter fastansat" in later  # the evidence since the rating before
    assert FLAG_ROSE not in later
    summary = words(section(page.text, "ratings"))
    assert "Markeringer til evaluator: 1" in summary
    assert f"{FLAG_ROSE} : drift, 01.10.2020 (fra 2 til 3)" in summary

    # Odense decided on operations in January 2022, after its last rating of it.
    odense = demo.get(demo.page(ODENSE))
    (unrated,) = (r for r in table_rows(odense.text, "ratings-operations") if FLAG_UNRATED in r)
    assert unrated.startswith("01.01.2022 Milepæl: Projektet videreført i jobcenterdriften")
    milestone = re.search(
        r'<li id="milestone-[0-9a-f-]+" tabindex="-1">\s*<p><strong>Projektet videreført i '
        r"jobcenterdriften</strong>.*?</li>",
        odense.text,
        re.S,
    )
    assert milestone is not None
    assert FLAG_UNRATED in words(milestone.group(0))  # beside the milestone itself

    # Silkeborg's steering group has never rated: said once, no milestone flagged.
    silkeborg = demo.get(demo.page(SILKEBORG))
    ratings = words(section(silkeborg.text, "ratings"))
    assert "Styregruppen har ikke vurderet forankringen på datoen." in ratings
    assert FLAG_UNRATED not in silkeborg.text

    # The meeting papers carry the ratings, without the form.
    papers = demo.get(demo.page(KBH, "/print"))
    assert FLAG_ROSE in words(section(papers.text, "ratings"))
    assert "/ratings/new" not in papers.text

    # On an earlier date only the ratings given by then; nothing to change.
    then = demo.get(demo.page(KBH), as_of="2020-12-31")
    operations = table_rows(then.text, "ratings-operations")
    assert [r[:10] for r in operations] == ["01.10.2019", "01.10.2020"]
    assert "/ratings/new" not in then.text


def test_a_steering_member_rates_a_dimension_and_a_rating_of_8_is_refused(demo: Demo) -> None:
    form_path = demo.page(KBH, "/ratings/new")
    form = demo.get(form_path, STEERING)
    assert form.status_code == 200
    shown = text(form)
    assert "Ny selvevaluering" in shown
    assert "Vurderet af" in shown
    assert "Anne Kjærgaard" in shown  # a person of the partners, to say who gave it
    version = HIDDEN_VERSION.search(form.text)
    assert version is not None
    assert f'href="{form_path}"' in demo.get(demo.page(KBH), STEERING).text

    rating = {
        "dimension": "culture",
        "rating": "8",
        "comment": "Fælles kultur om sundhed i jobcentret",
        "valid_on": date.today().isoformat(),
        "reason": "Styregruppemøde",
        "version": version.group(1),
    }
    before = demo.head()
    refused = demo.post(form_path, rating, STEERING)
    assert refused.status_code == 422
    assert "Skriv et tal fra 1 til 7." in words(section(refused.text, "f-rating-error"))
    assert "Rettelserne er ikke gemt." in text(refused)
    assert "Fælles kultur om sundhed i jobcentret</textarea>" in refused.text  # kept
    assert demo.head() == before  # nothing saved

    saved = demo.post(form_path, {**rating, "rating": "5"}, STEERING)
    assert saved.status_code == 303
    assert saved.headers["location"] == demo.page(KBH, "#ratings")
    culture = table_rows(demo.get(demo.page(KBH)).text, "ratings-culture")
    assert culture == [
        f"{date.today():%d.%m.%Y} 5 Fælles kultur om sundhed i jobcentret "
        f"registreret af {STEERING} ingen"
    ]


def test_who_may_rate_and_who_may_annotate(demo: Demo) -> None:
    kbh = demo.ids[KBH]
    leader = LEADERS["København"]
    for user in (leader, EVALUATOR, SECOND_EVALUATOR):
        demo.headers(user)  # their tokens first: issuing one writes an event
    before = demo.head()
    # A project leader rates but writes no evaluator's notes.
    assert demo.get(demo.page(KBH, "/ratings/new"), leader).status_code == 200
    refused = demo.get(demo.page(KBH, "/annotations/new"), leader)
    assert refused.status_code == 403
    assert "Ingen adgang" in text(refused)
    assert demo.post(demo.page(KBH, "/annotations/new"), {"text": "x"}, leader).status_code == 403
    assert "/annotations/new" not in demo.get(demo.page(KBH), leader).text
    # An evaluator writes notes but does not rate ...
    assert demo.get(demo.page(KBH, "/annotations/new"), EVALUATOR).status_code == 200
    assert demo.get(demo.page(KBH, "/ratings/new"), EVALUATOR).status_code == 403
    rating = {"dimension": "citizens", "rating": "3", "valid_on": date.today().isoformat()}
    assert demo.post(demo.page(KBH, "/ratings/new"), rating, SECOND_EVALUATOR).status_code == 403
    evaluator_page = demo.get(demo.page(KBH), SECOND_EVALUATOR).text
    assert "/ratings/new" not in evaluator_page
    assert "/annotations/new" in evaluator_page
    assert demo.head() == before  # the refusals wrote nothing
    # ... unless granted a seat's access on the partnership.
    execute(
        tvaers(demo.client),
        GrantAccess(username=SECOND_EVALUATOR, role=AccessRole.STEERING_MEMBER, partnership_id=kbh),
        Meta(actor=ADMIN),
    )
    demo.settle()
    assert demo.get(demo.page(KBH, "/ratings/new"), SECOND_EVALUATOR).status_code == 200
    # Nobody without a grant on the partnership reaches the story.
    outsider = "udenfor@assens.dk"
    add_user(demo.client, outsider)
    assert demo.get(demo.page(KBH, "/story"), outsider).status_code == 404  # as if none


# -- evaluators' notes --------------------------------------------------------------------------


def _notes(demo: Demo, title: str, user: str) -> str:
    page = demo.get(demo.page(title), user)
    assert page.status_code == 200
    return section(page.text, "annotations")


def test_a_note_is_its_authors_until_published_and_gone_again_once_withdrawn(
    demo: Demo,
) -> None:
    words_of_note = "Ledelsen tøvede med at afsætte timer til sundhedssamtalerne (4711)."
    new = demo.page(KBH, "/annotations/new")
    form = demo.get(new, EVALUATOR)
    assert form.status_code == 200
    event = re.search(
        r'name="links" value="([0-9a-f-]+:\d+)" > 01\.11\.2021 · Forankring: Forankring '
        r"\(drift, forankret\): To sundhedskonsulenter fastansat",
        form.text,
    )
    assert event is not None, "the milestone's event is offered to link to"
    before = demo.head()
    missing = demo.post(new, {"kind": "barrier", "valid_on": "2026-02-01"}, EVALUATOR)
    assert missing.status_code == 422
    assert "Feltet skal udfyldes." in words(section(missing.text, "f-text-error"))
    assert demo.head() == before
    saved = demo.post(
        new,
        {
            "kind": "barrier",
            "text": words_of_note,
            "dimension": "management",
            "links": [event.group(1)],
            "valid_on": "2026-02-01",
        },
        EVALUATOR,
    )
    assert saved.status_code == 303
    anchor = re.fullmatch(rf"{demo.page(KBH)}#note-([0-9a-f-]+)", saved.headers["location"])
    assert anchor is not None
    note_id = anchor.group(1)

    mine = words(section(_notes(demo, KBH, EVALUATOR), f"note-{note_id}"))
    assert "Barriere · ledelsesmæssig Kladde: kun du kan se den" in mine
    assert words_of_note in mine
    assert (
        "Knyttet til hændelserne: Forankring · 01.11.2021 · Forankring (drift, forankret): "
        "To sundhedskonsulenter fastansat"
    ) in mine
    for reader in (LEADERS["København"], STEERING, ADMIN, SECOND_EVALUATOR):
        assert words_of_note not in demo.get(demo.page(KBH), reader).text, reader
    # Another evaluator cannot even find the draft to change it.
    edit = demo.page(KBH, f"/annotations/{note_id}/edit")
    assert demo.get(edit, SECOND_EVALUATOR).status_code == 404
    assert demo.get(edit, LEADERS["København"]).status_code == 403

    # The author revises the draft, then publishes it.
    form = demo.get(edit, EVALUATOR)
    assert f"{words_of_note}</textarea>" in form.text
    assert f'value="{event.group(1)}" checked' in form.text
    version = HIDDEN_VERSION.search(form.text)
    assert version is not None
    revised = words_of_note.replace("tøvede", "tøvede længe")
    answer = demo.post(
        edit,
        {
            "kind": "barrier",
            "text": revised,
            "dimension": "management",
            "links": [event.group(1)],
            "version": version.group(1),
        },
        EVALUATOR,
    )
    assert answer.status_code == 303
    note = section(_notes(demo, KBH, EVALUATOR), f"note-{note_id}")
    assert revised in words(note)
    stale = demo.post(
        demo.page(KBH, f"/annotations/{note_id}/publish"),
        {"version": version.group(1)},
        EVALUATOR,
    )
    assert stale.status_code == 409  # the form's version is the one before the revision
    current = HIDDEN_VERSION.search(note)
    assert current is not None
    published = demo.post(
        demo.page(KBH, f"/annotations/{note_id}/publish"),
        {"version": current.group(1)},
        EVALUATOR,
    )
    assert published.status_code == 303
    for reader in (LEADERS["København"], STEERING, ADMIN):
        shown = words(section(_notes(demo, KBH, reader), f"note-{note_id}"))
        assert revised in shown, reader
        assert "Kladde" not in shown
        assert "offentliggjort" in shown
        assert "Træk tilbage" not in shown  # not theirs

    # Withdrawn: only its author sees it again.
    note = section(_notes(demo, KBH, EVALUATOR), f"note-{note_id}")
    current = HIDDEN_VERSION.search(note)
    assert current is not None
    assert "Træk tilbage" in note
    withdrawn = demo.post(
        demo.page(KBH, f"/annotations/{note_id}/withdraw"),
        {"version": current.group(1)},
        EVALUATOR,
    )
    assert withdrawn.status_code == 303
    for reader in (LEADERS["København"], STEERING, ADMIN):
        assert revised not in demo.get(demo.page(KBH), reader).text, reader
    assert "Trukket tilbage: kun du kan se den" in words(
        section(_notes(demo, KBH, EVALUATOR), f"note-{note_id}")
    )
    again = demo.post(
        demo.page(KBH, f"/annotations/{note_id}/withdraw"),
        {"version": str(int(current.group(1)) + 1)},
        EVALUATOR,
    )
    assert again.status_code == 422
    assert "Kun et offentliggjort notat kan trækkes tilbage." in text(again)


def test_the_demo_draft_is_hidden_from_the_project_leader_and_shown_to_its_author(
    demo: Demo,
) -> None:
    leader = _notes(demo, ODENSE, LEADERS["Odense"])
    assert ODENSE_DRAFT not in leader
    assert "Ingen evaluatornotater." in words(leader)
    author = words(_notes(demo, ODENSE, EVALUATOR))
    assert ODENSE_DRAFT in author
    assert "Vurdering · drift Kladde: kun du kan se den" in author
    # A published note of the demo, seen by the steering-group member.
    assert KBH_NOTE in words(_notes(demo, KBH, STEERING))


# -- English --------------------------------------------------------------------------------


def test_every_text_of_the_evaluation_pages_has_an_english_version(demo: Demo) -> None:
    odense_notes = demo.client.get(
        f"/partnerships/{demo.ids[ODENSE]}/annotations", headers=demo.headers(EVALUATOR)
    ).json()["annotations"]
    (draft,) = (n for n in odense_notes if ODENSE_DRAFT in n["text"])
    MISSING_ENGLISH.clear()
    try:
        pages = [
            (demo.page(KBH, "/story"), None),
            (demo.page(KBH, "/story?as_of=2021-07-01"), None),
            (demo.page(KBH), EVALUATOR),
            (demo.page(ODENSE), EVALUATOR),
            (demo.page(KBH, "/ratings/new"), STEERING),
            (demo.page(ODENSE, "/annotations/new"), EVALUATOR),
            (demo.page(ODENSE, f"/annotations/{draft['id']}/edit"), EVALUATOR),
            (demo.page(KBH, "/print"), None),
        ]
        for path, user in pages:
            page = demo.get(path, user, lang="en")
            assert page.status_code == 200, path
        story = text(demo.get(demo.page(KBH, "/story"), lang="en"))
        assert "On 1 November 2021 the operations dimension went from none to anchored" in story
        assert "Download as PDF" in story
        odense = text(demo.get(demo.page(ODENSE), EVALUATOR, lang="en"))
        assert "Evidence not rated afterwards" in odense
        assert "Draft: only you can see it" in odense
        refused = demo.post(
            demo.page(KBH, "/ratings/new") + "?lang=en",
            {"dimension": "method", "rating": "0", "valid_on": date.today().isoformat()},
            STEERING,
        )
        assert "Enter a number from 1 to 7." in text(refused)
        assert {t for t in MISSING_ENGLISH if t not in ENGLISH} == set()
    finally:
        demo.client.get("/ui/?lang=da")  # back to Danish for the other tests
