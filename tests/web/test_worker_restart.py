"""A real worker killed in the middle of an analysis job: the next worker finishes the job,
without redoing what was done and without half-written files."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from sqlmodel import Session, col, select

import media_tools
from catalog.models import Job, JobStatus, MediaAsset
from tests.components import require_component
from tests.conftest import SAMPLES
from tests.web.workerprocs import start_worker, wait_for, workers
from web import create_app, database, jobs
from web.usecases import cataloguing, media

__all__ = ["workers"]  # the fixture, for pytest


def test_a_killed_worker_s_job_is_finished_by_the_next(
    tmp_path: Path, workers: list[subprocess.Popen[bytes]]
) -> None:
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    config = {
        "ANTHOLOGIE_DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
        "ANTHOLOGIE_INSTANCE_PATH": str(tmp_path / "instance"),
        "ANTHOLOGIE_JOB_QUEUE": "sqlite",
        "ANTHOLOGIE_JOB_LEASE_SECONDS": "2",
    }
    env = os.environ | config
    app = create_app({key.removeprefix("ANTHOLOGIE_"): value for key, value in config.items()})
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        engine = database.engine()
        cataloguing.init_database(engine)
        cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
        for film_id in range(1, 5):
            clip = media_tools.make_stand_in(
                tmp_path / f"clip{film_id}.mp4", f"Film {film_id}", 20, film_id
            )
            media.attach(engine, film_id, clip, root)
        job_id = jobs.submit(engine, "analyze", {}, app)

    def analysed() -> int:
        with Session(engine) as session:
            return len(
                session.exec(
                    select(MediaAsset).where(col(MediaAsset.analysed_at).is_not(None))
                ).all()
            )

    workers.append(start_worker(env))
    wait_for(lambda: analysed() >= 1, "the first analysis", 240)
    os.kill(workers[0].pid, signal.SIGKILL)
    workers[0].wait(timeout=10)
    done_before = analysed()
    assert done_before < 4, "the worker finished before it could be killed"
    with Session(engine) as session:
        first_pass = {
            a.id: a.analysed_at
            for a in session.exec(select(MediaAsset)).all()
            if a.analysed_at is not None
        }
    with Session(engine) as session:
        assert session.get(Job, job_id).status == JobStatus.running  # type: ignore[union-attr]

    time.sleep(2.5)  # the dead worker's lease runs out
    workers.append(start_worker(env))

    def finished() -> bool:
        with Session(engine) as session:
            return session.get(Job, job_id).status == JobStatus.done  # type: ignore[union-attr]

    wait_for(finished, "the resumed job", 300)
    assert analysed() == 4
    with Session(engine) as session:
        # The catalog's analysis went in one part per film; the part killed ran twice.
        parts = session.exec(select(Job).where(Job.parent_id == job_id)).all()
        assert len(parts) == 4 and all(p.status == JobStatus.done for p in parts)
        assert sorted(p.attempts for p in parts)[-2:] == [1, 2]
        for asset in session.exec(select(MediaAsset)).all():
            assert asset.proxy_path and (root / asset.proxy_path).is_file()
            if asset.id in first_pass:  # finished before the kill: not analysed again
                assert asset.analysed_at == first_pass[asset.id]
    leftovers = [
        p for p in root.rglob("*") if p.name.startswith(".") or p.suffix in (".part", ".tmp")
    ]
    assert leftovers == []
