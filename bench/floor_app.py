"""The floor of bench/http_commands.py: a minimal Litestar app, one asyncpg INSERT a request.

    FLOOR_DSN=postgresql://... uvicorn --factory floor_app:create_app --app-dir bench

It answers the same paths as the product's commands the benchmark sends
(`POST /partnerships/{id}/factors|milestones`, JSON body, bearer header ignored) with
one `INSERT` of the body into `floor_rows` on the same PostgreSQL, and 201 with a small
JSON body, under the same uvicorn settings: what any Python web app over this database
costs per request on this machine. The product's command rate is compared with it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from litestar import Litestar, Request, post

TABLE = (
    "CREATE TABLE IF NOT EXISTS floor_rows (id bigserial PRIMARY KEY,"
    " partnership_id uuid NOT NULL, kind text NOT NULL, body text NOT NULL,"
    " created_at timestamptz NOT NULL DEFAULT now())"
)
INSERT = "INSERT INTO floor_rows (partnership_id, kind, body) VALUES ($1, $2, $3) RETURNING id"


class Accepted(msgspec.Struct):
    id: int
    version: int


def create_app() -> Litestar:
    dsn = os.environ["FLOOR_DSN"]
    pools: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        await pool.execute(TABLE)
        pools["pool"] = pool
        try:
            yield
        finally:
            await pool.close()

    async def insert(partnership_id: UUID, kind: str, request: Request[Any, Any, Any]) -> Accepted:
        body = (await request.body()).decode()
        row_id = await pools["pool"].fetchval(INSERT, partnership_id, kind, body)
        return Accepted(id=int(row_id), version=1)

    @post("/partnerships/{partnership_id:uuid}/factors", status_code=201)
    async def factor(partnership_id: UUID, request: Request[Any, Any, Any]) -> Accepted:
        return await insert(partnership_id, "factor", request)

    @post("/partnerships/{partnership_id:uuid}/milestones", status_code=201)
    async def milestone(partnership_id: UUID, request: Request[Any, Any, Any]) -> Accepted:
        return await insert(partnership_id, "milestone", request)

    return Litestar(route_handlers=[factor, milestone], lifespan=[lifespan], logging_config=None)
