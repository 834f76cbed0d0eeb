"""Telefilm's funding disclosure on SQLite and PostgreSQL: sums against counts made by hand,
unplaced cities, all-or-nothing, idempotent re-import, and the real shipped file."""

from __future__ import annotations

import csv
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from catalog import funding
from catalog.funding import SAMPLE, FundingReport
from catalog.ingest import IngestError, RowsRejected
from catalog.models import FundingGrant
from catalog.places import default_index
from web.usecases import cataloguing
from web.usecases.funding import funding_summary, import_funding

HEADER = (
    "Period,Quarter,Recipient Name,City,Province,Country,Title,Language,Genre,Date,"
    "Final Value,Original Value,Type,Purpose,Comments\n"
)
# Line numbers are the file's: the header is line 1.
GRANTS = [
    # 2019-2020 — Québec 1,850.50 $, of which Montréal 1,500.50 $
    "2019-2020,P1,Prod A,Montreal,Quebec,Canada,Film A,French,Drama,2019-05-01,"
    "1000.00,800.00,Advance,Production Program,0",
    "2019-2020,P2,Prod B,Montréal,Quebec,Canada,Film B,English,Comedy,2019-08-01,"
    "500.50,500.50, Contribution ,Development Program,",
    "2019-2020,P3,Prod C,Rimouski,Quebec,Canada,Film C,French,Documentary,2019-11-01,"
    "250.00,250.00,Grant,Development Program,",
    "2019-2020,P4,Prod D,Saint-Lambert,Quebec,Canada,Film D,French,Drama,0000-00-00,"
    "100.00,100.00,Advance,Marketing Program,",
    "2019-2020,P4,Prod E,Toronto,Ontario,Canada,Film E,English,Drama,2020-01-15,"
    "9999.99,9999.99,Investment,Production Program,",
    # 2020-2021 — Québec 7,000 $, of which Montréal (the borough of Verdun) 3,000 $
    "2020-2021,P1,Prod F,Quebec,Quebec,Canada,Film F,French,Drama,2020-04-10,"
    "2000.00,2000.00,Advance,Production Program,",
    "2020-2021,P2,Prod G,Verdun,Quebec,Canada,Film G,French,Drama,2020-07-10,"
    "3000.00,3000.00,Advance,Production Program,",
    "2020-2021,P2,Prod H,Ile Perrot,Quebec,Canada,Film H,French,Drama,2020-07-11,"
    "400.00,400.00,Advance,Development Program,",
    "2020-2021,P3,Prod I,Québec City,Quebec,Canada,Film I,French,Drama,2020-10-01,"
    "1000.00,1000.00,Advance,Programme d\x92aide à la diffusion en salle,",
    "2020-2021,P3,Prod J,Paris,,France,Film J,French,Drama,2020-10-02,"
    "45000.00,45000.00,Grant,Export Assistance Program,",
    "2020-2021,P3,Prod K,0,0,0,Film K,0,0,2020-10-03,10.00,10.00,Grant,Development Program,",
    "2020-2021,P4,Prod L,St-Jérôme,Quebec,Canada,Film L,French,Drama,2021-01-20,"
    "600.00,600.00,Advance,Production Program,",
]
CENTS_2019 = 100_000 + 50_050 + 25_000 + 10_000
MONTREAL_2019 = 100_000 + 50_050
CENTS_2020 = 200_000 + 300_000 + 40_000 + 100_000 + 60_000
MONTREAL_2020 = 300_000
TOTAL = CENTS_2019 + 999_999 + CENTS_2020 + 4_500_000 + 1_000


def write(path: Path, lines: list[str]) -> Path:
    path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def grants(engine: Engine) -> list[FundingGrant]:
    with Session(engine) as session:
        return list(session.exec(select(FundingGrant).order_by(FundingGrant.source_line)))


