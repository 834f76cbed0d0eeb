"""What the submission form's pickers offer: languages and countries named in the
interface's language, each with the value the catalog stores (an ISO 639-3 code, a country's
English name)."""

from __future__ import annotations

import functools
from typing import Any

import pycountry
from babel import Locale

from catalog.fields import fold
from web.display import language_name

# Languages of Québec and Canada that ISO 639-1 leaves out, and the catalog's special codes.
_LOCAL_LANGUAGES = ("moe", "atj", "iku", "cre", "mic", "moh", "alq", "abe", "nsk", "fcs", "ase")
_SPECIAL_LANGUAGES = ("zxx", "mul")


@functools.cache
def language_options(lang: str) -> list[tuple[str, str]]:
    """(code, name) of the languages a film is likely to speak, sorted by name: every ISO
    639-1 language, Québec's Indigenous and sign languages, "no dialogue"."""
    codes = [language.alpha_3 for language in pycountry.languages if hasattr(language, "alpha_2")]
    options: dict[str, str] = {}
    for code in (*codes, *_LOCAL_LANGUAGES, *_SPECIAL_LANGUAGES):
        options.setdefault(code, language_name(code, lang))
    return sorted(options.items(), key=lambda option: fold(option[1]))


@functools.cache
def country_options(lang: str) -> list[tuple[str, str]]:
    """(stored name, shown name) of every country: the catalog keeps English names."""
    territories = Locale(lang).territories
    options = {
        _stored_country(country): str(territories.get(country.alpha_2, country.name))
        for country in pycountry.countries
    }
    return sorted(options.items(), key=lambda option: fold(option[1]))


def _stored_country(country: Any) -> str:
    """The English name everyone writes ("South Korea", not "Korea, Republic of": a comma
    would split the list), as long as it reads back as this country; else its code."""
    alpha_2 = str(country.alpha_2)
    for name in (Locale("en").territories.get(alpha_2), country.name):
        if name and "," not in name and ";" not in name:
            try:
                if pycountry.countries.lookup(name).alpha_2 == alpha_2:
                    return str(name)
            except LookupError:
                continue
    return alpha_2
