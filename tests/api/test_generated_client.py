"""A client generated from the OpenAPI document works (issue 16).

openapi-python-client (the dev extra) generates a Python package from the document the
app serves (`/schema/openapi.json`; tests/api/test_openapi_contract.py keeps
docs/openapi.json equal to it): without a warning,
without dropping a model, with an ASCII package name. The walk-through of docs/api.md
("a project leader's first partnership") then runs through the generated package
against the live app, with the document's own security scheme (a bearer token) and
headers (If-Match, Idempotency-Key; ETag and Location in the answers).

Generation takes a few seconds: once per test session.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from aggregates import Meta
from aggregates.account import AccessRole
from docs.tools.openapi_snapshot import served_document
from services.commands import CreateAccount, GrantAccess
from tests.api.conftest import ACTOR, tvaers
from tests.commands import execute

PACKAGE = "tvaers_api_client"
# The generator's configuration: the package's name (the title "Tværs API" would make it
# `tv_æ_rs_api_client`), no formatter run afterwards, the SVG heat map read as bytes.
CONFIG = f"""\
project_name_override: tvaers-api-client
package_name_override: {PACKAGE}
post_hooks: []
content_type_overrides:
  image/svg+xml: application/octet-stream
"""
METTE = "mette.kragh@ishoj.dk"
METTE_PASSWORD = "Sund-by-Ishøj-2026"
JONAS = "jonas.ravn@ishoj.dk"
JONAS_PASSWORD = "Jobcenter-Ishøj-2026"


@dataclass(frozen=True)
class Generated:
    document: dict[str, Any]
    output: str
    package: ModuleType

    def module(self, operation_id: str) -> ModuleType:
        """The generated module of an operation (`api/<tag>/<snake_case id>.py`)."""
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()
        api = importlib.import_module(f"{PACKAGE}.api")
        for tag in pkgutil.iter_modules(api.__path__):
            try:
                return importlib.import_module(f"{PACKAGE}.api.{tag.name}.{name}")
            except ModuleNotFoundError:
                continue
        raise AssertionError(f"no generated module for {operation_id}")


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Generated]:
    work = tmp_path_factory.mktemp("generated-client")
    document = served_document()  # an app of today's code, started, asked for it
    (work / "openapi.json").write_text(json.dumps(document), encoding="utf-8")
    (work / "config.yaml").write_text(CONFIG, encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(work / "openapi.json"),
            "--config",
            str(work / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(work / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    sys.path.insert(0, str(work))
    try:
        yield Generated(document, output, importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(work))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_client_is_generated_without_a_warning(generated: Generated) -> None:
    assert "warning" not in generated.output.lower(), generated.output
    assert "unable to" not in generated.output.lower(), generated.output
    assert generated.package.__name__.isascii()


def test_no_model_is_dropped(generated: Generated) -> None:
    models = importlib.import_module(f"{PACKAGE}.models")
    schemas = generated.document["components"]["schemas"]
    missing = [name for name in schemas if not hasattr(models, name)]
    assert not missing, f"components without a generated model: {missing}"
    for name in ("PartnershipView", "AgreementsView", "ActivitiesView", "Problem"):
        assert hasattr(models, name)


def test_every_operation_has_a_function(generated: Generated) -> None:
    ids = [
        operation["operationId"]
        for item in generated.document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    for operation_id in ids:
        assert hasattr(generated.module(operation_id), "sync_detailed"), operation_id


class Api:
    """The generated package's operations, called by operation id as the docs name them."""

    def __init__(self, generated: Generated, client: TestClient[Litestar]) -> None:
        self.generated = generated
        self.test_client = client
        self.base_url = str(client.base_url)
        # Requests go to the app in this process, through the test client's transport.
        self.httpx_args = {"transport": client._transport}
        package = generated.package
        self.anonymous = package.Client(base_url=self.base_url, httpx_args=self.httpx_args)

    def as_token(self, token: str) -> Any:
        package = self.generated.package
        return package.AuthenticatedClient(
            base_url=self.base_url, token=token, httpx_args=self.httpx_args
        )

    def call(self, client: Any, operation_id: str, *args: Any, **kwargs: Any) -> Any:
        """`sync_detailed` of the operation; a dict `body` becomes the operation's model."""
        function = self.generated.module(operation_id).sync_detailed
        if isinstance(kwargs.get("body"), dict):
            model = inspect.signature(function).parameters["body"].annotation
            kwargs["body"] = model.from_dict(kwargs["body"])
        return function(*args, client=client, **kwargs)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.parsed


def _users(client: TestClient[Litestar]) -> None:
    """As on the command line: Mette (project leader for Ishøj) and Jonas (no grant)."""
    service = tvaers(client)
    meta = Meta(actor="cli:root")
    for username, password, name in (
        (METTE, METTE_PASSWORD, "Mette Kragh"),
        (JONAS, JONAS_PASSWORD, "Jonas Ravn"),
    ):
        execute(
            service,
            CreateAccount(username=username, display_name=name, password=password),
            meta,
        )
    grant = GrantAccess(username=METTE, role=AccessRole.PROJECT_LEADER, municipality="Ishøj")
    execute(service, grant, Meta(actor=ACTOR, reason="Projektleder for sundhedspartnerskaber"))


