"""The observatory, open to everyone (aggregates only): how far each region's films get from
submission to a broadcaster's interest, where Telefilm's money goes, and the indicators per
year against a baseline. Each chart is drawn on the server (web/usecases/charts.py) beside
its table; each view is a permalink (its filters are the query string), each chart's data
downloads as CSV and JSON, and the annual report is a PDF."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from catalog.fields import spreadsheet_safe
from web import database
from web.display import current_language, language_name
from web.usecases import observatory, people, youth
from web.views.common import CHOICES
from web.views.observatory_charts import (
    CHARTS,
    LANGUAGES,
    SECTIONS,
    TELEFILM_SOURCE,
    View,
    headlines,
    png_of,
    read_view,
    stalled_regions,
    svg_of,
)

bp = Blueprint("observatory", __name__, url_prefix="/observatoire")


# --- routes --------------------------------------------------------------------------------


def _observe(view: View) -> observatory.Observation:
    return observatory.observe(database.session(), view.filters, view.baseline)


@bp.get("/")
def overview() -> str:
    view = read_view(request.args)
    obs = _observe(view)
    built = {name: make(obs, view) for name, make in CHARTS.items()}
    return render_template(
        "observatory/overview.html",
        view=view,
        charts=built,
        svg_of=svg_of,
        sections=SECTIONS,
        headlines=headlines(obs, view),
        stalled=stalled_regions(obs),
        choices=CHOICES,
        languages=[(code, language_name(code, current_language())) for code in LANGUAGES],
        permalink=url_for("observatory.overview", _external=True, **view.args),
        report_year=view.filters.year or _last_year(obs),
        youth=youth.by_region(database.session()),
        youth_bands=youth.AGE_BANDS,
        crew=people.crew_by_region(database.session(), current_language()),
        crew_groups=people.group_labels(),
    )


def _last_year(obs: observatory.Observation) -> int:
    known = [y for y in obs.indicators.years if y is not None]
    return max(known) if known else 2021


@bp.get("/donnees/<chart>.<fmt>")
def data(chart: str, fmt: str) -> Response:
    if chart not in CHARTS or fmt not in ("csv", "json"):
        abort(404)
    view = read_view(request.args)
    built = CHARTS[chart](_observe(view), view)
    if fmt == "json":
        body = {
            "chart": chart,
            "title": built.title,
            "filters": view.filters.as_dict() | {"baseline": view.baseline},
            "rows": built.data,
        }
        if chart.startswith("financement"):
            body["source"] = str(TELEFILM_SOURCE)
        return Response(
            json.dumps(body, ensure_ascii=False, indent=1),
            mimetype="application/json",
            headers={"Content-Disposition": f"inline; filename={chart}.json"},
        )
    buffer = io.StringIO()
    columns = list(built.data[0]) if built.data else []
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for row in built.data:
        # Opened in a spreadsheet: no cell may start a formula.
        writer.writerow(
            {
                k: spreadsheet_safe(v) if isinstance(v, str) else _csv_value(v)
                for k, v in row.items()
            }
        )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={chart}.csv"},
    )


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    return value


@bp.get("/rapport-<int:year>.pdf")
def report(year: int) -> Response:
    if not 1800 <= year <= 2200:
        abort(404)
    args = dict(request.args) | {"annee": str(year)}
    view = read_view(args)
    obs = _observe(view)
    built = {name: make(obs, view) for name, make in CHARTS.items()}
    said = headlines(obs, view)
    said["entonnoir"].insert(
        0,
        _(
            "Le parcours : les films de l'année de production %(year)s. Le financement et "
            "les indicateurs : toutes les années.",
            year=year,
        ),
    )
    sections = []
    for key, (title, names) in SECTIONS.items():
        for n, name in enumerate(names):
            chart = built[name]
            png = png_of(chart)
            notes = [chart.caption] if chart.caption else []
            if name == "entonnoir-regions" and obs.funnel.stalled:
                notes.append(
                    _(
                        "Régions bloquées (films au catalogue, aucun proposé) : %(regions)s.",
                        regions=", ".join(r for r, _n in stalled_regions(obs)),
                    )
                )
            sections.append(
                observatory.ReportSection(
                    title=f"{title} — {chart.title}",
                    headlines=said[key] if n == 0 else [],
                    chart_png=png,
                    table=[chart.header, *chart.table],
                    notes=notes,
                )
            )
    title = _("Observatoire Anthologie — rapport annuel %(year)s", year=year)
    pdf = observatory.report_pdf(title, sections, {"author": "Anthologie"})
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f"inline; filename=rapport-{year}.pdf"},
    )
