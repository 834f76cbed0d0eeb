"""A recipient's name and the date burned into a clip, so that a leaked copy names its source.

The mark sits in a fixed band of the frame (`watermark_box`): a line of semi-transparent white
text on a faint dark box, centred in the lower half of the picture, clear of a player's
controls and of subtitles, readable on any shot but leaving the rest of the frame alone.
Outside that band two recipients' copies of a clip are the same picture (the encode is
deterministic: same settings, same threads, bit-exact flags).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from media_tools.errors import MediaError
from media_tools.probe import MediaInfo, probe
from media_tools.render import _text_files, escape_filter_value
from media_tools.runner import atomic_output, base_args, media_arg, run, timeout_for

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# The band: its top at 64 % of the frame's height (above a player's controls and the
# subtitles), 9 % of the height tall (26 px at least), 90 % of the width wide, centred.
_BAND_TOP = 0.64
_BAND_HEIGHT = 0.09
_BAND_MIN_PX = 26
_BAND_WIDTH = 0.90
# DejaVu Sans glyphs are at most about 0.7 em wide on average over a line of capitals and
# accents; sizing with it keeps any name inside the band.
_EM_WIDTH = 0.70
# Audio codecs an MP4 carries as they are; others (Vorbis from a WebM) become AAC.
_MP4_AUDIO = frozenset({"aac", "mp3", "opus", "ac3", "eac3", "alac"})
_ENCODE_PER_SECOND = 6.0
MAX_TEXT_CHARS = 120


def watermark_text(name: str, organisation: str, day: str) -> str:
    """ "Julie Tremblay · Télé-Québec · 2026-12-01": one line, no control characters."""
    parts = [" ".join(_printable(p).split()) for p in (name, organisation, day)]
    text = " · ".join(p for p in parts if p)
    return text[:MAX_TEXT_CHARS]


def _printable(text: str) -> str:
    return "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in text)


def watermark_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the band the mark is drawn in, for a frame of this size."""
    band = max(_BAND_MIN_PX, round(height * _BAND_HEIGHT))
    top = min(round(height * _BAND_TOP), height - band)
    side = round(width * (1 - _BAND_WIDTH) / 2)
    return side, top, width - side, top + band


def _font() -> Path:
    if not FONT.is_file():
        raise MediaError(None, f"no font for the watermark: {FONT} (install fonts-dejavu-core)")
    return FONT


def watermark_filter(textfile: Path, text: str, width: int, height: int) -> str:
    """The drawtext filter that writes `textfile` (holding `text`) in the band."""
    x0, y0, x1, y1 = watermark_box(width, height)
    band = y1 - y0
    border = max(2, band // 7)
    size = max(8, min(band * 0.5, (x1 - x0 - 2 * border) / (max(1, len(text)) * _EM_WIDTH)))
    options = [
        f"fontfile={escape_filter_value(str(_font()))}",
        # Read from a file with expansion off: quotes, colons, % and backslashes stay text.
        f"textfile={escape_filter_value(str(textfile))}",
        "expansion=none",
        f"fontsize={size:.1f}",
        "fontcolor=white@0.72",
        "box=1",
        "boxcolor=black@0.38",
        f"boxborderw={border}",
        "x=(w-text_w)/2",
        f"y={y0 + band / 2:.1f}-text_h/2",
    ]
    return "drawtext=" + ":".join(options)


def _picture(
    src: Path, info: MediaInfo | None, text: str, missing: str
) -> tuple[MediaInfo, int, int]:
    """`src`'s probe and frame size, or MediaError when it has no picture (`missing`) or the
    watermark's text is empty."""
    info = info or probe(src)
    if info.video is None or not info.video.width or not info.video.height:
        raise MediaError(src, missing)
    if not text.strip():
        raise MediaError(src, "an empty watermark names nobody")
    return info, info.video.width, info.video.height


def burn_watermark(
    src: Path,
    dst: Path,
    text: str,
    *,
    info: MediaInfo | None = None,
    crf: int = 20,
    timeout: float | None = None,
) -> Path:
    """`src` with `text` burned into every frame, as an H.264 MP4 (faststart) at `dst`.

    The audio is copied when an MP4 can carry it (AAC previews and reels), else encoded to
    AAC. The output is written under a temporary name and renamed into place.
    """
    src = Path(src)
    info, width, height = _picture(src, info, text, "no video stream to watermark")
    with _text_files(text) as (textfile,):
        args = [*base_args(), "-v", "error", "-i", media_arg(src), "-map", "0:v:0"]
        args += ["-vf", watermark_filter(textfile, text, width, height) + ",format=yuv420p"]
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-threads", "2"]
        args += ["-flags:v", "+bitexact"]
        if info.audio:
            codec = info.audio[0].codec if info.audio else ""
            args += ["-map", "0:a:0"]
            args += ["-c:a", "copy"] if codec in _MP4_AUDIO else ["-c:a", "aac", "-b:a", "128k"]
        args += ["-sn", "-dn", "-map_metadata", "-1", "-fflags", "+bitexact"]
        args += ["-movflags", "+faststart", "-f", "mp4"]
        limit = (
            timeout
            if timeout is not None
            else timeout_for(info.duration_s, per_second=_ENCODE_PER_SECOND)
        )
        with atomic_output(dst) as tmp:
            run([*args, "-y", media_arg(tmp)], timeout=limit, subject=src, what="watermarking")
    return Path(dst)


def burn_watermark_still(
    src: Path, dst: Path, text: str, *, info: MediaInfo | None = None, max_width: int = 1600
) -> Path:
    """The picture `src` (a still, a set photo) with `text` burned into its band, as a JPEG
    at most `max_width` wide at `dst`; written under a temporary name and renamed."""
    src = Path(src)
    _, width, height = _picture(src, info, text, "no picture to watermark")
    if width > max_width:
        width, height = max_width, max(2, round(height * max_width / width / 2) * 2)
    with _text_files(text) as (textfile,):
        scale = f"scale={width}:{height}"
        args = [*base_args(), "-v", "error", "-i", media_arg(src), "-map", "0:v:0"]
        args += ["-frames:v", "1", "-q:v", "3", "-map_metadata", "-1"]
        args += ["-vf", f"{scale}," + watermark_filter(textfile, text, width, height)]
        args += ["-f", "image2", "-update", "1"]
        with atomic_output(dst) as tmp:
            run([*args, "-y", media_arg(tmp)], timeout=60, subject=src, what="watermarking")
    return Path(dst)
