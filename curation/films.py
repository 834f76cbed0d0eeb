"""The film as the curation core sees it, and the Québec region names its labels speak of.

The shell builds `CurationFilm`s from the catalog; the core never sees the database's `Film`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# The metropolis whose share the regional floor limits, and the code for "outside Québec".
MONTREAL = "06"
OUTSIDE_QUEBEC = "99"

# Code → (name, article). The article lets labels say "sur la Gaspésie", "du Bas-Saint-Laurent".
_REGIONS: dict[str, tuple[str, str]] = {
    "01": ("Bas-Saint-Laurent", "le "),
    "02": ("Saguenay–Lac-Saint-Jean", "le "),
    "03": ("Capitale-Nationale", "la "),
    "04": ("Mauricie", "la "),
    "05": ("Estrie", "l'"),
    "06": ("Montréal", ""),
    "07": ("Outaouais", "l'"),
    "08": ("Abitibi-Témiscamingue", "l'"),
    "09": ("Côte-Nord", "la "),
    "10": ("Nord-du-Québec", "le "),
    "11": ("Gaspésie–Îles-de-la-Madeleine", "la "),
    "12": ("Chaudière-Appalaches", "la "),
    "13": ("Laval", ""),
    "14": ("Lanaudière", ""),
    "15": ("Laurentides", "les "),
    "16": ("Montérégie", "la "),
    "17": ("Centre-du-Québec", "le "),
}


def region_name(code: str | None) -> str:
    """The region's name, e.g. "Gaspésie–Îles-de-la-Madeleine"; never empty."""
    if code is None:
        return "région inconnue"
    if code == OUTSIDE_QUEBEC:
        return "hors Québec"
    return _REGIONS.get(code, (code, ""))[0]


def region_with_article(code: str | None) -> str:
    """ "la Gaspésie–Îles-de-la-Madeleine", "l'Estrie", "Montréal"."""
    name, article = _REGIONS.get(code or "", (region_name(code), ""))
    return article + name


def from_region(code: str | None) -> str:
    """French "from": "de la Gaspésie…", "du Bas-Saint-Laurent", "des Laurentides"."""
    if code == OUTSIDE_QUEBEC:
        return "de l'extérieur du Québec"
    if code is None or code not in _REGIONS:
        return "d'une région inconnue" if code is None else f"de la région {code}"
    name, article = _REGIONS[code]
    if article == "le ":
        return "du " + name
    if article == "les ":
        return "des " + name
    if not article and name[0] in "AEIOUÉÈÀÎ":
        return "d'" + name
    return "de " + article + name


@dataclass(frozen=True)
class CurationFilm:
    """A film's facts that clustering and bundling need. Codes are the catalog's own.

    `languages` and `subtitle_languages` are ISO 639-3 ("fra", "eng", "iku"); `audience` one of
    jeunesse / famille / general / adulte or None; `text` is what labels are drawn from
    (usually the same `film_text` the embedding came from); `text_fr` and `text_en`, when
    given, are the film's French and English words (subjects, synopses), which bundle labels
    draw from in each language.
    """

    id: int
    title: str
    runtime_seconds: int | None = None
    directors: tuple[str, ...] = ()
    region_code: str | None = None
    audience: str | None = None
    languages: tuple[str, ...] = ()
    subtitle_languages: tuple[str, ...] = ()
    form: str | None = None
    genres: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    style_tags: tuple[str, ...] = ()
    text: str = ""
    text_fr: str = ""
    text_en: str = ""
    # The ages a youth film is made for (audience jeunesse), when the record says.
    age_min: int | None = None
    age_max: int | None = None


@lru_cache(maxsize=1 << 17)
def person_key(name: str) -> str:
    """A director's name compared loosely: case, accents and spacing do not make a new person."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())
