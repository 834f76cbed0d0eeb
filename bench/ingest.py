"""Import speed: 10,000 real films (metadata only) into SQLite and PostgreSQL.

Prints, for each database, side by side in one run:
  - `anthologie ingest` of the file (parse, validate, write in one transaction): rows/s;
  - the peer: the same rows, already parsed, written by plain SQLAlchemy Core executemany
    into the same schema (the floor any importer pays for the writes alone): rows/s;
  - a second import of the unchanged file, and how many times faster it is (target ≥ 20×).

The 10,000 rows are real: every title of ../shared/data/netflix_titles.csv (6,070, films and
series, runtime when given in minutes), then Telefilm Canada funding titles until 10,000.

Run: .venv/bin/python bench/ingest.py   (or `make bench`)
"""

from __future__ import annotations

import csv
import io
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from catalog.db import make_engine  # noqa: E402
from catalog.fields import NAMES  # noqa: E402
from catalog.ingest import ColumnMap, RawRow, ingest_file, read_rows, validate  # noqa: E402
from catalog.models import Credit, Film  # noqa: E402
from catalog.records import match_key  # noqa: E402
from tests import pgserver  # noqa: E402
from web.usecases import cataloguing  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
TARGET_ROWS = 10_000


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


def core_insert(engine: Engine, path: Path) -> float:
    """The peer: rows parsed beforehand (not timed), then written with Core executemany."""
    header, rows = read_rows(path)
    mapping = ColumnMap().resolve(header, str(path))
    films, credits = [], []
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
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        session.execute(insert(Film), films)
        session.execute(insert(Credit), credits)
    return time.perf_counter() - started


def timed_ingest(engine: Engine, path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    with Session(engine) as session, session.begin():
        report = ingest_file(session, path)
    return time.perf_counter() - started, report.summary()


@contextmanager
def fresh_databases(kind: str, workdir: Path, admin: str | None) -> Iterator[list[Engine]]:
    """Two empty, migrated catalogs of `kind`: one for us, one for the peer."""
    engines = []
    for name in ("ours", "peer"):
        if kind == "sqlite":
            url = f"sqlite:///{workdir / f'{name}.db'}"
        else:
            assert admin is not None
            url = pgserver.create_database(admin, f"bench_{name}")
        engine = make_engine(url)
        cataloguing.init_database(engine)
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
        floor = core_insert(peer, path)
    print(f"\n{kind}")
    print(f"  first import   {first:7.3f} s  {TARGET_ROWS / first:8,.0f} rows/s  ({summary})")
    print(
        f"  peer: Core executemany of parsed rows {floor:6.3f} s {TARGET_ROWS / floor:8,.0f} rows/s"
    )
    print(f"  second import  {second:7.3f} s  {first / second:6.1f}× faster than the first")
    print(f"                 (target ≥ 20×; {summary2})")


def main() -> None:
    rows = real_rows()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        path = workdir / "films.csv"
        write_csv(rows, path)
        print(f"{len(rows):,} real films (metadata only) from {DATA}")
        run("sqlite", path, workdir, None)
        try:
            with pgserver.throwaway_postgres() as admin:
                run("postgresql", path, workdir, admin)
        except pgserver.PostgresNotFound as error:
            print(f"\npostgresql: not measured ({error})")


if __name__ == "__main__":
    main()
