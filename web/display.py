"""Codes shown as words in the interface's language: languages, countries, genres, forms,
audiences, regions, and a bundle's label and explanation.

No raw code reaches a page ("fra", "zxx", "general", "documentary", "Documentaries", "99"):
templates go through these filters, registered once by `init_app`. Genres, forms and
audiences come from the core's one bilingual vocabulary (`curation.vocabulary`), language
and country names from Babel's CLDR data (through pycountry's ISO tables), with the few
names a catalog of Québec films needs and CLDR does not say well given here.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pycountry
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.units import format_unit
from flask import Flask
from flask_babel import get_locale
from markupsafe import Markup

import media_tools
from curation.films import OUTSIDE_QUEBEC, region_name
from curation.vocabulary import audience_name, genre_name
from media_tools.qc import clock as _clock

UNKNOWN = "—"

# ISO 639-3 → (French, English), where CLDR has no name or not the one in use here.
_LANGUAGES: dict[str, tuple[str, str]] = {
    "moe": ("innu-aimun", "Innu-aimun"),
    "atj": ("atikamekw", "Atikamekw"),
    "iku": ("inuktitut", "Inuktitut"),
    "cre": ("cri", "Cree"),
    "alq": ("algonquin", "Algonquin"),
    "abe": ("abénakis", "Abenaki"),
    "nsk": ("naskapi", "Naskapi"),
    "fcs": ("langue des signes québécoise", "Quebec Sign Language"),
    "zxx": ("sans dialogue", "no dialogue"),
    "und": ("inconnue", "unknown"),
    "mul": ("plusieurs langues", "several languages"),
}


def current_language() -> str:
    """ "fr" or "en": the language of the page being rendered."""
    locale = get_locale()
    return locale.language if locale is not None else "fr"


def _code(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value.value if isinstance(value, enum.Enum) else value)


@functools.cache
def language_name(code: str, lang: str) -> str:
    """ "français" / "French" for "fra"; Indigenous languages by their own names."""
    known = _LANGUAGES.get(code.lower())
    if known:
        return known[1] if lang == "en" else known[0]
    record = pycountry.languages.get(alpha_3=code.lower()) if len(code) == 3 else None
    short = getattr(record, "alpha_2", None) if record else code.lower()
    name = Locale(lang).languages.get(short or code.lower()) or Locale(lang).languages.get(
        code.lower()
    )
    if name:
        return str(name)
    return str(record.name) if record else code


@functools.cache
def country_name(name: str, lang: str) -> str:
    """A country as the catalog stores it ("United States", "CA") in the page's language."""
    try:
        alpha_2 = pycountry.countries.lookup(name).alpha_2
    except LookupError:
        return name
    return str(Locale(lang).territories.get(alpha_2, name))


def region_label(code: Any, lang: str | None = None) -> str:
    """A Québec region by name; outside Québec and unknown said in words."""
    code = _code(code)
    lang = lang or current_language()
    if code is None:
        return UNKNOWN
    if code == OUTSIDE_QUEBEC:
        return "Outside Québec" if lang == "en" else "Hors Québec"
    name = region_name(code)
    if name == code:  # not a region code: "?" for films whose region is not known
        return "Unknown region" if lang == "en" else "Région inconnue"
    return name


def bundle_label(bundle: Any, lang: str | None = None) -> str:
    """The bundle's label in the page's language; the French (or curator's) one otherwise."""
    lang = lang or current_language()
    english = getattr(bundle, "label_en", "")
    return str(english if lang == "en" and english else bundle.label)


def bundle_pitch(bundle: Any, lang: str | None = None) -> tuple[str, str]:
    """The bundle's pitch text in the page's language, and the language it is written in
    (the French one, when no English one was written)."""
    lang = lang or current_language()
    english = getattr(bundle, "pitch_text_en", "")
    if lang == "en" and english:
        return str(english), "en"
    return str(bundle.pitch_text or ""), "fr"


def bundle_explanation(bundle: Any, lang: str | None = None) -> str:
    lang = lang or current_language()
    english = getattr(bundle, "explanation_en", "")
    return str(english if lang == "en" and english else bundle.explanation)


def percent(points: float, lang: str | None = None, decimals: int = 0) -> str:
    """A percentage given in points (45 for 45 %): "45 %" in French, "45%" in English."""
    lang = lang or current_language()
    shown = format_decimal(
        points, format="#,##0" + ("." + "0" * decimals if decimals else ""), locale=lang
    )
    return f"{shown}%" if lang == "en" else f"{shown} %"


def film_title(film: Any, lang: str | None = None) -> str:
    """The film's title in the page's language: its English title in English when it has
    one, its French (or original) title otherwise."""
    lang = lang or current_language()
    english = getattr(film, "title_en", None)
    return str(english if lang == "en" and english else film.display_title)


