"""The observatory's numbers: how regions, forms and languages are represented at each stage,
from the catalog to the broadcasters' interest.

Every film falls in one of four origins (`ORIGINS`): Québec's regions outside Montréal (the
ones the bundles' regional floor counts by default), Montréal, outside Québec, and unknown;
each share is given both by number of films and by runtime.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
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
QUEBEC_REGIONS = frozenset(f"{n:02d}" for n in range(1, 18))
# The four origins, in the order pages show them; the first is what the regional floor counts.
QUEBEC_OUTSIDE_MONTREAL = "quebec_outside_montreal"
ORIGINS = (QUEBEC_OUTSIDE_MONTREAL, "montreal", "outside_quebec", "unknown")


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
    """A stage's films, their runtime, how many have a known runtime (the others weigh 0 in
    every share of runtime), and the shares by each of `DIMENSIONS`."""

    films: int = 0
    runtime: int = 0
    by: dict[str, list[Share]] = field(default_factory=dict)
    timed: int = 0


def origin(region: str | None) -> str:
    """Which of `ORIGINS` a film's region code falls in."""
    if region == MONTREAL:
        return "montreal"
    if region == OUTSIDE_QUEBEC:
        return "outside_quebec"
    return QUEBEC_OUTSIDE_MONTREAL if region in QUEBEC_REGIONS else "unknown"


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
    "origin": lambda row: origin(row.region),
    "region": lambda row: row.region or "?",
    "form": lambda row: row.form or "?",
    "language": lambda row: row.language or "?",
    "year": lambda row: str(row.year) if row.year else "?",
}


def stage_stats(rows: Sequence[Row]) -> StageStats:
    stats = StageStats(len(rows), sum(r.runtime for r in rows))
    stats.timed = sum(1 for r in rows if r.runtime > 0)
    for name, key_of in DIMENSIONS.items():
        stats.by[name] = _shares(rows, key_of)
    if stats.by["year"]:
        stats.by["year"].sort(key=lambda s: s.key)
    # Every origin, in its fixed order, even at 0: "0 % from the regions" is the news.
    found = {share.key: share for share in stats.by["origin"]}
    stats.by["origin"] = [found.get(key, Share(key, 0, 0, 0.0, 0.0)) for key in ORIGINS]
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


CSV_COLUMNS = (
    "stage",
    "dimension",
    "key",
    "label",
    "films",
    "runtime_seconds",
    "share_films",
    "share_runtime",
)


def to_csv_rows(
    stats: dict[str, StageStats], labels: Mapping[str, Mapping[str, str]] | None = None
) -> list[list[object]]:
    """One row per stage, dimension and key; `labels[dimension][key]` names the key in words
    ("régions du Québec hors Montréal", "11 Gaspésie–Îles-de-la-Madeleine")."""
    labels = labels or {}
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for stage in STAGES:
        for dimension, shares in stats[stage].by.items():
            for share in shares:
                rows.append(
                    [
                        stage,
                        dimension,
                        share.key,
                        labels.get(dimension, {}).get(share.key, share.key),
                        share.films,
                        share.runtime,
                        f"{share.share_films:.4f}",
                        f"{share.share_runtime:.4f}",
                    ]
                )
    return rows
