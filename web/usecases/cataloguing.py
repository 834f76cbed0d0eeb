"""Use cases shared by the CLI and the views: each opens its own transaction."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from catalog import db, queries
from catalog.export import export_catalog
from catalog.ingest import (
    ColumnMap,
    IngestError,
    IngestReport,
    RowProblem,
    RowsRejected,
    count_rows,
    ingest_file,
)
from web import jobs


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


@jobs.handler("ingest")
def ingest_job(context: jobs.JobContext) -> dict[str, Any]:
    """A browser upload's import, in the background; the result holds the row-level report."""
    params = context.params
    path = Path(params["path"])
    # Reports name the file as the curator sent it, never where the server keeps it.
    name = str(params.get("name") or path.name)

    def named(text: str) -> str:
        return text.replace(str(path), name)

    total = count_rows(path)
    done = 0

    def step(n: int) -> None:
        nonlocal done
        done += n
        if done % 200 == 0 or done == total:
            context.progress(done, total)

    column_map = ColumnMap.from_options(params.get("map", []), params.get("ignore", []))
    try:
        report = import_catalog(
            context.engine,
            path,
            column_map,
            skip_invalid=bool(params.get("skip_invalid")),
            dry_run=bool(params.get("dry_run")),
            progress=step,
        )
    except RowsRejected as rejected:
        return {
            "imported": False,
            "summary": named(str(rejected)),
            "counts": {"rejected": len({e.line for e in rejected.errors}), "nothing": True},
            "errors": _problems(rejected.errors, named),
            "warnings": _problems(rejected.warnings, named),
        }
    except IngestError as error:
        raise IngestError(named(str(error)), error.code, **error.params) from None
    return {
        "imported": True,
        "summary": named(report.summary()),
        # The summary's numbers, for a page to say them in its own language.
        "counts": {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": report.rejected_lines,
            "warnings": len(report.warnings),
            "dry_run": report.dry_run,
        },
        "errors": _problems(report.rejected, named),
        "warnings": _problems(report.warnings, named),
        "embed_job": embed_imported(context.engine, context.app.config, report),
    }


def embed_imported(engine: Engine, config: Mapping[str, Any], report: IngestReport) -> int | None:
    """Queue the embedding of what an import added or changed, so that it is searchable at
    once; the job's id, or None when nothing changed (or EMBED_NEW_FILMS is off)."""
    from web.usecases.curating import queue_embedding

    if report.dry_run or not (report.created or report.updated):
        return None
    return queue_embedding(engine, config)


def _problems(
    problems: Sequence[RowProblem], named: Callable[[str], str] = str
) -> list[dict[str, Any]]:
    return [
        {
            "line": p.line,
            "field": p.field,
            "value": p.value,
            "message": named(p.message),
            "code": p.code,
            "params": dict(p.params),
        }
        for p in problems
    ]
