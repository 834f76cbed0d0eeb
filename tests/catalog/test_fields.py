"""Reading cells: durations, languages, yes/no, vocabularies and multi-valued cells."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.fields import (
    BY_NAME,
    COLUMNS,
    FieldError,
    format_cell,
    format_runtime,
    parse_cell,
    parse_language,
    parse_runtime,
    split_multi,
)


@pytest.mark.parametrize(
    ("cell", "seconds"),
    [
        ("12", 720),
        ("12.5", 750),
        ("12,5 min", 750),
        ("12 min", 720),
        ("12min", 720),
        ("00:12:30", 750),
        ("12:30", 750),
        ("750s", 750),
        ("750 s", 750),
        ("1h05", 3900),
        ("1 h 5 min", 3900),
        ("90 minutes", 5400),
        ("1:30:00", 5400),
    ],
)
def test_runtime_accepts_the_usual_spellings(cell: str, seconds: int) -> None:
    assert parse_runtime(cell) == seconds


@pytest.mark.parametrize("cell", ["douze", "12:75", "0", "-5", "30 hours", "12 min 90"])
def test_runtime_rejects_what_is_not_a_duration(cell: str) -> None:
    with pytest.raises(FieldError):
        parse_runtime(cell)


@given(st.integers(min_value=1, max_value=24 * 3600 - 1))
def test_runtime_format_reads_back(seconds: int) -> None:
    assert parse_runtime(format_runtime(seconds)) == seconds


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("fr", "fra"),
        ("fra", "fra"),
        ("fre", "fra"),
        ("French", "fra"),
        ("français", "fra"),
        ("Anglais", "eng"),
        ("Innu-aimun", "moe"),
        ("innu", "moe"),
        ("atj", "atj"),
        ("Atikamekw", "atj"),
        ("Cri", "cre"),
        ("Inuktitut", "iku"),
        ("Mi'gmaq", "mic"),
        ("espagnol", "spa"),
    ],
)
def test_languages_by_code_or_french_or_english_name(cell: str, code: str) -> None:
    assert parse_language(cell) == code


def test_unknown_language_says_what_is_expected() -> None:
    with pytest.raises(FieldError, match="ISO 639"):
        parse_language("elvish-ish")


def test_multi_valued_cells_split_on_semicolon_else_comma() -> None:
    assert split_multi("Drama, Comedy") == ["Drama", "Comedy"]
    assert split_multi("Smith, John; Doe, Jane") == ["Smith, John", "Doe, Jane"]
    assert split_multi("Prix du jury, court métrage", semicolon_only=True) == [
        "Prix du jury, court métrage"
    ]
    assert split_multi(" a ;; a; b ") == ["a", "b"]


def test_languages_column_reads_a_mixed_list() -> None:
    column = BY_NAME["original_languages"]
    assert parse_cell(column, "fr; English; Innu") == ["fra", "eng", "moe"]
    assert parse_cell(column, ["fr", "en"]) == ["fra", "eng"]


@pytest.mark.parametrize(
    ("name", "cell", "value"),
    [
        ("closed_captions", "oui", True),
        ("closed_captions", "No", False),
        ("form", "Documentaire", "documentary"),
        ("audience", "général", "general"),
        ("audience", "Youth", "jeunesse"),
        ("status", "accepté", "accepted"),
        ("region", "Gaspésie", "11"),
        ("region", "6", "06"),
        ("rights_window_start", "2025-01-31", date(2025, 1, 31)),
        ("year", "2019", 2019),
    ],
)
def test_vocabularies(name: str, cell: str, value: object) -> None:
    assert parse_cell(BY_NAME[name], cell) == value


@pytest.mark.parametrize(
    ("name", "cell", "fragment"),
    [
        ("form", "opera", "one of"),
        ("year", "1700", "outside"),
        ("year", "twenty", "whole number"),
        ("contact_email", "nobody", "e-mail"),
        ("rights_exclusive", "perhaps", "yes nor no"),
        ("rights_window_end", "31/01/2025", "YYYY-MM-DD"),
        ("audience_age_min", "21", "outside"),
    ],
)
def test_errors_say_what_is_wrong(name: str, cell: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_cell(BY_NAME[name], cell)


def test_every_column_writes_what_it_reads() -> None:
    samples = {
        "year": "2001",
        "runtime": "00:12:30",
        "form": "animation",
        "closed_captions": "yes",
        "described_video": "no",
        "rights_exclusive": "yes",
        "rights_window_end": "2026-05-01",
        "audience_age_max": "12",
        "audience": "jeunesse",
        "audience_age_min": "6",
        "region": "01",
        "rights_window_start": "2024-05-01",
        "contact_email": "a@b.ca",
        "status": "declined",
        "original_languages": "fra; eng",
        "subtitle_languages": "moe",
        "awards": "Prix A, catégorie B; Prix C",
    }
    for column in COLUMNS:
        cell = samples.get(column.name, "Quelque chose; autre" if column.multi else "Texte")
        value = parse_cell(column, cell)
        assert format_cell(column, value) == cell, column.name
