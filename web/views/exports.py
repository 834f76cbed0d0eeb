"""A bundle's pitch sheet and playlists: PDF (print-ready), CSV, JSON, M3U, EDL and PBCore."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from catalog import queries, sharing
from catalog.export import bundle_pbcore
from catalog.fields import one_line, spreadsheet_safe
from catalog.models import Bundle, Film, Role, ShareLink
from catalog.people import credit_text
from web import database
from web.access import Viewer, share_of, viewer_for
from web.auth import current_user
from web.display import bundle_explanation, bundle_label, current_language
from web.i18n import LOCALES
from web.tickets import ticket_url
from web.usecases import kit, promo
from web.usecases.bundles import Regional, regional_of

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
            # The rest of the credits, technicians included, with the person's region.
            "crew": [
                {"role": str(c.role), "name": c.name, "region_code": c.region_code}
                for c in f.credits
                if c.role != Role.director
            ],
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
    viewer = viewer_for(bundle_id)  # 404 unless the requester may see this bundle
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
                "pitch_text_en": bundle.pitch_text_en,
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
        columns = ["position", "title", "directors", "crew", "year", "runtime_seconds"]
        columns += ["region_code"]
        columns += ["region", "municipality", "counts_toward_regional_floor", "languages"]
        columns += ["audience", "synopsis_fr", "synopsis_en"]
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            cells = row | {
                "directors": "; ".join(row["directors"]),
                "crew": "; ".join(
                    f"{c['role']}: {credit_text(c['name'], c['region_code'])}" for c in row["crew"]
                ),
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
        body = m3u(bundle, films, _recipient_share(viewer, bundle_id))
    elif fmt == "edl":
        share = _recipient_share(viewer, bundle_id)
        body = edl(bundle_label(bundle), films, media_links(films, share))
    elif fmt == "xml":
        body = bundle_pbcore(bundle_id, bundle_label(bundle), films)
    else:
        body = pitch_kit(bundle, viewer)
    response = Response(body, mimetype=_MIME[fmt])
    name = f"anthologie-{bundle_id}.{fmt}"
    response.headers["Content-Disposition"] = f"attachment; filename={name}"
    return response


@bp.get("/<int:bundle_id>/dossier-de-presse.zip")
def press_kit(bundle_id: int) -> Response:
    """The bundle's press kit in one archive (web/usecases/promo.py): pitch texts, the kit
    PDF, each film's synopses, credits, poster, photos (a recipient's with their name burned
    in), teacher's guides and press PDFs."""
    viewer = viewer_for(bundle_id)  # 404 unless the requester may see this bundle
    db = database.session()
    bundle = db.get(Bundle, bundle_id)
    if bundle is None:
        abort(404)
    share = None if viewer.is_curator else _recipient_share(viewer, bundle_id)
    lang = share.recipient_language if share and share.recipient_language in LOCALES else None
    made = promo.press_kit(
        db,
        bundle,
        Path(current_app.config["MEDIA_ROOT"]),
        kit_pdf=pitch_kit(bundle, viewer),
        lang=lang or current_language(),
        share=share,
    )
    # Opened, then unlinked: the archive goes with the response, whatever becomes of it.
    archive = open(made.path, "rb")  # noqa: SIM115 (send_file closes it)
    made.path.unlink()
    return send_file(
        archive,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"anthologie-{bundle_id}-presse.zip",
        max_age=0,
    )


def _recipient_share(viewer: Viewer, bundle_id: int) -> ShareLink | None:
    """The share a recipient's playlist is made for (None: a curator's)."""
    if viewer.is_curator:
        return None
    share_id = share_of(viewer, bundle_id)
    share = sharing.live_share(database.session(), share_id) if share_id else None
    if share is None:
        abort(404)
    return share


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


