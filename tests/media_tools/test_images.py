"""Poster, thumbnails and contact sheet: representative, never black, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from media_tools import MediaError, make_contact_sheet, make_poster, make_thumbnails, probe
from media_tools.images import candidate_times, frame_cmd, frame_score, read_image
from tests.media_tools.conftest import Clips


def brightness(path: Path) -> float:
    pixels = read_image(path).astype(np.float32) / 255
    return float((pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).mean())


def test_poster_is_never_black_nor_in_a_fade(clips: Clips, tmp_path: Path) -> None:
    # fades.mp4 starts black, fades in, fades out to black and back in: poor posters all.
    poster = make_poster(clips["fades.mp4"], tmp_path / "poster.jpg")
    assert poster.path.is_file()
    assert brightness(poster.path) > 0.2
    fades = [(0.0, 1.0), (3.0, 5.0)]
    assert not any(start - 0.1 <= poster.time_s <= end + 0.1 for start, end in fades)
    assert list(tmp_path.iterdir()) == [poster.path]  # nothing half-written left beside it


def test_poster_of_the_real_clip(real_clip: Path, tmp_path: Path) -> None:
    poster = make_poster(real_clip, tmp_path / "poster.jpg", width=640)
    assert brightness(poster.path) > 0.2
    assert 1.5 <= poster.time_s <= 28.5  # not the fade-in from black at the start
    info = probe(poster.path, check_packets=False)
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)


def test_frame_score_rejects_black_and_cut_frames() -> None:
    rng = np.random.default_rng(1)
    textured = rng.integers(40, 220, (5, 36, 64, 3), dtype=np.uint8)
    still = np.repeat(textured[:1], 5, axis=0)
    black = np.zeros_like(still)
    at_cut = np.concatenate([still[:2], 255 - still[2:]])
    assert frame_score(black) < 0 < frame_score(still)
    assert frame_score(at_cut) < frame_score(still)


def test_candidates_skip_the_ends_and_use_shot_middles() -> None:
    spread = candidate_times(100.0, 4)
    assert min(spread) >= 5.0 and max(spread) <= 95.0
    assert candidate_times(100.0, 2, cuts=[20.0, 60.0]) == [40.0, 80.0]


def test_thumbnails_come_from_different_parts(clips: Clips, tmp_path: Path) -> None:
    paths = make_thumbnails(clips["cuts.mp4"], tmp_path, count=4, width=160)
    assert [p.name for p in paths] == [f"thumb_{k:02d}.jpg" for k in range(1, 5)]
    images = [read_image(p, (32, 24)).astype(int) for p in paths]
    assert all(brightness(p) > 0.1 for p in paths)
    # Different shots: no two thumbnails alike.
    for a in range(4):
        for b in range(a + 1, 4):
            assert np.abs(images[a] - images[b]).mean() > 5


def test_contact_sheet(real_clip: Path, tmp_path: Path) -> None:
    sheet = make_contact_sheet(real_clip, tmp_path / "sheet.jpg", columns=3, rows=2, tile_width=96)
    info = probe(sheet, check_packets=False)
    assert info.video is not None
    assert (info.video.width, info.video.height) == (3 * 96 + 4 * 4, 2 * 54 + 3 * 4)


def test_images_need_pictures(clips: Clips, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no video stream"):
        make_poster(clips["audio_only.m4a"], tmp_path / "poster.jpg")
    assert not any(tmp_path.iterdir())


def test_4k_and_odd_names(clips: Clips, tmp_path: Path) -> None:
    name = 'Ça tourne — l\'été "à" Baie-Saint-Paul.mp4'
    poster = make_poster(clips[name], tmp_path / 'l\'affiche "1".jpg')
    assert poster.path.is_file()
    poster = make_poster(clips["uhd.mp4"], tmp_path / "uhd.jpg")
    info = probe(poster.path, check_packets=False)
    assert info.video is not None and info.video.width == 1280


def test_frame_command_is_an_argument_list(tmp_path: Path) -> None:
    src = tmp_path / '-l\'été: "1".mp4'
    args = frame_cmd(src, tmp_path / "out.jpg", 12.5, width=320, height=320)
    assert args[args.index("-i") + 1] == f"file:{src}"
    assert args.index("-ss") < args.index("-i") and args[args.index("-ss") + 1] == "12.500"
    assert args[-2:] == [f"file:{tmp_path / 'out.jpg'}", "-y"]
