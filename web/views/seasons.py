"""Seasons in the workbench: ask for one, see its episodes side by side with the season rules
re-checked after every edit (move a film between episodes, swap, pin, lock, revert), and
deliver it: an XMLTV guide for a weekly slot, CSV and JSON, and a season pitch kit (PDF)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from catalog import bundles as bundle_edits
from catalog import seasons as stored
from catalog.models import Audience, BundleStatus, Form, Season, UserRole
from curation.rules import QUEBEC_REGIONS
from web import database, jobs
from web.auth import current_user, require_role
from web.usecases import season_delivery
from web.usecases import seasons as season_views
from web.usecases.bundles import replacements
from web.views import workbench_words as words
from web.views.common import wants_partial

bp = Blueprint("seasons", __name__, url_prefix="/atelier/saisons")

WEEKDAY_LABELS = (
    _l("lundi"),
    _l("mardi"),
    _l("mercredi"),
    _l("jeudi"),
    _l("vendredi"),
    _l("samedi"),
    _l("dimanche"),
)


def _settings(form: Any) -> dict[str, Any]:
    """The new-season form's settings, as stored on the season (shares as 0..1)."""
    slot = form.get("slot", 22, type=int)
    if slot not in season_views.SLOTS:
        abort(400)
    kind = form.get("concept_kind", "theme")
    if kind not in ("theme", "region", "form", "audience", "all"):
        abort(400)
    value = " ".join(str(form.get("theme" if kind == "theme" else kind) or "").split())
    settings: dict[str, Any] = {
        "slot_minutes": slot,
        "episodes": form.get("episodes", 6, type=int),
        # What Concept.parse reads: a theme's words, "region:11", "form:animation"…
        "concept": value if kind == "theme" else "" if kind == "all" else f"{kind}:{value}",
        "min_regions": form.get("min_regions", 1, type=int),
        # Youth programmes for schools: each episode's films within one age band.
        "one_age_band": bool(form.get("one_age_band")),
    }
    for field in ("max_region_share", "montreal_max_share"):
        percent = form.get(field, type=float)
        settings[field] = 1.0 if percent is None else percent / 100
    return settings


@bp.route("/", methods=["GET", "POST"])
@require_role(UserRole.curator)
def index() -> str | Response:
    if request.method == "POST":
        settings = _settings(request.form)
        try:
            season_views.season_rules(settings)
        except ValueError:
            flash(_("Ces réglages ne font pas une saison : de 2 à 13 épisodes, parts de 0 à 100."))
            return redirect(url_for("seasons.index"))
        user = current_user()
        params = {
            "settings": settings,
            "model": current_app.config["EMBEDDING_MODEL"],
            "user_id": user.id if user else None,
            "name": _(
                "Saison de %(n)s épisodes de %(slot)s min",
                n=settings["episodes"],
                slot=settings["slot_minutes"],
            ),
        }
        job_id = jobs.submit(database.engine(), "season", params)
        return redirect(url_for("catalog.job_status", job_id=job_id))
    return render_template(
        "seasons/index.html",
        seasons=stored.live_seasons(database.session()),
        slots=season_views.SLOTS,
        regions=sorted(QUEBEC_REGIONS),
        forms=[f.value for f in Form],
        audiences=[a.value for a in Audience],
    )


def _season(season_id: int) -> Season:
    season = database.session().get(Season, season_id)
    if season is None or season.status == "archived":
        abort(404)
    return season


@bp.get("/<int:season_id>")
@require_role(UserRole.curator)
def show(season_id: int) -> str:
    return _page(_season(season_id))


def _page(season: Season, error: str | None = None) -> str:
    view = season_views.view_of_season(season)
    swap_for = request.values.get("swap_for", type=int)
    suggestions = {}
    if swap_for is not None:
        for episode in view.episodes:
            target = next((f for f in episode.films if f.id == swap_for), None)
            if target is not None and episode.bundle.status != BundleStatus.locked:
                suggestions[swap_for] = replacements(episode, target)
    template = "seasons/_season.html" if wants_partial() else "seasons/show.html"
    return render_template(
        template,
        view=view,
        error=error,
        suggestions=suggestions,
        history=season_views.history_of(season),
        words=words,
        weekdays=WEEKDAY_LABELS,
        lang=str(get_locale() or "fr"),
        rule_name=season_delivery.season_rule_name,
        rule_value=season_delivery.season_rule_value,
        region_seconds=season_views.region_seconds,
    )


