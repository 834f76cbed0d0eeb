"""People in the credits: the key their credits are gathered by, set by every write (form,
ORM, bulk import), the crew columns of a file with the person's region, and the exports."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog import people
from catalog.export import export_catalog
from catalog.ingest import RowsRejected
from catalog.models import Credit, Film, Role, Status
from catalog.people import person_key, person_slug, split_credit
from catalog.records import apply_to_film
from web.usecases import cataloguing


def test_person_key_folds_case_accents_and_spaces() -> None:
    assert person_key("  Hélène   LÉVESQUE-Côté ") == "helene levesque-cote"
    assert person_key("Ｍａｒｉｅ\tTremblay") == "marie tremblay"  # NFKD: full-width letters
    assert person_key("Straße") == "strasse"  # casefold, not lower
    assert len(person_key("x" * 300)) == 200
    assert person_slug("jean-françois d'amours") == "jean-françois-d-amours"
    assert split_credit("Marie Tremblay (6)") == ("Marie Tremblay", "06")
    assert split_credit("(06)") == ("(06)", None)  # a name that is only a region stays a name


def test_every_credit_write_sets_the_person_key(engine: Engine) -> None:
    with Session(engine) as session:
        film = Film(original_title="Clé", match_key="cle||", status=Status.accepted)
        film.credits = [Credit(role=Role.gaffer, name="Élise  Gagnon")]  # type: ignore[call-arg]
        session.add(film)
        session.commit()
        credit = session.exec(select(Credit)).one()
        assert credit.person_key == "elise gagnon"
        credit.name = "Éloïse Gagnon"  # an update keys it again
        session.commit()
        session.refresh(credit)
        assert credit.person_key == "eloise gagnon"
        # The form's path: a record's columns, the region written after the name.
        apply_to_film(film, {"colorists": ["Rémi Roy (03)"], "directors": ["Ana Díaz"]})
        session.commit()
        keys = {
            (c.role, c.person_key, c.region_code)
            for c in session.exec(select(Credit).where(Credit.film_id == film.id)).all()
        }
        assert keys == {
            (Role.gaffer, "eloise gagnon", None),
            (Role.colorist, "remi roy", "03"),
            (Role.director, "ana diaz", None),
        }


def _crew_csv(tmp_path: Path, colorist: str) -> Path:
    path = tmp_path / "crew.csv"
    path.write_text(
        "original_title,year,directors,camera_operators,gaffer,colorists\n"
        "Les Glaces,2021,Lou Bérubé (01),Émile Ouellet (01); Zoé Roy,Ana Díaz (06),Rémi Roy\n"
        f"Le Quai,2022,Lou Bérubé,Émile Ouellet (11),,{colorist}\n",
        encoding="utf-8",
    )
    return path


def test_the_import_takes_crew_columns_with_regions_and_exports_them(
    engine: Engine, tmp_path: Path
) -> None:
    report = cataloguing.import_catalog(engine, _crew_csv(tmp_path, "Rémi Roy (03)"))
    assert report.created == 2
    with Session(engine) as session:
        found = people.people_of_slug(session, "emile-ouellet")
        assert len(found) == 1
        emile = found[0]
        assert emile.name == "Émile Ouellet"
        assert [(c.title, c.role, c.region_code) for c in emile.credits] == [
            ("Le Quai", Role.camera_operator, "11"),
            ("Les Glaces", Role.camera_operator, "01"),
        ]
        assert emile.regions == ["01", "11"]
        # The gaffer's column came by its role's own name ("gaffer").
        assert people.people_by_region(session, "06") == [("ana diaz", "Ana Díaz", 1)]
        # The film's match key does not take the director's region for part of the name.
        glaces = session.exec(select(Film).where(Film.original_title == "Les Glaces")).one()
        assert glaces.match_key.endswith("|lou berube")
        counts = {(c.region_code, c.role): c.people for c in people.crew_counts(session)}
        assert counts[("01", Role.camera_operator)] == 1
        assert counts[(None, Role.camera_operator)] == 1  # Zoé Roy, region unknown
        assert people.people_per_region(session)["01"] == 2  # Lou Bérubé and Émile Ouellet

    csv_text = export_catalog(Session(engine), "csv")
    assert "Émile Ouellet (01); Zoé Roy" in csv_text
    pbcore = export_catalog(Session(engine), "pbcore")
    assert '<contributor affiliation="region 06">Ana Díaz</contributor>' in pbcore
    assert "<contributorRole>Gaffer</contributorRole>" in pbcore
    assert '<creator affiliation="region 01">Lou Bérubé</creator>' in pbcore
    # What is exported imports back unchanged, regions included.
    again = tmp_path / "again.csv"
    again.write_text(csv_text, encoding="utf-8")
    assert cataloguing.import_catalog(engine, again).unchanged == 2


def test_a_credit_naming_no_quebec_region_is_rejected_with_its_line_and_column(
    engine: Engine, tmp_path: Path
) -> None:
    with pytest.raises(RowsRejected) as caught:
        cataloguing.import_catalog(engine, _crew_csv(tmp_path, "Rémi Roy (18)"))
    [error] = caught.value.errors
    assert (error.line, error.field, error.code) == (3, "colorists", "credit_region")
    assert "(18)" in error.message and "01 to 17" in error.message
