"""Stored vectors: each film's embedding per facet and model, keyed by its source text's hash."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from catalog.models import Embedding, MediaAsset, utcnow


def stored_hashes(session: Session, facet: str, model_id: str) -> dict[int, str]:
    """Film id → hash of the text its stored vector was computed from."""
    statement = select(Embedding.film_id, Embedding.source_hash).where(
        Embedding.facet == facet, Embedding.model_id == model_id
    )
    return {film_id: digest for film_id, digest in session.exec(statement).all()}


def save_vectors(
    session: Session,
    facet: str,
    model_id: str,
    rows: Iterable[tuple[int, str, NDArray[np.float32]]],
) -> int:
    """Store (film id, source hash, vector) rows, replacing what those films had."""
    rows = list(rows)
    if not rows:
        return 0
    ids = [film_id for film_id, _, _ in rows]
    for start in range(0, len(ids), 500):
        session.exec(
            delete(Embedding).where(
                Embedding.facet == facet,  # type: ignore[arg-type]
                Embedding.model_id == model_id,  # type: ignore[arg-type]
                col(Embedding.film_id).in_(ids[start : start + 500]),
            )
        )
    now = utcnow()
    session.add_all(
        Embedding(
            film_id=film_id,
            facet=facet,
            model_id=model_id,
            dimension=int(vector.shape[0]),
            vector=np.asarray(vector, dtype=np.float32).tobytes(),
            source_hash=digest,
            created_at=now,
        )
        for film_id, digest, vector in rows
    )
    session.flush()
    return len(rows)


def load_matrix(
    session: Session, facet: str, model_id: str, film_ids: Sequence[int] | None = None
) -> tuple[list[int], NDArray[np.float32]]:
    """The stored vectors as one matrix, rows in film id order."""
    statement = select(Embedding.film_id, Embedding.dimension, Embedding.vector).where(
        Embedding.facet == facet, Embedding.model_id == model_id
    )
    if film_ids is not None:
        statement = statement.where(col(Embedding.film_id).in_(list(film_ids)))
    rows = sorted(session.exec(statement).all())
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(
        len(rows), rows[0][1]
    )
    return [r[0] for r in rows], matrix


def vectors_stamp(session: Session, facet: str, model_id: str) -> tuple[int, int, str]:
    """What changes whenever the stored vectors of a facet and model do: their count, the
    highest row id and the latest write (a replaced vector is deleted and written anew, a
    deleted film takes its vectors with it). An index built from them is kept under it."""
    statement = select(func.count(), func.max(Embedding.id), func.max(Embedding.created_at)).where(
        Embedding.facet == facet, Embedding.model_id == model_id
    )
    count, top, latest = session.exec(statement).one()
    return int(count or 0), int(top or 0), str(latest or "")


def style_vectors(session: Session) -> dict[int, NDArray[np.float32]]:
    """Each analysed film's style vector (from its media analysis); a demo's stand-in clip
    says nothing of the film's style, so its vector is left out."""
    statement = select(MediaAsset.film_id, MediaAsset.style_vector).where(
        col(MediaAsset.style_vector).is_not(None), col(MediaAsset.is_stand_in).is_(False)
    )
    return {
        film_id: np.frombuffer(blob, dtype=np.float32)
        for film_id, blob in session.exec(statement).all()
        if blob
    }


def model_id_for(session: Session, facet: str, model_name: str) -> str | None:
    """The model id stored vectors of `model_name` carry ("name/dimension"), if any."""
    statement = select(Embedding.model_id).where(
        Embedding.facet == facet, col(Embedding.model_id).startswith(f"{model_name}/")
    )
    return session.exec(statement.limit(1)).first()
