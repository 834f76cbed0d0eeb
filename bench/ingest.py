"""Import speed and memory, on SQLite and PostgreSQL.

Prints, for each database, side by side in one run:
  - 10,000 real films (metadata only):
    - `anthologie ingest` of the file (parse, validate, write in one transaction): rows/s;
    - the peer: the same rows, already parsed, written by plain SQLAlchemy Core executemany
      into the same schema (the floor any importer pays for the writes alone): rows/s;
    - a second import of the unchanged file, and how many times faster it is (target ≥ 20×).
  - a long file, 200,000 rows (`--rows N`): the peak memory (resident set, MiB) and the time
    of its import, beside the peer's; each in a process of its own, so that one run's memory
    does not weigh on the next (target: under 200 MiB). The peer holds one batch of parsed
    rows at a time, and its time counts the writes alone.

The 10,000 rows are real: every title of ../shared/data/netflix_titles.csv (6,070, films and
series, runtime when given in minutes), then Telefilm Canada funding titles until 10,000.
The long file is NOT a real catalog of that size: its rows are the 769 real films of
samples/catalog.csv resampled (repeated in turn, each copy with an external id of its own),
to measure how the importer's memory and time grow with a file's length.

Run: .venv/bin/python bench/ingest.py [--rows N]   (or `make bench`)
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from catalog import db, queries  # noqa: E402
from catalog.fields import NAMES  # noqa: E402
from catalog.ingest import (  # noqa: E402
    CREDIT_TABLE,
    FILM_TABLE,
    ColumnMap,
    RawRow,
    ingest_file,
    read_rows,
    validate,
)
from catalog.records import match_key  # noqa: E402
from tests import pgserver  # noqa: E402

# The measured processes import the catalog alone, as `anthologie ingest` would need; the web
# app (and scikit-learn, which its proposals load) is not imported here.

DATA = ROOT.parent / "shared" / "data"
SAMPLE = ROOT / "samples" / "catalog.csv"
TARGET_ROWS = 10_000
LONG_ROWS = 200_000
LONG_ROWS_POSTGRES = 50_000  # at ~1,000 rows/s there, 200,000 would take minutes more
PEER_BATCH = 5_000
MiB = 1 << 20


def real_rows() -> list[dict[str, str]]:
    """10,000 catalog rows from the real Netflix and Telefilm files, in the import format."""
    rows: list[dict[str, str]] = []
    with (DATA / "netflix_titles.csv").open(encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle):
            runtime = item["duration"] if item["duration"].endswith(" min") else ""
            rows.append(
                {
                    "external_id": f"netflix-{item['show_id']}",
                    "original_title": item["title"],
                    "year": item["release_year"],
                    "runtime": runtime,
                    "genres": item["listed_in"],
                    "synopsis_en": item["description"],
                    "countries": item["country"],
                    "directors": item["director"],
                    "cast": item["cast"],
                }
            )
    seen = set()
    with (DATA / "telefilm_funding.csv").open(encoding="utf-8", newline="") as handle:
        for item in csv.DictReader(handle):
            key = (item["Title"].strip().lower(), item["Recipient Name"])
            if len(rows) >= TARGET_ROWS or item["Title"] in ("", "0") or key in seen:
                continue
            seen.add(key)
            rows.append(
                {
                    "external_id": f"telefilm-{len(seen)}",
                    "original_title": item["Title"],
                    "genres": "" if item["Genre"] in ("0", "N/A") else item["Genre"],
                    "countries": "Canada",
                    "region": "" if item["Province"] == "Quebec" else "99",
                    "production_company": item["Recipient Name"],
                }
            )
    return rows[:TARGET_ROWS]


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=NAMES, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def parsed_batches(path: Path, size: int = PEER_BATCH) -> Iterator[tuple[list[Any], list[Any]]]:
    """The file's rows parsed and validated as the import does it, as Film and Credit rows
    for Core, `size` films at a time."""
    header, rows = read_rows(path)
    mapping = ColumnMap().resolve(header, str(path))
    films: list[dict[str, Any]] = []
    credits: list[dict[str, Any]] = []
    for number, raw in enumerate(rows, start=1):
        assert isinstance(raw, RawRow)
        record, errors = validate(raw.line, raw.mapped(header, mapping))
        assert not errors, errors
        films.append(
            {
                "id": number,
                "external_id": record.get("external_id"),
                "match_key": match_key(record),
                "original_title": record["original_title"],
                "year": record.get("year"),
                "runtime_seconds": record.get("runtime"),
                "genres": record.get("genres") or [],
                "subjects": [],
                "style_tags": [],
                "synopsis_en": record.get("synopsis_en"),
                "original_languages": [],
                "subtitle_languages": [],
                "countries": record.get("countries") or [],
                "region_code": record.get("region"),
                "production_company": record.get("production_company"),
                "festival_selections": [],
                "awards": [],
                "rights_territories": [],
                "status": "accepted",
            }
        )
        for column, role in (("directors", "director"), ("cast", "cast")):
            for position, name in enumerate(record.get(column) or []):  # type: ignore[arg-type]
                credits.append(
                    {"film_id": number, "role": role, "position": position, "name": name}
                )
        if len(films) == size:
            yield films, credits
            films, credits = [], []
    if films:
        yield films, credits


def core_insert(engine: Engine, batches: Iterator[tuple[list[Any], list[Any]]]) -> float:
    """The peer: parsed rows (parsing not timed) written with Core executemany, in one
    transaction."""
    seconds = 0.0
    with engine.begin() as connection:
        for films, credits in batches:
            started = time.perf_counter()
            connection.execute(insert(FILM_TABLE), films)
            if credits:
                connection.execute(insert(CREDIT_TABLE), credits)
            seconds += time.perf_counter() - started
    return seconds


def timed_ingest(engine: Engine, path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        report = ingest_file(session, path)
    return time.perf_counter() - started, report.summary()


@contextmanager
def fresh_databases(
    kind: str, workdir: Path, admin: str | None, label: str = "bench"
) -> Iterator[list[Engine]]:
    """Two empty, migrated catalogs of `kind`: one for us, one for the peer."""
    engines = []
    for name in ("ours", "peer"):
        if kind == "sqlite":
            url = f"sqlite:///{workdir / f'{name}.db'}"
        else:
            assert admin is not None
            url = pgserver.create_database(admin, f"{label}_{name}")
        engine = db.make_engine(url)
        db.upgrade(engine)
        with db.session_scope(engine) as session:
            queries.load_reference(session)
        engines.append(engine)
    try:
        yield engines
    finally:
        for engine in engines:
            engine.dispose()


def run(kind: str, path: Path, workdir: Path, admin: str | None) -> None:
    with fresh_databases(kind, workdir, admin) as (ours, peer):
        first, summary = timed_ingest(ours, path)
        second, summary2 = timed_ingest(ours, path)
        floor = core_insert(peer, parsed_batches(path))
    print(f"\n{kind}")
    print(f"  first import   {first:7.3f} s  {TARGET_ROWS / first:8,.0f} rows/s  ({summary})")
    print(
        f"  peer: Core executemany of parsed rows {floor:6.3f} s {TARGET_ROWS / floor:8,.0f} rows/s"
    )
    print(f"  second import  {second:7.3f} s  {first / second:6.1f}× faster than the first")
    print(f"                 (target ≥ 20×; {summary2})")


def resampled_rows(count: int, path: Path) -> int:
    """`count` rows of samples/catalog.csv taken in turn, each copy with an id of its own;
    how many real films they are drawn from."""
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        base = list(csv.DictReader(handle))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base[0]), lineterminator="\n")
        writer.writeheader()
        for i in range(count):
            row = dict(base[i % len(base)])
            row["external_id"] = f"{row['external_id'] or 'sample'}~{i}"
            writer.writerow(row)
    return len(base)


def peak_mib() -> float:
    """This process's peak resident memory. Linux's VmHWM, not ru_maxrss: that one keeps the
    peak of the parent's copy that this process was forked from before it ran Python."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024 / MiB


