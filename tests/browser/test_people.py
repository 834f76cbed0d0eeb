"""Crews in a real Chromium: a curator adds a technician with her region in the film form's
crew rows, the film page links her name to her page, and her page lists her films with
roles and regions. Screenshots of the person page and the crew section in French and
English, at 1366 and 390 px wide, none wider than the screen."""

from __future__ import annotations

from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlmodel import Session

from catalog.models import Credit, Film, Role, Status, UserRole
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from web import database


def films(app: Flask) -> int:
    """Two test films; the gaffer worked on the first from Gaspésie. The second's id."""
    with app.app_context(), Session(database.engine()) as session:
        first = Film(original_title="Les Glaces", match_key="glaces", year=2021)
        first.status = Status.accepted
        first.credits = [
            Credit(role=Role.director, name="Lou Bérubé", region_code="01"),
            Credit(role=Role.gaffer, name="Élise Gagnon", region_code="11"),
            Credit(role=Role.sound_recordist, name="Karim Haddad", region_code="06"),
        ]
        second = Film(original_title="Le Quai", match_key="quai", year=2023)
        second.status = Status.accepted
        second.credits = [Credit(role=Role.director, name="Ana Díaz")]
        session.add_all([first, second])
        session.commit()
        assert second.id is not None
        return second.id


def to_english(page: Any) -> None:
    page.locator("header form.lang button").click()
    page.wait_for_load_state()


def test_a_curator_credits_a_technician_who_then_has_her_page(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    quai = films(app)
    add_account(app, "prog@test.anthologie", UserRole.curator)

    page = open_as(browser, base, "prog@test.anthologie", 1366)
    page.goto(f"{base}/catalogue/films/{quai}/modifier")
    rows = page.locator("ol.crew-rows > li")
    expect(rows).to_have_count(3)  # no crew yet: three empty rows
    rows.nth(0).get_by_label("Rôle").select_option(label="Chef électricien")
    rows.nth(0).get_by_label("Nom").fill("Elise Gagnon")
    rows.nth(0).get_by_label("Région de la personne").select_option("03")
    rows.nth(1).get_by_label("Rôle").select_option(label="Colorisation")
    rows.nth(1).get_by_label("Nom").fill("Rémi Roy")
    page.locator("form.film-form button[type=submit]").click()
    page.wait_for_url(f"{base}/catalogue/films/{quai}#main")

    # Her name on the film page leads to her page: both films, each role and region.
    page.get_by_role("link", name="Elise Gagnon").click()
    page.wait_for_url(f"{base}/personnes/elise-gagnon")
    expect(page.locator("h1")).to_have_text("Élise Gagnon")
    expect(page.locator("table.person-films tbody tr")).to_have_count(2)
    expect(page.locator("table.person-films tbody tr").first).to_contain_text("Le Quai")
    expect(page.locator(".person-facts")).to_contain_text("Capitale-Nationale")
    expect(page.locator(".person-facts")).to_contain_text("Gaspésie–Îles-de-la-Madeleine")
    page.context.close()

    for lang in ("fr", "en"):
        for width in (1366, 390):
            page = open_as(browser, base, "prog@test.anthologie", width)
            page.goto(f"{base}/personnes/elise-gagnon")
            if lang == "en":
                to_english(page)
                expect(page.locator(".person-facts")).to_contain_text("Gaffer")
            screenshot(page, f"person-{lang}-{width}")
            assert page_width(page) <= width
            page.goto(f"{base}/catalogue/films/{quai}/modifier")
            crew = page.locator("fieldset", has=page.locator("ol.crew-rows"))
            expect(crew.locator("legend")).to_have_text(
                "Équipe technique" if lang == "fr" else "Crew"
            )
            expect(crew.locator("ol.crew-rows > li")).to_have_count(5)  # two, three empty
            crew.scroll_into_view_if_needed()
            crew.screenshot(path=str(screenshot(page, f"crew-form-{lang}-{width}")))
            assert page_width(page) <= width
            page.context.close()
