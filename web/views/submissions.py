"""Filmmakers' area: submit a film with one bilingual form, follow what became of it."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

import media_tools
from catalog import queries
from catalog.fields import BY_NAME, COLUMNS, format_cell
from catalog.ingest import validate
from catalog.models import Film, Status, UserRole, utcnow
from catalog.records import apply_to_film, film_to_record, match_key
from web import database, jobs
from web.auth import current_user, require_role
from web.usecases import media
from web.views.common import CHOICES

bp = Blueprint("submissions", __name__, url_prefix="/soumissions")

# The form's sections, in the order a filmmaker fills them; every catalog column but the
# curator's own (external_id, status).
SECTIONS: list[tuple[Any, list[str]]] = [
    (_l("Titres"), ["original_title", "title_fr", "title_en", "year", "runtime", "form"]),
    (
        _l("Synopsis"),
        ["synopsis_fr", "synopsis_en", "synopsis_long_fr", "synopsis_long_en", "logline"],
    ),
    (_l("Classement"), ["genres", "subjects", "style_tags"]),
    (_l("Origine"), ["region", "municipality", "countries", "production_company"]),
    (
        _l("Langues et public"),
        [
            "original_languages",
            "subtitle_languages",
            "closed_captions",
            "described_video",
            "audience",
            "audience_age_min",
            "audience_age_max",
        ],
    ),
    (
        _l("Générique"),
        ["directors", "producers", "writers", "cinematographers", "editors", "composers", "cast"],
    ),
    (_l("Festivals et prix"), ["festival_selections", "awards"]),
    (
        _l("Droits"),
        [
            "rights_territories",
            "rights_window_start",
            "rights_window_end",
            "rights_exclusive",
            "rights_notes",
        ],
    ),
    (_l("Contact"), ["contact_name", "contact_email"]),
]
FORM_FIELDS = [name for _, names in SECTIONS for name in names]
assert set(FORM_FIELDS) == {c.name for c in COLUMNS} - {"external_id", "status"}

LABELS: dict[str, Any] = {
    "original_title": _l("Titre original"),
    "title_fr": _l("Titre français"),
    "title_en": _l("Titre anglais"),
    "year": _l("Année"),
    "runtime": _l("Durée (ex. 12 min, 00:12:30)"),
    "form": _l("Forme"),
    "synopsis_fr": _l("Synopsis court (français)"),
    "synopsis_en": _l("Synopsis court (anglais)"),
    "synopsis_long_fr": _l("Synopsis long (français)"),
    "synopsis_long_en": _l("Synopsis long (anglais)"),
    "logline": _l("Phrase d'accroche"),
    "genres": _l("Genres"),
    "subjects": _l("Sujets"),
    "style_tags": _l("Étiquettes de style"),
    "region": _l("Région administrative"),
    "municipality": _l("Municipalité"),
    "countries": _l("Pays de production"),
    "production_company": _l("Maison de production"),
    "original_languages": _l("Langues originales"),
    "subtitle_languages": _l("Sous-titres disponibles"),
    "closed_captions": _l("Sous-titres codés"),
    "described_video": _l("Vidéodescription"),
    "audience": _l("Public"),
    "audience_age_min": _l("Âge minimum"),
    "audience_age_max": _l("Âge maximum"),
    "directors": _l("Réalisation"),
    "producers": _l("Production"),
    "writers": _l("Scénario"),
    "cinematographers": _l("Direction photo"),
    "editors": _l("Montage"),
    "composers": _l("Musique"),
    "cast": _l("Distribution"),
    "festival_selections": _l("Sélections en festival"),
    "awards": _l("Prix"),
    "rights_territories": _l("Territoires"),
    "rights_window_start": _l("Début de la fenêtre de droits (AAAA-MM-JJ)"),
    "rights_window_end": _l("Fin de la fenêtre de droits (AAAA-MM-JJ)"),
    "rights_exclusive": _l("Exclusivité"),
    "rights_notes": _l("Notes sur les droits"),
    "contact_name": _l("Personne-ressource"),
    "contact_email": _l("Courriel"),
}
LONG_TEXT = {"synopsis_fr", "synopsis_en", "synopsis_long_fr", "synopsis_long_en", "rights_notes"}


def _own_film(film_id: int) -> Film:
    """The film, if the logged-in filmmaker submitted it; 404 otherwise (no hint it exists)."""
    film = queries.get_film(database.session(), film_id)
    user = current_user()
    assert user is not None
    if film is None or (user.role != UserRole.admin and film.owner_id != user.id):
        abort(404)
    return film


def _render_form(values: dict[str, str], errors: dict[str, str], film: Film | None) -> str:
    return render_template(
        "submissions/form.html",
        sections=SECTIONS,
        labels=LABELS,
        choices=CHOICES,
        long_text=LONG_TEXT,
        regions=queries.regions(database.session()),
        values=values,
        errors=errors,
        film=film,
        multi={c.name for c in COLUMNS if c.multi},
    )


def _read_form() -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    values = {name: request.form.get(name, "").strip() for name in FORM_FIELDS}
    record, problems = validate(0, {k: (v or None) for k, v in values.items()})
    errors = {p.field: p.message for p in problems}
    screener = request.form.get("screener_url", "").strip()
    values["screener_url"] = screener
    if screener and not re.match(r"^https?://[^\s/]+\.[^\s]+$", screener):
        errors["screener_url"] = _("Un lien commence par https:// ou http://.")
    return record, values, errors


class Upload:
    """The film file sent with the form, kept in a temporary file until it is filed."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _receive_upload(errors: dict[str, str]) -> Upload | None:
    """Save and probe the uploaded file: its type is what ffmpeg reads, not its name."""
    sent = request.files.get("media")
    if sent is None or not sent.filename:
        return None
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(sent.filename).suffix.lower()[:8]
    fd, name = tempfile.mkstemp(
        dir=folder, prefix=".upload-", suffix=suffix if suffix.isascii() else ""
    )
    os.close(fd)
    upload = Upload(Path(name), sent.filename)
    sent.save(upload.path)
    limit = int(current_app.config["UPLOAD_MAX_BYTES"])
    if upload.path.stat().st_size > limit:
        errors["media"] = _("Le fichier dépasse la limite de %(n)s Mo.", n=limit // 2**20)
    else:
        try:
            info = media_tools.probe(upload.path)
            if not info.has_video:
                errors["media"] = _("Ce fichier n'a pas d'image : envoyez le film lui-même.")
        except media_tools.MediaError as error:
            errors["media"] = _("Ce fichier n'est pas une vidéo lisible (%(e)s).", e=error.problem)
    if "media" in errors:
        upload.discard()
        return None
    return upload


def _file_upload(film: Film, upload: Upload | None) -> None:
    if upload is None or film.id is None:
        return
    try:
        media.attach(
            database.engine(), film.id, upload.path, Path(current_app.config["MEDIA_ROOT"])
        )
    finally:
        upload.discard()
    jobs.submit(database.engine(), "analyze", {"film_ids": [film.id], "name": upload.name})


@bp.get("/")
@require_role(UserRole.filmmaker)
def mine() -> str:
    user = current_user()
    assert user is not None
    films = queries.films_of_owner(database.session(), user.id or 0)
    return render_template("submissions/mine.html", films=films)


@bp.route("/nouvelle", methods=["GET", "POST"])
@require_role(UserRole.filmmaker)
def new() -> str | Response:
    if request.method == "GET":
        return _render_form({}, {}, None)
    record, values, errors = _read_form()
    upload = _receive_upload(errors)
    if errors:
        if upload is not None:
            upload.discard()
        return _render_form(values, errors, None)
    user = current_user()
    assert user is not None
    session = database.session()
    film = Film(original_title="", match_key=match_key(record), status=Status.submitted)
    apply_to_film(film, record)
    film.owner_id = user.id
    film.screener_url = values["screener_url"] or None
    session.add(film)
    session.commit()
    _file_upload(film, upload)
    flash(_("Merci! Votre film est soumis; l'équipe de programmation vous répondra ici."))
    return redirect(url_for("submissions.detail", film_id=film.id))


@bp.get("/<int:film_id>")
@require_role(UserRole.filmmaker)
def detail(film_id: int) -> str:
    return render_template("submissions/detail.html", film=_own_film(film_id))


@bp.route("/<int:film_id>/modifier", methods=["GET", "POST"])
@require_role(UserRole.filmmaker)
def edit(film_id: int) -> str | Response:
    film = _own_film(film_id)
    if film.status != Status.submitted:
        flash(_("Ce film a déjà été traité : écrivez à l'équipe pour le modifier."))
        return redirect(url_for("submissions.detail", film_id=film.id))
    if request.method == "GET":
        record = film_to_record(film)
        values = {name: format_cell(BY_NAME[name], record[name]) for name in FORM_FIELDS}
        values["screener_url"] = film.screener_url or ""
        return _render_form(values, {}, film)
    record, values, errors = _read_form()
    upload = _receive_upload(errors)
    if errors:
        if upload is not None:
            upload.discard()
        return _render_form(values, errors, film)
    apply_to_film(film, record)
    film.screener_url = values["screener_url"] or None
    film.updated_at = utcnow()
    film.source_hash = None  # an import of the old row must not count as unchanged
    database.session().commit()
    _file_upload(film, upload)
    flash(_("Modifications enregistrées."))
    return redirect(url_for("submissions.detail", film_id=film.id))


@bp.post("/suggestions")
@require_role(UserRole.filmmaker)
def suggestions() -> str:
    """Subjects, genres and style tags of the catalog's films closest to this synopsis."""
    from web.usecases import curating

    text = " ".join(
        request.form.get(name, "") for name in ("original_title", "synopsis_fr", "synopsis_en")
    ).strip()
    found: dict[str, list[str]] = {}
    if text:
        embedder = curating.configured_embedder(current_app.config)
        found = curating.suggest_tags(database.engine(), embedder, text)
    return render_template("submissions/_suggestions.html", found=found, labels=LABELS)
