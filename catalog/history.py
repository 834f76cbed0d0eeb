"""A film's record history: what each edit changed, field by field, and who made it.

Every path that changes a film (a filmmaker's submission and edits, a curator's edit, a bulk
edit, a decision) takes a `snapshot` before and after and keeps their `diff` as one
FilmChange row; the film page reads them back with `changes_of`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlmodel import Session, col, select

from catalog.models import Film, FilmChange, Status, User
from catalog.records import apply_to_film, film_to_record

# Where an edit came from (FilmChange.kind).
KINDS = ("edit", "bulk", "submission", "decision", "revert")

# Not part of the record a person edits: keys and derived columns.
_UNRECORDED = {"external_id"}


def _json(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def snapshot(film: Film) -> dict[str, Any]:
    """Every field a person edits, as JSON values: the record's columns (credits included),
    the screener link and the curator's message."""
    record = {k: v for k, v in film_to_record(film).items() if k not in _UNRECORDED}
    record["screener_url"] = film.screener_url
    record["curator_message"] = film.curator_message
    return {name: _json(value) for name, value in record.items()}


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed (empty equals empty)."""
    changes: dict[str, list[Any]] = {}
    for name in dict.fromkeys([*before, *after]):
        old, new = before.get(name), after.get(name)
        if old == new or (_empty(old) and _empty(new)):
            continue
        changes[name] = [old, new]
    return changes


def record_change(
    session: Session,
    film_id: int,
    user_id: int | None,
    kind: str,
    changes: Mapping[str, Sequence[Any]],
) -> FilmChange | None:
    """Keep one edit of one film (in the caller's transaction); nothing when nothing changed."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of change {kind!r}")
    if not changes:
        return None
    row = FilmChange(
        film_id=film_id,
        user_id=user_id,
        kind=kind,
        changes={name: [_json(v) for v in pair] for name, pair in changes.items()},
    )
    session.add(row)
    return row


def record_since(
    session: Session, film: Film, before: Mapping[str, Any], user_id: int | None, kind: str
) -> FilmChange | None:
    """Keep what changed in `film` since `before` (its snapshot) as one edit."""
    assert film.id is not None
    return record_change(session, film.id, user_id, kind, diff(before, snapshot(film)))


@dataclass(frozen=True)
class ChangeLine:
    """One edit as the film page shows it: when, by whom, how, and each field's change."""

    id: int
    created_at: datetime
    kind: str
    user_name: str | None
    user_email: str | None
    changes: dict[str, list[Any]]


def changes_of(session: Session, film_id: int, limit: int = 200) -> list[ChangeLine]:
    """A film's edits, newest first, with their authors' names (one query)."""
    statement = (
        select(FilmChange, User.display_name, User.email)
        .join(User, col(User.id) == col(FilmChange.user_id), isouter=True)
        .where(FilmChange.film_id == film_id)
        .order_by(col(FilmChange.created_at).desc(), col(FilmChange.id).desc())
        .limit(limit)
    )
    return [
        ChangeLine(row.id or 0, row.created_at, row.kind, name, email, dict(row.changes))
        for row, name, email in session.exec(statement).all()
    ]


# Snapshot fields that are not record columns, and the record's date columns.
_FILM_ATTRIBUTES = ("screener_url", "curator_message")
_DATES = ("rights_window_start", "rights_window_end")


def restore(film: Film, values: Mapping[str, Any]) -> None:
    """Set the film's fields back to `values` (JSON values as a snapshot holds them)."""
    record: dict[str, Any] = {}
    for name, value in values.items():
        if name in _FILM_ATTRIBUTES:
            setattr(film, name, value)
        elif name == "status":
            film.status = Status(value)
        elif name in _DATES and value is not None:
            record[name] = date.fromisoformat(value)
        else:
            record[name] = value
    if record:
        apply_to_film(film, record)


def undoable(film: Film, change: FilmChange) -> tuple[dict[str, Any], list[str]]:
    """What undoing one of the film's changes would set back ({field: value before}), and
    the fields it leaves alone because they have changed again since (a later edit wins)."""
    now = snapshot(film)
    back, kept = {}, []
    for name, (before, after) in change.changes.items():
        if diff({name: now.get(name)}, {name: after}):
            kept.append(name)
        else:
            back[name] = before
    return back, kept
