"""The observatory: representation of regions, forms and languages, catalog to interest."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l

from catalog import observatory, queries
from catalog.models import UserRole
from web import database
from web.auth import require_role

bp = Blueprint("observatory", __name__, url_prefix="/observatoire")

EVERYONE = (UserRole.filmmaker, UserRole.curator, UserRole.broadcaster)
STAGE_LABELS = {
    "catalog": _l("Catalogue (films acceptés)"),
    "bundles": _l("Anthologies proposées"),
    "shared": _l("Anthologies partagées"),
    "interested": _l("Intérêt des diffuseurs"),
}
DIMENSION_LABELS = {
    "montreal": _l("Montréal et les autres régions"),
    "region": _l("Par région"),
    "form": _l("Par forme"),
    "language": _l("Par langue"),
    "year": _l("Par année"),
}
SPLIT_LABELS = {
    "montreal": _l("Montréal"),
    "other_regions": _l("Autres régions du Québec"),
    "outside_quebec": _l("Hors Québec"),
    "unknown": _l("Région inconnue"),
}


@bp.get("/")
@require_role(*EVERYONE)
def overview() -> str:
    stats = observatory.observe(database.session())
    stage = request.args.get("etape", "catalog")
    if stage not in observatory.STAGES:
        stage = "catalog"
    names = {r.code: f"{r.code} {r.name}" for r in queries.regions(database.session())}
    return render_template(
        "observatory/overview.html",
        stats=stats,
        stage=stage,
        stages=STAGE_LABELS,
        dimensions=DIMENSION_LABELS,
        labels={"region": names, "montreal": SPLIT_LABELS},
    )


@bp.get("/observatoire.csv")
@require_role(*EVERYONE)
def download() -> Response:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        observatory.to_csv_rows(observatory.observe(database.session()))
    )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=observatoire.csv"},
    )
