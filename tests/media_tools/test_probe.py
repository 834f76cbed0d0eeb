"""Probing: facts of generated and real clips against their truth, with and without ffprobe."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from media_tools import MediaError, probe
from media_tools.probe import packet_timing, parse_ffmpeg_banner, parse_ffprobe_json
from media_tools.runner import find_tools
from tests.media_tools.conftest import ROOT, Clips

GOOD = [
    "cuts.mp4",
    "bw.mp4",
    "vfr.mkv",
    "audio_only.m4a",
    "video_only.mp4",
    "uhd.mp4",
    "letterbox.mp4",
    "subtitles.mkv",
    "qc_atsc.mkv",
    'Ça tourne — l\'été "à" Baie-Saint-Paul.mp4',
]


@pytest.mark.parametrize("name", GOOD)
def test_probe_matches_the_built_in_truth(clips: Clips, name: str) -> None:
    truth = clips.truth[name]
    info = probe(clips[name])
    assert info.duration_s == pytest.approx(truth["duration_s"], abs=0.05)
    assert info.has_audio == truth["has_audio"]
    assert info.has_captions == truth["captions"]
    assert info.size_bytes == clips[name].stat().st_size
    assert info.sha256 == hashlib.sha256(clips[name].read_bytes()).hexdigest()
    if truth["has_video"]:
        assert info.video is not None
        assert (info.video.width, info.video.height) == (truth["width"], truth["height"])
        assert info.video.display_aspect_ratio == pytest.approx(
            truth["width"] / truth["height"], abs=0.01
        )
        assert info.video.variable_frame_rate == truth["variable_frame_rate"]
        if truth["frame_rate"] is not None:
            assert info.video.frame_rate == pytest.approx(truth["frame_rate"], abs=0.001)
    else:
        assert info.video is None
    if info.audio:
        assert (info.audio[0].channels, info.audio[0].sample_rate) == (2, 48000)


def test_subtitle_streams_are_listed_with_their_language(clips: Clips) -> None:
    info = probe(clips["subtitles.mkv"])
    assert [(s.codec, s.language) for s in info.subtitles] == [("subrip", "fra")]


def test_variable_frame_rate_is_told_from_constant(clips: Clips) -> None:
    vfr = probe(clips["vfr.mkv"])
    assert vfr.video is not None and vfr.video.variable_frame_rate
    assert vfr.frame_count == clips.truth["vfr.mkv"]["frames"]
    cfr = probe(clips["cuts.mp4"])
    assert cfr.video is not None and not cfr.video.variable_frame_rate
    assert cfr.frame_count == 300


def test_real_clip(real_clip: Path) -> None:
    info = probe(real_clip)
    assert info.container == "matroska,webm"
    assert info.duration_s == pytest.approx(30.0, abs=0.05)
    assert info.video is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("vp8", 1280, 720)
    assert info.video.frame_rate == pytest.approx(24.0)
    assert info.video.display_aspect_ratio == pytest.approx(16 / 9, abs=0.001)
    assert [(a.codec, a.channels, a.sample_rate) for a in info.audio] == [("vorbis", 2, 44100)]
    assert info.bitrate_kbps == 344


def test_result_round_trips_through_json(clips: Clips) -> None:
    info = probe(clips["subtitles.mkv"])
    again = type(info).from_dict(json.loads(json.dumps(info.to_dict())))
    assert again == info


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("empty.mp4", "empty file"),
        ("not_media.mp4", "text file"),
        ("truncated.mp4", "truncated"),
        ("truncated.mkv", "truncated"),
    ],
)
def test_bad_input_gets_a_clear_error(clips: Clips, name: str, words: str) -> None:
    assert clips.truth[name]["error"] in words
    with pytest.raises(MediaError) as caught:
        probe(clips[name])
    assert words in str(caught.value)
    assert name in str(caught.value)  # the message names the file


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no such file"):
        probe(tmp_path / "absent.mp4")
    with pytest.raises(MediaError, match="not a regular file"):
        probe(tmp_path)


def test_names_ffmpeg_could_misread(clips: Clips, tmp_path: Path) -> None:
    # A leading dash looks like an option, a colon like a protocol prefix.
    odd = tmp_path / '-x: l\'été "dit" ; [1].mp4'
    shutil.copy(clips["cuts.mp4"], odd)
    assert probe(odd).duration_s == pytest.approx(12.0, abs=0.05)


def test_bundled_ffmpeg_is_used_without_a_system_one(monkeypatch: pytest.MonkeyPatch) -> None:
    find_tools.cache_clear()
    monkeypatch.setenv("PATH", "")
    try:
        tools = find_tools()
        assert tools.source == "imageio-ffmpeg"
        assert tools.ffprobe is None
        assert Path(tools.ffmpeg).is_file()
    finally:
        find_tools.cache_clear()


BANNER = "\n".join(
    [
        "Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/a b'c.mp4':",
        "  Metadata:",
        "    major_brand     : isom",
        "  Duration: 00:01:02.50, start: 0.000000, bitrate: 373 kb/s",
        "  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), "
        "yuv420p(tv, bt709, progressive), 1440x1080 [SAR 4:3 DAR 16:9], Closed Captions, "
        "286 kb/s, 29.97 fps, 29.97 tbr, 30k tbn (default)",
        "    Side data:",
        "      displaymatrix: rotation of -90.00 degrees",
        "  Stream #0:1[0x2](fra): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1, fltp, "
        "384 kb/s (default)",
        "  Stream #0:2[0x3](eng): Subtitle: mov_text (tx3g / 0x67337874), 0 kb/s",
        "  Stream #0:3: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), "
        "600x600, 90k tbr, 90k tbn (attached pic)",
        "At least one output file must be specified",
    ]
)

FFPROBE = {
    "format": {
        "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "duration": "62.500",
        "bit_rate": "373000",
    },
    "streams": [
        {
            "index": 0,
            "codec_type": "video",
            "codec_name": "h264",
            "width": 1440,
            "height": 1080,
            "sample_aspect_ratio": "4:3",
            "display_aspect_ratio": "16:9",
            "avg_frame_rate": "30000/1001",
            "r_frame_rate": "30000/1001",
            "pix_fmt": "yuv420p",
            "bit_rate": "286000",
            "closed_captions": 1,
            "tags": {"language": "und"},
            "side_data_list": [{"rotation": -90}],
        },
        {
            "index": 1,
            "codec_type": "audio",
            "codec_name": "aac",
            "channels": 6,
            "sample_rate": "48000",
            "channel_layout": "5.1",
            "bit_rate": "384000",
            "tags": {"language": "fra"},
        },
        {
            "index": 2,
            "codec_type": "subtitle",
            "codec_name": "mov_text",
            "tags": {"language": "eng"},
        },
        {
            "index": 3,
            "codec_type": "video",
            "codec_name": "mjpeg",
            "width": 600,
            "height": 600,
            "disposition": {"attached_pic": 1},
        },
    ],
}


def test_ffmpeg_banner_and_ffprobe_json_give_the_same_facts() -> None:
    # Machines without ffprobe parse `ffmpeg -i`; with ffprobe its JSON: both must agree.
    from_banner = parse_ffmpeg_banner(BANNER)
    from_json = parse_ffprobe_json(FFPROBE)
    for facts in (from_banner, from_json):
        video = facts["video"]
        assert (video.codec, video.width, video.height) == ("h264", 1440, 1080)
        assert video.display_aspect_ratio == pytest.approx(16 / 9, abs=0.001)
        assert video.frame_rate == pytest.approx(30000 / 1001, abs=1e-4)
        assert video.closed_captions and video.rotation == 270
        assert video.bitrate_kbps == 286
        assert [(a.codec, a.channels, a.sample_rate, a.language) for a in facts["audio"]] == [
            ("aac", 6, 48000, "fra")
        ]
        assert [(s.codec, s.language) for s in facts["subtitles"]] == [("mov_text", "eng")]
        assert facts["duration_s"] == pytest.approx(62.5)
        assert facts["bitrate_kbps"] == 373
        assert facts["container"] == "mov,mp4,m4a,3gp,3g2,mj2"


def test_millisecond_time_bases_do_not_fake_a_variable_rate() -> None:
    # 24 fps in Matroska's 1 ms time base: steps of 41 and 42 ms, still constant.
    pts = [round(i * 1000 / 24) for i in range(240)]
    text = "#tb 0: 1/1000\n" + "".join(f"0, {p}, {p}, 42, 100, 0x0\n" for p in pts)
    timing = packet_timing(text)
    assert not timing.variable
    assert timing.frame_rate == pytest.approx(24.0)
    assert timing.frame_count == 240
    # Half at 25 fps, half at 10 fps: variable.
    pts = [i * 40 for i in range(50)] + [2000 + i * 100 for i in range(20)]
    timing = packet_timing("#tb 0: 1/1000\n" + "".join(f"0, {p}, {p}, 40, 1, 0\n" for p in pts))
    assert timing.variable


def test_committed_manifest_is_what_the_generator_builds(generator: ModuleType) -> None:
    committed = json.loads((ROOT / "samples" / "media" / "manifest.json").read_text("utf-8"))
    assert committed == json.loads(json.dumps(generator.manifest()))
