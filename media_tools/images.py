"""Still images of a film: a representative poster frame, thumbnails and a contact sheet."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import ffmpeg
import numpy as np
from numpy.typing import NDArray

from media_tools.errors import MediaError
from media_tools.probe import MediaInfo, probe
from media_tools.runner import atomic_output, base_args, ffmpeg_exe, media_arg, run
from media_tools.style import coarse_pictures, picture_distance

_BURST = 5  # consecutive frames read at each candidate: enough to see a cut or a fade


@dataclass(frozen=True)
class Poster:
    path: Path
    time_s: float
    score: float


def _need_video(src: Path, info: MediaInfo) -> None:
    if info.video is None:
        raise MediaError(src, "no video stream: images need pictures (audio only?)")


def display_scale(max_width: int, max_height: int) -> str:
    """A scale filter to square pixels, within the bounds, never enlarging, even sizes."""
    return (
        "scale=w='trunc(iw*sar/2)*2':h=ih,setsar=1,"
        f"scale=w='min({max_width},iw)':h='min({max_height},ih)'"
        ":force_original_aspect_ratio=decrease:force_divisible_by=2"
    )


def grab_frames(
    src: Path, at_s: float, *, count: int, size: tuple[int, int], timeout: float = 60.0
) -> NDArray[np.uint8]:
    """`count` consecutive frames from `at_s`, scaled to `size`, as an (n, h, w, 3) array."""
    width, height = size
    # No -ss at 0: a still image has no timeline to seek in, and nothing would come out.
    seek = ["-ss", f"{at_s:.3f}"] if at_s > 0 else []
    args = [*base_args(), "-v", "error", *seek, "-i", media_arg(src)]
    args += ["-map", "0:v:0", "-frames:v", str(count)]
    args += ["-vf", f"scale={width}:{height}:flags=area,setsar=1", "-f", "rawvideo"]
    args += ["-pix_fmt", "rgb24", "pipe:1"]
    done = run(args, timeout=timeout, subject=src, what=f"reading frames at {at_s:.1f} s")
    frame = width * height * 3
    usable = len(done.stdout) - len(done.stdout) % frame
    return np.frombuffer(done.stdout[:usable], dtype=np.uint8).reshape(-1, height, width, 3)


def frame_score(burst: NDArray[np.uint8]) -> float:
    """How good a poster the middle of a burst of frames makes (pure; higher is better).

    Black, washed-out or flat frames score below zero; frames at a cut or in a fade are
    penalised; otherwise contrast, colour, mid-tones and sharpness count.
    """
    if len(burst) == 0:
        return -2.0
    frames = burst.astype(np.float32) / 255
    middle = frames[len(frames) // 2]
    luma = middle @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    brightness = float(luma.mean())
    contrast = float(luma.std())
    if brightness < 0.12 or brightness > 0.92 or contrast < 0.04:
        return -1.0 + brightness * 0.5 + contrast  # still ranked, for films that are all dark
    r, g, b = middle[..., 0], middle[..., 1], middle[..., 2]
    rg, yb = (r - g) * 255, (0.5 * (r + g) - b) * 255
    colourful = float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
    sharpness = float(np.abs(np.diff(luma, axis=0)).mean() + np.abs(np.diff(luma, axis=1)).mean())
    score = (
        min(contrast / 0.22, 1.0)
        + 0.5 * min(colourful / 70, 1.0)
        + 0.5 * (1 - min(abs(brightness - 0.45) / 0.45, 1.0))
        + 0.5 * min(sharpness / 0.06, 1.0)
    )
    if len(frames) > 1:
        grid = coarse_pictures(frames)
        steps = picture_distance(grid[1:], grid[:-1])
        lumas = frames @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        drift = abs(float(lumas[-1].mean()) - float(lumas[0].mean()))
        if float(steps.max()) > 0.12:
            score *= 0.3  # a cut inside the burst: a frame at a shot change
        elif drift > 0.03:
            score *= 0.5  # brightness sliding: a fade
    return round(score, 4)


def candidate_times(duration: float, count: int, cuts: Sequence[float] = ()) -> list[float]:
    """Times worth looking at (pure): mid-shot when the cuts are known, else evenly spread.

    The first and last 5% are left out: titles, fades from black and end credits live there.
    """
    lo, hi = duration * 0.05, duration * 0.95
    if cuts:
        edges = [0.0, *sorted(cuts), duration]
        shots = [(b - a, (a + b) / 2) for a, b in itertools.pairwise(edges)]
        middles = [mid for length, mid in sorted(shots, reverse=True) if lo <= mid <= hi]
        if len(middles) >= count:
            return sorted(middles[:count])
    if duration <= 0:
        return [0.0]
    return [lo + (hi - lo) * (i + 0.5) / count for i in range(count)]


def _probe_size(info: MediaInfo, width: int = 160) -> tuple[int, int]:
    assert info.video is not None
    dar = info.video.display_aspect_ratio or info.video.width / max(1, info.video.height)
    if info.video.rotation in (90, 270):  # decoded upright
        dar = 1 / dar
    return width, max(2, round(width / dar / 2) * 2)


def choose_frame_times(
    src: Path,
    count: int = 1,
    *,
    info: MediaInfo | None = None,
    cuts: Sequence[float] = (),
    candidates: int = 12,
) -> list[tuple[float, float]]:
    """The `count` best (time, score) pairs, best first, one per stretch of the film."""
    info = info or probe(src)
    _need_video(src, info)
    duration = info.duration_s or 0.0
    times = candidate_times(duration, max(candidates, count), cuts)
    size = _probe_size(info)
    scored = []
    for t in times:
        burst = grab_frames(src, max(0.0, t - 0.08), count=_BURST, size=size)
        scored.append((t, frame_score(burst)))
    if count == 1:
        return [max(scored, key=lambda pair: pair[1])]
    # One winner per stretch, so thumbnails show different parts of the film.
    stretches = np.array_split(np.arange(len(scored)), count)
    best = [
        max((scored[i] for i in part), key=lambda pair: pair[1]) for part in stretches if len(part)
    ]
    return sorted(best, key=lambda pair: -pair[1])


def frame_cmd(src: Path, dst: Path, at_s: float, *, width: int, height: int) -> list[str]:
    """The ffmpeg arguments that write the frame at `at_s` as an image (pure: easy to test)."""
    stream = ffmpeg.input(media_arg(src), ss=f"{max(0.0, at_s):.3f}").output(
        media_arg(dst),
        map="0:v:0",
        vframes=1,
        vf=display_scale(width, height),
        **{"q:v": 2, "update": 1},
    )
    command: list[str] = ffmpeg.compile(stream, cmd=ffmpeg_exe(), overwrite_output=True)
    return [command[0], "-hide_banner", "-nostdin", "-v", "error", *command[1:]]


def extract_frame(src: Path, dst: Path, at_s: float, *, width: int, height: int) -> Path:
    """One frame at `at_s` written to `dst` (JPEG or PNG by suffix), atomically."""
    with atomic_output(dst) as tmp:
        run(
            frame_cmd(src, tmp, at_s, width=width, height=height),
            timeout=120,
            subject=src,
            what="extracting a frame",
        )
    return dst


def make_poster(
    src: Path,
    dst: Path,
    *,
    info: MediaInfo | None = None,
    cuts: Sequence[float] = (),
    width: int = 1280,
) -> Poster:
    """A representative frame: never black, never in a fade or on a cut (see `frame_score`)."""
    src = Path(src)
    info = info or probe(src)
    (at, score), *_ = choose_frame_times(src, 1, info=info, cuts=cuts)
    extract_frame(src, dst, at, width=width, height=width)
    return Poster(Path(dst), round(at, 3), score)


def make_thumbnails(
    src: Path,
    dst_dir: Path,
    *,
    count: int = 4,
    width: int = 320,
    info: MediaInfo | None = None,
    cuts: Sequence[float] = (),
    stem: str = "thumb",
) -> list[Path]:
    """`count` good frames from different parts of the film, in film order."""
    src = Path(src)
    info = info or probe(src)
    chosen = choose_frame_times(src, count, info=info, cuts=cuts, candidates=count * 3)
    paths = []
    for number, (at, _score) in enumerate(sorted(chosen), start=1):
        path = Path(dst_dir) / f"{stem}_{number:02d}.jpg"
        paths.append(extract_frame(src, path, at, width=width, height=width))
    return paths


def make_contact_sheet(
    src: Path,
    dst: Path,
    *,
    columns: int = 4,
    rows: int = 4,
    tile_width: int = 320,
    info: MediaInfo | None = None,
) -> Path:
    """A grid of frames at even intervals, written as one JPEG (or PNG), atomically."""
    src = Path(src)
    info = info or probe(src)
    _need_video(src, info)
    duration = info.duration_s or 0.0
    tile = _probe_size(info, tile_width)
    gap = 4
    count = columns * rows
    sheet = np.full(
        (rows * tile[1] + (rows + 1) * gap, columns * tile[0] + (columns + 1) * gap, 3),
        16,
        dtype=np.uint8,
    )
    for k in range(count):
        at = duration * (k + 0.5) / count
        frames = grab_frames(src, at, count=1, size=tile)
        if not len(frames):
            continue
        r, c = divmod(k, columns)
        y, x = gap + r * (tile[1] + gap), gap + c * (tile[0] + gap)
        sheet[y : y + tile[1], x : x + tile[0]] = frames[0]
    return write_image(sheet, dst)


def write_image(pixels: NDArray[np.uint8], dst: Path) -> Path:
    """Encode an RGB array to an image file with ffmpeg (no imaging library needed)."""
    height, width, _ = pixels.shape
    with atomic_output(dst) as tmp:
        args = [*base_args(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"]
        args += ["-s", f"{width}x{height}", "-i", "pipe:0", "-frames:v", "1", "-q:v", "2"]
        args += ["-update", "1", "-y", media_arg(tmp)]
        run(args, timeout=60, subject=dst, what="writing an image", stdin=pixels.tobytes())
    return dst


def read_image(path: Path, size: tuple[int, int] = (160, 90)) -> NDArray[np.uint8]:
    """An image file as a small RGB array (for checks such as 'is the poster black?')."""
    frames = grab_frames(Path(path), 0.0, count=1, size=size)
    if not len(frames):
        raise MediaError(path, "cannot read the image")
    return frames[0]
