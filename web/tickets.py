"""Media tickets: signed, expiring URLs that stream one recipient's watermarked preview or
reel without a session (for the page's player, and for playlists opened outside the app).

A ticket names the share, the asset (None: the bundle's reel) and whether it came from a
playlist; it is refused once expired, and the share is checked live at every request, so
revoking a link or closing its window stops its tickets too.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

# The player asks for a ticket at each play; a playlist's tickets last longer (a buyer may
# open it the next day), never past the link's own end.
PLAYER_TICKET_SECONDS = 4 * 3600
PLAYLIST_TICKET_SECONDS = 7 * 24 * 3600


class TicketExpired(Exception):
    """A genuine ticket, out of date."""


class BadTicket(Exception):
    """Not a ticket this app signed."""


@dataclass(frozen=True)
class Ticket:
    share_id: int
    asset_id: int | None  # None: the bundle's sizzle reel
    playlist: bool
    nonce: str = ""
    promo: bool = False  # asset_id names a film's promotional asset (PromoAsset)

    @property
    def kind(self) -> str:
        if self.asset_id is None:
            return "reel"
        return "promo" if self.promo else "preview"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="anthologie.media-ticket")


def issue(ticket: Ticket, lifetime_s: float) -> str:
    payload = {
        "s": ticket.share_id,
        "a": ticket.asset_id,
        "k": ticket.kind,
        "p": int(ticket.playlist),
        "n": ticket.nonce,
        "x": int(time.time() + lifetime_s),
    }
    return _serializer().dumps(payload)


def read(token: str) -> Ticket:
    """The ticket `token` carries, or BadTicket / TicketExpired."""
    try:
        payload = _serializer().loads(token, max_age=PLAYLIST_TICKET_SECONDS + 60)
        share_id, asset_id = int(payload["s"]), payload["a"]
        expires, kind = int(payload["x"]), payload["k"]
        playlist, nonce = bool(payload["p"]), str(payload.get("n", ""))
    except SignatureExpired as error:
        raise TicketExpired(str(error)) from error
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise BadTicket(str(error)) from error
    if asset_id is not None and not isinstance(asset_id, int):
        raise BadTicket("asset")
    if nonce and not nonce.replace("-", "").replace("_", "").isalnum():
        raise BadTicket("nonce")
    promo = kind == "promo"
    if kind != Ticket(share_id, asset_id, playlist, promo=promo).kind:
        raise BadTicket("kind")
    if expires <= time.time():
        raise TicketExpired(f"expired at {expires}")
    return Ticket(share_id, asset_id, playlist, nonce, promo)


def ticket_url(
    share_id: int,
    asset_id: int | None,
    *,
    playlist: bool = False,
    until: datetime | None = None,
    promo: bool = False,
) -> str:
    """An absolute URL streaming this recipient's watermarked preview (None: the reel), or
    with `promo` their copy of the promotional asset `asset_id` (a clip, a still, a PDF).

    A playlist's ticket carries a nonce of its own: its first request counts a play.
    """
    lifetime: float = PLAYLIST_TICKET_SECONDS if playlist else PLAYER_TICKET_SECONDS
    if until is not None:
        ends = until if until.tzinfo is not None else until.replace(tzinfo=UTC)
        lifetime = max(1.0, min(lifetime, (ends - datetime.now(UTC)).total_seconds()))
    nonce = secrets.token_urlsafe(9) if playlist else ""
    ticket = Ticket(share_id, asset_id, playlist, nonce, promo and asset_id is not None)
    return url_for("playback.stream", ticket=issue(ticket, lifetime), _external=True)
