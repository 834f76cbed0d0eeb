"""A bundle's pitch sheet and playlists: PDF (print-ready), CSV, JSON, M3U, EDL and PBCore."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from catalog import queries, sharing
from catalog.export import bundle_pbcore
from catalog.fields import one_line, spreadsheet_safe
from catalog.models import Bundle, Film
from web import database
from web.access import viewer_for
from web.display import bundle_explanation, bundle_label, percent
from web.usecases.bundles import Regional, regional_of
from web.views.common import format_duration

bp = Blueprint("exports", __name__, url_prefix="/anthologies")

FORMATS = ("pdf", "csv", "json", "m3u", "edl", "xml")
_MIME = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "json": "application/json",
    "m3u": "audio/x-mpegurl",
    "edl": "text/plain",
    "xml": "application/xml",
}


def film_rows(
    films: list[Film], region_names: dict[str, str], regional: frozenset[int] = frozenset()
) -> list[dict[str, Any]]:
    return [
        {
            "position": i + 1,
            "id": f.id,
            "title": f.display_title,
            "original_title": f.original_title,
            "directors": f.directors,
            "year": f.year,
            "runtime_seconds": f.runtime_seconds,
            "region_code": f.region_code,
            "region": region_names.get(f.region_code or "", ""),
            "municipality": f.municipality,
            # Whether the bundle's regional floor counts it (see the export's regional_scope).
            "counts_toward_regional_floor": f.id in regional,
            "languages": f.original_languages,
            "subtitles": f.subtitle_languages,
            "audience": f.audience.value if f.audience else None,
            "synopsis_fr": f.synopsis_fr,
            "synopsis_en": f.synopsis_en,
        }
        for i, f in enumerate(films)
    ]


@bp.get("/<int:bundle_id>/fiche.<fmt>")
def sheet(bundle_id: int, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    viewer_for(bundle_id)  # 404 unless the requester may see this bundle
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    films = sharing.films_of_bundle(db, bundle)
    names = queries.region_names(db)
    regional = regional_of(bundle, films)
    rows = film_rows(films, names, regional.film_ids)
    body: str | bytes
    if fmt == "json":
        body = json.dumps(
            {
                "id": bundle.id,
                "label": bundle_label(bundle),
                "label_fr": bundle.label,
                "label_en": bundle_label(bundle, "en"),
                "pitch_text": bundle.pitch_text,
                "explanation": bundle_explanation(bundle),
                "slot_minutes": bundle.slot_minutes,
                "runtime_seconds": sum(r["runtime_seconds"] or 0 for r in rows),
                "regional": regional_json(regional),
                "films": rows,
            },
            ensure_ascii=False,
            indent=2,
        )
    elif fmt == "csv":
        buffer = io.StringIO()
        columns = ["position", "title", "directors", "year", "runtime_seconds", "region_code"]
        columns += ["region", "municipality", "counts_toward_regional_floor", "languages"]
        columns += ["audience", "synopsis_fr", "synopsis_en"]
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            cells = row | {
                "directors": "; ".join(row["directors"]),
                "languages": "; ".join(row["languages"]),
                "counts_toward_regional_floor": (
                    "yes" if row["counts_toward_regional_floor"] else "no"
                ),
            }
            # Opened in a spreadsheet: no cell may start a formula.
            writer.writerow(
                {k: spreadsheet_safe(v) if isinstance(v, str) else v for k, v in cells.items()}
            )
        body = buffer.getvalue()
    elif fmt == "m3u":
        body = m3u(bundle, films)
    elif fmt == "edl":
        body = edl(bundle_label(bundle), films)
    elif fmt == "xml":
        body = bundle_pbcore(bundle_id, bundle_label(bundle), films)
    else:
        body = pdf(bundle, rows, regional)
    response = Response(body, mimetype=_MIME[fmt])
    name = f"anthologie-{bundle_id}.{fmt}"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


def regional_json(regional: Regional) -> dict[str, Any]:
    """The bundle's regional share, named by what it counts, by runtime and by films."""
    share = regional.share
    return {
        "scope": regional.scope("en"),
        "scope_fr": regional.scope("fr"),
        "region_codes": list(regional.rules.regional_codes),
        "runtime_share": round(share.of_runtime, 4),
        "runtime_seconds": share.seconds,
        "film_share": round(share.of_films, 4),
        "films": share.films,
        "floor": regional.rules.regional_floor,
    }


