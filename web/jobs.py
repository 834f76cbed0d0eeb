"""Background jobs: a Job row per piece of work, run by Huey workers.

The embedded default keeps Huey's queue in a SQLite file of the instance folder (no server);
`ANTHOLOGIE_JOB_QUEUE=redis://host:6379/0` spreads the same jobs over worker machines.
Every job's work is idempotent and done in committed steps, so a job interrupted by a crash
or a restart is queued again by `recover` and finishes what it had not done. A job may fan
out into child jobs (`JobContext.fan_out`) that any worker takes; it then ends when they all
have, its progress counting theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    children: list[int] = field(default_factory=list)

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

    def fan_out(
        self, kind: str, params: Sequence[dict[str, Any]], weights: Sequence[int] | None = None
    ) -> list[int]:
        """Split the rest of this job into child jobs of `kind`, one per params.

        The children are recorded now and queued when the handler returns (so they never run
        before their parent's own result is stored); this job then stays running, its
        progress the summed `weights` (default 1 each) of the children finished, and ends
        when they all have: done with its result plus their numbers summed, or failed if one
        failed. Each child must be idempotent, like every job.
        """
        if kind not in HANDLERS:
            raise ValueError(f"unknown job kind {kind!r}")
        if not params:
            return []
        sizes = list(weights) if weights is not None else [1] * len(params)
        if len(sizes) != len(params):
            raise ValueError(f"{len(sizes)} weights for {len(params)} child jobs")
        with Session(self.engine) as session:
            rows = [
                Job(kind=kind, params={**p, "parent": self.job_id, "weight": w})
                for p, w in zip(params, sizes, strict=True)
            ]
            session.add_all(rows)
            session.flush()
            self.children = [row.id for row in rows if row.id is not None]
            job = session.get(Job, self.job_id)
            assert job is not None
            job.done, job.total = 0, sum(sizes)
            job.result = {"children": self.children}
            session.commit()
        return self.children


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
            context = JobContext(job_id, engine, dict(job.params), app)
            kind = job.kind
            if job.result.get("children"):
                # A parent whose children are out: only they finish it (after a restart, say).
                waiting = True
            else:
                waiting = False
                job.status, job.attempts = JobStatus.running, job.attempts + 1
                job.started_at = job.heartbeat_at = utcnow()
                session.commit()
        if waiting:
            _settle(engine, job_id)
            return
        parent = context.params.get("parent")
        try:
            result = HANDLERS[kind](context)
        except Exception as error:
            _drop(engine, context.children)
            _finish(engine, job_id, JobStatus.failed, {}, f"{type(error).__name__}: {error}")
            if parent:
                _settle(engine, int(parent))
            raise
        if context.children:
            _wait_for_children(app, engine, job_id, result, context.children)
        else:
            _finish(engine, job_id, JobStatus.done, result, "")
        if parent:
            _settle(engine, int(parent))


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


def _wait_for_children(
    app: Flask, engine: Engine, job_id: int, result: dict[str, Any], children: list[int]
) -> None:
    with Session(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        job.result = {**result, "children": children}
        job.heartbeat_at = utcnow()
        session.commit()
    for child in children:
        queue(app).enqueue(child)


def _drop(engine: Engine, job_ids: list[int]) -> None:
    """Forget child jobs that were recorded but never queued (their parent failed)."""
    if not job_ids:
        return
    with Session(engine) as session:
        for child in session.exec(select(Job).where(col(Job.id).in_(job_ids))).all():
            session.delete(child)
        session.commit()


def _settle(engine: Engine, parent_id: int) -> None:
    """Bring a parent's progress up to its children's, and end it once they have all ended.

    Every child calls this after recording its own end, so the last one to end always sees
    every sibling ended; two that end together may both settle, to the same outcome.
    """
    with Session(engine) as session:
        parent = session.get(Job, parent_id)
        if parent is None or parent.status in (JobStatus.done, JobStatus.failed):
            return
        ids = list(parent.result.get("children") or [])
        children = session.exec(select(Job).where(col(Job.id).in_(ids))).all()
        ended = [c for c in children if c.status in (JobStatus.done, JobStatus.failed)]
        parent.done = sum(int(c.params.get("weight", 1)) for c in ended)
        parent.heartbeat_at = utcnow()
        if len(ended) < len(ids):
            parent.status = JobStatus.running  # `recover` may have marked it queued
        else:
            result = dict(parent.result)
            for key in {k for c in children for k in c.result}:
                values = [c.result.get(key) for c in children]
                numbers = [v for v in values if isinstance(v, int | float)]
                if numbers and not any(isinstance(v, bool) for v in numbers):
                    result[key] = (result.get(key) or 0) + sum(numbers)
            failed = [c for c in children if c.status == JobStatus.failed]
            parent.result = result
            parent.status = JobStatus.failed if failed else JobStatus.done
            parent.finished_at = utcnow()
            if failed:
                parent.message = f"{len(failed)} of {len(ids)} parts failed: {failed[0].message}"
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