def test_sums_match_the_counts_made_by_hand(engine: Engine, tmp_path: Path) -> None:
    films = tmp_path / "films.csv"
    films.write_text(
        "original_title,region\nAube,06\nBrume,06\nCap,01\nDune,99\n", encoding="utf-8"
    )
    cataloguing.import_catalog(engine, films)
    report = import_funding(engine, write(tmp_path / "grants.csv", GRANTS))

    assert (report.rows, report.added, report.removed) == (12, 12, 0)
    assert (report.quebec, report.placed) == (9, 7)
    assert report.unplaced == Counter({"Saint-Lambert": 1, "Ile Perrot": 1})
    summary = funding_summary(engine)
    assert (summary.grants, summary.total_cents) == (12, TOTAL)
    assert [
        (y.period, y.quebec_grants, y.quebec_cents, y.montreal_grants, y.montreal_cents)
        for y in summary.by_year
    ] == [
        ("2019-2020", 4, CENTS_2019, 2, MONTREAL_2019),
        ("2020-2021", 5, CENTS_2020, 1, MONTREAL_2020),
    ]
    assert summary.by_year[1].share == pytest.approx(3 / 7)
    # French-language projects alone: Prod B (English) leaves 2019-2020.
    assert [(y.quebec_cents, y.montreal_cents) for y in summary.by_year_french] == [
        (100_000 + 25_000 + 10_000, 100_000),
        (CENTS_2020, MONTREAL_2020),
    ]
    regions = {r.region_code: (r.grants, r.cents, r.films) for r in summary.by_region}
    assert len(regions) == 17
    assert regions["06"] == (3, 450_050, 2)
    assert regions["01"] == (1, 25_000, 1)
    assert regions["03"] == (2, 300_000, 0)
    assert regions["15"] == (1, 60_000, 0)
    assert sum(g for g, _, _ in regions.values()) == 7
    assert [(u.city, u.grants, u.cents) for u in summary.unplaced] == [
        ("Ile Perrot", 1, 40_000),
        ("Saint-Lambert", 1, 10_000),
    ]
    assert [(r.period, r.region_code, r.cents) for r in summary.by_region_and_year] == [
        ("2019-2020", None, 10_000),
        ("2019-2020", "01", 25_000),
        ("2019-2020", "06", 150_050),
        ("2020-2021", None, 40_000),
        ("2020-2021", "03", 300_000),
        ("2020-2021", "06", 300_000),
        ("2020-2021", "15", 60_000),
    ]

    stored = {g.recipient: g for g in grants(engine)}
    assert stored["Prod G"].municipality == "Montréal"
    assert stored["Prod L"].municipality == "Saint-Jérôme"
    assert (stored["Prod E"].region_code, stored["Prod E"].quebec) == ("99", False)
    assert stored["Prod J"].region_code == "99"
    assert (stored["Prod K"].region_code, stored["Prod K"].city, stored["Prod K"].genre) == (
        None,
        "",
        "",
    )
    assert stored["Prod A"].comments == "" and stored["Prod A"].original_cents == 80_000
    assert stored["Prod B"].kind == "Contribution"
    assert stored["Prod D"].granted_on is None
    assert stored["Prod I"].programme == "Programme d’aide à la diffusion en salle"
    assert stored["Prod A"].source_line == 2 and stored["Prod L"].source_line == 13


def test_a_bad_line_is_named_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", GRANTS)
    import_funding(engine, good)
    before = [(g.id, g.row_hash) for g in grants(engine)]

    lines = list(GRANTS)
    lines[2] = lines[2].replace("250.00,250.00", "deux cents,250.00")
    lines[5] = lines[5].replace("2020-04-10", "2020-13-40")
    lines[7] = lines[7].replace("2020-2021,P2", "2020-2022,P5")
    with pytest.raises(RowsRejected) as caught:
        import_funding(engine, write(tmp_path / "bad.csv", lines))
    assert [(e.line, e.field) for e in caught.value.errors] == [
        (4, "Final Value"),
        (7, "Date"),
        (9, "Period"),
        (9, "Quarter"),
    ]
    assert "line 4, field Final Value ('deux cents')" in str(caught.value.errors[0])
    assert [(g.id, g.row_hash) for g in grants(engine)] == before


def test_a_bad_file_on_an_empty_table_leaves_it_empty(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(RowsRejected):
        import_funding(engine, write(tmp_path / "bad.csv", [*GRANTS, "2020-2021,P1,,,,,,,,,,,,,"]))
    assert grants(engine) == []
    headless = tmp_path / "headless.csv"
    headless.write_text("Period,Quarter,Title\n2020-2021,P1,Aube\n", encoding="utf-8")
    with pytest.raises(IngestError, match="'Recipient Name'"):
        import_funding(engine, headless)


def test_the_same_file_again_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "grants.csv", GRANTS)
    import_funding(engine, path)
    before = [(g.id, g.source_line, g.row_hash) for g in grants(engine)]
    again = import_funding(engine, path)
    assert (again.replaced, again.added, again.removed, again.unchanged) == (False, 0, 0, 12)
    assert "nothing changed" in again.summary()
    assert [(g.id, g.source_line, g.row_hash) for g in grants(engine)] == before


