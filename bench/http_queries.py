"""Registry search and audit pages over HTTP on PostgreSQL: p50/p99 next to GET /health.

    python -m tests.pgserver -- .venv/bin/python bench/http_queries.py --partnerships 10000

Seeding, fast and not over HTTP: organisations (16 per municipality, municipal and
external sectors) and PARTNERSHIPS partnerships across 20 municipalities, each with
tags, target groups, arenas, 2-4 partners on rungs 1-4, a ladder move and one to three
milestones or factors, built with the aggregates' own command methods and saved
through the application service (`Tvaers.save`, many aggregates per transaction). Every
`--busy-every`-th partnership gets `--busy-events` more events (milestones, factors,
ladder moves), so that its audit history has several pages. The views are then built
with the projection runner (`catch_up`), and ANALYZE is run.

An administrator and an evaluator granted one municipality (the one with most busy
partnerships) are made with the `tvaers` CLI, each with a bearer token; then the API
starts (one uvicorn worker, projections embedded, housekeeping off).

Measured, one request at a time over one keep-alive connection per user, all requests
shuffled together so that the machine's noise hits every kind alike, REQUESTS of each
kind per user: `GET /registry/partnerships` without a filter, by municipality, tag,
text, min_rung, all of these at once, and a later page (a `cursor` from walking the
first pages); `GET /partnerships/{id}/audit` of a busy partnership of the evaluator's
municipality, its first page and a later one (`cursor`). The evaluator's lists are
filtered by its grants in SQL, so they cost something even when they find less.
Target: p99 < 30 ms.

Baselines in the same run, interleaved the same way: `GET /health` (no login, no SQL),
`GET /auth/me` (the token check and grants: what every authenticated request pays) and
a raw asyncpg `SELECT 1` from this process. `--direct` also times the view function
behind each search and audit request (`projections.search.search`,
`projections.audit.history`) called in this process through its own asyncpg pool: the
difference to the HTTP figure is what HTTP, login, routing and JSON cost.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import _http
import asyncpg
import generate
import httpx

from aggregates import Evidence, Meta, Organisation, Partnership, Registry
from aggregates.account import account_id_for
from aggregates.errors import DomainError
from aggregates.taxonomy import (
    AnchoringStatus,
    Dimension,
    FactorEffect,
    FactorOrigin,
    PartnershipType,
    Rung,
    Sector,
)
from api.readside import build_store
from projections import audit, search
from projections.access import Visibility
from projections.catalog import ALL
from projections.runner import ProjectionRunner
from projections.store import PostgresReadStore
from services.application import Tvaers
from services.settings import Settings

TARGET_P99_MS = 30.0
ACTOR = "bench:seed"
MUNICIPALITIES = (
    "Albertslund",
    "Ballerup",
    "Esbjerg",
    "Faaborg-Midtfyn",
    "Fredericia",
    "Frederikshavn",
    "Haderslev",
    "Herning",
    "Holbæk",
    "Ishøj",
    "Kalundborg",
    "Køge",
    "Middelfart",
    "Næstved",
    "Odsherred",
    "Randers",
    "Silkeborg",
    "Svendborg",
    "Vejle",
    "Ærø",
)
MUNICIPAL = (
    Sector.HEALTH,
    Sector.SOCIAL,
    Sector.EMPLOYMENT,
    Sector.CHILDREN_YOUTH,
    Sector.CULTURE_LEISURE,
    Sector.ELDERLY,
)
EXTERNAL = (
    Sector.SPORTS_CLUB,
    Sector.PATIENT_ASSOCIATION,
    Sector.VOLUNTARY,
    Sector.SPORTS_ORGANISATION,
    Sector.REGION_HOSPITAL,
    Sector.GENERAL_PRACTICE,
    Sector.EDUCATION,
    Sector.SOCIAL_HOUSING,
    Sector.PRIVATE_COMPANY,
    Sector.TRADE_UNION,
)
TAGS = (
    "motion",
    "kost",
    "rygestop",
    "trivsel",
    "ensomhed",
    "fællesskab",
    "alkohol",
    "søvn",
    "mental sundhed",
    "natur",
    "frivillighed",
    "idræt",
    "sundhedstjek",
    "beskæftigelse",
    "forebyggelse",
    "familie",
    "skole",
    "seniorliv",
    "bevægelse",
    "kultur",
    "rehabilitering",
    "sprog",
    "digitalisering",
    "tandsundhed",
    "hverdagsliv",
)
TARGET_GROUPS = (
    "ledige",
    "unge",
    "ældre",
    "børn",
    "familier",
    "borgere med kronisk sygdom",
    "sygemeldte",
    "nydanskere",
    "pårørende",
    "seniorer",
    "socialt udsatte",
    "gravide",
)
ARENAS = (
    "jobcenter",
    "idrætsforening",
    "skole",
    "plejecenter",
    "bibliotek",
    "sundhedshus",
    "boligområde",
    "arbejdsplads",
)
FIRST = ("Sund", "Aktiv", "Stærk", "Tryg", "Glad", "Grøn", "Fælles", "Ny", "God", "Let")
SECOND = (
    "start",
    "hverdag",
    "fremtid",
    "bevægelse",
    "fællesskab",
    "motion",
    "trivsel",
    "omstilling",
    "alderdom",
    "ungdom",
    "balance",
    "livsstil",
)
TEXTS = ("motion", "trivs", "fælles", "hverdag", "ungdom", "sund", "alder", "Grøn", "bevæg")


# --------------------------------------------------------------------------- seeding


@dataclass
class Seeded:
    partnership_ids: list[UUID] = field(default_factory=list)
    municipality_of: dict[UUID, str] = field(default_factory=dict)
    busy: list[UUID] = field(default_factory=list)
    events: int = 0
    refused: int = 0


def _dates(rng: random.Random, start: date, steps: int, most: int) -> Iterator[date]:
    day = start
    for _ in range(steps):
        day += timedelta(days=rng.randint(1, most))
        yield min(day, date.today())


def _partnership(
    rng: random.Random,
    number: int,
    municipality: str,
    organisations: dict[str, list[tuple[UUID, Sector]]],
    busy_events: int,
) -> tuple[Partnership, int]:
    """One partnership and its history, through the aggregate's own commands; and how many
    commands the rules refused (skipped, as the API would refuse them)."""
    start = date(2016, 1, 1) + timedelta(days=rng.randint(0, 8 * 365))
    local = organisations[municipality]
    municipal = [o for o in local if o[1] in MUNICIPAL]
    lead = rng.choice(municipal)[0]
    first, second = rng.choice(FIRST), rng.choice(SECOND)
    groups = tuple(rng.sample(TARGET_GROUPS, rng.randint(1, 2)))
    arenas = tuple(rng.sample(ARENAS, rng.randint(1, 2)))
    registry = Registry(
        title=f"{first} {second} {number}",
        municipality=municipality,
        purpose=f"{second.capitalize()} for {groups[0]} gennem {arenas[0]}",
        target_groups=groups,
        arenas=arenas,
        kind=rng.choice(
            (PartnershipType.PROJECT, PartnershipType.PROJECT, PartnershipType.OPERATIONS)
        ),
        period_start=start,
        period_end=start + timedelta(days=rng.randint(365, 4 * 365)),
        tags=tuple(rng.sample(TAGS, rng.randint(2, 3))),
    )
    p = Partnership.register(
        registry=registry, lead_organisation_id=lead, meta=Meta(actor=ACTOR, valid_on=start)
    )
    others = [o[0] for o in local if o[0] != lead]
    partners = rng.sample(others, rng.randint(2, 4))
    days = _dates(rng, start, 10 + busy_events, 3 if busy_events else 40)
    rungs: dict[UUID, Rung] = {}
    for org in partners:
        rungs[org] = Rung(rng.randint(1, 4))
        meta = Meta(actor=ACTOR, valid_on=next(days))
        p.join_partner(org, meta, rung=rungs[org], evidence="Møde om målgruppen")
    steps = busy_events + (rng.random() < 0.5) + rng.randint(1, 2) + 1
    refused = 0
    for step in range(steps):
        meta = Meta(actor=ACTOR, valid_on=next(days), reason="Statusmøde" if step % 7 else None)
        kind = step % 3 if busy_events else (0 if step == 0 else rng.randint(1, 2))
        if kind == 0:
            org = rng.choice(partners)
            rung = Rung(rng.choice([r for r in range(1, 5) if r != rungs[org]]))
            try:
                p.move_on_ladder(org, rung, "Samarbejdet er udvidet", meta)
            except DomainError:
                refused += 1
            else:
                rungs[org] = rung
        elif kind == 1:
            p.record_milestone(
                dimension=rng.choice(list(Dimension)),
                status=rng.choice(
                    (AnchoringStatus.STARTED, AnchoringStatus.PARTIAL, AnchoringStatus.ANCHORED)
                ),
                title=f"Milepæl {step}",
                evidence=Evidence(text="Referat fra styregruppemødet"),
                meta=meta,
            )
        else:
            p.record_factor(
                origin=rng.choice(list(FactorOrigin)),
                effect=rng.choice(list(FactorEffect)),
                description=f"Faktor {step}: ledelsesopbakning",
                meta=meta,
            )
    return p, refused


def seed(tvaers: Tvaers, count: int, busy_every: int, busy_events: int, seed_value: int) -> Seeded:
    rng = random.Random(seed_value)
    meta = Meta(actor=ACTOR, valid_on=date(2015, 1, 1))
    organisations: dict[str, list[tuple[UUID, Sector]]] = defaultdict(list)
    created = []
    for municipality in MUNICIPALITIES:
        for k, sector in enumerate(MUNICIPAL + EXTERNAL):
            name = f"{sector.label_da.capitalize()} {municipality} {k}"
            org = Organisation.register(
                name=name, sector=sector, meta=meta, municipality=municipality
            )
            organisations[municipality].append((org.id, sector))
            created.append(org)
    tvaers.save(*created)
    seeded = Seeded(events=len(created))
    batch: list[Partnership] = []
    for number in range(count):
        municipality = rng.choice(MUNICIPALITIES)
        busy = busy_every > 0 and number % busy_every == busy_every // 2
        p, refused = _partnership(
            rng, number, municipality, organisations, busy_events if busy else 0
        )
        seeded.refused += refused
        seeded.partnership_ids.append(p.id)
        seeded.municipality_of[p.id] = municipality
        seeded.events += len(p.pending_events)
        if busy:
            seeded.busy.append(p.id)
        batch.append(p)
        if len(batch) >= 50:
            tvaers.save(*batch)
            batch = []
    if batch:
        tvaers.save(*batch)
    return seeded


async def build_views(settings: Settings, tvaers: Tvaers) -> tuple[int, float]:
    store = build_store(settings)
    assert isinstance(store, PostgresReadStore)
    await store.open()
    try:
        runner = ProjectionRunner(store, ALL, tvaers.mapper.to_domain_event)
        await runner.setup()
        began = time.perf_counter()
        covered = await runner.catch_up()
        took = time.perf_counter() - began
        await store.execute_script(["ANALYZE"])  # as autovacuum would have by now
        return covered, took
    finally:
        await store.close()


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class Call:
    """One drawn request: the path and query, and what the view function needs for it."""

    path: str
    params: dict[str, Any] = field(default_factory=dict)
    partnership_id: UUID | None = None  # an audit page's partnership

    def url(self) -> str:
        return str(httpx.URL(self.path, params=self.params))


@dataclass
class Kind:
    """One kind of request, measured per user; `draw` picks its parameters at random."""

    name: str
    draw: Callable[[str], Call]
    available: Callable[[str], bool] = lambda _: True  # for this user (a later page exists)

    @property
    def baseline(self) -> bool:
        return self.name.startswith("baseline")


@dataclass
class Samples:
    times: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)


def _size(body: Any) -> int:
    if isinstance(body, dict):
        for key in ("hits", "entries"):
            if key in body:
                return len(body[key])
    return 0


async def walk(client: httpx.AsyncClient, path: str, pages: int, limit: int = 50) -> list[str]:
    """The cursors of pages 2.. of a paged list (fewer if the list ends sooner)."""
    cursors: list[str] = []
    params: dict[str, str | int] = {"limit": limit}
    for _ in range(pages):
        response = await client.get(path, params=params)
        response.raise_for_status()
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        cursors.append(cursor)
        params = {"limit": limit, "cursor": cursor}
    return cursors


SEARCH = "/registry/partnerships"
DIRECT = " (view function)"


async def call_view(store: PostgresReadStore, visible: Visibility, call: Call) -> int:
    """The view function behind the request, called in this process: rows returned."""
    if call.path == SEARCH:
        page = await search.search(store, visible=visible, **call.params)
        return len(page.hits)
    assert call.partnership_id is not None
    where = audit.AuditFilter(partnership_id=call.partnership_id)
    entries = await audit.history(store, where, cursor=call.params.get("cursor"))
    return len(entries.entries)


async def measure(
    server: _http.ApiServer,
    settings: Settings,
    tokens: dict[str, str],
    visibility: dict[str, Visibility],
    seeded: Seeded,
    evaluator_municipality: str,
    requests: int,
    seed_value: int,
    direct: bool,
) -> tuple[dict[tuple[str, str], Samples], list[str]]:
    rng = random.Random(seed_value)
    clients = {
        user: httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        for user, token in tokens.items()
    }
    dsn, _ = settings.asyncpg_dsn()
    connection = await asyncpg.connect(dsn)
    store = build_store(settings)
    assert isinstance(store, PostgresReadStore)
    await store.open()
    errors: list[str] = []
    try:
        audited = [p for p in seeded.busy if seeded.municipality_of[p] == evaluator_municipality]
        search_cursors = {
            # Positions 20, 40, ... 500: later pages (of 50) anywhere in the first ten.
            u: await walk(c, SEARCH, 25, limit=20)
            for u, c in clients.items()
        }
        audit_cursors = {
            u: [
                (p, cursor)
                for p in audited
                for cursor in await walk(c, f"/partnerships/{p}/audit", 6)
            ]
            for u, c in clients.items()
        }

        def audit_call(partnership_id: UUID, cursor: str | None = None) -> Call:
            params = {} if cursor is None else {"cursor": cursor}
            return Call(f"/partnerships/{partnership_id}/audit", params, partnership_id)

        kinds = [
            Kind("search: no filter", lambda _: Call(SEARCH)),
            Kind(
                "search: municipality",
                lambda _: Call(SEARCH, {"municipality": rng.choice(MUNICIPALITIES)}),
            ),
            Kind("search: tag", lambda _: Call(SEARCH, {"tag": rng.choice(TAGS)})),
            Kind("search: text", lambda _: Call(SEARCH, {"text": rng.choice(TEXTS)})),
            Kind("search: min_rung", lambda _: Call(SEARCH, {"min_rung": rng.choice((3, 4))})),
            Kind(
                "search: all four",
                lambda _: Call(
                    SEARCH,
                    {
                        "municipality": rng.choice(MUNICIPALITIES),
                        "tag": rng.choice(TAGS),
                        "text": rng.choice(TEXTS),
                        "min_rung": 2,
                    },
                ),
            ),
            Kind(
                "search: later page",
                lambda u: Call(SEARCH, {"cursor": rng.choice(search_cursors[u])}),
                available=lambda u: bool(search_cursors[u]),
            ),
            Kind("audit: first page", lambda _: audit_call(rng.choice(audited))),
            Kind(
                "audit: later page",
                lambda u: audit_call(*rng.choice(audit_cursors[u])),
                available=lambda u: bool(audit_cursors[u]),
            ),
        ]
        me = Kind("baseline GET /auth/me", lambda _: Call("/auth/me"))
        plan: list[tuple[str, Kind, bool]] = [
            (user, kind, in_process)
            for kind in [*kinds, me]
            for user in clients
            if kind.available(user)
            for in_process in ([False, True] if direct and kind is not me else [False])
            for _ in range(requests)
        ]
        health = Kind("baseline GET /health", lambda _: Call("/health"))
        select_1 = Kind("baseline asyncpg SELECT 1", lambda _: Call(""))
        plan += [("-", health, False)] * requests + [("-", select_1, False)] * requests
        rng.shuffle(plan)
        samples: dict[tuple[str, str], Samples] = defaultdict(Samples)
        for user, client in clients.items():  # warm up every path once
            for kind in kinds:
                if kind.available(user):
                    (await client.get(kind.draw(user).url())).raise_for_status()
        for user, kind, in_process in plan:
            call = kind.draw(user)
            began = time.perf_counter()
            if kind is select_1:
                await connection.fetchval("SELECT 1")
                size = 0
            elif in_process:
                size = await call_view(store, visibility[user], call)
            else:
                response = await clients.get(user, clients["admin"]).get(call.url())
                if response.status_code != 200:
                    errors.append(f"{user} GET {call.url()} -> {response.status_code}")
                    continue
                size = _size(response.json())
            took = time.perf_counter() - began
            sample = samples[(kind.name + (DIRECT if in_process else ""), user)]
            sample.times.append(took)
            sample.sizes.append(size)
        return samples, errors
    finally:
        await store.close()
        await connection.close()
        for client in clients.values():
            await client.aclose()


def _order(name: str) -> tuple[int, str]:
    """Searches, then audits, then the baselines."""
    return ({"search": 0, "audit": 1}.get(name.split(":", maxsplit=1)[0], 2), name)


def report(samples: dict[tuple[str, str], Samples]) -> bool:
    """The table; True if every measured kind met the p99 target."""
    print(
        f"\n{'request':<36} {'user':<9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'max ms':>8} {'rows':>6}"
    )
    ok = True
    for (name, user), sample in sorted(samples.items(), key=lambda i: (_order(i[0][0]), i[0][1])):
        p99 = _http.percentile(sample.times, 0.99) * 1000
        flag = ""
        if not name.startswith("baseline") and not name.endswith(DIRECT):
            ok &= p99 < TARGET_P99_MS
            flag = "" if p99 < TARGET_P99_MS else f"  over {TARGET_P99_MS:g} ms"
        rows = sum(sample.sizes) / len(sample.sizes)
        print(
            f"{name:<36} {user:<9} {_http.percentile(sample.times, 0.5) * 1000:>8.2f}"
            f" {_http.percentile(sample.times, 0.95) * 1000:>8.2f} {p99:>8.2f}"
            f" {max(sample.times) * 1000:>8.2f} {rows:>6.1f}{flag}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Run under `python -m tests.pgserver -- ...` (see bench/README.md).",
    )
    parser.add_argument("--partnerships", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=500, help="of each kind per user (500)")
    parser.add_argument(
        "--busy-every", type=int, default=100, help="every N-th partnership is busy (100)"
    )
    parser.add_argument(
        "--busy-events", type=int, default=250, help="extra events of a busy partnership (250)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--direct",
        action="store_true",
        help="also time each search/audit's view function called in this process (no HTTP,"
        " no login), interleaved with the rest: what the SQL and Python of the view cost",
    )
    parser.add_argument("--log-level", default="INFO", help="the API's TVAERS_LOG_LEVEL (INFO)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the API into FILE (see _http)")
    args = parser.parse_args()
    _http.install_sigterm_handler()
    print(f"code: {generate.code_version()}")
    print(f"machine: {_http.machine_line()}")
    admin = generate.admin_url()
    url = generate.fresh_database(admin, "bench_http_queries")
    settings = Settings(database_url=url)
    tvaers = Tvaers(settings)
    try:
        began = time.perf_counter()
        seeded = seed(tvaers, args.partnerships, args.busy_every, args.busy_events, args.seed)
        took = time.perf_counter() - began
        print(
            f"seeded {len(seeded.partnership_ids):,} partnerships ({len(seeded.busy)} busy),"
            f" {seeded.events:,} events, through Tvaers.save in {took:.1f} s"
            f" = {seeded.events / took:,.0f} events/s ({seeded.refused} commands refused)"
        )
        covered, took = asyncio.run(build_views(settings, tvaers))
        print(f"views built: {covered:,} events in {took:.1f} s = {covered / took:,.0f}/s")
    finally:
        tvaers.close()

    busy_in = Counter(seeded.municipality_of[p] for p in seeded.busy)
    municipality = busy_in.most_common(1)[0][0] if busy_in else MUNICIPALITIES[0]
    in_municipality = sum(1 for m in seeded.municipality_of.values() if m == municipality)
    server = _http.ApiServer(url, log_level=args.log_level.upper(), profile=args.profile)
    tokens = {
        "admin": _http.bootstrap_user(server.env, "bench-admin", admin=True),
        "evaluator": _http.bootstrap_user(
            server.env, "bench-evaluator", municipality_grant=("evaluator", municipality)
        ),
    }
    print(
        f"users: an administrator; an evaluator granted {municipality}"
        f" ({in_municipality:,} partnerships, {busy_in[municipality]} busy)"
    )
    visibility = {
        "admin": Visibility.everything(),
        "evaluator": Visibility(account_id_for("bench-evaluator")),
    }
    with server:
        print(f"server: {server.describe()}")
        with httpx.Client(base_url=server.url) as plain:
            before_metrics = _http.server_durations(plain)
            meter = _http.CpuMeter({"API": server.processes["api"].pid})
            before = meter.sample()
            began = time.perf_counter()
            samples, errors = asyncio.run(
                measure(
                    server,
                    settings,
                    tokens,
                    visibility,
                    seeded,
                    municipality,
                    args.requests,
                    args.seed,
                    args.direct,
                )
            )
            took = time.perf_counter() - began
            usage = meter.usage(before, meter.sample())
            server_time = _http.durations_between(before_metrics, _http.server_durations(plain))
    total = sum(len(s.times) for s in samples.values())
    print(f"{total:,} requests in {took:.1f} s, one at a time")
    print(usage.line())
    ok = report(samples)
    print("\nserver-side mean (from the app's outermost middleware in to out, /metrics):")
    for (method, route, status), t in sorted(server_time.items(), key=lambda i: -i[1].count):
        print(f"  {method} {route} {status}: {t.count:,.0f} x {t.seconds / t.count * 1000:.2f} ms")
    print(f"\ntarget p99 < {TARGET_P99_MS:g} ms: {'met' if ok else 'NOT met'} by every kind")
    print(f"load average after: {_http.machine_line()}")
    if args.profile:
        _http.print_profile(args.profile, 30)
    if errors:
        print(f"FAILED: {len(errors)} answers were not 200, e.g. {errors[0]}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
