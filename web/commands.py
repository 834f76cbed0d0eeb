"""The `anthologie` commands (also under `flask --app web`): thin wrappers over web.services."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from catalog import queries
from catalog.export import FORMATS
from catalog.ingest import ColumnMap, IngestError, RowsRejected, read_rows, write_rejects
from web import database, services


def init_app(app: Flask) -> None:
    for command in (init_db, ingest, export, films):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database and load the reference regions and municipalities."""
    added = services.init_database(database.engine())
    url = database.engine().url.render_as_string(hide_password=True)
    click.echo(f"Database ready: {url} ({added} reference rows added)")


@click.command("ingest")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map", "pairs", multiple=True, metavar="FIELD=COLUMN", help="Feed FIELD from COLUMN."
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='A TOML file of FIELD = "Column" lines (and ignore = [...]).',
)
@click.option("--ignore", multiple=True, metavar="COLUMN", help="Drop this column of the file.")
@click.option("--dry-run", is_flag=True, help="Check and count, write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the others.")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where --skip-invalid writes the rejected rows (default: FILE.rejected.csv here).",
)
def ingest(
    file: Path,
    pairs: tuple[str, ...],
    mapping_file: Path | None,
    ignore: tuple[str, ...],
    dry_run: bool,
    skip_invalid: bool,
    report: Path | None,
) -> None:
    """Import films from a CSV or JSON Lines FILE (see docs/import-format.md)."""
    try:
        column_map = ColumnMap.from_options(pairs, ignore, mapping_file)
        _, rows = read_rows(file)
        total = sum(1 for _ in rows)
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            result = services.import_catalog(
                database.engine(),
                file,
                column_map,
                skip_invalid=skip_invalid,
                dry_run=dry_run,
                progress=bar.update,
            )
    except IngestError as error:
        raise click.ClickException(str(error)) from None
    except RowsRejected as rejected:
        for row_error in rejected.errors:
            click.echo(f"{rejected.source}: {row_error}", err=True)
        raise click.ClickException(str(rejected)) from None
    click.echo(result.summary())
    if result.rejected:
        target = report or Path(f"{file.stem}.rejected.csv")
        if not dry_run:
            write_rejects(target, result.rejected)
        for row_error in result.rejected:
            click.echo(f"{result.source}: {row_error}", err=True)
        if not dry_run:
            click.echo(f"Rejected rows reported in {target}")


@click.command("export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (atomically); standard output when absent.",
)
def export(fmt: str, output: Path | None) -> None:
    """Write the whole catalog as CSV, JSON Lines (both re-importable) or PBCore XML."""
    text = services.export(database.engine(), fmt, output)
    if output is None:
        click.echo(text, nl=False)
    else:
        click.echo(f"Wrote {output}", err=True)


@click.command("films")
@with_appcontext
@click.option("--incomplete", is_flag=True, help="Only films lacking runtime or synopsis.")
@click.option("--region", help="Only films of this region code.")
def films(incomplete: bool, region: str | None) -> None:
    """List the catalog, with what each record lacks."""
    filters = queries.FilmFilter(region=region, incomplete=incomplete)
    with Session(database.engine()) as session:
        page = queries.list_films(session, filters, per_page=10**9)
        for film in page.films:
            lacks = ", ".join(film.lacks())
            click.echo(
                f"{film.id:>6}  {film.region_code or '--'}  {film.original_title[:50]:<50}"
                f"  {('lacks: ' + lacks) if lacks else 'complete'}"
            )
        click.echo(f"{page.total} films")
