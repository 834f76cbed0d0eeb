"""The observatory's numbers: how regions, forms and languages are represented at each stage,
from the catalog to the broadcasters' interest."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from catalog.models import (
    Answer,
    Bundle,
    BundleItem,
    BundleStatus,
    Film,
    ShareLink,
    Status,
    Verdict,
)

STAGES = ("catalog", "bundles", "shared", "interested")
MONTREAL = "06"
OUTSIDE_QUEBEC = "99"


@dataclass(frozen=True)
class Row:
    film_id: int
    region: str | None
    form: str | None
    language: str | None
    year: int | None
    runtime: int


@dataclass(frozen=True)
class Share:
    key: str
    films: int
    runtime: int
    share_films: float
    share_runtime: float


@dataclass
class StageStats:
    films: int = 0
    runtime: int = 0
    by: dict[str, list[Share]] = field(default_factory=dict)


def montreal_split(region: str | None) -> str:
    if region == MONTREAL:
        return "montreal"
    if region == OUTSIDE_QUEBEC:
        return "outside_quebec"
    return "unknown" if region is None else "other_regions"


def _shares(rows: Sequence[Row], key_of: object) -> list[Share]:
    films: Counter[str] = Counter()
    runtime: Counter[str] = Counter()
    for row in rows:
        key = key_of(row)  # type: ignore[operator]
        films[key] += 1
        runtime[key] += row.runtime
    total_films = sum(films.values()) or 1
    total_runtime = sum(runtime.values()) or 1
    return [
        Share(key, count, runtime[key], count / total_films, runtime[key] / total_runtime)
        for key, count in sorted(films.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


DIMENSIONS = {
    "montreal": lambda row: montreal_split(row.region),
    "region": lambda row: row.region or "?",
    "form": lambda row: row.form or "?",
    "language": lambda row: row.language or "?",
    "year": lambda row: str(row.year) if row.year else "?",
}


def stage_stats(rows: Sequence[Row]) -> StageStats:
    stats = StageStats(len(rows), sum(r.runtime for r in rows))
    for name, key_of in DIMENSIONS.items():
        stats.by[name] = _shares(rows, key_of)
    if stats.by["year"]:
        stats.by["year"].sort(key=lambda s: s.key)
    return stats


_COLUMNS = (
    col(Film.id),
    col(Film.region_code),
    col(Film.form),
    col(Film.original_languages),
    col(Film.year),
    col(Film.runtime_seconds),
)


def _rows(session: Session, *where: Any) -> list[Row]:
    """Only the columns the observatory counts, not whole films with their credits."""
    return [
        Row(
            film_id,
            region,
            form.value if form else None,
            languages[0] if languages else None,
            year,
            runtime or 0,
        )
        for film_id, region, form, languages, year, runtime in session.execute(
            sa_select(*_COLUMNS).where(*where)
        ).all()
    ]


def observe(session: Session) -> dict[str, StageStats]:
    """The numbers for every stage; a film counts once per stage (four queries)."""
    catalog = _rows(session, Film.status == Status.accepted)
    in_bundles = select(BundleItem.film_id).join(Bundle, col(Bundle.id) == BundleItem.bundle_id)
    in_bundles = in_bundles.where(Bundle.status != BundleStatus.archived)
    bundled = _rows(session, col(Film.id).in_(in_bundles))
    shared_ids = select(BundleItem.film_id).join(
        ShareLink, col(ShareLink.bundle_id) == BundleItem.bundle_id
    )
    shared = _rows(session, col(Film.id).in_(shared_ids))
    # Interest in a film: an answer on the film, or on a bundle that holds it.
    on_film = select(Answer.film_id).where(Answer.verdict == Verdict.interested)
    on_bundle = (
        select(BundleItem.film_id)
        .join(Answer, col(Answer.bundle_id) == BundleItem.bundle_id)
        .where(Answer.verdict == Verdict.interested, col(Answer.film_id).is_(None))
    )
    interested = _rows(session, or_(col(Film.id).in_(on_film), col(Film.id).in_(on_bundle)))
    return {
        "catalog": stage_stats(catalog),
        "bundles": stage_stats(bundled),
        "shared": stage_stats(shared),
        "interested": stage_stats(interested),
    }


def to_csv_rows(stats: dict[str, StageStats]) -> list[list[object]]:
    rows: list[list[object]] = [
        ["stage", "dimension", "key", "films", "runtime_seconds", "share_films", "share_runtime"]
    ]
    for stage in STAGES:
        for dimension, shares in stats[stage].by.items():
            for share in shares:
                rows.append(
                    [
                        stage,
                        dimension,
                        share.key,
                        share.films,
                        share.runtime,
                        f"{share.share_films:.4f}",
                        f"{share.share_runtime:.4f}",
                    ]
                )
    return rows