def pitch_kit(bundle: Bundle, viewer: Viewer) -> bytes:
    """The bundle's PDF pitch kit, in its recipient's language when a private link opened it,
    naming the curator who shared it as the contact."""
    db = database.session()
    share = sharing.live_share(db, viewer.share_id) if viewer.share_id else None
    lang = current_language()
    if share is not None and share.recipient_language in LOCALES:
        lang = share.recipient_language
    elif not viewer.is_curator and viewer.user_id is not None:
        share = kit.share_of_broadcaster(db, viewer.user_id, bundle.id or 0)
    recipient = kit.Recipient(share.recipient_name, share.recipient_organisation) if share else None
    with force_locale(lang):
        contact = kit.contact_for(db, share, _fallback_contact(viewer))
        return kit.pitch_kit(
            db,
            bundle,
            lang=lang,
            media_root=Path(current_app.config["MEDIA_ROOT"]),
            contact=contact,
            recipient=recipient,
        )


def _fallback_contact(viewer: Viewer) -> kit.Contact:
    """The configured contact (ANTHOLOGIE_CONTACT_*); else the curator downloading the kit;
    else the Anthologie team."""
    config = current_app.config
    if config.get("CONTACT_NAME") or config.get("CONTACT_EMAIL"):
        return kit.Contact(
            config.get("CONTACT_NAME") or _("L'équipe Anthologie"),
            config.get("CONTACT_EMAIL") or "",
            config.get("CONTACT_ORGANISATION") or "",
        )
    user = current_user()
    if viewer.is_curator and user is not None:
        return kit.Contact(user.display_name, user.email, user.organisation)
    return kit.Contact(_("L'équipe Anthologie"), "", config.get("CONTACT_ORGANISATION") or "")


def media_links(films: list[Film], share: ShareLink | None) -> dict[int, tuple[str, bool]]:
    """Film id → (absolute URL, is a stand-in) for a playlist.

    A recipient (`share`) gets signed, expiring tickets of their watermarked previews, usable
    outside the app; each counts a play when first streamed, so downloading the playlist
    spends none. Curators get the clean proxies (their session opens them).
    """
    media = sharing.media_of_films(database.session(), [f.id for f in films if f.id])
    links: dict[int, tuple[str, bool]] = {}
    for film_id, asset in media.items():
        if share is not None and share.id is not None and asset.preview_path:
            url = ticket_url(share.id, asset.id, playlist=True, until=share.expires_at)
        elif share is None and asset.proxy_path:
            url = url_for("media.asset", asset_id=asset.id, kind="proxy", _external=True)
        else:
            continue
        links[film_id] = (url, asset.is_stand_in)
    return links


def m3u(bundle: Bundle, films: list[Film], share: ShareLink | None = None) -> str:
    """An extended M3U of the films' web proxies (a recipient's: their watermarked
    previews), in bundle order."""
    links = media_links(films, share)
    # A line break in a title or a label would start an entry of its own.
    lines = ["#EXTM3U", f"#PLAYLIST:{one_line(bundle_label(bundle))}"]
    for film in films:
        link = links.get(film.id or 0)
        # A recipient's entry is an excerpt: its length is the file's, not the film's.
        length = -1 if share is not None else film.runtime_seconds or -1
        lines.append(f"#EXTINF:{length},{one_line(film.display_title)}")
        if link is not None:
            if link[1]:
                lines.append(f"# {_('Extrait de démonstration — pas le film')}")
            lines.append(link[0])
        else:
            lines.append(f"# {_('pas encore de média pour ce film')}")
    return "\n".join(lines) + "\n"


def timecode(seconds: int) -> str:
    """HH:MM:SS:FF at whole seconds (frame 00)."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}:00"


def edl(label: str, films: list[Film], links: dict[int, tuple[str, bool]] | None = None) -> str:
    """A CMX3600 edit decision list: each film whole, one after the other, from 01:00:00:00;
    each event names its source file's URL when `links` has one (see media_links)."""
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
        if links and film.id in links:
            lines.append(f"* SOURCE FILE: {links[film.id][0]}")
        record += length
    return "\n".join(lines) + "\n"
