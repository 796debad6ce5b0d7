"""The evaluator's toolkit over the demo data: anchoring stories and cross-case tables.

The demo (services/demo/data.py) is loaded once per store for this module. Every
expected value below is counted by hand from the data tables, not recomputed: the
comments say where each number comes from.

Stories: for each of the six municipalities of COWI's "Lighed i sundhed" evaluation
(seeds/001), the story names its milestones (the outcomes the evaluation reports) with
their dimension, status and date, the promoting factors and barriers linked to them, the
events behind each (recorded by the municipality's demo project leader), and the ladder
and roles on the milestone's date.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from aggregates.taxonomy import AnchoringStatus, Dimension, RoleKind, Rung, Sector
from api.readside import build_store
from projections import crosscase, registry
from projections.access import Visibility
from projections.catalog import ALL
from projections.crosscase import AnchoredOn
from projections.runner import ProjectionRunner
from projections.store import ReadStore
from projections.story import Story, StoryEntry, story
from services.application import Tvaers
from services.demo import load_demo
from services.demo.data import LEADERS, PERSONS
from services.settings import Settings
from tests import pgserver
from tests.conftest import TEST_SECRET_KEY

D = date
AS_OF = D(2026, 6, 30)  # after every event of the demo (Frederiksberg's period ends then)
EVERYTHING = Visibility.everything()

A, P, S = AnchoringStatus.ANCHORED, AnchoringStatus.PARTIAL, AnchoringStatus.STARTED

# The ten factors every Lighed i sundhed case records (data.py, _SHARED_FACTORS), dated
# 15 March 2022 and linked to every milestone of the case.
SHARED_PROMOTING = [
    "Stigende fokus på sundhed i det omgivende samfund",
    "Rygeloven",
    "Sygedagpengereform",
    "Højt prioriteret indsats - nationalt og i kommunen",
    "Vedvarende inddragelse af lederniveauet i kommunen",
    "Metodeudviklingen var motor for udviklingen af medarbejdere og projekt",
    "Engagerede og kompetente projektmedarbejdere",
]
SHARED_BARRIERS = [
    "Svært at arbejde med rygning og alkohol i KRAM-indsatsen",
    "Modstand hos medarbejderne snarere end hos borgerne",
    "Forskellig lovgivning og kultur: drifts- og regelorientering i beskæftigelse, "
    "projektorientering i sundhed",
]


# -- the demo, loaded once per store ----------------------------------------------------


async def _project(settings: Settings, app: Tvaers) -> None:
    store = build_store(settings)
    await store.open()
    try:
        runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
        assert await runner.setup() == []
        await runner.catch_up()
    finally:
        await store.close()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def demo_settings(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A store with the demo loaded and every view caught up."""
    server, name = None, None
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("demo")) / "tvaers.sqlite3"
        settings = Settings(database_url=str(path), snapshot_interval=10, housekeeping=False)
    else:
        server = request.getfixturevalue("postgres_url")
        name = f"tvaers_test_{uuid.uuid4().hex[:16]}"
        settings = Settings(
            database_url=pgserver.create_database(server, name),
            snapshot_interval=10,
            postgres_pool_size=4,
            housekeeping=False,
            secret_key=TEST_SECRET_KEY,
        )
    app = Tvaers(settings)
    try:
        load_demo(app)
        asyncio.run(_project(settings, app))
    finally:
        app.close()
    yield settings
    if server is not None and name is not None:
        pgserver.drop_database(server, name)


@pytest.fixture
async def store(demo_settings: Settings) -> AsyncIterator[ReadStore]:
    read_store = build_store(demo_settings)
    await read_store.open()
    try:
        yield read_store
    finally:
        await read_store.close()


async def _id(store: ReadStore, municipality: str) -> UUID:
    (found,) = await registry.find(store, municipality=municipality)
    return found.id


async def _story(store: ReadStore, municipality: str) -> Story:
    return await story(store, await _id(store, municipality), as_of=AS_OF)


