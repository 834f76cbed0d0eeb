"""Who may see what of a bundle's pitch and a film's media: curators, a film's own filmmaker,
the broadcasters it was shared with, and whoever opened a live private link in this browser."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, has_request_context, session, url_for
from itsdangerous import URLSafeSerializer

from catalog import queries, sharing
from catalog.models import UserRole
from web import database
from web.auth import current_user


def link_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="anthologie.pitch-link")


def link_token(share_id: int) -> str:
    return link_serializer().dumps({"share": share_id})


def share_url(share_id: int) -> str:
    """The private link of a share, as a full URL: on this request's host, or on BASE_URL
    when no request names one (the command line, a job)."""
    if has_request_context():
        return url_for("pitch.open_link", token=link_token(share_id), _external=True)
    base = str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context("/", base_url=base):
        return url_for("pitch.open_link", token=link_token(share_id), _external=True)


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a pitch: a curator previewing, a broadcaster, or a link's recipient."""

    share_id: int | None
    user_id: int | None
    is_curator: bool


def granted_bundles() -> dict[str, int]:
    """Bundle id → share id, for the private links opened in this browser session."""
    return dict(session.get("pitch_links", {}))


def viewer_for(bundle_id: int) -> Viewer:
    """The viewer of this bundle's pitch, or 404 when the requester may not see it."""
    db = database.session()
    user = current_user()
    if user is not None and user.role in (UserRole.curator, UserRole.admin):
        return Viewer(None, user.id, True)
    share_id = granted_bundles().get(str(bundle_id))
    if share_id is not None and sharing.live_share(db, share_id) is not None:
        return Viewer(share_id, user.id if user else None, False)
    if (
        user is not None
        and user.role == UserRole.broadcaster
        and sharing.broadcaster_may_see(db, user.id or 0, bundle_id)
    ):
        return Viewer(None, user.id, False)
    # The same answer whether the bundle exists or not.
    abort(404)


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


def sees_clean_media(film_id: int) -> bool:
    """Whether the requester may have the film's clean preview and proxy: curators and the
    film's own filmmaker. A link holder or a broadcaster gets watermarked copies through
    media tickets (web.tickets) only."""
    user = current_user()
    if user is None:
        return False
    if user.role in (UserRole.curator, UserRole.admin):
        return True
    if user.role == UserRole.filmmaker:
        film = queries.get_film(database.session(), film_id)
        return film is not None and film.owner_id == user.id
    return False


def share_of(viewer: Viewer, bundle_id: int) -> int | None:
    """The share a (non-curator) viewer watches this bundle through: the link they opened,
    or for a broadcaster's account the newest live share addressed to it."""
    if viewer.share_id is not None or viewer.is_curator or viewer.user_id is None:
        return viewer.share_id
    for share, bundle in sharing.shares_for_broadcaster(database.session(), viewer.user_id):
        if bundle.id == bundle_id:
            return share.id
    return None
