"""What each recipient of a shared bundle did with it: when they opened it, what they played
and how much of it, when they were last seen, and what they answered.

Read for the curators' viewing report (its page and its CSV), in four queries whatever the
number of recipients and films: the bundle's links, the openings (grouped in the database),
the viewings the player reported (catalog/models.Viewing) and the answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from catalog.models import Answer, PitchEvent, ShareLink, Verdict, Viewing


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite (and PostgreSQL's plain timestamps) hand back naive datetimes; all are UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _latest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def _earliest(*moments: datetime | None) -> datetime | None:
    known = [m for m in moments if m is not None]
    return min(known) if known else None


@dataclass(frozen=True)
class FilmViewing:
    """One recipient and one film (film_id None: the bundle's sizzle reel)."""

    film_id: int | None
    plays: int = 0
    watched_seconds: float = 0.0
    # What the player said the preview lasts; None until it played.
    duration_seconds: float | None = None
    first_played_at: datetime | None = None
    last_seen_at: datetime | None = None
    answer: Answer | None = None

    @property
    def watched_share(self) -> float | None:
        """How much of the preview was watched, 0 to 1; None when its length is unknown."""
        if not self.duration_seconds:
            return None
        return min(1.0, self.watched_seconds / self.duration_seconds)

    @property
    def verdict(self) -> Verdict | None:
        return self.answer.verdict if self.answer else None

    @property
    def comment(self) -> str:
        return self.answer.comment if self.answer else ""


@dataclass(frozen=True)
class RecipientReport:
    """One recipient (one link) of the bundle."""

    share: ShareLink
    first_opened_at: datetime | None
    last_opened_at: datetime | None
    openings: int
    # Film id → what they did with it, for every film of the bundle (and the reel, if played).
    films: dict[int | None, FilmViewing]
    # Their latest answer on the bundle as a whole.
    bundle_answer: Answer | None
    # How many things they answered on (the bundle, its films, films since taken out of it).
    answered_on: int = 0

    @property
    def opened(self) -> bool:
        """Opened the page, or (had the opening gone unrecorded) played or answered there."""
        return self.first_opened_at is not None

    @property
    def answered(self) -> bool:
        return self.answered_on > 0

    @property
    def plays(self) -> int:
        return sum(v.plays for v in self.films.values())

    @property
    def last_seen_at(self) -> datetime | None:
        """The last time they opened the page, played something or answered."""
        moments: list[datetime | None] = [self.last_opened_at]
        for viewing in self.films.values():
            moments.append(viewing.last_seen_at)
            moments.append(_aware(viewing.answer.created_at) if viewing.answer else None)
        if self.bundle_answer is not None:
            moments.append(_aware(self.bundle_answer.created_at))
        return _latest(*moments)

    def film(self, film_id: int | None) -> FilmViewing:
        return self.films.get(film_id) or FilmViewing(film_id)


@dataclass(frozen=True)
class ViewingReport:
    bundle_id: int
    film_ids: list[int]
    recipients: list[RecipientReport] = field(default_factory=list)
    # Whether anyone played the sizzle reel (the page then shows its column).
    reel_played: bool = False

    @property
    def never_opened(self) -> list[RecipientReport]:
        return [r for r in self.recipients if not r.opened]

    @property
    def opened_unanswered(self) -> list[RecipientReport]:
        return [r for r in self.recipients if r.opened and not r.answered]

    def recipient(self, share_id: int) -> RecipientReport | None:
        return next((r for r in self.recipients if r.share.id == share_id), None)


@dataclass
class _Tally:
    """What is known of one recipient while the rows are read."""

    first_opened: datetime | None = None
    last_opened: datetime | None = None
    openings: int = 0
    plays_by_event: dict[int | None, int] = field(default_factory=dict)
    last_played_by_event: dict[int | None, datetime | None] = field(default_factory=dict)
    viewings: dict[int | None, Viewing] = field(default_factory=dict)
    answers: dict[int | None, Answer] = field(default_factory=dict)


def viewing_report(session: Session, bundle_id: int, film_ids: Iterable[int]) -> ViewingReport:
    """Every recipient of the bundle (oldest link first) and, per film of `film_ids` (the
    bundle's order), what they did with it.

    A broadcaster account that opens the bundle from its inbox has no link in its session:
    its openings and answers carry its user id, and count for its newest link to the bundle.
    Plays come from the player's reports (Viewing); a film played before those existed
    counts its "played" events instead.
    """
    films = list(film_ids)
    shares = session.exec(
        select(ShareLink)
        .where(ShareLink.bundle_id == bundle_id)
        .order_by(col(ShareLink.created_at), col(ShareLink.id))
    ).all()
    tallies: dict[int, _Tally] = {share.id or 0: _Tally() for share in shares}
    # A broadcaster account's own actions count for its newest link.
    by_account = {s.broadcaster_id: s.id or 0 for s in shares if s.broadcaster_id is not None}

    def tally_for(share_id: int | None, user_id: int | None) -> _Tally | None:
        if share_id is not None:
            return tallies.get(share_id)
        if user_id is not None and user_id in by_account:
            return tallies[by_account[user_id]]
        return None

    # Grouped in the database: a page opened a thousand times is one row here.
    keys = (
        col(PitchEvent.share_id),
        col(PitchEvent.user_id),
        col(PitchEvent.kind),
        col(PitchEvent.film_id),
    )
    events = session.execute(
        sa_select(
            *keys,
            func.count(),
            func.min(col(PitchEvent.created_at)),
            func.max(col(PitchEvent.created_at)),
        )
        .where(col(PitchEvent.bundle_id) == bundle_id)
        .group_by(*keys)
    ).all()
    for share_id, user_id, kind, film_id, count, first, last in events:
        tally = tally_for(share_id, user_id)
        if tally is None:
            continue  # a curator previewing, or an account no longer on any link
        if kind == "opened":
            tally.openings += count
            tally.first_opened = _earliest(tally.first_opened, _aware(first))
            tally.last_opened = _latest(tally.last_opened, _aware(last))
        elif kind in ("played_preview", "played_reel"):
            key = film_id if kind == "played_preview" else None
            tally.plays_by_event[key] = tally.plays_by_event.get(key, 0) + count
            tally.last_played_by_event[key] = _latest(
                tally.last_played_by_event.get(key), _aware(last)
            )

    for viewing in session.exec(select(Viewing).where(Viewing.bundle_id == bundle_id)).all():
        tally = tallies.get(viewing.share_id)
        if tally is not None:
            tally.viewings[viewing.film_id] = viewing

    answers = session.exec(
        select(Answer)
        .where(Answer.bundle_id == bundle_id)
        .order_by(col(Answer.created_at), col(Answer.id))
    ).all()
    for given in answers:
        tally = tally_for(given.share_id, given.user_id)
        if tally is not None:
            tally.answers[given.film_id] = given  # the latest wins

    recipients = [_recipient(share, tallies[share.id or 0], films) for share in shares]
    reel_played = any(r.film(None).plays for r in recipients)
    return ViewingReport(bundle_id, films, recipients, reel_played)


def _recipient(share: ShareLink, tally: _Tally, film_ids: list[int]) -> RecipientReport:
    films: dict[int | None, FilmViewing] = {}
    for film_id in [*film_ids, None]:
        viewing = tally.viewings.get(film_id)
        answer = tally.answers.get(film_id) if film_id is not None else None
        if viewing is not None:
            films[film_id] = FilmViewing(
                film_id,
                plays=viewing.plays,
                watched_seconds=viewing.watched_seconds,
                duration_seconds=viewing.duration_seconds,
                first_played_at=_aware(viewing.first_played_at),
                last_seen_at=_aware(viewing.last_seen_at),
                answer=answer,
            )
        else:
            films[film_id] = FilmViewing(
                film_id,
                plays=tally.plays_by_event.get(film_id, 0),
                last_seen_at=tally.last_played_by_event.get(film_id),
                answer=answer,
            )
    # Played or answered with no opening recorded (a session that already counted it):
    # it was opened all the same, at the latest by then.
    activity = [v.first_played_at or v.last_seen_at for v in films.values()]
    activity += [_aware(a.created_at) for a in tally.answers.values()]
    first_opened = tally.first_opened or _earliest(*activity)
    return RecipientReport(
        share=share,
        first_opened_at=first_opened,
        last_opened_at=tally.last_opened or first_opened,
        openings=tally.openings,
        films=films,
        bundle_answer=tally.answers.get(None),
        answered_on=len(tally.answers),
    )
