"""Clusters by subject, style and region: complete, deterministic, stable, labelled."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from curation import (
    Cluster,
    CurationFilm,
    FilmClusterer,
    StyleEncoder,
    cluster_films,
    match_clusters,
    mixed_vectors,
)
from curation.labels import KeywordIndex, words
from curation.stopwords import FRENCH_STOP_WORDS
from curation.testing import FakeEmbedder
from tests.curation.catalogs import film


def blobs(n: int = 300, centers: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    x, y = make_blobs(n, n_features=16, centers=centers, cluster_std=0.5, random_state=seed)
    return x.astype(np.float32), y


def test_clusterer_recovers_well_separated_groups() -> None:
    x, y = blobs()
    model = FilmClusterer(target_size=30).fit(x)
    assert model.n_clusters_ == 10
    assert adjusted_rand_score(y, model.labels_) > 0.95
    assert model.cluster_centers_.shape == (10, 16)
    assert np.allclose(np.linalg.norm(model.cluster_centers_, axis=1), 1.0, atol=1e-5)


def test_clusterer_is_deterministic_for_a_random_state() -> None:
    x, _ = make_blobs(500, n_features=8, centers=3, cluster_std=4.0, random_state=1)
    first = FilmClusterer(target_size=25, random_state=7).fit(x).labels_
    again = FilmClusterer(target_size=25, random_state=7).fit(x).labels_
    assert np.array_equal(first, again)


def test_every_film_lands_in_a_cluster_of_at_least_min_size() -> None:
    # Outliers far from everything: a density method would call them noise (-1).
    x, _ = blobs(200, 5)
    x = np.vstack([x, np.random.default_rng(0).normal(scale=50, size=(7, 16))])
    model = FilmClusterer(target_size=20, min_size=4).fit(x)
    assert model.labels_.min() == 0 and len(model.labels_) == 207
    assert np.bincount(model.labels_).min() >= 4


def test_large_catalogs_take_the_two_stage_path_and_keep_the_target_size() -> None:
    x, y = blobs(3000, 100, seed=3)
    model = FilmClusterer(target_size=30).fit(x)
    sizes = np.bincount(model.labels_)
    assert 60 <= model.n_clusters_ <= 110
    assert np.median(sizes) <= 60
    assert adjusted_rand_score(y, model.labels_) > 0.7


def test_match_clusters_keeps_ids_where_membership_holds() -> None:
    previous = {
        "a": frozenset({1, 2, 3, 4}),
        "b": frozenset({5, 6, 7, 8}),
        "c": frozenset({9, 10, 11}),
    }
    new = [
        frozenset({5, 6, 7, 8, 20, 21, 22, 23, 24}),
        frozenset({1, 2, 3}),
        frozenset({9, 4}),
        frozenset({10, 11, 30}),
    ]
    ids = match_clusters(previous, new)
    # New films (20–24, 30) dilute nothing; {1,2,3} is 3/4 of "a"; {9, 4} shares 1 of 4 with
    # "c" while {10, 11} is 2 of 3 of it.
    assert ids[:2] == ["b", "a"]
    assert ids[3] == "c"
    assert ids[2] not in previous
    assert ids[2] == match_clusters({}, [frozenset({4, 9})])[0]  # fresh ids come from members


def test_match_clusters_pairs_one_to_one_by_best_overlap() -> None:
    previous = {"x": frozenset(range(10)), "y": frozenset(range(10, 14))}
    new = [frozenset(range(0, 6)), frozenset(range(4, 14)), frozenset(range(6, 10))]
    ids = match_clusters(previous, new, min_jaccard=0.3)
    assert ids.count("x") <= 1 and ids.count("y") <= 1
    assert ids[0] == "x" and ids[1] == "y"
    assert len(set(ids)) == 3


def texts_about(topic: str, n: int) -> list[str]:
    return [f"{topic} {topic} histoire numéro {i} dans les vagues de la mer" for i in range(n)]


def themed_catalog(per_topic: int = 12) -> list[CurationFilm]:
    topics = ["pêcheurs", "hockey", "érablière", "aurores"]
    out = []
    for t, topic in enumerate(topics):
        for i in range(per_topic):
            fid = t * 100 + i
            text = f"{topic.capitalize()} {i}. Les {topic} du village, {topic} et encore {topic}."
            out.append(film(fid, 10, text=text, region_code=["01", "11", "06", "99"][t]))
    return out


def test_cluster_films_labels_in_french_without_french_stop_words() -> None:
    films = themed_catalog()
    vectors = FakeEmbedder(64).encode([f.text for f in films])
    clusters = cluster_films(films, vectors, "subject", target_size=12)
    assert len(clusters) == 4
    assert sorted(c.keywords[0] for c in clusters) == ["aurores", "hockey", "pêcheurs", "érablière"]
    for cluster in clusters:
        assert not {w for w in cluster.keywords if w in FRENCH_STOP_WORDS}
        assert cluster.label.split(" · ")[0] == cluster.keywords[0].capitalize()
        assert f"« {cluster.keywords[0]} »" in cluster.explanation_fr
        assert f"“{cluster.keywords[0]}”" in cluster.explanation_en
        assert (
            "12 films" in cluster.explanation_fr and "tous des fictions" in cluster.explanation_fr
        )


def test_french_and_english_stop_words_are_left_out_of_keywords() -> None:
    assert words("Les pêcheurs de la Gaspésie et leurs bateaux dans la tempête") == [
        "pêcheurs",
        "gaspésie",
        "bateaux",
        "tempête",
    ]
    assert words("The fishermen of the bay and their boats") == ["fishermen", "bay", "boats"]
    assert words("DÉJÀ deja Déjà très tres") == []


def test_class_tfidf_prefers_a_class_own_words() -> None:
    texts = ["mer bateau commun", "mer pêche commun", "forêt érable commun", "forêt commun"]
    keywords = KeywordIndex(texts).class_keywords([[0, 1], [2, 3]], top=3)
    assert keywords[0] == ["mer", "bateau", "pêche"]  # "commun", everywhere, sinks
    assert keywords[1][:2] == ["forêt", "érable"]


def test_cluster_ids_and_names_survive_adding_films() -> None:
    films = themed_catalog()
    embedder = FakeEmbedder(64)
    first = cluster_films(
        films, embedder.encode([f.text for f in films]), "subject", target_size=12
    )
    renamed = [
        Cluster(c.id, c.facet, c.film_ids, f"Renommé {i}", c.keywords, "", "", 0)
        for i, c in enumerate(first)
    ]
    more = films + [film(1000 + i, 10, text=f.text) for i, f in enumerate(films[::3])]
    second = cluster_films(
        more, embedder.encode([f.text for f in more]), "subject", previous=renamed, target_size=15
    )
    assert {c.id for c in second} == {c.id for c in first}
    by_id = {c.id: c for c in second}
    for old in renamed:
        assert set(old.film_ids) <= set(by_id[old.id].film_ids)
        assert by_id[old.id].label == old.label


def test_region_groups_name_the_region_and_keep_unknown_ones_together() -> None:
    films = [film(1, region_code="11"), film(2, region_code="11"), film(3, region_code=None)]
    films.append(film(4, region_code="99"))
    clusters = cluster_films(films, FakeEmbedder().encode(["a", "b", "c", "d"]), "region")
    labels = {c.id: c.label for c in clusters}
    assert labels == {
        "region-11": "Regards sur la Gaspésie–Îles-de-la-Madeleine",
        "region-99": "Regards d'ailleurs",
        "region-unknown": "Origine à préciser",
    }
    assert sorted(i for c in clusters for i in c.film_ids) == [1, 2, 3, 4]
    gaspesie = next(c for c in clusters if c.id == "region-11")
    assert "tous de la Gaspésie–Îles-de-la-Madeleine" in gaspesie.explanation_fr


def test_style_features_use_tags_alone_when_the_profile_is_missing() -> None:
    films = [
        film(1, form="documentary", style_tags=("noir et blanc", "lent")),
        film(2, form="documentary", style_tags=("Noir et blanc", "lent")),
        film(3, form="animation", style_tags=("couleurs vives",)),
        film(4, form="animation", style_tags=("couleurs vives",)),
    ]
    profiles = {1: [2.0, 0.5], 3: [8.0, 3.0], 4: [8.5, 2.5]}
    encoder = StyleEncoder().fit(films, profiles)
    x = encoder.transform(films, profiles)
    assert encoder.tags_ == ["couleurs vives", "lent", "noir et blanc"]
    assert x.shape == (4, 2 + 2 + 3)
    assert np.allclose(x[1, :2], 0.0)  # no profile: the mean, so tags and form decide
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert unit[1] @ unit[0] > unit[1] @ unit[2]
    labels = FilmClusterer(target_size=2, min_size=1).fit(x).labels_
    assert labels[0] == labels[1] != labels[2] == labels[3]
    with pytest.raises(ValueError, match="shape"):
        encoder.transform(films, {1: [1.0, 2.0, 3.0]})


def test_style_features_without_any_profile() -> None:
    films = [film(1, style_tags=("lent",)), film(2, style_tags=())]
    x = StyleEncoder().fit_transform(films, {})
    assert x.shape == (2, 2) and np.isfinite(x).all()


def test_mixed_vectors_weigh_subject_and_style_cosines() -> None:
    rng = np.random.default_rng(0)
    subject, style = rng.normal(size=(5, 6)), rng.normal(size=(5, 3))
    mixed = mixed_vectors(subject, style, subject_weight=0.7)
    su = subject / np.linalg.norm(subject, axis=1, keepdims=True)
    sy = style / np.linalg.norm(style, axis=1, keepdims=True)
    expected = 0.7 * (su @ su.T) + 0.3 * (sy @ sy.T)
    assert np.allclose(mixed @ mixed.T, expected, atol=1e-5)
