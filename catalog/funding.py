"""Telefilm Canada's funding disclosure: imported as reference data, placed in Québec's regions,
and summed the way observatories report it (where the programme money goes).

The file is Telefilm's proactive disclosure of funding (`samples/telefilm_funding.csv`, see
samples/README.md): one line per grant with its fiscal year, recipient, city, province,
project, amount and programme. An import is all or nothing, like the catalog's
(catalog/ingest.py): every bad line is reported (line, column, what is wrong) and then nothing
is written. The grants are one set: importing the same file again writes nothing, importing
another (a corrected or newer disclosure) replaces the set in one transaction.

A Québec grant's city is placed with the municipal directory (`catalog.places`: accents,
case, `St-`, former municipalities and Montréal's boroughs understood). A city that names no
place, or places in several regions ("Saint-Lambert"), stays unplaced: counted in Québec's
totals, in no region's, and listed by `unplaced_cities`.

Amounts are the disclosure's "Final Value" (after amendments), summed in whole cents.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import case, delete, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from catalog.ingest import IngestError, RawRow, RowError, RowsRejected, RowWarning, read_rows
from catalog.models import Film, FundingGrant, Region, Status
from catalog.observatory import MONTREAL, OUTSIDE_QUEBEC, QUEBEC_REGIONS
from catalog.places import PlaceError, PlaceIndex, default_index
from catalog.places import normalise_place as _key

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "telefilm_funding.csv"

# The disclosure's columns, and the table's column each one feeds.
COLUMNS = {
    "Period": "period",
    "Quarter": "quarter",
    "Recipient Name": "recipient",
    "City": "city",
    "Province": "province",
    "Country": "country",
    "Title": "title",
    "Language": "language",
    "Genre": "genre",
    "Date": "granted_on",
    "Final Value": "final_cents",
    "Original Value": "original_cents",
    "Type": "kind",
    "Purpose": "programme",
    "Comments": "comments",
}
REQUIRED = ("Period", "Quarter", "Recipient Name", "Final Value", "Original Value")
_QUEBEC = {"quebec", "qc", "que", "pq"}
_NOT_GIVEN = {"0", "n/a"}  # the disclosure writes "0" (or "N/A") for "not applicable"
_PERIOD = re.compile(r"(\d{4})\s*[-–/]\s*(\d{4})")
_QUARTER = re.compile(r"[Pp]([1-4])")
_C1 = re.compile("[\x80-\x9f]")  # control characters: Windows-1252 read as Latin-1
_AMOUNT = re.compile(r"-?\d+(\.\d{1,2})?")
BATCH = 1000
GRANT_TABLE = SQLModel.metadata.tables["fundinggrant"]


@dataclass
class FundingReport:
    """What an import did: grants read, and how the stored set changed (added and removed
    count lines by content, so a corrected line is one of each)."""

    source: str
    rows: int = 0
    added: int = 0
    removed: int = 0
    unchanged: int = 0
    quebec: int = 0
    placed: int = 0
    unplaced: Counter[str] = field(default_factory=Counter)  # Québec city → grants
    warnings: list[RowWarning] = field(default_factory=list)

    @property
    def replaced(self) -> bool:
        return bool(self.added or self.removed)

    @property
    def unplaced_grants(self) -> int:
        return sum(self.unplaced.values())

    def summary(self) -> str:
        if self.replaced:
            change = f"{self.added} added, {self.removed} removed, {self.unchanged} unchanged"
        else:
            change = "nothing changed (the same grants are already imported)"
        return (
            f"{self.source}: {self.rows} grants — {change}; {self.quebec} to Québec, "
            f"{self.placed} placed in a region, {self.unplaced_grants} not placed"
        )

    def unplaced_lines(self) -> list[str]:
        """One line per Québec city that could not be placed, the most frequent first."""
        return [f"{grants:>5}  {city or '(no city)'}" for city, grants in _by_count(self.unplaced)]


def _by_count(counter: Mapping[str, int]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


# -- reading -------------------------------------------------------------------------------


def _text(cell: str) -> str:
    """A cell as stored: trimmed, one space between words, "0" (not applicable) as empty, and
    the Windows-1252 punctuation the source decoded as control characters ("d\\x92aide")
    restored."""
    cell = _C1.sub(lambda m: bytes([ord(m.group())]).decode("cp1252", errors="replace"), cell)
    cleaned = " ".join(cell.split())
    return "" if cleaned.casefold() in _NOT_GIVEN else cleaned


def _cents(cell: str) -> int:
    cleaned = cell.strip().replace("$", "").replace(" ", "").replace("\u00a0", "")
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError("is not an amount in dollars (e.g. 15000.00)")
    try:
        cents = int(Decimal(cleaned) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValueError("is not an amount in dollars (e.g. 15000.00)") from None
    if cents < 0:
        raise ValueError("is below zero")
    return cents


def _period(cell: str) -> str:
    match = _PERIOD.fullmatch(cell.strip())
    if match is None:
        raise ValueError("is not a fiscal year such as 2009-2010")
    start, end = int(match.group(1)), int(match.group(2))
    if end != start + 1:
        raise ValueError(f"runs from {start} to {end}; a fiscal year spans two years in a row")
    return f"{start}-{end}"


def _date(cell: str) -> date | None:
    cleaned = cell.strip()
    if cleaned in {"", "0"} or cleaned.startswith("0000"):
        return None  # the disclosure's "no date"
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned):
            raise ValueError
        return date.fromisoformat(cleaned)
    except ValueError:
        raise ValueError("is not a date written YYYY-MM-DD") from None


def _parse(line: int, cells: Mapping[str, str]) -> tuple[dict[str, Any], list[RowError]]:
    """The table's values for one line, and what is wrong with it."""
    values: dict[str, Any] = {}
    errors: list[RowError] = []

    def wrong(column: str, message: str) -> None:
        errors.append(RowError(line, column, cells[column].strip(), message, "funding"))

    for column in REQUIRED:
        if not cells[column].strip():
            wrong(column, "is required")
    parsers: dict[str, Callable[[str], Any]] = {
        "Period": _period,
        "Date": _date,
        "Final Value": _cents,
        "Original Value": _cents,
    }
    for column, target in COLUMNS.items():
        if any(e.field == column for e in errors):
            continue
        parser = parsers.get(column)
        try:
            values[target] = parser(cells[column]) if parser else _text(cells[column])
        except ValueError as error:
            wrong(column, str(error))
    if "quarter" in values:
        match = _QUARTER.fullmatch(values["quarter"])
        if match is None:
            wrong("Quarter", "is not a quarter P1, P2, P3 or P4")
        else:
            values["quarter"] = f"P{match.group(1)}"
    return values, errors


