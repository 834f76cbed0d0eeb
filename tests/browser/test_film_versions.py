"""Film versions in Chromium: a curator attaches a French SRT and an English WebVTT on the film's
page; a recipient opens their link to the pitch room, plays the preview, and the player offers
both tracks (fetched through tickets), French showing first; switching to English shows the
English cue at that moment. Screenshots: test-artifacts/screenshots/versions-*.png (the film
page's versions section and the QC page, French and English, 1366 and 390 px)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlmodel import Session, select

from catalog.models import FilmVersion, ShareLink, UserRole, utcnow
from media_tools.subtitles import read_subtitles
from tests.browser.conftest import ARTIFACTS, add_account, open_as, page_width, screenshot
from tests.browser.pitchfilms import bundle_with_previews
from tests.polling import poll
from web import database
from web.access import link_token

SUBTITLES = Path(__file__).resolve().parents[1] / "data" / "subtitles"
VIDEO = "document.querySelector('.player[data-film=\"%d\"] video')"


def attach(page: Any, kind: str, language: str, path: Path) -> None:
    form = page.locator("form.version-form")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("select[name=language]").select_option(language)
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def switch_language(page: Any) -> None:
    page.locator("header form.lang button").click()
    page.wait_for_load_state()


def shots(page: Any, name: str, width: int, part: str = "") -> None:
    """The page (or only its `part`) at this width, French then English (the switch comes
    back to French)."""
    page.set_viewport_size({"width": width, "height": 900})
    for lang in ("fr", "en"):
        assert page_width(page) <= width, f"{name} scrolls sideways at {width} px ({lang})"
        if part:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            target = ARTIFACTS / f"versions-{name}-{lang}-{width}.png"
            page.locator(part).screenshot(path=str(target))
        else:
            screenshot(page, f"versions-{name}-{lang}-{width}")
        switch_language(page)


def test_the_pitch_room_plays_the_preview_with_french_and_english_tracks(
    browser: Any, live_app: tuple[Flask, str]
) -> None:
    app, base = live_app
    bundle_id, film_ids = bundle_with_previews(app)
    film_id = film_ids[0]
    add_account(app, "ana@test.anthologie", UserRole.curator, "Ana Lavoie")
    curator = open_as(browser, base, "ana@test.anthologie", 1366)
    curator.goto(f"{base}/catalogue/films/{film_id}")
    attach(curator, "subtitles", "fra", SUBTITLES / "clean_fr.srt")
    assert "Version ajoutée : Sous-titres, français." in curator.locator(".flash").inner_text()
    attach(curator, "subtitles", "eng", SUBTITLES / "clean_en.vtt")
    attach(curator, "sdh", "fra", SUBTITLES / "fast.srt")
    section = curator.locator("#versions")
    assert section.locator("li.version").count() == 3
    assert "anglais, français" in section.locator(".version-languages").inner_text()
    # A broken file is refused, naming its line.
    attach(curator, "captions", "eng", SUBTITLES / "bad_timestamp.srt")
    assert "ligne 12" in curator.locator(".flash").inner_text()
    curator.goto(f"{base}/catalogue/films/{film_id}#versions")
    for width in (1366, 390):
        shots(curator, "film-page", width, part="#versions")
    with app.app_context(), Session(database.engine()) as session:
        sdh = session.exec(select(FilmVersion).where(FilmVersion.kind == "sdh")).one()
    curator.goto(f"{base}/films/{film_id}/versions/{sdh.id}/controle")
    assert "Non conforme" in curator.locator("main").inner_text()
    for width in (1366, 390):
        shots(curator, "qc", width)
    curator.context.close()

    with app.app_context(), Session(database.engine()) as session:
        share = ShareLink(
            bundle_id=bundle_id,
            recipient_name="Julie Tremblay",
            recipient_organisation="Télé-Québec",
            expires_at=utcnow() + timedelta(days=7),
        )
        session.add(share)
        session.commit()
        with app.test_request_context():
            link = f"{base}/pitch/lien/{link_token(share.id or 0)}"
    context = browser.new_context(locale="fr-CA", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # the first play waits for the watermarked copy
    page.goto(link)
    player = page.locator(f'.player[data-film="{film_id}"]')
    player.locator(".play-button").click()
    video = VIDEO % film_id
    tracks = poll(
        lambda: page.evaluate(
            f"() => {{ const v = {video}; return [...v.textTracks].map(t => "
            "({lang: t.language, kind: t.kind, mode: t.mode, label: t.label})); }"
        ),
        lambda found: len(found) == 3,
    )
    assert sorted((t["lang"], t["kind"]) for t in tracks) == [
        ("en", "subtitles"),
        ("fr", "captions"),
        ("fr", "subtitles"),
    ]
    subtitles = [t for t in tracks if t["kind"] == "subtitles"]
    assert len(subtitles) == 2 and {t["lang"] for t in subtitles} == {"fr", "en"}
    fr = next(i for i, t in enumerate(tracks) if (t["lang"], t["kind"]) == ("fr", "subtitles"))
    en = next(i for i, t in enumerate(tracks) if t["lang"] == "en")
    assert tracks[fr]["mode"] == "showing", "the page's language shows first"
    assert tracks[en]["mode"] == "disabled"
    sources = page.evaluate(f"() => [...{video}.querySelectorAll('track')].map(t => t.src)")
    assert all("/media/v/" in s for s in sources), "a recipient's tracks come through tickets"
    assert poll(lambda: page.evaluate(f"() => {video}.readyState"), lambda r: r >= 1) >= 1
    # Switch to English, stop at 3 s: the English cue of that moment becomes active.
    page.evaluate(
        f"() => {{ const v = {video}; v.pause(); v.textTracks[{fr}].mode = 'disabled';"
        f" v.textTracks[{en}].mode = 'showing'; v.currentTime = 3.0; }}"
    )
    expected = next(
        "\n".join(c.lines)
        for c in read_subtitles(SUBTITLES / "clean_en.vtt").cues
        if c.start_s <= 3.0 < c.end_s
    )
    active = poll(
        lambda: page.evaluate(
            f"() => [...({video}.textTracks[{en}].activeCues || [])].map(c => c.text)"
        ),
        lambda cues: bool(cues),
    )
    assert active == [expected]
    french = page.evaluate(f"() => {video}.textTracks[{fr}].mode")
    assert french == "disabled"
    player.scroll_into_view_if_needed()
    screenshot(page, "versions-pitch-room-en-track-1366")
    context.close()
