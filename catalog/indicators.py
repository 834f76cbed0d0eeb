"""The indicators observatories publish, per year, with small counts suppressed.

Five indicators, each a count of films and its share of a base, per year:

- from the filmmakers' voluntary self-identification (models.SelfIdentification; only films
  whose filmmaker consented and answered that question are in the base):
  `women_directors` (of the films whose director's gender is given as woman, man or
  non-binary: "prefer not to say" and no answer are out of the base; a co-direction with a
  woman counts as a woman's film), `first_films`, `indigenous_productions` (an Indigenous
  director or a production from an Indigenous community);
- from the catalog's own fields (the base is the films whose field is filled):
  `indigenous_languages` (an original language among INDIGENOUS_LANGUAGES) and `youth`
  (audience jeunesse).

The year is the film's production year (`Film.year`, "production") or the year its record
was made, i.e. submitted or imported (`Film.created_at`, "submission"); a film with no
production year falls in the year None, shown as its own column.

Small-cell suppression: a count under SUPPRESS_BELOW (5), zero included, is never given as a
number. A cell (count, base and share together) is suppressed when its count or its
complement in the base (base minus count, which the base and the count would reveal) is
under 5; a base under 5 is thus suppressed too. When one year alone is suppressed beside a
total that is not, the year with the next smallest count is suppressed with it, so that the
total minus the other years cannot give it back. A year with no film in an indicator's base
(nobody answered) describes no one: its cell is `empty`, without numbers, and is not
counted as suppressed.

Change against a baseline year: each shown share minus the baseline year's share (in
points of a fraction: 0.05 is 5 points), None when either is suppressed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from catalog.models import Audience, Film, SelfIdentification, Status

__all__ = [
    "INDICATORS",
    "INDIGENOUS_LANGUAGES",
    "QUEBEC_INDIGENOUS_LANGUAGES",
    "SUPPRESS_BELOW",
    "Cell",
    "Facts",
    "Indicators",
    "Series",
    "compute",
    "indicators",
    "rows",
]

SUPPRESS_BELOW = 5

# ISO 639-3 codes (as the catalog stores languages: catalog.fields.parse_language) of the
# languages of Québec's eleven Indigenous nations, the nations of the Secrétariat aux
# relations avec les Premières Nations et les Inuit's list of the 55 communities
# (catalog/data/quebec_indigenous_communities.csv, column `nation`); the codes are SIL's
# ISO 639-3 registry as pycountry ships it (tests/catalog/test_indicators.py checks both).
QUEBEC_INDIGENOUS_LANGUAGES: Mapping[str, str] = {
    "abe": "Abénakis",  # Western Abnaki (Wôbanakiôdwawôgan)
    "aaq": "Abénakis",  # Eastern Abnaki
    "alq": "Anishinabeg (Algonquins)",  # Algonquin (Anicinapemowin)
    "atj": "Atikamekw",
    "cre": "Cris",  # Cree, the macrolanguage (what "cri" / "Cree" is read as)
    "crj": "Cris",  # Southern East Cree (Eeyou Istchee)
    "crl": "Cris",  # Northern East Cree
    "wdt": "Hurons-Wendat",  # Wendat
    "wyn": "Hurons-Wendat",  # Wyandot, the older code for the same language
    "moe": "Innus",  # Innu-aimun (Montagnais)
    "iku": "Inuit",  # Inuktitut, the macrolanguage
    "ike": "Inuit",  # Eastern Canadian Inuktitut (Nunavik)
    "mic": "Mi'gmaq (Micmacs)",
    "moh": "Mohawks",  # Kanien'kéha
    "nsk": "Naskapis",
    "pqm": "Wolastoqiyik (Malécites)",  # Malecite-Passamaquoddy (Wolastoqey)
}
# Beyond Québec, a few of the other Indigenous languages of Canada a film may be in (the
# Cree, Ojibwe, Dene and Inuit languages, Michif, Blackfoot, Haida, the Haudenosaunee
# languages...): ISO 639-3 codes, named in the comment as the registry names them.
INDIGENOUS_LANGUAGES: frozenset[str] = frozenset(QUEBEC_INDIGENOUS_LANGUAGES) | {
    "crk",  # Plains Cree
    "crm",  # Moose Cree
    "csw",  # Swampy Cree
    "cwd",  # Woods Cree
    "ikt",  # Inuinnaqtun
    "oji",  # Ojibwa (macrolanguage)
    "ojb",  # Northwestern Ojibwa
    "ojc",  # Central Ojibwa
    "ojg",  # Eastern Ojibwa
    "ojs",  # Severn Ojibwa (Oji-Cree)
    "ojw",  # Western Ojibwa
    "otw",  # Ottawa
    "crg",  # Michif
    "bla",  # Siksika (Blackfoot)
    "den",  # Slave (Athapascan)
    "dgr",  # Tlicho
    "chp",  # Chipewyan (Dënesųłiné)
    "gwi",  # Gwich'in
    "hai",  # Haida
    "tli",  # Tlingit
    "kwk",  # Kwak'wala
    "lil",  # Lillooet (St'át'imcets)
    "shs",  # Shuswap (Secwepemctsín)
    "oka",  # Okanagan (Nsyilxcən)
    "one",  # Oneida
    "cay",  # Cayuga
    "see",  # Seneca
    "ono",  # Onondaga
    "dak",  # Dakota
    "sto",  # Stoney
    "srs",  # Sarsi (Tsuut'ina)
}

INDICATORS = (
    "women_directors",
    "first_films",
    "indigenous_productions",
    "indigenous_languages",
    "youth",
)
# Where each indicator's answers come from.
SOURCES = {
    "women_directors": "self_identification",
    "first_films": "self_identification",
    "indigenous_productions": "self_identification",
    "indigenous_languages": "catalog",
    "youth": "catalog",
}
Period = Literal["production", "submission"]
Year = int | None


@dataclass(frozen=True)
class Facts:
    """What the indicators read of one film (no title, no name)."""

    year: Year
    languages: Sequence[str] = ()
    audience: str | None = None
    director_gender: str | None = None
    first_film: bool | None = None
    indigenous: bool | None = None


def _women(f: Facts) -> bool | None:
    if f.director_gender in ("woman", "man", "non_binary"):
        return f.director_gender == "woman"
    return None


def _languages(f: Facts) -> bool | None:
    return any(code in INDIGENOUS_LANGUAGES for code in f.languages) if f.languages else None


def _youth(f: Facts) -> bool | None:
    return None if f.audience is None else f.audience == Audience.jeunesse.value


# Each indicator: True (counted), False (in the base only) or None (out of the base).
QUESTIONS: Mapping[str, Callable[[Facts], bool | None]] = {
    "women_directors": _women,
    "first_films": lambda f: f.first_film,
    "indigenous_productions": lambda f: f.indigenous,
    "indigenous_languages": _languages,
    "youth": _youth,
}


@dataclass(frozen=True)
class Cell:
    """One indicator in one year (or all years: `year` "all"). `count`, `base` and `share`
    are all None when the cell is suppressed, or empty (no film in its base: it describes no
    one); `change` is the share minus the baseline's share."""

    year: Year | Literal["all"]
    count: int | None
    base: int | None
    share: float | None
    change: float | None = None
    empty: bool = False

    @property
    def suppressed(self) -> bool:
        return self.count is None and not self.empty


