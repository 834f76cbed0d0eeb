"""Bundles shared with broadcasters: links, their expiry and revocation, answers and views."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import Session, col, select

from catalog.models import (
    Answer,
    Bundle,
    BundleItem,
    Film,
    MediaAsset,
    PitchEvent,
    ShareLink,
    User,
    Verdict,
    utcnow,
)


def _live(now: datetime) -> ColumnElement[bool]:
    """Not revoked, its viewing window opened (or never set) and not yet closed."""
    return and_(
        col(ShareLink.revoked_at).is_(None),
        col(ShareLink.expires_at) > now,
        or_(col(ShareLink.starts_at).is_(None), col(ShareLink.starts_at) <= now),
    )


class LinkState(enum.StrEnum):
    """Why a link opens or not: the page a link holder gets says which."""

    live = "live"
    not_yet = "not_yet"  # its viewing window opens later
    expired = "expired"
    revoked = "revoked"
    missing = "missing"


def link_state(session: Session, share_id: int) -> tuple[LinkState, ShareLink | None]:
    share = session.get(ShareLink, share_id)
    if share is None:
        return LinkState.missing, None
    return state_of(share), share


def state_of(share: ShareLink, now: datetime | None = None) -> LinkState:
    """Live, not yet open, expired or revoked, at `now` (default: this instant)."""
    now = now or utcnow()
    if share.revoked_at is not None:
        return LinkState.revoked
    if _aware(share.expires_at) <= now:
        return LinkState.expired
    if share.starts_at is not None and _aware(share.starts_at) > now:
        return LinkState.not_yet
    return LinkState.live


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def shares_for_broadcaster(session: Session, user_id: int) -> list[tuple[ShareLink, Bundle]]:
    """The live shares addressed to this broadcaster account, newest first."""
    statement = (
        select(ShareLink, Bundle)
        .join(Bundle, col(Bundle.id) == ShareLink.bundle_id)
        .where(ShareLink.broadcaster_id == user_id, _live(utcnow()))
        .order_by(col(ShareLink.created_at).desc())
    )
    return [(share, bundle) for share, bundle in session.exec(statement).all()]


def share_bundle(
    session: Session,
    bundle_id: int,
    recipient_name: str,
    expires_at: datetime,
    created_by: int | None,
    broadcaster_id: int | None = None,
    recipient_email: str = "",
) -> ShareLink:
    share = ShareLink(
        bundle_id=bundle_id,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        broadcaster_id=broadcaster_id,
        created_by=created_by,
        expires_at=expires_at,
    )
    session.add(share)
    session.flush()
    return share


LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Recipient:
    """One named person a bundle is shared with (one link each)."""

    name: str
    email: str = ""
    organisation: str = ""


class WindowError(ValueError):
    """A viewing window that closes before it opens, or a cap below one play."""


def share_with_recipients(
    session: Session,
    bundle_id: int,
    recipients: Sequence[Recipient],
    expires_at: datetime,
    created_by: int | None,
    language: str = "fr",
    starts_at: datetime | None = None,
    view_cap: int | None = None,
    broadcaster_id: int | None = None,
) -> list[ShareLink]:
    """One link per recipient, all with the same window, cap and language."""
    _check(starts_at, expires_at, view_cap)
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: one of {LANGUAGES}")
    made = []
    for person in recipients:
        share = ShareLink(
            bundle_id=bundle_id,
            recipient_name=person.name,
            recipient_email=person.email,
            recipient_organisation=person.organisation,
            recipient_language=language,
            broadcaster_id=broadcaster_id,
            created_by=created_by,
            starts_at=starts_at,
            expires_at=expires_at,
            view_cap=view_cap,
        )
        session.add(share)
        made.append(share)
    session.flush()
    return made


def _check(starts_at: datetime | None, expires_at: datetime, view_cap: int | None) -> None:
    if starts_at is not None and _aware(starts_at) >= _aware(expires_at):
        raise WindowError("the viewing window closes before it opens")
    if view_cap is not None and view_cap < 1:
        raise WindowError("a view cap allows at least one play")


def open_shares(session: Session, bundle_id: int) -> list[ShareLink]:
    """The bundle's links that are live or not yet open: what "all recipients" acts on."""
    statement = select(ShareLink).where(
        ShareLink.bundle_id == bundle_id,
        col(ShareLink.revoked_at).is_(None),
        col(ShareLink.expires_at) > utcnow(),
    )
    return list(session.exec(statement.order_by(col(ShareLink.id))).all())


def extend(session: Session, shares: Sequence[ShareLink], days: int) -> list[ShareLink]:
    """Push each link's end `days` later (from now, for a link already expired, which opens
    again). Revoked links stay revoked; the extended ones are returned."""
    now = utcnow()
    changed = []
    for share in shares:
        if share.revoked_at is not None:
            continue
        share.expires_at = max(_aware(share.expires_at), now) + timedelta(days=days)
        session.add(share)
        changed.append(share)
    return changed


def set_window(
    session: Session,
    shares: Sequence[ShareLink],
    starts_at: datetime | None,
    expires_at: datetime,
) -> list[ShareLink]:
    """Open each link at `starts_at` (None: at once) and close it at `expires_at`."""
    _check(starts_at, expires_at, None)
    changed = [share for share in shares if share.revoked_at is None]
    for share in changed:
        share.starts_at = starts_at
        share.expires_at = expires_at
        session.add(share)
    return changed


def set_view_cap(
    session: Session, shares: Sequence[ShareLink], view_cap: int | None
) -> list[ShareLink]:
    """Allow each recipient `view_cap` plays per film (None: no cap)."""
    _check(None, utcnow(), view_cap)
    changed = [share for share in shares if share.revoked_at is None]
    for share in changed:
        share.view_cap = view_cap
        session.add(share)
    return changed


