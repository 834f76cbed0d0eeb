"""The three journeys, end to end in a real browser against a live server:
a filmmaker submits a film with its file; a curator accepts it, asks for 44-minute proposals,
edits a bundle and shares it by private link; the broadcaster opens the link, plays a
preview and answers "interested". Each page is saved as a screenshot."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlmodel import Session, select

import media_tools
from catalog.models import Answer, Film, PitchEvent, Status, UserRole
from tests.browser.conftest import add_account, log_in, screenshot
from tests.components import require_component
from tests.conftest import SAMPLES
from web import database
from web.usecases import cataloguing, curating, media


def demo_subset(path: Path, rows: int = 90) -> Path:
    """Real Québec films of the demo, all with a runtime (enough for 44-minute bundles)."""
    with (SAMPLES / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        kept = [row for row in reader if row["external_id"].startswith("qc-")][:rows]
    assert len(kept) == rows and all(row["runtime"] for row in kept)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(kept[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def demo(live_app: tuple[Flask, str], tmp_path: Path) -> tuple[Flask, str]:
    app, base = live_app
    try:
        media_tools.find_tools()
    except media_tools.MediaError as error:
        require_component("ffmpeg", str(error))
    with app.app_context():
        engine = database.engine()
        cataloguing.import_catalog(engine, demo_subset(tmp_path / "films.csv"))
        # As `make demo` does before proposing: the proposal then only clusters and packs,
        # within the click's wait, instead of embedding 90 French synopses first.
        curating.embed_catalog(engine, curating.configured_embedder(app.config))
        root = Path(app.config["MEDIA_ROOT"])
        media.give_stand_ins(engine, root, [], pool=1)
        media.analyse_all(engine, root)
    add_account(app, "cineaste@test.anthologie", UserRole.filmmaker)
    add_account(app, "programmation@test.anthologie", UserRole.curator)
    return app, base


def test_submit_curate_share_and_answer(
    demo: tuple[Flask, str], browser: object, tmp_path: Path
) -> None:
    app, base = demo
    clip = media_tools.make_stand_in(tmp_path / "Le passeur.mp4", "Le passeur", 3, 7)

    # 1. A filmmaker submits a film with its file.
    filmmaker = browser.new_context(locale="fr-CA").new_page()  # type: ignore[attr-defined]
    log_in(filmmaker, base, "cineaste@test.anthologie")
    filmmaker.get_by_role("link", name="Soumettre un film").click()
    filmmaker.get_by_label("Titre original").fill("Le passeur de Rimouski")
    filmmaker.get_by_label("Durée", exact=True).fill("3 s")
    filmmaker.get_by_label("Synopsis court (français)").fill(
        "Un passeur raconte l'hiver sur le fleuve."
    )
    filmmaker.get_by_label("Municipalité").fill("Rimouski")
    filmmaker.get_by_label("Réalisation").fill("Marie Côté")
    filmmaker.get_by_label("Fichier vidéo").set_input_files(str(clip))
    screenshot(filmmaker, "1-filmmaker-form")
    filmmaker.get_by_role("button", name="Soumettre", exact=True).click()
    filmmaker.wait_for_selector("text=Merci!")
    screenshot(filmmaker, "1-filmmaker-submitted")
    filmmaker.get_by_role("link", name="Mes films").click()
    assert "Soumis" in filmmaker.locator("table").inner_text()

    # 2. A curator accepts it, asks for proposals, edits a bundle and shares it.
    curator = browser.new_context(locale="fr-CA").new_page()  # type: ignore[attr-defined]
    curator.set_default_timeout(20_000)
    log_in(curator, base, "programmation@test.anthologie")
    curator.get_by_label("Recherche").fill("passeur")
    curator.get_by_label("Recherche").press("Enter")
    curator.wait_for_selector("#films >> text=1 film")
    curator.get_by_role("link", name="Le passeur de Rimouski").click()
    curator.get_by_label("Message au cinéaste").fill("Bienvenue au catalogue!")
    screenshot(curator, "2-curator-film")
    curator.get_by_role("button", name="Accepter").click()
    curator.wait_for_selector("text=Décision enregistrée.")
    with app.app_context(), Session(database.engine()) as session:
        film = session.exec(
            select(Film).where(Film.original_title == "Le passeur de Rimouski")
        ).one()
        assert film.status == Status.accepted
    curator.get_by_role("link", name="Atelier").click()
    curator.get_by_label("Case").select_option("44")
    curator.get_by_role("button", name="Proposer").click()
    curator.wait_for_selector("text=Voir l'atelier", timeout=240_000)
    screenshot(curator, "2-curator-job")
    curator.get_by_role("link", name="Voir l'atelier").click()
    screenshot(curator, "2-curator-workbench")
    curator.locator(".cards h3 a").first.click()
    curator.wait_for_selector("#editor")
    curator.get_by_label("Nom").fill("Hivers et fleuves")
    curator.get_by_role("button", name="Renommer").click()
    # Each edit adds to the history, after the proposal's own entry.
    curator.wait_for_selector("text=Historique (2)")
    assert curator.locator("#editor h1").inner_text() == "Hivers et fleuves"
    first = curator.locator(".items .title").first.inner_text()
    curator.locator("button[aria-label^='Descendre']").first.click()
    curator.wait_for_selector("text=Historique (3)")
    assert curator.locator(".items .title").nth(1).inner_text() == first
    # Dragging the last film onto the first puts it first (web/static/reorder.js).
    last = curator.locator(".items .title").last.inner_text()
    curator.drag_and_drop(".items > li:last-child", ".items > li:first-child")
    curator.wait_for_selector("text=Historique (4)")
    assert curator.locator(".items .title").first.inner_text() == last
    screenshot(curator, "2-curator-editor")
    curator.get_by_role("link", name="Partager avec un diffuseur").click()
    curator.get_by_label("Destinataires, une personne par ligne").fill("Julie, Télé régionale")
    # The recipient's watermarked copies are encoded once the page is sent (jobs run at once
    # here): on a loaded machine the next page can wait for a free core.
    curator.get_by_role("button", name="Créer les liens").click(timeout=90_000)
    link = curator.locator("#created-link").input_value(timeout=90_000)
    screenshot(curator, "2-curator-share")
    assert "/pitch/lien/" in link

    # 3. The broadcaster opens the link with no account, plays a preview and answers.
    guest = browser.new_context(locale="fr-CA").new_page()  # type: ignore[attr-defined]
    guest.goto(link)
    guest.wait_for_selector("h1:text('Hivers et fleuves')")
    # Sharing built the bundle's sizzle reel (title cards and excerpts) in the background.
    assert guest.locator(".reel video").count() == 1
    # A play button asks for this recipient's watermarked copy (web/static/pitch.js).
    guest.locator(".reel .play-button").click()
    deadline = time.monotonic() + 120
    while "/media/t/" not in (
        reel_src := guest.evaluate("document.querySelector('.reel video').currentSrc")
    ):
        assert time.monotonic() < deadline, "the reel never got its ticket"
        guest.wait_for_timeout(200)
    guest.evaluate("document.querySelector('.reel video').pause()")
    reel = guest.request.get(reel_src, headers={"Range": "bytes=0-99"})
    assert reel.status == 206
    card = guest.locator(".film-card .player").first
    card.scroll_into_view_if_needed()
    guest.evaluate("document.querySelector('.film-card video').muted = true")
    card.locator(".play-button").click()
    # Polled from here: the page's Content-Security-Policy forbids the eval that
    # wait_for_function would need, and that policy is part of what this journey proves.
    deadline = time.monotonic() + 120
    while guest.evaluate("document.querySelector('.film-card video').currentTime") <= 0.5:
        assert time.monotonic() < deadline, "the preview never played"
        guest.wait_for_timeout(200)
    screenshot(guest, "3-broadcaster-pitch")
    guest.locator("#answer-bundle").get_by_label("Commentaire").fill("Pour notre case d'hiver.")
    guest.locator("#answer-bundle").get_by_role("button", name="Intéressé").click()
    guest.wait_for_selector("#answer-bundle >> text=Réponse enregistrée : Intéressé.")
    screenshot(guest, "3-broadcaster-answered")
    with app.app_context(), Session(database.engine()) as session:
        answer = session.exec(select(Answer)).one()
        assert (answer.verdict.value, answer.comment) == ("interested", "Pour notre case d'hiver.")
        kinds = set(session.exec(select(PitchEvent.kind)).all())
        assert {"opened", "played_preview"} <= kinds
    curator.reload()
    assert "Pour notre case d'hiver." in curator.content()
