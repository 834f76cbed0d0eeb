"""A bundle as the workbench, the API and the exports see it: its films in order, its gauges,
the rules it breaks, and the films that could replace one of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from flask import current_app

import curation
from catalog import bundles as bundle_edits
from catalog import queries, vectors
from catalog.models import Bundle, BundleRevision, Film, Proposal, Status
from curation.bundles import COUNT_LIMIT
from curation.rules import (
    AUDIENCE,
    DIRECTOR,
    FILM_COUNT,
    LANGUAGE,
    MIN_REGIONS,
    NO_RUNTIME,
    REGIONAL_FLOOR,
    RUNTIME_WINDOW,
    TOO_LONG,
    RegionalShare,
    film_reason,
    regional_measure,
)
from web import database
from web.usecases.curating import TEXT_FACET, rules_from, to_curation_all


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
    # Seconds the films take out of the slot (runtimes plus interstitials): what the window
    # is kept on.
    used: int = 0
    # Each film's languages as the language rule reads them: spoken (original and dubbed),
    # then subtitled (declared or attached), by film id.
    languages: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def runtime_state(self) -> str:
        """ "over" the window's top, "under" its bottom, or "ok"."""
        low, high = self.window
        return "over" if self.used > high else "under" if self.used < low else "ok"

    @property
    def runtime_gap(self) -> int:
        """Seconds beyond the window's top (over) or short of its bottom (under); 0 within."""
        low, high = self.window
        return max(self.used - high, low - self.used, 0)

    @property
    def under_floor(self) -> bool:
        return any(v.rule == REGIONAL_FLOOR for v in self.violations)

    @property
    def at_fault(self) -> frozenset[int]:
        """The films a warning names as the cause: those of rules that single films out (not
        the window, the film count, the common language or the regions, which concern them
        all), and the longest film when the bundle runs over its window."""
        shared = {RUNTIME_WINDOW, FILM_COUNT, LANGUAGE, MIN_REGIONS}
        ids = {i for p in self.problems if p.rule not in shared for i in p.at_fault}
        timed = [f for f in self.films if f.runtime_seconds]
        if self.runtime_state == "over" and timed:
            ids.add(max(timed, key=lambda f: f.runtime_seconds or 0).id or 0)
        return frozenset(ids)

    @property
    def problems(self) -> list[Problem]:
        """The rules broken, each once, with the films at fault (see `problems_of`)."""
        return problems_of(self.violations)

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
    chosen = to_curation_all(database.session(), films, text="")
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
        sum(rules.footprint(f) or 0 for f in chosen),
        {f.id: (*f.languages, *f.subtitle_languages) for f in chosen},
    )


@dataclass(frozen=True)
class Problem:
    """One broken rule as the workbench warns of it: its code and the films at fault.

    The core names a rule once per pair of films (audiences) or per director; a curator
    reads one warning per rule, naming each film once (a director's clash stays one per
    director, since each names different films). `pairs`: the clashing pairs of an audience
    problem; `culprit`: the film in every one of them, when there is one (a children's film
    among adults' clashes with each, while the others go together)."""

    rule: str
    film_ids: tuple[int, ...]
    pairs: tuple[tuple[int, ...], ...] = ()

    @property
    def culprit(self) -> int | None:
        if len(self.pairs) < 2:  # two films that clash: neither more than the other
            return None
        common = set.intersection(*(set(p) for p in self.pairs))
        return next(iter(common)) if len(common) == 1 else None

    @property
    def at_fault(self) -> tuple[int, ...]:
        culprit = self.culprit
        return (culprit,) if culprit is not None else self.film_ids


def problems_of(violations: Sequence[curation.Violation]) -> list[Problem]:
    merged: dict[tuple[str, tuple[int, ...]], list[int]] = {}
    pairs: dict[tuple[str, tuple[int, ...]], list[tuple[int, ...]]] = {}
    for v in violations:
        key = (v.rule, tuple(sorted(v.film_ids)) if v.rule == DIRECTOR else ())
        ids = merged.setdefault(key, [])
        ids += [i for i in v.film_ids if i not in ids]
        if v.rule == AUDIENCE:
            pairs.setdefault(key, []).append(tuple(v.film_ids))
    return [
        Problem(rule, tuple(ids), tuple(pairs.get((rule, k), ())))
        for (rule, k), ids in merged.items()
    ]


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
    chosen = to_curation_all(database.session(), films, text="")
    counted = frozenset(f.id for f in chosen if rules.is_regional(f))
    return Regional(rules, regional_measure(chosen, rules), counted)


