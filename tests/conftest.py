"""Root conftest: PostgreSQL for tests.

Fixtures
--------
``postgres_url`` (session)
    URL of a PostgreSQL server with superuser rights.  ``$TVAERS_TEST_POSTGRES_URL``
    if set; otherwise a throwaway PostgreSQL cluster started by ``tests/pgserver.py``
    on first use and stopped at the end of the session.  Without PostgreSQL binaries
    the tests using it are skipped -- unless ``CI=true``, where that fails the run.
``postgres_database_url`` (function)
    URL of a fresh, empty database on that server, dropped after the test.
``make_postgres_database`` (function)
    Factory for further fresh databases in one test: ``make_postgres_database()``
    returns a URL (``make_postgres_database(template)`` a copy of ``template``); every
    database it made is dropped after the test.
``prepared_postgres_template`` (session)
    Name of a database with every table of today's schema, empty; ``store_settings``
    copies it instead of creating the tables in each test.

Every test using these fixtures (directly or through other fixtures) gets the
``postgres`` marker, so ``pytest -m "not postgres"`` runs the rest.

``store_settings`` (function, parametrized)
    Settings for SQLite (temp file) and for a fresh PostgreSQL database: tests that
    take it run on both stores -- except the HTTP tests (tests/api), which run on
    SQLite unless marked ``both_stores``: what differs by store (readiness,
    idempotency races, 409/412, read-your-writes, housekeeping, SQL visibility) is
    tested on both there, and the services and views underneath on both in
    tests/integration and tests/projections.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from argon2 import PasswordHasher

from api.readside import open_read_side
from services import security
from services.application import Tvaers
from services.settings import Settings
from tests import pgserver

TEST_SECRET_KEY = "a-test-only-session-key-of-32-characters-or-more"

# HTTP tests run on SQLite unless marked `both_stores` (see `store_settings`).
SQLITE_ONLY_DIR = Path(__file__).parent / "api"

POSTGRES_FIXTURES = frozenset(
    {
        "postgres_url",
        "postgres_database_url",
        "make_postgres_database",
        "prepared_postgres_template",
    }
)

_servers: list[pgserver.PostgresServer] = []  # the throwaway server, once started
_db_create_seconds: list[float] = []


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _postgres_notice() -> str:
    url = os.environ.get(pgserver.URL_ENV)
    if url:
        return f"postgresql: using ${pgserver.URL_ENV} = {_redacted(url)}"
    reason = pgserver.available()
    if reason is None:
        bindir = pgserver.find_bindir()
        version = pgserver.server_version(bindir) or "PostgreSQL"
        return f"postgresql: throwaway cluster, {version} from {bindir} (started on first use)"
    if _in_ci():
        return f"postgresql: UNAVAILABLE ({reason}); CI=true, so postgres tests FAIL"
    return f"postgresql: UNAVAILABLE ({reason}); tests marked 'postgres' are SKIPPED"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """argon2 with its production cost takes ~50 ms a hash; tests make hundreds."""
    production = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = production


def pytest_report_header(config: pytest.Config) -> str:
    return _postgres_notice()


def _needs_postgres(item: pytest.Item) -> bool:
    if POSTGRES_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("store_settings") == "postgresql"


def _sqlite_only(item: pytest.Item) -> bool:
    """An HTTP test's PostgreSQL variant that its module does not ask for."""
    callspec = getattr(item, "callspec", None)
    return (
        callspec is not None
        and callspec.params.get("store_settings") == "postgresql"
        and SQLITE_ONLY_DIR in Path(str(item.path)).parents
        and item.get_closest_marker("both_stores") is None
    )


@pytest.hookimpl(tryfirst=True)  # before `-m` deselection looks at the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dropped = [item for item in items if _sqlite_only(item)]
    if dropped:
        items[:] = [item for item in items if not _sqlite_only(item)]
        config.hook.pytest_deselected(items=dropped)
    for item in items:
        if _needs_postgres(item):
            item.add_marker(pytest.mark.postgres)


