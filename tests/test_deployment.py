"""The README's "Déploiement / Deployment", run as written: `deploy/anthologie-stack` starts
PostgreSQL and Redis from their binaries, gunicorn and two job workers, then a curator and a
filmmaker use the site over HTTP (import, embedding, analysis, proposals), and `stop` leaves
no process behind.

The several-machines block runs on this one machine: each machine is a state folder of its
own (ANTHOLOGIE_STACK_DIR), they share one instance folder as they would share a mount, and
the web and worker "machines" reach PostgreSQL and Redis only through the URLs the services
machine wrote in its anthologie.env. Every process the script starts inherits a marker in its
environment; after `stop`, none may be left.
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

import media_tools
from catalog.models import Bundle, Embedding, Film, Job, JobStatus, MediaAsset, Status
from tests.clips import make_clip
from tests.components import require_component
from tests.conftest import ROOT, SAMPLES
from tests.pgserver import find_pg_bindir
from tests.web.workerprocs import wait_for

pytestmark = pytest.mark.postgres

SCRIPT = ROOT / "deploy" / "anthologie-stack"
BIN = Path(sys.executable).parent
MARK = "ANTHOLOGIE_DEPLOY_TEST"
PASSWORD = "un-mot-de-passe-assez-long"
# Short French films of eleven regions, by as many directors: a 22-minute slot has room.
FILMS = (
    "qc-0002",
    "qc-0009",
    "qc-0023",
    "qc-0027",
    "qc-0031",
    "qc-0045",
    "qc-0060",
    "qc-0062",
    "qc-0092",
    "qc-0097",
    "qc-0100",
    "qc-0106",
    "qc-0109",
    "qc-0122",
)
SUBMISSION = {
    "original_title": "La Traversée du fleuve",
    "runtime": "8 min",
    "form": "documentary",
    "synopsis_fr": "Un passeur de Rimouski raconte l'hiver sur le fleuve.",
    "municipality": "Rimouski",
    "original_languages": "français",
    "directors": "Marie Côté",
    "contact_email": "marie@example.org",
}


def readme_blocks() -> list[list[list[str]]]:
    """The section's shell blocks that run the script, each a list of commands."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Déploiement / Deployment", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [
        [shlex.split(line) for line in block.splitlines() if line.strip() and line[0] != "#"]
        for block in blocks
        if "deploy/anthologie-stack" in block
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_stack_components() -> None:
    if find_pg_bindir() is None:
        require_component("PostgreSQL server binaries", "install the `postgresql` package")
    if shutil.which("redis-server") is None:
        require_component("redis-server", "install the `redis-server` package")
    try:
        import redis  # noqa: F401
    except ImportError as error:
        require_component("the redis Python package", str(error))
    if not (BIN / "gunicorn").exists():
        require_component("gunicorn", f"no {BIN / 'gunicorn'}: pip install -e .")
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    if not Path("/proc/self/environ").exists():
        require_component("/proc", "the check that no process is left reads /proc")


