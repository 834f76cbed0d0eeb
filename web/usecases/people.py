"""The people behind the films, as pages, pitches and kits name them: each role in words, a
film's crew grouped by role with each person's region, a person's page, and the crews counted
by region for the observatory."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlmodel import Session

from catalog import people
from catalog.models import Film, Role, Status
from web.display import region_label

# Each role as a credit names it, in the order a film's credits are read.
ROLE_LABELS: dict[Role, Any] = {
    Role.director: _l("Réalisation"),
    Role.writer: _l("Scénario"),
    Role.producer: _l("Production"),
    Role.cinematographer: _l("Direction photo"),
    Role.editor: _l("Montage"),
    Role.composer: _l("Musique"),
    Role.camera_operator: _l("Cadrage"),
    Role.sound_recordist: _l("Prise de son"),
    Role.sound_designer: _l("Conception sonore"),
    Role.gaffer: _l("Chef électricien"),
    Role.art_director: _l("Direction artistique"),
    Role.costume_designer: _l("Costumes"),
    Role.makeup_artist: _l("Maquillage"),
    Role.vfx: _l("Effets visuels"),
    Role.animator: _l("Animation"),
    Role.colorist: _l("Colorisation"),
    Role.music_supervisor: _l("Supervision musicale"),
    Role.production_manager: _l("Direction de production"),
    Role.assistant_director: _l("Assistance à la réalisation"),
    Role.cast: _l("Distribution"),
}
assert set(ROLE_LABELS) == set(Role)

# The crafts the observatory counts credits by (every role in one).
ROLE_GROUPS: dict[str, tuple[Any, tuple[Role, ...]]] = {
    "direction": (
        _l("Réalisation et scénario"),
        (Role.director, Role.writer, Role.assistant_director),
    ),
    "production": (_l("Production et régie"), (Role.producer, Role.production_manager)),
    "image": (
        _l("Image et lumière"),
        (Role.cinematographer, Role.camera_operator, Role.gaffer, Role.colorist),
    ),
    "sound": (
        _l("Son et musique"),
        (Role.sound_recordist, Role.sound_designer, Role.composer, Role.music_supervisor),
    ),
    "post": (_l("Montage, animation et effets"), (Role.editor, Role.animator, Role.vfx)),
    "design": (
        _l("Décors, costumes et maquillage"),
        (Role.art_director, Role.costume_designer, Role.makeup_artist),
    ),
    "cast": (_l("Distribution"), (Role.cast,)),
}
assert {r for _, roles in ROLE_GROUPS.values() for r in roles} == set(Role)
GROUP_OF = {role: key for key, (_, roles) in ROLE_GROUPS.items() for role in roles}

# A buyer reads the leads; a film's whole cast list belongs to its own press kit.
CAST_SHOWN = 8


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


@dataclass(frozen=True)
class Named:
    """One person of a film's crew as a page shows them."""

    name: str
    slug: str
    region: str | None  # the region's name, when the credit gives one


@dataclass(frozen=True)
class CrewLine:
    role: Role
    label: str
    people: list[Named]
    more: int = 0  # people not shown (a long cast)

    def text(self) -> str:
        """ "Marie Tremblay (Bas-Saint-Laurent), Zoé Roy et 3 autres" """
        text = ", ".join(f"{p.name} ({p.region})" if p.region else p.name for p in self.people)
        if self.more:
            text += " " + ngettext("et %(num)s autre", "et %(num)s autres", self.more)
        return text


def crew_of(film: Film, lang: str, *, skip: tuple[Role, ...] = ()) -> list[CrewLine]:
    """The film's credits grouped by role, in ROLE_LABELS' order, each person with their
    region when known; the cast cut to CAST_SHOWN names."""
    by_role: dict[Role, list[Named]] = defaultdict(list)
    for credit in film.credits:
        role = Role(credit.role)
        region = region_label(credit.region_code, lang) if credit.region_code else None
        slug = people.person_slug(credit.person_key or people.person_key(credit.name))
        by_role[role].append(Named(credit.name, slug, region))
    lines = []
    for role in ROLE_LABELS:
        named = by_role.get(role)
        if not named or role in skip:
            continue
        shown = named[:CAST_SHOWN] if role == Role.cast else named
        lines.append(CrewLine(role, role_label(role), shown, len(named) - len(shown)))
    return lines


# -- a person's page -----------------------------------------------------------------------


@dataclass(frozen=True)
class FilmOfPerson:
    film_id: int
    title: str
    year: int | None
    roles: list[str]
    regions: list[str]
    link: str | None  # the film's page for this viewer, when they have one


@dataclass(frozen=True)
class PersonPage:
    name: str
    roles: list[str]
    regions: list[str]
    films: list[FilmOfPerson]


def person_pages(
    session: Session,
    slug: str,
    lang: str,
    may_see: Callable[[people.PersonCredit], bool],
    link_of: Callable[[people.PersonCredit], str | None],
) -> list[PersonPage]:
    """The people `slug` names (one, or several whose names differ only by punctuation), each
    with the films this viewer may see (`may_see`), their roles and regions; none when the
    viewer may see none of their films."""
    pages = []
    for person in people.people_of_slug(session, slug):
        credits = [c for c in person.credits if may_see(c)]
        if not credits:
            continue
        by_film: dict[int, list[people.PersonCredit]] = defaultdict(list)
        for credit in credits:
            by_film[credit.film_id].append(credit)
        films = [
            FilmOfPerson(
                film_id=film_id,
                title=held[0].title,
                year=held[0].year,
                roles=[role_label(r) for r in dict.fromkeys(c.role for c in held)],
                regions=[
                    region_label(r, lang) for r in sorted({c.region_code or "" for c in held}) if r
                ],
                link=link_of(held[0]),
            )
            for film_id, held in by_film.items()
        ]
        roles = [role_label(r) for r in ROLE_LABELS if r in {c.role for c in credits}]
        regions = [
            region_label(r, lang) for r in sorted({c.region_code or "" for c in credits}) if r
        ]
        pages.append(PersonPage(person.name, roles, regions, films))
    return pages


# -- the observatory -----------------------------------------------------------------------


@dataclass(frozen=True)
class CrewRegion:
    code: str | None
    label: str
    people: int  # distinct people credited with this region
    credits: dict[str, int]  # role group → credits


def crew_by_region(
    session: Session,
    lang: str,
    statuses: tuple[Status, ...] = (Status.submitted, Status.accepted),
) -> list[CrewRegion]:
    """Where the crews come from: per region of the people's credits (unknown last), the
    distinct people and the credits of each role group, among films of these statuses."""
    people_in = people.people_per_region(session, statuses)
    credits: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ROLE_GROUPS, 0))
    for count in people.crew_counts(session, statuses):
        credits[count.region_code][GROUP_OF[count.role]] += count.credits
    codes = sorted((c for c in people_in if c), key=str) + ([None] if None in people_in else [])
    return [
        CrewRegion(
            code,
            region_label(code, lang) if code else _("Région non précisée"),
            people_in[code],
            credits[code],
        )
        for code in codes
    ]


def group_labels() -> dict[str, str]:
    return {key: str(label) for key, (label, _) in ROLE_GROUPS.items()}
