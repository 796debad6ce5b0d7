"""Settings read from the environment, and their mapping onto eventsourcing's persistence."""

from __future__ import annotations

import os
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

DEFAULT_SQLITE_PATH = "var/tvaers.sqlite3"


class SettingsError(ValueError):
    """The configuration cannot be used; the message says which variable and why."""


Concern = Literal[
    "store",
    "projections",
    "web",
    "single sign-on",
    "logging",
    "login throttling",
    "housekeeping",
    "plans",
]
CONCERNS: tuple[Concern, ...] = typing.get_args(Concern)
"""The concerns the settings are grouped by, in the order the documentation lists them."""


@dataclass(frozen=True)
class Variable:
    """How a setting is configured: its environment variable, concern and meaning.

    Kept as each field's metadata (`dataclasses.fields(Settings)`); the README's table is
    generated from it (docs/tools/settings_table.py) and tests/test_docs.py holds the
    README to it.
    """

    name: str
    """The environment variable `Settings.from_env` reads."""
    concern: Concern
    meaning: str
    """One line of Markdown for the README's table: what it does, the values it takes."""
    example: str
    """A valid value other than the default (tests set it and see the field change)."""
    default_shown: str | None = None
    """The default as the table shows it, when not the field's default itself."""


def setting(
    default: Any,
    *,
    env: str,
    concern: Concern,
    meaning: str,
    example: str,
    default_shown: str | None = None,
) -> Any:
    """A field of `Settings` with its `Variable` (a flat field: `Settings(x=...)` stays)."""
    variable = Variable(env, concern, meaning, example, default_shown)
    return field(default=default, metadata={"variable": variable})


