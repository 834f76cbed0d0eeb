"""A making-of clip plays in the pitch room (Chromium): a recipient opens their private link,
the film's making-of, still and teacher's guide sit beside it, and the clip plays from their
own watermarked copy through a media ticket (its time advances). A curator adds a still from
the film's page. Screenshots: test-artifacts/screenshots/promo-*.png (French and English,
1366 and 390 px)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from catalog.models import ShareLink, UserRole, utcnow
from tests.browser.conftest import add_account, log_in, page_width, screenshot
from tests.browser.pitchfilms import bundle_with_previews
from tests.polling import poll
from tests.promofiles import PromoFiles, attach_all, promo_files
from web import database
from web.access import link_token


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> PromoFiles:
    return promo_files(tmp_path_factory.mktemp("promo"))


@pytest.fixture
def pitch(live_app: tuple[Flask, str], files: PromoFiles) -> dict[str, Any]:
    """« Le fleuve », its first film with a making-of, a still and a teacher's guide, shared
    with Julie (French) and Mark (English)."""
    app, base = live_app
    bundle_id, film_ids = bundle_with_previews(app)
    attach_all(app, film_ids[0], files)
    with app.app_context(), Session(database.engine()) as session:
        shares = {}
        for name, language in (("Julie Tremblay", "fr"), ("Mark Evans", "en")):
            share = ShareLink(
                bundle_id=bundle_id,
                recipient_name=name,
                recipient_organisation="Télé-Québec" if language == "fr" else "CBC",
                recipient_language=language,
                expires_at=utcnow() + timedelta(days=7),
            )
            session.add(share)
            session.flush()
            shares[language] = share.id or 0
        session.commit()
        with app.test_request_context():
            links = {lang: f"{base}/pitch/lien/{link_token(i)}" for lang, i in shares.items()}
    return {"app": app, "base": base, "links": links, "film_id": film_ids[0]}


CLIP = """() => {
  const v = document.querySelector('.pitch-promo li[data-kind="making_of"] video');
  return {src: v.currentSrc, time: v.currentTime, paused: v.paused, error: v.error && v.error.code};
}"""
STILL = """() => {
  const i = document.querySelector('.pitch-promo li[data-kind="still"] img');
  return {src: i.currentSrc, width: i.naturalWidth, complete: i.complete};
}"""


@pytest.mark.parametrize(("lang", "width"), [("fr", 1366), ("fr", 390), ("en", 1366), ("en", 390)])
def test_a_making_of_clip_plays_in_the_pitch_room(
    browser: Any, pitch: dict[str, Any], lang: str, width: int
) -> None:
    context = browser.new_context(locale="fr-CA", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)  # a first play waits for the recipient's copy
    page.goto(pitch["links"][lang])
    section = page.locator(".pitch-promo").first
    section.wait_for()
    heading = "Autour du film" if lang == "fr" else "Around the film"
    assert section.locator("h3").inner_text() == heading
    making_of = section.locator('li[data-kind="making_of"]')
    caption = making_of.locator("figcaption").inner_text()
    assert caption.startswith("Making-of · français" if lang == "fr" else "Making-of · French")
    assert "Au tournage à Kamouraska" in caption and "0:04" in caption
    guide = section.locator('li[data-kind="teacher_guide"] a')
    assert ("Guide pédagogique" if lang == "fr" else "Teacher's guide") in guide.inner_text()
    assert "/media/t/" in (guide.get_attribute("href") or "")
    still = poll(lambda: page.evaluate(STILL), lambda s: s["complete"] and s["width"] > 0)
    assert "/media/t/" in still["src"] and still["width"] == 640, "the recipient's own copy"
    assert page_width(page) <= width, "no sideways scroll"

    making_of.scroll_into_view_if_needed()
    video = making_of.locator("video")
    video.click()  # the user's gesture; native controls start the clip
    state = poll(lambda: page.evaluate(CLIP), lambda s: not s["paused"] or s["error"], 10)
    if state["paused"] and not state["error"]:
        page.evaluate("document.querySelector('.pitch-promo video').play()")
    state = poll(lambda: page.evaluate(CLIP), lambda s: s["time"] > 1.0 or s["error"])
    assert state["error"] is None and state["time"] > 1.0, state
    assert "/media/t/" in state["src"], "played through a ticket, not a file path"
    page.evaluate("document.querySelector('.pitch-promo video').pause()")
    screenshot(page, f"promo-pitch-{lang}-{width}")
    context.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_a_curator_adds_a_still_on_the_films_page(
    browser: Any, pitch: dict[str, Any], files: PromoFiles, width: int
) -> None:
    app, base = pitch["app"], pitch["base"]
    add_account(app, "curator@test.anthologie", UserRole.curator)
    context = browser.new_context(locale="fr-CA", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in(page, base, "curator@test.anthologie")
    page.goto(f"{base}/catalogue/films/{pitch['film_id']}#promotion")
    panel = page.locator("#promotion")
    assert panel.locator(".promo-item").count() == 3
    panel.get_by_label("Genre").select_option("set_photo")
    panel.get_by_label("Titre").fill("L'équipe sur la grève")
    panel.get_by_label("Fichier (vidéo, image ou PDF)").set_input_files(str(files.still))
    panel.locator("button[type=submit]", has_text="Verser").click()
    page.wait_for_load_state()
    items = page.locator("#promotion .promo-item")
    assert items.count() == 4
    assert "Photo de tournage" in items.nth(3).inner_text()
    assert items.nth(0).get_by_role("button", name="Monter").count() == 0
    items.nth(3).get_by_role("button", name="Monter").click()
    page.wait_for_load_state()
    assert "Photo de tournage" in page.locator("#promotion .promo-item").nth(2).inner_text()
    assert page_width(page) <= width
    page.locator("#promotion").scroll_into_view_if_needed()
    screenshot(page, f"promo-film-page-fr-{width}")
    context.close()
