"""The embedding port: the text a film is embedded from, its hash, nearest neighbours."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from curation import film_text, nearest, normalise_rows, text_hash
from curation.testing import FakeEmbedder


def test_film_text_joins_titles_synopses_subjects_and_genres() -> None:
    text = film_text(
        ["Ressac", "Ressac", "Undertow"],
        ["Une pêcheuse affronte la tempête.", "A fisher braves the storm"],
        ["pêche", "mer"],
        ["Drame"],
    )
    assert text == (
        "Ressac / Undertow. Une pêcheuse affronte la tempête. A fisher braves the storm. "
        "pêche, mer. Drame."
    )


def test_a_film_without_synopsis_still_gets_a_text() -> None:
    assert film_text(["Les Criminelles", None], [None, ""], (), ["Comedy"]) == (
        "Les Criminelles. Comedy."
    )


def test_a_film_with_nothing_to_say_is_refused() -> None:
    with pytest.raises(ValueError, match="title"):
        film_text([None, "  "], [None])


def test_text_hash_keys_on_text_and_model() -> None:
    key = text_hash("Ressac.", "model-a/384")
    assert len(key) == 64 and int(key, 16) >= 0
    assert key == text_hash("Ressac.", "model-a/384")
    assert key != text_hash("Ressac.", "model-b/384")
    assert key != text_hash("Ressac!", "model-a/384")
    # The separator keeps (model, text) pairs apart that plain concatenation would merge.
    assert text_hash("bc", "a") != text_hash("c", "ab")
    assert key == hashlib.sha256(b"model-a/384\x00Ressac.").hexdigest()


def test_nearest_ranks_by_cosine_and_excludes_the_query_film() -> None:
    matrix = np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]], dtype=np.float32)
    ids = [10, 11, 12, 13]
    assert [i for i, _ in nearest(matrix, ids, matrix[0], k=2, exclude={10})] == [11, 12]
    ranked = nearest(matrix, ids, np.array([1.0, 0.0]), k=10)
    assert [i for i, _ in ranked] == [10, 11, 12, 13]
    assert ranked[0][1] == pytest.approx(1.0)
    assert ranked[-1][1] == pytest.approx(-1.0)
    assert nearest(matrix, ids, matrix[0], k=0) == []


def test_nearest_breaks_ties_by_id() -> None:
    matrix = np.ones((5, 3), dtype=np.float32)
    assert [i for i, _ in nearest(matrix, [5, 3, 9, 1, 7], matrix[0], k=3)] == [1, 3, 5]


def test_nearest_rejects_a_zero_query_and_mismatched_ids() -> None:
    matrix = np.eye(3, dtype=np.float32)
    with pytest.raises(ValueError, match="zero"):
        nearest(matrix, [1, 2, 3], np.zeros(3), k=1)
    with pytest.raises(ValueError, match="ids"):
        nearest(matrix, [1, 2], matrix[0], k=1)


@given(st.integers(1, 300), st.integers(1, 20), st.integers(0, 2**16))
def test_nearest_matches_a_full_sort(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(n, 4)).astype(np.float32)
    query = rng.normal(size=4)
    got = nearest(matrix, list(range(n)), query, k)
    scores = normalise_rows(matrix) @ (query / np.linalg.norm(query))
    expected = sorted(range(n), key=lambda i: (-scores[i], i))[:k]
    assert [i for i, _ in got] == expected


def test_normalise_rows_keeps_zero_rows_zero() -> None:
    rows = normalise_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert rows.dtype == np.float32
    assert np.allclose(rows, [[0.6, 0.8], [0.0, 0.0]])


def test_fake_embedder_is_deterministic_normalised_and_word_sensitive() -> None:
    embedder = FakeEmbedder(dimension=32)
    texts = ["La pêche en mer", "La pêche en mer!", "Un jeu vidéo à Montréal", ""]
    first, again = embedder.encode(texts), FakeEmbedder(dimension=32).encode(texts)
    assert first.shape == (4, 32) and first.dtype == np.float32
    assert np.array_equal(first, again)
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert first[0] @ first[1] == pytest.approx(1.0)
    assert first[0] @ first[2] < 0.9
    assert embedder.calls == 4
    assert embedder.encode([]).shape == (0, 32)
