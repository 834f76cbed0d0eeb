"""A bundle as the workbench, the API and the exports see it: its films in order, its gauges,
the rules it breaks, and the films that could replace one of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flask import current_app

import curation
from catalog import bundles as bundle_edits
from catalog import queries, vectors
from catalog.models import Bundle, Film, Status
from curation.rules import RegionalShare, regional_measure
from web import database
from web.usecases.curating import TEXT_FACET, rules_from, to_curation


@dataclass(frozen=True)
class BundleView:
    """What a bundle card and the editor show: films, gauges, and the rules it breaks."""

    bundle: Bundle
    films: list[Film]
    runtime: int
    window: tuple[int, int]
    regional: RegionalShare  # what the regional floor counts: `rules.regional_scope`
    floor: float
    violations: list[curation.Violation]
    rules: curation.SlotRules
    # A region-facet bundle from one Québec region ("Regards sur Montréal") is exempt.
    floor_exempt: bool = False

    @property
    def fill(self) -> float:
        return self.runtime / (self.rules.slot_seconds or 1)

    @property
    def regional_share(self) -> float:
        """The share of the runtime the floor counts (the floor is kept on this one)."""
        return self.regional.of_runtime

    @property
    def regional_film_share(self) -> float:
        """The share of the films the floor counts, shown beside the runtime's."""
        return self.regional.of_films

    def regional_scope(self, lang: str = "fr") -> str:
        """What both shares count, in words: "régions du Québec hors Montréal"."""
        return self.rules.regional_scope(lang)


def rules_for(bundle: Bundle) -> curation.SlotRules:
    proposal = bundle_edits.proposal_of(database.session(), bundle)
    settings = dict(proposal.rules) if proposal else {}
    settings["slot_minutes"] = bundle.slot_minutes
    return rules_from(settings)


def view_of(bundle: Bundle) -> BundleView:
    films = _ordered_films(bundle)
    rules = rules_for(bundle)
    chosen = [to_curation(f, text="") for f in films]
    runtime = sum(f.runtime_seconds or 0 for f in films)
    violations = curation.check_bundle(chosen, rules, bundle.facet) if films else []
    return BundleView(
        bundle,
        films,
        runtime,
        rules.window,
        regional_measure(chosen, rules),
        rules.regional_floor,
        violations,
        rules,
        bool(chosen) and rules.exempt_from_region_rules(chosen, bundle.facet),
    )


@dataclass(frozen=True)
class Regional:
    """What a bundle's regional floor counts, how much of the bundle it covers (by runtime and
    by films), and which films it counts: what the pitch page and the exports say."""

    rules: curation.SlotRules
    share: RegionalShare
    film_ids: frozenset[int]

    def scope(self, lang: str = "fr") -> str:
        return self.rules.regional_scope(lang)


def regional_of(bundle: Bundle, films: list[Film]) -> Regional:
    rules = rules_for(bundle)
    chosen = [to_curation(f, text="") for f in films]
    counted = frozenset(f.id for f in chosen if rules.is_regional(f))
    return Regional(rules, regional_measure(chosen, rules), counted)


def _ordered_films(bundle: Bundle) -> list[Film]:
    db = database.session()
    ids = [item.film_id for item in sorted(bundle.items, key=lambda i: i.position)]
    films = {f.id: f for f in queries.films_by_ids(db, ids)}
    return [films[i] for i in ids if i in films]


def replacements(view: BundleView, film: Film, limit: int = 3) -> list[Film]:
    """Films that could take this film's place: close to the bundle, free, and rule-abiding."""
    db = database.session()
    # The stored vectors of the configured model, found without loading the model itself.
    model_id = vectors.model_id_for(db, TEXT_FACET, current_app.config["EMBEDDING_MODEL"])
    if model_id is None:
        return []
    ids, matrix = vectors.load_matrix(db, TEXT_FACET, model_id)
    if not ids:
        return []
    row = {film_id: i for i, film_id in enumerate(ids)}
    members = [f.id for f in view.films if f.id in row]
    if not members:
        return []
    centre = matrix[[row[i] for i in members]].mean(axis=0)
    busy = bundle_edits.films_in_live_bundles(db) | {f.id for f in view.films}
    order = np.argsort(-(matrix @ centre))
    candidates = [ids[i] for i in order[:200] if ids[i] not in busy]
    others = [to_curation(f, text="") for f in view.films if f.id != film.id]
    found = []
    for candidate in queries.films_by_ids(db, candidates[:60]):
        if candidate.status != Status.accepted or candidate.runtime_seconds is None:
            continue
        trial = [*others, to_curation(candidate, text="")]
        if not curation.check_bundle(trial, view.rules, view.bundle.facet):
            found.append(candidate)
    found.sort(key=lambda f: candidates.index(f.id or 0))
    return found[:limit]
