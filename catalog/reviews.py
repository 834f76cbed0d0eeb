"""Curators' judging of submissions: one score (1 to 5) and private notes per curator and
film, read back with the reviewers' names, and the inbox of films waiting for a decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from catalog.models import Film, Review, Status, User, utcnow
from catalog.queries import FilmPage, director_names

SCORES = range(1, 6)
MAX_NOTE = 4000


class ReviewRejected(ValueError):
    """A score or note that cannot be kept; `reason` names the problem for the interface:
    "score" (not a whole number from 1 to 5) or "note" (longer than MAX_NOTE)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def checked(score: object, note: str | None) -> tuple[int, str]:
    """The score as a number from 1 to 5 and the note without its outer blanks, or
    ReviewRejected. A score arrives as typed ("4", " 4 "): anything else is refused."""
    text = str(score).strip() if score is not None else ""
    if not text.isdigit() or int(text) not in SCORES:
        raise ReviewRejected("score", "score")
    kept = (note or "").replace("\r\n", "\n").strip()
    if len(kept) > MAX_NOTE:
        raise ReviewRejected("note", "note")
    return int(text), kept


def save_review(session: Session, film_id: int, user_id: int, score: int, note: str) -> None:
    """This curator's score and note on this film: added, or replacing theirs (one row each).

    One statement (insert or update), so two saves of the same curator at once still leave
    a single row.
    """
    now = utcnow()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Review).values(
        film_id=film_id, user_id=user_id, score=score, note=note, created_at=now, updated_at=now
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["film_id", "user_id"],
            set_={"score": score, "note": note, "updated_at": now},
        )
    )


@dataclass(frozen=True)
class ReviewLine:
    """One curator's judging as the panel shows it."""

    user_id: int
    reviewer: str
    score: int | None
    note: str
    updated_at: datetime


def reviews_of(session: Session, film_id: int) -> list[ReviewLine]:
    """Every curator's score and note on this film, oldest first, with the curator's name."""
    columns: tuple[Any, ...] = (
        Review.user_id,
        User.display_name,
        Review.score,
        Review.note,
        Review.updated_at,
    )
    statement = (
        select(*columns)
        .join(User, col(User.id) == col(Review.user_id))
        .where(Review.film_id == film_id)
        .order_by(col(Review.created_at), col(Review.id))
    )
    return [ReviewLine(*row) for row in session.connection().execute(statement)]


def waiting_count(session: Session) -> int:
    """How many submissions wait for a decision: one COUNT on the status index."""
    statement = select(func.count()).select_from(Film).where(Film.status == Status.submitted)
    return int(session.connection().execute(statement).scalar_one())


@dataclass(frozen=True)
class InboxLine:
    """A submission waiting for a decision, as the inbox lists it."""

    id: int
    display_title: str
    directors: tuple[str, ...]
    runtime_seconds: int | None
    region_code: str | None
    submitted_at: datetime
    average: float | None
    scores: int
    my_score: int | None


def inbox(session: Session, user_id: int, page: int = 1, per_page: int = 50) -> FilmPage[InboxLine]:
    """Submissions waiting for a decision, newest first, with their scores so far and this
    curator's own: three queries (count, rows with their scores, directors)."""
    total = waiting_count(session)
    page = min(max(1, page), max(1, -(-total // per_page)))
    tally = (
        select(
            col(Review.film_id).label("film_id"),
            func.avg(Review.score).label("average"),
            func.count(col(Review.score)).label("scores"),
            func.max(case((col(Review.user_id) == user_id, col(Review.score)))).label("mine"),
        )
        .group_by(col(Review.film_id))
        .subquery()
    )
    columns: tuple[Any, ...] = (
        Film.id,
        Film.original_title,
        Film.title_fr,
        Film.runtime_seconds,
        Film.region_code,
        Film.created_at,
        tally.c.average,
        tally.c.scores,
        tally.c.mine,
    )
    statement = (
        select(*columns)
        .outerjoin(tally, tally.c.film_id == col(Film.id))
        .where(Film.status == Status.submitted)
        .order_by(col(Film.created_at).desc(), col(Film.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    connection = session.connection()
    rows = connection.execute(statement).all()
    directors = director_names(session, [row.id for row in rows])
    lines = [
        InboxLine(
            row.id,
            row.title_fr or row.original_title,
            tuple(directors[row.id]),
            row.runtime_seconds,
            row.region_code,
            row.created_at,
            float(row.average) if row.average is not None else None,
            int(row.scores or 0),
            row.mine,
        )
        for row in rows
    ]
    return FilmPage(lines, total, page, per_page)
