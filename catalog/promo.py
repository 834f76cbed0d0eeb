"""A film's promotional assets (PromoAsset): making-of and interview clips, stills, set photos,
a teacher's guide or press PDF, in the order a curator gives them.

Reads and writes only; where the files come from and what is made of them is
web/usecases/promo.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from catalog.models import PromoAsset

# Each kind and the type of file it must be (found by probing the file, never by its name).
KINDS: dict[str, str] = {
    "making_of": "video",
    "interview": "video",
    "set_visit": "video",
    "trailer": "video",
    "still": "image",
    "set_photo": "image",
    "teacher_guide": "pdf",
    "press": "pdf",
}
MEDIA_TYPES = ("video", "image", "pdf")


def get(session: Session, promo_id: int) -> PromoAsset | None:
    return session.get(PromoAsset, promo_id)


def of_film(session: Session, film_id: int) -> list[PromoAsset]:
    """The film's assets in their order."""
    return of_films(session, [film_id]).get(film_id, [])


def of_films(session: Session, film_ids: Iterable[int]) -> dict[int, list[PromoAsset]]:
    """Film id → its assets in order, for many films in one query."""
    ids = sorted(set(film_ids))
    if not ids:
        return {}
    statement = (
        select(PromoAsset)
        .where(col(PromoAsset.film_id).in_(ids))
        .order_by(col(PromoAsset.film_id), col(PromoAsset.position), col(PromoAsset.id))
    )
    found: dict[int, list[PromoAsset]] = {}
    for asset in session.exec(statement):
        found.setdefault(asset.film_id, []).append(asset)
    return found


def add(session: Session, asset: PromoAsset) -> PromoAsset:
    """File `asset` after the film's others (flushed: it has its id)."""
    last = session.exec(
        select(func.max(PromoAsset.position)).where(PromoAsset.film_id == asset.film_id)
    ).one()
    asset.position = 0 if last is None else int(last) + 1
    session.add(asset)
    session.flush()
    return asset


def remove(session: Session, asset: PromoAsset) -> list[str]:
    """Delete the row; returns the paths (under MEDIA_ROOT) no other asset uses any more,
    for the caller to delete once the change is committed."""
    paths = [p for p in (asset.path, asset.preview_path, asset.thumbnail_path) if p]
    session.delete(asset)
    session.flush()
    still_used = set()
    for column in (PromoAsset.path, PromoAsset.preview_path, PromoAsset.thumbnail_path):
        still_used |= set(session.exec(select(column).where(col(column).in_(paths))).all())
    return [p for p in paths if p not in still_used]


def move(session: Session, asset: PromoAsset, offset: int) -> None:
    """Move `asset` `offset` places (negative: earlier) among its film's; positions are
    renumbered 0, 1, 2… so they stay unique."""
    assets = of_film(session, asset.film_id)
    index = [a.id for a in assets].index(asset.id)
    order = [a for a in assets if a.id != asset.id]
    order.insert(max(0, min(len(order), index + offset)), asset)
    for position, item in enumerate(order):
        item.position = position
        session.add(item)
    session.flush()
