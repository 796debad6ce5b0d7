"""The errors exactly as docs/api.md says (issue 16): its table of problem codes is read
from the Markdown, and every row is provoked over HTTP, the answer's status, `type` and
`title` compared with the row.

Most rows are provoked as a client would (a wrong body, a rule broken). A few need the
world to misbehave (a database that is down, a race lost, a fault, views that lag, an
edit conflict only the web UI's forms can cause, a text only the domain refuses because
the schema's pattern refuses it first): for those the application service is made to
raise what it raises then, and the answer is still the HTTP one.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from litestar import Litestar
from litestar.testing import TestClient

from aggregates.errors import TextRefused
from projections.runner import StillCatchingUp
from services.errors import ConcurrencyConflict, EditConflict
from tests.api.conftest import ACTOR, PASSWORD, add_user, as_user, created, join, tvaers
from tests.api.support import register_person, write
from tests.api.test_commands_agreements import Parties, day

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@dataclass(frozen=True)
class Row:
    code: str
    status: int | None  # None: "as named" (http-<status>)
    title: str


def documented_rows() -> list[Row]:
    """The rows of docs/api.md's table of problem codes (`| code | status | title | …`)."""
    text = API_MD.read_text(encoding="utf-8")
    table = text.split("Every problem code:", 1)[1].strip().split("\n\n", 1)[0]
    lines = table.splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")][:3] == ["code", "status", "title"]
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        code = re.findall(r"`([^`]+)`", cells[0])[0]
        status = int(cells[1]) if cells[1].isdigit() else None
        rows.append(Row(code, status, cells[2]))
    return rows


@dataclass
class Scene:
    client: TestClient[Litestar]
    lead: str
    partnership: str
    monkeypatch: pytest.MonkeyPatch
    _club: str | None = field(default=None)

    @property
    def base(self) -> str:
        return f"/partnerships/{self.partnership}"

    def club(self) -> str:
        """A partner on rung 2 since 1 March 2024."""
        if self._club is None:
            body = {"name": "Svendborg Idrætsforening", "sector": "sports_club"}
            self._club = str(created(self.client.post("/organisations", json=body))["id"])
            created(join(self.client, self.partnership, self._club, rung=2, valid_on="2024-03-01"))
        return self._club

    def person(self, name: str = "Anne Berg") -> str:
        return register_person(self.client, self.lead, name)

    def post(self, path: str, body: Any = None, **kw: Any) -> Response:
        return self.client.post(path, json={} if body is None else body, **kw)

    def raising(self, error: Exception) -> Response:
        """The answer to reading the partnership while the service raises `error`."""

        def broken(*args: object, **kwargs: object) -> None:
            raise error

        self.monkeypatch.setattr(tvaers(self.client), "get_partnership", broken)
        return self.client.get(self.base)

    def activity(self) -> str:
        body = {"title": "Motion", "category": "offer", "owner_ids": [self.club()]}
        body["valid_on"] = "2024-04-01"
        return str(write(self.client, f"{self.base}/activities", body, status=201)["id"])

    def note(self, headers: dict[str, str] | None = None) -> str:
        body = {"kind": "factor", "text": "Centercheferne sad med", "dimension": "management"}
        response = self.client.post(f"{self.base}/annotations", json=body, headers=headers)
        return str(created(response)["id"])


def _unknown_query(s: Scene) -> Response:
    return s.client.get("/partnerships", params={"no_such_parameter": "1"})


def _media_type(s: Scene) -> Response:
    return s.client.post(
        "/organisations", content=b"name=x", headers={"Content-Type": "text/plain"}
    )


def _unknown_position(s: Scene) -> Response:
    return s.client.get("/partnerships", params={"after": 10**12})


def _method(s: Scene) -> Response:
    return s.client.delete("/health")


def _unauthenticated(s: Scene) -> Response:
    return s.client.get("/partnerships", headers={"Authorization": "Bearer tvaers_nope_nope"})


def _invalid_credentials(s: Scene) -> Response:
    body = {"username": ACTOR, "password": "not the password at all", "label": "x"}
    return s.post("/auth/tokens", body, headers={"Authorization": ""})


def _forbidden(s: Scene) -> Response:
    add_user(s.client, "ingen@svendborg.dk")
    return s.client.get("/users", headers=as_user(s.client, "ingen@svendborg.dk"))


def _access_rule(s: Scene) -> Response:
    add_user(s.client, "styre@svendborg.dk")
    body = {"role": "steering_member", "municipality": "Ishøj"}
    return s.post("/users/styre@svendborg.dk/grants", body)


def _key_reused(s: Scene) -> Response:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    created(s.client.post("/organisations", json={"name": "A", "sector": "health"}, headers=key))
    return s.client.post("/organisations", json={"name": "B", "sector": "health"}, headers=key)


def _not_found(s: Scene) -> Response:
    return s.client.get(f"/partnerships/{uuid.uuid4()}")


