"""Chromium reads the WebVTT that convert_to_vtt writes from an SRT as a <track> (and refuses the
SRT itself), with every cue's times and text; the cue shows over the real clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from media_tools.subtitles import convert_to_vtt, read_subtitles
from tests.browser.conftest import screenshot

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "samples" / "media" / "big_buck_bunny_0_30.webm"
SUBTITLES = ROOT / "tests" / "data" / "subtitles"
SITE = "http://subtitles.test"

PAGE = """<!doctype html><html lang="fr"><meta charset="utf-8">
<style>body{margin:0;background:#111} video{width:100%;display:block}</style>
<video id="film" src="clip.webm" muted preload="auto">
  <track kind="subtitles" srclang="fr" label="Français" src="fr.vtt" default>
  <track kind="subtitles" srclang="en" label="English" src="en.vtt">
  <track kind="subtitles" srclang="fr" label="SRT brut" src="fr.srt">
</video></html>"""

TRACKS = """() => [...document.querySelectorAll('track')].map(t => ({
  state: t.readyState,
  cues: t.track.cues ? [...t.track.cues].map(c => [c.startTime, c.endTime, c.text]) : null,
}))"""


ACTIVE = "() => [...film.textTracks[0].activeCues].map(c => c.text)"


def serve(page: Any, files: dict[str, tuple[bytes, str]]) -> None:
    def answer(route: Any) -> None:
        name = route.request.url.removeprefix(f"{SITE}/")
        body, kind = files[name]
        route.fulfill(status=200, body=body, content_type=kind)

    page.route(f"{SITE}/**", answer)


def tracks_when_settled(page: Any) -> list[dict[str, Any]]:
    """Each <track>'s readyState and cues, once none is still loading (2 loaded, 3 error)."""
    for _ in range(100):
        # Loading starts once a track is showing or hidden (disabled tracks never load).
        page.evaluate("() => { for (const t of film.textTracks) if (t.mode === 'disabled')"
                      " t.mode = 'hidden'; }")  # fmt: skip
        tracks: list[dict[str, Any]] = page.evaluate(TRACKS)
        if all(t["state"] >= 2 for t in tracks):
            return tracks
        page.wait_for_timeout(100)
    raise AssertionError(f"tracks still loading: {tracks}")


def test_chromium_plays_the_converted_french_track_and_the_english_one(
    page: Any, tmp_path: Path
) -> None:
    vtt = convert_to_vtt(SUBTITLES / "clean_fr.srt", tmp_path / "fr.vtt")
    serve(
        page,
        {
            "index.html": (PAGE.encode(), "text/html; charset=utf-8"),
            "clip.webm": (CLIP.read_bytes(), "video/webm"),
            "fr.vtt": (vtt.read_bytes(), "text/vtt; charset=utf-8"),
            "en.vtt": ((SUBTITLES / "clean_en.vtt").read_bytes(), "text/vtt; charset=utf-8"),
            "fr.srt": ((SUBTITLES / "clean_fr.srt").read_bytes(), "text/plain; charset=utf-8"),
        },
    )
    page.set_viewport_size({"width": 1366, "height": 800})
    page.goto(f"{SITE}/index.html")
    french, english, raw_srt = tracks_when_settled(page)
    assert raw_srt["state"] == 3 and not raw_srt["cues"]  # an SRT is no <track>
    assert french["state"] == 2 and english["state"] == 2
    expected = [
        [c.start_s, c.end_s, "\n".join(c.lines)]
        for c in read_subtitles(SUBTITLES / "clean_fr.srt").cues
    ]
    assert french["cues"] == expected
    assert french["cues"][0] == [2.5, 5.0, "Regarde, le soleil se lève\nsur la forêt."]
    assert len(english["cues"]) == 7
    assert english["cues"][-1][2] == "It's only a <b>butterfly</b> &amp; nothing else."
    # Played (muted) into the first cue, then paused there: the routed file cannot be seeked.
    page.evaluate("() => { film.textTracks[0].mode = 'showing'; film.play(); }")
    active: list[str] = []
    for _ in range(200):
        active = page.evaluate(ACTIVE)
        if active:
            page.evaluate("() => film.pause()")
            break
        page.wait_for_timeout(50)
    assert active == ["Regarde, le soleil se lève\nsur la forêt."]
    for width, height in ((1366, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate(ACTIVE) == active and page.locator("#film").is_visible()
        screenshot(page, f"subtitle-track-fr-{width}")
