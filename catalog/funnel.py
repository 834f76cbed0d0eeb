"""The observatory's funnel: how far each region's films get, from submission to a
broadcaster's interest, in films and in runtime, with the conversion from each stage to the
next.

The stages (`STAGES`), each counted in distinct films and in their runtime (a film of unknown
runtime weighs 0 seconds):

- **submitted**: the film came in through the submission form: its history holds a
  "submission" (catalog/history.py), or it has a filmmaker as owner (submissions made before
  the history was kept). Whatever became of it since.
- **accepted**: a submitted film that a curator accepted: a change of its history set its
  status to "accepted", or it is accepted now. Accepted once counts even if later archived.
- **catalog**: the film is in the catalog today (status "accepted"): the accepted submissions
  still there, *plus the films imported straight into the catalog*, which were never
  submitted nor accepted (`FunnelRow.imported` counts them apart). So the catalog is not a
  part of "accepted", and the conversion into it is the share of accepted submissions still
  in the catalog: (catalog − imported) / accepted.
- **proposed**: a catalog film in at least one bundle that is not archived (the engine
  archives its untouched proposals at each run), or in a bundle that reached a later stage.
- **shared**: a catalog film in a bundle with at least one pitch link (revoked or expired
  included: it was shared), or that reached a later stage.
- **opened**: a catalog film in a bundle whose pitch page a recipient opened (a pitch event
  "opened"), or whose bundle has a viewing or an answer (any verdict: answering means the
  page was open), or that reached the next stage.
- **interested**: a catalog film with an "interested" answer on itself, or on a bundle as a
  whole (an answer with no film) that holds it.

From "catalog" on, every stage is part of the one before: evidence of a later stage counts
for the earlier ones (an answer on a bundle archived since still means it was proposed,
shared and opened), and only films in the catalog today count, so every conversion from
"catalog" on is at most 1. "accepted" is part of "submitted" too.

Rows come per region code (every region of the reference table, at 0 when it has no film,
and "?" for films of unknown region), per group (`GROUPS`: Montréal, the other Québec
regions, outside Québec or unknown) and in total. Two queries, whatever the catalog's size:
the region names, and one aggregate that counts every stage per region in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from catalog import queries
from catalog.models import (
    Answer,
    Bundle,
    BundleItem,
    BundleStatus,
    Film,
    FilmChange,
    PitchEvent,
    Region,
    ShareLink,
    Status,
    Verdict,
    Viewing,
)
from catalog.observatory import QUEBEC_OUTSIDE_MONTREAL, origin

STAGES = ("submitted", "accepted", "catalog", "proposed", "shared", "opened", "interested")
OUTSIDE_QUEBEC_OR_UNKNOWN = "outside_quebec_or_unknown"
GROUPS = ("montreal", QUEBEC_OUTSIDE_MONTREAL, OUTSIDE_QUEBEC_OR_UNKNOWN)
UNKNOWN_REGION = "?"
Level = Literal["region", "group", "total"]


def group_of(region: str | None) -> str:
    """Which of `GROUPS` a film's region code falls in ("?" is unknown)."""
    found = origin(None if region == UNKNOWN_REGION else region)
    return found if found in GROUPS else OUTSIDE_QUEBEC_OR_UNKNOWN


@dataclass(frozen=True)
class FunnelFilter:
    """Which films the funnel counts: production year (`year`, or `year_from`–`year_to`
    inclusive), form, an original language the film has, audience. None: all."""

    year: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    form: str | None = None
    language: str | None = None
    audience: str | None = None

    def as_film_filter(self) -> queries.FilmFilter:
        return queries.FilmFilter(
            form=self.form or None,
            language=self.language or None,
            audience=self.audience or None,
            year_from=self.year if self.year is not None else self.year_from,
            year_to=self.year if self.year is not None else self.year_to,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "year_from": self.year_from,
            "year_to": self.year_to,
            "form": self.form,
            "language": self.language,
            "audience": self.audience,
        }


@dataclass(frozen=True)
class StageCount:
    """One stage of one row: its films and runtime, and the conversion into it from the
    stage before (None for the first stage, or when the stage before is empty)."""

    stage: str
    films: int
    runtime: int
    films_rate: float | None = None
    runtime_rate: float | None = None


