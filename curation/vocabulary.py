"""One bilingual vocabulary for genres, forms and audiences: a code, a French and an English name.

Catalogs name genres in their own words: Netflix says "Documentaries" and "Children & Family
Movies", Telefilm "Documentary" and "Science fiction/Fantasy/Tale", Québec records give a
French form ("documentaire", "hybride"). `genre_code` maps each of these (and the vocabulary's
own French and English names) onto one code, so labels, explanations and pages speak of
"Documentaire" on a French page and "Documentary" on an English one, never the source's
spelling. The table is code (the core opens no file); the shell uses it for display.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from curation.stopwords import fold

# Code → (French, English). Forms share the table: a film's form "documentary" and its genre
# "Documentaries" are one thing to say about it.
GENRES: dict[str, tuple[str, str]] = {
    "documentary": ("Documentaire", "Documentary"),
    "fiction": ("Fiction", "Fiction"),
    "animation": ("Animation", "Animation"),
    "experimental": ("Expérimental", "Experimental"),
    "hybrid": ("Hybride", "Hybrid"),
    "drama": ("Drame", "Drama"),
    "comedy": ("Comédie", "Comedy"),
    "standup": ("Humour", "Stand-up comedy"),
    "family": ("Jeunesse et famille", "Children & family"),
    "children": ("Jeunesse", "Children"),
    "international": ("Cinéma international", "International cinema"),
    "feature": ("Long métrage", "Feature film"),
    "scifi_fantasy": ("Science-fiction et fantastique", "Science fiction & fantasy"),
    "action_adventure": ("Action et aventure", "Action & adventure"),
    "sports": ("Sport", "Sports"),
    "music": ("Musique", "Music"),
    "musical": ("Comédie musicale", "Musical"),
    "romance": ("Romance", "Romance"),
    "romantic_comedy": ("Comédie romantique", "Romantic comedy"),
    "crime": ("Policier et mystère", "Mystery & crime"),
    "thriller": ("Suspense", "Thriller"),
    "historical": ("Drame historique", "Historical drama"),
    "classic": ("Classique", "Classic"),
    "lgbtq": ("LGBTQ+", "LGBTQ+"),
    "anime": ("Anime", "Anime"),
    "faith": ("Foi et spiritualité", "Faith & spirituality"),
    "independent": ("Cinéma indépendant", "Independent cinema"),
    "cult": ("Film culte", "Cult film"),
    "horror": ("Horreur", "Horror"),
}

# Genres that say nothing of a group of films: shown on a film's page, never in a label.
UNTELLING = frozenset({"international", "feature", "independent"})

# The sources' own names, besides the vocabulary's French and English ones.
_ALIASES: dict[str, str] = {
    "Documentaries": "documentary",
    "Docuseries": "documentary",
    "Documentaire": "documentary",
    "Dramas": "drama",
    "Comedies": "comedy",
    "Stand-Up Comedy": "standup",
    "Stand-Up Comedy & Talk Shows": "standup",
    "Children & Family Movies": "family",
    "Kids' TV": "children",
    "International Movies": "international",
    "Movies": "feature",
    "Science fiction/Fantasy/Tale": "scifi_fantasy",
    "Sci-Fi & Fantasy": "scifi_fantasy",
    "Action/Adventure": "action_adventure",
    "Action & Adventure": "action_adventure",
    "Sports Movies": "sports",
    "Music & Musicals": "music",
    "Romantic Movies": "romance",
    "Mystery/Crime/Police": "crime",
    "Thrillers": "thriller",
    "Classic Movies": "classic",
    "LGBTQ Movies": "lgbtq",
    "Anime Features": "anime",
    "Faith & Spirituality": "faith",
    "Independent Movies": "independent",
    "Cult Movies": "cult",
    "Horror Movies": "horror",
    "expérimental": "experimental",
    "experimental film": "experimental",
    "hybride": "hybrid",
    "film d'animation": "animation",
}

# Audience code → (French, English).
AUDIENCES: dict[str, tuple[str, str]] = {
    "jeunesse": ("Jeunesse", "Youth"),
    "famille": ("Famille", "Family"),
    "general": ("Grand public", "General audience"),
    "adulte": ("Adulte", "Adult"),
}


def _key(text: str) -> str:
    return " ".join(fold(text).replace("’", "'").split())


_LOOKUP: dict[str, str] = {
    **{_key(code): code for code in GENRES},
    **{_key(fr): code for code, (fr, _) in GENRES.items()},
    **{_key(en): code for code, (_, en) in GENRES.items()},
    **{_key(alias): code for alias, code in _ALIASES.items()},
}


@lru_cache(maxsize=1 << 12)  # a catalog names a few hundred genres, for each of its films
def genre_code(name: str | None) -> str | None:
    """The vocabulary's code for a source's genre or form ("Documentaries" → "documentary")."""
    if not name:
        return None
    return _LOOKUP.get(_key(name))


def genre_name(name: str | None, lang: str = "fr") -> str:
    """A genre or form by its name in `lang`; a name the vocabulary lacks is kept as given."""
    code = genre_code(name)
    if code is None:
        return name or ""
    fr, en = GENRES[code]
    return en if lang.startswith("en") else fr


def genre_codes(names: Iterable[str]) -> list[str]:
    """Codes of the names the vocabulary knows, each once, in order."""
    return list(dict.fromkeys(c for c in map(genre_code, names) if c is not None))


def audience_name(code: str | None, lang: str = "fr") -> str:
    """ "Grand public" / "General audience" for "general"; "" for no audience."""
    if not code:
        return ""
    names = AUDIENCES.get(_key(code))
    if names is None:
        return code
    return names[1] if lang.startswith("en") else names[0]
