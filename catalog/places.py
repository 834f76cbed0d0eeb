"""Québec's regions, municipalities and Indigenous communities, and how place names resolve."""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from catalog.observatory import OUTSIDE_QUEBEC

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


class UnknownPlace(PlaceError):
    """A place name that nothing in the place table bears (as opposed to an ambiguous one)."""

    def __init__(self, text: str, suggestions: list[str]) -> None:
        self.text = text
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown municipality {text!r}{hint}")


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


@dataclass(frozen=True)
class Community:
    """One of Québec's Indigenous communities: a reserve, settlement, Cree land or Inuit village.

    Many of them are also in the municipal répertoire (Wendake, Kuujjuaq); some are not
    (Kitcisakik, Pakua Shipu), or are there under another name (Obedjiwan for Opitciwan).
    """

    name: str
    nation: str
    region_code: str
    kind: str
    other_names: tuple[str, ...] = ()
    # Not a municipality of the répertoire: no code there, no population counted there.
    code: str = ""
    population: int = 0

    @property
    def designation(self) -> str:
        return self.kind


Place = Municipality | Community


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


def _read_rows(path: Path, optional: bool = False) -> list[dict[str, str]]:
    """The rows of a reference CSV file; none when an optional file is absent."""
    if optional and not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


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
        communities: Iterable[Community] = (),
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
        self._communities = sorted(communities, key=lambda c: c.name)
        self._community_by_key: dict[str, list[Community]] = {}
        for community in self._communities:
            self._add_community(community)

    def _add_community(self, community: Community) -> None:
        if community.region_code not in self._region_by_code:
            raise ValueError(
                f"community {community.name!r}: unknown region {community.region_code}"
            )
        for name in dict.fromkeys((community.name, *community.other_names)):
            # A community the répertoire also lists must lie where the répertoire puts it.
            namesakes = self._candidates(name)
            if namesakes and community.region_code not in {m.region_code for m in namesakes}:
                raise ValueError(
                    f"community {community.name!r} is given region {community.region_code}, "
                    f"but the répertoire puts {name!r} in "
                    + ", ".join(sorted({m.region_code for m in namesakes}))
                )
            listed = self._community_by_key.setdefault(normalise_place(name), [])
            if community not in listed:
                listed.append(community)

    @classmethod
    def load(cls, data_dir: Path | None = None) -> PlaceIndex:
        """Read the regions, municipalities, aliases and Indigenous communities of `data_dir`."""
        folder = DATA_DIR if data_dir is None else Path(data_dir)
        regions = [
            Region(row["region_code"], row["region_name"])
            for row in _read_rows(folder / "quebec_regions.csv")
        ]
        municipalities = [
            Municipality(
                code=row["mcode"],
                name=row["munnom"],
                designation=row["mdes"],
                region_code=row["region_code"],
                mrc_name=row["mrc_name"],
                population=_population(row["mpopul"]),
            )
            for row in _read_rows(folder / "quebec_municipalities.csv")
        ]
        aliases = {
            row["alias"]: row["municipality_code"]
            for row in _read_rows(folder / "municipality_aliases.csv", optional=True)
        }
        communities = [
            Community(
                name=row["name"],
                nation=row["nation"],
                region_code=row["region_code"],
                kind=row["kind"],
                other_names=tuple(n.strip() for n in row["other_names"].split(";") if n.strip()),
            )
            for row in _read_rows(folder / "quebec_indigenous_communities.csv", optional=True)
        ]
        return cls(regions, municipalities, aliases, communities)

    @property
    def regions(self) -> list[Region]:
        """The 17 administrative regions in code order, then 99 Hors Québec."""
        return list(self._regions)

    @property
    def municipalities(self) -> list[Municipality]:
        return list(self._municipalities)

    @property
    def communities(self) -> list[Community]:
        return list(self._communities)

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
        found = self._resolve(text, region_code, with_communities=False)
        assert isinstance(found, Municipality)
        return found

    def place(self, text: str, region_code: str | None = None) -> Place:
        """Like `municipality`, but an Indigenous community's name resolves too.

        Where the répertoire lists a place under the same name in the same region, its entry
        is the one returned (`Wendake`, `Mashteuiatsh`); `Kitcisakik` or `Opitciwan` give
        the community. Raises UnknownPlace when nothing bears the name.
        """
        return self._resolve(text, region_code, with_communities=True)

    def _resolve(self, text: str, region_code: str | None, *, with_communities: bool) -> Place:
        find = self._place_candidates if with_communities else self._candidates
        wanted_region = self.region(region_code).code if region_code else None
        name, qualifier = _split_qualifier(text)
        candidates = find(name)
        if not candidates and qualifier is None and "," in name:
            head, tail = name.rsplit(",", 1)
            if find(head):
                name, qualifier = head, tail
                candidates = find(head)
        if not candidates:
            raise self._unknown(text, with_communities)
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

    def suggest(self, text: str, limit: int = 12) -> list[tuple[str, Place]]:
        """Places whose name starts with `text` (or has a word that does), the most populous
        first, each with the name to type: a namesake in another region gets its region in
        parentheses ("Saint-Louis (Bas-Saint-Laurent)"), which `place` reads back."""
        key = normalise_place(text)
        if len(key) < 2:
            return []
        found: list[tuple[int, int, str, Place]] = []
        seen: set[tuple[str, str]] = set()
        places: list[Place] = [*self._municipalities, *self._communities]
        for place in places:
            name = normalise_place(place.name)
            if name in _PLACEHOLDER_NAMES or (name, place.region_code) in seen:
                continue
            if name == key:
                rank = 0
            elif name.startswith(key):
                rank = 1
            elif f" {key}" in f" {name}":
                rank = 2
            else:
                continue
            seen.add((name, place.region_code))
            found.append((rank, -place.population, place.name, place))
        found.sort(key=lambda f: f[:3])
        suggestions = []
        for _rank, _population, name, place in found[:limit]:
            namesakes = {p.region_code for p in self._place_candidates(name)}
            if len(namesakes) > 1:
                name = f"{name} ({self._region_by_code[place.region_code].name})"
            suggestions.append((name, place))
        return suggestions

    def _candidates(self, name: str) -> list[Place]:
        key = normalise_place(name)
        if key in self._by_name:
            return list(self._by_name[key])
        if key in self._by_alias:
            return [self._by_alias[key]]
        return []

    def _place_candidates(self, name: str) -> list[Place]:
        return self._candidates(name) + self._community_by_key.get(normalise_place(name), [])

    def _qualified(self, candidates: list[Place], qualifier: str, text: str) -> list[Place]:
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

    def _unknown(self, text: str, with_communities: bool = False) -> UnknownPlace:
        key = normalise_place(text)
        communities = self._community_by_key if with_communities else {}
        keys = [*self._by_name, *self._by_alias, *communities]
        close = difflib.get_close_matches(key, keys, n=3, cutoff=0.75)
        shown = []
        for match in close:
            if match in self._by_name:
                shown.append(self._by_name[match][0].name)
            elif match in self._by_alias:
                town = self._by_alias[match]
                shown.append(f"{self._alias_names[match]} (→ {town.name})")
            else:
                shown.append(communities[match][0].name)
        return UnknownPlace(text, list(dict.fromkeys(shown)))


@functools.cache
def default_index() -> PlaceIndex:
    """The index of the reference data shipped in `catalog/data/`, read once."""
    return PlaceIndex.load()
