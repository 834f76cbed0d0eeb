"""A whole season in the pitch room.

Sharing a season shares each episode (a bundle) with the same people, one link per person and
episode, as the share page does for one bundle; each person also gets one season link, a
signed token naming the season and their episode links. Opening it grants this browser every
episode whose link is live and shows the season's page: its episodes, each opening on its own
pitch page (where the episode and its films are answered, as any bundle), and an answer on
the whole season (a `SeasonAnswer`, recorded against the person's first episode link).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from itsdangerous import BadSignature
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from catalog import seasons as stored
from catalog import sharing
from catalog.models import Bundle, Season, UserRole, Verdict
from web import database
from web.access import Viewer, granted_bundles, link_serializer, viewer_for
from web.auth import current_user, require_role
from web.usecases import recipients, season_delivery
from web.usecases import seasons as season_views
from web.views.common import VERDICT_LABELS

bp = Blueprint("season_pitch", __name__)


def season_token(season_id: int, share_ids: list[int]) -> str:
    return link_serializer().dumps({"season": season_id, "shares": share_ids})


def _live_season(season_id: int) -> Season:
    season = database.session().get(Season, season_id)
    if season is None or season.status == "archived":
        abort(404)
    return season


# -- the curators' side --------------------------------------------------------------------


@bp.route("/atelier/saisons/<int:season_id>/partages", methods=["GET", "POST"])
@require_role(UserRole.curator)
def shares(season_id: int) -> str:
    db = database.session()
    season = _live_season(season_id)
    errors: list[str] = []
    created: list[season_views.SeasonRecipient] = []
    if request.method == "POST":
        language = request.form.get("language", "fr")
        if language not in sharing.LANGUAGES:
            abort(400)
        days = request.form.get("days", 14, type=int) or 0
        try:
            people = recipients.parse_recipients(request.form.get("recipients", ""))
        except recipients.RecipientsInvalid as invalid:
            errors = [
                _("Ligne %(n)s : « %(line)s »", n=e.number, line=e.line) for e in invalid.errors
            ]
            people = []
        if not 1 <= days <= recipients.DAYS_MAX:
            errors.append(
                _("La durée est un nombre de jours, de 1 à %(max)s.", max=recipients.DAYS_MAX)
            )
        if not people and not errors:
            errors.append(_("Nommez au moins une personne (Nom <courriel>)."))
        if not errors:
            user = current_user()
            created = season_views.share_season(
                db, season, people, days, user.id if user else None, language
            )
            db.commit()
    view = season_views.view_of_season(season)
    return render_template(
        "season_pitch/shares.html",
        view=view,
        errors=errors,
        created=created,
        people=season_views.season_recipients(db, season),
        answers=season_views.answers_of(db, season),
        link=lambda person: url_for(
            "season_pitch.open_link",
            token=season_token(season_id, person.live_ids),
            _external=True,
        ),
        verdicts=VERDICT_LABELS,
    )


# -- the broadcasters' side ----------------------------------------------------------------


@bp.get("/pitch/saisons/lien/<token>")
def open_link(token: str) -> str | tuple[str, int]:
    """A season link: grants this browser each episode whose link is still live."""
    db = database.session()
    try:
        data = link_serializer().loads(token)
        season_id = int(data["season"])
        share_ids = [int(i) for i in data["shares"]]
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(404)
    season = _live_season(season_id)
    episodes = {b.id for b in stored.episodes(db, season_id)}
    links = granted_bundles()
    opened = 0
    for share_id in share_ids:
        share = sharing.live_share(db, share_id)
        if share is not None and share.bundle_id in episodes:
            links[str(share.bundle_id)] = share_id
            session["link_lang"] = share.recipient_language
            opened += 1
    if not opened:
        state, share = sharing.link_state(db, share_ids[0]) if share_ids else (None, None)
        status = 410 if state in (sharing.LinkState.expired, sharing.LinkState.revoked) else 404
        page = render_template(
            "pitch/link_closed.html",
            state=(state or sharing.LinkState.missing).value,
            share=share,
            sender=None,
        )
        return page, status
    session["pitch_links"] = links
    refresh()
    return show(season.id or 0)


def _visible(season: Season) -> list[tuple[int, Bundle, Viewer]]:
    """The episodes this requester may see (number, bundle, viewer); 404 when none."""
    assert season.id is not None
    seen = []
    for number, bundle in enumerate(stored.episodes(database.session(), season.id), start=1):
        try:
            seen.append((number, bundle, viewer_for(bundle.id or 0)))
        except NotFound:
            continue
    if not seen:
        abort(404)
    return seen


@bp.get("/pitch/saisons/<int:season_id>")
def show(season_id: int) -> str:
    db = database.session()
    season = _live_season(season_id)
    seen = _visible(season)
    viewer = seen[0][2]
    share_ids = [v.share_id for _n, _b, v in seen if v.share_id is not None]
    given = stored.latest_answer(db, season_id, share_ids, viewer.user_id)
    episode_answers = {
        b.id: sharing.latest_answers(db, b.id or 0, v.share_id, v.user_id).get(None)
        for _n, b, v in seen
    }
    return render_template(
        "season_pitch/show.html",
        season=season,
        seen=seen,
        viewer=viewer,
        given=given,
        episode_answers=episode_answers,
        verdicts=VERDICT_LABELS,
        films={b.id: sharing.films_of_bundle(db, b) for _n, b, _v in seen},
    )


@bp.post("/pitch/saisons/<int:season_id>/reponse")
def answer(season_id: int) -> Response | str:
    db = database.session()
    season = _live_season(season_id)
    seen = _visible(season)
    viewer = seen[0][2]
    if viewer.is_curator:
        abort(403)
    verdict = request.form.get("verdict", "")
    if verdict not in VERDICT_LABELS:
        abort(400)
    comment = request.form.get("comment", "")
    if len(comment) > sharing.COMMENT_MAX_CHARS:
        abort(400)
    stored.answer(db, season_id, Verdict(verdict).value, comment, viewer.share_id, viewer.user_id)
    db.commit()
    return show(season_id)


@bp.get("/pitch/saisons/<int:season_id>/dossier.pdf")
def kit(season_id: int) -> Response:
    """The season's pitch kit, in the language of the recipient's link."""
    db = database.session()
    season = _live_season(season_id)
    seen = _visible(season)
    viewer = seen[0][2]
    share = sharing.live_share(db, viewer.share_id) if viewer.share_id else None
    lang = share.recipient_language if share else str(session.get("link_lang") or "fr")
    only = None if viewer.is_curator else {b.id or 0 for _n, b, _v in seen}
    body = season_delivery.season_kit(season, lang, current_user(), share, only)
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename=saison-{season_id}.pdf"
    return response