def _told(found: Story) -> dict[Dimension, list[tuple[str, AnchoringStatus, date]]]:
    """The milestones per dimension (only dimensions that have any), in story order."""
    return {
        d.dimension: [(e.title, e.status, e.valid_on) for e in d.entries]
        for d in found.dimensions
        if d.entries
    }


def _entry(found: Story, title: str) -> StoryEntry:
    (entry,) = [e for d in found.dimensions for e in d.entries if e.title == title]
    return entry


def _assert_cited(found: Story, entry: StoryEntry, leader: str) -> None:
    """The milestone's own event, the factors' events; every one listed in the sources."""
    recorded = entry.events[0]
    assert (recorded.kind, recorded.recorded_by) == ("MilestoneRecorded", leader)
    assert recorded.valid_on == entry.valid_on
    assert recorded.notification_id is not None
    assert recorded.notification_id > 0
    anchors = {e.anchor for e in found.sources}
    for factor in (*entry.promoting, *entry.barriers):
        assert [e.kind for e in factor.events] == ["FactorRecorded"]
        assert factor.events[0].recorded_by == leader
    cited = [e for f in (*entry.promoting, *entry.barriers) for e in f.events]
    assert {e.anchor for e in (*entry.events, *cited)} <= anchors


def _shared_factors(entry: StoryEntry, *extra_promoting: str) -> None:
    assert [f.description for f in entry.promoting] == [*extra_promoting, *SHARED_PROMOTING]
    assert [f.description for f in entry.barriers] == SHARED_BARRIERS


def _standing(entry: StoryEntry) -> dict[str, Rung]:
    return {p.name: p.rung for p in entry.snapshot.partners}


def _holders(entry: StoryEntry) -> dict[RoleKind, str | None]:
    return {h.role: h.person_name for h in entry.snapshot.roles}


def _lighed_roles(key: str) -> dict[RoleKind, str | None]:
    # data.py, _lighed: project leader {key}-pl, coordinator {key}-hk, key person {key}-udv.
    return {
        RoleKind.PROJECT_LEADER: PERSONS[f"{key}-pl"].name,
        RoleKind.COORDINATOR: PERSONS[f"{key}-hk"].name,
        RoleKind.KEY_PERSON: PERSONS[f"{key}-udv"].name,
    }


# -- the six stories ------------------------------------------------------------------------


async def test_koebenhavns_story_tells_permanent_posts_tender_material_and_the_toolkit(
    store: ReadStore,
) -> None:
    found = await _story(store, "København")

    # 001 "Hvad er lykkes?" and "Findes der metoder/redskaber?" (data.py, _KBH).
    assert _told(found) == {
        Dimension.MANAGEMENT: [("Ledelsen bag videreførelse", P, D(2021, 6, 1))],
        Dimension.OPERATIONS: [("To sundhedskonsulenter fastansat", A, D(2021, 11, 1))],
        Dimension.METHOD: [
            ("Konceptet 'Skånsom aktivering' anvendt i udbudsmateriale", A, D(2021, 9, 1)),
            # corrected on 2 May 2024 (its title was made precise)
            ("Værktøjssamling (fem metoder) og casebeskrivelse udgivet", A, D(2021, 12, 1)),
        ],
    }
    assert found.anchored == [Dimension.OPERATIONS, Dimension.METHOD]
    assert found.text_da == (
        "Sundhed i beskæftigelsesindsatsen - København (København) var pr. 30.06.2026"
        " forankret på 2 af 7 dimensioner: drift og metode."
    )
    posts = _entry(found, "To sundhedskonsulenter fastansat")
    assert posts.text_da == (
        "Den 01.11.2021 gik dimensionen drift fra ingen til forankret: To"
        " sundhedskonsulenter fastansat. Dokumentation: To sundhedskonsulenter er blevet"
        " fastansat i driften."
    )
    assert posts.text_en.startswith(
        "On 1 November 2021 the operations dimension went from none to anchored"
    )
    # The front-line worker's factor is linked to this milestone only (data.py, extra_factors).
    _shared_factors(
        posts, "Obligatoriske tilbud, hvor deltagerne selv vælger aktiviteter (frontmedarbejder)"
    )
    _assert_cited(found, posts, "demo-kbh")
    # The job centre is on rung 4 until the cooperation agreement takes effect on 1 Jan 2022.
    assert _standing(posts) == {"Jobcenter København": Rung.INFORMAL_COOPERATION}
    assert _holders(posts) == {
        **_lighed_roles("kbh"),
        RoleKind.HEALTH_COORDINATOR: PERSONS["kbh-hk2"].name,
    }

    tender, toolkit = next(d for d in found.dimensions if d.dimension is Dimension.METHOD).entries
    assert tender.previous_status is AnchoringStatus.NONE
    assert toolkit.previous_status is A
    assert toolkit.text_da.startswith(
        "Den 01.12.2021 bekræftede en ny milepæl status forankret på dimensionen metode"
    )
    assert toolkit.corrected
    assert [e.kind for e in toolkit.events] == ["MilestoneRecorded", "MilestoneCorrected"]
    assert toolkit.events[1].reason == "Titlen præciseret efter udgivelsen"
    management = _entry(found, "Ledelsen bag videreførelse")
    _shared_factors(management)
    _assert_cited(found, management, "demo-kbh")
    assert found.unlinked_factors == []


