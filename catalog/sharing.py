"""Bundles shared with broadcasters: links, their expiry and revocation, answers and views."""

from __future__ import annotations

from sqlmodel import Session, col, select

from catalog.models import Bundle, ShareLink, utcnow


def shares_for_broadcaster(session: Session, user_id: int) -> list[tuple[ShareLink, Bundle]]:
    """The live shares addressed to this broadcaster account, newest first."""
    now = utcnow()
    statement = (
        select(ShareLink, Bundle)
        .join(Bundle, col(Bundle.id) == ShareLink.bundle_id)
        .where(ShareLink.broadcaster_id == user_id)
        .where(col(ShareLink.revoked_at).is_(None))
        .where(ShareLink.expires_at > now)
        .order_by(col(ShareLink.created_at).desc())
    )
    return [(share, bundle) for share, bundle in session.exec(statement).all()]
