"""Bulk import of films from CSV or JSON Lines: mapped, validated row by row, written at once.

Every bad row is reported (line, field, what is wrong) before anything is written; the write
is one transaction. A row whose raw content was already imported is recognised by its hash
and skipped without parsing, so re-importing an unchanged file is cheap. A row that imports
but holds something odd (a place the place table lacks, in the region the row gives) goes in
as written and is reported as a warning.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import itertools
import json
import os
import pickle
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import delete, insert, update
from sqlmodel import Session, SQLModel, col, select

from catalog.fields import (
    BY_NAME,
    COLUMNS,
    CREDIT_COLUMNS,
    FieldError,
    Value,
    canonical_name,
    from_spreadsheet,
    parse_cell,
)
from catalog.models import Credit, Film, Status, utcnow
from catalog.places import PlaceError, UnknownPlace, default_index
from catalog.records import (
    changed_columns,
    credit_rows,
    derived_columns,
    film_to_record,
    film_values,
    match_key,
)

Raw = dict[str, Any]


class IngestError(Exception):
    """The file as a whole cannot be imported (unreadable, unknown columns, bad mapping).

    As with FieldError, the message is English and `code` with `params` name the mistake for
    an interface that says it in its own language.
    """

    def __init__(self, message: str, code: str = "", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class RowProblem:
    """A problem with one cell: `message` in English (the command line's), and `code` with
    `params` (see FieldError) for an interface that says it in its own language."""

    line: int
    field: str
    value: str
    message: str
    code: str = ""
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        shown = f" ({self.value!r})" if self.value and self.value not in self.message else ""
        return f"line {self.line}, field {self.field}{shown}: {self.message}"


class RowError(RowProblem):
    """What keeps a row out of the catalog."""


class RowWarning(RowProblem):
    """Something odd in a row that is imported all the same, said so that a person checks it."""


class RowsRejected(Exception):
    """Some rows are invalid and nothing was imported."""

    def __init__(
        self, source: str, errors: list[RowError], warnings: list[RowWarning] | None = None
    ) -> None:
        self.source = source
        self.errors = errors
        self.warnings = warnings or []
        lines = len({e.line for e in errors})
        super().__init__(f"{source}: {lines} invalid row(s), nothing imported")


@dataclass
class IngestReport:
    source: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    dry_run: bool = False

    @property
    def rejected_lines(self) -> int:
        return len({e.line for e in self.rejected})

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        text = (
            f"{self.source}: {self.rows} rows — {verb} {self.created} new, "
            f"{self.updated} updated, {self.unchanged} unchanged"
        )
        if self.rejected:
            text += f", {self.rejected_lines} rejected"
        if self.warnings:
            text += f", {len(self.warnings)} warning(s)"
        return text


# -- mapping -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMap:
    """Which source column feeds which catalog column (`--map field=Column`), and what to drop."""

    targets: Mapping[str, str] = field(default_factory=dict)  # catalog column → source header
    ignore: frozenset[str] = frozenset()

    @classmethod
    def from_options(
        cls, pairs: Iterable[str] = (), ignore: Iterable[str] = (), file: Path | None = None
    ) -> ColumnMap:
        targets: dict[str, str] = {}
        ignored = set(ignore)
        if file is not None:
            try:
                data = tomllib.loads(Path(file).read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
                raise IngestError(f"mapping file {file}: {error}", "map_file") from None
            columns = data.get("columns", {k: v for k, v in data.items() if k != "ignore"})
            for target, source in columns.items():
                if not isinstance(source, str):
                    message = f"mapping file {file}: {target} must name a column"
                    raise IngestError(message, "map_file")
                targets[target] = source
            ignored |= set(data.get("ignore", []))
        for pair in pairs:
            target, sep, source = pair.partition("=")
            if not sep or not target.strip() or not source.strip():
                message = f"--map {pair!r}: write it field=Column, e.g. title=Title"
                raise IngestError(message, "map_form", pair=pair)
            targets[target.strip()] = source.strip()
        resolved: dict[str, str] = {}
        for target, source in targets.items():
            name = canonical_name(target)
            if name is None:
                raise IngestError(
                    f"--map {target}={source}: {target!r} is not a catalog field "
                    f"(fields: {', '.join(BY_NAME)})",
                    "map_field",
                    field=target,
                )
            resolved[name] = source
        return cls(resolved, frozenset(ignored))

    def resolve(self, header: list[str], source: str) -> dict[str, str]:
        """Source header → catalog column, for every header kept; errors name what is wrong."""
        by_source = {src: target for target, src in self.targets.items()}
        missing = [src for src in by_source if src not in header]
        if missing:
            raise IngestError(
                f"{source}: mapped column(s) {', '.join(map(repr, missing))} not in the file "
                f"(its columns: {', '.join(header)})",
                "mapped_missing",
                columns=", ".join(missing),
                header=", ".join(header),
            )
        result: dict[str, str] = {}
        unknown = []
        for name in header:
            if name in self.ignore:
                continue
            target = by_source.get(name) or canonical_name(name)
            if target is None:
                unknown.append(name)
            elif target in result.values():
                raise IngestError(
                    f"{source}: two columns feed {target!r}; map or ignore one",
                    "two_columns",
                    field=target,
                )
            else:
                result[name] = target
        if unknown:
            raise IngestError(
                f"{source}: unknown column(s) {', '.join(map(repr, unknown))}; map them "
                "(--map field=Column) or drop them (--ignore Column); see docs/import-format.md",
                "unknown_columns",
                columns=", ".join(unknown),
            )
        if "original_title" not in result.values():
            raise IngestError(
                f"{source}: no title column (map one with --map title=Column)", "no_title"
            )
        return result


# -- reading -------------------------------------------------------------------------------
#
# A file is read as it is imported, a line at a time, never whole: 200,000 rows take the
# memory of a few hundred (bench/ingest.py measures it). Whatever must see the whole file
# first (the JSON Lines header, the job's row count) reads it once more.

_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


@contextmanager
def _lines(path: Path) -> Iterator[Iterator[str]]:
    """The file's text a line at a time, decoded as it is read, without its UTF-8 BOM; each
    line keeps its end (\\n, \\r\\n or a bare \\r), as the csv module wants."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise IngestError(f"{path}: cannot read ({error.strerror})", "unreadable") from None

    def lines() -> Iterator[str]:
        try:
            yield from handle
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except OSError as error:
            message = f"{path}: cannot read ({error.strerror})"
            raise IngestError(message, "unreadable") from None

    with handle:
        yield lines()


def _not_utf8(path: Path) -> IngestError:
    """Where `path` stops being UTF-8 (its line and byte), found by decoding it block by block."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = newlines = 0
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 20)
            cut = len(decoder.getstate()[0])  # the start of a character the last block cut
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                at = offset - cut + error.start
                line = newlines + block[: max(0, at - offset)].count(b"\n") + 1
                return IngestError(
                    f"{path}: line {line} is not UTF-8 (byte {at}); save the file as UTF-8",
                    "not_utf8",
                    line=line,
                )
            if not block:
                return IngestError(f"{path}: is not UTF-8; save the file as UTF-8", "not_utf8")
            offset += len(block)
            newlines += block.count(b"\n")


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as the file has it: CSV cells in header order, or a JSON object."""

    line: int
    cells: list[str] | dict[str, Any]
    text: str  # the row's own text, which its fingerprint is taken from

    def mapped(self, header: list[str], mapping: dict[str, str]) -> Raw:
        """Catalog column → value, blank cells as None."""
        if isinstance(self.cells, dict):
            items = self.cells.items()
        else:
            items = zip(header, self.cells, strict=True)  # type: ignore[assignment]
        return {
            mapping[k]: (v.strip() or None) if isinstance(v, str) else v
            for k, v in items
            if k in mapping
        }


Rows = Iterator[RawRow | RowError]
Records = Iterator[tuple[int, list[str]] | RowError]  # CSV cells and the line they start on


def read_rows(path: Path) -> tuple[list[str], Rows]:
    """The file's header and its rows, each with the line it starts on.

    The rows are read from the file as they are iterated, so that they take little memory
    however many there are; the header is read at once, so that a file that cannot be read
    says so here.
    """
    path = Path(path)
    if path.suffix.lower() in _JSONL_SUFFIXES:
        return _jsonl_header(path), _jsonl_rows(path)
    with _csv_records(path) as (header, _):
        pass
    return header, _csv_rows(path)


def count_rows(path: Path) -> int:
    """How many rows `read_rows` gives (for a progress bar), without parsing their cells."""
    path = Path(path)
    if path.suffix.lower() in _JSONL_SUFFIXES:
        _jsonl_header(path)  # refuses an empty file, as read_rows does
        return sum(1 for _ in _json_lines(path))
    with _csv_records(path) as (_, records):
        return sum(1 for _ in records)


@contextmanager
def _csv_records(path: Path) -> Iterator[tuple[list[str], Records]]:
    """The header of a CSV file (its delimiter guessed from the first line), and its records."""
    with _lines(path) as lines:
        first = next(lines, "")
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise IngestError(f"{path}: the file is empty", "empty") from None
        except csv.Error as error:
            problem = f"line 1 (the header) cannot be read as CSV ({error})"
            raise IngestError(f"{path}: {problem}", "csv") from None
        if len(set(header)) != len(header):
            twice = sorted({h for h in header if header.count(h) > 1})
            raise IngestError(
                f"{path}: column(s) {', '.join(twice)} appear twice in the header",
                "header_twice",
                columns=", ".join(twice),
            )
        yield header, _records(reader, len(header))


def _records(reader: Any, width: int) -> Records:
    start = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            # A cell over the reader's limit, or a broken quote: the rest cannot be read.
            problem = f"cannot be read as CSV ({error}); the rest of the file was not read"
            yield RowError(start, "-", "", problem, "csv", {"detail": str(error)})
            return
        line, start = start, reader.line_num + 1
        if len(cells) != width:
            if any(c.strip() for c in cells):
                problem = f"has {len(cells)} cells where the header has {width}"
                yield RowError(line, "-", "", problem, "cells", {"n": len(cells), "width": width})
            continue
        yield line, cells


def _csv_rows(path: Path) -> Rows:
    with _csv_records(path) as (_, records):
        for record in records:
            if isinstance(record, RowError):
                yield record
                continue
            line, cells = record
            cells = [from_spreadsheet(cell) for cell in cells]
            yield RawRow(line, cells, "\x1f".join(cells))


def _json_lines(path: Path) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a JSON Lines file, numbered, without their line ends."""
    with _lines(path) as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line.rstrip("\r\n")


def _json_object(number: int, line: str) -> RawRow | RowError:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        return RowError(number, "-", "", f"is not JSON ({error.msg})", "json")
    except RecursionError:
        return RowError(number, "-", "", "is JSON nested too deeply to read", "json")
    if not isinstance(obj, dict):
        return RowError(number, "-", "", "is not a JSON object", "json")
    return RawRow(number, obj, line)


def _jsonl_header(path: Path) -> list[str]:
    """Every key the file's objects have, in the order they first appear (a pass of its own:
    the columns are checked before any row is imported)."""
    header: dict[str, None] = {}
    empty = True
    for number, line in _json_lines(path):
        empty = False
        row = _json_object(number, line)
        if isinstance(row, RawRow):
            header.update(dict.fromkeys(cast(dict[str, Any], row.cells)))
    if empty:
        raise IngestError(f"{path}: the file is empty", "empty")
    return list(header)


def _jsonl_rows(path: Path) -> Rows:
    for number, line in _json_lines(path):
        yield _json_object(number, line)


def row_hash(signature: str, row: RawRow) -> str:
    """A fingerprint of the row's raw text under one column mapping."""
    return hashlib.sha256(f"{signature}\x1e{row.text}".encode()).hexdigest()


