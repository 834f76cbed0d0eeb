"""Semantic search answers with films that have a synopsis: a bare title says nothing of what
a film is about, and short titles would otherwise crowd the answer to a short query."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

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


def test_search_through_the_graph_finds_the_film_and_sees_new_ones(
    engine: Engine, tmp_path: Path
) -> None:
    # 400 films about other things, so that the graph (forced by exact_max=0) is searched.
    # Some share a word with the films searched for (fleuve, lac), as real neighbours do: a
    # film sharing nothing with any other sits apart from the graph's paths (hashed words
    # make such orthogonal vectors, which real embeddings do not).
    words = ["montagne", "cuisine", "vélo", "usine", "forêt", "musique", "neige", "école"]
    lines = ["external_id,original_title,synopsis_fr,synopsis_en,region"]
    for n in range(400):
        theme = " ".join(words[(n + j) % len(words)] for j in range(3))
        place = ("au bord du fleuve", "près du lac", "")[n % 3]
        lines.append(f"f{n},Film {n},Une histoire de {theme} {place} numéro {n}.,,0{n % 9 + 1}")
    lines.append("target,Gens du fleuve,Des pêcheurs sur le fleuve à l'aube.,,09")
    films = tmp_path / "films.csv"
    films.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cataloguing.import_catalog(engine, films)
    embedder = FakeEmbedder()
    curating.embed_catalog(engine, embedder)

    def found(text: str) -> list[str | None]:
        answer = curating.search(engine, embedder, text, k=4, exact_max=0)
        return [film.external_id for film, _ in answer]

    assert found("pêcheurs fleuve")[0] == "target"
    with Session(engine) as session:
        ids, index = curating.neighbour_index(engine, session, embedder.model_id, exact_max=0)
    assert index is not None and index.approximate and len(ids) == 401
    # A new film, embedded: the next search rebuilds the index and finds it.
    more = tmp_path / "more.csv"
    more.write_text(
        "external_id,original_title,synopsis_fr,synopsis_en,region\n"
        "canot,Canot d'écorce,Construire un canot d'écorce au bord du lac.,,08\n",
        encoding="utf-8",
    )
    cataloguing.import_catalog(engine, more)
    curating.embed_catalog(engine, embedder)
    assert found("canot écorce lac")[0] == "canot"
    with Session(engine) as session:
        ids, rebuilt = curating.neighbour_index(engine, session, embedder.model_id, exact_max=0)
    assert rebuilt is not index and len(ids) == 402
