"""Youth programmes: the age bands a search and a bundle rule share (curation.rules), the
films of one band with their teacher's guide, and the observatory's count by region."""

from __future__ import annotations

from sqlmodel import Session

from catalog import youth
from catalog.youth import RegionYouth, YouthFilm
from curation.rules import AGE_BANDS

__all__ = [
    "AGE_BANDS",
    "RegionYouth",
    "YouthFilm",
    "band_key",
    "by_region",
    "parse_band",
    "programme",
]


def band_key(band: tuple[int, int]) -> str:
    """ "6-8": how a band is named in a URL."""
    return f"{band[0]}-{band[1]}"


def parse_band(text: str | None) -> tuple[int, int] | None:
    """The band a URL names ("6-8"), or None for anything else."""
    return next((b for b in AGE_BANDS if band_key(b) == (text or "").strip()), None)


def programme(session: Session, band: tuple[int, int] | None) -> list[YouthFilm]:
    return youth.youth_films(session, band)


def by_region(session: Session) -> list[RegionYouth]:
    return youth.by_region(session, AGE_BANDS)
