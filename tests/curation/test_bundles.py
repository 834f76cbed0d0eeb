"""Proposal sets: bundles that fill the slot, respect curators, and explain what they leave."""

from __future__ import annotations

import json
from collections.abc import Sequence

import numpy as np
import pytest

from curation import (
    Bundle,
    BundleItem,
    CurationFilm,
    ProposalSet,
    SlotRules,
    check_bundle,
    order_items,
    pack_slot,
    propose_bundles,
    to_json_dict,
)
from curation import bundles as bundles_module
from curation.cluster import Cluster
from curation.packing import Pool, pack_pool
from tests.curation.catalogs import film, one_group, random_vectors, same_vectors


def valid(proposal: ProposalSet, films: Sequence[CurationFilm], facet: str = "subject") -> bool:
    by_id = {f.id: f for f in films}
    return all(
        check_bundle([by_id[i] for i in b.film_ids], proposal.rules, facet) == []
        for b in proposal.bundles
        if not b.locked
    )


def test_films_are_packed_into_full_slots() -> None:
    films = [film(i, 11) for i in range(1, 9)]
    proposal = propose_bundles(films, one_group(films), same_vectors(8))
    assert [len(b.items) for b in proposal.bundles] == [4, 4]
    assert all(b.runtime_seconds == 44 * 60 for b in proposal.bundles)
    assert all(b.scores["fill"] == 1.0 for b in proposal.bundles)
    assert proposal.unplaced == () and proposal.rejected == 0
    assert valid(proposal, films)


def test_a_pinned_film_is_placed_even_when_another_bundle_fills_better() -> None:
    films = [film(1, 22), film(2, 22), film(3, 20)]
    free = propose_bundles(films, one_group(films), same_vectors(3))
    assert [set(b.film_ids) for b in free.bundles] == [{1, 2}]
    pinned = propose_bundles(films, one_group(films), same_vectors(3), pinned=[3])
    assert 3 in pinned.bundles[0].film_ids
    assert valid(pinned, films)


def test_a_pinned_film_that_cannot_be_placed_says_why() -> None:
    films = [film(1, 22), film(2, 22), film(3, None)]
    proposal = propose_bundles(films, one_group(films), same_vectors(3), pinned=[3])
    (left,) = proposal.unplaced
    assert (left.film_id, left.reason, left.pinned) == (3, "no_runtime", True)
    assert left.message_fr == "pas de durée"


def test_locked_bundles_come_back_unchanged_and_their_films_are_not_reused() -> None:
    films = [film(i, 11) for i in range(1, 9)]
    items = tuple(BundleItem(i, 660, 1.0) for i in (1, 2, 3))
    locked = Bundle(
        "b-mine", "subject", None, "Mon programme", "à moi", "mine", items, 1980, "fra", {}, True
    )
    proposal = propose_bundles(films, one_group(films), same_vectors(8), locked=[locked])
    assert proposal.bundles[0] is locked
    rest = [i for b in proposal.bundles[1:] for i in b.film_ids]
    assert not set(rest) & {1, 2, 3}
    assert len(rest) == 4  # 4 × 11 min from the 5 films left; the fifth has no partner
    assert len(proposal.unplaced) == 1 and proposal.unplaced[0].film_id in {4, 5, 6, 7, 8}


def test_count_caps_the_new_bundles_best_first() -> None:
    films = [film(i, 11) for i in range(1, 13)]
    proposal = propose_bundles(films, one_group(films), same_vectors(12), count=2)
    assert len(proposal.bundles) == 2
    assert {u.reason for u in proposal.unplaced} == {"count_limit"}
    assert len(proposal.unplaced) == 4


def test_when_montreal_films_alone_remain_the_regional_floor_is_named() -> None:
    films = [film(i, 22, region_code="06") for i in range(1, 5)]
    proposal = propose_bundles(films, one_group(films, "g1"), same_vectors(4))
    assert proposal.bundles == ()
    assert {u.reason for u in proposal.unplaced} == {"regional_floor"}
    assert proposal.blocked_by["regional_floor"].films == 4
    assert proposal.blocked_by["regional_floor"].groups == ("g1",)
    assert "régions du Québec hors Montréal" in proposal.unplaced[0].message_fr
    assert "Québec regions outside Montréal" in proposal.unplaced[0].message_en


@pytest.mark.parametrize("facet", ["subject", "region"])
def test_foreign_films_alone_get_no_bundle_and_the_regional_floor_is_named(facet: str) -> None:
    # Four films from outside Québec that would fill two 44-minute slots on every other rule;
    # on the region facet they are one group, "hors Québec", which is no region to exempt.
    films = [film(i, 22, region_code="99") for i in range(1, 5)]
    proposal = propose_bundles(films, one_group(films, "g1"), same_vectors(4), facet=facet)
    assert proposal.bundles == ()
    assert {u.reason for u in proposal.unplaced} == {"regional_floor"}
    assert set(proposal.blocked_by) == {"regional_floor"}
    assert proposal.blocked_by["regional_floor"].films == 4
    assert proposal.blocked_by["regional_floor"].groups == ("g1",)
    # Counting them is a setting one asks for, and then they bundle.
    counted = SlotRules(outside_quebec_counts=True)
    allowed = propose_bundles(films, one_group(films, "g1"), same_vectors(4), counted, facet)
    assert len(allowed.bundles) == 2
    assert all(b.scores["regional_film_share"] == 1.0 for b in allowed.bundles)


