"""The pitch page's player and media tickets.

- POST /pitch/anthologies/<id>/lecture (film_id, or none for the reel): the player asks to
  play. A recipient's play is counted against the link's view cap (refused with 403 and the
  reason once the cap is reached) and answered with a ticket URL streaming their watermarked
  copy; a curator previewing the page gets the clean file and counts nothing.
- POST /pitch/anthologies/<id>/progression (film_id, played = JSON [[start, end], ...]): the
  ranges the player played, kept as a union per recipient and film.
- GET /media/t/<ticket>: a ticket's watermarked file, with Range, no session needed; refused
  once the ticket expired or the link is no longer open. A promotional asset's ticket
  (making-of, still, teacher's guide…) streams the recipient's copy of it, counting nothing.

Playlists (M3U, EDL) carry tickets too. Downloading one counts nothing: each of its tickets
counts one play the first time it is streamed (its later Range requests do not), and is
refused then if the cap is reached.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.wrappers import Response

import media_tools
from catalog import sharing, viewings
from catalog.models import Bundle, ShareLink
from web import database
from web.access import Viewer, share_of, viewer_for
from web.tickets import BadTicket, TicketExpired, read, ticket_url
from web.usecases import promo
from web.usecases.media import has_reel
from web.usecases.playback import FOLDER, Clip, NoMedia, clip_for

bp = Blueprint("playback", __name__)


def _root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def _refused(message: str, status: int) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _cap_message(cap: int) -> str:
    return ngettext(
        "Limite de %(num)s visionnement atteinte pour ce film",
        "Limite de %(num)s visionnements atteinte pour ce film",
        cap,
    )


def _closed() -> str:
    return _("Ce lien n'est plus ouvert : demandez-en un nouveau à l'équipe qui vous l'a envoyé.")


def _what(bundle: Bundle) -> tuple[int | None, int | None]:
    """(film_id, asset_id) the request names; (None, None) for the reel; 404 otherwise."""
    film_id = request.form.get("film_id", type=int)
    if film_id is None:
        if request.form.get("film_id"):
            abort(404)
        return None, None
    if sharing.outside_bundle(bundle, film_id):
        abort(404)
    asset = sharing.media_of_films(database.session(), [film_id]).get(film_id)
    if asset is None or not asset.preview_path:
        abort(404)
    return film_id, asset.id


def _asked(bundle_id: int) -> tuple[Viewer, Bundle, int | None, int | None]:
    """Who asks (404 unless they may see the bundle), the bundle, and the film and asset the
    request names (None, None: the reel)."""
    viewer = viewer_for(bundle_id)
    bundle = database.session().get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    return viewer, bundle, *_what(bundle)


def _live_share(viewer: Viewer, bundle_id: int) -> ShareLink | Response:
    """The share a recipient watches through, or a 410 answer when it no longer opens."""
    share_id = share_of(viewer, bundle_id)
    if share_id is None:
        abort(404)
    state, share = sharing.link_state(database.session(), share_id)
    if share is None or state != sharing.LinkState.live:
        return _refused(_closed(), 410)
    return share


def _clip(share: ShareLink, asset_id: int | None) -> Clip | str:
    """The recipient's watermarked file (made now if needed), or why it cannot be had."""
    try:
        return clip_for(_root(), database.session(), share, asset_id)
    except NoMedia:
        abort(404)
    except media_tools.MediaError:
        current_app.logger.exception("watermarking for share %s", share.id)
        return _("Cet extrait ne peut pas être préparé pour le moment.")


