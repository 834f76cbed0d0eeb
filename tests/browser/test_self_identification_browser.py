"""A filmmaker reads why the submission form asks for a voluntary self-identification, answers
it with consent in a real Chromium, finds on the submission's page only a way to withdraw it,
and withdraws it. Screenshots of the section in French and English, at 1366 and 390 px wide
(test-artifacts/screenshots/self-identification-*)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlmodel import Session, select

from catalog.models import SelfIdentification, UserRole
from tests.browser.conftest import ARTIFACTS, add_account, open_as, page_width, screenshot
from web import database

EMAIL = "cineaste@test.anthologie"
WORDS = {
    "fr": ("Auto-identification volontaire", "Pourquoi nous les posons", "Femme", "Oui"),
    "en": ("Voluntary self-identification", "Why we ask", "Woman", "Yes"),
}


def kept(app: Flask) -> list[SelfIdentification]:
    with app.app_context(), Session(database.engine()) as session:
        return list(session.exec(select(SelfIdentification)).all())


def to_english(page: Any) -> None:
    page.locator("header form button", has_text="English").click()
    page.locator("html[lang=en]").wait_for(state="attached")


def test_the_section_reads_well_and_its_answers_can_be_withdrawn(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    add_account(app, EMAIL, UserRole.filmmaker)
    for width in (1366, 390):
        for lang in ("fr", "en"):
            page = open_as(browser, base, EMAIL, width)
            if lang == "en":
                to_english(page)
            page.goto(f"{base}/soumissions/nouvelle")
            section = page.locator("#self-identification")
            section.scroll_into_view_if_needed()
            legend, why, woman, yes = WORDS[lang]
            expect(section.locator("legend").first).to_have_text(legend)
            expect(section).to_contain_text(why)
            expect(section.get_by_label(yes, exact=True)).to_have_count(2)
            assert page_width(page) <= width, (lang, width)
            # Each choice is a label one can click, and the consent box starts unticked.
            consent = section.locator("#f-sid_consent")
            expect(consent).not_to_be_checked()
            section.get_by_label(woman, exact=True).check()
            section.locator("input[name=sid_first_film][value=yes]").check()
            consent.check()
            section.screenshot(path=str(ARTIFACTS / f"self-identification-{lang}-{width}.png"))
            screenshot(page, f"self-identification-form-{lang}-{width}")
            page.context.close()

    # The journey, once: submit with consent, see only a way to withdraw, withdraw.
    page = open_as(browser, base, EMAIL, 1366)
    page.goto(f"{base}/soumissions/nouvelle")
    page.get_by_label("Titre original").fill("Nutashkuan")
    section = page.locator("#self-identification")
    section.get_by_label("Femme", exact=True).check()
    section.locator("input[name=sid_indigenous][value=yes]").check()
    section.get_by_label("Nation ou communauté").fill("Innus de Nutashkuan")
    section.get_by_label("J'accepte que ces réponses soient conservées").check()
    page.locator("form.film-form button[type=submit]").click()
    page.wait_for_url(lambda url: "/nouvelle" not in url)
    [row] = kept(app)
    assert (row.director_gender, row.indigenous, row.first_film) == ("woman", True, None)
    detail = page.locator("main")
    expect(detail).to_contain_text("Retirer mes réponses")
    expect(detail).not_to_contain_text("Innus de Nutashkuan")
    screenshot(page, "self-identification-kept-fr-1366")
    page.get_by_role("button", name="Retirer mes réponses").click()
    expect(detail).to_contain_text("Vos réponses d'auto-identification sont effacées.")
    assert kept(app) == []
    expect(page.get_by_role("button", name="Retirer mes réponses")).to_have_count(0)
    page.context.close()
