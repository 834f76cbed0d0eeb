"""The curators' anthology workbench: ask for proposals, then edit a bundle with the rules
re-checked and the gauges redrawn on every change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

import curation
from catalog import bundles as bundle_edits
from catalog import queries, vectors
from catalog.models import Bundle, BundleStatus, Film, Status, UserRole
from web import database, jobs
from web.auth import require_role
from web.catalog_views import wants_partial
from web.curation_service import TEXT_FACET, rules_from, to_curation

bp = Blueprint("workbench", __name__, url_prefix="/atelier")

FACET_LABELS = {
    "subject": _l("Sujet"),
    "style": _l("Style"),
    "region": _l("Région d'origine"),
    "mixed": _l("Sujet et style"),
}
SLOTS = (22, 44, 52, 90)


@dataclass(frozen=True)
class BundleView:
    """What a bundle card and the editor show: films, gauges, and the rules it breaks."""

    bundle: Bundle
    films: list[Film]
    runtime: int
    window: tuple[int, int]
    regional_share: float
    floor: float
    violations: list[curation.Violation]
    rules: curation.SlotRules

    @property
    def fill(self) -> float:
        return self.runtime / (self.rules.slot_seconds or 1)


def rules_for(bundle: Bundle) -> curation.SlotRules:
    proposal = bundle_edits.proposal_of(database.session(), bundle)
    settings = dict(proposal.rules) if proposal else {}
    settings["slot_minutes"] = bundle.slot_minutes
    return rules_from(settings)


def view_of(bundle: Bundle) -> BundleView:
    films = _ordered_films(bundle)
    rules = rules_for(bundle)
    chosen = [to_curation(f, text="") for f in films]
    runtime = sum(f.runtime_seconds or 0 for f in films)
    regional = sum(f.runtime_seconds or 0 for f in chosen if rules.is_regional(f))
    violations = curation.check_bundle(chosen, rules, bundle.facet) if films else []
    return BundleView(
        bundle,
        films,
        runtime,
        rules.window,
        regional / runtime if runtime else 0.0,
        rules.regional_floor,
        violations,
        rules,
    )


def _ordered_films(bundle: Bundle) -> list[Film]:
    db = database.session()
    ids = [item.film_id for item in sorted(bundle.items, key=lambda i: i.position)]
    films = {f.id: f for f in queries.films_by_ids(db, ids)}
    return [films[i] for i in ids if i in films]


def replacements(view: BundleView, film: Film, limit: int = 3) -> list[Film]:
    """Films that could take this film's place: close to the bundle, free, and rule-abiding."""
    db = database.session()
    # The stored vectors of the configured model, found without loading the model itself.
    model_id = vectors.model_id_for(db, TEXT_FACET, current_app.config["EMBEDDING_MODEL"])
    if model_id is None:
        return []
    ids, matrix = vectors.load_matrix(db, TEXT_FACET, model_id)
    if not ids:
        return []
    row = {film_id: i for i, film_id in enumerate(ids)}
    members = [f.id for f in view.films if f.id in row]
    if not members:
        return []
    centre = matrix[[row[i] for i in members]].mean(axis=0)
    busy = bundle_edits.films_in_live_bundles(db) | {f.id for f in view.films}
    order = np.argsort(-(matrix @ centre))
    candidates = [ids[i] for i in order[:200] if ids[i] not in busy]
    others = [to_curation(f, text="") for f in view.films if f.id != film.id]
    found = []
    for candidate in queries.films_by_ids(db, candidates[:60]):
        if candidate.status != Status.accepted or candidate.runtime_seconds is None:
            continue
        trial = [*others, to_curation(candidate, text="")]
        if not curation.check_bundle(trial, view.rules, view.bundle.facet):
            found.append(candidate)
    found.sort(key=lambda f: candidates.index(f.id or 0))
    return found[:limit]


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
        try:
            rules_from(rules)
        except ValueError as error:
            flash(str(error))
            return redirect(url_for("workbench.index"))
        params = {
            "facet": facet,
            "rules": rules,
            "count": request.form.get("count", type=int),
            "model": current_app.config["EMBEDDING_MODEL"],
            "name": _(
                "Propositions %(facet)s, case de %(slot)s min", facet=FACET_LABELS[facet], slot=slot
            ),
        }
        job_id = jobs.submit(database.engine(), "propose", params)
        return redirect(url_for("catalog.job_status", job_id=job_id))
    views = [view_of(b) for b in bundle_edits.live_bundles(db)]
    return render_template("workbench/index.html", views=views, facets=FACET_LABELS, slots=SLOTS)


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
    if swap_for is not None:
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
        history=bundle_edits.history(database.session(), bundle.id or 0),
        facets=FACET_LABELS,
        lang=str(get_locale() or "fr"),
        status_labels=BUNDLE_STATUS_LABELS,
    )


BUNDLE_STATUS_LABELS = {
    "proposed": _l("proposée"),
    "edited": _l("modifiée"),
    "locked": _l("verrouillée"),
    "archived": _l("archivée"),
}


@bp.post("/anthologies/<int:bundle_id>/modifier")
@require_role(UserRole.curator)
def change(bundle_id: int) -> str | Response:
    """One edit; htmx gets the editor back with the rules re-checked, others a redirect."""
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    if bundle is None or bundle.status == BundleStatus.archived:
        abort(404)
    action = request.form.get("action", "")
    args: dict[str, Any] = {
        "film_id": request.form.get("film_id", type=int),
        "with_id": request.form.get("with_id", type=int),
        "label": request.form.get("label", ""),
        "text": request.form.get("pitch_text", ""),
        "film_ids": request.form.getlist("film_ids", type=int),
    }
    error = None
    try:
        bundle_edits.edit(db, bundle, action, **args)
        db.commit()
    except ValueError as problem:
        db.rollback()
        error = str(problem)
    db.refresh(bundle)
    if wants_partial():
        return _editor(bundle, error)
    if error:
        flash(error)
    return redirect(url_for("workbench.edit", bundle_id=bundle_id))
