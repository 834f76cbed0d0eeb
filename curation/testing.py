"""Small fakes of the curation core's ports, for fast tests here and in the shell's tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

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
