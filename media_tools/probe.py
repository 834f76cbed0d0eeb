"""Probing a media file: its container, streams, timing and checksum, with or without ffprobe."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import statistics
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from media_tools.errors import MediaError
from media_tools.runner import base_args, find_tools, media_arg, run, timeout_for

# Rates that ffmpeg prints rounded ("29.97 fps"): snapped back to their exact NTSC fractions.
_STANDARD_RATES = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)


@dataclass(frozen=True)
class VideoStream:
    index: int
    codec: str
    width: int
    height: int
    display_aspect_ratio: float  # width / height as shown, after the sample aspect ratio
    frame_rate: float | None  # average frames per second
    variable_frame_rate: bool
    pixel_format: str | None = None
    bitrate_kbps: int | None = None
    rotation: int = 0  # degrees, from the display matrix; players rotate on playback
    closed_captions: bool = False  # EIA-608/708 captions carried inside the video stream
    language: str | None = None


@dataclass(frozen=True)
class AudioStream:
    index: int
    codec: str
    channels: int
    sample_rate: int
    channel_layout: str | None = None
    bitrate_kbps: int | None = None
    language: str | None = None


@dataclass(frozen=True)
class SubtitleStream:
    index: int
    codec: str
    language: str | None = None


@dataclass(frozen=True)
class MediaInfo:
    """What a file is: stored with the film's media asset, and the input to delivery QC."""

    path: str
    size_bytes: int
    sha256: str
    container: str
    duration_s: float | None
    bitrate_kbps: int | None
    video: VideoStream | None
    audio: tuple[AudioStream, ...] = ()
    subtitles: tuple[SubtitleStream, ...] = ()
    frame_count: int | None = None  # video packets counted while checking the frame rate
    prober: str = "ffmpeg"  # "ffprobe" or "ffmpeg" (stderr of `ffmpeg -i`)
    warnings: tuple[str, ...] = field(default=())

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @property
    def has_captions(self) -> bool:
        return bool(self.subtitles) or bool(self.video and self.video.closed_captions)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["audio"] = [asdict(a) for a in self.audio]
        data["subtitles"] = [asdict(s) for s in self.subtitles]
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaInfo:
        values = dict(data)
        values["video"] = VideoStream(**data["video"]) if data.get("video") else None
        values["audio"] = tuple(AudioStream(**a) for a in data.get("audio", ()))
        values["subtitles"] = tuple(SubtitleStream(**s) for s in data.get("subtitles", ()))
        values["warnings"] = tuple(data.get("warnings", ()))
        return cls(**values)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _looks_like_text(path: Path) -> bool:
    head = path.open("rb").read(4096)
    if not head or b"\0" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / len(text) > 0.97


def check_readable(path: Path) -> Path:
    """The file exists, is a regular file and is not empty; else a MediaError saying which."""
    path = Path(path)
    if not path.exists():
        raise MediaError(path, "no such file")
    if not path.is_file():
        raise MediaError(path, "not a regular file")
    if path.stat().st_size == 0:
        raise MediaError(path, "empty file (0 bytes)")
    return path


def probe(path: Path, *, check_packets: bool = True, timeout: float | None = None) -> MediaInfo:
    """Read a file's technical facts. Uses ffprobe's JSON when ffprobe exists, else `ffmpeg -i`.

    With `check_packets`, the packets' timestamps are read (demuxing only, no decoding) to
    tell constant from variable frame rate, count frames and catch files cut short.
    """
    path = check_readable(Path(path))
    tools = find_tools()
    limit = timeout if timeout is not None else 60.0
    if tools.ffprobe:
        args = [
            tools.ffprobe,
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            media_arg(path),
        ]
        done = run(args, timeout=limit, subject=path, what="ffprobe", check=False)
        try:
            data = json.loads(done.stdout.decode("utf-8", "replace") or "{}")
        except json.JSONDecodeError:
            data = {}
        if not data.get("format"):
            raise _unreadable(path, done.stderr)
        info = parse_ffprobe_json(data)
        prober = "ffprobe"
    else:
        done = run(
            [*base_args(), "-i", media_arg(path)],
            timeout=limit,
            subject=path,
            what="ffmpeg -i",
            check=False,
        )
        if "Input #0" not in done.stderr:
            raise _unreadable(path, done.stderr)
        info = parse_ffmpeg_banner(done.stderr)
        prober = "ffmpeg"
    video: VideoStream | None = info["video"]
    duration: float | None = info["duration_s"]
    frame_count = None
    warnings: list[str] = []
    if video is None and not info["audio"]:
        raise MediaError(path, "no video or audio stream in it")
    if check_packets:
        timing = _packet_timing(path, video.index if video else None, duration, timeout)
        if duration and timing.end_s is not None and timing.end_s < 0.8 * duration - 0.25:
            raise MediaError(
                path,
                f"truncated or corrupt: its data stops at {timing.end_s:.1f} s "
                f"of the {duration:.1f} s it declares",
            )
        if timing.end_s is None:
            raise MediaError(path, "corrupt: no readable audio or video packets")
        if video is not None:
            frame_count = timing.frame_count
            video = replace(
                video,
                frame_rate=timing.frame_rate or video.frame_rate,
                variable_frame_rate=timing.variable,
            )
        if duration is None:
            duration = timing.end_s
            warnings.append("the container declares no duration: measured from the packets")
    return MediaInfo(
        path=str(path),
        size_bytes=path.stat().st_size,
        sha256=sha256_of(path),
        container=info["container"],
        duration_s=duration,
        bitrate_kbps=info["bitrate_kbps"],
        video=video,
        audio=tuple(info["audio"]),
        subtitles=tuple(info["subtitles"]),
        frame_count=frame_count,
        prober=prober,
        warnings=tuple(warnings),
    )


