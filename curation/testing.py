"""Small fakes of the curation core's ports, for fast tests here and in the shell's tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from curation.films import CurationFilm
from curation.stopwords import STOP_WORDS, fold

_WORD = re.compile(r"[^\W\d_]+")


class FakeEmbedder:
    """A deterministic hashing-trick embedder: texts sharing words get close vectors.

    Each word (folded, stop words skipped) adds ±1 to one of `dimension` coordinates chosen by
    a stable hash, so results are the same in every process, unlike Python's `hash`.
    `calls` counts the texts encoded as stored texts, so a test can see that nothing was
    re-embedded, and `query_calls` those encoded as searches, so it can see which role a path
    used. Both roles give the same vector: a model without roles.
    """

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.model_id = f"fake-hashing-{dimension}"
        self.calls = 0
        self.query_calls = 0

    def _vector(self, text: str) -> NDArray[np.float32]:
        vector = np.zeros(self.dimension, dtype=np.float32)
        words = [fold(w) for w in _WORD.findall(text)]
        for word in [w for w in words if w not in STOP_WORDS] or words or [""]:
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            value = int.from_bytes(digest, "little")
            vector[value % self.dimension] += 1.0 if (value >> 63) & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0:  # words that cancel out: any fixed unit vector keeps rows normalised
            vector[0], norm = 1.0, 1.0
        return vector / np.float32(norm)

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls += len(texts)
        return self._rows(texts)

    def encode_query(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.query_calls += len(texts)
        return self._rows(texts)

    def _rows(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts]).astype(np.float32)


# Region codes drawn by `random_catalog`, weighted roughly as in Québec's short-film output:
# Montréal most, the Capitale-Nationale and Montérégie next, every region present.
_REGION_WEIGHTS = {
    **{f"{n:02d}": 2.0 for n in range(1, 18)},
    "06": 20.0,
    "03": 6.0,
    "16": 5.0,
    "99": 8.0,
}


def random_catalog(
    n: int, seed: int = 0, dimension: int = 32, topics: int = 40
) -> tuple[list[CurationFilm], NDArray[np.float32]]:
    """n films with the catalog's awkward spread (most short, a few long; some directors
    with several films; unknown region, audience or language now and then) and vectors
    gathered around `topics` themes, for benchmarks and property tests at scale."""
    rng = np.random.default_rng(seed)
    codes = list(_REGION_WEIGHTS)
    weights = np.array([_REGION_WEIGHTS[c] for c in codes])
    regions = rng.choice(len(codes) + 1, size=n, p=np.append(weights / weights.sum() * 0.95, 0.05))
    minutes = np.clip(rng.gamma(2.0, 5.0, size=n), 1, 120).round().astype(int)
    audience_values = (None, "jeunesse", "famille", "general", "adulte")
    audiences = rng.choice(len(audience_values), size=n, p=[0.3, 0.1, 0.15, 0.3, 0.15])
    forms = rng.choice(
        ["fiction", "documentary", "animation", "experimental"], size=n, p=[0.45, 0.35, 0.15, 0.05]
    )
    languages = rng.choice(4, size=n, p=[0.7, 0.15, 0.1, 0.05])
    directors = rng.integers(0, max(1, int(n * 0.8)), size=n)
    centres = rng.normal(size=(topics, dimension))
    topic = rng.integers(0, topics, size=n)
    rows = centres[topic] + rng.normal(scale=0.8, size=(n, dimension))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    films = []
    for i in range(n):
        lang = int(languages[i])
        films.append(
            CurationFilm(
                id=i + 1,
                title=f"Film {i + 1}",
                runtime_seconds=int(minutes[i]) * 60,
                directors=(f"Réal {directors[i]}",),
                region_code=codes[regions[i]] if regions[i] < len(codes) else None,
                audience=audience_values[int(audiences[i])],
                languages=(("fra",), ("eng",), ("fra", "eng"), ())[lang],
                subtitle_languages=("eng",) if lang == 0 and i % 3 == 0 else (),
                form=str(forms[i]),
            )
        )
    return films, rows.astype(np.float32)
