"""A catalog-wide analysis spread over two real workers, one killed mid-way: each film once.

One `analyze` job for the whole catalog fans out into one child job per film with media.
Two `anthologie worker` processes share the instance (SQLite catalog) and the queue (the
embedded SQLite queue, or a real Redis server). While both are busy, the one encoding a
film's proxy or preview is killed (SIGKILL) with its ffmpeg frozen; the survivor takes its
film up once the lease runs out and finishes the rest. SQLite triggers count every store of
an asset's analysis and every end of a job, so "exactly once" is counted, not assumed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, col, select

import media_tools
from catalog.models import Job, JobStatus, MediaAsset
from tests.components import require_component
from tests.web.test_job_leases import FROZEN, Instance, ffmpeg_processes, redis_url, thawed
from tests.web.workerprocs import start_worker, wait_for, workers
from web import jobs

__all__ = ["redis_url", "thawed", "workers"]  # the fixtures, for pytest
FILMS = 5
CLIP_S = 5
BOUND_S = 180


@pytest.fixture(scope="module")
def film_clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    folder = tmp_path_factory.mktemp("films")
    return [
        media_tools.make_stand_in(folder / f"film{n}.mp4", f"Film {n}", CLIP_S, n)
        for n in range(1, FILMS + 1)
    ]


class Catalog(Instance):
    """A temporary instance whose first films each have a clip of their own, and one
    catalog-wide analysis job queued."""

    def submit(self, app: Flask, films: int) -> None:
        self.parent_id = jobs.submit(self.engine, "analyze", {"name": "catalogue"}, app)

    def children(self) -> list[Job]:
        with Session(self.engine) as session:
            statement = select(Job).where(Job.parent_id == self.parent_id).order_by(col(Job.id))
            return list(session.exec(statement).all())

    def parent(self) -> Job:
        with Session(self.engine) as session:
            found = session.get(Job, self.parent_id)
            assert found is not None
            return found


def kill_a_busy_worker(catalog: Catalog) -> tuple[int, int]:
    """Once a film is done and another's video is being encoded, freeze that encode and
    SIGKILL its worker; returns the worker's pid and the child job it held."""

    def busy() -> tuple[int, int, set[int]] | None:
        children = catalog.children()
        if not any(c.status == JobStatus.done for c in children):
            return None
        encoding = ffmpeg_processes(catalog.marker, writing=".partial.mp4")
        for child in children:
            if child.status != JobStatus.running or not child.lease_owner:
                continue
            pid = int(child.lease_owner.split(":")[1])
            its = {c for c, parent in encoding.items() if parent == pid}
            if its and child.id is not None:
                return pid, child.id, its
        return None

    found = wait_for(busy, "a film done and another being encoded", BOUND_S)
    assert isinstance(found, tuple)
    pid, child_id, its_ffmpeg = found
    for process in its_ffmpeg:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process, signal.SIGSTOP)
            FROZEN.append(process)
    os.kill(pid, signal.SIGKILL)
    return pid, child_id


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_a_catalog_analysis_spread_over_two_workers_does_each_film_once(
    tmp_path: Path,
    film_clips: list[Path],
    workers: list[subprocess.Popen[bytes]],
    thawed: None,
    queue: str,
    request: pytest.FixtureRequest,
) -> None:
    queue_url = request.getfixturevalue("redis_url") if queue == "redis" else "sqlite"
    if queue == "redis":  # a fresh queue: nothing left by another test's jobs
        import redis

        redis.Redis.from_url(queue_url).flushdb()
    catalog = Catalog(tmp_path, queue_url, film_clips)
    workers.extend(start_worker(catalog.env) for _ in range(2))
    pid, taken_over = kill_a_busy_worker(catalog)
    dead = next(w for w in workers if w.pid == pid)
    assert dead.wait(timeout=10) == -signal.SIGKILL
    wait_for(lambda: catalog.parent().status == JobStatus.done, "the parent to be done", BOUND_S)

    # One child per film, each ended once; the parent ended once, with every part counted.
    children = catalog.children()
    assert sorted(c.child_key or "" for c in children) == [f"film {n}" for n in range(1, FILMS + 1)]
    assert all(c.status == JobStatus.done and c.lease_owner is None for c in children)
    parent = catalog.parent()
    assert (parent.done, parent.total) == (FILMS, FILMS)
    assert parent.result["parts"] == FILMS and parent.result["assets"] == FILMS
    assert parent.result["failed"] == []
    with Session(catalog.engine) as session:
        assert jobs.parts(session, catalog.parent_id) == jobs.Parts(FILMS, FILMS, 0)
        assets = session.exec(select(MediaAsset).order_by(col(MediaAsset.id))).all()
    # Each film's analysis stored once, though the killed worker's film was analysed twice.
    expected = [("asset", a.id or 0) for a in assets]
    expected += [("job", c.id or 0) for c in children] + [("job", catalog.parent_id)]
    assert catalog.writes() == sorted(expected)
    assert sorted(a.film_id for a in assets) == list(range(1, FILMS + 1))
    for asset in assets:
        assert asset.analysed_at is not None and asset.analysis_error is None
        assert asset.proxy_path and (catalog.root / asset.proxy_path).is_file()
    # The survivor took the killed worker's film up (a second attempt) and is still running.
    attempts = {c.id: c.attempts for c in children}
    assert attempts.pop(taken_over) == 2 and set(attempts.values()) == {1}
    survivor = next(w for w in workers if w.pid != pid)
    assert survivor.poll() is None
    assert ffmpeg_processes(catalog.marker) == {}