def test_a_bundle_scores_its_regional_share_by_runtime_and_by_films() -> None:
    films = [film(1, 30, region_code="11"), film(2, 7, region_code="06"), film(3, 6.5)]
    proposal = propose_bundles(films, one_group(films), same_vectors(3), count=1)
    (bundle,) = proposal.bundles
    assert bundle.scores["regional_share"] == round(36.5 * 60 / (43.5 * 60), 4)
    assert bundle.scores["regional_film_share"] == round(2 / 3, 4)


def test_the_same_director_and_incompatible_audiences_are_named() -> None:
    same_director = [film(i, 22, directors=("Anne Émond",)) for i in (1, 2)]
    audiences = [film(3, 22, audience="jeunesse"), film(4, 22, audience="adulte")]
    films = same_director + audiences
    groups = one_group(same_director, "dir") + one_group(audiences, "aud")
    proposal = propose_bundles(films, groups, same_vectors(4), pool_leftovers=False)
    reasons = {u.film_id: u.reason for u in proposal.unplaced}
    assert reasons == {
        1: "one_film_per_director",
        2: "one_film_per_director",
        3: "audience",
        4: "audience",
    }
    assert set(proposal.blocked_by) == {"one_film_per_director", "audience"}


def test_films_that_cannot_enter_any_slot_are_unplaced_with_their_reason() -> None:
    films = [film(1, None), film(2, 50), film(3, 22), film(4, 22)]
    proposal = propose_bundles(films, one_group(films), same_vectors(4))
    assert {u.film_id: u.reason for u in proposal.unplaced} == {
        1: "no_runtime",
        2: "longer_than_slot",
    }
    assert proposal.blocked_by["no_runtime"].films == 1


def test_a_theme_from_several_regions() -> None:
    films = [film(i, 11, region_code="01" if i <= 4 else "11") for i in range(1, 9)]
    rules = SlotRules(min_regions=2)
    proposal = propose_bundles(films, one_group(films), same_vectors(8), rules)
    assert len(proposal.bundles) == 2
    assert all(b.scores["regions"] == 2 for b in proposal.bundles)
    assert valid(proposal, films)


def test_a_region_facet_bundle_may_be_all_montreal_but_a_subject_one_may_not() -> None:
    films = [film(i, 22, region_code="06") for i in (1, 2)]
    groups = one_group(films, "region-06")
    by_region = propose_bundles(films, groups, same_vectors(2), facet="region")
    assert len(by_region.bundles) == 1
    assert propose_bundles(films, groups, same_vectors(2), facet="subject").bundles == ()


def test_films_in_no_group_still_get_a_chance() -> None:
    films = [film(i, 22) for i in (1, 2)]
    proposal = propose_bundles(films, [], same_vectors(2))
    assert len(proposal.bundles) == 1 and proposal.bundles[0].group_id is None


def test_running_order_opens_strong_then_alternates_form_and_length() -> None:
    films = [
        film(1, 5, form="fiction"),
        film(2, 15, form="fiction"),
        film(3, 6, form="documentary"),
        film(4, 14, form="documentary"),
    ]
    vectors = np.array([[1, 0.1], [1, 0.0], [1, 0.3], [1, -0.4]], dtype=np.float32)
    # Film 2 (fiction, long) is nearest the centre and opens. Next, a documentary (another
    # form) that is short (the other side of the median): 3. After documentary 3, the fiction
    # 1 beats documentary 4 on form, although both lengths differ less: then 4 closes.
    assert [films[p].id for p in order_items(films, vectors)] == [2, 3, 1, 4]


def test_json_has_exactly_the_shape_of_the_issue() -> None:
    films = [film(i, 11) for i in range(1, 6)] + [film(9, None)]
    proposal = propose_bundles(films, one_group(films), same_vectors(6))
    data = json.loads(json.dumps(to_json_dict(proposal, films)))
    assert set(data) == {"regional_scope", "bundles", "unplaced", "blocked_by"}
    assert data["regional_scope"] == {
        "label": "régions du Québec hors Montréal",
        "region_codes": [f"{n:02d}" for n in range(1, 18) if n != 6],
    }
    (bundle,) = data["bundles"]
    assert set(bundle) == {"id", "label", "explanation", "runtime_seconds", "scores", "films"}
    assert set(bundle["films"][0]) == {
        "id",
        "title",
        "runtime_seconds",
        "directors",
        "region_code",
        "audience",
        "languages",
    }
    assert bundle["runtime_seconds"] == sum(f["runtime_seconds"] for f in bundle["films"])
    assert bundle["scores"]["regional_share"] == bundle["scores"]["regional_film_share"] == 1.0
    assert bundle["explanation"].startswith("4 films :")
    assert to_json_dict(proposal, films, lang="en")["bundles"][0]["explanation"].startswith(
        "4 films:"
    )
    assert {u["id"]: u["reason"] for u in data["unplaced"]}[9] == "no_runtime"
    assert data["blocked_by"]["no_runtime"] == {"films": 1, "groups": []}


