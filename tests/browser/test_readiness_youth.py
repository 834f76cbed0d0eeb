"""A curator reads a film's markets and the youth programme in Chromium: the film page's
"Marchés / Markets" block names a subtitle file failing QC, the catalog filter "ready for an
English-language buyer" stays in the URL, and the youth programme lists a band's films with
their ages and teacher's guide. Screenshots fr/en at 1366 and 390 px
(test-artifacts/screenshots/readiness-*.png, youth-*.png), without sideways scroll."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlmodel import Session

from catalog.models import Bundle, BundleItem, FilmVersion, PromoAsset, UserRole
from tests.browser.conftest import add_account, open_as, page_width, screenshot
from tests.web.test_readiness_youth import FAILING, PASSING, add_film
from web import database

EMAIL = "lea@festival.example"


def catalog(app: Flask) -> tuple[int, int]:
    """A few films, one youth film with its English subtitles failing QC, and a bundle of it
    with a film ready for English: that film's id and the bundle's."""
    with app.app_context(), Session(database.engine()) as session:
        kids: dict[str, Any] = {"audience": "jeunesse", "region_code": "01"}
        failing = add_film(
            session,
            "Le phare de Miguasha",
            audience_age_min=6,
            audience_age_max=10,
            closed_captions=True,
            subtitle_languages=["spa"],
            **kids,
        )
        guided = add_film(
            session,
            "Les tout-petits du fleuve",
            audience_age_min=3,
            audience_age_max=7,
            original_languages=["fra", "eng"],
            **kids,
        )
        add_film(session, "Hockey de ruelle", audience_age_min=8, audience_age_max=12, **kids)
        add_film(session, "Sans âge", **kids)
        for kind, language, qc in (("subtitles", "eng", FAILING), ("sdh", "fra", PASSING)):
            session.add(
                FilmVersion(film_id=failing, kind=kind, language=language, path=f"v/{kind}", qc=qc)
            )
        session.add(
            PromoAsset(film_id=guided, kind="teacher_guide", media_type="pdf", path="promo/g.pdf")
        )
        bundle = Bundle(facet="subject", slot_minutes=22, label="Au bord du fleuve")
        bundle.items = [
            BundleItem(film_id=guided, position=0),  # type: ignore[call-arg]
            BundleItem(film_id=failing, position=1),  # type: ignore[call-arg]
        ]
        session.add(bundle)
        session.commit()
        assert bundle.id is not None
        return failing, bundle.id


def test_markets_block_and_youth_programme_fr_en(live_app: tuple[Flask, str], browser: Any) -> None:
    app, base = live_app
    film_id, bundle_id = catalog(app)
    add_account(app, EMAIL, UserRole.curator, "Léa Curatrice")
    for width in (1366, 390):
        page = open_as(browser, base, EMAIL, width)
        for lang in ("fr", "en"):
            if lang == "en":
                page.locator("header form button", has_text="English").click()
                page.locator("html[lang=en]").wait_for(state="attached")
            page.goto(f"{base}/catalogue/films/{film_id}")
            block = page.locator("#marches")
            block.wait_for()
            english = block.locator("li.market.failing_qc")
            assert english.count() == 1
            expected = "3 QC errors" if lang == "en" else "3 erreurs au contrôle"
            assert expected in english.inner_text()
            assert block.locator("li.market.ready").count() == 2  # French original, SDH file
            block.scroll_into_view_if_needed()
            assert page_width(page) <= width, f"{lang} {width}: the film page scrolls sideways"
            screenshot(page, f"readiness-film-{lang}-{width}")

            page.goto(f"{base}/catalogue/jeunesse")
            page.locator("nav .youth-bands a", has_text="6").first.click()
            page.wait_for_url(lambda url: "ages=6-8" in url)
            films = page.locator(".youth-films li")
            assert films.count() == 3  # 6–10, 3–7 and 8–12 all touch 6–8
            guide = "teacher's guide" if lang == "en" else "guide pédagogique"
            assert guide in films.filter(has_text="Les tout-petits").inner_text()
            assert page_width(page) <= width, f"{lang} {width}: the youth page scrolls sideways"
            screenshot(page, f"youth-{lang}-{width}")

            # The bundle's editor: ready for French; English blocked by the failing film.
            page.goto(f"{base}/atelier/anthologies/{bundle_id}")
            english = page.locator(".bundle-markets li.market.missing").nth(0)
            assert "Le phare de Miguasha" in english.inner_text()
            assert "Les tout-petits" not in english.inner_text()
            page.locator(".bundle-markets").scroll_into_view_if_needed()
            assert page_width(page) <= width, f"{lang} {width}: the editor scrolls sideways"
            screenshot(page, f"readiness-bundle-{lang}-{width}")
            page.goto(f"{base}/observatoire/#jeunesse")
            assert page.locator("#jeunesse table tbody tr").count() == 1
            assert page_width(page) <= width, f"{lang} {width}: the observatory scrolls sideways"
            page.locator("#jeunesse").screenshot(
                path=str(screenshot(page, f"youth-observatory-{lang}-{width}"))
            )

            # The catalog filter stays in the URL and narrows to the English-ready film.
            page.goto(f"{base}/catalogue/?ready=eng")
            assert page.locator("input[name=ready]").is_checked()
            assert page.locator("#films").inner_text().count("Les tout-petits") == 1
            assert "Le phare de Miguasha" not in page.locator("#films").inner_text()
        page.context.close()
