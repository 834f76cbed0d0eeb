"""Real workers, really killed: every job completes exactly once and no ffmpeg outlives its worker.

Two `anthologie worker` processes share one instance (SQLite catalog) and one queue (the
embedded SQLite queue, or a real Redis server started for the test). Each of two analysis
jobs is claimed by one of them; the worker holding the first is killed (SIGKILL, or SIGTERM)
while its ffmpeg runs. The survivor must take the job over by itself, within seconds (no
restart), and the catalog must show each job ended once and each asset's analysis stored
once: SQLite triggers installed by the test count those writes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import media_tools
from catalog.models import Job, JobStatus, MediaAsset
from tests import redisserver
from tests.components import require_component
from tests.conftest import SAMPLES
from tests.web.workerprocs import start_worker, wait_for, workers
from web import create_app, database, jobs
from web.usecases import cataloguing, media

__all__ = ["workers"]  # the fixture, for pytest
LEASE_S = 3
CLIP_S = 20  # an analysis of some seconds, ffmpeg running most of them
BOUND_S = 90  # the longest wait for anything; a job is taken over within LEASE_S + a few

COUNTERS = [
    "CREATE TABLE test_writes (what TEXT NOT NULL, row_id INTEGER NOT NULL)",
    # Every store of an asset's analysis, and every end of a job, however many runs made it.
    "CREATE TRIGGER test_asset_stored AFTER UPDATE OF analysed_at ON mediaasset"
    " WHEN NEW.analysed_at IS NOT NULL"
    " BEGIN INSERT INTO test_writes VALUES ('asset', NEW.id); END",
    "CREATE TRIGGER test_job_ended AFTER UPDATE OF status ON job"
    " WHEN NEW.status IN ('done', 'failed')"
    " BEGIN INSERT INTO test_writes VALUES ('job', NEW.id); END",
]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    folder = tmp_path_factory.mktemp("clips")
    return [
        media_tools.make_stand_in(folder / f"clip{seed}.mp4", f"Film {seed}", CLIP_S, seed)
        for seed in (1, 2)
    ]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    try:
        with redisserver.throwaway_redis() as url:
            yield url
    except redisserver.RedisNotFound as error:
        require_component("Redis", str(error))


FROZEN: list[int] = []  # ffmpeg processes a test stopped: killed at its end, whatever happens


@pytest.fixture
def thawed() -> Iterator[None]:
    yield
    while FROZEN:
        with contextlib.suppress(ProcessLookupError):
            os.kill(FROZEN.pop(), signal.SIGKILL)


class Instance:
    """A temporary instance: its catalog with two films' clips attached, and two analysis jobs
    queued, one a film."""

    def __init__(self, tmp_path: Path, queue_url: str, clips: list[Path]) -> None:
        config = {
            "ANTHOLOGIE_DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
            "ANTHOLOGIE_INSTANCE_PATH": str(tmp_path / "instance"),
            "ANTHOLOGIE_JOB_QUEUE": queue_url,
            "ANTHOLOGIE_JOB_LEASE_SECONDS": str(LEASE_S),
        }
        self.marker = str(tmp_path)
        self.env = os.environ | config
        app = create_app({key.removeprefix("ANTHOLOGIE_"): value for key, value in config.items()})
        self.root = Path(app.config["MEDIA_ROOT"])
        with app.app_context():
            self.engine: Engine = database.engine()
            cataloguing.init_database(self.engine)
            cataloguing.import_catalog(self.engine, SAMPLES / "catalog.csv")
            with self.engine.begin() as connection:
                for statement in COUNTERS:
                    connection.execute(text(statement))
            for film_id, clip in enumerate(clips, start=1):
                media.attach(self.engine, film_id, clip, self.root)
            self.submit(app, len(clips))

    def submit(self, app: Flask, films: int) -> None:
        """Queue the work the test watches: here one analysis job per film with a clip."""
        self.job_ids = [
            jobs.submit(self.engine, "analyze", {"film_ids": [film_id]}, app)
            for film_id in range(1, films + 1)
        ]

    def job(self, job_id: int) -> Job:
        with Session(self.engine) as session:
            found = session.get(Job, job_id)
            assert found is not None
            return found

    def owner_pid(self, job_id: int) -> int | None:
        """The process of the run holding the job now (owner tokens are host:pid:token)."""
        job = self.job(job_id)
        if job.status != JobStatus.running or not job.lease_owner:
            return None
        return int(job.lease_owner.split(":")[1])

    def writes(self) -> list[tuple[str, int]]:
        with self.engine.connect() as connection:
            rows = connection.execute(text("SELECT what, row_id FROM test_writes"))
            return sorted((str(what), int(row_id)) for what, row_id in rows)


def ffmpeg_processes(marker: str, writing: str = "") -> dict[int, int]:
    """Live (not zombie) ffmpeg processes working on files under `marker` (and writing a file
    whose name holds `writing`): pid -> parent pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        if not argv or b"ffmpeg" not in Path(os.fsdecode(argv[0])).name.encode():
            continue
        if not any(marker.encode() in arg for arg in argv):
            continue
        if writing and not any(writing.encode() in arg for arg in argv):
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if state != "Z":
            found[int(entry.name)] = int(ppid)
    return found