@dataclass(frozen=True)
class FunnelRow:
    """The funnel of one region ("06", "?" unknown…), one group or the total.

    `stalled_at` is the stage where its films stop: the one after the last stage that has
    films (None when films reach "interested", or when there are none). `stalled` is the
    flag the observatory raises: films in the catalog, none proposed.
    """

    level: Level
    key: str
    stages: tuple[StageCount, ...]
    imported: int = 0
    imported_runtime: int = 0

    def stage(self, name: str) -> StageCount:
        return self.stages[STAGES.index(name)]

    @property
    def stalled_at(self) -> str | None:
        reached = [i for i, s in enumerate(self.stages) if s.films > 0]
        if not reached or reached[-1] == len(STAGES) - 1:
            return None
        return STAGES[reached[-1] + 1]

    @property
    def stalled(self) -> bool:
        """Only a Québec region stands out: outside Québec and unknown are not regions the
        observatory answers for (their `stalled_at` still says where their films stop)."""
        in_quebec = self.level == "region" and self.group != OUTSIDE_QUEBEC_OR_UNKNOWN
        return in_quebec and self.stalled_at == "proposed"

    @property
    def group(self) -> str | None:
        return group_of(self.key) if self.level == "region" else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "key": self.key,
            "group": self.group,
            "imported": {"films": self.imported, "runtime_seconds": self.imported_runtime},
            "stalled": self.stalled,
            "stalled_at": self.stalled_at,
            "stages": [
                {
                    "stage": s.stage,
                    "films": s.films,
                    "runtime_seconds": s.runtime,
                    "films_rate": s.films_rate,
                    "runtime_rate": s.runtime_rate,
                }
                for s in self.stages
            ],
        }


@dataclass(frozen=True)
class Funnel:
    """Every region's funnel, the groups' and the total's, for one filter."""

    filters: FunnelFilter
    regions: tuple[FunnelRow, ...]
    groups: tuple[FunnelRow, ...]
    total: FunnelRow
    region_names: dict[str, str] = field(default_factory=dict)

    def row(self, key: str) -> FunnelRow:
        """A region's row by its code, a group's by its name, or "total"."""
        if key == "total":
            return self.total
        for row in (*self.regions, *self.groups):
            if row.key == key:
                return row
        raise KeyError(key)

    @property
    def stalled(self) -> list[FunnelRow]:
        """The regions whose films are in the catalog and none proposed."""
        return [row for row in self.regions if row.stalled]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the filter, the stages' order, the names of the regions and rows."""
        return {
            "filters": self.filters.as_dict(),
            "stages": list(STAGES),
            "region_names": dict(self.region_names),
            "regions": [row.as_dict() for row in self.regions],
            "groups": [row.as_dict() for row in self.groups],
            "total": self.total.as_dict(),
        }


CSV_COLUMNS = (
    "level",
    "key",
    "name",
    "stage",
    "films",
    "runtime_seconds",
    "films_rate",
    "runtime_rate",
    "stalled",
    "stalled_at",
)


def _rate(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.4f}"


def to_csv_rows(funnel: Funnel) -> list[list[object]]:
    """A header, then one row per region, group or total and stage (rates as 0.0000, empty
    when there is none); `name` is the region's name, else the key."""
    rows: list[list[object]] = [list(CSV_COLUMNS)]
    for row in (*funnel.regions, *funnel.groups, funnel.total):
        name = funnel.region_names.get(row.key, row.key) if row.level == "region" else row.key
        for s in row.stages:
            rows.append(
                [
                    row.level,
                    row.key,
                    name,
                    s.stage,
                    s.films,
                    s.runtime,
                    _rate(s.films_rate),
                    _rate(s.runtime_rate),
                    int(row.stalled),
                    row.stalled_at or "",
                ]
            )
    return rows


# --- the counting --------------------------------------------------------------------------


def _films_in(bundle_ids: Any) -> Any:
    """The film is in one of the bundles `bundle_ids` (a select of bundle ids)."""
    return col(Film.id).in_(
        select(BundleItem.film_id).where(col(BundleItem.bundle_id).in_(bundle_ids))
    )


