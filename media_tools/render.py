"""Rendered videos: web proxies, preview excerpts, title cards, bundle reels and stand-in clips."""

from __future__ import annotations

import functools
import json
import random
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from media_tools.errors import MediaError
from media_tools.images import display_scale
from media_tools.probe import MediaInfo, probe
from media_tools.runner import (
    atomic_output,
    base_args,
    media_arg,
    run,
    scratch_dir,
    timeout_for,
)

# Encoding settings shared by every segment of a reel, so the concat demuxer can join them
# without re-encoding (same codec, size, rate, time base, sample rate and layout).
_X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
_AAC = ["-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2"]
_TIMESCALE = ["-video_track_timescale", "90000"]
# Encoding runs at a few times real time on two cores; allow for slow 4K sources.
_ENCODE_PER_SECOND = 6.0


def _need_video(src: Path, info: MediaInfo) -> None:
    if info.video is None:
        raise MediaError(src, "no video stream: a video rendering needs pictures (audio only?)")


def make_proxy(
    src: Path,
    dst: Path,
    *,
    info: MediaInfo | None = None,
    max_height: int = 720,
    crf: int = 23,
    timeout: float | None = None,
) -> Path:
    """An H.264/AAC MP4 at most `max_height` high (16:9 width bound) with faststart."""
    src = Path(src)
    info = info or probe(src)
    _need_video(src, info)
    return _encode(
        src,
        dst,
        info=info,
        start=None,
        length=None,
        max_height=max_height,
        crf=crf,
        fade=False,
        timeout=timeout,
    )


def choose_excerpt(
    duration: float,
    length: float = 45.0,
    *,
    cuts: Sequence[float] = (),
    anchor: float | None = None,
) -> tuple[float, float]:
    """(start, length) of a representative excerpt (pure).

    A film no longer than `length` is used whole. Otherwise the excerpt is centred on
    `anchor` (e.g. the poster frame) or on the film's middle, kept out of the first and last
    10% (titles, credits), and moved to begin on a cut when one is near.
    """
    if duration <= length:
        return 0.0, duration
    centre = anchor if anchor is not None else duration / 2
    lo, hi = duration * 0.10, duration * 0.90 - length
    if hi < lo:
        lo, hi = 0.0, duration - length
    start = min(max(centre - length / 2, lo), hi)
    after = [
        c for c in cuts if start <= c <= start + min(5.0, length / 4) and c <= duration - length
    ]
    if after:
        start = after[0]
    return round(start, 3), round(length, 3)


def make_preview(
    src: Path,
    dst: Path,
    *,
    info: MediaInfo | None = None,
    length: float = 45.0,
    cuts: Sequence[float] = (),
    anchor: float | None = None,
    timeout: float | None = None,
) -> Path:
    """An excerpt of 30-60 s (the whole film when shorter), as a web proxy with short fades."""
    src = Path(src)
    info = info or probe(src)
    _need_video(src, info)
    start, span = choose_excerpt(info.duration_s or 0.0, length, cuts=cuts, anchor=anchor)
    return _encode(
        src,
        dst,
        info=info,
        start=start,
        length=span,
        max_height=720,
        crf=23,
        fade=True,
        timeout=timeout,
    )


