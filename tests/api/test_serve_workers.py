"""`tvaers serve --workers N` (issue 17, second round): several API processes, only in the
shape where they are consistent (PostgreSQL, projections external)."""

from __future__ import annotations

from typing import Any

import pytest

from api import cli


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What `uvicorn.run` was called with (nothing is served)."""
    import uvicorn

    calls: dict[str, Any] = {}

    def run(app: Any, **kwargs: Any) -> None:
        calls.update(kwargs, app=app)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr("api.app.create_app", lambda settings: "the app")
    return calls


POSTGRES = "postgresql://tvaers@db.invalid:5432/tvaers"


def test_several_workers_serve_the_app_factory_in_each_process(
    started: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("TVAERS_DATABASE_URL", POSTGRES)
    monkeypatch.setenv("TVAERS_PROJECTIONS", "external")
    monkeypatch.setenv("TVAERS_SECRET_KEY", "a shared key for every worker, 32+ characters")
    assert cli.main(["serve", "--port", "1", "--workers", "3"]) == 0
    assert started["app"] == "api.app:create_app"
    assert started["factory"] is True
    assert started["workers"] == 3
    assert started["server_header"] is False


@pytest.mark.parametrize(
    ("url", "projections"),
    [(POSTGRES, "embedded"), ("sqlite:///{tmp}/t.sqlite3", "external")],
)
def test_several_workers_are_refused_where_they_would_disagree(
    started: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
    url: str,
    projections: str,
) -> None:
    """Embedded projections: each process would keep the views; SQLite: one writer."""
    monkeypatch.setenv("TVAERS_DATABASE_URL", url.format(tmp=tmp_path))
    monkeypatch.setenv("TVAERS_PROJECTIONS", projections)
    assert cli.main(["serve", "--port", "1", "--workers", "2"]) == 2
    assert started == {}
    assert "TVAERS_PROJECTIONS=external" in capsys.readouterr().err


def test_one_worker_serves_the_app_built_here(
    started: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("TVAERS_DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite3")
    assert cli.main(["serve", "--port", "1"]) == 0
    assert started["app"] == "the app"
    assert "workers" not in started
