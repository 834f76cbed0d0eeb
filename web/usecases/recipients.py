"""Sharing a bundle with a list of people: the list as a curator types it, one line each.

    Julie Tremblay <julie@telequebec.tv>, Télé-Québec
    Marc Aubin <marc@tfo.org>
    Ana Costa, RTP

A line is a name, then optionally an e-mail address in angle brackets, then optionally a
comma and an organisation. Blank lines are skipped. Every line is checked before anything is
saved: one bad line and nothing is shared, and each problem names its line.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from catalog import sharing
from catalog.models import ShareLink, utcnow
from catalog.sharing import Recipient

NAME_MAX = 200
EMAIL_MAX = 254
ORGANISATION_MAX = 200
# An address as mail servers take it: something@domain.tld, no spaces or brackets.
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]{2,}$")


class LineProblem(enum.StrEnum):
    no_name = "no_name"  # an address or an organisation but no name before it
    unclosed = "unclosed"  # "<" without its ">"
    bad_email = "bad_email"
    bare_email = "bare_email"  # an address written without angle brackets
    too_long = "too_long"
    repeated = "repeated"  # the same address on an earlier line


@dataclass(frozen=True)
class LineError:
    number: int  # from 1, counting blank lines, as the curator sees the text
    line: str
    problem: LineProblem


class RecipientsInvalid(ValueError):
    def __init__(self, errors: list[LineError]) -> None:
        super().__init__(f"{len(errors)} invalid recipient line(s)")
        self.errors = errors


def parse_recipients(text: str) -> list[Recipient]:
    """The people of the list, in order; RecipientsInvalid lists every bad line."""
    people: list[Recipient] = []
    errors: list[LineError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = " ".join(raw.split())
        if not line:
            continue
        parsed = parse_line(line)
        if isinstance(parsed, LineProblem):
            errors.append(LineError(number, line, parsed))
            continue
        key = parsed.email.lower()
        if key and key in seen:
            errors.append(LineError(number, line, LineProblem.repeated))
            continue
        if key:
            seen[key] = number
        people.append(parsed)
    if errors:
        raise RecipientsInvalid(errors)
    return people


def valid_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX and _EMAIL.match(email) is not None


def parse_line(line: str) -> Recipient | LineProblem:
    """One line, `Name <email>, Organisation` (the address and organisation optional)."""
    email = ""
    if "<" in line or ">" in line:
        opening, closing = line.find("<"), line.find(">")
        if opening < 0 or closing < opening:
            return LineProblem.unclosed
        name = line[:opening].strip().rstrip(",").strip()
        email = line[opening + 1 : closing].strip()
        rest = line[closing + 1 :].strip()
        if rest and not rest.startswith(","):
            rest = "," + rest  # "Name <email> Organisation": the comma forgotten
        organisation = rest.lstrip(",").strip()
        if not valid_email(email):
            return LineProblem.bad_email
    else:
        name, _comma, organisation = (part.strip() for part in line.partition(","))
        if "@" in name:
            return LineProblem.bare_email
    if not name:
        return LineProblem.no_name
    if len(name) > NAME_MAX or len(email) > EMAIL_MAX or len(organisation) > ORGANISATION_MAX:
        return LineProblem.too_long
    return Recipient(name=name, email=email, organisation=organisation)


# -- sharing with the list ---------------------------------------------------------------

DAYS_MAX = 365
VIEW_CAP_MAX = 100


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`: a window opens then, or closes then the day after."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def window(days: int, starts_on: date | None, now: datetime) -> tuple[datetime | None, datetime]:
    """The window of a new link: from `starts_on` (None, today or a past day: at once) for
    `days` days."""
    starts_at = day_start(starts_on) if starts_on is not None else None
    if starts_at is not None and starts_at <= now:
        starts_at = None
    return starts_at, (starts_at or now) + timedelta(days=days)


def share_with_people(
    db: Session,
    bundle_id: int,
    people: Sequence[Recipient],
    days: int,
    created_by: int | None,
    language: str = "fr",
    starts_on: date | None = None,
    view_cap: int | None = None,
    broadcaster_id: int | None = None,
) -> list[ShareLink]:
    """One link per person, open for `days` days from `starts_on` (the caller commits)."""
    if not 1 <= days <= DAYS_MAX:
        raise ValueError(f"days: {days}, from 1 to {DAYS_MAX}")
    if view_cap is not None and not 1 <= view_cap <= VIEW_CAP_MAX:
        raise ValueError(f"view cap: {view_cap}, from 1 to {VIEW_CAP_MAX}")
    starts_at, expires_at = window(days, starts_on, utcnow())
    return sharing.share_with_recipients(
        db,
        bundle_id,
        people,
        expires_at,
        created_by=created_by,
        language=language,
        starts_at=starts_at,
        view_cap=view_cap,
        broadcaster_id=broadcaster_id,
    )