def _ordered_films(bundle: Bundle) -> list[Film]:
    db = database.session()
    ids = [item.film_id for item in sorted(bundle.items, key=lambda i: i.position)]
    films = {f.id: f for f in queries.films_by_ids(db, ids)}
    return [films[i] for i in ids if i in films]


# -- replacements ----------------------------------------------------------------------------

# Why a free film cannot take a film's place, beside the rule codes of `check_bundle`.
TOO_SHORT = "too_short"  # the bundle would fall short of the window's bottom with it
TOO_LONG_HERE = "too_long"  # the bundle would run past the window's top with it


@dataclass(frozen=True)
class Replacement:
    film: Film
    closeness: float | None  # cosine to the centre of the bundle's other films


@dataclass(frozen=True)
class Replacements:
    """The free films that could take `target`'s place, best first, and why the rest cannot.

    `searched`: every accepted film in no live bundle; `fitting`: how many of them keep every
    rule in its place; `refused`: reason → films it kept out (each film counted under its
    first reason: no runtime, too short or too long for the window, then the first rule
    broken); `needed`: the runtime range (seconds) a replacement must have; `near`: when
    none fits, the closest films of the right runtime that break one rule only, with it (a
    curator may take one and lift the rule)."""

    target: Film
    found: list[Replacement]
    searched: int
    fitting: int
    needed: tuple[int, int]
    refused: dict[str, int]
    near: list[tuple[Replacement, str]] = field(default_factory=list)

    @property
    def reasons(self) -> list[tuple[str, int]]:
        return sorted(self.refused.items(), key=lambda kv: (-kv[1], kv[0]))


def replacements(view: BundleView, film: Film, limit: int = 5) -> Replacements:
    """Search every free accepted film for one that could take this film's place.

    A film fits when the bundle keeps every rule with it instead of `film`. Those that fit
    come closest first (cosine between its stored text vector and the centre of the bundle's
    other films, under the configured model), then the one filling the window best; films
    with no vector yet come after those that have one. The database keeps only the films of
    the runtime the window leaves (and counts the others), so a catalog of thousands costs
    one `check_bundle` per film of the right length.
    """
    db = database.session()
    rules = view.rules
    others = to_curation_all(db, [f for f in view.films if f.id != film.id], text="")
    low, high = rules.window
    taken = sum(rules.footprint(f) or 0 for f in others) + rules.interstitial_seconds
    needed = (max(low - taken, 1), high - taken)
    busy = bundle_edits.films_in_live_bundles(db) | {f.id for f in view.films if f.id}
    timed, refused = bundle_edits.free_films_timed(db, needed[0], max(needed[1], 0), busy)
    fits: list[Film] = []
    almost: dict[int, str] = {}  # film id → the one rule it breaks
    for candidate, core_film in zip(timed, to_curation_all(db, timed, text=""), strict=True):
        broken = curation.check_bundle([*others, core_film], rules, view.bundle.facet)
        if broken:
            refused[broken[0].rule] = refused.get(broken[0].rule, 0) + 1
            if len({v.rule for v in broken}) == 1:
                almost[candidate.id or 0] = broken[0].rule
        else:
            fits.append(candidate)
    near_films = [] if fits else [f for f in timed if f.id in almost]
    closeness = _closeness(view, film, [f.id for f in (*fits, *near_films) if f.id is not None])

    def best_first(films: list[Film]) -> list[Replacement]:
        films = sorted(
            films,
            key=lambda f: (
                closeness.get(f.id or 0) is None,
                -(closeness.get(f.id or 0) or 0.0),
                needed[1] - (f.runtime_seconds or 0),
                f.id,
            ),
        )
        return [Replacement(f, closeness.get(f.id or 0)) for f in films[:limit]]

    near = [(r, almost[r.film.id or 0]) for r in best_first(near_films)[:3]]
    searched = sum(refused.values()) + len(fits)
    return Replacements(film, best_first(fits), searched, len(fits), needed, refused, near)


