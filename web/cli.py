"""The `anthologie` commands (also under `flask --app web`): thin wrappers over web.usecases."""

from __future__ import annotations

import dataclasses
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
from catalog.models import Audience, UserRole
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
        serve,
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
        share,
        funding_group,
        season,
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
        step = _RowBar("Importing", count_rows(file))
        result = cataloguing.import_catalog(
            database.engine(),
            file,
            column_map,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            progress=step,
        )
        step.finish()
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
    shown = store.relative_to(Path.cwd()) if store.is_relative_to(Path.cwd()) else store
    click.echo(f"Demo accounts (also in {shown}):")
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
    import logging
    import os

    from flask import current_app

    # Its log says what it runs: Huey names each job run as it starts and ends, with its time.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    requeued = jobs.recover(app)
    if requeued:
        click.echo(f"Taking up jobs left waiting or interrupted: {', '.join(map(str, requeued))}")
    # An idle worker looks at the queue at least every 2 s (Huey's default backs off to 10 s),
    # so a job the reaper queues again is taken within seconds.
    consumer = jobs.queue(app).huey.create_consumer(
        workers=workers, worker_type="thread", max_delay=2.0
    )
    # deploy/stack.py waits for this line before it says the worker runs.
    click.echo(f"Worker ready (pid {os.getpid()}, {workers} job(s) at a time)")
    with jobs.reaper(app):
        try:
            consumer.run()
        finally:
            handed = jobs.abandon(app)
            if handed:
                click.echo(f"Handed back unfinished jobs: {', '.join(map(str, handed))}")


def _die_with_parent() -> None:
    """In a child, before exec: on Linux, the kernel sends it SIGTERM when its parent dies
    (even by SIGKILL), so no worker outlives the server that started it."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def start_worker_process() -> Any:
    """`anthologie worker` as a child of this process, in a session of its own: a terminal's
    Ctrl-C reaches the server alone, which then stops the worker in order (see `serve`)."""
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-m", "web", "worker"],
        start_new_session=True,
        # The server has started no thread yet: preexec_fn is safe here.
        preexec_fn=_die_with_parent,
    )


def stop_worker_process(process: Any, grace: float = 30.0) -> None:
    """SIGTERM (the worker kills its ffmpeg and hands its jobs back), then SIGKILL after
    `grace` seconds if it is still there."""
    import subprocess

    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--no-worker", is_flag=True, help="Serve only; run `anthologie worker` yourself.")
@with_appcontext
def serve(host: str, port: int, no_worker: bool) -> None:
    """Serve the app (Flask's own server: one person trying it) with a background worker
    beside it. Ctrl-C, SIGTERM or a closed terminal stops both: the worker goes with the
    server, never left running alone. To serve a team, see the README's "Serving"."""
    import signal
    import socket

    from werkzeug.serving import run_simple

    def stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:  # before any worker starts: a taken port stops here, with the way round it
        socket.create_server((host, port)).close()
    except OSError as error:
        raise click.ClickException(
            f"cannot serve on {host}:{port} ({error.strerror or error}); "
            "another port: `anthologie serve --port 5050` or `make demo PORT=5050`"
        ) from None
    # SIGINT too: a shell may have started this command with Ctrl-C ignored (`cmd &`).
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, stop) for sig in handled}
    process = None
    try:
        process = None if no_worker else start_worker_process()
        shown = f"[{host}]" if ":" in host else host
        alongside = (
            "" if process is None else f"; background jobs run alongside (worker pid {process.pid})"
        )
        click.echo(f"Serving on http://{shown}:{port} (Ctrl-C to stop){alongside}.")
        run_simple(host, port, app, threaded=True)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if process is not None:
            click.echo("Stopping the background worker…", err=True)
            stop_worker_process(process)
            click.echo("Server and worker stopped.", err=True)


@click.command("jobs")
@with_appcontext
def jobs_list() -> None:
    """Show the latest background jobs and how far they got."""
    with Session(database.engine()) as session:
        for job in jobs.recent_jobs(database.engine()):
            progress = f"{job.done}/{job.total}" if job.total else ""
            parts = jobs.parts(session, job.id or 0)
            split = f"{parts.ended} of {parts.total} parts  " if parts.total else ""
            click.echo(
                f"{job.id:>5}  {job.kind:<12} {job.status.value:<8} {progress:>11}  "
                f"{split}{job.message}"
            )


