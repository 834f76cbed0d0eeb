"""Background jobs: a Job row per piece of work, run by Huey workers.

The embedded default keeps Huey's queue in a SQLite file of the instance folder (no server);
`ANTHOLOGIE_JOB_QUEUE=redis://host:6379/0` spreads the same jobs over worker machines.

A run holds its job by a lease: it claims the job with one conditional UPDATE (only if the
job is unfinished and its lease free or run out), a thread renews the lease every third of
its length while the handler works (however long one ffmpeg takes), and every write of the
run's progress or result is conditional on still owning it. Every live worker reaps, every
few seconds, the jobs whose lease ran out (their worker died) and queues them again; a run
that finds its lease taken stops its ffmpeg and stores nothing. Every job's work is
idempotent and done in committed steps, so the next run finishes what was not done. A job
may fan out into child jobs (`JobContext.fan_out`) that any worker takes; it then ends when
they all have, its progress counting theirs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from flask import Flask, current_app
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine
from sqlmodel import Session, col, select

import media_tools
from catalog.models import Job, JobStatus, utcnow

log = logging.getLogger(__name__)

# How long a claim holds without renewal (JOB_LEASE_SECONDS). A run renews every third of
# it, so a worker that died loses its jobs to the others after at most this long.
LEASE = timedelta(seconds=30)


def lease_length(app: Flask) -> timedelta:
    seconds = app.config.get("JOB_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else LEASE


_KEY = "anthologie.jobs"


class LeaseLost(Exception):
    """This run no longer holds its job (another worker took it over): it must store nothing."""


def _updated(session: Session, statement: Any) -> int:
    result = session.execute(statement, execution_options={"synchronize_session": False})
    return int(cast(CursorResult[Any], result).rowcount)


@dataclass
class JobContext:
    """What a job handler gets: its parameters, the database, and a way to report progress.

    `owner` is the run's lease token (empty when the handler is called outside a run); a
    handler's own writes of results call `hold(session)` before committing.
    """

    job_id: int
    engine: Engine
    params: dict[str, Any]
    app: Flask
    owner: str = ""
    lease: timedelta = LEASE
    lost: threading.Event = field(default_factory=threading.Event)
    _last: dict[str, Any] = field(default_factory=dict)
    fanned_out: bool = False

    def _owned(self) -> Any:
        return (col(Job.id) == self.job_id) & (col(Job.lease_owner) == self.owner)

    def hold(self, session: Session) -> None:
        """Within a writing transaction: renew this run's lease, or raise LeaseLost.

        The renewal is an UPDATE in the same transaction, so the transaction's writes commit
        only if the run still owned its job when they did (the row stays locked until then).
        """
        if not self.owner:
            return
        if self.lost.is_set():
            raise LeaseLost(f"job {self.job_id}")
        now = utcnow()
        statement = (
            update(Job)
            .where(self._owned())
            .values(lease_expires_at=now + self.lease, heartbeat_at=now)
        )
        if _updated(session, statement) != 1:
            self.lost.set()
            raise LeaseLost(f"job {self.job_id}")

    def progress(self, done: int, total: int, message: str = "") -> None:
        """Record progress (and renew the lease) in its own short transaction."""
        values: dict[str, Any] = {"done": done, "total": total, "heartbeat_at": utcnow()}
        if message:
            values["message"] = message
        with Session(self.engine) as session:
            self.hold(session)
            _updated(session, update(Job).where(col(Job.id) == self.job_id).values(**values))
            session.commit()

    def fan_out(
        self,
        kind: str,
        params: Sequence[dict[str, Any]],
        weights: Sequence[int] | None = None,
        keys: Sequence[str] | None = None,
    ) -> int:
        """Split the rest of this job into child jobs of `kind`, one per params.

        Each child is keyed under this job (`keys`: a film's id, a chunk "films 1-50"; by
        default a digest of its params) and recorded once: a run of this job taken up again
        after its worker died re-records none of the children the first run recorded. They
        are queued when the handler returns (so they never run before their parent's own
        result is stored); this job then stays running, its progress the summed `weights`
        (default 1 each) of the children ended, and ends when they all have: done with its
        result plus their numbers summed and lists joined, or failed if one failed. A
        handler may fan out in several calls; each child must be idempotent, like every
        job. Returns how many children this job has in all.
        """
        if kind not in HANDLERS:
            raise ValueError(f"unknown job kind {kind!r}")
        sizes = list(weights) if weights is not None else [1] * len(params)
        names = list(keys) if keys is not None else [_digest(p) for p in params]
        if not len(sizes) == len(names) == len(params):
            raise ValueError(f"{len(sizes)} weights, {len(names)} keys, {len(params)} children")
        if len(set(names)) != len(names):
            raise ValueError("two children under one key")
        with Session(self.engine) as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            now = utcnow()
            for start in range(0, len(params), _BATCH):
                rows = [
                    {
                        "kind": kind,
                        "params": {**p, "weight": w},
                        "status": JobStatus.queued,
                        "done": 0,
                        "total": 0,
                        "message": "",
                        "attempts": 0,
                        "result": {},
                        "created_at": now,
                        "parent_id": self.job_id,
                        "child_key": key,
                    }
                    for p, w, key in zip(
                        params[start : start + _BATCH],
                        sizes[start : start + _BATCH],
                        names[start : start + _BATCH],
                        strict=True,
                    )
                ]
                statement = insert(Job).values(rows)
                session.execute(
                    statement.on_conflict_do_nothing(index_elements=["parent_id", "child_key"])
                )
            count, total = _parts(session, self.job_id)
            _updated(
                session,
                update(Job).where(col(Job.id) == self.job_id).values(done=0, total=total),
            )
            self.hold(session)
            session.commit()
        self.fanned_out = True
        return count


def _digest(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:32]


# Children recorded per INSERT statement (SQLite allows 32,766 bound values in one).
_BATCH = 500


def _parts(session: Session, parent_id: int) -> tuple[int, int]:
    """How many children the job has, and their summed weights."""
    weights = session.exec(select(Job.params).where(col(Job.parent_id) == parent_id)).all()
    return len(weights), sum(int(p.get("weight", 1)) for p in weights)


@dataclass(frozen=True)
class Parts:
    """How far a job's children got: ended (done or failed) of all, failed of those."""

    ended: int
    total: int
    failed: int