def _closeness(view: BundleView, film: Film, candidates: list[int]) -> dict[int, float]:
    """Candidate id → cosine to the centre of the bundle's other films (or of the film to
    replace, when it is alone), for the candidates with a stored vector."""
    if not candidates:
        return {}
    db = database.session()
    # The stored vectors of the configured model, found without loading the model itself.
    model_id = vectors.model_id_for(db, TEXT_FACET, current_app.config["EMBEDDING_MODEL"])
    if model_id is None:
        return {}
    anchors = [f.id for f in view.films if f.id != film.id] or [film.id]
    ids, matrix = vectors.load_matrix(
        db, TEXT_FACET, model_id, [*[i for i in anchors if i is not None], *candidates]
    )
    row = {film_id: i for i, film_id in enumerate(ids)}
    rows = [row[i] for i in anchors if i in row]
    if not rows:
        return {}
    centre = matrix[rows].mean(axis=0)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    scores = matrix @ centre
    return {i: float(scores[row[i]]) for i in candidates if i in row}


# -- history ---------------------------------------------------------------------------------

HISTORY_SHOWN = 15  # revisions the editor lists; the full history is a page of its own


@dataclass(frozen=True)
class HistoryEntry:
    """A revision as the history says it: the edit, the films it touched, the result.

    `action`: the edit ("add", "remove", "up", "down", "swap", "pin", "unpin", "order",
    "rename", "pitch", "lock", "unlock", "revert", "archive", "proposed"); `titles`: the films
    it names, by title, in the note's order; `label`: the bundle's name after a rename;
    `reverted_to`: when the revision restored came from; `films`: how many the bundle held."""

    revision: BundleRevision
    action: str
    titles: tuple[str, ...]
    label: str
    films: int
    reverted_to: datetime | None = None


@dataclass(frozen=True)
class History:
    entries: list[HistoryEntry]
    total: int


def history_of(bundle: Bundle, limit: int | None = HISTORY_SHOWN) -> History:
    """The bundle's newest revisions in words (all of them when `limit` is None).

    Older notes say only the edit ("remove"); the films it touched are then found by
    comparing the revision's snapshot with the one before it, which is why one revision
    more than shown is read."""
    db = database.session()
    assert bundle.id is not None
    revisions = list(bundle_edits.history(db, bundle.id, None if limit is None else limit + 1))
    total = (
        len(revisions)
        if limit is None or len(revisions) <= limit
        else bundle_edits.history_size(db, bundle.id)
    )
    parsed = []
    wanted: set[int] = set()
    restored: dict[int, int] = {}
    for i, revision in enumerate(revisions[:limit] if limit is not None else revisions):
        before = revisions[i + 1].snapshot if i + 1 < len(revisions) else {}
        action, ids = _what_changed(revision.note, before, revision.snapshot)
        if action == "revert" and ids:
            restored[revision.id or 0] = ids[0]
            ids = []
        parsed.append((revision, action, ids))
        wanted.update(ids)
    titles = {f.id: f.display_title for f in queries.films_by_ids(db, sorted(wanted))}
    dates = {
        r.id: r.created_at
        for r in (bundle_edits.revision(db, bundle.id, i) for i in set(restored.values()))
        if r is not None
    }
    entries = [
        HistoryEntry(
            revision,
            action,
            tuple(titles.get(i, "?") for i in ids),
            str(revision.snapshot.get("label", "")),
            len(revision.snapshot.get("films", [])),
            dates.get(restored.get(revision.id or 0, -1)),
        )
        for revision, action, ids in parsed
    ]
    return History(entries, total)


def _what_changed(
    note: str, before: dict[str, Any], after: dict[str, Any]
) -> tuple[str, list[int]]:
    """The edit a revision's note names and the film ids it touched (see `catalog.bundles`)."""
    words = note.split()
    action = words[0] if words else ""
    ids = [int(w) for w in words[1:] if w.isdigit()]
    old, new = list(before.get("films", [])), list(after.get("films", []))
    if action in ("add", "remove", "up", "down", "pin", "swap") and not ids and before:
        if action == "add":
            ids = [i for i in new if i not in old]
        elif action == "remove":
            ids = [i for i in old if i not in new]
        elif action == "swap":
            ids = [i for i in old if i not in new] + [i for i in new if i not in old]
        elif action == "pin":
            was, now = set(before.get("pinned", [])), set(after.get("pinned", []))
            ids = sorted(was ^ now)
        else:  # the film whose place went up (or down)
            sign = -1 if action == "up" else 1
            ids = [i for i in new if i in old and (new.index(i) - old.index(i)) * sign > 0][:1]
    if action == "pin" and ids and ids[0] not in after.get("pinned", []):
        action = "unpin"
    return action, ids


