"""Generates the test clips from ffmpeg's lavfi sources, each with the truth it was built to have.

Run `.venv/bin/python samples/media/generate.py [--out DIR]`. The clips are not committed:
tests and the benchmark call `generate(out_dir)` into a cache folder on demand. The truth
(`manifest.json`, committed beside this file) comes from how each clip is built, never from
measuring it, so it is the same on every machine and every run.

Only deterministic sources are used (lavfi's `gradients` and `mandelbrot` are not).

Loudness truth: a 1 kHz sine of peak amplitude A in both stereo channels measures 20·log10(A)
LUFS (BS.1770: a 0 dBFS sine in one front channel reads −3.01 LKFS), and its true peak is
about the same number in dBTP.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "manifest.json"
DEFAULT_OUT = HERE / "clips"
VERSION = 1

# The name with spaces, both kinds of quote, accents and a dash: the bad-file-name case.
ODD_NAME = 'Ça tourne — l\'été "à" Baie-Saint-Paul.mp4'


def ffmpeg_exe() -> str:
    # The same binary the package uses; the import is local so `--help` works anywhere.
    sys.path.insert(0, str(HERE.parents[1]))
    from media_tools.runner import ffmpeg_exe as exe

    return exe()


@dataclass(frozen=True)
class Segment:
    """One shot: a lavfi source (without size, rate or duration) and extra filters."""

    source: str
    seconds: float
    filters: str = ""
    rate: float | None = None  # a rate of its own, for the variable-frame-rate clip


@dataclass(frozen=True)
class Clip:
    name: str
    segments: tuple[Segment, ...]
    size: tuple[int, int] = (320, 240)
    fps: str = "25"
    audio: str | None = None  # an aevalsrc expression for both channels, or None
    audio_codec: str = "aac"
    subtitles: bool = False
    post: str = ""  # filters over the whole concatenated picture
    truth: dict[str, Any] = field(default_factory=dict)


def sine(lufs: float, freq: int = 1000) -> str:
    return f"{10 ** (lufs / 20):.6f}*sin(2*PI*{freq}*t)"


def cut_times(segments: Sequence[Segment]) -> list[float]:
    times, t = [], 0.0
    for segment in segments[:-1]:
        t += segment.seconds
        times.append(round(t, 4))
    return times


S = Segment
CUTS = (
    S("testsrc2", 2.0),
    S("smptebars", 1.6),
    S("yuvtestsrc", 1.6),
    S("life=mold=10:ratio=0.1:seed=7:death_color=#C83232:life_color=#00ff00", 1.8),
    S("colorspectrum", 1.4),
    S("rgbtestsrc", 1.6),
    S("cellauto=rule=110:seed=5", 2.0),
)
FADES = (
    # Fades in from black and out to black: no cut at the black-to-black join.
    S("testsrc2", 4.0, "fade=t=in:st=0:d=1,fade=t=out:st=3:d=1"),
    # Fades in, then a two-frame flash at 2.0 s into the shot (6.0 s): a flash is no cut.
    S(
        "colorspectrum",
        5.0,
        "fade=t=in:st=0:d=1,drawbox=x=0:y=0:w=iw:h=ih:color=white@0.8:t=fill"
        ":enable='between(t,2.0,2.07)'",
    ),
    S("smptehdbars", 3.0),
)
BW = (S("testsrc2", 3.0), S("smptebars", 3.0))
VFR = (S("testsrc2", 2.0, rate=25), S("smptebars", 2.0, rate=10), S("yuvtestsrc", 2.0, rate=30))
CALM = (
    S("color=c=0x2a6496", 5.0, "vignette=PI/4"),
    S("color=c=0x14707a", 5.0, "vignette=PI/3"),
)
# Alternating warm fields with moving grain: many short, busy shots.
_WARM = ("0xd2691e", "0x8b1a1a", "0xe8b000", "0xa0522d", "0xff7f50", "0xb22222")
FAST = tuple(
    S(f"color=c={_WARM[i % len(_WARM)]}", 0.48, "noise=alls=40:allf=t+u") for i in range(12)
)

# One sample per second at 0.84 (−1.5 dBFS) on the sine's zero crossings: a true peak near
# −1.5 dBTP that leaves the integrated loudness unchanged (one sample in 48 000).
_CLICKS = "+0.84*eq(mod(n,48000),24000)"


def clips() -> list[Clip]:
    qc_video = (S("testsrc2", 2.0),)
    return [
        Clip(
            "cuts.mp4",
            CUTS,
            audio=sine(-20),
            truth={"cuts": cut_times(CUTS), "loudness_lufs": -20.0, "black_and_white": False},
        ),
        Clip(
            "fades.mp4",
            FADES,
            audio=sine(-23, 440),
            truth={"cuts": cut_times(FADES)[1:], "fade_in_s": [0.0, 4.0], "flash_s": 6.0},
        ),
        Clip(
            "bw.mp4",
            BW,
            post="hue=s=0",
            audio=sine(-26),
            truth={"cuts": cut_times(BW), "black_and_white": True, "loudness_lufs": -26.0},
        ),
        Clip(
            "vfr.mkv",
            VFR,
            fps="vfr",
            audio=sine(-23),
            truth={"cuts": cut_times(VFR), "variable_frame_rate": True, "frames": 50 + 20 + 60},
        ),
        Clip(
            "audio_only.m4a", (), audio=sine(-20), truth={"loudness_lufs": -20.0, "duration_s": 4.0}
        ),
        Clip("video_only.mp4", (S("testsrc2", 3.0),), truth={"has_audio": False}),
        Clip("uhd.mp4", (S("testsrc2", 0.4),), size=(3840, 2160), audio=sine(-23)),
        Clip(ODD_NAME, (S("smptehdbars", 2.0),), audio=sine(-23)),
        Clip(
            "letterbox.mp4",
            (S("testsrc2", 4.0, "scale=640:268,pad=640:360:0:46:black"),),
            size=(640, 360),
            audio=sine(-23),
            truth={"letterbox": True, "active_aspect": 2.39},
        ),
        Clip(
            "subtitles.mkv",
            (S("testsrc2", 2.0),),
            audio=sine(-23),
            subtitles=True,
            truth={"subtitles": [{"codec": "subrip", "language": "fra"}]},
        ),
        Clip(
            "calm_cool.mp4",
            CALM,
            # The tone sounds for the first half only: half of the clip is silence.
            audio=f"if(lt(t,5),{sine(-23)},0)",
            truth={"cuts": cut_times(CALM), "silence_share": 0.5, "loudness_lufs": -23.0},
        ),
        Clip(
            "fast_warm.mp4",
            FAST,
            audio=sine(-18),
            truth={"cuts": cut_times(FAST), "loudness_lufs": -18.0},
        ),
        # Delivery QC: each is built to pass or fail given checks of each spec.
        Clip(
            "qc_atsc.mkv",
            qc_video,
            size=(1920, 1080),
            fps="30000/1001",
            audio=sine(-24.5),
            audio_codec="pcm_s24le",
            subtitles=True,
            truth={
                "loudness_lufs": -24.5,
                "true_peak_dbtp": -24.5,
                "qc": {
                    "atsc-a85": {"passed": True},
                    "ebu-r128": {"passed": False, "fails": ["loudness", "frame_rate"]},
                },
            },
        ),
        Clip(
            "qc_ebu.mkv",
            qc_video,
            size=(1920, 1080),
            fps="25",
            audio=sine(-23) + _CLICKS,
            audio_codec="pcm_s24le",
            truth={
                "loudness_lufs": -23.0,
                "true_peak_dbtp": -1.5,
                "qc": {
                    "ebu-r128": {"passed": True},
                    "atsc-a85": {
                        "passed": False,
                        "fails": ["true_peak", "frame_rate", "captions"],
                    },
                },
            },
        ),
        Clip(
            "qc_loud.mkv",
            qc_video,
            size=(1280, 720),
            fps="30000/1001",
            audio=sine(-16),
            audio_codec="pcm_s24le",
            subtitles=True,
            truth={
                "loudness_lufs": -16.0,
                "true_peak_dbtp": -16.0,
                "qc": {
                    "atsc-a85": {"passed": False, "fails": ["loudness", "resolution"]},
                    "ebu-r128": {
                        "passed": False,
                        "fails": ["loudness", "resolution", "frame_rate"],
                    },
                },
            },
        ),
    ]


def _rate(clip: Clip, segment: Segment) -> str:
    if segment.rate is not None:
        return f"{segment.rate:g}"
    return clip.fps


def command(clip: Clip, dst: Path, subtitle_file: Path | None) -> list[str]:
    """The ffmpeg argument list that builds one clip (pure)."""
    w, h = clip.size
    args = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y"]
    chains, labels = [], []
    for i, segment in enumerate(clip.segments):
        source = segment.source
        sep = ":" if "=" in source else "="
        args += ["-f", "lavfi", "-i", f"{source}{sep}s={w}x{h}:r={_rate(clip, segment)}"]
        extra = f",{segment.filters}" if segment.filters else ""
        chains.append(
            f"[{i}:v]trim=duration={segment.seconds},setpts=PTS-STARTPTS{extra},"
            f"format=yuv420p,setsar=1,settb=1/90000[s{i}]"
        )
        labels.append(f"[s{i}]")
    duration = sum(s.seconds for s in clip.segments) or clip.truth.get("duration_s", 4.0)
    inputs = len(clip.segments)
    audio_label = None
    if clip.audio is not None:
        args += [
            "-f",
            "lavfi",
            "-i",
            f"aevalsrc='{clip.audio}|{clip.audio}':s=48000:d={duration}",
        ]
        audio_label = f"{inputs}:a"
        inputs += 1
    if subtitle_file is not None:
        args += ["-i", str(subtitle_file)]
    graph = ";".join(chains)
    if labels:
        post = f",{clip.post}" if clip.post else ""
        graph += f";{''.join(labels)}concat=n={len(labels)}:v=1:a=0{post}[v]"
        args += ["-filter_complex", graph, "-map", "[v]"]
        # Big pictures are only there to be probed: encode them as fast as possible.
        preset = "ultrafast" if w * h > 1280 * 720 else "veryfast"
        args += ["-c:v", "libx264", "-preset", preset, "-crf", "18", "-g", "50"]
        if clip.fps == "vfr":
            args += ["-fps_mode", "passthrough"]
        else:
            args += ["-r", clip.fps]
    if audio_label is not None:
        args += ["-map", audio_label, "-c:a", clip.audio_codec]
        if clip.audio_codec == "aac":
            args += ["-b:a", "192k"]
    if subtitle_file is not None:
        args += ["-map", f"{inputs}:s", "-c:s", "srt", "-metadata:s:s:0", "language=fra"]
    args += ["-t", f"{duration}", "-fflags", "+bitexact", "-map_metadata", "-1", str(dst)]
    return args


def _truth(clip: Clip) -> dict[str, Any]:
    w, h = clip.size
    duration = sum(s.seconds for s in clip.segments) or clip.truth.get("duration_s", 4.0)
    truth: dict[str, Any] = {
        "duration_s": duration,
        "has_video": bool(clip.segments),
        "has_audio": clip.audio is not None,
        "captions": clip.subtitles,
    }
    if clip.segments:
        rate = None if clip.fps == "vfr" else round(eval_rate(clip.fps), 5)
        truth |= {"width": w, "height": h, "frame_rate": rate, "variable_frame_rate": False}
        truth.setdefault("cuts", cut_times(clip.segments))
    truth |= clip.truth
    return truth


def eval_rate(text: str) -> float:
    num, _, den = text.partition("/")
    return float(num) / float(den or 1)


def _bad_files(out: Path, source: Path, mkv_source: Path) -> dict[str, dict[str, Any]]:
    """Broken inputs made from good ones: each truth says what the error must mention."""
    (out / "not_media.mp4").write_text("This is a text file renamed to .mp4.\n" * 20)
    (out / "empty.mp4").write_bytes(b"")
    data = source.read_bytes()
    # The generated MP4s keep their index (moov) at the end, so half a file has none.
    (out / "truncated.mp4").write_bytes(data[: len(data) // 2])
    mkv = mkv_source.read_bytes()
    # Matroska declares its duration up front: a cut-short file still opens, then runs dry.
    (out / "truncated.mkv").write_bytes(mkv[: int(len(mkv) * 0.4)])
    return {
        "not_media.mp4": {"error": "text file"},
        "empty.mp4": {"error": "empty"},
        "truncated.mp4": {"error": "truncated"},
        "truncated.mkv": {"error": "truncated"},
    }


def manifest() -> dict[str, Any]:
    entries = {clip.name: _truth(clip) for clip in clips()}
    entries |= {
        "not_media.mp4": {"error": "text file"},
        "empty.mp4": {"error": "empty"},
        "truncated.mp4": {"error": "truncated"},
        "truncated.mkv": {"error": "truncated"},
    }
    return {
        "version": VERSION,
        "about": "Built-in truth of the clips samples/media/generate.py makes; times in seconds.",
        "clips": entries,
    }


def generate(out: Path = DEFAULT_OUT) -> dict[str, Any]:
    """Build every clip into `out` and write its manifest there; return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        srt = Path(tmp) / "captions.srt"
        srt.write_text(
            "1\n00:00:00,000 --> 00:00:01,500\nBonjour.\n\n2\n00:00:01,500 --> 00:00:02,000\n"
            "Sous-titre de test.\n",
            encoding="utf-8",
        )
        for clip in clips():
            dst = out / clip.name
            part = dst.with_name(f".{dst.stem}.partial{dst.suffix}")
            cmd = command(clip, part, srt if clip.subtitles else None)
            subprocess.run(cmd, check=True, timeout=300)
            os.replace(part, dst)
    _bad_files(out, out / "cuts.mp4", out / "vfr.mkv")
    data = manifest()
    (out / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the clips")
    parser.add_argument(
        "--manifest-only", action="store_true", help="rewrite samples/media/manifest.json only"
    )
    args = parser.parse_args(argv)
    data = manifest()
    MANIFEST.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if not args.manifest_only:
        generate(args.out)
        total = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
        print(f"{len(data['clips'])} clips in {args.out} ({total / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
