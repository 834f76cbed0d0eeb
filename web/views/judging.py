"""The curators' inbox of new submissions and the judging panel of a submission's page:
scores from 1 to 5 and private notes, seen by curators only."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import queries
from catalog.models import UserRole
from catalog.reviews import MAX_NOTE
from web import database
from web.auth import current_user, require_role
from web.usecases import judging
from web.views.common import wants_partial

bp = Blueprint("judging", __name__)


@bp.app_context_processor
def navigation() -> dict[str, Any]:
    """`inbox_waiting()` for the header's badge: counted (once a request) only when a
    curator's header asks for it."""

    def inbox_waiting() -> int:
        if "inbox_waiting" not in g:
            g.inbox_waiting = judging.waiting(database.session())
        return int(g.inbox_waiting)

    return {"inbox_waiting": inbox_waiting}


@bp.get("/soumissions/boite")
@require_role(UserRole.curator)
def inbox() -> str:
    user = current_user()
    assert user is not None
    page = judging.inbox(database.session(), user.id or 0, request.args.get("page", 1, type=int))
    g.inbox_waiting = page.total  # the header's badge: counted once for both
    return render_template("judging/inbox.html", page=page)


@bp.route("/catalogue/films/<int:film_id>/jugement", methods=["GET", "POST"])
@require_role(UserRole.curator)
def judge(film_id: int) -> Response:
    """The judging panel alone (a full page, or its partial for htmx); a POST keeps this
    curator's score and note."""
    db = database.session()
    film = queries.get_film(db, film_id)
    if film is None:
        abort(404)
    user = current_user()
    assert user is not None
    error, field, values, status = None, None, None, 200
    if request.method == "POST":
        score, note = request.form.get("score"), request.form.get("note")
        try:
            judging.judge(db, film_id, user.id or 0, score, note)
        except judging.ReviewRejected as rejected:
            error, field = _problem(rejected), rejected.field
            values = {"score": score, "note": note or ""}
            status = 200 if wants_partial() else 422
        else:
            if not wants_partial():
                flash(_("Votre note est enregistrée."))
                return redirect(url_for("catalog.film_detail", film_id=film_id, _anchor="jugement"))
    context = {
        "film": film,
        "judging": judging.panel(db, film_id, user.id or 0),
        "judging_error": error,
        "judging_field": field,
        "judging_values": values,
        "judging_saved": request.method == "POST" and error is None,
    }
    template = "judging/_panel.html" if wants_partial() else "judging/panel.html"
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def _problem(rejected: judging.ReviewRejected) -> str:
    if rejected.reason == "note":
        return _("Vos notes dépassent %(n)s caractères : raccourcissez-les.", n=MAX_NOTE)
    return _("Choisissez une note de 1 à 5.")
