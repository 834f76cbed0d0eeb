"""A filmmaker's voluntary self-identification for a film: kept only with consent, in its own
table (models.SelfIdentification), deleted when consent is withdrawn.

Nothing here is read with a film's record: the filmmaker's own form asks for it
(`answers_of`), and catalog/indicators.py counts it with small counts suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from catalog.models import SelfIdentification, utcnow

__all__ = ["GENDERS", "Answers", "answers_of", "has_answers", "save", "withdraw"]

# The director's gender as the form offers it; "woman" also for a co-direction with a woman.
GENDERS = ("woman", "man", "non_binary", "prefer_not")
MAX_NATION = 200


@dataclass(frozen=True)
class Answers:
    """What the filmmaker answered; None for a question left unanswered."""

    director_gender: str | None = None
    first_film: bool | None = None
    indigenous: bool | None = None
    nation: str | None = None

    def __post_init__(self) -> None:
        if self.director_gender is not None and self.director_gender not in GENDERS:
            raise ValueError(f"director_gender: {self.director_gender!r}")
        if self.nation is not None and len(self.nation) > MAX_NATION:
            raise ValueError("nation: too long")

    @property
    def empty(self) -> bool:
        return (
            self.director_gender is None
            and self.first_film is None
            and self.indigenous is None
            and not self.nation
        )


def _row(session: Session, film_id: int) -> SelfIdentification | None:
    return session.exec(
        select(SelfIdentification).where(SelfIdentification.film_id == film_id)
    ).first()


def answers_of(session: Session, film_id: int) -> Answers | None:
    """The answers kept for this film, or None when there are none (no consent)."""
    row = _row(session, film_id)
    if row is None:
        return None
    return Answers(row.director_gender, row.first_film, row.indigenous, row.nation)


def has_answers(session: Session, film_id: int) -> bool:
    return _row(session, film_id) is not None


def save(
    session: Session, film_id: int, answers: Answers, *, consent: bool, user_id: int | None
) -> str:
    """Keep the answers if consent is given and there is something to keep; otherwise delete
    whatever was kept. Committed. Says what happened: "saved", "deleted" (answers kept
    before are gone) or "nothing"."""
    row = _row(session, film_id)
    if not consent or answers.empty:
        if row is None:
            return "nothing"
        session.delete(row)
        session.commit()
        return "deleted"
    now = utcnow()
    if row is None:
        row = SelfIdentification(film_id=film_id, consent_at=now, created_by=user_id)
    row.director_gender = answers.director_gender
    row.first_film = answers.first_film
    row.indigenous = answers.indigenous
    row.nation = answers.nation or None
    row.updated_at = now
    session.add(row)
    session.commit()
    return "saved"


def withdraw(session: Session, film_id: int) -> bool:
    """Delete the answers kept for this film (consent withdrawn); committed. Whether there
    were any."""
    return save(session, film_id, Answers(), consent=False, user_id=None) == "deleted"