async def test_the_story_as_known_before_the_correction_and_the_factors(
    store: ReadStore,
) -> None:
    kbh = await _id(store, "København")
    now = await story(store, kbh, as_of=AS_OF)
    toolkit = _entry(now, "Værktøjssamling (fem metoder) og casebeskrivelse udgivet")
    recorded_at = toolkit.events[0].recorded_at  # the moment the milestone was recorded

    then = await story(store, kbh, as_of=AS_OF, known_at=recorded_at)

    # The factors were recorded after the milestones, the title corrected in 2024.
    first = _entry(then, "Værktøjssamling med fem metoder udgivet")
    assert not first.corrected
    assert [e.kind for e in first.events] == ["MilestoneRecorded"]
    assert first.promoting == first.barriers == []
    assert all(e.recorded_at <= recorded_at for e in then.sources)
    # On 1 June 2021 København had only the management milestone.
    early = await story(store, kbh, as_of=D(2021, 6, 30))
    assert _told(early) == {
        Dimension.MANAGEMENT: [("Ledelsen bag videreførelse", P, D(2021, 6, 1))]
    }
    assert early.anchored == []


async def test_greves_story_tells_an_initiative_under_way(store: ReadStore) -> None:
    found = await _story(store, "Greve")

    # 001: Greve works on an initiative like Vordingborg's (data.py, _GREVE).
    assert _told(found) == {
        Dimension.OPERATIONS: [
            ("Arbejder på tiltag som 'Sundhed i aktiveringen'", S, D(2022, 2, 1))
        ]
    }
    assert found.anchored == []
    (entry,) = found.dimensions[2].entries
    assert entry.text_da.startswith("Den 01.02.2022 gik dimensionen drift fra ingen til påbegyndt")
    assert "Vordingborgs 'Sundhed i aktiveringen'" in entry.text_da
    _shared_factors(entry)
    _assert_cited(found, entry, "demo-greve")
    assert _standing(entry) == {"Jobcenter Greve": Rung.INFORMAL_COOPERATION}
    assert _holders(entry) == _lighed_roles("greve")


