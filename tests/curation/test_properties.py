"""On random catalogs: every bundle keeps every rule, and nothing left out goes unexplained."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from curation import (
    Bundle,
    BundleItem,
    Cluster,
    CurationFilm,
    SlotRules,
    check_bundle,
    propose_bundles,
)
from curation.labels import mean_pairwise
from curation.packing import DELTA, GAMMA, Pool, pack_slot
from tests.curation.catalogs import catalogs, film, random_vectors, rule_sets

FACETS = ["subject", "region", "style", "mixed"]
Scenario = tuple[
    list[CurationFilm],
    SlotRules,
    str,
    list[Cluster],
    list[Bundle],
    list[int],
    str,
    int | None,
    int,
]
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    rules = draw(rule_sets())
    films = draw(catalogs(slot_minutes=rules.slot_minutes))
    facet = draw(st.sampled_from(FACETS))
    ids = [f.id for f in films]
    if facet == "region":
        codes = sorted({f.region_code or "" for f in films})
        labels = [codes.index(f.region_code or "") for f in films]
    else:
        labels = [draw(st.integers(0, 2)) for _ in films]
    groups = [
        Cluster(
            f"g{g}",
            facet,
            tuple(i for i, lab in zip(ids, labels, strict=True) if lab == g),
            "G",
            (),
            "",
            "",
            0,
        )
        for g in sorted(set(labels))
    ]
    locked_ids = draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)) if ids else []
    locked = (
        [
            Bundle(
                "b-locked",
                facet,
                None,
                "Verrouillé",
                "",
                "",
                tuple(BundleItem(i, 60, 1.0) for i in locked_ids),
                60 * len(locked_ids),
                None,
                {},
                True,
            )
        ]
        if locked_ids
        else []
    )
    free = [i for i in ids if i not in locked_ids]
    pinned = draw(st.lists(st.sampled_from(free), unique=True, max_size=3)) if free else []
    method = draw(st.sampled_from(["auto", "exact", "greedy"]))
    count = draw(st.one_of(st.none(), st.integers(0, 3)))
    seed = draw(st.integers(0, 1000))
    return films, rules, facet, groups, locked, pinned, method, count, seed


@SETTINGS
@given(scenarios())
def test_every_proposal_keeps_every_rule_and_explains_the_rest(scenario: Scenario) -> None:
    films, rules, facet, groups, locked, pinned, method, count, seed = scenario
    vectors = random_vectors(len(films), seed=seed) if films else np.zeros((0, 8))
    proposal = propose_bundles(
        films,
        groups,
        vectors,
        rules,
        facet,
        pinned=pinned,
        locked=locked,
        count=count,
        method=method,
        random_state=seed,
    )
    by_id = {f.id: f for f in films}
    # The packer proposed nothing that the check had to refuse.
    assert proposal.rejected == 0
    new = [b for b in proposal.bundles if not b.locked]
    assert list(proposal.bundles[: len(locked)]) == locked
    if count is not None:
        assert len(new) <= count
    for bundle in new:
        members = [by_id[i] for i in bundle.film_ids]
        group_facet = facet if bundle.group_id is not None else "subject"
        assert check_bundle(members, rules, group_facet) == []
        assert bundle.runtime_seconds == sum(f.runtime_seconds or 0 for f in members)
        # The regional shares count Québec regions outside Montréal only (or 99 when told).
        counted = [f for f in members if rules.is_regional(f)]
        assert {f.region_code for f in counted} <= set(rules.regional_codes) - {"06"}
        assert bundle.scores["regional_film_share"] == round(len(counted) / len(members), 4)
    placed = [i for b in proposal.bundles for i in b.film_ids]
    assert len(placed) == len(set(placed)), "a film in two bundles"
    locked_ids = {i for b in locked for i in b.film_ids}
    unplaced = [u.film_id for u in proposal.unplaced]
    assert len(unplaced) == len(set(unplaced))
    # Every film is accounted for exactly once: locked, placed, or unplaced with a reason.
    assert sorted(set(placed) | set(unplaced) | locked_ids) == sorted(by_id)
    assert not set(unplaced) & (set(placed) | locked_ids)
    for u in proposal.unplaced:
        assert u.reason and u.blocking and u.message_en and u.message_fr
        assert u.pinned == (u.film_id in pinned)
        for rule in u.blocking:
            assert proposal.blocked_by[rule].films >= 1
    assert sum(b.films for b in proposal.blocked_by.values()) == sum(
        len(u.blocking) for u in proposal.unplaced
    )
    if not new and unplaced:
        assert proposal.blocked_by, "an empty proposal must say what blocked it"


def brute_force_best(
    films: Sequence[CurationFilm], vectors: NDArray[np.floating], rules: SlotRules
) -> float:
    """The best total value over every set of disjoint bundles, with check_bundle as judge."""
    feasible = []
    for size in range(1, len(films) + 1):
        for combo in itertools.combinations(range(len(films)), size):
            members = [films[i] for i in combo]
            if check_bundle(members, rules) == []:
                used = sum(rules.footprint(f) or 0 for f in members)
                cohesion = mean_pairwise(vectors[list(combo)])
                value = size + GAMMA * size * cohesion + DELTA * used / rules.window[1]
                feasible.append((frozenset(combo), value))

    def best(start: int, taken: frozenset[int]) -> float:
        top = 0.0
        for j in range(start, len(feasible)):
            combo, value = feasible[j]
            if not combo & taken:
                top = max(top, value + best(j + 1, taken | combo))
        return top

    return best(0, frozenset())


@settings(max_examples=60, deadline=None)
@given(st.data(), rule_sets(), st.integers(0, 1000))
def test_on_small_pools_the_exact_method_finds_the_optimum(
    data: st.DataObject, rules: SlotRules, seed: int
) -> None:
    films = data.draw(catalogs(max_films=7, slot_minutes=rules.slot_minutes))
    vectors = random_vectors(len(films), seed=seed) if films else np.zeros((0, 8))
    packing = pack_slot(films, vectors, rules, method="exact")
    eligible = [i for i, f in enumerate(films) if (rules.footprint(f) or 10**9) <= rules.window[1]]
    expected = brute_force_best([films[i] for i in eligible], vectors[eligible], rules)
    assert abs(packing.value - expected) < 1e-6
    assert packing.optimal


@settings(max_examples=80, deadline=None)
@given(st.data(), rule_sets(), st.integers(0, 1000))
def test_a_pinned_film_is_placed_whenever_some_bundle_can_hold_it(
    data: st.DataObject, rules: SlotRules, seed: int
) -> None:
    films = data.draw(catalogs(max_films=9, slot_minutes=rules.slot_minutes))
    if not films:
        return
    pinned = data.draw(st.sampled_from(films))
    others = [f for f in films if f.id != pinned.id]
    possible = any(
        check_bundle([pinned, *combo], rules) == []
        for size in range(0, rules.max_films)
        for combo in itertools.combinations(others, size)
    )
    group = [Cluster("g", "subject", tuple(f.id for f in films), "G", (), "", "", 0)]
    vectors = random_vectors(len(films), seed=seed)
    proposal = propose_bundles(films, group, vectors, rules, pinned=[pinned.id], method="exact")
    placed = {i for b in proposal.bundles for i in b.film_ids}
    assert (pinned.id in placed) == possible


@settings(max_examples=150, deadline=None)
@given(st.data(), rule_sets())
def test_the_reachability_bounds_never_rule_out_a_film_some_bundle_holds(
    data: st.DataObject, rules: SlotRules
) -> None:
    films = data.draw(catalogs(max_films=9, slot_minutes=rules.slot_minutes))
    films = [f for f in films if (rules.footprint(f) or 10**9) <= rules.window[1]]
    pool = Pool(films, random_vectors(len(films)), rules)
    reachable = pool.reachable()
    for size in range(1, min(rules.max_films, len(films)) + 1):
        for combo in itertools.combinations(range(len(films)), size):
            if check_bundle([films[i] for i in combo], rules) == []:
                assert reachable[list(combo)].all(), [films[i] for i in combo]
                # Nor does the bound a search checks first, seeded from any of the bundle's
                # films among the whole pool.
                for seed in combo:
                    others = [i for i in range(len(films)) if i != seed]
                    assert pool.can_fill(np.array([seed, *others])), (seed, combo)


@settings(max_examples=150, deadline=None)
@given(st.data(), rule_sets(), st.sampled_from([(), ("runtime_window",), ("regional_floor",)]))
def test_covering_finds_exactly_the_films_some_bundle_holds(
    data: st.DataObject, rules: SlotRules, relax: tuple[str, ...]
) -> None:
    # The diagnosis's search on small pools stops at the first bundle holding each film: it
    # must still name every film that some bundle holds, and only those (the full list of
    # bundles is the judge, itself checked against check_bundle by the tests above).
    films = data.draw(catalogs(max_films=9, slot_minutes=rules.slot_minutes))
    films = [f for f in films if (rules.footprint(f) or 10**9) <= rules.window[1]]
    pool = Pool(films, random_vectors(len(films)), rules).relaxed(relax)
    held = {p for cand in pool.exhaustive(range(pool.n)) for p in cand.members}
    assert pool.covering(range(pool.n)) == held
    if not relax:
        judged = {
            i
            for size in range(1, min(rules.max_films, len(films)) + 1)
            for combo in itertools.combinations(range(len(films)), size)
            if check_bundle([films[i] for i in combo], rules) == []
            for i in combo
        }
        assert held == judged


def test_a_pool_with_no_regional_film_starts_no_search_under_a_regional_floor() -> None:
    # 24 films from Montréal and abroad that fill 44 minutes in fours: the runtime alone lets
    # every one in, the regional floor none; a floor of zero lets them all back.
    films = [
        film(i, 11, region_code="06" if i % 2 else "99", directors=(f"R{i}",)) for i in range(1, 25)
    ]
    vectors = random_vectors(len(films))
    assert not Pool(films, vectors, SlotRules(regional_floor=0.5)).reachable().any()
    assert Pool(films, vectors, SlotRules(regional_floor=0.0)).reachable().all()
    # One regional film of 11 minutes can carry a non-regional one of 11 at a floor of ½.
    mixed = [*films[:3], film(99, 11, directors=("R99",))]
    reach = Pool(mixed, random_vectors(4), SlotRules(regional_floor=0.5)).reachable()
    assert reach.all()
    reach = Pool(mixed, random_vectors(4), SlotRules(regional_floor=0.8)).reachable()
    assert reach.tolist() == [False, False, False, True]
