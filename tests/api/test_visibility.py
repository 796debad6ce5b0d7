"""HTTP: every list across partnerships shows only the partnerships the caller may see.

Five partnerships in three municipalities, each with a partner, an offer and an agreement
that runs out within the agenda's window, so every list has something of each. The
callers: an administrator (sees everything), an evaluator granted one partnership, an
evaluator granted a municipality, a project leader with a grant on one partnership and a
partnership of their own, and a user with no grant at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from aggregates.taxonomy import PreventionCategory, Rung
from services.commands import GrantAccess, JoinPartner, LaunchActivity, RevokeGrant
from tests.api.conftest import (
    ACTOR,
    add_user,
    as_user,
    assert_problem,
    created,
    partnership_body,
    register_organisation,
    register_partnership,
    tvaers,
)
from tests.commands import execute
from tests.projections.support import signed_agreement

# What differs by store is tested on both (tests/conftest.py `store_settings`).
pytestmark = pytest.mark.both_stores

D = date
AS_OF = "2024-10-01"  # every agreement runs out on 15 November: within the agenda's window

ONE = "evaluator.one@svendborg.dk"  # evaluator on Sund By only
TOWN = "evaluator.town@vejle.dk"  # evaluator on every partnership in Vejle
LEADER = "leader@norddjurs.dk"  # project leader on Røgfri Fremtid, and of their own
NOBODY = "nobody@svendborg.dk"  # logged in, no grant


@dataclass
class Town:
    client: TestClient[Litestar]
    ids: dict[str, str]  # title -> id
    headers: dict[str, dict[str, str]]  # username -> headers for requests as that user
    after: int  # the last write: pass as `after` to read it

    def ids_of(self, *titles: str) -> set[str]:
        return {self.ids[t] for t in titles}


def _furnish(client: TestClient[Litestar], partnership: str, lead: str, job: str) -> int:
    """A jobcentre partner, a running offer and a signed agreement ending 15 November."""
    service, pid = tvaers(client), UUID(partnership)
    execute(
        service,
        JoinPartner(partnership_id=pid, organisation_id=UUID(job), rung=Rung(3)),
        Meta(actor=ACTOR, valid_on=D(2024, 1, 10)),
    )
    execute(
        service,
        LaunchActivity(
            partnership_id=pid,
            title="Motion på recept",
            category=PreventionCategory.OFFER,
            owner_ids=[UUID(job)],
            running=True,
        ),
        Meta(actor=ACTOR, valid_on=D(2024, 2, 1)),
    )
    signed_agreement(
        service,
        pid,
        UUID(lead),
        [UUID(job)],
        valid_from=D(2024, 3, 1),
        valid_to=D(2024, 11, 15),
        signed_on=D(2024, 2, 20),
    )
    return service.max_notification_id()


@pytest.fixture
def town(client: TestClient[Litestar]) -> Town:
    svendborg = register_organisation(client, "Sundhed og Forebyggelse, Svendborg", "health")
    vejle = register_organisation(client, "Sundhed og Forebyggelse, Vejle", "health")
    job = register_organisation(client, "Jobcenter", "employment")
    ids: dict[str, str] = {}
    leads: dict[str, str] = {}
    for title, municipality, lead in (
        ("Sund By", "Svendborg", svendborg),
        ("Røgfri Fremtid", "Svendborg", svendborg),
        ("Vejle i Bevægelse", "Vejle", vejle),
        ("Unge i Vejle", "Vejle", vejle),
    ):
        ids[title] = register_partnership(
            client, lead, title=title, municipality=municipality, valid_on="2024-01-01"
        )
        leads[title] = lead
    for username in (ONE, TOWN, LEADER, NOBODY):
        add_user(client, username)
    service, by_admin = tvaers(client), Meta(actor=ACTOR)
    execute(
        service,
        GrantAccess(username=ONE, role=AccessRole.EVALUATOR, partnership_id=UUID(ids["Sund By"])),
        by_admin,
    )
    execute(
        service,
        GrantAccess(username=TOWN, role=AccessRole.EVALUATOR, municipality="Vejle"),
        by_admin,
    )
    execute(
        service,
        GrantAccess(
            username=LEADER,
            role=AccessRole.PROJECT_LEADER,
            partnership_id=UUID(ids["Røgfri Fremtid"]),
        ),
        by_admin,
    )
    # Partnerships are registered only where one holds a municipality-wide project-leader
    # grant (ADR 0005, revised in issue 12); Norddjurs has no other partnership.
    execute(
        service,
        GrantAccess(username=LEADER, role=AccessRole.PROJECT_LEADER, municipality="Norddjurs"),
        by_admin,
    )
    headers = {user: as_user(client, user) for user in (ONE, TOWN, LEADER, NOBODY)}
    # The project leader registers a partnership of their own: the grant comes with it.
    response = client.post(
        "/partnerships",
        json=partnership_body(
            svendborg, title="Norddjurs Løber", municipality="Norddjurs", valid_on="2024-01-01"
        ),
        headers=headers[LEADER],
    )
    ids["Norddjurs Løber"] = str(created(response)["id"])
    leads["Norddjurs Løber"] = svendborg
    after = 0
    for title, partnership in ids.items():
        after = _furnish(client, partnership, leads[title], job)
    return Town(client=client, ids=ids, headers=headers, after=after)


# -- reading the lists ----------------------------------------------------------------------


def _get(town: Town, user: str | None, path: str, **params: Any) -> dict[str, Any]:
    headers = town.headers[user] if user is not None else None
    response = town.client.get(path, params={"after": town.after, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _walk(town: Town, user: str | None, path: str, key: str, **params: Any) -> list[str]:
    """Every id on every page of a paged list, one page of `limit` at a time."""
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        page = _get(town, user, path, **params, **({"cursor": cursor} if cursor else {}))
        seen.extend(item["id"] for item in page[key])
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
        assert page[key], "a page before the last one is empty: filtered after the limit?"
    pytest.fail("paging did not end")


def listed(town: Town, user: str | None) -> list[str]:
    return _walk(town, user, "/partnerships", "items")


def searched(town: Town, user: str | None) -> list[str]:
    return _walk(town, user, "/registry/partnerships", "hits", as_of=AS_OF)


def offered(town: Town, user: str | None) -> list[str]:
    body = _get(town, user, "/registry/offers", as_of=AS_OF)
    return [offer["partnership_id"] for offer in body["offers"]]


def on_the_agenda(town: Town, user: str | None, **params: Any) -> list[str]:
    body = _get(town, user, "/agenda", as_of=AS_OF, within_days=60, **params)
    assert body["follow_ups_due"] == body["vacant_roles"] == body["stalled_projects"] == []
    return [entry["partnership_id"] for entry in body["expiring_agreements"]]


def tabulated(town: Town, user: str | None, **params: Any) -> list[str]:
    body = _get(town, user, "/crosscase", as_of=AS_OF, **params)
    return [column["id"] for column in body["partnerships"]]


LISTS = {
    "/partnerships": listed,
    "/registry/partnerships": searched,
    "/registry/offers": offered,
    "/agenda": on_the_agenda,
    "/crosscase": tabulated,
}

EVERY_TITLE = ("Sund By", "Røgfri Fremtid", "Vejle i Bevægelse", "Unge i Vejle", "Norddjurs Løber")


def everything_seen(town: Town, user: str | None) -> dict[str, set[str]]:
    return {path: set(read(town, user)) for path, read in LISTS.items()}


def each_list(town: Town, *titles: str) -> dict[str, set[str]]:
    return dict.fromkeys(LISTS, town.ids_of(*titles))


# -- the tests ------------------------------------------------------------------------------


def test_an_administrator_sees_every_partnership_in_every_list(town: Town) -> None:
    assert everything_seen(town, None) == each_list(town, *EVERY_TITLE)
    assert len(listed(town, None)) == len(EVERY_TITLE)  # each once


def test_an_evaluator_of_one_partnership_sees_only_that_one_in_every_list(town: Town) -> None:
    assert everything_seen(town, ONE) == each_list(town, "Sund By")


def test_an_evaluator_of_a_municipality_sees_every_partnership_there_and_no_other(
    town: Town,
) -> None:
    assert everything_seen(town, TOWN) == each_list(town, "Vejle i Bevægelse", "Unge i Vejle")


def test_a_project_leader_sees_the_partnership_they_registered_and_the_one_they_lead(
    town: Town,
) -> None:
    assert everything_seen(town, LEADER) == each_list(town, "Røgfri Fremtid", "Norddjurs Løber")


def test_a_user_without_a_grant_gets_empty_lists_that_name_no_partnership(town: Town) -> None:
    assert everything_seen(town, NOBODY) == each_list(town)
    everything: dict[str, Any] = {"as_of": AS_OF, "within_days": 60, "after": town.after}
    for path in LISTS:
        # Each list gets the parameters it takes (an unknown one is refused).
        takes = {"after"} if path == "/partnerships" else {"after", "as_of"}
        takes |= {"within_days"} if path == "/agenda" else set()
        params = {k: v for k, v in everything.items() if k in takes}
        response = town.client.get(path, params=params, headers=town.headers[NOBODY])
        assert response.status_code == 200, response.text
        named = (*town.ids.values(), *EVERY_TITLE, "Svendborg", "Vejle", "Norddjurs")
        assert [word for word in named if word in response.text] == [], path


@pytest.mark.parametrize("user", [None, TOWN, LEADER])
def test_paging_a_filtered_list_one_at_a_time_visits_every_visible_partnership_once(
    town: Town, user: str | None
) -> None:
    everything = listed(town, user)
    for path, key, params in (
        ("/partnerships", "items", {}),
        ("/registry/partnerships", "hits", {"as_of": AS_OF}),
    ):
        for limit in (1, 2):
            seen = _walk(town, user, path, key, limit=limit, **params)
            assert sorted(seen) == sorted(everything), (path, limit)
            assert len(seen) == len(set(seen)), (path, limit)
    # The map of offers has a limit but no cursor: it counts visible offers only.
    first = _get(town, user, "/registry/offers", as_of=AS_OF, limit=1)["offers"]
    assert [offer["partnership_id"] for offer in first] == offered(town, user)[:1]
    assert len(first) == 1


def test_the_partnership_list_keeps_registration_order_with_a_filter(town: Town) -> None:
    assert listed(town, None) == [town.ids[t] for t in EVERY_TITLE]
    assert listed(town, TOWN) == [town.ids["Vejle i Bevægelse"], town.ids["Unge i Vejle"]]


def test_naming_partnerships_one_may_see_in_the_agenda_and_crosscase_narrows_them(
    town: Town,
) -> None:
    vejle = town.ids["Vejle i Bevægelse"]
    assert on_the_agenda(town, TOWN, partnership_id=[vejle]) == [vejle]
    assert tabulated(town, TOWN, partnership_id=[vejle]) == [vejle]


@pytest.mark.parametrize("path", ["/agenda", "/crosscase"])
def test_naming_a_partnership_one_may_not_see_is_refused_with_403_and_no_data(
    town: Town, path: str
) -> None:
    hidden, own, unknown = town.ids["Vejle i Bevægelse"], town.ids["Sund By"], str(uuid.uuid4())
    for user, asked in (
        (ONE, [own, hidden]),
        (ONE, [hidden]),
        (NOBODY, [own]),
        (ONE, [unknown]),  # an id that does not exist is refused alike: no hint either way
    ):
        response = town.client.get(
            path,
            params={"partnership_id": asked, "as_of": AS_OF, "after": town.after},
            headers=town.headers[user],
        )
        assert_problem(response, 403, "forbidden")
        named = (*EVERY_TITLE, "Svendborg", "Vejle", "Norddjurs", hidden)
        assert [word for word in named if word in response.text] == []
    # An administrator is told what is not there.
    response = town.client.get(path, params={"partnership_id": [own, unknown]})
    assert unknown in assert_problem(response, 404, "not-found")["detail"]


def test_a_grant_given_after_a_first_request_is_honoured_on_the_next_request(
    town: Town,
) -> None:
    vejle = town.ids["Vejle i Bevægelse"]
    assert everything_seen(town, NOBODY) == each_list(town)
    refused = town.client.get(
        "/crosscase", params={"partnership_id": vejle}, headers=town.headers[NOBODY]
    )
    assert_problem(refused, 403, "forbidden")

    service = tvaers(town.client)
    granted = execute(
        service,
        GrantAccess(username=NOBODY, role=AccessRole.EVALUATOR, partnership_id=UUID(vejle)),
        Meta(actor=ACTOR),
    )
    town.after = granted.notification_id  # same token as before: nothing is cached in it
    assert everything_seen(town, NOBODY) == each_list(town, "Vejle i Bevægelse")
    assert tabulated(town, NOBODY, partnership_id=[vejle]) == [vejle]

    assert granted.created_id is not None
    revoked = execute(
        service, RevokeGrant(username=NOBODY, grant_id=granted.created_id), Meta(actor=ACTOR)
    )
    town.after = revoked.notification_id
    assert everything_seen(town, NOBODY) == each_list(town)