def _last_administrator(s: Scene) -> Response:
    return s.post(f"/users/{ACTOR}/admin", {"is_admin": False})


def _too_many_attempts(s: Scene) -> Response:
    body = {"username": "gaet@svendborg.dk", "password": "forkert kodeord igen"}
    for _ in range(5):
        assert s.post("/auth/login", body).status_code == 401
    return s.post("/auth/login", body)


def _stale_version(s: Scene) -> Response:
    s.club()  # the partnership moves on from version 1
    body = {"rung": 3, "evidence": "Møde", "valid_on": "2024-05-01"}
    path = f"{s.base}/partners/{s.club()}/ladder-moves"
    return s.post(path, body, headers={"If-Match": '"1"'})


def _already_exists(s: Scene) -> Response:
    body = {"username": "eva@vive.dk", "display_name": "Eva", "password": PASSWORD}
    created(s.client.post("/users", json=body))
    return s.post("/users", body)


def _date_out_of_range(s: Scene) -> Response:
    return s.post("/organisations", {"name": "K", "sector": "health", "valid_on": "1899-12-31"})


def _invalid_value(s: Scene) -> Response:
    return s.post("/users", {"username": "kort", "display_name": "Kort", "password": "kort"})


def _inconsistent_dates(s: Scene) -> Response:
    other = str(
        created(s.client.post("/organisations", json={"name": "O", "sector": "health"}))["id"]
    )
    return join(s.client, s.partnership, other, valid_on="2019-06-01")


def _ladder(s: Scene, organisation: str, rung: int) -> Response:
    body = {"rung": rung, "evidence": "Møde", "valid_on": "2024-05-01"}
    return s.post(f"{s.base}/partners/{organisation}/ladder-moves", body)


def _not_a_partner(s: Scene) -> Response:
    other = str(
        created(s.client.post("/organisations", json={"name": "O", "sector": "health"}))["id"]
    )
    return _ladder(s, other, 3)


def _seat_occupied(s: Scene) -> Response:
    members = f"{s.base}/steering-group/members"
    created(s.client.post(members, json={"person_id": s.person(), "seat": "chair"}))
    return s.post(members, {"person_id": s.person("Bo Dahl"), "seat": "chair"})


def _already_on(s: Scene) -> Response:
    members = f"{s.base}/steering-group/members"
    person = s.person()
    created(s.client.post(members, json={"person_id": person}))
    return s.post(members, {"person_id": person})


def _not_on(s: Scene) -> Response:
    return s.post(f"{s.base}/steering-group/members/{s.person()}/departure")


def _activity_ended(s: Scene) -> Response:
    path = f"{s.base}/activities/{s.activity()}"
    ended = s.client.put(f"{path}/status", json={"status": "ended", "valid_on": "2024-05-01"})
    assert ended.status_code == 200, ended.text
    return s.post(f"{path}/adjustments", {"description": "Igen"})


def _role_state(s: Scene) -> Response:
    body = {"role": "recruiter", "person_id": s.person()}
    created(s.client.post(f"{s.base}/roles", json=body))
    return s.post(f"{s.base}/roles", body)


def _parties(s: Scene) -> tuple[Parties, str]:
    parties = Parties(s.client, s.lead, s.partnership)
    return parties, parties.draft(s.client)


def _agreement_state(s: Scene) -> Response:
    parties, agreement = _parties(s)
    return s.post(f"{parties.agreements}/{agreement}/renewals", {"valid_to": day(900)})


def _not_a_party(s: Scene) -> Response:
    parties, agreement = _parties(s)
    body = {"party_id": parties.lead, "signatory_id": parties.club_signer}
    return s.post(f"{parties.agreements}/{agreement}/signatures", body)


def _already_signed(s: Scene) -> Response:
    parties, agreement = _parties(s)
    parties.sign(s.client, agreement, parties.lead)
    body = {"party_id": parties.lead, "signatory_id": parties.lead_signer}
    return s.post(f"{parties.agreements}/{agreement}/signatures", body)


def _not_correctable(s: Scene) -> Response:
    body = {"corrects_version": 1, "rung": 3, "evidence": "x"}
    return s.post(f"{s.base}/corrections/rungs", body)


def _organisation_closed(s: Scene) -> Response:
    closed = str(
        created(s.client.post("/organisations", json={"name": "C", "sector": "health"}))["id"]
    )
    write(s.client, f"/organisations/{closed}/closure")
    return s.post("/persons", {"name": "Ole", "organisation_id": closed})


def _person_erased(s: Scene) -> Response:
    person = s.person()
    write(s.client, f"/persons/{person}/erasure")
    return s.post(f"{s.base}/steering-group/members", {"person_id": person})