async def test_jammerbugts_story_tells_a_common_language(store: ReadStore) -> None:
    found = await _story(store, "Jammerbugt")

    # 001: a common language across health and employment (data.py, _JAMMERBUGT).
    assert _told(found) == {
        Dimension.CULTURE: [
            ("Fælles sprog på tværs af sundhed og beskæftigelse", A, D(2021, 10, 1))
        ]
    }
    assert found.anchored == [Dimension.CULTURE]
    (entry,) = next(d for d in found.dimensions if d.dimension is Dimension.CULTURE).entries
    assert "fra ingen til forankret" in entry.text_da
    assert "et fælles sprog, der går på tværs" in entry.text_da
    _shared_factors(entry)
    _assert_cited(found, entry, "demo-jammerbugt")
    assert _standing(entry) == {"Jobcenter Jammerbugt": Rung.INFORMAL_COOPERATION}


async def test_odenses_story_tells_operations_and_the_manual(store: ReadStore) -> None:
    found = await _story(store, "Odense")

    # 001: continued in the job centre's operations; Sundhedsprofil Light in a manual.
    assert _told(found) == {
        Dimension.OPERATIONS: [("Projektet videreført i jobcenterdriften", A, D(2022, 1, 1))],
        Dimension.METHOD: [("Manual til Sundhedsprofil Light", A, D(2021, 10, 15))],
    }
    assert found.anchored == [Dimension.OPERATIONS, Dimension.METHOD]
    operations = _entry(found, "Projektet videreført i jobcenterdriften")
    manual = _entry(found, "Manual til Sundhedsprofil Light")
    assert "spørgeramme" in manual.text_da
    for entry in (operations, manual):
        _shared_factors(entry)
        _assert_cited(found, entry, "demo-odense")
    # The cooperation agreement (valid from 1 January 2022) lifts the job centre that day.
    assert _standing(operations) == {"Jobcenter Odense": Rung.COOPERATION_AGREEMENT}
    assert operations.snapshot.distribution == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1, 6: 0}
    assert "Jobcenter Odense på trin 5 (samarbejdsaftale)" in operations.snapshot.text_da
    assert _standing(manual) == {"Jobcenter Odense": Rung.INFORMAL_COOPERATION}


async def test_vordingborgs_story_tells_a_pilot_and_conversation_cards(store: ReadStore) -> None:
    found = await _story(store, "Vordingborg")

    # 001: the pilot 'Sundhed i aktiveringen'; conversation cards to be published soon.
    assert _told(found) == {
        Dimension.OPERATIONS: [
            ("Pilotprojekt 'Sundhed i aktiveringen' igangsat", S, D(2021, 9, 1))
        ],
        Dimension.METHOD: [
            ("Samtalekort om den løsningsfokuserede sundhedssamtale", P, D(2022, 2, 1))
        ],
    }
    assert found.anchored == []
    cards = _entry(found, "Samtalekort om den løsningsfokuserede sundhedssamtale")
    assert cards.text_da.startswith("Den 01.02.2022 gik dimensionen metode fra ingen til delvis")
    _shared_factors(cards)
    _assert_cited(found, cards, "demo-vordingborg")
    assert _holders(cards) == _lighed_roles("vordingborg")


async def test_gladsaxes_story_tells_policies_and_the_catalogue(store: ReadStore) -> None:
    found = await _story(store, "Gladsaxe")

    # 001: diet and activity policies in each facility; the catalogue with Sundhedsstyrelsen.
    assert _told(found) == {
        Dimension.OPERATIONS: [
            ("Kost- og aktivitetspolitikker i de enkelte tilbud", A, D(2021, 6, 1))
        ],
        Dimension.METHOD: [
            ("Inspirationskatalog udgivet med Sundhedsstyrelsen", A, D(2022, 1, 20))
        ],
    }
    assert found.anchored == [Dimension.OPERATIONS, Dimension.METHOD]
    catalogue = _entry(found, "Inspirationskatalog udgivet med Sundhedsstyrelsen")
    _shared_factors(catalogue)
    _assert_cited(found, catalogue, "demo-gladsaxe")
    # The facilities on rung 4 from the start; the job centre on 3 from October 2019;
    # Sundhedsstyrelsen on 4 from March 2021 (data.py, _GLADSAXE).
    assert _standing(catalogue) == {
        "Bo- og aktivitetstilbud, Gladsaxe Kommune": Rung.INFORMAL_COOPERATION,
        "Sundhedsstyrelsen": Rung.INFORMAL_COOPERATION,
        "Jobcenter Gladsaxe": Rung.MUTUAL_REFERRAL,
    }
    assert _holders(catalogue) == {
        **_lighed_roles("gladsaxe"),
        RoleKind.LOCAL_COORDINATOR: PERSONS["gladsaxe-leder"].name,
    }
    policies = _entry(found, "Kost- og aktivitetspolitikker i de enkelte tilbud")
    # Sundhedsstyrelsen joined on 1 June 2020, on rung 2; it moved to 4 in March 2021.
    assert _standing(policies)["Sundhedsstyrelsen"] is Rung.INFORMAL_COOPERATION


