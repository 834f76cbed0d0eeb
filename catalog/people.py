"""The people credited in the catalog: the key a person's credits are gathered by, how a credit
names the person's region in a file ("Name (06)"), and the reads of a person's page and of the
crews by region."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from catalog.models import Credit, Film, Role, Status

# "Marie Tremblay (06)": a credit's person, then their region's two digits in brackets.
_REGION_SUFFIX = re.compile(r"^(?P<name>.*?)\s*\((?P<code>\d{1,2})\)\s*$")


def person_key(name: str) -> str:
    """The name without case, accents or repeated spaces: the credits of one person share it
    (the same folding as migration 0015's, which keyed the credits made before it)."""
    bare = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare).strip().casefold()[:200]


def person_slug(key: str) -> str:
    """The key as a URL's last part: its letters and digits, words joined by hyphens."""
    return re.sub(r"[\W_]+", "-", key).strip("-")


def split_credit(text: str) -> tuple[str, str | None]:
    """("Marie Tremblay", "06") from "Marie Tremblay (06)"; the region is not checked here
    (catalog.fields says what is wrong with it); (text, None) when no region is named."""
    match = _REGION_SUFFIX.match(text)
    if match is None or not match["name"].strip():
        return text.strip(), None
    return match["name"].strip(), match["code"].zfill(2)


def credit_text(name: str, region_code: str | None) -> str:
    """How a credit is written in a record and a file: the name, then its region if known."""
    return f"{name} ({region_code})" if region_code else name


# -- a person's page -----------------------------------------------------------------------


@dataclass(frozen=True)
class PersonCredit:
    film_id: int
    title: str
    year: int | None
    status: Status
    owner_id: int | None
    role: Role
    region_code: str | None


@dataclass(frozen=True)
class Person:
    key: str
    name: str  # the spelling most of their credits use
    credits: list[PersonCredit]

    @property
    def roles(self) -> list[Role]:
        return list(dict.fromkeys(c.role for c in self.credits))

    @property
    def regions(self) -> list[str]:
        return sorted({c.region_code for c in self.credits if c.region_code})

    @property
    def film_ids(self) -> list[int]:
        return list(dict.fromkeys(c.film_id for c in self.credits))


def people_of_slug(session: Session, slug: str) -> list[Person]:
    """Everyone whose key reads as `slug` in a URL (usually one person; two keys can differ
    only by punctuation, "jean-paul" and "jean paul"), each with their credits, newest first."""
    if not slug or person_slug(slug) != slug:
        return []
    # Hyphens stand for any run of other characters; the exact match is made below.
    pattern = slug.replace("-", "%")
    rows = session.exec(
        select(Credit, Film)
        .join(Film, col(Film.id) == col(Credit.film_id))
        .where(col(Credit.person_key).like(pattern))
        .order_by(col(Film.year).desc(), col(Film.sort_title), col(Credit.role))
    ).all()
    by_key: dict[str, list[tuple[Credit, Film]]] = defaultdict(list)
    for credit, film in rows:
        if person_slug(credit.person_key) == slug:
            by_key[credit.person_key].append((credit, film))
    return [_person(key, pairs) for key, pairs in sorted(by_key.items())]


def _person(key: str, pairs: list[tuple[Credit, Film]]) -> Person:
    counts = Counter(credit.name for credit, _ in pairs)
    # The spelling most credits use; between equals, the one that keeps accents and case
    # ("Élise Gagnon" over "ELISE GAGNON" or "Elise Gagnon").
    name = max(
        counts,
        key=lambda n: (counts[n], not n.isupper(), sum(not c.isascii() for c in n)),
    )
    credits = [
        PersonCredit(
            film_id=film.id or 0,
            title=film.display_title,
            year=film.year,
            status=film.status,
            owner_id=film.owner_id,
            role=credit.role,
            region_code=credit.region_code,
        )
        for credit, film in pairs
    ]
    return Person(key, name, credits)


def people_by_region(
    session: Session, region_code: str, statuses: Iterable[Status] = (Status.accepted,)
) -> list[tuple[str, str, int]]:
    """The people credited with this region on films of these statuses: (key, a name, how
    many credits), the most credited first."""
    count = func.count(col(Credit.id))
    rows = session.exec(
        select(Credit.person_key, func.min(Credit.name), count)
        .join(Film, col(Film.id) == col(Credit.film_id))
        .where(Credit.region_code == region_code, col(Film.status).in_(list(statuses)))
        .group_by(Credit.person_key)
        .order_by(count.desc(), Credit.person_key)
    ).all()
    return [(key, name, n) for key, name, n in rows]


@dataclass(frozen=True)
class CrewCount:
    region_code: str | None  # None: credits whose person's region nobody gave
    role: Role
    people: int  # distinct people
    credits: int


def crew_counts(
    session: Session, statuses: Iterable[Status] = (Status.accepted,)
) -> list[CrewCount]:
    """Distinct people and credits per (person's region, role), among films of these
    statuses: one grouped query for the observatory."""
    rows = session.exec(
        select(
            Credit.region_code,
            Credit.role,
            func.count(func.distinct(Credit.person_key)),
            func.count(col(Credit.id)),
        )
        .join(Film, col(Film.id) == col(Credit.film_id))
        .where(col(Film.status).in_(list(statuses)))
        .group_by(Credit.region_code, Credit.role)
    ).all()
    return [CrewCount(region, Role(role), people, n) for region, role, people, n in rows]


def people_per_region(
    session: Session, statuses: Iterable[Status] = (Status.accepted,)
) -> dict[str | None, int]:
    """Distinct people per region of their credits (a person credited in two regions counts
    in both), among films of these statuses."""
    rows = session.exec(
        select(Credit.region_code, func.count(func.distinct(Credit.person_key)))
        .join(Film, col(Film.id) == col(Credit.film_id))
        .where(col(Film.status).in_(list(statuses)))
        .group_by(Credit.region_code)
    ).all()
    return {region: n for region, n in rows}
