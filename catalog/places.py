"""Québec's regions and municipalities, and how free-text place names resolve to them."""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

OUTSIDE_QUEBEC = "99"
MONTREAL = "06"

DATA_DIR = Path(__file__).with_name("data")

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
_TRAILING_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)\s*$")
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}

# Region names people actually write, beside the official ones and their prefixes.
_REGION_SHORT_NAMES = {
    "gaspesie": "11",
    "iles de la madeleine": "11",
    "saguenay": "02",
    "lac saint jean": "02",
    "abitibi": "08",
    "temiscamingue": "08",
    "cantons de l est": "05",
    "eastern townships": "05",
    "hors quebec": OUTSIDE_QUEBEC,
    "outside quebec": OUTSIDE_QUEBEC,
    "outside of quebec": OUTSIDE_QUEBEC,
}

# A trailing "(Québec)" or ", QC" says which province, not which municipality.
_PROVINCE_QUALIFIERS = {
    "qc",
    "que",
    "pq",
    "quebec",
    "province de quebec",
    "province of quebec",
    "canada",
    "quebec canada",
    "qc canada",
}
_DESIGNATION_SYNONYMS = {
    "city": "ville",
    "town": "ville",
    "township": "canton",
    "parish": "paroisse",
    "reserve": "reserve indienne",
    "tno": "territoire non organise",
}
# The répertoire's placeholder for unnamed unorganised territories: not a name anyone means.
_PLACEHOLDER_NAMES = {"toponyme a venir"}


class PlaceError(ValueError):
    """A place name that does not resolve to one region or municipality; says why."""


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    designation: str
    region_code: str
    mrc_name: str
    population: int


def _fold(text: str) -> str:
    # NFKD leaves ligatures whole: "Sacré-Cœur" must still match "Sacre-Coeur".
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Dashes, apostrophes, dots and the like all become one space: "Baie-D’Urfé" ~ "baie d urfe".
    return " ".join(re.sub(r"[\W_]+", " ", without_accents).split())


def _split_qualifier(text: str) -> tuple[str, str | None]:
    """`"Hatley (canton)"` → `("Hatley", "canton")`; without a trailing parenthetical → None."""
    match = _TRAILING_PARENTHETICAL.search(text)
    if match is None or not text[: match.start()].strip():
        return text, None
    return text[: match.start()], match.group(1)


def normalise_place(text: str) -> str:
    """The matching key of a place name: no case, accents, punctuation or `St-`/`Ste-` forms.

    >>> normalise_place("St-Bruno-de-Montarville")
    'saint bruno de montarville'
    >>> normalise_place("Sainte–Anne-de-Bellevue (Ville)")
    'sainte anne de bellevue'
    """
    words = _fold(_split_qualifier(text)[0]).split()
    # A last "st" is left alone: there it is no abbreviation of saint ("Rue St").
    return " ".join(
        _ABBREVIATIONS.get(word, word) if i < len(words) - 1 else word
        for i, word in enumerate(words)
    )


