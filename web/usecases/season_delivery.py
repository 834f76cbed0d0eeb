"""A season delivered: its XMLTV schedule for a weekly slot (what channel tools and EPGs read),
CSV and JSON of its episodes and films, and its pitch kit (PDF)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import date, time
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from catalog.fields import spreadsheet_safe
from catalog.models import Film, Season, ShareLink, User
from web import database
from web.display import (
    bundle_explanation,
    bundle_label,
    bundle_pitch,
    film_title,
    language_name,
    percent,
    region_label,
)
from web.usecases import kit
from web.usecases import seasons as season_views

# Forms in the guide's categories, in French and English.
FORM_NAMES = {
    "fiction": ("Fiction", "Fiction"),
    "documentary": ("Documentaire", "Documentary"),
    "animation": ("Animation", "Animation"),
    "experimental": ("Expérimental", "Experimental"),
    "hybrid": ("Hybride", "Hybrid"),
}
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
GENERATOR = "Anthologie"


def weekday_of(text: str) -> int | None:
    """0 (Monday) … 6 from a French or English day name or a digit; None for none given."""
    word = text.strip().casefold()
    if not word:
        return None
    if word.isdigit() and 0 <= int(word) <= 6:
        return int(word)
    for names in (WEEKDAYS_FR, WEEKDAYS_EN):
        if word in names:
            return names.index(word)
    raise ValueError(f"no weekday {text!r}")


def _stamp(moment: Any) -> str:
    """XMLTV's time: "YYYYMMDDhhmmss +hhmm"."""
    return str(moment.strftime("%Y%m%d%H%M%S %z"))


def _programme_text(films: list[Film], lang: str) -> str:
    parts = []
    for film in films:
        who = ", ".join(film.directors)
        details = " · ".join(
            d
            for d in (who, region_label(film.region_code, lang), _minutes(film.runtime_seconds))
            if d
        )
        parts.append(f"{film_title(film, lang)} ({details})")
    lead = "Au programme : " if lang == "fr" else "Programme: "
    return lead + " ; ".join(parts) if lang == "fr" else lead + "; ".join(parts)


def _minutes(seconds: int | None) -> str:
    return f"{round((seconds or 0) / 60)} min" if seconds else ""


def xmltv(season: Season, first_day: date, at: time, weekday: int | None = None) -> bytes:
    """The season as an XMLTV document: one channel, one programme per episode a week."""
    assert season.id is not None
    channel_id = f"saison-{season.id}.anthologie"
    tv = ET.Element(
        "tv",
        {"generator-info-name": GENERATOR, "source-info-name": GENERATOR},
    )
    channel = ET.SubElement(tv, "channel", id=channel_id)
    ET.SubElement(channel, "display-name", lang="fr").text = season.label
    ET.SubElement(channel, "display-name", lang="en").text = season.label_en or season.label
    airings = season_views.schedule(season, first_day, at, weekday)
    for airing in airings:
        bundle, films = airing.bundle, airing.films
        programme = ET.SubElement(
            tv,
            "programme",
            start=_stamp(airing.start),
            stop=_stamp(airing.stop),
            channel=channel_id,
        )
        ET.SubElement(programme, "title", lang="fr").text = season.label
        ET.SubElement(programme, "title", lang="en").text = season.label_en or season.label
        ET.SubElement(programme, "sub-title", lang="fr").text = bundle_label(bundle, "fr")
        ET.SubElement(programme, "sub-title", lang="en").text = bundle_label(bundle, "en")
        for lang in ("fr", "en"):
            # The English guide takes only an English pitch (never the French one as such).
            pitch, written_in = bundle_pitch(bundle, lang)
            lead = pitch if written_in == lang else ""
            lead = lead or bundle_explanation(bundle, lang)
            text = " ".join(t for t in (lead, _programme_text(films, lang)) if t)
            ET.SubElement(programme, "desc", lang=lang).text = text
        directors = list(dict.fromkeys(d for f in films for d in f.directors))
        if directors:
            credits = ET.SubElement(programme, "credits")
            for name in directors:
                ET.SubElement(credits, "director").text = name
        forms = list(dict.fromkeys(f.form.value for f in films if f.form))
        for lang, index in (("fr", 0), ("en", 1)):
            ET.SubElement(programme, "category", lang=lang).text = (
                "Anthologie" if lang == "fr" else "Anthology"
            )
            for form in forms:
                ET.SubElement(programme, "category", lang=lang).text = FORM_NAMES[form][index]
        runtime = sum(f.runtime_seconds or 0 for f in films)
        ET.SubElement(programme, "length", units="minutes").text = str(round(runtime / 60))
        number, total = airing.episode, len(airings)
        ET.SubElement(programme, "episode-num", system="xmltv_ns").text = f"0.{number - 1}/{total}."
        ET.SubElement(programme, "episode-num", system="onscreen").text = f"{number}/{total}"
    ET.indent(tv)
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n'
    return head + ET.tostring(tv, encoding="utf-8") + b"\n"


# -- CSV and JSON --------------------------------------------------------------------------


