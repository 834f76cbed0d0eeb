"""Catalog pages: the film list (filterable, htmx partial) and a film's page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    render_template,
    request,
)
from flask_babel import lazy_gettext as _l
from htmx_flask import request as htmx_request

from catalog import queries
from catalog.models import Status, UserRole
from web import database
from web.auth import require_role
from web.submissions import CHOICES

bp = Blueprint("catalog", __name__, url_prefix="/catalogue")

STATUS_LABELS = {
    "submitted": _l("Soumis"),
    "accepted": _l("Accepté"),
    "declined": _l("Refusé"),
    "archived": _l("Archivé"),
}
ROLE_LABELS = {
    "director": _l("Réalisation"),
    "producer": _l("Production"),
    "writer": _l("Scénario"),
    "cinematographer": _l("Direction photo"),
    "editor": _l("Montage"),
    "composer": _l("Musique"),
    "cast": _l("Distribution"),
}
# What Film.lacks() names, as a curator reads it.
LACK_LABELS = {
    "runtime": _l("durée"),
    "synopsis": _l("synopsis"),
    "year": _l("année"),
    "form": _l("forme"),
    "directors": _l("réalisation"),
    "region": _l("région"),
    "original_languages": _l("langue"),
    "audience": _l("public"),
}


def wants_partial() -> bool:
    htmx = htmx_request.htmx
    return bool(htmx) and not htmx.history_restore_request


@bp.get("/")
@require_role(UserRole.curator)
def film_list() -> Response:
    status = request.args.get("status") or None
    filters = queries.FilmFilter(
        region=request.args.get("region") or None,
        status=Status(status) if status and status in Status.__members__ else None,
        text=(request.args.get("q") or "").strip() or None,
        incomplete=request.args.get("incomplete") == "1",
    )
    page = queries.list_films(
        database.session(),
        filters,
        page=request.args.get("page", 1, type=int),
        per_page=current_per_page(),
    )
    context = {
        "page": page,
        "filters": filters,
        "regions": queries.regions(database.session()),
        "statuses": list(Status),
        "status_labels": STATUS_LABELS,
        "lack_labels": LACK_LABELS,
    }
    template = "catalog/_films.html" if wants_partial() else "catalog/film_list.html"
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def current_per_page() -> int:
    from flask import current_app

    return int(current_app.config["FILMS_PER_PAGE"])


@bp.get("/films/<int:film_id>")
@require_role(UserRole.curator)
def film_detail(film_id: int) -> str:
    film = queries.get_film(database.session(), film_id)
    if film is None:
        abort(404)
    return render_template(
        "catalog/film_detail.html",
        film=film,
        lack_labels=LACK_LABELS,
        form_labels=dict(CHOICES["form"]),
        audience_labels=dict(CHOICES["audience"]),
        role_labels=ROLE_LABELS,
    )