def regional_line(regional: Regional) -> str:
    """ "Régions du Québec hors Montréal : 62 % de la durée, 3 films sur 5 (60 %)"."""
    share = regional.share
    scope = regional.scope(str(get_locale() or "fr"))
    films = ngettext(
        "%(num)s film sur %(total)s",
        "%(num)s films sur %(total)s",
        share.films,
        total=share.total_films,
    )
    runtime, film_share = (percent(round(100 * p)) for p in (share.of_runtime, share.of_films))
    return _(
        "%(scope)s : %(runtime)s de la durée, %(films)s (%(film_share)s)",
        scope=scope[:1].upper() + scope[1:],
        runtime=runtime,
        films=films,
        film_share=film_share,
    )


def m3u(bundle: Bundle, films: list[Film]) -> str:
    """An extended M3U of the films' web proxies, in bundle order."""
    media = sharing.media_of_films(database.session(), [f.id for f in films if f.id])
    # A line break in a title or a label would start an entry of its own.
    lines = ["#EXTM3U", f"#PLAYLIST:{one_line(bundle_label(bundle))}"]
    for film in films:
        asset = media.get(film.id or 0)
        lines.append(f"#EXTINF:{film.runtime_seconds or -1},{one_line(film.display_title)}")
        if asset is not None and asset.proxy_path:
            if asset.is_stand_in:
                lines.append(f"# {_('Extrait de démonstration — pas le film')}")
            lines.append(url_for("media.asset", asset_id=asset.id, kind="proxy", _external=True))
        else:
            lines.append(f"# {_('pas encore de média pour ce film')}")
    return "\n".join(lines) + "\n"


def timecode(seconds: int) -> str:
    """HH:MM:SS:FF at whole seconds (frame 00)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}:00"


def edl(label: str, films: list[Film]) -> str:
    """A CMX3600 edit decision list: each film whole, one after the other, from 01:00:00:00."""
    lines = [f"TITLE: {one_line(label)}", "FCM: NON-DROP FRAME", ""]
    record = 3600
    for number, film in enumerate(films, start=1):
        length = film.runtime_seconds or 0
        reel = f"F{film.id:05d}"[:8]
        lines.append(
            f"{number:03d}  {reel:<8} AA/V  C        {timecode(0)} {timecode(length)} "
            f"{timecode(record)} {timecode(record + length)}"
        )
        lines.append(f"* FROM CLIP NAME: {one_line(film.display_title)}")
        record += length
    return "\n".join(lines) + "\n"


def _font() -> tuple[str, str]:
    """DejaVu when installed (every Latin letter), else the PDF core fonts (Latin-1)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path("/usr/share/fonts/truetype/dejavu")
    regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("DejaVu", str(regular)))
            pdfmetrics.registerFont(TTFont("DejaVu-Bold", str(bold)))
        return "DejaVu", "DejaVu-Bold"
    return "Helvetica", "Helvetica-Bold"


def pdf(bundle: Bundle, rows: list[dict[str, Any]], regional: Regional) -> bytes:
    """A print-ready pitch sheet (A4): label, pitch, runtime against the slot, the regional
    share (named), the films."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    regular, bold = _font()
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    title = ParagraphStyle("title", fontName=bold, fontSize=18, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=8)
    total = sum(r["runtime_seconds"] or 0 for r in rows)
    # Paragraph reads a markup language: the curators' and filmmakers' text is escaped.
    story: list[Any] = [
        Paragraph(escape(bundle_label(bundle)), title),
        Paragraph(
            _(
                "Durée totale %(total)s pour une case de %(slot)s min",
                total=format_duration(total),
                slot=bundle.slot_minutes,
            ),
            body,
        ),
        Paragraph(escape(regional_line(regional)), body),
    ]
    if bundle.pitch_text:
        story += [Spacer(1, 6), Paragraph(escape(bundle.pitch_text), body)]
    if bundle.explanation:
        story += [Spacer(1, 4), Paragraph(escape(bundle_explanation(bundle)), small)]
    header = [_("Titre"), _("Réalisation"), _("Région"), _("Durée")]
    table_rows = [header] + [
        [
            Paragraph(escape(r["title"]), small),
            Paragraph(escape(", ".join(r["directors"]) or "—"), small),
            Paragraph(escape(r["region"] or (r["region_code"] or "—")), small),
            format_duration(r["runtime_seconds"]),
        ]
        for r in rows
    ]
    table = Table(table_rows, colWidths=[6.5 * cm, 4.5 * cm, 4 * cm, 2 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTNAME", (0, 1), (-1, -1), regular),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [Spacer(1, 10), table, Paragraph(_("Synopsis"), heading)]
    for r in rows:
        text = r["synopsis_fr"] or r["synopsis_en"] or "—"
        line = f"<b>{r['position']}. {escape(r['title'])}</b> — {escape(text)}"
        story.append(Paragraph(line, small))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=bundle_label(bundle), leftMargin=2 * cm, rightMargin=2 * cm
    ).build(story)
    return buffer.getvalue()
