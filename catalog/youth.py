"""Youth programming: films of audience jeunesse by age band, with their teacher's guide, and
how many there are per region (the observatory's table).

A film belongs to a band when its age range overlaps it (an open end reaches every band on
that side); a film with no age on its record belongs to none and is counted apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from catalog.models import Audience, Film, PromoAsset, Status

TEACHER_GUIDE = "teacher_guide"
# Films a programme can be made of: not those declined or put away.
LIVE = (Status.submitted, Status.accepted)


def overlaps(low: int | None, high: int | None, band: tuple[int, int]) -> bool:
    if low is None and high is None:
        return False
    return (low if low is not None else 0) <= band[1] and band[0] <= (
        high if high is not None else 99
    )


@dataclass(frozen=True)
class YouthFilm:
    film: Film
    guide_id: int | None  # the teacher's guide (a PromoAsset), when there is one


def youth_films(session: Session, band: tuple[int, int] | None) -> list[YouthFilm]:
    """Youth films (by title) whose ages overlap `band`; all of them when it is None."""
    statement = (
        select(Film)
        .where(Film.audience == Audience.jeunesse, col(Film.status).in_(LIVE))
        .order_by(col(Film.sort_title), col(Film.id))
    )
    if band is not None:
        low, high = band
        statement = statement.where(
            col(Film.audience_age_min).is_not(None) | col(Film.audience_age_max).is_not(None),
            col(Film.audience_age_min).is_(None) | (col(Film.audience_age_min) <= high),
            col(Film.audience_age_max).is_(None) | (col(Film.audience_age_max) >= low),
        )
    films = list(session.exec(statement).all())
    guides = teacher_guides(session, [f.id for f in films if f.id is not None])
    return [YouthFilm(f, guides.get(f.id or 0)) for f in films]


def teacher_guides(session: Session, film_ids: Sequence[int]) -> dict[int, int]:
    """Film id → its first teacher's guide's id, in one query."""
    if not film_ids:
        return {}
    rows = session.exec(
        select(PromoAsset.film_id, PromoAsset.id)
        .where(PromoAsset.kind == TEACHER_GUIDE, col(PromoAsset.film_id).in_(list(film_ids)))
        .order_by(col(PromoAsset.position), col(PromoAsset.id))
    ).all()
    out: dict[int, int] = {}
    for film_id, guide_id in rows:
        out.setdefault(film_id, guide_id or 0)
    return out


@dataclass
class RegionYouth:
    region_code: str | None
    films: int = 0
    by_band: dict[tuple[int, int], int] = field(default_factory=dict)
    no_ages: int = 0
    with_guide: int = 0


def by_region(
    session: Session, bands: Sequence[tuple[int, int]], statuses: Sequence[Status] = LIVE
) -> list[RegionYouth]:
    """Youth films per region of origin (most first), each band counted (a film whose range
    spans two bands counts in both), films without ages and those with a teacher's guide."""
    rows = session.exec(
        select(Film.id, Film.region_code, Film.audience_age_min, Film.audience_age_max).where(
            Film.audience == Audience.jeunesse, col(Film.status).in_(list(statuses))
        )
    ).all()
    guides = teacher_guides(session, [row[0] for row in rows if row[0] is not None])
    regions: dict[str | None, RegionYouth] = {}
    for film_id, region, low, high in rows:
        entry = regions.setdefault(region, RegionYouth(region, by_band={b: 0 for b in bands}))
        entry.films += 1
        entry.with_guide += film_id in guides
        if low is None and high is None:
            entry.no_ages += 1
        for band in bands:
            entry.by_band[band] += overlaps(low, high, band)
    return sorted(regions.values(), key=lambda r: (-r.films, r.region_code or "~"))
