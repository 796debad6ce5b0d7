"""Export the whole event log as JSON Lines, and import it into an empty store.

Events file (`tvaers events export FILE`), one JSON object a line:

- line 1, the header: ``{"format": "tvaers-events", "version": 1, "source": "sqlite" |
  "postgresql", "exported_at": ISO time, "count": events, "last_notification_id": …}``;
- then one line per stored event, in notification order: ``{"notification_id",
  "originator_id", "originator_version", "topic", "state"}``. ``state`` is the stored
  bytes themselves, embedded as a JSON value when they are UTF-8 JSON on one line (the
  mapper's msgspec JSON always is), byte for byte; otherwise the line carries
  ``"state_b64"`` (standard base64) instead.

Keys file (`--keys FILE`), separate on purpose (ADR 0004: keys never travel or are kept
with the events): a header ``{"format": "tvaers-person-keys", "version": 1, "source",
"exported_at", "count"}``, then ``{"subject_id", "key"}`` a line, ``key`` base64 or
null for an erased person.

Import writes the stored records unchanged through the recorder (no re-encoding, so
sealed personal data stays sealed), with notification ids assigned by the target in the
same order. It refuses a store that has events and a file that does not check out
(header, JSON, order, count) before writing anything.
"""

from __future__ import annotations

import base64
import binascii
import os
import shutil
import tempfile
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple
from uuid import UUID

import msgspec
from eventsourcing.persistence import StoredEvent

from services.application import Tvaers
from services.personal_data import PersonalDataKeys

EVENTS_FORMAT = "tvaers-events"
KEYS_FORMAT = "tvaers-person-keys"
FORMAT_VERSION = 1
BATCH_SIZE = 1000
_KEY_BYTES = 32


class TransferError(Exception):
    """The export or import cannot go on; the message says why and what to do."""


class Progress(NamedTuple):
    """How far a phase ("export", "check", "import") has come, in events."""

    phase: str
    done: int
    total: int


class EventsHeader(msgspec.Struct, forbid_unknown_fields=False):
    format: str
    version: int
    source: str
    exported_at: datetime
    count: int
    last_notification_id: int


class EventRecord(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True):
    notification_id: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: msgspec.Raw = msgspec.Raw()
    state_b64: str | None = None


class KeysHeader(msgspec.Struct, forbid_unknown_fields=False):
    format: str
    version: int
    source: str
    exported_at: datetime
    count: int


class KeyRecord(msgspec.Struct, forbid_unknown_fields=True):
    subject_id: UUID
    key: str | None


_encoder = msgspec.json.Encoder()
_record_decoder = msgspec.json.Decoder(EventRecord)
_key_decoder = msgspec.json.Decoder(KeyRecord)


# -- the store --------------------------------------------------------------------------------


def stored_count(app: Tvaers) -> tuple[int, int]:
    """(number of events, highest notification id), read in one statement."""
    table = app.settings.events_table
    datastore: Any = app.recorder.datastore  # type: ignore[attr-defined]
    column = "rowid" if app.settings.store == "sqlite" else "notification_id"
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT count(*) AS n, max({column}) AS head FROM {table}")
        row = cursor.fetchone()
        return int(row["n"]), int(row["head"] or 0)


def _uuid(value: UUID | str) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def _state_field(state: bytes) -> dict[str, Any]:
    """The stored bytes as the JSON value they are, else as base64 (see the module doc)."""
    if b"\n" not in state and b"\r" not in state:
        try:
            state.decode("utf-8")
            raw = msgspec.json.decode(state, type=msgspec.Raw)
        except (UnicodeDecodeError, msgspec.DecodeError):
            pass
        else:
            if bytes(raw) == state:  # no surrounding whitespace to lose
                return {"state": raw}
    return {"state_b64": base64.b64encode(state).decode("ascii")}


def _state_bytes(record: EventRecord) -> bytes:
    if record.state_b64 is not None:
        return base64.b64decode(record.state_b64, validate=True)
    return bytes(record.state)


# -- export -------------------------------------------------------------------------------