def revoke_all(session: Session, shares: Sequence[ShareLink]) -> list[ShareLink]:
    changed = [share for share in shares if share.revoked_at is None]
    for share in changed:
        revoke(session, share)
    return changed


def live_share(session: Session, share_id: int) -> ShareLink | None:
    """The share if it exists, is not revoked and has not expired."""
    statement = select(ShareLink).where(ShareLink.id == share_id, _live(utcnow()))
    return session.exec(statement).first()


def revoke(session: Session, share: ShareLink) -> None:
    share.revoked_at = utcnow()
    session.add(share)


def shares_of_bundle(session: Session, bundle_id: int) -> Sequence[ShareLink]:
    statement = select(ShareLink).where(ShareLink.bundle_id == bundle_id)
    return session.exec(statement.order_by(col(ShareLink.created_at).desc())).all()


def broadcaster_may_see(session: Session, user_id: int, bundle_id: int) -> bool:
    statement = select(ShareLink.id).where(
        ShareLink.bundle_id == bundle_id, ShareLink.broadcaster_id == user_id, _live(utcnow())
    )
    return session.exec(statement).first() is not None


def films_of_bundle(session: Session, bundle: Bundle) -> list[Film]:
    """The bundle's films in its order, with their credits (two queries)."""
    ids = [item.film_id for item in bundle.items]
    films = {f.id: f for f in session.exec(select(Film).where(col(Film.id).in_(ids))).all()}
    return [films[i] for i in ids if i in films]


def media_of_films(session: Session, film_ids: Sequence[int]) -> dict[int, MediaAsset]:
    """Each film's media asset (its newest real file, else its newest stand-in), in one
    query."""
    statement = select(MediaAsset).where(col(MediaAsset.film_id).in_(list(film_ids)))
    assets: dict[int, MediaAsset] = {}
    order = (col(MediaAsset.is_stand_in).desc(), col(MediaAsset.id))
    for asset in session.exec(statement.order_by(*order)).all():
        assets[asset.film_id] = asset
    return assets


def bundles_containing(session: Session, film_id: int) -> list[int]:
    statement = select(BundleItem.bundle_id).where(BundleItem.film_id == film_id)
    return list(session.exec(statement).all())


def record_event(
    session: Session,
    bundle_id: int,
    kind: str,
    share_id: int | None = None,
    user_id: int | None = None,
    film_id: int | None = None,
) -> None:
    session.add(
        PitchEvent(
            bundle_id=bundle_id, kind=kind, share_id=share_id, user_id=user_id, film_id=film_id
        )
    )


# A comment is a few sentences to the curator; the limit keeps a link holder from storing
# megabytes through a form that needs no account.
COMMENT_MAX_CHARS = 4000


class CommentTooLong(ValueError):
    """A comment over COMMENT_MAX_CHARS; the pages and the API say so in their own words."""


def outside_bundle(bundle: Bundle, film_id: int | None) -> bool:
    """Whether `film_id` names a film that is not in `bundle` (None names the bundle itself)."""
    return film_id is not None and film_id not in {item.film_id for item in bundle.items}


def answer(
    session: Session,
    bundle_id: int,
    verdict: Verdict,
    comment: str,
    film_id: int | None = None,
    share_id: int | None = None,
    user_id: int | None = None,
) -> Answer:
    if len(comment) > COMMENT_MAX_CHARS:
        raise CommentTooLong(f"comment: {len(comment)} characters, at most {COMMENT_MAX_CHARS}")
    given = Answer(
        bundle_id=bundle_id,
        film_id=film_id,
        verdict=verdict,
        comment=comment.strip(),
        share_id=share_id,
        user_id=user_id,
    )
    session.add(given)
    session.flush()
    return given


def latest_answers(
    session: Session, bundle_id: int, share_id: int | None, user_id: int | None
) -> dict[int | None, Answer]:
    """This viewer's latest answer per film (None: the bundle as a whole)."""
    statement = select(Answer).where(Answer.bundle_id == bundle_id)
    if share_id is not None:
        statement = statement.where(Answer.share_id == share_id)
    else:
        statement = statement.where(Answer.user_id == user_id, col(Answer.share_id).is_(None))
    latest: dict[int | None, Answer] = {}
    for given in session.exec(statement.order_by(col(Answer.created_at), col(Answer.id))).all():
        latest[given.film_id] = given
    return latest


@dataclass(frozen=True)
class Activity:
    events: list[tuple[PitchEvent, ShareLink | None, User | None]]
    answers: list[tuple[Answer, ShareLink | None, User | None]]


def activity(session: Session, bundle_id: int) -> Activity:
    """Who opened what and when, and every answer, for the curator (newest first)."""
    events = session.exec(
        select(PitchEvent, ShareLink, User)
        .join(ShareLink, col(ShareLink.id) == PitchEvent.share_id, isouter=True)
        .join(User, col(User.id) == PitchEvent.user_id, isouter=True)
        .where(PitchEvent.bundle_id == bundle_id)
        .order_by(col(PitchEvent.created_at).desc())
    ).all()
    answers = session.exec(
        select(Answer, ShareLink, User)
        .join(ShareLink, col(ShareLink.id) == Answer.share_id, isouter=True)
        .join(User, col(User.id) == Answer.user_id, isouter=True)
        .where(Answer.bundle_id == bundle_id)
        .order_by(col(Answer.created_at).desc())
    ).all()
    return Activity(
        [(e, share, user) for e, share, user in events],
        [(a, share, user) for a, share, user in answers],
    )
