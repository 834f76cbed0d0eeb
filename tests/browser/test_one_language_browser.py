"""One language per page, in Chromium: a filmmaker's form sent with mistakes says every error
in the page's language (French by default, English after the header's switch), and a
broadcaster reading a pitch in French sees the English synopsis of a film told only in
English marked "(en anglais)". What the browser shows is checked with the word lists of
tests/web/test_one_language.py; screenshots in French and English at 1366 and 390 px
(test-artifacts/screenshots/one-language-*.png)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from sqlmodel import Session

from catalog import sharing
from catalog.models import Bundle, BundleItem, Film, UserRole, utcnow
from tests.browser.conftest import add_account, open_as, screenshot
from tests.web.test_one_language import leaks
from web import database

MISTAKES = {"runtime": "douze minutes", "year": "deux mille", "contact_email": "pas-un-courriel"}
ERRORS = {
    "fr": ("« douze minutes » n'est pas une durée", "« deux mille » n'est pas un nombre entier"),
    "en": ("“douze minutes” is not a duration", "“deux mille” is not a whole number"),
}
ENGLISH_ONLY = "A ferryman tells of winter on the river, in his own words."


def switch_to_english(page: Any) -> None:
    page.locator("header form button", has_text="English").click()
    page.locator("html[lang=en]").wait_for(state="attached")


def in_one_language(page: Any, lang: str, data: list[str]) -> None:
    found = leaks(page.url, page.content(), data, lang)
    assert found == [], "\n".join(map(str, found))


def test_a_form_sent_with_mistakes_answers_in_the_page_s_language(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    add_account(app, "cineaste@exemple.ca", UserRole.filmmaker, "Filmmaker")
    typed = ["Aube sur le fleuve", *MISTAKES.values(), "Filmmaker"]
    for width in (1366, 390):
        page = open_as(browser, base, "cineaste@exemple.ca", width)
        for lang in ("fr", "en"):
            page.goto(f"{base}/soumissions/nouvelle")
            if lang == "en":
                switch_to_english(page)
            page.locator("#f-original_title").fill("Aube sur le fleuve")
            for name, value in MISTAKES.items():
                page.locator(f"#f-{name}").fill(value)
            page.locator("main form.film-form button[type=submit]").last.click()
            page.locator("#e-runtime").wait_for()
            shown = page.locator("main").inner_text()
            for message in ERRORS[lang]:
                assert message in shown
            in_one_language(page, lang, typed)
            page.locator("#f-runtime").scroll_into_view_if_needed()
            screenshot(page, f"one-language-form-errors-{lang}-{width}")
        page.context.close()


def test_a_synopsis_in_the_other_language_is_marked(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    broadcaster = add_account(app, "diffuseur@exemple.ca", UserRole.broadcaster, "Broadcaster")
    with app.app_context(), Session(database.engine()) as session:
        told_in_french = Film(
            original_title="Le passeur",
            match_key="le passeur",
            runtime_seconds=14 * 60,
            region_code="01",
            synopsis_fr="Un passeur raconte l'hiver sur le fleuve.",
            synopsis_en="A ferryman tells of winter on the river.",
        )
        told_in_english = Film(
            original_title="Glace noire",
            match_key="glace noire",
            runtime_seconds=20 * 60,
            region_code="09",
            synopsis_en=ENGLISH_ONLY,
        )
        bundle = Bundle(facet="subject", slot_minutes=44, label="L'hiver", label_en="Winter")
        session.add_all([told_in_french, told_in_english, bundle])
        session.flush()
        bundle.items = [
            BundleItem(film_id=film.id, position=i)  # type: ignore[call-arg]
            for i, film in enumerate((told_in_french, told_in_english))
        ]
        assert bundle.id is not None
        bundle_id = bundle.id
        sharing.share_bundle(
            session,
            bundle_id,
            "Diffuseur",
            utcnow() + timedelta(days=7),
            created_by=None,
            broadcaster_id=broadcaster,
        )
        session.commit()
    data = ["L'hiver", "Winter", "Le passeur", "Glace noire", "Broadcaster", "Diffuseur"]
    data += ["Un passeur raconte l'hiver sur le fleuve."]
    data += ["A ferryman tells of winter on the river.", ENGLISH_ONLY]
    for width in (1366, 390):
        page = open_as(browser, base, "diffuseur@exemple.ca", width)
        for lang, note, own in (
            ("fr", "(en anglais)", "Un passeur raconte l'hiver sur le fleuve."),
            ("en", None, "A ferryman tells of winter on the river."),
        ):
            page.goto(f"{base}/pitch/anthologies/{bundle_id}")
            if lang == "en":
                switch_to_english(page)
            synopsis = page.locator("p.synopsis", has_text=ENGLISH_ONLY)
            assert synopsis.locator("[lang=en]").inner_text() == ENGLISH_ONLY
            if note:
                assert note in synopsis.inner_text()
            else:
                assert synopsis.locator(".other-language").count() == 0
            assert own in page.locator("main").inner_text()
            in_one_language(page, lang, data)
            screenshot(page, f"one-language-pitch-{lang}-{width}")
        page.context.close()
