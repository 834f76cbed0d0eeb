"""Films' records as people edit them: a filmmaker's submission and edits, a curator's edit of
any film, and a curator's edit of several films at once. Each change is kept in the film's
history (catalog.history) in the same transaction as the change itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from catalog import history, queries
from catalog import self_identification as identification
from catalog.fields import FieldError, parse_audience, parse_form, parse_language, parse_region
from catalog.models import Film, FilmChange, Status, utcnow
from catalog.places import PlaceError, default_index
from catalog.records import apply_to_film, match_key

__all__ = [
    "BULK_FIELDS",
    "EMBEDDED_FIELDS",
    "MAX_BULK",
    "BulkRejected",
    "BulkResult",
    "bulk_edit",
    "changes_of",
    "keep_self_identification",
    "save_edit",
    "self_identification",
    "submit",
    "undo",
    "withdraw_self_identification",
]


def self_identification(
    session: Session, film: Film, user_id: int | None
) -> identification.Answers | None:
    """The self-identification kept for a film, for its filmmaker's own form only: None for
    anyone else, and when nothing is kept."""
    if film.id is None or user_id is None or film.owner_id != user_id:
        return None
    return identification.answers_of(session, film.id)


def keep_self_identification(
    session: Session,
    film: Film,
    answers: identification.Answers,
    *,
    consent: bool,
    user_id: int | None,
) -> str:
    """The filmmaker's voluntary self-identification for their film: kept with consent,
    deleted without it; never part of the record or its history. "saved", "deleted",
    "nothing", or "refused" when the user is not the film's filmmaker."""
    if film.id is None or user_id is None or film.owner_id != user_id:
        return "refused"
    return identification.save(session, film.id, answers, consent=consent, user_id=user_id)


def withdraw_self_identification(session: Session, film: Film, user_id: int | None) -> bool:
    """Consent withdrawn by the film's filmmaker: the answers are deleted. Whether any were."""
    if film.id is None or user_id is None or film.owner_id != user_id:
        return False
    return identification.withdraw(session, film.id)


# What a bulk edit may do to every selected film: set one of these ...
BULK_SET = ("region", "audience", "form", "original_language")
# ... or add one entry to one of these lists.
BULK_ADD = ("subject", "style_tag")
BULK_FIELDS = BULK_SET + BULK_ADD
MAX_BULK = 500  # films in one bulk edit
MAX_TAG = 120  # characters of a subject or style tag

changes_of = history.changes_of


def submit(
    session: Session, record: Mapping[str, object], *, owner_id: int, screener_url: str | None
) -> Film:
    """A filmmaker's new film, kept as submitted with its first history entry; committed."""
    film = Film(original_title="", match_key=match_key(dict(record)), status=Status.submitted)
    apply_to_film(film, dict(record))  # type: ignore[arg-type]
    film.owner_id = owner_id
    film.screener_url = screener_url or None
    session.add(film)
    session.flush()
    history.record_since(session, film, {}, owner_id, "submission")
    session.commit()
    return film


def save_edit(
    session: Session,
    film: Film,
    record: Mapping[str, object],
    *,
    user_id: int | None,
    screener_url: str | None,
) -> list[str]:
    """One film's record from the form (a filmmaker's or a curator's), with what changed
    kept in its history; committed. The fields that changed."""
    before = history.snapshot(film)
    apply_to_film(film, dict(record))  # type: ignore[arg-type]
    film.screener_url = screener_url or None
    change = history.record_since(session, film, before, user_id, "edit")
    if change is not None:
        film.updated_at = utcnow()
        film.source_hash = None  # an import of the old row must not count as unchanged
    session.add(film)
    session.commit()
    return list(change.changes) if change is not None else []


# The fields a film's text vector is made of (curating.embedding_text): a change to one of
# them calls for embedding the film again.
EMBEDDED_FIELDS = frozenset(
    {
        "original_title",
        "title_fr",
        "title_en",
        "synopsis_fr",
        "synopsis_en",
        "synopsis_long_fr",
        "synopsis_long_en",
        "subjects",
        "genres",
    }
)


class BulkRejected(ValueError):
    """A bulk edit refused as a whole (nothing saved). `reason` says why for the interface:
    "no_films", "too_many", "missing_films", "nothing", "unknown_field", "invalid" (`field`
    and `value` name it) or "municipality" (`films` lists the titles in another region)."""

    def __init__(
        self, reason: str, field: str = "", value: str = "", films: Sequence[str] = ()
    ) -> None:
        super().__init__(f"{reason}: {field} {value!r} {', '.join(films)}".strip())
        self.reason, self.field, self.value, self.films = reason, field, value, list(films)


