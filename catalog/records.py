"""Between a Film row and a record (column name → value), and the keys that identify a film."""

from __future__ import annotations

from typing import Any

from catalog.fields import CREDIT_COLUMNS, NAMES, Value, fold
from catalog.models import Film
from catalog.people import credit_text, person_key, split_credit

# Columns whose Film attribute has another name.
_ATTRIBUTE = {"runtime": "runtime_seconds", "region": "region_code"}


def film_to_record(film: Film) -> dict[str, Value]:
    """Every column's value for `film`, as the importer would read it from the export."""
    record: dict[str, Value] = {}
    for name in NAMES:
        if name in CREDIT_COLUMNS:
            role = CREDIT_COLUMNS[name]
            record[name] = [
                credit_text(c.name, c.region_code) for c in film.credits if c.role == role
            ]
            continue
        value = getattr(film, _ATTRIBUTE.get(name, name))
        if isinstance(value, list):
            value = list(value)
        elif hasattr(value, "value"):  # enums are stored as their value
            value = value.value
        record[name] = value
    return record


def film_values(record: dict[str, Value]) -> dict[str, Value]:
    """The Film table's column values for the (non-credit) columns `record` has."""
    return {
        _ATTRIBUTE.get(name, name): value
        for name, value in record.items()
        if name not in CREDIT_COLUMNS
    }


def credit_rows(film_id: int, record: dict[str, Value]) -> list[dict[str, Any]]:
    """Credit table rows for the credit columns `record` has, in the order given: each with
    its person's key and region ("Name (06)" in the record)."""
    rows = []
    for name, role in CREDIT_COLUMNS.items():
        names = record.get(name) or []
        assert isinstance(names, list)
        for i, text in enumerate(names):
            person, region = split_credit(text)
            rows.append(
                {
                    "film_id": film_id,
                    "role": role.value,
                    "position": i,
                    "name": person,
                    "region_code": region,
                    "person_key": person_key(person),
                }
            )
    return rows


def changed_columns(current: dict[str, Value], record: dict[str, Value]) -> dict[str, Value]:
    """The columns of `record` whose value differs from `current`."""
    return {name: value for name, value in record.items() if current.get(name) != value}


def derived_columns(record: dict[str, Any]) -> dict[str, str]:
    """Columns computed from a film's record: its match key, sort title and search text."""
    titles = [record.get(k) for k in ("original_title", "title_fr", "title_en")]
    return {
        "match_key": match_key(record),
        "sort_title": fold(str(record.get("original_title") or "")),
        "search_text": " ".join(fold(str(t)) for t in dict.fromkeys(titles) if t),
    }


def match_key(record: dict[str, Any]) -> str:
    """Normalised title, year and first director: how a film without external id is known."""
    directors = record.get("directors") or []
    title = fold(str(record.get("original_title") or ""))
    year = record.get("year") or ""
    director = split_credit(directors[0])[0] if directors else ""
    return f"{title}|{year}|{fold(director)}"


def apply_to_film(film: Film, record: dict[str, Value]) -> None:
    """Set one film's fields and credits from `record` (for single edits; imports go in bulk)."""
    from catalog.models import Credit

    for attribute, value in film_values(record).items():
        setattr(film, attribute, value)
    replaced = {CREDIT_COLUMNS[name] for name in record if name in CREDIT_COLUMNS}
    kept = [c for c in film.credits if c.role not in replaced]
    added = [
        Credit(**{k: v for k, v in row.items() if k != "film_id"}) for row in credit_rows(0, record)
    ]
    film.credits = kept + added
    for name, value in derived_columns(film_to_record(film)).items():
        setattr(film, name, value)