async def test_every_lighed_story_cites_only_its_own_leaders_events(store: ReadStore) -> None:
    for town in ("København", "Greve", "Jammerbugt", "Odense", "Vordingborg", "Gladsaxe"):
        found = await _story(store, town)
        assert {e.recorded_by for e in found.sources} == {LEADERS[town]}, town
        ids = [e.notification_id for e in found.sources]
        assert ids == sorted(ids), town
        assert len(set(ids)) == len(ids), town
        # Ten factors, each cited once in the sources (data.py, _SHARED_FACTORS).
        kinds = [e.kind for e in found.sources]
        assert kinds.count("FactorRecorded") == 10 + (town == "København"), town


# -- the cross-case tables ------------------------------------------------------------------
#
# Columns in the order of municipality (then title): Frederiksberg, Gladsaxe, Greve, Ishøj,
# Jammerbugt, København, Odense, Silkeborg, Vordingborg. Every lead organisation is a
# health department (data.py: {key}-health, ishoj-health, silk-health, frb-health).

TOWNS = (
    "Frederiksberg",
    "Gladsaxe",
    "Greve",
    "Ishøj",
    "Jammerbugt",
    "København",
    "Odense",
    "Silkeborg",
    "Vordingborg",
)


async def _ids(store: ReadStore) -> dict[str, UUID]:
    return {town: await _id(store, town) for town in TOWNS}


def _named(ids: dict[str, UUID], found: list[UUID]) -> list[str]:
    towns = {v: k for k, v in ids.items()}
    return [towns[pid] for pid in found]


