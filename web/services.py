"""Use cases shared by the CLI and the views: each opens its own transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import db, queries
from catalog.export import export_catalog
from catalog.ingest import ColumnMap, IngestReport, ingest_file


def init_database(engine: Engine) -> int:
    """Migrate the schema to the newest revision and add the reference regions and towns."""
    db.upgrade(engine)
    with db.session_scope(engine) as session:
        return queries.load_reference(session)


def import_catalog(
    engine: Engine,
    path: Path,
    column_map: ColumnMap | None = None,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Import a CSV or JSON Lines file in one transaction: all of it, or nothing."""
    with db.session_scope(engine) as session:
        return ingest_file(
            session,
            path,
            column_map,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            progress=progress,
        )


def export(engine: Engine, fmt: str, path: Path | None) -> str:
    with Session(engine) as session:
        return export_catalog(session, fmt, path)