def parts(session: Session, parent_id: int) -> Parts:
    """The job's children, counted by how they stand (all zero for a job that has none)."""
    statement = (
        select(Job.status, func.count())
        .where(col(Job.parent_id) == parent_id)
        .group_by(col(Job.status))
    )
    counts = {JobStatus(status): int(n) for status, n in session.exec(statement).all()}
    ended = counts.get(JobStatus.done, 0) + counts.get(JobStatus.failed, 0)
    return Parts(ended, sum(counts.values()), counts.get(JobStatus.failed, 0))


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
    """Run one job if this run can claim it (unfinished, lease free or run out); record how
    it ended, unless it lost the job to another run meanwhile."""
    from web import database

    with app.app_context():
        engine = database.engine()
        with Session(engine) as session:
            job = session.get(Job, job_id)
            if job is None or job.status in (JobStatus.done, JobStatus.failed):
                return
            kind, params, parent = job.kind, dict(job.params), job.parent_id
            # A parent whose children are out: only they finish it (after a restart, say).
            waiting = _WAITING in job.result
        if waiting:
            _settle(engine, job_id)
            return
        lease = lease_length(app)
        context = JobContext(job_id, engine, params, app, owner=_new_owner(), lease=lease)
        if not _claim(context):
            return  # finished meanwhile, or alive in another run
        try:
            with _holding(context):
                result = HANDLERS[kind](context)
        except LeaseLost:
            return
        except Exception as error:
            if context.lost.is_set():
                return  # it failed because it was cancelled: the new owner's run counts
            try:
                # A failure that names its mistake (catalog.ingest.IngestError) keeps its code
                # and parts, for the job's page to say it in the reader's language.
                said = {"code": getattr(error, "code", ""), "params": getattr(error, "params", {})}
                failure = {"error": said} if said["code"] else {}
                _finish(context, JobStatus.failed, failure, f"{type(error).__name__}: {error}")
            except LeaseLost:
                return
            if parent is not None:
                _settle(engine, parent)
            raise
        try:
            if context.fanned_out:
                _wait_for_children(context, result)
            else:
                _finish(context, JobStatus.done, result, "")
        except LeaseLost:
            return
        if parent is not None:
            _settle(engine, parent)


# In a parent's result once its handler has returned: how many children it waits for.
_WAITING = "parts"


# The runs of this process, by owner token: `abandon` hands them back when the worker stops.
_RUNS: dict[str, tuple[JobContext, media_tools.Scope]] = {}
_RUNS_LOCK = threading.Lock()


def _new_owner() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:16]}"


def _claim(context: JobContext) -> bool:
    """Take the job for this run: one conditional UPDATE, so two runs never both succeed."""
    now = utcnow()
    free = or_(col(Job.lease_expires_at).is_(None), col(Job.lease_expires_at) < now)
    statement = (
        update(Job)
        .where(col(Job.id) == context.job_id)
        .where(col(Job.status).in_([JobStatus.queued, JobStatus.running]))
        .where(free)
        .values(
            status=JobStatus.running,
            lease_owner=context.owner,
            lease_expires_at=now + context.lease,
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
        )
    )
    with Session(context.engine) as session:
        claimed = _updated(session, statement) == 1
        session.commit()
    return claimed


