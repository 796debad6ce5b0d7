"""Every log line is structlog's: stdlib and uvicorn records go through the same renderer.

Each test runs a fresh Python process (logging is configured once per process): it builds
the app with TVAERS_LOG_FORMAT=json, sets uvicorn's logging up as `tvaers serve` does,
writes records through structlog, a stdlib logger, uvicorn's access and error loggers and
Litestar's logger, and the test reads its stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = {"event", "level", "timestamp", "logger"}

SCRIPT = """\
import logging
import sys

import structlog
import uvicorn

from api.app import create_app
from api.logging import UVICORN_LOGGING
from services.settings import Settings

app = create_app(Settings(database_url=sys.argv[1], log_format=sys.argv[2]))
# as `tvaers serve` does, with the access log on and at info to see its records
uvicorn.Config(app, **{**UVICORN_LOGGING, "access_log": True, "log_level": "info"})
structlog.get_logger("tvaers.test").info("from structlog", answer=42)
logging.getLogger("tvaers.stdlib").warning("from the standard library: %s", "formatted")
logging.getLogger("uvicorn.access").info(
    '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/health", "1.1", 200
)
logging.getLogger("uvicorn.error").info("Application startup complete.")
logging.getLogger("litestar").warning("from litestar")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("asyncio").exception("Task exception was never retrieved")
"""


@pytest.fixture(scope="module")
def stderr(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What a process writes in each format (both processes run at once)."""
    directory = tmp_path_factory.mktemp("logging")
    processes = {
        log_format: subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(directory / f"{log_format}.sqlite3"), log_format],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for log_format in ("json", "console")
    }
    written = {}
    for log_format, process in processes.items():
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert out == ""
        written[log_format] = err
    return written


@pytest.fixture
def lines(stderr: dict[str, str]) -> list[dict[str, Any]]:
    """The JSON process's lines, each parsed (a line that is not JSON fails)."""
    parsed = []
    for line in stderr["json"].splitlines():
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"a line that is not JSON: {line!r}\n{stderr['json']}") from None
    return parsed


def _by_logger(lines: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {line["logger"]: line for line in lines if "logger" in line}


def test_every_line_is_json_with_structlog_s_keys(lines: list[dict[str, Any]]) -> None:
    assert lines
    for line in lines:
        assert line.keys() >= KEYS, line
    by_logger = _by_logger(lines)
    assert by_logger.keys() >= {
        "tvaers.test",
        "tvaers.stdlib",
        "uvicorn.access",
        "uvicorn.error",
        "litestar",
        "asyncio",
    }


def test_stdlib_and_uvicorn_records_read_like_structlog_s(lines: list[dict[str, Any]]) -> None:
    by_logger = _by_logger(lines)

    ours = by_logger["tvaers.test"]
    assert (ours["event"], ours["level"], ours["answer"]) == ("from structlog", "info", 42)
    stdlib = by_logger["tvaers.stdlib"]
    assert (stdlib["event"], stdlib["level"]) == (
        "from the standard library: formatted",
        "warning",
    )
    access = by_logger["uvicorn.access"]
    assert access["event"] == '127.0.0.1:5000 - "GET /health HTTP/1.1" 200'
    assert access["level"] == "info"
    assert set(stdlib) == set(access) == KEYS  # no stray keys (color_message, _record)
    assert ours["timestamp"].endswith("Z")
    assert stdlib["timestamp"].endswith("Z")


def test_a_stdlib_exception_is_one_json_line_with_its_traceback(
    lines: list[dict[str, Any]],
) -> None:
    failed = _by_logger(lines)["asyncio"]

    assert failed["level"] == "error"
    assert "ZeroDivisionError" in failed["exception"]


def test_the_console_format_renders_stdlib_records_too(stderr: dict[str, str]) -> None:
    lines = stderr["console"].splitlines()

    access = next(line for line in lines if "GET /health" in line)
    assert "[info" in access
    assert "uvicorn.access" in access
    assert not any(line.startswith("INFO") for line in lines)  # no logging.basicConfig lines
