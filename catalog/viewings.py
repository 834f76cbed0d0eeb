"""What each recipient of a pitch link played: plays against the link's view cap, and the
union of the ranges the player actually played (a replay or a re-fetched byte range never
counts twice)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from catalog.models import ShareLink, Viewing, utcnow

# A player reports its played ranges; more than this many is no honest player.
MAX_RANGES = 200
# A report may run a little past the file's end (the last frame's duration, rounding).
END_SLACK_S = 1.0

Range = tuple[float, float]


class ViewCapReached(Exception):
    """This recipient has used every play the link allows for this film (or the reel)."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"view cap of {cap} plays reached")
        self.cap = cap


class BadProgress(ValueError):
    """A progress report that is not a short list of [start, end] seconds within the clip."""


class NotPlaying(Exception):
    """Progress for a film this recipient never started playing."""


def merge_ranges(ranges: Iterable[Sequence[float]]) -> list[list[float]]:
    """The union of [start, end] ranges, sorted, touching or overlapping ones joined."""
    merged: list[list[float]] = []
    for start, end in sorted((float(a), float(b)) for a, b in ranges if b > a):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def covered_seconds(ranges: Iterable[Sequence[float]]) -> float:
    """How many seconds a merged list of ranges covers."""
    return sum(end - start for start, end in ranges)


def checked_ranges(raw: object, duration: float | None) -> list[Range]:
    """The ranges of a report, or BadProgress: a list of at most MAX_RANGES pairs of finite
    numbers, 0 <= start <= end, ending within `duration` (when known); ends just past it are
    clipped to it."""
    if not isinstance(raw, list) or len(raw) > MAX_RANGES:
        raise BadProgress(f"a list of at most {MAX_RANGES} ranges")
    ranges: list[Range] = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise BadProgress("each range is [start, end]")
        start, end = pair
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
            raise BadProgress("ranges are numbers of seconds")
        if not (math.isfinite(start) and math.isfinite(end)) or not 0 <= start <= end:
            raise BadProgress("a range runs forward from 0")
        if duration is not None:
            if end > duration + END_SLACK_S:
                raise BadProgress(f"a range ends past the clip's {duration:.1f} s")
            start, end = min(start, duration), min(end, duration)
        ranges.append((float(start), float(end)))
    return ranges


def viewing_of(session: Session, share_id: int, film_id: int | None) -> Viewing | None:
    statement = select(Viewing).where(Viewing.share_id == share_id)
    if film_id is None:
        statement = statement.where(col(Viewing.film_id).is_(None))
    else:
        statement = statement.where(Viewing.film_id == film_id)
    return session.exec(statement).first()


def _viewing(session: Session, share: ShareLink, film_id: int | None) -> Viewing:
    """This recipient's row for the film, made when missing (two requests at once: one
    insert wins, the other reads it)."""
    found = viewing_of(session, share.id or 0, film_id)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            row = Viewing(share_id=share.id or 0, bundle_id=share.bundle_id, film_id=film_id)
            session.add(row)
        return row
    except IntegrityError:
        found = viewing_of(session, share.id or 0, film_id)
        assert found is not None
        return found


def start_play(
    session: Session,
    share: ShareLink,
    film_id: int | None,
    duration_seconds: float | None = None,
    now: datetime | None = None,
) -> Viewing:
    """Count one play of the film (None: the reel) for this share, or raise ViewCapReached.

    The count goes up in one conditional UPDATE (only while under the cap), so two plays
    started at once cannot both take the last one.
    """
    now = now or utcnow()
    row = _viewing(session, share, film_id)
    session.flush()
    statement = update(Viewing).where(col(Viewing.id) == row.id)
    if share.view_cap is not None:
        statement = statement.where(col(Viewing.plays) < share.view_cap)
    values: dict[str, object] = {"plays": col(Viewing.plays) + 1, "last_seen_at": now}
    if duration_seconds is not None:
        values["duration_seconds"] = duration_seconds
    result = session.execute(
        statement.values(**values), execution_options={"synchronize_session": False}
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise ViewCapReached(share.view_cap or 0)
    session.refresh(row)
    if row.first_played_at is None:
        row.first_played_at = now
        session.add(row)
    session.flush()
    return row


def record_progress(
    session: Session,
    share_id: int,
    film_id: int | None,
    raw_ranges: object,
    now: datetime | None = None,
) -> Viewing:
    """Add the ranges a player reports (validated: see checked_ranges) to what this recipient
    watched of the film; NotPlaying unless a play was started first."""
    row = viewing_of(session, share_id, film_id)
    if row is None or row.plays == 0:
        raise NotPlaying(f"share {share_id} never played film {film_id}")
    ranges = checked_ranges(raw_ranges, row.duration_seconds)
    row.watched = merge_ranges([*row.watched, *ranges])
    row.watched_seconds = round(covered_seconds(row.watched), 3)
    row.last_seen_at = now or utcnow()
    session.add(row)
    session.flush()
    return row


def plays_left(share: ShareLink, viewing: Viewing | None) -> int | None:
    """Plays still allowed for the film (None: no cap)."""
    if share.view_cap is None:
        return None
    return max(0, share.view_cap - (viewing.plays if viewing else 0))
