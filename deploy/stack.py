"""Start, stop and list Anthologie's processes on this machine: PostgreSQL, Redis, gunicorn and
N job workers, or only some of them (roles), so several machines can share one catalog.

    deploy/anthologie-stack start [--only services,web,workers] [--workers N] [--bind H:P] …
    deploy/anthologie-stack status
    deploy/anthologie-stack stop

Roles: `services` starts PostgreSQL and Redis (each only when ANTHOLOGIE_DATABASE_URL or
ANTHOLOGIE_JOB_QUEUE does not already name one), `web` migrates the database and serves the
app with gunicorn, `workers` runs N `anthologie worker` processes. Everything this machine runs
lives in one state folder (ANTHOLOGIE_STACK_DIR, default var/ in the checkout): the database
files, logs (log/), pid files (run/), and anthologie.env, the URLs (with their passwords) the
other machines need. Standard library only: it runs before, and beside, the app.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
# The app's commands sit beside the Python that runs this script (the wrapper picks .venv's).
BIN = Path(sys.executable).parent
ROLES = ("services", "web", "workers")
DB_NAME = DB_USER = "anthologie"
SERVER_USER = "postgres"  # initdb and postgres refuse to run as root
STOP_GRACE_S = 40  # a worker hands its jobs back, gunicorn lets requests finish (30 s)
# What this run started, for a failed start to say that `stop` ends it.
STARTED: list[str] = []
START_TIMEOUT_S = 90
# What each pid file's process runs (postgres keeps its own, postmaster.pid).
EXPECTED = {"worker": "anthologie", "web": "gunicorn", "redis": "redis-server"}


class StackError(Exception):
    """Something this machine lacks or refused; said to the operator, without a traceback."""


def say(text: str) -> None:
    print(text, flush=True)


# --- the state folder -----------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    root: Path

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def postgres(self) -> Path:
        return self.root / "postgres"

    @property
    def redis(self) -> Path:
        return self.root / "redis"

    @property
    def env_file(self) -> Path:
        return self.root / "anthologie.env"

    def pid_file(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def prepare(self) -> None:
        for folder in (self.root, self.run, self.log):
            folder.mkdir(parents=True, exist_ok=True)


def state_from(option: str | None) -> State:
    chosen = option or os.environ.get("ANTHOLOGIE_STACK_DIR") or str(CHECKOUT / "var")
    return State(Path(chosen).resolve())


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (blank lines and # comments skipped; `export ` allowed)."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise StackError(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def secret(path: Path) -> str:
    """A password kept in the state folder, made on first use."""
    if not path.exists():
        write_private(path, secrets.token_urlsafe(24) + "\n")
    return path.read_text(encoding="utf-8").strip()


# --- processes ------------------------------------------------------------------------------


def alive(pid: int, expected: str) -> bool:
    """Whether `pid` runs and is still the program its pid file was written for (a pid the
    system gave to another program since is not ours to signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return sys.platform != "linux"
    try:
        return expected in cmdline.read_bytes().decode(errors="replace")
    except OSError:
        return False


def recorded(state: State, name: str) -> int | None:
    """The pid in `name`'s pid file if that process still runs; a stale file is removed."""
    path = state.pid_file(name)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    kind = name.split("-", 1)[0]
    if alive(pid, EXPECTED[kind]):
        return pid
    path.unlink(missing_ok=True)
    return None


def spawn(
    state: State, name: str, command: Sequence[str], env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """Start `command` detached (a session of its own, so its whole group can be stopped),
    its output appended to log/<name>.log, its pid in run/<name>.pid."""
    log_path = state.log / f"{name}.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            list(command),
            env=env,
            cwd=CHECKOUT,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    state.pid_file(name).write_text(f"{process.pid}\n")
    STARTED.append(name)
    return process


def log_tail(path: Path, lines: int = 25) -> str:
    if not path.exists():
        return f"(no {path})"
    text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return "\n".join("    " + line for line in text[-lines:])


def group_left(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def end(targets: Sequence[tuple[int, str]], grace: float) -> None:
    """SIGTERM to each (pid, expected program) at once, SIGKILL to those still there after
    `grace` seconds; then whatever is left of each one's process group (a worker's ffmpeg,
    gunicorn's workers) goes too."""
    for pid, _ in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(pid, what) for pid, what in targets):
        for pid, _ in targets:
            reap(pid)
        time.sleep(0.1)
    for pid, what in targets:
        if alive(pid, what):
            say(f"  pid {pid} did not stop within {grace:.0f} s: killed")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(group_left(pid) for pid, _ in targets):
        for pid, _ in targets:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        time.sleep(0.1)
    for pid, _ in targets:
        reap(pid)


def reap(pid: int) -> None:
    """Collect a child of this very process (start then stop in one run), if it is one."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def local_host(listen: str) -> str:
    """The address to reach a server listening on `listen` from this machine."""
    first = listen.split(",")[0].strip()
    return "127.0.0.1" if first in ("", "*", "0.0.0.0") else ("::1" if first == "::" else first)


def shared_host(listen: str) -> str:
    """The address other machines reach it at (the URLs of anthologie.env)."""
    first = listen.split(",")[0].strip()
    return socket.getfqdn() if first in ("", "*", "0.0.0.0", "::") else first


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --- PostgreSQL -----------------------------------------------------------------------------


def pg_bindir() -> Path:
    explicit = os.environ.get("ANTHOLOGIE_PG_BINDIR")
    if explicit:
        if not (Path(explicit) / "pg_ctl").is_file():
            raise StackError(f"ANTHOLOGIE_PG_BINDIR={explicit} has no pg_ctl in it")
        return Path(explicit)

    def version(bindir: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name))

    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl") if p.is_file()]
    if found:
        return max(found, key=version)
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise StackError(
        "no PostgreSQL server (pg_ctl, initdb): install the `postgresql` package, set "
        "ANTHOLOGIE_PG_BINDIR, or name an existing server with ANTHOLOGIE_DATABASE_URL"
    )


@dataclass(frozen=True)
class ServerUser:
    """Who runs PostgreSQL: this user, or `postgres` when this is root."""

    uid: int | None
    gid: int | None

    @classmethod
    def here(cls) -> ServerUser:
        if os.geteuid() != 0:
            return cls(None, None)
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise StackError(
                "running as root, but there is no `postgres` user to run PostgreSQL as"
            ) from None
        return cls(entry.pw_uid, entry.pw_gid)

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)

    def check_reachable(self, path: Path) -> None:
        if self.uid is None:
            return
        for folder in [path, *path.parents]:
            if folder.exists() and not folder.stat().st_mode & 0o001 and folder != path:
                raise StackError(
                    f"PostgreSQL runs as `postgres`, which cannot enter {folder} (mode "
                    f"{folder.stat().st_mode & 0o777:o}); choose a state folder others can "
                    "reach (ANTHOLOGIE_STACK_DIR or --state)"
                )

    def run(self, command: Sequence[str], env: dict[str, str], what: str) -> None:
        done = subprocess.run(
            list(command),
            env=env,
            cwd="/",
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S + 30,
            user=self.uid,
            group=self.gid,
            extra_groups=[] if self.uid is not None else None,
            check=False,
        )
        if done.returncode != 0:
            raise StackError(f"{what} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


def server_env(user: ServerUser, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    if user.uid is not None:
        env |= {"HOME": str(folder), "USER": SERVER_USER, "LOGNAME": SERVER_USER}
    return env


def start_postgres(state: State, listen: str, port: int) -> str:
    """Initialise (first time) and start PostgreSQL; returns its password."""
    bindir = pg_bindir()
    user = ServerUser.here()
    folder, data = state.postgres, state.postgres / "data"
    log = state.log / "postgres.log"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    user.own(folder)
    user.check_reachable(folder)
    password = secret(folder / "password")
    user.own(folder / "password")
    env = server_env(user, folder)
    host = local_host(listen)
    if not log.exists():
        log.touch()
    user.own(log)
    fresh = not (data / "PG_VERSION").exists()
    if fresh:
        say(f"PostgreSQL: a new cluster in {data}")
        user.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                DB_USER,
                f"--pwfile={folder / 'password'}",
                "-A",
                "scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            env,
            "initdb",
        )
        # Other machines (web, workers) connect over the network, with the password.
        with (data / "pg_hba.conf").open("a", encoding="utf-8") as hba:
            hba.write("host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n")
    if (data / "postmaster.pid").exists() and pg_running(bindir, data, user, env):
        say(f"PostgreSQL: already running on {url_host(host)}:{port}")
    else:
        if not port_free(host, port):
            raise StackError(
                f"port {port} is taken on {host} (another PostgreSQL?): choose --pg-port, or "
                "use that server with ANTHOLOGIE_DATABASE_URL"
            )
        options = f"-p {port} -c listen_addresses='{listen}' -c unix_socket_directories=''"
        user.run(
            [
                str(bindir / "pg_ctl"),
                "start",
                "-D",
                str(data),
                "-l",
                str(log),
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "-o",
                options,
            ],
            env,
            f"pg_ctl start (log: {log})",
        )
        STARTED.append("postgres")
        say(f"PostgreSQL: started on {url_host(host)}:{port} (log {log})")
    if fresh:
        client = {**env, "PGPASSWORD": password}
        user.run(
            [str(bindir / "createdb"), "-h", host, "-p", str(port), "-U", DB_USER, DB_NAME],
            client,
            "createdb",
        )
    return password


def pg_url(password: str, host: str, port: int) -> str:
    return f"postgresql+psycopg://{DB_USER}:{password}@{url_host(host)}:{port}/{DB_NAME}"


def pg_running(bindir: Path, data: Path, user: ServerUser, env: dict[str, str]) -> bool:
    done = subprocess.run(
        [str(bindir / "pg_ctl"), "status", "-D", str(data)],
        env=env,
        cwd="/",
        capture_output=True,
        user=user.uid,
        group=user.gid,
        extra_groups=[] if user.uid is not None else None,
        check=False,
    )
    return done.returncode == 0


def stop_postgres(state: State) -> None:
    data = state.postgres / "data"
    if not (data / "postmaster.pid").exists():
        return
    bindir, user = pg_bindir(), ServerUser.here()
    env = server_env(user, state.postgres)
    if not pg_running(bindir, data, user, env):
        return
    say("PostgreSQL: stopping")
    user.run(
        [str(bindir / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w", "-t", "60"],
        env,
        "pg_ctl stop",
    )


# --- Redis ----------------------------------------------------------------------------------


def redis_ping(host: str, port: int, password: str) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2) as conn:
            conn.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            answer = b""
            while b"PONG" not in answer and len(answer) < 200:
                chunk = conn.recv(200)
                if not chunk:
                    break
                answer += chunk
            return b"+PONG" in answer
    except OSError:
        return False


def start_redis(state: State, listen: str, port: int) -> str:
    """Start redis-server (the job queue, kept on disk between restarts); returns its
    password."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise StackError(
            "no redis-server: install the `redis-server` package, or name an existing server "
            "with ANTHOLOGIE_JOB_QUEUE=redis://…"
        )
    state.redis.mkdir(parents=True, exist_ok=True)
    password = secret(state.redis / "password")
    host = local_host(listen)
    if recorded(state, "redis") is not None:
        say(f"Redis: already running on {url_host(host)}:{port}")
        return password
    if not port_free(host, port):
        raise StackError(
            f"port {port} is taken on {host} (another Redis?): choose --redis-port, or use that "
            "server with ANTHOLOGIE_JOB_QUEUE=redis://…"
        )
    config = state.redis / "redis.conf"
    binds = " ".join(part.strip() for part in listen.split(",") if part.strip())
    write_private(
        config,
        f"bind {binds}\nport {port}\nrequirepass {password}\ndir {state.redis}\n"
        "daemonize no\nappendonly no\n",
    )
    process = spawn(state, "redis", [binary, str(config)], dict(os.environ))
    deadline = time.monotonic() + START_TIMEOUT_S
    while not redis_ping(host, port, password):
        if process.poll() is not None or time.monotonic() > deadline:
            raise StackError(f"redis-server did not start:\n{log_tail(state.log / 'redis.log')}")
        time.sleep(0.1)
    log = state.log / "redis.log"
    say(f"Redis: started on {url_host(host)}:{port}, pid {process.pid} (log {log})")
    return password


def redis_url(password: str, host: str, port: int) -> str:
    return f"redis://:{password}@{url_host(host)}:{port}/0"


# --- the app: migrations, gunicorn, workers -------------------------------------------------


def app_command(name: str) -> str:
    beside = BIN / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise StackError(
            f"no `{name}` command beside {sys.executable} nor on PATH: install the app "
            "(pip install -e .) in the Python that runs this script (ANTHOLOGIE_PYTHON)"
        )
    return found


def check_queue(env: dict[str, str]) -> None:
    queue = env.get("ANTHOLOGIE_JOB_QUEUE", "")
    if not queue.startswith("redis://"):
        raise StackError(
            "no shared job queue: set ANTHOLOGIE_JOB_QUEUE=redis://… (or --env-file with it), or "
            "start the services role here"
        )
    done = subprocess.run(
        [sys.executable, "-c", "import redis"], capture_output=True, check=False, env=env
    )
    if done.returncode != 0:
        raise StackError(
            f"the `redis` Python package is missing: {sys.executable} -m pip install "
            "-e '.[redis]' (or pip install redis)"
        )


def migrate(state: State, env: dict[str, str]) -> None:
    log = state.log / "init-db.log"
    done = subprocess.run(
        [app_command("anthologie"), "init-db"],
        env=env,
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    with log.open("a", encoding="utf-8") as handle:
        handle.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise StackError(f"anthologie init-db failed:\n{done.stdout}{done.stderr}")
    say(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "Database migrated")


def wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise StackError(f"gunicorn did not answer at {url}:\n{log_tail(log)}")
        time.sleep(0.3)


Waiter = Callable[[], None]


def start_web(state: State, env: dict[str, str], bind: str, processes: int) -> Waiter:
    """Migrate, then start gunicorn; returns what waits until it answers."""
    host, _, port_text = bind.rpartition(":")
    host = host.strip("[]") or "0.0.0.0"
    pid = recorded(state, "web")
    if pid is not None:
        say(f"Web: already running, pid {pid}")
        return lambda: None
    if not port_free(host, int(port_text)):
        raise StackError(f"port {port_text} is taken on {host}: choose another with --bind")
    migrate(state, env)
    log = state.log / "web.log"
    command = [
        app_command("gunicorn"),
        "--workers",
        str(processes),
        "--threads",
        "4",
        "--bind",
        bind,
        "--access-logfile",
        str(state.log / "access.log"),
        "--error-logfile",
        str(log),
        "--capture-output",
        # gunicornc's socket: this stack's own (the default, in $HOME, is one per user).
        "--control-socket",
        str(state.run / "gunicorn.ctl"),
        "web:create_app()",
    ]
    process = spawn(state, "web", command, env)
    address = f"http://{url_host(local_host(host))}:{port_text}"

    def wait() -> None:
        wait_http(f"{address}/connexion", process, log)
        say(f"Web: gunicorn ({processes} processes) at {address}, pid {process.pid} (log {log})")

    return wait


def start_workers(state: State, env: dict[str, str], count: int) -> Waiter:
    """Start the missing ones of worker-1 … worker-N together; returns what waits for each to
    say it takes jobs (the line web/cli.py's `worker` prints)."""
    starting: list[tuple[int, subprocess.Popen[bytes], Path, int]] = []
    for number in range(1, count + 1):
        name = f"worker-{number}"
        pid = recorded(state, name)
        if pid is not None:
            say(f"Worker {number}: already running, pid {pid}")
            continue
        log = state.log / f"{name}.log"
        before = log.stat().st_size if log.exists() else 0
        process = spawn(state, name, [app_command("anthologie"), "worker"], env)
        starting.append((number, process, log, before))

    def wait() -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        for number, process, log, before in starting:
            while b"Worker ready" not in (log.read_bytes()[before:] if log.exists() else b""):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise StackError(f"worker {number} did not start:\n{log_tail(log)}")
                time.sleep(0.2)
            say(f"Worker {number}: taking jobs, pid {process.pid} (log {log})")

    return wait


# --- commands -------------------------------------------------------------------------------


def roles_from(text: str | None) -> list[str]:
    if not text:
        return list(ROLES)
    chosen = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [part for part in chosen if part not in ROLES]
    if unknown or not chosen:
        raise StackError(f"unknown role(s) {', '.join(unknown) or text!r}: use {', '.join(ROLES)}")
    return chosen


def start(args: argparse.Namespace) -> None:
    state = state_from(args.state)
    roles = roles_from(args.only)
    state.prepare()
    env = dict(os.environ)
    env_file = Path(args.env_file) if args.env_file else None
    if env_file is None and "services" not in roles and state.env_file.exists():
        env_file = state.env_file  # the services this very machine started earlier
    if env_file is not None:
        # The environment wins over the file: a machine can still override one setting.
        env = read_env_file(env_file) | env
    # The embedding model is loaded from the installed packages: never downloaded.
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    shared: dict[str, str] = {}
    if "services" in roles:
        here, there = local_host(args.listen), shared_host(args.listen)
        if env.get("ANTHOLOGIE_DATABASE_URL"):
            say("PostgreSQL: using ANTHOLOGIE_DATABASE_URL (none started here)")
        else:
            password = start_postgres(state, args.listen, args.pg_port)
            env["ANTHOLOGIE_DATABASE_URL"] = pg_url(password, here, args.pg_port)
            shared["ANTHOLOGIE_DATABASE_URL"] = pg_url(password, there, args.pg_port)
        if env.get("ANTHOLOGIE_JOB_QUEUE"):
            say("Redis: using ANTHOLOGIE_JOB_QUEUE (none started here)")
        else:
            password = start_redis(state, args.listen, args.redis_port)
            env["ANTHOLOGIE_JOB_QUEUE"] = redis_url(password, here, args.redis_port)
            shared["ANTHOLOGIE_JOB_QUEUE"] = redis_url(password, there, args.redis_port)
        if shared:
            lines = "".join(f"{key}={value}\n" for key, value in shared.items())
            write_private(
                state.env_file,
                "# The servers of this machine, for the others: --env-file this file.\n" + lines,
            )
            say(f"Their URLs, for the other machines: {state.env_file}")
    if ("web" in roles or "workers" in roles) and not env.get("ANTHOLOGIE_DATABASE_URL"):
        raise StackError(
            "no database: set ANTHOLOGIE_DATABASE_URL (or --env-file with it), or start the "
            "services role here"
        )
    if "web" in roles or "workers" in roles:
        check_queue(env)
    # gunicorn and the workers boot side by side (each imports the whole app).
    waiting = []
    if "web" in roles:
        waiting.append(start_web(state, env, args.bind, args.web_processes))
    if "workers" in roles:
        waiting.append(start_workers(state, env, args.workers))
    for wait in waiting:
        wait()
    say(f"Running. Logs: {state.log}; to stop: deploy/anthologie-stack stop")


def stop(args: argparse.Namespace) -> None:
    state = state_from(args.state)
    if not state.root.exists():
        say(f"Nothing to stop: no {state.root}")
        return
    names = sorted(p.stem for p in state.run.glob("*.pid")) if state.run.exists() else []
    # The workers and gunicorn together, while Redis and PostgreSQL still take the jobs the
    # workers hand back; then Redis, then PostgreSQL.
    for kinds in (("worker", "web"), ("redis",)):
        targets = []
        for name in [n for n in names if n.split("-", 1)[0] in kinds]:
            pid = recorded(state, name)
            if pid is not None:
                say(f"{name}: stopping pid {pid}")
                targets.append((pid, EXPECTED[name.split("-", 1)[0]]))
        end(targets, STOP_GRACE_S)
        for name in [n for n in names if n.split("-", 1)[0] in kinds]:
            state.pid_file(name).unlink(missing_ok=True)
    stop_postgres(state)
    say("Stopped.")


def status(args: argparse.Namespace) -> None:
    state = state_from(args.state)
    names = sorted(p.stem for p in state.run.glob("*.pid")) if state.run.exists() else []
    running = 0
    for name in names:
        pid = recorded(state, name)
        if pid is not None:
            running += 1
            say(f"{name:<10} running, pid {pid}   log {state.log / (name + '.log')}")
    data = state.postgres / "data"
    if (data / "postmaster.pid").exists():
        pid = int((data / "postmaster.pid").read_text().split()[0])
        if alive(pid, "postgres"):
            running += 1
            say(f"{'postgres':<10} running, pid {pid}   log {state.log / 'postgres.log'}")
    if not running:
        say(f"Nothing running from {state.root}")
    if not running and args.check:
        raise SystemExit(3)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="anthologie-stack", description=__doc__.split("\n\n")[0])
    top.add_argument(
        "--state", help="this machine's state folder (default: ANTHOLOGIE_STACK_DIR, else var/)"
    )
    commands = top.add_subparsers(dest="command", required=True)
    begin = commands.add_parser("start", help="start this machine's part (all roles by default)")
    begin.add_argument("--only", help="roles to run here: services, web, workers (comma-separated)")
    begin.add_argument("--workers", type=int, default=2, help="job worker processes (default 2)")
    begin.add_argument(
        "--bind", default="127.0.0.1:8000", help="gunicorn's address (default 127.0.0.1:8000)"
    )
    begin.add_argument(
        "--web-processes",
        type=int,
        default=os.cpu_count() or 2,
        help="gunicorn processes (default: one per core)",
    )
    begin.add_argument(
        "--listen",
        default="127.0.0.1",
        help="where PostgreSQL and Redis listen (default 127.0.0.1; another machine's workers "
        "need this machine's address)",
    )
    begin.add_argument("--pg-port", type=int, default=5432)
    begin.add_argument("--redis-port", type=int, default=6379)
    begin.add_argument(
        "--env-file", help="KEY=VALUE settings, e.g. the services machine's anthologie.env"
    )
    begin.set_defaults(run=start)
    commands.add_parser("stop", help="stop everything this machine started").set_defaults(run=stop)
    show = commands.add_parser("status", help="what runs here")
    show.add_argument("--check", action="store_true", help="exit 3 when nothing runs")
    show.set_defaults(run=status)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except StackError as error:
        print(f"anthologie-stack: {error}", file=sys.stderr, flush=True)
        if STARTED:
            print(
                f"Left running: {', '.join(STARTED)}; `deploy/anthologie-stack stop` ends them.",
                file=sys.stderr,
                flush=True,
            )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