def _embedder() -> Any:
    from flask import current_app

    from web.usecases.curating import configured_embedder

    return configured_embedder(current_app.config)


class _Bar:
    """Progress fed with (done, total) calls, and `detail(text)` for what runs now.

    On a terminal: a bar with the counts ("Analysing  [###---]  3/812  9%  clip.mp4: proxy").
    Elsewhere (a pipe, a log, CI), where a bar cannot redraw: a line at the start, at each
    tenth of the way, whenever the detail changes, at least every LINE_EVERY seconds while
    the count moves, and at the end; never silent for long either way.
    """

    LINE_EVERY = 5.0

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.seen = 0
        self.total = 0
        self.text = ""
        self.last_line: tuple[int, str] | None = None
        self.last_time = 0.0
        self.terminal = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if total <= 0:
            return  # nothing to do: nothing to show
        self.total = total
        if self.terminal:
            if self.bar is None:
                self.bar = click.progressbar(
                    length=max(total, 1),
                    label=self.label,
                    show_pos=True,
                    show_percent=True,
                    # The first items may take minutes and the rest a blink: no ETA.
                    show_eta=False,
                    item_show_func=lambda _: self.text or None,
                    file=sys.stderr,
                )
                self.bar.__enter__()
            self.bar.update(done - self.seen)
        else:
            self._line(done)
        self.seen = done
        if done >= total:
            self.text = ""
            if self.bar is not None:
                self.bar.__exit__(None, None, None)
                self.bar = None

    def detail(self, text: str) -> None:
        self.text = text
        if self.bar is not None:
            self.bar.current_item = text
            self.bar.render_progress()  # update(0, …) would wait for a step to redraw
        elif not self.terminal:
            self._line(self.seen)

    def _line(self, done: int) -> None:
        import time

        now = time.monotonic()
        tenth = (10 * done) // max(self.total, 1)
        last_done, last_text = self.last_line or (-1, "")
        last_tenth = (10 * last_done) // max(self.total, 1) if last_done >= 0 else -1
        moved = done != last_done and now - self.last_time >= self.LINE_EVERY
        if (
            self.last_line is None
            or tenth != last_tenth
            or self.text != last_text
            or moved
            or (done >= self.total and done != last_done)
        ):
            line = f"{self.label}: {done}/{self.total}"
            click.echo(f"{line} — {self.text}" if self.text else line, err=True)
            self.last_line = (done, self.text)
            self.last_time = now


def _bar(label: str) -> _Bar:
    """A progress display fed with (done, total) calls (see _Bar)."""
    return _Bar(label)


class _RowBar:
    """A progress bar over a file's `total` rows, fed with how many rows were just read."""

    def __init__(self, label: str, total: int) -> None:
        self.bar, self.total, self.done = _bar(label), total, 0
        self.bar(0, total)

    def __call__(self, rows: int) -> None:
        self.done += rows
        self.bar(min(self.done, self.total), self.total)

    def finish(self) -> None:
        """Fill the bar when the import reported fewer rows than were counted."""
        if self.done < self.total:
            self.bar(self.total, self.total)


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
    if not as_json:
        click.echo(f"Proposing {facet} bundles for {slot}-minute slots…", err=True)
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


def _share(value: str) -> float:
    """A share given as 0.25, 25 or "25%": always 0..1."""
    text = value.strip().rstrip("%").strip().replace(",", ".")
    try:
        share = float(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} is no share; write 0.25 or 25%") from None
    share = share / 100 if share > 1 or value.strip().endswith("%") else share
    if not 0.0 <= share <= 1.0:
        raise click.BadParameter(f"{value!r} is outside 0–100 %")
    return share