def processes() -> dict[int, tuple[int, str, str]]:
    """Every process: pid → (parent pid, start time, command line)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:
            continue
        table[int(entry.name)] = (int(fields[1]), fields[19], command)
    return table


def marked(mark: str) -> set[int]:
    """The processes whose environment still holds the marker (PostgreSQL's and Redis's
    servers write their process titles over theirs)."""
    needle = f"{MARK}={mark}".encode()
    found = set()
    for pid in processes():
        try:
            if needle in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.add(pid)
        except OSError:
            continue
    return found


def stack_processes(mark: str, machines: list[Path]) -> dict[int, tuple[str, str]]:
    """What the stack runs now: the marked processes, those its pid files name, and their
    descendants; pid → (start time, command line), so a pid given to another process after
    it ended is not taken for it."""
    roots = marked(mark)
    for machine in machines:
        named = [*(machine / "run").glob("*.pid"), machine / "postgres" / "data" / "postmaster.pid"]
        roots |= {int(f.read_text().split()[0]) for f in named if f.exists()}
    table = processes()

    def ours(pid: int) -> bool:
        seen = set()
        while pid in table and pid not in seen:
            if pid in roots:
                return True
            seen.add(pid)
            pid = table[pid][0]
        return False

    return {pid: (start, command) for pid, (_, start, command) in table.items() if ours(pid)}


def left_over(running: dict[int, tuple[str, str]], mark: str) -> list[str]:
    """Those of `running` (and any marked process) still there a few seconds after `stop`
    returned: none, or `stop` leaves processes behind."""
    deadline = time.monotonic() + 5
    while True:
        table = processes()
        left = [
            f"{pid}: {command}"
            for pid, (start, command) in running.items()
            if pid in table and table[pid][1] == start
        ] + [f"{pid}: {table[pid][2]}" for pid in marked(mark) if pid not in running]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@dataclass
class Stack:
    """A folder for the state of each machine and their shared instance folder."""

    root: Path
    mark: str
    machines: list[Path]

    def env(self, machine: Path) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("ANTHOLOGIE_DATABASE_URL", "ANTHOLOGIE_JOB_QUEUE", "ANTHOLOGIE_MEDIA_ROOT")
        }
        return env | {
            MARK: self.mark,
            "ANTHOLOGIE_STACK_DIR": str(machine),
            "ANTHOLOGIE_INSTANCE_PATH": str(self.root / "shared"),
            "ANTHOLOGIE_PYTHON": sys.executable,
        }

    def machine(self) -> Path:
        folder = self.root / f"machine-{len(self.machines) + 1}"
        self.machines.append(folder)
        return folder

    def run(self, command: list[str], machine: Path) -> str:
        assert command[0] == "deploy/anthologie-stack"
        done = subprocess.run(
            [str(SCRIPT), *command[1:]],
            env=self.env(machine),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        logs = machine / "log"
        tails = "".join(
            f"\n--- {log.name}\n{log.read_text(errors='replace')[-1500:]}"
            for log in sorted(logs.glob("*.log"))
        )
        assert done.returncode == 0, f"{shlex.join(command)}:\n{done.stdout}{done.stderr}{tails}"
        return done.stdout


@pytest.fixture
def stack() -> Iterator[Stack]:
    require_stack_components()
    # Under root PostgreSQL runs as `postgres`, which must be able to enter the folder (pytest's
    # own temporary folders are private); the sockets' paths stay short too.
    root = Path(tempfile.mkdtemp(prefix="astack-", dir="/tmp"))
    root.chmod(0o755)
    made = Stack(root, uuid.uuid4().hex, [])
    try:
        yield made
    finally:
        for machine in reversed(made.machines):
            subprocess.run(
                [str(SCRIPT), "stop"], env=made.env(machine), capture_output=True, timeout=120
            )
        for pid in marked(made.mark):  # only if the test failed before its own stop
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)


def adapted(command: list[str], ports: dict[str, int], env_file: Path | None) -> list[str]:
    """The README's command with this test's ports, two workers and one gunicorn process (the
    README's addresses and counts are a real site's; tests/web/test_serving.py runs two)."""
    roles = command[command.index("--only") + 1].split(",") if "--only" in command else []
    values = {"--listen": "127.0.0.1"}  # only where the README has it
    if not roles or "services" in roles:
        values |= {"--pg-port": str(ports["pg"]), "--redis-port": str(ports["redis"])}
    if not roles or "web" in roles:
        values |= {"--bind": f"127.0.0.1:{ports['web']}", "--web-processes": "1"}
    if not roles or "workers" in roles:
        values["--workers"] = "2"
    done = list(command)
    if env_file is not None:
        done[done.index("--env-file") + 1] = str(env_file)
    for option, value in values.items():
        if option in done:
            done[done.index(option) + 1] = value
        elif option != "--listen":
            done += [option, value]
    return done


class Browser:
    """A person on the site: cookies, and each form's CSRF token read from its page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as answer:
            return str(answer.read().decode())

    def post(self, path: str, fields: dict[str, Any], form_page: str | None = None) -> str:
        """Submit the form of `form_page` (default: `path`) with its CSRF token; returns
        the address it led to."""
        page = self.get(form_page or path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None, f"no CSRF token on {form_page or path}"
        values = MultiDict([("csrf_token", token.group(1)), *fields.items()])
        if any(isinstance(v, FileStorage) for v in fields.values()):
            boundary, body = encode_multipart(values)
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body, kind = urllib.parse.urlencode(list(values.items(multi=True))).encode(), ""
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        if kind:
            request.add_header("Content-Type", kind)
        with self.opener.open(request, timeout=120) as answer:
            answer.read()
            return str(answer.url)

    def log_in(self, email: str) -> None:
        landed = self.post("/connexion", {"email": email, "password": PASSWORD})
        assert "/connexion" not in landed, f"{email} could not log in"


def create_user(env: dict[str, str], email: str, role: str) -> None:
    done = subprocess.run(
        [str(BIN / "anthologie"), "create-user", email, "--name", role.title(), "--role", role],
        env=env,
        input=f"{PASSWORD}\n{PASSWORD}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def small_catalog(folder: Path) -> FileStorage:
    """The chosen films' rows of samples/quebec_shorts.csv, without the two columns the
    catalog has no field for; the file's own names for runtime and region are mapped in the
    import form."""
    with (SAMPLES / "quebec_shorts.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = [f for f in reader.fieldnames or [] if f not in ("region_basis", "source_url")]
        rows = [row for row in reader if row["external_id"] in FILMS]
    assert len(rows) == len(FILMS)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return FileStorage(io.BytesIO(text.getvalue().encode()), "courts-quebecois.csv", "file")


def settled(engine: Engine) -> list[Job] | None:
    """Every job, once none is queued or running."""
    with Session(engine) as session:
        rows = list(session.exec(select(Job)).all())
    return None if any(j.status in (JobStatus.queued, JobStatus.running) for j in rows) else rows


def all_done(engine: Engine, what: str) -> list[Job]:
    found = cast(list[Job], wait_for(lambda: settled(engine), what, 240))
    failed = [f"{j.id} {j.kind}: {j.message}" for j in found if j.status != JobStatus.done]
    assert not failed, failed
    return found


def read_env_file(path: Path) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in path.read_text().splitlines() if "=" in line]
    return {key: value for key, value in pairs if not key.startswith("#")}


def test_the_several_machines_deployment_imports_embeds_analyses_and_proposes(
    stack: Stack, tmp_path: Path
) -> None:
    one_machine, several = readme_blocks()
    stop = next(c for c in one_machine if c[1:] == ["stop"])
    ports = {"web": free_port(), "pg": free_port(), "redis": free_port()}
    services, web, workers = (stack.machine() for _ in range(3))
    started = {}
    for command, machine in zip(several, (services, web, workers), strict=True):
        env_file = services / "anthologie.env" if "--env-file" in command else None
        started[machine] = stack.run(adapted(command, ports, env_file), machine)
    assert "PostgreSQL: started" in started[services] and "Redis: started" in started[services]
    assert "Web: gunicorn" in started[web] and "Worker" not in started[web]
    assert started[workers].count("taking jobs") == 2
    # Nothing but the env file told the other machines where the database and queue are.
    urls = read_env_file(services / "anthologie.env")
    assert urls["ANTHOLOGIE_JOB_QUEUE"].startswith("redis://:")
    cli_env = stack.env(web) | urls
    create_user(cli_env, "curatrice@deploiement.example", "curator")
    create_user(cli_env, "cineaste@deploiement.example", "filmmaker")
    engine = create_engine(urls["ANTHOLOGIE_DATABASE_URL"])
    base = f"http://127.0.0.1:{ports['web']}"
    try:
        curator = Browser(base)
        curator.log_in("curatrice@deploiement.example")
        fields = {
            "file": small_catalog(tmp_path),
            "map": "runtime=runtime_minutes\nregion=region_code",
        }
        job_page = curator.post("/catalogue/import", fields)
        assert re.search(r"/catalogue/taches/\d+$", job_page)
        # The import, then the embedding it queues (films searchable and with neighbours).
        all_done(engine, "the import and the embedding of its films")
        assert "14 nouveaux films" in curator.get(urllib.parse.urlparse(job_page).path)
        with Session(engine) as session:
            films = session.exec(select(Film).where(col(Film.external_id).in_(FILMS))).all()
            embedded = set(session.exec(select(Embedding.film_id)).all())
        assert len(films) == len(FILMS) and {f.status for f in films} == {Status.accepted}
        assert {f.id for f in films} <= embedded

        filmmaker = Browser(base)
        filmmaker.log_in("cineaste@deploiement.example")
        clip = make_clip(tmp_path / "traversee.mp4", 3, seed=4)
        media = FileStorage(clip.open("rb"), "traversee.mp4", "media", "video/mp4")
        filmmaker.post("/soumissions/nouvelle", SUBMISSION | {"media": media})
        all_done(engine, "the analysis of the submitted film")
        with Session(engine) as session:
            film = session.exec(select(Film).where(Film.status == Status.submitted)).one()
            asset = session.exec(select(MediaAsset).where(MediaAsset.film_id == film.id)).one()
        # Analysed by a worker "machine", into the shared folder the web machine serves from.
        assert asset.analysed_at is not None and asset.analysis_error is None
        assert asset.poster_path and asset.proxy_path and asset.qc
        assert (stack.root / "shared" / "media" / asset.poster_path).is_file()

        curator.post("/atelier/", {"facet": "subject", "slot": "22"})
        jobs = all_done(engine, "the proposals")
        with Session(engine) as session:
            bundles = session.exec(select(Bundle)).all()
        assert bundles, "the proposal made no anthology"
        workbench = curator.get("/atelier/")
        for bundle in bundles:
            assert bundle.label in workbench
        # Each worker's log names the runs it took (Huey's "Executing …run_job" lines).
        logs = [(workers / "log" / f"worker-{n}.log").read_text() for n in (1, 2)]
        assert sum(len(re.findall(r"Executing \S*run_job", log)) for log in logs) >= len(jobs)
        # The queue is Redis: no machine fell back to a queue file of its own.
        assert not (stack.root / "shared" / "jobs.sqlite3").exists()
    finally:
        engine.dispose()

    running = stack_processes(stack.mark, stack.machines)
    for machine in (workers, web, services):
        assert "Stopped." in stack.run(stop, machine)
    assert left_over(running, stack.mark) == []


def test_the_one_machine_deployment_starts_and_stops_everything(stack: Stack) -> None:
    one_machine, _ = readme_blocks()
    start, status, stop = one_machine
    ports = {"web": free_port(), "pg": free_port(), "redis": free_port()}
    machine = stack.machine()
    stack.run(adapted(start, ports, None), machine)
    listed = stack.run(status, machine)
    for name in ("postgres", "redis", "web", "worker-1", "worker-2"):
        assert re.search(rf"^{name} +running, pid \d+", listed, re.MULTILINE), listed
    with urllib.request.urlopen(f"http://127.0.0.1:{ports['web']}/connexion", timeout=30) as page:
        assert page.status == 200
    running = stack_processes(stack.mark, stack.machines)
    commands = " | ".join(command for _, command in running.values())
    for program in ("postgres: checkpointer", "redis-server", "gunicorn", "anthologie worker"):
        assert program in commands, commands
    assert "Stopped." in stack.run(stop, machine)
    assert left_over(running, stack.mark) == []
    assert "Nothing running" in stack.run(status, machine)
