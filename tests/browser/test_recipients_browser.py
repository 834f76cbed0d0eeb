"""A curator shares a bundle with two people in Chromium: one link each, an invitation each at
a real SMTP server, and after leaving the page the link is still there to copy (the clipboard
holds it, and it opens the pitch). Screenshots of the share page in French and English at
1366 and 390 px (test-artifacts/screenshots/recipients-*.png)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

from catalog.models import ShareLink, UserRole
from tests import mailserver
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from tests.mailserver import Inbox
from tests.web.sharedbundle import shared_bundle
from tests.web.test_one_language import leaks
from web import database

# What the curator typed and the catalog holds: not the interface's words.
DATA = ["Julie Tremblay", "Télé-Québec", "Mark Hill", "CBC", "Claire Roy", "Regards croisés"]
PEOPLE = "Julie Tremblay <julie@tq.example>, Télé-Québec\nMark Hill <mark@cbc.example>, CBC"


@pytest.fixture
def mail_server() -> Iterator[Inbox]:
    with mailserver.smtp_server() as inbox:
        yield inbox


def make_bundle(app: Flask) -> int:
    with app.app_context():
        return shared_bundle(database.engine())


def switch_to_english(page: Any) -> None:
    page.locator("header form button", has_text="English").click()
    page.locator("html[lang=en]").wait_for(state="attached")


def test_share_with_two_people_and_copy_a_link_again(
    live_app: tuple[Flask, str], browser: Any, mail_server: Inbox
) -> None:
    app, base = live_app
    app.config.update(mail_server.config)
    bundle_id = make_bundle(app)
    add_account(app, "claire@festival.example", UserRole.curator, "Claire Roy")
    page = open_as(browser, base, "claire@festival.example", 1366)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    share_page = f"{base}/pitch/anthologies/{bundle_id}/partages"

    page.goto(share_page)
    page.get_by_label("Destinataires, une personne par ligne").fill(PEOPLE)
    page.locator("select[name=language]").select_option("en")
    page.locator("input[name=view_cap]").fill("3")
    page.get_by_role("button", name="Créer les liens").click()
    page.get_by_role("heading", name="2 liens créés").wait_for()
    created = [
        page.locator("#created-link").input_value(),
        page.locator(".created input[readonly]").nth(1).input_value(),
    ]
    assert len(set(created)) == 2 and all(
        link.startswith(f"{base}/pitch/lien/") for link in created
    )
    # Both invitations reached the SMTP server, in English, each with its own link.
    assert sorted(m["To"] for m in mail_server.messages) == [
        "Julie Tremblay <julie@tq.example>",
        "Mark Hill <mark@cbc.example>",
    ]
    for address, link in zip(("julie@tq.example", "mark@cbc.example"), created, strict=True):
        [message] = mail_server.to(address)
        assert link in mailserver.body(message, "plain")
        assert message["Subject"] == "“Crossed gazes”: a short-film anthology for you"
    assert page.locator(".created").get_by_text("envoyée le").count() == 2
    screenshot(page, "recipients-created-fr-1366")

    # Later: the curator leaves, comes back, and copies Mark's link again.
    page.goto(f"{base}/catalogue")
    page.goto(share_page)
    with app.app_context(), Session(database.engine()) as session:
        mark = session.exec(select(ShareLink).where(ShareLink.recipient_name == "Mark Hill")).one()
    row = page.locator(f"#share-{mark.id}")
    assert row.locator("input[readonly]").input_value() == created[1]
    row.get_by_role("button", name="Copier").click()
    row.get_by_text("Lien copié.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == created[1]
    # The copied link opens Mark's pitch in a browser with no account.
    stranger = browser.new_context(locale="en-CA")
    pitch = stranger.new_page()
    opened = pitch.goto(created[1])
    assert opened is not None and opened.status == 200
    assert "Crossed gazes" in pitch.content()
    stranger.close()

    # Extend Mark's link by a week from his row.
    row.locator("summary").click()
    row.get_by_label("Prolonger de (jours)").fill("7")
    row.get_by_role("button", name="Prolonger").click()
    page.get_by_text("Lien de Mark Hill prolongé").wait_for()

    for width in (1366, 390):
        viewer = page if width == 1366 else open_as(browser, base, "claire@festival.example", width)
        for lang in ("fr", "en"):
            viewer.goto(share_page)
            if lang == "en":
                switch_to_english(viewer)
                found = leaks(viewer.url, viewer.content(), DATA, "en")
                assert found == [], "\n".join(map(str, found))
            viewer.locator(f"#share-{mark.id} summary").click()
            assert page_width(viewer) <= width, f"{lang} {width}: the page scrolls sideways"
            screenshot(viewer, f"recipients-{lang}-{width}")
            if lang == "en":
                viewer.locator("header form button", has_text="Français").click()
                viewer.locator("html[lang=fr]").wait_for(state="attached")
        if viewer is not page:
            viewer.context.close()

    # Without a mail server the page says the links go by hand; a bad line shares nothing.
    app.config["MAIL_HOST"] = None
    page.goto(share_page)
    page.get_by_label("Destinataires, une personne par ligne").fill("Ana Costa\nmark@cbc.example")
    page.get_by_role("button", name="Créer les liens").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Ligne 2 (« mark@cbc.example ») : écrivez le nom" in alert.inner_text()
    assert "Aucune invitation ne part par courriel" in page.locator(".notice").inner_text()
    screenshot(page, "recipients-errors-no-mail-fr-1366")
    with app.app_context(), Session(database.engine()) as session:
        assert len(session.exec(select(ShareLink)).all()) == 2
    page.context.close()