@dataclass(frozen=True)
class Series:
    indicator: str
    source: str
    cells: list[Cell]  # one per year of Indicators.years, in that order
    total: Cell


@dataclass(frozen=True)
class Indicators:
    period: Period
    years: list[Year]  # ascending, the unknown year (None) last
    baseline: Year
    series: dict[str, Series]


def _small(n: int) -> bool:
    return n < SUPPRESS_BELOW


def _order(year: Year) -> tuple[int, int]:
    return (1, 0) if year is None else (0, year)


def _series(
    indicator: str, counts: Mapping[Year, tuple[int, int]], years: Sequence[Year], baseline: Year
) -> Series:
    yes = {y: counts.get(y, (0, 0))[0] for y in years}
    base = {y: counts.get(y, (0, 0))[1] for y in years}
    empty = {y for y in years if base[y] == 0}
    total_yes, total_base = sum(yes.values()), sum(base.values())
    total_hidden = _small(total_yes) or _small(total_base - total_yes)
    # Primary: the count or its complement in the base under 5 (a base under 5 is one).
    hidden = {y for y in years if y not in empty and (_small(yes[y]) or _small(base[y] - yes[y]))}
    # Complementary: a lone hidden year beside a shown total would be the total minus the
    # other years; the year with the smallest count goes with it.
    others = [y for y in years if y not in empty and y not in hidden]
    if not total_hidden and len(hidden) == 1 and others:
        hidden.add(min(others, key=lambda y: (yes[y], _order(y))))

    def share(y: Year) -> float | None:
        return None if y in hidden or y in empty else yes[y] / base[y]

    reference = share(baseline) if baseline in yes else None
    cells = []
    for y in years:
        this = share(y)
        change = None if this is None or reference is None else this - reference
        if this is None:
            cells.append(Cell(y, None, None, None, None, empty=y in empty))
        else:
            cells.append(Cell(y, yes[y], base[y], this, change))
    if total_hidden or total_base == 0:
        total = Cell("all", None, None, None, empty=total_base == 0)
    else:
        total = Cell("all", total_yes, total_base, total_yes / total_base)
    return Series(indicator, SOURCES[indicator], cells, total)