# -- validating ----------------------------------------------------------------------------


def validate(line: int, mapped: Raw) -> tuple[dict[str, Value], list[RowError]]:
    """The record of one mapped row, and every error found in it (a form's single record)."""
    record, errors, _ = check_row(line, mapped)
    return record, errors


def check_row(line: int, mapped: Raw) -> tuple[dict[str, Value], list[RowError], list[RowWarning]]:
    """The record of one mapped row, every error found in it, and what is odd but kept."""
    record: dict[str, Value] = {}
    errors: list[RowError] = []
    warnings: list[RowWarning] = []
    for name, cell in mapped.items():
        if cell is None:
            record[name] = [] if BY_NAME[name].multi else None
            continue
        try:
            record[name] = parse_cell(BY_NAME[name], cell)
        except FieldError as error:
            errors.append(RowError(line, name, _shown(cell), str(error), error.code, error.params))

    def problem(name: str, message: str, code: str, **params: Any) -> None:
        errors.append(RowError(line, name, _shown(mapped.get(name)), message, code, params))

    if not record.get("original_title") and "original_title" not in {e.field for e in errors}:
        problem("original_title", "is required", "required")
    municipality = record.get("municipality")
    if isinstance(municipality, str):
        region = record.get("region")
        try:
            found = default_index().place(municipality, region_code=region)  # type: ignore[arg-type]
        except UnknownPlace as unknown:
            if region:
                # The region is what the catalog counts; the place is kept for people to read.
                message = unlisted_place(unknown, str(region))
                params = {"cell": municipality, "region": str(region)}
                params["suggestions"] = " / ".join(unknown.suggestions)
                warnings.append(
                    RowWarning(line, "municipality", municipality, message, "unlisted", params)
                )
            else:
                suggestions = " / ".join(unknown.suggestions)
                problem(
                    "municipality",
                    str(unknown),
                    "unknown_place",
                    cell=municipality,
                    suggestions=suggestions,
                )
        except PlaceError as error:
            problem("municipality", str(error), "ambiguous_place", cell=municipality)
        else:
            if region and region != found.region_code:
                problem(
                    "municipality",
                    f"{found.name} is in region {found.region_code}, not {region}",
                    "other_region",
                    place=found.name,
                    found=found.region_code,
                    region=str(region),
                )
            record["municipality"] = found.name
            record["region"] = found.region_code
    if record.get("status") is None:
        record.pop("status", None)  # an empty status keeps the film's own
    low, high = record.get("audience_age_min"), record.get("audience_age_max")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problem("audience_age_max", f"{high} is below audience_age_min {low}", "age_order", low=low)
    start, end = record.get("rights_window_start"), record.get("rights_window_end")
    if start and end and start > end:  # type: ignore[operator]
        problem(
            "rights_window_end",
            f"{end} is before rights_window_start {start}",
            "date_order",
            start=str(start),
        )
    return record, errors, warnings