def _outside_period(values: Mapping[str, Any]) -> bool:
    """Whether the grant's date falls outside its fiscal year (1 April to 31 March)."""
    day, start = values["granted_on"], int(values["period"][:4])
    return day is not None and not date(start, 4, 1) <= day <= date(start + 1, 3, 31)


def _place(values: dict[str, Any], index: PlaceIndex) -> None:
    """Set `quebec`, `region_code` and `municipality` from the city, province and country."""
    province, country = _key(values["province"]), _key(values["country"])
    values["quebec"] = province in _QUEBEC
    values["region_code"] = values["municipality"] = None
    if values["quebec"]:
        try:
            place = index.place(values["city"]) if values["city"] else None
        except PlaceError:
            place = None
        if place is not None and place.region_code in QUEBEC_REGIONS:
            values["region_code"], values["municipality"] = place.region_code, place.name
    elif (province and province != "other" and country in {"", "canada"}) or (
        country and country != "canada"
    ):
        values["region_code"] = OUTSIDE_QUEBEC


def _row_hash(row: RawRow, positions: list[int]) -> str:
    assert isinstance(row.cells, list)
    text = "\x1f".join(row.cells[i] for i in positions)
    return hashlib.sha256(text.encode()).hexdigest()


# -- importing -----------------------------------------------------------------------------