def compute(
    facts: Sequence[Facts], *, baseline: Year = None, period: Period = "production"
) -> Indicators:
    """The indicators of these films, per year, suppressed; `baseline` defaults to the
    earliest known year."""
    years = sorted({f.year for f in facts}, key=_order)
    if baseline is None:
        baseline = next((y for y in years if y is not None), None)
    counts: dict[str, dict[Year, tuple[int, int]]] = {}
    for name, question in QUESTIONS.items():
        tally: dict[Year, list[int]] = defaultdict(lambda: [0, 0])
        for f in facts:
            answer = question(f)
            if answer is not None:
                tally[f.year][1] += 1
                tally[f.year][0] += int(answer)
        counts[name] = {y: (c[0], c[1]) for y, c in tally.items()}
    series = {name: _series(name, counts[name], years, baseline) for name in INDICATORS}
    return Indicators(period, years, baseline, series)


_COLUMNS = (
    col(Film.year),
    col(Film.created_at),
    col(Film.original_languages),
    col(Film.audience),
    col(SelfIdentification.director_gender),
    col(SelfIdentification.first_film),
    col(SelfIdentification.indigenous),
)


def facts(
    session: Session, *, period: Period = "production", statuses: Collection[Status] = ()
) -> list[Facts]:
    """One query: the counted columns of every film (of these statuses, when given), with
    its self-identification when there is one. Never names, titles or the nation."""
    query = sa_select(*_COLUMNS).outerjoin(
        SelfIdentification, col(SelfIdentification.film_id) == Film.id
    )
    if statuses:
        query = query.where(col(Film.status).in_(list(statuses)))
    found = []
    for year, created, languages, audience, gender, first, indigenous in session.execute(query):
        when: Year = year
        if period == "submission":
            when = created.year if isinstance(created, datetime) else None
        found.append(
            Facts(
                when,
                tuple(languages or ()),
                audience.value if audience is not None else None,
                gender,
                first,
                indigenous,
            )
        )
    return found


def indicators(
    session: Session,
    *,
    baseline: Year = None,
    period: Period = "production",
    statuses: Collection[Status] = (),
) -> Indicators:
    """The five indicators of the films (every status unless `statuses` says), per year."""
    return compute(
        facts(session, period=period, statuses=statuses), baseline=baseline, period=period
    )


ROW_FIELDS = ("indicator", "source", "year", "state", "count", "base", "share", "change")


def rows(result: Indicators) -> list[dict[str, object]]:
    """One flat row per indicator and year, then its total ("all"), for a CSV or a JSON: a
    suppressed cell has state "suppressed" and no numbers, an empty one "empty"; the
    unknown year is "unknown"."""
    found: list[dict[str, object]] = []
    for name in INDICATORS:
        series = result.series[name]
        for cell in [*series.cells, series.total]:
            state = "empty" if cell.empty else "suppressed" if cell.suppressed else "shown"
            found.append(
                {
                    "indicator": name,
                    "source": series.source,
                    "year": "unknown" if cell.year is None else cell.year,
                    "state": state,
                    "count": cell.count,
                    "base": cell.base,
                    "share": None if cell.share is None else round(cell.share, 4),
                    "change": None if cell.change is None else round(cell.change, 4),
                }
            )
    return found
