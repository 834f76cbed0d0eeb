"""Judging submissions, as FilmFreeway's juries do: each curator scores a film from 1 to 5 and
keeps private notes, sees the other curators' scores and their average, and finds new
submissions in an inbox. Filmmakers and broadcasters never reach any of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from catalog import reviews
from catalog.queries import FilmPage
from catalog.reviews import MAX_NOTE, InboxLine, ReviewLine, ReviewRejected

__all__ = ["InboxLine", "Panel", "ReviewRejected", "inbox", "judge", "panel", "waiting"]


@dataclass(frozen=True)
class Panel:
    """A film's judging as one curator sees it: everyone's scores and notes, and their own."""

    film_id: int
    reviews: list[ReviewLine]
    user_id: int

    max_note: int = MAX_NOTE

    @property
    def mine(self) -> ReviewLine | None:
        return next((r for r in self.reviews if r.user_id == self.user_id), None)

    @property
    def scores(self) -> list[int]:
        return [r.score for r in self.reviews if r.score is not None]

    @property
    def average(self) -> float | None:
        scores = self.scores
        return sum(scores) / len(scores) if scores else None


def panel(session: Session, film_id: int, user_id: int) -> Panel:
    return Panel(film_id, reviews.reviews_of(session, film_id), user_id)


def judge(session: Session, film_id: int, user_id: int, score: object, note: str | None) -> Panel:
    """Keep this curator's score and note (replacing their previous ones) and commit; the
    panel as it now stands. ReviewRejected, and nothing kept, for a score outside 1–5 or a
    note over reviews.MAX_NOTE characters."""
    value, text = reviews.checked(score, note)
    reviews.save_review(session, film_id, user_id, value, text)
    session.commit()
    return panel(session, film_id, user_id)


def inbox(session: Session, user_id: int, page: int = 1) -> FilmPage[InboxLine]:
    return reviews.inbox(session, user_id, page)


def waiting(session: Session) -> int:
    """Submissions waiting for a decision (the navigation's badge)."""
    return reviews.waiting_count(session)