def pytest_collection_finish(session: pytest.Session) -> None:
    # After deselection: one clear failure up front instead of an error per test.
    if not (_in_ci() and any(_needs_postgres(item) for item in session.items)):
        return
    if os.environ.get(pgserver.URL_ENV):
        return
    reason = pgserver.available()
    if reason is not None:
        raise pytest.UsageError(
            f"CI=true and PostgreSQL is required but unavailable: {reason}. "
            f"Install the PostgreSQL 15 server binaries or set ${pgserver.URL_ENV}."
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _servers:
        server = _servers[0]
        line = (
            f"postgresql: throwaway cluster {server.url} "
            f"(started in {server.started_in:.2f}s, {pgserver.server_version(server.bindir)})"
        )
    else:
        line = _postgres_notice().replace(" (started on first use)", " (not needed)")
    if _db_create_seconds:
        mean = sum(_db_create_seconds) / len(_db_create_seconds)
        line += f"; {len(_db_create_seconds)} test databases, {mean * 1000:.0f} ms each to create"
    terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL server (superuser): $TVAERS_TEST_POSTGRES_URL or throwaway."""
    url = os.environ.get(pgserver.URL_ENV)
    if url:
        yield url
        return
    reason = pgserver.available()
    if reason is not None:
        message = f"PostgreSQL unavailable: {reason}"
        if _in_ci():
            pytest.fail(f"{message} (CI=true: PostgreSQL tests must not be skipped)")
        pytest.skip(message)
    server = pgserver.start()
    _servers.append(server)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def make_postgres_database(postgres_url: str) -> Iterator[Callable[..., str]]:
    """Factory of fresh databases on the server (empty, or copies of `template`); all are
    dropped after the test."""
    created: list[str] = []

    def make(template: str = "template0") -> str:
        name = f"tvaers_test_{uuid.uuid4().hex[:16]}"
        began = time.perf_counter()
        url = pgserver.create_database(postgres_url, name, template)
        _db_create_seconds.append(time.perf_counter() - began)
        created.append(name)
        return url

    yield make
    for name in reversed(created):
        pgserver.drop_database(postgres_url, name)


@pytest.fixture
def postgres_database_url(make_postgres_database: Callable[[], str]) -> str:
    """URL of a fresh, empty database, dropped (connections terminated) after the test."""
    return make_postgres_database()


async def _create_views(settings: Settings, application: Tvaers) -> None:
    """Create every table of today's schema (the app does it on its first start)."""
    async with open_read_side(settings, application, follow=True):
        pass


@pytest.fixture(scope="session")
def prepared_postgres_template(postgres_url: str) -> Iterator[str]:
    """A database holding the event store's and every view's tables, all empty.

    Made once a session by the application itself (so it is always today's schema);
    copying it is cheaper than creating those tables in each test's database.
    """
    name = f"tvaers_template_{uuid.uuid4().hex[:12]}"
    url = pgserver.create_database(postgres_url, name)
    settings = Settings(
        database_url=url, postgres_pool_size=2, housekeeping=False, secret_key=TEST_SECRET_KEY
    )
    application = Tvaers(settings)
    try:
        asyncio.run(_create_views(settings, application))
    finally:
        application.close()
    yield name
    pgserver.drop_database(postgres_url, name)


SQLITE_NAME = "tvaers.sqlite3"


@pytest.fixture(scope="session")
def prepared_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding a SQLite store with every table of today's schema, empty.

    Like the PostgreSQL template: made once a session by the application itself, and
    copied (a few files) instead of creating the tables in each test's store.
    """
    directory = tmp_path_factory.mktemp("sqlite-template")
    settings = Settings(database_url=str(directory / SQLITE_NAME), housekeeping=False)
    application = Tvaers(settings)
    try:
        asyncio.run(_create_views(settings, application))
    finally:
        application.close()
    return directory


def sqlite_copy(template: Path, directory: Path) -> str:
    """Copy the prepared store's files into `directory`; the URL of the copy."""
    for file in template.iterdir():
        shutil.copyfile(file, directory / file.name)
    return str(directory / SQLITE_NAME)


# -- the two stores ----------------------------------------------------------------------
# Tests that take `store_settings` run once on SQLite (a temp file) and once on a fresh
# PostgreSQL database: the same suite, only the settings differ.


@pytest.fixture(params=["sqlite", "postgresql"])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    # Housekeeping off: it would expire a test's back-dated agreements behind its back
    # (tests/api/test_housekeeping.py runs it on purpose).
    if request.param == "sqlite":
        template = request.getfixturevalue("prepared_sqlite_template")
        return Settings(
            database_url=sqlite_copy(template, tmp_path),
            snapshot_interval=10,
            housekeeping=False,
            cookie_secure=False,
        )
    # A copy of the prepared template: the tables exist, empty, as on a first start.
    template = request.getfixturevalue("prepared_postgres_template")
    url = request.getfixturevalue("make_postgres_database")(template)
    return Settings(
        database_url=url,
        snapshot_interval=10,
        postgres_pool_size=4,
        housekeeping=False,
        secret_key=TEST_SECRET_KEY,
        cookie_secure=False,
    )


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=str(tmp_path / "tvaers.sqlite3"), snapshot_interval=10)
