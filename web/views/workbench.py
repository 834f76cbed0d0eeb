"""The curators' anthology workbench: ask for proposals, then edit a bundle with the rules
re-checked and the gauges redrawn on every change."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from catalog import bundles as bundle_edits
from catalog import queries
from catalog import seasons as seasons_store
from catalog.models import Bundle, BundleStatus, Status, UserRole
from web import database, jobs
from web.auth import require_role
from web.usecases import bundles as bundle_views
from web.usecases import readiness
from web.usecases.bundles import replacements, view_of
from web.usecases.curating import rules_from
from web.views import workbench_words as words
from web.views.common import wants_partial

bp = Blueprint("workbench", __name__, url_prefix="/atelier")

FACET_LABELS = {
    "subject": _l("Sujet"),
    "style": _l("Style"),
    "region": _l("Région d'origine"),
    "mixed": _l("Sujet et style"),
}
# What a bundle's card says of its facet: an episode's bundle is a season's.
FACET_NAMES = {**FACET_LABELS, seasons_store.FACET: _l("Épisode de saison")}
SLOTS = (22, 44, 52, 90)


@bp.route("/", methods=["GET", "POST"])
@require_role(UserRole.curator)
def index() -> str | Response:
    db = database.session()
    if request.method == "POST":
        facet = request.form.get("facet", "subject")
        slot = request.form.get("slot", 44, type=int)
        if facet not in FACET_LABELS or slot not in SLOTS:
            abort(400)
        rules: dict[str, Any] = {"slot_minutes": slot}
        for field, kind in (("regional_floor", float), ("min_regions", int), ("max_films", int)):
            value = request.form.get(field, type=kind)
            if value is not None:
                rules[field] = value
        # Off unless asked for: films from outside Québec then count toward the floor too.
        if request.form.get("outside_quebec_counts"):
            rules["outside_quebec_counts"] = True
        if request.form.get("one_age_band"):
            rules["one_age_band"] = True
        try:
            rules_from(rules)
        except ValueError as error:
            flash(str(error))
            return redirect(url_for("workbench.index"))
        params = {
            "facet": facet,
            "rules": rules,
            "count": request.form.get("count", type=int),
            # Only films an English-language buyer can take now (catalog/readiness.py).
            "ready_for": "eng" if request.form.get("ready_for") == "eng" else None,
            "model": current_app.config["EMBEDDING_MODEL"],
            "name": _(
                "Propositions %(facet)s, case de %(slot)s min", facet=FACET_LABELS[facet], slot=slot
            ),
        }
        job_id = jobs.submit(database.engine(), "propose", params)
        return redirect(url_for("catalog.job_status", job_id=job_id))
    views = [view_of(b) for b in bundle_edits.live_bundles(db)]
    return render_template(
        "workbench/index.html",
        views=views,
        facets=FACET_LABELS,
        facet_names=FACET_NAMES,
        slots=SLOTS,
        unplaced=bundle_views.unplaced_panel(),
        words=words,
    )


UNPLACED_PER_PAGE = 50


@bp.get("/propositions/<int:proposal_id>/non-places")
@require_role(UserRole.curator)
def unplaced(proposal_id: int) -> str:
    """A proposal's unplaced films, a page of one reason's group at a time."""
    reason = request.args.get("raison") or None
    page = max(request.args.get("page", 1, type=int), 1)
    panel = bundle_views.unplaced_panel(proposal_id, reason, page, UNPLACED_PER_PAGE)
    if panel is None:
        abort(404)
    return render_template(
        "workbench/unplaced.html",
        unplaced=panel,
        reason=reason,
        page=page,
        per_page=UNPLACED_PER_PAGE,
        facet_names=FACET_NAMES,
        words=words,
    )


@bp.get("/anthologies/<int:bundle_id>/historique")
@require_role(UserRole.curator)
def history(bundle_id: int) -> str:
    """Every revision of a bundle (the editor shows the newest few)."""
    bundle = database.session().get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    return render_template(
        "workbench/history.html",
        bundle=bundle,
        history=bundle_views.history_of(bundle, limit=None),
        words=words,
    )


@bp.get("/anthologies/<int:bundle_id>")
@require_role(UserRole.curator)
def edit(bundle_id: int) -> str:
    bundle = database.session().get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    return _editor(bundle)


def _editor(bundle: Bundle, error: str | None = None) -> str:
    view = view_of(bundle)
    query = (request.values.get("q") or "").strip()
    found = []
    if query:
        page = queries.list_films(
            database.session(), queries.FilmFilter(text=query, status=Status.accepted), per_page=8
        )
        found = [f for f in page.films if f.id not in {x.id for x in view.films}]
    swap_for = request.values.get("swap_for", type=int)
    suggestions = {}
    if swap_for is not None and bundle.status != BundleStatus.locked:
        target = next((f for f in view.films if f.id == swap_for), None)
        if target is not None:
            suggestions[swap_for] = replacements(view, target)
    template = "workbench/_editor.html" if wants_partial() else "workbench/edit.html"
    return render_template(
        template,
        view=view,
        found=found,
        query=query,
        suggestions=suggestions,
        error=error,
        history=bundle_views.history_of(bundle),
        proposal=bundle_edits.proposal_of(database.session(), bundle),
        words=words,
        facet_names=FACET_NAMES,
        lang=str(get_locale() or "fr"),
        status_labels=BUNDLE_STATUS_LABELS,
        markets=readiness.bundle_markets(database.session(), view.films),
    )


BUNDLE_STATUS_LABELS = {
    "proposed": _l("proposée"),
    "edited": _l("modifiée"),
    "locked": _l("verrouillée"),
    "archived": _l("archivée"),
}


# What an edit that another curator's edit overtook is told.
REFUSALS = {
    bundle_edits.AlreadyInBundle: _l("Ce film est déjà dans cette anthologie."),
    bundle_edits.NotInBundle: _l("Ce film n'est pas (ou plus) dans cette anthologie."),
    bundle_edits.OrderMismatch: _l(
        "L'anthologie a changé entre-temps : voici ses films, dans l'ordre actuel."
    ),
    bundle_edits.BundleLocked: _l(
        "Cette anthologie est verrouillée : déverrouillez-la pour changer ses films."
    ),
    bundle_edits.NotARevision: _l("Cette version n'est pas une version de cette anthologie."),
}
# Any other refusal (a film that does not exist, an empty name): said in the page's language.
REFUSED = _l("Cette modification n'a pas pu être faite.")


@bp.post("/anthologies/<int:bundle_id>/modifier")
@require_role(UserRole.curator)
def change(bundle_id: int) -> str | Response:
    """One edit; htmx gets the editor back with the rules re-checked, others a redirect.

    The bundle is claimed (locked) before it is read, so edits of it by several curators at
    once apply one after the other, each to what the one before left."""
    db = database.session()
    bundle = bundle_edits.claim(db, bundle_id)
    if bundle is None or bundle.status == BundleStatus.archived:
        abort(404)
    action = request.form.get("action", "")
    args: dict[str, Any] = {
        "film_id": request.form.get("film_id", type=int),
        "with_id": request.form.get("with_id", type=int),
        "label": request.form.get("label", ""),
        "label_en": request.form.get("label_en", ""),
        "text": request.form.get("pitch_text", ""),
        "text_en": request.form.get("pitch_text_en", ""),
        "film_ids": request.form.getlist("film_ids", type=int),
        "revision_id": request.form.get("revision_id", type=int),
    }
    error = None
    try:
        bundle_edits.edit(db, bundle, action, **args)
        db.commit()
    except ValueError as problem:
        db.rollback()
        error = str(REFUSALS.get(type(problem), REFUSED))
    if action == "archive" and error is None:
        flash(_("Anthologie archivée : « %(label)s ».", label=bundle.label))
        target = url_for("workbench.index")
        if wants_partial():
            return Response(status=204, headers={"HX-Redirect": target})
        return redirect(target)
    db.refresh(bundle)
    if wants_partial():
        return _editor(bundle, error)
    if error:
        flash(error)
    return redirect(url_for("workbench.edit", bundle_id=bundle_id))