@contextmanager
def _holding(context: JobContext) -> Iterator[None]:
    """While the handler works: renew the lease from a thread every third of its length; on
    losing it (another worker reclaimed the job), kill this run's ffmpeg at once."""
    stop = threading.Event()
    with media_tools.cancel_scope() as scope:

        def renew() -> None:
            interval = max(context.lease.total_seconds() / 3, 0.2)
            while not stop.wait(interval):
                try:
                    with Session(context.engine) as session:
                        context.hold(session)
                        session.commit()
                except LeaseLost:
                    log.warning("job %s: lease lost; stopping this run", context.job_id)
                    scope.cancel()
                    return
                except Exception:  # the database is busy or away: try again next time
                    log.exception("job %s: could not renew the lease", context.job_id)

        renewer = threading.Thread(target=renew, name=f"lease-{context.job_id}", daemon=True)
        with _RUNS_LOCK:
            _RUNS[context.owner] = (context, scope)
        renewer.start()
        try:
            yield
        finally:
            stop.set()
            renewer.join()
            with _RUNS_LOCK:
                _RUNS.pop(context.owner, None)


def _finish(context: JobContext, status: JobStatus, result: dict[str, Any], msg: str) -> None:
    """Record how the run ended and free the lease, only if the run still holds it; a failed
    parent's children not yet taken go with it."""
    values: dict[str, Any] = {
        "status": status,
        "result": result,
        "finished_at": utcnow(),
        "lease_owner": None,
        "lease_expires_at": None,
    }
    if msg:
        values["message"] = msg
    with Session(context.engine) as session:
        context.hold(session)
        _updated(session, update(Job).where(col(Job.id) == context.job_id).values(**values))
        if status == JobStatus.failed and context.fanned_out:
            unstarted = (col(Job.parent_id) == context.job_id) & (
                col(Job.status) == JobStatus.queued
            )
            for child in session.exec(select(Job).where(unstarted)).all():
                session.delete(child)
        session.commit()


def _wait_for_children(context: JobContext, result: dict[str, Any]) -> None:
    """Queue the parent's children not yet ended, then store its own result and free its
    lease (its children end it), and settle it (they may all have ended already).

    Queued first: a run that dies between the two leaves its job to be taken up again,
    whose run queues them again (a second message for a child runs it at most once)."""
    with Session(context.engine) as session:
        statement = (
            select(Job.id)
            .where(col(Job.parent_id) == context.job_id)
            .where(col(Job.status) == JobStatus.queued)
            .order_by(col(Job.id))
        )
        waiting = [job_id for job_id in session.exec(statement).all() if job_id is not None]
        count, _ = _parts(session, context.job_id)
    for child in waiting:
        queue(context.app).enqueue(child)
    values = {
        "result": {**result, _WAITING: count},
        "heartbeat_at": utcnow(),
        "lease_owner": None,
        "lease_expires_at": None,
    }
    with Session(context.engine) as session:
        context.hold(session)
        _updated(session, update(Job).where(col(Job.id) == context.job_id).values(**values))
        session.commit()
    _settle(context.engine, context.job_id)


def _settle(engine: Engine, parent_id: int) -> None:
    """Bring a parent's progress up to its children's, and end it once they have all ended.

    Every child calls this after recording its own end, so the last one to end always sees
    every sibling ended; two that end together may both settle, to the same outcome. A
    parent whose handler has not returned yet (it may fan out more) is left to it.
    """
    with Session(engine) as session:
        parent = session.get(Job, parent_id)
        if parent is None or parent.status in (JobStatus.done, JobStatus.failed):
            return
        if _WAITING not in parent.result:
            return
        children = session.exec(select(Job).where(col(Job.parent_id) == parent_id)).all()
        ended = [c for c in children if c.status in (JobStatus.done, JobStatus.failed)]
        parent.done = sum(int(c.params.get("weight", 1)) for c in ended)
        parent.total = sum(int(c.params.get("weight", 1)) for c in children)
        parent.heartbeat_at = utcnow()
        if len(ended) < len(children):
            parent.status = JobStatus.running  # `recover` may have marked it queued
        else:
            result = dict(parent.result)
            for key in {k for c in children for k in c.result}:
                values = [c.result.get(key) for c in children]
                numbers = [v for v in values if isinstance(v, int | float)]
                lists = [v for v in values if isinstance(v, list)]
                if numbers and not any(isinstance(v, bool) for v in numbers):
                    result[key] = (result.get(key) or 0) + sum(numbers)
                elif lists:  # what each part lists (the files that failed), all together
                    result[key] = list(result.get(key) or []) + [x for v in lists for x in v]
            failed = [c for c in children if c.status == JobStatus.failed]
            parent.result = result
            parent.status = JobStatus.failed if failed else JobStatus.done
            parent.finished_at = utcnow()
            if failed:
                count = len(children)
                parent.message = f"{len(failed)} of {count} parts failed: {failed[0].message}"
        session.commit()


