"""Media use cases: attach a file to a film, analyse it (images, proxy, preview, style, QC),
give demo films labelled stand-ins, and build a bundle's reel.

Files live under MEDIA_ROOT: originals by content hash, what is derived from them under
`derived/<sha256>/`. Derived files are shared by every asset of the same content, so a file
is analysed once however many films point to it. Each asset is committed on its own, so an
interrupted run keeps what it finished and the next one does the rest.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import media_tools
from catalog import queries, sharing
from catalog.models import Bundle, Film, MediaAsset, SeasonEpisode, utcnow
from web import jobs

Progress = Callable[[int, int], None]
DEFAULT_SPEC = "ebu-r128"


def _relative(path: Path, root: Path) -> str:
    return str(Path(path).resolve().relative_to(root.resolve()))


def attach(
    engine: Engine, film_id: int, source: Path, root: Path, *, stand_in: bool = False
) -> int:
    """Probe `source` and file it under MEDIA_ROOT for this film; returns the asset id.

    The file is refused (MediaError) unless ffmpeg reads it as media; the copy is written
    under a temporary name and renamed, so a failure leaves nothing half-copied.
    """
    info = media_tools.probe(Path(source))
    if not info.has_video and not info.has_audio:
        raise media_tools.MediaError(Path(source), "has neither video nor audio")
    target = root / "originals" / info.sha256[:2] / f"{info.sha256}{Path(source).suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    with Session(engine) as session:
        asset = MediaAsset(
            film_id=film_id,
            path=_relative(target, root),
            size_bytes=info.size_bytes,
            sha256=info.sha256,
            probe=info.to_dict() | {"path": _relative(target, root)},
            is_stand_in=stand_in,
        )
        session.add(asset)
        session.commit()
        assert asset.id is not None
        return asset.id


_DERIVED = (
    "poster_path",
    "thumbnail_paths",
    "contact_sheet_path",
    "proxy_path",
    "preview_path",
    "style",
    "style_vector",
    "qc",
    "analysis_error",
)


Guard = Callable[[Session], None]
# Told "<file name>: <step>" as each step of a file's analysis starts.
Detail = Callable[[str], None]


def analyse(
    engine: Engine,
    asset_id: int,
    root: Path,
    spec: str = DEFAULT_SPEC,
    guard: Guard | None = None,
    detail: Detail | None = None,
) -> None:
    """Everything derived from one asset's file, stored on the asset (each step may fail alone:
    an audio-only file gets its style and QC but no images). Its QC checks the file's duration
    against the film's declared runtime.

    `guard(session)` runs in each writing transaction before its commit; a job passes its
    lease check, which raises when the job has passed to another run, so a run that lost its
    job stores nothing. `detail` hears which step runs on which file.
    """
    with Session(engine) as session:
        asset = session.get(MediaAsset, asset_id)
        if asset is None:
            return
        film = session.get(Film, asset.film_id)
        runtime = film.runtime_seconds if film is not None else None
        # Named by its film's title; a stand-in clip (shared by many films) by its file name.
        shown = Path(asset.path).name
        if film is not None and not asset.is_stand_in:
            shown = f"«{film.display_title}»"
        duration = asset.probe.get("duration_s")
        twin = session.exec(
            select(MediaAsset).where(
                MediaAsset.sha256 == asset.sha256,
                col(MediaAsset.analysed_at).is_not(None),
                MediaAsset.id != asset_id,
            )
        ).first()
        if twin is not None:
            # Same content already analysed: share its results.
            for name in _DERIVED:
                setattr(asset, name, getattr(twin, name))
            if twin.qc:
                # The same file may stand for films of other runtimes.
                asset.qc = media_tools.with_duration(twin.qc, duration, runtime)
            asset.analysed_at = asset.updated_at = utcnow()
            session.add(asset)
            if guard is not None:
                guard(session)
            session.commit()
            return
        src = root / asset.path
        info = media_tools.MediaInfo.from_dict(asset.probe | {"path": str(src)})
    out = root / "derived" / info.sha256
    # A worker killed mid-render leaves its temporary files behind; the asset is analysed
    # again from the start, so they go. Those of a live writer (another job analysing the
    # same content) stay: each run writes under names of its own.
    for stale in media_tools.abandoned_partials(out):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    results: dict[str, Any] = {}
    errors: list[str] = []
    cuts: tuple[float, ...] = ()

    def step(name: str, action: Callable[[], Any]) -> Any:
        if detail is not None:
            detail(f"{shown}: {name}")
        try:
            return action()
        except media_tools.MediaError as error:
            errors.append(f"{name}: {error}")
            return None

    profile = step("style", lambda: media_tools.analyse_style(src, info=info))
    if profile is not None:
        cuts = tuple(profile.cut_times_s)
        results["style"] = profile.to_dict() | {
            "descriptors": {"fr": profile.descriptors("fr"), "en": profile.descriptors("en")}
        }
        results["style_vector"] = np.asarray(profile.vector(), dtype=np.float32).tobytes()
    if info.has_video:
        poster = step(
            "poster", lambda: media_tools.make_poster(src, out / "poster.jpg", info=info, cuts=cuts)
        )
        if poster is not None:
            results["poster_path"] = _relative(poster.path, root)
        thumbs = step(
            "thumbnails",
            lambda: media_tools.make_thumbnails(src, out / "thumbs", info=info, cuts=cuts),
        )
        results["thumbnail_paths"] = [_relative(p, root) for p in thumbs or []]
        sheet = step(
            "contact sheet", lambda: media_tools.make_contact_sheet(src, out / "contact.jpg")
        )
        if sheet is not None:
            results["contact_sheet_path"] = _relative(sheet, root)
        proxy = step("proxy", lambda: media_tools.make_proxy(src, out / "proxy.mp4", info=info))
        if proxy is not None:
            results["proxy_path"] = _relative(proxy, root)
        preview = step(
            "preview",
            lambda: media_tools.make_preview(src, out / "preview.mp4", info=info, cuts=cuts),
        )
        if preview is not None:
            results["preview_path"] = _relative(preview, root)
    else:
        errors.append("images, proxy and preview: the file has no video")
    report = step("qc", lambda: media_tools.qc_file(src, spec, info=info, profile=profile))
    if report is not None:
        results["qc"] = media_tools.with_duration(report.to_dict(), info.duration_s, runtime)
    with Session(engine) as session:
        asset = session.get(MediaAsset, asset_id)
        if asset is None:
            return
        for name, value in results.items():
            setattr(asset, name, value)
        asset.analysis_error = "; ".join(errors) or None
        asset.analysed_at = asset.updated_at = utcnow()
        session.add(asset)
        if guard is not None:
            guard(session)
        session.commit()


def pending_assets(
    engine: Engine, force: bool = False, film_ids: list[int] | None = None
) -> list[int]:
    with Session(engine) as session:
        statement = select(MediaAsset.id).order_by(col(MediaAsset.id))
        if not force:
            statement = statement.where(col(MediaAsset.analysed_at).is_(None))
        if film_ids:
            statement = statement.where(col(MediaAsset.film_id).in_(film_ids))
        return [i for i in session.exec(statement).all() if i is not None]


def distinct_files(engine: Engine, asset_ids: list[int]) -> int:
    """How many different files (by content) these assets hold."""
    with Session(engine) as session:
        statement = select(MediaAsset.sha256).where(col(MediaAsset.id).in_(asset_ids))
        return len(set(session.exec(statement).all()))


def _distinct_first(engine: Engine, asset_ids: list[int]) -> tuple[list[int], list[int]]:
    """One asset of each distinct content, then the others (in id order each)."""
    with Session(engine) as session:
        statement = select(MediaAsset.id, MediaAsset.sha256).where(
            col(MediaAsset.id).in_(asset_ids)
        )
        content = dict(session.exec(statement).all())
    seen: set[str] = set()
    first: list[int] = []
    rest: list[int] = []
    for asset_id in asset_ids:
        (rest if content.get(asset_id) in seen else first).append(asset_id)
        seen.add(content.get(asset_id, ""))
    return first, rest


def _file_detail(detail: Detail, number: int, files: int, text: str) -> None:
    detail(f"file {number}/{files}, {text}")


@dataclass(frozen=True)
class AnalysisReport:
    assets: int
    analysed: int
    failed: list[str]


def analyse_all(
    engine: Engine,
    root: Path,
    *,
    spec: str = DEFAULT_SPEC,
    force: bool = False,
    film_ids: list[int] | None = None,
    progress: Progress | None = None,
    guard: Guard | None = None,
    detail: Detail | None = None,
) -> AnalysisReport:
    """Analyse every asset not analysed yet (or all with `force`), committing each (`guard`,
    `detail`: see `analyse`).

    One asset of each distinct file comes first: those take the time, the others then share
    their results in a blink. `progress(done, total)` counts assets, from (0, total) on.
    """
    todo = pending_assets(engine, force, film_ids)
    if force:
        with Session(engine) as session:
            for asset in session.exec(select(MediaAsset).where(col(MediaAsset.id).in_(todo))):
                asset.analysed_at = None
                session.add(asset)
            if guard is not None:
                guard(session)
            session.commit()
    first, rest = _distinct_first(engine, todo)
    todo = first + rest
    failed = []
    if progress:
        progress(0, len(todo))
    for done, asset_id in enumerate(todo, start=1):
        step_detail = None
        if detail is not None and done <= len(first):
            step_detail = functools.partial(_file_detail, detail, done, len(first))
        elif detail is not None and done == len(first) + 1:
            detail("the other assets share the results of the same files")
        analyse(engine, asset_id, root, spec, guard, step_detail)
        with Session(engine) as session:
            done_asset = session.get(MediaAsset, asset_id)
            if done_asset is not None and done_asset.analysis_error:
                failed.append(f"asset {asset_id} ({done_asset.path}): {done_asset.analysis_error}")
        if progress:
            progress(done, len(todo))
    return AnalysisReport(len(todo), len(todo), failed)


# -- demo stand-ins ------------------------------------------------------------------------

STAND_IN_POOL = 8


def give_stand_ins(
    engine: Engine,
    root: Path,
    real_clips: list[Path],
    pool: int = STAND_IN_POOL,
    progress: Progress | None = None,
    making: Progress | None = None,
) -> int:
    """A labelled stand-in clip for every film without media, drawn from a small pool.

    `making(done, total)` hears the pool's clips being made (a few seconds each, once);
    `progress(done, total)` the films given one.

    The pool holds `pool` generated clips (each says "stand-in" on screen) and the real
    clips given (Big Buck Bunny in the demo, CC BY): enough variety for the style facet and
    the pitch room, at the cost of analysing a handful of files rather than every film.
    """
    films = films_without_media(engine)
    if not films:
        return 0
    clips = stand_in_pool(root, real_clips, pool, making)
    by_clip: dict[Path, MediaAsset] = {}
    for clip in clips:
        by_clip[clip] = _stand_in_asset(0, clip, root)
    with Session(engine) as session:
        for number, film_id in enumerate(films):
            template = by_clip[clips[number % len(clips)]]
            session.add(_stand_in_asset(film_id, template))
            if progress and number % 50 == 0:
                progress(number, len(films))
        session.commit()
    if progress:
        progress(len(films), len(films))
    return len(films)


def films_without_media(engine: Engine) -> list[int]:
    """The films no media file is attached to, by id."""
    with Session(engine) as session:
        have = select(MediaAsset.film_id)
        statement = select(Film.id).where(col(Film.id).not_in(have)).order_by(col(Film.id))
        return [film_id for film_id in session.exec(statement).all() if film_id is not None]


def stand_in_pool(
    root: Path, real_clips: list[Path], pool: int, making: Progress | None = None
) -> list[Path]:
    """The stand-in clips under MEDIA_ROOT: the real ones copied, `pool` generated (each
    made once: those already there are kept)."""
    folder = root / "stand-ins"
    folder.mkdir(parents=True, exist_ok=True)
    clips: list[Path] = []
    for clip in real_clips:
        # Real clips are filed under MEDIA_ROOT like any upload.
        target = folder / clip.name
        if clip.exists() and not target.exists():
            shutil.copyfile(clip, target)
        if target.exists():
            clips.append(target)
    if making:
        making(0, pool)
    for seed in range(pool):
        clip = folder / f"stand-in-{seed:02d}.mp4"
        if not clip.exists():
            media_tools.make_stand_in(clip, f"Anthologie — extrait {seed + 1}", 30, seed)
        clips.append(clip)
        if making:
            making(seed + 1, pool)
    return clips


def _stand_in_asset(film_id: int, clip: Path | MediaAsset, root: Path | None = None) -> MediaAsset:
    """A film's stand-in asset: the clip's file probed, or an asset of it copied."""
    if isinstance(clip, MediaAsset):
        path, size, sha256, probe = clip.path, clip.size_bytes, clip.sha256, clip.probe
    else:
        assert root is not None
        info = media_tools.probe(clip)
        path, size, sha256, probe = (
            _relative(clip, root),
            info.size_bytes,
            info.sha256,
            info.to_dict(),
        )
    return MediaAsset(
        film_id=film_id, path=path, size_bytes=size, sha256=sha256, probe=probe, is_stand_in=True
    )


def give_stand_in(
    engine: Engine, film_id: int, clip: str, root: Path, guard: Guard | None = None
) -> int:
    """Give the film the stand-in clip (a path under MEDIA_ROOT) unless it has media already;
    1 if it got it, 0 if not (so a second call changes nothing)."""
    with Session(engine) as session:
        if session.exec(select(MediaAsset.id).where(MediaAsset.film_id == film_id)).first():
            return 0
        if session.get(Film, film_id) is None:
            return 0
        template = session.exec(
            select(MediaAsset).where(MediaAsset.path == clip, col(MediaAsset.is_stand_in))
        ).first()
        session.add(_stand_in_asset(film_id, template or root / clip, root))
        if guard is not None:
            guard(session)
        session.commit()
    return 1


# -- bundle reels --------------------------------------------------------------------------


def build_reel(engine: Engine, bundle_id: int, root: Path) -> Path:
    """The bundle's sizzle reel: an excerpt of each film behind a title card, in order."""
    with Session(engine) as session:
        bundle = session.get(Bundle, bundle_id)
        if bundle is None:
            raise ValueError(f"no bundle {bundle_id}")
        films = sharing.films_of_bundle(session, bundle)
        region_names = queries.region_names(session)
        media = sharing.media_of_films(session, [f.id for f in films if f.id])
        items = []
        for film in films:
            asset = media.get(film.id or 0)
            if asset is None:
                continue
            cuts = tuple(asset.style.get("cut_times_s", ())) if asset.style else ()
            card = media_tools.TitleCard(
                film.display_title,
                ", ".join(film.directors),
                region_names.get(film.region_code or "", ""),
            )
            items.append(media_tools.ReelItem(root / asset.path, card, cuts=cuts))
        target = root / reel_name(bundle)
    if not items:
        raise ValueError(f"bundle {bundle_id}: none of its films has media yet")
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        media_tools.make_sizzle_reel(items, target)
    return target


