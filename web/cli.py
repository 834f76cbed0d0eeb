"""The `anthologie` commands (also under `flask --app web`): thin wrappers over web.usecases."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlmodel import Session

from catalog import queries, users
from catalog.export import FORMATS
from catalog.ingest import (
    ColumnMap,
    IngestError,
    RowsRejected,
    RowWarning,
    count_rows,
    write_atomically,
    write_rejects,
)
from catalog.models import UserRole
from web import database, jobs
from web.auth import hash_password
from web.usecases import cataloguing


def init_app(app: Flask) -> None:
    for command in (
        init_db,
        ingest,
        export,
        films,
        demo_accounts,
        create_user,
        worker,
        jobs_list,
        embed,
        propose,
        search,
        similar,
        analyze,
        attach,
        stand_ins,
        inspect,
        reel,
    ):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or migrate the database and load the reference regions and municipalities."""
    added = cataloguing.init_database(database.engine())
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
        total = count_rows(file)
        with click.progressbar(length=total, label="Importing", file=sys.stderr) as bar:
            result = cataloguing.import_catalog(
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
        _echo_warnings(rejected.source, rejected.warnings)
        raise click.ClickException(str(rejected)) from None
    click.echo(result.summary())
    _echo_warnings(result.source, result.warnings)
    embed_job = cataloguing.embed_imported(database.engine(), current_app.config, result)
    if embed_job is not None:
        click.echo(
            f"Queued job {embed_job} to embed the new and changed films "
            "(`anthologie worker` runs it; `anthologie embed` does it here and now)"
        )
    if result.rejected:
        target = report or Path(f"{file.stem}.rejected.csv")
        if not dry_run:
            write_rejects(target, result.rejected)
        for row_error in result.rejected:
            click.echo(f"{result.source}: {row_error}", err=True)
        if not dry_run:
            click.echo(f"Rejected rows reported in {target}")


def _echo_warnings(source: str, warnings: list[RowWarning]) -> None:
    for warning in warnings:
        click.echo(f"warning: {source}: {warning}", err=True)


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
    text = cataloguing.export(database.engine(), fmt, output)
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

    Jobs a crash or restart interrupted are queued again first; while it runs, the worker
    queues again every few seconds the jobs whose lease ran out (their worker died, here or
    on another machine). Stopped (SIGTERM, Ctrl-C), it kills its ffmpeg and hands its jobs
    back to the queue.
    """
    from flask import current_app

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    requeued = jobs.recover(app)
    if requeued:
        click.echo(f"Resuming interrupted jobs: {', '.join(map(str, requeued))}")
    # An idle worker looks at the queue at least every 2 s (Huey's default backs off to 10 s),
    # so a job the reaper queues again is taken within seconds.
    consumer = jobs.queue(app).huey.create_consumer(
        workers=workers, worker_type="thread", max_delay=2.0
    )
    with jobs.reaper(app):
        try:
            consumer.run()
        finally:
            handed = jobs.abandon(app)
            if handed:
                click.echo(f"Handed back unfinished jobs: {', '.join(map(str, handed))}")


@click.command("jobs")
@with_appcontext
def jobs_list() -> None:
    """Show the latest background jobs and how far they got."""
    for job in jobs.recent_jobs(database.engine()):
        progress = f"{job.done}/{job.total}" if job.total else ""
        click.echo(
            f"{job.id:>5}  {job.kind:<10} {job.status.value:<8} {progress:>11}  {job.message}"
        )


def _embedder() -> Any:
    from flask import current_app

    from web.usecases.curating import configured_embedder

    return configured_embedder(current_app.config)


def _bar(label: str) -> Any:
    """A click progress bar fed with (done, total) calls."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            state["bar"].__enter__()
            state["seen"] = 0
        state["bar"].update(done - state["seen"])
        state["seen"] = done
        if done >= total:
            state.pop("bar").__exit__(None, None, None)

    return update


@click.command("embed")
@click.option(
    "--queue", is_flag=True, help="Hand the work to the background workers, in chunk jobs."
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    help="Threads of the default model for this run (default: ANTHOLOGIE_EMBEDDING_THREADS); "
    "2 on an otherwise idle 2-core machine nearly halves the time.",
)
@with_appcontext
def embed(queue: bool, threads: int | None) -> None:
    """Embed the films whose text is new or changed (the model: ANTHOLOGIE_EMBEDDING_MODEL)."""
    from web.usecases.curating import configured_embedder, embed_catalog

    if queue:
        model = current_app.config["EMBEDDING_MODEL"]
        job_id = jobs.submit(database.engine(), "embed", {"model": model})
        click.echo(f"Queued job {job_id}; `anthologie worker` runs it, `anthologie jobs` shows it")
        return
    config = {**current_app.config, "EMBEDDING_THREADS": threads} if threads else current_app.config
    report = embed_catalog(database.engine(), configured_embedder(config), _bar("Embedding"))
    click.echo(
        f"{report.films} films, {report.embedded} embedded, {report.unchanged} unchanged "
        f"({report.model_id})"
    )


@click.command("propose")
@click.option(
    "--facet",
    type=click.Choice(["subject", "style", "region", "mixed"]),
    default="subject",
    show_default=True,
)
@click.option("--slot", type=int, default=44, show_default=True, help="Slot length in minutes.")
@click.option("--count", type=int, help="At most this many bundles.")
@click.option(
    "--regional-floor",
    type=float,
    default=0.5,
    show_default=True,
    help="Least share of the runtime from Québec regions outside Montréal.",
)
@click.option(
    "--outside-quebec-counts",
    is_flag=True,
    help="Count films from outside Québec toward the regional floor too (off by default).",
)
@click.option(
    "--min-regions",
    type=int,
    default=1,
    show_default=True,
    help="Distinct regions a bundle draws from.",
)
@click.option("--max-films", type=int, default=6, show_default=True)
@click.option(
    "--interstitial", type=int, default=0, show_default=True, help="Seconds per film between films."
)
@click.option("--window", help="Content window in minutes, e.g. 41-44 (default: the slot's).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def propose(
    facet: str,
    slot: int,
    count: int | None,
    regional_floor: float,
    outside_quebec_counts: bool,
    min_regions: int,
    max_films: int,
    interstitial: int,
    window: str | None,
    as_json: bool,
) -> None:
    """Propose anthology bundles that fill SLOT-minute slots, and store them for curators."""
    import json as json_module

    from curation import SlotRules
    from web.usecases.curating import embed_catalog
    from web.usecases.curating import propose as run_propose

    settings: dict[str, Any] = {}
    if window:
        try:
            low, high = (float(part) for part in window.split("-"))
        except ValueError:
            raise click.BadParameter("write it LOW-HIGH in minutes, e.g. 41-44") from None
        settings["window_seconds"] = (round(low * 60), round(high * 60))
    try:
        rules = SlotRules(
            slot_minutes=slot,
            regional_floor=regional_floor,
            outside_quebec_counts=outside_quebec_counts,
            min_regions=min_regions,
            max_films=max_films,
            interstitial_seconds=interstitial,
            **settings,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    embedder = _embedder()
    if facet != "style":
        embed_catalog(database.engine(), embedder, None if as_json else _bar("Embedding"))
    result = run_propose(database.engine(), embedder.model_id, facet, rules, count)
    if as_json:
        click.echo(json_module.dumps(result.to_json(), ensure_ascii=False, indent=2))
        return
    low, high = rules.window
    window_text = f"{low // 60}:{low % 60:02d}–{high // 60}:{high % 60:02d}"
    click.echo(
        f"Proposal {result.proposal_id}: {len(result.proposal.bundles)} bundles for a "
        f"{slot}-minute slot ({window_text} of content); regional shares count "
        f"{rules.regional_scope('en')}"
    )
    by_id = {f.id: f for f in result.films}
    for bundle in result.proposal.bundles:
        minutes = bundle.runtime_seconds / 60
        share = bundle.scores.get("regional_share", 0)
        film_share = bundle.scores.get("regional_film_share", 0)
        click.echo(
            f"\n  {bundle.label} — {minutes:.1f} min; regional: {share:.0%} of the runtime, "
            f"{film_share:.0%} of the films"
        )
        for item in bundle.items:
            film = by_id[item.film_id]
            length = (film.runtime_seconds or 0) // 60
            click.echo(f"    {film.title[:50]:<50} {length:>3} min  {film.region_code or '--'}")
    click.echo(f"\n{len(result.proposal.unplaced)} eligible films not placed")
    for rule, blocked in result.proposal.blocked_by.items():
        click.echo(f"  {rule}: {blocked.films} films")


def _print_films(found: list[tuple[Any, float]], as_json: bool) -> None:
    if as_json:
        import json as json_module

        rows = [
            {"id": film.id, "title": film.display_title, "score": round(score, 6)}
            for film, score in found
        ]
        click.echo(json_module.dumps(rows, ensure_ascii=False, indent=2))
        return
    for film, score in found:
        click.echo(f"{score:.3f}  {film.id:>6}  {film.display_title}")


@click.command("search")
@click.argument("text")
@click.option("-k", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {id, title, score}.")
@with_appcontext
def search(text: str, k: int, as_json: bool) -> None:
    """Films closest in meaning to TEXT (semantic search, French or English)."""
    from web.usecases.curating import search as run_search

    _print_films(run_search(database.engine(), _embedder(), text, k), as_json)


@click.command("similar")
@click.argument("film_id", type=int)
@click.option("-k", default=8, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {id, title, score}.")
@with_appcontext
def similar(film_id: int, k: int, as_json: bool) -> None:
    """Films like FILM_ID (nearest neighbours of its stored vector)."""
    from web.usecases.curating import similar_films

    with Session(database.engine()) as session:
        if queries.get_film(session, film_id) is None:
            raise click.ClickException(f"no film {film_id}")
    found = similar_films(database.engine(), film_id, _embedder().model_id, k)
    if not found and not as_json:
        click.echo(f"Film {film_id} has no vector yet: `anthologie embed` gives it one", err=True)
    _print_films(found, as_json)


def _media_root() -> Path:
    from flask import current_app

    return Path(current_app.config["MEDIA_ROOT"])


@click.command("attach")
@click.argument("film_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def attach(film_id: int, file: Path) -> None:
    """File FILE (probed first) as the media of film FILM_ID; `analyze` then derives the rest."""
    import media_tools
    from web.usecases.media import attach as run_attach

    with Session(database.engine()) as session:
        if queries.get_film(session, film_id) is None:
            raise click.ClickException(f"no film {film_id}")
    try:
        asset_id = run_attach(database.engine(), film_id, file, _media_root())
    except media_tools.MediaError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Attached {file} to film {film_id} (asset {asset_id})")


@click.command("analyze")
@click.option("--film", "film_ids", type=int, multiple=True, help="Only these films.")
@click.option("--force", is_flag=True, help="Analyse again what was already analysed.")
@click.option("--spec", type=click.Choice(["ebu-r128", "atsc-a85"]), default="ebu-r128")
@click.option("--queue", is_flag=True, help="Hand the work to the background worker.")
@with_appcontext
def analyze(film_ids: tuple[int, ...], force: bool, spec: str, queue: bool) -> None:
    """Probe, images, proxy, preview, style profile and QC for every media file not done yet."""
    from web.usecases.media import analyse_all

    if queue:
        job_id = jobs.submit(
            database.engine(), "analyze", {"film_ids": list(film_ids) or None, "spec": spec}
        )
        click.echo(f"Queued job {job_id}; `anthologie worker` runs it, `anthologie jobs` shows it")
        return
    report = analyse_all(
        database.engine(),
        _media_root(),
        spec=spec,
        force=force,
        film_ids=list(film_ids) or None,
        progress=_bar("Analysing"),
    )
    click.echo(f"{report.assets} media files analysed")
    for problem in report.failed:
        click.echo(f"  {problem}", err=True)


@click.command("stand-ins")
@click.option("--pool", default=8, show_default=True, help="Generated stand-in clips.")
@with_appcontext
def stand_ins(pool: int) -> None:
    """Give every film without media a labelled stand-in clip (demo catalogs)."""
    from web.usecases.media import give_stand_ins

    real = [Path(__file__).resolve().parents[1] / "samples" / "media" / "big_buck_bunny_0_30.webm"]
    count = give_stand_ins(database.engine(), _media_root(), real, pool, _bar("Stand-ins"))
    click.echo(f"{count} films got a stand-in clip")


@click.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--spec", type=click.Choice(["ebu-r128", "atsc-a85"]), default="ebu-r128")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect(file: Path, spec: str, as_json: bool) -> None:
    """A file's probe, style profile (with its cuts) and QC report; the catalog is not touched."""
    import json as json_module

    import media_tools

    try:
        info = media_tools.probe(file)
        profile = media_tools.analyse_style(file, info=info)
        report = media_tools.qc_file(file, spec, info=info, profile=profile)
    except media_tools.MediaError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        data = {"probe": info.to_dict(), "style": profile.to_dict(), "qc": report.to_dict()}
        data["style"]["descriptors"] = {
            "fr": profile.descriptors("fr"),
            "en": profile.descriptors("en"),
        }
        click.echo(json_module.dumps(data, ensure_ascii=False, indent=2))
        return
    video = info.video
    click.echo(f"{file}: {info.container}, {info.duration_s or 0:.2f} s, {info.size_bytes:,} bytes")
    if video is not None:
        click.echo(f"  video: {video.codec} {video.width}x{video.height} @ {video.frame_rate} fps")
    for audio in info.audio:
        click.echo(f"  audio: {audio.codec}, {audio.channels} ch, {audio.sample_rate} Hz")
    click.echo(f"  cuts at: {', '.join(f'{t:.2f}' for t in profile.cut_times_s) or 'none'}")
    click.echo(
        f"  shots: {profile.shot_count}, average {profile.average_shot_length_s:.1f} s, "
        f"{profile.cuts_per_minute:.1f} cuts/min"
    )
    click.echo(f"  style: {', '.join(profile.descriptors('en'))}")
    click.echo(f"QC {report.spec}: {'PASS' if report.passed else 'FAIL'}")
    for check in report.checks:
        verdict = {True: "ok  ", False: "FAIL", None: "info"}[check.passed]
        measured = f"{check.measured} {check.unit}".strip()
        click.echo(f"  {verdict} {check.name}: {measured} (expected {check.expected})")


@click.command("reel")
@click.argument("bundle_id", type=int)
@with_appcontext
def reel(bundle_id: int) -> None:
    """Build a bundle's sizzle reel (excerpts behind title cards)."""
    from web.usecases.media import build_reel

    try:
        path = build_reel(database.engine(), bundle_id, _media_root())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {path}")