async def test_the_sector_tables_match_the_hand_count(store: ReadStore) -> None:
    ids = await _ids(store)
    tables = await crosscase.crosscase(store, visible=EVERYTHING, as_of=AS_OF)

    assert [p.municipality for p in tables.partnerships] == list(TOWNS)
    municipal = {r.sector: r.organisations for r in tables.municipal}
    # Organisations of each department per partnership, the lead included:
    # - social: Gladsaxe's facilities, Ishøj's Socialservice;
    # - employment: the job centre of each of the six Lighed towns, and Silkeborg's
    #   Beskæftigelse (7);
    # - children and youth: Ishøj's Dagtilbud og Skoler and Børn og Forebyggelse;
    # - culture and leisure: Frederiksberg's culture department and its museums, Ishøj's
    #   and Silkeborg's culture departments; technical, elderly: one each in Ishøj.
    assert municipal == {
        Sector.HEALTH: [1, 1, 1, 1, 1, 1, 1, 1, 1],
        Sector.SOCIAL: [0, 1, 0, 1, 0, 0, 0, 0, 0],
        Sector.EMPLOYMENT: [0, 1, 1, 0, 1, 1, 1, 1, 1],
        Sector.CHILDREN_YOUTH: [0, 0, 0, 2, 0, 0, 0, 0, 0],
        Sector.CULTURE_LEISURE: [2, 0, 0, 1, 0, 0, 0, 1, 0],
        Sector.TECHNICAL_ENVIRONMENT: [0, 0, 0, 1, 0, 0, 0, 0, 0],
        Sector.ELDERLY: [0, 0, 0, 1, 0, 0, 0, 0, 0],
        Sector.ADMINISTRATION: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    }
    health = tables.municipal[0]
    assert (health.count, _named(ids, health.lead_in)) == (9, list(TOWNS))
    employment = next(r for r in tables.municipal if r.sector is Sector.EMPLOYMENT)
    assert (employment.count, employment.lead_in) == (7, [])
    assert _named(ids, employment.partnerships) == [
        "Gladsaxe", "Greve", "Jammerbugt", "København", "Odense", "Silkeborg", "Vordingborg"
    ]  # fmt: skip
    # Kinds of external partner: Silkeborg's two clubs, volunteer centre, DGI, 3F and FOA;
    # Frederiksberg's Angst- og Depressionsforeningen; Sundhedsstyrelsen (Gladsaxe) and
    # Sund By Netværket (Ishøj) as interest organisations.
    external = {r.sector: r.organisations for r in tables.external if r.count}
    assert external == {
        Sector.SPORTS_CLUB: [0, 0, 0, 0, 0, 0, 0, 2, 0],
        Sector.PATIENT_ASSOCIATION: [1, 0, 0, 0, 0, 0, 0, 0, 0],
        Sector.VOLUNTARY: [0, 0, 0, 0, 0, 0, 0, 1, 0],
        Sector.SPORTS_ORGANISATION: [0, 0, 0, 0, 0, 0, 0, 1, 0],
        Sector.INTEREST_ORGANISATION: [0, 1, 0, 1, 0, 0, 0, 0, 0],
        Sector.TRADE_UNION: [0, 0, 0, 0, 0, 0, 0, 2, 0],
    }
    assert {r.sector: r.count for r in tables.external if r.count} == {
        Sector.SPORTS_CLUB: 1,
        Sector.PATIENT_ASSOCIATION: 1,
        Sector.VOLUNTARY: 1,
        Sector.SPORTS_ORGANISATION: 1,
        Sector.INTEREST_ORGANISATION: 2,
        Sector.TRADE_UNION: 1,
    }


