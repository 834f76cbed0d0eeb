"""What a buyer reads of a bundle: its running order against the slot, and where its films
come from. The pitch page draws these; the numbers are the page's, never the engine's
scores (no closeness, no floors)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from catalog.models import Film
from curation.films import MONTREAL, OUTSIDE_QUEBEC
from curation.rules import QUEBEC_REGIONS

SegmentKind = Literal["film", "interstitial", "free", "over"]


@dataclass(frozen=True)
class Segment:
    """One stretch of the slot: a film, the break before it, or the time left free."""

    kind: SegmentKind
    start: int  # seconds from the top of the slot
    seconds: int
    film: Film | None = None
    position: int = 0  # the film's place in the running order, from 1

    @property
    def end(self) -> int:
        return self.start + self.seconds


@dataclass(frozen=True)
class Timeline:
    """The running order laid on the slot: films with their breaks, then the time left (or,
    when the films run past the slot, by how much)."""

    slot_seconds: int
    segments: tuple[Segment, ...]

    @property
    def runtime(self) -> int:
        """Seconds of film, breaks left out."""
        return sum(s.seconds for s in self.segments if s.kind == "film")

    @property
    def used(self) -> int:
        """Seconds the films and their breaks take out of the slot."""
        return sum(s.seconds for s in self.segments if s.kind in ("film", "interstitial"))

    @property
    def free(self) -> int:
        return max(self.slot_seconds - self.used, 0)

    @property
    def over(self) -> int:
        return max(self.used - self.slot_seconds, 0)

    @property
    def scale(self) -> int:
        """What the bar's full width stands for: the slot, or the films when they overrun it."""
        return max(self.slot_seconds, self.used, 1)

    def share(self, segment: Segment) -> float:
        """A segment's width on the bar, in percent of `scale`."""
        return 100 * segment.seconds / self.scale


def running_order(films: Sequence[Film], slot_seconds: int, interstitial: int = 0) -> Timeline:
    """The films in order, each after its break (`interstitial` seconds: a title card, an
    intro; none when the bundle's rules set none), and the slot's remaining time."""
    segments: list[Segment] = []
    at = 0
    for position, film in enumerate(films, start=1):
        if interstitial > 0:
            segments.append(Segment("interstitial", at, interstitial, film, position))
            at += interstitial
        runtime = film.runtime_seconds or 0
        segments.append(Segment("film", at, runtime, film, position))
        at += runtime
    if at < slot_seconds:
        segments.append(Segment("free", at, slot_seconds - at))
    elif at > slot_seconds:
        segments.append(Segment("over", slot_seconds, at - slot_seconds))
    return Timeline(slot_seconds, tuple(segments))


Area = Literal["montreal", "regions", "outside", "unknown"]
AREAS: tuple[Area, ...] = ("montreal", "regions", "outside", "unknown")


def area_of(code: str | None) -> Area:
    """Montréal, Québec's other regions, outside Québec, or a region nobody recorded."""
    if code == MONTREAL:
        return "montreal"
    if code in QUEBEC_REGIONS:
        return "regions"
    if code == OUTSIDE_QUEBEC:
        return "outside"
    return "unknown"


@dataclass(frozen=True)
class RegionShare:
    """One region of origin: its films' runtime and number, and its share of the runtime."""

    code: str | None
    area: Area
    seconds: int
    films: int
    of_runtime: float  # 0..1


@dataclass(frozen=True)
class Origins:
    """Where a bundle's films come from: each region, and the three areas a Québec buyer asks
    about (Montréal, the other regions, outside Québec)."""

    regions: tuple[RegionShare, ...]
    areas: tuple[RegionShare, ...]  # code None; only the areas that hold a film

    @property
    def quebec_regions(self) -> int:
        """How many distinct regions of Québec (Montréal included) the films come from."""
        return sum(1 for r in self.regions if r.area in ("montreal", "regions"))


def origins(films: Sequence[Film]) -> Origins:
    """Runtime and films per region, Montréal first, then the other regions by runtime, then
    outside Québec and the unknown."""
    seconds: dict[str | None, int] = {}
    counts: dict[str | None, int] = {}
    for film in films:
        code = film.region_code or None
        seconds[code] = seconds.get(code, 0) + (film.runtime_seconds or 0)
        counts[code] = counts.get(code, 0) + 1
    total = sum(seconds.values()) or 1
    rows = [
        RegionShare(code, area_of(code), seconds[code], counts[code], seconds[code] / total)
        for code in seconds
    ]
    rows.sort(key=lambda r: (AREAS.index(r.area), -r.seconds, r.code or ""))
    areas = []
    for area in AREAS:
        members = [r for r in rows if r.area == area]
        if members:
            area_seconds = sum(r.seconds for r in members)
            films_in = sum(r.films for r in members)
            areas.append(RegionShare(None, area, area_seconds, films_in, area_seconds / total))
    return Origins(tuple(rows), tuple(areas))
