"""Seasons: N episodes planned together, each a bundle keeping its own rules, under season rules.

A broadcaster buys "8 × 22 min", not one bundle; the promise to the regions is kept or broken
across the season. Public API (stable; the shell stores and edits what it returns):

- `SeasonRules` — the episode rules (`SlotRules`), the number of episodes, the `Concept` the
  films are drawn from, and the season-wide rules: at least `min_regions` distinct Québec
  regions (01–17, Montréal included; outside Québec and unknown never count), no Québec
  region above `max_region_share` of the season's runtime, Montréal (the episode rules'
  metropolis) at most `montreal_max_share`, no director twice in the season, one audience for
  the season (the audiences of all its films pairwise compatible under the episode rules'
  `audience_pairs`, and the asked `audience` among them), one language the whole season is
  shown in (originals or subtitles; `language`, or the best one), and `form_quotas`
  ("at least one animation in every two episodes").
- `solve_season(films, vectors, rules, query=...)` → `Season`: the episodes (each a
  `curation.Bundle`, in running order), the measured season values, the objective, the method
  ("exact" / "heuristic") and, when no season exists, `blocked`: which season rule blocks
  and by how much (`SeasonBlock`).
- `check_season(episodes, rules)` → every broken rule, episode rules (tagged with the episode
  number) and season rules; [] when the season keeps them all. The solver's output is
  re-checked with it, and the workbench calls it on every edit.
- `measure_season(episodes, rules)` → `SeasonMeasures`, the values the rules are kept on.
- `order_episodes(...)` → the running order (see its docstring for the rule).
- `season_to_json(season, films, lang)` → the `anthologie season --json` object.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from curation.bundles import Bundle, _label, _Proposer
from curation.embedding import film_rows
from curation.films import CurationFilm, person_key, region_name
from curation.packing import EXHAUSTIVE_MAX, NEIGHBOURS, Candidate, Pool, _pack_greedy
from curation.rules import (
    AGE_BAND,
    AUDIENCES,
    QUEBEC_REGIONS,
    RULES,
    SlotRules,
    Violation,
    accepted_languages,
    age_bands,
    audience_key,
    bundle_language,
    check_bundle,
)

MIN_EPISODES, MAX_EPISODES = 2, 13

# Season rule codes (the episode rules keep the codes of `curation.rules.RULES`).
EPISODES = "episodes"  # not enough episodes can be made (from the concept's films)
SEASON_MIN_REGIONS = "season_min_regions"
MAX_REGION_SHARE = "max_region_share"
MONTREAL_SHARE = "montreal_max_share"
SEASON_DIRECTOR = "season_director"
SEASON_AUDIENCE = "season_audience"
SEASON_LANGUAGE = "season_language"
FORM_QUOTA = "form_quota"
PINNED = "pinned"  # a film asked for could not be placed
SEASON_RULES = (
    EPISODES,
    SEASON_MIN_REGIONS,
    MAX_REGION_SHARE,
    MONTREAL_SHARE,
    SEASON_DIRECTOR,
    SEASON_AUDIENCE,
    SEASON_LANGUAGE,
    FORM_QUOTA,
    PINNED,
)

CONCEPT_KINDS = ("all", "cluster", "theme", "region", "form", "audience")


@dataclass(frozen=True)
class Concept:
    """What the season's films are drawn from.

    - `all`: every eligible film;
    - `cluster`: a subject cluster, `value` its id and `film_ids` its members (the shell
      passes them; the cluster's centre serves as the query for closeness);
    - `theme`: free text found by meaning: the shell embeds `value` and passes the vector as
      `solve_season(query=...)`; the `SeasonRules.concept_pool` films nearest to it make the
      pool, and closeness to it weighs in the objective;
    - `region`: a region code ("11"); `form`: a form ("animation"); `audience`: an audience
      ("jeunesse").
    """

    kind: str = "all"
    value: str = ""
    film_ids: tuple[int, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in CONCEPT_KINDS:
            raise ValueError(f"unknown concept kind {self.kind!r}; one of {CONCEPT_KINDS}")

    @classmethod
    def parse(cls, text: str) -> Concept:
        """ "region:11", "form:animation", "audience:jeunesse", "cluster:c-3f2a" or "all";
        any other text is a theme found by meaning."""
        text = text.strip()
        kind, sep, value = text.partition(":")
        if sep and kind.strip().casefold() in CONCEPT_KINDS:
            return cls(kind.strip().casefold(), value.strip())
        if text.casefold() in ("", "all", "tout"):
            return cls()
        return cls("theme", text, label=text)

    def matches(self, film: CurationFilm) -> bool:
        """Whether the film belongs to the concept (a theme: every film, ranked later)."""
        if self.kind == "cluster":
            return film.id in set(self.film_ids)
        if self.kind == "region":
            return film.region_code == self.value
        if self.kind == "form":
            return (film.form or "").casefold() == self.value.casefold()
        if self.kind == "audience":
            return audience_key(film.audience) == audience_key(self.value)
        return True


@dataclass(frozen=True)
class FormQuota:
    """At least one film of `form` in every `every` consecutive episodes of the running order
    (so at least ⌊N / every⌋ episodes hold one)."""

    form: str
    every: int = 2

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError("a form quota's `every` must be >= 1")

    def episodes_needed(self, episodes: int) -> int:
        return episodes // self.every


@dataclass(frozen=True)
class SeasonRules:
    """Every setting of a season. Shares are of the season's runtime (films, not slots).

    `concept_pool`: for a theme, how many of the nearest films (that fit the slot) make the
    pool; 0 takes max(24, episodes × the episode's max films), enough films to fill every
    episode with choice left, few enough that the season stays on its theme.
    `audience`: the season's audience ("jeunesse"…); None lets the solver choose the group
    of compatible audiences that makes the best season.
    `language`: ISO 639-3 ("fra"); None lets the solver choose (most films, "fra" on ties).
    """

    episode: SlotRules = field(default_factory=lambda: SlotRules(slot_minutes=22))
    episodes: int = 8
    concept: Concept = field(default_factory=Concept)
    min_regions: int = 1
    max_region_share: float = 1.0
    montreal_max_share: float = 1.0
    one_film_per_director: bool = True
    one_audience: bool = True
    audience: str | None = None
    language: str | None = None
    form_quotas: tuple[FormQuota, ...] = ()
    concept_pool: int = 0

    def __post_init__(self) -> None:
        if not MIN_EPISODES <= self.episodes <= MAX_EPISODES:
            raise ValueError(
                f"a season has {MIN_EPISODES} to {MAX_EPISODES} episodes, got {self.episodes}"
            )
        if self.min_regions < 0 or self.concept_pool < 0:
            raise ValueError("min_regions and concept_pool must be >= 0")
        for name in ("max_region_share", "montreal_max_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be within 0..1")

    @property
    def metropolis(self) -> str:
        return self.episode.metropolis

    @property
    def facet(self) -> str:
        """The facet episodes are checked on: a region concept's episodes may all come from
        that region (the episode rules' region exemption)."""
        return "region" if self.concept.kind == "region" else "subject"

    def pool_size(self) -> int:
        if self.concept_pool:
            return self.concept_pool
        return max(24, self.episodes * self.episode.max_films)


@dataclass(frozen=True)
class SeasonViolation:
    """One broken rule of a season: its code (a season rule of `SEASON_RULES` or an episode
    rule of `curation.rules.RULES`), the episode (1-based, None for the season) and films."""

    rule: str
    message_en: str
    message_fr: str
    episode: int | None = None
    film_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SeasonMeasures:
    """The values the season rules are kept on, measured on the episodes.

    `regions`: distinct Québec regions (01–17) in the season; `regions_possible`: the most
    any season of these rules could cover from the pool (computed by `solve_season`; None
    when measured outside it); `region_shares`: each Québec region's share of the runtime;
    `montreal_share`; `repeated_directors`: directors with more than one film; `audiences`:
    the audience keys present; `language`: the one the whole season is shown in (None if
    none); `form_episodes`: per form of a quota, how many episodes hold one.
    """

    episodes: int
    films: int
    runtime_seconds: int
    regions: tuple[str, ...]
    region_shares: Mapping[str, float]
    montreal_share: float
    repeated_directors: tuple[str, ...]
    audiences: tuple[str, ...]
    language: str | None
    form_episodes: Mapping[str, int]
    regions_possible: int | None = None

    @property
    def max_region_share(self) -> float:
        return max(self.region_shares.values(), default=0.0)


@dataclass(frozen=True)
class SeasonBlock:
    """Why no season exists: the rule, what was asked and what the films allow.

    E.g. `SeasonBlock("season_min_regions", asked=8, found=5, ...)`: "only 5 regions have
    films on this theme; 8 asked". `relaxed`: True when the season exists once this rule
    alone is lifted (the rule that blocks), False when it is only a bound that fails.
    """

    rule: str
    asked: float
    found: float
    message_en: str
    message_fr: str
    relaxed: bool = False


@dataclass(frozen=True)
class Season:
    """A season (episodes as bundles, in running order) or, with no episodes, why none exists.

    `objective`: Σ episode values (films placed, cohesion, fill, closeness to the concept,
    as bundles are valued) + a weight per region covered; `method`: "exact" or "heuristic";
    `optimal`: the exact model proved it best over the candidates; `candidates`: the
    candidate episodes considered; `order_notes`: why each episode sits where it does.
    """

    rules: SeasonRules
    episodes: tuple[Bundle, ...]
    measures: SeasonMeasures | None
    objective: float
    method: str
    optimal: bool
    candidates: int
    blocked: tuple[SeasonBlock, ...] = ()
    violations: tuple[SeasonViolation, ...] = ()
    order_notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return bool(self.episodes) and not self.violations

    @property
    def film_ids(self) -> tuple[int, ...]:
        return tuple(i for e in self.episodes for i in e.film_ids)


# ---- measuring and checking ----------------------------------------------------------------


def _n(count: int, one: str, many: str) -> str:
    """ "1 région", "5 régions": the count and its noun, in the number it takes."""
    return f"{count} {one if count == 1 else many}"


def _percent(share: float, lang: str) -> str:
    return f"{share * 100:.0f} %" if lang == "fr" else f"{share:.0%}"


def season_language(episodes: Sequence[Sequence[CurationFilm]], rules: SeasonRules) -> str | None:
    """The language every film of the season can be shown in (the asked one, else chosen as
    for a bundle: most films originally in it, "fra" on ties); None when there is none."""
    films = [f for e in episodes for f in e]
    if not rules.language:
        return bundle_language(films, rules.episode)
    wanted = rules.language.casefold()
    known = [accepted_languages(f) for f in films if f.languages or f.subtitle_languages]
    if len(known) < len(films) and not rules.episode.unknown_language_ok:
        return None
    return wanted if all(wanted in k for k in known) else None


def measure_season(
    episodes: Sequence[Sequence[CurationFilm]], rules: SeasonRules
) -> SeasonMeasures:
    """The season's measured values (see `SeasonMeasures`)."""
    films = [f for e in episodes for f in e]
    total = sum(f.runtime_seconds or 0 for f in films)
    by_region: dict[str, int] = {}
    for f in films:
        if f.region_code in QUEBEC_REGIONS:
            by_region[f.region_code] = by_region.get(f.region_code, 0) + (f.runtime_seconds or 0)
    shares = {code: (s / total if total else 0.0) for code, s in sorted(by_region.items())}
    seen: dict[str, set[int]] = {}
    shown: dict[str, str] = {}
    for f in films:
        for name in set(f.directors):
            key = person_key(name)
            if key:
                seen.setdefault(key, set()).add(f.id)
                shown.setdefault(key, name)
    form_episodes = {
        q.form: sum(
            any((f.form or "").casefold() == q.form.casefold() for f in e) for e in episodes
        )
        for q in rules.form_quotas
    }
    return SeasonMeasures(
        episodes=len(episodes),
        films=len(films),
        runtime_seconds=total,
        regions=tuple(sorted(by_region)),
        region_shares=shares,
        montreal_share=shares.get(rules.metropolis, 0.0),
        repeated_directors=tuple(sorted(shown[k] for k, ids in seen.items() if len(ids) > 1)),
        audiences=tuple(sorted({audience_key(f.audience) for f in films})),
        language=season_language(episodes, rules),
        form_episodes=form_episodes,
    )


def check_season(
    episodes: Sequence[Sequence[CurationFilm]], rules: SeasonRules
) -> list[SeasonViolation]:
    """Every rule the season breaks — each episode's rules, then the season's —; [] if none.

    `episodes` are in running order (the form quotas are kept on consecutive episodes).
    """
    out: list[SeasonViolation] = []
    for number, films in enumerate(episodes, start=1):
        for v in check_bundle(films, rules.episode, rules.facet):
            out.append(_episode_violation(v, number))
    m = measure_season(episodes, rules)
    ids = [f.id for e in episodes for f in e]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        out.append(
            SeasonViolation(
                "duplicate_film",
                f"films in two episodes: {twice}",
                f"films dans deux épisodes : {twice}",
                None,
                tuple(twice),
            )
        )
    if len(episodes) != rules.episodes:
        out.append(
            SeasonViolation(
                EPISODES,
                f"{len(episodes)} episodes; {rules.episodes} asked",
                f"{len(episodes)} épisodes ; {rules.episodes} demandés",
            )
        )
    if rules.min_regions > 1 and len(m.regions) < rules.min_regions:
        out.append(
            SeasonViolation(
                SEASON_MIN_REGIONS,
                f"films from {_n(len(m.regions), 'Québec region', 'Québec regions')}; at least "
                f"{rules.min_regions} asked",
                f"films de {_n(len(m.regions), 'région', 'régions')} du Québec ; au moins "
                f"{rules.min_regions} demandées",
            )
        )
    for code, share in m.region_shares.items():
        if code == rules.metropolis:
            continue
        if share > rules.max_region_share + 1e-9:
            out.append(
                _share_violation(MAX_REGION_SHARE, code, share, rules.max_region_share, episodes)
            )
    montreal = m.montreal_share
    cap = min(rules.montreal_max_share, rules.max_region_share)
    if montreal > cap + 1e-9:
        rule = (
            MONTREAL_SHARE
            if rules.montreal_max_share <= rules.max_region_share
            else MAX_REGION_SHARE
        )
        out.append(_share_violation(rule, rules.metropolis, montreal, cap, episodes))
    if rules.one_film_per_director and m.repeated_directors:
        for name in m.repeated_directors:
            key = person_key(name)
            which = tuple(
                f.id
                for f in (f for e in episodes for f in e)
                if key in {person_key(d) for d in f.directors}
            )
            out.append(
                SeasonViolation(
                    SEASON_DIRECTOR,
                    f"{name} directed {len(set(which))} films of the season; one per season",
                    f"{name} a réalisé {len(set(which))} films de la saison ; un seul par saison",
                    None,
                    which,
                )
            )
    if rules.one_audience:
        out += _audience_violations(episodes, rules)
    films = [f for e in episodes for f in e]
    known = any(f.languages or f.subtitle_languages for f in films)
    # As for a bundle: films of unknown language alone fit any language, unless told not to.
    if (
        rules.episode.common_language
        and ids
        and m.language is None
        and (known or not rules.episode.unknown_language_ok)
    ):
        wanted = f" in {rules.language}" if rules.language else ""
        wanted_fr = f" en {rules.language}" if rules.language else ""
        out.append(
            SeasonViolation(
                SEASON_LANGUAGE,
                f"no language{wanted} that every episode is in or subtitled in",
                f"aucune langue{wanted_fr} commune à tous les épisodes "
                "(version originale ou sous-titres)",
            )
        )
    for quota in rules.form_quotas:
        out += _quota_violations(episodes, quota)
    return out


def _episode_violation(v: Violation, number: int) -> SeasonViolation:
    return SeasonViolation(
        v.rule,
        f"episode {number}: {v.message_en}",
        f"épisode {number} : {v.message_fr}",
        number,
        v.film_ids,
    )


def _share_violation(
    rule: str, code: str, share: float, cap: float, episodes: Sequence[Sequence[CurationFilm]]
) -> SeasonViolation:
    name = region_name(code)
    return SeasonViolation(
        rule,
        f"{name} holds {_percent(share, 'en')} of the season's runtime; at most "
        f"{_percent(cap, 'en')} asked",
        f"{name} occupe {_percent(share, 'fr')} de la durée de la saison ; au plus "
        f"{_percent(cap, 'fr')} demandé",
        None,
        tuple(f.id for e in episodes for f in e if f.region_code == code),
    )


def _audience_violations(
    episodes: Sequence[Sequence[CurationFilm]], rules: SeasonRules
) -> list[SeasonViolation]:
    keys = sorted({audience_key(f.audience) for e in episodes for f in e})
    if rules.audience is not None:
        keys = sorted({*keys, audience_key(rules.audience)})
    bad = [
        (a, b)
        for i, a in enumerate(keys)
        for b in keys[i:]
        if not rules.episode.audiences_compatible(a, b)
    ]
    if not bad:
        return []
    a, b = bad[0]
    return [
        SeasonViolation(
            SEASON_AUDIENCE,
            f"audiences {a} and {b} in one season; one audience per season",
            f"les publics {a} et {b} dans une même saison ; un seul public par saison",
            None,
            tuple(f.id for e in episodes for f in e if audience_key(f.audience) in {a, b}),
        )
    ]


def _quota_violations(
    episodes: Sequence[Sequence[CurationFilm]], quota: FormQuota
) -> list[SeasonViolation]:
    has = [any((f.form or "").casefold() == quota.form.casefold() for f in e) for e in episodes]
    every = quota.every
    for start in range(0, max(0, len(has) - every + 1)):
        if not any(has[start : start + every]):
            return [
                SeasonViolation(
                    FORM_QUOTA,
                    f"no {quota.form} in episodes {start + 1}–{start + every}; one in every "
                    f"{every} asked",
                    f"aucun film d'{quota.form} dans les épisodes {start + 1} à {start + every} ; "
                    f"un sur {every} épisodes demandé",
                    start + 1,
                )
            ]
    return []


# ---- solving -------------------------------------------------------------------------------

# Per film, times how much closer to the concept's query it is than the pool's average, in
# standard deviations (clipped to ±3): models differ in how spread their cosines are (e5's
# sit within a few hundredths), so the raw cosine would weigh next to nothing.
THEME_WEIGHT = 1.0
REGION_WEIGHT = 0.5  # per distinct Québec region the season covers
# `auto` solves exactly up to this many candidate episodes per variant. Measured by
# bench/season.py on a 10k catalog: the model takes about 1 s on 2,000 candidates, 3 s on
# 5,000, 12 s on 10,000, where the heuristic takes 3 to 6 s and stays within 0.1 % of it.
EXACT_MAX_CANDIDATES = 6_000
CANDIDATES_PER_SEED = 4  # a seed's best candidate episodes kept
SEEDS_MAX = 1_000  # a larger pool seeds its candidates from this many films, all regions first
GREEDY_PACKINGS = 1  # greedy packings of the pool added to the candidates (they fit together)
HEURISTIC_SECONDS = 2.0  # the local search's budget per variant: the heuristic is the fast way
VARIANTS_MAX = 4  # (audience group, language) pairs tried, those with the most films first
_EPS = 1e-9


@dataclass(frozen=True)
class _Cand:
    """A candidate episode with what the season rules count in it."""

    films: tuple[int, ...]  # film ids, sorted
    value: float
    runtime: int
    region_seconds: Mapping[str, int]  # Québec regions only
    directors: frozenset[str]
    forms: frozenset[str]


@dataclass(frozen=True)
class _Fixed:
    """What the locked episodes already put in the season."""

    episodes: int = 0
    runtime: int = 0
    region_seconds: Mapping[str, int] = field(default_factory=dict)
    directors: frozenset[str] = frozenset()
    forms: Mapping[str, int] = field(default_factory=dict)
    films: frozenset[int] = frozenset()


@dataclass
class _Variant:
    audiences: frozenset[str] | None
    language: str | None
    films: list[CurationFilm]
    cands: list[_Cand] = field(default_factory=list)


def _directors(film: CurationFilm) -> set[str]:
    return {person_key(d) for d in film.directors} - {""}


def _form(film: CurationFilm) -> str:
    return (film.form or "").casefold()


def _cand(films: Sequence[CurationFilm], value: float) -> _Cand:
    seconds: dict[str, int] = {}
    for f in films:
        if f.region_code in QUEBEC_REGIONS:
            seconds[f.region_code] = seconds.get(f.region_code, 0) + (f.runtime_seconds or 0)
    return _Cand(
        tuple(sorted(f.id for f in films)),
        value,
        sum(f.runtime_seconds or 0 for f in films),
        seconds,
        frozenset(k for f in films for k in _directors(f)),
        frozenset(_form(f) for f in films) - {""},
    )


def audience_groups(rules: SeasonRules) -> list[frozenset[str] | None]:
    """The sets of audiences a season may mix: the largest groups of pairwise compatible
    audiences under the episode rules (e.g. {jeunesse, famille}, {general, adulte, unknown});
    [None] when the season does not ask for one audience."""
    if not rules.one_audience:
        return [None]
    keys = AUDIENCES
    ok = rules.episode.audiences_compatible
    groups: list[frozenset[str]] = []
    for size in range(len(keys), 0, -1):
        for combo in itertools.combinations(keys, size):
            group = frozenset(combo)
            if all(ok(a, b) for a in combo for b in combo) and not any(group <= g for g in groups):
                groups.append(group)
    if rules.audience is not None:
        groups = [g for g in groups if audience_key(rules.audience) in g]
    return list(groups)


def _speaks(film: CurationFilm, language: str | None, rules: SeasonRules) -> bool:
    if language is None:
        return True
    langs = accepted_languages(film)
    return language in langs or (not langs and rules.episode.unknown_language_ok)


def _languages(films: Sequence[CurationFilm], rules: SeasonRules) -> list[str | None]:
    if not rules.episode.common_language:
        return [None]
    if rules.language:
        return [rules.language.casefold()]
    counts: dict[str, int] = {}
    for f in films:
        for lang in accepted_languages(f):
            counts[lang] = counts.get(lang, 0) + 1
    ranked = sorted(counts, key=lambda x: (-counts[x], x != "fra", x))
    return list(ranked[:3]) or [None]


class _Solver:
    """One run of `solve_season`: the pool, its variants, their candidates and models."""

    def __init__(
        self,
        films: Sequence[CurationFilm],
        vectors: NDArray[np.floating],
        rules: SeasonRules,
        query: NDArray[np.floating] | None,
        pinned: Iterable[int],
        locked: Sequence[Sequence[int]],
        time_limit: float,
        random_state: int,
        free_language: bool = False,
    ) -> None:
        self.rules = rules
        self.free_language = free_language
        self._variants: list[_Variant] | None = None
        self._candidates: list[_Cand] | None = None
        self.films = list(films)
        self.row = {f.id: i for i, f in enumerate(self.films)}
        if len(self.row) != len(self.films):
            raise ValueError("film ids must be unique")
        self.vectors = film_rows(np.asarray(vectors), len(self.films))
        self.time_limit = time_limit
        self.random_state = random_state
        self.locked = [tuple(ids) for ids in locked]
        locked_films = [self.films[self.row[i]] for ids in self.locked for i in ids]
        self.fixed = _Fixed(
            episodes=len(self.locked),
            runtime=sum(f.runtime_seconds or 0 for f in locked_films),
            region_seconds=_cand(locked_films, 0.0).region_seconds,
            directors=frozenset(k for f in locked_films for k in _directors(f)),
            forms={
                q.form: sum(
                    any(_form(self.films[self.row[i]]) == q.form.casefold() for i in ids)
                    for ids in self.locked
                )
                for q in rules.form_quotas
            },
            films=frozenset(f.id for f in locked_films),
        )
        self.pinned = {i for i in pinned if i in self.row} - self.fixed.films
        self.query = self._query(query)
        self.pool = self._pool()
        if self.query is not None and self.pool:
            rows = self.vectors[[self.row[f.id] for f in self.pool]]
            sims = (rows @ self.query).astype(np.float64)
            spread = float(sims.std())
            closer = np.clip((sims - sims.mean()) / spread, -3, 3) if spread > 1e-9 else sims * 0
            self.theme = {f.id: float(z) for f, z in zip(self.pool, closer, strict=True)}
        else:
            self.theme = {f.id: 0.0 for f in self.pool}

    def _query(self, query: NDArray[np.floating] | None) -> NDArray[np.float32] | None:
        concept = self.rules.concept
        if query is None and concept.kind == "cluster":
            rows = [self.row[i] for i in concept.film_ids if i in self.row]
            if rows:
                query = self.vectors[rows].mean(axis=0)
        if query is None:
            return None
        q = np.asarray(query, dtype=np.float32).ravel()
        norm = float(np.linalg.norm(q))
        if norm == 0 or q.shape[0] != self.vectors.shape[1]:
            raise ValueError("the query vector must be non-zero and of the films' dimension")
        return q / np.float32(norm)

    def _pool(self) -> list[CurationFilm]:
        """The concept's films that fit the slot (a theme: the nearest `pool_size`), pinned
        films included whatever the concept, locked films left out."""
        rules = self.rules
        high = rules.episode.window[1]
        fits = [
            f
            for f in self.films
            if f.id not in self.fixed.films and (rules.episode.footprint(f) or high + 1) <= high
        ]
        concept = rules.concept
        if concept.kind == "theme":
            if self.query is None:
                raise ValueError("a theme needs its query vector")
            rows = self.vectors[[self.row[f.id] for f in fits]] if fits else self.vectors[:0]
            sims = rows @ self.query
            order = sorted(range(len(fits)), key=lambda i: (-float(sims[i]), fits[i].id))
            chosen = [fits[i] for i in order[: rules.pool_size()]]
        else:
            chosen = [f for f in fits if concept.matches(f)]
        have = {f.id for f in chosen}
        chosen += [f for f in fits if f.id in self.pinned and f.id not in have]
        return chosen

    # ---- variants and candidates ---------------------------------------------------------

    def variants(self) -> list[_Variant]:
        """The (audience group, language) pairs a season may hold, with their films; made
        once per run (their candidates are filled in by `solve`)."""
        if self._variants is not None:
            return self._variants
        out = []
        languages = [None] if self.free_language else _languages(self.pool, self.rules)
        for group in audience_groups(self.rules):
            for lang in languages:
                films = [
                    f
                    for f in self.pool
                    if (group is None or audience_key(f.audience) in group)
                    and _speaks(f, lang, self.rules)
                ]
                out.append(_Variant(group, lang, films))
        every = self.all_candidates()
        for variant in out:
            ids = {f.id for f in variant.films}
            variant.cands = [c for c in every if ids.issuperset(c.films)]
        out.sort(key=lambda v: (-len(v.cands), -len(v.films), str(v.language)))
        self._variants = out[:VARIANTS_MAX]
        return self._variants

    def all_candidates(self) -> list[_Cand]:
        """Candidate episodes from the whole pool, made once per run: every feasible bundle
        of a small pool; else each seed's best bundles among its nearest compatible films
        (`packing.Pool.beam`), and on pools up to `SEEDS_MAX` films a few greedy packings,
        whose bundles fit together. Each variant keeps those whose films it holds."""
        if self._candidates is not None:
            return self._candidates
        films = self.pool
        self._candidates = []
        if len(films) < self.rules.episode.min_films:
            return self._candidates
        rows = self.vectors[[self.row[f.id] for f in films]]
        exempt = (
            self.rules.concept.kind == "region"
            and self.rules.episode.exempt_from_region_rules(films, "region")
        )
        pool = Pool(films, rows, self.rules.episode, exempt=exempt)
        found: dict[tuple[int, ...], Candidate] = {}
        if pool.n <= EXHAUSTIVE_MAX:
            for c in pool.exhaustive(list(range(pool.n))):
                found.setdefault(c.members, c)
        else:
            every = np.ones(pool.n, dtype=bool)
            reachable = pool.reachable()
            for seed in self._seeds(films, reachable):
                hood = pool.neighbourhood(seed, every, NEIGHBOURS)
                for c in pool.beam(hood, keep=CANDIDATES_PER_SEED):
                    found.setdefault(c.members, c)
            if pool.n <= SEEDS_MAX:
                for shift in range(GREEDY_PACKINGS):
                    for c in _pack_greedy(pool, set(), self.random_state + shift):
                        found.setdefault(c.members, c)
        for members in sorted(found):
            c = found[members]
            chosen = [films[p] for p in members]
            theme = THEME_WEIGHT * sum(self.theme[f.id] for f in chosen)
            cand = _cand(chosen, c.value + theme)
            if self.rules.one_film_per_director and cand.directors & self.fixed.directors:
                continue
            self._candidates.append(cand)
        return self._candidates

    def _seeds(self, films: Sequence[CurationFilm], reachable: NDArray[np.bool_]) -> list[int]:
        """Every reachable film, or on a large pool `SEEDS_MAX` of them taken in turn from
        each region (closest to the concept first), so that every region gets episodes."""
        positions = [p for p in range(len(films)) if reachable[p]]
        if len(positions) <= SEEDS_MAX:
            return positions
        by_region: dict[str, list[int]] = {}
        for p in sorted(positions, key=lambda p: (-self.theme[films[p].id], films[p].id)):
            by_region.setdefault(films[p].region_code or "", []).append(p)
        pinned = [p for p in positions if films[p].id in self.pinned]
        out: list[int] = list(pinned)
        taken = set(out)
        queues = [iter(q) for q in by_region.values()]
        while len(out) < SEEDS_MAX and queues:
            alive = []
            for q in queues:
                nxt = next(q, None)
                if nxt is None:
                    continue
                alive.append(q)
                if nxt not in taken:
                    taken.add(nxt)
                    out.append(nxt)
            queues = alive
        return out[:SEEDS_MAX]

    # ---- the season's constraints ----------------------------------------------------------

    def caps(self, relax: Collection[str]) -> dict[str, float]:
        """Each Québec region's largest share of the season's runtime (1.0: no cap)."""
        rules = self.rules
        out = {}
        for code in QUEBEC_REGIONS:
            cap = 1.0 if MAX_REGION_SHARE in relax else rules.max_region_share
            if code == rules.metropolis and MONTREAL_SHARE not in relax:
                cap = min(cap, rules.montreal_max_share)
            out[code] = cap
        return out

    def quotas(self, relax: Collection[str]) -> dict[str, int]:
        if FORM_QUOTA in relax:
            return {}
        n = self.rules.episodes
        return {
            q.form.casefold(): max(0, q.episodes_needed(n) - self.fixed.forms.get(q.form, 0))
            for q in self.rules.form_quotas
        }

    def regions_needed(self, relax: Collection[str]) -> int:
        if SEASON_MIN_REGIONS in relax or self.rules.min_regions <= 1:
            return 0
        return max(0, self.rules.min_regions - len(self.fixed.region_seconds))

    def feasible(self, chosen: Sequence[_Cand], relax: Collection[str] = ()) -> bool:
        """Whether these candidates (with the locked episodes) keep every season rule that
        the candidates' own make-up can break (audience and language hold by the variant)."""
        return self._shortfall(chosen, relax) == 0

    # ---- the exact model -------------------------------------------------------------------

    def exact(
        self,
        cands: Sequence[_Cand],
        relax: Collection[str] = (),
        regions_only: bool = False,
        time_limit: float | None = None,
    ) -> tuple[list[_Cand] | None, bool, float | None]:
        """The best season over the candidates: (chosen, proved optimal, objective bound)."""
        n_eps = self.rules.episodes - self.fixed.episodes
        if n_eps <= 0:
            return [], True, 0.0
        if not cands:
            return None, True, None
        regions = sorted({code for c in cands for code in c.region_seconds})
        m, r = len(cands), len(regions)
        rows: list[list[tuple[int, float]]] = []
        lo: list[float] = []
        hi: list[float] = []

        def add(entries: list[tuple[int, float]], low: float, high: float) -> None:
            rows.append(entries)
            lo.append(low)
            hi.append(high)

        add([(j, 1.0) for j in range(m)], n_eps, n_eps)
        by_film: dict[int, list[int]] = {}
        by_director: dict[str, list[int]] = {}
        by_region: dict[str, list[int]] = {}
        for j, c in enumerate(cands):
            for i in c.films:
                by_film.setdefault(i, []).append(j)
            for k in c.directors:
                by_director.setdefault(k, []).append(j)
            for code in c.region_seconds:
                by_region.setdefault(code, []).append(j)
        for i, js in by_film.items():
            if i in self.pinned:
                add([(j, 1.0) for j in js], 1, 1)
            elif len(js) > 1:
                add([(j, 1.0) for j in js], 0, 1)
        if any(i not in by_film for i in self.pinned):
            return None, True, None
        if self.rules.one_film_per_director and SEASON_DIRECTOR not in relax:
            for js in by_director.values():
                if len(js) > 1:
                    add([(j, 1.0) for j in js], 0, 1)
        for a, code in enumerate(regions):  # y_code <= Σ x over episodes holding the region
            add([(m + a, 1.0), *((j, -1.0) for j in by_region[code])], -np.inf, 0)
        needed = self.regions_needed(relax)
        if needed:
            # Regions the locked episodes hold count already; y covers only new ones.
            new = [a for a, code in enumerate(regions) if code not in self.fixed.region_seconds]
            add([(m + a, 1.0) for a in new], needed, np.inf)
        caps = self.caps(relax)
        for code in regions:
            cap = caps[code]
            if cap >= 1.0:
                continue
            entries = [
                (j, c.region_seconds.get(code, 0) - cap * c.runtime) for j, c in enumerate(cands)
            ]
            bound = cap * self.fixed.runtime - self.fixed.region_seconds.get(code, 0)
            add(entries, -np.inf, bound)
        for form, need in self.quotas(relax).items():
            if need:
                add([(j, 1.0) for j, c in enumerate(cands) if form in c.forms], need, np.inf)
        data: list[float] = []
        ri: list[int] = []
        ci: list[int] = []
        for row_number, entries in enumerate(rows):
            for j, v in entries:
                ri.append(row_number)
                ci.append(j)
                data.append(v)
        matrix = csr_matrix((data, (ri, ci)), shape=(len(rows), m + r))
        values = np.array([c.value for c in cands])
        new_region = np.array([code not in self.fixed.region_seconds for code in regions], float)
        if regions_only:
            cost = np.concatenate((-1e-4 * values / max(1.0, values.max()), -new_region))
        else:
            cost = np.concatenate((-values, -REGION_WEIGHT * new_region))
        result = milp(
            cost,
            integrality=np.concatenate((np.ones(m), np.zeros(r))),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(matrix, lo, hi),
            options={"time_limit": time_limit or self.time_limit, "disp": False},
        )
        dual = getattr(result, "mip_dual_bound", None)
        proved = None if dual is None or not np.isfinite(dual) else -float(dual)
        if result.x is None:
            return None, result.status == 2, proved
        chosen = [cands[int(j)] for j in np.flatnonzero(result.x[:m] > 0.5)]
        return chosen, bool(result.status == 0), proved

    # ---- the heuristic ---------------------------------------------------------------------

    def objective(self, chosen: Sequence[_Cand]) -> float:
        regions = {code for c in chosen for code in c.region_seconds} - set(
            self.fixed.region_seconds
        )
        return sum(c.value for c in chosen) + REGION_WEIGHT * len(regions)

    def heuristic(
        self, cands: Sequence[_Cand], relax: Collection[str] = (), deadline: float | None = None
    ) -> list[_Cand] | None:
        """Greedy (value, new regions, missing forms and pinned films first, shares kept on
        a projection of the season's runtime), then local search: swap one episode for a
        candidate while that mends a broken rule or raises the objective."""
        now = time.monotonic()
        deadline = min(deadline or now + self.time_limit, now + HEURISTIC_SECONDS)
        n_eps = self.rules.episodes - self.fixed.episodes
        if n_eps <= 0:
            return []
        if not cands:
            return None
        ranked = sorted(cands, key=lambda c: (-c.value, c.films))
        shortest = min(c.runtime for c in cands)
        caps = self.caps(relax)
        quotas = self.quotas(relax)
        directors_rule = self.rules.one_film_per_director and SEASON_DIRECTOR not in relax
        chosen: list[_Cand] = []
        films: set[int] = set()
        keys: set[str] = set()
        seconds = dict(self.fixed.region_seconds)
        total = self.fixed.runtime

        def fits(c: _Cand, films: set[int], keys: set[str], left: int) -> bool:
            if films.intersection(c.films) or (directors_rule and keys & c.directors):
                return False
            projected = total + c.runtime + left * shortest
            return all(
                seconds.get(code, 0) + s <= caps[code] * projected + _EPS
                for code, s in c.region_seconds.items()
            )

        while len(chosen) < n_eps:
            left = n_eps - len(chosen) - 1
            forms = {f: need - sum(f in c.forms for c in chosen) for f, need in quotas.items()}
            missing_pins = self.pinned - films
            best, best_score = None, -np.inf
            for c in ranked:
                if best is not None and c.value + 50 < best_score:
                    break
                if not fits(c, films, keys, left):
                    continue
                gain = len(set(c.region_seconds) - set(seconds))
                score = c.value + (2.0 if self.regions_needed(relax) else REGION_WEIGHT) * gain
                score += 10.0 * sum(1 for f, k in forms.items() if k > 0 and f in c.forms)
                score += 100.0 * len(missing_pins.intersection(c.films))
                if score > best_score:
                    best, best_score = c, score
            if best is None:
                break
            chosen.append(best)
            films.update(best.films)
            keys |= best.directors
            total += best.runtime
            for code, s in best.region_seconds.items():
                seconds[code] = seconds.get(code, 0) + s
        return self._local_search(chosen, ranked, relax, deadline)

    def _shortfall(self, chosen: Sequence[_Cand], relax: Collection[str]) -> float:
        """How far a season is from keeping the rules (0 when it keeps them all)."""
        n_eps = self.rules.episodes - self.fixed.episodes
        out = 10.0 * abs(n_eps - len(chosen))
        films = [i for c in chosen for i in c.films]
        out += 10.0 * (len(films) - len(set(films))) + 10.0 * len(self.pinned - set(films))
        if self.rules.one_film_per_director and SEASON_DIRECTOR not in relax:
            keys = [k for c in chosen for k in c.directors]
            out += 10.0 * (len(keys) - len(set(keys)))
        total = self.fixed.runtime + sum(c.runtime for c in chosen)
        seconds = dict(self.fixed.region_seconds)
        for c in chosen:
            for code, s in c.region_seconds.items():
                seconds[code] = seconds.get(code, 0) + s
        caps = self.caps(relax)
        for code, s in seconds.items():
            over = s - caps[code] * total
            if over > _EPS:
                out += 1.0 + over / max(1, total)
        if self.regions_needed(relax):
            out += max(0, self.rules.min_regions - len(seconds))
        for form, need in self.quotas(relax).items():
            out += max(0, need - sum(form in c.forms for c in chosen))
        return out

    def _local_search(
        self,
        chosen: list[_Cand],
        ranked: Sequence[_Cand],
        relax: Collection[str],
        deadline: float,
    ) -> list[_Cand] | None:
        n_eps = self.rules.episodes - self.fixed.episodes
        rng = np.random.default_rng(self.random_state)
        pool = list(ranked[:4000])

        def key(season: Sequence[_Cand]) -> tuple[float, float]:
            return (self._shortfall(season, relax), -self.objective(season))

        current = key(chosen)
        while len(chosen) < n_eps and time.monotonic() < deadline:
            # The greedy stopped short: add whatever fits least badly.
            extra = min(pool, key=lambda c: key([*chosen, c]))
            chosen = [*chosen, extra]
            current = key(chosen)
        directors_rule = self.rules.one_film_per_director and SEASON_DIRECTOR not in relax
        most_regions = max((len(c.region_seconds) for c in pool), default=0)
        improved = True
        while improved and time.monotonic() < deadline:
            improved = False
            for i in rng.permutation(len(chosen)):
                out = chosen[int(i)]
                rest = chosen[: int(i)] + chosen[int(i) + 1 :]
                used = {f for c in rest for f in c.films}
                keys = {k for c in rest for k in c.directors} if directors_rule else set()
                for c in pool:
                    if current[0] == 0:
                        # A season that keeps the rules only gets better by an episode worth
                        # more, counting the regions it could bring.
                        if c.value + REGION_WEIGHT * most_regions <= out.value:
                            break
                        if c.value + REGION_WEIGHT * len(c.region_seconds) <= out.value:
                            continue
                    if c is out or used.intersection(c.films) or keys & c.directors:
                        continue
                    trial = [*rest, c]
                    k = key(trial)
                    if k < current:
                        chosen, current, improved = trial, k, True
                        break
                if improved or time.monotonic() >= deadline:
                    break
        return chosen if self.feasible(chosen, relax) else None

    # ---- the whole run ---------------------------------------------------------------------

    def solve(
        self, method: str, relax: Collection[str] = (), time_limit: float | None = None
    ) -> tuple[list[_Cand] | None, _Variant | None, str, bool, int]:
        """The best season over the variants: (chosen, its variant, method, optimal, candidates).

        Each variant gets an equal share of the time left; `optimal` only when every variant
        was solved to optimality or shown unable to beat the best.
        """
        limit = time_limit or self.time_limit
        deadline = time.monotonic() + limit
        best: tuple[float, list[_Cand], _Variant, str] | None = None
        proven = True
        total = len(self.all_candidates())
        n_eps = self.rules.episodes - self.fixed.episodes
        variants = self.variants()
        for k, variant in enumerate(variants):
            if best is not None:
                # No season of this variant can beat the best: its n best episodes and every
                # region it holds, ignoring that they overlap, do not reach it.
                top = sorted((c.value for c in variant.cands), reverse=True)[:n_eps]
                regions = {code for c in variant.cands for code in c.region_seconds}
                if sum(top) + REGION_WEIGHT * len(regions) <= best[0]:
                    continue
            share = max(0.5, (deadline - time.monotonic()) / (len(variants) - k))
            use = method
            if use == "auto":
                use = "exact" if len(variant.cands) <= EXACT_MAX_CANDIDATES else "heuristic"
            if use == "exact":
                chosen, optimal, _ = self.exact(variant.cands, relax, time_limit=share)
                proven = proven and optimal
            elif use == "heuristic":
                chosen = self.heuristic(variant.cands, relax, time.monotonic() + share)
                proven = False
            else:
                raise ValueError(f"unknown season method {method!r}; use auto, exact or heuristic")
            if chosen is not None and self.feasible(chosen, relax):
                score = self.objective(chosen)
                if best is None or score > best[0] + _EPS:
                    best = (score, chosen, variant, use)
        if best is None:
            return None, None, method, False, total
        return best[1], best[2], best[3], proven, total

    def regions_possible(self, variant: _Variant, method: str) -> int:
        """The most Québec regions any season of these rules could cover from the pool: the
        exact model maximising regions alone, or its proved bound when time runs out; above
        `EXACT_MAX_CANDIDATES`, the regions among the candidates' films (a looser bound)."""
        fixed = len(self.fixed.region_seconds)
        if method == "exact" or len(variant.cands) <= EXACT_MAX_CANDIDATES:
            chosen, optimal, bound = self.exact(
                variant.cands,
                (SEASON_MIN_REGIONS,),
                regions_only=True,
                time_limit=min(self.time_limit, 3.0),
            )
            if chosen is not None and optimal:
                return fixed + len(
                    {c for e in chosen for c in e.region_seconds} - set(self.fixed.region_seconds)
                )
            if bound is not None:
                return fixed + int(np.floor(bound + 1e-6))
        codes = {code for c in variant.cands for code in c.region_seconds}
        return len(codes | set(self.fixed.region_seconds))

    def max_episodes(self, cands: Sequence[_Cand]) -> int:
        """The most disjoint episodes the candidates hold, whatever the season rules."""
        if not cands:
            return 0
        films = sorted({i for c in cands for i in c.films})
        where = {i: k for k, i in enumerate(films)}
        ri = [where[i] for c in cands for i in c.films]
        ci = [j for j, c in enumerate(cands) for _ in c.films]
        matrix = csr_matrix((np.ones(len(ri)), (ri, ci)), shape=(len(films), len(cands)))
        result = milp(
            -np.ones(len(cands)),
            integrality=np.ones(len(cands)),
            bounds=Bounds(0, 1),
            constraints=LinearConstraint(matrix, -np.inf, 1),
            options={"time_limit": max(1.0, self.time_limit / 4), "disp": False},
        )
        if result.x is None:
            return len(_select_greedy_disjoint(cands))
        return round(float(result.x.sum()))


def _select_greedy_disjoint(cands: Sequence[_Cand]) -> list[_Cand]:
    used: set[int] = set()
    out = []
    for c in sorted(cands, key=lambda c: len(c.films)):
        if not used.intersection(c.films):
            used.update(c.films)
            out.append(c)
    return out


def _main(films: Sequence[CurationFilm], value: Any) -> str:
    """The value holding the most runtime among the films (value: film → str)."""
    seconds: dict[str, int] = {}
    for f in films:
        key = value(f) or ""
        seconds[key] = seconds.get(key, 0) + (f.runtime_seconds or 0)
    return min(seconds, key=lambda k: (-seconds[k], k)) if seconds else ""


# Codes of `Season.order_notes`, one per episode: why it sits where it does.
OPENS = "opens_strongest"
ENDS = "ends_strong"
ALTERNATES = "alternates_region_and_form"
OTHER_REGION = "alternates_region"
OTHER_FORM = "alternates_form"
FOLLOWS = "follows_by_strength"


def order_episodes(
    episodes: Sequence[Sequence[CurationFilm]],
    strengths: Sequence[float],
    rules: SeasonRules,
) -> tuple[list[int], list[str]]:
    """The running order (positions of `episodes`) and a note code per episode of it.

    The rule: open with the strongest episode and end with the second strongest (a season
    is judged on its first and last impressions); between them, each next episode differs
    from the previous one in its main region (the region holding most of its runtime), then
    in its main form, when it can, the strongest first among equals. The form quotas are
    then kept by swapping episodes (first and last stay put when they can): a run of
    `every` episodes without the form is never left.
    """
    n = len(episodes)
    if n == 0:
        return [], []
    regions = [_main(e, lambda f: f.region_code) for e in episodes]
    forms = [_main(e, _form) for e in episodes]
    by_strength = sorted(range(n), key=lambda i: (-strengths[i], i))
    first = by_strength[0]
    last = by_strength[1] if n > 1 else None
    middle = [i for i in by_strength if i not in (first, last)]
    order = [first]
    while middle:
        prev = order[-1]
        nxt = min(
            middle,
            key=lambda i: (regions[i] == regions[prev], forms[i] == forms[prev], -strengths[i], i),
        )
        order.append(nxt)
        middle.remove(nxt)
    if last is not None:
        order.append(last)
    order = _keep_quotas(order, episodes, rules)
    notes = []
    for k, i in enumerate(order):
        if k == 0:
            notes.append(OPENS)
        elif k == n - 1:
            notes.append(ENDS)
        else:
            prev = order[k - 1]
            region, form = regions[i] != regions[prev], forms[i] != forms[prev]
            notes.append(
                ALTERNATES
                if region and form
                else OTHER_REGION
                if region
                else OTHER_FORM
                if form
                else FOLLOWS
            )
    return order, notes


def _keep_quotas(
    order: list[int], episodes: Sequence[Sequence[CurationFilm]], rules: SeasonRules
) -> list[int]:
    """`order` itself when it keeps the form quotas; else the order nearest to it that does:
    built position by position, each time the earliest episode of `order` not yet placed
    that leaves every quota still reachable (a run of `every` episodes always holds the
    form, and enough episodes with it remain for the positions left)."""
    if not rules.form_quotas:
        return order
    n = len(order)
    marks = [
        (q.every, [any(_form(f) == q.form.casefold() for f in e) for e in episodes])
        for q in rules.form_quotas
    ]

    def reachable(seq: list[int], left: set[int]) -> bool:
        for every, has in marks:
            if len(seq) >= every and not any(has[i] for i in seq[-every:]):
                return False
            last = max((k for k, i in enumerate(seq) if has[i]), default=-1)
            needed = (n - 1 - last) // every
            if sum(has[i] for i in left) < needed:
                return False
        return True

    if all(
        any(has[i] for i in order[start : start + every])
        for every, has in marks
        for start in range(max(0, n - every + 1))
    ):
        return order

    def build(seq: list[int], left: set[int]) -> list[int] | None:
        if not left:
            return seq
        for i in order:
            if i in left and reachable([*seq, i], left - {i}):
                found = build([*seq, i], left - {i})
                if found is not None:
                    return found
        return None

    return build([], set(order)) or order


def solve_season(
    films: Sequence[CurationFilm],
    vectors: NDArray[np.floating],
    rules: SeasonRules,
    *,
    query: NDArray[np.floating] | None = None,
    pinned: Iterable[int] = (),
    locked: Sequence[Sequence[int]] = (),
    method: str = "auto",
    time_limit: float = 8.0,
    random_state: int = 0,
) -> Season:
    """The best season of `rules.episodes` episodes from `films`, or why there is none.

    `vectors` rows match `films` (the subject/text embeddings); `query` is the theme's vector
    (a theme concept needs it; for a cluster the cluster's centre is used). `pinned` films
    must be in the season; `locked` episodes (film ids, in running order) are kept as they
    are, first, and count toward the episodes and every season rule. `method`: "exact" (a
    mixed-integer model over candidate episodes, `scipy.optimize.milp` with `time_limit`),
    "heuristic" (greedy then local search) or "auto" (exact up to `EXACT_MAX_CANDIDATES`
    candidate episodes per variant).

    How: the concept's films that fit the slot make the pool; for each (audience group,
    language) the season may hold, candidate episodes come from the bundle engine's searches
    (a beam from every seed film, greedy packings), each valued as bundles are (films placed,
    cohesion, fill) plus closeness to the concept; the model picks N disjoint ones under the
    season rules, adding a weight per region covered. The chosen episodes are ordered
    (`order_episodes`), made bundles and checked with `check_season`.
    """
    solver = _Solver(films, vectors, rules, query, pinned, locked, time_limit, random_state)
    chosen, variant, used, optimal, count = solver.solve(method)
    if chosen is None or variant is None:
        blocks = _diagnose(solver, method, count)
        return Season(rules, (), None, 0.0, used, False, count, blocked=tuple(blocks))
    by_id = {f.id: f for f in solver.films}
    strengths = [c.value for c in chosen]
    groups = [[by_id[i] for i in c.films] for c in chosen]
    order, notes = order_episodes(groups, strengths, rules)
    locked_films = [[by_id[i] for i in ids] for ids in solver.locked]
    ordered = [*locked_films, *(groups[i] for i in order)]
    notes = ["locked"] * len(locked_films) + notes
    violations = check_season(ordered, rules)
    if violations:
        # Never hand out a season that breaks a rule. The model keeps every count; what it
        # cannot see is the order (several form quotas may admit no running order at all).
        return Season(
            rules,
            (),
            None,
            0.0,
            used,
            False,
            count,
            blocked=tuple(
                SeasonBlock(v.rule, 0, 0, v.message_en, v.message_fr) for v in violations
            ),
        )
    bundles = _bundles(solver, ordered)
    measures = measure_season(ordered, rules)
    measures = replace(measures, regions_possible=solver.regions_possible(variant, used))
    return Season(
        rules=rules,
        episodes=tuple(bundles),
        measures=measures,
        objective=round(solver.objective(chosen), 6),
        method=used,
        optimal=optimal,
        candidates=count,
        order_notes=tuple(notes),
    )


def _bundles(solver: _Solver, episodes: Sequence[Sequence[CurationFilm]]) -> list[Bundle]:
    """Each episode as a bundle (ordered inside, explained, labelled, no two labels alike)."""
    films = [f for e in episodes for f in e]
    rows = solver.vectors[[solver.row[f.id] for f in films]]
    run = _Proposer(films, rows, solver.rules.episode, solver.rules.facet, "auto", 1.0, 0)
    made = [run.make_bundle([f.id for f in e], None) for e in episodes]
    return _label(run, made, ())


def _concept_words(rules: SeasonRules) -> tuple[str, str]:
    kind = rules.concept.kind
    if kind == "theme":
        return "on this theme", "sur ce thème"
    if kind == "all":
        return "in the catalog", "au catalogue"
    return "of this concept", "de ce concept"


def _diagnose(solver: _Solver, method: str, count: int) -> list[SeasonBlock]:
    """Which season rule blocks and by how much: first the bounds the films set (episodes,
    regions, forms, pinned films), then each season rule lifted alone, with what the season
    would measure then."""
    rules = solver.rules
    on_en, on_fr = _concept_words(rules)
    slot = rules.episode.slot_minutes
    variants = solver.variants()
    out: list[SeasonBlock] = []
    need = rules.episodes - solver.fixed.episodes
    most = max((solver.max_episodes(v.cands) for v in variants), default=0)
    if most < need:
        n = len(solver.pool)
        out.append(
            SeasonBlock(
                EPISODES,
                need,
                most,
                f"only {_n(most, 'episode', 'episodes')} of {slot} minutes can be made from "
                f"the {_n(n, 'film', 'films')} {on_en}; {need} asked",
                f"seulement {_n(most, 'épisode', 'épisodes')} de {slot} minutes possible"
                f"{'s' if most > 1 else ''} avec {_n(n, 'film', 'films')} {on_fr} ; "
                f"{need} demandés",
            )
        )
        # An episode rule, not a season one: said, or the curator is left guessing.
        banded = rules.episode.one_age_band
        ageless = sum(1 for f in solver.pool if not age_bands(f)) if banded else 0
        one = ageless == 1
        if ageless:
            out.append(
                SeasonBlock(
                    AGE_BAND,
                    0,
                    ageless,
                    f"{ageless} of the {_n(n, 'film', 'films')} {on_en} "
                    f"{'has' if one else 'have'} no age range on {'its' if one else 'their'} "
                    "record, and one age band per episode leaves "
                    f"{'it' if one else 'them'} out",
                    f"{ageless} des {_n(n, 'film', 'films')} {on_fr} "
                    + ("n'a" if one else "n'ont")
                    + f" pas d'âges sur {'sa' if one else 'leur'} fiche, et une même tranche "
                    + "d'âge par épisode "
                    + ("l'écarte" if one else "les écarte"),
                )
            )
    covered = {i for v in variants for c in v.cands for i in c.films}
    missing = sorted(solver.pinned - covered)
    if missing:
        out.append(
            SeasonBlock(
                PINNED,
                len(solver.pinned),
                len(solver.pinned) - len(missing),
                f"films {missing} fit no episode of this season",
                f"les films {missing} n'entrent dans aucun épisode de cette saison",
            )
        )
    k = rules.min_regions
    if k > 1:
        have = max(
            (
                len(
                    {c for e in v.cands for c in e.region_seconds}
                    | set(solver.fixed.region_seconds)
                )
                for v in variants
            ),
            default=0,
        )
        if have < k:
            out.append(
                SeasonBlock(
                    SEASON_MIN_REGIONS,
                    k,
                    have,
                    f"only {_n(have, 'Québec region has', 'Québec regions have')} films "
                    f"{on_en} that can enter an episode; {k} asked",
                    f"seulement {_n(have, 'région du Québec a', 'régions du Québec ont')} des "
                    f"films {on_fr} qui peuvent entrer dans un épisode ; {k} demandées",
                )
            )
    for form, wanted in solver.quotas(()).items():
        films = max(
            (len({i for c in v.cands if form in c.forms for i in c.films}) for v in variants),
            default=0,
        )
        able = max(
            (
                len(_select_greedy_disjoint([c for c in v.cands if form in c.forms]))
                for v in variants
            ),
            default=0,
        )
        able = min(able, films)
        if able < wanted:
            out.append(
                SeasonBlock(
                    FORM_QUOTA,
                    wanted,
                    able,
                    f"only {_n(able, 'episode', 'episodes')} can hold a film of the form "
                    f"{form}; {wanted} needed",
                    f"seulement {_n(able, 'épisode peut', 'épisodes peuvent')} contenir un film "
                    f"de forme {form} ; {wanted} nécessaires",
                )
            )
    if not out:
        # The films allow the counts asked; which rule, lifted alone, would let a season form?
        out += _relaxations(solver, method)
    if not out:
        out.append(
            SeasonBlock(
                "several_rules",
                0,
                0,
                "no season rule lifted alone lets a season form; several rules block together",
                "aucune règle de saison levée seule ne permet de former une saison ; "
                "plusieurs règles bloquent ensemble",
            )
        )
    return out


def _relaxations(solver: _Solver, method: str) -> list[SeasonBlock]:
    rules = solver.rules
    short = max(1.0, solver.time_limit / 4)
    out = []
    trials: list[str] = []
    if rules.min_regions > 1:
        trials.append(SEASON_MIN_REGIONS)
    if rules.max_region_share < 1.0:
        trials.append(MAX_REGION_SHARE)
    if rules.montreal_max_share < 1.0:
        trials.append(MONTREAL_SHARE)
    if rules.one_film_per_director:
        trials.append(SEASON_DIRECTOR)
    if rules.form_quotas:
        trials.append(FORM_QUOTA)
    for rule in trials:
        chosen, variant, used, _, _ = solver.solve(method, (rule,), short)
        if chosen is None or variant is None:
            continue
        by_id = {f.id: f for f in solver.films}
        season = [[by_id[i] for i in ids] for ids in solver.locked]
        season += [[by_id[i] for i in c.films] for c in chosen]
        m = measure_season(season, rules)
        out.append(_relaxed_block(rule, rules, m, solver.regions_possible(variant, used)))
    for rule, relaxed in (
        (SEASON_AUDIENCE, replace(rules, one_audience=False, audience=None)),
        (SEASON_LANGUAGE, rules),
    ):
        if out:
            break  # these two make their candidates again: only when nothing else explains
        if rule == SEASON_AUDIENCE and not rules.one_audience:
            continue
        if rule == SEASON_LANGUAGE and not rules.episode.common_language:
            continue
        other = _Solver(
            solver.films,
            solver.vectors,
            relaxed,
            solver.query,
            solver.pinned,
            solver.locked,
            short,
            solver.random_state,
            free_language=rule == SEASON_LANGUAGE,
        )
        chosen, variant, _, _, _ = other.solve(method)
        if chosen is None:
            continue
        by_id = {f.id: f for f in solver.films}
        season = [[by_id[i] for i in c.films] for c in chosen]
        if rule == SEASON_AUDIENCE:
            found = len({audience_key(f.audience) for e in season for f in e})
            out.append(
                SeasonBlock(
                    rule,
                    1,
                    found,
                    f"a season exists only mixing {found} audiences that do not go together",
                    f"une saison n'existe qu'en mêlant {found} publics qui ne vont pas ensemble",
                    True,
                )
            )
        else:
            langs = {bundle_language(e, rules.episode) for e in season}
            found = len(langs)
            out.append(
                SeasonBlock(
                    rule,
                    1,
                    found,
                    f"a season exists only with episodes in {found} different languages",
                    f"une saison n'existe qu'avec des épisodes en {found} langues différentes",
                    True,
                )
            )
    return out


def _relaxed_block(rule: str, rules: SeasonRules, m: SeasonMeasures, possible: int) -> SeasonBlock:
    if rule == SEASON_MIN_REGIONS:
        k = rules.min_regions
        return SeasonBlock(
            rule,
            k,
            possible,
            f"at most {possible} Québec regions fit in one season under the other rules; {k} asked",
            f"au plus {possible} régions du Québec tiennent dans une saison avec les autres "
            f"règles ; {k} demandées",
            True,
        )
    if rule == MAX_REGION_SHARE:
        shares = {c: s for c, s in m.region_shares.items() if c != rules.metropolis}
        code = max(shares, key=lambda c: shares[c]) if shares else ""
        share = shares.get(code, 0.0)
        cap = rules.max_region_share
        return SeasonBlock(
            rule,
            cap,
            round(share, 4),
            f"a season exists only with {region_name(code)} at {_percent(share, 'en')} of the "
            f"runtime; at most {_percent(cap, 'en')} asked",
            f"une saison n'existe qu'avec {region_name(code)} à {_percent(share, 'fr')} de la "
            f"durée ; au plus {_percent(cap, 'fr')} demandé",
            True,
        )
    if rule == MONTREAL_SHARE:
        cap, share = rules.montreal_max_share, m.montreal_share
        name = region_name(rules.metropolis)
        return SeasonBlock(
            rule,
            cap,
            round(share, 4),
            f"a season exists only with {name} at {_percent(share, 'en')} of the runtime; "
            f"at most {_percent(cap, 'en')} asked",
            f"une saison n'existe qu'avec {name} à {_percent(share, 'fr')} de la durée ; "
            f"au plus {_percent(cap, 'fr')} demandé",
            True,
        )
    if rule == SEASON_DIRECTOR:
        n = len(m.repeated_directors)
        return SeasonBlock(
            rule,
            0,
            n,
            f"a season exists only with {n} directors signing two films or more",
            f"une saison n'existe qu'avec {n} cinéastes signant deux films ou plus",
            True,
        )
    worst = min(
        (
            (m.form_episodes.get(q.form, 0), q.episodes_needed(rules.episodes), q.form)
            for q in rules.form_quotas
        ),
        key=lambda t: t[0] - t[1],
    )
    have, need, form = worst
    return SeasonBlock(
        rule,
        need,
        have,
        f"a season exists only with {have} episodes holding a film of the form {form}; "
        f"{need} needed",
        f"une saison n'existe qu'avec {have} épisodes contenant un film de forme {form} ; "
        f"{need} nécessaires",
        True,
    )


# ---- JSON ------------------------------------------------------------------------------------


def season_rules_kept(season: Season) -> list[dict[str, Any]]:
    """Each season rule: what was asked, what the season measures, whether it is kept."""
    rules, m = season.rules, season.measures
    if m is None:
        return []
    broken = {v.rule for v in season.violations}
    shares = {c: s for c, s in m.region_shares.items() if c != rules.metropolis}
    out: list[dict[str, Any]] = [
        {"rule": EPISODES, "asked": rules.episodes, "measured": m.episodes},
        {"rule": SEASON_MIN_REGIONS, "asked": rules.min_regions, "measured": len(m.regions)},
        {
            "rule": MAX_REGION_SHARE,
            "asked": rules.max_region_share,
            "measured": round(max(shares.values(), default=0.0), 4),
        },
        {
            "rule": MONTREAL_SHARE,
            "asked": rules.montreal_max_share,
            "measured": round(m.montreal_share, 4),
        },
        {
            "rule": SEASON_DIRECTOR,
            "asked": rules.one_film_per_director,
            "measured": len(m.repeated_directors),
        },
        {
            "rule": SEASON_AUDIENCE,
            "asked": rules.audience or rules.one_audience,
            "measured": list(m.audiences),
        },
        {"rule": SEASON_LANGUAGE, "asked": rules.language, "measured": m.language},
    ]
    for q in rules.form_quotas:
        out.append(
            {
                "rule": FORM_QUOTA,
                "form": q.form,
                "every": q.every,
                "asked": q.episodes_needed(rules.episodes),
                "measured": m.form_episodes.get(q.form, 0),
            }
        )
    episode_rules = {v.rule for v in season.violations if v.episode is not None}
    for row in out:
        row["kept"] = row["rule"] not in broken
    out.append(
        {
            "rule": "episode_rules",
            "asked": list(RULES),
            "measured": sorted(episode_rules),
            "kept": not episode_rules,
        }
    )
    return out


def season_to_json(
    season: Season, films: Iterable[CurationFilm], lang: str = "fr"
) -> dict[str, Any]:
    """The `anthologie season --json` object: every episode with its films, the rules asked
    and their measured values, and what blocks when no season exists."""
    by_id = {f.id: f for f in films}
    french = lang.startswith("fr")
    rules = season.rules
    m = season.measures
    notes = list(season.order_notes) or [""] * len(season.episodes)

    def film_json(film_id: int) -> dict[str, Any]:
        film = by_id[film_id]
        return {
            "id": film.id,
            "title": film.title,
            "runtime_seconds": film.runtime_seconds,
            "directors": list(film.directors),
            "region_code": film.region_code,
            "region": region_name(film.region_code),
            "audience": film.audience,
            "form": film.form,
            "languages": list(film.languages),
            "subtitle_languages": list(film.subtitle_languages),
        }

    low, high = rules.episode.window
    return {
        "ok": season.ok,
        "concept": {
            "kind": rules.concept.kind,
            "value": rules.concept.value,
            "label": rules.concept.label,
        },
        "rules": {
            "slot_minutes": rules.episode.slot_minutes,
            "window_seconds": [low, high],
            "episodes": rules.episodes,
            "min_regions": rules.min_regions,
            "max_region_share": rules.max_region_share,
            "montreal_max_share": rules.montreal_max_share,
            "one_film_per_director": rules.one_film_per_director,
            "one_audience": rules.one_audience,
            "audience": rules.audience,
            "language": rules.language,
            "form_quotas": [{"form": q.form, "every": q.every} for q in rules.form_quotas],
            "regional_floor": rules.episode.regional_floor,
            "regional_scope": rules.episode.regional_scope(lang),
        },
        "method": season.method,
        "optimal": season.optimal,
        "objective": season.objective,
        "candidates": season.candidates,
        "measured": None
        if m is None
        else {
            "episodes": m.episodes,
            "films": m.films,
            "runtime_seconds": m.runtime_seconds,
            "regions": [{"code": c, "name": region_name(c)} for c in m.regions],
            "regions_count": len(m.regions),
            "regions_possible": m.regions_possible,
            "region_shares": {c: round(s, 4) for c, s in m.region_shares.items()},
            "montreal_share": round(m.montreal_share, 4),
            "repeated_directors": list(m.repeated_directors),
            "audiences": list(m.audiences),
            "language": m.language,
            "form_episodes": dict(m.form_episodes),
        },
        "season_rules": season_rules_kept(season),
        "episodes": [
            {
                "number": n,
                "id": b.id,
                "label": b.label if french else (b.label_en or b.label),
                "explanation": b.explanation_fr if french else b.explanation_en,
                "runtime_seconds": b.runtime_seconds,
                "language": b.language,
                "scores": dict(b.scores),
                "order_note": note,
                "films": [film_json(i) for i in b.film_ids],
            }
            for n, (b, note) in enumerate(zip(season.episodes, notes, strict=True), start=1)
        ],
        "violations": [
            {
                "rule": v.rule,
                "episode": v.episode,
                "films": list(v.film_ids),
                "message": v.message_fr if french else v.message_en,
            }
            for v in season.violations
        ],
        "blocked": [
            {
                "rule": b.rule,
                "asked": b.asked,
                "found": b.found,
                "relaxed": b.relaxed,
                "message": b.message_fr if french else b.message_en,
            }
            for b in season.blocked
        ],
    }
