"""Style analysis: cuts, colour, framing and loudness measured against the clips' built-in truth."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from media_tools import (
    VECTOR_DIMENSIONS,
    CutSettings,
    MediaError,
    StyleProfile,
    analyse_style,
    detect_cuts,
    probe,
)
from media_tools.style import frame_times, palette, parse_audio_report
from tests.media_tools.conftest import Clips

_profiles: dict[Path, StyleProfile] = {}


def profile_of(path: Path) -> StyleProfile:
    # Several tests read one clip's profile: analyse each clip once per session.
    if path not in _profiles:
        _profiles[path] = analyse_style(path)
    return _profiles[path]


CUT_CLIPS = ["cuts.mp4", "fades.mp4", "bw.mp4", "vfr.mkv", "calm_cool.mp4", "fast_warm.mp4"]


@pytest.mark.parametrize("name", CUT_CLIPS)
def test_cut_times_are_within_one_frame(clips: Clips, name: str) -> None:
    truth = clips.truth[name]["cuts"]
    found = profile_of(clips[name]).cut_times_s
    frame = 1 / 25  # the VFR clip's fastest part is 30 fps: one 25 fps frame is still fair
    assert len(found) == len(truth), f"found {found}, built {truth}"
    for got, want in zip(found, truth, strict=True):
        assert abs(got - want) <= frame / 2 + 1e-6, f"found {found}, built {truth}"


def test_fades_and_flashes_are_not_cuts(clips: Clips) -> None:
    found = profile_of(clips["fades.mp4"]).cut_times_s
    truth = clips.truth["fades.mp4"]
    for moment in [*truth["fade_in_s"], truth["flash_s"]]:
        assert all(abs(cut - moment) > 0.5 for cut in found), found


@pytest.mark.parametrize(
    "name", ["cuts.mp4", "bw.mp4", "calm_cool.mp4", "fast_warm.mp4", "qc_atsc.mkv", "qc_ebu.mkv"]
)
def test_loudness_within_half_a_unit(clips: Clips, name: str) -> None:
    profile = profile_of(clips[name])
    assert profile.loudness_lufs == pytest.approx(clips.truth[name]["loudness_lufs"], abs=0.5)


def test_true_peak_and_silence(clips: Clips) -> None:
    assert profile_of(clips["qc_ebu.mkv"]).true_peak_dbtp == pytest.approx(-1.5, abs=0.3)
    calm = profile_of(clips["calm_cool.mp4"])
    assert calm.silence_share == pytest.approx(
        clips.truth["calm_cool.mp4"]["silence_share"], abs=0.06
    )
    assert profile_of(clips["cuts.mp4"]).silence_share == 0.0


def test_black_and_white_is_detected(clips: Clips) -> None:
    assert profile_of(clips["bw.mp4"]).black_and_white
    assert profile_of(clips["bw.mp4"]).saturation_mean < 0.02
    assert not profile_of(clips["cuts.mp4"]).black_and_white
    assert not profile_of(clips["calm_cool.mp4"]).black_and_white


def test_letterbox_and_active_aspect(clips: Clips) -> None:
    boxed = profile_of(clips["letterbox.mp4"])
    assert boxed.letterbox
    assert boxed.active_aspect_ratio == pytest.approx(
        clips.truth["letterbox.mp4"]["active_aspect"], abs=0.06
    )
    full = profile_of(clips["cuts.mp4"])
    assert not full.letterbox
    assert full.active_aspect_ratio == pytest.approx(4 / 3, abs=0.02)


def test_shot_statistics_follow_from_the_cuts(clips: Clips) -> None:
    profile = profile_of(clips["cuts.mp4"])
    assert profile.shot_count == 7
    assert profile.average_shot_length_s == pytest.approx(12 / 7, abs=0.01)
    assert profile.median_shot_length_s == pytest.approx(1.6, abs=0.05)
    assert profile.cuts_per_minute == pytest.approx(30.0, abs=0.5)


def test_descriptors_in_french_and_english(clips: Clips) -> None:
    calm = profile_of(clips["calm_cool.mp4"])
    assert {"très calme", "palette froide", "beaucoup de silence"} <= set(calm.descriptors("fr"))
    assert {"very calm", "cool palette"} <= set(calm.descriptors("en"))
    fast = profile_of(clips["fast_warm.mp4"])
    assert {"montage rapide", "palette chaude"} <= set(fast.descriptors("fr"))
    assert {"fast cutting", "warm palette"} <= set(fast.descriptors("en"))
    assert "très calme" not in fast.descriptors("fr")
    assert "noir et blanc" in profile_of(clips["bw.mp4"]).descriptors("fr")
    assert "black and white" in profile_of(clips["bw.mp4"]).descriptors("en")
    assert "noir et blanc" not in calm.descriptors("fr")
    with pytest.raises(ValueError):
        calm.descriptors("de")


def test_motion_tells_calm_from_busy(clips: Clips) -> None:
    assert profile_of(clips["calm_cool.mp4"]).motion_mean < 0.004
    assert profile_of(clips["fast_warm.mp4"]).motion_mean > 0.015


def test_palette_and_warmth(clips: Clips) -> None:
    calm = profile_of(clips["calm_cool.mp4"])
    assert calm.warmth < -0.5
    assert profile_of(clips["fast_warm.mp4"]).warmth > 0.5
    assert 1 <= len(calm.palette) <= 5
    assert sum(c.share for c in calm.palette) == pytest.approx(1.0, abs=0.01)
    for colour in calm.palette:  # steel and teal blues: blue is the strongest channel
        r, _g, b = (int(colour.hex[k : k + 2], 16) for k in (1, 3, 5))
        assert b >= r


def test_palette_is_deterministic_and_finds_the_colours() -> None:
    rng = np.random.default_rng(5)
    red = np.tile([200, 30, 30], (600, 1)) + rng.integers(-5, 6, (600, 3))
    blue = np.tile([20, 40, 210], (400, 1)) + rng.integers(-5, 6, (400, 3))
    pixels = np.clip(np.concatenate([red, blue]), 0, 255).astype(np.uint8)
    first = palette(pixels, k=2)
    assert first == palette(pixels, k=2)
    assert [c.share for c in first] == pytest.approx([0.6, 0.4])
    assert first[0].hex.startswith("#c") and first[1].hex.endswith(("d2", "d1", "d3"))


def test_profile_round_trips_and_has_a_fixed_vector(clips: Clips) -> None:
    profile = profile_of(clips["cuts.mp4"])
    again = StyleProfile.from_dict(json.loads(json.dumps(profile.to_dict())))
    assert again == profile
    for name in ("cuts.mp4", "bw.mp4", "video_only.mp4", "calm_cool.mp4"):
        vector = profile_of(clips[name]).vector()
        assert vector.shape == (len(VECTOR_DIMENSIONS),)
        assert np.all(np.isfinite(vector)) and vector.min() >= 0 and vector.max() <= 1
    bw, colour = profile_of(clips["bw.mp4"]).vector(), profile_of(clips["cuts.mp4"]).vector()
    names = [name for name, _ in VECTOR_DIMENSIONS]
    assert bw[names.index("black_and_white")] == 1 and colour[names.index("black_and_white")] == 0


def test_video_without_sound_and_sound_without_video(clips: Clips) -> None:
    silent = profile_of(clips["video_only.mp4"])
    assert silent.loudness_lufs is None and silent.silence_share is None
    assert "muet" in silent.descriptors("fr")
    with pytest.raises(MediaError, match="no video stream") as caught:
        analyse_style(clips["audio_only.m4a"])
    assert "audio_only.m4a" in str(caught.value)


@pytest.mark.parametrize("name", ["uhd.mp4", 'Ça tourne — l\'été "à" Baie-Saint-Paul.mp4'])
def test_4k_and_odd_names_are_analysed(clips: Clips, name: str) -> None:
    profile = profile_of(clips[name])
    assert profile.frames_analysed == probe(clips[name]).frame_count
    assert profile.cut_times_s == ()


def test_truncated_file_is_an_error(clips: Clips) -> None:
    with pytest.raises(MediaError, match="truncated"):
        analyse_style(clips["truncated.mkv"])


def test_real_clip(real_clip: Path) -> None:
    profile = profile_of(real_clip)
    # shared/data/README.md: cuts near 11.8, 15.7 and 23.0 s, about -23.3 LUFS, a fade-in.
    assert len(profile.cut_times_s) == 3
    for got, want in zip(profile.cut_times_s, (11.8, 15.7, 23.0), strict=True):
        assert abs(got - want) <= 0.1
    assert profile.loudness_lufs == pytest.approx(-23.3, abs=0.5)
    assert not profile.black_and_white and not profile.letterbox
    assert profile.frames_analysed == 720


def _series(jumps: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic distances: back[m-1][i] as if each jump moved the picture for good."""
    n = len(jumps)
    position = np.cumsum(jumps)
    back = np.zeros((5, n), dtype=np.float32)
    for m in range(1, 6):
        back[m - 1, m:] = np.minimum(1, np.abs(position[m:] - position[:-m]))
    return np.arange(n) / 25, back


