"""Title search through the trigram index (migration 0003), on SQLite and PostgreSQL.

The index must find exactly what a scan of the search text finds, and follow every insert,
rename and deletion; the lines of a list must say what Film itself says.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog import queries
from catalog.db import migrate
from catalog.fields import fold
from catalog.models import Film, Role
from catalog.records import derived_columns, film_to_record
from tests.conftest import SAMPLES
from web.usecases import cataloguing


def found(engine: Engine, query: str, **filters: object) -> list[int]:
    with Session(engine) as session:
        page = queries.list_film_lines(
            session, queries.FilmFilter(text=query, **filters), per_page=10_000
        )
        assert page.total == len(page.films)
        return [line.id for line in page.films]


def scanned(engine: Engine, query: str) -> list[int]:
    """The same search without the index: every film's search text, read and compared."""
    with Session(engine) as session:
        films = session.exec(select(Film).order_by(col(Film.sort_title), col(Film.id))).all()
        return [f.id for f in films if f.id is not None and fold(query) in f.search_text]


def add_film(session: Session, title: str) -> Film:
    film = Film(original_title=title, match_key=title)
    for name, value in derived_columns(film_to_record(film)).items():
        setattr(film, name, value)
    session.add(film)
    session.commit()
    return film


def rename(session: Session, film: Film, title: str) -> None:
    film.original_title = title
    for name, value in derived_columns(film_to_record(film)).items():
        setattr(film, name, value)
    session.add(film)
    session.commit()


def test_the_index_finds_what_a_scan_finds(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    queries_tried = ["christmas", "LA NUIT", "Été", "the", "amour fou", "de", "x", "zzzq"]
    for query in queries_tried:
        assert found(engine, query) == scanned(engine, query), query
    assert len(found(engine, "the")) > 20  # common enough to mean something
    assert found(engine, "zzzq") == []


def test_the_index_follows_inserts_renames_and_deletions(engine: Engine) -> None:
    with Session(engine) as session:
        film = add_film(session, "Les Aurores boréales de Kamouraska")
        film_id = film.id
        assert found(engine, "aurores boreales") == [film_id]
        rename(session, film, "Le Fleuve en hiver")
        assert found(engine, "aurores") == []
        assert found(engine, "fleuve en") == [film_id]
        session.delete(film)
        session.commit()
    assert found(engine, "fleuve") == []


def test_search_combines_with_the_other_filters(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    everywhere = found(engine, "the")
    short = found(engine, "the", max_minutes=20)
    assert short and set(short) < set(everywhere)
    with Session(engine) as session:
        runtimes = session.exec(select(Film.runtime_seconds).where(col(Film.id).in_(short)))
        assert all(r is not None and r <= 20 * 60 for r in runtimes)


def test_lines_say_what_the_films_say(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    with Session(engine) as session:
        page = queries.list_film_lines(session, queries.FilmFilter(), per_page=200)
        films = {f.id: f for f in queries.list_films(session, queries.FilmFilter(), 1, 200).films}
        assert [line.id for line in page.films] == list(films)
        for line in page.films:
            assert line == queries.FilmLine.of(films[line.id])
        assert any(line.lacks for line in page.films)
        assert any(line.directors for line in page.films)


def test_a_downgraded_and_upgraded_catalog_is_indexed_again(engine: Engine) -> None:
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    before = found(engine, "christmas")
    assert before
    migrate(engine, command.downgrade, "0002")
    migrate(engine, command.upgrade, "head")
    assert found(engine, "christmas") == before


def test_the_index_is_there_and_used(engine: Engine) -> None:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert "film_search" in inspect(connection).get_table_names()
            plan = connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT film_id, name FROM credit"
                    " WHERE film_id IN (1, 2, 3) AND role = :role ORDER BY film_id, position"
                ),
                {"role": Role.director.value},
            ).all()
            assert "ix_credit_film_role" in " ".join(str(row) for row in plan)
        else:
            indexes = {i["name"] for i in inspect(connection).get_indexes("film")}
            assert "ix_film_search_text_trgm" in indexes