async def test_rungs_anchoring_and_time_to_anchoring_match_the_hand_count(
    store: ReadStore,
) -> None:
    ids = await _ids(store)
    tables = await crosscase.crosscase(store, visible=EVERYTHING, as_of=AS_OF)

    # Highest rung ever: 5 where a cooperation agreement was signed (København, Odense:
    # the job centre; Silkeborg: the two clubs); Ishøj's members all on 2; else the job
    # centres' (or Gladsaxe's facilities', Frederiksberg's culture department's) 4.
    assert [(p.municipality, p.highest_rung) for p in tables.partnerships] == [
        ("Frederiksberg", Rung.INFORMAL_COOPERATION),
        ("Gladsaxe", Rung.INFORMAL_COOPERATION),
        ("Greve", Rung.INFORMAL_COOPERATION),
        ("Ishøj", Rung.DIALOGUE),
        ("Jammerbugt", Rung.INFORMAL_COOPERATION),
        ("København", Rung.COOPERATION_AGREEMENT),
        ("Odense", Rung.COOPERATION_AGREEMENT),
        ("Silkeborg", Rung.COOPERATION_AGREEMENT),
        ("Vordingborg", Rung.INFORMAL_COOPERATION),
    ]
    assert {r.rung: _named(ids, r.partnerships) for r in tables.rungs if r.count} == {
        Rung.DIALOGUE: ["Ishøj"],
        Rung.INFORMAL_COOPERATION: [
            "Frederiksberg", "Gladsaxe", "Greve", "Jammerbugt", "Vordingborg"
        ],
        Rung.COOPERATION_AGREEMENT: ["København", "Odense", "Silkeborg"],
    }  # fmt: skip
    # Anchored dimensions: only milestones with status "anchored" count (data.py).
    assert {p.municipality: p.anchored for p in tables.partnerships if p.anchored} == {
        "Gladsaxe": [Dimension.OPERATIONS, Dimension.METHOD],
        "Ishøj": [Dimension.MANAGEMENT],
        "Jammerbugt": [Dimension.CULTURE],
        "København": [Dimension.OPERATIONS, Dimension.METHOD],
        "Odense": [Dimension.OPERATIONS, Dimension.METHOD],
    }
    # Days from the start (the Lighed cases: 1 March 2019; Ishøj: 1 October 2019) to the
    # first anchored milestone. 1 Mar 2019 -> 1 Mar 2021 is 366 + 365 = 731 days, then:
    # operations: Gladsaxe 1 Jun 2021 = 731 + 31 + 30 + 31 = 823; København 1 Nov 2021 =
    #   731 + 245 (Mar-Oct) = 976; Odense 1 Jan 2022 = 731 + 306 (Mar-Dec) = 1037; median 976;
    # method: Gladsaxe 20 Jan 2022 = 1037 + 19 = 1056; København 1 Sep 2021 = 731 + 184
    #   (Mar-Aug) = 915; Odense 15 Oct 2021 = 731 + 214 (Mar-Sep) + 14 = 959; median 959;
    # culture: Jammerbugt 1 Oct 2021 = 731 + 214 = 945;
    # management: Ishøj 1 Dec 2019, from 1 Oct 2019 = 31 + 30 = 61.
    dimensions = {
        d.dimension: (
            list(zip(_named(ids, d.partnerships), [x.days for x in d.days], strict=True)),
            d.median_days,
        )
        for d in tables.dimensions
    }
    assert dimensions == {
        Dimension.POLITICAL: ([], None),
        Dimension.MANAGEMENT: ([("Ishøj", 61)], 61.0),
        Dimension.OPERATIONS: ([("Gladsaxe", 823), ("København", 976), ("Odense", 1037)], 976.0),
        Dimension.METHOD: ([("Gladsaxe", 1056), ("København", 915), ("Odense", 959)], 959.0),
        Dimension.CULTURE: ([("Jammerbugt", 945)], 945.0),
        Dimension.RELATIONS: ([], None),
        Dimension.CITIZENS: ([], None),
    }

    # At the end of 2021: Silkeborg and Frederiksberg not yet registered, Odense not yet
    # anchored in operations (1 Jan 2022), no agreement in effect yet (both from 1 Jan 2022).
    end_2021 = await crosscase.crosscase(store, visible=EVERYTHING, as_of=D(2021, 12, 31))
    assert [p.municipality for p in end_2021.partnerships] == [
        "Gladsaxe", "Greve", "Ishøj", "Jammerbugt", "København", "Odense", "Vordingborg"
    ]  # fmt: skip
    assert {r.rung: r.count for r in end_2021.rungs if r.count} == {
        Rung.DIALOGUE: 1,
        Rung.INFORMAL_COOPERATION: 6,
    }
    by_dimension = {d.dimension: d for d in end_2021.dimensions}
    assert [d.days for d in by_dimension[Dimension.OPERATIONS].days] == [823, 976]
    assert by_dimension[Dimension.OPERATIONS].median_days == 899.5
    assert [d.days for d in by_dimension[Dimension.METHOD].days] == [915, 959]
    assert by_dimension[Dimension.METHOD].median_days == 937.0


