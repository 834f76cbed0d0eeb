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
from collections.abc import Iterable
from typing import Any

import pycountry
from babel import Locale
from flask import Flask
from flask_babel import get_locale

from curation.films import OUTSIDE_QUEBEC, region_name
from curation.vocabulary import audience_name, genre_name

UNKNOWN = "—"

# ISO 639-3 → (French, English), where CLDR has no name or not the one in use here.
_LANGUAGES: dict[str, tuple[str, str]] = {
    "moe": ("innu-aimun", "Innu-aimun"),
    "atj": ("atikamekw", "Atikamekw"),
    "iku": ("inuktitut", "Inuktitut"),
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


def bundle_explanation(bundle: Any, lang: str | None = None) -> str:
    lang = lang or current_language()
    english = getattr(bundle, "explanation_en", "")
    return str(english if lang == "en" and english else bundle.explanation)


def _names(values: Iterable[Any], name: Any) -> str:
    lang = current_language()
    shown = [name(c, lang) for c in (_code(v) for v in values or ()) if c]
    return ", ".join(dict.fromkeys(shown)) or UNKNOWN


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