def _follow_up_state(s: Scene) -> Response:
    body = {"label": "Efter 3 måneder", "due_on": "2024-07-01", "cohort": 24}
    body.update(activity_id=s.activity(), valid_on="2024-04-01")
    follow_up = created(s.client.post(f"{s.base}/follow-ups", json=body))["id"]
    return s.post(f"{s.base}/follow-ups/{follow_up}/result", {"reached": 20, "retained": 21})


def _annotation_state(s: Scene) -> Response:
    note = s.note()
    assert s.post(f"{s.base}/annotations/{note}/publish").status_code == 200
    return s.post(f"{s.base}/annotations/{note}/publish")


def _not_author(s: Scene) -> Response:
    note = s.note()
    assert s.post(f"{s.base}/annotations/{note}/publish").status_code == 200
    add_user(s.client, "anden@svendborg.dk", is_admin=True)
    headers = as_user(s.client, "anden@svendborg.dk")
    return s.post(f"{s.base}/annotations/{note}/withdraw", headers=headers)


def _catching_up(s: Scene) -> Response:
    async def lagging(*args: object) -> None:
        raise StillCatchingUp(wanted=9, reached=3)

    s.monkeypatch.setattr(s.client.app.state.read_side, "ready", lagging)
    return s.client.get("/partnerships")


def _edit_conflict(s: Scene) -> Response:
    conflict = EditConflict(
        aggregate_id=uuid.UUID(s.partnership),
        base_version=1,
        current_version=2,
        events=(),
        subjects=frozenset(),
    )
    return s.raising(conflict)


def _invalid_text(s: Scene) -> Response:
    return s.raising(TextRefused("name holds U+202E.", field="name", reason="bidi"))


PROVOKE: dict[str, Callable[[Scene], Response]] = {
    "invalid-request": _unknown_query,
    "unsupported-media-type": _media_type,
    "unknown-position": _unknown_position,
    "http-405": _method,
    "unauthenticated": _unauthenticated,
    "invalid-credentials": _invalid_credentials,
    "forbidden": _forbidden,
    "access-rule": _access_rule,
    "idempotency-key-reused": _key_reused,
    "not-found": _not_found,
    "conflict": lambda s: s.raising(ConcurrencyConflict("Someone saved first.")),
    "edit-conflict": _edit_conflict,
    "last-administrator": _last_administrator,
    "too-many-attempts": _too_many_attempts,
    "stale-version": _stale_version,
    "already-exists": _already_exists,
    "invalid-text": _invalid_text,
    "date-out-of-range": _date_out_of_range,
    "invalid-value": _invalid_value,
    "inconsistent-dates": _inconsistent_dates,
    "not-a-partner": _not_a_partner,
    "already-a-partner": lambda s: join(s.client, s.partnership, s.lead),
    "lead-organisation": lambda s: s.post(f"{s.base}/partners/{s.lead}/departure"),
    "rung-not-backed": lambda s: _ladder(s, s.club(), 5),
    "no-change": lambda s: _ladder(s, s.club(), 2),
    "seat-occupied": _seat_occupied,
    "not-on-steering-group": _not_on,
    "already-on-steering-group": _already_on,
    "no-steering-group": lambda s: s.post(f"{s.base}/decisions", {"title": "Budget"}),
    "secretariat": lambda s: s.post(f"{s.base}/secretariat/staff", {"person_id": s.person()}),
    "activity-state": lambda s: s.client.put(
        f"{s.base}/activities/{s.activity()}/status", json={"status": "paused"}
    ),
    "activity-ended": _activity_ended,
    "role-state": _role_state,
    "agreement-state": _agreement_state,
    "not-a-party": _not_a_party,
    "already-signed": _already_signed,
    "not-correctable": _not_correctable,
    "organisation-closed": _organisation_closed,
    "person-erased": _person_erased,
    "follow-up-state": _follow_up_state,
    "annotation-state": _annotation_state,
    "not-author": _not_author,
    "catching-up": _catching_up,
    "database-unavailable": lambda s: s.raising(ConnectionError("refused")),
    "server-error": lambda s: s.raising(RuntimeError("a fault")),
}

ROWS = documented_rows()


def test_every_documented_code_is_provoked_and_every_provoked_one_documented() -> None:
    assert {row.code for row in ROWS} == set(PROVOKE)
    assert len(ROWS) == len({row.code for row in ROWS}), "a code documented twice"


@pytest.mark.parametrize("row", ROWS, ids=[row.code for row in ROWS])
def test_the_answer_is_the_documented_one(
    client: TestClient[Litestar],
    lead_id: str,
    partnership_id: str,
    monkeypatch: pytest.MonkeyPatch,
    row: Row,
) -> None:
    scene = Scene(client, lead_id, partnership_id, monkeypatch)

    response = PROVOKE[row.code](scene)

    assert response.headers["content-type"] == "application/problem+json", response.text
    problem = response.json()
    assert problem["type"] == f"/problems/{row.code}", problem
    assert problem["title"] == row.title, problem
    assert response.status_code == problem["status"] == (row.status or 405), problem
