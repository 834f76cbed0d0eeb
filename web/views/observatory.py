"""The observatory: representation of regions, forms and languages, catalog to interest."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l

from catalog import observatory, queries
from catalog.models import UserRole
from curation.vocabulary import genre_name
from web import database, display
from web.auth import require_role
from web.display import current_language, language_name

bp = Blueprint("observatory", __name__, url_prefix="/observatoire")

EVERYONE = (UserRole.filmmaker, UserRole.curator, UserRole.broadcaster)
STAGE_LABELS = {
    "catalog": _l("Catalogue (films acceptés)"),
    "bundles": _l("Anthologies proposées"),
    "shared": _l("Anthologies partagées"),
    "interested": _l("Intérêt des diffuseurs"),
}
DIMENSION_LABELS = {
    "origin": _l("Par origine"),
    "region": _l("Par région"),
    "form": _l("Par forme"),
    "language": _l("Par langue"),
    "year": _l("Par année"),
}
# What each origin counts, said in full: the first is what the regional floor counts.
ORIGIN_LABELS = {
    observatory.QUEBEC_OUTSIDE_MONTREAL: _l("Régions du Québec hors Montréal"),
    "montreal": _l("Montréal"),
    "outside_quebec": _l("Hors Québec"),
    "unknown": _l("Région inconnue"),
}
NOT_RECORDED = _l("Non renseigné")


def percent(share: float) -> str:
    """ "35,1 %" in French, "35.1%" in English: one decimal, so 0.1 % is not shown as 0 %."""
    return display.percent(100 * share, decimals=1)


def total_time(seconds: int) -> str:
    """A stage's or a group's runtime: "274 h 42", "52 min" (not "274:42:00")."""
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d}" if hours else f"{minutes} min"


def key_labels(stats: dict[str, observatory.StageStats]) -> dict[str, dict[str, str]]:
    """Every key of every dimension in words, in the page's language, for the page and the
    CSV: no raw code ("fra", "documentary", "?") reaches either."""
    lang = current_language()
    regions = {r.code: f"{r.code} {r.name}" for r in queries.regions(database.session())}
    forms = {share.key for stage in stats.values() for share in stage.by.get("form", [])}
    languages = {share.key for stage in stats.values() for share in stage.by.get("language", [])}
    missing = {"?": str(NOT_RECORDED)}
    return {
        "origin": {key: str(label) for key, label in ORIGIN_LABELS.items()},
        "region": regions | {"?": str(ORIGIN_LABELS["unknown"])},
        "form": {key: genre_name(key, lang) or key for key in forms - {"?"}} | missing,
        "language": {key: language_name(key, lang) for key in languages - {"?"}} | missing,
        "year": missing,
    }


@bp.get("/")
@require_role(*EVERYONE)
def overview() -> str:
    stats = observatory.observe(database.session())
    stage = request.args.get("etape", "catalog")
    if stage not in observatory.STAGES:
        stage = "catalog"
    return render_template(
        "observatory/overview.html",
        stats=stats,
        stage=stage,
        stages=STAGE_LABELS,
        dimensions=DIMENSION_LABELS,
        labels=key_labels(stats),
        percent=percent,
        total_time=total_time,
    )


@bp.get("/observatoire.csv")
@require_role(*EVERYONE)
def download() -> Response:
    buffer = io.StringIO()
    stats = observatory.observe(database.session())
    csv.writer(buffer, lineterminator="\n").writerows(
        observatory.to_csv_rows(stats, key_labels(stats))
    )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=observatoire.csv"},
    )
