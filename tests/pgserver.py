"""Throwaway PostgreSQL clusters for tests and benchmarks.

``start()`` runs ``initdb`` into a fresh temporary directory, starts the cluster on a
free TCP port on 127.0.0.1 (Unix socket inside the same directory) with durability
switched off, and returns a :class:`PostgresServer` with ``.url``, ``.port`` and
``.stop()``.  ``stop()`` is idempotent and also registered with :mod:`atexit`.

PostgreSQL refuses to run as root.  When this process is root, the temporary
directory is handed to the ``postgres`` OS user and ``initdb``/``pg_ctl`` run through
``runuser -u postgres --``; otherwise they run directly as the current user.

Finding the binaries (``initdb``, ``pg_ctl`` and ``postgres`` must share a directory):

1. ``$TVAERS_PG_BINDIR`` if set -- and *only* that directory.  Setting it to a
   directory without the binaries (``TVAERS_PG_BINDIR=/nonexistent``) simulates a
   machine without PostgreSQL.
2. ``pg_ctl`` on ``PATH`` (symlinks resolved).
3. ``/usr/lib/postgresql/<version>/bin``, highest version first (Debian/Ubuntu).

Other environment variables:

* ``TVAERS_PG_TMPDIR`` -- parent directory for the cluster's temporary directory
  (default: :func:`tempfile.gettempdir`).  When running as root it must be
  traversable by the ``postgres`` user.

This module imports nothing from the project and does not import pytest; psycopg is
only imported by the helpers that need it, so ``python -m tests.pgserver --check``
works with a bare interpreter.

Command line::

    python -m tests.pgserver --check           # which PostgreSQL would be used
    python -m tests.pgserver -- CMD ARGS...    # run CMD with a throwaway server

The second form starts a server, runs ``CMD`` with ``TVAERS_TEST_POSTGRES_URL`` set
in its environment, stops the server and exits with ``CMD``'s exit code.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "PostgresServer",
    "PostgresUnavailableError",
    "available",
    "create_database",
    "database_url",
    "drop_database",
    "find_bindir",
    "server_version",
    "start",
]

BINDIR_ENV = "TVAERS_PG_BINDIR"
TMPDIR_ENV = "TVAERS_PG_TMPDIR"
URL_ENV = "TVAERS_TEST_POSTGRES_URL"
OS_USER = "postgres"
SUPERUSER = "postgres"

_DEBIAN_ROOT = Path("/usr/lib/postgresql")
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class PostgresUnavailableError(RuntimeError):
    """No usable PostgreSQL binaries (or no way to run them) on this machine."""


# --------------------------------------------------------------------------- binaries


def _has_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: Path) -> tuple[int, ...]:
    parts = re.findall(r"\d+", path.name)
    return tuple(int(p) for p in parts) if parts else (-1,)


def find_bindir() -> Path | None:
    """Directory holding ``initdb`` and ``pg_ctl``, or None (see module docstring)."""
    override = os.environ.get(BINDIR_ENV)
    if override:
        bindir = Path(override)
        return bindir if _has_binaries(bindir) else None
    on_path = shutil.which("pg_ctl")
    if on_path:
        bindir = Path(on_path).resolve().parent
        if _has_binaries(bindir):
            return bindir
    if _DEBIAN_ROOT.is_dir():
        for version_dir in sorted(_DEBIAN_ROOT.iterdir(), key=_version_key, reverse=True):
            if _has_binaries(version_dir / "bin"):
                return version_dir / "bin"
    return None


def _is_root() -> bool:
    return os.geteuid() == 0


def available() -> str | None:
    """None if a throwaway server can be started here, else a readable reason why not."""
    bindir = find_bindir()
    if bindir is None:
        override = os.environ.get(BINDIR_ENV)
        if override:
            return f"no initdb/pg_ctl in ${BINDIR_ENV}={override}"
        return (
            "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
            f"{_DEBIAN_ROOT}/*/bin; install PostgreSQL 15 or set ${URL_ENV}"
        )
    if _is_root():
        try:
            import pwd  # POSIX only

            pwd.getpwnam(OS_USER)
        except KeyError:
            return f"running as root but there is no {OS_USER!r} OS user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root but 'runuser' is not available to drop privileges"
    return None


def server_version(bindir: Path | None = None) -> str:
    """E.g. ``'pg_ctl (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)'``; '' if unknown."""
    bindir = bindir or find_bindir()
    if bindir is None:
        return ""
    try:
        out = subprocess.run(
            [str(bindir / "pg_ctl"), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


# --------------------------------------------------------------------------- server


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", OS_USER, "--", *argv] if _is_root() else argv


def _run(argv: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _as_postgres(argv),
        cwd=cwd,
        env=_server_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _pidfile_status(datadir: Path) -> str:
    """Line 8 of postmaster.pid: 'starting', 'ready', 'stopping' ('' if not there yet)."""
    try:
        lines = (datadir / "postmaster.pid").read_text().splitlines()
    except OSError:
        return ""
    return lines[7].strip() if len(lines) >= 8 else ""


class PostgresServer:
    """A running throwaway cluster.  Create it with :func:`start`.

    The postmaster runs as a child of this process (via ``runuser`` when root) rather
    than being daemonized by ``pg_ctl start``: that way it is reaped here after
    ``stop()`` instead of being orphaned to PID 1 (which does not reap in some
    containers), and it shares this process group, so killing a CI job's group also
    takes it down.
    """

    def __init__(self, bindir: Path, tmpdir: Path, port: int) -> None:
        self.bindir = bindir
        self.tmpdir = tmpdir
        self.datadir = tmpdir / "data"
        self.logfile = tmpdir / "postgres.log"
        self.port = port
        self.host = "127.0.0.1"
        self.url = f"postgresql://{SUPERUSER}@{self.host}:{port}/postgres"
        self.started_in = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"<PostgresServer {self.url} {state}>"

    def database_url(self, name: str) -> str:
        return database_url(self.url, name)

    def _launch(self) -> None:
        settings = {
            **_SERVER_SETTINGS,
            "port": str(self.port),
            "unix_socket_directories": str(self.tmpdir),
        }
        argv = [str(self.bindir / "postgres"), "-D", str(self.datadir)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        with self.logfile.open("ab") as log:
            self._process = subprocess.Popen(
                _as_postgres(argv),
                cwd=self.tmpdir,
                env=_server_env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def _wait_ready(self, deadline: float) -> bool:
        """True once accepting TCP connections; False if the postmaster exited."""
        assert self._process is not None
        while True:
            if self._process.poll() is not None:
                return False
            if _pidfile_status(self.datadir) == "ready":
                try:
                    with socket.create_connection((self.host, self.port), timeout=1):
                        return True
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"PostgreSQL not ready in time:\n{_tail(self.logfile)}")
            time.sleep(0.02)

    def stop(self) -> None:
        """``pg_ctl stop -m fast``, reap the postmaster, remove the directory.  Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        try:
            running = self._process is not None and self._process.poll() is None
            if running and (self.datadir / "postmaster.pid").exists():
                pg_ctl = str(self.bindir / "pg_ctl")
                argv = [pg_ctl, "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60"]
                _run([*argv, "stop"], cwd=self.tmpdir, timeout=90)
            if self._process is not None:
                try:
                    self._process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self._kill_postmaster()
                    self._process.kill()
                    self._process.wait(timeout=30)
        finally:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        """Last resort: SIGQUIT (immediate shutdown) to the pid in *our* postmaster.pid."""
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.datadir / "postmaster.pid").read_text().splitlines()[0])
            os.kill(pid, signal.SIGQUIT)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _server_env() -> dict[str, str]:
    env = dict(os.environ, LC_ALL="C", LANG="C")
    for key in ("PGDATA", "PGPORT", "PGHOST"):
        env.pop(key, None)
    return env