def season_data(season: Season) -> dict[str, Any]:
    """The season as plain data: its settings, its rules' measured values, its episodes."""
    view = season_views.view_of_season(season)
    return {
        "id": season.id,
        "label": season.label,
        "label_en": season.label_en or season.label,
        "concept": season.concept,
        "slot_minutes": season.slot_minutes,
        "rules": season.rules,
        "rules_kept": view.kept,
        "measures": [
            {
                "rule": m.code,
                "value": round(m.value, 4),
                "limit": m.limit,
                "kept": m.kept,
                "detail": list(m.detail),
            }
            for m in view.measures
        ],
        "runtime_seconds": view.runtime,
        "episodes": [
            {
                "episode": number,
                "bundle_id": episode.bundle.id,
                "label": bundle_label(episode.bundle, "fr"),
                "label_en": bundle_label(episode.bundle, "en"),
                "runtime_seconds": episode.runtime,
                "window_seconds": list(episode.window),
                "status": episode.bundle.status.value,
                "rules_broken": [v.rule for v in episode.violations],
                "films": [
                    {
                        "position": i + 1,
                        "id": f.id,
                        "title": f.display_title,
                        "directors": f.directors,
                        "runtime_seconds": f.runtime_seconds,
                        "region_code": f.region_code,
                        "region": region_label(f.region_code, "fr"),
                        "form": f.form.value if f.form else None,
                        "audience": f.audience.value if f.audience else None,
                        "languages": f.original_languages,
                    }
                    for i, f in enumerate(episode.films)
                ],
            }
            for number, episode in enumerate(view.episodes, start=1)
        ],
    }


def season_json(season: Season) -> str:
    return json.dumps(season_data(season), ensure_ascii=False, indent=2)


CSV_COLUMNS = (
    "episode",
    "episode_label",
    "position",
    "title",
    "directors",
    "runtime_seconds",
    "region_code",
    "region",
    "form",
    "audience",
    "languages",
)


def season_csv(season: Season) -> str:
    """One line per film: its episode, its place in it and its facts."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for episode in season_data(season)["episodes"]:
        for film in episode["films"]:
            cells = [
                episode["episode"],
                episode["label"],
                film["position"],
                film["title"],
                "; ".join(film["directors"]),
                film["runtime_seconds"],
                film["region_code"],
                film["region"],
                film["form"],
                film["audience"],
                "; ".join(film["languages"]),
            ]
            writer.writerow([spreadsheet_safe(c) if isinstance(c, str) else c for c in cells])
    return buffer.getvalue()


# -- the pitch kit -------------------------------------------------------------------------


def season_kit(
    season: Season,
    lang: str,
    user: User | None,
    share: ShareLink | None = None,
    only: set[int] | None = None,
) -> bytes:
    """The season's pitch kit: a season cover, then each episode as in its own kit. Made for
    a recipient (`share`), it names them and the curator who shared it as the contact;
    `only`: the episodes' bundle ids it holds (those shared with the recipient)."""
    db = database.session()
    view = season_views.view_of_season(season)
    numbered = [
        (n, e) for n, e in enumerate(view.episodes, start=1) if only is None or e.bundle.id in only
    ]
    config = current_app.config
    with force_locale(lang):
        if config.get("CONTACT_NAME") or config.get("CONTACT_EMAIL"):
            contact = kit.Contact(
                config.get("CONTACT_NAME") or _("L'équipe Anthologie"),
                config.get("CONTACT_EMAIL") or "",
                config.get("CONTACT_ORGANISATION") or "",
            )
        elif user is not None:
            contact = kit.Contact(user.display_name, user.email, user.organisation)
        else:
            contact = kit.Contact(_("L'équipe Anthologie"), "", "")
        contact = kit.contact_for(db, share, contact)
        recipient = (
            kit.Recipient(share.recipient_name, share.recipient_organisation) if share else None
        )
        title = season.label_en or season.label if lang == "en" else season.label
        episodes = [
            _(
                "Épisode %(n)s — %(label)s (%(films)s films, %(runtime)s)",
                n=number,
                label=bundle_label(e.bundle, lang),
                films=len(e.films),
                runtime=_minutes(e.runtime),
            )
            for number, e in numbered
        ]
        size = _("%(n)s × %(slot)s min", n=len(view.episodes), slot=season.slot_minutes)
        facts = [(_("Épisodes"), size)]
        for m in view.measures:
            facts.append((season_rule_name(m.code), season_rule_value(m, lang)))
        return kit.season_kit(
            db,
            [e.bundle for _n, e in numbered],
            title=title,
            facts=facts,
            episodes=episodes,
            lang=lang,
            media_root=Path(config["MEDIA_ROOT"]),
            contact=contact,
            recipient=recipient,
        )


def season_rule_name(code: str) -> str:
    names = {
        "regions": _("Régions du Québec"),
        "region_share": _("Région la plus présente (hors Montréal)"),
        "montreal_share": _("Part de Montréal"),
        "directors": _("Cinéastes présents deux fois"),
        "audience": _("Publics"),
        "language": _("Langue commune"),
        "episode_rules": _("Épisodes hors de leurs règles"),
    }
    return names.get(code, code)


def season_rule_value(m: season_views.Measure, lang: str) -> str:
    """What a season rule measures and asks, in words: "9 (au moins 8)", "18 % (au plus 25 %)"."""

    def pct(x: float) -> str:
        return percent(round(100 * x), lang)

    if m.code == "regions":
        return _("%(n)s (au moins %(k)s)", n=int(m.value), k=int(m.limit))
    if m.code in ("region_share", "montreal_share"):
        where = f" — {m.detail[0]}" if m.detail else ""
        return _("%(v)s (au plus %(k)s)", v=pct(m.value), k=pct(m.limit)) + where
    if m.code == "language":
        return language_name(m.detail[0], lang) if m.detail and m.detail[0] else _("aucune")
    if m.code == "audience":
        audiences = {
            "jeunesse": _("jeunesse"),
            "famille": _("famille"),
            "general": _("grand public"),
            "adulte": _("adulte"),
        }
        return ", ".join(str(audiences.get(a, _("non précisé"))) for a in m.detail) or "—"
    if m.detail:
        return ", ".join(m.detail)
    return _("aucun")
