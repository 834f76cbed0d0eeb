"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from catalog.db import alembic_config


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_downgrade_to_base_and_back(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
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
