"""Catalog pages: the film list (filterable, htmx partial) and a film's page."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from htmx_flask import request as htmx_request

from catalog import queries
from catalog.models import Status
from web import database

bp = Blueprint("catalog", __name__, url_prefix="/catalogue")


def index() -> Response:
    return redirect(url_for("catalog.film_list"))  # type: ignore[return-value]


def wants_partial() -> bool:
    htmx = htmx_request.htmx
    return bool(htmx) and not htmx.history_restore_request


@bp.get("/")
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
    }
    template = "catalog/_films.html" if wants_partial() else "catalog/film_list.html"
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def current_per_page() -> int:
    from flask import current_app

    return int(current_app.config["FILMS_PER_PAGE"])


@bp.get("/films/<int:film_id>")
def film_detail(film_id: int) -> str:
    film = queries.get_film(database.session(), film_id)
    if film is None:
        abort(404)
    return render_template("catalog/film_detail.html", film=film)
