"""A filmmaker fills the submission form with its pickers in a real Chromium: a language
picked by its French name, a municipality whose region appears as it is chosen, a director
suggested from the catalog; the film file goes up in pieces with a progress bar, survives a
broken connection by resuming where it stopped, and the submitted film has it all.
Screenshots in French and English, at 1366 and 390 px wide."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Route, expect
from sqlmodel import Session, select

import media_tools
from catalog.models import Film, MediaAsset, UserRole
from tests.browser.conftest import add_account, log_in, screenshot
from tests.components import require_component
from web import database
from web.usecases import cataloguing

CATALOG = "original_title,year,directors\nMistissini,2019,Alanis Obomsawin\n"


@pytest.fixture
def desk(live_app: tuple[Flask, str], tmp_path: Path) -> tuple[Flask, str, Path]:
    app, base = live_app
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    films = tmp_path / "films.csv"
    films.write_text(CATALOG, encoding="utf-8")
    with app.app_context():
        cataloguing.import_catalog(database.engine(), films)
    # Small pieces, so that a 4-second clip goes up in several, as a long film would.
    app.config["UPLOAD_CHUNK_BYTES"] = 16 * 1024
    add_account(app, "cineaste@test.anthologie", UserRole.filmmaker)
    clip = media_tools.make_stand_in(tmp_path / "La traversée.mp4", "La traversée", 4, 5)
    assert clip.stat().st_size > 4 * 16 * 1024
    return app, base, clip


def pick(page: object, label: str, typed: str, wanted: str) -> None:
    """Type into a list field, wait for `wanted` among the suggestions, and pick it as the
    browser's list does (the whole name at once, as a replacement)."""
    box = page.get_by_label(label, exact=True)  # type: ignore[attr-defined]
    box.fill(typed)
    list_id = box.get_attribute("list")
    page.locator(f"#{list_id} option[value='{wanted}']").wait_for(state="attached")  # type: ignore[attr-defined]
    box.evaluate(
        """(input, value) => {
            input.value = value;
            const picked = {inputType: "insertReplacementText", bubbles: true};
            input.dispatchEvent(new InputEvent("input", picked));
        }""",
        wanted,
    )


def test_a_filmmaker_fills_the_form_with_its_pickers_and_resumes_an_upload(
    desk: tuple[Flask, str, Path], page: object
) -> None:
    app, base, clip = desk
    page.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    log_in(page, base, "cineaste@test.anthologie")
    page.goto(f"{base}/soumissions/nouvelle")  # type: ignore[attr-defined]
    form = page.locator("form.film-form")  # type: ignore[attr-defined]
    # The sections (a section's own questions may carry legends of their own).
    expect(form.locator(":scope > fieldset > legend")).to_have_text(
        [
            "Identification",
            "Description",
            "Langues et accessibilité",
            "Public",
            "Équipe",
            "Équipe technique",
            "Origine",
            "Diffusion",
            "Droits",
            "Contact",
            "Fichier",
            "Auto-identification volontaire",
        ]
    )
    assert "(;)" not in form.inner_text() and "points-virgules" not in form.inner_text()
    page.get_by_label("Titre original").fill("La traversée")  # type: ignore[attr-defined]
    page.get_by_label("Durée", exact=True).fill("4 s")  # type: ignore[attr-defined]

    # A language by its French name: a chip "innu-aimun", stored as moe.
    pick(page, "Langues originales", "innu", "innu-aimun")
    languages = form.locator(".field", has=page.locator("#f-original_languages"))  # type: ignore[attr-defined]
    expect(languages.locator(".chip-list li")).to_have_text(["innu-aimun×"])
    expect(languages.locator("input[type=hidden]")).to_have_value("moe")
    # Typed whole and confirmed with Enter, a name works too.
    page.get_by_label("Langues originales", exact=True).fill("Français")  # type: ignore[attr-defined]
    page.get_by_label("Langues originales", exact=True).press("Enter")  # type: ignore[attr-defined]
    expect(languages.locator("input[type=hidden]")).to_have_count(2)

    # The municipality's region appears as soon as it is chosen.
    pick(page, "Municipalité", "rimou", "Rimouski")
    expect(page.locator("#region-live")).to_have_text("Région : Bas-Saint-Laurent")  # type: ignore[attr-defined]

    # A director already in the catalog is suggested.
    pick(page, "Réalisation", "obom", "Alanis Obomsawin")
    directors = form.locator(".field", has=page.locator("#f-directors"))  # type: ignore[attr-defined]
    expect(directors.locator(".chip-list li")).to_have_text(["Alanis Obomsawin×"])

    # The film file: the connection breaks on the third piece; "Reprendre" goes on from
    # what the server has.
    pieces = {"sent": 0}

    def break_third_piece(route: Route) -> None:
        if route.request.method == "PUT":
            pieces["sent"] += 1
            if pieces["sent"] == 3:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route("**/soumissions/televersements/*", break_third_piece)  # type: ignore[attr-defined]
    page.get_by_label("Fichier vidéo").set_input_files(str(clip))  # type: ignore[attr-defined]
    resume = page.get_by_role("button", name="Reprendre l'envoi")  # type: ignore[attr-defined]
    expect(resume).to_be_visible()
    progress = page.locator(".upload-state progress")  # type: ignore[attr-defined]
    expect(progress).to_be_visible()
    assert 0 < int(progress.get_attribute("value") or 0) < 100
    expect(page.locator("#upload-text")).to_contain_text("Envoi interrompu à")  # type: ignore[attr-defined]
    screenshot(page, "desk-form-fr-1366-upload-interrupted")
    resume.click()
    expect(page.locator("#upload-text")).to_have_text(  # type: ignore[attr-defined]
        "Fichier reçu et vérifié : La traversée.mp4", timeout=30_000
    )
    assert progress.get_attribute("value") == "100"
    assert pieces["sent"] > 3
    screenshot(page, "desk-form-fr-1366")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    screenshot(page, "desk-form-fr-390")
    page.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]

    # Filing the film runs its analysis at once here (JOB_QUEUE immediate): a long answer.
    submit = page.get_by_role("button", name="Soumettre", exact=True)  # type: ignore[attr-defined]
    submit.click(no_wait_after=True)
    page.wait_for_selector("text=Merci!", timeout=120_000)  # type: ignore[attr-defined]
    with app.app_context(), Session(database.engine()) as session:
        film = session.exec(select(Film).where(Film.original_title == "La traversée")).one()
        assert film.original_languages == ["moe", "fra"]
        assert (film.municipality, film.region_code) == ("Rimouski", "01")
        assert film.directors == ["Alanis Obomsawin"]
        asset = session.exec(select(MediaAsset).where(MediaAsset.film_id == film.id)).one()
        assert asset.size_bytes == clip.stat().st_size


