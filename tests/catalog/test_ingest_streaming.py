"""The import reads its file as it goes: memory does not grow with the rows' text, and
what was written before a bad row or a crash is undone all the same."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.ingest import BATCH, IngestError, RowsRejected, count_rows, ingest_file, read_rows
from catalog.models import Credit, Film, Job
from web.usecases import cataloguing

MiB = 1 << 20


def films(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Film)).one()


def credits(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Credit)).one()


def long_catalog(
    path: Path, rows: int, synopsis: int = 0, bad: frozenset[int] = frozenset()
) -> Path:
    """`rows` films with distinct ids, each with a synopsis of `synopsis` characters (so that
    the file weighs what `rows` real ones would); a row numbered in `bad` has no title."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["external_id", "original_title", "year", "directors", "synopsis_fr"])
        for i in range(rows):
            title = "" if i in bad else f"Film {i}"
            text = (f"Le film {i} suit une famille au bord du fleuve. " * 50)[:synopsis]
            writer.writerow([f"long-{i}", title, 2000 + i % 25, f"Réal {i % 97}", text])
    return path


def test_memory_does_not_grow_with_the_files_text(engine: Engine, tmp_path: Path) -> None:
    # 6,000 rows of 2 KiB: a file of 12 MB. Read whole, it cost its size five times over
    # (65 MiB: the text, the parsed cells, the records); read as it goes, it costs a batch
    # of rows (4 MiB on SQLite, 21 on PostgreSQL, whose driver copies a batch's statement a
    # few times) and a key and a line number for each row already written.
    path = long_catalog(tmp_path / "long.csv", 6_000, synopsis=2048)
    assert path.stat().st_size > 12_000_000
    tracemalloc.start()
    try:
        with Session(engine) as session, session.begin():
            report = ingest_file(session, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.created == 6_000
    assert films(engine) == 6_000
    assert peak < 32 * MiB, f"the import held {peak / MiB:.1f} MiB at its peak"


def test_rows_are_read_as_they_are_asked_for(tmp_path: Path) -> None:
    path = long_catalog(tmp_path / "long.csv", 3 * BATCH)
    header, rows = read_rows(path)
    first = next(rows)
    # The file changes under the reader: rows not yet read come from the new text.
    with path.open("a", encoding="utf-8") as handle:
        handle.write("late-1,Arrivé en retard,2024,,\n")
    assert header[:2] == ["external_id", "original_title"]
    assert first.line == 2
    assert sum(1 for _ in rows) == 3 * BATCH  # the rest, and the row added after the start


def test_the_row_count_matches_the_rows_read(tmp_path: Path) -> None:
    text = 'title,synopsis_fr\nAube,"deux\nlignes"\n\nNuit,a,b\nMidi,"trois\r\nlignes\rici"\n'
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8", newline="")
    _, rows = read_rows(path)
    assert count_rows(path) == len(list(rows)) == 3
    jsonl = tmp_path / "f.jsonl"
    jsonl.write_text('{"title": "Aube"}\n\nnot json\n{"title": "Nuit\u2028ici"}\n')
    _, rows = read_rows(jsonl)
    assert [r.line for r in rows] == [1, 3, 4]
    assert count_rows(jsonl) == 3


def test_a_bad_row_after_written_batches_leaves_nothing(engine: Engine, tmp_path: Path) -> None:
    # Two batches are written before the bad row is read; the rejection undoes them.
    last = 3 * BATCH - 1
    path = long_catalog(tmp_path / "f.csv", 3 * BATCH, bad=frozenset({last}))
    with pytest.raises(RowsRejected) as rejected:
        cataloguing.import_catalog(engine, path)
    assert [(e.line, e.field) for e in rejected.value.errors] == [(last + 2, "original_title")]
    assert films(engine) == credits(engine) == 0
    report = cataloguing.import_catalog(engine, path, skip_invalid=True)
    assert (report.created, report.rejected_lines) == (3 * BATCH - 1, 1)
    assert films(engine) == 3 * BATCH - 1


def test_a_crash_after_written_batches_leaves_nothing(engine: Engine, tmp_path: Path) -> None:
    path = long_catalog(tmp_path / "f.csv", 3 * BATCH)
    inserts = 0

    def die_at_third_batch(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal inserts
        if statement.startswith("INSERT INTO film "):
            inserts += 1
            if inserts == 3:
                raise RuntimeError("the worker dies")

    event.listen(engine, "before_cursor_execute", die_at_third_batch)
    try:
        with pytest.raises(RuntimeError, match="dies"):
            cataloguing.import_catalog(engine, path)
    finally:
        event.remove(engine, "before_cursor_execute", die_at_third_batch)
    assert inserts == 3
    assert films(engine) == credits(engine) == 0


def test_progress_can_be_written_while_the_rows_are_read(engine: Engine, tmp_path: Path) -> None:
    # A job commits its progress from another connection while the import reads the file: on
    # SQLite that write would wait for the import's lock, then fail, had the import begun
    # writing. It writes once every row is read.
    path = long_catalog(tmp_path / "f.csv", 2 * BATCH)
    with Session(engine) as session:
        job = Job(kind="ingest")
        session.add(job)
        session.commit()
        job_id = job.id
    films_seen = []

    def step(n: int) -> None:
        with Session(engine) as session:
            found = session.get(Job, job_id)
            assert found is not None
            found.done += n
            session.commit()
        films_seen.append(films(engine))

    cataloguing.import_catalog(engine, path, progress=step)
    with Session(engine) as session:
        assert session.get(Job, job_id).done == 2 * BATCH  # type: ignore[union-attr]
    assert films_seen == [0] * 2 * BATCH
    assert films(engine) == 2 * BATCH


def test_a_byte_that_is_not_utf8_far_into_the_file_names_its_line(
    engine: Engine, tmp_path: Path
) -> None:
    body = io.StringIO()
    body.write("title,synopsis_fr\n")
    for i in range(3_000):  # 1.5 MB: past the first blocks read
        body.write(f"Film {i},{'Une histoire de fleuve et de neige. ' * 14}\n")
    path = tmp_path / "latin1.csv"
    path.write_bytes(body.getvalue().encode() + "Été,chaud\n".encode("latin-1"))
    with pytest.raises(IngestError, match=r"latin1\.csv: line 3002 is not UTF-8"):
        cataloguing.import_catalog(engine, path)
    assert films(engine) == 0