@click.command("season")
@click.option("--slot", type=int, default=22, show_default=True, help="Slot length in minutes.")
@click.option("--window", help="Content window in minutes, e.g. 20-22 (default: the slot's).")
@click.option("--episodes", type=click.IntRange(2, 13), default=8, show_default=True)
@click.option(
    "--concept",
    default="all",
    show_default=True,
    help='A theme in words ("la mer et ceux qui en vivent"), or region:11, form:animation, '
    "audience:jeunesse, cluster:ID-or-name, all.",
)
@click.option(
    "--min-regions",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Distinct Québec regions across the season.",
)
@click.option(
    "--max-region-share", default="100%", show_default=True, help="No Québec region above this."
)
@click.option(
    "--montreal-max-share", default="100%", show_default=True, help="Montréal at most this."
)
@click.option(
    "--theme-films",
    type=click.IntRange(min=0),
    default=0,
    help="A theme's pool: this many films nearest to it (default: episodes × max films, "
    "at least 24).",
)
@click.option("--audience", help="The season's audience (jeunesse, famille, general, adulte).")
@click.option("--language", help="The season's language, ISO 639-3 (fra, eng…).")
@click.option(
    "--form-quota",
    "form_quotas",
    multiple=True,
    metavar="FORM/EVERY",
    help="At least one film of FORM in every EVERY episodes, e.g. animation/2 (repeatable).",
)
@click.option(
    "--directors-may-return",
    is_flag=True,
    help="Let a director sign films in several episodes (one per episode still).",
)
@click.option(
    "--regional-floor",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Each episode's least share of runtime from Québec regions outside Montréal.",
)
@click.option("--max-films", type=int, default=6, show_default=True, help="Films per episode.")
@click.option(
    "--method", type=click.Choice(["auto", "exact", "heuristic"]), default="auto", show_default=True
)
@click.option("--time-limit", type=click.FloatRange(min=0.5), default=8.0, show_default=True)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def season(
    slot: int,
    window: str | None,
    episodes: int,
    concept: str,
    min_regions: int,
    max_region_share: str,
    montreal_max_share: str,
    theme_films: int,
    audience: str | None,
    language: str | None,
    form_quotas: tuple[str, ...],
    directors_may_return: bool,
    regional_floor: float,
    max_films: int,
    method: str,
    time_limit: float,
    lang: str,
    as_json: bool,
) -> None:
    """Plan a season of EPISODES episodes of SLOT minutes, chosen together under the season's
    rules, and print it (nothing is stored). Exits 1 when no season exists, saying which rule
    blocks and by how much."""
    import json as json_module

    from curation import SlotRules
    from curation.season import Concept, FormQuota, SeasonRules
    from web.usecases.curating import embed_catalog
    from web.usecases.season_planning import plan_season

    settings: dict[str, Any] = {}
    if window:
        try:
            low, high = (float(part) for part in window.split("-"))
        except ValueError:
            raise click.BadParameter("write it LOW-HIGH in minutes, e.g. 20-22") from None
        settings["window_seconds"] = (round(low * 60), round(high * 60))
    quotas = []
    for text in form_quotas:
        form, _, every = text.partition("/")
        if not form.strip() or not (every or "2").strip().isdigit():
            raise click.BadParameter(f"{text!r}: write FORM/EVERY, e.g. animation/2")
        quotas.append(FormQuota(form.strip(), int(every or 2)))
    try:
        rules = SeasonRules(
            episode=SlotRules(
                slot_minutes=slot, regional_floor=regional_floor, max_films=max_films, **settings
            ),
            episodes=episodes,
            concept=Concept.parse(concept),
            min_regions=min_regions,
            max_region_share=_share(max_region_share),
            montreal_max_share=_share(montreal_max_share),
            one_film_per_director=not directors_may_return,
            audience=audience,
            language=language,
            form_quotas=tuple(quotas),
            concept_pool=theme_films,
        )
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    embedder = _embedder()
    embed_catalog(database.engine(), embedder, None if as_json else _bar("Embedding"))
    if not as_json:
        click.echo(f"Planning {episodes} × {slot} min ({rules.concept.kind})…", err=True)
    try:
        plan = plan_season(database.engine(), embedder, rules, method=method, time_limit=time_limit)
    except LookupError as error:
        raise click.BadParameter(str(error.args[0]), param_hint="--concept") from None
    data = plan.to_json(lang)
    if as_json:
        click.echo(json_module.dumps(data, ensure_ascii=False, indent=2))
    else:
        _print_season(data)
    if not data["ok"]:
        sys.exit(1)


