"""Export readiness: which markets a film (and a bundle) can go to now, and what is missing.

A market is reached by a route: the film's original language, a subtitle file (subtitles,
closed captions or SDH), a dubbed track, or what a curator declared on the record
(Film.subtitle_languages, closed_captions, described_video). An attached subtitle file whose
stored QC (media_tools.subtitles' SubtitleReport.to_dict()) counts errors is "present but
failing QC": it reaches nothing. A declared subtitle language stands on its own only while
no file of that language is attached; once files are, they are the evidence and decide.

The markets: French ("fra"), English ("eng"), every other language a film reaches, captions
for CRTC delivery (closed captions or SDH), and described video.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from catalog.models import Film, FilmVersion, VersionKind

FRENCH = "fra"
ENGLISH = "eng"
CAPTIONS = "captions"
DESCRIBED = "described"
# The markets every film is judged for, in the order pages show them.
MAIN_MARKETS = (FRENCH, ENGLISH, CAPTIONS, DESCRIBED)

READY = "ready"
FAILING_QC = "failing_qc"
MISSING = "missing"

TEXT_KINDS = (VersionKind.subtitles.value, VersionKind.captions.value, VersionKind.sdh.value)
CAPTION_KINDS = (VersionKind.captions.value, VersionKind.sdh.value)

# Route kinds besides the VersionKind values of attached files.
ORIGINAL = "original"
DECLARED_SUBTITLES = "declared_subtitles"
DECLARED_CAPTIONS = "declared_captions"
DECLARED_DESCRIBED = "declared_described"


def qc_errors(qc: Mapping[str, Any] | None) -> int:
    """The errors a stored subtitle QC report counts (0 when there is no report yet)."""
    if not qc:
        return 0
    try:
        return int(qc.get("errors") or 0)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class Route:
    """One way a film reaches a market: `kind` is ORIGINAL, a DECLARED_… value or the
    VersionKind of an attached file; `qc_errors` > 0 marks a file failing its QC."""

    kind: str
    language: str = ""
    version_id: int | None = None
    qc_errors: int = 0
    qc_checked: bool = True

    @property
    def ok(self) -> bool:
        return self.qc_errors == 0

    @property
    def attached(self) -> bool:
        return self.version_id is not None


@dataclass(frozen=True)
class MarketReadiness:
    """A film's standing for one market: READY, FAILING_QC or MISSING, and its routes."""

    market: str
    routes: tuple[Route, ...] = ()

    @property
    def status(self) -> str:
        if any(r.ok for r in self.routes):
            return READY
        return FAILING_QC if self.routes else MISSING

    @property
    def ready(self) -> bool:
        return self.status == READY

    @property
    def failing(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if not r.ok)


@dataclass(frozen=True)
class FilmReadiness:
    film_id: int
    markets: tuple[MarketReadiness, ...]  # MAIN_MARKETS, in that order
    other_languages: tuple[MarketReadiness, ...]  # each other language the film touches

    def of(self, market: str) -> MarketReadiness:
        for m in (*self.markets, *self.other_languages):
            if m.market == market:
                return m
        return MarketReadiness(market)

    def ready_for(self, market: str) -> bool:
        return self.of(market).ready

    @property
    def ready_markets(self) -> tuple[str, ...]:
        return tuple(m.market for m in (*self.markets, *self.other_languages) if m.ready)


def _language_routes(film: Film, versions: Sequence[FilmVersion], language: str) -> list[Route]:
    routes = []
    if language in film.original_languages:
        routes.append(Route(ORIGINAL, language))
    texts = [v for v in versions if v.kind in TEXT_KINDS and v.language == language]
    for v in texts:
        routes.append(Route(v.kind, language, v.id, qc_errors(v.qc), bool(v.qc)))
    if language in film.subtitle_languages and not texts:
        routes.append(Route(DECLARED_SUBTITLES, language))
    for v in versions:
        if v.kind == VersionKind.dub and v.language == language:
            routes.append(Route(v.kind, language, v.id))
    return routes


def film_readiness(film: Film, versions: Sequence[FilmVersion]) -> FilmReadiness:
    """Where `film` can go now, from its record and its attached `versions`."""
    mine = [v for v in versions if v.film_id == film.id]
    captions = [v for v in mine if v.kind in CAPTION_KINDS]
    caption_routes = [
        Route(v.kind, v.language, v.id, qc_errors(v.qc), bool(v.qc)) for v in captions
    ]
    if film.closed_captions and not captions:
        caption_routes.append(Route(DECLARED_CAPTIONS))
    described = [Route(v.kind, v.language, v.id) for v in mine if v.kind == VersionKind.described]
    if film.described_video and not described:
        described.append(Route(DECLARED_DESCRIBED))
    others: list[str] = []
    for language in (
        *film.original_languages,
        *film.subtitle_languages,
        *(v.language for v in mine if v.kind in (*TEXT_KINDS, VersionKind.dub.value)),
    ):
        if language and language not in (FRENCH, ENGLISH) and language not in others:
            others.append(language)
    return FilmReadiness(
        film.id or 0,
        (
            MarketReadiness(FRENCH, tuple(_language_routes(film, mine, FRENCH))),
            MarketReadiness(ENGLISH, tuple(_language_routes(film, mine, ENGLISH))),
            MarketReadiness(CAPTIONS, tuple(caption_routes)),
            MarketReadiness(DESCRIBED, tuple(described)),
        ),
        tuple(MarketReadiness(x, tuple(_language_routes(film, mine, x))) for x in others),
    )


@dataclass(frozen=True)
class BundleMarket:
    """One market for a whole bundle: ready when every film is; `blockers` are the films
    that are not, each with its own standing (why)."""

    market: str
    ready: bool
    blockers: tuple[tuple[int, MarketReadiness], ...] = ()


def bundle_readiness(films: Sequence[FilmReadiness]) -> list[BundleMarket]:
    """The main markets, then every other language some film reaches, for the bundle."""
    markets = list(MAIN_MARKETS)
    for film in films:
        for other in film.other_languages:
            if other.ready and other.market not in markets:
                markets.append(other.market)
    out = []
    for market in markets:
        blockers = tuple((f.film_id, f.of(market)) for f in films if not f.ready_for(market))
        out.append(BundleMarket(market, bool(films) and not blockers, blockers))
    return out
