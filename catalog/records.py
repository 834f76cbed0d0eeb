"""Between a Film row and a record (column name → value), and the keys that identify a film."""

from __future__ import annotations

from typing import Any

from catalog.fields import CREDIT_COLUMNS, NAMES, Value, fold
from catalog.models import Credit, Film, utcnow

# Columns whose Film attribute has another name.
_ATTRIBUTE = {"runtime": "runtime_seconds", "region": "region_code"}


def film_to_record(film: Film) -> dict[str, Value]:
    """Every column's value for `film`, as the importer would read it from the export."""
    record: dict[str, Value] = {}
    for name in NAMES:
        if name in CREDIT_COLUMNS:
            record[name] = film.names(CREDIT_COLUMNS[name])
            continue
        value = getattr(film, _ATTRIBUTE.get(name, name))
        if isinstance(value, list):
            value = list(value)
        elif hasattr(value, "value"):  # enums are stored as their value
            value = value.value
        record[name] = value
    return record


def apply_record(film: Film, record: dict[str, Value]) -> bool:
    """Set `film`'s fields from the columns `record` has; True if anything changed."""
    current = film_to_record(film) if film.id is not None else {}
    changed = False
    for name, value in record.items():
        if film.id is not None and current.get(name) == value:
            continue
        changed = True
        if name in CREDIT_COLUMNS:
            role = CREDIT_COLUMNS[name]
            kept = [c for c in film.credits if c.role != role]
            names: list[str] = value if isinstance(value, list) else []
            added = [Credit(role=role, position=i, name=n) for i, n in enumerate(names)]  # type: ignore[call-arg]
            film.credits = kept + added
        else:
            setattr(film, _ATTRIBUTE.get(name, name), value)
    if changed:
        film.match_key = match_key(film_to_record(film))
        film.updated_at = utcnow()
    return changed


def match_key(record: dict[str, Any]) -> str:
    """Normalised title, year and first director: how a film without external id is known."""
    directors = record.get("directors") or []
    title = fold(str(record.get("original_title") or ""))
    year = record.get("year") or ""
    return f"{title}|{year}|{fold(directors[0]) if directors else ''}"