def import_grants(
    session: Session,
    path: Path,
    *,
    progress: Callable[[int], None] | None = None,
    index: PlaceIndex | None = None,
) -> FundingReport:
    """Import a funding disclosure in `session`'s transaction (the caller commits).

    Raises IngestError when the file cannot be read or lacks a column, and RowsRejected, having
    written nothing, when any line is invalid.
    """
    path = Path(path)
    source = str(path)
    if path.suffix.lower() != ".csv":
        raise IngestError(f"{source}: the funding disclosure is read as CSV", "not_csv")
    index = index or default_index()
    header, rows = read_rows(path)
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise IngestError(
            f"{source}: column(s) {', '.join(map(repr, missing))} missing; a Telefilm funding "
            f"disclosure has {', '.join(COLUMNS)}",
            "missing_columns",
            columns=", ".join(missing),
        )
    positions = [header.index(c) for c in COLUMNS]
    report = FundingReport(source)
    errors: list[RowError] = []
    grants: list[dict[str, Any]] = []
    for raw in rows:
        report.rows += 1
        if progress:
            progress(1)
        if isinstance(raw, RowError):
            errors.append(raw)
            continue
        assert isinstance(raw.cells, list)
        cells = {c: raw.cells[i] for c, i in zip(COLUMNS, positions, strict=True)}
        values, problems = _parse(raw.line, cells)
        if problems:
            errors.extend(problems)
            continue
        if _outside_period(values):
            message = f"{values['granted_on']} is outside fiscal year {values['period']}"
            report.warnings.append(
                RowWarning(raw.line, "Date", cells["Date"], message, "outside_period")
            )
        _place(values, index)
        if values["quebec"]:
            report.quebec += 1
            if values["region_code"]:
                report.placed += 1
            else:
                report.unplaced[values["city"]] += 1
        values["source_line"] = raw.line
        values["row_hash"] = _row_hash(raw, positions)
        grants.append(values)
    if errors:
        raise RowsRejected(source, errors, report.warnings)

    def identity(g: Mapping[str, Any]) -> tuple[Any, ...]:
        return (g["source_line"], g["row_hash"], g["region_code"], g["municipality"])

    table = GRANT_TABLE.c
    stored = session.connection().execute(
        select(table.source_line, table.row_hash, table.region_code, table.municipality).order_by(
            table.source_line, table.id
        )
    )
    before = [tuple(r) for r in stored]
    if before == [identity(g) for g in grants]:
        report.unchanged = len(grants)
        return report
    old = Counter(r[1:] for r in before)
    new = Counter(identity(g)[1:] for g in grants)
    report.unchanged = sum((old & new).values())
    report.added = sum((new - old).values())
    report.removed = sum((old - new).values())
    connection = session.connection()
    connection.execute(delete(FundingGrant))
    for start in range(0, len(grants), BATCH):
        connection.execute(insert(GRANT_TABLE), grants[start : start + BATCH])
    return report


# -- sums ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegionYear:
    """The funding to one region (None: Québec grants not placed) in one fiscal year."""

    period: str
    region_code: str | None
    grants: int
    cents: int


@dataclass(frozen=True)
class MontrealShare:
    """Québec's funding in one fiscal year, and Montréal's part of it."""

    period: str
    quebec_grants: int
    quebec_cents: int
    montreal_grants: int
    montreal_cents: int

    @property
    def share(self) -> float:
        """Montréal's share of the money to Québec (0 when none went to Québec)."""
        return self.montreal_cents / self.quebec_cents if self.quebec_cents else 0.0


@dataclass(frozen=True)
class RegionFunding:
    """A region's funding over every year, beside its films in the catalog."""

    region_code: str
    region_name: str
    grants: int
    cents: int
    films: int


@dataclass(frozen=True)
class UnplacedCity:
    city: str
    grants: int
    cents: int


def _quebec() -> Any:
    return col(FundingGrant.quebec).is_(True)


def quebec_by_region_and_year(session: Session) -> list[RegionYear]:
    """Funding to Québec by fiscal year and region (unplaced grants under region None)."""
    statement = (
        select(
            FundingGrant.period,
            FundingGrant.region_code,
            func.count(),
            func.sum(FundingGrant.final_cents),
        )
        .where(_quebec())
        .group_by(FundingGrant.period, col(FundingGrant.region_code))
        # Unplaced grants first on both databases (PostgreSQL sorts NULL last by default).
        .order_by(FundingGrant.period, col(FundingGrant.region_code).nulls_first())
    )
    return [RegionYear(p, r, n, int(c or 0)) for p, r, n, c in session.exec(statement)]


