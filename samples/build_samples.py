"""Build samples/catalog.csv from the real public data in ../shared/data (see samples/README.md).

The 125 Québec shorts of `quebec_shorts.csv` are the heart of it; the Netflix shorts are the
films from outside Québec, and the Telefilm titles the incomplete records.

Run from anywhere: `.venv/bin/python samples/build_samples.py [DATA_DIR]`. The output depends
only on the input files, so rebuilding gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from catalog.places import (
    MONTREAL,
    OUTSIDE_QUEBEC,
    PlaceError,
    PlaceIndex,
    UnknownPlace,
    default_index,
)

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OUTPUT = HERE / "catalog.csv"

# The table of docs/import-format.md, in its order.
COLUMNS = [
    "external_id", "original_title", "title_fr", "title_en", "year", "runtime", "form",
    "genres", "subjects", "style_tags", "synopsis_fr", "synopsis_en", "synopsis_long_fr",
    "synopsis_long_en", "logline", "original_languages", "subtitle_languages",
    "closed_captions", "described_video", "audience", "audience_age_min", "audience_age_max",
    "countries", "region", "municipality", "production_company", "directors", "producers",
    "writers", "cinematographers", "editors", "composers", "cast", "festival_selections",
    "awards", "rights_territories", "rights_window_start", "rights_window_end",
    "rights_exclusive", "rights_notes", "contact_name", "contact_email", "status",
]  # fmt: skip

Row = dict[str, str]


def joined(items: Iterable[str]) -> str:
    """The canonical multi-valued cell: items in order, without blanks or repeats."""
    kept: list[str] = []
    for item in items:
        item = item.strip()
        if ";" in item:  # the import would split it into two items
            raise ValueError(f"list item contains ';': {item!r}")
        if item and item not in kept:
            kept.append(item)
    return "; ".join(kept)


def comma_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(",") if item.strip()]


# -- Québec shorts ---------------------------------------------------------------------------

# The source writes forms and audiences in French; the import format's canonical values.
QUEBEC_FORMS = {
    "documentaire": "documentary",
    "fiction": "fiction",
    "animation": "animation",
    "expérimental": "experimental",
    "hybride": "hybrid",
}
QUEBEC_AUDIENCES = {
    "jeunesse": "jeunesse",
    "famille": "famille",
    "général": "general",
    "adulte": "adulte",
}


def semicolon_list(cell: str) -> list[str]:
    return [item.strip() for item in cell.split(";") if item.strip()]


class QuebecShorts:
    """The real Québec short films of `quebec_shorts.csv`, with their place checked."""

    def __init__(self, path: Path, places: PlaceIndex) -> None:
        self.places = places
        with open(path, encoding="utf-8", newline="") as f:
            self.records = list(csv.DictReader(f))
        self.unlisted: list[tuple[str, str, str]] = []  # (external_id, place, region)

    def place(self, record: Row) -> str:
        """The place's name as the importer stores it; a place the table lacks stays as written.

        A known place in another region than the record's is a contradiction in the data,
        which stops the build rather than being resolved one way or the other.
        """
        text, region = record["municipality"].strip(), record["region_code"].strip()
        if not text:
            return ""
        try:
            found = self.places.place(text, region_code=region)
        except UnknownPlace:
            self.unlisted.append((record["external_id"], text, region))
            return text
        if found.region_code != region:
            raise SystemExit(
                f"{record['external_id']}: {text!r} is in region {found.region_code}, "
                f"the record says {region}"
            )
        return found.name

    def rows(self) -> list[Row]:
        rows: list[Row] = []
        for record in self.records:
            form, audience = record["form"].strip(), record["audience"].strip()
            rows.append(
                {
                    "external_id": record["external_id"].strip(),
                    "original_title": record["original_title"].strip(),
                    "title_fr": record["title_fr"].strip(),
                    "title_en": record["title_en"].strip(),
                    "year": record["year"].strip(),
                    "runtime": hms(int(record["runtime_minutes"])),
                    "form": QUEBEC_FORMS[form] if form else "",
                    "subjects": joined(semicolon_list(record["subjects"])),
                    "synopsis_fr": record["synopsis_fr"].strip(),
                    "synopsis_en": record["synopsis_en"].strip(),
                    "original_languages": joined(semicolon_list(record["original_languages"])),
                    "audience": QUEBEC_AUDIENCES[audience] if audience else "",
                    # Every region of the file is one of Québec's (01–17).
                    "countries": "Canada",
                    "region": record["region_code"].strip(),
                    "municipality": self.place(record),
                    # Two companies are one text cell: the format has one production_company.
                    "production_company": joined(semicolon_list(record["production_company"])),
                    "directors": joined(semicolon_list(record["directors"])),
                    "status": "accepted",
                }
            )
        return rows


# -- Netflix -------------------------------------------------------------------------------

NETFLIX_MAX_MINUTES = 60

# Rating → (audience, age min, age max).
NETFLIX_AUDIENCE = {
    "TV-Y": ("jeunesse", "0", "6"),
    "TV-Y7": ("jeunesse", "7", "12"),
    "TV-Y7-FV": ("jeunesse", "7", "12"),
    "G": ("famille", "", ""),
    "TV-G": ("famille", "", ""),
    "PG": ("famille", "", ""),
    "TV-PG": ("famille", "", ""),
    "PG-13": ("general", "", ""),
    "TV-14": ("general", "", ""),
    "R": ("adulte", "", ""),
    "NC-17": ("adulte", "", ""),
    "TV-MA": ("adulte", "", ""),
}


def netflix_form(genres: list[str]) -> str:
    if "Documentaries" in genres:
        return "documentary"
    if "Anime Features" in genres:
        return "animation"
    if genres == ["Stand-Up Comedy"]:
        return ""  # a filmed stage show is none of the catalog's forms
    return "fiction"


def hms(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def netflix_rows(path: Path) -> list[Row]:
    rows: list[Row] = []
    with open(path, encoding="utf-8", newline="") as f:
        for source in csv.DictReader(f):
            duration = re.fullmatch(r"(\d+) min", source["duration"].strip())
            if source["type"] != "Movie" or not duration:
                continue
            minutes = int(duration.group(1))
            if minutes > NETFLIX_MAX_MINUTES:
                continue
            genres = comma_list(source["listed_in"])
            countries = comma_list(source["country"])
            audience, age_min, age_max = NETFLIX_AUDIENCE.get(source["rating"].strip(), ("",) * 3)
            rows.append(
                {
                    "external_id": f"netflix-{source['show_id']}",
                    "original_title": source["title"].strip(),
                    "title_en": source["title"].strip(),
                    "year": source["release_year"].strip(),
                    "runtime": hms(minutes),
                    "form": netflix_form(genres),
                    "genres": joined(genres),
                    "synopsis_en": source["description"].strip(),
                    "audience": audience,
                    "audience_age_min": age_min,
                    "audience_age_max": age_max,
                    "countries": joined(countries),
                    "region": OUTSIDE_QUEBEC if countries and "Canada" not in countries else "",
                    "directors": joined(comma_list(source["director"])),
                    "cast": joined(comma_list(source["cast"])),
                    "status": "accepted",
                }
            )
    return rows


# -- Telefilm ------------------------------------------------------------------------------

# Purposes whose records name a film project; the others fund festivals, cinemas, games and
# websites (Canada New Media Fund) or a company's development slate ("Portfolio …").
FILM_PURPOSES = {
    "Development Program",
    "Production Program",
    "Production Program - Greenlight",
    "Marketing Program",
    "International Marketing Program",
    "Mini-treaties",
    "Theatrical Documentary Program",
    "Talent To Watch Program",
    "Micro-Budget Production Program",
}
# Montréal dominates the funding records; from Montréal, only the programmes for new talent,
# micro budgets and documentaries are sampled.
MONTREAL_PURPOSES = {
    "Talent To Watch Program",
    "Micro-Budget Production Program",
    "Theatrical Documentary Program",
}
LANGUAGES = {"French": "fra", "English": "eng"}
NO_GENRE = {"", "0", "N/A"}
GENRE_NAMES = {"Drama (Film)": "Drama", "Sci.fi./Fantasy/Tale": "Science fiction/Fantasy/Tale"}
FICTION_GENRES = {
    "Drama",
    "Comedy",
    "Romantic Comedy",
    "Historical Drama",
    "Action/Adventure",
    "Thriller",
    "Mystery/Crime/Police",
    "Science fiction/Fantasy/Tale",
    "Horror",
    "Horror/Thriller",
    "Musical",
    "Western",
}

_ARTICLES = r"the|an|a|les|le|la|l'|l’|une|un|des|ces|mes"
# "(aka …)" and working titles are other names of the film, not part of its title.
_AKA = re.compile(r"\s*(?:\(\s*(?:a\.\s?k\.\s?a\.?|aka)|\s(?:a\.k\.a\.|aka)(?=[\s:(])).*$", re.I)
_WORKING_TITLE = re.compile(r"\s*\((?:titre de travail|working title|previous title)[^()]*\)", re.I)
# Telefilm tells same-titled projects apart with a surname: "Ressac (Ferland)".
_DISAMBIGUATOR = re.compile(r"^(?P<base>.+?)\s+\([A-ZÀ-Ý][\w'’-]+(?:[ -][A-ZÀ-Ý][\w'’-]+)?\)$")
_PAREN_ARTICLE = re.compile(rf"^(?P<main>[^()]+?)\s*\((?P<art>{_ARTICLES})\)(?P<rest>.*)$", re.I)
_COMMA_ARTICLE = re.compile(rf"^(?P<main>.+?),\s*(?P<art>{_ARTICLES})(?P<rest>)$", re.I)


def library_title(raw: str) -> str:
    """The title as shown on screen: `Con Artist, The` → `The Con Artist`, without `(aka …)`."""
    title = raw.strip()
    if len(title) > 1 and title[0] == title[-1] == '"':  # quoted twice in the source file
        title = title[1:-1].replace('""', '"')
    title = _WORKING_TITLE.sub("", _AKA.sub("", " ".join(title.split())))
    title = " ".join(title.split()).rstrip(" -–,:")
    # Bilingual titles invert each half: "Mysteries of Alfred Hedgehog / Mystères d'Alfred (Les)".
    return " / ".join(_uninvert(half.strip()) for half in title.split(" / "))


def _uninvert(title: str) -> str:
    for pattern in (_PAREN_ARTICLE, _COMMA_ARTICLE):
        match = pattern.match(title)
        if match:
            article, main = match["art"], match["main"].strip()
            if article.islower():
                article = article.capitalize()
            separator = "" if article[-1] in "'’" else " "
            return f"{article}{separator}{main}{match['rest']}".strip()
    return title


def title_key(title: str) -> str:
    """Case-, accent- and punctuation-free form: one film however its title was typed."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def telefilm_genre(cell: str) -> str:
    genre = cell.strip()
    return "" if genre in NO_GENRE else GENRE_NAMES.get(genre, genre)


