"""The layers' contracts (pyproject.toml, [tool.importlinter]) hold, and say what they should.

`make lint` runs lint-imports too; here the contracts are also checked for being there:
a contract deleted or loosened to make a violation pass fails this test.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import asyncpg
import psycopg
from eventsourcing import persistence

from api.errors import DATABASE_UNAVAILABLE

ROOT = Path(__file__).resolve().parent.parent
DRIVERS = {"asyncpg", "psycopg", "sqlite3"}


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _forbidden(source: str) -> set[str]:
    return {
        module
        for contract in _contracts()
        if contract["type"] == "forbidden" and source in contract["source_modules"]
        for module in contract["forbidden_modules"]
    }


def test_services_may_not_import_the_projections() -> None:
    assert "projections" in _forbidden("services")


def test_the_api_may_not_import_a_database_driver() -> None:
    assert _forbidden("api") >= DRIVERS


def test_every_contract_is_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_the_api_still_answers_503_for_every_store_s_unreachable_database() -> None:
    """The drivers' exceptions come from the stores' modules now, none was lost on the way."""
    for error in (
        persistence.OperationalError,
        persistence.InterfaceError,
        psycopg.OperationalError,
        psycopg.InterfaceError,
        asyncpg.PostgresConnectionError,
        asyncpg.exceptions.OperatorInterventionError,
        asyncpg.exceptions.InsufficientResourcesError,
        ConnectionError,
        TimeoutError,
    ):
        assert error in DATABASE_UNAVAILABLE, error
