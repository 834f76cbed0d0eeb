"""Real media files for tests, made by ffmpeg on the spot."""

from __future__ import annotations

from pathlib import Path

import media_tools
from tests.components import require_component


def make_clip(
    path: Path, seconds: float, seed: int = 0, size: tuple[int, int] = (320, 180)
) -> Path:
    """A real clip of `seconds` (test patterns cut into shots, a tone, 25 frames per second,
    stereo AAC in MP4), made by ffmpeg; without ffmpeg, a skip (a failure under CI)."""
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    path.parent.mkdir(parents=True, exist_ok=True)
    return media_tools.make_stand_in(path, path.stem, seconds, seed, size=size)
