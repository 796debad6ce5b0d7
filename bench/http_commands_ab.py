"""Two versions of the product, interleaved in one run beside the floor (issue 17).

    .venv/bin/python -m tests.pgserver -- .venv/bin/python bench/http_commands_ab.py \
        --before 0d5b95c [--after COMMIT] [--rounds 4] [--before-workers N --after-workers N]

bench/http_commands.py measures one version per run. On a machine shared with other
work (a VM whose neighbours' load changes by the minute), one version's run and the
next one's differ by up to 2x in commands/s *and* in CPU per command, so two runs do not
compare. Here both versions serve at once, each from its own database (the same seeding:
`bench-300` holding 300 grants), and their phases alternate: floor; then `--rounds`
rounds of a peak phase of each (the order swapped every round); then `--half-phases`
reduced-rate phases of each (half of its own mean peak, as http_commands.py does, or
`--rate` for both: the same load on either), also alternated; the floor again. Every
phase is wrk with http_commands.py's script and settings; the API's and PostgreSQL's CPU
per command from /proc as there.

`--before` and `--after` are commits, exported with git archive (`--after` defaults to
the working tree).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import _http
import generate
import http_commands as hc
import httpx

from services.settings import Settings


def _server(
    name: str,
    commit: str | None,
    args: argparse.Namespace,
    *,
    workers: int = 1,
    projections: str = "embedded",
) -> dict[str, Any]:
    root = hc.export_commit(commit) if commit else _http.ROOT
    admin = generate.admin_url()
    url = generate.fresh_database(admin, f"bench_http_ab_{name}")
    dsn, _ = Settings(database_url=url).asyncpg_dsn()
    server = _http.ApiServer(
        url, log_level="INFO", root=root, workers=workers, projections=projections
    )
    token = _http.bootstrap_user(server.env, "bench-300", admin=True)
    server.__enter__()
    with httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {token}"}
    ) as client:
        ids = hc.seed(client, args.partnerships, "300")
        hc.settle(client)
    postmaster = asyncio.run(hc._postmaster(dsn))
    trees = {"API": server.processes["api"].pid, "PostgreSQL": postmaster}
    if "projector" in server.processes:  # counted with the API: it is the API's work
        trees["projector"] = server.processes["projector"].pid
    meter = _http.CpuMeter(trees)
    return {
        "name": name,
        "code": commit or "working tree",
        "server": server,
        "script": hc.lua_script(ids, token),
        "meter": meter,
        "dsn": dsn,
        "peaks": [],
    }


def _half(run: hc.Run) -> str:
    return f"{run.rate:,.0f}/s p50 {run.p50_ms:.1f} p99 {run.p99_ms:.1f} ms ({run.late} late)"


def _settle(version: dict[str, Any]) -> None:
    with httpx.Client(base_url=version["server"].url, timeout=60) as client:
        hc.settle(client)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, metavar="COMMIT")
    parser.add_argument("--after", metavar="COMMIT", help="default: the working tree")
    parser.add_argument("--rounds", type=int, default=4, help="peak phases of each (4)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each phase (10)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--open-connections", type=int, default=32)
    parser.add_argument(
        "--half-phases", type=int, default=2, help="reduced-rate phases of each (2)"
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="the reduced-rate phases at this many commands/s for both versions (default:"
        " half of each one's own mean peak)",
    )
    parser.add_argument("--partnerships", type=int, default=300)
    parser.add_argument(
        "--after-workers", type=int, default=1, help="API processes of the after version (1)"
    )
    parser.add_argument(
        "--before-workers", type=int, default=1, help="API processes of the before version (1)"
    )
    parser.add_argument(
        "--before-projections",
        choices=["embedded", "external"],
        default="embedded",
        help="the before version's projections",
    )
    parser.add_argument(
        "--after-projections",
        choices=["embedded", "external"],
        default="embedded",
        help="the after version's projections (external: one `tvaers project run` beside)",
    )
    args = parser.parse_args()
    hc.check_wrk()
    _http.install_sigterm_handler()
    print(f"code: {generate.code_version()}")
    print(f"machine: {_http.machine_line()}")
    versions = [
        _server(
            "before",
            args.before,
            args,
            workers=args.before_workers,
            projections=args.before_projections,
        ),
        _server(
            "after",
            args.after,
            args,
            workers=args.after_workers,
            projections=args.after_projections,
        ),
    ]
    floor_dsn = versions[0]["dsn"]
    floor_postmaster = asyncio.run(hc._postmaster(floor_dsn))
    wrk = {"threads": 2, "seconds": args.seconds}
    try:
        print(
            f"before ({versions[0]['code']}): {versions[0]['server'].describe()}\n"
            f"after ({versions[1]['code']}): {versions[1]['server'].describe()}\n"
            f"wrk -t2 -c{args.connections}"
            f" -d{args.seconds:.0f}s; 300 grants",
            flush=True,
        )
        floor = hc.FloorServer(floor_dsn, _http.free_port(), versions[0]["server"].logdir)
        with floor:
            assert floor.process is not None
            floor_meter = _http.CpuMeter(
                {"floor app": floor.process.pid, "PostgreSQL": floor_postmaster}
            )
            floors = []

            def run_floor(label: str) -> None:
                hc.wrk(
                    "warm-up",
                    floor.url,
                    versions[0]["script"],
                    connections=32,
                    meter=floor_meter,
                    threads=2,
                    seconds=2,
                )
                run = hc.wrk(
                    label,
                    floor.url,
                    versions[0]["script"],
                    connections=args.connections,
                    meter=floor_meter,
                    **wrk,
                )
                floors.append(run)
                print(run.line(), flush=True)

            run_floor("floor (before)")
            for version in versions:  # the cold start: every aggregate read once
                hc.wrk(
                    "warm-up",
                    version["server"].url,
                    version["script"],
                    connections=args.connections,
                    meter=version["meter"],
                    **wrk,
                )
                _settle(version)
            for index in range(args.rounds):
                for version in versions if index % 2 == 0 else versions[::-1]:
                    run = hc.wrk(
                        f"{version['name']}, round {index + 1}",
                        version["server"].url,
                        version["script"],
                        connections=args.connections,
                        meter=version["meter"],
                        **wrk,
                    )
                    version["peaks"].append(run)
                    print(run.line(), flush=True)
                    _settle(version)
            halves: dict[str, list[hc.Run]] = {}
            for index in range(args.half_phases):
                for version in versions if index % 2 == 0 else versions[::-1]:
                    peak = statistics.mean(r.rate for r in version["peaks"])
                    rate = args.rate or peak / 2
                    what = "the rate asked" if args.rate else "half its peak"
                    run = hc.wrk(
                        f"{version['name']} at {what} ({rate:,.0f}/s), part {index + 1}",
                        version["server"].url,
                        version["script"],
                        connections=args.open_connections,
                        meter=version["meter"],
                        rate=rate,
                        **wrk,
                    )
                    halves.setdefault(version["name"], []).append(run)
                    print(run.line(), flush=True)
                    _settle(version)
            run_floor("floor (after)")
        floor_rate = statistics.mean(r.rate for r in floors)
        print()
        for version in versions:
            peaks = version["peaks"]
            rate = statistics.mean(r.rate for r in peaks)
            api = statistics.mean(r.cpu_ms["API"] + r.cpu_ms.get("projector", 0) for r in peaks)
            pg = statistics.mean(r.cpu_ms["PostgreSQL"] for r in peaks)
            half = halves[version["name"]]
            print(
                f"SUMMARY {version['name']} ({version['code']}): peak"
                f" {rate:,.0f} commands/s (rounds: {', '.join(f'{r.rate:,.0f}' for r in peaks)})"
                f" | ratio to the floor's mean {floor_rate:,.0f}/s: {rate / floor_rate:.3f}"
                f" | CPU ms/command API {api:.2f}, PostgreSQL {pg:.2f}"
                f" | reduced rate: {', '.join(_half(r) for r in half)}"
                f" (API {statistics.mean(r.cpu_ms['API'] for r in half):.2f} ms/command)"
                + (" | API CPU includes the projector's" if "projector" in peaks[0].cpu_ms else "")
            )
        failed = [r for v in versions for r in v["peaks"] if r.non2xx or r.socket_errors]
        if failed:
            raise SystemExit(f"FAILED: {len(failed)} phase(s) had errors")
    finally:
        for version in versions:
            version["server"].__exit__(None, None, None)


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"took {time.perf_counter() - started:.0f} s")
