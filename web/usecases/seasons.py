"""Seasons as the workbench, the pitch room and the exports see them: each episode's films and
gauges (a `BundleView`), the season rules' measured values, and the history of its edits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

import curation
from catalog import bundles as bundle_edits
from catalog import seasons as stored
from catalog import sharing
from catalog.models import Answer, Bundle, Film, Season, SeasonAnswer, ShareLink
from curation import season
from curation.films import region_name
from curation.season import Concept, SeasonRules
from curation.vocabulary import audience_name, genre_name
from web import database, jobs
from web.usecases import recipients, season_planning
from web.usecases.bundles import BundleView, HistoryEntry, view_of
from web.usecases.bundles import history_of as bundle_history
from web.usecases.curating import (
    configured_embedder,
    embed_catalog,
    rules_from,
    to_curation_all,
)

# -- the season rules, as stored and measured ---------------------------------------------

SLOTS = (22, 44, 52, 90)


def season_rules(settings: dict[str, Any]) -> SeasonRules:
    """SeasonRules from a season's stored settings (the new-season form's fields): slot_minutes,
    episodes, concept (text: "region:11", "form:animation", a theme…), min_regions,
    max_region_share, montreal_max_share (shares within 0..1), one_age_band (each episode's
    films within one age band). Raises ValueError."""
    episode: dict[str, Any] = {"slot_minutes": int(settings.get("slot_minutes") or 22)}
    if settings.get("one_age_band"):
        episode["one_age_band"] = True
    return SeasonRules(
        episode=rules_from(episode),
        episodes=int(settings.get("episodes") or 6),
        concept=Concept.parse(str(settings.get("concept") or "")),
        min_regions=int(settings.get("min_regions") or 1),
        max_region_share=float(settings.get("max_region_share", 1.0)),
        montreal_max_share=float(settings.get("montreal_max_share", 1.0)),
    )


@dataclass(frozen=True)
class Measure:
    """One season rule: what the episodes give (`value`), what it asks (`limit`), kept or not.

    `code`: "regions" (distinct Québec regions, at least `limit`), "region_share" (the largest
    share of the runtime of one Québec region other than Montréal, at most), "montreal_share"
    (at most), "directors" (directors with two films: none), "audience" (audiences: one),
    "language" (a language every episode is shown in), "episode_rules" (episodes breaking one
    of their own rules: none). `detail`: what is at fault (directors' names, episode numbers,
    a region's name, a language code)."""

    code: str
    value: float
    limit: float
    kept: bool
    detail: tuple[str, ...] = ()


# Which rule codes of curation.season break which measure.
_BROKEN_BY = {
    "regions": {season.SEASON_MIN_REGIONS},
    "region_share": {season.MAX_REGION_SHARE},
    "montreal_share": {season.MONTREAL_SHARE},
    "directors": {season.SEASON_DIRECTOR},
    "audience": {season.SEASON_AUDIENCE},
    "language": {season.SEASON_LANGUAGE},
}


def measure(episodes: Sequence[Sequence[Film]], rules: SeasonRules) -> list[Measure]:
    """The season rules measured on these episodes' films, by the core's `check_season`."""
    flat = to_curation_all(database.session(), [f for e in episodes for f in e], text="")
    chosen, start = [], 0
    for e in episodes:
        chosen.append(flat[start : start + len(e)])
        start += len(e)
    m = season.measure_season(chosen, rules)
    broken = season.check_season(chosen, rules)
    codes = {v.rule for v in broken if v.episode is None}
    montreal = rules.metropolis
    others = {c: s for c, s in m.region_shares.items() if c != montreal}
    top = max(others.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
    at_fault = tuple(sorted({str(v.episode) for v in broken if v.episode is not None}, key=int))

    def kept(code: str) -> bool:
        return not (codes & _BROKEN_BY[code])

    return [
        Measure("regions", len(m.regions), rules.min_regions, kept("regions")),
        Measure(
            "region_share",
            top[1],
            rules.max_region_share,
            kept("region_share"),
            (region_name(top[0]),) if top[0] else (),
        ),
        Measure(
            "montreal_share", m.montreal_share, rules.montreal_max_share, kept("montreal_share")
        ),
        Measure("directors", len(m.repeated_directors), 0, kept("directors"), m.repeated_directors),
        Measure("audience", len(m.audiences), 1, kept("audience"), m.audiences),
        Measure("language", 1 if m.language else 0, 1, kept("language"), (m.language or "",)),
        Measure("episode_rules", len(at_fault), 0, not at_fault, at_fault),
    ]


# -- a season as the workbench shows it ----------------------------------------------------


@dataclass(frozen=True)
class SeasonView:
    season: Season
    episodes: list[BundleView]
    measures: list[Measure]

    @property
    def kept(self) -> bool:
        return all(m.kept for m in self.measures)

    @property
    def runtime(self) -> int:
        return sum(e.runtime for e in self.episodes)


def view_of_season(season: Season) -> SeasonView:
    db = database.session()
    assert season.id is not None
    views = [view_of(b) for b in stored.episodes(db, season.id)]
    return SeasonView(season, views, measure([v.films for v in views], season_rules(season.rules)))


def region_seconds(films: Sequence[Film]) -> list[tuple[str | None, int]]:
    """(region code, seconds) for the films' regions, the longest first."""
    seconds: dict[str | None, int] = {}
    for film in films:
        seconds[film.region_code] = seconds.get(film.region_code, 0) + (film.runtime_seconds or 0)
    return sorted(seconds.items(), key=lambda kv: (-kv[1], kv[0] or ""))


# -- history -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeasonEdit:
    """One edit of one episode (1-based), as its bundle's history says it."""

    episode: int
    entry: HistoryEntry


def history_of(season: Season, limit: int = 20) -> list[SeasonEdit]:
    """The season's newest edits, every episode's together, newest first."""
    db = database.session()
    assert season.id is not None
    edits = [
        SeasonEdit(number, entry)
        for number, bundle in enumerate(stored.episodes(db, season.id), start=1)
        for entry in bundle_history(bundle, limit).entries
    ]
    return sorted(edits, key=lambda e: -(e.entry.revision.id or 0))[:limit]


# -- edits ---------------------------------------------------------------------------------


def edit_episode(db: Session, season: Season, bundle_id: int, action: str, **args: Any) -> None:
    """One bundle edit (see `catalog.bundles.edit`) of one of the season's episodes."""
    (bundle,) = stored.claim_episodes(db, season, bundle_id)
    bundle_edits.edit(db, bundle, action, **args)
    stored.touch(db, season)


# -- the XMLTV guide -----------------------------------------------------------------------

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
GUIDE_ZONE = ZoneInfo("America/Montreal")


@dataclass(frozen=True)
class Airing:
    episode: int  # 1-based
    bundle: Bundle
    films: list[Film]
    start: datetime
    stop: datetime


def schedule(season: Season, first_day: date, at: time, weekday: int | None = None) -> list[Airing]:
    """One episode a week at `at` (Montréal time), from the first `weekday` (0 = Monday; None:
    `first_day`'s own) on or after `first_day`; each takes its slot."""
    db = database.session()
    assert season.id is not None
    if weekday is not None:
        first_day += timedelta(days=(weekday - first_day.weekday()) % 7)
    airings = []
    for i, bundle in enumerate(stored.episodes(db, season.id)):
        start = datetime.combine(first_day + timedelta(weeks=i), at, tzinfo=GUIDE_ZONE)
        films = [f for f in view_of(bundle).films]
        airings.append(
            Airing(i + 1, bundle, films, start, start + timedelta(minutes=bundle.slot_minutes))
        )
    return airings


# -- asking for a season -------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A season stored (`season_id`), or why none exists (`blocked`, French and English)."""

    season_id: int | None
    blocked_fr: tuple[str, ...] = ()
    blocked_en: tuple[str, ...] = ()
    method: str = ""
    seconds: float = 0.0


def concept_words(concept: Concept, lang: str = "fr") -> str:
    """The concept as a curator reads it: the theme's words, a region's or a form's name."""
    if concept.kind == "region":
        return region_name(concept.value)
    if concept.kind == "form":
        return genre_name(concept.value, lang) or concept.value
    if concept.kind == "audience":
        return audience_name(concept.value, lang) or concept.value
    return concept.label or concept.value


def season_label(rules: SeasonRules, lang: str = "fr") -> str:
    concept = concept_words(rules.concept, lang)
    n, slot = rules.episodes, rules.episode.slot_minutes
    if lang == "en":
        return f"Season {n} × {slot} min" + (f": {concept}" if concept else "")
    return f"Saison {n} × {slot} min" + (f" : {concept}" if concept else "")


def plan(
    engine: Engine,
    embedder: curation.Embedder,
    settings: dict[str, Any],
    created_by: int | None = None,
) -> Planned:
    """Solve a season under `settings` (see `season_rules`) from the accepted films
    (`season_planning.plan_season`), and store it; or say which season rule blocks."""
    planned = season_planning.plan_season(engine, embedder, season_rules(settings))
    solved = planned.season
    if not solved.episodes:
        return Planned(
            None,
            tuple(b.message_fr for b in solved.blocked),
            tuple(b.message_en for b in solved.blocked),
            solved.method,
            planned.seconds,
        )
    season_id = save(engine, solved, settings, created_by, planned.seconds)
    return Planned(season_id, method=solved.method, seconds=planned.seconds)


def save(
    engine: Engine,
    solved: season.Season,
    settings: dict[str, Any],
    created_by: int | None = None,
    seconds: float = 0.0,
) -> int:
    """Store a solved season: the season (its settings and measured values) and one bundle
    per episode, in the solver's running order. Returns the season's id."""
    rules = solved.rules
    measured = _plain(solved.measures)
    measured.update(method=solved.method, objective=solved.objective, seconds=seconds)
    measured["order_notes"] = list(solved.order_notes)
    with Session(engine) as db:
        row = stored.create(
            db,
            season_label(rules),
            season_label(rules, "en"),
            concept_words(rules.concept),
            rules.episode.slot_minutes,
            settings,
            measured,
            [
                stored.EpisodePlan(
                    e.label, e.label_en, e.film_ids, e.explanation_fr, e.explanation_en
                )
                for e in solved.episodes
            ],
            created_by,
        )
        db.commit()
        assert row.id is not None
        return row.id


def _plain(measures: season.SeasonMeasures | None) -> dict[str, Any]:
    if measures is None:
        return {}
    data = asdict(measures)
    data["region_shares"] = dict(measures.region_shares)
    data["form_episodes"] = dict(measures.form_episodes)
    return data


@jobs.handler("season")
def season_job(context: jobs.JobContext) -> dict[str, Any]:
    embedder = configured_embedder(
        {**context.app.config, "EMBEDDING_MODEL": context.params["model"]}
    )
    embed_catalog(context.engine, embedder)
    planned = plan(
        context.engine, embedder, context.params["settings"], context.params.get("user_id")
    )
    return {
        "season_id": planned.season_id,
        "blocked_fr": list(planned.blocked_fr),
        "blocked_en": list(planned.blocked_en),
        "method": planned.method,
        "seconds": round(planned.seconds, 3),
    }


# -- sharing a whole season ----------------------------------------------------------------


@dataclass(frozen=True)
class SeasonRecipient:
    """One person a season is shared with: their link to each episode (share ids, in the
    season's order; None where an episode is not shared with them)."""

    name: str
    email: str
    organisation: str
    language: str
    share_ids: tuple[int | None, ...]

    @property
    def live_ids(self) -> list[int]:
        return [i for i in self.share_ids if i is not None]


def share_season(
    db: Session,
    season: Season,
    people: Sequence[sharing.Recipient],
    days: int,
    created_by: int | None,
    language: str = "fr",
) -> list[SeasonRecipient]:
    """Share every episode with each person (one link per person and episode, all with the
    same window), and return each person's links in episode order. The caller commits."""
    assert season.id is not None
    bundles = stored.episodes(db, season.id)
    made: list[list[ShareLink]] = [
        recipients.share_with_people(db, b.id or 0, people, days, created_by, language)
        for b in bundles
    ]
    return [
        SeasonRecipient(
            person.name,
            person.email,
            person.organisation,
            language,
            tuple(links[i].id for links in made),
        )
        for i, person in enumerate(people)
    ]


def season_recipients(db: Session, season: Season) -> list[SeasonRecipient]:
    """Everyone an episode of the season is shared with by a link still open, each with their
    newest link to each episode."""
    assert season.id is not None
    bundles = stored.episodes(db, season.id)
    people: dict[tuple[str, str], dict[int, ShareLink]] = {}
    for position, bundle in enumerate(bundles):
        for share in sharing.open_shares(db, bundle.id or 0):
            key = (share.recipient_name, share.recipient_email.casefold())
            people.setdefault(key, {})[position] = share
    return [
        SeasonRecipient(
            name,
            next(iter(links.values())).recipient_email,
            next(iter(links.values())).recipient_organisation,
            next(iter(links.values())).recipient_language,
            tuple(links[p].id if p in links else None for p in range(len(bundles))),
        )
        for (name, _email), links in people.items()
    ]


@dataclass(frozen=True)
class SeasonAnswers:
    """What broadcasters answered: on the whole season, and per episode (bundle id → answers
    on the episode itself, film answers aside)."""

    season: list[tuple[SeasonAnswer, ShareLink | None]]
    episodes: dict[int, list[Answer]]


def answers_of(db: Session, season: Season) -> SeasonAnswers:
    assert season.id is not None
    per_episode = {
        b.id or 0: [a for a, _s, _u in sharing.activity(db, b.id or 0).answers if a.film_id is None]
        for b in stored.episodes(db, season.id)
    }
    return SeasonAnswers(stored.answers(db, season.id), per_episode)
