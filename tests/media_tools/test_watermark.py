"""The recipient's watermark: burned in the band and nowhere else, any name written as given."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from media_tools import probe
from media_tools.runner import media_arg
from media_tools.watermark import burn_watermark, watermark_box, watermark_text
from tests.clips import make_clip
from tests.frames import assert_differ_only_in_the_band, grey_frames


def test_two_recipients_copies_of_the_real_clip_differ_only_where_the_mark_is(
    ffmpeg: str, real_clip: Path, tmp_path: Path
) -> None:
    day = "2026-12-01"
    julie = burn_watermark(
        real_clip, tmp_path / "julie.mp4", watermark_text("Julie Tremblay", "Télé-Québec", day)
    )
    marc = burn_watermark(
        real_clip, tmp_path / "marc.mp4", watermark_text("Marc-André Ouellet", "ARTV", day)
    )
    source, first = probe(real_clip), probe(julie)
    assert first.video is not None and source.video is not None
    assert (first.video.width, first.video.height) == (source.video.width, source.video.height)
    assert abs((first.duration_s or 0) - (source.duration_s or 0)) < 0.2
    assert first.audio, "the sound is kept"
    assert_differ_only_in_the_band(
        grey_frames(ffmpeg, julie, every=12), grey_frames(ffmpeg, marc, every=12)
    )


def test_on_a_generated_clip_the_mark_is_deterministic_and_only_in_its_band(
    ffmpeg: str, tmp_path: Path
) -> None:
    clip = make_clip(tmp_path / "clip.mp4", 4.0, seed=3)
    one = burn_watermark(clip, tmp_path / "a.mp4", "Ana Ruiz · 2026-12-01")
    again = burn_watermark(clip, tmp_path / "a2.mp4", "Ana Ruiz · 2026-12-01")
    other = burn_watermark(clip, tmp_path / "b.mp4", "Bo Chen · 2026-12-01")
    assert one.read_bytes() == again.read_bytes(), "same recipient, same file"
    assert probe(one).audio and probe(one).audio[0].codec == "aac", "AAC audio copied"
    assert_differ_only_in_the_band(grey_frames(ffmpeg, one), grey_frames(ffmpeg, other))


@pytest.mark.parametrize(
    "name",
    ["Zoë L'Écuyer", "A: B, 100 % sûr", "back\\slash [x]; y", "%{pts} %{n}", "Ünïcødé — Ωμέγα"],
)
def test_any_name_is_written_as_given(ffmpeg: str, tmp_path: Path, name: str) -> None:
    """Quotes, colons, %, backslashes and accents are text, not filter syntax: on a still
    picture every frame's band is the same (a %{n} expanded would count frames)."""
    still = tmp_path / "still.mp4"
    colour = ["-f", "lavfi", "-i", "color=c=0x336699:s=320x180:r=25", "-t", "1"]
    subprocess.run(
        [ffmpeg, "-v", "error", "-nostdin", *colour, "-pix_fmt", "yuv420p", "-y", media_arg(still)],
        check=True,
        timeout=60,
    )
    marked = burn_watermark(still, tmp_path / "marked.mp4", watermark_text(name, "", ""))
    plain = burn_watermark(still, tmp_path / "plain.mp4", "x")
    frames, reference = grey_frames(ffmpeg, marked), grey_frames(ffmpeg, plain)
    x0, y0, x1, y1 = watermark_box(320, 180)
    band = frames[:, y0:y1, x0:x1].astype(np.int16)
    # Beyond codec noise at the letters' edges (a few levels), no pixel changes: a %{n}
    # expanded would redraw its digits (about 1 % of the band) in every frame.
    assert (np.abs(band - band[0]) > 30).mean() < 0.002, "the text is the same in every frame"
    assert np.abs(band - reference[:, y0:y1, x0:x1]).mean() > 2, "a longer text than 'x'"


def test_a_name_is_one_line_without_control_characters() -> None:
    assert watermark_text("Julie\nTremblay\x00", " Télé-Québec ", "2026-12-01") == (
        "Julie Tremblay · Télé-Québec · 2026-12-01"
    )
    assert watermark_text("Julie", "", "2026-12-01") == "Julie · 2026-12-01"
    assert len(watermark_text("x" * 500, "", "")) == 120
