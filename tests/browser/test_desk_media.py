"""A curator reads a film's media in Chromium, in French and English, at 1366 and 390 px: a
demo's stand-in clip says it is not the film and shows no style profile or QC verdict as the
film's; a real 20-second file for a film declared 14 minutes fails its duration check, said
in words; "avec média" counts the real file only. Screenshots:
test-artifacts/screenshots/desk-media-<stand-in|qc>-<lang>-<width>.png."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session

from catalog.models import Film, Status, UserRole
from tests.browser.conftest import add_account, page_width, screenshot
from tests.clips import make_clip
from web import database
from web.usecases import media

CURATOR = "programmation@media.anthologie"
LANGS = {
    "fr": {
        "label": "Extrait de démonstration — pas le film",
        "hidden": ("Profil de style", "Contrôle de livraison", "Sonie intégrée"),
        "mismatch": "La durée du fichier (0:20) ne correspond pas à la durée déclarée (14:00)",
        "words": ("Sonie intégrée :", "Crête vraie :", "Sous-titres codés : non (facultatif)"),
        "verdict": "Non conforme : 2 contrôles échouent (résolution, durée du fichier)",
        "facts": ("2 canaux", "25 i/s"),
    },
    "en": {
        "label": "Demo clip — not the film",
        "hidden": ("Style profile", "Delivery check", "Integrated loudness"),
        "mismatch": "The file's duration (0:20) does not match the declared runtime (14:00)",
        "words": ("Integrated loudness:", "True peak:", "Closed captions: no (optional)"),
        "verdict": "Not compliant: 2 checks fail (resolution, file duration)",
        "facts": ("2 channels", "25 fps"),
    },
}
RAW = ("true_peak", "loudness :", "captions :", "False", "frame_rate", "25.0")


@dataclass
class Films:
    app: Flask
    base: str
    stand_in: int
    real: int


def add_film(title: str, runtime: int) -> int:
    with Session(database.engine()) as session:
        film = Film(
            original_title=title,
            match_key=title.casefold(),
            sort_title=title.casefold(),
            runtime_seconds=runtime,
            year=2024,
            status=Status.accepted,
        )
        session.add(film)
        session.commit()
        assert film.id is not None
        return film.id


@pytest.fixture
def films(live_app: tuple[Flask, str], tmp_path: Path) -> Films:
    """Two films declared 14 minutes: one with only a demo stand-in, one whose real file
    lasts 20 seconds; both files analysed by ffmpeg as `anthologie analyze` does."""
    app, base = live_app
    add_account(app, CURATOR, UserRole.curator)
    clip = make_clip(tmp_path / "vingt.mp4", 20, seed=4, size=(640, 360))
    root = Path(app.config["MEDIA_ROOT"])
    with app.app_context():
        engine = database.engine()
        stand_in = add_film("Le fleuve en hiver", 14 * 60)
        real = add_film("Quatorze minutes au large", 14 * 60)
        media.attach(engine, stand_in, clip, root, stand_in=True)
        media.attach(engine, real, clip, root)
        media.analyse_all(engine, root)
    return Films(app, base, stand_in, real)


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """A page of a new browser (a language, a width), logged in as the curator."""
    contexts: list[Any] = []

    def make(base: str, lang: str, width: int) -> Any:
        context = browser.new_context(locale=f"{lang}-CA", viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(f"{base}/connexion")
        page.locator("input[type=email], input[name=email]").first.fill(CURATOR)
        page.locator("input[type=password]").first.fill("mot de passe sûr")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(f"{base}/catalogue/")
        if lang == "en":  # the header's switch, as a person does (the account says French)
            page.locator("form.lang button").click()
            page.locator("html[lang=en]").wait_for()
        page.set_viewport_size({"width": width, "height": 900})
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_stand_ins_and_qc_tell_the_truth(
    films: Films, open_page: Any, lang: str, width: int
) -> None:
    words = LANGS[lang]
    page = open_page(films.base, lang, width)
    assert page.locator("html").get_attribute("lang") == lang

    page.goto(f"{films.base}/catalogue/films/{films.stand_in}")
    section = page.locator("section.media")
    note = section.locator(".stand-in")
    assert note.is_visible() and words["label"] in note.inner_text()
    text = section.inner_text()
    for hidden in words["hidden"]:
        assert hidden not in text, hidden
    assert section.locator("video").get_attribute("aria-label") == words["label"]
    assert page_width(page) <= width
    screenshot(page, f"desk-media-stand-in-{lang}-{width}")

    page.goto(f"{films.base}/catalogue/films/{films.real}")
    section = page.locator("section.media")
    failed = section.locator(".qc li.fail", has_text=words["mismatch"])
    assert failed.count() == 1 and failed.is_visible()
    assert section.locator(".qc-verdict.fail").inner_text() == words["verdict"]
    text = section.inner_text()
    for said in (*words["words"], *words["facts"], "MP4, 0:20"):
        assert said in text, said
    for raw in RAW:
        assert raw not in text, raw
    assert words["label"] not in text
    assert page_width(page) <= width
    failed.scroll_into_view_if_needed()
    screenshot(page, f"desk-media-qc-{lang}-{width}")


def test_avec_media_lists_the_real_file_only(films: Films, open_page: Any) -> None:
    page = open_page(films.base, "fr", 1366)
    page.goto(f"{films.base}/catalogue/?media=1")
    listing = page.locator("#films")
    assert "Quatorze minutes au large" in listing.inner_text()
    assert "Le fleuve en hiver" not in listing.inner_text()
    assert page.locator("p.count").inner_text().startswith("1 ")
