"""Filmmakers' area: submit a film with one bilingual form, follow what became of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import media_tools
from catalog import queries
from catalog.models import Film, Status, UserRole
from catalog.places import default_index
from web import database, jobs
from web.auth import current_user, require_role
from web.display import current_language, region_label
from web.usecases import media, promo, records, uploads
from web.usecases import versions as film_versions
from web.views.common import refusal_message, upload_folder
from web.views.film_form import (
    LABELS,
    form_values,
    place_note,
    read_form,
    read_self_identification,
    render_form,
    self_id_values,
)

bp = Blueprint("submissions", __name__, url_prefix="/soumissions")


def _own_film(film_id: int) -> Film:
    """The film, if the logged-in filmmaker submitted it; 404 otherwise (no hint it exists)."""
    film = queries.get_film(database.session(), film_id)
    user = current_user()
    assert user is not None
    if film is None or (user.role != UserRole.admin and film.owner_id != user.id):
        abort(404)
    return film


class Upload:
    """The film file sent with the form (kept in a temporary file until it is filed), or sent
    ahead of it in pieces and named by its token (web/usecases/uploads.py)."""

    def __init__(self, path: Path, name: str, token: str = "", owner_id: int = 0) -> None:
        self.path, self.name, self.token, self.owner_id = path, name, token, owner_id

    def discard(self) -> None:
        if self.token:
            uploads.discard(upload_folder(), self.token, self.owner_id)
        else:
            self.path.unlink(missing_ok=True)

    def set_aside(self) -> Upload | None:
        """When the form comes back with errors: an upload sent ahead waits for the corrected
        form (the file is not sent again); a file sent with the form is deleted."""
        if self.token:
            return self
        self.discard()
        return None


def _receive_upload(errors: dict[str, str]) -> Upload | None:
    """Save and probe the uploaded file: its type is what ffmpeg reads, not its name."""
    token = request.form.get("upload_token", "").strip()
    if token:
        user = current_user()
        assert user is not None and user.id is not None
        try:
            done = uploads.finished(upload_folder(), token, user.id)
        except uploads.UploadRefused as refused:
            errors["media"] = refusal_message(refused)
            return None
        return Upload(done.path, done.name, token, user.id)
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


def _is_owner(film: Film | None) -> bool:
    """Whether the logged-in user is the film's filmmaker (a new film: whoever submits it);
    only they are asked for, and shown, the film's self-identification."""
    user = current_user()
    return user is not None and (film is None or film.owner_id == user.id)


def _keep_self_identification(film: Film) -> None:
    """Keep or delete the form's self-identification, and say so when it was not kept."""
    user = current_user()
    assert user is not None
    answers, consent, _values, _errors = read_self_identification()
    done = records.keep_self_identification(
        database.session(), film, answers, consent=consent, user_id=user.id
    )
    if done == "deleted":
        flash(_("Vos réponses d'auto-identification sont effacées."))
    elif done == "nothing" and not consent and not answers.empty:
        flash(
            _(
                "Vos réponses d'auto-identification n'ont pas été enregistrées : "
                "la case de consentement n'était pas cochée."
            )
        )


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
        return render_form({}, {}, None, self_id=self_id_values(None))
    record, values, errors = read_form()
    _answers, _consent, sid_values, sid_errors = read_self_identification()
    errors |= sid_errors
    upload = _receive_upload(errors)
    if errors:
        kept = upload.set_aside() if upload is not None else None
        return render_form(values, errors, None, received=kept, self_id=sid_values)
    user = current_user()
    assert user is not None
    film = records.submit(
        database.session(), record, owner_id=user.id or 0, screener_url=values["screener_url"]
    )
    _keep_self_identification(film)
    _file_upload(film, upload)
    flash(_("Merci! Votre film est soumis; l'équipe de programmation vous répondra ici."))
    return redirect(url_for("submissions.detail", film_id=film.id))


@bp.get("/<int:film_id>")
@require_role(UserRole.filmmaker)
def detail(film_id: int) -> str:
    film = _own_film(film_id)
    user = current_user()
    answered = records.self_identification(database.session(), film, user.id if user else None)
    return render_template(
        "submissions/detail.html",
        film=film,
        self_identified=answered is not None,
        versions_panel=film_versions.panel(database.session(), film),
        promo=promo.panel(database.session(), film_id, current_language()),
    )


@bp.post("/<int:film_id>/auto-identification/retirer")
@require_role(UserRole.filmmaker)
def withdraw_self_identification(film_id: int) -> Response:
    """The filmmaker withdraws consent: the film's self-identification is deleted, at any
    stage of the film (the form is closed once the film is decided on)."""
    film = _own_film(film_id)
    user = current_user()
    if not _is_owner(film) or user is None:
        abort(404)
    if records.withdraw_self_identification(database.session(), film, user.id):
        flash(_("Vos réponses d'auto-identification sont effacées."))
    return redirect(url_for("submissions.detail", film_id=film.id))


@bp.route("/<int:film_id>/modifier", methods=["GET", "POST"])
@require_role(UserRole.filmmaker)
def edit(film_id: int) -> str | Response:
    film = _own_film(film_id)
    if film.status != Status.submitted:
        flash(_("Ce film a déjà été traité : écrivez à l'équipe pour le modifier."))
        return redirect(url_for("submissions.detail", film_id=film.id))
    back = url_for("submissions.detail", film_id=film.id)
    user = current_user()
    assert user is not None
    owner = _is_owner(film)
    if request.method == "GET":
        kept_answers = records.self_identification(database.session(), film, user.id)
        sid = self_id_values(kept_answers) if owner else None
        return render_form(form_values(film), {}, film, back=back, self_id=sid)
    record, values, errors = read_form()
    sid_values: dict[str, str] | None = None
    if owner:
        _answers, _consent, sid_values, sid_errors = read_self_identification()
        errors |= sid_errors
    upload = _receive_upload(errors)
    if errors:
        kept = upload.set_aside() if upload is not None else None
        return render_form(values, errors, film, received=kept, back=back, self_id=sid_values)
    records.save_edit(
        database.session(), film, record, user_id=user.id, screener_url=values["screener_url"]
    )
    if owner:
        _keep_self_identification(film)
    _file_upload(film, upload)
    flash(_("Modifications enregistrées."))
    return redirect(url_for("submissions.detail", film_id=film.id))


@bp.post("/suggestions")
@require_role(UserRole.filmmaker, UserRole.curator)
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


@bp.get("/municipalites")
@require_role(UserRole.filmmaker, UserRole.curator)
def municipalities() -> str:
    """The municipalities and communities whose name starts as typed, for the form's list."""
    typed = request.args.get("municipality", "")
    options = [
        (name, region_label(place.region_code)) for name, place in default_index().suggest(typed)
    ]
    return render_template("submissions/_options.html", options=options)


@bp.get("/region")
@require_role(UserRole.filmmaker, UserRole.curator)
def region_of() -> str:
    """The region of the municipality typed, shown beside it as soon as it is chosen."""
    kind, text = place_note(request.args.get("municipality", ""), request.args.get("region", ""))
    return render_template("submissions/_region.html", place=(kind, text))


@bp.get("/personnes")
@require_role(UserRole.filmmaker, UserRole.curator)
def people() -> str:
    """Names of people already credited in the catalog that contain what is typed."""
    names = queries.credit_names(database.session(), request.args.get("q", ""))
    return render_template("submissions/_options.html", options=[(name, "") for name in names])