@bp.post("/pitch/anthologies/<int:bundle_id>/lecture")
def play(bundle_id: int) -> Response:
    viewer, bundle, film_id, asset_id = _asked(bundle_id)
    if viewer.is_curator:  # previewing the page: the clean file, nothing counted
        if asset_id is None:
            if not has_reel(_root(), bundle):
                abort(404)
            return jsonify(url=url_for("media.reel", bundle_id=bundle_id))
        return jsonify(url=url_for("media.asset", asset_id=asset_id, kind="preview"))
    share = _live_share(viewer, bundle_id)
    if isinstance(share, Response):
        return share
    db = database.session()
    left = viewings.plays_left(share, viewings.viewing_of(db, share.id or 0, film_id))
    if left == 0:
        return _refused(_cap_message(share.view_cap or 0), 403)
    clip = _clip(share, asset_id)
    if isinstance(clip, str):
        return _refused(clip, 503)
    try:
        played = viewings.start_play(db, share, film_id, clip.duration_s)
    except viewings.ViewCapReached as reached:
        db.rollback()
        return _refused(_cap_message(reached.cap), 403)
    kind = "played_reel" if film_id is None else "played_preview"
    sharing.record_event(db, bundle_id, kind, share.id, viewer.user_id, film_id)
    db.commit()
    return jsonify(
        url=ticket_url(share.id or 0, asset_id),
        plays=played.plays,
        left=viewings.plays_left(share, played),
    )


@bp.post("/pitch/anthologies/<int:bundle_id>/progression")
def progress(bundle_id: int) -> Response:
    viewer, _bundle, film_id, _asset_id = _asked(bundle_id)
    if viewer.is_curator:
        return Response(status=204)
    share = _live_share(viewer, bundle_id)
    if isinstance(share, Response):
        return share
    db = database.session()
    try:
        played = json.loads(request.form.get("played", ""))
        viewings.record_progress(db, share.id or 0, film_id, played)
    except (ValueError, viewings.BadProgress):
        return _refused(_("Rapport de lecture illisible."), 400)
    except viewings.NotPlaying:
        return _refused(_("Aucune lecture en cours pour ce film."), 409)
    db.commit()
    return Response(status=204)


def _first_use(share_id: int, nonce: str) -> bool:
    """Whether this is the first request of a playlist's ticket (a marker file made with
    O_EXCL: exactly one request, of any process, makes it)."""
    folder = _root() / FOLDER / str(share_id) / ".tickets"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(folder / nonce, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    return True


def _plain(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


@bp.get("/media/t/<ticket>")
def stream(ticket: str) -> Response:
    """A recipient's watermarked preview or reel, by ticket, with HTTP Range."""
    try:
        found = read(ticket)
    except TicketExpired:
        return _plain(_("Ce lien de lecture a expiré : rouvrez la page de la proposition."), 410)
    except BadTicket:
        return _plain(_("Lien de lecture invalide."), 403)
    db = database.session()
    state, share = sharing.link_state(db, found.share_id)
    if share is None or state != sharing.LinkState.live:
        return _plain(_closed(), 410)
    if found.promo and found.asset_id is not None:
        return _promo(share, found.asset_id)
    clip = _clip(share, found.asset_id)
    if isinstance(clip, str):
        return _plain(clip, 503)
    if found.playlist and found.nonce and _first_use(share.id or 0, found.nonce):
        try:
            viewings.start_play(db, share, clip.film_id, clip.duration_s)
        except viewings.ViewCapReached as reached:
            db.rollback()
            (_root() / FOLDER / str(share.id) / ".tickets" / found.nonce).unlink(missing_ok=True)
            return _plain(_cap_message(reached.cap), 403)
        db.commit()
    response = send_file(clip.path, conditional=True, max_age=0, mimetype="video/mp4")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _promo(share: ShareLink, promo_id: int) -> Response:
    """A recipient's copy of a promotional asset: a clip or still with their name burned in,
    a PDF to download. Playing one counts nothing against the film's view cap."""
    try:
        served = promo.for_share(_root(), database.session(), share, promo_id)
    except NoMedia:
        abort(404)
    except media_tools.MediaError:
        current_app.logger.exception("watermarking promo %s for share %s", promo_id, share.id)
        return _plain(_("Cet extrait ne peut pas être préparé pour le moment."), 503)
    response = send_file(
        served.path,
        conditional=True,
        max_age=0,
        mimetype=served.mimetype,
        as_attachment=served.download_name is not None,
        download_name=served.download_name,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