def _print_season(data: dict[str, Any]) -> None:
    if not data["episodes"]:
        click.echo("No season keeps these rules:")
        for block in data["blocked"]:
            click.echo(f"  {block['rule']}: {block['message']}")
        return
    measured = data["measured"]
    click.echo(
        f"{len(data['episodes'])} episodes ({data['method']}, {data['seconds']:.1f} s); "
        f"{measured['regions_count']} Québec regions of {measured['regions_possible']} possible"
    )
    for episode in data["episodes"]:
        minutes = episode["runtime_seconds"] / 60
        click.echo(f"\n  {episode['number']}. {episode['label']} — {minutes:.1f} min")
        for film in episode["films"]:
            length = (film["runtime_seconds"] or 0) // 60
            click.echo(f"     {film['title'][:50]:<50} {length:>3} min  {film['region']}")
    click.echo("\nSeason rules:")
    for rule in data["season_rules"]:
        mark = "ok" if rule["kept"] else "BROKEN"
        click.echo(f"  {mark:>6}  {rule['rule']}: asked {rule['asked']}, {rule['measured']}")
    for violation in data["violations"]:
        click.echo(f"  {violation['message']}")


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
    from web.usecases.media import analyse_all, distinct_files, pending_assets

    if queue:
        job_id = jobs.submit(
            database.engine(), "analyze", {"film_ids": list(film_ids) or None, "spec": spec}
        )
        click.echo(f"Queued job {job_id}; `anthologie worker` runs it, `anthologie jobs` shows it")
        return
    todo = pending_assets(database.engine(), force, list(film_ids) or None)
    if todo:
        distinct = distinct_files(database.engine(), todo)
        click.echo(
            f"Analysing {len(todo)} media assets: {distinct} distinct "
            f"file{'s' if distinct > 1 else ''} to analyse "
            "(images, proxy, preview, style, QC), the others share their results",
            err=True,
        )
    bar = _bar("Analysing")
    report = analyse_all(
        database.engine(),
        _media_root(),
        spec=spec,
        force=force,
        film_ids=list(film_ids) or None,
        progress=bar,
        detail=bar.detail,
    )
    click.echo(f"{report.assets} media assets analysed")
    for problem in report.failed:
        click.echo(f"  {problem}", err=True)


@click.command("stand-ins")
@click.option("--pool", default=8, show_default=True, help="Generated stand-in clips.")
@click.option("--queue", is_flag=True, help="Hand the work to the background workers.")
@with_appcontext
def stand_ins(pool: int, queue: bool) -> None:
    """Give every film without media a labelled stand-in clip (demo catalogs)."""
    from web.usecases.media import give_stand_ins

    real = [Path(__file__).resolve().parents[1] / "samples" / "media" / "big_buck_bunny_0_30.webm"]
    if queue:
        params = {"pool": pool, "real_clips": [str(p) for p in real]}
        job_id = jobs.submit(database.engine(), "stand-ins", params)
        click.echo(f"Queued job {job_id}: one part per film, taken by any worker")
        return
    count = give_stand_ins(
        database.engine(),
        _media_root(),
        real,
        pool,
        progress=_bar("Giving stand-ins"),
        making=_bar("Making stand-in clips"),
    )
    click.echo(f"{count} films got a stand-in clip")


@click.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--spec", type=click.Choice(["ebu-r128", "atsc-a85"]), default="ebu-r128")
@click.option(
    "--runtime",
    type=click.FloatRange(min=0, min_open=True),
    help="The film's declared runtime in minutes: QC checks the file's duration against it.",
)
@click.option(
    "--subtitles",
    "subtitle_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An SRT or WebVTT file to QC against the film (repeat for several).",
)
@click.option(
    "--audience",
    type=click.Choice([a.value for a in Audience]),
    default="adulte",
    show_default=True,
    help="Whose reading speed the subtitles are checked for (jeunesse: 13 characters/s).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect(
    file: Path,
    spec: str,
    runtime: float | None,
    subtitle_files: tuple[Path, ...],
    audience: str,
    as_json: bool,
) -> None:
    """A file's probe, style profile (with its cuts), QC report and, with --subtitles, each
    subtitle file's QC; the catalog is not touched."""
    import json as json_module

    import media_tools
    from media_tools import subtitles
    from web.display import qc_line

    declared = runtime * 60 if runtime else None
    try:
        info = media_tools.probe(file)
        profile = media_tools.analyse_style(file, info=info)
        report = media_tools.qc_file(
            file, spec, info=info, profile=profile, declared_runtime_s=declared
        )
        silences = subtitles.silence_map(file, info=info) if subtitle_files else None
        rules = subtitles.TimedTextRules.for_audience(audience)
        subtitle_reports = [
            subtitles.qc_subtitles(path, file, rules, info=info, silences=silences)
            for path in subtitle_files
        ]
    except media_tools.MediaError as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        data: dict[str, Any] = {
            "probe": info.to_dict(),
            "style": profile.to_dict(),
            "qc": report.to_dict(),
        }
        data["style"]["descriptors"] = {
            "fr": profile.descriptors("fr"),
            "en": profile.descriptors("en"),
        }
        if subtitle_files:
            data["subtitles"] = [r.to_dict() for r in subtitle_reports]
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
        click.echo(f"  {verdict} {qc_line(dataclasses.asdict(check), 'en')}")
    for subtitle_report in subtitle_reports:
        click.echo(subtitle_report.to_text())