# -- films a proposal could not place --------------------------------------------------------

# Reasons the panel groups by, beside the core's (`curation.bundles`): films whose runtime
# or synopsis has been filled in since, and films the core diagnosed by their companions
# while they have no synopsis (their place by meaning is a guess from their title).
FIXED_SINCE = "fixed_since"
NO_SYNOPSIS = "no_synopsis"
# Groups first in this order (what a curator can fix on the record), then by size.
REASON_ORDER = (NO_RUNTIME, NO_SYNOPSIS, TOO_LONG, FIXED_SINCE)
# Reasons that come from the film alone: no synopsis does not change them.
_OWN_REASONS = frozenset({NO_RUNTIME, TOO_LONG, COUNT_LIMIT})


@dataclass(frozen=True)
class UnplacedFilm:
    film: Film
    reason: str  # the core's reason code for this film
    message_fr: str
    message_en: str


@dataclass(frozen=True)
class UnplacedGroup:
    reason: str
    films: list[UnplacedFilm]  # this page of them
    total: int


@dataclass(frozen=True)
class UnplacedPanel:
    """A proposal's unplaced films still free and accepted, grouped by what keeps them out."""

    proposal: Proposal
    groups: list[UnplacedGroup]
    total: int


def unplaced_panel(
    proposal_id: int | None = None,
    reason: str | None = None,
    page: int = 1,
    per_group: int = 8,
) -> UnplacedPanel | None:
    """The unplaced films of a proposal (the newest when None), `per_group` a group (page
    `page` of the `reason` group when one is named, and that group alone).

    Films placed by hand since, or no longer accepted, are left out; a film whose runtime or
    synopsis was completed since the proposal is grouped apart, as "fixed since"."""
    db = database.session()
    proposal = (
        db.get(Proposal, proposal_id)
        if proposal_id is not None
        else bundle_edits.latest_proposal(db)
    )
    if proposal is None:
        return None
    rules = rules_from({**proposal.rules, "slot_minutes": proposal.slot_minutes})
    entries = [u for u in proposal.unplaced if isinstance(u, dict) and "film_id" in u]
    busy = bundle_edits.films_in_live_bundles(db)
    films = {
        f.id: f
        for f in queries.films_by_ids(db, [int(u["film_id"]) for u in entries])
        if f.status == Status.accepted and f.id not in busy
    }
    groups: dict[str, list[UnplacedFilm]] = {}
    for u in entries:
        film = films.get(int(u["film_id"]))
        if film is None:
            continue
        core = str(u.get("reason", ""))
        item = UnplacedFilm(film, core, str(u.get("message_fr", "")), str(u.get("message_en", "")))
        groups.setdefault(_panel_reason(film, core, rules), []).append(item)
    order = sorted(
        groups,
        key=lambda r: (
            REASON_ORDER.index(r) if r in REASON_ORDER else len(REASON_ORDER),
            -len(groups[r]),
            r,
        ),
    )
    if reason is not None:
        order = [r for r in order if r == reason]
    start = (max(page, 1) - 1) * per_group
    shown = [UnplacedGroup(r, groups[r][start : start + per_group], len(groups[r])) for r in order]
    return UnplacedPanel(proposal, shown, sum(len(g) for g in groups.values()))


def _panel_reason(film: Film, core: str, rules: curation.SlotRules) -> str:
    now = film_reason(to_curation_all(database.session(), [film], text="")[0], rules)
    if core in (NO_RUNTIME, TOO_LONG):
        return now or FIXED_SINCE
    told = (film.synopsis_fr, film.synopsis_en, film.synopsis_long_fr, film.synopsis_long_en)
    if core not in _OWN_REASONS and not any(told):
        return NO_SYNOPSIS
    return core
