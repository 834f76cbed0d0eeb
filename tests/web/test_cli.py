"""The `anthologie` console script is the Flask CLI, and its commands report clearly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.conftest import SAMPLES

BIN = Path(sys.executable).parent


def commands_listed(help_text: str) -> set[str]:
    section = help_text.split("Commands:", 1)[1]
    return set(re.findall(r"^\s{2}([a-z][\w-]*)", section, flags=re.M))


def test_anthologie_and_flask_show_the_same_commands(tmp_path: Path) -> None:
    env = os.environ | {"ANTHOLOGIE_INSTANCE_PATH": str(tmp_path)}
    ours = subprocess.run(
        [BIN / "anthologie", "--help"], capture_output=True, text=True, env=env, check=True
    ).stdout
    flask = subprocess.run(
        [BIN / "flask", "--app", "web", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert {"ingest", "export", "init-db", "films"} <= commands_listed(ours)
    assert commands_listed(ours) == commands_listed(flask)


def test_ingest_then_export_from_the_command_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    sample = SAMPLES / "catalog.csv"
    result = runner.invoke(args=["ingest", str(sample)])
    assert result.exit_code == 0, result.output
    assert "new" in result.output and "1 warning(s)" in result.output
    joutel = 1 + sample.read_text(encoding="utf-8").split("\nqc-0089,")[0].count("\n") + 1
    assert (
        f"warning: {sample}: line {joutel}, field municipality: 'Joutel' is in neither the "
        "municipal directory nor the list of Indigenous communities; kept as written, "
        "region 10 as given"
    ) in result.output
    out = tmp_path / "export.csv"
    result = runner.invoke(args=["export", "--format", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (SAMPLES / "catalog.csv").read_text(encoding="utf-8")


def test_bad_rows_exit_non_zero_and_name_line_and_field(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,runtime,region\nAube,7,01\nNuit,demain,01\nMidi,5,Atlantide\n")
    result = runner.invoke(args=["ingest", str(bad)])
    assert result.exit_code == 1
    assert "line 3, field runtime" in result.output
    assert "line 4, field region" in result.output
    assert "nothing imported" in result.output


def test_a_place_nothing_lists_imports_with_a_warning_when_the_region_is_given(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    films = tmp_path / "films.csv"
    films.write_text("title,municipality,region\nJoutel,Joutel,10\nAube,Kitcisakik,08\n")
    result = runner.invoke(args=["ingest", str(films)])
    assert result.exit_code == 0, result.output
    assert "2 new" in result.output and "1 warning(s)" in result.output
    assert f"warning: {films}: line 2, field municipality: 'Joutel'" in result.output
    assert "Kitcisakik" not in result.output  # an Indigenous community: resolved, no warning

    films.write_text("title,municipality\nMidi,Joutel\n")
    result = runner.invoke(args=["ingest", str(films)])
    assert result.exit_code == 1
    assert "line 2, field municipality: unknown municipality 'Joutel'" in result.output


def test_skip_invalid_writes_a_report(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,runtime\nAube,7\nNuit,demain\n")
    report = tmp_path / "rejects.csv"
    result = runner.invoke(args=["ingest", str(bad), "--skip-invalid", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "1 new" in result.output
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "line,field,value,problem"
    assert lines[1].startswith("3,runtime,demain,")


def test_films_lists_what_records_lack(runner: FlaskCliRunner) -> None:
    runner.invoke(args=["ingest", str(SAMPLES / "catalog.csv")])
    result = runner.invoke(args=["films", "--incomplete"])
    assert result.exit_code == 0
    assert "lacks: runtime" in result.output
