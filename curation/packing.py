"""Packing one group of films into disjoint bundles that fill a slot and keep every rule.

Two steps. *Candidates*: feasible bundles found by an exhaustive search on small pools
(≤ `EXHAUSTIVE_MAX` films: every feasible bundle) or by a beam search from a seed film over
its most similar compatible neighbours. *Selection*: which disjoint candidates to keep,
maximising, per bundle, films placed + `GAMMA`·films·cohesion + `DELTA`·fill (placing films
first, then keeping them close, then filling the slot), with pinned films weighted above all.

- `exact`: candidates from every seed, then the best disjoint set by a mixed-integer programme
  (`scipy.optimize.milp`, HiGHS, with a time limit). On a pool of ≤ `EXHAUSTIVE_MAX` films
  this is the true optimum; above, the optimum over the candidates found.
- `greedy`: seeds taken hardest first (pinned, then longest, since long films have the fewest
  partners), each seed's best candidate accepted at once. Linear in the pool; the benchmark
  measures how close it gets to `exact`.
- `auto`: `exact` up to `EXACT_MAX` films in the pool, `greedy` above.

Before any search, two cheap bounds (`Pool.reachable` over the pool, `Pool.can_fill` over a
seed's neighbourhood) rule out films whose bundle could not reach the window or the regional
floor: a catalog where the floor cannot be met (no regional film) is answered at once. The
greedy packing also skips a seed once no film left is short enough to fit beside it.

Every rule is applied here with the same definitions as `rules.check_bundle`, which the
caller still runs on each output bundle.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from curation import neighbours
from curation.embedding import film_rows
from curation.films import CurationFilm, person_key
from curation.neighbours import NeighbourIndex
from curation.rules import (
    AGE_BAND,
    AGE_BANDS,
    AUDIENCE,
    AUDIENCES,
    DIRECTOR,
    FILM_COUNT,
    LANGUAGE,
    MIN_REGIONS,
    REGIONAL_FLOOR,
    RUNTIME_WINDOW,
    SlotRules,
    accepted_languages,
    age_bands,
    audience_key,
    fitting,
)

GAMMA = 0.5  # weight of cohesion, per film placed
DELTA = 0.25  # weight of slot fill, per bundle
PINNED_WEIGHT = 1000.0  # a pinned film placed outweighs any number of other films
EXHAUSTIVE_MAX = 12  # pools this small are searched completely (≤ 4,096 subsets)
EXACT_MAX = 80  # `auto` solves exactly up to this many films in one pool
NEIGHBOURS = 40  # a seed's beam searches among this many compatible films, most similar first
WIDTH = 6  # beam width
GREEDY_RESTARTS = 1  # greedy packings added to the exact method's candidates
_EPS = 1e-6

Method = str  # "auto" | "exact" | "greedy"


@dataclass(frozen=True)
class Candidate:
    """A feasible bundle, as positions in its pool."""

    members: tuple[int, ...]
    cohesion: float
    used_seconds: int
    value: float


@dataclass(frozen=True)
class Packing:
    """The bundles chosen from one pool (as film ids), the objective reached and how."""

    bundles: tuple[tuple[int, ...], ...]
    value: float
    method: str
    optimal: bool


def _value(size: int, cohesion: float, used: int, high: int) -> float:
    return size + GAMMA * size * cohesion + DELTA * used / high


@dataclass(frozen=True)
class FilmFacts:
    """What pools read of each film under one set of rules, as arrays: worked out once for
    a whole proposal, each pool taking its rows (`take`), rather than once per pool."""

    footprint: NDArray[np.int64]
    runtime: NDArray[np.int64]
    regional: NDArray[np.bool_]
    region: list[str | None]
    audience: NDArray[np.intp]  # positions in AUDIENCES
    band_bits: NDArray[np.int64]  # each film's age bands as bits (0: no age, no band)
    languages: list[frozenset[str]]
    directors: list[frozenset[str]]  # `person_key`s

    @classmethod
    def of(cls, films: Sequence[CurationFilm], rules: SlotRules) -> FilmFacts:
        footprints = [rules.footprint(f) for f in films]
        if any(f is None for f in footprints):
            raise ValueError("a pool holds only films with a runtime")
        return cls(
            footprint=np.array(footprints, dtype=np.int64),
            runtime=np.array([f.runtime_seconds or 0 for f in films], dtype=np.int64),
            regional=np.array([rules.is_regional(f) for f in films], dtype=bool),
            region=[f.region_code for f in films],
            audience=np.array(
                [AUDIENCES.index(audience_key(f.audience)) for f in films], dtype=np.intp
            ),
            band_bits=np.array(
                [sum(1 << AGE_BANDS.index(b) for b in age_bands(f)) for f in films],
                dtype=np.int64,
            ),
            languages=[accepted_languages(f) for f in films],
            directors=[frozenset(person_key(d) for d in f.directors) - {""} for f in films],
        )

    def take(self, rows: Sequence[int]) -> FilmFacts:
        at = np.asarray(rows, dtype=np.intp)
        return FilmFacts(
            footprint=self.footprint[at],
            runtime=self.runtime[at],
            regional=self.regional[at],
            region=[self.region[r] for r in rows],
            audience=self.audience[at],
            band_bits=self.band_bits[at],
            languages=[self.languages[r] for r in rows],
            directors=[self.directors[r] for r in rows],
        )


class Pool:
    """A group's eligible films as arrays, with the rules turned into fast checks.

    `relax` names rules to switch off; the diagnosis uses it to find which rules block.
    `facts`, when given, are the films' own (`FilmFacts.of(films, rules)`), worked out once
    for many pools.
    """

    def __init__(
        self,
        films: Sequence[CurationFilm],
        vectors: NDArray[np.floating],
        rules: SlotRules,
        *,
        exempt: bool = False,
        relax: Collection[str] = (),
        facts: FilmFacts | None = None,
    ) -> None:
        facts = facts or FilmFacts.of(films, rules)
        self.films = list(films)
        self.rules = rules
        self.n = len(films)
        self.vectors = film_rows(vectors, self.n)
        self.low, self.high = rules.window
        self.min_films, self.max_films = rules.min_films, rules.max_films
        self.floor = 0.0 if exempt else rules.regional_floor
        self.min_regions = 1 if exempt else rules.min_regions
        self.footprint = facts.footprint
        self.runtime = facts.runtime
        self._by_fp = np.argsort(self.footprint, kind="stable")
        self._fp_sorted = self.footprint[self._by_fp]
        self.regional = facts.regional
        self.regional_runtime = np.where(self.regional, self.runtime, 0)
        self.region = facts.region
        self.audience = facts.audience
        self.audience_ok = _audience_matrix(rules)
        # Films sharing a director: most directors sign one film, so a sparse list beats a matrix.
        by_person: dict[str, list[int]] = {}
        if rules.one_film_per_director:
            for i, keys in enumerate(facts.directors):
                for key in keys:
                    by_person.setdefault(key, []).append(i)
        conflicts: list[set[int]] = [set() for _ in films]
        for members in by_person.values():
            if len(members) > 1:
                for i in members:
                    conflicts[i].update(j for j in members if j != i)
        self.conflicts = conflicts
        # Films whose bands meet pairwise share one band all together (a film's bands are
        # contiguous: Helly, on a line).
        self.one_age_band = rules.one_age_band
        self.band_bits = facts.band_bits
        self.languages = facts.languages
        any_language = not rules.common_language
        self.any_language = np.array(
            [any_language or (not langs and rules.unknown_language_ok) for langs in self.languages],
            dtype=bool,
        )
        # A film of unknown language under strict rules fits no bundle: its bit set stays empty.
        self._accepting: dict[str, NDArray[np.bool_]] = {}
        for i, langs in enumerate(self.languages):
            for lang in langs:
                self._accepting.setdefault(lang, np.zeros(self.n, dtype=bool))[i] = True
        # Each film's languages and region as bits over the whole pool, when it has few
        # enough of them (it nearly always has): searches then read them instead of working
        # them out for every neighbourhood.
        names = sorted(set().union(*self.languages)) if self.languages else []
        bit = {lang: 1 << k for k, lang in enumerate(names)}
        self._lang_bits = (
            np.array([sum(bit[lang] for lang in langs) for langs in self.languages], np.int64)
            if len(names) <= 62
            else None
        )
        codes = sorted({c for c in self.region if c is not None})
        code_bit = {c: 1 << k for k, c in enumerate(codes)}
        self._region_bit = (
            np.array([code_bit.get(c or "", 0) for c in self.region], np.int64)
            if len(codes) <= 63
            else None
        )
        self._shared: dict[str, NeighbourIndex] = {}  # the index, shared with `relaxed` twins
        self._relax(relax)

    def relaxed(self, relax: Collection[str]) -> Pool:
        """This pool with the rules in `relax` switched off too: the same films, arrays and
        neighbour index, without building them again (the diagnosis asks for many)."""
        twin = copy.copy(self)
        twin._relax(relax)
        return twin

    def _relax(self, relax: Collection[str]) -> None:
        if RUNTIME_WINDOW in relax:
            # Any total at all: "these films cannot be timed into the window together".
            self.low, self.high = 0, 10**9
        if FILM_COUNT in relax:
            # One film alone, or two more than allowed: enough to tell "the count blocks".
            self.min_films, self.max_films = 1, min(self.rules.max_films + 2, 62)
        if REGIONAL_FLOOR in relax:
            self.floor = 0.0
        if MIN_REGIONS in relax:
            self.min_regions = 1
        if AUDIENCE in relax:
            self.audience_ok = np.ones_like(self.audience_ok)
        if DIRECTOR in relax:
            self.conflicts = [set() for _ in range(self.n)]
        if AGE_BAND in relax:
            self.one_age_band = False
        if LANGUAGE in relax:
            self.any_language = np.ones(self.n, dtype=bool)

    def binds(self, rule: str) -> bool:
        """Whether `rule` can exclude anything in this pool; relaxing one that cannot changes
        nothing, so the diagnosis skips it."""
        if rule == DIRECTOR:
            return any(self.conflicts)
        if rule == AUDIENCE:
            present = sorted(set(self.audience.tolist()))
            return not self.audience_ok[np.ix_(present, present)].all()
        if rule == LANGUAGE:
            known = [
                langs
                for langs, any_ in zip(self.languages, self.any_language, strict=True)
                if not any_
            ]
            return bool(known) and not frozenset.intersection(*known)
        if rule == AGE_BAND:
            common = int(np.bitwise_and.reduce(self.band_bits)) if self.n else 1
            return self.one_age_band and common == 0
        if rule == REGIONAL_FLOOR:
            return self.floor > 0 and not self.regional.all()
        if rule == MIN_REGIONS:
            return self.min_regions > 1
        if rule == FILM_COUNT:
            return self.max_films < self.n or (
                self.min_films > 1 and bool((self.footprint >= self.low).any())
            )
        return True

    def reachable(self) -> NDArray[np.bool_]:
        """Films that some bundle of this pool could hold, by runtime and regional floor alone
        (a cheap bound).

        A film is out when even its longest possible companions that fit beside it cannot
        bring the total up to the window; no search can place it, so none is started. Under
        a regional floor a non-regional film also needs regional companions: with runtime R
        beside its own r, the share R / (r + R) reaches the floor only if
        R ≥ floor · r / (1 − floor), and R is at most what its longest regional companions
        bring (in a pool with no regional film, nothing passes).
        """
        fp = self.footprint
        if self.n == 0:
            return np.zeros(0, dtype=bool)
        alone = (fp >= self.low) & (fp <= self.high) & (self.min_films <= 1)
        best = self._longest_beside(np.ones(self.n, dtype=bool), fp)
        out = alone | ((fp + best >= self.low) & (self.n >= self.min_films))
        if self.floor >= 1.0:
            out &= self.regional
        elif self.floor > 0:
            most = self._longest_beside(self.regional, self.runtime)
            out &= self.regional | (most * (1.0 - self.floor) >= self.floor * self.runtime - _EPS)
        return out

    def _longest_beside(self, among: NDArray[np.bool_], values: NDArray[np.int64]) -> NDArray:
        """For each film, the sum of `values` over the longest films of `among` that each fit
        beside it, as many as a bundle has room for: the most such companions could bring.
        (The film itself may be among them, which only loosens the bound: it never rules out
        a film that could be placed.)"""
        order = np.argsort(self.footprint[among], kind="stable")
        lengths = self.footprint[among][order]
        prefix = np.concatenate(([0], np.cumsum(values[among][order])))
        fits = np.searchsorted(lengths, self.high - self.footprint, side="right")
        take = np.minimum(fits, self.max_films - 1)
        return prefix[fits] - prefix[fits - take]

    # ---- the seed's neighbourhood ------------------------------------------------------------

    def compatible_with(self, seed: int, others: NDArray[np.intp]) -> NDArray[np.bool_]:
        ok = self.audience_ok[self.audience[seed], self.audience[others]]
        ok &= self.footprint[others] <= self.high - self.footprint[seed]
        if self.one_age_band:
            ok &= (self.band_bits[others] & self.band_bits[seed]) != 0
        if self.conflicts[seed]:
            ok &= ~np.isin(others, list(self.conflicts[seed]))
        if not self.any_language[seed]:
            speaks = self.any_language.copy()
            for lang in self.languages[seed]:
                speaks |= self._accepting[lang]
            ok &= speaks[others]
        return ok

    @property
    def index(self) -> NeighbourIndex:
        """The pool's films, searchable by similarity: exact on a small pool, an approximate
        graph on a large one (built on first use; only a large pool's seeds need it)."""
        if "index" not in self._shared:
            # The threshold read now, not at import: the benchmark's exact peer raises it.
            self._shared["index"] = NeighbourIndex(self.vectors, exact_max=neighbours.EXACT_MAX)
        return self._shared["index"]

    def _graph(self, available: NDArray[np.bool_]) -> bool:
        """Whether the pool's index is a graph; built now if it was not, without the films
        already taken (`available` False), which a packing removes from it as it goes."""
        fresh = not self.has_index()
        index = self.index
        if fresh and index.approximate and not available.all():
            index.remove(np.flatnonzero(~available))
        return index.approximate

    def has_index(self) -> bool:
        """Whether the neighbour index was built (a pool whose seeds never asked has none)."""
        return "index" in self._shared

    def neighbourhood(self, seed: int, available: NDArray[np.bool_], size: int) -> NDArray[np.intp]:
        """The seed (first) and its most similar available films that could join it."""
        # Only films short enough to fit beside the seed can join: found by bisection in the
        # films sorted by footprint, so a long seed never looks at the whole pool.
        fitting = int(np.searchsorted(self._fp_sorted, self.high - self.footprint[seed], "right"))
        if self.n > neighbours.EXACT_MAX and fitting * 8 > self.n and self._graph(available):
            # Films that fit are common: the graph's nearest hold enough that could join. Asked
            # for as many as the share of fitting films says, then four times more once.
            ask = int(2 * size * self.n / fitting)
            for _ in range(2):
                rows, _ = self.index.search(self.vectors[seed], ask)
                near = rows[(rows != seed) & available[rows]]
                near = near[self.compatible_with(seed, near)][: size - 1]
                if len(near) == size - 1:
                    return np.concatenate(([seed], np.sort(near))).astype(np.intp)
                if len(rows) < ask:  # the graph holds no more
                    break
                ask *= 4
        if fitting * 16 < self.n:  # few: sorted back into the pool's order
            others = np.sort(self._by_fp[:fitting])
            others = others[available[others] & (others != seed)]
        else:  # many: a mask keeps the pool's order without sorting thousands of rows
            mask = np.zeros(self.n, dtype=bool)
            mask[self._by_fp[:fitting]] = True
            mask &= available
            mask[seed] = False
            others = np.flatnonzero(mask)
        others = others[self.compatible_with(seed, others)]
        if len(others) <= size - 1:
            return np.concatenate(([seed], others)).astype(np.intp)
        if len(others) * 8 > self.n or self.n <= neighbours.EXACT_MAX:
            # One product over the whole pool beats copying most of its rows first.
            sims = (self.vectors @ self.vectors[seed])[others]
        else:
            sims = self.vectors[others] @ self.vectors[seed]
        top = np.argpartition(-sims, size - 2)[: size - 1]
        others = others[np.sort(top)]
        return np.concatenate(([seed], others)).astype(np.intp)

    # ---- local arrays for a search -----------------------------------------------------------

    def _compat(self, idx: NDArray[np.intp]) -> NDArray[np.bool_]:
        aud = self.audience[idx]
        ok = self.audience_ok[aud[:, None], aud[None, :]].copy()
        where = {int(p): a for a, p in enumerate(idx)}
        for a, p in enumerate(idx):
            for q in self.conflicts[p]:
                b = where.get(q)
                if b is not None:
                    ok[a, b] = False
        if self.one_age_band:
            bits = self.band_bits[idx]
            ok &= (bits[:, None] & bits[None, :]) != 0
        np.fill_diagonal(ok, False)
        return ok

    def _language_bits(self, idx: NDArray[np.intp]) -> NDArray[np.int64]:
        """Each film's acceptable languages as bits; -1 (all bits) for "any language".

        The pool's own bits when it speaks 62 languages or fewer. Otherwise only the
        languages of the seed matter when it has some (the bundle's language must be one of
        them), or else the 62 most frequent in the neighbourhood, which can only under-state
        what is possible, never allow a bundle the check would refuse.
        """
        if self._lang_bits is not None:  # every language of the pool has its bit
            return np.where(self.any_language[idx], -1, self._lang_bits[idx])
        seed = int(idx[0])
        if self.any_language[seed]:
            counts: dict[str, int] = {}
            for p in idx:
                if not self.any_language[p]:
                    for lang in self.languages[p]:
                        counts[lang] = counts.get(lang, 0) + 1
            names = sorted(counts, key=lambda x: (-counts[x], x))[:62]
        else:
            names = sorted(self.languages[seed])[:62]
        bit = {lang: 1 << i for i, lang in enumerate(names)}
        out = np.zeros(len(idx), dtype=np.int64)
        for a, p in enumerate(idx):
            if self.any_language[p]:
                out[a] = -1
            else:
                out[a] = sum(bit.get(lang, 0) for lang in self.languages[p])
        return out

    def _region_bits(self, idx: NDArray[np.intp]) -> NDArray[np.int64]:
        if self._region_bit is not None:
            return self._region_bit[idx]
        codes = sorted({self.region[p] for p in idx if self.region[p] is not None})[:63]
        bit = {code: 1 << i for i, code in enumerate(codes)}
        return np.array([bit.get(self.region[p] or "", 0) for p in idx], dtype=np.int64)

    def can_fill(self, idx: NDArray[np.intp]) -> bool:
        """Whether idx[0] and some of the others could reach the window and the regional floor
        (a cheap bound, before any search): the longest of them that fit beside it, as many as
        a bundle has room for, must bring the total up to the window, and those that are
        regional enough runtime for the floor (as `reachable`, on these films only)."""
        seed = int(idx[0])
        fp = self.footprint[idx[1:]]
        fits = fp <= self.high - self.footprint[seed]
        room = self.max_films - 1
        alone = self.min_films <= 1 and self.low <= self.footprint[seed] <= self.high
        most = np.sort(fp[fits])[::-1][:room].sum() if room > 0 else 0
        if not alone and (self.footprint[seed] + most < self.low or len(idx) < self.min_films):
            return False
        if self.floor <= 0 or self.regional[seed]:
            return True
        if self.floor >= 1.0:
            return False
        regional = fits & self.regional[idx[1:]]
        runtime = np.sort(self.runtime[idx[1:]][regional])[::-1][:room].sum() if room > 0 else 0
        return bool(runtime * (1.0 - self.floor) >= self.floor * self.runtime[seed] - _EPS)

    def _terminal_ok(self, size: int, used: int, runtime: int, regional: int, regs: int) -> bool:
        return (
            self.low <= used <= self.high
            and self.min_films <= size <= self.max_films
            and regional >= self.floor * runtime - _EPS
            # One region is no requirement: a catalog that records no regions still bundles.
            and (self.min_regions <= 1 or bin(regs).count("1") >= self.min_regions)
        )

    # ---- searches ----------------------------------------------------------------------------

    def beam(
        self, idx: NDArray[np.intp], keep: int = 3, width: int = WIDTH, first: bool = False
    ) -> list[Candidate]:
        """Feasible bundles containing idx[0], built one film at a time, best `keep` by value.

        With `first`, stop at the first size that yields any: enough to know one exists.

        The beam keeps the most cohesive partial bundles and, beside them, the fullest ones,
        so that a neighbourhood of close films that cannot reach the window's floor does not
        crowd out a less close combination that can.
        """
        if not self.can_fill(idx):
            return []
        m = len(idx)
        sim = (self.vectors[idx] @ self.vectors[idx].T).astype(np.float64)
        compat = self._compat(idx)
        fp, rt = self.footprint[idx], self.runtime[idx]
        rg = self.regional_runtime[idx]
        langs, regions = self._language_bits(idx), self._region_bits(idx)
        low, high, floor = self.low, self.high, self.floor
        found: dict[int, Candidate] = {}
        if self.min_films <= 1 and self._terminal_ok(
            1, int(fp[0]), int(rt[0]), int(rg[0]), int(regions[0])
        ):
            found[1] = Candidate((int(idx[0]),), 1.0, int(fp[0]), _value(1, 1.0, int(fp[0]), high))
            if first:
                return list(found.values())
        members = np.zeros((1, m), dtype=bool)
        members[0, 0] = True
        keys = np.array([1], dtype=np.int64)
        allowed = compat[:1].copy()
        used, run, reg = fp[:1].copy(), rt[:1].copy(), rg[:1].copy()
        lang, regs = langs[:1].copy(), regions[:1].copy()
        simsum, pairsum = sim[:1].copy(), np.zeros(1)
        for size in range(1, min(self.max_films, m)):
            cand = allowed & (fp[None, :] <= (high - used)[:, None])
            cand &= (lang[:, None] & langs[None, :]) != 0
            child_used = used[:, None] + fp[None, :]
            child_run = run[:, None] + rt[None, :]
            child_reg = reg[:, None] + rg[None, :]
            if floor >= 1.0:
                cand &= child_reg == child_run
            elif floor > 0.0:
                # Even if the rest of the slot were filled with regional films, could the share
                # still reach the floor? If not, this branch is dead.
                room = high - child_used
                cand &= child_reg + room >= floor * (child_run + room) - _EPS
            if not cand.any():
                break
            cohesion = (pairsum[:, None] + simsum) / (size * (size + 1) / 2)
            if size + 1 >= self.min_films:
                done = cand & (child_used >= low) & (child_reg >= floor * child_run - _EPS)
                if self.min_regions > 1:
                    done &= np.bitwise_count(regs[:, None] | regions[None, :]) >= self.min_regions
                rows, cols = np.nonzero(done)
                if len(rows):
                    fill = child_used[rows, cols] / high
                    values = (size + 1) * (1 + GAMMA * cohesion[rows, cols]) + DELTA * fill
                    for j in np.argsort(-values, kind="stable")[: 2 * keep]:
                        r, c = int(rows[j]), int(cols[j])
                        key = int(keys[r]) | (1 << c)
                        if key not in found:
                            local = (*np.flatnonzero(members[r]).tolist(), c)
                            found[key] = Candidate(
                                tuple(sorted(int(idx[a]) for a in local)),
                                float(cohesion[r, c]),
                                int(child_used[r, c]),
                                float(values[j]),
                            )
                    if first:
                        break
            rows, cols = np.nonzero(cand)
            by_cohesion = np.argsort(-cohesion[rows, cols], kind="stable")[:width]
            by_fill = np.argsort(-child_used[rows, cols], kind="stable")[: max(1, width // 2)]
            picks: list[int] = []
            seen: set[int] = set()
            for j in itertools.chain(by_cohesion, by_fill):
                key = int(keys[rows[j]]) | (1 << int(cols[j]))
                if key not in seen:
                    seen.add(key)
                    picks.append(int(j))
            parent, added = rows[picks], cols[picks]
            members = members[parent].copy()
            members[np.arange(len(picks)), added] = True
            keys = keys[parent] | np.left_shift(np.int64(1), added.astype(np.int64))
            allowed = allowed[parent] & compat[added] & ~members
            used, run = child_used[parent, added], child_run[parent, added]
            reg = child_reg[parent, added]
            lang = lang[parent] & langs[added]
            regs = regs[parent] | regions[added]
            pairsum = pairsum[parent] + simsum[parent, added]
            simsum = simsum[parent] + sim[added]
        return sorted(found.values(), key=lambda c: (-c.value, c.members))[:keep]

    def exhaustive(self, positions: Sequence[int]) -> list[Candidate]:
        """Every feasible bundle among `positions` (a small pool), by depth-first search."""
        idx = np.asarray(positions, dtype=np.intp)
        if len(idx) == 0:
            return []
        sim = (self.vectors[idx] @ self.vectors[idx].T).astype(np.float64)
        out: list[Candidate] = []

        def keep(chosen: list[int], used: int) -> bool:
            pairs = [sim[a, b] for a, b in itertools.combinations(chosen, 2)]
            cohesion = float(np.mean(pairs)) if pairs else 1.0
            out.append(
                Candidate(
                    tuple(sorted(int(idx[a]) for a in chosen)),
                    cohesion,
                    used,
                    _value(len(chosen), cohesion, used, self.high),
                )
            )
            return False

        self._walk(idx, keep)(list(range(len(idx))), False)
        return out

    def covering(self, positions: Sequence[int]) -> set[int]:
        """The films among `positions` (a small pool) that some feasible bundle holds.

        Each film no bundle found so far holds is searched for the first bundle with it in,
        which holds others too: enough for the diagnosis, without listing every bundle."""
        idx = np.asarray(positions, dtype=np.intp)
        covered: set[int] = set()
        if len(idx) == 0:
            return covered

        def stop(chosen: list[int], used: int) -> bool:
            covered.update(chosen)
            return True

        walk = self._walk(idx, stop)
        for a in range(len(idx)):
            if a not in covered:
                walk([a, *(b for b in range(len(idx)) if b != a)], True)
        return {int(idx[a]) for a in covered}

    def _walk(
        self,
        idx: NDArray[np.intp],
        visit: Callable[[list[int], int], bool],
    ) -> Callable[[list[int], bool], None]:
        """A depth-first walk over the feasible bundles among idx's films (a small pool): run
        on an order of their local positions (with `fixed`, over the bundles holding the
        first only), it calls `visit(chosen, used)` on each, which stops it by returning
        True. The films' arrays are read once, however many walks run."""
        compat = self._compat(idx).tolist()  # lists: read one cell at a time below
        # Languages are checked exactly here (sets, not bits): pools are small.
        langs = [None if self.any_language[p] else self.languages[p] for p in idx]
        fp = [int(x) for x in self.footprint[idx]]
        rt = [int(x) for x in self.runtime[idx]]
        rg = [int(x) for x in self.regional_runtime[idx]]
        regions = self._region_bits(idx).tolist()

        def walk(order: list[int], fixed: bool) -> None:
            m = len(order)

            def extend(
                k: int,
                chosen: list[int],
                used: int,
                run: int,
                reg: int,
                common: frozenset[str] | None,
                rb: int,
            ) -> bool:
                size = len(chosen)
                if size and self._terminal_ok(size, used, run, reg, rb) and visit(chosen, used):
                    return True
                if size >= self.max_films:
                    return False
                # With `fixed`, the walk's first film can only be order[0].
                for j in range(k, min(m, 1) if fixed and not chosen else m):
                    b = order[j]
                    if used + fp[b] > self.high or not all(compat[a][b] for a in chosen):
                        continue
                    mine = langs[b]
                    joint = mine if common is None else (common if mine is None else common & mine)
                    if joint is not None and not joint:
                        continue
                    if extend(
                        j + 1,
                        [*chosen, b],
                        used + fp[b],
                        run + rt[b],
                        reg + rg[b],
                        joint,
                        rb | regions[b],
                    ):
                        return True
                return False

            extend(0, [], 0, 0, 0, None, 0)

        return walk

    def order_of_seeds(self, pinned: Iterable[int], random_state: int) -> list[int]:
        """Pinned first, then the longest films (fewest possible partners), ties at random."""
        pinned_set = set(pinned)
        tie = np.random.default_rng(random_state).permutation(self.n)
        return sorted(
            range(self.n), key=lambda i: (i not in pinned_set, -int(self.footprint[i]), tie[i])
        )


@lru_cache(maxsize=64)
def _audience_matrix(rules: SlotRules) -> NDArray[np.bool_]:
    """Which audiences may share a bundle, as positions in AUDIENCES (read-only: pools
    share it, and a relaxed pool replaces it rather than changing it)."""
    ok = np.array(
        [[rules.audiences_compatible(a, b) for b in AUDIENCES] for a in AUDIENCES], dtype=bool
    )
    ok.setflags(write=False)
    return ok


def _select_greedy(cands: Sequence[Candidate], n: int, pinned: set[int]) -> list[Candidate]:
    taken = np.zeros(n, dtype=bool)
    chosen = []
    ranked = sorted(
        cands, key=lambda c: (-len(pinned.intersection(c.members)), -c.value, c.members)
    )
    for cand in ranked:
        if not taken[list(cand.members)].any():
            taken[list(cand.members)] = True
            chosen.append(cand)
    return chosen


def _select_exact(
    cands: Sequence[Candidate], n: int, pinned: set[int], time_limit: float
) -> tuple[list[Candidate], bool]:
    """The best disjoint set of candidates: max Σ value, each film in at most one."""
    if not cands:
        return [], True
    cols = np.repeat(np.arange(len(cands)), [len(c.members) for c in cands])
    rows = np.concatenate([c.members for c in cands])
    incidence = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, len(cands)))
    values = np.array(
        [c.value + PINNED_WEIGHT * len(pinned.intersection(c.members)) for c in cands]
    )
    result = milp(
        -values,
        integrality=np.ones(len(cands)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(incidence, -np.inf, 1),
        options={"time_limit": time_limit, "disp": False},
    )
    if result.x is None:  # time ran out before any solution: fall back rather than fail
        return _select_greedy(cands, n, pinned), False
    chosen = [cands[int(j)] for j in np.flatnonzero(result.x > 0.5)]
    return chosen, bool(result.status == 0)


def candidates(pool: Pool, available: NDArray[np.bool_] | None = None) -> list[Candidate]:
    """Feasible bundles among the available films: all of them on a small pool, else by beam."""
    if available is None:
        available = np.ones(pool.n, dtype=bool)
    positions = np.flatnonzero(available)
    if len(positions) <= EXHAUSTIVE_MAX:
        return pool.exhaustive(positions.tolist())
    found: dict[tuple[int, ...], Candidate] = {}
    reachable = pool.reachable()
    for seed in positions:
        if not reachable[seed]:
            continue
        for cand in pool.beam(pool.neighbourhood(int(seed), available, NEIGHBOURS)):
            found.setdefault(cand.members, cand)
    return sorted(found.values(), key=lambda c: c.members)


class _Shortest:
    """The shortest footprint still available beside a seed, as films are taken: a pointer
    into the pool sorted by footprint, which only moves forward."""

    def __init__(self, pool: Pool, available: NDArray[np.bool_]) -> None:
        self.order, self.footprint, self.available = pool._by_fp, pool.footprint, available
        self.first = 0

    def _next(self, start: int) -> int:
        while start < len(self.order) and not self.available[self.order[start]]:
            start += 1
        return start

    def beside(self, seed: int) -> float:
        self.first = self._next(self.first)
        other = self.first
        if other < len(self.order) and self.order[other] == seed:
            other = self._next(other + 1)
        return float(self.footprint[self.order[other]]) if other < len(self.order) else math.inf


def _pack_greedy(pool: Pool, pinned: set[int], random_state: int) -> list[Candidate]:
    available = np.ones(pool.n, dtype=bool)
    reachable = pool.reachable()
    graph = pool.n > neighbours.EXACT_MAX
    shortest = _Shortest(pool, available)
    chosen = []
    for seed in pool.order_of_seeds(pinned, random_state):
        if not available[seed] or not reachable[seed]:
            continue
        if pool.min_films > 1 and pool.footprint[seed] + shortest.beside(seed) > pool.high:
            # No film left fits beside it: as the seeds run longest first and take the short
            # films, most of a large pool's last seeds end here, before any neighbourhood.
            continue
        found = pool.beam(pool.neighbourhood(seed, available, NEIGHBOURS), keep=1)
        if found:
            best = found[0]
            available[list(best.members)] = False
            if graph and pool.has_index():
                # Taken films leave the graph, so later seeds' nearest are still available.
                # (It is built on the first seed that needs it: at 100,000 films no seed of the
                # leftovers' pool did, and building it only to remove films took 1 to 2 s.)
                pool.index.remove(list(best.members))
            chosen.append(best)
    if graph and pool.has_index():
        pool.index.restore()
    return chosen


def pack_pool(
    pool: Pool,
    *,
    pinned: Iterable[int] = (),
    method: Method = "auto",
    time_limit: float = 10.0,
    random_state: int = 0,
) -> tuple[list[Candidate], str, bool]:
    """Disjoint bundles from a pool (positions), the method used and whether it is optimal."""
    pinned_set = set(pinned)
    if method == "auto":
        method = "exact" if pool.n <= EXACT_MAX else "greedy"
    if method == "exact":
        found = candidates(pool)
        if pool.n > EXHAUSTIVE_MAX:
            # Each seed's best bundles, found on the whole pool, overlap heavily (every film's
            # best partners are the same few); the greedy packings add bundles that fit
            # together, so the optimum over the pool is never worse than the greedy one.
            known = {c.members for c in found}
            for shift in range(GREEDY_RESTARTS):
                for cand in _pack_greedy(pool, pinned_set, random_state + shift):
                    if cand.members not in known:
                        known.add(cand.members)
                        found.append(cand)
        chosen, optimal = _select_exact(found, pool.n, pinned_set, time_limit)
        return chosen, "exact", optimal and pool.n <= EXHAUSTIVE_MAX
    if method == "greedy":
        return _pack_greedy(pool, pinned_set, random_state), "greedy", False
    raise ValueError(f"unknown packing method {method!r}; use auto, exact or greedy")


def pack_slot(
    films: Sequence[CurationFilm],
    vectors: NDArray[np.floating],
    rules: SlotRules,
    *,
    facet: str = "subject",
    pinned: Iterable[int] = (),
    method: Method = "auto",
    time_limit: float = 10.0,
    random_state: int = 0,
) -> Packing:
    """Disjoint rule-abiding bundles (film ids) from one group; rows of `vectors` match films.

    Films with no runtime, or longer than the slot, are left out. A region-facet group whose
    films all come from one known region is exempt from the regional floor and `min_regions`.
    """
    vectors = np.asarray(vectors)
    keep = fitting(films, rules)
    kept = [films[i] for i in keep]
    if not kept:
        return Packing((), 0.0, method, True)
    exempt = rules.exempt_from_region_rules(kept, facet)
    pool = Pool(kept, vectors[keep], rules, exempt=exempt)
    wanted = set(pinned)
    positions = [i for i, f in enumerate(kept) if f.id in wanted]
    chosen, used, optimal = pack_pool(
        pool, pinned=positions, method=method, time_limit=time_limit, random_state=random_state
    )
    bundles = tuple(tuple(kept[p].id for p in c.members) for c in chosen)
    return Packing(bundles, float(sum(c.value for c in chosen)), used, optimal)