@dataclass(frozen=True)
class BulkResult:
    selected: int
    changed_ids: list[int] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.changed_ids)

    @property
    def unchanged(self) -> int:
        return self.selected - self.changed


def _checked_value(name: str, text: str) -> str:
    try:
        if name == "region":
            return parse_region(text)
        if name == "audience":
            return parse_audience(text)
        if name == "form":
            return parse_form(text)
        if name == "original_language":
            return parse_language(text)
    except FieldError:
        raise BulkRejected("invalid", name, text) from None
    if len(text) > MAX_TAG or "\x00" in text:
        raise BulkRejected("invalid", name, text)
    return text


def _check_places(films: Sequence[Film], region: str) -> None:
    """Refuse a region that contradicts a film's known municipality (the form refuses it too)."""
    index = default_index()
    elsewhere = []
    for film in films:
        if not film.municipality:
            continue
        try:
            place = index.place(film.municipality, region_code=region)
        except PlaceError:
            continue  # a place the directory does not know: the region is what counts
        if place.region_code != region:
            elsewhere.append(f"{film.display_title} ({place.name}, {place.region_code})")
    if elsewhere:
        raise BulkRejected("municipality", "region", region, elsewhere)


def _apply(film: Film, wanted: Mapping[str, str]) -> None:
    for name, value in wanted.items():
        if name == "region":
            film.region_code = value
        elif name == "audience":
            film.audience = value  # type: ignore[assignment]
        elif name == "form":
            film.form = value  # type: ignore[assignment]
        elif name == "original_language":
            film.original_languages = [value]
        elif name == "subject" and value not in film.subjects:
            film.subjects = [*film.subjects, value]
        elif name == "style_tag" and value not in film.style_tags:
            film.style_tags = [*film.style_tags, value]


def bulk_edit(
    session: Session,
    film_ids: Sequence[int],
    requested: Mapping[str, str],
    *,
    user_id: int | None,
) -> BulkResult:
    """Set or add the `requested` values (BULK_FIELDS → text as typed) on every film of
    `film_ids` in one transaction, each film's change kept in its history as "bulk".

    All or nothing: BulkRejected, and no film changed, when a value is invalid, a film is
    gone, or a region contradicts a film's municipality.
    """
    ids = list(dict.fromkeys(film_ids))
    if not ids:
        raise BulkRejected("no_films")
    if len(ids) > MAX_BULK:
        raise BulkRejected("too_many")
    unknown = [name for name in requested if name not in BULK_FIELDS]
    if unknown:
        raise BulkRejected("unknown_field", unknown[0])
    wanted = {
        name: _checked_value(name, text.strip())
        for name, text in requested.items()
        if text and text.strip()
    }
    if not wanted:
        raise BulkRejected("nothing")
    films = list(queries.films_by_ids(session, ids))
    if len(films) != len(ids):
        raise BulkRejected("missing_films")
    if "region" in wanted:
        _check_places(films, wanted["region"])
    changed: list[int] = []
    try:
        for film in films:
            before = history.snapshot(film)
            _apply(film, wanted)
            if history.record_since(session, film, before, user_id, "bulk") is not None:
                changed.append(film.id or 0)
                film.updated_at = utcnow()
                film.source_hash = None
                session.add(film)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return BulkResult(len(films), changed, list(wanted))


@dataclass(frozen=True)
class Undone:
    """An undone change: the fields set back, and those left alone (changed again since)."""

    restored: list[str]
    kept: list[str]


def undo(session: Session, film: Film, change_id: int, *, user_id: int | None) -> Undone:
    """Set back the fields one change of this film changed, kept in its history as a
    "revert"; committed. A field changed again since keeps its newer value. LookupError when
    the change is not this film's; ValueError for a submission (undoing it would empty the
    record)."""
    change = session.get(FilmChange, change_id)
    if change is None or change.film_id != film.id:
        raise LookupError(change_id)
    if change.kind == "submission":
        raise ValueError("a submission is not undone")
    back, kept = history.undoable(film, change)
    before = history.snapshot(film)
    history.restore(film, back)
    recorded = history.record_since(session, film, before, user_id, "revert")
    if recorded is not None:
        film.updated_at = utcnow()
        film.source_hash = None
        session.add(film)
    session.commit()
    return Undone(list(recorded.changes) if recorded is not None else [], kept)
