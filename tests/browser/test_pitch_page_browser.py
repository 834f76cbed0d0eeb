"""The buyer's pitch page in Chromium, as a recipient opens their link: in the recipient's
language (French, English) at 1366 and 390 px, never wider than the screen, with the running
order, the regions and the cards in sight; and the pages of a mistyped, expired, revoked or
not-yet-open link. Screenshots: test-artifacts/screenshots/pitch-page-*.png."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session, select

import media_tools
from catalog import sharing
from catalog.models import Bundle, BundleItem, Film, Proposal, ShareLink, UserRole, utcnow
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from tests.components import require_component
from tests.conftest import SAMPLES
from web import database
from web.access import link_token
from web.usecases import cataloguing, media

# Four real Québec films from four regions (Montréal among them): 40 min in a 44-min slot.
FILMS = ("qc-0002", "qc-0027", "qc-0039", "qc-0009")


def some_films(path: Path) -> Path:
    with (SAMPLES / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        kept = [row for row in csv.DictReader(handle) if row["external_id"] in FILMS]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(kept[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def links(live_app: tuple[Flask, str], tmp_path: Path) -> dict[str, str]:
    """Links to one bundle: live in French and in English, expired, revoked, not yet open."""
    app, base = live_app
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    curator = add_account(app, "anne@programmation.test", UserRole.curator, "Anne Tremblay")
    with app.app_context():
        engine = database.engine()
        cataloguing.import_catalog(engine, some_films(tmp_path / "films.csv"))
        root = Path(app.config["MEDIA_ROOT"])
        media.give_stand_ins(engine, root, [], pool=1)
        media.analyse_all(engine, root)
        with Session(engine) as session:
            films = {f.external_id: f for f in session.exec(select(Film)).all()}
            rules = {"interstitial_seconds": 15}
            proposal = Proposal(facet="subject", slot_minutes=44, rules=rules)
            session.add(proposal)
            session.flush()
            bundle = Bundle(
                proposal_id=proposal.id,
                facet="subject",
                slot_minutes=44,
                label="Gens de chez nous",
                label_en="Home Folks",
                explanation="4 films : tous des documentaires ; proximité moyenne 0,41.",
                explanation_en="4 films: all documentaries; mean closeness 0.41.",
                pitch_text=(
                    "Quatre portraits de communautés du Québec, des Îles à Montréal : le "
                    "travail, la fête et le voisinage, filmés par l'ONF."
                ),
            )
            bundle.items = [
                BundleItem(film_id=films[key].id, position=i)  # type: ignore[call-arg]
                for i, key in enumerate(FILMS)
            ]
            session.add(bundle)
            session.flush()
            assert bundle.id is not None
            later = utcnow() + timedelta(days=14)
            made: dict[str, ShareLink] = {}
            for name in ("fr", "en", "expired", "revoked", "not_yet"):
                share = sharing.share_bundle(session, bundle.id, name, later, created_by=curator)
                made[name] = share
            made["en"].recipient_language = "en"
            made["expired"].expires_at = utcnow() - timedelta(days=2)
            made["revoked"].revoked_at = utcnow()
            made["revoked"].recipient_language = "en"
            made["not_yet"].starts_at = utcnow() + timedelta(days=3)
            session.add_all(made.values())
            session.commit()
            with app.test_request_context():
                return {
                    name: f"{base}/pitch/lien/{link_token(share.id or 0)}"
                    for name, share in made.items()
                }


def new_page(browser: Any, width: int) -> Any:
    context = browser.new_context(locale="fr-CA", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_the_pitch_page_at_both_widths_in_the_recipient_s_language(
    links: dict[str, str], browser: Any
) -> None:
    for width, (lang, title, running) in itertools.product(
        (1366, 390),
        (("fr", "Gens de chez nous", "Déroulé de la case"), ("en", "Home Folks", "Running order")),
    ):
        page = new_page(browser, width)
        page.goto(links[lang])
        page.locator("h1", has_text=title).wait_for()
        assert page.locator("html").get_attribute("lang") == lang
        shown = page.locator("main").inner_text()
        assert running in shown
        assert "proximité" not in shown and "closeness" not in shown
        assert page.locator(".timeline .track .seg-film").count() == 4
        assert page.locator(".timeline .track .seg-interstitial").count() == 4
        assert page.locator(".origins .bar-list li").count() == 4
        label = {"fr": "Image provisoire", "en": "Placeholder image"}[lang]
        assert page.locator(".film-card .stand-in-label", has_text=label).count() == 4
        # Every card's player shows its poster frame before it plays.
        posters = page.locator(".film-card video").evaluate_all("vs => vs.map(v => v.poster)")
        assert len(posters) == 4 and all("/poster" in p for p in posters)
        assert page_width(page) <= width
        screenshot(page, f"pitch-page-{lang}-{width}")
        page.context.close()
    # The curator who sent it previews the same page: said to be a preview, nothing to answer.
    curator = open_as(browser, links["fr"].split("/pitch/", 1)[0], "anne@programmation.test", 1366)
    curator.goto(links["fr"])
    assert "Aperçu" in curator.locator(".preview-banner").inner_text()
    assert curator.locator("form.answer").count() == 0
    assert page_width(curator) <= 1366
    screenshot(curator, "pitch-page-curator-preview-fr-1366")
    curator.context.close()


def test_links_that_do_not_open_say_why_at_both_widths(links: dict[str, str], browser: Any) -> None:
    for width in (1366, 390):
        closed_links(links, browser, width)


def closed_links(links: dict[str, str], browser: Any, width: int) -> None:
    base = links["fr"].split("/pitch/", 1)[0]
    pages = {
        "404": (f"{base}/pitch/lien/{links['fr'].rsplit('/', 1)[1][:-4]}abcd", 404),
        "410": (links["expired"], 410),
        "410-revoked": (links["revoked"], 410),
        "not-yet": (links["not_yet"], 403),
    }
    titles = {
        "404": "Ce lien ne mène à aucune anthologie",
        "410": "Ce lien a expiré",
        "410-revoked": "This link has been withdrawn",  # its recipient reads English
        "not-yet": "Ce lien n'est pas encore ouvert",
    }
    for name, (url, status) in pages.items():
        page = new_page(browser, width)
        response = page.goto(url)
        assert response is not None and response.status == status
        assert page.locator("h1").inner_text() == titles[name]
        assert page.locator("header.site .brand").count() == 1  # the site's own look
        if name != "404":
            assert "anne@programmation.test" in page.locator("main").inner_text()
        assert page_width(page) <= width
        lang = "en" if name == "410-revoked" else "fr"
        screenshot(page, f"pitch-page-{name}-{lang}-{width}")
        page.context.close()
    # A mistyped link names no recipient: the page speaks the browser's language.
    context = browser.new_context(locale="en-CA", viewport={"width": width, "height": 900})
    page = context.new_page()
    response = page.goto(pages["404"][0])
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "This link leads to no anthology"
    assert page_width(page) <= width
    screenshot(page, f"pitch-page-404-en-{width}")
    context.close()
