"""Groups of films by subject, style or region, with stable identities and words to show.

Subject (text embeddings), style (`StyleEncoder` features) and mixed vectors are clustered the
same way, by `FilmClusterer`: k-means on unit vectors (so distances follow the cosine), with
k set by a target cluster size rather than by a fit score. The reasons:
- a curator needs groups that each yield a few bundles, so the size is the product's
  requirement; silhouette on sentence embeddings is nearly flat over k (topics blend into
  one another), so letting it choose k gives a handful of huge groups or dust;
- k-means puts every film in a cluster (no "-1" outlier bucket to explain to a curator) and is
  deterministic for a `random_state`;
- it scales: above `FLAT_MAX` clusters, a coarse k-means (fitted on a sample) splits the
  catalog and each part is clustered on its own, which keeps 100,000 films in seconds.
Clusters smaller than `min_size` are merged into their nearest neighbour, since a group of
one film can never form a bundle.

Region groups are the regions themselves. Their inverse, one theme drawn from several
regions, is a subject grouping packed under `SlotRules(min_regions=2 or more)`.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from sklearn.cluster import KMeans

from curation.embedding import film_rows, normalise_rows
from curation.films import CurationFilm
from curation.labels import KeywordIndex, explain, mean_pairwise, region_title, working_title

FACETS = ("subject", "style", "region", "mixed")
FLAT_MAX = 40  # up to this many clusters, one k-means over everything
COARSE_SAMPLE = 20_000  # the coarse split of a large catalog is fitted on this many films


@dataclass(frozen=True)
class Cluster:
    """A group of films on one facet, as a curator sees it.

    `id` is stable across runs while the membership mostly holds (see `match_clusters`), so
    the shell can keep a curator's renames and notes under it.
    """

    id: str
    facet: str
    film_ids: tuple[int, ...]
    label: str
    keywords: tuple[str, ...]
    explanation_fr: str
    explanation_en: str
    cohesion: float


class FilmClusterer:
    """k-means on unit vectors, k = n / target_size, small clusters merged away.

    Follows scikit-learn's estimator contract: `fit(X)` returns self and sets `labels_`
    (0..n_clusters_-1, numbered by first appearance so equal inputs give equal labels),
    `cluster_centers_` (unit vectors) and `n_clusters_`.
    """

    def __init__(
        self,
        target_size: int = 30,
        min_size: int = 3,
        n_init: int = 3,
        max_iter: int = 100,
        random_state: int = 0,
    ) -> None:
        self.target_size = target_size
        self.min_size = min_size
        self.n_init = n_init
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: ArrayLike, y: object = None) -> FilmClusterer:
        rows = normalise_rows(np.asarray(X, dtype=np.float32))
        n = len(rows)
        if n == 0:
            raise ValueError("cannot cluster zero films")
        k = max(1, min(n, round(n / self.target_size)))
        if k == 1:
            labels = np.zeros(n, dtype=np.intp)
        elif k <= FLAT_MAX:
            labels = self._kmeans(rows, k, "k-means++", self.random_state)
        else:
            labels = self._two_stage(rows, k)
        labels = self._merge_small(rows, labels)
        self.labels_ = _renumber(labels)
        self.n_clusters_ = int(self.labels_.max()) + 1
        self.cluster_centers_ = _centres(rows, self.labels_, self.n_clusters_)
        return self

    def fit_predict(self, X: ArrayLike, y: object = None) -> NDArray[np.intp]:
        return self.fit(X).labels_

    def _kmeans(
        self, rows: NDArray[np.float32], k: int, init: str, seed: int, n_init: int | None = None
    ) -> NDArray[np.intp]:
        model = KMeans(
            n_clusters=k,
            init=init,
            n_init=n_init or self.n_init,
            max_iter=self.max_iter,
            random_state=seed,
        )
        return np.asarray(model.fit(rows).labels_, dtype=np.intp)

    def _two_stage(self, rows: NDArray[np.float32], k: int) -> NDArray[np.intp]:
        n = len(rows)
        parts = math.ceil(math.sqrt(k))
        rng = np.random.default_rng(self.random_state)
        sample = np.sort(rng.choice(n, size=min(n, COARSE_SAMPLE), replace=False))
        # Fitted in float64: scikit-learn's k-means++ start widens float32 rows chunk by chunk,
        # which took most of the time. Every film then goes to its nearest centre, computed
        # here in float32 (argmin ‖x − c‖² = argmax 2x·c − ‖c‖²), not by widening all rows.
        coarse = KMeans(
            n_clusters=parts, n_init=1, max_iter=self.max_iter, random_state=self.random_state
        ).fit(rows[sample].astype(np.float64))
        centres = coarse.cluster_centers_.astype(np.float32)
        top = np.argmax(2 * rows @ centres.T - np.square(centres).sum(axis=1), axis=1)
        labels = np.empty(n, dtype=np.intp)
        offset = 0
        for part in range(parts):
            where = np.flatnonzero(top == part)
            if len(where) == 0:
                continue
            sub_k = max(1, min(len(where), round(len(where) / self.target_size)))
            if sub_k == 1:
                sub = np.zeros(len(where), dtype=np.intp)
            else:
                # Random init: k-means++ costs more than the fit itself at these sizes; one
                # start, not `n_init`: on the real catalog (bench/curation.py) NMI 0.230
                # against 0.233 with three, in half the time.
                sub = self._kmeans(rows[where], sub_k, "random", self.random_state + part, 1)
            labels[where] = sub + offset
            offset += int(sub.max()) + 1
        return labels

    def _merge_small(self, rows: NDArray[np.float32], labels: NDArray[np.intp]) -> NDArray[np.intp]:
        labels = labels.copy()
        while True:
            ids, sizes = np.unique(labels, return_counts=True)
            small = ids[sizes < self.min_size]
            large = ids[sizes >= self.min_size]
            if len(small) == 0 or len(large) == 0:
                return labels
            centres = _centres(rows, labels, int(labels.max()) + 1)[large]
            # Each film of a too-small cluster joins the large cluster nearest to it.
            members = np.flatnonzero(np.isin(labels, small))
            labels[members] = large[np.argmax(rows[members] @ centres.T, axis=1)]


def _renumber(labels: NDArray[np.intp]) -> NDArray[np.intp]:
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(first)
    mapping = np.empty(int(labels.max()) + 1, dtype=np.intp)
    mapping[np.unique(labels)[order]] = np.arange(len(order))
    return mapping[labels]


def _centres(rows: NDArray[np.float32], labels: NDArray[np.intp], k: int) -> NDArray[np.float32]:
    # Each cluster's sum of rows as one sparse product (np.add.at is ten times slower here).
    n = len(labels)
    members = csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
    return normalise_rows(np.asarray(members.astype(np.float32) @ rows))


class StyleEncoder:
    """Style features: the media style profile, form one-hot and style-tag multi-hot.

    Each column is standardised, then each block is divided by the square root of its width,
    so the profile, the form and the tags weigh alike whatever their number of columns (times
    `profile_weight`, `form_weight`, `tag_weight`). A film with no profile gets the profile
    mean (zeros after standardising): its tags and form alone place it.
    """

    def __init__(
        self, profile_weight: float = 1.0, form_weight: float = 1.0, tag_weight: float = 1.0
    ) -> None:
        self.profile_weight = profile_weight
        self.form_weight = form_weight
        self.tag_weight = tag_weight

    def fit(
        self, films: Sequence[CurationFilm], profiles: Mapping[int, ArrayLike] | None = None
    ) -> StyleEncoder:
        profiles = profiles or {}
        self.forms_ = sorted({f.form for f in films if f.form})
        self.tags_ = sorted({t.casefold() for f in films for t in f.style_tags})
        known = [np.asarray(profiles[f.id], dtype=np.float64) for f in films if f.id in profiles]
        self.profile_dim_ = len(known[0]) if known else 0
        if known:
            stack = np.stack(known)
            self.profile_mean_ = stack.mean(axis=0)
            self.profile_scale_ = np.where(stack.std(axis=0) > 0, stack.std(axis=0), 1.0)
        else:
            self.profile_mean_ = np.zeros(0)
            self.profile_scale_ = np.ones(0)
        onehots = self._onehots(films)
        self.onehot_mean_ = onehots.mean(axis=0) if len(films) else np.zeros(onehots.shape[1])
        std = onehots.std(axis=0) if len(films) else np.ones(onehots.shape[1])
        self.onehot_scale_ = np.where(std > 0, std, 1.0)
        return self

    def _onehots(self, films: Sequence[CurationFilm]) -> NDArray[np.float64]:
        forms = {f: i for i, f in enumerate(self.forms_)}
        tags = {t: i for i, t in enumerate(self.tags_)}
        out = np.zeros((len(films), len(forms) + len(tags)))
        for row, film in enumerate(films):
            if film.form in forms:
                out[row, forms[film.form]] = 1.0
            for tag in film.style_tags:
                if tag.casefold() in tags:
                    out[row, len(forms) + tags[tag.casefold()]] = 1.0
        return out

    def transform(
        self, films: Sequence[CurationFilm], profiles: Mapping[int, ArrayLike] | None = None
    ) -> NDArray[np.float32]:
        profiles = profiles or {}
        block = np.zeros((len(films), self.profile_dim_))
        for row, film in enumerate(films):
            if film.id in profiles and self.profile_dim_:
                vector = np.asarray(profiles[film.id], dtype=np.float64)
                if vector.shape != (self.profile_dim_,):
                    raise ValueError(
                        f"film {film.id}: profile of shape {vector.shape}, "
                        f"expected ({self.profile_dim_},)"
                    )
                block[row] = (vector - self.profile_mean_) / self.profile_scale_
        onehots = (self._onehots(films) - self.onehot_mean_) / self.onehot_scale_
        nforms = len(self.forms_)
        parts = [
            self.profile_weight * block / math.sqrt(max(block.shape[1], 1)),
            self.form_weight * onehots[:, :nforms] / math.sqrt(max(nforms, 1)),
            self.tag_weight * onehots[:, nforms:] / math.sqrt(max(len(self.tags_), 1)),
        ]
        return np.hstack(parts).astype(np.float32)

    def fit_transform(
        self, films: Sequence[CurationFilm], profiles: Mapping[int, ArrayLike] | None = None
    ) -> NDArray[np.float32]:
        return self.fit(films, profiles).transform(films, profiles)


def mixed_vectors(
    subject: NDArray[np.floating], style: NDArray[np.floating], subject_weight: float = 0.5
) -> NDArray[np.float32]:
    """Unit rows whose dot product is w·cos(subject) + (1-w)·cos(style), for the mixed facet."""
    if not 0.0 <= subject_weight <= 1.0:
        raise ValueError("subject_weight must be within 0..1")
    return np.hstack(
        [
            math.sqrt(subject_weight) * normalise_rows(subject),
            math.sqrt(1.0 - subject_weight) * normalise_rows(style),
        ]
    ).astype(np.float32)


def fresh_id(members: frozenset[int], prefix: str = "c") -> str:
    """An id derived from the membership: the same films always get the same id."""
    digest = hashlib.sha1(",".join(map(str, sorted(members))).encode()).hexdigest()
    return f"{prefix}-{digest[:10]}"


def match_clusters(
    previous: Mapping[str, frozenset[int]],
    new: Sequence[frozenset[int]],
    min_jaccard: float = 0.5,
    prefix: str = "c",
) -> list[str]:
    """An id for each new cluster: an old one where its membership mostly holds, else fresh.

    Overlap is the Jaccard index on the films both runs know, so adding films never breaks a
    cluster's identity, and removing some only does if the rest moved. Old and new clusters
    are paired by the Hungarian algorithm on that overlap (each old id used at most once);
    a pair below `min_jaccard` is not a match.
    """
    old_ids = sorted(previous)
    old_sets = [frozenset(previous[i]) for i in old_ids]
    before = frozenset().union(*old_sets) if old_sets else frozenset()
    now = frozenset().union(*new) if new else frozenset()
    common = sorted(before & now)
    out: list[str | None] = [None] * len(new)
    if common and old_sets and new:
        where = {film: i for i, film in enumerate(common)}

        def incidence(sets: Sequence[frozenset[int]]) -> csr_matrix:
            rows = [where[f] for s in sets for f in s if f in where]
            cols = [j for j, s in enumerate(sets) for f in s if f in where]
            return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(common), len(sets)))

        old_m, new_m = incidence(old_sets), incidence(new)
        both = (old_m.T @ new_m).tocoo()  # films shared by each (old, new) pair
        old_size = np.asarray(old_m.sum(axis=0)).ravel()
        new_size = np.asarray(new_m.sum(axis=0)).ravel()
        jaccard = both.data / (old_size[both.row] + new_size[both.col] - both.data)
        keep = jaccard >= min_jaccard
        # Only clusters with a possible match enter the assignment, which keeps it small.
        rows, cols = np.unique(both.row[keep]), np.unique(both.col[keep])
        if len(rows):
            r_at = {r: i for i, r in enumerate(rows)}
            c_at = {c: i for i, c in enumerate(cols)}
            score = np.zeros((len(rows), len(cols)))
            for r, c, j in zip(both.row[keep], both.col[keep], jaccard[keep], strict=True):
                score[r_at[r], c_at[c]] = j
            for a, b in zip(*linear_sum_assignment(-score), strict=True):
                if score[a, b] >= min_jaccard:
                    out[int(cols[b])] = old_ids[int(rows[a])]
    taken = set(previous)
    ids: list[str] = []
    for j, members in enumerate(new):
        given = out[j]
        if given is None:
            given, n = fresh_id(members, prefix), 2
            while given in taken:  # a former cluster with the same films but no match
                given, n = f"{fresh_id(members, prefix)}-{n}", n + 1
        taken.add(given)
        ids.append(given)
    return ids


def cluster_films(
    films: Sequence[CurationFilm],
    vectors: NDArray[np.floating],
    facet: str,
    *,
    previous: Sequence[Cluster] = (),
    target_size: int = 30,
    min_size: int = 3,
    random_state: int = 0,
    min_jaccard: float = 0.5,
    keyword_count: int = 8,
) -> tuple[Cluster, ...]:
    """Every film in exactly one cluster of the facet, largest first, labelled and explained.

    `vectors` rows match `films`: text embeddings for subject (and region, where they only
    measure closeness), `StyleEncoder` output for style, `mixed_vectors` for mixed. Clusters
    that match one of `previous` keep its id and label (a curator's rename survives).
    """
    if facet not in FACETS:
        raise ValueError(f"unknown facet {facet!r}; use one of {', '.join(FACETS)}")
    if not films:
        return ()
    rows = film_rows(vectors, len(films))
    if facet == "region":
        codes = sorted({f.region_code for f in films}, key=lambda c: (c is None, c or ""))
        members = [[i for i, f in enumerate(films) if f.region_code == c] for c in codes]
        ids = [f"region-{c or 'unknown'}" for c in codes]
    else:
        model = FilmClusterer(target_size, min_size, random_state=random_state).fit(rows)
        # Each cluster's rows in order, from one stable sort (not one scan per cluster).
        order = np.argsort(model.labels_, kind="stable")
        sizes = np.bincount(model.labels_, minlength=model.n_clusters_)
        members = [list(part) for part in np.split(order, np.cumsum(sizes)[:-1])]
        sets = [frozenset(films[i].id for i in m) for m in members]
        old = {c.id: frozenset(c.film_ids) for c in previous if c.facet == facet}
        ids = match_clusters(old, sets, min_jaccard, prefix=facet)
        codes = [None] * len(members)
    index = KeywordIndex([f.text or f.title for f in films])
    keywords = index.class_keywords(members, top=keyword_count)
    old_labels = {c.id: c.label for c in previous if c.facet == facet}
    clusters = []
    for cid, code, rows_of, words_of in zip(ids, codes, members, keywords, strict=True):
        group = [films[i] for i in rows_of]
        closeness = mean_pairwise(rows[rows_of])
        fr, en = explain(group, words_of[:3], closeness)
        if facet == "region":
            label = region_title(code)
        else:
            label = old_labels.get(cid) or working_title(words_of)
        clusters.append(
            Cluster(
                id=cid,
                facet=facet,
                film_ids=tuple(f.id for f in group),
                label=label,
                keywords=tuple(words_of),
                explanation_fr=fr,
                explanation_en=en,
                cohesion=closeness,
            )
        )
    return tuple(sorted(clusters, key=lambda c: (-len(c.film_ids), c.id)))