def _population(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def _names(items: Iterable[str], limit: int = 6) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class PlaceIndex:
    """Regions and municipalities of the MAMH répertoire, indexed for lookup by name or code."""

    def __init__(
        self,
        regions: Iterable[Region],
        municipalities: Iterable[Municipality],
        aliases: dict[str, str] | None = None,
    ) -> None:
        self._regions = sorted(
            {r.code: r for r in [*regions, Region(OUTSIDE_QUEBEC, "Hors Québec")]}.values(),
            key=lambda r: r.code,
        )
        self._municipalities = sorted(municipalities, key=lambda m: (m.name, m.code))
        self._region_by_code = {r.code: r for r in self._regions}
        self._region_by_key: dict[str, Region] = {normalise_place(r.name): r for r in self._regions}
        for key, code in _REGION_SHORT_NAMES.items():
            if code in self._region_by_code:
                self._region_by_key.setdefault(key, self._region_by_code[code])

        self._by_code = {m.code: m for m in self._municipalities}
        self._by_name: dict[str, list[Municipality]] = {}
        for town in self._municipalities:
            key = normalise_place(town.name)
            if key not in _PLACEHOLDER_NAMES:
                self._by_name.setdefault(key, []).append(town)
        self._alias_names: dict[str, str] = {}
        self._by_alias: dict[str, Municipality] = {}
        for alias, code in (aliases or {}).items():
            key = normalise_place(alias)
            if key in self._by_name:
                raise ValueError(f"alias {alias!r} is the name of a municipality")
            if code not in self._by_code:
                raise ValueError(f"alias {alias!r} points to unknown municipality code {code}")
            if key in self._by_alias and self._by_alias[key].code != code:
                raise ValueError(f"alias {alias!r} is given twice with different municipalities")
            self._by_alias[key] = self._by_code[code]
            self._alias_names[key] = alias
        self._designations = {_fold(m.designation) for m in self._municipalities}

    @classmethod
    def load(cls, data_dir: Path | None = None) -> PlaceIndex:
        """Read `quebec_regions.csv`, `quebec_municipalities.csv` and `municipality_aliases.csv`."""
        folder = DATA_DIR if data_dir is None else Path(data_dir)
        with open(folder / "quebec_regions.csv", encoding="utf-8", newline="") as f:
            regions = [Region(row["region_code"], row["region_name"]) for row in csv.DictReader(f)]
        with open(folder / "quebec_municipalities.csv", encoding="utf-8", newline="") as f:
            municipalities = [
                Municipality(
                    code=row["mcode"],
                    name=row["munnom"],
                    designation=row["mdes"],
                    region_code=row["region_code"],
                    mrc_name=row["mrc_name"],
                    population=_population(row["mpopul"]),
                )
                for row in csv.DictReader(f)
            ]
        aliases: dict[str, str] = {}
        alias_file = folder / "municipality_aliases.csv"
        if alias_file.exists():
            with open(alias_file, encoding="utf-8", newline="") as f:
                aliases = {row["alias"]: row["municipality_code"] for row in csv.DictReader(f)}
        return cls(regions, municipalities, aliases)

    @property
    def regions(self) -> list[Region]:
        """The 17 administrative regions in code order, then 99 Hors Québec."""
        return list(self._regions)

    @property
    def municipalities(self) -> list[Municipality]:
        return list(self._municipalities)

    def region(self, text: str) -> Region:
        """The region named by a code (`6`, `06`), a name in any case or accents, or a prefix."""
        cleaned = text.strip()
        if cleaned.isdigit():
            found = self._region_by_code.get(cleaned.zfill(2))
            if found is not None:
                return found
        key = normalise_place(cleaned)
        if key in self._region_by_key:
            return self._region_by_key[key]
        if key:
            matches = {r for k, r in self._region_by_key.items() if k.startswith(key)}
            if len(matches) == 1:
                return matches.pop()
            if matches:
                names = sorted(matches, key=lambda r: r.code)
                raise PlaceError(
                    f"region {text!r} is ambiguous: it could be "
                    + _names(f"{r.code} {r.name}" for r in names)
                )
        raise PlaceError(
            f"unknown region {text!r}: give a code 01–17 or 99 (hors Québec), or a name such as "
            + ", ".join(f"{r.code} {r.name}" for r in self._regions)
        )

    def municipality(self, text: str, region_code: str | None = None) -> Municipality:
        """The municipality named by `text`, a former name or a Montréal borough.

        When several municipalities share the name, `region_code` picks among them; when they
        all lie in one region (a village and its parish, say), the most populous is taken.
        A trailing qualifier is checked, not ignored: `Hatley (canton)`, `Lévis (Québec)`,
        `Gaspé, Gaspésie`.
        """
        wanted_region = self.region(region_code).code if region_code else None
        name, qualifier = _split_qualifier(text)
        candidates = self._candidates(name)
        if not candidates and qualifier is None and "," in name:
            head, tail = name.rsplit(",", 1)
            if self._candidates(head):
                name, qualifier = head, tail
                candidates = self._candidates(head)
        if not candidates:
            raise PlaceError(self._unknown(text))
        if qualifier is not None:
            candidates = self._qualified(candidates, qualifier, text)
        regions = {m.region_code for m in candidates}
        if len(regions) > 1 and wanted_region is not None:
            in_region = [m for m in candidates if m.region_code == wanted_region]
            if in_region:
                candidates, regions = in_region, {wanted_region}
        if len(regions) > 1:
            listed = sorted(
                f"{m.name} ({m.designation}, "
                f"{m.region_code} {self._region_by_code[m.region_code].name})"
                for m in candidates
            )
            raise PlaceError(
                f"{text!r} names municipalities in several regions: {'; '.join(listed)}; "
                "give the region to choose"
            )
        return max(candidates, key=lambda m: (m.population, m.designation == "Ville", m.code))

    def _candidates(self, name: str) -> list[Municipality]:
        key = normalise_place(name)
        if key in self._by_name:
            return list(self._by_name[key])
        if key in self._by_alias:
            return [self._by_alias[key]]
        return []

    def _qualified(
        self, candidates: list[Municipality], qualifier: str, text: str
    ) -> list[Municipality]:
        key = _fold(qualifier)
        if key in _PROVINCE_QUALIFIERS:
            return candidates
        designation = _DESIGNATION_SYNONYMS.get(key, key)
        if any(d.startswith(designation) for d in self._designations):
            # Designations are often loose ("municipalité" for a ville): they choose among
            # namesakes but never reject the only place of that name.
            kept = (
                [m for m in candidates if _fold(m.designation) == designation]
                or [m for m in candidates if _fold(m.designation).startswith(designation)]
                or candidates
            )
        else:
            try:
                region = self.region(qualifier)
            except PlaceError:
                region = None
            if region is not None:
                kept = [m for m in candidates if m.region_code == region.code]
            else:
                places = {m.code for m in self._candidates(qualifier)}
                if not places:
                    raise PlaceError(
                        f"cannot read the qualifier {qualifier.strip()!r} in {text!r}: expected "
                        "a designation (ville, canton, …), a region or a municipality"
                    )
                kept = [m for m in candidates if m.code in places]
        if not kept:
            raise PlaceError(
                f"{text!r}: no municipality of that name matches {qualifier.strip()!r}; "
                "candidates are "
                + _names(f"{m.name} ({m.designation}, {m.region_code})" for m in candidates)
            )
        return kept

    def _unknown(self, text: str) -> str:
        key = normalise_place(text)
        keys = [*self._by_name, *self._by_alias]
        close = difflib.get_close_matches(key, keys, n=3, cutoff=0.75)
        shown = []
        for match in close:
            if match in self._by_name:
                shown.append(self._by_name[match][0].name)
            else:
                town = self._by_alias[match]
                shown.append(f"{self._alias_names[match]} (→ {town.name})")
        hint = f"; did you mean {' or '.join(shown)}?" if shown else ""
        return f"unknown municipality {text!r}{hint}"


@functools.cache
def default_index() -> PlaceIndex:
    """The index of the reference data shipped in `catalog/data/`, read once."""
    return PlaceIndex.load()