def test_the_form_in_english_at_both_widths(desk: tuple[Flask, str, Path], page: object) -> None:
    _app, base, _clip = desk
    page.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    log_in(page, base, "cineaste@test.anthologie")
    page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
    page.goto(f"{base}/soumissions/nouvelle")  # type: ignore[attr-defined]
    expect(page.locator("h1")).to_have_text("Submit a film")  # type: ignore[attr-defined]
    expect(page.locator("form.film-form legend").nth(4)).to_have_text("Cast and crew")  # type: ignore[attr-defined]
    pick(page, "Original languages", "fren", "French")
    expect(page.locator(".chip-list li").first).to_have_text("French×")  # type: ignore[attr-defined]
    pick(page, "Municipality", "wend", "Wendake")
    expect(page.locator("#region-live")).to_have_text("Region: Capitale-Nationale")  # type: ignore[attr-defined]
    page.get_by_label("Running time", exact=True).fill("douze minutes")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Submit", exact=True).click()  # type: ignore[attr-defined]
    # The form comes back with the error beside its field and every value kept.
    expect(page.locator("#e-runtime")).to_be_visible()  # type: ignore[attr-defined]
    expect(page.locator(".chip-list li").first).to_have_text("French×")  # type: ignore[attr-defined]
    expect(page.get_by_label("Municipality")).to_have_value("Wendake")  # type: ignore[attr-defined]
    screenshot(page, "desk-form-en-1366")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # type: ignore[attr-defined]
    screenshot(page, "desk-form-en-390")


def test_without_javascript_the_plain_form_still_works(
    desk: tuple[Flask, str, Path], browser: object
) -> None:
    """No script: lists typed with ";", the municipality checked on submission, the file sent
    with the form; the same checks apply."""
    app, base, clip = desk
    context = browser.new_context(locale="fr-CA", java_script_enabled=False)  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.set_viewport_size({"width": 1366, "height": 900})
        log_in(page, base, "cineaste@test.anthologie")
        page.goto(f"{base}/soumissions/nouvelle")
        assert page.locator(".chips").count() == 0
        expect(page.locator("#l-original_languages")).to_have_text(
            "Plusieurs valeurs : séparez-les par des points-virgules."
        )
        page.get_by_label("Titre original").fill("Nutshimit")
        page.get_by_label("Langues originales").fill("innu-aimun; français")
        page.get_by_label("Réalisation").fill("Alanis Obomsawin; Réal Junior Leblanc")
        page.get_by_label("Municipalité").fill("Rimousky")
        page.get_by_label("Fichier vidéo").set_input_files(str(clip))
        page.get_by_role("button", name="Soumettre", exact=True).click()
        # The typo comes back beside its field; what was typed is kept, the file is resent.
        expect(page.locator("#e-municipality")).to_contain_text("Vouliez-vous dire Rimouski?")
        expect(page.get_by_label("Langues originales")).to_have_value("innu-aimun; français")
        page.get_by_label("Municipalité").fill("Rimouski")
        page.get_by_label("Fichier vidéo").set_input_files(str(clip))
        page.get_by_role("button", name="Soumettre", exact=True).click(no_wait_after=True)
        page.wait_for_selector("text=Merci!", timeout=120_000)
        screenshot(page, "desk-form-fr-1366-without-javascript")
    finally:
        context.close()
    with app.app_context(), Session(database.engine()) as session:
        film = session.exec(select(Film).where(Film.original_title == "Nutshimit")).one()
        assert film.original_languages == ["moe", "fra"]
        assert film.directors == ["Alanis Obomsawin", "Réal Junior Leblanc"]
        assert film.region_code == "01"
        assert session.exec(select(MediaAsset).where(MediaAsset.film_id == film.id)).one()
