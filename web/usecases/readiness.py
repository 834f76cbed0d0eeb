"""Export readiness as pages show it: a film's markets, and a bundle's market by market with
the films that block each (catalog/readiness.py judges; catalog/versions.py reads files)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from catalog import versions
from catalog.models import Film
from catalog.readiness import (
    ENGLISH,
    BundleMarket,
    FilmReadiness,
    bundle_readiness,
    film_readiness,
)

__all__ = ["ENGLISH", "BundleMarkets", "bundle_markets", "film_markets"]


def film_markets(session: Session, film: Film) -> FilmReadiness:
    """Where one film can go now, its attached versions read."""
    assert film.id is not None
    return film_readiness(film, versions.versions_of(session, film.id))


@dataclass(frozen=True)
class BundleMarkets:
    markets: list[BundleMarket]
    films: dict[int, FilmReadiness]
    titles: dict[int, Film]


def bundle_markets(session: Session, films: Sequence[Film]) -> BundleMarkets:
    """Each market for the bundle of `films` (in order), their versions read in one query."""
    ids = [f.id for f in films if f.id is not None]
    attached = versions.versions_by_film(session, ids)
    each = {f.id: film_readiness(f, attached.get(f.id, [])) for f in films if f.id is not None}
    return BundleMarkets(
        bundle_readiness([each[i] for i in ids]),
        each,
        {f.id: f for f in films if f.id is not None},
    )
