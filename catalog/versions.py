"""A film's versions as stored: subtitle files and audio tracks, one per kind and language.

`languages_of` says what a film offers once its attachments are counted: the languages a
curator declared (Film.original_languages, Film.subtitle_languages) plus what is attached —
a subtitle, caption or SDH file adds a subtitle language, a dub adds an audio language, a
described-video track makes the film described.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypedDict

from sqlmodel import Session, col, select

from catalog.models import Film, FilmVersion, VersionKind, utcnow

_IN_LIMIT = 500
TEXT_KINDS = frozenset({VersionKind.subtitles, VersionKind.captions, VersionKind.sdh})
AUDIO_KINDS = frozenset({VersionKind.dub, VersionKind.described})


class FilmLanguages(TypedDict):
    """What a film offers: ISO 639-3 codes in first-seen order, and three flags."""

    original: list[str]
    subtitles: list[str]  # declared + every subtitles/captions/sdh file's language
    captions: bool  # declared closed captions, or a captions file attached
    sdh: bool  # an SDH file attached
    dubs: list[str]  # languages of attached dubbed audio tracks
    described: bool  # declared described video, or a described-video track attached


def _merged(*groups: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for group in groups:
        for code in group:
            if code and code not in seen:
                seen.append(code)
    return seen


def languages_of(film: Film, versions: Sequence[FilmVersion]) -> FilmLanguages:
    """The film's effective languages: what is declared plus what is attached."""
    mine = [v for v in versions if v.film_id == film.id]
    kinds = {v.kind for v in mine}
    return FilmLanguages(
        original=_merged(film.original_languages),
        subtitles=_merged(
            film.subtitle_languages, (v.language for v in mine if v.kind in TEXT_KINDS)
        ),
        captions=bool(film.closed_captions) or VersionKind.captions in kinds,
        sdh=VersionKind.sdh in kinds,
        dubs=_merged(v.language for v in mine if v.kind == VersionKind.dub),
        described=bool(film.described_video) or VersionKind.described in kinds,
    )


_KIND_ORDER = {kind.value: i for i, kind in enumerate(VersionKind)}


def _order(version: FilmVersion) -> tuple[int, int, str]:
    """Text tracks first (subtitles, captions, SDH), then audio (dubs, described), by language."""
    return version.film_id, _KIND_ORDER.get(version.kind, 99), version.language


def versions_of(session: Session, film_id: int) -> list[FilmVersion]:
    """A film's versions: text tracks first, then audio, each kind by language."""
    rows = session.exec(select(FilmVersion).where(FilmVersion.film_id == film_id)).all()
    return sorted(rows, key=_order)


def versions_by_film(session: Session, film_ids: Sequence[int]) -> dict[int, list[FilmVersion]]:
    """Every listed film's versions in one query (films with none are absent)."""
    if not film_ids:
        return {}
    statement = select(FilmVersion)
    # A catalog-wide list (100k films) would overflow a database's bound parameters: few
    # films have versions, so then every version is read and those of other films dropped.
    wanted = set(film_ids)
    if len(wanted) <= _IN_LIMIT:
        statement = statement.where(col(FilmVersion.film_id).in_(sorted(wanted)))
    out: dict[int, list[FilmVersion]] = {}
    for row in sorted(session.exec(statement).all(), key=_order):
        if row.film_id in wanted:
            out.setdefault(row.film_id, []).append(row)
    return out


def languages_by_film(session: Session, films: Sequence[Film]) -> dict[int, FilmLanguages]:
    """languages_of for many films, their versions read in one query."""
    attached = versions_by_film(session, [f.id for f in films if f.id is not None])
    return {f.id: languages_of(f, attached.get(f.id, [])) for f in films if f.id is not None}


def get_version(session: Session, version_id: int) -> FilmVersion | None:
    return session.get(FilmVersion, version_id)


def find_version(session: Session, film_id: int, kind: str, language: str) -> FilmVersion | None:
    return session.exec(
        select(FilmVersion).where(
            FilmVersion.film_id == film_id,
            FilmVersion.kind == kind,
            FilmVersion.language == language,
        )
    ).first()


def _touch(session: Session, film_id: int) -> None:
    """The film changed with its versions: its update raises the catalog version, so that
    pages cached on it (a pitch's film cards) show the new languages and tracks."""
    film = session.get(Film, film_id)
    if film is not None:
        film.updated_at = utcnow()
        session.add(film)


def put_version(
    session: Session, film_id: int, kind: str, language: str, **fields: Any
) -> tuple[FilmVersion, FilmVersion | None]:
    """Attach a version, or replace the one of the same kind and language.

    Returns the stored version and, on a replacement, a detached copy of what it replaced
    (so that the caller can delete the old files once the commit has succeeded)."""
    VersionKind(kind)  # a ValueError for an unknown kind
    existing = find_version(session, film_id, kind, language)
    previous: FilmVersion | None = None
    if existing is None:
        version = FilmVersion(film_id=film_id, kind=kind, language=language, **fields)
    else:
        previous = FilmVersion.model_validate(existing.model_dump())
        version = existing
        version.qc = {}
        version.vtt_path = None
        version.duration_seconds = None
        for key, value in fields.items():
            setattr(version, key, value)
        version.updated_at = utcnow()
    session.add(version)
    _touch(session, film_id)
    session.commit()
    session.refresh(version)
    return version, previous


def remove_version(session: Session, version: FilmVersion) -> FilmVersion:
    """Delete a version; returns it (detached) so that the caller can delete its files."""
    gone = FilmVersion.model_validate(version.model_dump())
    session.delete(version)
    _touch(session, version.film_id)
    session.commit()
    return gone
