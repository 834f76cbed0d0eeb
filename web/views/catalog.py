"""Catalog pages: the film list (filterable, htmx partial) and a film's page."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from catalog import queries, sharing, vectors
from catalog.fields import FieldError, parse_language
from catalog.models import Status, UserRole
from web import database, fragments, jobs
from web.auth import current_user, require_role
from web.usecases import curating, judging
from web.views.common import CHOICES, wants_partial
from web.views.film_form import field_label

bp = Blueprint("catalog", __name__, url_prefix="/catalogue")

STATUS_LABELS = {
    "submitted": _l("Soumis"),
    "accepted": _l("Accepté"),
    "declined": _l("Refusé"),
    "archived": _l("Archivé"),
}
ROLE_LABELS = {
    "director": _l("Réalisation"),
    "producer": _l("Production"),
    "writer": _l("Scénario"),
    "cinematographer": _l("Direction photo"),
    "editor": _l("Montage"),
    "composer": _l("Musique"),
    "cast": _l("Distribution"),
}
# What Film.lacks() names, as a curator reads it.
LACK_LABELS = {
    "runtime": _l("durée"),
    "synopsis": _l("synopsis"),
    "year": _l("année"),
    "form": _l("forme"),
    "directors": _l("réalisation"),
    "region": _l("région"),
    "original_languages": _l("langue"),
    "audience": _l("public"),
}


@bp.get("/")
@require_role(UserRole.curator)
def film_list() -> Response:
    args = request.args
    status = args.get("status") or None

    def number(name: str) -> int | None:
        return args.get(name, type=int)

    media = args.get("media")
    filters = queries.FilmFilter(
        region=args.get("region") or None,
        status=Status(status) if status and status in Status.__members__ else None,
        text=(args.get("q") or "").strip() or None,
        incomplete=args.get("incomplete") == "1",
        form=args.get("form") or None,
        genre=(args.get("genre") or "").strip() or None,
        language=_language(args.get("language")),
        audience=args.get("audience") or None,
        min_minutes=number("min"),
        max_minutes=number("max"),
        year_from=number("year_from"),
        year_to=number("year_to"),
        has_media={"1": True, "0": False}.get(media or ""),
    )
    semantic = args.get("mode") == "sens" and bool(filters.text)
    if semantic:
        found = curating.search(database.engine(), _embedder(), filters.text or "", k=30)
        lines = [queries.FilmLine.of(film) for film, _ in found]
        page = queries.FilmPage(lines, len(found), 1, max(len(found), 1))
        films = _films_fragment(page, {film.id or 0: score for film, score in found})
    else:
        # The same arguments (language and catalog version too): the same fragment.
        key = (current_per_page(), tuple(sorted(args.items(multi=True))))

        def render() -> str:
            page = queries.list_film_lines(
                database.session(),
                filters,
                page=args.get("page", 1, type=int),
                per_page=current_per_page(),
            )
            return _films_fragment(page)

        films = fragments.rendered("films", key, render)
    if wants_partial():
        response = make_response(films)
    else:
        page_html = render_template(
            "catalog/film_list.html",
            films=films,
            filters=filters,
            semantic=semantic,
            regions=queries.regions(database.session()),
            statuses=list(Status),
            status_labels=STATUS_LABELS,
            choices=CHOICES,
        )
        response = make_response(page_html)
    response.vary.add("HX-Request")
    return response


def _films_fragment(
    page: queries.FilmPage[queries.FilmLine], scores: dict[int, float] | None = None
) -> str:
    """The list's own part: count, rows and pages; `scores` for a search by meaning."""
    return Markup(
        render_template(
            "catalog/_films.html",
            page=page,
            semantic=scores is not None,
            scores=scores or {},
            # Translated once per page, not once per row.
            lack_labels={key: str(label) for key, label in LACK_LABELS.items()},
        )
    )


def _language(text: str | None) -> str | None:
    """An ISO 639-3 code from whatever the curator typed (fr, français, Innu…)."""
    if not text or not text.strip():
        return None
    try:
        return parse_language(text.strip())
    except FieldError:
        return text.strip()


def _embedder() -> Any:
    return curating.configured_embedder(current_app.config)


def current_per_page() -> int:
    return int(current_app.config["FILMS_PER_PAGE"])


@bp.get("/films/<int:film_id>")
@require_role(UserRole.curator)
def film_detail(film_id: int) -> str:
    film = queries.get_film(database.session(), film_id)
    if film is None:
        abort(404)
    db = database.session()
    asset = sharing.media_of_films(db, [film_id]).get(film_id)
    model_id = vectors.model_id_for(db, curating.TEXT_FACET, current_app.config["EMBEDDING_MODEL"])
    similar = curating.similar_films(database.engine(), film_id, model_id, k=6) if model_id else []
    user = current_user()
    assert user is not None
    return render_template(
        "catalog/film_detail.html",
        film=film,
        judging=judging.panel(db, film_id, user.id or 0),
        asset=asset,
        similar=similar,
        lack_labels=LACK_LABELS,
        role_labels=ROLE_LABELS,
        status_labels=STATUS_LABELS,
    )


@bp.post("/films/<int:film_id>/decision")
@require_role(UserRole.curator)
def decide(film_id: int) -> WerkzeugResponse:
    """Accept or decline a submission, with a message the filmmaker reads on their page."""
    film = queries.get_film(database.session(), film_id)
    if film is None:
        abort(404)
    decision = request.form.get("decision")
    if decision not in (Status.accepted.value, Status.declined.value, Status.archived.value):
        abort(400)
    queries.set_status(database.session(), film, Status(decision), request.form.get("message"))
    database.session().commit()
    if decision == Status.accepted.value:
        # Searchable, with "films like this one", as soon as the job has run.
        curating.queue_embedding(database.engine(), current_app.config, [film_id])
    flash(_("Décision enregistrée."))
    return redirect(url_for("catalog.film_detail", film_id=film_id))


@bp.route("/import", methods=["GET", "POST"])
@require_role(UserRole.curator)
def bulk_import() -> str | WerkzeugResponse:
    """Upload a CSV or JSON Lines file; the import runs as a job whose page shows its report."""
    if request.method == "GET":
        return render_template("catalog/import.html", error=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render_template("catalog/import.html", error=_("Choisissez un fichier.")), 400  # type: ignore[return-value]
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".txt"):
        error = _("Seuls les fichiers CSV et JSON Lines sont acceptés.")
        return render_template("catalog/import.html", error=error), 400  # type: ignore[return-value]
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    # The importer tells CSV from JSON Lines by the suffix; the name is ours, not the user's.
    kept_suffix = ".csv" if suffix in (".csv", ".txt") else ".jsonl"
    path = folder / f"{uuid.uuid4().hex}{kept_suffix}"
    upload.save(path)
    pairs = [line.strip() for line in request.form.get("map", "").splitlines() if line.strip()]
    params = {
        "path": str(path),
        "name": upload.filename,
        "map": pairs,
        "skip_invalid": request.form.get("skip_invalid") == "1",
        "dry_run": request.form.get("dry_run") == "1",
    }
    job_id = jobs.submit(database.engine(), "ingest", params)
    return redirect(url_for("catalog.job_status", job_id=job_id))


@bp.get("/taches/<int:job_id>")
@require_role(UserRole.curator)
def job_status(job_id: int) -> str:
    job = queries.get_job(database.session(), job_id)
    if job is None:
        abort(404)
    template = "catalog/_job.html" if wants_partial() else "catalog/job.html"
    return render_template(template, job=job, field_label=field_label)