def export_events(
    app: Tvaers,
    out: IO[bytes],
    *,
    keys_out: IO[bytes] | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Progress]:
    """Write every event up to the current head to `out`, then the keys to `keys_out`.

    Reads `batch_size` notifications at a time (constant memory). The keys are read after
    the events, so every person sealed in the exported events has their key in it.
    """
    total, head = stored_count(app)
    header = EventsHeader(
        format=EVENTS_FORMAT,
        version=FORMAT_VERSION,
        source=app.settings.store,
        exported_at=datetime.now(UTC),
        count=total,
        last_notification_id=head,
    )
    out.write(_encoder.encode(header) + b"\n")
    done = 0
    yield Progress("export", done, total)
    start = 1
    while True:
        notifications = app.recorder.select_notifications(start=start, limit=batch_size, stop=head)
        if not notifications:
            break
        lines = [
            _encoder.encode(
                EventRecord(
                    notification_id=n.id,
                    originator_id=_uuid(n.originator_id),
                    originator_version=n.originator_version,
                    topic=n.topic,
                    **_state_field(n.state),
                )
            )
            for n in notifications
        ]
        out.write(b"\n".join(lines) + b"\n")
        done += len(notifications)
        start = notifications[-1].id + 1
        yield Progress("export", done, total)
    out.flush()
    if done != total:
        raise TransferError(f"Counted {total} events but read {done}; the export is incomplete.")
    if keys_out is not None:
        export_keys(app.keys, app.settings.store, keys_out)


def export_keys(keys: PersonalDataKeys, source: str, out: IO[bytes]) -> int:
    """Write every person's key (null once erased); returns how many."""
    rows = keys.all_keys()
    header = KeysHeader(
        format=KEYS_FORMAT,
        version=FORMAT_VERSION,
        source=source,
        exported_at=datetime.now(UTC),
        count=len(rows),
    )
    out.write(_encoder.encode(header) + b"\n")
    for subject_id, key in rows:
        encoded = None if key is None else base64.b64encode(key).decode("ascii")
        out.write(_encoder.encode(KeyRecord(subject_id=subject_id, key=encoded)) + b"\n")
    out.flush()
    return len(rows)


# -- checking a file ---------------------------------------------------------------------------


def _header_line(source: IO[bytes], what: str) -> bytes:
    line = source.readline()
    if not line.strip():
        raise TransferError(f"The {what} file is empty; it is not a Tværs export.")
    return line


def _read_events_header(source: IO[bytes]) -> EventsHeader:
    line = _header_line(source, "events")
    try:
        header = msgspec.json.decode(line, type=EventsHeader)
    except msgspec.DecodeError as error:
        raise TransferError(f"Line 1 is not a Tværs events header: {error}") from None
    if header.format != EVENTS_FORMAT:
        raise TransferError(f"Line 1 names format {header.format!r}, not {EVENTS_FORMAT!r}.")
    if header.version != FORMAT_VERSION:
        raise TransferError(
            f"The file is format version {header.version}; this Tværs reads {FORMAT_VERSION}."
        )
    return header


def _decode_record(line: bytes, number: int) -> EventRecord:
    try:
        record = _record_decoder.decode(line)
        if record.state_b64 is None and not bytes(record.state):
            raise TransferError(f"Line {number} has neither state nor state_b64.")
        if record.state_b64 is not None:
            base64.b64decode(record.state_b64, validate=True)
    except (msgspec.DecodeError, binascii.Error) as error:
        raise TransferError(
            f"Line {number} is cut off or corrupt ({error}); the file is truncated or damaged."
        ) from None
    return record


def check_events_file(
    source: IO[bytes], *, batch_size: int = BATCH_SIZE
) -> Generator[Progress, None, tuple[EventsHeader, EventRecord | None]]:
    """Read the whole file once: the header, every line, the order and the count.

    Yields progress; returns the header and the last record (`yield from`). Nothing is
    kept in memory but the last line.
    """
    header = _read_events_header(source)
    yield Progress("check", 0, header.count)
    last: EventRecord | None = None
    count = 0
    for number, line in enumerate(source, start=2):
        if count % batch_size == 0 and count:
            yield Progress("check", count, header.count)
        if not line.strip():
            raise TransferError(f"Line {number} is empty.")
        record = _decode_record(line, number)
        if last is not None and record.notification_id <= last.notification_id:
            raise TransferError(
                f"Line {number}: notification {record.notification_id} is not after "
                f"{last.notification_id}; the file is out of order."
            )
        last = record
        count += 1
    if count != header.count:
        raise TransferError(
            f"The file holds {count} of the {header.count} events its header announces: "
            "it is truncated. Export again."
        )
    if last is not None and last.notification_id != header.last_notification_id:
        raise TransferError(
            f"The last event is notification {last.notification_id}, the header says "
            f"{header.last_notification_id}: the file is damaged."
        )
    yield Progress("check", count, header.count)
    return header, last


