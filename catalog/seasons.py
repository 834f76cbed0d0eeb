"""Seasons as stored: a series of episodes, each a bundle that the workbench edits as any other.

A season's history is its episodes' bundle histories read together (revision ids grow across
all bundles, so they order every edit of the season); going back to one of those revisions
gives every episode the state it had then, each as a bundle revert (a new revision).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from catalog import bundles as bundle_edits
from catalog.models import (
    Bundle,
    BundleItem,
    BundleRevision,
    BundleStatus,
    Season,
    SeasonAnswer,
    SeasonEpisode,
    ShareLink,
    utcnow,
)

FACET = "season"  # the facet of an episode's bundle


@dataclass(frozen=True)
class EpisodePlan:
    """One episode as the solver gives it: its name, why these films, the films in order."""

    label: str
    label_en: str
    film_ids: Sequence[int]
    explanation: str = ""
    explanation_en: str = ""


def create(
    session: Session,
    label: str,
    label_en: str,
    concept: str,
    slot_minutes: int,
    rules: dict[str, Any],
    measured: dict[str, Any],
    episodes: Sequence[EpisodePlan],
    created_by: int | None = None,
) -> Season:
    """Store a season and one bundle per episode (each with its first revision)."""
    season = Season(
        label=label,
        label_en=label_en,
        concept=concept,
        slot_minutes=slot_minutes,
        episodes=len(episodes),
        rules=rules,
        measured=measured,
        created_by=created_by,
    )
    session.add(season)
    session.flush()
    for position, plan in enumerate(episodes):
        bundle = Bundle(
            facet=FACET,
            slot_minutes=slot_minutes,
            label=plan.label,
            label_en=plan.label_en,
            explanation=plan.explanation,
            explanation_en=plan.explanation_en,
        )
        bundle.items = [
            BundleItem(film_id=film_id, position=i)  # type: ignore[call-arg]
            for i, film_id in enumerate(plan.film_ids)
        ]
        session.add(bundle)
        session.flush()
        assert bundle.id is not None and season.id is not None
        session.add(
            BundleRevision(
                bundle_id=bundle.id, snapshot=bundle_edits.snapshot(bundle), note="proposed"
            )
        )
        session.add(SeasonEpisode(season_id=season.id, bundle_id=bundle.id, position=position))
    session.flush()
    return season


def live_seasons(session: Session) -> Sequence[Season]:
    statement = select(Season).where(Season.status != "archived")
    return session.exec(statement.order_by(col(Season.updated_at).desc(), col(Season.id))).all()


def episodes(session: Session, season_id: int) -> list[Bundle]:
    """The season's episode bundles, in broadcast order."""
    statement = (
        select(Bundle)
        .join(SeasonEpisode, col(SeasonEpisode.bundle_id) == Bundle.id)
        .where(SeasonEpisode.season_id == season_id)
        .order_by(col(SeasonEpisode.position), col(SeasonEpisode.id))
    )
    return list(session.exec(statement).all())


def season_of(session: Session, bundle_id: int) -> Season | None:
    statement = (
        select(Season)
        .join(SeasonEpisode, col(SeasonEpisode.season_id) == Season.id)
        .where(SeasonEpisode.bundle_id == bundle_id)
    )
    return session.exec(statement).first()


def touch(session: Session, season: Season) -> None:
    season.updated_at = utcnow()
    session.add(season)


class NotAnEpisode(ValueError):
    """A bundle that is not one of this season's episodes."""


def claim_episodes(session: Session, season: Season, *bundle_ids: int) -> list[Bundle]:
    """The named episodes, each claimed (see `catalog.bundles.claim`), in id order so that two
    edits claiming the same pair wait for each other rather than deadlock."""
    assert season.id is not None
    mine = {b.id for b in episodes(session, season.id)}
    claimed = {}
    for bundle_id in sorted(set(bundle_ids)):
        if bundle_id not in mine:
            raise NotAnEpisode(f"bundle {bundle_id} is not an episode of season {season.id}")
        bundle = bundle_edits.claim(session, bundle_id)
        if bundle is None:
            raise NotAnEpisode(f"no bundle {bundle_id}")
        claimed[bundle_id] = bundle
    return [claimed[i] for i in bundle_ids]


