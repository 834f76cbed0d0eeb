"""A curator edits a season in Chromium: a film moved between episodes, the season's rules
re-checked on the page at once (htmx), the whole season reverted from its history; then the
season shared, opened by its recipient and answered. Screenshots of the season in French and
English at 1366 and 390 px (test-artifacts/screenshots/seasons-*.png), without sideways
scroll."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session, select

from catalog import seasons as stored
from catalog.models import SeasonAnswer, UserRole
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from tests.web import test_seasons as seasons_tests
from tests.web.test_one_language import leaks
from web import database


def make_season(app: Flask) -> tuple[int, list[int]]:
    """A 3-episode 22-minute season from six regions; its id and its episodes' bundle ids."""
    with app.app_context():
        engine = database.engine()
        labels = ("Territoires en six regards", "Territories in six gazes", "Regards", "Gazes")
        season_id = seasons_tests.make_season(engine, labels)
        with Session(engine) as session:
            return season_id, [b.id or 0 for b in stored.episodes(session, season_id)]


def rule_state(page: Any, code: str) -> str:
    return str(page.locator(f"tr[data-rule={code}]").inner_text())


def test_a_season_edited_with_its_rules_rechecked_then_shared_and_answered(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    season_id, bundles = make_season(app)
    add_account(app, "claire@festival.example", UserRole.curator, "Claire Roy")
    page = open_as(browser, base, "claire@festival.example", 1366)
    season_page = f"{base}/atelier/saisons/{season_id}"
    page.goto(season_page)
    assert page.locator("article.episode").count() == 3
    assert "✓" in rule_state(page, "episode_rules")

    # Move episode 1's second film to episode 2: both episodes break their rules, live.
    first = page.locator("article.episode").nth(0)
    film = first.locator("li.item").nth(1)
    title = film.locator(".title a").inner_text()
    film.locator("select[name=target]").select_option(str(bundles[1]))
    film.get_by_role("button", name="Déplacer").click()
    page.locator("tr[data-rule=episode_rules].broken").wait_for()
    assert "1, 2" in rule_state(page, "episode_rules")
    assert (
        page.locator("article.episode").nth(1).locator("li.item .title", has_text=title).count()
        == 1
    )
    assert page.locator("article.episode").nth(0).locator("li.item").count() == 1
    screenshot(page, "seasons-moved-fr-1366")

    # Back to how the season was proposed, from its history (its oldest entry).
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".season-history li").last.get_by_role("button").click()
    page.locator("tr[data-rule=episode_rules].kept").wait_for()
    assert page.locator("article.episode").nth(0).locator("li.item").count() == 2

    for width in (1366, 390):
        viewer = page if width == 1366 else open_as(browser, base, "claire@festival.example", width)
        viewer.goto(season_page)
        for lang in ("fr", "en"):
            if lang == "en":
                viewer.locator("header form button", has_text="English").click()
                viewer.locator("html[lang=en]").wait_for(state="attached")
                data = ["Territories in six gazes", "territoire"]
                found = leaks(viewer.url, viewer.content(), data, "en")
                assert found == [], "\n".join(map(str, found))
            assert page_width(viewer) <= width, f"{lang} {width}: the page scrolls sideways"
            screenshot(viewer, f"seasons-{lang}-{width}")
            viewer.goto(f"{base}/atelier/saisons/")
            assert page_width(viewer) <= width, f"{lang} {width}: the list scrolls sideways"
            screenshot(viewer, f"seasons-index-{lang}-{width}")
            viewer.goto(season_page)
        viewer.locator("header form button", has_text="Français").click()
        viewer.locator("html[lang=fr]").wait_for(state="attached")
        if viewer is not page:
            viewer.context.close()

    # Share the whole season with one person; their season link opens every episode.
    page.goto(f"{season_page}/partages")
    page.get_by_label("Personnes, une par ligne").fill("Ana Roy <ana@tq.example>")
    page.get_by_role("button", name="Partager les 3 épisodes").click()
    link = page.locator(".season-links.created input").first.input_value()
    assert "/pitch/saisons/lien/" in link
    buyer = browser.new_context(locale="fr-CA", viewport={"width": 390, "height": 900})
    pitch = buyer.new_page()
    pitch.goto(link)
    assert pitch.locator(".episodes-list > li").count() == 3
    pitch.get_by_label("Intéressé").check()
    pitch.get_by_label("Commentaire (facultatif)").fill("La saison entière nous intéresse.")
    pitch.get_by_role("button", name="Envoyer ma réponse").click()
    pitch.get_by_text("Réponse enregistrée : Intéressé").wait_for()
    assert page_width(pitch) <= 390
    screenshot(pitch, "seasons-pitch-fr-390")
    pitch.locator(".episodes-list a").first.click()
    pitch.locator("h1", has_text="Regards 1").wait_for()
    buyer.close()
    with app.app_context(), Session(database.engine()) as session:
        answer = session.exec(select(SeasonAnswer)).one()
        assert answer.verdict == "interested"
    page.goto(f"{season_page}/partages")
    assert "La saison entière nous intéresse." in page.content()
    screenshot(page, "seasons-shares-fr-1366")
    page.context.close()
