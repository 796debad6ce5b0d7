"""What a NOTIFY costs PostgreSQL, beside the same insert without one (issue 17, ADR 0031).

    .venv/bin/python -m tests.pgserver -- .venv/bin/python bench/notify_cost.py

One connection inserts single rows into a scratch table, in autocommit, `--rows` times
each way, alternated `--rounds` times: a plain INSERT (the baseline), and the same
INSERT with `pg_notify` in the same statement (as every write to the event store
notifies). `--listeners` (3) other connections meanwhile LISTEN on a channel nobody
notifies, as the API processes' access-change listeners do. Printed per way: the CPU
the inserting backend spent a row, what the listening backends spent together, and the
client's own CPU a row (one asyncpg round trip), from /proc (the server must be on this
machine; the clock's tick is 10 ms, hence the many rows).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import asyncpg
import generate

PLAIN = "INSERT INTO notify_cost (v) VALUES (1)"
NOTIFYING = (
    "WITH x AS (INSERT INTO notify_cost (v) VALUES (1) RETURNING id)"
    " SELECT pg_notify('notify_cost_events', '') FROM x"
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (a PostgreSQL backend), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(args: argparse.Namespace) -> None:
    admin = generate.admin_url()
    url = generate.fresh_database(admin, "bench_notify_cost")
    writer = await asyncpg.connect(url)
    listeners = []
    try:
        await writer.execute("CREATE TABLE notify_cost (id bigserial PRIMARY KEY, v int)")
        backend = await writer.fetchval("SELECT pg_backend_pid()")
        for _ in range(args.listeners):
            listener = await asyncpg.connect(url)
            await listener.add_listener("notify_cost_elsewhere", lambda *_: None)
            listeners.append((listener, await listener.fetchval("SELECT pg_backend_pid()")))
        figures: dict[str, list[tuple[float, float, float]]] = {"plain": [], "notifying": []}
        for number in range(args.rounds):
            ways = [("plain", PLAIN), ("notifying", NOTIFYING)]
            for name, sql in ways if number % 2 == 0 else ways[::-1]:
                server = cpu_seconds(backend)
                listening = sum(cpu_seconds(pid) for _, pid in listeners)
                client = time.process_time()
                for _ in range(args.rows):
                    await writer.execute(sql)
                await asyncio.sleep(0.2)  # the listeners' wake-ups done
                per_row = [
                    (cpu_seconds(backend) - server) / args.rows * 1e6,
                    (sum(cpu_seconds(pid) for _, pid in listeners) - listening) / args.rows * 1e6,
                    (time.process_time() - client) / args.rows * 1e6,
                ]
                figures[name].append((per_row[0], per_row[1], per_row[2]))
        for name, rows in figures.items():
            inserting, listening, client = (statistics.median(r[k] for r in rows) for k in range(3))
            print(
                f"{name}: inserting backend {inserting:.0f} µs a row, the {args.listeners}"
                f" listening backends {listening:.0f} µs together, client {client:.0f} µs"
                f" (medians of {args.rounds} rounds of {args.rows} rows)"
            )
    finally:
        for listener, _ in listeners:
            await listener.close()
        await writer.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3000, help="rows a round each way (3000)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds (6)")
    parser.add_argument("--listeners", type=int, default=3, help="listening connections (3)")
    asyncio.run(main(parser.parse_args()))
