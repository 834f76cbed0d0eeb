"""The catalog's file columns: how each cell is read, checked and written back.

A *record* is a dict from column name to a Python value (str, int, bool, date or a list of
str, or None for "unknown"); `parse_cell` turns a cell into that value and `format_cell` turns
it back into the one canonical text, so that reading what was written gives the same record.
"""

from __future__ import annotations

import functools
import gettext
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pycountry

from catalog.models import Audience, Form, Role, Status
from catalog.observatory import QUEBEC_REGIONS
from catalog.people import credit_text, split_credit
from catalog.places import PlaceError, default_index


class FieldError(ValueError):
    """A cell that cannot be read; the message says what is wrong and what would be right.

    The message is English (the command line's); `code` names the mistake and `params` its
    parts (the cell, the bounds), so that an interface can say it in its own language.
    """

    def __init__(self, message: str, code: str = "", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


Value = str | int | bool | date | list[str] | None


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    format: Callable[[Any], str]
    multi: bool = False
    # Entries of some lists contain commas ("Prix du jury, court métrage"): split on ";" only.
    semicolon_only: bool = False


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text`, for matching names and keys."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\W_]+", " ", stripped).strip()


def split_multi(cell: str, semicolon_only: bool = False) -> list[str]:
    separator = ";" if semicolon_only or ";" in cell else ","
    items: list[str] = []
    for item in cell.split(separator):
        item = item.strip()
        if item and item not in items:
            items.append(item)
    return items


# -- spreadsheets --------------------------------------------------------------------------

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (OWASP's
# "CSV injection"); CSV written for people gets a leading apostrophe, which spreadsheets show
# as text, and the CSV reader takes it off again, so an export still re-imports unchanged.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def from_spreadsheet(cell: str) -> str:
    """The cell as it was before `spreadsheet_safe`."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def one_line(text: str) -> str:
    """`text` with its line breaks and other control characters as spaces, for formats where a
    line break starts a new entry (M3U, EDL)."""
    return " ".join("".join(" " if ord(c) < 32 or c == "\x7f" else c for c in text).split())


# -- readers -------------------------------------------------------------------------------


def parse_text(cell: str) -> str:
    return cell


def parse_int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(cell: str) -> int:
        try:
            value = int(cell)
        except ValueError:
            raise FieldError(f"{cell!r} is not a whole number", "whole_number", cell=cell) from None
        if not low <= value <= high:
            raise FieldError(
                f"{value} is outside {low}–{high}", "outside", value=value, low=low, high=high
            )
        return value

    return parse


_HMS = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
_TOKEN = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([^\d\s.,]*)")
_UNIT_SECONDS = {
    **dict.fromkeys(["h", "hr", "hrs", "hour", "hours", "heure", "heures"], 3600),
    **dict.fromkeys(["m", "mn", "min", "mins", "minute", "minutes"], 60),
    **dict.fromkeys(["s", "sec", "secs", "second", "seconds", "seconde", "secondes"], 1),
}
RUNTIME_FORMS = "12 (minutes), 12 min, 00:12:30, 12:30, 750s or 1h05"


def _not_a_duration(cell: str) -> FieldError:
    return FieldError(f"{cell!r} is not a duration (try {RUNTIME_FORMS})", "duration", cell=cell)


def parse_runtime(cell: str) -> int:
    """Seconds from `12`, `12.5`, `12 min`, `00:12:30`, `12:30`, `750s`, `1h05`, `1 h 5 min`."""
    text = cell.strip().lower()
    seconds = 0.0
    if match := _HMS.match(text):
        hours, minutes, secs = match.groups()
        if int(secs) >= 60 or (hours is not None and int(minutes) >= 60):
            raise _not_a_duration(cell)
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
    else:
        tokens = []
        position = 0
        while position < len(text) and (token := _TOKEN.match(text, position)):
            tokens.append(token.groups())
            position = token.end()
        if not tokens or text[position:].strip():
            raise _not_a_duration(cell)
        previous = None
        for number, unit in tokens:
            if not unit:
                # A bare number is minutes: alone ("12") or after hours ("1h05").
                unit = "min" if previous in (None, 3600) else ""
            factor = _UNIT_SECONDS.get(unit)
            if factor is None or (previous is not None and factor >= previous):
                raise _not_a_duration(cell)
            seconds += float(number.replace(",", ".")) * factor
            previous = factor
    if not 0 < seconds < 24 * 3600:
        raise FieldError(
            f"{cell!r} is not a running time between 1 second and 24 hours",
            "runtime_range",
            cell=cell,
        )
    return round(seconds)


def format_runtime(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


_TRUE = {"yes", "y", "oui", "o", "true", "vrai", "1", "x"}
_FALSE = {"no", "n", "non", "false", "faux", "0"}


def parse_bool(cell: str) -> bool:
    word = fold(cell)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise FieldError(
        f"{cell!r} is neither yes nor no (yes/no, oui/non, true/false, 1/0)", "yes_no", cell=cell
    )


def format_bool(value: bool) -> str:
    return "yes" if value else "no"


def _choices(canonical: dict[str, str]) -> Callable[[str], str]:
    """A reader for a closed vocabulary, given every accepted spelling → canonical value; its
    error's `choices` are the canonical values, for an interface to name in its language."""
    folded = {fold(k): v for k, v in canonical.items()}
    valid = ", ".join(sorted(set(canonical.values())))

    def parse(cell: str) -> str:
        try:
            return folded[fold(cell)]
        except KeyError:
            raise FieldError(
                f"{cell!r} is not one of: {valid}", "choice", cell=cell, choices=valid
            ) from None

    return parse


parse_form = _choices(
    {f.value: f.value for f in Form}
    | {"documentaire": "documentary", "expérimental": "experimental", "hybride": "hybrid"}
    | {"doc": "documentary", "animé": "animation", "experimental film": "experimental"}
)
parse_audience = _choices(
    {a.value: a.value for a in Audience}
    | {"général": "general", "tout public": "general", "general public": "general"}
    | {"youth": "jeunesse", "children": "jeunesse", "enfants": "jeunesse"}
    | {"family": "famille", "adult": "adulte", "adults": "adulte", "adultes": "adulte"}
)
parse_status = _choices(
    {s.value: s.value for s in Status}
    | {"soumis": "submitted", "accepté": "accepted", "refusé": "declined", "archivé": "archived"}
)


@functools.cache
def _language_names() -> dict[str, str]:
    """Folded English and French language names and codes → ISO 639-3 code."""
    french = gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=["fr"])
    names: dict[str, str] = {}
    # Codes before names (the language "En" must not shadow the code en), and individual
    # languages before macro-languages, so that a shared name resolves to the living one.
    ordered = sorted(pycountry.languages, key=lambda lang: getattr(lang, "scope", "") != "I")
    for lang in ordered:
        for key in ("alpha_2", "alpha_3", "bibliographic"):
            if code := getattr(lang, key, ""):
                names.setdefault(code.lower(), lang.alpha_3)
    for lang in ordered:
        for name in (lang.name, french.gettext(lang.name)):
            names.setdefault(fold(name), lang.alpha_3)
    # Names people use in Québec that the standard spells otherwise.
    names |= {"innu aimun": "moe", "montagnais": "moe", "mi gmaq": "mic", "micmac": "mic"}
    names |= {"anglais": "eng", "francais": "fra", "langue des signes quebecoise": "fcs"}
    # "Cri" is how French names Cree; the ISO code cri (Sãotomense) gives way to it here.
    names["cri"] = "cre"
    return names


def parse_language(cell: str) -> str:
    try:
        return _language_names()[fold(cell)]
    except KeyError:
        raise FieldError(
            f"{cell!r} is not a language (use an ISO 639 code such as fr, fra, moe, "
            "or a French or English name)",
            "language",
            cell=cell,
        ) from None


def parse_region(cell: str) -> str:
    try:
        return default_index().region(cell).code
    except PlaceError as error:
        raise FieldError(str(error), "region", cell=cell) from None


def parse_date(cell: str) -> date:
    try:
        return date.fromisoformat(cell)
    except ValueError:
        raise FieldError(f"{cell!r} is not a date written YYYY-MM-DD", "date", cell=cell) from None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(cell: str) -> str:
    if not _EMAIL.match(cell):
        raise FieldError(f"{cell!r} is not an e-mail address", "email", cell=cell)
    return cell


# -- the columns ---------------------------------------------------------------------------


def _text(name: str) -> Column:
    return Column(name, parse_text, str)


def _list(name: str, item: Callable[[str], str] = parse_text, semicolon: bool = False) -> Column:
    return Column(name, item, "; ".join, multi=True, semicolon_only=semicolon)


def parse_credit(cell: str) -> str:
    """A person as a credit column names them: "Marie Tremblay", or with the Québec region
    they work from, "Marie Tremblay (06)" (written back the same way)."""
    name, region = split_credit(cell)
    if region is not None and region not in QUEBEC_REGIONS:
        raise FieldError(
            f"{cell!r} gives the region ({region}), which is not a Québec region: "
            "write a code from 01 to 17 in brackets after the name, or no region",
            "credit_region",
            cell=cell,
            region=region,
        )
    return credit_text(name, region)


CREDIT_COLUMNS: dict[str, Role] = {
    "directors": Role.director,
    "producers": Role.producer,
    "writers": Role.writer,
    "cinematographers": Role.cinematographer,
    "editors": Role.editor,
    "composers": Role.composer,
    "cast": Role.cast,
    # The crew beyond the head credits (the technicians a pitch now names too).
    "camera_operators": Role.camera_operator,
    "sound_recordists": Role.sound_recordist,
    "sound_designers": Role.sound_designer,
    "gaffers": Role.gaffer,
    "art_directors": Role.art_director,
    "costume_designers": Role.costume_designer,
    "makeup_artists": Role.makeup_artist,
    "vfx": Role.vfx,
    "animators": Role.animator,
    "colorists": Role.colorist,
    "music_supervisors": Role.music_supervisor,
    "production_managers": Role.production_manager,
    "assistant_directors": Role.assistant_director,
}
# The column of each role, for the form's crew rows and the exports.
ROLE_COLUMNS: dict[Role, str] = {role: name for name, role in CREDIT_COLUMNS.items()}

COLUMNS: tuple[Column, ...] = (
    _text("external_id"),
    _text("original_title"),
    _text("title_fr"),
    _text("title_en"),
    Column("year", parse_int_between(1888, 2100), str),
    Column("runtime", parse_runtime, format_runtime),
    Column("form", parse_form, str),
    _list("genres"),
    _list("subjects"),
    _list("style_tags"),
    _text("synopsis_fr"),
    _text("synopsis_en"),
    _text("synopsis_long_fr"),
    _text("synopsis_long_en"),
    _text("logline"),
    _list("original_languages", parse_language),
    _list("subtitle_languages", parse_language),
    Column("closed_captions", parse_bool, format_bool),
    Column("described_video", parse_bool, format_bool),
    Column("audience", parse_audience, str),
    Column("audience_age_min", parse_int_between(0, 18), str),
    Column("audience_age_max", parse_int_between(0, 18), str),
    _list("countries"),
    Column("region", parse_region, str),
    _text("municipality"),
    _text("production_company"),
    *(_list(name, parse_credit) for name in CREDIT_COLUMNS),
    _list("festival_selections", semicolon=True),
    _list("awards", semicolon=True),
    _list("rights_territories"),
    Column("rights_window_start", parse_date, date.isoformat),
    Column("rights_window_end", parse_date, date.isoformat),
    Column("rights_exclusive", parse_bool, format_bool),
    _text("rights_notes"),
    _text("contact_name"),
    Column("contact_email", parse_email, str),
    Column("status", parse_status, str),
)
BY_NAME = {column.name: column for column in COLUMNS}
NAMES = tuple(BY_NAME)

ALIASES = {
    "title": "original_title",
    "titre": "original_title",
    "synopsis": "synopsis_en",
    "description": "synopsis_en",
    "director": "directors",
    "genre": "genres",
    "language": "original_languages",
    "languages": "original_languages",
    "duration": "runtime",
    "runtime_seconds": "runtime",
    # A role's own name ("gaffer", "colorist") for its column.
    **{role.value: name for name, role in CREDIT_COLUMNS.items() if role.value != name},
}


def canonical_name(name: str) -> str | None:
    """The column a header or a `--map` target names, or None if it names none."""
    key = name.strip().lower()
    return key if key in BY_NAME else ALIASES.get(key)


def parse_cell(column: Column, cell: str | list[Any] | int | float | bool) -> Value:
    """The value of one cell; raises FieldError naming what is wrong with it."""
    if "\x00" in str(cell):
        # PostgreSQL cannot store it in text, and no title or synopsis needs it.
        raise FieldError("contains a NUL character (\\x00), which a text cannot hold", "nul")
    if isinstance(cell, dict) or (isinstance(cell, list) and not column.multi):
        kind = "an object" if isinstance(cell, dict) else "a list"
        raise FieldError(f"is {kind}; this column takes one value, written as text", "one_value")
    if isinstance(cell, str):
        # One kind of line break: a bare \r would come out of a CSV export unquoted.
        cell = cell.replace("\r\n", "\n").replace("\r", "\n")
    if column.multi:
        if isinstance(cell, list):
            items = [str(item).strip() for item in cell if str(item).strip()]
        else:
            items = split_multi(str(cell), column.semicolon_only)
        values: list[str] = []
        for item in items:
            value = column.parse(item)
            if value not in values:
                values.append(value)
        return values
    if isinstance(cell, bool):
        if column.parse is not parse_bool:
            raise FieldError(f"{cell!r} is a yes/no value, not a {column.name}", "not_yes_no")
        return cell
    text = str(cell).strip()
    if not text:
        return None
    return column.parse(text)


def format_cell(column: Column, value: Value) -> str:
    if value is None or value == []:
        return ""
    return column.format(value)


def is_empty(value: Value) -> bool:
    return value is None or value == [] or value == ""
