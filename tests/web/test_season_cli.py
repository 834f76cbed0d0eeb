"""`anthologie season` on the demo catalog: a 6 × 22 min season over at least 8 regions whose
episodes keep every episode rule and every season rule, and a season that cannot exist says
which rule blocks, in JSON and in words, with a failing exit code."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskCliRunner
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from catalog.models import Film
from curation import check_bundle
from curation.season import SEASON_MIN_REGIONS, SeasonRules, check_season
from curation.testing import FakeEmbedder
from tests.conftest import SAMPLES
from web.usecases import cataloguing, curating


@pytest.fixture
def demo(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> FakeEmbedder:
    """The demo catalog, embedded by the hashing fake (the real model is tested elsewhere)."""
    cataloguing.import_catalog(engine, SAMPLES / "catalog.csv")
    fake = FakeEmbedder()
    monkeypatch.setattr(curating, "configured_embedder", lambda config: fake)
    return fake


def films_of(engine: Engine, ids: list[int]) -> list[Film]:
    with Session(engine) as session:
        return [session.get(Film, i) for i in ids]  # type: ignore[misc]


def test_six_episodes_of_22_minutes_over_eight_regions_keep_every_rule(
    runner: FlaskCliRunner, engine: Engine, demo: FakeEmbedder
) -> None:
    result = runner.invoke(
        args=[
            "season",
            "--slot",
            "22",
            "--episodes",
            "6",
            "--min-regions",
            "8",
            "--max-region-share",
            "30%",
            "--montreal-max-share",
            "0.2",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and len(data["episodes"]) == 6
    assert data["measured"]["regions_count"] >= 8
    assert data["measured"]["regions_count"] <= data["measured"]["regions_possible"]
    assert all(rule["kept"] for rule in data["season_rules"])
    # Re-checked here from the database's films, not from what the command says.
    rules = SeasonRules(episodes=6, min_regions=8, max_region_share=0.3, montreal_max_share=0.2)
    episodes = []
    for episode in data["episodes"]:
        assert episode["films"] and episode["label"]
        films = [
            curating.to_curation(f, "")
            for f in films_of(engine, [x["id"] for x in episode["films"]])
        ]
        assert check_bundle(films, rules.episode) == []
        episodes.append(films)
    assert check_season(episodes, rules) == []
    assert data["episodes"][0]["order_note"] == "opens_strongest"


def test_a_season_that_cannot_exist_names_the_rule_and_fails(
    runner: FlaskCliRunner, demo: FakeEmbedder
) -> None:
    result = runner.invoke(
        args=["season", "--episodes", "2", "--concept", "region:11", "--min-regions", "3", "--json"]
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert not data["ok"] and data["episodes"] == []
    block = next(b for b in data["blocked"] if b["rule"] == SEASON_MIN_REGIONS)
    assert (block["asked"], block["found"]) == (3, 1)
    assert "seulement 1 région du Québec a des films" in block["message"]
    words = runner.invoke(
        args=[
            "season",
            "--episodes",
            "2",
            "--concept",
            "region:11",
            "--min-regions",
            "3",
            "--lang",
            "en",
        ]
    )
    assert words.exit_code == 1
    assert "only 1 Québec region has films" in words.output and SEASON_MIN_REGIONS in words.output


def test_a_theme_is_embedded_as_a_query_and_bad_settings_are_refused(
    runner: FlaskCliRunner, demo: FakeEmbedder
) -> None:
    result = runner.invoke(
        args=["season", "--episodes", "3", "--concept", "la pêche en mer", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["concept"] == {
        "kind": "theme",
        "value": "la pêche en mer",
        "label": "la pêche en mer",
    }
    assert demo.query_calls == 1
    refused = runner.invoke(args=["season", "--episodes", "3", "--max-region-share", "140%"])
    assert refused.exit_code == 2 and "outside" in refused.output
    unknown = runner.invoke(args=["season", "--episodes", "3", "--concept", "cluster:nulle-part"])
    assert unknown.exit_code == 2 and "no cluster" in unknown.output


def test_a_cluster_named_by_its_name_gives_a_season_of_its_films_only(
    runner: FlaskCliRunner, engine: Engine, demo: FakeEmbedder
) -> None:
    from catalog.models import Cluster

    assert runner.invoke(args=["propose", "--facet", "subject", "--slot", "22"]).exit_code == 0
    with Session(engine) as session:
        clusters = session.exec(select(Cluster).where(Cluster.facet == "subject")).all()
        biggest = max(clusters, key=lambda c: len(c.film_ids))
        name, cluster_id, members = biggest.name, biggest.id, set(biggest.film_ids)
    result = runner.invoke(
        args=["season", "--episodes", "2", "--concept", f"cluster:{name.upper()}", "--json"]
    )
    data = json.loads(result.output)
    assert data["concept"]["value"] == cluster_id and data["concept"]["label"] == name
    if result.exit_code == 0:
        assert {f["id"] for e in data["episodes"] for f in e["films"]} <= members
    else:
        assert result.exit_code == 1 and data["blocked"]
