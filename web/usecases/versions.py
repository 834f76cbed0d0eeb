"""A film's versions as a curator or its filmmaker attaches them: a subtitle file (subtitles,
closed captions or SDH) or an audio track (a dub, described video), one per kind and language.

A subtitle file is read before it is kept: one that does not parse is refused, naming its first
bad line. It is kept as sent and as WebVTT (what a `<track>` plays), and QC'd against the
timed-text figures, with the film's audience's reading speed and, when the film's own file was
analysed, its duration, frame rate and silence map. An audio track must hold a sound stream
(ffprobe, with a timeout). Files are written under MEDIA_ROOT/versions/<film_id>/ under a
temporary name, then renamed into place; a replaced version's files are deleted once the
database holds the new one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

import media_tools
from catalog import sharing, versions
from catalog.fields import FieldError, parse_language
from catalog.models import Film, FilmVersion, MediaAsset, VersionKind
from catalog.versions import FilmLanguages
from media_tools import subtitles as timed_text

FOLDER = "versions"
PROBE_TIMEOUT_S = 60.0
# The film's silence map is drawn from its file at upload: no longer than this.
SILENCE_TIMEOUT_S = 300.0
# An audio track whose length is this far from the film's is flagged (seconds).
DURATION_TOLERANCE_S = 2.0
AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".mp3", ".m4a", ".aac", ".ac3", ".eac3", ".ogg", ".opus", ".mka", ".mp4"}
)
SUBTITLE_SUFFIXES = frozenset({".srt", ".vtt"})


class VersionRefused(Exception):
    """Why a version is refused; `kind` names the case for the page: kind, language,
    empty, too_large, unparsable (line, code, message, more), no_audio, unreadable (problem)."""

    def __init__(self, kind: str, **details: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.details = details


def is_text(kind: str) -> bool:
    return kind in versions.TEXT_KINDS


def checked_kind(kind: str) -> str:
    try:
        return VersionKind(kind).value
    except ValueError:
        raise VersionRefused("kind") from None


def checked_language(cell: str) -> str:
    """An ISO 639-3 code from a code or a name ("fr", "fra", "français", "English")."""
    if not cell.strip():
        raise VersionRefused("language")
    try:
        return parse_language(cell)
    except FieldError:
        raise VersionRefused("language", given=cell.strip()[:40]) from None


@contextlib.contextmanager
def _written(dst: Path) -> Iterator[Path]:
    """A temporary path beside `dst`, renamed onto it when the block succeeds."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f".{dst.name}.partial"
    try:
        yield tmp
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _parsed(source: Path) -> timed_text.ParsedSubtitles:
    size = source.stat().st_size
    if size > timed_text.MAX_BYTES:
        raise VersionRefused("too_large", limit=timed_text.MAX_BYTES)
    parsed = timed_text.parse_subtitles(source.read_bytes())
    broken = [p for p in parsed.problems if p.severity == timed_text.ERROR]
    if broken:
        first = broken[0]
        raise VersionRefused(
            "unparsable",
            line=first.line,
            code=first.code,
            message=first.message,
            more=len(broken) - 1,
        )
    if not parsed.cues:
        raise VersionRefused("unparsable", line=None, code="no_cue", message="no cue", more=0)
    return parsed


def _film_media(root: Path, session: Session, film_id: int) -> tuple[MediaAsset, Path] | None:
    """The film's own analysed file (a demo's stand-in clip is not the film), if any."""
    asset = sharing.media_of_films(session, [film_id]).get(film_id)
    if asset is None or asset.is_stand_in or asset.analysed_at is None:
        return None
    for relative in (asset.proxy_path, asset.path):
        if relative and (root / relative).is_file():
            return asset, root / relative
    return None


def subtitle_qc(
    root: Path, session: Session, film: Film, parsed: timed_text.ParsedSubtitles, name: str
) -> dict[str, Any]:
    """The QC report of a parsed file for this film (SubtitleReport.to_dict)."""
    audience = film.audience.value if film.audience else None
    rules = timed_text.TimedTextRules.for_audience(audience)
    duration: float | None = None
    silences: list[tuple[float, float]] | None = None
    found = _film_media(root, session, film.id or 0)
    if found is not None:
        asset, path = found
        info = media_tools.MediaInfo.from_dict(asset.probe) if asset.probe else None
        duration = info.duration_s if info else None
        if info and info.video and info.video.frame_rate:
            rate = round(info.video.frame_rate, 3)
            rules = timed_text.TimedTextRules.for_audience(audience, frame_rate=rate)
        try:
            silences = timed_text.silence_map(path, timeout=SILENCE_TIMEOUT_S)
        except media_tools.MediaError:
            silences = None  # coverage against the duration only
    report = timed_text.check_subtitles(
        parsed, rules, path=name, film_duration_s=duration, silences=silences
    )
    data = report.to_dict()
    data["against_film"] = found is not None
    data["silence_map"] = silences is not None
    data["audience_set"] = audience is not None  # else the adult limits, said as such
    return data


