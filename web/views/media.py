"""Protected media: posters, previews, proxies and reels, streamed with HTTP Range to whoever
may see them. Images (posters, thumbnails, contact sheets) go to curators, a film's own
filmmaker, and the broadcasters and link recipients of a bundle that holds the film; the clean
preview, proxy and reel to curators and the film's filmmaker only. A recipient plays their own
watermarked copies through media tickets (web/views/playback.py)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from catalog.models import Bundle, MediaAsset
from web import database
from web.access import may_see_film, sees_clean_media, viewer_for
from web.usecases.media import reel_name

bp = Blueprint("media", __name__, url_prefix="/media")


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def _stream(relative: str | None) -> Response:
    if not relative:
        abort(404)
    path = safe_join(str(media_root()), relative)
    if path is None or not Path(path).is_file():
        abort(404)
    # conditional=True answers Range requests with 206 Partial Content.
    response = send_file(path, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:asset_id>/<kind>")
def asset(asset_id: int, kind: str) -> Response:
    found = database.session().get(MediaAsset, asset_id)
    if found is None or not may_see_film(found.film_id):
        abort(404)
    if kind.startswith("thumb") and kind[5:].isdigit():
        index = int(kind[5:])
        paths = found.thumbnail_paths
        return _stream(paths[index] if index < len(paths) else None)
    if kind in ("preview", "proxy") and not sees_clean_media(found.film_id):
        abort(404)
    relative = {
        "poster": found.poster_path,
        "preview": found.preview_path,
        "proxy": found.proxy_path,
        "contact": found.contact_sheet_path,
    }.get(kind)
    return _stream(relative)


@bp.get("/anthologies/<int:bundle_id>/bande-annonce")
def reel(bundle_id: int) -> Response:
    if not viewer_for(bundle_id).is_curator:  # 404 unless this requester may see the bundle
        abort(404)  # a recipient's reel is their watermarked copy, through a ticket
    bundle = database.session().get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    return _stream(reel_name(bundle))
