"""Two curators judge a submission in real browsers: curator A opens the inbox from the
navigation's badge and scores 4 with a note; curator B, on a phone, scores 2, sees A's
score and note and the average 3, and accepts the film with a message, which the filmmaker
reads without ever seeing the scores. Pages are saved as screenshots in French and English
at 1366 and 390 px (test-artifacts/screenshots/desk-inbox-*.png)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from catalog.models import Credit, Film, Review, Role, Status, UserRole, utcnow
from tests.browser.conftest import add_account, open_as, screenshot
from web import database

PHONE, LAPTOP = 390, 1366
TITLE = "Le passeur de Rimouski"
NOTE_A = "Belle lumière d'hiver; le son du fleuve porte le film."
NOTE_B = "Trop long pour une case de 22 minutes."


def submission(app: Flask, title: str, owner: int, days_ago: int, director: str) -> int:
    """A film as the submission form leaves it: submitted, owned by its filmmaker."""
    with app.app_context(), Session(database.engine()) as session:
        film = Film(
            original_title=title,
            match_key=title.lower(),
            status=Status.submitted,
            owner_id=owner,
            runtime_seconds=14 * 60 + 30,
            region_code="01",
            municipality="Rimouski",
            synopsis_fr="Un passeur raconte l'hiver sur le fleuve.",
            created_at=utcnow() - timedelta(days=days_ago),
        )
        film.credits = [Credit(role=Role.director, position=0, name=director)]  # type: ignore[call-arg]
        session.add(film)
        session.commit()
        assert film.id is not None
        return film.id


def fits(page: Any, width: int) -> None:
    """Nothing runs off the side of the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def inbox_link(page: Any) -> Any:
    return page.get_by_role("link", name=re.compile(r"^(Boîte de réception|Inbox)"))


def score(page: Any, value: int, note: str, saved: str) -> None:
    panel = page.locator("#jugement")
    panel.get_by_role("radio", name=str(value), exact=True).check()
    panel.get_by_label(re.compile("Vos notes privées|Your private notes")).fill(note)
    panel.get_by_role("button", name=re.compile("ma note|my score")).click()
    # The panel is swapped in place (htmx): the confirmation appears inside it.
    page.locator("#jugement [role=status]", has_text=saved).wait_for()


@pytest.fixture
def desk(live_app: tuple[Flask, str]) -> dict[str, Any]:
    app, base = live_app
    app.config["EMBED_NEW_FILMS"] = False  # accepting would otherwise embed with the model
    filmmaker = add_account(app, "cineaste@test.anthologie", UserRole.filmmaker, "Marie Côté")
    ana = add_account(app, "ana@test.anthologie", UserRole.curator, "Ana Lavoie")
    bruno = add_account(app, "bruno@test.anthologie", UserRole.curator, "Bruno Tremblay")
    submission(app, "Les battures", filmmaker, 6, "Paul Roy")
    submission(app, "Neige de mars", filmmaker, 3, "Léa Gagnon")
    film_id = submission(app, TITLE, filmmaker, 0, "Marie Côté")
    return {"app": app, "base": base, "film": film_id, "ana": ana, "bruno": bruno}


