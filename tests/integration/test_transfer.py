"""`tvaers events export/import`: round trips SQLite -> PostgreSQL -> SQLite, and refusals."""

from __future__ import annotations

import io
import json
import random
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec
import pytest

from aggregates import Contact
from api.cli import main
from api.readside import build_store
from projections.catalog import ALL
from projections.runner import ProjectionRunner
from services.application import Tvaers
from services.commands import ChangePersonContact, ErasePerson
from services.settings import Settings
from services.transfer import (
    TransferError,
    export_events,
    import_events,
    stored_count,
)
from tests.commands import execute
from tests.projections.support import generate_history, meta, organisation, person, view_contents


def _canonical(value: Any) -> Any:
    """A view value as both stores agree on it.

    PostgreSQL returns typed values (UUID, date, datetime, jsonb reformatted); SQLite
    returns text (timestamps with "Z", compact JSON) and integers for booleans.
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, UUID | date):
        return str(value) if isinstance(value, UUID) else value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value[:1] in ("{", "["):
        return json.loads(value)
    if isinstance(value, str) and _TIMESTAMP.fullmatch(value):
        return datetime.fromisoformat(value).astimezone(UTC)
    return value


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Canonical rows in an order both stores agree on (they sort NULLs differently)."""
    canonical = [{k: _canonical(v) for k, v in row.items()} for row in rows]
    return sorted(canonical, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def _settings(url: str) -> Settings:
    return Settings(database_url=url, snapshot_interval=10, housekeeping=False)


async def _views(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Build every view from the first event with the usual runner; their whole contents."""
    app = Tvaers(settings)
    store = build_store(settings)
    try:
        await store.open()
        runner = ProjectionRunner(store, ALL, app.mapper.to_domain_event)
        await runner.setup()
        await runner.catch_up()
        contents = await view_contents(store)
        return {table: _rows(rows) for table, rows in contents.items()}
    finally:
        await store.close()
        app.close()


def _cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, *argv: str) -> int:
    monkeypatch.setenv("TVAERS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("TVAERS_HOUSEKEEPING", "off")
    return main(["events", *argv])


def _export(settings: Settings, events: Path, keys: Path) -> None:
    app = Tvaers(settings)
    try:
        with events.open("wb") as out, keys.open("wb") as keys_out:
            list(export_events(app, out, keys_out=keys_out, batch_size=97))
    finally:
        app.close()


def _import(settings: Settings, events: Path, keys: Path | None = None) -> None:
    app = Tvaers(settings)
    try:
        with events.open("rb") as source:
            if keys is None:
                list(import_events(app, source, batch_size=97))
            else:
                with keys.open("rb") as keys_source:
                    list(import_events(app, source, keys_source=keys_source, batch_size=97))
    finally:
        app.close()


def _contact(settings: Settings, person_id: UUID) -> Contact:
    """The contact details a person was registered with, as their first event reads."""
    app = Tvaers(settings)
    try:
        registered: Any = next(iter(app.events.get(person_id)))
        assert isinstance(registered.contact, Contact)
        return registered.contact
    finally:
        app.close()


def _count(settings: Settings) -> tuple[int, int]:
    app = Tvaers(settings)
    try:
        return stored_count(app)
    finally:
        app.close()


def _history(settings: Settings) -> tuple[UUID, UUID]:
    """A realistic history, a person with changed contact details and an erased one."""
    app = Tvaers(settings)
    try:
        generate_history(app, random.Random(20), partnerships=3)
        org = organisation(app, "Forening for Gang")
        kept = person(app, "Birthe Bach", org, email="birthe@example.dk")
        execute(
            app,
            ChangePersonContact.of(
                Contact(name="Birthe Bach", email="bb@example.dk", phone="12345678"), person_id=kept
            ),
            meta(),
        )
        erased = person(app, "Erik Slet", org, email="erik@example.dk")
        execute(app, ErasePerson(person_id=erased), meta(reason="Anmodning om sletning"))
        return kept, erased
    finally:
        app.close()


async def test_round_trip_sqlite_postgres_sqlite(
    sqlite_settings: Settings,
    make_postgres_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept, erased = _history(sqlite_settings)
    source_count = _count(sqlite_settings)
    events, keys = tmp_path / "events.jsonl", tmp_path / "keys.jsonl"
    assert _cli(monkeypatch, sqlite_settings, "export", str(events), "--keys", str(keys)) == 0

    header = msgspec.json.decode(events.read_bytes().split(b"\n", 1)[0])
    assert header["format"] == "tvaers-events"
    assert header["source"] == "sqlite"
    assert header["count"] == source_count[0]
    assert keys.stat().st_mode & 0o077 == 0  # the keys are readable by their owner only
    assert b"erik@example.dk" not in events.read_bytes()  # sealed, as stored

    postgres = _settings(make_postgres_database())
    _import(postgres, events, keys)
    assert _count(postgres)[0] == source_count[0]
    assert _contact(postgres, kept).email == "birthe@example.dk"
    assert _contact(postgres, erased).name == "(slettet)"
    expected = await _views(sqlite_settings)
    assert sum(len(rows) for rows in expected.values()) > 100
    assert await _views(postgres) == expected

    # ...and back, into a fresh SQLite file, through the CLI.
    events2, keys2 = tmp_path / "events2.jsonl", tmp_path / "keys2.jsonl"
    _export(postgres, events2, keys2)
    header2 = msgspec.json.decode(events2.read_bytes().split(b"\n", 1)[0])
    assert header2["source"] == "postgresql"
    assert header2["count"] == source_count[0]
    back = _settings(str(tmp_path / "back" / "tvaers.sqlite3"))
    assert _cli(monkeypatch, back, "import", str(events2), "--keys", str(keys2)) == 0
    assert _contact(back, kept).email == "birthe@example.dk"
    assert _contact(back, erased).name == "(slettet)"
    assert await _views(back) == expected
    # The stored records came through byte for byte (only the notification ids are new).
    lines1 = events.read_bytes().splitlines()[1:]
    lines2 = events2.read_bytes().splitlines()[1:]
    strip = [msgspec.json.decode(line) for line in lines1]
    strip2 = [msgspec.json.decode(line) for line in lines2]
    for record in (*strip, *strip2):
        del record["notification_id"]
    assert strip == strip2


def test_without_keys_contact_details_are_unreadable(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    kept, _ = _history(sqlite_settings)
    events, keys = tmp_path / "events.jsonl", tmp_path / "keys.jsonl"
    _export(sqlite_settings, events, keys)
    target = _settings(str(tmp_path / "target.sqlite3"))
    _import(target, events)
    assert _count(target) == _count(sqlite_settings)
    assert _contact(target, kept).name == "(slettet)"


def test_import_into_a_store_with_events_is_refused(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _history(sqlite_settings)
    events, keys = tmp_path / "events.jsonl", tmp_path / "keys.jsonl"
    _export(sqlite_settings, events, keys)
    target = _settings(str(tmp_path / "target.sqlite3"))
    app = Tvaers(target)
    org = organisation(app, "Allerede her")
    app.close()
    before = _count(target)

    code = _cli(monkeypatch, target, "import", str(events), "--keys", str(keys))
    assert code == 1
    assert _count(target) == before
    app = Tvaers(target)
    try:
        with pytest.raises(TransferError, match="already holds 1 events"), events.open("rb") as f:
            list(import_events(app, f))
        assert app.keys.key_for(org, create=False) is None  # no keys written either
    finally:
        app.close()
    assert _count(target) == before


@pytest.mark.parametrize("cut", ["mid_line", "line_boundary", "keys"])
def test_a_truncated_file_is_refused_before_anything_is_written(
    sqlite_settings: Settings, tmp_path: Path, cut: str
) -> None:
    _history(sqlite_settings)
    events, keys = tmp_path / "events.jsonl", tmp_path / "keys.jsonl"
    _export(sqlite_settings, events, keys)
    data = events.read_bytes()
    if cut == "mid_line":
        events.write_bytes(data[: len(data) * 2 // 3])
        message = "cut off or corrupt"
    elif cut == "line_boundary":
        lines = data.splitlines(keepends=True)
        events.write_bytes(b"".join(lines[: len(lines) // 2]))
        message = "it is truncated"
    else:
        keys.write_bytes(keys.read_bytes()[:-30])
        message = "keys file is cut off or corrupt"
    target = _settings(str(tmp_path / "target.sqlite3"))
    with pytest.raises(TransferError, match=message):
        _import(target, events, keys)
    assert _count(target) == (0, 0)


def test_import_from_a_stream_that_cannot_seek(sqlite_settings: Settings, tmp_path: Path) -> None:
    """Standard input: the file is copied to a temporary file, checked, then imported."""
    kept, _ = _history(sqlite_settings)
    events, keys = tmp_path / "events.jsonl", tmp_path / "keys.jsonl"
    _export(sqlite_settings, events, keys)

    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    target = _settings(str(tmp_path / "target.sqlite3"))
    app = Tvaers(target)
    try:
        with keys.open("rb") as keys_source:
            list(import_events(app, Pipe(events.read_bytes()), keys_source=keys_source))
    finally:
        app.close()
    assert _count(target) == _count(sqlite_settings)
    assert _contact(target, kept).email == "birthe@example.dk"


def test_state_that_is_not_json_travels_as_base64(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    from eventsourcing.persistence import StoredEvent

    app = Tvaers(sqlite_settings)
    odd = StoredEvent(
        originator_id=UUID(int=1), originator_version=1, topic="x:Y", state=b"\x00\xff\n{}"
    )
    app.recorder.insert_events([odd])
    out = io.BytesIO()
    list(export_events(app, out))
    app.close()
    assert b'"state_b64":"AP8Ke30="' in out.getvalue()
    target = _settings(str(tmp_path / "target.sqlite3"))
    app = Tvaers(target)
    try:
        out.seek(0)
        list(import_events(app, out))
        [stored] = app.recorder.select_notifications(start=1, limit=10)
        assert stored.state == odd.state
    finally:
        app.close()
