"""The curators' side of the pitch room: sharing a bundle, revoking a link, following who
opened it and what they answered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import queries, sharing, users
from catalog.models import Bundle, UserRole, utcnow
from web import database
from web.access import link_token
from web.auth import current_user, require_role
from web.usecases.media import has_reel
from web.views.common import VERDICT_LABELS

bp = Blueprint("sharing", __name__, url_prefix="/pitch")


@bp.route("/anthologies/<int:bundle_id>/partages", methods=["GET", "POST"])
@require_role(UserRole.curator)
def shares(bundle_id: int) -> str | Response:
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    created_link = None
    if request.method == "POST":
        days = max(1, min(request.form.get("days", 14, type=int) or 14, 365))
        broadcaster_id = request.form.get("broadcaster_id", type=int)
        name = request.form.get("recipient_name", "").strip()
        if broadcaster_id:
            broadcaster = users.get_user(db, broadcaster_id)
            if broadcaster is None or broadcaster.role != UserRole.broadcaster:
                abort(400)
            name = name or broadcaster.display_name
        if not name:
            flash(_("Nommez le destinataire du lien."))
            return redirect(url_for("sharing.shares", bundle_id=bundle_id))
        user = current_user()
        share = sharing.share_bundle(
            db,
            bundle_id,
            name,
            utcnow() + timedelta(days=days),
            created_by=user.id if user else None,
            broadcaster_id=broadcaster_id or None,
            recipient_email=request.form.get("recipient_email", "").strip(),
        )
        db.commit()
        assert share.id is not None
        created_link = url_for("pitch.open_link", token=link_token(share.id), _external=True)
        _queue_reel(bundle)
    activity = sharing.activity(db, bundle_id)
    # Answers and plays name the film by its title (the id when it left the catalog).
    mentioned = {item.film_id for item in bundle.items}
    mentioned |= {given.film_id for given, _s, _u in activity.answers if given.film_id}
    mentioned |= {event.film_id for event, _s, _u in activity.events if event.film_id}
    films = queries.films_by_ids(db, sorted(mentioned))
    return render_template(
        "sharing/shares.html",
        bundle=bundle,
        film_titles={film.id: film.display_title for film in films},
        shares=sharing.shares_of_bundle(db, bundle_id),
        broadcasters=users.users_with_role(db, UserRole.broadcaster),
        created_link=created_link,
        link_token=link_token,
        activity=activity,
        verdicts=VERDICT_LABELS,
        now=utcnow(),
    )


def _queue_reel(bundle: Bundle) -> None:
    """Build the bundle's sizzle reel in the background, once per film order."""
    from web import jobs

    if not has_reel(Path(current_app.config["MEDIA_ROOT"]), bundle):
        try:
            jobs.submit(database.engine(), "reel", {"bundle_id": bundle.id, "name": bundle.label})
        except Exception:
            current_app.logger.exception("reel for bundle %s", bundle.id)


@bp.post("/partages/<int:share_id>/revoquer")
@require_role(UserRole.curator)
def revoke(share_id: int) -> Response:
    db = database.session()
    share = sharing.live_share(db, share_id)
    if share is None:
        abort(404)
    sharing.revoke(db, share)
    db.commit()
    flash(_("Lien révoqué : il ne s'ouvre plus."))
    return redirect(url_for("sharing.shares", bundle_id=share.bundle_id))
