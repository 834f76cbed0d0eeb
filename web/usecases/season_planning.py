"""Planning a season on the real catalog: the accepted films and their text vectors, the concept
made concrete (a theme embedded as a query, a cluster's members read), then the core's
`solve_season`. The CLI calls it; storing a season is `web.usecases.seasons`' business."""

from __future__ import annotations

from dataclasses import dataclass, replace
from time import perf_counter
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import curation
from catalog.models import Cluster
from curation import CurationFilm
from curation.season import Season, SeasonRules, season_to_json, solve_season
from web.usecases.curating import eligible_films, facet_vectors, to_curation_all


@dataclass(frozen=True)
class SeasonPlan:
    """A solved season (or why none exists), the films it was solved from, and the time."""

    season: Season
    films: list[CurationFilm]
    seconds: float

    def to_json(self, lang: str = "fr") -> dict[str, Any]:
        data = season_to_json(self.season, self.films, lang)
        data["seconds"] = round(self.seconds, 3)
        return data


def concrete_rules(session: Session, rules: SeasonRules) -> SeasonRules:
    """A cluster concept with its members filled in; the cluster is named by its id or,
    failing that, by its name (case aside). Raises LookupError for an unknown cluster."""
    concept = rules.concept
    if concept.kind != "cluster" or concept.film_ids:
        return rules
    cluster = session.get(Cluster, concept.value)
    if cluster is None:
        wanted = concept.value.casefold()
        cluster = next(
            (c for c in session.exec(select(Cluster)).all() if c.name.casefold() == wanted), None
        )
    if cluster is None:
        raise LookupError(f"no cluster {concept.value!r}: `anthologie propose` makes them")
    return replace(
        rules,
        concept=replace(
            concept,
            value=cluster.id,
            film_ids=tuple(cluster.film_ids),
            label=concept.label or cluster.name,
        ),
    )


def theme_query(embedder: curation.Embedder, rules: SeasonRules) -> NDArray[np.float32] | None:
    """The theme's vector, embedded as a search (None for other concepts)."""
    if rules.concept.kind != "theme":
        return None
    return np.asarray(embedder.encode_query([rules.concept.value])[0], dtype=np.float32)


def plan_season(
    engine: Engine,
    embedder: curation.Embedder,
    rules: SeasonRules,
    *,
    method: str = "auto",
    time_limit: float = 8.0,
    random_state: int = 0,
) -> SeasonPlan:
    """The best season of the accepted films under `rules` (nothing stored). The films'
    text vectors must be current for `embedder` (`embed_catalog` first)."""
    began = perf_counter()
    with Session(engine) as session:
        films = to_curation_all(session, eligible_films(session))
        matrix = facet_vectors(session, films, "subject", embedder.model_id)
        rules = concrete_rules(session, rules)
    season = solve_season(
        films,
        matrix,
        rules,
        query=theme_query(embedder, rules),
        method=method,
        time_limit=time_limit,
        random_state=random_state,
    )
    return SeasonPlan(season, films, perf_counter() - began)