REFUSALS = {
    bundle_edits.AlreadyInBundle: _l("Ce film est déjà dans cet épisode."),
    bundle_edits.NotInBundle: _l("Ce film n'est pas (ou plus) dans cet épisode."),
    bundle_edits.BundleLocked: _l(
        "Cet épisode est verrouillé : déverrouillez-le pour changer ses films."
    ),
    bundle_edits.NotARevision: _l("Cette version n'est pas une version de cette saison."),
    stored.NotAnEpisode: _l("Cet épisode n'appartient pas à cette saison."),
}
REFUSED = _l("Cette modification n'a pas pu être faite.")
EPISODE_ACTIONS = ("swap", "pin", "lock", "unlock", "up", "down", "remove")


@bp.post("/<int:season_id>/modifier")
@require_role(UserRole.curator)
def change(season_id: int) -> str | Response:
    """One edit of the season; htmx gets the season back with its rules re-checked."""
    db = database.session()
    season = _season(season_id)
    action = request.form.get("action", "")
    film_id = request.form.get("film_id", type=int)
    bundle_id = request.form.get("bundle_id", type=int)
    error = None
    try:
        if action == "move":
            target = request.form.get("target", type=int)
            if film_id is None or bundle_id is None or target is None:
                raise ValueError("a move names a film, its episode and another")
            stored.move_film(db, season, film_id, bundle_id, target)
        elif action == "revert":
            stored.revert(db, season, request.form.get("revision_id", -1, type=int))
        elif action in EPISODE_ACTIONS and bundle_id is not None:
            season_views.edit_episode(
                db,
                season,
                bundle_id,
                action,
                film_id=film_id,
                with_id=request.form.get("with_id", type=int),
            )
        else:
            abort(400)
        db.commit()
    except ValueError as problem:
        db.rollback()
        error = str(REFUSALS.get(type(problem), REFUSED))
    db.refresh(season)
    if wants_partial():
        return _page(season, error)
    if error:
        flash(error)
    return redirect(url_for("seasons.show", season_id=season_id))


@bp.post("/<int:season_id>/archiver")
@require_role(UserRole.curator)
def archive(season_id: int) -> Response:
    db = database.session()
    season = _season(season_id)
    stored.archive(db, season)
    db.commit()
    flash(_("Saison archivée : « %(label)s ».", label=season.label))
    return redirect(url_for("seasons.index"))


# -- delivery ------------------------------------------------------------------------------


@bp.get("/<int:season_id>/guide.xml")
@require_role(UserRole.curator)
def guide(season_id: int) -> Response:
    """The season as an XMLTV schedule: one episode a week at `heure` on `jour` (a weekday,
    by name or 0–6 from Monday) from `debut` (YYYY-MM-DD)."""
    season = _season(season_id)
    try:
        first = date.fromisoformat(request.args.get("debut", ""))
        at = time.fromisoformat(request.args.get("heure", "20:00"))
        weekday = season_delivery.weekday_of(request.args.get("jour", ""))
    except ValueError:
        abort(400)
    body = season_delivery.xmltv(season, first, at, weekday)
    response = Response(body, mimetype="application/xml")
    response.headers["Content-Disposition"] = f"attachment; filename=saison-{season_id}.xml"
    return response


@bp.get("/<int:season_id>/saison.<fmt>")
@require_role(UserRole.curator)
def sheet(season_id: int, fmt: str) -> Response:
    season = _season(season_id)
    lang = str(get_locale() or "fr")
    if fmt == "csv":
        body: str | bytes = season_delivery.season_csv(season)
        mimetype = "text/csv"
    elif fmt == "json":
        body = season_delivery.season_json(season)
        mimetype = "application/json"
    elif fmt == "pdf":
        user = current_user()
        body = season_delivery.season_kit(season, lang, user)
        mimetype = "application/pdf"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=saison-{season_id}.{fmt}"
    return response
