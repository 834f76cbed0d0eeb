"""Bundles as curators edit them: items, order, pins, lock, name and pitch, with history."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, or_
from sqlmodel import Session, col, func, select, update

from catalog.models import (
    Bundle,
    BundleItem,
    BundleRevision,
    BundleStatus,
    Film,
    Proposal,
    Status,
    utcnow,
)


class AlreadyInBundle(ValueError):
    """The film to add is in the bundle already (another curator may just have added it)."""


class NotInBundle(ValueError):
    """The film to move, pin, swap or remove is not in the bundle (or no longer)."""


class OrderMismatch(ValueError):
    """A new order that does not hold exactly the bundle's films (it changed meanwhile)."""


class BundleLocked(ValueError):
    """The bundle is locked: only unlocking, renaming and its text may change."""


class NotARevision(ValueError):
    """The revision to go back to is not one of this bundle's."""


def claim(session: Session, bundle_id: int) -> Bundle | None:
    """The bundle, read after taking its write lock, which it keeps until the session commits
    or rolls back; None if there is no such bundle.

    An edit reads the bundle's films and writes them back, so two edits at once must not both
    read before either writes: the second would undo the first, add a film twice or rewrite an
    item the first removed. The lock is a write to the bundle's own row, the first write of
    the edit: PostgreSQL locks that row, SQLite the whole database (its writers go one at a
    time, and a transaction begins there at its first write). Other edits of the bundle wait,
    then read what the first one committed.
    """
    locked = session.execute(
        update(Bundle).where(col(Bundle.id) == bundle_id).values(updated_at=utcnow())
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        return None
    return session.get(Bundle, bundle_id, populate_existing=True)


def live_bundles(session: Session) -> Sequence[Bundle]:
    """Bundles not archived, newest first."""
    statement = select(Bundle).where(Bundle.status != BundleStatus.archived)
    return session.exec(statement.order_by(col(Bundle.updated_at).desc(), col(Bundle.id))).all()


def proposal_of(session: Session, bundle: Bundle) -> Proposal | None:
    return session.get(Proposal, bundle.proposal_id) if bundle.proposal_id else None


def latest_proposal(session: Session) -> Proposal | None:
    """The newest run of the bundle engine, whose unplaced films the workbench shows."""
    statement = select(Proposal).order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())
    return session.exec(statement.limit(1)).first()


def films_in_live_bundles(session: Session, except_bundle: int | None = None) -> set[int]:
    statement = (
        select(BundleItem.film_id)
        .join(Bundle, col(Bundle.id) == BundleItem.bundle_id)
        .where(Bundle.status != BundleStatus.archived)
    )
    if except_bundle is not None:
        statement = statement.where(Bundle.id != except_bundle)
    return set(session.exec(statement).all())


def free_films_timed(
    session: Session, low: int, high: int, busy: set[int]
) -> tuple[Sequence[Film], dict[str, int]]:
    """Accepted films outside `busy` whose runtime is within low..high seconds, and how many
    others were left out because they have no runtime ("no_runtime"), or one longer than
    `high` ("too_long") or shorter than `low` ("too_short").

    The runtime is filtered by the database, so a catalog of thousands loads only the few
    films of the right length; the rest are only counted."""
    runtime = col(Film.runtime_seconds)
    free: list[Any] = [Film.status == Status.accepted]
    if busy:
        free.append(col(Film.id).not_in(sorted(busy)))
    kind = case(
        (or_(runtime.is_(None), runtime <= 0), "no_runtime"),
        (runtime > high, "too_long"),
        (runtime < low, "too_short"),
        else_="",
    )
    counts = {
        str(k): int(n)
        for k, n in session.exec(select(kind, func.count()).where(*free).group_by(kind)).all()
        if k
    }
    films = session.exec(
        select(Film)
        .where(*free, runtime > 0, runtime >= low, runtime <= high)
        .order_by(col(Film.id))
    ).all()
    return films, counts


def _renumber(bundle: Bundle) -> None:
    for position, item in enumerate(sorted(bundle.items, key=lambda i: i.position)):
        item.position = position


def _touch(session: Session, bundle: Bundle, note: str, snapshot: dict[str, Any]) -> None:
    if bundle.status == BundleStatus.proposed:
        bundle.status = BundleStatus.edited
    bundle.updated_at = utcnow()
    session.add(bundle)
    session.add(BundleRevision(bundle_id=bundle.id, snapshot=snapshot, note=note))  # type: ignore[arg-type]


def snapshot(bundle: Bundle) -> dict[str, Any]:
    items = sorted(bundle.items, key=lambda i: i.position)
    return {
        "label": bundle.label,
        "label_en": bundle.label_en,
        "pitch_text": bundle.pitch_text,
        "pitch_text_en": bundle.pitch_text_en,
        "status": bundle.status.value,
        "films": [item.film_id for item in items],
        "pinned": [item.film_id for item in items if item.pinned],
    }


