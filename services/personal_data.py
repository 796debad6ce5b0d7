"""Keys that seal personal data in the event store, one per person (crypto-shredding).

Erasing a person deletes their key: every stored event that holds their contact details
becomes unreadable, in the live database and in any backup restored later (the Erased
events are re-applied on start, so a restored key is deleted again).

Deleting the row is not enough on disk: PostgreSQL keeps the old row version (a dead tuple)
in the table's file and SQLite the old cell in the page's free space, and those bytes still
decrypt. `purge()` is the erasure's maintenance step: it rewrites the small key table so
that a forgotten key is in none of the store's live files (ADR 0004; what remains for a
while, WAL and backups, is in docs/operations.md "Erasure").
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, Literal
from uuid import UUID

import psycopg
import structlog
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services import bridge
from services.settings import Settings

_NONCE = 12

log = structlog.get_logger("tvaers.personal_data")

# How long an erasure keeps rewriting the key table while an older transaction still
# sees the forgotten key's dead row version (then it is tried again every RETRY_PURGE).
PURGE_PATIENCE = 5.0

# Seconds after which a purge that could not finish is tried again, until it does.
RETRY_PURGE = 30.0

# "N dead row versions cannot be removed yet." in VACUUM VERBOSE's report (the detail of
# its notice; the number first in PostgreSQL's translations too).
_FIRST_NUMBER = re.compile(r"\d+")

# How long a rewrite waits for the key table's lock (a rewrite holds it only for
# milliseconds; a longer wait means a stuck transaction, which should not stall erasures).
LOCK_TIMEOUT = "5s"


def open_sealed(key: bytes, subject_id: UUID, sealed: bytes) -> bytes:
    """The plaintext of a value sealed with the subject's key (`PersonalDataKeys.seal`)."""
    return AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], subject_id.bytes)


def _kept(detail: str) -> int:
    """The dead row versions a VACUUM VERBOSE report (a notice's detail) says it kept."""
    found = _FIRST_NUMBER.search(detail)
    return int(found.group()) if found else 0


class PersonalDataKeys(ABC):
    """Where the per-person keys live (never in the event log)."""

    needs_purge: bool = False
    """True after a `purge()` that could not finish (on PostgreSQL it is tried again by
    itself; on both, by the next erasure and start)."""

    @abstractmethod
    def key_for(self, subject_id: UUID, *, create: bool) -> bytes | None:
        """The subject's key; a new one if `create` and none exists; None once forgotten."""

    @abstractmethod
    def forget(self, subject_id: UUID) -> bool:
        """Delete the subject's key for good (idempotent); True if there was a key to delete.

        The key is gone for every reader at once, but its bytes may remain in the store's
        files until `purge()`.
        """

    @abstractmethod
    def purge(self) -> bool:
        """Rewrite the key store so that no forgotten key remains in its files.

        True when done; False (logged as an error, `needs_purge` set) when the store could
        not be rewritten now, e.g. its lock was held too long or an older transaction still
        sees a forgotten key: it is tried again every `RETRY_PURGE` seconds until done, and
        by the next erasure and start.
        """

    @abstractmethod
    def all_keys(self) -> list[tuple[UUID, bytes | None]]:
        """Every subject's key row, ordered by subject, read at one moment (for an export).

        A forgotten subject's row is there with None: it must stay forgotten in a copy.
        Persons are few, so a list is fine.
        """

    @abstractmethod
    def count(self) -> int:
        """How many key rows the store holds (forgotten ones included)."""

    @abstractmethod
    def load(self, rows: list[tuple[UUID, bytes | None]]) -> None:
        """Insert `rows` (from `all_keys` of another store) in one transaction.

        For an import into an empty store: a subject that already has a row is an error
        of the store (a unique constraint), and nothing is inserted then.
        """

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def seal(self, subject_id: UUID, plaintext: bytes) -> bytes:
        key = bridge.blocking(self.key_for, subject_id, create=True)
        assert key is not None
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, subject_id.bytes)

    def unseal(self, subject_id: UUID, sealed: bytes) -> bytes | None:
        """The plaintext, or None when the subject's key has been forgotten."""
        key = bridge.blocking(self.key_for, subject_id, create=False)
        if key is None:
            return None
        return open_sealed(key, subject_id, sealed)