def telefilm_form(genre: str) -> str:
    if "Documentary" in genre:
        return "documentary"
    return "fiction" if genre in FICTION_GENRES else ""


def _merge_namesakes(films: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """Drop Telefilm's "(Surname)" from titles where it tells no two films apart.

    "Un Dernier pour la route (Pagé)" joins "Un Dernier pour la route" when the same company
    holds both; "Stella (Légaré)" becomes "Stella" when no other film is called Stella; the two
    films called "Ressac" keep their surnames.
    """
    films = {key: list(records) for key, records in films.items()}
    bases: dict[str, list[str]] = defaultdict(list)
    for key, records in films.items():
        match = _DISAMBIGUATOR.match(records[0]["title"])
        if match:
            bases[title_key(match["base"])].append(key)
    for base, keys in sorted(bases.items()):
        plain = films.get(base)
        for key in keys:
            records = films[key]
            companies = {r["Recipient Name"].strip() for r in records}
            if plain is not None and companies & {r["Recipient Name"].strip() for r in plain}:
                name = plain[0]["title"]
            elif plain is None and len(keys) == 1:
                name = _DISAMBIGUATOR.match(records[0]["title"])["base"]  # type: ignore[index]
            else:
                continue
            for record in records:
                record["title"] = name
            films.setdefault(base, []).extend(films.pop(key))
    return films


def _date_order(record: Row) -> tuple[bool, str, str]:
    date = record["Date"].strip()
    unknown = not date or date.startswith("0000")
    return (unknown, date, record["Period"])


class Telefilm:
    """The Québec film projects of the funding records, one per title, with their place."""

    def __init__(self, path: Path, places: PlaceIndex) -> None:
        self.places = places
        records: dict[str, list[Row]] = defaultdict(list)
        with open(path, encoding="utf-8", newline="") as f:
            for record in csv.DictReader(f):
                if record["Province"].strip() != "Quebec":
                    continue
                if record["Purpose"].strip() not in FILM_PURPOSES:
                    continue
                if record["Title"].strip() in {"", "0"} or record["Title"].startswith("Portfolio"):
                    continue
                record["title"] = library_title(record["Title"])
                records[title_key(record["title"])].append(record)
        self.films = {
            key: sorted(rs, key=_date_order) for key, rs in _merge_namesakes(records).items()
        }
        self.unresolved: Counter[tuple[str, str]] = Counter()

    def place(self, city: str) -> tuple[str, str]:
        """(municipality, region) of a city cell, or empty strings when it does not resolve."""
        if city in {"", "0"}:
            self.unresolved[(city, "no city")] += 1
            return "", ""
        try:
            town = self.places.municipality(city)
        except PlaceError as error:
            reason = "several regions" if "several regions" in str(error) else "unknown"
            self.unresolved[(city, reason)] += 1
            return "", ""
        return town.name, town.region_code

    def rows(self) -> list[Row]:
        rows: list[Row] = []
        for key, records in sorted(self.films.items()):
            first = records[0]
            municipality, region = self.place(" ".join(first["City"].split()))
            purposes = {r["Purpose"].strip() for r in records}
            if region == MONTREAL and not purposes & MONTREAL_PURPOSES:
                continue
            # Language and genre are blank in some records of a film and given in others.
            language = next(
                (r["Language"].strip() for r in records if r["Language"].strip() in LANGUAGES),
                "",
            )
            genre = next((g for r in records if (g := telefilm_genre(r["Genre"]))), "")
            # Prefer a spelling that is not all capitals, when the film has one.
            title = next((r["title"] for r in records if not r["title"].isupper()), first["title"])
            rows.append(
                {
                    "external_id": "telefilm-" + hashlib.sha1(key.encode()).hexdigest()[:10],
                    "original_title": title,
                    "title_fr": title if language == "French" else "",
                    "title_en": title if language == "English" else "",
                    "form": telefilm_form(genre),
                    "genres": genre,
                    "original_languages": LANGUAGES.get(language, ""),
                    "countries": "Canada",
                    "region": region,
                    "municipality": municipality,
                    "production_company": " ".join(first["Recipient Name"].split()),
                    "status": "accepted",
                }
            )
        return rows


# -- output --------------------------------------------------------------------------------


def write_catalog(rows: list[Row], path: Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(
            f, fieldnames=COLUMNS, restval="", lineterminator="\n", quoting=csv.QUOTE_MINIMAL
        )
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda row: row["external_id"]))


