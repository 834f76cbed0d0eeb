"""Reads and writes of the catalog, each taking a Session first; views never build select()."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlalchemy.orm import load_only, selectinload
from sqlmodel import Session, col, select

from catalog.fields import fold
from catalog.models import (
    Credit,
    Film,
    Job,
    MediaAsset,
    Municipality,
    Region,
    Role,
    Status,
    utcnow,
)
from catalog.places import PlaceIndex, default_index


def load_reference(session: Session, index: PlaceIndex | None = None) -> int:
    """Add the regions and municipalities the database lacks; returns how many were added."""
    index = index or default_index()
    have_regions = set(session.exec(select(Region.code)).all())
    have_towns = set(session.exec(select(Municipality.code)).all())
    added = 0
    for region in index.regions:
        if region.code not in have_regions:
            session.add(Region(code=region.code, name=region.name))
            added += 1
    session.flush()
    for town in index.municipalities:
        if town.code not in have_towns:
            session.add(
                Municipality(
                    code=town.code,
                    name=town.name,
                    designation=town.designation,
                    region_code=town.region_code,
                    mrc_name=town.mrc_name,
                    population=town.population,
                )
            )
            added += 1
    return added


@dataclass(frozen=True)
class FilmFilter:
    region: str | None = None
    status: Status | None = None
    text: str | None = None
    incomplete: bool = False
    form: str | None = None
    genre: str | None = None
    language: str | None = None
    audience: str | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    year_from: int | None = None
    year_to: int | None = None
    has_media: bool | None = None


def _json_holds(column: Any, value: str) -> Any:
    """A JSON list column holds `value` (any case): matched on the column's JSON text.

    SQLite keeps the text as written (non-ASCII escaped as \\uXXXX), PostgreSQL renders
    JSONB with the characters themselves, so both spellings are tried.
    """
    import json

    text = func.lower(cast(column, String))
    wanted = value.strip().lower()
    return or_(
        text.like(f"%{json.dumps(wanted)}%"),
        text.like(f"%{json.dumps(wanted, ensure_ascii=False)}%"),
    )


@dataclass(frozen=True)
class FilmPage:
    films: Sequence[Film]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# What a list of films shows (title, year, runtime, region, directors, what the record lacks).
_LISTED = (
    Film.id,
    Film.original_title,
    Film.title_fr,
    Film.title_en,
    Film.year,
    Film.runtime_seconds,
    Film.region_code,
    Film.synopsis_fr,
    Film.synopsis_en,
    Film.form,
    Film.original_languages,
    Film.audience,
    Film.status,
)


def list_films(
    session: Session,
    filters: FilmFilter,
    page: int = 1,
    per_page: int = 50,
    *,
    listing: bool = False,
) -> FilmPage:
    """One page of films, by title, with their credits (three queries: count, rows, credits).

    `listing` loads only what a list shows, and only the directors among the credits: the
    films are then for display, not for reading every field.
    """
    query = select(Film)
    if listing:
        query = query.options(
            load_only(*_LISTED),  # type: ignore[arg-type]
            selectinload(Film.credits.and_(Credit.role == Role.director)),  # type: ignore[attr-defined]
        )
    if filters.region:
        query = query.where(Film.region_code == filters.region)
    if filters.status:
        query = query.where(Film.status == filters.status)
    if filters.text:
        query = query.where(col(Film.search_text).contains(fold(filters.text)))
    if filters.form:
        query = query.where(Film.form == filters.form)
    if filters.genre:
        query = query.where(_json_holds(Film.genres, filters.genre))
    if filters.language:
        query = query.where(_json_holds(Film.original_languages, filters.language))
    if filters.audience:
        query = query.where(Film.audience == filters.audience)
    if filters.min_minutes is not None:
        query = query.where(col(Film.runtime_seconds) >= filters.min_minutes * 60)
    if filters.max_minutes is not None:
        query = query.where(col(Film.runtime_seconds) <= filters.max_minutes * 60)
    if filters.year_from is not None:
        query = query.where(col(Film.year) >= filters.year_from)
    if filters.year_to is not None:
        query = query.where(col(Film.year) <= filters.year_to)
    if filters.has_media is not None:
        with_media = select(MediaAsset.film_id)
        media_test = col(Film.id).in_(with_media)
        query = query.where(media_test if filters.has_media else ~media_test)
    if filters.incomplete:
        query = query.where(
            or_(
                col(Film.runtime_seconds).is_(None),
                (col(Film.synopsis_fr).is_(None) & col(Film.synopsis_en).is_(None)),
            )
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    page = max(1, page)
    rows = session.exec(
        query.order_by(col(Film.sort_title), col(Film.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return FilmPage(rows, total, page, per_page)


def get_film(session: Session, film_id: int) -> Film | None:
    return session.get(Film, film_id)


def regions(session: Session) -> Sequence[Region]:
    return session.exec(select(Region).order_by(Region.code)).all()


def region_names(session: Session) -> dict[str, str]:
    """Region code → name, for labelling films by their region."""
    return {region.code: region.name for region in regions(session)}


def films_of_owner(session: Session, owner_id: int) -> Sequence[Film]:
    statement = select(Film).where(Film.owner_id == owner_id).order_by(col(Film.created_at).desc())
    return session.exec(statement).all()


def set_status(session: Session, film: Film, status: Status, message: str | None) -> None:
    """A curator's decision on a film, and the message its filmmaker will read."""
    film.status = status
    film.curator_message = (message or "").strip() or None
    film.updated_at = utcnow()
    session.add(film)


def get_job(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def films_by_ids(session: Session, ids: Sequence[int]) -> Sequence[Film]:
    if not ids:
        return []
    return session.exec(select(Film).where(col(Film.id).in_(list(ids)))).all()