_IN_OTHER = {"fr": "(en anglais)", "en": "(in French)"}


def in_language(texts: tuple[str | None, str | None], lang: str | None = None) -> Markup:
    """One of a (French, English) pair of texts, in the page's language when it exists;
    the other one otherwise, marked with its `lang` and a note saying which it is."""
    lang = lang or current_language()
    french, english = texts
    own, other, other_lang = (english, french, "fr") if lang == "en" else (french, english, "en")
    if own:
        return Markup('<span lang="{}">{}</span>').format(lang, own)
    if other:
        return Markup('<span lang="{}">{}</span> <small class="other-language">{}</small>').format(
            other_lang, other, _IN_OTHER[lang]
        )
    return Markup("")


def synopsis(film: Any, lang: str | None = None) -> Markup:
    """The film's short synopsis, in the page's language where it exists (see in_language)."""
    return in_language((film.synopsis_fr, film.synopsis_en), lang)


def minutes(seconds: float | None) -> str:
    """A runtime as a buyer reads it: "13 min", "13 min 30 s", "1 h 05 min", "45 s"."""
    if not seconds:
        return UNKNOWN
    hours, rest = divmod(round(seconds), 3600)
    mins, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {mins:02d} min"
    if not mins:
        return f"{secs} s"
    return f"{mins} min {secs} s" if secs else f"{mins} min"


# The engine's own measure, which the bundle's explanation ends with: for curators only.
_SCORE_CLAUSE = re.compile(
    r"\s*(?:;\s*)?(?:proximité moyenne|mean closeness) [0-9]+(?:[.,][0-9]+)?"
)


def public_explanation(bundle: Any, lang: str | None = None) -> str:
    """The bundle's explanation in the page's language without the engine's score ("2 films :
    tous des documentaires." — never "proximité moyenne 0,80")."""
    text = _SCORE_CLAUSE.sub("", bundle_explanation(bundle, lang)).strip()
    text = re.sub(r"\s*:\s*\.$", ".", text)  # "2 films : ." when the score was all it said
    return "" if re.fullmatch(r"\d+ films\.?", text) else text


QUEBEC_TIME = ZoneInfo("America/Toronto")  # Québec's clock (Eastern time)


def moment(when: datetime | None, lang: str | None = None) -> str:
    """A stored (UTC) time on Québec's clock, said in full: "4 décembre 2026 à 09:00 (heure
    du Québec)", "December 4, 2026 at 9:00 AM (Québec time)"."""
    if when is None:
        return UNKNOWN
    lang = lang or current_language()
    local = (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(QUEBEC_TIME)
    day = format_date(local, "long", locale=lang)
    hour = format_time(local, "short", locale=lang)
    if lang == "en":
        return f"{day} at {hour} (Québec time)"
    return f"{day} à {hour} (heure du Québec)"


def _names(values: Iterable[Any], name: Any) -> str:
    lang = current_language()
    shown = [name(c, lang) for c in (_code(v) for v in values or ()) if c]
    return ", ".join(dict.fromkeys(shown)) or UNKNOWN


def colon(label: str, lang: str | None = None) -> str:
    """ "Statut :" in French (a space before the colon), "Status:" in English."""
    lang = lang or current_language()
    return f"{label}:" if lang == "en" else f"{label} :"


def labelled(label: str, text: str, lang: str | None = None) -> str:
    return f"{colon(label, lang)} {text}"


def number(value: float, lang: str | None = None, decimals: int = 1) -> str:
    """−23,1 / −23.1; 48 000 / 48,000; 25 (never 25.0); a true minus sign."""
    lang = lang or current_language()
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=lang).replace("-", "−")


def clock(seconds: float | None) -> str:
    """0:20, 14:00, 1:32:00; a dash when unknown."""
    return UNKNOWN if seconds is None else _clock(seconds)


def file_size(size: int, lang: str | None = None) -> str:
    """1,2 Mo / 1.2 MB."""
    lang = lang or current_language()
    for unit, scale in (("gigabyte", 1e9), ("megabyte", 1e6), ("kilobyte", 1e3)):
        if size >= scale:
            return str(format_unit(round(size / scale, 1), f"digital-{unit}", "short", locale=lang))
    return str(format_unit(size, "digital-byte", "short", locale=lang))


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def frame_rate(rate: float | None, lang: str | None = None) -> str:
    """25 i/s / 25 fps; 29,97 i/s / 29.97 fps."""
    lang = lang or current_language()
    if rate is None:
        return UNKNOWN
    return f"{number(rate, lang, 3)} {_pick(('i/s', 'fps'), lang)}"


def channels(count: int, lang: str | None = None) -> str:
    """1 canal, 2 canaux / 1 channel, 2 channels."""
    lang = lang or current_language()
    if lang == "en":
        return f"{count} channel" if count == 1 else f"{count} channels"
    return f"{count} canal" if count in (0, 1) else f"{count} canaux"