# -- jobs ----------------------------------------------------------------------------------


def _root(context: jobs.JobContext) -> Path:
    return Path(context.app.config["MEDIA_ROOT"])


@jobs.handler("analyze")
def analyze_job(context: jobs.JobContext) -> dict[str, Any]:
    """One film's media analysed here; more (the whole catalog by default) spread over one
    `analyze` job per film that any worker takes, this one ending when they all have."""
    film_ids = context.params.get("film_ids")
    spec = context.params.get("spec", DEFAULT_SPEC)
    if film_ids is None or len(film_ids) > 1:
        films = films_to_analyse(context.engine, film_ids)
        context.fan_out(
            "analyze",
            [{"film_ids": [film_id], "spec": spec} for film_id in films],
            keys=[f"film {film_id}" for film_id in films],
        )
        return {"assets": 0, "failed": []}
    report = analyse_all(
        context.engine,
        _root(context),
        spec=spec,
        film_ids=film_ids,
        progress=context.progress,
        guard=context.hold,
    )
    return {"assets": report.assets, "failed": report.failed}


def films_to_analyse(engine: Engine, film_ids: list[int] | None = None) -> list[int]:
    """The films with media not analysed yet, those of a file no other holds first (the
    others then share their results)."""
    first, rest = _distinct_first(engine, pending_assets(engine, film_ids=film_ids))
    with Session(engine) as session:
        statement = select(MediaAsset.id, MediaAsset.film_id).where(
            col(MediaAsset.id).in_(first + rest)
        )
        film_of = dict(session.exec(statement).all())
    return list(dict.fromkeys(film_of[asset_id] for asset_id in first + rest))


