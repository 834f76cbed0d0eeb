"""A recipient's watermarked previews and reel: made once per recipient and kept under
MEDIA_ROOT/watermarks/<share_id>/ (`<asset_id>-preview.mp4`, and `reel-<order>.mp4` named by
the reel's film order so that a reordered bundle gets a new one), made on demand and ahead of
time by a background job queued when a share is created.

One encode per file at a time: a writer holds an exclusive file lock beside the target,
checks again that the file is still missing, then writes under a temporary name and renames
it, so concurrent requests wait for the one encode and no reader ever sees half a file.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import Engine
from sqlmodel import Session

import media_tools
from catalog import promo as catalog_promo
from catalog import sharing
from catalog.models import Bundle, MediaAsset, PromoAsset, ShareLink
from media_tools import burn_watermark, watermark_text
from web import jobs
from web.usecases.media import reel_name

# What is kept under MEDIA_ROOT for one recipient.
FOLDER = "watermarks"


class NoMedia(LookupError):
    """The film has no preview yet (or the bundle no reel): nothing to watermark."""


def share_text(share: ShareLink) -> str:
    """The recipient's name, organisation and the day the link was made."""
    return watermark_text(
        share.recipient_name, share.recipient_organisation, share.created_at.date().isoformat()
    )


def preview_target(root: Path, share_id: int, asset_id: int) -> Path:
    return root / FOLDER / str(share_id) / f"{asset_id}-preview.mp4"


def reel_target(root: Path, share_id: int, bundle: Bundle) -> Path:
    order = Path(reel_name(bundle)).stem.rsplit("-", 1)[-1]
    return root / FOLDER / str(share_id) / f"reel-{order}.mp4"


def forget(root: Path, share_ids: list[int]) -> None:
    """Delete these recipients' watermarked copies (their links are revoked: nobody may
    stream them again, and they name a person)."""
    for share_id in share_ids:
        shutil.rmtree(root / FOLDER / str(share_id), ignore_errors=True)


def made_once(
    source: Path, target: Path, text: str, burn: Callable[[Path, Path, str], Path] | None = None
) -> Path:
    """`target` (the watermarked `source`, by `burn`: burn_watermark, a clip's, by default),
    made now unless it is there, by one writer."""
    if target.is_file():
        return target
    if not source.is_file():
        raise NoMedia(str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.parent / f".{target.name}.lock"
    with open(lock, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # waits for another writer of the same file
        try:
            if not target.is_file():
                (burn or burn_watermark)(source, target, text)
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    return target


def watermarked_preview(root: Path, share: ShareLink, asset: MediaAsset) -> Path:
    if not asset.preview_path or asset.id is None or share.id is None:
        raise NoMedia(f"asset {asset.id} has no preview")
    target = preview_target(root, share.id, asset.id)
    return made_once(root / asset.preview_path, target, share_text(share))


def promo_target(root: Path, share_id: int, asset: PromoAsset) -> Path:
    suffix = ".mp4" if asset.media_type == "video" else ".jpg"
    return root / FOLDER / str(share_id) / f"promo-{asset.id}{suffix}"


def watermarked_promo(root: Path, share: ShareLink, asset: PromoAsset) -> Path:
    """The recipient's copy of a promotional clip or picture (web/usecases/promo.py), their
    name burned in like a preview's."""
    if asset.media_type not in ("video", "image") or not asset.preview_path or share.id is None:
        raise NoMedia(f"promo {asset.id} has nothing to watermark")
    target = promo_target(root, share.id, asset)
    burn = burn_watermark if asset.media_type == "video" else media_tools.burn_watermark_still
    return made_once(root / asset.preview_path, target, share_text(share), burn)


def watermarked_reel(root: Path, share: ShareLink, bundle: Bundle) -> Path:
    assert share.id is not None
    target = reel_target(root, share.id, bundle)
    return made_once(root / reel_name(bundle), target, share_text(share))


@dataclass(frozen=True)
class Clip:
    """A recipient's watermarked file and how long it plays."""

    path: Path
    duration_s: float | None
    film_id: int | None  # None: the reel


def clip_for(root: Path, session: Session, share: ShareLink, asset_id: int | None) -> Clip:
    """The watermarked preview of `asset_id` (None: the reel) for this share, made if needed;
    NoMedia when the asset is not one of the share's bundle's films or has no preview."""
    bundle = session.get(Bundle, share.bundle_id)
    if bundle is None:
        raise NoMedia(f"bundle {share.bundle_id}")
    film_id = None
    if asset_id is None:
        path = watermarked_reel(root, share, bundle)
    else:
        asset = session.get(MediaAsset, asset_id)
        if asset is None or sharing.outside_bundle(bundle, asset.film_id):
            raise NoMedia(f"asset {asset_id} is not in bundle {bundle.id}")
        path, film_id = watermarked_preview(root, share, asset), asset.film_id
    return Clip(path, media_tools.probe(path).duration_s, film_id)


# -- ahead of time -------------------------------------------------------------------------


def queue_watermarks(engine: Engine, share_id: int, app: Flask | None = None) -> int:
    """Queue the making of this share's watermarked previews and reel; returns the job id.

    Called where shares are created, so that a recipient's first play rarely waits.
    """
    return jobs.submit(engine, "watermarks", {"share_id": share_id}, app)


def make_watermarks(engine: Engine, root: Path, share_id: int) -> dict[str, Any]:
    """Every watermarked file of the share that can be made now, its films' promotional clips
    and pictures included (a film without a preview, or a reel not built yet, is skipped: it
    is made on demand later)."""
    made: list[str] = []
    skipped: list[str] = []
    with Session(engine) as session:
        share = session.get(ShareLink, share_id)
        bundle = session.get(Bundle, share.bundle_id) if share else None
        if share is None or bundle is None:
            return {"made": made, "skipped": ["share"]}
        films = sharing.films_of_bundle(session, bundle)
        media = sharing.media_of_films(session, [f.id for f in films if f.id is not None])
        promos = catalog_promo.of_films(session, [f.id for f in films if f.id is not None])
        session.expunge_all()
    for asset in media.values():
        try:
            made.append(_relative(watermarked_preview(root, share, asset), root))
        except (NoMedia, media_tools.MediaError) as error:
            skipped.append(f"asset {asset.id}: {error}")
    for item in (a for assets in promos.values() for a in assets if a.media_type != "pdf"):
        try:
            made.append(_relative(watermarked_promo(root, share, item), root))
        except (NoMedia, media_tools.MediaError) as error:
            skipped.append(f"promo {item.id}: {error}")
    if (root / reel_name(bundle)).is_file():
        made.append(_relative(watermarked_reel(root, share, bundle), root))
    return {"made": made, "skipped": skipped}


def _relative(path: Path, root: Path) -> str:
    return os.path.relpath(path, root)


@jobs.handler("watermarks")
def watermarks_job(context: jobs.JobContext) -> dict[str, Any]:
    root = Path(context.app.config["MEDIA_ROOT"])
    return make_watermarks(context.engine, root, int(context.params["share_id"]))
