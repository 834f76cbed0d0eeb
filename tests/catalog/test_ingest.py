"""Bulk import on SQLite and PostgreSQL: mapping, validation, atomicity, idempotence, round trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.export import export_catalog
from catalog.ingest import ColumnMap, IngestError, RowsRejected, ingest_file
from catalog.models import Credit, Film, Role
from tests.conftest import SAMPLES
from web.usecases import cataloguing

SAMPLE_CSV = SAMPLES / "catalog.csv"


def count_films(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Film)).one()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def as_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


BAD_ROWS = {99: "runtime", 499: "region", 899: "original_title"}


def thousand_rows_with_three_bad(tmp_path: Path) -> tuple[Path, set[tuple[int, str]]]:
    """1,000 rows resampled from the demo catalog (ids made unique), three of them broken.

    Returns the file and the (line, field) of each broken row: a line is the file's physical
    line where the row starts (one real title spans two lines).
    """
    base = sample_rows()
    rows = []
    for i in range(1000):
        row = dict(base[i % len(base)])
        row["external_id"] = f"{row['external_id']}-{i}"
        rows.append(row)
    rows[99]["runtime"] = "douze minutes"
    rows[499]["region"] = "Atlantide"
    rows[899]["original_title"] = ""
    expected = {(as_csv(rows[:i]).count("\n") + 1, field) for i, field in BAD_ROWS.items()}
    return write(tmp_path / "thousand.csv", as_csv(rows)), expected


def test_demo_catalog_round_trips_exactly(engine: Engine, tmp_path: Path) -> None:
    report = cataloguing.import_catalog(engine, SAMPLE_CSV)
    assert report.created == len(sample_rows()) > 300
    exported = cataloguing.export(engine, "csv", tmp_path / "out.csv")
    assert exported == SAMPLE_CSV.read_text(encoding="utf-8")
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == exported


def test_jsonl_export_imports_back_to_the_same_catalog(
    engine: Engine, tmp_path: Path, database_url: str
) -> None:
    cataloguing.import_catalog(engine, SAMPLE_CSV)
    jsonl = tmp_path / "catalog.jsonl"
    cataloguing.export(engine, "jsonl", jsonl)
    first = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert isinstance(first.get("genres", []), list)

    other = tmp_path / "other.db"
    from catalog.db import make_engine

    fresh = make_engine(f"sqlite:///{other}")
    cataloguing.init_database(fresh)
    report = cataloguing.import_catalog(fresh, jsonl)
    assert report.created == count_films(engine)
    assert cataloguing.export(fresh, "csv", None) == cataloguing.export(engine, "csv", None)
    fresh.dispose()


def test_importing_the_same_file_twice_changes_nothing(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLE_CSV)
    with Session(engine) as session:
        before = {f.id: f.updated_at for f in session.exec(select(Film)).all()}
    again = cataloguing.import_catalog(engine, SAMPLE_CSV)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(before))
    with Session(engine) as session:
        after = {f.id: f.updated_at for f in session.exec(select(Film)).all()}
    assert after == before


def test_reimporting_the_export_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    cataloguing.import_catalog(engine, SAMPLE_CSV)
    jsonl = tmp_path / "catalog.jsonl"
    cataloguing.export(engine, "jsonl", jsonl)
    report = cataloguing.import_catalog(engine, jsonl)
    assert report.created == report.updated == 0
    assert report.unchanged == count_films(engine)


def test_three_bad_rows_among_a_thousand_are_all_reported_and_nothing_is_imported(
    engine: Engine, tmp_path: Path
) -> None:
    path, expected = thousand_rows_with_three_bad(tmp_path)
    with pytest.raises(RowsRejected) as caught:
        cataloguing.import_catalog(engine, path)
    found = {(e.line, e.field) for e in caught.value.errors}
    assert found == expected
    # No multi-line cell precedes the first broken row: header, then rows 0–99 on lines 2–101.
    assert (101, "runtime") in found
    assert count_films(engine) == 0


def test_skip_invalid_imports_the_997_good_rows(engine: Engine, tmp_path: Path) -> None:
    path, _ = thousand_rows_with_three_bad(tmp_path)
    report = cataloguing.import_catalog(engine, path, skip_invalid=True)
    assert report.created == 997
    assert report.rejected_lines == 3
    assert count_films(engine) == 997


def test_dry_run_counts_without_writing(engine: Engine) -> None:
    report = cataloguing.import_catalog(engine, SAMPLE_CSV, dry_run=True)
    assert report.created == len(sample_rows())
    assert count_films(engine) == 0


def test_a_changed_row_updates_its_film_by_external_id(engine: Engine, tmp_path: Path) -> None:
    cataloguing.import_catalog(engine, SAMPLE_CSV)
    rows = sample_rows()
    rows[0]["synopsis_fr"] = "Un nouveau synopsis."
    rows[1]["directors"] = "Nouvelle Personne; " + rows[1]["directors"]
    report = cataloguing.import_catalog(engine, write(tmp_path / "changed.csv", as_csv(rows)))
    assert (report.created, report.updated) == (0, 2)
    with Session(engine) as session:
        film = session.exec(select(Film).where(Film.external_id == rows[0]["external_id"])).one()
        assert film.synopsis_fr == "Un nouveau synopsis."
        second = session.exec(select(Film).where(Film.external_id == rows[1]["external_id"])).one()
        assert second.directors[0] == "Nouvelle Personne"


def test_without_external_id_title_year_and_first_director_identify_a_film(
    engine: Engine, tmp_path: Path
) -> None:
    first = "title,year,directors,runtime\nLa Traversée,2019,Anne Roy; Luc Dubé,12\n"
    cataloguing.import_catalog(engine, write(tmp_path / "a.csv", first))
    second = "title,year,directors,runtime\nla traversee ,2019,Anne Roy,14 min\n"
    report = cataloguing.import_catalog(engine, write(tmp_path / "b.csv", second))
    assert (report.created, report.updated) == (0, 1)
    with Session(engine) as session:
        film = session.exec(select(Film)).one()
        assert film.runtime_seconds == 14 * 60
        assert film.directors == ["Anne Roy"]


def test_a_foreign_spreadsheet_imports_with_a_column_map(engine: Engine, tmp_path: Path) -> None:
    # Semicolons, a BOM and French headers: the shape of a festival platform's export.
    text = (
        "\ufeffTitre;Réalisation;Durée;Ville;Langue;Résumé\n"
        '"Le Fleuve, l\'hiver";Marie Côté, Paul Roy;00:14:30;Rimouski;français;Un fleuve gelé.\n'
        "Nord;Léa Gagnon;9 min;St-Félicien;Innu;Une famille à la chasse.\n"
    )
    path = write(tmp_path / "festival.csv", text)
    column_map = ColumnMap.from_options(
        [
            "title=Titre",
            "directors=Réalisation",
            "runtime=Durée",
            "municipality=Ville",
            "language=Langue",
            "synopsis_fr=Résumé",
        ]
    )
    report = cataloguing.import_catalog(engine, path, column_map)
    assert report.created == 2
    with Session(engine) as session:
        films = {f.original_title: f for f in session.exec(select(Film)).all()}
    fleuve = films["Le Fleuve, l'hiver"]
    assert fleuve.runtime_seconds == 870
    assert fleuve.region_code == "01"  # Rimouski, Bas-Saint-Laurent
    assert fleuve.directors == ["Marie Côté", "Paul Roy"]
    assert fleuve.original_languages == ["fra"]
    nord = films["Nord"]
    assert (nord.municipality, nord.region_code) == ("Saint-Félicien", "02")
    assert nord.original_languages == ["moe"]


def test_a_mapping_file_does_the_same(engine: Engine, tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "map.toml",
        'title = "Film"\nruntime = "Length"\nignore = ["Notes"]\n',
    )
    data = write(tmp_path / "f.csv", "Film,Length,Notes\nAube,7 min,interne\n")
    report = cataloguing.import_catalog(engine, data, ColumnMap.from_options(file=mapping))
    assert report.created == 1


def test_unknown_columns_are_named(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "title,Budget,Colour\nAube,100,yes\n")
    with pytest.raises(IngestError, match="'Budget', 'Colour'"):
        cataloguing.import_catalog(engine, path)


def test_a_map_to_a_missing_column_is_named(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "title\nAube\n")
    with pytest.raises(IngestError, match="'Durée'"):
        cataloguing.import_catalog(engine, path, ColumnMap.from_options(["runtime=Durée"]))


def test_a_file_that_is_not_utf8_is_refused_with_its_line(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.csv", "title\nAube\nÉté\n", encoding="latin-1")
    with pytest.raises(IngestError, match="line 3 is not UTF-8"):
        cataloguing.import_catalog(engine, path)


def test_municipality_outside_the_given_region_is_an_error(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "title,region,municipality\nAube,06,Rimouski\n")
    with pytest.raises(RowsRejected) as caught:
        cataloguing.import_catalog(engine, path)
    (error,) = caught.value.errors
    assert (error.line, error.field) == (2, "municipality")
    assert "01" in error.message


def quebec_shorts() -> dict[str, dict[str, str]]:
    with (SAMPLES / "quebec_shorts.csv").open(encoding="utf-8", newline="") as handle:
        return {row["external_id"]: row for row in csv.DictReader(handle)}


def test_the_125_quebec_films_import_in_their_regions(engine: Engine) -> None:
    report = cataloguing.import_catalog(engine, SAMPLE_CSV)
    assert report.rejected == []
    source = quebec_shorts()
    with Session(engine) as session:
        films = session.exec(select(Film).where(Film.external_id.startswith("qc-"))).all()  # type: ignore[union-attr]
        assert len(films) == len(source) == 125
        for film in films:
            row = source[film.external_id]  # type: ignore[index]
            assert film.region_code == row["region_code"], film.external_id
            assert film.runtime_seconds == 60 * int(row["runtime_minutes"])
            assert film.synopsis_fr == row["synopsis_fr"] and film.synopsis_en == row["synopsis_en"]
        # Films made in Indigenous communities the répertoire does not list resolve to them.
        places = {f.external_id: (f.municipality, f.region_code) for f in films}
    assert places["qc-0056"] == ("Kitcisakik", "08")
    assert places["qc-0026"] == ("Opitciwan", "04")
    assert places["qc-0075"] == ("Pakua Shipu", "09")
    assert places["qc-0081"] == ("Ekuanitshit", "09")
    # Joutel, a place nothing lists, is kept as written, in the region the record gives.
    assert places["qc-0089"] == ("Joutel", "10")
    (warning,) = report.warnings
    joutel_line = SAMPLE_CSV.read_text(encoding="utf-8").split("\nqc-0089,")[0].count("\n") + 2
    assert (warning.line, warning.field, warning.value) == (joutel_line, "municipality", "Joutel")
    assert "kept as written, region 10 as given" in warning.message

    again = cataloguing.import_catalog(engine, SAMPLE_CSV)
    assert (again.created, again.updated, again.warnings) == (0, 0, [])
    assert again.unchanged == len(sample_rows())


def test_a_place_nothing_lists_imports_with_a_warning_when_the_region_is_given(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "f.csv",
        "title,region,municipality\nAube,01,Rimouski\nMines,Nord-du-Québec, Joutel \n",
    )
    report = cataloguing.import_catalog(engine, path)
    assert report.created == 2 and report.rejected == []
    (warning,) = report.warnings
    assert (warning.line, warning.field, warning.value) == (3, "municipality", "Joutel")
    assert str(warning).startswith("line 3, field municipality: 'Joutel' is in neither")
    assert "1 warning(s)" in report.summary()
    with Session(engine) as session:
        film = session.exec(select(Film).where(Film.original_title == "Mines")).one()
        assert (film.municipality, film.region_code) == ("Joutel", "10")


def test_a_misspelt_place_with_a_region_is_imported_with_the_close_names_in_its_warning(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "f.csv", "title,region,municipality\nAube,08,Kitcisakk\n")
    (warning,) = cataloguing.import_catalog(engine, path).warnings
    assert "did you mean Kitcisakik?" in warning.message


def test_a_place_nothing_lists_without_a_region_fails_the_whole_import(
    engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path / "f.csv", "title,municipality\nAube,Rimouski\nMines,Joutel\n")
    with pytest.raises(RowsRejected) as caught:
        cataloguing.import_catalog(engine, path)
    (error,) = caught.value.errors
    assert (error.line, error.field) == (3, "municipality")
    assert "unknown municipality 'Joutel'" in error.message
    assert count_films(engine) == 0


def test_an_indigenous_community_gives_its_region(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "f.csv",
        "title,municipality\nAube,Opitciwan\nMidi,Uashat mak Mani-utenam\nNuit,Kanesatake\n",
    )
    report = cataloguing.import_catalog(engine, path)
    assert (report.created, report.warnings) == (3, [])
    with Session(engine) as session:
        found = {
            f.original_title: (f.municipality, f.region_code) for f in session.exec(select(Film))
        }
    assert found == {
        "Aube": ("Opitciwan", "04"),
        "Midi": ("Uashat mak Mani-utenam", "09"),
        "Nuit": ("Kanesatake", "15"),
    }


def test_two_rows_for_the_same_film_are_refused(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "external_id,title\nx1,Aube\nx1,Aube bis\n")
    with pytest.raises(RowsRejected, match="1 invalid row") as caught:
        cataloguing.import_catalog(engine, path)
    assert caught.value.errors[0].line == 3
    assert "line 2" in caught.value.errors[0].message


def test_jsonl_rows_report_their_line(engine: Engine, tmp_path: Path) -> None:
    text = '{"title": "Aube", "runtime": 7}\nnot json\n{"title": "Nuit", "year": "soon"}\n'
    with pytest.raises(RowsRejected) as caught:
        cataloguing.import_catalog(engine, write(tmp_path / "f.jsonl", text))
    assert [(e.line, e.field) for e in caught.value.errors] == [(2, "-"), (3, "year")]


def test_an_error_while_writing_leaves_nothing_half_written(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "f.csv", "title,directors\nAube,Anne Roy\nNuit,Luc Dubé\n")

    def fail_after_first(_: int, seen: list[int] = []) -> None:  # noqa: B006
        seen.append(1)
        if len(seen) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError), Session(engine) as session, session.begin():
        ingest_file(session, path, progress=fail_after_first)
    assert count_films(engine) == 0
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Credit)).one() == 0


def test_incomplete_records_say_what_they_lack(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLE_CSV)
    with Session(engine) as session:
        telefilm = session.exec(
            select(Film).where(Film.external_id.startswith("telefilm-"))
        ).first()  # type: ignore[union-attr]
        assert telefilm is not None
        assert {"runtime", "synopsis"} <= set(telefilm.lacks())
        netflix = session.exec(select(Film).where(Film.external_id.startswith("netflix-"))).first()  # type: ignore[union-attr]
        assert netflix is not None
        assert "runtime" not in netflix.lacks()
        assert netflix.names(Role.director) or "directors" in netflix.lacks()


def test_pbcore_export_describes_every_film(engine: Engine) -> None:
    import xml.etree.ElementTree as ET

    cataloguing.import_catalog(engine, SAMPLE_CSV)
    with Session(engine) as session:
        xml = export_catalog(session, "pbcore")
    root = ET.fromstring(xml)
    ns = {"p": "http://www.pbcore.org/PBCore/PBCoreNamespace.html"}
    documents = root.findall("p:pbcoreDescriptionDocument", ns)
    assert len(documents) == count_films(engine)
    titled = [d.find("p:pbcoreTitle[@titleType='Original']", ns) for d in documents]
    assert all(t is not None and t.text for t in titled)
    durations = root.findall(".//p:instantiationDuration", ns)
    assert durations and all(len(d.text or "") == 8 for d in durations)