def _audio_probe(source: Path, film: Film) -> tuple[media_tools.MediaInfo, dict[str, Any]]:
    try:
        info = media_tools.probe(source, check_packets=False, timeout=PROBE_TIMEOUT_S)
    except media_tools.MediaError as error:
        raise VersionRefused("unreadable", problem=error.problem[:200]) from None
    if not info.audio:
        raise VersionRefused("no_audio")
    stream = info.audio[0]
    findings = []
    film_s = film.runtime_seconds
    if info.duration_s and film_s and abs(info.duration_s - film_s) > DURATION_TOLERANCE_S:
        findings.append(
            {"code": "duration_mismatch", "measured": round(info.duration_s, 1), "limit": film_s}
        )
    qc = {
        "audio": True,
        "container": info.container,
        "codec": stream.codec,
        "channels": stream.channels,
        "sample_rate": stream.sample_rate,
        "language_tag": stream.language,
        "duration_s": info.duration_s,
        "film_duration_s": film_s,
        "findings": findings,
        "passed": True,  # a track with sound plays; a length unlike the film's is for a person
        "errors": 0,
        "warnings": len(findings),
    }
    return info, qc


def _suffix(name: str, kind: str) -> str:
    suffix = Path(name).suffix.lower()
    if is_text(kind):
        return suffix if suffix in SUBTITLE_SUFFIXES else ".srt"
    return suffix if suffix in AUDIO_SUFFIXES else ".audio"


@dataclass(frozen=True)
class Attached:
    version: FilmVersion
    replaced: bool


def attach(
    root: Path,
    session: Session,
    film: Film,
    kind: str,
    language: str,
    source: Path,
    original_name: str,
    user_id: int | None,
) -> Attached:
    """Check `source` (a temporary file the caller deletes), keep it for the film, and store
    the version (replacing the one of the same kind and language); VersionRefused otherwise."""
    assert film.id is not None
    kind, language = checked_kind(kind), checked_language(language)
    size = source.stat().st_size
    if size == 0:
        raise VersionRefused("empty")
    digest = media_tools.sha256_of(source)
    folder = root / FOLDER / str(film.id)
    stem = f"{kind}-{language}-{digest[:12]}"
    fields: dict[str, Any] = {
        "original_name": Path(original_name).name[:200],
        "size_bytes": size,
        "sha256": digest,
        "uploaded_by": user_id,
    }
    if is_text(kind):
        parsed = _parsed(source)
        target = folder / f"{stem}.{parsed.format}"
        vtt = folder / f"{stem}.vtt" if parsed.format == "srt" else target
        with _written(target) as tmp:
            shutil.copyfile(source, tmp)
        if vtt != target:
            with _written(vtt) as tmp:
                tmp.write_text(timed_text.to_vtt(parsed.cues), encoding="utf-8", newline="\n")
        fields |= {
            "format": parsed.format,
            "vtt_path": str(vtt.relative_to(root)),
            "duration_seconds": max((c.end_s for c in parsed.cues), default=None),
            "qc": subtitle_qc(root, session, film, parsed, fields["original_name"]),
        }
    else:
        info, qc = _audio_probe(source, film)
        target = folder / f"{stem}{_suffix(original_name, kind)}"
        with _written(target) as tmp:
            shutil.copyfile(source, tmp)
        fields |= {"format": info.container[:16], "duration_seconds": info.duration_s, "qc": qc}
    fields["path"] = str(target.relative_to(root))
    version, previous = versions.put_version(session, film.id, kind, language, **fields)
    if previous is not None:
        _delete_files(root, previous, keep=version)
    return Attached(version, previous is not None)


def _delete_files(root: Path, gone: FilmVersion, keep: FilmVersion | None = None) -> None:
    kept = {keep.path, keep.vtt_path} if keep else set()
    for relative in {gone.path, gone.vtt_path}:
        if relative and relative not in kept:
            (root / relative).unlink(missing_ok=True)


def remove(root: Path, session: Session, version: FilmVersion) -> None:
    _delete_files(root, versions.remove_version(session, version))


def version_of_film(session: Session, film_id: int, version_id: int) -> FilmVersion | None:
    """The version, if it belongs to this film."""
    version = versions.get_version(session, version_id)
    return version if version is not None and version.film_id == film_id else None


def text_tracks(session: Session, film_ids: list[int]) -> dict[int, list[FilmVersion]]:
    """Each film's subtitle versions that have a WebVTT file, for the players' `<track>`s."""
    return {
        film_id: [v for v in found if is_text(v.kind) and v.vtt_path]
        for film_id, found in versions.versions_by_film(session, film_ids).items()
    }


def report_of(version: FilmVersion) -> timed_text.SubtitleReport | None:
    """A subtitle version's stored QC report (None for an audio track or none stored)."""
    if not is_text(version.kind) or not version.qc:
        return None
    return timed_text.SubtitleReport.from_dict(version.qc)


@dataclass(frozen=True)
class Panel:
    """What a film's page shows of its versions: each version, the film's languages once
    they are counted, and the subtitle versions its player offers as `<track>`s."""

    versions: list[FilmVersion]
    languages: FilmLanguages
    tracks: list[FilmVersion]


def panel(session: Session, film: Film) -> Panel:
    found = versions.versions_of(session, film.id or 0)
    return Panel(
        found,
        versions.languages_of(film, found),
        [v for v in found if is_text(v.kind) and v.vtt_path],
    )


def panels(session: Session, films: list[Film]) -> dict[int, Panel]:
    """`panel` for each film (a pitch's cards), every version read in one query."""
    found = versions.versions_by_film(session, [f.id for f in films if f.id is not None])
    out: dict[int, Panel] = {}
    for film in films:
        mine = found.get(film.id or 0, [])
        tracks = [v for v in mine if is_text(v.kind) and v.vtt_path]
        out[film.id or 0] = Panel(mine, versions.languages_of(film, mine), tracks)
    return out
