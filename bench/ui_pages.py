"""Web UI pages with the demo data: p50/p95 per kind of page, next to GET /health.

    .venv/bin/python bench/ui_pages.py [--rounds 20] [--database-url URL]

Starts `tvaers serve --demo` (SQLite in a temporary folder unless --database-url is
given: the demo data loaded, one uvicorn worker, projections embedded, housekeeping
off), logs in through the login form as the demo administrator (who sees every
partnership, so every page has the most to show), finds the pages by following the
dashboard's links, then fetches them ROUNDS times, all kinds shuffled together in each
round so that the machine's noise hits every kind alike, one request at a time over
one keep-alive connection.

Kinds: the dashboard; the registry search (no filter, and a text search); the map of
offers; the cross-case page over every partnership; each partnership's page, its
printable version, its history and the diff between its start and today; each
partnership's anchoring story page (when the UI has it); and the forms to add a
partner and to draft an agreement.

Baseline in the same run, interleaved the same way: GET /health (no login, no SQL,
no template) - what any request costs here. Target (issue 5): every page p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import os

from bench._http import ApiServer, machine_line, ms, percentile, tvaers_cli
from services.demo.data import ADMIN, DEMO_PASSWORD

PARTNERSHIP = re.compile(r'href="(/ui/partnerships/[0-9a-f-]{36})"')


def log_in(client: httpx.Client) -> None:
    page = client.get("/ui/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None, "no CSRF token on the login page"
    answer = client.post(
        "/ui/login",
        data={
            "_csrf_token": token.group(1),
            "username": ADMIN,
            "password": DEMO_PASSWORD,
            "next": "/ui/",
        },
    )
    assert answer.status_code == 303, answer.text[:300]


def pages(client: httpx.Client) -> dict[str, list[str]]:
    dashboard = client.get("/ui/")
    assert dashboard.status_code == 200
    partnerships = sorted(set(PARTNERSHIP.findall(dashboard.text)))
    assert partnerships, "no partnerships on the dashboard: is the demo loaded?"
    kinds: dict[str, list[str]] = {
        "dashboard": ["/ui/"],
        "registry": ["/ui/registry"],
        "registry search": ["/ui/registry?text=sundhed"],
        "offers": ["/ui/offers"],
        "crosscase": ["/ui/crosscase?select=filter"],
        "partnership": partnerships,
        "print": [f"{p}/print" for p in partnerships],
        "history": [f"{p}/history" for p in partnerships],
        "diff": [f"{p}/diff?from=2019-01-01&to=2026-01-01" for p in partnerships],
        "form: add partner": [f"{p}/partners/new" for p in partnerships],
        "form: draft agreement": [f"{p}/agreements/new" for p in partnerships],
    }
    if client.get(f"{partnerships[0]}/story").status_code == 200:
        kinds["anchoring story"] = [f"{p}/story" for p in partnerships]
    for kind, urls in kinds.items():
        for url in urls:
            status = client.get(url).status_code
            assert status == 200, f"{kind}: {url} answered {status}"
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="tvaers-ui-bench-"))
    url = args.database_url or str(folder / "tvaers.sqlite3")
    # The session cookie over plain http to 127.0.0.1 (httpx honours `Secure`).
    os.environ["TVAERS_COOKIE_SECURE"] = "off"
    server = ApiServer(database_url=url, log_level="WARNING")
    loaded = time.perf_counter()
    tvaers_cli(server.env, "demo", "load")
    load_seconds = time.perf_counter() - loaded
    with server:
        server.start()
        with httpx.Client(base_url=server.url, timeout=30) as client:
            log_in(client)
            kinds = pages(client)  # also warms the templates and caches
            timings: dict[str, list[float]] = defaultdict(list)
            requests = [(kind, u) for kind, urls in kinds.items() for u in urls]
            requests += [("baseline: GET /health", "/health")] * len(kinds["partnership"])
            for _ in range(args.rounds):
                random.shuffle(requests)
                for kind, u in requests:
                    began = time.perf_counter()
                    response = client.get(u)
                    timings[kind].append(time.perf_counter() - began)
                    assert response.status_code == 200, f"{u}: {response.status_code}"

    print(f"# web UI pages, demo data, {server.describe()}")
    print(f"# store: {'SQLite file' if args.database_url is None else 'given URL'}")
    print(f"# {machine_line()}")
    print(f"# demo load (tvaers demo load, a process of its own): {load_seconds:.1f} s")
    print(f"# {args.rounds} rounds, one request at a time, kinds shuffled together")
    print(f"{'page':<26} {'n':>5} {'p50':>9} {'p95':>9} {'max':>9}")
    worst = 0.0
    for kind in sorted(timings, key=lambda k: (not k.startswith("baseline"), k)):
        values = timings[kind]
        p95 = percentile(values, 0.95)
        if not kind.startswith("baseline"):
            worst = max(worst, p95)
        print(
            f"{kind:<26} {len(values):>5} {ms(percentile(values, 0.5)):>9}"
            f" {ms(p95):>9} {ms(max(values)):>9}"
        )
    verdict = "met" if worst < 0.100 else "NOT met"
    print(f"worst page p95 {ms(worst)}: target p95 < 100 ms {verdict}")


if __name__ == "__main__":
    main()