def kill_mid_job(instance: Instance, sig: signal.Signals) -> tuple[int, set[int]]:
    """Wait until the first job's worker encodes a video for it, then send it `sig`; returns
    the worker's pid and the pids of its ffmpeg processes at that moment.

    An encode writes a file, not a pipe: an ffmpeg that lost its parent would notice nothing
    and run on (one reading frames into a pipe dies of the broken pipe anyway). The encode is
    frozen (SIGSTOP) before the worker is killed, as if it had a long film's hours left: it
    cannot end by itself, so only its worker's death can end it.
    """

    def busy_owner() -> tuple[int, set[int]] | None:
        pid = instance.owner_pid(instance.job_ids[0])
        encoding = ffmpeg_processes(instance.marker, writing=".partial.mp4")
        children = {c for c, p in encoding.items() if p == pid}
        return (pid, children) if pid and children else None

    found = wait_for(busy_owner, "the first job's ffmpeg encoding", BOUND_S)
    assert isinstance(found, tuple)
    pid, children = found
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGSTOP)
            FROZEN.append(child)
    os.kill(pid, sig)
    return pid, children


def assert_each_job_completed_once(instance: Instance) -> None:
    wait_for(
        lambda: all(instance.job(j).status == JobStatus.done for j in instance.job_ids),
        "every job to be done",
        BOUND_S,
    )
    with Session(instance.engine) as session:
        assets = session.exec(select(MediaAsset)).all()
    # One end of each job and one stored analysis of each asset, though one job ran twice.
    expected = [("asset", a.id or 0) for a in assets] + [("job", j) for j in instance.job_ids]
    assert instance.writes() == sorted(expected)
    taken_over, other = (instance.job(j) for j in instance.job_ids)
    assert taken_over.attempts == 2 and other.attempts == 1
    assert taken_over.lease_owner is None and taken_over.result["failed"] == []
    for asset in assets:
        assert asset.analysis_error is None
        assert asset.proxy_path and asset.preview_path
        proxy = media_tools.probe(instance.root / asset.proxy_path)
        assert proxy.has_video and proxy.duration_s == pytest.approx(CLIP_S, abs=1)
    # The killed run's temporary files went when the survivor analysed its asset again.
    leftovers = [p for p in instance.root.rglob(".*") if ".partial" in p.name or ".work" in p.name]
    assert leftovers == []


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_a_worker_killed_mid_ffmpeg_loses_its_job_to_the_live_one(
    tmp_path: Path,
    clips: list[Path],
    workers: list[subprocess.Popen[bytes]],
    thawed: None,
    queue: str,
    request: pytest.FixtureRequest,
) -> None:
    queue_url = request.getfixturevalue("redis_url") if queue == "redis" else "sqlite"
    if queue == "redis":  # a fresh queue: nothing left by the other test's jobs
        import redis

        redis.Redis.from_url(queue_url).flushdb()
    instance = Instance(tmp_path, queue_url, clips)
    workers.extend(start_worker(instance.env) for _ in range(2))
    pid, its_ffmpeg = kill_mid_job(instance, signal.SIGKILL)
    dead = next(w for w in workers if w.pid == pid)
    assert dead.wait(timeout=10) == -signal.SIGKILL
    # Its ffmpeg died with it (no orphan left running under init).
    wait_for(lambda: not its_ffmpeg & set(ffmpeg_processes(instance.marker)), "its ffmpeg", 10)
    assert_each_job_completed_once(instance)
    assert ffmpeg_processes(instance.marker) == {}
    survivor = next(w for w in workers if w.pid != pid)
    assert survivor.poll() is None


def test_a_stopped_worker_hands_its_job_back_at_once(
    tmp_path: Path, clips: list[Path], workers: list[subprocess.Popen[bytes]], thawed: None
) -> None:
    instance = Instance(tmp_path, "sqlite", clips)
    logs = [tmp_path / f"worker{n}.log" for n in range(2)]
    workers.extend(start_worker(instance.env, log) for log in logs)
    pid, its_ffmpeg = kill_mid_job(instance, signal.SIGTERM)
    stopped = next(w for w in workers if w.pid == pid)
    assert stopped.wait(timeout=30) == 0
    # Stopping, it killed its ffmpeg and queued its job again rather than leave it to expire.
    assert not its_ffmpeg & set(ffmpeg_processes(instance.marker))
    said = logs[workers.index(stopped)].read_text()
    assert f"Handed back unfinished jobs: {instance.job_ids[0]}" in said
    assert_each_job_completed_once(instance)
    assert ffmpeg_processes(instance.marker) == {}
