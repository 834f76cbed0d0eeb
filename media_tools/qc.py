"""Delivery QC: a film's measured loudness, picture and captions against a broadcaster's spec."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from media_tools.errors import MediaError
from media_tools.probe import MediaInfo, probe
from media_tools.runner import base_args, media_arg, run, timeout_for
from media_tools.style import Loudness, StyleProfile, audio_filter, parse_audio_report


@dataclass(frozen=True)
class DeliverySpec:
    """What a broadcaster expects; `None` means "not checked" (still measured and reported).

    Derive a variant with `dataclasses.replace(SPECS["ebu-r128"], frame_rates=(50.0,))`.
    """

    name: str
    title: str
    loudness_target: float  # LUFS (= LKFS)
    loudness_tolerance: float  # LU either side
    max_true_peak: float  # dBTP
    resolution: tuple[int, int] | None = None
    frame_rates: tuple[float, ...] | None = None
    captions_required: bool = False


SPECS: dict[str, DeliverySpec] = {
    # North America (CALM Act, CRTC); picture and captions as CBC/Radio-Canada asks.
    "atsc-a85": DeliverySpec(
        name="atsc-a85",
        title="ATSC A/85 (North America)",
        loudness_target=-24.0,
        loudness_tolerance=2.0,
        max_true_peak=-2.0,
        resolution=(1920, 1080),
        frame_rates=(30000 / 1001,),
        captions_required=True,
    ),
    # Europe: EBU R128 loudness, HD at 25 frames per second; captions are the channel's call.
    "ebu-r128": DeliverySpec(
        name="ebu-r128",
        title="EBU R128 (Europe)",
        loudness_target=-23.0,
        loudness_tolerance=1.0,
        max_true_peak=-1.0,
        resolution=(1920, 1080),
        frame_rates=(25.0,),
        captions_required=False,
    ),
}


def get_spec(spec: str | DeliverySpec) -> DeliverySpec:
    if isinstance(spec, DeliverySpec):
        return spec
    try:
        return SPECS[spec]
    except KeyError:
        raise ValueError(f"unknown delivery spec {spec!r}; known: {', '.join(SPECS)}") from None


@dataclass(frozen=True)
class QCCheck:
    name: str  # loudness, true_peak, loudness_range, resolution, frame_rate, captions
    measured: float | str | bool | None
    expected: str
    passed: bool | None  # None: reported, not checked
    unit: str = ""


@dataclass(frozen=True)
class QCReport:
    spec: str
    path: str
    checks: tuple[QCCheck, ...]

    @property
    def passed(self) -> bool:
        return all(check.passed is not False for check in self.checks)

    @property
    def failures(self) -> list[str]:
        return [check.name for check in self.checks if check.passed is False]

    def check(self, name: str) -> QCCheck:
        return next(c for c in self.checks if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "path": self.path,
            "passed": self.passed,
            "checks": [dataclasses.asdict(c) for c in self.checks],
        }


def _fmt(value: float) -> str:
    return f"{value:g}".replace("-", "−")


def check_delivery(
    info: MediaInfo, loudness: Loudness | None, spec: str | DeliverySpec
) -> QCReport:
    """Compare measured facts with a spec (pure: no file is read here)."""
    s = get_spec(spec)
    checks: list[QCCheck] = []
    # ebur128 reports one decimal: compare at that precision so -25.0 is inside -24 ± 1.
    eps = 1e-6
    if loudness is None:
        checks.append(QCCheck("loudness", None, "an audio track", False, "LUFS"))
        checks.append(QCCheck("true_peak", None, "an audio track", False, "dBTP"))
    else:
        low = s.loudness_target - s.loudness_tolerance
        high = s.loudness_target + s.loudness_tolerance
        checks.append(
            QCCheck(
                "loudness",
                loudness.integrated_lufs,
                f"{_fmt(s.loudness_target)} ± {_fmt(s.loudness_tolerance)}",
                low - eps <= loudness.integrated_lufs <= high + eps,
                "LUFS",
            )
        )
        checks.append(
            QCCheck(
                "true_peak",
                loudness.true_peak_dbtp,
                f"≤ {_fmt(s.max_true_peak)}",
                loudness.true_peak_dbtp <= s.max_true_peak + eps,
                "dBTP",
            )
        )
        checks.append(QCCheck("loudness_range", loudness.range_lu, "reported", None, "LU"))
    video = info.video
    if s.resolution is not None or video is not None:
        measured = f"{video.width}x{video.height}" if video else None
        expected = f"{s.resolution[0]}x{s.resolution[1]}" if s.resolution else "any"
        ok = None if s.resolution is None else measured == expected
        checks.append(QCCheck("resolution", measured, expected, ok))
    if s.frame_rates is not None or video is not None:
        rate = video.frame_rate if video else None
        expected = " or ".join(f"{r:.3f}".rstrip("0").rstrip(".") for r in s.frame_rates or ())
        ok = None
        if s.frame_rates is not None:
            ok = rate is not None and any(abs(rate - r) < 0.01 for r in s.frame_rates)
            if video is not None and video.variable_frame_rate:
                ok = False
        shown = None if rate is None else round(rate, 3)
        checks.append(QCCheck("frame_rate", shown, expected or "any", ok, "fps"))
    checks.append(
        QCCheck(
            "captions",
            info.has_captions,
            "required" if s.captions_required else "optional",
            info.has_captions if s.captions_required else None,
        )
    )
    return QCReport(spec=s.name, path=info.path, checks=tuple(checks))


def loudness_of(profile: StyleProfile) -> Loudness | None:
    """The loudness numbers a style profile already measured."""
    if profile.loudness_lufs is None:
        return None
    return Loudness(
        integrated_lufs=profile.loudness_lufs,
        range_lu=profile.loudness_range_lu or 0.0,
        true_peak_dbtp=profile.true_peak_dbtp if profile.true_peak_dbtp is not None else -144.0,
        silence_share=profile.silence_share or 0.0,
    )


def measure_loudness(
    src: Path, *, info: MediaInfo | None = None, timeout: float | None = None
) -> Loudness:
    """Integrated loudness, range, true peak and silence of the first audio track."""
    src = Path(src)
    info = info or probe(src)
    if not info.audio:
        raise MediaError(src, "no audio stream: loudness needs sound (video only?)")
    args = [*base_args(), "-v", "info", "-i", media_arg(src), "-map", f"0:{info.audio[0].index}"]
    args += ["-af", audio_filter(), "-f", "null", "-"]
    limit = timeout if timeout is not None else timeout_for(info.duration_s, per_second=1.0)
    done = run(args, timeout=limit, subject=src, what="loudness measurement")
    result = parse_audio_report(done.stderr.splitlines(), info.duration_s or 0.0)
    if result is None:
        raise MediaError(src, "ffmpeg gave no loudness summary (is the audio track empty?)")
    return result


def qc_file(
    src: Path,
    spec: str | DeliverySpec = "ebu-r128",
    *,
    info: MediaInfo | None = None,
    profile: StyleProfile | None = None,
) -> QCReport:
    """Probe and measure a file (reusing a style profile's loudness if given), then check it."""
    src = Path(src)
    info = info or probe(src)
    if profile is not None:
        loudness = loudness_of(profile)
    else:
        loudness = measure_loudness(src, info=info) if info.audio else None
    return check_delivery(info, loudness, spec)
