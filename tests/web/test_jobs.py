"""Background jobs record their progress and outcome, and are resumed after a crash."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from catalog.models import Film, Job, JobStatus, utcnow
from tests.conftest import SAMPLES
from web import jobs


def sample_films() -> int:
    with (SAMPLES / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def job(engine: Engine, job_id: int) -> Job:
    with Session(engine) as session:
        found = session.get(Job, job_id)
        assert found is not None
        return found


def test_an_import_job_runs_and_reports(app: Flask, engine: Engine) -> None:
    job_id = jobs.submit(engine, "ingest", {"path": str(SAMPLES / "catalog.csv")}, app)
    done = job(engine, job_id)
    assert done.status == JobStatus.done
    assert done.result["imported"] is True
    assert done.done == done.total == sample_films()
    assert done.attempts == 1
    # The one demo film whose place nothing lists (Joutel) is imported, with a warning.
    assert done.result["errors"] == []
    [warning] = done.result["warnings"]
    assert (warning["field"], warning["value"]) == ("municipality", "Joutel")
    assert "kept as written, region 10 as given" in warning["message"]


def test_a_failed_import_keeps_its_row_level_report(
    app: Flask, engine: Engine, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,runtime\nAube,7\nNuit,demain\n")
    job_id = jobs.submit(engine, "ingest", {"path": str(bad)}, app)
    result = job(engine, job_id).result
    assert result["imported"] is False
    assert result["errors"][0]["line"] == 3 and result["errors"][0]["field"] == "runtime"


def test_a_job_left_running_by_a_crash_is_resumed(app: Flask, engine: Engine) -> None:
    with Session(engine) as session:
        stuck = Job(
            kind="ingest",
            params={"path": str(SAMPLES / "catalog.csv")},
            status=JobStatus.running,
            attempts=1,
            heartbeat_at=utcnow() - timedelta(minutes=10),
        )
        alive = Job(
            kind="ingest",
            params={"path": str(SAMPLES / "catalog.csv")},
            status=JobStatus.running,
            attempts=1,
            heartbeat_at=utcnow(),
        )
        session.add_all([stuck, alive])
        session.commit()
        stuck_id, alive_id = stuck.id, alive.id
    assert jobs.recover(app) == [stuck_id]
    assert job(engine, stuck_id).status == JobStatus.done
    assert job(engine, stuck_id).attempts == 2
    assert job(engine, alive_id).status == JobStatus.running  # another worker has it
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Film)).one() == sample_films()