def _encode(
    src: Path,
    dst: Path,
    *,
    info: MediaInfo,
    start: float | None,
    length: float | None,
    max_height: int,
    crf: int,
    fade: bool,
    timeout: float | None,
) -> Path:
    video_filter = display_scale(max_height * 16 // 9, max_height) + ",format=yuv420p"
    audio_filter = "aresample=48000"
    if fade and length:
        out = max(0.0, length - 0.5)
        video_filter += f",fade=t=in:st=0:d=0.5,fade=t=out:st={out:.3f}:d=0.5"
        audio_filter += f",afade=t=in:st=0:d=0.5,afade=t=out:st={out:.3f}:d=0.5"
    args = [*base_args(), "-v", "error"]
    if start:
        args += ["-ss", f"{start:.3f}"]
    if length:
        args += ["-t", f"{length:.3f}"]
    args += ["-i", media_arg(src), "-map", "0:v:0", "-vf", video_filter]
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-profile:v", "high"]
    if info.video and (info.video.frame_rate or 0) > 60:
        args += ["-r", "60"]
    if info.audio:
        args += ["-map", "0:a:0", "-af", audio_filter, "-c:a", "aac", "-b:a", "128k", "-ac", "2"]
    args += ["-sn", "-dn", "-map_metadata", "-1", "-movflags", "+faststart", "-f", "mp4"]
    limit = (
        timeout
        if timeout is not None
        else timeout_for(length or info.duration_s, per_second=_ENCODE_PER_SECOND)
    )
    with atomic_output(dst) as tmp:
        run([*args, "-y", media_arg(tmp)], timeout=limit, subject=src, what="encoding")
    return Path(dst)


# ---------------------------------------------------------------- text on screen


@functools.cache
def find_font() -> Path | None:
    """A TrueType font for drawtext: fontconfig's choice, else a DejaVu/Liberation file."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "--format=%{file}", "DejaVu Sans:style=Bold"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        if out and Path(out).is_file():
            return Path(out)
    for folder in ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts"):
        for name in ("DejaVuSans-Bold.ttf", "DejaVuSans.ttf", "LiberationSans-Regular.ttf"):
            found = next(Path(folder).rglob(name), None) if Path(folder).is_dir() else None
            if found:
                return found
    return None


def _font() -> Path:
    font = find_font()
    if font is None:
        raise MediaError(
            None, "no font for title cards: install fonts-dejavu-core (or any TrueType font)"
        )
    return font


def escape_filter_value(value: str) -> str:
    """Escape a value for an ffmpeg filter option inside a filter graph (two levels)."""
    level1 = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    return re.sub(r"([\\'\[\],;])", r"\\\1", level1)


@contextmanager
def _text_files(*texts: str) -> Iterator[list[Path]]:
    """Texts in files read by drawtext's `textfile` (no escaping of quotes, colons, %...).

    They live in a fresh temporary folder whose path is plain ASCII.
    """
    folder = Path(tempfile.mkdtemp(prefix="anthologie-text-"))
    try:
        paths = []
        for number, text in enumerate(texts):
            path = folder / f"t{number}.txt"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _drawtext(
    textfile: Path, size: int, y: str, *, box: bool = False, colour: str = "white"
) -> str:
    options = [
        f"fontfile={escape_filter_value(str(_font()))}",
        f"textfile={escape_filter_value(str(textfile))}",
        "expansion=none",
        f"fontsize={size}",
        f"fontcolor={colour}",
        "x=(w-text_w)/2",
        f"y={y}",
    ]
    if box:
        options += ["box=1", "boxcolor=black@0.55", f"boxborderw={max(4, size // 4)}"]
    return "drawtext=" + ":".join(options)


def _fit(text: str, width: int, largest: int) -> int:
    # DejaVu Sans Bold glyphs average about 0.62 em: shrink long titles to fit 90% of the width.
    return max(12, min(largest, int(width * 0.9 / max(1, len(text)) / 0.62)))


@dataclass(frozen=True)
class TitleCard:
    title: str
    director: str = ""
    region: str = ""


@dataclass(frozen=True)
class ReelItem:
    """A film in a reel: its file, its card, and optionally where its excerpt starts."""

    src: Path
    card: TitleCard
    start_s: float | None = None
    cuts: tuple[float, ...] = ()


def make_title_card(
    dst: Path,
    card: TitleCard,
    *,
    seconds: float = 3.0,
    size: tuple[int, int] = (1280, 720),
    fps: int = 25,
) -> Path:
    """A card with the film's title, director and region on a dark field, with silent sound."""
    width, height = size
    lines = [card.title, card.director, card.region]
    with _text_files(*lines) as files:
        filters = [f"color=c=0x14202c:s={width}x{height}:r={fps}:d={seconds:.3f}"]
        title_size = _fit(card.title, width, height // 11)
        filters.append(_drawtext(files[0], title_size, "h*0.38-text_h/2"))
        small = height // 24
        if card.director:
            filters.append(
                _drawtext(files[1], _fit(card.director, width, small), "h*0.56", colour="0xd8d8d8")
            )
        if card.region:
            filters.append(
                _drawtext(files[2], _fit(card.region, width, small), "h*0.64", colour="0xa8c8e0")
            )
        filters.append("fade=t=in:st=0:d=0.3")
        filters.append(f"fade=t=out:st={max(0.0, seconds - 0.3):.3f}:d=0.3")
        args = [*base_args(), "-v", "error", "-f", "lavfi", "-i", ",".join(filters)]
        args += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        args += ["-map", "0:v", "-map", "1:a", "-t", f"{seconds:.3f}"]
        args += [*_X264, *_AAC, *_TIMESCALE, "-movflags", "+faststart", "-f", "mp4"]
        with atomic_output(dst) as tmp:
            run([*args, "-y", media_arg(tmp)], timeout=120, subject=dst, what="rendering a card")
    return Path(dst)


# ---------------------------------------------------------------- reels


def loudnorm_measure(
    src: Path,
    *,
    start: float,
    length: float | None,
    target: float,
    true_peak: float,
    audio_index: int,
) -> dict[str, str] | None:
    """First pass of two-pass loudnorm: the measured values (None for silence)."""
    args = [*base_args(), "-v", "info", "-ss", f"{start:.3f}"]
    if length:
        args += ["-t", f"{length:.3f}"]
    args += ["-i", media_arg(src), "-map", f"0:{audio_index}", "-af"]
    args += [f"loudnorm=I={target}:TP={true_peak}:LRA=20:print_format=json", "-f", "null", "-"]
    done = run(
        args, timeout=timeout_for(length, per_second=1.0), subject=src, what="measuring loudness"
    )
    match = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", done.stderr, re.S)
    if not match:
        return None
    values: dict[str, str] = json.loads(match.group(0))
    if values.get("input_i") in ("-inf", "inf") or float(values.get("input_i", "-70")) <= -69:
        return None
    return values


def loudnorm_filter(measured: dict[str, str] | None, *, target: float, true_peak: float) -> str:
    """Second pass: a linear gain to the target where the true peak allows it."""
    if measured is None:
        return "anull"
    return (
        f"loudnorm=I={target}:TP={true_peak}:LRA=20"
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true,aresample=48000"
    )


def _segment(
    src: Path,
    dst: Path,
    info: MediaInfo,
    *,
    start: float,
    length: float | None,
    size: tuple[int, int],
    fps: int,
    target: float,
    true_peak: float,
) -> Path:
    """One excerpt or film, normalised in picture, sound and loudness for joining."""
    _need_video(src, info)
    width, height = size
    span = length if length is not None else max(0.0, (info.duration_s or 0) - start)
    video = (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,setsar=1,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,fps={fps},format=yuv420p"
    )
    args = [*base_args(), "-v", "error", "-ss", f"{start:.3f}", "-t", f"{span:.3f}"]
    args += ["-i", media_arg(src)]
    if info.audio:
        measured = loudnorm_measure(
            src,
            start=start,
            length=span,
            target=target,
            true_peak=true_peak,
            audio_index=info.audio[0].index,
        )
        audio = loudnorm_filter(measured, target=target, true_peak=true_peak)
        audio += ",aformat=sample_rates=48000:channel_layouts=stereo"
        args += ["-map", "0:v:0", "-map", f"0:{info.audio[0].index}", "-af", audio]
    else:
        args += ["-f", "lavfi", "-t", f"{span:.3f}", "-i", "anullsrc=r=48000:cl=stereo"]
        args += ["-map", "0:v:0", "-map", "1:a"]
    args += ["-vf", video, "-t", f"{span:.3f}", *_X264, "-g", str(fps * 2), *_AAC, *_TIMESCALE]
    args += ["-sn", "-dn", "-map_metadata", "-1", "-f", "mp4"]
    with atomic_output(dst) as tmp:
        run(
            [*args, "-y", media_arg(tmp)],
            timeout=timeout_for(span, per_second=_ENCODE_PER_SECOND),
            subject=src,
            what="rendering a reel segment",
        )
    return dst


def _concat(parts: Sequence[Path], dst: Path, work: Path) -> Path:
    listing = work / "parts.txt"
    # Part names are ours (seg_000.mp4): nothing in them needs quoting.
    listing.write_text("".join(f"file '{p.name}'\n" for p in parts), encoding="utf-8")
    args = [*base_args(), "-v", "error", "-f", "concat", "-safe", "0", "-i", str(listing)]
    args += ["-map", "0", "-c", "copy", "-movflags", "+faststart", "-f", "mp4"]
    total = sum((probe(p, check_packets=False).duration_s or 0) for p in parts)
    with atomic_output(dst) as tmp:
        run(
            [*args, "-y", media_arg(tmp)],
            timeout=timeout_for(total, per_second=0.5),
            subject=dst,
            what="joining the reel",
        )
    return dst


def _reel(
    items: Sequence[ReelItem],
    dst: Path,
    *,
    excerpt_s: float | None,
    card_s: float,
    size: tuple[int, int],
    fps: int,
    loudness_lufs: float,
    true_peak: float,
) -> Path:
    if not items:
        raise MediaError(dst, "a reel needs at least one film")
    infos = [probe(item.src) for item in items]
    for item, info in zip(items, infos, strict=True):
        _need_video(item.src, info)
    dst = Path(dst)
    with scratch_dir(dst) as work:
        parts: list[Path] = []
        for item, info in zip(items, infos, strict=True):
            card = work / f"seg_{len(parts):03d}.mp4"
            parts.append(make_title_card(card, item.card, seconds=card_s, size=size, fps=fps))
            if excerpt_s is None:
                start, length = 0.0, None
            elif item.start_s is not None:
                start, length = item.start_s, min(excerpt_s, (info.duration_s or 0) - item.start_s)
            else:
                start, length = choose_excerpt(info.duration_s or 0.0, excerpt_s, cuts=item.cuts)
            clip = work / f"seg_{len(parts):03d}.mp4"
            parts.append(
                _segment(
                    item.src,
                    clip,
                    info,
                    start=start,
                    length=length,
                    size=size,
                    fps=fps,
                    target=loudness_lufs,
                    true_peak=true_peak,
                )
            )
        return _concat(parts, dst, work)


def make_sizzle_reel(
    items: Sequence[ReelItem],
    dst: Path,
    *,
    excerpt_s: float = 8.0,
    card_s: float = 2.5,
    size: tuple[int, int] = (1280, 720),
    fps: int = 25,
    loudness_lufs: float = -23.0,
    true_peak: float = -2.0,
) -> Path:
    """Short excerpts of each film, each after its title card, loudness-matched, in order."""
    return _reel(
        items,
        dst,
        excerpt_s=excerpt_s,
        card_s=card_s,
        size=size,
        fps=fps,
        loudness_lufs=loudness_lufs,
        true_peak=true_peak,
    )


def make_programme(
    items: Sequence[ReelItem],
    dst: Path,
    *,
    card_s: float = 4.0,
    size: tuple[int, int] = (1280, 720),
    fps: int = 25,
    loudness_lufs: float = -23.0,
    true_peak: float = -2.0,
) -> Path:
    """The whole films in bundle order with cards between them, each normalised to the target."""
    return _reel(
        items,
        dst,
        excerpt_s=None,
        card_s=card_s,
        size=size,
        fps=fps,
        loudness_lufs=loudness_lufs,
        true_peak=true_peak,
    )


# ---------------------------------------------------------------- stand-ins

# Deterministic lavfi sources only (gradients and mandelbrot vary from run to run).
_STAND_IN_SOURCES = (
    "testsrc2",
    "smptehdbars",
    "yuvtestsrc",
    "cellauto=rule=30:seed={seed}",
    "life=mold=10:ratio=0.12:seed={seed}:death_color=#1c2f4a:life_color=#e8c547",
    "rgbtestsrc",
    "colorspectrum",
)


def make_stand_in(
    dst: Path,
    title: str,
    seconds: float,
    seed: int,
    *,
    size: tuple[int, int] = (640, 360),
    fps: int = 25,
) -> Path:
    """A labelled placeholder film: test patterns cut into shots, "STAND-IN" and the title on
    screen, and a quiet tone (about -23 LUFS). Same seed, same clip."""
    if seconds <= 0:
        raise ValueError("a stand-in lasts more than 0 seconds")
    rng = random.Random(seed)
    shots: list[float] = []
    left = seconds
    while left > 0:
        length = min(left, round(rng.uniform(2.0, 5.0) * fps) / fps)
        if left - length < 1.0:
            length = left
        shots.append(length)
        left -= length
    width, height = size
    with _text_files("STAND-IN", title) as (label, name):
        inputs: list[str] = []
        chains: list[str] = []
        order = rng.sample(range(len(_STAND_IN_SOURCES)), k=len(_STAND_IN_SOURCES))
        for number, length in enumerate(shots):
            source = _STAND_IN_SOURCES[order[number % len(order)]].format(
                seed=rng.randrange(1 << 30)
            )
            sep = ":" if "=" in source else "="
            inputs += ["-f", "lavfi", "-i", f"{source}{sep}s={width}x{height}:r={fps}"]
            chains.append(
                f"[{number}:v]trim=duration={length:.3f},setpts=PTS-STARTPTS,format=yuv420p,"
                f"setsar=1[s{number}]"
            )
        joined = "".join(f"[s{k}]" for k in range(len(shots)))
        overlay = ",".join(
            [
                _drawtext(label, height // 9, "h*0.08", box=True, colour="0xffd23f"),
                _drawtext(name, _fit(title, width, height // 14), "h*0.80", box=True),
            ]
        )
        graph = ";".join(chains) + f";{joined}concat=n={len(shots)}:v=1:a=0,{overlay}[v]"
        freq = 220 * 2 ** (rng.randrange(0, 24) / 12)
        tone = f"0.0708*sin(2*PI*{freq:.2f}*t)"
        inputs += ["-f", "lavfi", "-i", f"aevalsrc='{tone}|{tone}':s=48000:d={seconds:.3f}"]
        args = [*base_args(), "-v", "error", *inputs, "-filter_complex", graph]
        args += ["-map", "[v]", "-map", f"{len(shots)}:a", "-t", f"{seconds:.3f}"]
        args += [*_X264, "-r", str(fps), *_AAC, "-movflags", "+faststart", "-f", "mp4"]
        with atomic_output(dst) as tmp:
            run(
                [*args, "-y", media_arg(tmp)],
                timeout=timeout_for(seconds, per_second=_ENCODE_PER_SECOND),
                subject=dst,
                what="rendering a stand-in",
            )
    return Path(dst)
