"""Proposal sets: bundles drawn from the groups of one facet, ordered, scored and explained.

How a set is made (`propose_bundles`):
1. Films in locked bundles are set aside (the bundles are returned unchanged); films with no
   runtime, or longer than the slot, are unplaced with that reason.
2. Each group is packed (`packing.pack_pool`: exact on small groups, greedy on large ones,
   and greedy on every group once more than `EXACT_FILMS_MAX` films can be placed).
3. With `pool_leftovers`, the films no group could place are packed together once more, by
   closeness across groups, so that a film whose own group ran short still gets a chance.
4. Every bundle is checked with `check_bundle`; one that broke a rule would be dropped and
   counted in `rejected` (the tests hold that to zero).
5. What is left is diagnosed: for each rule, would relaxing it alone let the film into a
   bundle? That names the blocking rules per film and per group (`blocked_by`).

The independent pieces go through the `mapper` the caller gives (the plain `map` by
default; the shell's spreads them over processes on a large catalog): the groups' packing;
then the groups' bundles made beside the leftovers' packing; the leftovers' bundles; then the
set's labels beside each group's diagnosis. The answer does not depend on the mapper.

Order inside a bundle (`order_items`), on purpose rather than catalog order:
- open with the strongest match, the film nearest the bundle's centre, which sets the theme;
- then each next film differs from the previous one in form if it can (fiction after
  documentary after animation), then sits on the other side of the bundle's median runtime
  (a short after a long one keeps the tempo), then is the closest to the previous film (the
  thread from one to the next); ids break the last ties.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from curation.cluster import Cluster
from curation.embedding import film_rows, normalise_rows
from curation.films import CurationFilm
from curation.labels import BundleWords, LabelIndex, explain, mean_pairwise, unique_labels
from curation.packing import (
    EXHAUSTIVE_MAX,
    Candidate,
    FilmFacts,
    Pool,
    pack_pool,
)
from curation.rules import (
    AGE_BAND,
    AUDIENCE,
    DIRECTOR,
    FILM_COUNT,
    LANGUAGE,
    MIN_REGIONS,
    NO_RUNTIME,
    REGIONAL_FLOOR,
    RUNTIME_WINDOW,
    TOO_LONG,
    SlotRules,
    bundle_language,
    check_bundle,
    film_reason,
    fitting,
    regional_measure,
)

# The order relaxations are tried in; the first that frees a film is its main reason. The
# specific rules come first: "too short together" is true of almost any leftover.
DIAGNOSIS_ORDER = (
    REGIONAL_FLOOR,
    AUDIENCE,
    AGE_BAND,
    LANGUAGE,
    DIRECTOR,
    MIN_REGIONS,
    FILM_COUNT,
    RUNTIME_WINDOW,
)
# `map(fn, items)` as a list: how the independent pieces of a proposal (its groups, its bundles,
# its leftovers' diagnosis) are run. The shell may pass one that spreads them over processes
# (web/usecases/parallel.py); the answers must not depend on it.
Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], Sequence[Any]]
DIAGNOSIS_NEIGHBOURS = 16
EXACT_FILMS_MAX = 5_000  # `auto` packs groups exactly only while this few films can be placed
NOT_SELECTED = "not_selected"  # could be bundled, but the set's other bundles were preferred
COUNT_LIMIT = "count_limit"  # a bundle held it, beyond the `count` asked for
SEVERAL_RULES = "several_rules"  # no single rule relaxed would let it in
LEFTOVER_GROUP = "leftovers"  # the group id of bundles packed across groups

_REASONS = {
    NO_RUNTIME: ("no runtime", "pas de durée"),
    TOO_LONG: ("longer than the slot", "plus long que la case"),
    REGIONAL_FLOOR: (  # {scope}: what the floor counts (`SlotRules.regional_scope`)
        "not enough runtime from {scope} among its possible companions",
        "pas assez de durée venue des {scope} parmi ses compagnons possibles",
    ),
    AUDIENCE: ("no companion of a compatible audience", "aucun compagnon d'un public compatible"),
    LANGUAGE: ("no companion sharing a language", "aucun compagnon dans une langue commune"),
    AGE_BAND: (
        "no companion within its age band (or no age range on its record)",
        "aucun compagnon dans sa tranche d'âge (ou pas d'âges sur sa fiche)",
    ),
    DIRECTOR: (
        "its possible companions share its director",
        "ses compagnons possibles ont le même réalisateur",
    ),
    MIN_REGIONS: (
        "too few regions among its companions",
        "trop peu de régions parmi ses compagnons",
    ),
    FILM_COUNT: ("the film count per bundle", "le nombre de films par programme"),
    RUNTIME_WINDOW: (
        "its possible companions cannot fill the slot's window",
        "ses compagnons possibles ne remplissent pas la fenêtre de la case",
    ),
    NOT_SELECTED: (
        "could be bundled, but other bundles used its companions",
        "pourrait entrer dans un programme, mais ses compagnons sont pris ailleurs",
    ),
    COUNT_LIMIT: (
        "beyond the number of bundles asked for",
        "au-delà du nombre de programmes demandé",
    ),
    SEVERAL_RULES: (
        "several rules together leave it out",
        "plusieurs règles ensemble l'excluent",
    ),
}


@dataclass(frozen=True)
class BundleItem:
    """A film in a bundle: its runtime and how strongly it matches the bundle (cosine)."""

    film_id: int
    runtime_seconds: int
    match: float


@dataclass(frozen=True)
class Bundle:
    """An ordered set of films that fills one slot and keeps every rule (unless locked).

    `scores`: cohesion (mean cosine between its films), fill (share of the slot used,
    interstitials included), regional_share (share of the runtime that the regional floor
    counts: `SlotRules.regional_scope`), regional_film_share (the same, by number of films),
    regions (distinct known ones).
    """

    id: str
    facet: str
    group_id: str | None
    label: str
    explanation_fr: str
    explanation_en: str
    items: tuple[BundleItem, ...]
    runtime_seconds: int
    language: str | None
    scores: Mapping[str, float] = field(default_factory=dict)
    locked: bool = False
    label_en: str = ""  # `label` is French; the English one, when it differs

    @property
    def film_ids(self) -> tuple[int, ...]:
        return tuple(item.film_id for item in self.items)


@dataclass(frozen=True)
class Unplaced:
    """A film left out of every bundle: the main reason, and every rule that alone blocks it."""

    film_id: int
    reason: str
    blocking: tuple[str, ...]
    group_id: str | None
    message_en: str
    message_fr: str
    pinned: bool = False


@dataclass(frozen=True)
class Blocked:
    """How many films a rule (or reason) keeps out, and the groups where it left no bundle."""

    films: int
    groups: tuple[str, ...]


@dataclass(frozen=True)
class ProposalSet:
    facet: str
    rules: SlotRules
    bundles: tuple[Bundle, ...]
    unplaced: tuple[Unplaced, ...]
    blocked_by: Mapping[str, Blocked]
    methods: Mapping[str, int]
    rejected: int = 0


def bundle_id(facet: str, film_ids: Iterable[int]) -> str:
    """The same films on the same facet always make the same id."""
    key = facet + ":" + ",".join(map(str, sorted(film_ids)))
    return "b-" + hashlib.sha1(key.encode()).hexdigest()[:10]


def order_items(films: Sequence[CurationFilm], vectors: NDArray[np.floating]) -> list[int]:
    """Positions of `films` in the bundle's running order (see the module's docstring)."""
    n = len(films)
    rows = film_rows(vectors, n)
    centre = rows.mean(axis=0)
    to_centre = rows @ centre
    runtimes = [f.runtime_seconds or 0 for f in films]
    median = float(np.median(runtimes))
    first = min(range(n), key=lambda i: (-round(float(to_centre[i]), 6), films[i].id))
    order = [first]
    left = set(range(n)) - {first}
    while left:
        prev = order[-1]
        prev_long = runtimes[prev] > median

        def key(i: int, prev: int = prev, prev_long: bool = prev_long) -> tuple[Any, ...]:
            same_form = films[i].form is not None and films[i].form == films[prev].form
            same_tempo = (runtimes[i] > median) == prev_long
            return (same_form, same_tempo, -round(float(rows[i] @ rows[prev]), 6), films[i].id)

        nxt = min(left, key=key)
        order.append(nxt)
        left.remove(nxt)
    return order


def _reason(
    code: str, blocking: tuple[str, ...], film_id: int, group: str | None, rules: SlotRules
) -> Unplaced:
    return Unplaced(film_id, code, blocking, group, *_messages(code, blocking, rules))


@lru_cache(maxsize=256)
def _messages(code: str, blocking: tuple[str, ...], rules: SlotRules) -> tuple[str, str]:
    """The English and French words for a reason: the same for every film it keeps out (a
    province's catalog has tens of thousands of films longer than a slot)."""
    en, fr = _REASONS.get(code, (code, code))
    en = en.format(scope=rules.regional_scope("en"))
    fr = fr.format(scope=rules.regional_scope("fr"))
    pairs = [b.split("+") for b in blocking if "+" in b]
    if pairs:  # name the rules: "regional_floor and runtime_window together"
        en = "; or ".join(" and ".join(p) for p in pairs) + " together leave it out"
        fr = "; ou ".join(" et ".join(p) for p in pairs) + " ensemble l'excluent"
    return en, fr


class _Proposer:
    """One run of `propose_bundles`: the inputs indexed once, shared by every step."""

    def __init__(
        self,
        films: Sequence[CurationFilm],
        vectors: NDArray[np.floating],
        rules: SlotRules,
        facet: str,
        method: str,
        time_limit: float,
        random_state: int,
    ) -> None:
        self.films = list(films)
        self.rules = rules
        self.facet = facet
        self.method = method
        self.time_limit = time_limit
        self.random_state = random_state
        self.row = {f.id: i for i, f in enumerate(films)}
        if len(self.row) != len(films):
            raise ValueError("film ids must be unique")
        self.vectors = film_rows(vectors, len(films))
        self.methods: dict[str, int] = {}
        self._index: LabelIndex | None = None
        self._facts: FilmFacts | None = None
        self._fact_row: dict[int, int] = {}
        self.words: dict[str, BundleWords] = {}

    @property
    def index(self) -> LabelIndex:
        # Built on first use: only the bundles actually proposed need words.
        # Over the films that fit the slot: the only ones a bundle can hold, and those a word's
        # rarity is measured among (a province's catalog has more films too long than not).
        if self._index is None:
            self._index = LabelIndex([self.films[r] for r in self.fits])
        return self._index

    @property
    def facts(self) -> FilmFacts:
        # Worked out for the films that fit the slot only, on first use.
        if self._facts is None:
            self._facts = FilmFacts.of([self.films[r] for r in self.fits], self.rules)
            self._fact_row = {r: k for k, r in enumerate(self.fits)}
        return self._facts

    @cached_property
    def fits(self) -> list[int]:
        """Rows of the films that fit the slot."""
        return fitting(self.films, self.rules)

    def pool(self, ids: Sequence[int], *, exempt: bool = False) -> Pool:
        rows = [self.row[i] for i in ids]
        films = [self.films[r] for r in rows]
        facts = self.facts.take([self._fact_row[r] for r in rows])
        return Pool(films, self.vectors[rows], self.rules, exempt=exempt, facts=facts)

    def exempt(self, ids: Sequence[int], group: str | None) -> bool:
        films = [self.films[self.row[i]] for i in ids]
        return group != LEFTOVER_GROUP and self.rules.exempt_from_region_rules(films, self.facet)

    def packed(
        self, ids: list[int], group: str, pinned: set[int]
    ) -> tuple[list[tuple[int, ...]], str | None]:
        """The bundles packed from `ids` and the method used (None: too few films to try)."""
        if len(ids) < self.rules.min_films:
            return [], None
        pool = self.pool(ids, exempt=self.exempt(ids, group))
        chosen, used, _ = pack_pool(
            pool,
            pinned=[p for p, i in enumerate(ids) if i in pinned],
            method=self.method,
            time_limit=self.time_limit,
            random_state=self.random_state,
        )
        return [tuple(ids[p] for p in c.members) for c in chosen], used

    def diagnose(self, ids: list[int], group: str) -> dict[int, tuple[str, ...]]:
        """For leftovers of one group: the rules whose relaxation alone would place each film.

        A film no single rule frees is tried with pairs of rules ("regional_floor+audience");
        only rules that can bind in this pool are tried (`Pool.binds`).
        """
        found: dict[int, list[str]] = {i: [] for i in ids}
        exempt = self.exempt(ids, group)
        full = self.pool(ids, exempt=exempt)
        binding = [r for r in DIAGNOSIS_ORDER if full.binds(r)]
        passes: list[tuple[str, ...]] = [(), *((r,) for r in binding)]
        for relax in passes:
            pool = full.relaxed(relax)
            for p in _covered(pool):
                found[ids[p]].append(relax[0] if relax else NOT_SELECTED)
        # Pairs with the runtime window first: it is the usual accomplice. A film freed by one
        # pair is not tried with the others, which keeps this pass cheap.
        pairs = sorted(
            itertools.combinations(binding, 2), key=lambda pair: RUNTIME_WINDOW not in pair
        )
        for pair in pairs:
            stuck = {p for p, i in enumerate(ids) if not found[i]}
            if not stuck:
                break
            pool = full.relaxed(pair)
            for p in _covered(pool, seeds=stuck) & stuck:
                found[ids[p]].append("+".join(pair))
        return {i: tuple(rs) for i, rs in found.items()}

    def finished(
        self, ids: tuple[int, ...], gid: str, groups: Mapping[str, Cluster]
    ) -> tuple[Bundle, BundleWords] | None:
        """The bundle of `ids` packed in group `gid`, and its words; None if it breaks a rule
        (checked once more, on the films themselves: the tests hold that to never)."""
        films = [self.films[self.row[i]] for i in ids]
        if check_bundle(films, self.rules, self.facet if gid != LEFTOVER_GROUP else "subject"):
            return None
        return self.bundle_and_words(ids, groups.get(gid))

    def make_bundle(self, ids: Sequence[int], group: Cluster | None) -> Bundle:
        """The bundle of `ids`, ordered and explained; its label is set once the set is known
        (`unique_labels`), from the words kept in `self.words`."""
        bundle, self.words[bundle_id(self.facet, ids)] = self.bundle_and_words(ids, group)
        return bundle

    def bundle_and_words(
        self, ids: Sequence[int], group: Cluster | None
    ) -> tuple[Bundle, BundleWords]:
        """`make_bundle`'s bundle, and the words its label will be chosen from."""
        films = [self.films[self.row[i]] for i in ids]
        rows = self.vectors[[self.row[i] for i in ids]]
        order = order_items(films, rows)
        films = [films[p] for p in order]
        rows = rows[order]
        centre = normalise_rows(rows.mean(axis=0, keepdims=True))[0]
        cohesion = mean_pairwise(rows)
        found = self.index.bundle_words(films)
        fr, en = explain(films, found.keywords_fr, cohesion, found.keywords_en)
        used = sum(self.rules.footprint(f) or 0 for f in films)
        regions = {f.region_code for f in films if f.region_code is not None}
        regional = regional_measure(films, self.rules)
        bundle = Bundle(
            id=bundle_id(self.facet, ids),
            facet=self.facet,
            group_id=group.id if group else None,
            label="",
            explanation_fr=fr,
            explanation_en=en,
            items=tuple(
                BundleItem(f.id, f.runtime_seconds or 0, round(float(r @ centre), 4))
                for f, r in zip(films, rows, strict=True)
            ),
            runtime_seconds=sum(f.runtime_seconds or 0 for f in films),
            language=bundle_language(films, self.rules),
            scores={
                "cohesion": round(cohesion, 4),
                "fill": round(used / self.rules.slot_seconds, 4),
                "regional_share": round(regional.of_runtime, 4),
                "regional_film_share": round(regional.of_films, 4),
                "regions": float(len(regions)),
            },
        )
        return bundle, found


def _covered(pool: Pool, seeds: Iterable[int] | None = None) -> set[int]:
    """Positions that some feasible bundle of the pool contains (searched from `seeds`)."""
    if pool.n == 0:
        return set()
    if pool.n <= EXHAUSTIVE_MAX:
        return pool.covering(range(pool.n))
    covered: set[int] = set()
    every = np.ones(pool.n, dtype=bool)
    reachable = pool.reachable()
    for seed in sorted(range(pool.n) if seeds is None else seeds):
        if seed in covered or not reachable[seed]:
            continue
        # A narrow search: the diagnosis needs bundles that exist, not the best ones. Every
        # bundle found at the first size that has any covers its films (up to one per
        # neighbour), so that most films need no search of their own.
        found: list[Candidate] = pool.beam(
            pool.neighbourhood(seed, every, DIAGNOSIS_NEIGHBOURS),
            keep=DIAGNOSIS_NEIGHBOURS,
            width=2,
            first=True,
        )
        for cand in found:
            covered.update(cand.members)
    return covered


def propose_bundles(
    films: Sequence[CurationFilm],
    groups: Sequence[Cluster],
    vectors: NDArray[np.floating],
    rules: SlotRules | None = None,
    facet: str = "subject",
    *,
    pinned: Iterable[int] = (),
    locked: Sequence[Bundle] = (),
    count: int | None = None,
    method: str = "auto",
    pool_leftovers: bool = True,
    time_limit: float = 10.0,
    random_state: int = 0,
    mapper: Mapper | None = None,
) -> ProposalSet:
    """Bundles from the groups of one facet that fill the slot and keep every rule.

    `vectors` rows match `films` (the facet's vectors: subject embeddings for the subject and
    region facets, style features for style, `mixed_vectors` for mixed); they measure
    closeness, order the films and score cohesion. `pinned` films must be placed: they are
    packed first and weigh above everything else, or are reported unplaced with the reason.
    `locked` bundles come back unchanged, first, and their films are not used again. `count`
    caps the number of new bundles (best first, those holding pinned films before the rest).
    `random_state` breaks ties between equally good seeds. `mapper` runs the independent
    pieces (the groups' packing, the bundles, the leftovers' diagnosis): the plain `map` by
    default; the answer is the same whichever runs them.
    """
    rules = rules or SlotRules()
    spread: Mapper = mapper or (lambda fn, items: [fn(x) for x in items])
    if count is not None and count < 0:
        raise ValueError("count must be >= 0")
    run = _Proposer(films, vectors, rules, facet, method, time_limit, random_state)
    pinned_set = set(pinned) & set(run.row)
    locked_ids = {i for b in locked for i in b.film_ids}
    groups_by_id = {g.id: g for g in groups}
    group_of: dict[int, str] = {}
    for g in groups:
        for i in g.film_ids:
            if i in run.row:
                group_of.setdefault(i, g.id)
    unplaced: list[Unplaced] = []
    members: dict[str, list[int]] = {}
    for film in run.films:
        if film.id in locked_ids:
            continue
        reason = film_reason(film, rules)
        gid = group_of.get(film.id, LEFTOVER_GROUP)
        if reason:
            unplaced.append(_reason(reason, (reason,), film.id, gid, rules))
        else:
            members.setdefault(gid, []).append(film.id)

    if method == "auto" and sum(map(len, members.values())) > EXACT_FILMS_MAX:
        # A province's catalog: thousands of groups, where the exact selection would cost
        # minutes. Every group goes greedy: as many bundles and films placed (10k films: 708
        # bundles, 34.8 % placed either way), closer films in each with the exact one (mean
        # cosine within a bundle 0.426 against 0.377), in a fifth of the time.
        run.method = "greedy"
    proposed: list[tuple[tuple[int, ...], str]] = []
    packing = sorted(g for g in members if g != LEFTOVER_GROUP)
    if packing:
        _ = run.facts  # worked out here once, not in each process the groups go to
    packs = spread(lambda gid: run.packed(members[gid], gid, pinned_set), packing)
    leftovers: list[int] = []
    for gid, (packed, used) in zip(packing, packs, strict=True):
        if used:
            run.methods[used] = run.methods.get(used, 0) + 1
        proposed += [(b, gid) for b in packed]
        done = {i for b in packed for i in b}
        leftovers += [i for i in members[gid] if i not in done]
    leftovers += members.get(LEFTOVER_GROUP, [])  # films in no group: straight to the pool
    rest_group: dict[int, str] = {i: group_of.get(i, LEFTOVER_GROUP) for i in leftovers}
    pooling = pool_leftovers and len(leftovers) >= rules.min_films

    def stage(piece: str) -> Any:
        if piece == "leftovers":
            if not pooling:
                return [], None
            return run.packed(leftovers, LEFTOVER_GROUP, pinned_set)
        if proposed or pooling:  # no bundle can come: no words needed
            _ = run.index  # built here once; the leftovers' bundles use it too
        return [run.finished(ids, gid, groups_by_id) for ids, gid in proposed]

    # The groups' bundles are made while the leftovers are packed. They come first: a mapper
    # that spreads runs its first item in the calling process, which keeps the index built.
    made, (packed, used) = spread(stage, ("bundles", "leftovers"))
    if used:
        run.methods[used] = run.methods.get(used, 0) + 1
    pooled = [(b, LEFTOVER_GROUP) for b in packed]
    made += spread(lambda piece: run.finished(piece[0], piece[1], groups_by_id), pooled)
    proposed += pooled
    done = {i for b in packed for i in b}
    leftovers = [i for i in leftovers if i not in done]

    bundles: list[Bundle] = []
    rejected: list[int] = []
    for (ids, _), answer in zip(proposed, made, strict=True):
        if answer is None:
            rejected += list(ids)
            continue
        bundle, run.words[bundle.id] = answer
        bundles.append(bundle)
    rejected_count = len(proposed) - len(bundles)
    bundles.sort(key=lambda b: (not pinned_set.intersection(b.film_ids), -_worth(b), b.id))
    if count is not None:
        for dropped in bundles[count:]:
            for i in dropped.film_ids:
                unplaced.append(_reason(COUNT_LIMIT, (COUNT_LIMIT,), i, rest_group.get(i), rules))
        bundles = bundles[:count]
    placed = {i for b in bundles for i in b.film_ids}
    leftovers = [i for i in leftovers if i not in placed]
    leftovers += [i for i in rejected if i not in placed]
    by_group: dict[str, list[int]] = {}
    for i in leftovers:
        by_group.setdefault(group_of.get(i, LEFTOVER_GROUP), []).append(i)
    diagnosing = sorted(by_group)

    def last(piece: str | None) -> Any:
        if piece is None:
            return _labels(run, bundles, locked)
        return run.diagnose(by_group[piece], piece)

    # The set's labels (one piece, first) and each group's diagnosis are independent.
    labels, *diagnosed = spread(last, [None, *diagnosing])
    bundles = _named(bundles, labels)
    unplaced += _unplaced(run, by_group, zip(diagnosing, diagnosed, strict=True))
    unplaced = [replace(u, pinned=True) if u.film_id in pinned_set else u for u in unplaced]

    return ProposalSet(
        facet=facet,
        rules=rules,
        bundles=(*locked, *bundles),
        unplaced=tuple(sorted(unplaced, key=lambda u: u.film_id)),
        blocked_by=_blocked_by(unplaced, members, placed),
        methods=dict(run.methods),
        rejected=rejected_count,
    )


def _worth(bundle: Bundle) -> float:
    n = len(bundle.items)
    return n + 0.5 * n * bundle.scores["cohesion"] + 0.25 * bundle.scores["fill"]


def _label(run: _Proposer, bundles: Sequence[Bundle], locked: Sequence[Bundle]) -> list[Bundle]:
    """The bundles named (`_labels`)."""
    return _named(bundles, _labels(run, bundles, locked))


def _named(bundles: Sequence[Bundle], labels: Sequence[tuple[str, str]]) -> list[Bundle]:
    return [replace(b, label=fr, label_en=en) for b, (fr, en) in zip(bundles, labels, strict=True)]


def _labels(
    run: _Proposer, bundles: Sequence[Bundle], locked: Sequence[Bundle]
) -> list[tuple[str, str]]:
    """Each bundle's name (French, English): what most of its own films share (never its
    cluster's words), no two alike within the set (locked bundles' names included)."""
    found = [run.words[b.id] for b in bundles]
    taken = [name for b in locked for name in (b.label, b.label_en) if name]
    return unique_labels(run.facet, found, taken)


def _unplaced(
    run: _Proposer,
    by_group: Mapping[str, list[int]],
    diagnosed: Iterable[tuple[str, Mapping[int, tuple[str, ...]]]],
) -> list[Unplaced]:
    """The leftovers of each group, with the reasons their diagnosis found."""
    out = []
    for gid, found in diagnosed:
        for i in by_group[gid]:
            blocking = found[i]
            if not blocking:
                out.append(_reason(SEVERAL_RULES, (SEVERAL_RULES,), i, gid, run.rules))
            elif "+" in blocking[0]:
                out.append(_reason(SEVERAL_RULES, blocking, i, gid, run.rules))
            else:
                main = blocking[0]
                rules_only = tuple(b for b in blocking if b != NOT_SELECTED)
                out.append(_reason(main, rules_only or (main,), i, gid, run.rules))
    return out


def _blocked_by(
    unplaced: Sequence[Unplaced], members: Mapping[str, list[int]], placed: set[int]
) -> dict[str, Blocked]:
    films: dict[str, int] = {}
    groups: dict[str, set[str]] = {}
    for u in unplaced:
        for rule in u.blocking:
            films[rule] = films.get(rule, 0) + 1
            gid = u.group_id or LEFTOVER_GROUP
            # A group is blocked by a rule when none of its films made it into any bundle.
            if not any(i in placed for i in members.get(gid, [])):
                groups.setdefault(rule, set()).add(gid)
    return {
        rule: Blocked(films[rule], tuple(sorted(groups.get(rule, ())))) for rule in sorted(films)
    }


def to_json_dict(
    proposal: ProposalSet, films: Iterable[CurationFilm], lang: str = "fr"
) -> dict[str, Any]:
    """The `anthologie propose --json` object, in the shape issue 3 fixes for other tools."""
    by_id = {f.id: f for f in films}
    french = lang.startswith("fr")

    def film_json(film_id: int) -> dict[str, Any]:
        film = by_id[film_id]
        return {
            "id": film.id,
            "title": film.title,
            "runtime_seconds": film.runtime_seconds,
            "directors": list(film.directors),
            "region_code": film.region_code,
            "audience": film.audience,
            "languages": list(film.languages),
        }

    return {
        # What each bundle's regional_share (runtime) and regional_film_share (films) count.
        "regional_scope": {
            "label": proposal.rules.regional_scope(lang),
            "region_codes": list(proposal.rules.regional_codes),
        },
        "bundles": [
            {
                "id": b.id,
                "label": b.label if french else (b.label_en or b.label),
                "explanation": b.explanation_fr if french else b.explanation_en,
                "runtime_seconds": b.runtime_seconds,
                "scores": dict(b.scores),
                "films": [film_json(i) for i in b.film_ids],
            }
            for b in proposal.bundles
        ],
        "unplaced": [
            {
                "id": u.film_id,
                "title": by_id[u.film_id].title if u.film_id in by_id else None,
                "reason": u.reason,
                "blocking": list(u.blocking),
                "group": u.group_id,
                "pinned": u.pinned,
                "message": u.message_fr if french else u.message_en,
            }
            for u in proposal.unplaced
        ],
        "blocked_by": {
            rule: {"films": b.films, "groups": list(b.groups)}
            for rule, b in proposal.blocked_by.items()
        },
    }