def read_keys_file(source: IO[bytes]) -> list[tuple[UUID, bytes | None]]:
    """Every key in a keys file, checked (format, count, key length)."""
    line = _header_line(source, "keys")
    try:
        header = msgspec.json.decode(line, type=KeysHeader)
    except msgspec.DecodeError as error:
        raise TransferError(f"Line 1 of the keys file is not a keys header: {error}") from None
    if header.format != KEYS_FORMAT or header.version != FORMAT_VERSION:
        raise TransferError(
            f"The keys file is {header.format!r} version {header.version}, "
            f"not {KEYS_FORMAT!r} version {FORMAT_VERSION}."
        )
    rows: list[tuple[UUID, bytes | None]] = []
    for number, raw in enumerate(source, start=2):
        try:
            record = _key_decoder.decode(raw)
            key = None if record.key is None else base64.b64decode(record.key, validate=True)
        except (msgspec.DecodeError, binascii.Error) as error:
            raise TransferError(
                f"Line {number} of the keys file is cut off or corrupt ({error})."
            ) from None
        if key is not None and len(key) != _KEY_BYTES:
            raise TransferError(f"Line {number} of the keys file: not a 256-bit key.")
        rows.append((record.subject_id, key))
    if len(rows) != header.count:
        raise TransferError(
            f"The keys file holds {len(rows)} of the {header.count} keys its header "
            "announces: it is truncated. Export again."
        )
    return rows


# -- import -------------------------------------------------------------------------------


def _seekable(source: IO[bytes], stack: ExitStack) -> IO[bytes]:
    """`source` itself if it can be read twice, else a temporary copy on disk (stdin)."""
    if source.seekable():
        return source
    copy: IO[bytes] = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
    shutil.copyfileobj(source, copy, 1 << 20)
    copy.seek(0)
    return copy


def import_events(
    app: Tvaers,
    source: IO[bytes],
    *,
    keys_source: IO[bytes] | None = None,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Progress]:
    """Import an export into `app`'s store, which must hold no events.

    Checks the target and both files first; writes nothing if any check fails. Then the
    keys (one transaction), then the events in batches (a transaction each), then
    verifies the count and the last event, and deletes the keys of erased persons again.
    If it fails part-way, drop the target store and import again.
    """
    events, head = stored_count(app)
    if events:
        raise TransferError(
            f"The target store already holds {events} events (up to notification {head}); "
            "import only into an empty store."
        )
    with ExitStack() as stack:
        source = _seekable(source, stack)
        start = source.tell()
        header, last = yield from check_events_file(source, batch_size=batch_size)
        keys = None if keys_source is None else read_keys_file(keys_source)
        if keys is not None and app.keys.count():
            raise TransferError(
                "The target's key store already holds keys; import only into an empty store."
            )
        if keys is not None:
            app.keys.load(keys)

        source.seek(start)
        source.readline()  # the header
        done = 0
        yield Progress("import", done, header.count)
        batch: list[StoredEvent] = []
        for number, line in enumerate(source, start=2):
            record = _decode_record(line, number)
            batch.append(
                StoredEvent(
                    originator_id=record.originator_id,
                    originator_version=record.originator_version,
                    topic=record.topic,
                    state=_state_bytes(record),
                )
            )
            if len(batch) >= batch_size:
                app.recorder.insert_events(batch)
                done += len(batch)
                batch = []
                yield Progress("import", done, header.count)
        if batch:
            app.recorder.insert_events(batch)
            done += len(batch)
        yield Progress("import", done, header.count)

    _verify(app, header, last)
    app.reapply_erasures()


def _verify(app: Tvaers, header: EventsHeader, last: EventRecord | None) -> None:
    count, head = stored_count(app)
    if count != header.count:
        raise TransferError(f"The target holds {count} events after import, not {header.count}.")
    if last is None:
        return
    [stored] = app.recorder.select_notifications(start=head, limit=1)
    if (_uuid(stored.originator_id), stored.originator_version) != (
        last.originator_id,
        last.originator_version,
    ):
        raise TransferError(
            f"The target's last event is {stored.originator_id} v{stored.originator_version}, "
            f"the file's {last.originator_id} v{last.originator_version}."
        )


def open_private(path: str) -> IO[bytes]:
    """A new file readable by its owner only (for the keys)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # also when the file was there before
    return os.fdopen(fd, "wb")