def main(argv: list[str]) -> int:
    data_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_DATA_DIR
    places = default_index()
    quebec = QuebecShorts(data_dir / "quebec_shorts.csv", places)
    quebec_rows = quebec.rows()
    netflix = netflix_rows(data_dir / "netflix_titles.csv")
    telefilm = Telefilm(data_dir / "telefilm_funding.csv", places)
    telefilm_rows = telefilm.rows()
    rows = quebec_rows + netflix + telefilm_rows
    ids = Counter(row["external_id"] for row in rows)
    duplicates = [i for i, n in ids.items() if n > 1]
    if duplicates:
        raise SystemExit(f"duplicate external_id: {duplicates[:5]}")
    write_catalog(rows, OUTPUT)

    print(f"wrote {OUTPUT}: {len(rows)} films")
    print(f"  québec:   {len(quebec_rows)} short films")
    print(f"  netflix:  {len(netflix)} (films of {NETFLIX_MAX_MINUTES} min or less)")
    print(f"  telefilm: {len(telefilm_rows)} of {len(telefilm.films)} Québec film titles")
    unresolved = sum(telefilm.unresolved.values())
    print(f"Québec places the place table lacks (kept as written): {len(quebec.unlisted)}")
    for external_id, place, region in quebec.unlisted:
        print(f"  {external_id}  {place!r} (region {region})")
    print(f"unresolved Telefilm cities: {unresolved} of {len(telefilm.films)} titles")
    for (city, reason), n in telefilm.unresolved.most_common(15):
        print(f"  {n:4d}  {city!r} ({reason})")
    print("films per region:")
    names = {r.code: r.name for r in places.regions}
    per_region: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        per_region[row.get("region", "")][row["external_id"].split("-")[0]] += 1
    for code, sources in sorted(per_region.items()):
        counts = ", ".join(f"{source} {n}" for source, n in sorted(sources.items()))
        label = f"{code or '--'} {names.get(code, '(unknown)')}"
        print(f"  {label:36} {sources.total():4d}  ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
