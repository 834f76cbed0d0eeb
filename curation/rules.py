"""The rules a bundle must satisfy to fill a broadcast slot, and the check that names each break.

`check_bundle` is the single source of truth: the optimiser's candidates are filtered with
the same definitions, every proposed bundle is re-checked with it, and the curators'
workbench calls it on every edit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from curation.films import MONTREAL, OUTSIDE_QUEBEC, CurationFilm, person_key, region_name

# Québec's administrative regions, 01 to 17: the only codes the regional floor may count.
QUEBEC_REGIONS = frozenset(f"{n:02d}" for n in range(1, 18))
AUDIENCES = ("jeunesse", "famille", "general", "adulte", "unknown")


def _pairs(*pairs: tuple[str, str]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(p) for p in pairs)


# Which audiences may share a bundle (symmetric; a pair of one value means "with itself").
# jeunesse goes with famille only: a children's slot takes nothing rated for teens or older.
# unknown goes only where nothing is for children (general, adulte): a film nobody rated may be
# adult, so it cannot be promised to a children's or family slot, but it harms no general one.
DEFAULT_AUDIENCE_PAIRS: frozenset[frozenset[str]] = _pairs(
    ("jeunesse", "jeunesse"),
    ("jeunesse", "famille"),
    ("famille", "famille"),
    ("famille", "general"),
    ("general", "general"),
    ("general", "adulte"),
    ("general", "unknown"),
    ("adulte", "adulte"),
    ("adulte", "unknown"),
    ("unknown", "unknown"),
)

# Content windows per slot: a "half hour" holds about 22 min, an "hour" 44 (private) or 52
# (public), a feature slot about 90. The lower bound leaves room for what a curator may trim.
DEFAULT_WINDOWS: dict[int, tuple[int, int]] = {
    22: (20 * 60, 22 * 60),
    44: (41 * 60, 44 * 60),
    52: (49 * 60, 52 * 60),
    90: (85 * 60, 90 * 60),
}

# Rule codes, in the order the checks run and the diagnosis relaxes them.
RUNTIME_WINDOW = "runtime_window"
FILM_COUNT = "film_count"
REGIONAL_FLOOR = "regional_floor"
DIRECTOR = "one_film_per_director"
AUDIENCE = "audience"
LANGUAGE = "language"
MIN_REGIONS = "min_regions"
AGE_BAND = "age_band"
RULES = (
    RUNTIME_WINDOW,
    FILM_COUNT,
    REGIONAL_FLOOR,
    DIRECTOR,
    AUDIENCE,
    LANGUAGE,
    MIN_REGIONS,
    AGE_BAND,
)
# The age bands of youth programming (preschool, early and late primary, teens): a school
# or a children's slot programmes for one of them.
AGE_BANDS: tuple[tuple[int, int], ...] = ((3, 5), (6, 8), (9, 12), (13, 17))
# Reasons a film cannot enter any bundle at all, whatever its companions.
NO_RUNTIME = "no_runtime"
TOO_LONG = "longer_than_slot"
DUPLICATE = "duplicate_film"


@dataclass(frozen=True)
class SlotRules:
    """Every setting of the bundle rules. Defaults: a 44-minute slot, 41:00–44:00 of content.

    - `window_seconds`: the content window; None takes the slot's default (`DEFAULT_WINDOWS`,
      else the slot minus 7 %). `interstitial_seconds` is counted per film against the window
      (a title card, a short intro), so four films with 15 s each need 1 min less content.
    - `regional_floor`: the least share of the bundle's runtime from Québec's regions other
      than `metropolis` (01–17 except 06: `regional_scope` says it in words). The floor is a
      promise to Québec's regional producers, not a promise that Montréal is absent: a film
      from outside Québec ("99") does not count unless `outside_quebec_counts` is set (and the
      meters then say so), and a film of unknown region never counts, since counting a film
      whose origin nobody recorded could pass a metropolis or foreign film off as regional;
      being conservative can only under-state the share, and a curator lifts it by filling
      in the region.
    - `region_facet_exempt`: a region-facet bundle all from one Québec region ("Regards sur
      Montréal") is exempt from the floor and from `min_regions`; "outside Québec" is no
      region of its own, so a bundle of foreign films is never exempt.
    - `min_regions`: distinct known regions a bundle must draw from; 2 or 3 turns subject
      bundles into "one theme seen from several regions".
    - `audience_pairs`: audiences that may share a bundle (see `DEFAULT_AUDIENCE_PAIRS`).
    - `common_language`: all films in one language, or subtitled in it. A film whose languages
      are unknown fits any language when `unknown_language_ok` (the default, since a catalog
      imported without languages would otherwise get no bundle at all); set it False to
      demand known languages.
    - `one_age_band`: every film made for ages within one band of `AGE_BANDS` (a film's age
      range must overlap the band; a film without an age range fits none). Off by default.
    """

    slot_minutes: int = 44
    window_seconds: tuple[int, int] | None = None
    interstitial_seconds: int = 0
    min_films: int = 2
    max_films: int = 6
    regional_floor: float = 0.5
    metropolis: str = MONTREAL
    outside_quebec_counts: bool = False
    region_facet_exempt: bool = True
    min_regions: int = 1
    one_film_per_director: bool = True
    audience_pairs: frozenset[frozenset[str]] = field(default=DEFAULT_AUDIENCE_PAIRS)
    common_language: bool = True
    unknown_language_ok: bool = True
    one_age_band: bool = False

    def __post_init__(self) -> None:
        low, high = self.window
        if not 0 <= low <= high:
            raise ValueError(f"bad runtime window {self.window}")
        if not 1 <= self.min_films <= self.max_films:
            raise ValueError(f"need 1 <= min_films <= max_films, got {self.min_films}..")
        if not 0.0 <= self.regional_floor <= 1.0:
            raise ValueError(f"regional_floor must be within 0..1, got {self.regional_floor}")
        if self.interstitial_seconds < 0 or self.min_regions < 1:
            raise ValueError("interstitial_seconds must be >= 0 and min_regions >= 1")

    @property
    def window(self) -> tuple[int, int]:
        if self.window_seconds is not None:
            return self.window_seconds
        if self.slot_minutes in DEFAULT_WINDOWS:
            return DEFAULT_WINDOWS[self.slot_minutes]
        high = self.slot_minutes * 60
        return (high - max(60, round(high * 0.07 / 30) * 30), high)

    @property
    def slot_seconds(self) -> int:
        return self.slot_minutes * 60

    def footprint(self, film: CurationFilm) -> int | None:
        """Seconds a film takes out of the slot: its runtime plus the interstitial allowance."""
        if film.runtime_seconds is None or film.runtime_seconds <= 0:
            return None
        return film.runtime_seconds + self.interstitial_seconds

    def is_regional(self, film: CurationFilm) -> bool:
        """Whether the film counts toward the regional floor (see `regional_scope`)."""
        code = film.region_code
        if code == OUTSIDE_QUEBEC:
            return self.outside_quebec_counts
        return code in QUEBEC_REGIONS and code != self.metropolis

    @property
    def regional_codes(self) -> tuple[str, ...]:
        """The region codes the floor counts, in order: "01"… "17" but the metropolis's."""
        codes = sorted(QUEBEC_REGIONS - {self.metropolis})
        return (*codes, OUTSIDE_QUEBEC) if self.outside_quebec_counts else tuple(codes)

    def regional_scope(self, lang: str = "fr") -> str:
        """What the regional floor counts, in words: "régions du Québec hors Montréal"."""
        metropolis = region_name(self.metropolis)
        if lang.startswith("fr"):
            scope = f"régions du Québec hors {metropolis}"
            return scope + " ou hors Québec" if self.outside_quebec_counts else scope
        scope = f"Québec regions outside {metropolis}"
        return scope + " or outside Québec" if self.outside_quebec_counts else scope

    def audiences_compatible(self, a: str | None, b: str | None) -> bool:
        return frozenset((audience_key(a), audience_key(b))) in self.audience_pairs

    def exempt_from_region_rules(self, films: Sequence[CurationFilm], facet: str) -> bool:
        codes = {f.region_code for f in films}
        return (
            facet == "region"
            and self.region_facet_exempt
            and len(codes) == 1
            and codes <= QUEBEC_REGIONS
        )


def audience_key(audience: str | None) -> str:
    key = (audience or "").strip().casefold()
    return key if key in AUDIENCES[:-1] else "unknown"


def age_bands(film: CurationFilm) -> tuple[tuple[int, int], ...]:
    """The bands of `AGE_BANDS` a film's age range overlaps (an open end reaches the last or
    first band); none when the record gives no age."""
    if film.age_min is None and film.age_max is None:
        return ()
    low = film.age_min if film.age_min is not None else 0
    high = film.age_max if film.age_max is not None else 99
    return tuple(band for band in AGE_BANDS if band[0] <= high and low <= band[1])


def common_age_band(films: Sequence[CurationFilm]) -> tuple[int, int] | None:
    """The youngest band every film's age range overlaps, or None."""
    shared = set(AGE_BANDS)
    for film in films:
        shared &= set(age_bands(film))
    return min(shared) if shared else None


def age_range_words(film: CurationFilm) -> str:
    if film.age_min is None and film.age_max is None:
        return "?"
    return f"{film.age_min if film.age_min is not None else ''}–{film.age_max or ''}"


def accepted_languages(film: CurationFilm) -> frozenset[str]:
    """The languages a film can be shown in: its own, and those it has subtitles in."""
    return _casefolded((*film.languages, *film.subtitle_languages))


@lru_cache(maxsize=1 << 12)
def _casefolded(codes: tuple[str, ...]) -> frozenset[str]:
    # A catalog has a few dozen combinations of languages; a season asks for them by the 100k.
    return frozenset(x.casefold() for x in codes)


def bundle_language(films: Sequence[CurationFilm], rules: SlotRules) -> str | None:
    """The language the bundle can be shown in, or None when there is none (or none is needed).

    Among the common languages, the one most films are originally in wins, then "fra", then
    alphabetical order, so the choice is stable.
    """
    known = [accepted_languages(f) for f in films if f.languages or f.subtitle_languages]
    if len(known) < len(films) and not rules.unknown_language_ok:
        return None
    if not known:
        return None
    common = frozenset.intersection(*known)
    if not common:
        return None
    originals = [x.casefold() for f in films for x in f.languages]
    return min(common, key=lambda lang: (-originals.count(lang), lang != "fra", lang))


@dataclass(frozen=True)
class Violation:
    """One broken rule: its code (one of `RULES`, or a film-level reason) and which films."""

    rule: str
    message_en: str
    message_fr: str
    film_ids: tuple[int, ...] = ()


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


@dataclass(frozen=True)
class RegionalShare:
    """What the regional floor counts in a set of films, by runtime and by films.

    The floor is kept on the runtime (a 3-minute regional film beside a 40-minute one does
    not make a regional programme); the share of films is shown beside it, since the two
    tell different stories when runtimes differ.
    """

    seconds: int
    total_seconds: int
    films: int
    total_films: int

    @property
    def of_runtime(self) -> float:
        return self.seconds / self.total_seconds if self.total_seconds else 0.0

    @property
    def of_films(self) -> float:
        return self.films / self.total_films if self.total_films else 0.0


def regional_measure(films: Sequence[CurationFilm], rules: SlotRules) -> RegionalShare:
    regional = [f for f in films if rules.is_regional(f)]
    return RegionalShare(
        sum(f.runtime_seconds or 0 for f in regional),
        sum(f.runtime_seconds or 0 for f in films),
        len(regional),
        len(films),
    )


def regional_share(films: Sequence[CurationFilm], rules: SlotRules) -> float:
    """The share of the runtime the regional floor counts (see `regional_measure`)."""
    return regional_measure(films, rules).of_runtime


def _percent(share: float, lang: str) -> str:
    return f"{share:.0%}" if not lang.startswith("fr") else f"{share * 100:.0f} %"


def check_bundle(
    films: Sequence[CurationFilm], rules: SlotRules, facet: str = "subject"
) -> list[Violation]:
    """Every rule the bundle breaks, each once, with the films involved; [] when it is valid."""
    out: list[Violation] = []
    ids = [f.id for f in films]
    doubled = sorted({i for i in ids if ids.count(i) > 1})
    if doubled:
        out.append(
            Violation(
                DUPLICATE,
                f"films appear twice: {doubled}",
                f"films présents deux fois : {doubled}",
                tuple(doubled),
            )
        )
    no_runtime = tuple(f.id for f in films if rules.footprint(f) is None)
    if no_runtime:
        out.append(
            Violation(
                NO_RUNTIME,
                "films without a runtime cannot be timed into a slot",
                "des films sans durée ne peuvent pas entrer dans une case",
                no_runtime,
            )
        )
    low, high = rules.window
    used = sum(rules.footprint(f) or 0 for f in films)
    if not low <= used <= high:
        out.append(
            Violation(
                RUNTIME_WINDOW,
                f"runtime {_minutes(used)} is outside the window "
                f"{_minutes(low)}–{_minutes(high)} of the {rules.slot_minutes}-minute slot",
                f"durée {_minutes(used)} hors de la fenêtre "
                f"{_minutes(low)}–{_minutes(high)} de la case de {rules.slot_minutes} minutes",
                tuple(ids),
            )
        )
    if not rules.min_films <= len(films) <= rules.max_films:
        out.append(
            Violation(
                FILM_COUNT,
                f"{len(films)} films; a bundle holds {rules.min_films} to {rules.max_films}",
                f"{len(films)} films ; un programme en compte de {rules.min_films} "
                f"à {rules.max_films}",
                tuple(ids),
            )
        )
    out += _region_violations(films, rules, facet)
    if rules.one_film_per_director:
        out += _director_violations(films)
    out += _audience_violations(films, rules)
    if rules.common_language and films and bundle_language(films, rules) is None:
        known = [f for f in films if f.languages or f.subtitle_languages]
        if known or not rules.unknown_language_ok:
            out.append(
                Violation(
                    LANGUAGE,
                    "no language that every film is in or subtitled in",
                    "aucune langue commune à tous les films (version originale ou sous-titres)",
                    tuple(f.id for f in films),
                )
            )
    if rules.one_age_band and films and common_age_band(films) is None:
        out.append(_age_band_violation(films))
    return out


def _age_band_violation(films: Sequence[CurationFilm]) -> Violation:
    bands = ", ".join(f"{a}–{b}" for a, b in AGE_BANDS)
    ages = ", ".join(f"{f.title} ({age_range_words(f)})" for f in films)
    return Violation(
        AGE_BAND,
        f"no age band ({bands}) holds every film: {ages}",
        f"aucune tranche d'âge ({bands}) ne réunit tous les films : {ages}",
        tuple(f.id for f in films),
    )


def _region_violations(
    films: Sequence[CurationFilm], rules: SlotRules, facet: str
) -> list[Violation]:
    if not films or rules.exempt_from_region_rules(films, facet):
        return []
    out = []
    measure = regional_measure(films, rules)
    share, floor = measure.of_runtime, rules.regional_floor
    # A hair of tolerance: 0.5 must accept exactly half, whatever the float rounding.
    if share + 1e-9 < floor:
        n, total = measure.films, measure.total_films
        films_fr = f"{n} film{'s' if n > 1 else ''} sur {total}"
        out.append(
            Violation(
                REGIONAL_FLOOR,
                f"{_percent(share, 'en')} of the runtime ({n} of {total} films) comes from "
                f"{rules.regional_scope('en')}; at least {_percent(floor, 'en')} is required",
                f"{_percent(share, 'fr')} de la durée ({films_fr}) vient des "
                f"{rules.regional_scope('fr')} ; il en faut au moins {_percent(floor, 'fr')}",
                tuple(f.id for f in films if not rules.is_regional(f)),
            )
        )
    regions = {f.region_code for f in films if f.region_code is not None}
    # min_regions=1 (the default) asks for nothing: films of unknown region still bundle.
    if rules.min_regions > 1 and len(regions) < rules.min_regions:
        out.append(
            Violation(
                MIN_REGIONS,
                f"films from {len(regions)} known regions; at least {rules.min_regions} needed",
                f"films de {len(regions)} régions connues ; il en faut au moins "
                f"{rules.min_regions}",
                tuple(f.id for f in films),
            )
        )
    return out


def _director_violations(films: Sequence[CurationFilm]) -> list[Violation]:
    by_director: dict[str, list[int]] = {}
    shown: dict[str, str] = {}
    for film in films:
        for name in set(film.directors):
            key = person_key(name)
            if key:
                by_director.setdefault(key, []).append(film.id)
                shown.setdefault(key, name)
    out = []
    for key, ids in sorted(by_director.items()):
        if len(set(ids)) > 1:
            out.append(
                Violation(
                    DIRECTOR,
                    f"{shown[key]} directed {len(ids)} of these films; one per bundle",
                    f"{shown[key]} a réalisé {len(ids)} de ces films ; un seul par programme",
                    tuple(ids),
                )
            )
    return out


def _audience_violations(films: Sequence[CurationFilm], rules: SlotRules) -> list[Violation]:
    out = []
    for i, a in enumerate(films):
        for b in films[i + 1 :]:
            if not rules.audiences_compatible(a.audience, b.audience):
                ka, kb = audience_key(a.audience), audience_key(b.audience)
                out.append(
                    Violation(
                        AUDIENCE,
                        f"audiences {ka} and {kb} do not share a bundle",
                        f"les publics {ka} et {kb} ne vont pas dans le même programme",
                        (a.id, b.id),
                    )
                )
    return out


def film_reason(film: CurationFilm, rules: SlotRules) -> str | None:
    """Why a film cannot enter any bundle whatever its companions, or None if it can."""
    footprint = rules.footprint(film)
    if footprint is None:
        return NO_RUNTIME
    if footprint > rules.window[1]:
        return TOO_LONG
    return None


def fitting(films: Sequence[CurationFilm], rules: SlotRules) -> list[int]:
    """Positions of the films that can enter some bundle of the slot (`film_reason` is None).

    Proposals cluster only these: a catalog of features would otherwise spread its few
    shorts one per cluster, where no bundle can form."""
    return [i for i, f in enumerate(films) if film_reason(f, rules) is None]


def rule_names(violations: Iterable[Violation]) -> list[str]:
    return sorted({v.rule for v in violations})
