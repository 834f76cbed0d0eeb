"""The embedding port: what text a film is embedded from, its cache key, and nearest neighbours.

The adapters that run a real model live in the shell (`web/usecases/embedders.py`); the core
only needs something that satisfies `Embedder`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows, one per text, `dimension` columns wide.

    Two roles, because retrieval models such as e5 embed them differently ("passage: " and
    "query: "): `encode` is for the texts that are stored and searched (a film's text, or a
    synopsis compared with stored films), `encode_query` for what a person types to search.
    A model without roles answers both the same way.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...

    def encode_query(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


def _clean(parts: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for part in parts:
        text = " ".join((part or "").split())
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            kept.append(text)
    return kept


def _sentence(text: str) -> str:
    return text if text[-1] in ".!?…»\"'" else text + "."


def film_text(
    titles: Iterable[str | None],
    synopses: Iterable[str | None] = (),
    subjects: Iterable[str] = (),
    genres: Iterable[str] = (),
) -> str:
    """The text a film is embedded from: titles, synopses (FR and/or EN), subjects, genres.

    Duplicates (a title_en equal to the original title) are dropped, so two records that say the
    same thing get the same text and hash. A film with no synopsis still gets its titles,
    subjects and genres, which is enough to place it near its kind.
    """
    title_parts = _clean(titles)
    pieces = []
    if title_parts:
        pieces.append(_sentence(" / ".join(title_parts)))
    pieces += [_sentence(s) for s in _clean(synopses)]
    for group in (_clean(subjects), _clean(genres)):
        if group:
            pieces.append(_sentence(", ".join(group)))
    if not pieces:
        raise ValueError("a film needs at least a title to be embedded")
    return " ".join(pieces)


def text_hash(text: str, model_id: str) -> str:
    """The key a stored vector is valid for: the same text under the same model (sha256 hex)."""
    digest = hashlib.sha256()
    digest.update(model_id.encode("utf-8"))
    digest.update(b"\x00")  # so that ("ab", "c") and ("a", "bc") never collide
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def normalise_rows(matrix: NDArray[np.floating]) -> NDArray[np.float32]:
    """Rows scaled to unit length (zero rows stay zero), as float32, so that dot = cosine."""
    rows = np.asarray(matrix, dtype=np.float32)
    if rows.ndim != 2:
        raise ValueError(f"expected a 2-D matrix, got shape {rows.shape}")
    norms = np.linalg.norm(rows, axis=1, keepdims=True).astype(np.float32)
    norms[norms == 0] = 1.0
    out: NDArray[np.float32] = rows / norms
    return out


def film_rows(vectors: NDArray[np.floating], n: int) -> NDArray[np.float32]:
    """`vectors` as n unit rows, one per film; a clear error when the counts differ."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if n == 0:
        return np.zeros((0, matrix.shape[-1] if matrix.ndim == 2 else 0), dtype=np.float32)
    if matrix.ndim != 2 or len(matrix) != n:
        raise ValueError(f"expected one vector per film ({n}), got shape {matrix.shape}")
    return normalise_rows(matrix)


def nearest(
    matrix: NDArray[np.floating],
    ids: Sequence[int],
    query: NDArray[np.floating],
    k: int,
    exclude: Iterable[int] = (),
) -> list[tuple[int, float]]:
    """The k rows most cosine-similar to `query`, as (id, similarity), most similar first.

    For "films like this one", pass the film's own vector and its id in `exclude`. Ties are
    broken by id so that the answer does not depend on the row order.
    """
    if len(ids) != len(matrix):
        raise ValueError(f"{len(ids)} ids for {len(matrix)} rows")
    if k <= 0 or len(ids) == 0:
        return []
    rows = normalise_rows(np.asarray(matrix))
    q = np.asarray(query, dtype=np.float32).ravel()
    q_norm = float(np.linalg.norm(q))
    if q_norm == 0:
        raise ValueError("the query vector is zero")
    scores = rows @ (q / q_norm)
    id_array = np.asarray(ids)
    excluded = set(exclude)
    if excluded:
        scores = np.where(np.isin(id_array, list(excluded)), -np.inf, scores)
    available = int(np.isfinite(scores).sum())
    take = min(k, available)
    if take == 0:
        return []
    # argpartition keeps this O(n) on a large catalog; only the top candidates get sorted.
    cut = min(len(scores), take + 64)
    head = np.argpartition(-scores, cut - 1)[:cut] if cut < len(scores) else np.arange(len(scores))
    order = sorted(head, key=lambda i: (-scores[i], id_array[i]))[:take]
    return [(int(id_array[i]), float(scores[i])) for i in order]
