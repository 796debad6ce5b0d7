"""Keys that seal personal data in the event store, one per person (crypto-shredding).

Erasing a person deletes their key: every stored event that holds their contact details
becomes unreadable, in the live database and in any backup restored later (the Erased
events are re-applied on start, so a restored key is deleted again).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from typing import Any
from uuid import UUID

import psycopg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.settings import Settings

_NONCE = 12


class PersonalDataKeys(ABC):
    """Where the per-person keys live (never in the event log)."""

    @abstractmethod
    def key_for(self, subject_id: UUID, *, create: bool) -> bytes | None:
        """The subject's key; a new one if `create` and none exists; None once forgotten."""

    @abstractmethod
    def forget(self, subject_id: UUID) -> None:
        """Delete the subject's key for good (idempotent)."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    def seal(self, subject_id: UUID, plaintext: bytes) -> bytes:
        key = self.key_for(subject_id, create=True)
        assert key is not None
        nonce = os.urandom(_NONCE)
        return nonce + AESGCM(key).encrypt(nonce, plaintext, subject_id.bytes)

    def unseal(self, subject_id: UUID, sealed: bytes) -> bytes | None:
        """The plaintext, or None when the subject's key has been forgotten."""
        key = self.key_for(subject_id, create=False)
        if key is None:
            return None
        return AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], subject_id.bytes)


class SQLiteKeys(PersonalDataKeys):
    """Keys in their own SQLite file beside the events (see docs/operations.md on backups)."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
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

    def forget(self, subject_id: UUID) -> None:
        # The row stays with an empty key: a forgotten subject never gets a new key.
        with self._lock:
            self._conn.execute(
                "INSERT INTO person_keys (subject_id, key) VALUES (?, NULL)"
                " ON CONFLICT (subject_id) DO UPDATE SET key = NULL",
                (str(subject_id),),
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresKeys(PersonalDataKeys):
    """Keys in a table of the PostgreSQL database."""

    def __init__(self, conninfo: dict[str, Any]) -> None:
        self._lock = threading.Lock()
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

    def forget(self, subject_id: UUID) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO tvaers_person_keys (subject_id, key) VALUES (%s, NULL)"
                " ON CONFLICT (subject_id) DO UPDATE SET key = NULL",
                (subject_id,),
            )

    def close(self) -> None:
        with self._lock:
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