def move_film(session: Session, season: Season, film_id: int, source: int, target: int) -> None:
    """Move a film from one episode to another: a removal from the first and an addition to
    the second, each in its bundle's history. Locked episodes refuse (BundleLocked)."""
    if source == target:
        raise ValueError("a film moves to another episode")
    from_bundle, to_bundle = claim_episodes(session, season, source, target)
    for bundle in (from_bundle, to_bundle):
        if bundle.status == BundleStatus.locked:
            raise bundle_edits.BundleLocked("a locked episode keeps its films")
    bundle_edits.edit(session, from_bundle, "remove", film_id=film_id)
    bundle_edits.edit(session, to_bundle, "add", film_id=film_id)
    touch(session, season)


def history(session: Session, season_id: int, limit: int | None = None) -> list[BundleRevision]:
    """Every revision of the season's episodes, newest first."""
    statement = (
        select(BundleRevision)
        .join(SeasonEpisode, col(SeasonEpisode.bundle_id) == BundleRevision.bundle_id)
        .where(SeasonEpisode.season_id == season_id)
        .order_by(col(BundleRevision.id).desc())
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(session.exec(statement).all())


def revert(session: Session, season: Season, revision_id: int) -> int:
    """Give every episode the films, pins, name and text it had at `revision_id` (one of the
    season's revisions); returns how many episodes changed. Each change is a bundle revert."""
    assert season.id is not None
    revision = session.get(BundleRevision, revision_id)
    bundles = episodes(session, season.id)
    if revision is None or revision.bundle_id not in {b.id for b in bundles}:
        raise bundle_edits.NotARevision(f"no revision {revision_id} of season {season.id}")
    changed = 0
    for bundle in claim_episodes(session, season, *[b.id for b in bundles if b.id is not None]):
        then = session.exec(
            select(BundleRevision)
            .where(BundleRevision.bundle_id == bundle.id, col(BundleRevision.id) <= revision_id)
            .order_by(col(BundleRevision.id).desc())
            .limit(1)
        ).first()
        if then is None:  # the episode's first state: the season was stored all at once
            then = session.exec(
                select(BundleRevision)
                .where(BundleRevision.bundle_id == bundle.id)
                .order_by(col(BundleRevision.id))
                .limit(1)
            ).first()
        if then is None or _same(then.snapshot, bundle_edits.snapshot(bundle)):
            continue
        if bundle.status == BundleStatus.locked:
            raise bundle_edits.BundleLocked("a locked episode keeps its films")
        bundle_edits.edit(session, bundle, "revert", revision_id=then.id)
        changed += 1
    touch(session, season)
    return changed


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("films", "pinned", "label", "label_en", "pitch_text")
    return all(a.get(k) == b.get(k) for k in keys)


def archive(session: Session, season: Season) -> None:
    season.status = "archived"
    touch(session, season)
    assert season.id is not None
    for bundle in episodes(session, season.id):
        bundle.status = BundleStatus.archived
        session.add(bundle)


# -- the pitch room ------------------------------------------------------------------------


def answer(
    session: Session,
    season_id: int,
    verdict: str,
    comment: str,
    share_id: int | None,
    user_id: int | None,
) -> SeasonAnswer:
    given = SeasonAnswer(
        season_id=season_id,
        verdict=verdict,
        comment=comment.strip(),
        share_id=share_id,
        user_id=user_id,
    )
    session.add(given)
    session.flush()
    return given


def latest_answer(
    session: Session, season_id: int, share_ids: Sequence[int], user_id: int | None
) -> SeasonAnswer | None:
    """The viewer's latest answer on the season: through any of their episode links, or as
    the broadcaster account when they have none."""
    statement = select(SeasonAnswer).where(SeasonAnswer.season_id == season_id)
    if share_ids:
        statement = statement.where(col(SeasonAnswer.share_id).in_(list(share_ids)))
    else:
        statement = statement.where(
            SeasonAnswer.user_id == user_id, col(SeasonAnswer.share_id).is_(None)
        )
    statement = statement.order_by(col(SeasonAnswer.id).desc()).limit(1)
    return session.exec(statement).first()


def answers(session: Session, season_id: int) -> list[tuple[SeasonAnswer, ShareLink | None]]:
    """Every answer on the season, newest first, with the link it came through."""
    rows = session.exec(
        select(SeasonAnswer, ShareLink)
        .join(ShareLink, col(ShareLink.id) == SeasonAnswer.share_id, isouter=True)
        .where(SeasonAnswer.season_id == season_id)
        .order_by(col(SeasonAnswer.id).desc())
    ).all()
    return [(a, s) for a, s in rows]
