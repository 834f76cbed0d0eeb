"""`make demo`'s steps as a person sees them: every long step shows its progress, PORT is
honoured, and stopping the server (Ctrl-C, SIGTERM, even SIGKILL) never leaves its
`anthologie worker` running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.models import Film, Job, JobStatus, MediaAsset, Status
from tests.clips import make_clip
from tests.conftest import ROOT
from tests.web.workerprocs import wait_for
from web.usecases import media

BIN = Path(sys.executable).parent


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan's zombie may wait for a reaper)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = os.environ | {
        "ANTHOLOGIE_INSTANCE_PATH": str(tmp_path / "instance"),
        "ANTHOLOGIE_DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'catalog.db'}",
        "ANTHOLOGIE_SECRET_KEY": "demo-test",
    }
    subprocess.run(
        [str(BIN / "anthologie"), "init-db"], env=env, check=True, capture_output=True, timeout=300
    )
    return env


class Served:
    def __init__(self, process: subprocess.Popen[bytes], log: Path, port: int) -> None:
        self.process = process
        self.log = log
        self.port = port
        self.worker_pid = 0

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def served(environment: dict[str, str], tmp_path: Path) -> Iterator[Served]:
    """`anthologie serve` on a free port, in a process group of its own as a terminal's
    foreground job is; its worker's pid read from what it prints."""
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(BIN / "anthologie"), "serve", "--port", str(port)],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    serving = Served(process, log, port)

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/connexion", timeout=5) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, ConnectionError):
            return False

    try:
        wait_for(answers, "the server to answer", 120)
        text = serving.output()
        serving.worker_pid = int(text.split("worker pid ", 1)[1].split(")", 1)[0])
        cmdline = Path(f"/proc/{serving.worker_pid}/cmdline").read_bytes().split(b"\0")
        assert b"worker" in cmdline, cmdline
        yield serving
    finally:
        for pid in (process.pid, serving.worker_pid):
            if pid and alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_server_stops_its_worker(served: Served, stop: signal.Signals) -> None:
    assert f"Serving on http://127.0.0.1:{served.port} " in served.output()
    assert alive(served.worker_pid)
    # Ctrl-C in a terminal signals its foreground process group: the server's.
    os.killpg(served.process.pid, stop)
    assert served.process.wait(timeout=60) == 0, served.output()
    wait_for(lambda: not alive(served.worker_pid), "the worker to stop", 10)
    assert "Server and worker stopped." in served.output()


def test_a_killed_server_takes_its_worker_along(served: Served) -> None:
    served.process.kill()  # no handler runs: the kernel tells the worker (PR_SET_PDEATHSIG)
    served.process.wait(timeout=30)
    wait_for(lambda: not alive(served.worker_pid), "the orphaned worker to stop", 60)


def test_serve_says_when_its_port_is_taken(environment: dict[str, str]) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [str(BIN / "anthologie"), "serve", "--port", str(port)],
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode != 0
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr
    assert "make demo PORT=5050" in done.stderr


@pytest.mark.parametrize(("args", "port"), [([], "5000"), (["PORT=5050"], "5050")])
def test_make_demo_serves_on_the_port_asked_for(args: list[str], port: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PORT", "MAKEFLAGS")}
    done = subprocess.run(
        ["make", "-n", "demo", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    serve = [line for line in done.stdout.splitlines() if "anthologie serve" in line]
    assert serve == [f".venv/bin/anthologie serve --host 127.0.0.1 --port {port}"]
    assert "anthologie worker" not in done.stdout  # the serve step runs it, and stops it


# -- progress ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("progress")
    return [make_clip(folder / f"clip-{n}.mp4", 6, seed=n, size=(160, 90)) for n in range(2)]


def add_film(engine: Engine, title: str) -> int:
    with Session(engine) as session:
        film = Film(
            original_title=title, match_key=title, runtime_seconds=6, status=Status.accepted
        )
        session.add(film)
        session.commit()
        assert film.id is not None
        return film.id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_analyze_shows_its_progress_from_the_start(
    app: Flask, engine: Engine, runner: FlaskCliRunner, clips: list[Path]
) -> None:
    root = Path(app.config["MEDIA_ROOT"])
    # Five assets, two distinct files: the demo's case (a few clips shared by many films).
    for number in range(5):
        media.attach(engine, add_film(engine, f"Film {number}"), clips[number % 2], root)
    result = runner.invoke(args=["analyze"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Analysing 5 media assets: 2 distinct files to analyse")
    assert lines[1] == "Analysing: 0/5"  # before the first (slow) file is done
    # Each step of each distinct file is named while the count has not moved yet.
    assert "Analysing: 0/5 — file 1/2, «Film 0»: proxy" in lines
    assert "Analysing: 1/5 — file 2/2, «Film 1»: style" in lines
    assert "Analysing: 2/5 — the other assets share the results of the same files" in lines
    assert lines.index("Analysing: 0/5") < lines.index(
        "Analysing: 5/5 — the other assets share the results of the same files"
    )
    assert lines[-1] == "5 media assets analysed"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stand_ins_show_the_clips_being_made_then_the_films_given(
    app: Flask, engine: Engine, runner: FlaskCliRunner, clips: list[Path]
) -> None:
    for number in range(3):
        add_film(engine, f"Sans fichier {number}")
    result = runner.invoke(args=["stand-ins", "--pool", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines.index("Making stand-in clips: 0/1") < lines.index("Making stand-in clips: 1/1")
    assert lines.index("Making stand-in clips: 1/1") < lines.index("Giving stand-ins: 3/3")
    assert lines[-1] == "3 films got a stand-in clip"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stand_ins_queued_go_one_job_per_film_and_a_second_pass_gives_none(
    app: Flask, engine: Engine, runner: FlaskCliRunner, clips: list[Path]
) -> None:
    films = [add_film(engine, f"Sans fichier {number}") for number in range(3)]
    for _ in range(2):
        result = runner.invoke(args=["stand-ins", "--pool", "1", "--queue"])
        assert result.exit_code == 0, result.output
        assert "one part per film" in result.output
    with Session(engine) as session:
        first, second = session.exec(
            select(Job).where(Job.kind == "stand-ins").order_by(col(Job.id))
        )
        parts = session.exec(select(Job).where(Job.kind == "stand-in")).all()
        assets = session.exec(select(MediaAsset)).all()
    assert (first.status, first.result["given"], first.result["parts"]) == (JobStatus.done, 3, 3)
    assert (second.status, second.result["given"], second.result["parts"]) == (JobStatus.done, 0, 0)
    assert sorted(p.child_key or "" for p in parts) == sorted(f"film {f}" for f in films)
    assert {p.parent_id for p in parts} == {first.id}
    # One stand-in each, a clip of the pool.
    assert sorted(a.film_id for a in assets) == sorted(films)
    assert all(a.is_stand_in and a.path.startswith("stand-ins/") for a in assets)
