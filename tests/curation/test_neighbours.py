"""The approximate neighbour index: its recall against the exact product, the exact way on
small sets, and proposals on a large pool as good with it as without."""

from __future__ import annotations

import numpy as np

from curation import SlotRules
from curation.neighbours import EXACT_MAX, NeighbourIndex, exact_neighbours, recall_at
from curation.packing import Pool, _pack_greedy
from curation.testing import random_catalog


def test_graph_finds_the_exact_neighbours_of_384_dimension_vectors() -> None:
    # Vectors of the text model's width, gathered around topics as film synopses are.
    _, small = random_catalog(EXACT_MAX + 2_000, seed=3, dimension=384, topics=60)
    index = NeighbourIndex(small)
    assert index.approximate
    queries = small[np.random.default_rng(0).choice(len(small), 200, replace=False)]
    assert recall_at(index, queries, 10) >= 0.95
    # A row's nearest is itself, with a cosine of 1.
    rows, sims = index.search(small[17], 3)
    assert rows[0] == 17 and abs(float(sims[0]) - 1.0) < 1e-4


def test_small_sets_are_searched_exactly() -> None:
    _, vectors = random_catalog(500, seed=1)
    index = NeighbourIndex(vectors)
    assert not index.approximate and index.to_bytes() is None
    assert recall_at(index, vectors[:50], 10) == 1.0
    exact = exact_neighbours(vectors, vectors[:1], 5)[0]
    assert set(index.search(vectors[0], 5)[0].tolist()) == set(exact.tolist())


def test_removed_rows_leave_the_answers_until_restored_and_bytes_round_trip() -> None:
    _, vectors = random_catalog(EXACT_MAX + 500, seed=2, dimension=48)
    index = NeighbourIndex(vectors)
    first = index.search(vectors[0], 5)[0]
    index.remove(first[:3])
    assert not set(first[:3].tolist()) & set(index.search(vectors[0], 20)[0].tolist())
    index.restore()
    assert index.search(vectors[0], 1)[0][0] == 0
    assert set(first[:3].tolist()) <= set(index.search(vectors[0], 20)[0].tolist())
    index.remove(first[3:])  # and again, from the graph as built
    assert not set(first[3:].tolist()) & set(index.search(vectors[0], 20)[0].tolist())
    index.restore()
    assert set(first.tolist()) <= set(index.search(vectors[0], 20)[0].tolist())
    again = NeighbourIndex(vectors, blob=index.to_bytes())
    assert again.approximate
    assert again.search(vectors[5], 1)[0][0] == 5


def test_a_large_pool_packs_as_well_with_the_graph_as_with_the_exact_product() -> None:
    films, vectors = random_catalog(EXACT_MAX + 1_000, seed=4, dimension=64)
    rules = SlotRules(slot_minutes=44, regional_floor=0.0)
    fits = [i for i, f in enumerate(films) if (rules.footprint(f) or 10**9) <= rules.window[1]]
    pool = Pool([films[i] for i in fits], vectors[fits], rules)
    assert pool.n > EXACT_MAX
    graph = _pack_greedy(pool, set(), 0)
    assert pool.index.approximate
    exact_pool = Pool([films[i] for i in fits], vectors[fits], rules)
    exact_pool._shared["index"] = NeighbourIndex(exact_pool.vectors, exact_max=None)
    assert not exact_pool.index.approximate
    exact = _pack_greedy(exact_pool, set(), 0)
    placed = sum(len(c.members) for c in graph)
    assert placed >= 0.97 * sum(len(c.members) for c in exact)
    cohesion = np.mean([c.cohesion for c in graph])
    assert cohesion >= np.mean([c.cohesion for c in exact]) - 0.02
    # Every film in at most one bundle: removals from the graph never leak a taken film.
    members = [m for c in graph for m in c.members]
    assert len(members) == len(set(members))