def _parsed(name: str, kind: Any, raw: str, default: Any) -> Any:
    """A variable's text as its field's type: on/off, a choice, a number or text."""
    value = raw.strip()
    if kind is bool:
        if value.lower() not in ("on", "off"):
            raise SettingsError(f"{name} must be on or off.")
        return value.lower() == "on"
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if value not in choices:
            listed = ", ".join(choices[:-1]) + " or " + choices[-1]
            raise SettingsError(f"{name} must be {listed}.")
        return value
    if kind is int:
        try:
            return int(value)
        except ValueError:
            raise SettingsError(f"{name}: expected a whole number, not {raw!r}.") from None
    if kind is float:
        try:
            return float(value)
        except ValueError:
            raise SettingsError(f"{name}: expected a number of seconds, not {raw!r}.") from None
    return value or default  # text: empty means the default (None: not set)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable, read once at start-up (`Settings.from_env()`).

    The fields stay flat (`Settings(database_url=..., housekeeping=False)` in the tests,
    `settings.store` in the code, hashable for tests/apps.py); the concern each belongs
    to is part of its metadata (`Variable`), as are its variable and meaning.
    """

    # -- store: where the events and the personal-data keys are, and how they are read
    database_url: str = setting(
        DEFAULT_SQLITE_PATH,
        env="TVAERS_DATABASE_URL",
        concern="store",
        meaning="a SQLite file path (created on first run), or "
        "`postgresql://user:password@host:5432/dbname` for PostgreSQL",
        example="postgresql://tvaers@db.example.org:5432/tvaers",
    )
    snapshot_interval: int = setting(
        100,
        env="TVAERS_SNAPSHOT_INTERVAL",
        concern="store",
        meaning="events between snapshots of a partnership or agreement (at least 1)",
        example="25",
    )
    postgres_pool_size: int = setting(
        10,
        env="TVAERS_POSTGRES_POOL_SIZE",
        concern="store",
        meaning="PostgreSQL connections per process (the views' pool is half this size)",
        example="4",
    )
    # A cached aggregate is brought up to date with the events saved since (by any
    # process) before each use.
    aggregate_cache: int = setting(
        1000,
        env="TVAERS_AGGREGATE_CACHE",
        concern="store",
        meaning="aggregates kept in memory per process (`0`: none); each is brought up to "
        "date from the store before use",
        example="0",
    )
    # -- projections: who keeps the views, how long a query waits for them
    projections: Literal["embedded", "external"] = setting(
        "embedded",
        env="TVAERS_PROJECTIONS",
        concern="projections",
        meaning="`embedded`: the API keeps the views; `external`: a `tvaers project run` "
        "worker does",
        example="external",
    )
    projector_interval: float = setting(
        25.0,
        env="TVAERS_PROJECTOR_INTERVAL",
        concern="projections",
        meaning="milliseconds the active `tvaers project run` lets a steady stream of writes "
        "gather between the starts of its batches (0-1000; `0`: none). Higher: fewer, larger "
        "batches (less CPU); lower: fresher views",
        example="10",
    )
    read_timeout: float = setting(
        2.0,
        env="TVAERS_READ_TIMEOUT",
        concern="projections",
        meaning="seconds a query waits for the views to reach a write it names (`after=`)",
        example="0.5",
    )
    # -- web: the web UI's accessibility statement (tilgængelighedserklæring, issue 16)
    accessibility_statement: str | None = setting(
        None,
        env="TVAERS_ACCESSIBILITY_STATEMENT",
        concern="web",
        meaning="the address of the site's accessibility statement (tilgængelighedserklæring, "
        "required of Danish public bodies' sites; made and published on was.digst.dk); every "
        "page's footer links to it. Without it the footer links to a page saying the "
        "statement is not yet published",
        example="https://www.was.digst.dk/tvaers-sundeborg-dk",
        default_shown="(none)",
    )
    # -- web: the web UI's session cookie
    secret_key: str | None = setting(
        None,
        env="TVAERS_SECRET_KEY",
        concern="web",
        meaning="key for the session cookie, 32+ characters; without it a random key is "
        "kept in `<database>.session-key` (SQLite) or `var/tvaers.session-key`. Several "
        "API processes must share one.",
        example="a-key-of-thirty-two-characters-or-more",
        default_shown="(generated)",
    )
    cookie_secure: bool = setting(
        True,
        env="TVAERS_COOKIE_SECURE",
        concern="web",
        meaning="`off` sends the session cookie over plain HTTP too (only for local trials "
        "without TLS other than `localhost`)",
        example="off",
    )
    # -- single sign-on over OpenID Connect (api/oidc.py, ADR 0021); off without an issuer
    oidc_issuer: str | None = setting(
        None,
        env="TVAERS_OIDC_ISSUER",
        concern="single sign-on",
        meaning="the identity provider's issuer URL (its `/.well-known/openid-configuration` "
        "is read from it); set with `TVAERS_OIDC_CLIENT_ID`, the login page offers «Log ind "
        "med …»",
        example="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
        default_shown="(off)",
    )
    oidc_provider_name: str = setting(
        "din organisation",
        env="TVAERS_OIDC_PROVIDER_NAME",
        concern="single sign-on",
        meaning="the provider's name on the login button: «Log ind med <name>»",
        example="Ishøj Kommune",
    )
    oidc_client_id: str | None = setting(
        None,
        env="TVAERS_OIDC_CLIENT_ID",
        concern="single sign-on",
        meaning="the client id Tværs is registered with at the provider (the ID token's audience)",
        example="tvaers",
        default_shown="(none)",
    )
    oidc_client_secret: str | None = setting(
        None,
        env="TVAERS_OIDC_CLIENT_SECRET",
        concern="single sign-on",
        meaning="the client secret; or give `TVAERS_OIDC_CLIENT_SECRET_FILE`",
        example="s3cret",
        default_shown="(none)",
    )
    oidc_client_secret_file: str | None = setting(
        None,
        env="TVAERS_OIDC_CLIENT_SECRET_FILE",
        concern="single sign-on",
        meaning="a file holding the client secret (e.g. a container secret)",
        example="/run/secrets/tvaers-oidc",
        default_shown="(none)",
    )
    oidc_scopes: str = setting(
        "openid profile email",
        env="TVAERS_OIDC_SCOPES",
        concern="single sign-on",
        meaning="the scopes asked for, space-separated (`openid` is required)",
        example="openid profile email groups",
    )
    oidc_username_claim: str = setting(
        "preferred_username",
        env="TVAERS_OIDC_USERNAME_CLAIM",
        concern="single sign-on",
        meaning="the ID token claim that becomes the user name at the first login (the "
        "account is bound to issuer and `sub`, never found by this name alone)",
        example="upn",
    )
    oidc_name_claim: str = setting(
        "name",
        env="TVAERS_OIDC_NAME_CLAIM",
        concern="single sign-on",
        meaning="the claim holding the display name (updated at every login)",
        example="given_name",
    )
    oidc_email_claim: str = setting(
        "email",
        env="TVAERS_OIDC_EMAIL_CLAIM",
        concern="single sign-on",
        meaning="the claim holding the e-mail address (updated at every login)",
        example="upn",
    )
    oidc_municipality_claim: str | None = setting(
        None,
        env="TVAERS_OIDC_MUNICIPALITY_CLAIM",
        concern="single sign-on",
        meaning="the claim naming the user's municipality, for a group mapping without "
        "a municipality of its own",
        example="municipality",
        default_shown="(none)",
    )
    oidc_groups_claim: str = setting(
        "groups",
        env="TVAERS_OIDC_GROUPS_CLAIM",
        concern="single sign-on",
        meaning="the claim listing the user's groups (or roles)",
        example="roles",
    )
    oidc_group_grants: str | None = setting(
        None,
        env="TVAERS_OIDC_GROUP_GRANTS",
        concern="single sign-on",
        meaning='which groups give which grants: JSON `{"group": {"role": '
        '"project_leader", "municipality": "Ishøj"}}`, or a file holding it '
        "(docs/operations.md); synced at every login",
        example='{"tvaers-evaluatorer": {"role": "evaluator", "municipality": "Ishøj"}}',
        default_shown="(no grants)",
    )
    local_passwords: bool = setting(
        True,
        env="TVAERS_LOCAL_PASSWORDS",
        concern="single sign-on",
        meaning="`off`: the login page offers only single sign-on (once it is set up) and "
        "refuses a password; the API's `POST /auth/tokens` still takes one, for "
        "integrations' accounts",
        example="off",
    )
    public_url: str | None = setting(
        None,
        env="TVAERS_PUBLIC_URL",
        concern="single sign-on",
        meaning="the address users reach Tværs at, for the provider's redirect back "
        "(default: the address each request came to)",
        example="https://tvaers.example.dk",
        default_shown="(the request's)",
    )
    # -- logging
    log_format: Literal["auto", "json", "console"] = setting(
        "auto",
        env="TVAERS_LOG_FORMAT",
        concern="logging",
        meaning="`json`, `console`, or `auto` (JSON when not on a terminal)",
        example="json",
    )
    log_level: str = setting(
        "INFO",
        env="TVAERS_LOG_LEVEL",
        concern="logging",
        meaning="log level (`DEBUG`, `INFO`, `WARNING`, `ERROR`)",
        example="DEBUG",
    )
    # -- login throttling (docs/operations.md, "Login throttling and sessions")
    login_max_failures: int = setting(
        5,
        env="TVAERS_LOGIN_MAX_FAILURES",
        concern="login throttling",
        meaning="failed logins in a row before a username is locked",
        example="3",
    )
    login_lock_seconds: float = setting(
        30.0,
        env="TVAERS_LOGIN_LOCK_SECONDS",
        concern="login throttling",
        meaning="seconds of the first lock; each further failure doubles it, up to 15 minutes",
        example="60",
    )
    login_attempts_per_minute: int = setting(
        30,
        env="TVAERS_LOGIN_ATTEMPTS_PER_MINUTE",
        concern="login throttling",
        meaning="login attempts per client address per minute",
        example="10",
    )
    # -- housekeeping: the follower's recurring writes
    housekeeping: bool = setting(
        True,
        env="TVAERS_HOUSEKEEPING",
        concern="housekeeping",
        meaning="expire agreements whose validity has run out (`off` only for tests and "
        "special maintenance)",
        example="off",
    )
    housekeeping_interval: float = setting(
        3600.0,
        env="TVAERS_HOUSEKEEPING_INTERVAL",
        concern="housekeeping",
        meaning="seconds between housekeeping rounds",
        example="60",
    )
    # -- plans: how far ahead a planned date may lie; dates of facts lie up to today
    # (aggregates/dates.py)
    plan_horizon_years: int = setting(
        50,
        env="TVAERS_PLAN_HORIZON_YEARS",
        concern="plans",
        meaning="how many years ahead a planned date may lie (a partnership's period, an "
        "agreement's validity, a follow-up's due date); dates of things that happened lie "
        "from 1900-01-01 up to today",
        example="10",
    )

    @classmethod
    def variables(cls) -> list[tuple[str, Variable, Any]]:
        """(field name, its `Variable`, its default) of every setting, by concern."""
        found = [(f.name, f.metadata["variable"], f.default) for f in fields(cls)]
        return sorted(found, key=lambda row: CONCERNS.index(row[1].concern))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Every field from its declared variable (`Variable.name`), parsed by its type;
        a variable that is not set leaves the default."""
        env = os.environ if environ is None else environ
        types = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in fields(cls):
            name = f.metadata["variable"].name
            if name in env:
                values[f.name] = _parsed(name, types[f.name], env[name], f.default)
        if "log_level" in values:
            values["log_level"] = values["log_level"].upper()
        settings = cls(**values)
        settings._check()
        settings.eventsourcing_env()  # fail early on a malformed URL
        return settings

    def _check(self) -> None:
        """The rules a value of its type can still break (read from the environment)."""
        if self.secret_key is not None and len(self.secret_key) < 32:
            raise SettingsError("TVAERS_SECRET_KEY must be at least 32 characters.")
        if self.housekeeping_interval <= 0:
            raise SettingsError("TVAERS_HOUSEKEEPING_INTERVAL must be positive (seconds).")
        if (
            self.login_max_failures < 1
            or self.login_attempts_per_minute < 1
            or not 0 < self.login_lock_seconds <= 900
        ):
            raise SettingsError(
                "TVAERS_LOGIN_MAX_FAILURES and TVAERS_LOGIN_ATTEMPTS_PER_MINUTE must be at "
                "least 1, TVAERS_LOGIN_LOCK_SECONDS between 1 and 900."
            )
        if not 1 <= self.plan_horizon_years <= 1000:
            raise SettingsError("TVAERS_PLAN_HORIZON_YEARS must be 1-1000 (years).")
        statement = self.accessibility_statement
        if statement is not None and not statement.startswith(("https://", "http://")):
            raise SettingsError(
                "TVAERS_ACCESSIBILITY_STATEMENT must be a web address (https://...), "
                "normally on was.digst.dk."
            )
        if not 0 <= self.projector_interval <= 1000:
            raise SettingsError("TVAERS_PROJECTOR_INTERVAL must be 0-1000 (milliseconds).")
        if self.snapshot_interval < 1:
            raise SettingsError("TVAERS_SNAPSHOT_INTERVAL must be at least 1.")
        if self.aggregate_cache < 0:
            raise SettingsError("TVAERS_AGGREGATE_CACHE must be 0 (off) or more.")
        if self.oidc_issuer is not None and self.oidc_client_id is not None:
            # The group mapping's rules live with single sign-on (it imports Settings).
            from services.sso import settings_problem  # noqa: PLC0415

            problem = settings_problem(self)
            if problem:
                raise SettingsError(problem)

    @property
    def store(self) -> Literal["sqlite", "postgresql"]:
        scheme = urlsplit(self.database_url).scheme
        if scheme in ("postgresql", "postgres"):
            return "postgresql"
        if scheme in ("", "sqlite") or len(scheme) == 1:  # a Windows drive letter is a path
            return "sqlite"
        raise SettingsError(
            f"TVAERS_DATABASE_URL: unknown scheme {scheme!r}; use a SQLite file path, "
            "sqlite:///path or postgresql://user:password@host:5432/dbname."
        )

    @property
    def sqlite_path(self) -> Path:
        url = self.database_url
        if url.startswith("sqlite:///"):
            url = url[len("sqlite:///") :]
        elif url.startswith("sqlite://"):
            raise SettingsError("Use sqlite:///relative/path or sqlite:////absolute/path.")
        return Path(url)

    def describe(self) -> str:
        """The store in use, without secrets."""
        if self.store == "sqlite":
            return f"SQLite file {self.sqlite_path.resolve()}"
        env = self.eventsourcing_env()
        return f"PostgreSQL {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/{env['POSTGRES_DBNAME']}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment eventsourcing's Application reads its persistence from."""
        env = {
            "PERSISTENCE_MODULE": "",
            "MAPPER_TOPIC": "services.encoding:MsgspecMapper",
        }
        if self.aggregate_cache > 0:  # eventsourcing reads 0 as "unbounded"
            env["AGGREGATE_CACHE_MAXSIZE"] = str(self.aggregate_cache)
        if self.store == "sqlite":
            path = self.sqlite_path
            env["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
            env["SQLITE_DBNAME"] = str(path)
            env["SQLITE_LOCK_TIMEOUT"] = "10"
            return env
        parts = urlsplit(self.database_url)
        query = parse_qs(parts.query)
        try:
            port = parts.port or int(query.get("port", ["5432"])[0])
        except ValueError as error:
            raise SettingsError(f"TVAERS_DATABASE_URL: bad port ({error})") from error
        dbname = unquote(parts.path.lstrip("/"))
        if not dbname:
            raise SettingsError("TVAERS_DATABASE_URL names no database (postgresql://…/NAME).")
        env.update(
            {
                "PERSISTENCE_MODULE": "services.pgstore:Factory",
                "POSTGRES_DBNAME": dbname,
                "POSTGRES_HOST": query.get("host", [parts.hostname or "localhost"])[0],
                "POSTGRES_PORT": str(port),
                "POSTGRES_USER": unquote(parts.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parts.password or ""),
                "POSTGRES_POOL_SIZE": str(self.postgres_pool_size),
                "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
                "POSTGRES_CONNECT_TIMEOUT": "5",
            }
        )
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env

    def asyncpg_dsn(self) -> tuple[str, dict[str, str]]:
        """The same database for asyncpg (read side), and the server settings it needs."""
        env = self.eventsourcing_env()
        user = quote(env["POSTGRES_USER"], safe="")
        password = quote(env["POSTGRES_PASSWORD"], safe="")
        credentials = f"{user}:{password}@" if password else f"{user}@"
        host, port = env["POSTGRES_HOST"], env["POSTGRES_PORT"]
        dbname = quote(env["POSTGRES_DBNAME"], safe="")
        if host.startswith("/"):  # a Unix socket directory
            dsn = f"postgresql://{credentials}/{dbname}?host={quote(host)}&port={port}"
        else:
            dsn = f"postgresql://{credentials}{host}:{port}/{dbname}"
        server_settings = {}
        if "POSTGRES_SCHEMA" in env:
            server_settings["search_path"] = env["POSTGRES_SCHEMA"]
        return dsn, server_settings

    @property
    def events_table(self) -> str:
        """Where eventsourcing keeps the application's events (name "Tvaers")."""
        if self.store == "sqlite":
            return "stored_events"
        return "tvaers_events"

    @property
    def session_key_path(self) -> Path:
        """Where the generated session key lives when TVAERS_SECRET_KEY is not set."""
        if self.store == "sqlite":
            return self.sqlite_path.with_name(self.sqlite_path.name + ".session-key")
        return Path("var") / "tvaers.session-key"

    def prepare(self) -> None:
        """Create what the store needs locally (the SQLite file's folder)."""
        if self.store == "sqlite":
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
