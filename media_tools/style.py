"""A film's style profile: cuts, light, colour, framing, motion and sound, in one decoding pass.

One ffmpeg process decodes the film once: the picture is scaled to 160 px wide and piped as
raw RGB frames into numpy, and the sound goes through ffmpeg's `silencedetect` and `ebur128`
filters in the same process. Everything else is computed from per-frame numbers, so the pure
parts (`detect_cuts`, `frame_features`, `palette`) are testable on synthetic arrays.
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from media_tools.errors import MediaError
from media_tools.probe import MediaInfo, probe
from media_tools.runner import Streaming, base_args, media_arg, timeout_for

ANALYSIS_WIDTH = 160
_BATCH = 64  # frames per numpy batch: big enough to vectorise, small enough to stream
_HISTORY = 5  # frames kept across batches, for the flash test (a flash lasts 1-4 frames)
SILENCE_DB = -50.0
SILENCE_MIN_S = 0.5


@dataclass(frozen=True)
class PaletteColour:
    hex: str
    share: float  # fraction of sampled pixels nearest to this colour


@dataclass(frozen=True)
class StyleProfile:
    """Measured style of a film. Fractions are 0-1; times in seconds; see `vector()`."""

    duration_s: float
    frames_analysed: int
    cut_times_s: tuple[float, ...]
    shot_count: int
    average_shot_length_s: float
    median_shot_length_s: float
    cuts_per_minute: float
    brightness_mean: float  # mean luma (Rec.601 weights) 0-1
    brightness_spread: float  # standard deviation over frames
    contrast_mean: float  # RMS contrast: standard deviation of luma within a frame
    contrast_spread: float
    saturation_mean: float  # HSV saturation
    saturation_spread: float
    colourfulness_mean: float  # Hasler & Süsstrunk (2003) M, 0 (grey) to ~150
    colourfulness_spread: float
    warmth: float  # -1 (all saturated pixels cool, blue-cyan) to +1 (all warm, red-yellow)
    palette: tuple[PaletteColour, ...]
    black_and_white: bool
    letterbox: bool  # black bars top and bottom (or pillarbox left and right)
    active_aspect_ratio: float | None  # shape of the picture inside the bars
    motion_mean: float  # mean absolute luma change per 1/25 s, 0-1
    motion_spread: float
    loudness_lufs: float | None  # integrated, EBU R128 / BS.1770
    loudness_range_lu: float | None
    true_peak_dbtp: float | None
    silence_share: float | None  # share of the duration below -50 dBFS for 0.5 s or more
    version: int = 1
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cut_times_s"] = list(self.cut_times_s)
        data["palette"] = [asdict(colour) for colour in self.palette]
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StyleProfile:
        values = dict(data)
        values["cut_times_s"] = tuple(data.get("cut_times_s", ()))
        values["palette"] = tuple(PaletteColour(**c) for c in data.get("palette", ()))
        values["warnings"] = tuple(data.get("warnings", ()))
        return cls(**values)

    def vector(self) -> NDArray[np.float32]:
        """A fixed-length vector (len(VECTOR_DIMENSIONS)), each value scaled to about 0-1."""
        return style_vector(self)

    def descriptors(self, lang: str = "fr") -> list[str]:
        """Plain-language words for the style, in French ("fr") or English ("en")."""
        return describe(self, lang)

    @property
    def has_audio(self) -> bool:
        return self.loudness_lufs is not None


# ---------------------------------------------------------------- the vector

# (name, what it measures and how it is scaled); the order is the vector's order.
VECTOR_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("shot_length", "log2 of average shot length, 1 s -> 0, 32 s -> 1"),
    ("cut_rate", "cuts per minute / 60, capped at 1"),
    ("brightness", "mean luma 0-1"),
    ("brightness_spread", "standard deviation of frame brightness x4, capped"),
    ("contrast", "mean RMS contrast x3, capped"),
    ("contrast_spread", "standard deviation of contrast x6, capped"),
    ("saturation", "mean HSV saturation 0-1"),
    ("saturation_spread", "standard deviation of saturation x4, capped"),
    ("colourfulness", "Hasler-Süsstrunk colourfulness / 100, capped"),
    ("colourfulness_spread", "its standard deviation / 50, capped"),
    ("warmth", "(warmth + 1) / 2: 0 cool, 0.5 neutral, 1 warm"),
    ("black_and_white", "1 if black and white"),
    ("letterbox", "1 if letterboxed or pillarboxed"),
    ("aspect", "active aspect ratio, 1.0 -> 0, 2.76 -> 1"),
    ("motion", "mean motion x10, capped"),
    ("motion_spread", "standard deviation of motion x10, capped"),
    ("has_audio", "1 if there is sound"),
    ("loudness", "integrated loudness, -40 LUFS -> 0, -10 LUFS -> 1 (0.5 without sound)"),
    ("loudness_range", "loudness range / 25 LU, capped"),
    ("silence", "share of silence (1 without sound)"),
    ("palette_1_l", "main palette colour, CIELAB L / 100"),
    ("palette_1_a", "main palette colour, (a + 128) / 255"),
    ("palette_1_b", "main palette colour, (b + 128) / 255"),
    ("palette_2_l", "second palette colour, L / 100"),
    ("palette_2_a", "second palette colour, (a + 128) / 255"),
    ("palette_2_b", "second palette colour, (b + 128) / 255"),
    ("palette_3_l", "third palette colour, L / 100"),
    ("palette_3_a", "third palette colour, (a + 128) / 255"),
    ("palette_3_b", "third palette colour, (b + 128) / 255"),
)


def _cap(value: float) -> float:
    return float(min(1.0, max(0.0, value)))


def style_vector(profile: StyleProfile) -> NDArray[np.float32]:
    p = profile
    asl = max(p.average_shot_length_s, 1e-3)
    aspect = p.active_aspect_ratio or 16 / 9
    values = [
        _cap(math.log2(asl) / 5),
        _cap(p.cuts_per_minute / 60),
        _cap(p.brightness_mean),
        _cap(p.brightness_spread * 4),
        _cap(p.contrast_mean * 3),
        _cap(p.contrast_spread * 6),
        _cap(p.saturation_mean),
        _cap(p.saturation_spread * 4),
        _cap(p.colourfulness_mean / 100),
        _cap(p.colourfulness_spread / 50),
        _cap((p.warmth + 1) / 2),
        1.0 if p.black_and_white else 0.0,
        1.0 if p.letterbox else 0.0,
        _cap((aspect - 1.0) / 1.76),
        _cap(p.motion_mean * 10),
        _cap(p.motion_spread * 10),
        1.0 if p.has_audio else 0.0,
        0.5 if p.loudness_lufs is None else _cap((p.loudness_lufs + 40) / 30),
        0.0 if p.loudness_range_lu is None else _cap(p.loudness_range_lu / 25),
        1.0 if p.silence_share is None else _cap(p.silence_share),
    ]
    colours = list(p.palette[:3])
    while len(colours) < 3:
        colours.append(colours[-1] if colours else PaletteColour("#808080", 0.0))
    for colour in colours:
        lab = _rgb_to_lab(np.array([_hex_rgb(colour.hex)], dtype=np.float32) / 255)[0]
        values += [_cap(lab[0] / 100), _cap((lab[1] + 128) / 255), _cap((lab[2] + 128) / 255)]
    return np.asarray(values, dtype=np.float32)


# ---------------------------------------------------------------- descriptors

_WORDS = {
    "fast_cutting": ("montage rapide", "fast cutting"),
    "moderate_cutting": ("montage posé", "measured cutting"),
    "long_takes": ("plans longs", "long takes"),
    "black_and_white": ("noir et blanc", "black and white"),
    "warm": ("palette chaude", "warm palette"),
    "cool": ("palette froide", "cool palette"),
    "vivid": ("couleurs vives", "vivid colours"),
    "muted": ("couleurs sourdes", "muted colours"),
    "dark": ("image sombre", "dark, low-key image"),
    "bright": ("image lumineuse", "bright, high-key image"),
    "high_contrast": ("image contrastée", "high contrast"),
    "low_contrast": ("image douce", "soft, low contrast"),
    "very_calm": ("très calme", "very calm"),
    "calm": ("calme", "calm"),
    "lively": ("animé", "lively"),
    "very_lively": ("très animé", "very lively"),
    "widescreen": ("format large", "widescreen"),
    "silent": ("muet", "silent"),
    "much_silence": ("beaucoup de silence", "much silence"),
    "wide_dynamics": ("grande dynamique sonore", "wide dynamic range"),
    "loud": ("son fort", "loud sound"),
}


def descriptor_keys(p: StyleProfile) -> list[str]:
    """Language-neutral keys of the descriptors, in a stable order (pure)."""
    keys = []
    if p.average_shot_length_s <= 3.0 and p.shot_count > 2:
        keys.append("fast_cutting")
    elif p.average_shot_length_s >= 10.0:
        keys.append("long_takes")
    else:
        keys.append("moderate_cutting")
    if p.black_and_white:
        keys.append("black_and_white")
    else:
        if p.warmth >= 0.25:
            keys.append("warm")
        elif p.warmth <= -0.25:
            keys.append("cool")
        if p.colourfulness_mean >= 60:
            keys.append("vivid")
        elif p.colourfulness_mean <= 15:
            keys.append("muted")
    if p.brightness_mean < 0.3:
        keys.append("dark")
    elif p.brightness_mean > 0.62:
        keys.append("bright")
    if p.contrast_mean >= 0.28:
        keys.append("high_contrast")
    elif p.contrast_mean <= 0.08:
        keys.append("low_contrast")
    if p.motion_mean < 0.004 and p.average_shot_length_s >= 4.0:
        keys.append("very_calm")
    elif p.motion_mean < 0.012:
        keys.append("calm")
    elif p.motion_mean >= 0.06:
        keys.append("very_lively")
    elif p.motion_mean >= 0.03:
        keys.append("lively")
    if p.letterbox and (p.active_aspect_ratio or 0) >= 1.85:
        keys.append("widescreen")
    if p.loudness_lufs is None or p.loudness_lufs <= -69:
        keys.append("silent")
    else:
        if (p.silence_share or 0) >= 0.4:
            keys.append("much_silence")
        if (p.loudness_range_lu or 0) >= 15:
            keys.append("wide_dynamics")
        if p.loudness_lufs >= -16:
            keys.append("loud")
    return keys


def describe(profile: StyleProfile, lang: str = "fr") -> list[str]:
    if lang not in ("fr", "en"):
        raise ValueError(f"descriptors exist in 'fr' and 'en', not {lang!r}")
    column = 0 if lang == "fr" else 1
    words = [_WORDS[key][column] for key in descriptor_keys(profile)]
    if "widescreen" in descriptor_keys(profile) and profile.active_aspect_ratio:
        ratio = f"{profile.active_aspect_ratio:.2f}:1"
        if lang == "fr":
            ratio = ratio.replace(".", ",")
        words = [f"{w} ({ratio})" if w == _WORDS["widescreen"][column] else w for w in words]
    return words


# ---------------------------------------------------------------- colour maths


def _hex_rgb(text: str) -> tuple[int, int, int]:
    text = text.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _rgb_to_lab(rgb: NDArray[Any]) -> NDArray[np.float32]:
    """sRGB in 0-1, shape (n, 3), to CIELAB (D65)."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    matrix = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]],
        dtype=np.float32,
    )
    xyz = linear @ matrix.T / np.array([0.95047, 1.0, 1.08883], dtype=np.float32)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    lab = np.stack(
        [116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1
    )
    return lab.astype(np.float32)


def palette(
    pixels: NDArray[np.uint8], k: int = 5, iterations: int = 20
) -> tuple[PaletteColour, ...]:
    """Dominant colours of sampled RGB pixels (n, 3) by k-means in CIELAB (deterministic).

    Seeding is k-means++ with a fixed generator, so the same pixels give the same palette;
    each colour is the mean RGB of its cluster, so it is a colour that occurs in the film.
    """
    if len(pixels) == 0:
        return ()
    rgb = pixels.astype(np.float32) / 255
    lab = _rgb_to_lab(rgb)
    k = min(k, len(np.unique(pixels, axis=0)))
    rng = np.random.default_rng(0)
    centres = [lab[rng.integers(len(lab))]]
    for _ in range(1, k):
        d2 = np.min(((lab[:, None, :] - np.array(centres)[None]) ** 2).sum(-1), axis=1)
        total = float(d2.sum())
        if total <= 0:
            break
        centres.append(lab[rng.choice(len(lab), p=d2 / total)])
    c = np.array(centres, dtype=np.float32)
    labels = np.zeros(len(lab), dtype=np.int64)
    for _ in range(iterations):
        labels = np.argmin(((lab[:, None, :] - c[None]) ** 2).sum(-1), axis=1)
        moved = np.array(
            [lab[labels == j].mean(axis=0) if np.any(labels == j) else c[j] for j in range(len(c))]
        )
        if np.allclose(moved, c, atol=1e-3):
            break
        c = moved.astype(np.float32)
    counts = np.bincount(labels, minlength=len(c))
    order = np.argsort(-counts, kind="stable")
    colours = []
    for j in order:
        if counts[j] == 0:
            continue
        mean = (rgb[labels == j].mean(axis=0) * 255).round().astype(int)
        hexa = "#{:02x}{:02x}{:02x}".format(*(int(v) for v in mean))
        colours.append(PaletteColour(hexa, round(float(counts[j] / len(lab)), 4)))
    return tuple(colours)


def warmth_of(pixels: NDArray[np.uint8]) -> float:
    """(warm - cool) share among saturated pixels; hues 330-70° warm, 160-280° cool."""
    rgb = pixels.astype(np.float32) / 255
    high, low = rgb.max(axis=1), rgb.min(axis=1)
    chroma = high - low
    saturated = (chroma > 0.15) & (high > 0.15)
    if saturated.sum() < max(50, 0.03 * len(rgb)):
        return 0.0
    r, g, b = rgb[saturated].T
    c = chroma[saturated]
    h = high[saturated]
    hue = (
        np.where(h == r, ((g - b) / c) % 6, np.where(h == g, (b - r) / c + 2, (r - g) / c + 4)) * 60
    )
    warm = ((hue >= 330) | (hue <= 70)).sum()
    cool = ((hue >= 160) & (hue <= 280)).sum()
    return round(float((warm - cool) / saturated.sum()), 4)


# ---------------------------------------------------------------- per-frame features


def _block_means(plane: NDArray[np.float32]) -> NDArray[np.float32]:
    """4x4-block means of (n, h, w) planes: strided adds, faster than a reduce over 4."""
    _, h, w = plane.shape
    bh, bw = min(4, h), min(4, w)
    gh, gw = h // bh, w // bw
    p = plane[:, : gh * bh, : gw * bw]
    cols = p[:, :, 0::bw].copy()
    for k in range(1, bw):
        cols += p[:, :, k::bw]
    rows = cols[:, 0::bh].copy()
    for k in range(1, bh):
        rows += cols[:, k::bh]
    return rows * (1 / (bh * bw))


def _coarse(
    r: NDArray[np.float32], g: NDArray[np.float32], b: NDArray[np.float32]
) -> NDArray[np.float32]:
    """Coarse pictures from planar RGB in 0-1: (n, 4, h/4, w/4) = Y, Cr, Cb, normalised Y.

    Blocks average away grain and compression noise, which a cut detector must not see;
    block means are linear, so the colour transform runs on the small grids.
    """
    mr, mg, mb = _block_means(r), _block_means(g), _block_means(b)
    y = 0.299 * mr + 0.587 * mg + 0.114 * mb
    cr = 0.5 * mr - 0.419 * mg - 0.081 * mb
    cb = -0.169 * mr - 0.331 * mg + 0.5 * mb
    n = len(y)
    flat = y.reshape(n, -1)
    # Layout: luma with its mean and spread removed, so fades and lighting changes vanish;
    # the +0.05 keeps flat pictures (grain on a plain field) from blowing noise up.
    z = (y - flat.mean(axis=1)[:, None, None]) / (flat.std(axis=1)[:, None, None] + 0.05)
    return np.stack([y, cr, cb, z], axis=1).astype(np.float32)


def coarse_pictures(frames: NDArray[Any]) -> NDArray[np.float32]:
    """Coarse pictures of RGB frames (n, h, w, 3) in 0-1: see `picture_distance`."""
    planes = np.ascontiguousarray(np.moveaxis(np.asarray(frames, dtype=np.float32), -1, 0))
    return _coarse(planes[0], planes[1], planes[2])


def picture_distance(a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
    """How different two coarse pictures look, 0-1 (arrays of `coarse_pictures` frames).

    Half of it is the change of light and colour block by block; half is the change of
    layout once each luma picture is normalised to zero mean and unit spread. A fade or a
    lighting change moves the first a little and leaves the layout; a new key frame of a
    lossy codec nudges colours only; a cut changes both.
    """
    shape = a.shape[:-3]
    diff = np.abs(a - b).reshape(*shape, 4, -1).mean(axis=-1)  # (..., 4): Y, Cr, Cb, layout
    light = np.minimum(1.0, 4.0 * np.maximum(diff[..., 0], diff[..., 1] + diff[..., 2]))
    layout = np.minimum(1.0, diff[..., 3])
    return (0.5 * light + 0.5 * layout).astype(np.float32)


# ---------------------------------------------------------------- cut detection


@dataclass(frozen=True)
class CutSettings:
    """Thresholds of `detect_cuts`, tuned on generated clips and Big Buck Bunny."""

    minimum: float = 0.12  # a cut's distance is at least this
    ratio: float = 3.0  # ... and this many times the typical distance around it
    window_s: float = 0.5  # each side, for the typical distance
    isolation: float = 1.8  # ... and this many times the jumps just before and after
    flash_ratio: float = 0.45  # a frame within 4 back this close to the pre-jump frame: flash
    min_shot_s: float = 0.2


def detect_cuts(
    times: NDArray[np.float64], back: NDArray[np.float32], settings: CutSettings | None = None
) -> list[int]:
    """Frame indices that start a new shot (pure).

    `back[m - 1][i]` is the distance between frame i and frame i - m. A cut at i is a jump
    (back[0][i]) well above the distances around it, so camera motion and fades (many small
    steps) do not count; and the picture must not come back within a few frames, which is
    what a flash (or a single corrupt frame) does.
    """
    s = settings or CutSettings()
    n = back.shape[1]
    if n < 2:
        return []
    jump = back[0].astype(np.float64)
    dt = np.diff(times)
    step = float(np.median(dt)) if len(dt) else 1 / 25
    half = max(2, round(s.window_s / max(step, 1e-3)))
    padded = np.pad(jump, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    around = np.concatenate([windows[:, :half], windows[:, half + 1 :]], axis=1)
    # A percentile, not the mean: a neighbouring cut must not raise the bar for this one.
    typical = np.percentile(around, 60, axis=1)
    # A cut is one step: the frames on either side move much less (fast motion does not).
    neighbours = np.maximum(np.pad(jump[:-1], (1, 0)), np.pad(jump[1:], (0, 1)))
    candidates = np.flatnonzero(
        (jump >= s.minimum)
        & (jump >= s.ratio * typical + 0.02)
        & (jump >= s.isolation * neighbours)
        & (np.arange(n) > 0)
    )
    cuts: list[int] = []
    for i in candidates:
        # A flash: the picture after the jump comes back to the one before it within a few
        # frames. Frame i + k against frame i - 1 is back[k][i + k] (the flash starts at i);
        # frame i against frame i - 1 - k is back[k][i] (the flash ends at i).
        bar = s.flash_ratio * jump[i]
        flash = any(back[k][i + k] <= bar for k in range(1, back.shape[0]) if i + k < n) or any(
            back[k][i] <= bar for k in range(1, back.shape[0]) if i - k - 1 >= 0
        )
        if flash:
            continue
        if cuts and times[i] - times[cuts[-1]] < s.min_shot_s:
            if jump[i] > jump[cuts[-1]]:
                cuts[-1] = int(i)
            continue
        cuts.append(int(i))
    return cuts


# ---------------------------------------------------------------- the analysis


@dataclass
class _Accumulator:
    """Per-frame series gathered batch by batch."""

    brightness: list[NDArray[np.float32]] = field(default_factory=list)
    contrast: list[NDArray[np.float32]] = field(default_factory=list)
    saturation: list[NDArray[np.float32]] = field(default_factory=list)
    colourfulness: list[NDArray[np.float32]] = field(default_factory=list)
    colour_share: list[NDArray[np.float32]] = field(default_factory=list)
    motion: list[NDArray[np.float32]] = field(default_factory=list)
    back: list[NDArray[np.float32]] = field(default_factory=list)
    bars: list[NDArray[np.int16]] = field(default_factory=list)
    samples: list[NDArray[np.uint8]] = field(default_factory=list)
    count: int = 0
    prev_grid: NDArray[np.float32] | None = None
    prev_luma: NDArray[Any] | None = None

    def series(self, name: str) -> NDArray[Any]:
        parts = getattr(self, name)
        return np.concatenate(parts, axis=-1 if name == "back" else 0) if parts else np.zeros(0)


def _leading(dark: NDArray[np.bool_]) -> NDArray[np.int16]:
    """Number of leading True values along the last axis."""
    return np.cumprod(dark, axis=-1).sum(axis=-1).astype(np.int16)


def _mean(x: NDArray[np.float32]) -> NDArray[np.float32]:
    return x.reshape(len(x), -1).mean(axis=1)


def _std(x: NDArray[np.float32], mean: NDArray[np.float32]) -> NDArray[np.float32]:
    flat = x.reshape(len(x), -1)
    square = np.einsum("ij,ij->i", flat, flat) / flat.shape[1]
    return np.sqrt(np.maximum(square - mean * mean, 0.0))


def _process(frames: NDArray[np.uint8], acc: _Accumulator, sample_every: int) -> None:
    """Per-frame numbers of one batch (n, h, w, 3), appended to `acc`.

    Planar float32 and contiguous reductions keep this well under a millisecond a frame,
    so the analysis runs at nearly the decoder's speed.
    """
    n = len(frames)
    planes = np.moveaxis(frames, -1, 0).astype(np.float32)
    planes *= 1 / 255
    r, g, b = planes[0], planes[1], planes[2]
    luma = 0.299 * r + 0.587 * g + 0.114 * b
    brightness = _mean(luma)
    acc.brightness.append(brightness)
    acc.contrast.append(_std(luma, brightness))
    # Colour statistics on every other pixel each way: a quarter of the work, same averages.
    cr, cg, cb = (np.ascontiguousarray(p[:, ::2, ::2]) for p in (r, g, b))
    high = np.maximum(np.maximum(cr, cg), cb)
    chroma = high - np.minimum(np.minimum(cr, cg), cb)
    acc.saturation.append(_mean(chroma / np.maximum(high, 1e-3)))
    acc.colour_share.append(_mean((chroma > 0.1).astype(np.float32)))
    rg = (cr - cg) * 255
    yb = (0.5 * (cr + cg) - cb) * 255
    mean_rg, mean_yb = _mean(rg), _mean(yb)
    colourfulness = np.sqrt(_std(rg, mean_rg) ** 2 + _std(yb, mean_yb) ** 2) + 0.3 * np.sqrt(
        mean_rg**2 + mean_yb**2
    )
    acc.colourfulness.append(colourfulness.astype(np.float32))
    # Bars: rows (columns) that stay dark all the way across, counted in from each edge.
    row_dark = luma.max(axis=2) < 0.1
    col_dark = luma.max(axis=1) < 0.1
    acc.bars.append(
        np.stack(
            [
                _leading(row_dark),
                _leading(row_dark[:, ::-1]),
                _leading(col_dark),
                _leading(col_dark[:, ::-1]),
            ],
            axis=1,
        )
    )
    grid = _coarse(r, g, b)
    if acc.prev_grid is not None and acc.prev_luma is not None:
        all_grid = np.concatenate([acc.prev_grid, grid])
        first = acc.prev_luma
    else:
        all_grid = grid
        first = luma[:1]
    offset = len(all_grid) - n
    back = np.zeros((_HISTORY, n), dtype=np.float32)
    idx = np.arange(offset, offset + n)
    for mback in range(1, _HISTORY + 1):
        ok = idx - mback >= 0
        if ok.any():
            cur = idx[ok]
            back[mback - 1][ok] = picture_distance(all_grid[cur], all_grid[cur - mback])
    acc.back.append(back)
    step = np.empty(n, dtype=np.float32)
    step[0] = float(np.abs(luma[0] - first[0]).mean())
    if n > 1:
        step[1:] = _mean(np.abs(luma[1:] - luma[:-1]))
    acc.motion.append(step)
    acc.prev_grid = all_grid[-_HISTORY:]
    acc.prev_luma = luma[-1:]
    # Palette pixels: one frame a second or so, a fixed stride of its pixels.
    for i in range(n):
        if (acc.count + i) % sample_every == 0:
            flat = frames[i].reshape(-1, 3)
            acc.samples.append(flat[:: max(1, len(flat) // 400)])
    acc.count += n


_SHOWINFO = re.compile(r"\bn:\s*(\d+)\s+pts:\s*(-?\d+)\s+pts_time:(-?[\d.e+-]+)")
_INTEGRATED = re.compile(r"^\s*I:\s*(-?[\d.]+|-inf) LUFS")
_LRA = re.compile(r"^\s*LRA:\s*(-?[\d.]+) LU")
_PEAK = re.compile(r"^\s*Peak:\s*(-?[\d.]+|-inf) dBFS")
_SILENCE_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_SILENCE_END = re.compile(r"silence_end:\s*(-?[\d.]+)")


@dataclass(frozen=True)
class Loudness:
    """What ffmpeg's ebur128 and silencedetect filters report for a sound track."""

    integrated_lufs: float
    range_lu: float
    true_peak_dbtp: float
    silence_share: float


def silence_intervals(lines: Sequence[str], duration: float) -> list[tuple[float, float]]:
    """The silence map: silencedetect's (start, end) intervals in seconds, from stderr lines
    (pure); a silence still open at the end runs to `duration`."""
    starts: list[float] = []
    ends: list[float] = []
    for line in lines:
        if "silence_start" in line and (m := _SILENCE_START.search(line)):
            starts.append(max(0.0, float(m.group(1))))
        if "silence_end" in line and (m := _SILENCE_END.search(line)):
            ends.append(float(m.group(1)))
    intervals = []
    for position, start in enumerate(starts):
        end = min(ends[position] if position < len(ends) else duration, duration)
        if end > start:
            intervals.append((start, end))
    return intervals


def parse_audio_report(lines: Sequence[str], duration: float) -> Loudness | None:
    """ebur128's summary and silencedetect's intervals, from stderr lines (pure)."""
    integrated = lra = peak = None
    in_summary = False
    for line in lines:
        if "Summary:" in line and "ebur128" in line:
            in_summary = True
            continue
        if not in_summary:
            continue
        if (m := _INTEGRATED.match(line)) and integrated is None:
            integrated = -70.0 if m.group(1) == "-inf" else float(m.group(1))
        elif (m := _LRA.match(line)) and lra is None:
            lra = float(m.group(1))
        elif (m := _PEAK.match(line)) and peak is None:
            peak = -math.inf if m.group(1) == "-inf" else float(m.group(1))
    if integrated is None:
        return None
    silent = sum(end - start for start, end in silence_intervals(lines, duration))
    share = silent / duration if duration > 0 else 0.0
    return Loudness(
        integrated_lufs=integrated,
        range_lu=lra if lra is not None else 0.0,
        true_peak_dbtp=peak if peak is not None and math.isfinite(peak) else -144.0,
        silence_share=round(min(1.0, share), 4),
    )


def audio_filter() -> str:
    return (
        f"silencedetect=noise={SILENCE_DB:g}dB:duration={SILENCE_MIN_S:g},"
        "ebur128=peak=true:framelog=verbose"
    )


def analysis_size(video_width: int, video_height: int, dar: float) -> tuple[int, int]:
    """The analysis frame: 160 px wide (or less), square pixels, even height."""
    width = min(ANALYSIS_WIDTH, max(2, video_width - video_width % 2))
    aspect = dar if dar > 0 else (video_width / max(1, video_height))
    height = max(2, round(width / aspect / 2) * 2)
    return width, height


def analyse_style(
    src: Path,
    *,
    info: MediaInfo | None = None,
    timeout: float | None = None,
    cut_settings: CutSettings | None = None,
) -> StyleProfile:
    """Measure a film's style in one decoding pass (see the module docstring)."""
    src = Path(src)
    info = info or probe(src)
    video = info.video
    if video is None:
        raise MediaError(src, "no video stream: a style profile needs pictures (audio only?)")
    dar = video.display_aspect_ratio
    if video.rotation in (90, 270):  # ffmpeg turns the picture upright while decoding
        dar = 1 / dar if dar else dar
    width, height = analysis_size(video.width, video.height, dar)
    frame_bytes = width * height * 3
    audio = info.audio[0] if info.audio else None
    # Skipping the deblocking filter speeds decoding by up to a quarter (VP8, H.264); its
    # effect, faint block edges, vanishes in the 160 px picture the analysis looks at.
    args = [*base_args(), "-v", "info", "-skip_loop_filter", "all", "-i", media_arg(src)]
    args += ["-map", f"0:{video.index}"]
    # Frame times: a constant-rate film's are index / rate; a variable-rate one's come from
    # showinfo's log (one line per frame, which costs time, so only when needed).
    timed = video.variable_frame_rate or not video.frame_rate
    stamp = ",showinfo" if timed else ""
    args += ["-vf", f"scale={width}:{height}:flags=area,setsar=1,format=rgb24{stamp}"]
    args += ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    if audio is not None:
        args += ["-map", f"0:{audio.index}", "-af", audio_filter(), "-f", "null", "-"]

    times: dict[int, float] = {}
    other: list[str] = []

    def on_line(line: str) -> None:
        if "showinfo" in line:
            if (m := _SHOWINFO.search(line)) is not None:
                times[int(m.group(1))] = float(m.group(3))
        else:
            other.append(line)

    rate = video.frame_rate or 25.0
    sample_every = max(1, round(rate))
    acc = _Accumulator()
    limit = timeout if timeout is not None else timeout_for(info.duration_s, per_second=3.0)
    with Streaming(
        args, timeout=limit, subject=src, what="style analysis", on_stderr_line=on_line
    ) as proc:
        for chunk in proc.chunks(frame_bytes * _BATCH):
            usable = len(chunk) - len(chunk) % frame_bytes
            if usable:
                batch = np.frombuffer(chunk[:usable], dtype=np.uint8).reshape(-1, height, width, 3)
                _process(batch, acc, sample_every)
        code = proc.finish()
    if acc.count == 0:
        raise MediaError(src, f"corrupt: no video frame decodes ({' / '.join(list(other)[-2:])})")
    if code != 0 and acc.count < 0.9 * (info.frame_count or acc.count):
        raise MediaError(src, f"corrupt: decoding stopped after {acc.count} frames")
    if info.frame_count and acc.count < 0.5 * info.frame_count:
        raise MediaError(src, f"corrupt: only {acc.count} of its {info.frame_count} frames decode")
    return _profile(src, info, acc, times, other, rate, width, height, cut_settings)


def frame_times(stamps: dict[int, float], n: int, rate: float) -> tuple[np.ndarray, str]:
    """Each of `n` frames' time, from showinfo's stamps by frame number (pure: for tests).

    ffmpeg's threads share its log, and under load another thread's message can break a
    showinfo line, losing that frame's stamp: a lost stamp is interpolated from its
    neighbours (or extended at the typical step at either end). With stamps for fewer than
    half of the frames, or none (a constant-rate film is not logged), times are index / rate.
    Returns the times and, when any had to be made up, a warning saying how many.
    """
    known = sorted(i for i in stamps if 0 <= i < n)
    if len(known) == n:
        return np.asarray([stamps[i] for i in range(n)], dtype=np.float64), ""
    if len(known) < max(2, n / 2):
        missing = "frame timestamps missing: times assume a constant frame rate"
        return np.arange(n, dtype=np.float64) / rate, missing if stamps else ""
    index = np.asarray(known, dtype=np.float64)
    stamp = np.asarray([stamps[i] for i in known], dtype=np.float64)
    step = float(np.median(np.diff(stamp) / np.diff(index)))
    frames = np.arange(n, dtype=np.float64)
    times = np.interp(frames, index, stamp)
    times = np.where(frames < index[0], stamp[0] - (index[0] - frames) * step, times)
    times = np.where(frames > index[-1], stamp[-1] + (frames - index[-1]) * step, times)
    return times, f"{n - len(known)} of {n} frame timestamps lost from ffmpeg's log: interpolated"


def _profile(
    src: Path,
    info: MediaInfo,
    acc: _Accumulator,
    times_seen: dict[int, float],
    other: list[str],
    rate: float,
    width: int,
    height: int,
    cut_settings: CutSettings | None,
) -> StyleProfile:
    n = acc.count
    warnings: list[str] = []
    times, filled = frame_times(times_seen, n, rate)
    if filled:
        warnings.append(filled)
    start = float(times[0]) if n else 0.0
    times = times - start
    step = np.diff(times, prepend=times[0] - 1 / rate) if n else np.zeros(0)
    duration = info.duration_s or float(times[-1] + (step[-1] if n else 0))
    back = acc.series("back")
    cut_idx = detect_cuts(times, back, cut_settings)
    cuts = tuple(round(float(times[i]), 3) for i in cut_idx)
    edges = [0.0, *cuts, duration]
    shots = [b - a for a, b in itertools.pairwise(edges) if b - a > 0]
    brightness = acc.series("brightness")
    contrast = acc.series("contrast")
    saturation = acc.series("saturation")
    colourfulness = acc.series("colourfulness")
    motion = acc.series("motion").astype(np.float64)
    # Motion per 1/25 s, leaving out cuts and the first frame (no predecessor).
    scale = np.clip((1 / 25) / np.maximum(step, 1e-3), 0.1, 10)
    keep = np.ones(n, dtype=bool)
    keep[0] = False
    keep[list(cut_idx)] = False
    moving = motion[keep] * scale[keep] if keep.any() else np.zeros(1)
    pixels = np.concatenate(acc.samples) if acc.samples else np.zeros((0, 3), np.uint8)
    if len(pixels) > 30000:
        pixels = pixels[np.linspace(0, len(pixels) - 1, 30000).astype(int)]
    colour_share = acc.series("colour_share")
    black_and_white = bool(np.percentile(colour_share, 95) < 0.02)
    letterbox, aspect = _bars(acc.series("bars"), brightness, width, height)
    audio = parse_audio_report(other, duration) if info.audio else None
    if info.audio and audio is None:
        warnings.append("no loudness summary from ffmpeg")
    return StyleProfile(
        duration_s=round(duration, 3),
        frames_analysed=n,
        cut_times_s=cuts,
        shot_count=len(shots),
        average_shot_length_s=round(duration / max(1, len(shots)), 3),
        median_shot_length_s=round(statistics.median(shots), 3) if shots else round(duration, 3),
        cuts_per_minute=round(len(cuts) / duration * 60, 3) if duration > 0 else 0.0,
        brightness_mean=_r(brightness.mean()),
        brightness_spread=_r(brightness.std()),
        contrast_mean=_r(contrast.mean()),
        contrast_spread=_r(contrast.std()),
        saturation_mean=_r(saturation.mean()),
        saturation_spread=_r(saturation.std()),
        colourfulness_mean=_r(colourfulness.mean(), 2),
        colourfulness_spread=_r(colourfulness.std(), 2),
        warmth=0.0 if black_and_white else warmth_of(pixels),
        palette=palette(pixels),
        black_and_white=black_and_white,
        letterbox=letterbox,
        active_aspect_ratio=aspect,
        motion_mean=_r(moving.mean(), 5),
        motion_spread=_r(moving.std(), 5),
        loudness_lufs=audio.integrated_lufs if audio else None,
        loudness_range_lu=audio.range_lu if audio else None,
        true_peak_dbtp=audio.true_peak_dbtp if audio else None,
        silence_share=audio.silence_share if audio else None,
        warnings=tuple(warnings),
    )


def _r(value: Any, digits: int = 4) -> float:
    return round(float(value), digits)


def _bars(
    bars: NDArray[np.int16], brightness: NDArray[np.float32], width: int, height: int
) -> tuple[bool, float]:
    """Letterbox (or pillarbox) from the median bar sizes over frames that are not dark."""
    lit = brightness > 0.06
    if not lit.any():
        return False, round(width / height, 3)
    top, bottom, left, right = (float(np.median(bars[lit, k])) for k in range(4))
    if top + bottom >= height or left + right >= width:
        return False, round(width / height, 3)
    boxed_rows = min(top, bottom) >= 1 and (top + bottom) / height > 0.05
    boxed_cols = min(left, right) >= 1 and (left + right) / width > 0.05
    active_w = width - (left + right if boxed_cols else 0)
    active_h = height - (top + bottom if boxed_rows else 0)
    return bool(boxed_rows or boxed_cols), round(active_w / active_h, 3)