def montreal_share_by_year(session: Session, language: str | None = None) -> list[MontrealShare]:
    """Per fiscal year: the funding to Québec (placed or not) and what went to Montréal (06);
    only the projects in `language` ("French", as the disclosure writes it) when given: the
    Canada Media Fund calls French-language production outside Montréal "regional"."""
    where = [_quebec()]
    if language is not None:
        where.append(col(FundingGrant.language) == language)
    in_montreal = col(FundingGrant.region_code) == MONTREAL
    statement = (
        sa_select(
            col(FundingGrant.period),
            func.count(),
            func.sum(FundingGrant.final_cents),
            func.sum(case((in_montreal, 1), else_=0)),
            func.sum(case((in_montreal, FundingGrant.final_cents), else_=0)),
        )
        .where(*where)
        .group_by(FundingGrant.period)
        .order_by(FundingGrant.period)
    )
    return [
        MontrealShare(p, n, int(c or 0), int(mn or 0), int(mc or 0))
        for p, n, c, mn, mc in session.execute(statement)
    ]


def funding_beside_films(session: Session) -> list[RegionFunding]:
    """Each of Québec's 17 regions: its grants and funding over every year, and its films in
    the catalog (accepted films)."""
    money = dict(
        (r, (n, int(c or 0)))
        for r, n, c in session.exec(
            select(FundingGrant.region_code, func.count(), func.sum(FundingGrant.final_cents))
            .where(_quebec(), col(FundingGrant.region_code).is_not(None))
            .group_by(FundingGrant.region_code)
        )
    )
    films = dict(
        session.exec(
            select(Film.region_code, func.count())
            .where(Film.status == Status.accepted, col(Film.region_code).in_(QUEBEC_REGIONS))
            .group_by(Film.region_code)
        ).all()
    )
    regions = session.exec(
        select(Region.code, Region.name)
        .where(col(Region.code).in_(QUEBEC_REGIONS))
        .order_by(Region.code)
    )
    return [
        RegionFunding(code, name, *money.get(code, (0, 0)), films.get(code, 0))
        for code, name in regions
    ]


def unplaced_cities(session: Session) -> list[UnplacedCity]:
    """The cities of Québec grants that could not be placed in a region, the most grants first."""
    grants = func.count()
    statement = (
        select(FundingGrant.city, grants, func.sum(FundingGrant.final_cents))
        .where(_quebec(), col(FundingGrant.region_code).is_(None))
        .group_by(FundingGrant.city)
        .order_by(grants.desc(), FundingGrant.city)
    )
    return [UnplacedCity(city, n, int(c or 0)) for city, n, c in session.exec(statement)]


@dataclass(frozen=True)
class FundingSummary:
    """Everything `anthologie funding report` says, for the command line and for JSON."""

    grants: int
    total_cents: int
    by_year: list[MontrealShare]
    by_year_french: list[MontrealShare]  # the French-language projects alone
    by_region: list[RegionFunding]
    by_region_and_year: list[RegionYear]
    unplaced: list[UnplacedCity]

    @property
    def quebec_cents(self) -> int:
        return sum(y.quebec_cents for y in self.by_year)

    @property
    def montreal_cents(self) -> int:
        return sum(y.montreal_cents for y in self.by_year)

    def as_json(self) -> dict[str, Any]:
        def listed(items: Iterable[Any], **extra: Callable[[Any], Any]) -> list[dict[str, Any]]:
            return [dataclasses.asdict(i) | {k: f(i) for k, f in extra.items()} for i in items]

        quebec = self.quebec_cents
        return {
            "grants": self.grants,
            "total_cents": self.total_cents,
            "quebec_cents": quebec,
            "montreal_cents": self.montreal_cents,
            "montreal_share": self.montreal_cents / quebec if quebec else 0.0,
            "by_year": listed(self.by_year, share=lambda y: y.share),
            "by_year_french": listed(self.by_year_french, share=lambda y: y.share),
            "by_region": listed(self.by_region),
            "by_region_and_year": listed(self.by_region_and_year),
            "unplaced": listed(self.unplaced),
        }


def summary(session: Session) -> FundingSummary:
    grants, total = session.exec(select(func.count(), func.sum(FundingGrant.final_cents))).one()
    return FundingSummary(
        grants=grants,
        total_cents=int(total or 0),
        by_year=montreal_share_by_year(session),
        by_year_french=montreal_share_by_year(session, "French"),
        by_region=funding_beside_films(session),
        by_region_and_year=quebec_by_region_and_year(session),
        unplaced=unplaced_cities(session),
    )
