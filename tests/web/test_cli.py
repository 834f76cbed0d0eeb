"""The `anthologie` console script is the Flask CLI, and its commands report clearly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlmodel import Session, select

from catalog import vectors
from catalog.models import Film, Job, JobStatus
from tests.conftest import SAMPLES
from tests.web import quebec
from web import database
from web.usecases import curating

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


def film_ids_by_external_id(app: Flask) -> dict[str, int]:
    with app.app_context(), Session(database.engine()) as session:
        rows = session.exec(select(Film.external_id, Film.id)).all()
    return {str(external): int(film_id) for external, film_id in rows if film_id is not None}


def test_an_import_queues_the_embedding_then_search_and_similar_print_json(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    app.config["EMBED_NEW_FILMS"] = True
    result = runner.invoke(
        args=["ingest", str(quebec.quebec_subset(tmp_path)), *quebec.CLI_OPTIONS]
    )
    assert result.exit_code == 0, result.output
    assert "Queued job" in result.output  # and run at once: the test queue is immediate
    ids = film_ids_by_external_id(app)

    result = runner.invoke(args=["search", "la mer et les pêcheurs", "--json", "-k", "3"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [set(row) for row in found] == [{"id", "title", "score"}] * 3
    assert found[0]["id"] in {ids[e] for e in quebec.FISHING}, found
    scores = [row["score"] for row in found]
    assert scores == sorted(scores, reverse=True)
    # The text was embedded as a query ("query: "), against films embedded as passages.
    with app.app_context():
        embedder = curating.configured_embedder(app.config)
        with Session(database.engine()) as session:
            _, matrix = vectors.load_matrix(
                session, curating.TEXT_FACET, embedder.model_id, [found[0]["id"]]
            )
    as_query = float(matrix[0] @ embedder.encode_query(["la mer et les pêcheurs"])[0])
    as_passage = float(matrix[0] @ embedder.encode(["la mer et les pêcheurs"])[0])
    assert found[0]["score"] == pytest.approx(as_query, abs=1e-4)
    assert abs(as_query - as_passage) > 1e-3

    film_id = ids["qc-0110"]
    result = runner.invoke(args=["similar", str(film_id), "--json", "-k", "4"])
    assert result.exit_code == 0, result.output
    neighbours = json.loads(result.output)
    assert len(neighbours) == 4 and film_id not in {row["id"] for row in neighbours}
    assert all(-1.0 <= row["score"] <= 1.0 for row in neighbours)
    assert runner.invoke(args=["similar", "999999", "--json"]).exit_code != 0


def test_a_dry_run_or_an_unchanged_import_queues_no_embedding(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    app.config["EMBED_NEW_FILMS"] = True
    subset = quebec.quebec_subset(tmp_path, quebec.FISHING)
    dry = runner.invoke(args=["ingest", str(subset), "--dry-run", *quebec.CLI_OPTIONS])
    assert dry.exit_code == 0, dry.output
    assert "Queued job" not in dry.output
    assert "Queued job" in runner.invoke(args=["ingest", str(subset), *quebec.CLI_OPTIONS]).output
    again = runner.invoke(args=["ingest", str(subset), *quebec.CLI_OPTIONS])
    assert "0 new, 0 updated" in again.output and "Queued job" not in again.output


def test_embed_queue_spreads_the_catalog_over_chunk_jobs(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner.invoke(args=["ingest", str(quebec.quebec_subset(tmp_path)), *quebec.CLI_OPTIONS])
    monkeypatch.setattr(curating, "CHUNK_FILMS", 4)
    result = runner.invoke(args=["embed", "--queue"])
    assert result.exit_code == 0, result.output
    with app.app_context(), Session(database.engine()) as session:
        parent = session.exec(select(Job).where(Job.kind == "embed")).one()
        children = session.exec(select(Job).where(Job.kind == "embed-films")).all()
    assert parent.status == JobStatus.done, parent.message
    assert sorted(len(c.params["film_ids"]) for c in children) == [2, 4, 4]
    assert parent.result["embedded"] == parent.done == parent.total == 10
    assert parent.result["parts"] == len(children)
    assert sorted(c.child_key or "" for c in children) == ["films 1-4", "films 5-8", "films 9-12"]
    assert {c.parent_id for c in children} == {parent.id}
    # The synchronous command finds nothing left to do, whatever its threads.
    result = runner.invoke(args=["embed", "--threads", "2"])
    assert "10 films, 0 embedded, 10 unchanged (multilingual-e5-small-q4/384)" in result.output
    assert runner.invoke(args=["embed", "--threads", "0"]).exit_code == 2