def _unreadable(path: Path, stderr: str) -> MediaError:
    if _looks_like_text(path):
        return MediaError(path, "a text file, not a media file (was it renamed?)")
    low = stderr.lower()
    if "moov atom not found" in low:
        return MediaError(path, "truncated or corrupt MP4/MOV: its index (moov atom) is missing")
    if "invalid data found" in low:
        return MediaError(path, "not a media file ffmpeg can read (corrupt or unknown format)")
    if "end of file" in low or "truncat" in low:
        return MediaError(path, "truncated file: it ends before its headers")
    last = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    return MediaError(path, f"ffmpeg cannot open it ({last[-1] if last else 'no message'})")


# ---------------------------------------------------------------- parsing `ffmpeg -i` stderr

_DURATION = re.compile(
    r"^\s*Duration:\s*(?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)(?:.*?bitrate:\s*(\d+)\s*kb/s)?"
)
_STREAM = re.compile(
    r"^\s*Stream #\d+:(\d+)(?:\[[^\]]*\])?(?:\(([^)]*)\))?:\s*"
    r"(Video|Audio|Subtitle|Data|Attachment):\s*(.*)$"
)
_INPUT = re.compile(r"^Input #0, (.+?), from ")
_ROTATION = re.compile(r"rotation of (-?\d+(?:\.\d+)?) degrees")


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses/brackets: `yuv420p(tv, bt709)` stays one part."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in text:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if current:
        parts.append("".join(current).strip())
    return parts


def _kbps(parts: list[str]) -> int | None:
    for part in parts:
        m = re.fullmatch(r"(\d+) kb/s.*", part)
        if m:
            return int(m.group(1))
    return None


def snap_rate(rate: float | None) -> float | None:
    """A measured or rounded rate, snapped to a standard one when within 0.1%."""
    if rate is None or rate <= 0:
        return None
    for standard in _STANDARD_RATES:
        if abs(rate - float(standard)) / float(standard) < 0.001:
            return round(float(standard), 5)
    return round(rate, 5)


def _language(tag: str | None) -> str | None:
    return None if tag in (None, "", "und") else tag


def parse_ffmpeg_banner(stderr: str) -> dict[str, Any]:
    """The facts `ffmpeg -i FILE` prints about input #0, as plain values (pure: for tests)."""
    container = "unknown"
    duration: float | None = None
    bitrate: int | None = None
    video: VideoStream | None = None
    audio: list[AudioStream] = []
    subtitles: list[SubtitleStream] = []
    lines = stderr.splitlines()
    in_input = False
    for number, line in enumerate(lines):
        if line.startswith("Input #"):
            in_input = line.startswith("Input #0")
            m = _INPUT.match(line)
            if m:
                container = m.group(1)
            continue
        if line.startswith("Output #") or not in_input:
            in_input = in_input and not line.startswith("Output #")
            continue
        m = _DURATION.match(line)
        if m:
            if m.group(1) is not None:
                duration = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
            bitrate = int(m.group(4)) if m.group(4) else None
            continue
        m = _STREAM.match(line)
        if not m:
            continue
        index, language, kind, rest = int(m.group(1)), _language(m.group(2)), m.group(3), m.group(4)
        parts = _split_top_level(rest)
        codec = parts[0].split(" ")[0] if parts else "unknown"
        if kind == "Video" and video is None and "(attached pic)" not in rest:
            video = _parse_video(index, codec, parts, language, _side_data(lines, number))
        elif kind == "Audio":
            audio.append(_parse_audio(index, codec, parts, language))
        elif kind == "Subtitle":
            subtitles.append(SubtitleStream(index=index, codec=codec, language=language))
    return {
        "container": container,
        "duration_s": duration,
        "bitrate_kbps": bitrate,
        "video": video,
        "audio": audio,
        "subtitles": subtitles,
    }


