"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from catalog.db import described_by_models, migrate


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": described_by_models}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    migrate(engine, command.downgrade, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine, command.upgrade, "head")
    assert {"film", "credit", "region", "municipality", "mediaasset", "embedding"} <= set(
        inspect(engine).get_table_names()
    )


def test_reference_regions_are_loaded(engine: Engine) -> None:
    from sqlmodel import Session, select

    from catalog.models import Municipality, Region

    with Session(engine) as session:
        codes = session.exec(select(Region.code).order_by(Region.code)).all()
        assert codes == [f"{i:02d}" for i in range(1, 18)] + ["99"]
        towns = session.exec(select(Municipality)).all()
        assert len(towns) > 1000
        rimouski = [t for t in towns if t.name == "Rimouski"]
        assert rimouski and rimouski[0].region_code == "01"


def test_upgrading_keeps_the_rows_of_earlier_revisions(engine: Engine) -> None:
    from sqlalchemy import text

    migrate(engine, command.downgrade, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO film (id, match_key, original_title, genres, subjects, style_tags,"
                " original_languages, subtitle_languages, countries, festival_selections,"
                " awards, rights_territories, status, created_at, updated_at) VALUES"
                " (1, 'k', 'Aube', '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]', '[]',"
                " 'accepted', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO mediaasset (film_id, path, size_bytes, sha256, probe,"
                " thumbnail_paths, is_stand_in, created_at, updated_at) VALUES"
                " (1, 'a.mp4', 10, 'x', '{}', '[]', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    migrate(engine, command.upgrade, "head")
    with engine.connect() as connection:
        style = connection.execute(text("SELECT style FROM mediaasset")).scalar_one()
        sort_title = connection.execute(text("SELECT sort_title FROM film")).scalar_one()
    assert style in ({}, "{}")
    assert sort_title == "aube"  # filled for films that were there before the column


def test_the_catalog_version_moves_at_commit_and_writers_do_not_wait_for_it(
    engine: Engine,
) -> None:
    """A write raises the catalog version inside its own transaction, so a reader sees the new
    number with the rows it covers, never before. On PostgreSQL the raise waits for the commit
    (0006): two transactions writing different rows no longer wait for each other. Under 0005
    the first write took the version's row lock until commit, so the second writer waited
    while holding its own rows, and edits of one bundle deadlocked."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    rename = text("UPDATE region SET name = name || '.' WHERE code = :code")
    state = text("SELECT version, (SELECT name FROM region WHERE code = '01') FROM catalogversion")
    postgres = engine.dialect.name == "postgresql"

    def two_writers(lock_timeout: str) -> None:
        with engine.connect() as reader, engine.connect() as first:
            before = tuple(reader.execute(state).one())
            reader.commit()
            first.execute(rename, {"code": "01"})
            assert tuple(reader.execute(state).one()) == before  # nothing seen before commit
            reader.commit()
            raised = 1
            if postgres:
                with engine.connect() as second:
                    second.execute(text(f"SET LOCAL lock_timeout = '{lock_timeout}'"))
                    second.execute(rename, {"code": "02"})
                    second.commit()
                    raised = 2
            first.commit()
            version, name = reader.execute(state).one()
            assert (version, name) == (before[0] + raised, f"{before[1]}.")

    migrate(engine, command.downgrade, "0005")
    if postgres:
        with pytest.raises(OperationalError, match="lock timeout"):
            two_writers("1s")
    migrate(engine, command.upgrade, "head")
    two_writers("10s")