async def test_factor_frequencies_among_the_anchored_and_the_others(store: ReadStore) -> None:
    ids = await _ids(store)
    tables = await crosscase.crosscase(store, visible=EVERYTHING, as_of=AS_OF)

    # Anchored in operations: Gladsaxe, København, Odense (3); the other six are not.
    assert tables.anchored_on is AnchoredOn.OPERATIONS
    assert _named(ids, tables.anchored_group) == ["Gladsaxe", "København", "Odense"]
    assert _named(ids, tables.not_anchored_group) == [
        "Frederiksberg", "Greve", "Ishøj", "Jammerbugt", "Silkeborg", "Vordingborg"
    ]  # fmt: skip
    # Per kind, partnerships with at least one such factor: the six Lighed cases have
    # external promoting, internal promoting and internal barriers (3 anchored, 3 not);
    # Ishøj, Silkeborg and Frederiksberg each an internal promoting one, Ishøj also an
    # internal barrier. Nobody records an external barrier.
    kinds = [
        (k.effect.value, k.origin.value, k.anchored_count, k.anchored_share,
         k.not_anchored_count, k.not_anchored_share, k.total_count)
        for k in tables.factor_kinds
    ]  # fmt: skip
    assert kinds == [
        ("promoting", "external", 3, 1.0, 3, 0.5, 6),
        ("promoting", "internal", 3, 1.0, 6, 1.0, 9),
        ("barrier", "external", 0, 0.0, 0, 0.0, 0),
        ("barrier", "internal", 3, 1.0, 4, 0.667, 7),
    ]
    factors = [
        (f.description, f.anchored_count, f.anchored_share, f.not_anchored_count,
         f.not_anchored_share)
        for f in tables.factors
    ]  # fmt: skip
    # The ten shared factors, in 3 of 3 anchored and 3 of 6 others: promoting external,
    # promoting internal, then the barriers, alphabetical within each.
    shared = (
        "Rygeloven",
        "Stigende fokus på sundhed i det omgivende samfund",
        "Sygedagpengereform",
        "Engagerede og kompetente projektmedarbejdere",
        "Højt prioriteret indsats - nationalt og i kommunen",
        "Metodeudviklingen var motor for udviklingen af medarbejdere og projekt",
        "Vedvarende inddragelse af lederniveauet i kommunen",
        SHARED_BARRIERS[2],  # Forskellig lovgivning ...
        SHARED_BARRIERS[1],  # Modstand ...
        SHARED_BARRIERS[0],  # Svært ...
    )
    assert factors == [
        *((description, 3, 1.0, 3, 0.5) for description in shared),
        # København's front-line factor; then one partnership each among the others
        ("Obligatoriske tilbud, hvor deltagerne selv vælger aktiviteter (frontmedarbejder)",
         1, 0.333, 0, 0.0),
        ("Meget eksisterende viden om målgruppen i organisationen", 0, 0.0, 1, 0.167),
        ("Relevante medarbejdere fra flere forvaltninger samlet om udviklingen", 0, 0.0, 1, 0.167),
        ("Rolle- og ansvarsfordeling på plads fra starten", 0, 0.0, 1, 0.167),
        ("Kortlægningen af sundhedstilbud var ikke gennemført", 0, 0.0, 1, 0.167),
    ]  # fmt: skip
    rygeloven = tables.factors[0]
    assert _named(ids, rygeloven.partnerships) == [
        "Gladsaxe", "Greve", "Jammerbugt", "København", "Odense", "Vordingborg"
    ]  # fmt: skip
    assert (rygeloven.effect_label, rygeloven.origin_label) == ("fremmende", "ekstern")

    # Anchored on any dimension: Ishøj (management) and Jammerbugt (culture) join the three.
    anywhere = await crosscase.crosscase(
        store, visible=EVERYTHING, as_of=AS_OF, anchored_on=AnchoredOn.ANY
    )
    assert _named(ids, anywhere.anchored_group) == [
        "Gladsaxe", "Ishøj", "Jammerbugt", "København", "Odense"
    ]  # fmt: skip
    assert [
        (k.anchored_count, k.anchored_share, k.not_anchored_count, k.not_anchored_share)
        for k in anywhere.factor_kinds
    ] == [(4, 0.8, 2, 0.5), (5, 1.0, 4, 1.0), (0, 0.0, 0, 0.0), (5, 1.0, 2, 0.5)]
    assert (anywhere.factors[0].anchored_count, anywhere.factors[0].anchored_share) == (4, 0.8)
