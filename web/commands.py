"""The `anthologie` commands (also under `flask --app web`): thin wrappers over web.services."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlmodel import Session

from catalog import queries, users
from catalog.export import FORMATS
from catalog.ingest import (
    ColumnMap,
    IngestError,
    RowsRejected,
    read_rows,
    write_atomically,
    write_rejects,
)
from catalog.models import UserRole
from web import database, jobs, services
from web.auth import hash_password


def init_app(app: Flask) -> None:
    for command in (init_db, ingest, export, films, demo_accounts, create_user, worker, jobs_list):
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


DEMO_ACCOUNTS = (
    ("cineaste@demo.anthologie", "Cinéaste démo", UserRole.filmmaker, "Productions du Fleuve"),
    ("programmation@demo.anthologie", "Programmatrice démo", UserRole.curator, "Anthologie"),
    ("diffuseur@demo.anthologie", "Diffuseur démo", UserRole.broadcaster, "Télé régionale"),
    ("admin@demo.anthologie", "Admin démo", UserRole.admin, "Anthologie"),
)


@click.command("demo-accounts")
@with_appcontext
def demo_accounts() -> None:
    """Create one demo account per role (once) and print their credentials."""
    from flask import current_app

    store = Path(current_app.instance_path) / "demo-accounts.txt"
    known = (
        dict(line.split(" ", 1) for line in store.read_text().splitlines() if " " in line)
        if store.exists()
        else {}
    )
    with Session(database.engine()) as session:
        for email, name, role, organisation in DEMO_ACCOUNTS:
            user = users.user_by_email(session, email)
            if user is not None and email in known:
                continue
            # A new account, or one whose password was lost with the file: set a fresh one.
            known[email] = known.get(email) or secrets.token_urlsafe(9)
            password_hash = hash_password(known[email])
            if user is None:
                users.add_user(session, email, name, password_hash, role, organisation)
            else:
                user.password_hash = password_hash
        session.commit()
    write_atomically(store, "".join(f"{e} {p}\n" for e, p in known.items()))
    store.chmod(0o600)
    click.echo("Demo accounts (also in instance/demo-accounts.txt):")
    for email, _name, role, _org in DEMO_ACCOUNTS:
        click.echo(f"  {role.value:<12} {email:<32} password: {known[email]}")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Name shown in the app.")
@click.option("--role", type=click.Choice([r.value for r in UserRole]), required=True)
@click.option("--organisation", default="")
@click.password_option()
@with_appcontext
def create_user(email: str, name: str, role: str, organisation: str, password: str) -> None:
    """Create an account."""
    with Session(database.engine()) as session:
        if users.user_by_email(session, email) is not None:
            raise click.ClickException(f"{email} already has an account")
        users.add_user(session, email, name, hash_password(password), UserRole(role), organisation)
        session.commit()
    click.echo(f"Created {role} account {email}")


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at the same time.")
@with_appcontext
def worker(workers: int) -> None:
    """Run background jobs (analysis, embedding, proposals, imports) until stopped.

    Jobs a crash or restart interrupted are queued again first.
    """
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    requeued = jobs.recover(app)
    if requeued:
        click.echo(f"Resuming interrupted jobs: {', '.join(map(str, requeued))}")
    consumer = jobs.queue(app).huey.create_consumer(workers=workers, worker_type="thread")
    consumer.run()


@click.command("jobs")
@with_appcontext
def jobs_list() -> None:
    """Show the latest background jobs and how far they got."""
    for job in jobs.recent_jobs(database.engine()):
        progress = f"{job.done}/{job.total}" if job.total else ""
        click.echo(
            f"{job.id:>5}  {job.kind:<10} {job.status.value:<8} {progress:>11}  {job.message}"
        )
