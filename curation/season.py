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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from curation.bundles import Bundle
from curation.films import CurationFilm, person_key, region_name
from curation.rules import (
    QUEBEC_REGIONS,
    SlotRules,
    Violation,
    accepted_languages,
    audience_key,
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
    pool; 0 takes max(60, 3 × episodes × the episode's max films).
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
        return max(60, 3 * self.episodes * self.episode.max_films)


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


def _percent(share: float, lang: str) -> str:
    return f"{share * 100:.0f} %" if lang == "fr" else f"{share:.0%}"


def season_language(episodes: Sequence[Sequence[CurationFilm]], rules: SeasonRules) -> str | None:
    """The language every film of the season can be shown in (the asked one, else the one
    most films are originally in, "fra" on ties); None when there is none."""
    films = [f for e in episodes for f in e]
    unknown_ok = rules.episode.unknown_language_ok
    known = [accepted_languages(f) for f in films if f.languages or f.subtitle_languages]
    if len(known) < len(films) and not unknown_ok:
        return None
    if rules.language:
        wanted = rules.language.casefold()
        return wanted if all(wanted in k for k in known) else None
    if not known:
        return None
    common = frozenset.intersection(*known)
    if not common:
        return None
    originals = [x.casefold() for f in films for x in f.languages]
    return min(common, key=lambda lang: (-originals.count(lang), lang != "fra", lang))


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
                f"films from {len(m.regions)} Québec regions; at least {rules.min_regions} asked",
                f"films de {len(m.regions)} régions du Québec ; au moins {rules.min_regions} "
                "demandées",
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
    if rules.episode.common_language and ids and m.language is None:
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
    must be in the season; `locked` episodes (film ids, in any order) are kept as they are
    and count toward the episodes and every season rule. `method`: "exact" (a mixed-integer
    model over candidate episodes, `scipy.optimize.milp` with `time_limit`), "heuristic"
    (greedy then local search) or "auto" (exact up to `EXACT_MAX_CANDIDATES` candidates).
    """
    raise NotImplementedError


def order_episodes(
    episodes: Sequence[Sequence[CurationFilm]],
    strengths: Sequence[float],
    rules: SeasonRules,
) -> tuple[list[int], list[str]]:
    """The running order (positions of `episodes`) and a note per slot of it.

    The rule: open with the strongest episode and end with the second strongest (a season
    is judged on its first and last impressions); between them, each next episode differs
    from the previous one in its main region and then in its main form when it can, the
    strongest first among equals; the form quotas are then kept by moving episodes holding
    the form where a run of episodes would lack one.
    """
    raise NotImplementedError


def season_to_json(
    season: Season, films: Iterable[CurationFilm], lang: str = "fr"
) -> dict[str, Any]:
    """The `anthologie season --json` object: every episode with its films, the rules asked
    and their measured values, and what blocks when no season exists."""
    raise NotImplementedError