class SQLiteKeys(PersonalDataKeys):
    """Keys in their own SQLite file beside the events (see docs/operations.md on backups)."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        # Deleted content is overwritten with zeros, whatever the build's default (Debian's
        # is on, most others' off): a forgotten key's old cell does not stay in the page.
        self._conn.execute("PRAGMA secure_delete = ON")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS person_keys (subject_id TEXT PRIMARY KEY, key BLOB)"
        )

    def key_for(self, subject_id: UUID, *, create: bool) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT key FROM person_keys WHERE subject_id = ?", (str(subject_id),)
            ).fetchone()
            if row is not None:
                return bytes(row[0]) if row[0] is not None else None
            if not create:
                return None
            # Another process may create it at the same moment: keep whichever came first.
            self._conn.execute(
                "INSERT INTO person_keys (subject_id, key) VALUES (?, ?)"
                " ON CONFLICT (subject_id) DO NOTHING",
                (str(subject_id), AESGCM.generate_key(bit_length=256)),
            )
            row = self._conn.execute(
                "SELECT key FROM person_keys WHERE subject_id = ?", (str(subject_id),)
            ).fetchone()
            return bytes(row[0]) if row[0] is not None else None

    def forget(self, subject_id: UUID) -> bool:
        # The row stays with an empty key: a forgotten subject never gets a new key.
        with self._lock:
            had_key = self._conn.execute(
                "SELECT 1 FROM person_keys WHERE subject_id = ? AND key IS NOT NULL",
                (str(subject_id),),
            ).fetchone()
            self._conn.execute(
                "INSERT INTO person_keys (subject_id, key) VALUES (?, NULL)"
                " ON CONFLICT (subject_id) DO UPDATE SET key = NULL WHERE key IS NOT NULL",
                (str(subject_id),),
            )
            return had_key is not None

    def all_keys(self) -> list[tuple[UUID, bytes | None]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT subject_id, key FROM person_keys ORDER BY subject_id"
            ).fetchall()
        return [(UUID(s), None if k is None else bytes(k)) for s, k in rows]

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT count(*) FROM person_keys").fetchone()[0])

    def load(self, rows: list[tuple[UUID, bytes | None]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(
                    "INSERT INTO person_keys (subject_id, key) VALUES (?, ?)",
                    [(str(s), k) for s, k in rows],
                )
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def purge(self) -> bool:
        """VACUUM the key file: also clears free pages written before `secure_delete` was on
        (an older file); a WAL file, if someone switched the file to WAL, is emptied."""
        with self._lock:
            try:
                self._conn.execute("VACUUM")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as error:
                log.error("person-keys-not-purged", store="sqlite", error=str(error))
                self.needs_purge = True
                return False
            self.needs_purge = False
            return True

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresKeys(PersonalDataKeys):
    """Keys in a table of the PostgreSQL database."""

    def __init__(self, conninfo: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._retry: threading.Timer | None = None
        self._closed = False
        self._conn = psycopg.connect(**conninfo, autocommit=True)
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS tvaers_person_keys (subject_id uuid PRIMARY KEY, key bytea)"
        )

    def key_for(self, subject_id: UUID, *, create: bool) -> bytes | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT key FROM tvaers_person_keys WHERE subject_id = %s", (subject_id,)
            ).fetchone()
            if row is not None:
                return bytes(row[0]) if row[0] is not None else None
            if not create:
                return None
            key = AESGCM.generate_key(bit_length=256)
            inserted = self._conn.execute(
                "INSERT INTO tvaers_person_keys (subject_id, key) VALUES (%s, %s)"
                " ON CONFLICT (subject_id) DO NOTHING RETURNING key",
                (subject_id, key),
            ).fetchone()
            if inserted is None:  # another process created it first: use theirs
                row = self._conn.execute(
                    "SELECT key FROM tvaers_person_keys WHERE subject_id = %s", (subject_id,)
                ).fetchone()
                assert row is not None
                return bytes(row[0]) if row[0] is not None else None
            return key

    def forget(self, subject_id: UUID) -> bool:
        with self._lock:
            # Only a row that still has a key is updated: re-applying erasures on start
            # leaves no new dead row versions behind.
            cursor = self._conn.execute(
                "INSERT INTO tvaers_person_keys AS k (subject_id, key) VALUES (%s, NULL)"
                " ON CONFLICT (subject_id) DO UPDATE SET key = NULL WHERE k.key IS NOT NULL"
                " RETURNING (xmax::text <> '0')",  # true: an existing row lost its key
                (subject_id,),
            )
            row = cursor.fetchone()
            return row is not None and bool(row[0])

    def all_keys(self) -> list[tuple[UUID, bytes | None]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT subject_id, key FROM tvaers_person_keys ORDER BY subject_id"
            ).fetchall()
        # psycopg reads a uuid column as a UUID
        return [(UUID(str(s)), None if k is None else bytes(k)) for s, k in rows]

    def count(self) -> int:
        with self._lock:
            row = self._conn.execute("SELECT count(*) FROM tvaers_person_keys").fetchone()
        assert row is not None
        return int(row[0])

    def load(self, rows: list[tuple[UUID, bytes | None]]) -> None:
        with self._lock, self._conn.transaction(), self._conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO tvaers_person_keys (subject_id, key) VALUES (%s, %s)", rows
            )

    def purge(self) -> bool:
        """VACUUM FULL of the key table: new files without the dead row versions.

        It takes an ACCESS EXCLUSIVE lock on that table only (key reads and creation wait
        for the rewrite, milliseconds for thousands of keys; see docs/operations.md), and
        cannot run in a transaction block: the connection is in autocommit. A rewrite is
        checked by the table's file number, because VACUUM only warns when the role does
        not own the table.

        A rewrite copies a dead row version too while any transaction of the database
        began before it died (its snapshot could still see it): then the forgotten key
        is in the new files as well. So the rewrite is VERBOSE, its report says how many
        dead versions it had to keep, and it is repeated (backing off, up to
        `PURGE_PATIENCE` seconds) until it kept none. Found in session 9: under
        concurrent writes the erased key stayed on disk, silently. The key store is free
        between two attempts: reading and creating keys (every person read) do not wait
        for the older transaction to end.
        """
        outcome = self._purge()
        with self._lock:
            self.needs_purge = outcome != "done"
            if self._retry is not None:
                self._retry.cancel()
                self._retry = None
            if outcome == "later" and not self._closed:
                self._retry = threading.Timer(RETRY_PURGE, self._purge_again)
                self._retry.daemon = True
                self._retry.start()
            return outcome == "done"

    def _purge_again(self) -> None:
        if self.needs_purge and not self._closed:
            self.purge()

    def _purge(self) -> Literal["done", "later", "never"]:
        """Rewrite until no dead version was kept, for up to `PURGE_PATIENCE` seconds:
        "done", else "later" (worth trying again) or "never" (the role does not own the
        table: an operator must act; logged at each erasure and start)."""
        deadline = time.monotonic() + PURGE_PATIENCE
        pause = 0.05
        while True:
            try:
                with self._lock:
                    if self._closed:
                        return "never"
                    rewritten, kept = self._rewrite()
            except psycopg.Error as error:
                log.error("person-keys-not-purged", store="postgresql", error=str(error))
                return "later"
            if not rewritten:
                log.error(
                    "person-keys-not-purged",
                    store="postgresql",
                    error="tvaers_person_keys was not rewritten: the service's database role "
                    "must own the table",
                )
                return "never"
            if kept == 0:
                return "done"
            if time.monotonic() + pause > deadline:
                oldest = self._oldest_transactions()
                log.error(
                    "person-keys-not-purged",
                    store="postgresql",
                    error=f"{kept} dead row version(s) of tvaers_person_keys kept: a"
                    " transaction older than the erasure is still open; tried again in"
                    f" {RETRY_PURGE:.0f} s",
                    oldest_transactions=oldest,
                )
                return "later"
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _rewrite(self) -> tuple[bool, int]:
        """VACUUM (FULL, VERBOSE) the key table: (whether it got new files, how many dead
        row versions it had to keep)."""
        reports: list[str] = []

        def report(notice: psycopg.errors.Diagnostic) -> None:
            if notice.message_detail:
                reports.append(notice.message_detail)

        before = self._filenode()
        self._conn.add_notice_handler(report)
        self._conn.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        try:
            self._conn.execute("VACUUM (FULL, VERBOSE) tvaers_person_keys")
        finally:
            self._conn.execute("RESET lock_timeout")
            self._conn.remove_notice_handler(report)
        return self._filenode() != before, sum(map(_kept, reports))

    def _oldest_transactions(self) -> list[str]:
        """What holds the rewrite back: the sessions of this database with the oldest
        snapshots (pid, application, state, since when), for the log (none if it cannot
        be read)."""
        with self._lock:
            if self._closed:
                return []
            try:
                rows = self._conn.execute(
                    "SELECT pid, application_name, state, xact_start FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND backend_xmin IS NOT NULL ORDER BY age(backend_xmin) DESC LIMIT 3"
                ).fetchall()
            except psycopg.Error:
                return []
        return [f"{pid} {app or '-'} {state} since {start}" for pid, app, state, start in rows]

    def _filenode(self) -> int:
        row = self._conn.execute("SELECT pg_relation_filenode('tvaers_person_keys')").fetchone()
        assert row is not None
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._retry is not None:
                self._retry.cancel()
            self._conn.close()


def open_keys(settings: Settings) -> PersonalDataKeys:
    """The key store beside the configured event store."""
    if settings.store == "sqlite":
        # A file of its own, so that backups of the events need not carry the keys.
        path = settings.sqlite_path
        return SQLiteKeys(str(path.with_name(f"{path.stem}.keys{path.suffix}")))
    env = settings.eventsourcing_env()
    conninfo: dict[str, Any] = {
        "dbname": env["POSTGRES_DBNAME"],
        "host": env["POSTGRES_HOST"],
        "port": int(env["POSTGRES_PORT"]),
        "user": env["POSTGRES_USER"],
        "connect_timeout": 5,
    }
    if env["POSTGRES_PASSWORD"]:
        conninfo["password"] = env["POSTGRES_PASSWORD"]
    if "POSTGRES_SCHEMA" in env:
        conninfo["options"] = f"-c search_path={env['POSTGRES_SCHEMA']}"
    return PostgresKeys(conninfo)
