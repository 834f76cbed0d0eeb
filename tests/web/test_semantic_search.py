"""Semantic search answers with films that have a synopsis: a bare title says nothing of what
a film is about, and short titles would otherwise crowd the answer to a short query."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from curation.testing import FakeEmbedder
from web.usecases import cataloguing, curating


def test_search_by_meaning_leaves_out_records_with_only_a_title(
    engine: Engine, tmp_path: Path
) -> None:
    films = tmp_path / "films.csv"
    films.write_text(
        "external_id,original_title,synopsis_fr,synopsis_en,region\n"
        "a,Le fleuve,,,01\n"
        "b,Gens du fleuve,Des pêcheurs sur le fleuve à l'aube.,,09\n"
        "c,Ville minière,,Miners in a northern town.,08\n"
        "d,Patinoire,Une patinoire de quartier en hiver.,A neighbourhood rink in winter.,03\n",
        encoding="utf-8",
    )
    cataloguing.import_catalog(engine, films)
    embedder = FakeEmbedder()
    curating.embed_catalog(engine, embedder)
    found = [film.external_id for film, _ in curating.search(engine, embedder, "fleuve", k=4)]
    assert found[0] == "b"
    assert "a" not in found
    assert set(found) == {"b", "c", "d"}
    assert embedder.query_calls == 1
