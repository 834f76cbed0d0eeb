"""Protected media: posters, previews, proxies and reels, streamed with HTTP Range to whoever
may see them (curators; a film's own filmmaker; broadcasters and link recipients of a bundle
that holds the film)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from catalog import queries, sharing
from catalog.models import Bundle, MediaAsset, UserRole
from web import database
from web.auth import current_user
from web.pitch import granted_bundles, viewer_for

bp = Blueprint("media", __name__, url_prefix="/media")


def media_root() -> Path:
    return Path(current_app.config["MEDIA_ROOT"])


def may_see_film(film_id: int) -> bool:
    db = database.session()
    user = current_user()
    if user is not None and user.role in (UserRole.curator, UserRole.admin):
        return True
    if user is not None and user.role == UserRole.filmmaker:
        film = queries.get_film(db, film_id)
        if film is not None and film.owner_id == user.id:
            return True
    granted = granted_bundles()
    for bundle_id in sharing.bundles_containing(db, film_id):
        share_id = granted.get(str(bundle_id))
        if share_id is not None and sharing.live_share(db, share_id) is not None:
            return True
        if (
            user is not None
            and user.role == UserRole.broadcaster
            and sharing.broadcaster_may_see(db, user.id or 0, bundle_id)
        ):
            return True
    return False


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
    relative = {
        "poster": found.poster_path,
        "preview": found.preview_path,
        "proxy": found.proxy_path,
        "contact": found.contact_sheet_path,
    }.get(kind)
    return _stream(relative)


def reel_name(bundle: Bundle) -> str:
    """The reel's file name: it changes whenever the bundle's films or their order change."""
    order = ",".join(str(item.film_id) for item in bundle.items)
    return f"reels/bundle-{bundle.id}-{hashlib.sha256(order.encode()).hexdigest()[:12]}.mp4"


@bp.get("/anthologies/<int:bundle_id>/bande-annonce")
def reel(bundle_id: int) -> Response:
    viewer_for(bundle_id)  # 404 unless this requester may see the bundle
    bundle = database.session().get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    return _stream(reel_name(bundle))