def _stage_tests() -> dict[str, Any]:
    """Each stage as a test on one film (a boolean SQL expression), plus "imported"."""
    in_history = select(FilmChange.film_id).where(FilmChange.kind == "submission")
    submitted = or_(col(Film.owner_id).is_not(None), col(Film.id).in_(in_history))
    set_accepted = select(FilmChange.film_id).where(
        col(FilmChange.changes)[("status", 1)].as_string() == Status.accepted.value
    )
    in_catalog = col(Film.status) == Status.accepted
    accepted = and_(submitted, or_(in_catalog, col(Film.id).in_(set_accepted)))

    opened_bundles: Any = union(
        select(PitchEvent.bundle_id).where(PitchEvent.kind == "opened"),
        select(Viewing.bundle_id),
        select(Answer.bundle_id),
    )
    live_bundles = select(Bundle.id).where(Bundle.status != BundleStatus.archived)
    interested = or_(
        col(Film.id).in_(
            select(Answer.film_id).where(
                Answer.verdict == Verdict.interested, col(Answer.film_id).is_not(None)
            )
        ),
        _films_in(
            select(Answer.bundle_id).where(
                Answer.verdict == Verdict.interested, col(Answer.film_id).is_(None)
            )
        ),
    )
    opened = or_(_films_in(opened_bundles), interested)
    shared = or_(_films_in(select(ShareLink.bundle_id)), opened)
    proposed = or_(_films_in(live_bundles), shared)
    return {
        "submitted": submitted,
        "accepted": accepted,
        "catalog": in_catalog,
        "proposed": and_(in_catalog, proposed),
        "shared": and_(in_catalog, shared),
        "opened": and_(in_catalog, opened),
        "interested": and_(in_catalog, interested),
        "imported": and_(in_catalog, ~submitted),
    }


Counts = dict[str, tuple[int, int]]  # stage (or "imported") → (films, runtime)


def _counts_by_region(session: Session, filters: FunnelFilter) -> dict[str, Counts]:
    """One query: per region code, each stage's films and runtime, summed in SQL from one
    flag per film and stage."""
    tests = _stage_tests()
    flags = [
        case((test, 1), else_=0).label(name) for name, test in tests.items()
    ]  # 1 when the film is at the stage
    per_film = queries.filtered(
        session,
        sa_select(
            col(Film.region_code).label("region"),
            func.coalesce(col(Film.runtime_seconds), 0).label("runtime"),
            *flags,
        ),
        filters.as_film_filter(),
    ).subquery()
    sums = []
    for name in tests:
        flag = per_film.c[name]
        sums += [
            func.coalesce(func.sum(flag), 0).label(f"{name}_films"),
            func.coalesce(func.sum(flag * per_film.c.runtime), 0).label(f"{name}_runtime"),
        ]
    statement = sa_select(per_film.c.region, *sums).group_by(per_film.c.region)
    found: dict[str, Counts] = {}
    for row in session.execute(statement).mappings():
        found[row["region"] or UNKNOWN_REGION] = {
            name: (int(row[f"{name}_films"]), int(row[f"{name}_runtime"])) for name in tests
        }
    return found


def _add(counts: Iterable[Counts]) -> Counts:
    total: dict[str, tuple[int, int]] = {}
    for one in counts:
        for name, (films, runtime) in one.items():
            have = total.get(name, (0, 0))
            total[name] = (have[0] + films, have[1] + runtime)
    return total


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def build_row(level: Level, key: str, counts: Counts) -> FunnelRow:
    """A row from its counts: each stage with the conversion into it from the one before
    (into "catalog": the accepted submissions still there, out of the accepted)."""
    get = lambda name: counts.get(name, (0, 0))  # noqa: E731
    imported = get("imported")
    stages: list[StageCount] = []
    for i, name in enumerate(STAGES):
        films, runtime = get(name)
        if i == 0:
            stages.append(StageCount(name, films, runtime))
            continue
        came_films, came_runtime = films, runtime
        if name == "catalog":
            came_films, came_runtime = films - imported[0], runtime - imported[1]
        before = stages[-1]
        stages.append(
            StageCount(
                name,
                films,
                runtime,
                _ratio(came_films, before.films),
                _ratio(came_runtime, before.runtime),
            )
        )
    return FunnelRow(level, key, tuple(stages), imported[0], imported[1])


def _region_order(code: str) -> tuple[int, str]:
    return (1, code) if code == UNKNOWN_REGION else (0, code)


def funnel(session: Session, filters: FunnelFilter | None = None) -> Funnel:
    """The funnel of every region, of each of `GROUPS` and in total (two queries)."""
    filters = filters or FunnelFilter()
    names = {
        code: name for code, name in session.execute(sa_select(col(Region.code), col(Region.name)))
    }
    counted = _counts_by_region(session, filters)
    codes = sorted(set(names) | set(counted), key=_region_order)
    regions = tuple(build_row("region", code, counted.get(code, {})) for code in codes)
    groups = tuple(
        build_row("group", group, _add(counted[c] for c in counted if group_of(c) == group))
        for group in GROUPS
    )
    total = build_row("total", "total", _add(counted.values()))
    return Funnel(filters, regions, groups, total, names)