def test_the_walk_through_runs_with_the_generated_client(
    generated: Generated, client: TestClient[Litestar]
) -> None:
    assert client.get("/schema/openapi.json").json() == generated.document
    _users(client)
    api = Api(generated, client)

    issued = ok(
        api.call(
            api.anonymous,
            "issueToken",
            body={"username": METTE, "password": METTE_PASSWORD, "label": "walk", "days": 7},
        ),
        201,
    )
    mette = api.as_token(issued.token)
    me = ok(api.call(mette, "whoAmI"))
    assert (me.username, me.grants[0].municipality) == (METTE, "Ishøj")

    # 1-2. the lead organisation and three partners
    written: list[int] = []  # notification ids: read one's own writes with `after`

    def organisation(name: str, sector: str) -> uuid.UUID:
        body = {"name": name, "sector": sector, "municipality": "Ishøj", "valid_on": "2026-01-05"}
        response = api.call(mette, "createOrganisation", body=body)
        created = ok(response, 201)
        assert response.headers["location"] == f"/organisations/{created.id}"
        assert response.headers["etag"] == '"1"'
        written.append(created.notification_id)
        return uuid.UUID(str(created.id))

    lead = organisation("Stabsenhed for Sundhedsudvikling", "health")
    vol = organisation("Frivilligcenter Ishøj", "voluntary")
    club = organisation("Ishøj Idrætsforening", "sports_club")
    patient = organisation("Diabetesforeningen, lokalforening Ishøj", "patient_association")
    found = ok(api.call(mette, "listOrganisations", q="ishøj", after=written[-1]))
    assert {o.name for o in found.items} >= {"Frivilligcenter Ishøj", "Ishøj Idrætsforening"}

    # 3. the partnership
    registered = api.call(
        mette,
        "createPartnership",
        body={
            "title": "Aktiv med kronisk sygdom i Ishøj",
            "municipality": "Ishøj",
            "lead_organisation_id": str(lead),
            "purpose": "Flere borgere med type 2-diabetes eller KOL forbliver fysisk aktive.",
            "target_groups": ["borgere med type 2-diabetes", "borgere med KOL"],
            "arenas": ["sundhedscenter", "idrætsforening"],
            "kind": "project",
            "period_start": "2026-02-02",
            "period_end": "2027-12-31",
            "prevention_categories": ["offer"],
            "bearings": [1, 6],
            "tags": ["brobygning", "motion", "kronisk sygdom"],
            "recruitment_channels": ["genoptræning", "patientuddannelse"],
            "valid_on": "2026-02-02",
            "reason": "Godkendt i Social- og Sundhedsudvalget",
        },
    )
    partnership = uuid.UUID(str(ok(registered, 201).id))
    assert registered.headers["location"] == f"/partnerships/{partnership}"

    # 4. the partners join, the first with If-Match
    joined = api.call(
        mette,
        "joinPartner",
        partnership,
        body={
            "organisation_id": str(club),
            "rung": 3,
            "evidence": "Klubbens seniorhold tager imod borgere fra genoptræningen",
            "valid_on": "2026-02-02",
        },
        if_match='"1"',
    )
    assert ok(joined, 201).version == 2
    assert joined.headers["etag"] == '"2"'
    body = {"organisation_id": str(vol), "rung": 2, "evidence": "Møde", "valid_on": "2026-02-16"}
    ok(api.call(mette, "joinPartner", partnership, body=body), 201)
    body = {"organisation_id": str(patient), "valid_on": "2026-03-02"}
    ok(api.call(mette, "joinPartner", partnership, body=body), 201)
    stale = api.call(mette, "joinPartner", partnership, body=body, if_match='"1"')
    assert (stale.status_code, stale.parsed.type_) == (412, "/problems/stale-version")

    # 5. people; the first sent twice with one Idempotency-Key
    key = str(uuid.uuid4())
    lene_body = {
        "name": "Lene Bach",
        "title": "Sundhedschef",
        "email": "lene.bach@ishoj.dk",
        "organisation_id": str(lead),
    }
    first = api.call(mette, "createPerson", body=lene_body, idempotency_key=key)
    again = api.call(mette, "createPerson", body=lene_body, idempotency_key=key)
    assert ok(first, 201).to_dict() == ok(again, 201).to_dict()
    assert again.headers["idempotent-replayed"] == "true"
    lene = uuid.UUID(str(first.parsed.id))

    def person(name: str, title: str, organisation_id: uuid.UUID) -> uuid.UUID:
        body = {"name": name, "title": title, "organisation_id": str(organisation_id)}
        created = ok(api.call(mette, "createPerson", body=body), 201)
        written.append(created.notification_id)
        return uuid.UUID(str(created.id))

    karim = person("Karim Haddad", "Leder", vol)
    birgitte = person("Birgitte Lund", "Formand", club)
    sofie = person("Sofie Winther", "Sundhedskonsulent", lead)
    persons = ok(api.call(mette, "listPersons", q="lund", after=written[-1]))
    assert [p.name for p in persons.items] == ["Birgitte Lund"]

    # 6. read it back: the partnership's current state (a model once dropped)
    read = api.call(mette, "getPartnership", partnership)
    view = ok(read)
    assert type(view).__name__ == "PartnershipView"
    assert (view.title, view.version) == ("Aktiv med kronisk sygdom i Ishøj", 4)
    assert read.headers["etag"] == '"4"'

    # 7. the steering group
    members = [(lene, "chair"), (karim, "vice_chair"), (birgitte, "member")]
    for member, seat in members:
        body = {"person_id": str(member), "seat": seat, "valid_on": "2026-02-16"}
        ok(api.call(mette, "appointSteeringMember", partnership, body=body), 201)

    # 8. the secretariat
    body = {"organisation_id": str(lead), "valid_on": "2026-02-16"}
    ok(api.call(mette, "assignSecretariat", partnership, body=body))
    body = {"person_id": str(sofie), "valid_on": "2026-02-16"}
    ok(api.call(mette, "staffSecretariat", partnership, body=body))

    # 9. an activity
    launched = api.call(
        mette,
        "launchActivity",
        partnership,
        body={
            "title": "Bevægelsesvenner",
            "category": "offer",
            "owner_ids": [str(club), str(vol)],
            "description": "En frivillig motionsven følger borgeren de første otte uger.",
            "running": True,
            "valid_on": "2026-03-02",
        },
    )
    activity = ok(launched, 201).id

    # 10. a role
    body = {"role": "bridge_builder", "person_id": str(sofie), "activity_id": str(activity)}
    body["valid_on"] = "2026-03-02"
    assigned = ok(api.call(mette, "assignRole", partnership, body=body), 201)
    roles = ok(api.call(mette, "getRoles", partnership, after=assigned.notification_id))
    assert [r.person_name for r in roles.roles] == ["Sofie Winther"]

    # 11. a refusal: rung 5 needs an agreement in force
    body = {"rung": 5, "evidence": "Aftalen er på vej", "valid_on": "2026-04-10"}
    refused = api.call(mette, "moveOnLadder", partnership, club, body=body)
    assert refused.status_code == 422
    assert (refused.parsed.type_, refused.parsed.title) == (
        "/problems/rung-not-backed",
        "Rung requires an agreement in force",
    )

    # 12-13. the cooperation agreement, signed by both parties
    drafted = api.call(
        mette,
        "draftAgreement",
        partnership,
        body={
            "kind": "cooperation",
            "title": "Samarbejdsaftale om Bevægelsesvenner",
            "purpose": "Borgere fra genoptræningen får plads på klubbens seniorhold.",
            "party_ids": [str(lead), str(club)],
            "obligations": [
                {"party_id": str(lead), "text": "Henviser borgere."},
                {"party_id": str(club), "text": "Holder to seniorhold om ugen åbne."},
            ],
            "valid_from": "2026-05-01",
            "valid_to": "2028-04-30",
            "valid_on": "2026-04-10",
        },
    )
    agreement = uuid.UUID(str(ok(drafted, 201).id))
    assert drafted.headers["location"] == f"/partnerships/{partnership}/agreements/{agreement}"
    signatures = [(lead, lene, '"1"', "2026-04-20"), (club, birgitte, '"2"', "2026-04-22")]
    for party, signatory, version, day in signatures:
        body = {"party_id": str(party), "signatory_id": str(signatory), "valid_on": day}
        signed = api.call(
            mette, "signAgreement", partnership, agreement, body=body, if_match=version
        )
        last = ok(signed).notification_id
    state = ok(api.call(mette, "getAgreement", partnership, agreement))
    assert state.status == "in_force"

    # 14. the ladder, including the last write
    ladder = ok(api.call(mette, "getLadder", partnership, after=last))
    rungs = {str(p.organisation_id): p.rung for p in ladder.partners}
    assert rungs[str(club)] == 5

    # 15. the audit history, three entries a page
    page = ok(api.call(mette, "getPartnershipAudit", partnership, limit=3))
    assert len(page.entries) == 3
    following = ok(
        api.call(mette, "getPartnershipAudit", partnership, limit=3, cursor=page.next_cursor)
    )
    assert following.entries[0].recorded_at <= page.entries[-1].recorded_at

    # 16. what changed between two valid dates
    diff = ok(
        api.call(
            mette,
            "getPartnershipDiff",
            partnership,
            from_=datetime.date(2026, 3, 1),
            to=datetime.date(2026, 6, 1),
        )
    )
    assert diff.changes

    # 17. a user without a grant sees nothing of it
    jonas_token = ok(
        api.call(
            api.anonymous,
            "issueToken",
            body={"username": JONAS, "password": JONAS_PASSWORD, "label": "curl"},
        ),
        201,
    ).token
    jonas = api.as_token(jonas_token)
    hidden = api.call(jonas, "getPartnership", partnership)
    assert (hidden.status_code, hidden.parsed.type_) == (403, "/problems/forbidden")
    assert ok(api.call(jonas, "listPartnerships")).items == []
