"""The broadcasters' pitch room: bundles shared with them, by account or by private link.

A private link carries a signed token naming a ShareLink row; the row says whether it is
still live (not expired, not revoked), so a link can be cut off after it was sent. Opening
a live link grants this browser session the bundle, and only that bundle.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from itsdangerous import BadSignature
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from catalog import promo as catalog_promo
from catalog import sharing, users
from catalog.models import Bundle, PromoAsset, ShareLink, UserRole, Verdict
from web import database, fragments
from web.access import Viewer, granted_bundles, link_serializer, share_of, viewer_for
from web.auth import current_user, require_role
from web.display import current_language
from web.tickets import ticket_url
from web.usecases import pitching, promo
from web.usecases import versions as film_versions
from web.usecases.bundles import rules_for
from web.usecases.people import crew_of
from web.views.common import VERDICT_LABELS

bp = Blueprint("pitch", __name__, url_prefix="/pitch")


@bp.get("/")
@require_role(UserRole.broadcaster)
def inbox() -> str:
    user = current_user()
    assert user is not None
    shares = sharing.shares_for_broadcaster(database.session(), user.id or 0)
    return render_template("pitch/inbox.html", shares=shares)


# What a link that does not open answers: missing (mistyped, forged or deleted) is not
# found, expired or revoked is gone for good, a window not yet open is refused for now.
CLOSED_STATUS = {
    sharing.LinkState.missing: 404,
    sharing.LinkState.expired: 410,
    sharing.LinkState.revoked: 410,
    sharing.LinkState.not_yet: 403,
}


@bp.get("/lien/<token>")
def open_link(token: str) -> str | tuple[str, int]:
    """A private link: no account needed while it is live. One that does not open says why,
    in the page's language and the site's look, and whom to ask for another."""
    db = database.session()
    try:
        share_id = int(link_serializer().loads(token)["share"])
    except (BadSignature, KeyError, TypeError, ValueError):
        state, share = sharing.LinkState.missing, None
    else:
        state, share = sharing.link_state(db, share_id)
    if share is not None:
        # The recipient reads the page (or why it does not open) in the language the curator
        # chose for them, until they pick one with the header's switch (web/i18n.py: an
        # explicit choice wins).
        session["link_lang"] = share.recipient_language
        refresh()
    if state != sharing.LinkState.live or share is None:
        return closed_link(state, share)
    links = granted_bundles()
    links[str(share.bundle_id)] = share_id
    session["pitch_links"] = links
    return show(share.bundle_id)


def closed_link(state: sharing.LinkState, share: ShareLink | None) -> tuple[str, int]:
    """The page of a link that does not open: why, and whom to ask for another."""
    db = database.session()
    sender = users.get_user(db, share.created_by) if share and share.created_by else None
    page = render_template("pitch/link_closed.html", state=state.value, share=share, sender=sender)
    return page, CLOSED_STATUS.get(state, 404)


@bp.get("/anthologies/<int:bundle_id>")
def show(bundle_id: int) -> str | tuple[str, int]:
    db = database.session()
    try:
        viewer = viewer_for(bundle_id)
    except NotFound:
        # A page this browser reached through a link that has since closed says so, as the
        # link itself would; any other requester learns nothing of the bundle.
        share_id = granted_bundles().get(str(bundle_id))
        state, share = sharing.link_state(db, share_id) if share_id else (None, None)
        if state is None or share is None or state == sharing.LinkState.live:
            raise
        return closed_link(state, share)
    bundle = db.get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    opened = set(session.get("pitch_opened", []))
    if not viewer.is_curator and bundle_id not in opened:
        # Once per browser session: a reload is not another opening (and not another write).
        sharing.record_event(db, bundle_id, "opened", viewer.share_id, viewer.user_id)
        db.commit()
        session["pitch_opened"] = sorted(opened | {bundle_id})
    answers = sharing.latest_answers(db, bundle_id, viewer.share_id, viewer.user_id)
    has_reel = _has_reel(bundle)
    # What every viewer sees alike, kept while neither the catalog nor the bundle changes
    # (the catalog version moves with both) and the reel is still (or not yet) there.
    parts = fragments.rendered(
        "pitch", (bundle_id, has_reel), lambda: _shared_parts(bundle, has_reel)
    )
    return render_template(
        "pitch/show.html",
        bundle=bundle,
        parts=parts,
        viewer=viewer,
        answers=answers,
        verdicts=VERDICT_LABELS,
        promos=_promos(viewer, bundle),
        promo_kinds=promo.kind_labels(),
    )


def _promos(viewer: Viewer, bundle: Bundle) -> dict[int, list[tuple[PromoAsset, str]]]:
    """Each film's promotional assets that can be shown, with the URL this viewer has them
    at: a curator's clean file; a recipient's own watermarked copy through a media ticket
    (never a path); nothing for a broadcaster with no live share to watermark for."""
    db = database.session()
    share_id = share_of(viewer, bundle.id or 0)
    if not viewer.is_curator and share_id is None:
        return {}
    shown: dict[int, list[tuple[PromoAsset, str]]] = {}
    for film_id, assets in catalog_promo.of_films(db, [i.film_id for i in bundle.items]).items():
        for asset in assets:
            if asset.id is None or (asset.media_type != "pdf" and not asset.preview_path):
                continue
            if viewer.is_curator:
                url = url_for("promo.file", promo_id=asset.id, part="preview")
            else:
                url = ticket_url(share_id or 0, asset.id, promo=True)
            shown.setdefault(film_id, []).append((asset, url))
    return shown


@dataclass(frozen=True)
class SharedParts:
    """A pitch page's head and film cards, rendered: all but the viewer's answers."""

    header: Markup
    cards: tuple[tuple[int, Markup], ...]


def _shared_parts(bundle: Bundle, has_reel: bool) -> SharedParts:
    db = database.session()
    films = sharing.films_of_bundle(db, bundle)
    context = {
        "bundle": bundle,
        "media": sharing.media_of_films(db, [f.id for f in films if f.id is not None]),
        "versions": film_versions.panels(db, list(films)),
    }
    interstitial = rules_for(bundle).interstitial_seconds
    header = render_template(
        "pitch/_header.html",
        timeline=pitching.running_order(films, bundle.slot_minutes * 60, interstitial),
        origins=pitching.origins(films),
        has_reel=has_reel,
        **context,
    )
    cards = tuple(
        (
            film.id or 0,
            Markup(
                render_template(
                    "pitch/_card.html",
                    film=film,
                    crew=crew_of(film, current_language()),
                    **context,
                )
            ),
        )
        for film in films
    )
    return SharedParts(Markup(header), cards)


def _has_reel(bundle: Bundle) -> bool:
    from pathlib import Path

    from web.usecases.media import has_reel

    return has_reel(Path(current_app.config["MEDIA_ROOT"]), bundle)


@bp.post("/anthologies/<int:bundle_id>/reponse")
def answer(bundle_id: int) -> str:
    """Interested, maybe or pass, on the bundle or one of its films, with a comment."""
    viewer = viewer_for(bundle_id)
    if viewer.is_curator:
        abort(403)
    verdict = request.form.get("verdict", "")
    if verdict not in VERDICT_LABELS:
        abort(400)
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    film_id = request.form.get("film_id", type=int)
    if bundle is None or sharing.outside_bundle(bundle, film_id):
        abort(404)
    try:
        given = sharing.answer(
            db,
            bundle_id,
            Verdict(verdict),
            request.form.get("comment", ""),
            film_id=film_id,
            share_id=viewer.share_id,
            user_id=viewer.user_id,
        )
    except sharing.CommentTooLong:
        abort(400, _("Le commentaire dépasse %(n)s caractères.", n=sharing.COMMENT_MAX_CHARS))
    db.commit()
    return render_template(
        "pitch/_answer.html",
        bundle=bundle,
        film_id=film_id,
        given=given,
        verdicts=VERDICT_LABELS,
        viewer=viewer,
    )


@bp.post("/anthologies/<int:bundle_id>/evenement")
def event(bundle_id: int) -> tuple[str, int]:
    """A preview or reel played in the pitch room (sent by the page, for the curators)."""
    viewer = viewer_for(bundle_id)
    kind = request.form.get("kind", "")
    if kind not in ("played_preview", "played_reel") or viewer.is_curator:
        return "", 204
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    film_id = request.form.get("film_id", type=int)
    # Only the films of this bundle (a reel names none): what the curators read must be true.
    if bundle is None or sharing.outside_bundle(bundle, film_id):
        abort(404)
    sharing.record_event(db, bundle_id, kind, viewer.share_id, viewer.user_id, film_id)
    db.commit()
    return "", 204