def test_two_curators_score_a_submission_and_one_accepts_it(
    desk: dict[str, Any], browser: Any
) -> None:
    app, base, film_id = desk["app"], desk["base"], desk["film"]

    # Curator A, on a laptop: the badge says 3; the inbox lists the newest first.
    ana = open_as(browser, base, "ana@test.anthologie", LAPTOP)
    link = inbox_link(ana)
    assert link.locator(".badge").inner_text() == "3"
    assert link.get_attribute("aria-label") == "Boîte de réception : 3 soumissions en attente"
    link.click()
    ana.wait_for_url(f"{base}/soumissions/boite")
    titles = ana.locator("table.inbox td.title").all_inner_texts()
    assert titles == [TITLE, "Neige de mars", "Les battures"]
    first = ana.locator("table.inbox tbody tr").first.inner_text()
    assert "Marie Côté" in first and "14:30" in first and "pas encore" in first
    fits(ana, LAPTOP)
    screenshot(ana, "desk-inbox-inbox-fr-1366")
    ana.get_by_role("link", name=f"Juger {TITLE}").click()
    ana.locator("#jugement").wait_for()
    assert "Aucune note pour l'instant." in ana.locator("#jugement").inner_text()
    score(ana, 4, NOTE_A, "Votre note est enregistrée.")
    panel = ana.locator("#jugement").inner_text()
    assert "Ana Lavoie (vous)" in panel and "4/5" in panel and NOTE_A in panel
    assert "Moyenne : 4,0 / 5" in panel

    # Curator B, on a phone: the menu folds, the badge stays on its button.
    bruno = open_as(browser, base, "bruno@test.anthologie", PHONE)
    menu = bruno.get_by_role("button", name=re.compile("Menu"))
    menu.click()
    inbox_link(bruno).click()
    bruno.wait_for_url(f"{base}/soumissions/boite")
    row = bruno.locator("table.inbox tbody tr").first
    assert "4,0" in row.inner_text() and "(1 note)" in row.inner_text()
    fits(bruno, PHONE)
    screenshot(bruno, "desk-inbox-inbox-fr-390")
    row.get_by_role("link", name=f"Juger {TITLE}").click()
    bruno.locator("#jugement").wait_for()
    score(bruno, 2, NOTE_B, "Votre note est enregistrée.")
    panel = bruno.locator("#jugement").inner_text()
    assert "Ana Lavoie" in panel and "4/5" in panel and NOTE_A in panel
    assert "Bruno Tremblay (vous)" in panel and "2/5" in panel
    assert "Moyenne : 3,0 / 5" in panel and "2 notes" in panel
    bruno.locator("#jugement").scroll_into_view_if_needed()
    fits(bruno, PHONE)
    screenshot(bruno, "desk-inbox-judging-fr-390")

    # A sees B's score and the average on reloading the film's page.
    ana.reload()
    panel = ana.locator("#jugement").inner_text()
    assert "Bruno Tremblay" in panel and NOTE_B in panel and "Moyenne : 3,0 / 5" in panel
    screenshot(ana, "desk-inbox-judging-fr-1366")

    # B accepts with a message, as before: the badge drops to 2.
    bruno.get_by_label("Message au cinéaste").fill("Bienvenue au catalogue!")
    bruno.get_by_role("button", name="Accepter").click()
    bruno.wait_for_selector("text=Décision enregistrée.")
    with app.app_context(), Session(database.engine()) as session:
        film = session.get(Film, film_id)
        assert film is not None and film.status == Status.accepted
        reviews = session.exec(select(Review).where(Review.film_id == film_id)).all()
        assert sorted((r.user_id, r.score) for r in reviews) == sorted(
            [(desk["ana"], 4), (desk["bruno"], 2)]
        )
    ana.goto(f"{base}/soumissions/boite")
    assert inbox_link(ana).locator(".badge").inner_text() == "2"
    assert TITLE not in ana.locator("table.inbox").inner_text()

    # The same pages in English, at both widths.
    for page, width in ((ana, LAPTOP), (bruno, PHONE)):
        if width == PHONE:
            page.get_by_role("button", name=re.compile("Menu")).click()
        page.get_by_role("button", name="English").click()
        page.locator("html[lang=en]").wait_for(state="attached")
        page.goto(f"{base}/soumissions/boite")
        assert page.locator("h1").inner_text() == "Inbox"
        assert "2 submissions await a decision." in page.locator("main").inner_text()
        fits(page, width)
        screenshot(page, f"desk-inbox-inbox-en-{width}")
        page.goto(f"{base}/catalogue/films/{film_id}#jugement")
        panel = page.locator("#jugement").inner_text()
        assert "Average: 3.0 / 5" in panel and "2 scores" in panel
        assert "Moyenne" not in panel and "Votre note" not in panel
        fits(page, width)
        screenshot(page, f"desk-inbox-judging-en-{width}")

    # The filmmaker reads the message and never a score or a note.
    marie = open_as(browser, base, "cineaste@test.anthologie", PHONE)
    marie.goto(f"{base}/soumissions/{film_id}")
    text = marie.locator("body").inner_text()
    assert "Bienvenue au catalogue!" in text
    for secret in (NOTE_A, NOTE_B, "Ana Lavoie", "Bruno Tremblay", "4/5", "2/5", "Moyenne"):
        assert secret not in text
    assert inbox_link(marie).count() == 0
