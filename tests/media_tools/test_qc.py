"""Delivery QC: each clip built to pass or fail a spec passes or fails exactly those checks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from media_tools import (
    SPECS,
    Loudness,
    MediaError,
    analyse_style,
    check_delivery,
    get_spec,
    measure_loudness,
    probe,
    qc_file,
)
from media_tools.probe import MediaInfo, SubtitleStream, VideoStream
from tests.media_tools.conftest import Clips

CASES = [
    (clip, spec)
    for clip in ("qc_atsc.mkv", "qc_ebu.mkv", "qc_loud.mkv")
    for spec in ("atsc-a85", "ebu-r128")
]


@pytest.mark.parametrize(("clip", "spec"), CASES)
def test_reports_match_how_the_clips_were_built(clips: Clips, clip: str, spec: str) -> None:
    truth = clips.truth[clip]["qc"][spec]
    report = qc_file(clips[clip], spec)
    assert report.passed == truth["passed"]
    assert sorted(report.failures) == sorted(truth.get("fails", []))
    loudness = report.check("loudness")
    assert loudness.measured == pytest.approx(clips.truth[clip]["loudness_lufs"], abs=0.5)
    assert loudness.unit == "LUFS" and loudness.expected
    assert report.check("true_peak").measured == pytest.approx(
        clips.truth[clip]["true_peak_dbtp"], abs=0.5
    )
    assert report.to_dict()["checks"][0]["name"] == "loudness"


def test_a_style_profile_serves_as_the_measurement(clips: Clips) -> None:
    profile = analyse_style(clips["qc_ebu.mkv"])
    from_profile = qc_file(clips["qc_ebu.mkv"], "ebu-r128", profile=profile)
    assert from_profile.passed
    assert from_profile.check("true_peak").measured == pytest.approx(-1.5, abs=0.3)


def info(
    width: int = 1920, height: int = 1080, rate: float = 25.0, captions: bool = False
) -> MediaInfo:
    video = VideoStream(0, "h264", width, height, width / height, rate, False)
    subtitles = (SubtitleStream(2, "subrip", "fra"),) if captions else ()
    return MediaInfo("film.mkv", 1, "0" * 64, "matroska", 60.0, 1000, video, (), subtitles)


def loud(integrated: float, peak: float = -10.0) -> Loudness:
    return Loudness(integrated, 5.0, peak, 0.0)


def test_loudness_limits_are_inclusive_at_one_decimal() -> None:
    ebu = SPECS["ebu-r128"]
    assert check_delivery(info(), loud(-24.0), ebu).check("loudness").passed
    assert check_delivery(info(), loud(-22.0), ebu).check("loudness").passed
    assert not check_delivery(info(), loud(-24.1), ebu).check("loudness").passed
    assert check_delivery(info(), loud(-23.0, -1.0), ebu).check("true_peak").passed
    assert not check_delivery(info(), loud(-23.0, -0.9), ebu).check("true_peak").passed
    atsc = SPECS["atsc-a85"]
    assert check_delivery(info(), loud(-26.0), atsc).check("loudness").passed
    assert not check_delivery(info(), loud(-26.1), atsc).check("loudness").passed


def test_expectations_are_configurable() -> None:
    lenient = dataclasses.replace(SPECS["atsc-a85"], resolution=None, captions_required=False)
    report = check_delivery(info(1280, 720, 25.0), loud(-24.0, -3.0), lenient)
    assert report.check("resolution").passed is None  # measured, reported, not judged
    assert report.check("resolution").measured == "1280x720"
    assert report.check("captions").passed is None
    assert report.failures == ["frame_rate"]
    fifty = dataclasses.replace(SPECS["ebu-r128"], frame_rates=(25.0, 50.0))
    assert check_delivery(info(rate=50.0), loud(-23.0), fifty).passed


def test_no_sound_fails_the_loudness_checks(clips: Clips) -> None:
    report = qc_file(clips["video_only.mp4"], "ebu-r128")
    assert {"loudness", "true_peak"} <= set(report.failures)
    with pytest.raises(MediaError, match="no audio stream"):
        measure_loudness(clips["video_only.mp4"])


def test_audio_only_files_can_be_measured(clips: Clips) -> None:
    loudness = measure_loudness(clips["audio_only.m4a"])
    assert loudness.integrated_lufs == pytest.approx(-20.0, abs=0.5)


def test_unknown_spec_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="atsc-a85"):
        get_spec("arib")


def test_real_clip_against_ebu(real_clip: Path) -> None:
    report = qc_file(real_clip, "ebu-r128", info=probe(real_clip))
    assert report.check("loudness").passed  # about -23.3 LUFS
    assert report.check("resolution").passed is False  # 1280x720
    assert report.check("frame_rate").measured == 24.0
