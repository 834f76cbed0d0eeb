"""The curators' viewing report of a shared bundle: who opened it, what they played and how
much of it, what they answered; its CSV rows; and reminders to those who have not opened it
or not answered."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from catalog import sharing
from catalog.models import Bundle, Film, ShareLink, utcnow
from catalog.viewing_report import FilmViewing, ViewingReport, viewing_report


@dataclass(frozen=True)
class BundleReport:
    bundle: Bundle
    films: list[Film]  # the bundle's order
    report: ViewingReport


def bundle_report(session: Session, bundle: Bundle) -> BundleReport:
    films = sharing.films_of_bundle(session, bundle)
    assert bundle.id is not None
    report = viewing_report(session, bundle.id, [f.id for f in films if f.id is not None])
    return BundleReport(bundle, films, report)


# A reminder only makes sense for a link that opens (now, or when its window does).
REMINDABLE = frozenset({sharing.LinkState.live.value, sharing.LinkState.not_yet.value})


def remindable(session: Session, share: ShareLink) -> bool:
    return link_word(session, share) in REMINDABLE


class Reminded(enum.StrEnum):
    sent = "sent"  # the e-mail left
    by_hand = "by_hand"  # no mail server, or no address: the curator sends the link
    failed = "failed"  # the mail server refused it; `error` says why
    dead_link = "dead_link"  # revoked or expired: nothing to remind of


@dataclass(frozen=True)
class Reminder:
    share: ShareLink
    outcome: Reminded
    error: str = ""


# Sends reminders by e-mail to these recipients (who all have an address): share id → None
# when the message left, else why not (in French).
SendAll = Callable[[list[ShareLink]], dict[int, str | None]]


def remind(session: Session, shares: list[ShareLink], send_all: SendAll | None) -> list[Reminder]:
    """Remind each recipient of their link: by e-mail through `send_all` when a mail server is
    configured (`send_all` given) and they have an address; else the curator is to send the
    link by hand. A reminder's time is kept, unless its e-mail failed; revoked and expired
    links are left alone. The caller commits."""
    outcomes: dict[int, Reminder] = {}
    by_mail: list[ShareLink] = []
    for share in shares:
        assert share.id is not None
        if not remindable(session, share):
            outcomes[share.id] = Reminder(share, Reminded.dead_link)
        elif send_all is None or not share.recipient_email:
            share.reminded_at = utcnow()
            session.add(share)
            outcomes[share.id] = Reminder(share, Reminded.by_hand)
        else:
            by_mail.append(share)
    results = send_all(by_mail) if by_mail and send_all is not None else {}
    for share in by_mail:
        assert share.id is not None
        error = results.get(share.id)
        if error:
            outcomes[share.id] = Reminder(share, Reminded.failed, error)
        else:
            share.reminded_at = utcnow()
            session.add(share)
            outcomes[share.id] = Reminder(share, Reminded.sent)
    return [outcomes[s.id] for s in shares if s.id is not None]


# -- the CSV: one row per recipient and film, and one for their answer on the bundle --------

CSV_COLUMNS = [
    "recipient",
    "organisation",
    "email",
    "language",
    "link",
    "film_position",
    "film_id",
    "film",
    "first_opened_at",
    "last_opened_at",
    "openings",
    "plays",
    "watched_seconds",
    "preview_seconds",
    "watched_percent",
    "last_seen_at",
    "verdict",
    "comment",
    "invited_at",
    "reminded_at",
]


def _when(moment: datetime | None) -> str:
    """ISO 8601 in UTC, to the second: what a spreadsheet reads as a date."""
    if moment is None:
        return ""
    return moment.replace(microsecond=0, tzinfo=None).isoformat(sep=" ")


def link_word(session: Session, share: ShareLink) -> str:
    """live, not_yet, expired or revoked."""
    assert share.id is not None
    return sharing.link_state(session, share.id)[0].value


def csv_rows(session: Session, report: BundleReport) -> list[dict[str, Any]]:
    """Rows in the report's order: per recipient, their bundle answer first, then each film
    (and the reel when someone played it). Times in UTC; verdicts as stored."""
    rows: list[dict[str, Any]] = []
    for recipient in report.report.recipients:
        share = recipient.share
        common = {
            "recipient": share.recipient_name,
            "organisation": share.recipient_organisation,
            "email": share.recipient_email,
            "language": share.recipient_language,
            "link": link_word(session, share),
            "first_opened_at": _when(recipient.first_opened_at),
            "last_opened_at": _when(recipient.last_opened_at),
            "openings": recipient.openings,
            "invited_at": _when(share.invited_at),
            "reminded_at": _when(share.reminded_at),
        }
        given = recipient.bundle_answer
        rows.append(
            common
            | {
                "film_position": "",
                "film_id": "",
                "film": "(bundle)",
                "plays": recipient.plays,
                "last_seen_at": _when(recipient.last_seen_at),
                "verdict": given.verdict.value if given else "",
                "comment": given.comment if given else "",
            }
        )
        placed: list[tuple[int | str, Film | None]] = list(enumerate(report.films, start=1))
        if report.report.reel_played:
            placed.append(("", None))
        for position, film in placed:
            viewing = recipient.film(film.id if film else None)
            rows.append(common | {"film_position": position} | _film_cells(film, viewing))
    return rows


def _film_cells(film: Film | None, viewing: FilmViewing) -> dict[str, Any]:
    share = viewing.watched_share
    return {
        "film_id": film.id if film else "",
        "film": film.display_title if film else "(reel)",
        "plays": viewing.plays,
        "watched_seconds": (
            round(viewing.watched_seconds)
            if viewing.watched_seconds or viewing.duration_seconds
            else ""
        ),
        "preview_seconds": round(viewing.duration_seconds) if viewing.duration_seconds else "",
        "watched_percent": round(100 * share) if share is not None else "",
        "last_seen_at": _when(viewing.last_seen_at),
        "verdict": viewing.verdict.value if viewing.verdict else "",
        "comment": viewing.comment,
    }
