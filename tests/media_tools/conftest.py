"""Fixtures for the media tests: ffmpeg, the generated clips with their truth, the real clip."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from media_tools import MediaError, find_tools
from tests.components import require_component

ROOT = Path(__file__).resolve().parents[2]
REAL_CLIP = ROOT / "samples" / "media" / "big_buck_bunny_0_30.webm"


def load_generator() -> ModuleType:
    path = ROOT / "samples" / "media" / "generate.py"
    spec = importlib.util.spec_from_file_location("samples_media_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    try:
        return find_tools().ffmpeg
    except MediaError as error:
        require_component("ffmpeg", str(error))


@pytest.fixture(scope="session")
def generator() -> ModuleType:
    return load_generator()


class Clips:
    """The generated clips (made once per test session) and the truth each was built with."""

    def __init__(self, folder: Path, manifest: dict[str, Any]) -> None:
        self.folder = folder
        self.truth: dict[str, dict[str, Any]] = manifest["clips"]

    def __getitem__(self, name: str) -> Path:
        assert name in self.truth, f"{name} is not in the manifest"
        return self.folder / name


@pytest.fixture(scope="session")
def clips(ffmpeg: str, generator: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Clips:
    folder = tmp_path_factory.mktemp("clips")
    return Clips(folder, generator.generate(folder))


@pytest.fixture(scope="session")
def real_clip() -> Path:
    if not REAL_CLIP.is_file():
        require_component("the real clip", f"{REAL_CLIP} is missing")
    return REAL_CLIP
