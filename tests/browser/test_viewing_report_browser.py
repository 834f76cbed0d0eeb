"""A curator reads a shared bundle's viewing report in a real browser, at a laptop's and a
phone's width, in French and English; reminds someone who never opened it (no mail server:
the page gives the link to send by hand) and downloads the CSV. Screenshots:
test-artifacts/screenshots/viewing-report-<lang>-<width>.png."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from playwright.sync_api import expect
from sqlmodel import Session

from catalog import sharing
from catalog.models import ShareLink, UserRole, Verdict, utcnow
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from tests.catalog.test_viewing_report import add_viewing, make_bundle
from web import database

CURATOR = "programmation@test.anthologie"
PHONE, LAPTOP = 390, 1366
TITLES = (
    "Les grands vents",
    "Rivière-aux-Rats, chronique d'un hiver sans fin",
    "Le passeur de Rimouski-Matane-Sainte-Anne-des-Monts",
)


def shared_bundle(app: Flask) -> tuple[int, dict[str, int]]:
    """Three films shared with four recipients: one watched and answered, one opened only,
    one never opened, one whose link expired."""
    with app.app_context(), Session(database.engine()) as session:
        bundle_id, films = make_bundle(session, titles=TITLES)
        ids: dict[str, int] = {}
        for name, email, organisation, days in (
            ("Ana Tremblay", "ana@tele-nord.test", "Télé-Nord", 14),
            ("Bruno Gagnon", "bruno@radio-est.test", "Radio-Est", 14),
            ("Carla Roy", "carla@canal-sud.test", "Canal Sud", 14),
            ("Denis Côté", "", "", -1),
        ):
            share = ShareLink(
                bundle_id=bundle_id,
                recipient_name=name,
                recipient_email=email,
                recipient_organisation=organisation,
                expires_at=utcnow() + timedelta(days=days),
            )
            session.add(share)
            session.flush()
            assert share.id is not None
            ids[name.split()[0]] = share.id
        # What the player and the answer form leave behind (their own tests cover them).
        for film, plays, watched, length in ((films[0], 2, 52.0, 60.0), (films[1], 1, 20.0, 90.0)):
            add_viewing(session, ids["Ana"], bundle_id, film, plays, watched, length)
        sharing.answer(
            session, bundle_id, Verdict.interested, "Pour la case d'automne", share_id=ids["Ana"]
        )
        sharing.answer(
            session, bundle_id, Verdict.pass_, "Trop long", film_id=films[2], share_id=ids["Ana"]
        )
        session.commit()
        return bundle_id, ids


def open_link(browser: Any, base: str, app: Flask, share_id: int) -> None:
    """The recipient opens their own link in their own browser."""
    from web.access import link_token

    with app.test_request_context():
        token = link_token(share_id)
    context = browser.new_context(locale="fr-CA")
    page = context.new_page()
    page.goto(f"{base}/pitch/lien/{token}")
    assert page.locator("h1").count() >= 1
    context.close()


def test_a_curator_reads_the_report_reminds_and_exports(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    add_account(app, CURATOR, UserRole.curator)
    bundle_id, ids = shared_bundle(app)
    open_link(browser, base, app, ids["Ana"])
    open_link(browser, base, app, ids["Bruno"])
    report = f"{base}/pitch/anthologies/{bundle_id}/rapport"

    page = open_as(browser, base, CURATOR, LAPTOP)
    # From the share page to the report.
    page.goto(f"{base}/pitch/anthologies/{bundle_id}/partages")
    page.get_by_role("link", name="Rapport de visionnage").click()
    page.wait_for_url(report)
    ana_row = page.locator(f"#destinataire-{ids['Ana']}")
    assert "0:52 vues sur 1:00 (87 %)" in ana_row.inner_text()
    assert "Intéressé" in ana_row.inner_text() and "On passe" in ana_row.inner_text()
    assert "Carla Roy" in page.locator("#jamais-ouvert").inner_text()
    assert "Bruno Gagnon" in page.locator("#sans-reponse").inner_text()
    assert "lien expiré" in page.locator("#jamais-ouvert").inner_text()

    # Remind Carla: no mail server here, so the link comes back to be sent by hand.
    page.get_by_role("button", name="Relancer Carla Roy").click()
    page.locator("#relances").wait_for()
    copied = page.locator(f"#lien-{ids['Carla']}").input_value()
    assert copied.startswith(f"{base}/pitch/lien/")
    page.locator("#relances").get_by_role("button", name="Copier").click()
    status = page.locator("#relances .copy-status")
    expect(status).not_to_be_empty()
    assert "relancé·e le" in page.locator(f"#suivi-{ids['Carla']}").inner_text()
    screenshot(page, "viewing-report-reminded-fr-1366")

    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 4 * 4 and {r["recipient"] for r in rows} >= {"Ana Tremblay", "Carla Roy"}

    too_wide = []
    for lang in ("fr", "en"):
        if lang == "en":
            page.get_by_role("button", name="English").click()
            page.wait_for_selector("html[lang=en]")
        for width in (LAPTOP, PHONE):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(report)
            if page_width(page) > width:
                too_wide.append(f"{lang} {width}: {page_width(page)} px")
            screenshot(page, f"viewing-report-{lang}-{width}")
    assert "Never opened" in page.locator("#jamais-ouvert").inner_text()
    # On the phone, in English: remind Bruno, who opened the page but did not answer.
    page.get_by_role("button", name="Remind Bruno Gagnon").click()
    page.locator("#relances").wait_for()
    assert "send the link by hand to Bruno Gagnon" in page.locator("#relances").inner_text()
    if page_width(page) > PHONE:
        too_wide.append(f"en {PHONE} after a reminder: {page_width(page)} px")
    screenshot(page, "viewing-report-reminded-en-390")
    assert too_wide == [], too_wide
