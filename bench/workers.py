"""Benchmark of work that spreads: a catalog-wide analysis with 1 and with 2 worker processes.

Run `.venv/bin/python bench/workers.py` (or `make bench-workers`). It generates 40 short
distinct clips with the real ffmpeg (cached in bench/out/workers/), then, for each worker
count, makes a fresh instance (SQLite catalog, the embedded SQLite queue), attaches one clip
to each of 40 films of the sample catalog, starts that many `anthologie worker` processes,
submits one `analyze` job for the whole catalog (it fans out into one job per film) and
times it from submission until the parent job is done. It prints both runs side by side, the
speed-up, and checks each film was analysed exactly once. The speed-up is bounded by the
machine's cores (ffmpeg already uses several threads per film).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, col, func, select  # noqa: E402

import media_tools  # noqa: E402
from catalog.models import Job, JobStatus, MediaAsset  # noqa: E402
from web import create_app, database, jobs  # noqa: E402
from web.usecases import cataloguing, media  # noqa: E402

OUT = ROOT / "bench" / "out" / "workers"
WORKER = Path(sys.executable).parent / "anthologie"


def clips(count: int, seconds: float) -> list[Path]:
    """`count` distinct labelled clips (a different seed each), made once and cached."""
    OUT.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(1, count + 1):
        path = OUT / f"film-{n:02d}-{seconds:g}s.mp4"
        if not path.exists():
            media_tools.make_stand_in(path, f"Film {n}", seconds, n)
        made.append(path)
    return made


def run(workers: int, films: list[Path], folder: Path) -> tuple[float, int]:
    """Seconds from submitting the catalog's analysis until its parent job is done, with
    `workers` worker processes; and how many assets were analysed."""
    config = {
        "ANTHOLOGIE_DATABASE_URL": f"sqlite:///{folder / 'catalog.db'}",
        "ANTHOLOGIE_INSTANCE_PATH": str(folder / "instance"),
        "ANTHOLOGIE_JOB_QUEUE": "sqlite",
    }
    app = create_app({key.removeprefix("ANTHOLOGIE_"): value for key, value in config.items()})
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        engine = database.engine()
        cataloguing.init_database(engine)
        cataloguing.import_catalog(engine, ROOT / "samples" / "catalog.csv")
        for film_id, clip in enumerate(films, start=1):
            media.attach(engine, film_id, clip, root)
    env = os.environ | config
    logs = [open(folder / f"worker{n}.log", "wb") for n in range(workers)]  # noqa: SIM115
    processes = [
        subprocess.Popen([str(WORKER), "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
        for log in logs
    ]
    try:
        # The workers start (imports, recovery) before the clock does.
        deadline = time.monotonic() + 120
        paths = [folder / f"worker{n}.log" for n in range(workers)]
        while not all(b"Worker ready" in path.read_bytes() for path in paths):
            if time.monotonic() > deadline:
                raise SystemExit(f"the workers did not start: see {folder}")
            time.sleep(0.1)
        with app.app_context():
            start = time.perf_counter()
            parent_id = jobs.submit(engine, "analyze", {"name": "bench"}, app)
            while True:
                with Session(engine) as session:
                    parent = session.get(Job, parent_id)
                    assert parent is not None
                    if parent.status in (JobStatus.done, JobStatus.failed):
                        break
                time.sleep(0.1)
            seconds = time.perf_counter() - start
            if parent.status != JobStatus.done:
                raise SystemExit(f"the analysis failed: {parent.message}")
            with Session(engine) as session:
                analysed = session.exec(
                    select(func.count())
                    .select_from(MediaAsset)
                    .where(col(MediaAsset.analysed_at).is_not(None))
                ).one()
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
        for log in logs:
            log.close()
    return seconds, int(analysed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=6.0, help="Length of each clip.")
    args = parser.parse_args()
    media_tools.find_tools()
    print(f"Making {args.films} clips of {args.seconds:g} s (cached in {OUT})…", flush=True)
    films = clips(args.films, args.seconds)
    timings: dict[int, float] = {}
    for workers in (1, 2):
        folder = Path(tempfile.mkdtemp(prefix=f"anthologie-bench-{workers}w-"))
        try:
            seconds, analysed = run(workers, films, folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if analysed != args.films:
            raise SystemExit(f"{analysed} of {args.films} films analysed with {workers} workers")
        timings[workers] = seconds
        print(f"  {workers} worker{'s' if workers > 1 else ' '}: {seconds:7.1f} s", flush=True)
    print(f"\nAnalysis of {args.films} films ({args.seconds:g} s clips), {os.cpu_count()} cores")
    print(f"{'workers':>8} {'wall time':>10} {'films/min':>10}")
    for workers, seconds in timings.items():
        print(f"{workers:>8} {seconds:>9.1f}s {args.films / seconds * 60:>10.1f}")
    print(f"speed-up with 2 workers: {timings[1] / timings[2]:.2f}x")


if __name__ == "__main__":
    main()