def measured(role: str, url: str, path: Path) -> None:
    """In a process of its own: one import of `path` (ours) or one Core write of its parsed
    rows (the peer, read from the pickled batches at `path`); prints time and peak memory."""
    engine = db.make_engine(url)
    with engine.connect():
        pass
    before = peak_mib()
    started = time.perf_counter()
    if role == "ours":
        with Session(engine) as session, session.begin():
            summary = ingest_file(session, path).summary()
        seconds = time.perf_counter() - started
    else:
        seconds = core_insert(engine, unpickled(path))
        summary = ""
    print(
        json.dumps({"seconds": seconds, "peak": peak_mib(), "before": before, "summary": summary})
    )


def pickle_parsed(path: Path, target: Path) -> None:
    """The peer's rows, parsed once beforehand, for its process to read a batch at a time."""
    with target.open("wb") as handle:
        for batch in parsed_batches(path):
            pickle.dump(batch, handle, protocol=pickle.HIGHEST_PROTOCOL)


def unpickled(path: Path) -> Iterator[tuple[list[Any], list[Any]]]:
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return


def in_own_process(role: str, url: str, path: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", role, "--url", url, "--file", str(path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{role} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def run_long(
    kind: str, rows: int, files: tuple[Path, Path], workdir: Path, admin: str | None
) -> None:
    path, parsed = files
    with fresh_databases(kind, workdir / "long", admin, "long") as (ours, peer):
        urls = [e.url.render_as_string(hide_password=False) for e in (ours, peer)]
        result = in_own_process("ours", urls[0], path)
        floor = in_own_process("peer", urls[1], parsed)
    print(f"\n{kind}: {rows:,} resampled rows (not a real catalog; see above)")
    for name, measure in (("import", result), ("peer: Core executemany", floor)):
        print(
            f"  {name:<24} {measure['seconds']:7.1f} s  {rows / measure['seconds']:7,.0f} rows/s  "
            f"peak {measure['peak']:5.0f} MiB  (of which {measure['before']:.0f} MiB before it "
            "began: Python and the catalog's modules)"
        )
    print(f"  target: import under 200 MiB — {'met' if result['peak'] < 200 else 'NOT met'}")
    print(f"  ({result['summary']})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=LONG_ROWS, help="rows of the long file")
    parser.add_argument(
        "--pg-rows",
        type=int,
        default=LONG_ROWS_POSTGRES,
        help="rows of the long file on PostgreSQL (its first rows)",
    )
    parser.add_argument("--measure", choices=["ours", "peer"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.measure:
        measured(options.measure, options.url, options.file)
        return
    rows = real_rows()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "films.csv"
        write_csv(rows, path)
        long_file, parsed = workdir / "long.csv", workdir / "long.pickle"
        real = resampled_rows(options.rows, long_file)
        pickle_parsed(long_file, parsed)
        (workdir / "long").mkdir()
        print(f"{len(rows):,} real films (metadata only) from {DATA}")
        print(f"{options.rows:,} rows resampled from the {real} real films of {SAMPLE.name}")
        run("sqlite", path, workdir, None)
        run_long("sqlite", options.rows, (long_file, parsed), workdir, None)
        try:
            with pgserver.throwaway_postgres() as admin:
                run("postgresql", path, workdir, admin)
                files = (long_file, parsed)
                if options.pg_rows < options.rows:
                    files = (workdir / "long_pg.csv", workdir / "long_pg.pickle")
                    resampled_rows(options.pg_rows, files[0])
                    pickle_parsed(files[0], files[1])
                run_long("postgresql", min(options.rows, options.pg_rows), files, workdir, admin)
        except pgserver.PostgresNotFound as error:
            print(f"\npostgresql: not measured ({error})")


if __name__ == "__main__":
    main()
