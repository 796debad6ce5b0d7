"""The command line is held to the same text rule as the API and the web UI (issue 12,
finding 9): the gate every event passes (aggregates/base.py) refuses what no text may
hold, whatever the way in."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from api.cli import main
from services.application import Tvaers
from services.settings import Settings


@pytest.mark.parametrize(
    "display_name", ["Anna\x00", "Anna\u202e", "Anna\nBerg", "\u200b\u3164", "Anna\x1b[2J"]
)
def test_a_user_with_a_hostile_display_name_is_refused_and_nothing_is_saved(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    display_name: str,
) -> None:
    database = str(tmp_path / "tvaers.sqlite3")
    monkeypatch.setenv("TVAERS_DATABASE_URL", database)
    monkeypatch.setattr("sys.stdin", io.StringIO("et langt og hemmeligt kodeord\n"))

    code = main(
        ["user", "create", "anna@sundeborg.dk", "--display-name", display_name, "--password-stdin"]
    )

    assert code == 1
    assert "display_name" in capsys.readouterr().err
    tvaers = Tvaers(Settings(database_url=database))
    try:
        assert tvaers.max_notification_id() == 0
    finally:
        tvaers.close()
