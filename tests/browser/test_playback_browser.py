"""The pitch player in Chromium: a recipient opens their link, clicks play, their watermarked
copy plays (its time advances), what they watched reaches the viewing record, and past the
link's view cap the player says so in the recipient's language. Screenshots:
test-artifacts/screenshots/playback-*.png (French and English, 1366 and 390 px)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from catalog.models import ShareLink, Viewing, utcnow
from tests.browser.conftest import page_width, screenshot
from tests.browser.pitchfilms import bundle_with_previews
from tests.polling import poll
from web import database
from web.access import link_token


@pytest.fixture
def pitch(live_app: tuple[Flask, str], tmp_path: Path) -> dict[str, Any]:
    """A bundle of two films with real previews and poster frames, shared with Julie (French,
    two plays per film) and Mark (English, one play per film)."""
    app, base = live_app
    bundle_id, film_ids = bundle_with_previews(app)
    with app.app_context(), Session(database.engine()) as session:
        shares = {}
        for name, language, cap in (("Julie Tremblay", "fr", 2), ("Mark Evans", "en", 1)):
            share = ShareLink(
                bundle_id=bundle_id,
                recipient_name=name,
                recipient_organisation="Télé-Québec" if language == "fr" else "CBC",
                recipient_language=language,
                expires_at=utcnow() + timedelta(days=7),
                view_cap=cap,
            )
            session.add(share)
            session.flush()
            shares[language] = share.id
        session.commit()
        with app.test_request_context():
            links = {lang: f"{base}/pitch/lien/{link_token(i or 0)}" for lang, i in shares.items()}
        return {"app": app, "links": links, "shares": shares, "film_id": film_ids[0]}


def new_page(browser: Any, width: int) -> Any:
    context = browser.new_context(locale="fr-CA", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # a first play may wait for its watermarked copy
    return page


def viewing(app: Flask, share_id: int, film_id: int) -> Viewing | None:
    with app.app_context(), Session(database.engine()) as session:
        return session.exec(
            select(Viewing).where(Viewing.share_id == share_id, Viewing.film_id == film_id)
        ).first()


VIDEO_STATE = """() => {
  const v = document.querySelector('.film-card .player video');
  return {src: v.currentSrc, ready: v.readyState, time: v.currentTime, paused: v.paused};
}"""


@pytest.mark.parametrize("width", [1366, 390])
def test_a_recipient_plays_their_copy_and_what_they_watched_is_kept(
    browser: Any, pitch: dict[str, Any], width: int
) -> None:
    app, film_id, share_id = pitch["app"], pitch["film_id"], pitch["shares"]["fr"]
    page = new_page(browser, width)
    page.goto(pitch["links"]["fr"])
    player = page.locator(".film-card .player").first
    button = player.locator(".play-button")
    button.wait_for()
    assert button.is_visible() and "Lire l'extrait" in button.inner_text()
    poster = player.locator("video").get_attribute("poster") or ""
    assert "/poster" in poster
    assert page.evaluate("document.querySelector('.film-card .player video').currentSrc") == ""
    assert page_width(page) <= width
    screenshot(page, f"playback-fr-{width}-before")
    button.click()
    state = poll(lambda: page.evaluate(VIDEO_STATE), lambda s: s["time"] > 1.5)
    assert "/media/t/" in state["src"], "the recipient's own ticket, not the clean preview"
    assert state["ready"] >= 2 and state["time"] > 1.5
    page.evaluate("document.querySelector('.film-card .player video').pause()")
    row = poll(
        lambda: viewing(app, share_id, film_id), lambda r: r is not None and r.watched_seconds > 1
    )
    assert row is not None and row.plays == 1 and row.watched_seconds > 1
    assert row.watched[0][0] < 0.5, "played from the start"
    player.scroll_into_view_if_needed()
    screenshot(page, f"playback-fr-{width}")
    page.context.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_past_the_view_cap_the_player_says_so_in_english(
    browser: Any, pitch: dict[str, Any], width: int
) -> None:
    page = new_page(browser, width)
    page.goto(pitch["links"]["en"])
    player = page.locator(".film-card .player").first
    player.locator(".play-button").click()
    poll(lambda: page.evaluate(VIDEO_STATE), lambda s: s["time"] > 0.5)
    page.evaluate("document.querySelector('.film-card .player video').pause()")
    page.reload()
    player = page.locator(".film-card .player").first
    player.locator(".play-button").click()
    message = player.locator(".player-message")
    message.wait_for()
    assert message.inner_text() == "Limit of 1 play reached for this film"
    assert page.evaluate(VIDEO_STATE)["src"] == ""
    row = viewing(pitch["app"], pitch["shares"]["en"], pitch["film_id"])
    assert row is not None and row.plays == 1
    assert page_width(page) <= width
    player.scroll_into_view_if_needed()
    screenshot(page, f"playback-en-{width}-cap")
    page.context.close()