def _side_data(lines: list[str], start: int) -> str:
    """The indented lines under a stream line (metadata, side data) as one string."""
    block = []
    for line in lines[start + 1 :]:
        if _STREAM.match(line) or not line.startswith("    "):
            break
        block.append(line)
    return "\n".join(block)


def _parse_video(
    index: int, codec: str, parts: list[str], language: str | None, extra: str
) -> VideoStream:
    width = height = 0
    dar: float | None = None
    sar = Fraction(1)
    fps: float | None = None
    tbr: float | None = None
    for part in parts:
        m = re.match(r"^(\d+)x(\d+)(?:\s*\[SAR (\d+):(\d+) DAR (\d+):(\d+)\])?", part)
        if m and not width:
            width, height = int(m.group(1)), int(m.group(2))
            if m.group(3) and int(m.group(4)) and int(m.group(6)):
                sar = Fraction(int(m.group(3)), int(m.group(4)))
                dar = int(m.group(5)) / int(m.group(6))
            continue
        m = re.search(r"SAR (\d+):(\d+) DAR (\d+):(\d+)", part)
        if m and int(m.group(2)) and int(m.group(4)):
            sar = Fraction(int(m.group(1)), int(m.group(2)))
            dar = int(m.group(3)) / int(m.group(4))
        m = re.fullmatch(r"([\d.]+)(k?) fps", part)
        if m:
            fps = float(m.group(1)) * (1000 if m.group(2) else 1)
        m = re.fullmatch(r"([\d.]+)(k?) tbr", part)
        if m:
            tbr = float(m.group(1)) * (1000 if m.group(2) else 1)
    if dar is None:
        dar = (width * float(sar)) / height if height else 0.0
    pixel_format = None
    if len(parts) > 1 and not re.match(r"^\d+x\d+", parts[1]):
        pixel_format = parts[1].split("(")[0].strip() or None
    rotation = 0
    m = _ROTATION.search(extra)
    if m:
        rotation = round(float(m.group(1))) % 360
    return VideoStream(
        index=index,
        codec=codec,
        width=width,
        height=height,
        display_aspect_ratio=round(dar, 4),
        frame_rate=snap_rate(fps or tbr),
        variable_frame_rate=False,
        pixel_format=pixel_format,
        bitrate_kbps=_kbps(parts),
        rotation=rotation,
        closed_captions="Closed Captions" in parts,
        language=language,
    )


def _parse_audio(index: int, codec: str, parts: list[str], language: str | None) -> AudioStream:
    rate = 0
    channels = 0
    layout = None
    for position, part in enumerate(parts):
        m = re.fullmatch(r"(\d+) Hz", part)
        if m:
            rate = int(m.group(1))
            if position + 1 < len(parts):
                layout = parts[position + 1]
                channels = _channels(layout)
    return AudioStream(
        index=index,
        codec=codec,
        channels=channels,
        sample_rate=rate,
        channel_layout=layout,
        bitrate_kbps=_kbps(parts),
        language=language,
    )


_LAYOUT_CHANNELS = {
    "mono": 1,
    "stereo": 2,
    "2.1": 3,
    "3.0": 3,
    "quad": 4,
    "4.0": 4,
    "5.0": 5,
    "5.1": 6,
    "6.1": 7,
    "7.1": 8,
    "downmix": 2,
}


def _channels(layout: str) -> int:
    name = layout.split("(")[0].strip()
    if name in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[name]
    m = re.match(r"(\d+) channels", name)
    return int(m.group(1)) if m else 0


# ---------------------------------------------------------------- parsing ffprobe JSON


