"""The observatory in a real browser, without an account: charts drawn on the server beside
their tables, in French and English, at 1366 and 390 px, nothing wider than the screen."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session, select

from catalog.funding import SAMPLE
from catalog.models import Answer, Bundle, BundleItem, Film, ShareLink, Verdict, utcnow
from tests.browser.conftest import page_width, screenshot
from tests.conftest import SAMPLES
from web import database
from web.usecases import cataloguing
from web.usecases.funding import import_funding


def a_shared_bundle(app: Flask) -> None:
    """Films of Montréal and the Gaspésie proposed and shared; one drew interest."""
    with app.app_context(), Session(database.engine()) as session:
        chosen = [
            *session.exec(select(Film).where(Film.region_code == "11")).all(),
            *session.exec(select(Film).where(Film.region_code == "06").limit(3)).all(),
        ]
        bundle = Bundle(facet="region", slot_minutes=44, label="Essai")
        bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(chosen)]  # type: ignore[call-arg]
        session.add(bundle)
        session.flush()
        session.add(ShareLink(bundle_id=bundle.id, recipient_name="Télé", expires_at=utcnow()))  # type: ignore[arg-type]
        session.add(Answer(bundle_id=bundle.id, film_id=chosen[0].id, verdict=Verdict.interested))  # type: ignore[arg-type]
        session.commit()


def test_the_observatory_reads_without_an_account(
    live_app: tuple[Flask, str], browser: Any
) -> None:
    app, base = live_app
    with app.app_context():
        cataloguing.import_catalog(database.engine(), SAMPLES / "catalog.csv")
        import_funding(database.engine(), SAMPLE)
    a_shared_bundle(app)

    for lang in ("fr", "en"):
        for width in (1366, 390):
            context = browser.new_context(locale="fr-CA", viewport={"width": width, "height": 900})
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{base}/observatoire/")
            if lang == "en":
                page.locator("header form.lang button").click()
                page.get_by_role(
                    "heading", name="Observatory of regional representation"
                ).wait_for()
            main = page.locator("main")
            assert main.locator("svg.chart").count() == 6
            # Each chart's values are on the chart itself, and in the table after it.
            assert main.locator("svg.chart text").count() > 100
            charts_tables = "table.observatory-table:not(.youth-by-region):not(.crew-by-region)"
            assert main.locator(charts_tables).count() == 6
            # Where the crews come from: the demo's directors, whose region no file gives.
            crew = main.locator("table.crew-by-region tbody tr")
            assert crew.count() == 1
            assert crew.first.locator("th").inner_text() == (
                "Région non précisée" if lang == "fr" else "Region not given"
            )
            headline = "Montréal a reçu" if lang == "fr" else "Montréal received"
            assert main.get_by_text(headline).count() == 1
            assert main.locator(".stalled-alert").is_visible()
            screenshot(page, f"observatory-{lang}-{width}")
            assert page_width(page) <= width
            context.close()

    # A filter is a permalink: the form's GET lands on a URL that gives the same view again.
    context = browser.new_context(locale="fr-CA", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/observatoire/")
    page.locator("select[name=forme]").select_option("documentary")
    page.locator("select[name=mesure]").select_option("duree")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**forme=documentary**")
    assert "mesure=duree" in page.url
    assert page.locator("select[name=forme]").input_value() == "documentary"
    assert page.locator("main svg.chart").first.locator("text", has_text=" h ").count() > 0
    screenshot(page, "observatory-fr-1366-documentaries-hours")
    context.close()