def test_a_corrected_file_replaces_the_set(engine: Engine, tmp_path: Path) -> None:
    import_funding(engine, write(tmp_path / "grants.csv", GRANTS))
    corrected = [line for line in GRANTS if "Prod J" not in line]
    corrected[0] = corrected[0].replace("1000.00,800.00", "1200.00,800.00")
    report = import_funding(engine, write(tmp_path / "corrected.csv", corrected))
    assert (report.added, report.removed, report.unchanged) == (1, 2, 10)
    summary = funding_summary(engine)
    assert summary.grants == 11
    assert summary.total_cents == TOTAL - 4_500_000 + 20_000
    assert summary.by_year[0].montreal_cents == MONTREAL_2019 + 20_000


def test_the_commands_import_and_report(
    runner: FlaskCliRunner, engine: Engine, tmp_path: Path
) -> None:
    result = runner.invoke(args=["funding", "import", str(write(tmp_path / "g.csv", GRANTS))])
    assert result.exit_code == 0, result.output
    assert "12 grants — 12 added" in result.output
    assert "2 Québec grant(s) in 2 cities" in result.output
    assert "Saint-Lambert" in result.output and "Ile Perrot" in result.output
    shown = runner.invoke(args=["funding", "report"])
    assert shown.exit_code == 0, shown.output
    assert "2020-2021" in shown.output and "42.9%" in shown.output
    data = json.loads(runner.invoke(args=["funding", "report", "--json"]).output)
    assert data["quebec_cents"] == CENTS_2019 + CENTS_2020
    assert data["by_year"][1]["share"] == pytest.approx(3 / 7)
    bad = write(tmp_path / "bad.csv", [GRANTS[0].replace("2019-05-01", "hier")])
    failed = runner.invoke(args=["funding", "import", str(bad)])
    assert failed.exit_code != 0
    assert "line 2, field Date ('hier')" in failed.output


def quebec_by_year_from_the_file() -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """Québec's and Montréal's Final Value per fiscal year, summed straight from the CSV."""
    quebec: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    montreal: dict[str, Decimal] = Counter()  # type: ignore[assignment]
    index = default_index()
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Province"] != "Quebec":
                continue
            quebec[row["Period"]] += Decimal(row["Final Value"])
            try:
                region = index.place(row["City"]).region_code
            except ValueError:
                region = None
            if region == "06":
                montreal[row["Period"]] += Decimal(row["Final Value"])
    return quebec, montreal


def test_the_shipped_disclosure(engine: Engine) -> None:
    report = import_funding(engine, SAMPLE)
    assert report.rows == report.added == 10_516
    assert report.quebec == 4_372
    assert report.placed + report.unplaced_grants == report.quebec
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(FundingGrant)).one() == 10_516
        quebec_rows = select(func.count()).where(col(FundingGrant.quebec).is_(True))
        assert session.exec(quebec_rows).one() == 4_372
        unplaced = funding.unplaced_cities(session)
    assert sum(u.grants for u in unplaced) == report.unplaced_grants

    summary = funding_summary(engine)
    assert [y.period for y in summary.by_year] == [f"{y}-{y + 1}" for y in range(2009, 2021)]
    assert all(0 < y.share < 1 for y in summary.by_year)
    by_region = {r.region_code: r.cents for r in summary.by_region}
    assert sum(y.montreal_cents for y in summary.by_year) == by_region["06"]
    assert summary.quebec_cents == sum(by_region.values()) + sum(u.cents for u in unplaced)
    assert summary.quebec_cents == sum(r.cents for r in summary.by_region_and_year)
    quebec, montreal = quebec_by_year_from_the_file()
    assert {y.period: Decimal(y.quebec_cents) / 100 for y in summary.by_year} == quebec
    assert {y.period: Decimal(y.montreal_cents) / 100 for y in summary.by_year} == montreal
    assert import_funding(engine, SAMPLE).replaced is False


def test_report_lines_name_the_unplaced_cities_most_first() -> None:
    report = FundingReport("x", unplaced=Counter({"B": 1, "A": 1, "C": 3}))
    assert report.unplaced_lines() == ["    3  C", "    1  A", "    1  B"]
    assert report.unplaced_grants == 5