def test_detect_cuts_on_synthetic_distances() -> None:
    calm = [0.01] * 60
    times, back = _series([*calm[:30], 0.9, *calm[:29]])
    assert detect_cuts(times, back) == [30]
    # A fade: many small steps in a row is no cut.
    times, back = _series([*calm[:20], *([0.05] * 25), *calm[:15]])
    assert detect_cuts(times, back) == []
    # Fast motion: big steps, but their neighbours are big too.
    times, back = _series([*calm[:20], 0.15, 0.2, 0.18, 0.22, *calm[:36]])
    assert detect_cuts(times, back) == []


def test_a_flash_is_not_a_cut() -> None:
    times, back = _series([0.01] * 60)
    back[0, 30] = back[0, 32] = 0.8  # the picture jumps away at 30 and back at 32
    back[1:, 31] = 0.8
    back[1, 32] = 0.01  # frame 32 looks like frame 30's predecessor again
    back[2, 33] = 0.01
    assert detect_cuts(times, back) == []
    # The same jumps without the flash rule would count as cuts.
    assert detect_cuts(times, back, CutSettings(flash_ratio=0.0)) != []


def test_audio_report_parsing() -> None:
    lines = [
        "[silencedetect @ 0x1] silence_start: 2.5",
        "[silencedetect @ 0x1] silence_end: 4.5 | silence_duration: 2",
        "[silencedetect @ 0x1] silence_start: 9",
        "[Parsed_ebur128_1 @ 0x2] Summary:",
        "  Integrated loudness:",
        "    I:         -23.4 LUFS",
        "  Loudness range:",
        "    LRA:         6.1 LU",
        "  True peak:",
        "    Peak:       -3.2 dBFS",
    ]
    report = parse_audio_report(lines, duration=10.0)
    assert report is not None
    assert (report.integrated_lufs, report.range_lu, report.true_peak_dbtp) == (-23.4, 6.1, -3.2)
    assert report.silence_share == pytest.approx(0.3)
    assert parse_audio_report(lines[:3], duration=10.0) is None


def test_stamps_lost_from_the_log_are_interpolated() -> None:
    """Variable-rate times come from showinfo's log; under load another ffmpeg thread once
    broke one of its lines, and the whole clip fell back to a constant rate (cuts 0.3 s off)."""
    # 50 frames at 25 fps, then 20 at 10 fps: a cut at frame 50, at 2.0 s.
    stamps = {i: i / 25 for i in range(50)} | {50 + i: 2.0 + i / 10 for i in range(20)}
    times, warning = frame_times(stamps, 70, rate=21.6)
    assert warning == "" and times[50] == 2.0
    for lost in (0, 30, 50, 51, 69):
        partial = {i: t for i, t in stamps.items() if i != lost}
        times, warning = frame_times(partial, 70, rate=21.6)
        assert warning.startswith("1 of 70 frame timestamps lost")
        assert times[lost] == pytest.approx(stamps[lost], abs=0.1), lost
        assert np.all(np.diff(times) > 0)
    times, warning = frame_times({}, 70, rate=25.0)  # a constant-rate film is not logged
    assert warning == "" and times[50] == 2.0
    times, warning = frame_times({0: 0.0, 1: 0.04}, 70, rate=25.0)
    assert "constant frame rate" in warning