def recover(app: Flask) -> list[int]:
    """At a worker's start: queue again the jobs queued, running with a lease run out, or
    running with none (a parent waiting for its children, whose last end may have been lost
    in a crash: its run only settles it)."""
    from web import database

    with app.app_context(), Session(database.engine()) as session:
        now = utcnow()
        jobs = session.exec(
            select(Job).where(col(Job.status).in_([JobStatus.queued, JobStatus.running]))
        ).all()
        ids = [
            job.id
            for job in jobs
            if job.id is not None
            and (
                job.status == JobStatus.queued
                or job.lease_expires_at is None
                or _aware(job.lease_expires_at) < now
            )
        ]
    for job_id in ids:
        queue(app).enqueue(job_id)
    return ids


def reap(app: Flask) -> list[int]:
    """Queue again the jobs whose lease ran out: their worker died (or stalled past it).

    Each is taken back by a conditional UPDATE, so of several workers reaping at once one
    queues it; the run that lost it finds out at its next renewal and stops.
    """
    from web import database

    with app.app_context(), Session(database.engine()) as session:
        now = utcnow()
        expired = session.exec(
            select(Job.id)
            .where(col(Job.status) == JobStatus.running)
            .where(col(Job.lease_expires_at) < now)
        ).all()
        taken = []
        for job_id in expired:
            statement = (
                update(Job)
                .where(col(Job.id) == job_id, col(Job.status) == JobStatus.running)
                .where(col(Job.lease_expires_at) < now)
                .values(status=JobStatus.queued, lease_owner=None, lease_expires_at=None)
            )
            if _updated(session, statement) == 1:
                taken.append(job_id)
        session.commit()
    for job_id in taken:
        if job_id is not None:
            queue(app).enqueue(job_id)
    return [job_id for job_id in taken if job_id is not None]


def reap_interval(app: Flask) -> float:
    """How often a worker reaps: a third of the lease, so a dead worker's job is queued again
    at most a lease and a third after its last renewal."""
    return max(lease_length(app).total_seconds() / 3, 0.5)


@contextmanager
def reaper(app: Flask) -> Iterator[None]:
    """Reap expired leases from a thread for as long as the block (a worker) runs."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(reap_interval(app)):
            try:
                requeued = reap(app)
            except Exception:  # the database is busy or away: try again next time
                log.exception("could not reap expired job leases")
                continue
            if requeued:
                log.warning("jobs whose worker died queued again: %s", requeued)

    thread = threading.Thread(target=loop, name="job-reaper", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def abandon(app: Flask) -> list[int]:
    """A worker is stopping: stop its runs and their ffmpeg, and queue their jobs again at
    once (rather than after their lease), for the other workers or its own next start."""
    from web import database

    with _RUNS_LOCK:
        runs = list(_RUNS.values())
    for context, scope in runs:
        context.lost.set()  # from now on the run stores nothing
        scope.cancel()
    media_tools.kill_all()
    # Its killed runs' half-written files go now: the worker that takes a job up again may
    # clean up before this process has gone, when they are not yet a dead writer's.
    for leftover in media_tools.own_partials(Path(app.config["MEDIA_ROOT"])):
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    handed: list[int] = []
    with app.app_context(), Session(database.engine()) as session:
        for context, _ in runs:
            statement = (
                update(Job)
                .where(col(Job.id) == context.job_id, col(Job.lease_owner) == context.owner)
                .values(status=JobStatus.queued, lease_owner=None, lease_expires_at=None)
            )
            if _updated(session, statement) == 1:
                handed.append(context.job_id)
        session.commit()
    for job_id in handed:
        queue(app).enqueue(job_id)
    return handed


def recent_jobs(engine: Engine, limit: int = 20) -> list[Job]:
    with Session(engine) as session:
        statement = (
            select(Job)
            .where(col(Job.parent_id).is_(None))  # a catalog-wide job's parts: in its progress
            .order_by(col(Job.created_at).desc())
            .limit(limit)
        )
        return list(session.exec(statement).all())


def _aware(moment: Any) -> Any:
    # SQLite gives back naive datetimes; they were written in UTC.
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
