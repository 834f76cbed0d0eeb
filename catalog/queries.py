"""Reads and writes of the catalog, each taking a Session first; views never build select()."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, String, cast, column, func, or_
from sqlalchemy import text as sql_text
from sqlmodel import Session, col, select

from catalog import history
from catalog.fields import fold
from catalog.models import (
    CatalogVersion,
    Credit,
    Film,
    FilmVersion,
    Job,
    MediaAsset,
    Municipality,
    Region,
    Role,
    Status,
    VersionKind,
    missing_fields,
    utcnow,
)
from catalog.places import PlaceIndex, default_index
from catalog.readiness import TEXT_KINDS

Listed = TypeVar("Listed")


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
    # A language a buyer needs (ISO 639-3): the film is in it, or subtitled or dubbed in it
    # with no failing QC (catalog/readiness.py says the same film by film).
    ready_for: str | None = None


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
class FilmPage(Generic[Listed]):
    films: Sequence[Listed]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class FilmLine:
    """A film as a list shows it, read from plain rows rather than built as a Film."""

    id: int
    display_title: str
    year: int | None
    runtime_seconds: int | None
    region_code: str | None
    directors: tuple[str, ...]
    lacks: tuple[str, ...]
    title_en: str | None = None  # for the English interface

    @classmethod
    def of(cls, film: Film) -> FilmLine:
        return cls(
            film.id or 0,
            film.display_title,
            film.year,
            film.runtime_seconds,
            film.region_code,
            tuple(film.directors),
            tuple(film.lacks()),
            film.title_en,
        )


def _text_match(session: Session, text: str) -> Any:
    """Films whose search text holds `text` (folded), through the trigram index of 0003.

    SQLite looks the phrase up in its FTS5 trigram table; PostgreSQL's LIKE uses the pg_trgm
    index by itself. Under three characters there is no trigram to look up: LIKE scans.
    """
    folded = fold(text)
    if len(folded) >= 3 and session.get_bind().dialect.name == "sqlite":
        # fold() leaves only letters, digits and single spaces: nothing to quote.
        hits = sql_text("SELECT rowid FROM film_search WHERE film_search MATCH :phrase")
        return col(Film.id).in_(
            hits.bindparams(phrase=f'"{folded}"').columns(column("rowid", Integer))
        )
    return col(Film.search_text).contains(folded)


def _filtered(session: Session, query: Any, filters: FilmFilter) -> Any:
    """`query` narrowed to the films `filters` asks for."""
    if filters.region:
        query = query.where(Film.region_code == filters.region)
    if filters.status:
        query = query.where(Film.status == filters.status)
    if filters.text:
        query = query.where(_text_match(session, filters.text))
    if filters.form:
        query = query.where(Film.form == filters.form)
    if filters.genre:
        query = query.where(_json_holds(Film.genres, filters.genre))
    if filters.language:
        query = query.where(_json_holds(Film.original_languages, filters.language))
    if filters.audience:
        query = query.where(Film.audience == filters.audience)
    if filters.ready_for:
        query = query.where(ready_for_language(filters.ready_for))
    if filters.min_minutes is not None:
        query = query.where(col(Film.runtime_seconds) >= filters.min_minutes * 60)
    if filters.max_minutes is not None:
        query = query.where(col(Film.runtime_seconds) <= filters.max_minutes * 60)
    if filters.year_from is not None:
        query = query.where(col(Film.year) >= filters.year_from)
    if filters.year_to is not None:
        query = query.where(col(Film.year) <= filters.year_to)
    if filters.has_media is not None:
        # A demo's stand-in clip is not the film's media.
        with_media = select(MediaAsset.film_id).where(col(MediaAsset.is_stand_in).is_(False))
        media_test = col(Film.id).in_(with_media)
        query = query.where(media_test if filters.has_media else ~media_test)
    if filters.incomplete:
        query = query.where(
            or_(
                col(Film.runtime_seconds).is_(None),
                (col(Film.synopsis_fr).is_(None) & col(Film.synopsis_en).is_(None)),
            )
        )
    return query


def ready_for_language(language: str) -> Any:
    """Films a buyer of `language` can take now, as catalog/readiness.py judges them: in it
    originally, dubbed in it, or with a subtitle file in it whose QC counts no error; or
    declared as subtitled in it while no subtitle file of that language is attached."""
    errors = func.coalesce(col(FilmVersion.qc)["errors"].as_integer(), 0)
    in_language = select(FilmVersion.film_id).where(FilmVersion.language == language)
    passing = in_language.where(
        or_(
            col(FilmVersion.kind) == VersionKind.dub.value,
            col(FilmVersion.kind).in_(TEXT_KINDS) & (errors == 0),
        )
    )
    text_files = in_language.where(col(FilmVersion.kind).in_(TEXT_KINDS))
    return or_(
        _json_holds(Film.original_languages, language),
        col(Film.id).in_(passing),
        _json_holds(Film.subtitle_languages, language) & col(Film.id).not_in(text_files),
    )


def filtered(session: Session, query: Any, filters: FilmFilter) -> Any:
    """`query` (any select from Film) narrowed as the catalog's list narrows its films, for
    the aggregates of other modules (the observatory's funnel)."""
    return _filtered(session, query, filters)


def _count(session: Session, filters: FilmFilter) -> int:
    query = _filtered(session, select(func.count()).select_from(Film), filters)
    return int(session.exec(query).one())


def list_films(
    session: Session, filters: FilmFilter, page: int = 1, per_page: int = 50
) -> FilmPage[Film]:
    """One page of films, by title, as Film objects (credits load when read)."""
    page = max(1, page)
    query = _filtered(session, select(Film), filters)
    rows = session.exec(
        query.order_by(col(Film.sort_title), col(Film.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return FilmPage(rows, _count(session, filters), page, per_page)


# What a list of films shows, and what it needs to tell what the record lacks.
_LISTED: tuple[Any, ...] = (
    Film.id,
    Film.original_title,
    Film.title_fr,
    Film.title_en,
    Film.year,
    Film.runtime_seconds,
    Film.region_code,
    Film.form,
    Film.original_languages,
    Film.audience,
    (col(Film.synopsis_fr).is_not(None) | col(Film.synopsis_en).is_not(None)).label("synopsis"),
)


def list_film_lines(
    session: Session, filters: FilmFilter, page: int = 1, per_page: int = 50
) -> FilmPage[FilmLine]:
    """One page of films, by title, as the lines of a list: three plain queries (count,
    rows, directors) and no Film objects, which cost more than the queries themselves."""
    total = _count(session, filters)
    # A page past the end (or a 20-digit one, which no database would take as an offset)
    # shows the last page.
    page = min(max(1, page), max(1, -(-total // per_page)))
    query = _filtered(session, select(*_LISTED), filters)
    connection = session.connection()
    rows = connection.execute(
        query.order_by(col(Film.sort_title), col(Film.id))
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    directors = director_names(session, [row.id for row in rows])
    lines = [
        FilmLine(
            row.id,
            row.title_fr or row.original_title,
            row.year,
            row.runtime_seconds,
            row.region_code,
            tuple(directors[row.id]),
            tuple(
                missing_fields(
                    runtime_seconds=row.runtime_seconds,
                    has_synopsis=bool(row.synopsis),
                    year=row.year,
                    form=row.form,
                    has_directors=bool(directors[row.id]),
                    region_code=row.region_code,
                    original_languages=row.original_languages,
                    audience=row.audience,
                )
            ),
            row.title_en,
        )
        for row in rows
    ]
    return FilmPage(lines, total, page, per_page)


def director_names(session: Session, film_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each film's directors in credit order (an empty list for none): one query."""
    directors: dict[int, list[str]] = {film_id: [] for film_id in film_ids}
    if directors:
        credits = session.connection().execute(
            select(Credit.film_id, Credit.name)
            .where(col(Credit.film_id).in_(list(directors)), Credit.role == Role.director)
            .order_by(col(Credit.film_id), col(Credit.position))
        )
        for film_id, name in credits:
            directors[film_id].append(name)
    return directors


def catalog_version(session: Session) -> int:
    """A number that changes with every write to what lists and pitches show (CatalogVersion)."""
    statement = select(CatalogVersion.version).where(CatalogVersion.id == 1)
    return int(session.connection().execute(statement).scalar_one())


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


def set_status(
    session: Session,
    film: Film,
    status: Status,
    message: str | None,
    *,
    user_id: int | None = None,
) -> None:
    """A curator's decision on a film, and the message its filmmaker will read; kept in the
    film's history as a "decision" by `user_id`."""
    before = history.snapshot(film)
    film.status = status
    film.curator_message = (message or "").strip() or None
    film.updated_at = utcnow()
    session.add(film)
    history.record_since(session, film, before, user_id, "decision")


def get_job(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def films_by_ids(session: Session, ids: Sequence[int]) -> Sequence[Film]:
    if not ids:
        return []
    return session.exec(select(Film).where(col(Film.id).in_(list(ids)))).all()


def film_ids_without_synopsis(session: Session) -> set[int]:
    """Films with no synopsis in either language (short or long): only their title to go by."""
    statement = select(Film.id).where(
        *(
            or_(col(field).is_(None), col(field) == "")
            for field in (
                Film.synopsis_fr,
                Film.synopsis_en,
                Film.synopsis_long_fr,
                Film.synopsis_long_en,
            )
        )
    )
    return {int(i) for i in session.exec(statement).all() if i is not None}


def credit_names(session: Session, text: str, limit: int = 10) -> list[str]:
    """Names of people credited in the catalog that contain `text`, the most credited first:
    what a form suggests as a director's or an actor's name is typed."""
    text = text.strip()
    if len(text) < 2:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    count = func.count(col(Credit.id))
    statement = (
        select(Credit.name, count)
        .where(col(Credit.name).ilike(pattern, escape="\\"))
        .group_by(Credit.name)
        .order_by(count.desc(), Credit.name)
        .limit(limit)
    )
    return [name for name, _count in session.exec(statement).all()]