def _ratio(text: str | None) -> float | None:
    if not text or text in ("0/0", "N/A"):
        return None
    try:
        value = Fraction(text.replace(":", "/"))
    except (ValueError, ZeroDivisionError):
        return None
    return float(value) if value > 0 else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_ffprobe_json(data: dict[str, Any]) -> dict[str, Any]:
    """The same facts as parse_ffmpeg_banner, from `ffprobe -show_format -show_streams` JSON."""
    fmt = data.get("format", {})
    duration = fmt.get("duration")
    bitrate = _int(fmt.get("bit_rate"))
    video: VideoStream | None = None
    audio: list[AudioStream] = []
    subtitles: list[SubtitleStream] = []
    for stream in data.get("streams", []):
        kind = stream.get("codec_type")
        tags = stream.get("tags", {}) or {}
        language = _language(tags.get("language"))
        index = int(stream.get("index", 0))
        codec = stream.get("codec_name", "unknown")
        if kind == "video" and video is None:
            if (stream.get("disposition") or {}).get("attached_pic"):
                continue
            width, height = int(stream.get("width", 0)), int(stream.get("height", 0))
            sar = _ratio(stream.get("sample_aspect_ratio")) or 1.0
            dar = _ratio(stream.get("display_aspect_ratio")) or (
                width * sar / height if height else 0.0
            )
            avg = _ratio(stream.get("avg_frame_rate"))
            real = _ratio(stream.get("r_frame_rate"))
            rotation = 0
            for side in stream.get("side_data_list", []) or []:
                if "rotation" in side:
                    rotation = round(float(side["rotation"])) % 360
            video = VideoStream(
                index=index,
                codec=codec,
                width=width,
                height=height,
                display_aspect_ratio=round(dar, 4),
                frame_rate=snap_rate(avg or real),
                variable_frame_rate=bool(avg and real and abs(avg - real) / real > 0.01),
                pixel_format=stream.get("pix_fmt"),
                bitrate_kbps=(_int(stream.get("bit_rate")) or 0) // 1000 or None,
                rotation=rotation,
                closed_captions=bool(stream.get("closed_captions")),
                language=language,
            )
        elif kind == "audio":
            channels = int(stream.get("channels", 0))
            audio.append(
                AudioStream(
                    index=index,
                    codec=codec,
                    channels=channels,
                    sample_rate=int(stream.get("sample_rate", 0)),
                    channel_layout=stream.get("channel_layout"),
                    bitrate_kbps=(_int(stream.get("bit_rate")) or 0) // 1000 or None,
                    language=language,
                )
            )
        elif kind == "subtitle":
            subtitles.append(SubtitleStream(index=index, codec=codec, language=language))
    return {
        "container": fmt.get("format_name", "unknown"),
        "duration_s": float(duration) if duration not in (None, "N/A") else None,
        "bitrate_kbps": bitrate // 1000 if bitrate else None,
        "video": video,
        "audio": audio,
        "subtitles": subtitles,
    }


# ---------------------------------------------------------------- frame timing


def _packet_timing(
    path: Path, video_index: int | None, duration: float | None, timeout: float | None
) -> PacketTiming:
    """Demux (never decode) the video and audio packets with `-c copy -f framecrc`.

    Their timestamps tell constant from variable frame rate, count the frames, and show where
    the data really ends: a file cut short still declares its full duration up front.
    """
    maps = (["-map", f"0:{video_index}"] if video_index is not None else []) + [
        "-map",
        "0:a?",
        "-map",
        "0:s?",
    ]
    args = [*base_args(), "-v", "error", "-i", media_arg(path), *maps]
    args += ["-c", "copy", "-f", "framecrc", "-"]
    limit = timeout if timeout is not None else timeout_for(duration, per_second=0.2)
    done = run(args, timeout=limit, subject=path, what="reading packet timestamps", check=False)
    return packet_timing(
        done.stdout.decode("utf-8", "replace"), video_stream=0 if video_index is not None else None
    )


@dataclass(frozen=True)
class PacketTiming:
    frame_rate: float | None  # average video rate
    variable: bool
    frame_count: int | None
    end_s: float | None  # where the last packet of any stream ends


def packet_timing(framecrc: str, video_stream: int | None = 0) -> PacketTiming:
    """Rate, variability, frame count and data end from framecrc text (pure: for tests).

    Containers round timestamps to their time base (1 ms in Matroska turns 24 fps into
    41/42 ms steps), so a step counts as irregular only when it is off the typical one by more
    than 1.5 ticks and 10%; the rate varies when over 2% of steps are irregular.
    """
    ticks: dict[int, Fraction] = {}
    pts: list[int] = []
    end: float | None = None
    for line in framecrc.splitlines():
        if line.startswith("#tb"):
            head, _, value = line.partition(":")
            ticks[int(head.split()[1])] = Fraction(value.strip())
            continue
        if line.startswith("#") or not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 4:
            continue
        try:
            stream, stamp, length = int(fields[0]), int(fields[2]), int(fields[3])
        except ValueError:
            continue
        tick = ticks.get(stream, Fraction(1, 1000))
        stop = float((stamp + length) * tick)
        end = stop if end is None else max(end, stop)
        if stream == video_stream:
            pts.append(stamp)
    if video_stream is None or len(pts) < 3:
        return PacketTiming(None, False, len(pts) if video_stream is not None else None, end)
    pts.sort()
    steps = [b - a for a, b in itertools.pairwise(pts) if b > a]
    if not steps:
        return PacketTiming(None, False, len(pts), end)
    typical = statistics.median(steps)
    allowed = max(1.5, 0.1 * typical)
    irregular = sum(abs(step - typical) > allowed for step in steps)
    span = (pts[-1] - pts[0]) * float(ticks.get(video_stream, Fraction(1, 1000)))
    rate = (len(pts) - 1) / span if span > 0 else None
    return PacketTiming(snap_rate(rate), irregular / len(steps) > 0.02, len(pts), end)