def _make_tmpdir() -> Path:
    parent = os.environ.get(TMPDIR_ENV) or None
    tmpdir = Path(tempfile.mkdtemp(prefix="tvaers-pg-", dir=parent))
    if _is_root():
        import pwd  # POSIX only

        entry = pwd.getpwnam(OS_USER)
        os.chown(tmpdir, entry.pw_uid, entry.pw_gid)
    return tmpdir


def start(timeout: float = 60.0) -> PostgresServer:
    """initdb + start a throwaway cluster; raise PostgresUnavailableError if impossible."""
    reason = available()
    if reason is not None:
        raise PostgresUnavailableError(reason)
    bindir = find_bindir()
    assert bindir is not None
    began = time.monotonic()
    tmpdir = _make_tmpdir()
    try:
        initdb_argv = [str(bindir / "initdb"), "-D", str(tmpdir / "data"), "-A", "trust"]
        initdb_argv += ["-U", SUPERUSER, "--no-sync", "-E", "UTF8", "--locale=C"]
        init = _run(initdb_argv, cwd=tmpdir, timeout=timeout)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}):\n{init.stdout}{init.stderr}")
        for _attempt in range(3):  # the free port may be taken between probe and bind
            server = PostgresServer(bindir, tmpdir, _free_port())
            atexit.register(server.stop)
            server._launch()
            try:
                ready = server._wait_ready(time.monotonic() + timeout)
            except BaseException:
                server.stop()
                raise
            if ready:
                server.started_in = time.monotonic() - began
                return server
            server._stopped = True  # exited by itself; try again on another port
            atexit.unregister(server.stop)
        raise RuntimeError(f"PostgreSQL failed to start 3 times:\n{_tail(server.logfile)}")
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise


# --------------------------------------------------------------------------- databases


def database_url(admin_url: str, name: str) -> str:
    """``admin_url`` with its database replaced by ``name`` (query string kept)."""
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _check_name(name: str) -> None:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"database name must match {_IDENTIFIER.pattern}: {name!r}")


def create_database(admin_url: str, name: str, template: str = "template0") -> str:
    """CREATE DATABASE ``name`` as a copy of ``template`` via ``admin_url``; return its URL."""
    import psycopg  # lazy: --check needs no psycopg
    from psycopg import sql

    _check_name(name)
    _check_name(template)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        # PostgreSQL 15's default (WAL_LOG) writes every page of the copy to the WAL;
        # FILE_COPY copies the files, several times faster for a template with tables.
        strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {} ENCODING 'UTF8'" + strategy).format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return database_url(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    """Terminate connections to ``name`` and drop it (no error if it does not exist)."""
    import psycopg  # lazy: --check needs no psycopg
    from psycopg import sql

    _check_name(name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --------------------------------------------------------------------------- CLI


def _raise_system_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _main(argv: list[str]) -> int:
    usage = "usage: python -m tests.pgserver [--check | -- CMD [ARGS...]]\n"
    if argv in (["--check"], ["check"]):
        reason = available()
        if reason is not None:
            sys.stderr.write(f"pgserver: PostgreSQL unavailable: {reason}\n")
            return 1
        bindir = find_bindir()
        sys.stdout.write(f"pgserver: {server_version(bindir)} in {bindir}\n")
        return 0
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv or argv[0] in ("-h", "--help"):
        sys.stderr.write(usage)
        return 0 if argv else 2
    signal.signal(signal.SIGTERM, _raise_system_exit)  # so `finally` stops the server
    try:
        server = start()
    except PostgresUnavailableError as exc:
        sys.stderr.write(f"pgserver: PostgreSQL unavailable: {exc}\n")
        return 1
    try:
        sys.stderr.write(f"pgserver: {server.url} (started in {server.started_in:.2f}s)\n")
        env = dict(os.environ, **{URL_ENV: server.url})
        code = subprocess.call(argv, env=env)
        return 128 - code if code < 0 else code
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