@jobs.handler("stand-ins")
def stand_ins_job(context: jobs.JobContext) -> dict[str, Any]:
    """The stand-in pool made here, then one `stand-in` job per film without media."""
    root = _root(context)
    real = [Path(p) for p in context.params.get("real_clips", [])]
    clips = stand_in_pool(root, real, int(context.params.get("pool", STAND_IN_POOL)))
    films = films_without_media(context.engine)
    context.fan_out(
        "stand-in",
        [
            {"film_id": f, "clip": _relative(clips[n % len(clips)], root)}
            for n, f in enumerate(films)
        ],
        keys=[f"film {film_id}" for film_id in films],
    )
    return {"given": 0}


@jobs.handler("stand-in")
def stand_in_job(context: jobs.JobContext) -> dict[str, Any]:
    given = give_stand_in(
        context.engine,
        int(context.params["film_id"]),
        context.params["clip"],
        _root(context),
        context.hold,
    )
    return {"given": given}


@jobs.handler("reel")
def reel_job(context: jobs.JobContext) -> dict[str, Any]:
    path = build_reel(context.engine, int(context.params["bundle_id"]), _root(context))
    return {"path": _relative(path, _root(context))}


@jobs.handler("season-reels")
def season_reels_job(context: jobs.JobContext) -> dict[str, Any]:
    """The reel of each episode of a season, one `reel` job per episode."""
    with Session(context.engine) as session:
        episodes = session.exec(
            select(Bundle.id, Bundle.label)
            .join(SeasonEpisode, col(SeasonEpisode.bundle_id) == col(Bundle.id))
            .where(SeasonEpisode.season_id == int(context.params["season_id"]))
            .order_by(col(SeasonEpisode.position))
        ).all()
    context.fan_out(
        "reel",
        [{"bundle_id": bundle_id, "name": label} for bundle_id, label in episodes],
        keys=[f"bundle {bundle_id}" for bundle_id, _ in episodes],
    )
    return {"episodes": len(episodes)}


def has_reel(root: Path, bundle: Bundle) -> bool:
    """Whether the reel of the bundle's current film order is built."""
    return (root / reel_name(bundle)).is_file()


def reel_name(bundle: Bundle) -> str:
    """The reel's file name: it changes whenever the bundle's films or their order change."""
    order = ",".join(str(item.film_id) for item in bundle.items)
    return f"reels/bundle-{bundle.id}-{hashlib.sha256(order.encode()).hexdigest()[:12]}.mp4"