# A file's container by its extension, else by ffmpeg's format name ("mov,mp4,m4a,...").
_CONTAINERS = {
    ".mp4": "MP4",
    ".m4v": "MP4",
    ".mov": "QuickTime",
    ".mkv": "Matroska",
    ".webm": "WebM",
    ".avi": "AVI",
    ".mxf": "MXF",
    ".ts": "MPEG-TS",
    ".mpg": "MPEG",
    ".wav": "WAV",
    ".mp3": "MP3",
}
_FORMATS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "MP4",
    "matroska,webm": "Matroska",
    "mpegts": "MPEG-TS",
    "mxf": "MXF",
    "avi": "AVI",
}


def container_name(probe: dict[str, Any]) -> str:
    """ "MP4", "WebM", "Matroska": a file's kind as people name it."""
    suffix = "." + str(probe.get("path") or "").rsplit(".", 1)[-1].lower()
    fmt = str(probe.get("container") or "")
    if suffix in _CONTAINERS:
        return _CONTAINERS[suffix]
    return _FORMATS.get(fmt) or (fmt.split(",", 1)[0].upper() if fmt else UNKNOWN)


def media_facts(probe: dict[str, Any], size: int, lang: str | None = None) -> list[tuple[str, str]]:
    """A probed file as (label, text) lines: file, picture, each sound track, subtitles."""
    lang = lang or current_language()
    container = container_name(probe)
    facts = [
        (
            _pick(("Fichier", "File"), lang),
            f"{container}, {clock(probe.get('duration_s'))}, {file_size(size, lang)}",
        )
    ]
    video = probe.get("video")
    if video:
        picture = f"{video.get('codec')} {video.get('width')} × {video.get('height')}, "
        picture += frame_rate(video.get("frame_rate"), lang)
        if video.get("variable_frame_rate"):
            picture += " " + _pick(("(variable)", "(variable)"), lang)
        facts.append((_pick(("Image", "Picture"), lang), picture))
    for audio in probe.get("audio") or []:
        rate = f"{number(audio.get('sample_rate') or 0, lang, 0)} Hz"
        sound = f"{audio.get('codec')}, {channels(int(audio.get('channels') or 0), lang)}, {rate}"
        facts.append((_pick(("Son", "Sound"), lang), sound))
    subtitles = len(probe.get("subtitles") or [])
    facts.append(
        (
            _pick(("Sous-titres intégrés", "Embedded subtitles"), lang),
            str(subtitles) if subtitles else _pick(("aucun", "none"), lang),
        )
    )
    return facts


# QC checks by name: (French, English) label.
_QC_NAMES: dict[str, tuple[str, str]] = {
    "loudness": ("Sonie intégrée", "Integrated loudness"),
    "true_peak": ("Crête vraie", "True peak"),
    "loudness_range": ("Plage de sonie", "Loudness range"),
    "resolution": ("Résolution", "Resolution"),
    "frame_rate": ("Cadence", "Frame rate"),
    "captions": ("Sous-titres codés", "Closed captions"),
    "duration": ("Durée du fichier", "File duration"),
}


def _numbers_in(text: str, lang: str) -> str:
    """An expectation as media_tools writes it ("−23 ± 1", "29.97 or 25") in the language."""
    words = {" or ": (" ou ", " or "), "x": (" × ", " × ")}
    out = text
    for raw, pair in words.items():
        out = out.replace(raw, _pick(pair, lang))
    return out.replace(".", ",") if lang == "fr" else out