@click.command("reel")
@click.argument("bundle_id", type=int, required=False)
@click.option(
    "--season", "season_id", type=int, help="Queue the reels of every episode of this season."
)
@with_appcontext
def reel(bundle_id: int | None, season_id: int | None) -> None:
    """Build a bundle's sizzle reel (excerpts behind title cards), or queue a season's."""
    from web.usecases.media import build_reel

    if season_id is not None:
        job_id = jobs.submit(database.engine(), "season-reels", {"season_id": season_id})
        click.echo(f"Queued job {job_id}: one reel per episode, taken by any worker")
        return
    if bundle_id is None:
        raise click.UsageError("give a bundle id, or --season")
    try:
        path = build_reel(database.engine(), bundle_id, _media_root())
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Wrote {path}")


_RECIPIENT_PROBLEMS = {
    "no_name": "no name before the address or organisation",
    "unclosed": "'<' without its '>'",
    "bad_email": "not an e-mail address between < and >",
    "bare_email": 'write the name, then the address between < and >: "Name <email>"',
    "too_long": "the name, address or organisation is too long",
    "repeated": "this address is given twice",
}


@click.command("share")
@click.argument("bundle_id", type=int)
@click.option(
    "--to",
    "people",
    multiple=True,
    required=True,
    metavar='"NAME <EMAIL>"',
    help='One recipient ("Name <email>, Organisation"; the address optional). Repeatable.',
)
@click.option("--organisation", default="", help="For recipients who name no organisation.")
@click.option("--language", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--days", type=click.IntRange(1, 365), default=14, show_default=True)
@click.option("--view-cap", type=click.IntRange(1, 100), help="Plays per film (default: no cap).")
@click.option(
    "--starts", type=click.DateTime(["%Y-%m-%d"]), help="First day of the window (YYYY-MM-DD)."
)
@click.option("--by", "by_email", help="E-mail of the curator account sharing (signs the mail).")
@with_appcontext
def share(
    bundle_id: int,
    people: tuple[str, ...],
    organisation: str,
    language: str,
    days: int,
    view_cap: int | None,
    starts: Any,
    by_email: str | None,
) -> None:
    """Share a bundle with named people: print one private link each, and e-mail each an
    invitation when ANTHOLOGIE_MAIL_HOST is set."""
    from dataclasses import replace

    from catalog.models import Bundle
    from web import invitations
    from web.access import share_url
    from web.usecases import playback, recipients

    try:
        named = recipients.parse_recipients("\n".join(" ".join(p.split()) for p in people))
    except recipients.RecipientsInvalid as invalid:
        bad = [f"  --to {e.line!r}: {_RECIPIENT_PROBLEMS[e.problem]}" for e in invalid.errors]
        raise click.ClickException("nothing shared:\n" + "\n".join(bad)) from None
    if not named:
        raise click.ClickException("nothing shared: name at least one recipient with --to")
    named = [replace(p, organisation=p.organisation or organisation) for p in named]
    with Session(database.engine()) as db:
        bundle = db.get(Bundle, bundle_id)
        if bundle is None:
            raise click.ClickException(f"no bundle {bundle_id}")
        curator = users.user_by_email(db, by_email) if by_email else None
        if by_email and (curator is None or curator.role not in (UserRole.curator, UserRole.admin)):
            raise click.ClickException(f"--by {by_email}: no curator account has this address")
        made = recipients.share_with_people(
            db,
            bundle_id,
            named,
            days,
            created_by=curator.id if curator else None,
            language=language,
            starts_on=starts.date() if starts else None,
            view_cap=view_cap,
        )
        db.commit()
        for link in made:
            # Each recipient's watermarked previews, made ahead by the worker.
            playback.queue_watermarks(database.engine(), link.id or 0)
        for link in made:
            who = (
                f"{link.recipient_name} <{link.recipient_email}>"
                if link.recipient_email
                else link.recipient_name
            )
            click.echo(f"{who}: {share_url(link.id or 0)}")
        if not invitations.mail_configured():
            click.echo(
                "No mail server is configured (ANTHOLOGIE_MAIL_HOST): send each link yourself.",
                err=True,
            )
            return
        results = invitations.send_invitations(db, made, bundle, share_url)
        db.commit()
        for link in made:
            error = results[link.id or 0]
            if error is None:
                click.echo(f"Invitation sent to {link.recipient_email}", err=True)
            else:
                click.echo(f"Invitation to {link.recipient_name} not sent: {error}", err=True)


@click.group("funding")
def funding_group() -> None:
    """Telefilm Canada's funding disclosure: where the programme money goes."""


@funding_group.command("import")
@with_appcontext
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def funding_import(file: Path | None) -> None:
    """Import (or replace) the grants of FILE, by default samples/telefilm_funding.csv."""
    from catalog.funding import SAMPLE
    from web.usecases.funding import import_funding

    path = file or SAMPLE
    if not path.exists():
        raise click.ClickException(f"{path}: no such file; name the disclosure to import")
    try:
        step = _RowBar("Importing grants", count_rows(path))
        result = import_funding(database.engine(), path, progress=step)
        step.finish()
    except IngestError as error:
        raise click.ClickException(str(error)) from None
    except RowsRejected as rejected:
        for row_error in rejected.errors:
            click.echo(f"{rejected.source}: {row_error}", err=True)
        raise click.ClickException(str(rejected)) from None
    click.echo(result.summary())
    if result.warnings:
        click.echo(
            f"{len(result.warnings)} grant(s) dated outside their fiscal year, imported as given"
            f" (first: {result.warnings[0]})"
        )
    if result.unplaced:
        click.echo(
            f"{result.unplaced_grants} Québec grant(s) in {len(result.unplaced)} cities "
            "that name no municipality, or several in different regions:"
        )
        for line in result.unplaced_lines():
            click.echo(line)


@funding_group.command("report")
@with_appcontext
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def funding_report(as_json: bool) -> None:
    """Montréal's share of the funding to Québec per year, and the funding by region."""
    import json as json_module

    from web.usecases.funding import funding_summary

    summary = funding_summary(database.engine())
    if as_json:
        click.echo(json_module.dumps(summary.as_json(), ensure_ascii=False, indent=2))
        return
    if not summary.grants:
        raise click.ClickException("no grants imported: run `anthologie funding import` first")

    def dollars(cents: int) -> str:
        return f"{cents / 100:>15,.0f} $"

    total = dollars(summary.total_cents).strip()
    click.echo(f"Telefilm funding: {summary.grants} grants, {total} (Final Value)")
    click.echo(
        f"\n{'year':<9}  {'to Québec':>17}  {'to Montréal':>17}  {'share':>6}"
        f"  {'share, French-language':>24}"
    )
    french = {y.period: y.share for y in summary.by_year_french}
    for year in summary.by_year:
        click.echo(
            f"{year.period}  {dollars(year.quebec_cents)}  {dollars(year.montreal_cents)}"
            f"  {year.share:6.1%}  {french.get(year.period, 0.0):24.1%}"
        )
    quebec = summary.quebec_cents
    share = summary.montreal_cents / quebec if quebec else 0.0
    click.echo(f"all years  {dollars(quebec)}  {dollars(summary.montreal_cents)}  {share:6.1%}")
    click.echo(f"\n{'region':<33} {'grants':>7}  {'funding':>17}  {'films':>6}")
    for region in summary.by_region:
        click.echo(
            f"{region.region_code} {region.region_name[:30]:<30} {region.grants:>7}"
            f"  {dollars(region.cents)}  {region.films:>6}"
        )
    if summary.unplaced:
        grants = sum(u.grants for u in summary.unplaced)
        cents = sum(u.cents for u in summary.unplaced)
        click.echo(f"   {'not placed':<30} {grants:>7}  {dollars(cents)}")
        for city in summary.unplaced:
            click.echo(
                f"     {city.city or '(no city)':<28} {city.grants:>7}  {dollars(city.cents)}"
            )