def edit(session: Session, bundle: Bundle, action: str, **args: Any) -> None:
    """Apply one curator edit and record it in the bundle's history.

    Actions: add (film_id), remove (film_id), up / down (film_id), swap (film_id, with_id),
    pin (film_id), order (film_ids: the new order), rename (label, label_en), pitch (text),
    lock, unlock, revert (revision_id: back to that revision's films, pins, name and text, as
    a new revision), archive. A rename without `label_en` names the bundle alike in both
    languages. A revision's note names the edit and its film ("remove 12", "swap 12 → 14",
    "revert 7"), so that the history can say it in words.
    Raises ValueError for an edit that makes no sense (unknown film, film already there):
    AlreadyInBundle, NotInBundle and OrderMismatch for those that edits at the same time make.
    Call it on a bundle from `claim`, so that it edits what is stored.
    """
    items = {item.film_id: item for item in bundle.items}
    film_id = int(args["film_id"]) if args.get("film_id") is not None else -1
    if action in ("remove", "up", "down", "swap", "pin") and film_id not in items:
        raise NotInBundle(f"film {film_id} is not in this bundle")
    if bundle.status == BundleStatus.locked and action not in ("unlock", "rename", "pitch"):
        raise BundleLocked("this bundle is locked: unlock it to change its films")
    ordered = sorted(bundle.items, key=lambda i: i.position)
    note = f"{action} {film_id}" if film_id in items or action == "add" else action
    if action == "add":
        if film_id in items:
            raise AlreadyInBundle(f"film {film_id} is already in this bundle")
        if session.get(Film, film_id) is None:
            raise ValueError(f"film {film_id} does not exist")
        bundle.items.append(BundleItem(film_id=film_id, position=len(ordered)))  # type: ignore[call-arg]
    elif action == "remove":
        bundle.items.remove(items[film_id])
        session.delete(items[film_id])
    elif action in ("up", "down"):
        index = ordered.index(items[film_id])
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(ordered):
            ordered[index].position, ordered[other].position = (
                ordered[other].position,
                ordered[index].position,
            )
    elif action == "order":
        wanted = [int(i) for i in args["film_ids"]]
        if sorted(wanted) != sorted(items):
            raise OrderMismatch("the new order must hold exactly the bundle's films")
        for position, fid in enumerate(wanted):
            items[fid].position = position
    elif action == "swap":
        replacement = int(args["with_id"])
        if replacement in items or session.get(Film, replacement) is None:
            raise ValueError(f"film {replacement} cannot replace film {film_id}")
        items[film_id].film_id = replacement
        items[film_id].pinned = False
        note = f"swap {film_id} → {replacement}"
    elif action == "pin":
        items[film_id].pinned = not items[film_id].pinned
    elif action == "rename":
        label = str(args.get("label", "")).strip()
        if not label:
            raise ValueError("a bundle needs a name")
        bundle.label = label
        bundle.label_en = str(args.get("label_en") or "").strip()
    elif action == "pitch":
        bundle.pitch_text = str(args.get("text", "")).strip()
        bundle.pitch_text_en = str(args.get("text_en") or "").strip()
    elif action == "lock":
        bundle.status = BundleStatus.locked
    elif action == "unlock":
        bundle.status = BundleStatus.edited
    elif action == "revert":
        revision = session.get(BundleRevision, int(args.get("revision_id") or -1))
        if revision is None or revision.bundle_id != bundle.id:
            raise NotARevision(f"no revision {args.get('revision_id')} of this bundle")
        _restore(session, bundle, revision.snapshot)
        note = f"revert {revision.id}"
    elif action == "archive":
        bundle.status = BundleStatus.archived
    else:
        raise ValueError(f"unknown edit {action!r}")
    _renumber(bundle)
    session.flush()
    session.refresh(bundle)
    _touch(session, bundle, note, snapshot(bundle))


def _restore(session: Session, bundle: Bundle, state: dict[str, Any]) -> None:
    """Give the bundle a snapshot's films (those that still exist), pins, name and text.

    Items of films kept are updated in place and only the others deleted or added, so that
    no two items of one film exist at once (the unique constraint) within the flush."""
    wanted = [int(i) for i in state.get("films", [])]
    existing = {f.id for f in session.exec(select(Film).where(col(Film.id).in_(wanted)))}
    wanted = [i for i in dict.fromkeys(wanted) if i in existing]
    pinned = {int(i) for i in state.get("pinned", [])}
    items = {item.film_id: item for item in bundle.items}
    for film_id, item in items.items():
        if film_id not in wanted:
            bundle.items.remove(item)
            session.delete(item)
    for position, film_id in enumerate(wanted):
        kept = items.get(film_id)
        if kept is None:
            kept = BundleItem(film_id=film_id, position=position)  # type: ignore[call-arg]
            bundle.items.append(kept)
        kept.position = position
        kept.pinned = film_id in pinned
    bundle.label = str(state.get("label") or bundle.label)
    bundle.label_en = str(state.get("label_en") or "")
    bundle.pitch_text = str(state.get("pitch_text") or "")
    bundle.pitch_text_en = str(state.get("pitch_text_en") or "")


def history(session: Session, bundle_id: int, limit: int | None = None) -> Sequence[BundleRevision]:
    """The bundle's revisions, newest first (the `limit` newest, when given)."""
    statement = select(BundleRevision).where(BundleRevision.bundle_id == bundle_id)
    statement = statement.order_by(
        col(BundleRevision.created_at).desc(), col(BundleRevision.id).desc()
    )
    if limit is not None:
        statement = statement.limit(limit)
    return session.exec(statement).all()


def history_size(session: Session, bundle_id: int) -> int:
    statement = select(func.count()).select_from(BundleRevision)
    return int(session.exec(statement.where(BundleRevision.bundle_id == bundle_id)).one())


def revision(session: Session, bundle_id: int, revision_id: int) -> BundleRevision | None:
    found = session.get(BundleRevision, revision_id)
    return found if found is not None and found.bundle_id == bundle_id else None
