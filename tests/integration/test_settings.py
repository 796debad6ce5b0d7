"""Settings.from_env and its mapping onto eventsourcing's environment (no store needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregates import Meta
from aggregates.taxonomy import Sector
from services.application import Tvaers
from services.commands import RegisterOrganisation
from services.settings import DEFAULT_SQLITE_PATH, Settings, SettingsError
from tests.commands import execute

POSTGRES_URL = "postgresql://tvaers:s%40cr3t@db.example.org:6543/tvaers_prod?schema=registry"


def test_without_a_database_url_the_default_sqlite_file_is_used() -> None:
    settings = Settings.from_env({})
    blank = Settings.from_env({"TVAERS_DATABASE_URL": "   "})

    assert DEFAULT_SQLITE_PATH == "var/tvaers.sqlite3"
    assert settings.database_url == blank.database_url == "var/tvaers.sqlite3"
    assert settings.store == "sqlite"
    assert settings.sqlite_path == Path("var/tvaers.sqlite3")
    env = settings.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert env["SQLITE_DBNAME"] == "var/tvaers.sqlite3"
    assert env["MAPPER_TOPIC"] == "services.encoding:MsgspecMapper"
    assert not [key for key in env if key.startswith("POSTGRES_")]
    assert (settings.log_format, settings.log_level, settings.snapshot_interval) == (
        "auto",
        "INFO",
        100,
    )


@pytest.mark.parametrize(
    ("url", "dbname"),
    [
        ("sqlite:///data/tvaers.sqlite3", "data/tvaers.sqlite3"),
        ("sqlite:////srv/tvaers/tvaers.sqlite3", "/srv/tvaers/tvaers.sqlite3"),
        ("/srv/tvaers/plain.sqlite3", "/srv/tvaers/plain.sqlite3"),
    ],
)
def test_sqlite_urls_and_plain_paths_name_the_sqlite_file(url: str, dbname: str) -> None:
    settings = Settings.from_env({"TVAERS_DATABASE_URL": url})

    env = settings.eventsourcing_env()
    assert settings.store == "sqlite"
    assert settings.sqlite_path == Path(dbname)
    assert env["SQLITE_DBNAME"] == dbname
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert settings.describe() == f"SQLite file {Path(dbname).resolve()}"


def test_a_sqlite_url_with_two_slashes_is_refused() -> None:
    with pytest.raises(SettingsError, match="sqlite:///"):
        Settings.from_env({"TVAERS_DATABASE_URL": "sqlite://tvaers.sqlite3"})


def test_a_postgresql_url_maps_onto_the_eventsourcing_environment() -> None:
    settings = Settings.from_env(
        {"TVAERS_DATABASE_URL": POSTGRES_URL, "TVAERS_POSTGRES_POOL_SIZE": "4"}
    )

    env = settings.eventsourcing_env()
    assert settings.store == "postgresql"
    assert {key: value for key, value in env.items() if key.startswith("POSTGRES_")} == {
        "POSTGRES_DBNAME": "tvaers_prod",
        "POSTGRES_HOST": "db.example.org",
        "POSTGRES_PORT": "6543",
        "POSTGRES_USER": "tvaers",
        "POSTGRES_PASSWORD": "s@cr3t",
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_SCHEMA": "registry",
    }
    assert env["PERSISTENCE_MODULE"] == "services.pgstore:Factory"
    assert env["MAPPER_TOPIC"] == "services.encoding:MsgspecMapper"
    assert "SQLITE_DBNAME" not in env


def test_a_postgres_url_without_user_or_port_gets_the_defaults() -> None:
    env = Settings.from_env(
        {"TVAERS_DATABASE_URL": "postgres://db.local/tvaers"}
    ).eventsourcing_env()

    assert env["PERSISTENCE_MODULE"] == "services.pgstore:Factory"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.local", "5432")
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"]) == ("postgres", "")
    assert env["POSTGRES_DBNAME"] == "tvaers"
    assert "POSTGRES_SCHEMA" not in env


def test_a_unix_socket_directory_is_given_as_the_host_query_parameter() -> None:
    settings = Settings.from_env(
        {"TVAERS_DATABASE_URL": "postgresql://tvaers@/tvaers?host=/var/run/postgresql"}
    )

    env = settings.eventsourcing_env()
    assert env["POSTGRES_HOST"] == "/var/run/postgresql"
    assert env["POSTGRES_DBNAME"] == "tvaers"
    assert env["POSTGRES_USER"] == "tvaers"
    assert settings.describe() == "PostgreSQL /var/run/postgresql:5432/tvaers"


@pytest.mark.parametrize(
    "url",
    ["postgresql://tvaers:pw@db.example.org:5432/", "postgresql://db.example.org", "postgres://h"],
)
def test_a_postgresql_url_without_a_database_name_is_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="TVAERS_DATABASE_URL names no database"):
        Settings.from_env({"TVAERS_DATABASE_URL": url})


@pytest.mark.parametrize("log_format", ["xml", "JSON", ""])
def test_an_unknown_log_format_is_refused(log_format: str) -> None:
    with pytest.raises(SettingsError, match="TVAERS_LOG_FORMAT"):
        Settings.from_env({"TVAERS_LOG_FORMAT": log_format})


def test_known_log_formats_are_accepted_and_the_level_is_upper_cased() -> None:
    for log_format in ("auto", "json", "console"):
        assert Settings.from_env({"TVAERS_LOG_FORMAT": log_format}).log_format == log_format
    assert Settings.from_env({"TVAERS_LOG_LEVEL": "debug"}).log_level == "DEBUG"


@pytest.mark.parametrize("variable", ["TVAERS_SNAPSHOT_INTERVAL", "TVAERS_POSTGRES_POOL_SIZE"])
def test_a_number_setting_that_is_not_a_whole_number_is_refused(variable: str) -> None:
    with pytest.raises(SettingsError, match="whole number"):
        Settings.from_env({variable: "ten"})


def test_numbers_are_read_from_the_environment() -> None:
    settings = Settings.from_env(
        {"TVAERS_SNAPSHOT_INTERVAL": "25", "TVAERS_POSTGRES_POOL_SIZE": "3"}
    )

    assert (settings.snapshot_interval, settings.postgres_pool_size) == (25, 3)


def test_describe_names_the_postgresql_server_without_the_password_or_user() -> None:
    settings = Settings.from_env({"TVAERS_DATABASE_URL": POSTGRES_URL})

    description = settings.describe()
    assert description == "PostgreSQL db.example.org:6543/tvaers_prod"
    assert "s%40cr3t" not in description
    assert "s@cr3t" not in description
    assert "cr3t" not in description


def test_prepare_creates_the_folder_of_the_sqlite_file(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/nested/dir/tvaers.sqlite3")

    settings.prepare()

    assert (tmp_path / "nested" / "dir").is_dir()
    assert not (tmp_path / "nested" / "dir" / "tvaers.sqlite3").exists()


def test_a_snapshot_interval_of_zero_is_refused() -> None:
    with pytest.raises(SettingsError, match="TVAERS_SNAPSHOT_INTERVAL"):
        Settings.from_env({"TVAERS_SNAPSHOT_INTERVAL": "0"})


@pytest.mark.parametrize("value", ["-1", "1001", "nan", "inf"])
def test_a_projector_interval_outside_0_to_1000_ms_is_refused(value: str) -> None:
    with pytest.raises(SettingsError, match="TVAERS_PROJECTOR_INTERVAL"):
        Settings.from_env({"TVAERS_PROJECTOR_INTERVAL": value})


def test_a_database_url_with_an_unsupported_scheme_is_refused() -> None:
    with pytest.raises(SettingsError, match="TVAERS_DATABASE_URL"):
        Settings.from_env({"TVAERS_DATABASE_URL": "mysql://db.example.org/tvaers"})


def test_a_postgresql_url_with_a_malformed_port_is_refused_as_a_settings_error() -> None:
    with pytest.raises(SettingsError, match="TVAERS_DATABASE_URL"):
        Settings.from_env({"TVAERS_DATABASE_URL": "postgresql://u:pw@db.example.org:54x2/tv"})


def test_the_process_environment_cannot_redirect_the_event_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere.sqlite3"
    monkeypatch.setenv("TVAERS_SQLITE_DBNAME", str(elsewhere))
    monkeypatch.setenv("SQLITE_DBNAME", str(elsewhere))
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    settings = Settings(database_url=str(tmp_path / "configured.sqlite3"))
    app = Tvaers(settings)
    try:
        execute(
            app, RegisterOrganisation(name="Jobcenter", sector=Sector.EMPLOYMENT), Meta(actor="a")
        )
        assert app.max_notification_id() == 1
    finally:
        app.close()
    assert (tmp_path / "configured.sqlite3").exists()
    assert not elsewhere.exists()


def test_asyncpg_gets_the_same_database_as_the_event_store() -> None:
    tcp = Settings(database_url="postgresql://tv:s%40cret@db.example:6543/tvaers?schema=reg")
    dsn, server_settings = tcp.asyncpg_dsn()
    assert dsn == "postgresql://tv:s%40cret@db.example:6543/tvaers"
    assert server_settings == {"search_path": "reg"}
    socket = Settings(database_url="postgresql://postgres@/tvaers?host=/run/pg&port=5433")
    dsn, server_settings = socket.asyncpg_dsn()
    assert dsn == "postgresql://postgres@/tvaers?host=/run/pg&port=5433"
    assert server_settings == {}
    assert socket.describe() == "PostgreSQL /run/pg:5433/tvaers"