def test_proposals_are_deterministic_and_ids_follow_membership() -> None:
    films = [film(i, 7 + i % 9, region_code=["01", "06", "99"][i % 3]) for i in range(1, 40)]
    vectors = random_vectors(len(films), seed=4)
    first = propose_bundles(films, one_group(films), vectors, random_state=3)
    again = propose_bundles(films, one_group(films), vectors, random_state=3)
    assert first == again
    assert len({b.id for b in first.bundles}) == len(first.bundles)


@pytest.mark.parametrize("method", ["exact", "greedy"])
def test_both_methods_return_only_valid_disjoint_bundles(method: str) -> None:
    rng = np.random.default_rng(0)
    films = [
        film(i, int(rng.integers(5, 30)), region_code=["01", "06", None][i % 3]) for i in range(60)
    ]
    packing = pack_slot(films, random_vectors(60, seed=1), SlotRules(), method=method)
    by_id = {f.id: f for f in films}
    seen = [i for b in packing.bundles for i in b]
    assert len(seen) == len(set(seen))
    assert all(check_bundle([by_id[i] for i in b], SlotRules()) == [] for b in packing.bundles)
    assert packing.method == method


def test_exact_is_never_worse_than_greedy() -> None:
    rng = np.random.default_rng(5)
    films = [film(i, int(rng.integers(4, 35))) for i in range(50)]
    pool = Pool(films, random_vectors(50, seed=2), SlotRules())
    exact, _, _ = pack_pool(pool, method="exact")
    greedy, _, _ = pack_pool(pool, method="greedy")
    assert sum(c.value for c in exact) >= sum(c.value for c in greedy) - 1e-9


def test_auto_packs_every_group_greedily_once_the_catalog_is_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    films = [film(i, 7 + i % 9, region_code=["01", "06", "99"][i % 3]) for i in range(1, 40)]
    vectors = random_vectors(len(films), seed=4)
    groups = [
        Cluster(f"g{g}", "subject", tuple(f.id for f in films if f.id % 2 == g), "G", (), "", "", 1)
        for g in (0, 1)
    ]
    small = propose_bundles(films, groups, vectors)
    assert small.methods.get("exact", 0) >= 2 and "greedy" not in small.methods  # + leftovers
    monkeypatch.setattr(bundles_module, "EXACT_FILMS_MAX", len(films) - 1)
    large = propose_bundles(films, groups, vectors)
    assert large.methods.get("greedy", 0) >= 2 and "exact" not in large.methods
    assert large.bundles and all(
        check_bundle([f for f in films if f.id in b.film_ids], SlotRules()) == []
        for b in large.bundles
    )
    # Asked for by name, the exact method stays exact whatever the size.
    assert "greedy" not in propose_bundles(films, groups, vectors, method="exact").methods


def test_a_pools_own_language_and_region_bits_search_as_the_neighbourhoods_do() -> None:
    # A pool reads its films' languages and regions as bits of its own when it has few of
    # them; a pool of more languages works them out for each neighbourhood. Both searches
    # must find the same bundles, and the second must still keep every rule.
    rng = np.random.default_rng(7)
    spoken = ["fra", "eng", "spa", "iku", "cre"]
    films = [
        film(
            i,
            int(rng.integers(5, 25)),
            languages=tuple(rng.choice(spoken, size=int(rng.integers(1, 3)), replace=False)),
            region_code=str(rng.choice(["01", "06", "09", "11", "99"])),
            audience=str(rng.choice(["general", "adulte", "jeunesse"])),
        )
        for i in range(60)
    ]
    vectors = random_vectors(len(films), seed=3)
    pool = Pool(films, vectors, SlotRules(min_regions=2))
    assert pool._lang_bits is not None and pool._region_bit is not None
    twin = Pool(films, vectors, SlotRules(min_regions=2))
    twin._lang_bits = twin._region_bit = None  # as a pool of more than 62 languages
    for seed in range(pool.n):
        around = pool.neighbourhood(seed, np.ones(pool.n, dtype=bool), 40)
        assert pool.beam(around) == twin.beam(around)
    many = films + [film(100 + k, 30, languages=(f"x{k:02}",)) for k in range(70)]
    wide = Pool(many, random_vectors(len(many), seed=3), SlotRules())
    assert wide._lang_bits is None
    chosen, _, _ = pack_pool(wide, method="greedy")
    assert chosen and all(
        check_bundle([many[p] for p in c.members], SlotRules()) == [] for c in chosen
    )