def qc_line(check: dict[str, Any], lang: str | None = None) -> str:
    """One QC check in words: "Sonie intégrée : −23,1 LUFS (attendu −23 ± 1 LUFS)"."""
    lang = lang or current_language()
    name = str(check.get("name", ""))
    label = _pick(_QC_NAMES.get(name, (name, name)), lang)
    measured = check.get("measured")
    expected = str(check.get("expected") or "")
    unit = str(check.get("unit") or "")
    expect = _pick(("attendu", "expected"), lang)
    if name == "duration":
        declared = expected if expected != "unknown" else None
        shown = clock(measured) if isinstance(measured, int | float) else UNKNOWN
        if declared is None:
            return labelled(
                label,
                shown + _pick((" (durée déclarée inconnue)", " (no declared runtime)"), lang),
                lang,
            )
        if check.get("passed") is False:
            return _pick(
                (
                    f"La durée du fichier ({shown}) ne correspond pas à la durée déclarée "
                    f"({declared})",
                    f"The file's duration ({shown}) does not match the declared runtime "
                    f"({declared})",
                ),
                lang,
            )
        return labelled(
            label, f"{shown} ({_pick(('déclarée', 'declared'), lang)} {declared})", lang
        )
    if name == "captions":
        value = _pick(("oui", "yes"), lang) if measured else _pick(("non", "no"), lang)
        need = {"required": ("obligatoires", "required"), "optional": ("facultatif", "optional")}
        return labelled(
            label, f"{value} ({_pick(need.get(expected, (expected, expected)), lang)})", lang
        )
    if measured is None:
        missing = {
            "loudness": ("pas de piste son", "no audio track"),
            "true_peak": ("pas de piste son", "no audio track"),
        }.get(name, ("inconnue", "unknown"))
        value = _pick(missing, lang)
    elif name == "frame_rate":
        value = frame_rate(float(measured), lang)
    elif isinstance(measured, int | float) and not isinstance(measured, bool):
        value = f"{number(measured, lang)} {unit}".strip()
    else:
        value = _numbers_in(str(measured), lang)
    if expected in ("reported", "any"):
        note = _pick(("mesurée, non jugée", "measured, not judged"), lang)
    elif expected == "an audio track":
        note = _pick(("une piste son attendue", "an audio track expected"), lang)
    elif name == "frame_rate":
        note = f"{expect} {_numbers_in(expected, lang)} {_pick(('i/s', 'fps'), lang)}"
    else:
        note = f"{expect} {_numbers_in(expected, lang)} {unit}".strip()
    return labelled(label, f"{value} ({note})", lang)


def _film_report(asset: Any, film: Any) -> dict[str, Any]:
    """The asset's stored QC with its duration checked against the film's runtime now."""
    probe = getattr(asset, "probe", None) or {}
    runtime = getattr(film, "runtime_seconds", None)
    return media_tools.with_duration(asset.qc, probe.get("duration_s"), runtime)


def qc_rows(asset: Any, film: Any, lang: str | None = None) -> list[tuple[str, str]]:
    """A film's QC as (state, words): pass, fail or info; the duration checked against the
    film's runtime as it is now."""
    if not getattr(asset, "qc", None):
        return []
    states = {True: "pass", False: "fail", None: "info"}
    checks = _film_report(asset, film).get("checks", [])
    return [(states[c.get("passed")], qc_line(c, lang)) for c in checks]


def qc_title(asset: Any, lang: str | None = None) -> str:
    """The spec a QC report checked, by its title ("EBU R128, Europe")."""
    spec = str((getattr(asset, "qc", None) or {}).get("spec", ""))
    known = media_tools.SPECS.get(spec)
    return known.title.replace(" (", ", ").rstrip(")") if known else spec


def qc_verdict(asset: Any, film: Any, lang: str | None = None) -> tuple[str, str]:
    """(state, words) for the whole report: "Conforme", or how many checks fail and which."""
    lang = lang or current_language()
    if not getattr(asset, "qc", None):
        return "info", ""
    failed = [
        _pick(_QC_NAMES.get(str(c.get("name")), ("?", "?")), lang).lower()
        for c in _film_report(asset, film).get("checks", [])
        if c.get("passed") is False
    ]
    if not failed:
        return "pass", _pick(("Conforme", "Compliant"), lang)
    n = len(failed)
    head = _pick(
        (
            f"Non conforme : {n} contrôle échoue"
            if n == 1
            else f"Non conforme : {n} contrôles échouent",
            f"Not compliant: {n} check fails" if n == 1 else f"Not compliant: {n} checks fail",
        ),
        lang,
    )
    return "fail", f"{head} ({', '.join(failed)})"


def init_app(app: Flask) -> None:
    filters = app.jinja_env.filters
    filters["language"] = lambda c: language_name(c, current_language()) if _code(c) else UNKNOWN
    filters["languages"] = lambda cs: _names(cs, language_name)
    filters["countries"] = lambda cs: _names(cs, country_name)
    filters["genre"] = lambda c: genre_name(_code(c), current_language()) or UNKNOWN
    filters["genres"] = lambda cs: _names(cs, genre_name)
    filters["form"] = lambda c: genre_name(_code(c), current_language()) or UNKNOWN
    filters["audience"] = lambda c: audience_name(_code(c), current_language()) or UNKNOWN
    filters["region"] = region_label
    filters["bundle_label"] = bundle_label
    filters["bundle_explanation"] = bundle_explanation
    filters["bundle_pitch"] = bundle_pitch
    filters["film_title"] = film_title
    filters["percent"] = percent
    filters["synopsis"] = synopsis
    filters["colon"] = colon
    filters["clock"] = clock
    filters["minutes"] = minutes
    filters["file_size"] = file_size
    filters["moment"] = moment
    filters["public_explanation"] = public_explanation
    app.jinja_env.globals["media_facts"] = media_facts
    app.jinja_env.globals["qc_rows"] = qc_rows
    app.jinja_env.globals["qc_title"] = qc_title
    app.jinja_env.globals["qc_verdict"] = qc_verdict
