"""Decoded frames of two recipients' watermarked copies, and the check that they differ in
the watermark's band and nowhere else (the media tests and the pitch-room journey share it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

from media_tools import probe
from media_tools.runner import media_arg
from media_tools.watermark import watermark_box

# Codec noise between two encodes whose pictures differ only in the band: motion vectors
# pointing into the band bring a little of it elsewhere, never much.
NOISE_MEAN = 1.0
NOISE_SHARE = 0.005  # of pixels outside the band more than 8 grey levels apart


def grey_frames(ffmpeg: str, path: Path, every: int = 1) -> np.ndarray:
    info = probe(path)
    assert info.video is not None and info.video.width and info.video.height
    chosen = f"select='not(mod(n\\,{every}))'," if every > 1 else ""
    args = [ffmpeg, "-v", "error", "-nostdin", "-i", media_arg(path)]
    args += ["-vf", f"{chosen}format=gray", "-fps_mode", "passthrough", "-f", "rawvideo", "-"]
    out = subprocess.run(
        args,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    size = info.video.height * info.video.width
    return np.frombuffer(out, np.uint8).reshape(len(out) // size, info.video.height, -1)


def outside(shape: tuple[int, int], margin: int = 16) -> np.ndarray:
    """A mask of the frame outside the band (and a macroblock's margin around it)."""
    height, width = shape
    x0, y0, x1, y1 = watermark_box(width, height)
    mask = np.ones(shape, dtype=bool)
    mask[max(0, y0 - margin) : y1 + margin, max(0, x0 - margin) : x1 + margin] = False
    return mask


def assert_differ_only_in_the_band(first: np.ndarray, second: np.ndarray) -> None:
    assert first.shape == second.shape and len(first) > 5
    diff = np.abs(first.astype(np.int16) - second.astype(np.int16))
    height, width = first.shape[1:]
    x0, y0, x1, y1 = watermark_box(width, height)
    elsewhere = diff[:, outside((height, width))]
    assert elsewhere.mean() < NOISE_MEAN, elsewhere.mean()
    assert (elsewhere > 8).mean() < NOISE_SHARE
    band = diff[:, y0:y1, x0:x1]
    # Every frame names its recipient: the band differs in each, clearly.
    per_frame = band.reshape(len(band), -1).mean(axis=1)
    assert per_frame.min() > 3 * NOISE_MEAN, per_frame.min()
    # The mark leaves most of the picture alone.
    assert (x1 - x0) * (y1 - y0) < 0.15 * width * height
