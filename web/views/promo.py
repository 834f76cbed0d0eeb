"""A film's promotional assets on its page: a curator or the film's own filmmaker adds one (a
clip, a still, a set photo, a teacher's guide or press PDF), deletes one or moves it.

    POST /catalogue/films/<id>/promotion                       kind, language, title, file
    POST /catalogue/films/<id>/promotion/<promo_id>/supprimer
    POST /catalogue/films/<id>/promotion/<promo_id>/deplacer   direction = up | down
    GET  /media/promo/<promo_id>/<part>                        preview | thumb | original

The clean files go to curators and the film's filmmaker only; a clip's poster frame (like a
film's poster) also to those who may see the film in a pitch. Recipients get their own
watermarked copies through media tickets (web/views/playback.py).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

import media_tools
from catalog import promo as catalog_promo
from catalog.models import UserRole
from web import database
from web.access import may_see_film, sees_clean_media
from web.auth import current_user, require_role
from web.security import local_path
from web.usecases import promo
from web.usecases.playback import NoMedia
from web.usecases.uploads import UploadRefused
from web.views.common import refusal_message

bp = Blueprint("promo", __name__)


def _root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def _back(film_id: int) -> Response:
    fallback = url_for("catalog.film_detail", film_id=film_id)
    user = current_user()
    if user is not None and user.role == UserRole.filmmaker:
        fallback = url_for("submissions.detail", film_id=film_id)
    return redirect(local_path(request.form.get("next"), fallback) + "#promotion")


def _film_managed(film_id: int) -> None:
    """404 unless the requester is a curator or the film's own filmmaker."""
    if not sees_clean_media(film_id):
        abort(404)


def _refusal(refused: UploadRefused) -> str:
    labels = {"video": _("une vidéo"), "image": _("une image"), "pdf": _("un PDF")}
    if refused.kind == "wrong_type":
        expected = str(refused.details["expected"])
        found = str(refused.details["found"])
        return _(
            "Ce genre de document demande %(expected)s ; ce fichier est %(found)s.",
            expected=labels.get(expected, expected),
            found=labels.get(found, _("un son sans image") if found == "audio" else found),
        )
    if refused.kind == "language":
        return _("Langue : un code ISO 639-3 de trois lettres (fra, eng, iku…), ou aucune.")
    if refused.kind == "unreadable":
        return _("Ce fichier ne peut pas être lu (%(e)s).", e=refused.details["problem"])
    if refused.kind == "kind":
        return _("Choisissez le genre du document.")
    return refusal_message(refused)


@bp.post("/catalogue/films/<int:film_id>/promotion")
@require_role(UserRole.curator, UserRole.filmmaker)
def add(film_id: int) -> Response:
    _film_managed(film_id)
    kind = request.form.get("kind", "")
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        flash(_("Choisissez un fichier à verser."))
        return _back(film_id)
    config = current_app.config
    clips = min(int(config["PROMO_MAX_BYTES"]), int(config["UPLOAD_MAX_BYTES"]))
    limit = promo.limit_for(kind, clips)
    user = current_user()
    try:
        received = promo.receive(sent.stream, _root(), limit)
        asset = promo.attach(
            database.engine(),
            film_id,
            received,
            _root(),
            kind=kind,
            language=request.form.get("language", ""),
            title=request.form.get("title", ""),
            original_name=sent.filename,
            user_id=user.id if user else None,
        )
    except UploadRefused as refused:
        flash(_refusal(refused))
        return _back(film_id)
    except media_tools.MediaError as error:
        flash(_("Ce fichier n'a pas pu être préparé (%(e)s).", e=error.problem))
        return _back(film_id)
    if asset.media_type == "video" and asset.id is not None:
        promo.queue_derive(database.engine(), asset.id)
    flash(_("Document versé : %(t)s.", t=asset.title or asset.original_name))
    return _back(film_id)


def _asset_of(film_id: int, promo_id: int) -> int:
    _film_managed(film_id)
    asset = catalog_promo.get(database.session(), promo_id)
    if asset is None or asset.film_id != film_id or asset.id is None:
        abort(404)
    return asset.id


@bp.post("/catalogue/films/<int:film_id>/promotion/<int:promo_id>/supprimer")
@require_role(UserRole.curator, UserRole.filmmaker)
def delete(film_id: int, promo_id: int) -> Response:
    promo.delete(database.engine(), _asset_of(film_id, promo_id), _root())
    flash(_("Document retiré."))
    return _back(film_id)


@bp.post("/catalogue/films/<int:film_id>/promotion/<int:promo_id>/deplacer")
@require_role(UserRole.curator, UserRole.filmmaker)
def move(film_id: int, promo_id: int) -> Response:
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        abort(400)
    promo.move(database.engine(), _asset_of(film_id, promo_id), offset)
    return _back(film_id)


@bp.get("/media/promo/<int:promo_id>/<part>")
def file(promo_id: int, part: str) -> Response:
    asset = catalog_promo.get(database.session(), promo_id)
    if asset is None or part not in ("preview", "thumb", "original"):
        abort(404)
    allowed = may_see_film(asset.film_id) if part == "thumb" else sees_clean_media(asset.film_id)
    if not allowed:
        abort(404)
    try:
        served = promo.clean_file(_root(), asset, part)
    except NoMedia:
        abort(404)
    response = send_file(
        served.path,
        mimetype=served.mimetype,
        conditional=True,
        max_age=0,
        as_attachment=served.download_name is not None,
        download_name=served.download_name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
