"""Nearest neighbours among unit vectors: an approximate graph index on large sets, the exact
dense product on small ones, behind one interface (`NeighbourIndex`).

Why both: a proposal's greedy packing asks for each seed's most similar films, one seed at a
time. On a pool of n films the dense product costs n·d per question, so n² over the whole
pool: at 100,000 films that was most of a minute. An HNSW graph (usearch, chosen against
hnswlib and faiss-cpu by `bench/curation.py`: wheels for every platform we run on, the
fastest build here, recall ≥ 0.99 at k = 10 on the real vectors, and it can delete the
films a bundle takes) answers in about a tenth of a millisecond whatever n. Below
`EXACT_MAX` rows the product is both exact and faster than building a graph, so small
catalogs never see an approximation.

The index holds rows 0..n-1 of the matrix it was built from. It can be serialised to bytes
and restored (the shell caches it on disk, keyed by what the vectors are); this module never
touches a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from curation.embedding import nearest, normalise_rows

EXACT_MAX = 4_000  # rows; at or below, the exact product (measured in bench/curation.py)
CONNECTIVITY = 16  # HNSW graph degree
EXPANSION_ADD = 64  # candidates weighed when a row is inserted: build time against recall
EXPANSION_SEARCH = 96  # candidates weighed per query: recall against speed
# The graph keeps its vectors as half floats: on 35,848 real vectors it was built in 1.6 s
# instead of 2.6 s (f32) and searched faster, recall@10 0.999 either way; 8-bit integers were
# faster still but fell to 0.84. Similarities handed back are measured on the f32 rows.
GRAPH_DTYPE = "f16"


class NeighbourIndex:
    """The rows of `vectors` (made unit length), searchable by cosine similarity.

    `approximate` says which way it answers: False at or below `exact_max` rows (or when
    `exact_max` is None), True above. `remove` takes rows out of later answers (a packing
    removes the films a bundle took); the exact way masks them.
    """

    def __init__(
        self,
        vectors: NDArray[np.floating],
        *,
        exact_max: int | None = EXACT_MAX,
        threads: int = 1,
        blob: bytes | bytearray | None = None,
    ) -> None:
        self.vectors = normalise_rows(np.asarray(vectors))
        self.n, self.dimension = self.vectors.shape
        self.threads = threads
        self.exact_max = exact_max
        self.approximate = exact_max is not None and self.n > exact_max
        self._removed = np.zeros(self.n, dtype=bool)
        self._graph: Any = None  # a usearch Index on the approximate way
        self._pristine: Any = None  # the graph as built, kept by the first `remove` for `restore`
        if self.approximate:
            from usearch.index import Index

            if blob is not None:
                graph = Index.restore(blob, view=False)
                if graph is None or len(graph) != self.n or graph.ndim != self.dimension:
                    raise ValueError("the stored index does not match these vectors")
            else:
                graph = Index(
                    ndim=self.dimension,
                    metric="ip",
                    dtype=GRAPH_DTYPE,
                    connectivity=CONNECTIVITY,
                    expansion_add=EXPANSION_ADD,
                    expansion_search=EXPANSION_SEARCH,
                )
                # Built on every core (0: usearch's own count); single queries use `threads`.
                graph.add(np.arange(self.n, dtype=np.uint64), self.vectors, threads=0)
            self._graph = graph

    def to_bytes(self) -> bytes | None:
        """The graph, to store and pass back as `blob` (None when the index is exact)."""
        if self._graph is None:
            return None
        saved = self._graph.save()  # no path: the serialised graph itself
        return None if saved is None else bytes(saved)

    def remove(self, rows: NDArray[np.intp] | list[int]) -> None:
        rows = np.asarray(rows, dtype=np.intp)
        fresh = rows[~self._removed[rows]]
        self._removed[fresh] = True
        if self._graph is not None and len(fresh):
            if self._pristine is None:
                # A copy (milliseconds) makes `restore` a swap: putting tens of thousands of
                # rows back into the graph one by one took longer than building it.
                self._pristine = self._graph.copy()
            self._graph.remove(fresh.astype(np.uint64))

    def restore(self) -> None:
        """Every removed row back in the answers."""
        if self._pristine is not None:
            self._graph, self._pristine = self._pristine, None
        self._removed[:] = False

    def search(self, query: NDArray[np.floating], k: int) -> tuple[NDArray[np.intp], NDArray]:
        """The (at most) k rows most similar to `query` that are not removed, most similar
        first, and their cosine similarities."""
        q = np.asarray(query, dtype=np.float32).ravel()
        live = self.n - int(self._removed.sum())
        k = min(k, live)
        if k <= 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.float32)
        if self._graph is None or k * 4 >= live:
            # Exact: the product, removed rows masked. Also when most of what is left is
            # asked for, where a graph search would walk the whole graph anyway.
            sims = self.vectors @ q
            sims[self._removed] = -np.inf
            top = np.argpartition(-sims, k - 1)[:k] if k < self.n else np.arange(self.n)
            top = top[np.argsort(-sims[top], kind="stable")]
            return top.astype(np.intp), sims[top]
        found = self._graph.search(q, k, threads=self.threads)
        rows = np.asarray(found.keys, dtype=np.intp)
        return rows, self.vectors[rows] @ q  # measured on the f32 rows, not the f16 graph

    def search_among(
        self, query: NDArray[np.floating], k: int, allowed: NDArray[np.bool_]
    ) -> NDArray[np.intp]:
        """The k rows most similar to `query` among the `allowed` ones (unordered), asking
        the graph for ever more rows until k allowed ones turn up, then the exact product."""
        want = min(k, int(allowed.sum()))
        if want <= 0:
            return np.zeros(0, dtype=np.intp)
        ask = max(4 * want, 32)
        while self._graph is not None and ask * 4 < self.n:
            rows, _ = self.search(query, ask)
            rows = rows[allowed[rows]]
            if len(rows) >= want:
                return rows[:want]
            ask *= 4
        sims = self.vectors @ np.asarray(query, dtype=np.float32).ravel()
        candidates = np.flatnonzero(allowed)
        if len(candidates) > want:
            top = np.argpartition(-sims[candidates], want - 1)[:want]
            candidates = candidates[top]
        return candidates.astype(np.intp)


def exact_neighbours(
    vectors: NDArray[np.floating], queries: NDArray[np.floating], k: int
) -> NDArray[np.intp]:
    """The exact k nearest rows for each query (unordered), by the dense product: the yardstick
    the approximate index's recall is measured against."""
    rows = normalise_rows(np.asarray(vectors))
    sims = normalise_rows(np.asarray(queries)) @ rows.T
    return np.argpartition(-sims, k - 1, axis=1)[:, :k].astype(np.intp)


