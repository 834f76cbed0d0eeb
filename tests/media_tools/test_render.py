"""Proxies, previews, cards, reels and stand-ins: the right streams, sizes, lengths and loudness."""

from __future__ import annotations

from pathlib import Path

import pytest

from media_tools import (
    MediaError,
    ReelItem,
    TitleCard,
    analyse_style,
    choose_excerpt,
    make_preview,
    make_programme,
    make_proxy,
    make_sizzle_reel,
    make_stand_in,
    make_title_card,
    measure_loudness,
    probe,
)
from media_tools.render import escape_filter_value, find_font
from tests.media_tools.conftest import Clips


def faststart(path: Path) -> bool:
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")


def test_proxy_of_4k_is_720p_h264_aac_with_faststart(clips: Clips, tmp_path: Path) -> None:
    proxy = make_proxy(clips["uhd.mp4"], tmp_path / "proxy.mp4")
    info = probe(proxy)
    assert info.video is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 1280, 720)
    assert [a.codec for a in info.audio] == ["aac"]
    assert info.duration_s == pytest.approx(0.4, abs=0.1)
    assert faststart(proxy)
    assert list(tmp_path.iterdir()) == [proxy]


def test_small_sources_are_not_enlarged_and_odd_names_work(clips: Clips, tmp_path: Path) -> None:
    src = clips['Ça tourne — l\'été "à" Baie-Saint-Paul.mp4']
    proxy = make_proxy(src, tmp_path / 'sortie: l\'été "1".mp4')
    info = probe(proxy)
    assert info.video is not None and (info.video.width, info.video.height) == (320, 240)


def test_proxy_of_variable_frame_rate_keeps_its_length(clips: Clips, tmp_path: Path) -> None:
    info = probe(make_proxy(clips["vfr.mkv"], tmp_path / "vfr.mp4"))
    assert info.duration_s == pytest.approx(6.0, abs=0.1)


def test_proxy_needs_pictures(clips: Clips, tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="no video stream") as caught:
        make_proxy(clips["audio_only.m4a"], tmp_path / "proxy.mp4")
    assert "audio_only.m4a" in str(caught.value)
    assert not any(tmp_path.iterdir())


def test_choose_excerpt() -> None:
    assert choose_excerpt(20.0, 45.0) == (0.0, 20.0)  # short films whole
    start, length = choose_excerpt(600.0, 45.0)
    assert length == 45.0 and 60.0 <= start <= 540.0 - 45.0
    start, _ = choose_excerpt(600.0, 45.0, anchor=10.0)  # kept out of the opening titles
    assert start == 60.0
    start, _ = choose_excerpt(600.0, 45.0, cuts=[270.0, 279.0, 280.5, 400.0])
    assert start == 279.0  # the first cut after the middle-centred start (277.5)


def test_preview_of_the_real_clip(real_clip: Path, tmp_path: Path) -> None:
    preview = make_preview(real_clip, tmp_path / "preview.mp4", length=12.0)
    info = probe(preview)
    assert info.duration_s == pytest.approx(12.0, abs=0.15)
    assert info.video is not None and info.video.height == 720
    assert faststart(preview)


def test_title_card_with_awkward_text(tmp_path: Path) -> None:
    assert find_font() is not None
    card = TitleCard(
        'L\'été "à" Baie-Saint-Paul: 100 % [vrai]; fin', "Él'ise Côté", "03 — Capitale"
    )
    path = make_title_card(tmp_path / "card.mp4", card, seconds=1.0, size=(640, 360))
    info = probe(path)
    assert info.duration_s == pytest.approx(1.0, abs=0.1)
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)


def test_filter_values_are_escaped_for_both_levels() -> None:
    assert escape_filter_value("/a b/l'été:x,[1];.ttf") == "/a b/l\\\\\\'été\\\\:x\\,\\[1\\]\\;.ttf"


def test_sizzle_reel_and_programme(clips: Clips, real_clip: Path, tmp_path: Path) -> None:
    items = [
        ReelItem(clips["cuts.mp4"], TitleCard("Coupes", "A. Tremblay", "Gaspésie")),
        ReelItem(clips["video_only.mp4"], TitleCard("Sans son", "B. Roy", "Estrie")),
        ReelItem(real_clip, TitleCard("Big Buck Bunny", "Sacha Goedegebure", "Amsterdam")),
    ]
    reel = make_sizzle_reel(
        items,
        tmp_path / "reel.mp4",
        excerpt_s=3.0,
        card_s=1.0,
        size=(640, 360),
        loudness_lufs=-23.0,
    )
    info = probe(reel)
    assert info.duration_s == pytest.approx(3 * 1.0 + 3 * 3.0, abs=0.4)
    assert info.video is not None and (info.video.width, info.video.height) == (640, 360)
    assert [a.codec for a in info.audio] == ["aac"]
    assert faststart(reel)
    assert measure_loudness(reel).integrated_lufs == pytest.approx(-23.0, abs=1.0)

    programme = make_programme(
        items[:2], tmp_path / "programme.mp4", card_s=1.0, size=(640, 360), loudness_lufs=-24.0
    )
    info = probe(programme)
    assert info.duration_s == pytest.approx(1.0 + 12.0 + 1.0 + 3.0, abs=0.4)
    assert measure_loudness(programme).integrated_lufs == pytest.approx(-24.0, abs=1.0)
    # Cards and films follow one another: the films' own cuts are in there, shifted by a card.
    cuts = analyse_style(programme).cut_times_s
    assert any(abs(c - (1.0 + 2.0)) < 0.1 for c in cuts)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["programme.mp4", "reel.mp4"]


def test_stand_in_is_labelled_and_deterministic(tmp_path: Path) -> None:
    first = make_stand_in(tmp_path / "a.mp4", "Les Îles: un film d'été", 9.0, seed=4)
    second = make_stand_in(tmp_path / "b.mp4", "Les Îles: un film d'été", 9.0, seed=4)
    info = probe(first)
    assert info.duration_s == pytest.approx(9.0, abs=0.1)
    assert info.video is not None and info.has_audio
    a, b = analyse_style(first), analyse_style(second)
    assert a.cut_times_s == b.cut_times_s and len(a.cut_times_s) >= 1
    assert a.loudness_lufs is not None and -30 < a.loudness_lufs < -18
    other = analyse_style(make_stand_in(tmp_path / "c.mp4", "Autre", 9.0, seed=5))
    assert other.cut_times_s != a.cut_times_s
