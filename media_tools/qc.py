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
    name: str  # loudness, true_peak, loudness_range, resolution, frame_rate, captions, duration
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

    def with_check(self, check: QCCheck) -> QCReport:
        """This report with `check` in place of the one of the same name (or added last)."""
        kept = tuple(c for c in self.checks if c.name != check.name)
        return dataclasses.replace(self, checks=(*kept, check))

    @property
    def failures(self) -> list[str]:
        return [check.name for check in self.checks if check.passed is False]

    def check(self, name: str) -> QCCheck:
        return next(c for c in self.checks if c.name == name)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QCReport:
        """The report `to_dict` stored (unknown keys of a check are ignored)."""
        names = {f.name for f in dataclasses.fields(QCCheck)}
        checks = tuple(
            QCCheck(**{k: v for k, v in check.items() if k in names})
            for check in data.get("checks", [])
        )
        return cls(spec=str(data.get("spec", "")), path=str(data.get("path", "")), checks=checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec": self.spec,
            "path": self.path,
            "passed": self.passed,
            "checks": [dataclasses.asdict(c) for c in self.checks],
        }


def _fmt(value: float) -> str:
    return f"{value:g}".replace("-", "−")


# A file may differ from the runtime a record declares by this share of it or this many
# seconds, whichever is larger: rounding to the minute in catalogs, a few seconds of leader or
# black. A 20-second file for a film declared 14 minutes is not the film.
DURATION_TOLERANCE_SHARE = 0.02
DURATION_TOLERANCE_SECONDS = 10.0


def duration_tolerance(declared_s: float) -> float:
    """Seconds either side of a declared runtime that a file's duration may fall in."""
    return max(DURATION_TOLERANCE_SHARE * declared_s, DURATION_TOLERANCE_SECONDS)


def clock(seconds: float) -> str:
    """0:20, 14:00, 1:32:00: a duration as people write it."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def check_duration(measured_s: float | None, declared_s: float | None) -> QCCheck:
    """The file's probed duration against the record's declared runtime (± the tolerance).

    Not judged (passed None) when either is unknown; `expected` is the declared runtime as
    a clock ("14:00"), `measured` the file's seconds.
    """
    if not declared_s:
        return QCCheck("duration", measured_s, "unknown", None, "s")
    if measured_s is None:
        return QCCheck("duration", None, clock(declared_s), False, "s")
    ok = abs(measured_s - declared_s) <= duration_tolerance(declared_s)
    return QCCheck("duration", round(measured_s, 3), clock(declared_s), ok, "s")


def with_duration(
    report: dict[str, Any], measured_s: float | None, declared_s: float | None
) -> dict[str, Any]:
    """A stored report (`QCReport.to_dict`) with its duration check made against this declared
    runtime: a file shared by several films, or a runtime corrected since the analysis."""
    checked = QCReport.from_dict(report).with_check(check_duration(measured_s, declared_s))
    return report | checked.to_dict() | {"path": report.get("path", "")}


def check_delivery(
    info: MediaInfo,
    loudness: Loudness | None,
    spec: str | DeliverySpec,
    declared_runtime_s: float | None = None,
) -> QCReport:
    """Compare measured facts with a spec and the film's declared runtime, if given (pure: no
    file is read here)."""
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
    if declared_runtime_s is not None:
        checks.append(check_duration(info.duration_s, declared_runtime_s))
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
    declared_runtime_s: float | None = None,
) -> QCReport:
    """Probe and measure a file (reusing a style profile's loudness if given), then check it
    (its duration too, against `declared_runtime_s` when given)."""
    src = Path(src)
    info = info or probe(src)
    if profile is not None:
        loudness = loudness_of(profile)
    else:
        loudness = measure_loudness(src, info=info) if info.audio else None
    return check_delivery(info, loudness, spec, declared_runtime_s)
