"""A throwaway PostgreSQL server for tests: initdb in a temp dir, Unix socket only, gone after."""

from __future__ import annotations

import contextlib
import locale
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import URL, make_url

BINDIR_ENV = "ANTHOLOGIE_PG_BINDIR"
URL_ENV = "ANTHOLOGIE_TEST_PG_URL"
SERVER_USER = "postgres"  # initdb and postgres refuse to run as root
START_TIMEOUT_S = 60
# sockaddr_un.sun_path is 108 bytes on Linux, including the trailing NUL.
MAX_SOCKET_PATH = 107


class PostgresError(RuntimeError):
    """initdb or pg_ctl failed, or no server can be started here."""


class PostgresNotFound(PostgresError):
    """No PostgreSQL server binaries (initdb, pg_ctl, postgres) were found."""


def find_pg_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed.

    Order: $ANTHOLOGIE_PG_BINDIR, the newest /usr/lib/postgresql/<version>/bin (Debian and
    Ubuntu keep the server binaries off PATH), then `initdb` on PATH.
    """
    explicit = os.environ.get(BINDIR_ENV)
    if explicit:
        bindir = Path(explicit)
        if not (bindir / "initdb").is_file():
            # A wrong explicit setting should not silently fall back to another install.
            raise PostgresNotFound(f"{BINDIR_ENV}={explicit} has no initdb in it")
        return bindir

    def version_key(bindir: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))

    candidates = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if p.is_file()]
    if candidates:
        return max(candidates, key=version_key)
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Run a fresh PostgreSQL server for the duration of the block; yield its SQLAlchemy URL.

    The server listens only on a Unix socket inside its own temp dir and runs without fsync,
    so it is fast and cannot clash with any other server. It is stopped and its files removed
    even when the block raises. If $ANTHOLOGIE_TEST_PG_URL is set, that server is used
    instead and nothing is started.
    """
    existing = os.environ.get(URL_ENV)
    if existing:
        yield existing
        return

    bindir = find_pg_bindir()
    if bindir is None:
        raise PostgresNotFound(
            "PostgreSQL server binaries not found: install the `postgresql` package, set "
            f"{BINDIR_ENV} to the directory holding initdb, or set {URL_ENV} to a server's URL"
        )
    runner = _Runner.for_current_user()
    base = _temp_base()
    workdir = Path(tempfile.mkdtemp(prefix="apg-", dir=base))
    try:
        runner.own(workdir)
        datadir = workdir / "data"
        logfile = workdir / "server.log"
        port = _free_port()
        socket_path = workdir / f".s.PGSQL.{port}"
        if len(os.fsencode(socket_path)) > MAX_SOCKET_PATH:
            raise PostgresError(f"Unix socket path too long ({socket_path}); set TMPDIR shorter")

        runner.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(datadir),
                "-A",
                "trust",
                "-U",
                SERVER_USER,
                "--encoding=UTF8",
                f"--locale={_server_locale()}",
                "--no-sync",
            ],
            cwd=workdir,
        )
        options = [
            "-p",
            str(port),
            "-k",
            str(workdir),
            "-c",
            "listen_addresses=",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
        ]
        pg_ctl = str(bindir / "pg_ctl")
        try:
            runner.run(
                [
                    pg_ctl,
                    "start",
                    "-D",
                    str(datadir),
                    "-l",
                    str(logfile),
                    "-w",
                    "-t",
                    str(START_TIMEOUT_S),
                    # pg_ctl hands these to /bin/sh, hence the quoting.
                    "-o",
                    shlex.join(options),
                ],
                cwd=workdir,
                logfile=logfile,
                timeout=START_TIMEOUT_S + 30,
            )
            yield URL.create(
                "postgresql+psycopg",
                username=SERVER_USER,
                database="postgres",
                query={"host": str(workdir), "port": str(port)},
            ).render_as_string(hide_password=False)
        finally:
            _stop(runner, pg_ctl, datadir, logfile)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database `name` on the server of `admin_url`; return its URL."""
    with _admin_connection(admin_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    """Drop database `name` if it exists, disconnecting any sessions still using it."""
    with _admin_connection(admin_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _admin_connection(admin_url: str) -> psycopg.Connection:
    url = make_url(admin_url)
    params: dict[str, str] = {k: v for k, v in url.query.items() if isinstance(v, str)}
    for key, value in (
        ("host", url.host),
        ("port", url.port),
        ("user", url.username),
        ("password", url.password),
        ("dbname", url.database),
    ):
        if value is not None and value != "":
            params.setdefault(key, str(value))
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    return psycopg.connect(make_conninfo(**params), autocommit=True)


@dataclass(frozen=True)
class _Runner:
    """Runs server commands as the user who will own the data directory."""

    uid: int | None  # None: the current user
    gid: int | None

    @classmethod
    def for_current_user(cls) -> _Runner:
        if os.geteuid() != 0:
            return cls(None, None)
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise PostgresError(
                f"running as root, but there is no {SERVER_USER!r} user to run the server as "
                "(initdb refuses root); install the `postgresql` package or run as another user"
            ) from None
        return cls(entry.pw_uid, entry.pw_gid)

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)
        path.chmod(0o700)

    def run(
        self,
        cmd: Sequence[str],
        *,
        cwd: Path,
        logfile: Path | None = None,
        timeout: float = 120,
        check: bool = True,
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if self.uid is not None:
            env["HOME"] = str(cwd)
            env["USER"] = env["LOGNAME"] = SERVER_USER
        try:
            proc = subprocess.run(
                list(cmd),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                user=self.uid,
                group=self.gid,
                # Drop root's supplementary groups too, as runuser would.
                extra_groups=[] if self.uid is not None else None,
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresError(
                _describe(cmd, f"timed out after {timeout:g}s", exc.stderr, logfile)
            ) from None
        if check and proc.returncode != 0:
            raise PostgresError(
                _describe(cmd, f"exited with {proc.returncode}", proc.stderr, logfile)
            )
        return proc


def _stop(runner: _Runner, pg_ctl: str, datadir: Path, logfile: Path) -> None:
    if not (datadir / "postmaster.pid").exists():
        return  # never started
    cmd = [pg_ctl, "stop", "-D", str(datadir), "-m", "immediate", "-w", "-t", "30"]
    proc = runner.run(cmd, cwd=datadir.parent, logfile=logfile, timeout=60, check=False)
    if proc.returncode == 0:
        return
    # A server that already died leaves a stale postmaster.pid; status exit code 3 = not running.
    status = runner.run([pg_ctl, "status", "-D", str(datadir)], cwd=datadir.parent, check=False)
    if status.returncode != 3:
        raise PostgresError(_describe(cmd, f"exited with {proc.returncode}", proc.stderr, logfile))


def _describe(
    cmd: Sequence[str], outcome: str, stderr: str | bytes | None, logfile: Path | None
) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    parts = [f"`{shlex.join(cmd)}` {outcome}"]
    if stderr and stderr.strip():
        parts.append("stderr:\n" + _tail(stderr))
    if logfile is not None and logfile.exists():
        parts.append(f"{logfile} (tail):\n" + _tail(logfile.read_text(errors="replace")))
    return "\n".join(parts)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join("    " + line for line in text.strip().splitlines()[-lines:])


def _temp_base() -> str:
    # The postgres user must be able to reach the dir (root's TMPDIR may be private), and
    # the socket path must stay short; /tmp satisfies both.
    if os.geteuid() == 0:
        return "/tmp"
    base = tempfile.gettempdir()
    # "apg-" + 8 random chars + "/.s.PGSQL.65535"
    return base if len(os.fsencode(base)) + 30 <= MAX_SOCKET_PATH else "/tmp"


def _free_port() -> int:
    # The socket lives in a dir of its own, so the number only has to be valid; a port free
    # on TCP as well keeps things unambiguous should someone enable listen_addresses.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _server_locale() -> str:
    """C.UTF-8 where the C library has it (Debian, Ubuntu, recent glibc), else plain C."""
    saved = locale.setlocale(locale.LC_CTYPE)
    try:
        locale.setlocale(locale.LC_CTYPE, "C.UTF-8")
    except locale.Error:
        return "C"
    finally:
        locale.setlocale(locale.LC_CTYPE, saved)
    return "C.UTF-8"