def unlisted_place(unknown: UnknownPlace, region: str) -> str:
    hint = f" (did you mean {' or '.join(unknown.suggestions)}?)" if unknown.suggestions else ""
    return (
        f"{unknown.text!r} is in neither the municipal directory nor the list of Indigenous "
        f"communities{hint}; kept as written, region {region} as given"
    )


def _shown(cell: Any) -> str:
    if isinstance(cell, list):
        return "; ".join(map(str, cell))
    return "" if cell is None else str(cell)


# -- importing -----------------------------------------------------------------------------

BATCH = 500  # rows written a statement at a time


@dataclass(slots=True)
class _Pending:
    line: int
    record: dict[str, Value]
    source_hash: str
    film_id: int | None  # the film this row updates, None for a new one


def ingest_file(
    session: Session,
    path: Path,
    column_map: ColumnMap | None = None,
    *,
    skip_invalid: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Import `path` into the catalog in `session`'s transaction (the caller commits).

    The file is read and checked as it goes, its good rows set aside on disk BATCH at a time,
    and written once every row is checked, so that its length does not weigh on memory: what
    stays in memory of a row is what recognises a second row for the same film (its key and
    line). Nothing is written until every row is read (a job's progress, written meanwhile,
    does not wait for the import's lock). Raises RowsRejected, having changed nothing, when
    rows are invalid and `skip_invalid` is false.
    """
    path = Path(path)
    source = str(path)
    header, rows = read_rows(path)
    mapping = (column_map or ColumnMap()).resolve(header, source)
    report = IngestReport(source, dry_run=dry_run)

    # What recognises the films already in the catalog, read a row at a time.
    by_hash: dict[str, int] = {}
    by_external: dict[str, int] = {}
    with_external: set[int] = set()
    by_key: dict[str, int] = {}
    columns = FILM_TABLE.c
    known = select(columns.id, columns.external_id, columns.match_key, columns.source_hash)
    for fid, ext, key, digest in session.connection().execute(known):
        if digest:
            by_hash[digest] = fid
        if ext:
            by_external[ext] = fid
            with_external.add(fid)
        by_key.setdefault(key, fid)

    claimed: dict[int, int] = {}  # film id → the line that feeds it
    new_keys: dict[str, int] = {}  # key of a new film → its line
    signature = json.dumps(sorted(mapping.items()), ensure_ascii=False)
    with tempfile.TemporaryFile() as spooled:
        spool = _Spool(spooled)
        for raw in rows:
            report.rows += 1
            if progress:
                progress(1)
            if isinstance(raw, RowError):
                report.rejected.append(raw)
                continue
            line = raw.line
            digest = row_hash(signature, raw)
            if digest in by_hash:
                same = by_hash[digest]
                if same in claimed:
                    report.rejected.append(_duplicate(line, claimed[same]))
                else:
                    claimed[same] = line
                    report.unchanged += 1
                continue
            mapped = raw.mapped(header, mapping)
            record, errors, warnings = check_row(line, mapped)
            if errors:
                report.rejected.extend(errors)
                continue
            external = record.get("external_id")
            key = match_key(record)
            film_id: int | None = by_external.get(external) if isinstance(external, str) else None
            candidate = by_key.get(key)
            if film_id is None and candidate and (not external or candidate not in with_external):
                film_id = candidate
            if film_id is not None:
                if film_id in claimed:
                    report.rejected.append(_duplicate(line, claimed[film_id]))
                    continue
                claimed[film_id] = line
            else:
                dedup = f"id:{external}" if external else f"key:{key}"
                if dedup in new_keys:
                    report.rejected.append(_duplicate(line, new_keys[dedup]))
                    continue
                new_keys[dedup] = line
            report.warnings.extend(warnings)  # only for rows that go in
            if skip_invalid or not report.rejected:  # else nothing will be imported
                spool.add(_Pending(line, record, digest, film_id))

        report.rejected.sort(key=lambda e: (e.line, _column_order(e.field)))
        if report.rejected and not skip_invalid:
            raise RowsRejected(source, report.rejected, report.warnings)
        writer = _Writer(session, report)
        with _unprepared(session):
            for batch in spool.batches():
                writer.write(batch)
    if dry_run:
        session.rollback()
    return report


@contextmanager
def _unprepared(session: Session) -> Iterator[None]:
    """No server-side prepared statements for the import's writes, on PostgreSQL.

    psycopg prepares a statement run five times and remembers the last hundred by their
    text; a batch insert's text runs to hundreds of KB, in as many shapes as the batches'
    values have types: 120 MiB held at 200,000 rows (bench/ingest.py), for no gain here.
    """
    driver: Any = session.connection().connection.driver_connection
    if not hasattr(driver, "prepare_threshold"):  # SQLite
        yield
        return
    threshold = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = threshold


def _duplicate(line: int, first: int) -> RowError:
    message = f"describes the same film as line {first}"
    return RowError(line, "external_id", "", message, "duplicate", {"first": first})


def _column_order(name: str) -> int:
    return next((i for i, c in enumerate(COLUMNS) if c.name == name), -1)


_LIST_COLUMNS = {c.name for c in COLUMNS if c.multi}
# The tables themselves: plain Core executemany, no ORM bookkeeping per film or credit.
FILM_TABLE = SQLModel.metadata.tables["film"]
CREDIT_TABLE = SQLModel.metadata.tables["credit"]

# Every Film column a new row must carry (Core inserts take one shape of row).
_EMPTY_FILM: dict[str, Any] = {
    column.name: ([] if column.name in _LIST_COLUMNS else None)
    for column in FILM_TABLE.columns
    if column.name != "id"
}


class _Spool:
    """Checked rows waiting to be written, set aside in a temporary file BATCH at a time."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.batch: list[_Pending] = []

    def add(self, item: _Pending) -> None:
        self.batch.append(item)
        if len(self.batch) >= BATCH:
            self._set_aside()

    def _set_aside(self) -> None:
        rows = [(p.line, p.record, p.source_hash, p.film_id) for p in self.batch]
        pickle.dump(rows, self.file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batch = []

    def batches(self) -> Iterator[list[_Pending]]:
        """The rows set aside, a batch at a time, in the order they were added."""
        if self.batch:
            self._set_aside()
        self.file.seek(0)
        while True:
            try:
                rows = pickle.load(self.file)  # our own file, written just now
            except EOFError:
                return
            yield [_Pending(*row) for row in rows]


class _Writer:
    """Writes new and changed films in batches of set-based statements: a few per BATCH rows,
    not per film.

    The ORM would build a Python object per film and credit; at 10,000 rows that costs far
    more than the SQL itself (see bench/ingest.py).
    """

    def __init__(self, session: Session, report: IngestReport) -> None:
        self.session = session
        self.report = report
        self.now = utcnow()

    def write(self, batch: list[_Pending]) -> None:
        updates = [p for p in batch if p.film_id is not None]
        if updates:
            self._update(updates)
        new = [p for p in batch if p.film_id is None]
        if new:
            self._create(new)

    def _update(self, batch: list[_Pending]) -> None:
        session, report = self.session, self.report
        updates = {p.film_id: p for p in batch}
        films = session.exec(select(Film).where(col(Film.id).in_(list(updates)))).all()
        changes, credits, roles_replaced = [], [], []
        for film in films:
            assert film.id is not None
            item = updates[film.id]
            current = film_to_record(film)
            changed = changed_columns(current, item.record)
            values: dict[str, Any] = {"id": film.id, "source_hash": item.source_hash}
            if changed:
                report.updated += 1
                values |= film_values(changed)
                values |= derived_columns(current | item.record)
                values["updated_at"] = self.now
                credit_changes = {k: v for k, v in changed.items() if k in CREDIT_COLUMNS}
                roles_replaced += [(film.id, CREDIT_COLUMNS[k].value) for k in credit_changes]
                credits += credit_rows(film.id, credit_changes)
            else:
                report.unchanged += 1
            changes.append(values)
        session.expunge_all()
        for values in changes:
            # Rows with different changed columns cannot share one executemany.
            session.execute(update(Film).where(col(Film.id) == values["id"]).values(values))
        for film_id, role in roles_replaced:
            session.execute(
                delete(Credit).where(col(Credit.film_id) == film_id, col(Credit.role) == role)
            )
        if credits:
            session.connection().execute(insert(CREDIT_TABLE), credits)

    def _create(self, batch: list[_Pending]) -> None:
        rows = []
        for item in batch:
            row = _EMPTY_FILM | film_values(item.record)
            row |= derived_columns(item.record) | {"source_hash": item.source_hash}
            row |= {"created_at": self.now, "updated_at": self.now}
            row["status"] = row["status"] or Status.accepted.value
            rows.append(row)
        # Core, not the ORM's bulk insert: that one groups rows by which values are None and
        # sends a statement per group, one per row or nearly for films as varied as these.
        statement = insert(FILM_TABLE).returning(FILM_TABLE.c.id, sort_by_parameter_order=True)
        connection = self.session.connection()
        film_ids = connection.execute(statement, rows).scalars().all()
        credits = [
            row
            for film_id, item in zip(film_ids, batch, strict=True)
            for row in credit_rows(film_id, item.record)
        ]
        if credits:
            connection.execute(insert(CREDIT_TABLE), credits)
        self.report.created += len(batch)


def write_rejects(path: Path, errors: list[RowError]) -> None:
    """The rejected rows' problems as CSV (line, field, value, problem), written atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["line", "field", "value", "problem"])
    for error in errors:
        writer.writerow([error.line, error.field, error.value, error.message])
    write_atomically(path, buffer.getvalue())


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
