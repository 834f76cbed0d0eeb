"""Background jobs record their progress and outcome, and are resumed after a crash."""

from __future__ import annotations

import csv
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from catalog import vectors
from catalog.models import Film, Job, JobStatus, utcnow
from tests.conftest import SAMPLES
from tests.web import quebec
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


def test_a_job_report_names_the_file_as_sent_never_the_server_path(
    app: Flask, engine: Engine, tmp_path: Path
) -> None:
    kept = tmp_path / "uploads" / "3f2a9c.csv"
    kept.parent.mkdir()
    kept.write_text("original_title,runtime\nAube,7\nNuit,demain\n")
    job_id = jobs.submit(engine, "ingest", {"path": str(kept), "name": "festival.csv"}, app)
    result = job(engine, job_id).result
    assert result["summary"].startswith("festival.csv: ")
    assert str(tmp_path) not in repr(result)
    kept.write_text("")  # an empty file: an error of the whole file, not of a row
    failed = job(
        engine, jobs.submit(engine, "ingest", {"path": str(kept), "name": "festival.csv"}, app)
    )
    assert failed.status == JobStatus.failed
    assert failed.message.startswith("IngestError: festival.csv: ")
    assert str(tmp_path) not in failed.message


def test_a_job_left_running_by_a_crash_is_resumed(app: Flask, engine: Engine) -> None:
    with Session(engine) as session:
        stuck = Job(
            kind="ingest",
            params={"path": str(SAMPLES / "catalog.csv")},
            status=JobStatus.running,
            attempts=1,
            lease_owner="gone:1:a",
            lease_expires_at=utcnow() - timedelta(seconds=1),
        )
        alive = Job(
            kind="ingest",
            params={"path": str(SAMPLES / "catalog.csv")},
            status=JobStatus.running,
            attempts=1,
            lease_owner="alive:2:b",
            lease_expires_at=utcnow() + timedelta(minutes=1),
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


# A parent that splits its work into children, and children that may fail, for fan-out tests.
RAN: list[str] = []


@jobs.handler("test-parent")
def _parent(context: jobs.JobContext) -> dict[str, Any]:
    RAN.append("parent")
    parts = context.params["parts"]
    context.fan_out("test-child", [{"n": n} for n in parts], weights=parts)
    if context.params.get("fail_after_fan_out"):
        raise ValueError("the parent broke")
    return {"own": "kept", "n": 0}


@jobs.handler("test-child")
def _child(context: jobs.JobContext) -> dict[str, Any]:
    RAN.append(f"child {context.params['n']}")
    if context.params["n"] < 0:
        raise ValueError("a negative part")
    return {"n": context.params["n"], "flag": True}


def test_a_parent_job_ends_when_its_children_have_and_sums_their_results(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(jobs.queue(app), "enqueue", queued.append)  # queue, do not run
    RAN.clear()
    parent_id = jobs.submit(engine, "test-parent", {"parts": [3, 5, 2]}, app)
    jobs.run_job(app, queued.pop(0))
    children = list(queued)
    assert len(children) == 3 and RAN == ["parent"]
    waiting = job(engine, parent_id)
    assert (waiting.status, waiting.done, waiting.total) == (JobStatus.running, 0, 10)
    jobs.run_job(app, children[0])
    assert job(engine, parent_id).done == 3
    # A restart now: the parent is taken for dead and queued again, but it does not run again.
    with Session(engine) as session:
        stale = session.get(Job, parent_id)
        assert stale is not None
        stale.heartbeat_at = utcnow() - timedelta(minutes=10)
        session.commit()
    queued.clear()
    assert parent_id in jobs.recover(app)
    for job_id in queued:
        jobs.run_job(app, job_id)
    assert RAN.count("parent") == 1 and RAN.count("child 5") == RAN.count("child 2") == 1
    finished = job(engine, parent_id)
    assert (finished.status, finished.done, finished.total) == (JobStatus.done, 10, 10)
    # Numbers are summed; other values (the flag) are the children's own.
    assert finished.result == {"own": "kept", "n": 10, "parts": 3}
    with Session(engine) as session:
        recorded = session.exec(select(Job).where(Job.parent_id == parent_id)).all()
        assert sorted(j.id for j in recorded) == sorted(children)
        assert jobs.parts(session, parent_id) == jobs.Parts(ended=3, total=3, failed=0)


def test_a_parent_s_page_says_how_many_of_its_parts_are_done(
    app: Flask,
    engine: Engine,
    client: FlaskClient,
    login: Callable[[str], int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(jobs.queue(app), "enqueue", queued.append)  # queue, do not run
    parent_id = jobs.submit(engine, "test-parent", {"parts": [2, 1], "name": "Analyse"}, app)
    jobs.run_job(app, queued.pop(0))
    jobs.run_job(app, queued[0])
    login("curator")
    page = client.get(f"/catalogue/taches/{parent_id}").get_data(as_text=True)
    assert "1 partie sur 2 terminée" in page and "2 / 3" in page
    jobs.run_job(app, queued[1])
    page = client.get(f"/catalogue/taches/{parent_id}", headers={"HX-Request": "true"})
    assert "2 parties sur 2 terminées" in page.get_data(as_text=True)


def test_a_parent_taken_up_again_records_each_child_once(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(jobs.queue(app), "enqueue", queued.append)  # queue, do not run
    RAN.clear()
    parent_id = jobs.submit(engine, "test-parent", {"parts": [3, 5]}, app)
    # Its first run's worker dies after fanning out, before the handler returns.
    context = jobs.JobContext(parent_id, engine, {"parts": [3, 5]}, app)
    context.fan_out("test-child", [{"n": 3}, {"n": 5}], weights=[3, 5])
    jobs.run_job(app, queued.pop(0))  # taken up again: the handler runs again, in full
    with Session(engine) as session:
        children = session.exec(select(Job).where(Job.parent_id == parent_id)).all()
    assert sorted(j.params["n"] for j in children) == [3, 5]
    assert sorted(queued) == sorted(j.id for j in children)
    for job_id in queued:
        jobs.run_job(app, job_id)
    assert RAN == ["parent", "child 3", "child 5"]
    assert (job(engine, parent_id).status, job(engine, parent_id).done) == (JobStatus.done, 8)


def test_a_parent_fails_when_a_child_fails_and_children_of_a_failed_parent_never_run(
    app: Flask, engine: Engine
) -> None:
    parent_id = jobs.submit(engine, "test-parent", {"parts": [1, -1]}, app)
    failed = job(engine, parent_id)
    assert failed.status == JobStatus.failed
    assert failed.message == "1 of 2 parts failed: ValueError: a negative part"
    # A parent whose handler fails after fanning out leaves no orphan child behind.
    broken = jobs.submit(engine, "test-parent", {"parts": [4], "fail_after_fan_out": True}, app)
    assert job(engine, broken).status == JobStatus.failed
    assert job(engine, broken).message == "ValueError: the parent broke"
    with Session(engine) as session:
        kinds = [j.kind for j in session.exec(select(Job).order_by(col(Job.id))).all()]
    assert kinds == ["test-parent", "test-child", "test-child", "test-parent"]


def test_an_import_job_queues_the_embedding_of_its_films(
    app: Flask, engine: Engine, tmp_path: Path
) -> None:
    app.config["EMBED_NEW_FILMS"] = True
    params = {
        "path": str(quebec.quebec_subset(tmp_path, quebec.FISHING)),
        "map": list(quebec.MAP),
        "ignore": list(quebec.IGNORE),
    }
    imported = job(engine, jobs.submit(engine, "ingest", params, app))
    assert imported.status == JobStatus.done and imported.result["imported"] is True
    embedded = job(engine, imported.result["embed_job"])
    assert (embedded.kind, embedded.status) == ("embed", JobStatus.done)
    assert embedded.result["embedded"] == embedded.result["films"] == 2
    with Session(engine) as session:
        stored = vectors.stored_hashes(session, "text", embedded.result["model_id"])
        film_ids = set(session.exec(select(Film.id)).all())
    assert set(stored) == film_ids


# A handler whose first run works until it loses its job, as a long ffmpeg would.
LONG_RUNS: list[str] = []
LONG_STARTED = threading.Event()


@jobs.handler("test-long")
def _long(context: jobs.JobContext) -> dict[str, Any]:
    LONG_RUNS.append(context.owner)
    if len(LONG_RUNS) == 1:
        LONG_STARTED.set()
        context.lost.wait(timeout=30)
    return {"owner": context.owner}


def test_a_run_that_lost_its_job_stores_nothing(
    app: Flask, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["JOB_LEASE_SECONDS"] = 1.5  # renewed every 0.5 s
    queued: list[int] = []
    monkeypatch.setattr(jobs.queue(app), "enqueue", queued.append)
    LONG_RUNS.clear()
    LONG_STARTED.clear()
    job_id = jobs.submit(engine, "test-long", {}, app)
    first = threading.Thread(target=jobs.run_job, args=(app, job_id))
    first.start()
    assert LONG_STARTED.wait(timeout=30)
    # Its lease is renewed while it works: the reaper leaves it, a second run cannot claim it.
    assert jobs.reap(app) == []
    jobs.run_job(app, job_id)
    assert len(LONG_RUNS) == 1
    # Another worker's reaper took it back (as after a stall longer than the lease) ...
    with Session(engine) as session:
        taken = session.get(Job, job_id)
        assert taken is not None and taken.lease_owner == LONG_RUNS[0]
        taken.status, taken.lease_owner, taken.lease_expires_at = JobStatus.queued, None, None
        session.commit()
    # ... and a second run does it: the first learns it lost the job and stores nothing.
    jobs.run_job(app, job_id)
    first.join(timeout=30)
    assert not first.is_alive()
    ended = job(engine, job_id)
    assert len(set(LONG_RUNS)) == 2
    assert (ended.status, ended.attempts) == (JobStatus.done, 2)
    assert ended.result == {"owner": LONG_RUNS[1]} and ended.lease_owner is None
