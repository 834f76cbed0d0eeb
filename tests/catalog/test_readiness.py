"""Export readiness: markets reached by the record's declarations and by attached versions,
a subtitle file failing its QC reaching nothing, and a bundle blocked by the film that lacks."""

from __future__ import annotations

from typing import Any

from catalog.models import Film, FilmVersion
from catalog.readiness import (
    CAPTIONS,
    DESCRIBED,
    ENGLISH,
    FAILING_QC,
    FRENCH,
    MISSING,
    READY,
    bundle_readiness,
    film_readiness,
    qc_errors,
)

# A SubtitleReport.to_dict() as stored, trimmed to what readiness reads.
FAILING = {"passed": False, "errors": 3, "warnings": 1, "findings": []}
PASSING = {"passed": True, "errors": 0, "warnings": 2, "findings": []}


def film(film_id: int, **fields: Any) -> Film:
    return Film(id=film_id, original_title=f"Film {film_id}", match_key=str(film_id), **fields)


def version(
    film_id: int, kind: str, language: str, qc: dict[str, Any] | None = None
) -> FilmVersion:
    return FilmVersion(
        id=film_id * 100 + len(language) + len(kind),
        film_id=film_id,
        kind=kind,
        language=language,
        path=f"v/{film_id}/{kind}.{language}",
        qc=qc or {},
    )


def test_declared_fields_alone_say_which_markets_a_film_reaches() -> None:
    quebec = film(
        1, original_languages=["fra"], subtitle_languages=["eng", "spa"], closed_captions=True
    )
    ready = film_readiness(quebec, [])
    assert ready.of(FRENCH).status == READY and ready.of(FRENCH).routes[0].kind == "original"
    assert ready.of(ENGLISH).status == READY
    assert [r.kind for r in ready.of(ENGLISH).routes] == ["declared_subtitles"]
    assert ready.of(CAPTIONS).status == READY
    assert ready.of(DESCRIBED).status == MISSING
    assert [m.market for m in ready.other_languages] == ["spa"] and ready.ready_for("spa")
    assert ready.ready_markets == (FRENCH, ENGLISH, CAPTIONS, "spa")


def test_attached_versions_open_markets_and_a_failing_file_opens_none() -> None:
    innu = film(2, original_languages=["moe"])
    attached = [
        version(2, "subtitles", "fra", PASSING),
        version(2, "subtitles", "eng", FAILING),
        version(2, "sdh", "fra", FAILING),
        version(2, "described", "fra"),
        version(2, "dub", "spa"),
        version(9, "subtitles", "eng", PASSING),  # another film's file counts for nothing
    ]
    ready = film_readiness(innu, attached)
    assert ready.of(FRENCH).status == READY
    english = ready.of(ENGLISH)
    assert english.status == FAILING_QC and english.failing[0].qc_errors == 3
    assert ready.of(CAPTIONS).status == FAILING_QC
    assert ready.of(DESCRIBED).status == READY
    assert ready.ready_for("spa") and ready.ready_for("moe")
    # A passing English dub beside the failing file makes the film ready for English buyers.
    dubbed = film_readiness(innu, [*attached, version(2, "dub", "eng")])
    assert dubbed.of(ENGLISH).status == READY


def test_an_attached_failing_file_outweighs_a_declaration_of_its_language() -> None:
    declared = film(3, original_languages=["fra"], subtitle_languages=["eng"])
    assert film_readiness(declared, []).ready_for(ENGLISH)
    failing = film_readiness(declared, [version(3, "subtitles", "eng", FAILING)])
    assert failing.of(ENGLISH).status == FAILING_QC
    # A file not yet checked (no report stored) counts as present.
    unchecked = film_readiness(declared, [version(3, "subtitles", "eng")])
    assert unchecked.ready_for(ENGLISH) and not unchecked.of(ENGLISH).routes[0].qc_checked
    assert qc_errors(None) == 0 and qc_errors(FAILING) == 3


def test_a_bundle_is_ready_for_a_market_only_when_every_film_is() -> None:
    french_only = film(4, original_languages=["fra"])
    bilingual = film(5, original_languages=["fra", "eng"], described_video=True)
    failing = film(6, original_languages=["fra"])
    each = [
        film_readiness(french_only, [version(4, "subtitles", "eng", PASSING)]),
        film_readiness(bilingual, []),
        film_readiness(failing, [version(6, "subtitles", "eng", FAILING)]),
    ]
    markets = {m.market: m for m in bundle_readiness(each)}
    assert markets[FRENCH].ready and not markets[FRENCH].blockers
    assert not markets[ENGLISH].ready
    assert [(fid, s.status) for fid, s in markets[ENGLISH].blockers] == [(6, FAILING_QC)]
    assert [fid for fid, _ in markets[DESCRIBED].blockers] == [4, 6]
    assert not bundle_readiness([])[0].ready
