"""Background jobs: a Job row per piece of work, run by Huey workers.

The embedded default keeps Huey's queue in a SQLite file of the instance folder (no server);
`ANTHOLOGIE_JOB_QUEUE=redis://host:6379/0` spreads the same jobs over worker machines.
Every job's work is idempotent and done in committed steps, so a job interrupted by a crash
or a restart is queued again by `recover` and finishes what it had not done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog.models import Job, JobStatus, utcnow

# A running job whose heartbeat is older than this is taken for dead (JOB_STALE_SECONDS).
STALE_AFTER = timedelta(seconds=90)


def stale_after(app: Flask) -> timedelta:
    seconds = app.config.get("JOB_STALE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else STALE_AFTER


_KEY = "anthologie.jobs"


@dataclass
class JobContext:
    """What a job handler gets: its parameters, the database, and a way to report progress."""

    job_id: int
    engine: Engine
    params: dict[str, Any]
    app: Flask
    _last: dict[str, Any] = field(default_factory=dict)

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Record progress (and prove the job alive) in its own short transaction."""
        with Session(self.engine) as session:
            job = session.get(Job, self.job_id)
            if job is None:
                return
            job.done, job.total, job.heartbeat_at = done, total, utcnow()
            if message:
                job.message = message
            session.commit()


Handler = Callable[[JobContext], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        return function

    return register


@dataclass
class JobQueue:
    huey: Huey
    enqueue: Callable[[int], Any]


def init_app(app: Flask) -> None:
    setting = str(app.config.get("JOB_QUEUE") or "sqlite")
    huey: Huey
    if setting == "immediate":
        # Tests: jobs run at once, in the request or command that submits them.
        huey = MemoryHuey("anthologie", immediate=True)
    elif setting.startswith("redis://"):
        huey = RedisHuey("anthologie", url=setting)
    else:
        path = Path(app.instance_path) / "jobs.sqlite3"
        huey = SqliteHuey("anthologie", filename=str(path))

    def run(job_id: int) -> None:
        run_job(app, job_id)

    task = huey.task(retries=2, retry_delay=5, name="anthologie.run_job")(run)
    app.extensions[_KEY] = JobQueue(huey, task)


def queue(app: Flask | None = None) -> JobQueue:
    return (app or current_app).extensions[_KEY]


def submit(engine: Engine, kind: str, params: dict[str, Any], app: Flask | None = None) -> int:
    """Record a job and queue it; returns its id (the job may already be done in tests)."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    with Session(engine) as session:
        job = Job(kind=kind, params=params)
        session.add(job)
        session.commit()
        assert job.id is not None
        job_id = job.id
    queue(app).enqueue(job_id)
    return job_id


def run_job(app: Flask, job_id: int) -> None:
    """Run one job unless it is finished or alive elsewhere; record how it ended."""
    from web import database

    with app.app_context():
        engine = database.engine()
        with Session(engine) as session:
            job = session.get(Job, job_id)
            if job is None or job.status in (JobStatus.done, JobStatus.failed):
                return
            age = utcnow() - _aware(job.heartbeat_at) if job.heartbeat_at else None
            fresh = age is not None and age < stale_after(app)
            if job.status == JobStatus.running and fresh:
                return
            job.status, job.attempts = JobStatus.running, job.attempts + 1
            job.started_at = job.heartbeat_at = utcnow()
            session.commit()
            context = JobContext(job_id, engine, dict(job.params), app)
            kind = job.kind
        try:
            result = HANDLERS[kind](context)
        except Exception as error:
            _finish(engine, job_id, JobStatus.failed, {}, f"{type(error).__name__}: {error}")
            raise
        _finish(engine, job_id, JobStatus.done, result, "")


def _finish(
    engine: Engine, job_id: int, status: JobStatus, result: dict[str, Any], msg: str
) -> None:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        if job is None:
            return
        job.status, job.result, job.finished_at = status, result, utcnow()
        if msg:
            job.message = msg
        session.commit()


def recover(app: Flask) -> list[int]:
    """Queue again the jobs a crash or restart left behind: queued, or running but silent."""
    from web import database

    with app.app_context(), Session(database.engine()) as session:
        cutoff = utcnow() - stale_after(app)
        jobs = session.exec(
            select(Job).where(col(Job.status).in_([JobStatus.queued, JobStatus.running]))
        ).all()
        lost = [
            job
            for job in jobs
            if job.status == JobStatus.queued
            or job.heartbeat_at is None
            or _aware(job.heartbeat_at) < cutoff
        ]
        for job in lost:
            job.status = JobStatus.queued
        session.commit()
        ids = [job.id for job in lost if job.id is not None]
    for job_id in ids:
        queue(app).enqueue(job_id)
    return ids


def recent_jobs(engine: Engine, limit: int = 20) -> list[Job]:
    with Session(engine) as session:
        statement = select(Job).order_by(col(Job.created_at).desc()).limit(limit)
        return list(session.exec(statement).all())


def _aware(moment: Any) -> Any:
    # SQLite gives back naive datetimes; they were written in UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