def recall_at(index: NeighbourIndex, queries: NDArray[np.floating], k: int) -> float:
    """Share of each query's exact k nearest rows (ties counted as found) that `index` returns."""
    rows = index.vectors
    hits = 0
    for q in normalise_rows(np.asarray(queries)):
        sims = rows @ q
        kth = np.partition(-sims, k - 1)[k - 1]
        found, _ = index.search(q, k)
        hits += int(np.sum(-sims[found] <= kth + 1e-6))
    return hits / (k * len(queries))


def nearest_in(
    index: NeighbourIndex,
    ids: Sequence[int],
    query: NDArray[np.floating],
    k: int,
    exclude: Iterable[int] = (),
) -> list[tuple[int, float]]:
    """`embedding.nearest` answered by an index over the same rows (ids[i] is row i): exact
    on a small index, through the graph on a large one; ties broken by id."""
    if len(ids) != index.n:
        raise ValueError(f"{len(ids)} ids for {index.n} rows")
    if not index.approximate:
        return nearest(index.vectors, ids, query, k, exclude)
    q = np.asarray(query, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(q))
    if norm == 0:
        raise ValueError("the query vector is zero")
    id_array = np.asarray(ids)
    excluded = set(exclude)
    allowed = ~np.isin(id_array, list(excluded)) if excluded else np.ones(index.n, dtype=bool)
    # A few more than asked, so that ties at the edge are settled by id as the product does.
    rows = index.search_among(q / norm, k + 16, allowed)
    scores = index.vectors[rows] @ (q / norm)
    order = sorted(range(len(rows)), key=lambda j: (-scores[j], id_array[rows[j]]))[:k]
    return [(int(id_array[rows[j]]), float(scores[j])) for j in order]
