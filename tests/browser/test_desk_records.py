"""The curator's records, in a real browser: an incomplete Telefilm record fixed in the
edit form becomes bundleable, then 20 films are edited at once from the list, and each
film's history says who changed what. Screenshots in French and English, 1366 and 390 px."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask import Flask
from sqlmodel import Session, col, select

import curation
from catalog.models import Film, FilmChange, UserRole
from curation.rules import NO_RUNTIME, film_reason
from tests.browser.conftest import add_account, log_in, screenshot
from tests.conftest import SAMPLES
from web import database
from web.usecases import cataloguing, curating

TELEFILM = "telefilm-abd65a07da"  # "Saisons Atikamekw": no year, runtime, synopsis or region
CURATOR = "programmation@test.anthologie"
WIDTHS = {"1366": {"width": 1366, "height": 900}, "390": {"width": 390, "height": 844}}


def records_subset(path: Path) -> Path:
    """The Telefilm record and the first 20 Netflix films of unknown region, as in the
    sample catalog."""
    with (SAMPLES / "catalog.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    telefilm = [row for row in rows if row["external_id"] == TELEFILM]
    unknown = [r for r in rows if r["external_id"].startswith("netflix-") and not r["region"]]
    kept = telefilm + unknown[:20]
    assert len(kept) == 21 and not any(telefilm[0][k] for k in ("runtime", "region", "year"))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(kept[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def unplaced_reason(app: Flask, film_id: int) -> str | None:
    """Why curation would leave the film out of every 44-minute bundle (None: it may enter
    one), over the films the proposals draw from."""
    with app.app_context(), Session(database.engine()) as session:
        eligible = {f.id: f for f in curating.eligible_films(session)}
        if film_id not in eligible:
            return "not_eligible"
        return film_reason(curating.to_curation(eligible[film_id]), curation.SlotRules())


def shots(page: object, name: str, base: str, path: str, english: bool = False) -> None:
    """Screenshots of one page at both widths, in one language."""
    lang = "en" if english else "fr"
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)  # type: ignore[attr-defined]
        page.goto(f"{base}{path}")  # type: ignore[attr-defined]
        overflow = page.evaluate(  # type: ignore[attr-defined]
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {width} px is {overflow} px too wide"
        screenshot(page, f"records-{name}-{lang}-{width}")
    page.set_viewport_size(WIDTHS["1366"])  # type: ignore[attr-defined]


def test_a_curator_fixes_a_telefilm_record_and_bulk_edits_twenty_films(
    live_app: tuple[Flask, str], page: object, tmp_path: Path
) -> None:
    app, base = live_app
    # Not under test here: the edited films' embedding, which would load the model mid-edit.
    app.config["EMBED_NEW_FILMS"] = False
    with app.app_context():
        cataloguing.import_catalog(database.engine(), records_subset(tmp_path / "films.csv"))
        with Session(database.engine()) as session:
            film = session.exec(select(Film).where(Film.external_id == TELEFILM)).one()
            assert film.id is not None
            film_id = film.id
            others = [
                i
                for i in session.exec(
                    select(Film.id).where(col(Film.external_id).startswith("netflix-"))
                ).all()
                if i is not None
            ]
    assert len(others) == 20
    assert unplaced_reason(app, film_id) == NO_RUNTIME
    add_account(app, CURATOR, UserRole.curator)
    page.set_viewport_size(WIDTHS["1366"])  # type: ignore[attr-defined]
    log_in(page, base, CURATOR)

    # 1. The film page says what the record lacks, and leads to the form.
    page.get_by_label("Recherche").fill("Saisons Atikamekw")  # type: ignore[attr-defined]
    page.get_by_label("Recherche").press("Enter")  # type: ignore[attr-defined]
    page.wait_for_selector("#films >> text=1 film")  # type: ignore[attr-defined]
    page.get_by_role("link", name="Saisons Atikamekw").click()  # type: ignore[attr-defined]
    lacks = page.locator(".record-state .lacks").inner_text()  # type: ignore[attr-defined]
    assert "durée" in lacks and "synopsis" in lacks and "région" in lacks
    shots(page, "incomplete", base, f"/catalogue/films/{film_id}")
    page.get_by_role("link", name="Compléter la fiche").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"**/catalogue/films/{film_id}/modifier#f-runtime")  # type: ignore[attr-defined]

    # 2. A wrong runtime is refused in French, next to its field; nothing is saved.
    page.locator("#f-runtime").fill("douze minutes")  # type: ignore[attr-defined]
    page.locator("#f-year").fill("2019")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enregistrer").click()  # type: ignore[attr-defined]
    page.wait_for_selector("#e-runtime")  # type: ignore[attr-defined]
    assert "douze minutes" in page.locator("#e-runtime").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#f-runtime").get_attribute("aria-invalid") == "true"  # type: ignore[attr-defined]
    screenshot(page, "records-form-error-fr-1366")
    assert unplaced_reason(app, film_id) == NO_RUNTIME

    # 3. Fixed: runtime, synopsis, region; the film can now enter a bundle.
    page.locator("#f-runtime").fill("14 min")  # type: ignore[attr-defined]
    page.locator("#f-synopsis_fr").fill(  # type: ignore[attr-defined]
        "Au fil des saisons, une famille atikamekw de Manawan vit au rythme du territoire."
    )
    page.locator("#f-region").select_option("14")  # type: ignore[attr-defined]
    page.locator("#f-audience").select_option("famille")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Enregistrer").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/catalogue/films/{film_id}#main")  # type: ignore[attr-defined]
    assert "Modifications enregistrées." in page.locator("main").inner_text()  # type: ignore[attr-defined]
    history = page.locator("#historique").inner_text()  # type: ignore[attr-defined]
    assert "Durée : — → 14 min" in history
    assert "Région administrative : — → Lanaudière" in history
    assert "Compte test" in history and CURATOR in history
    assert unplaced_reason(app, film_id) is None
    with app.app_context(), Session(database.engine()) as session:
        fixed = session.get(Film, film_id)
        assert fixed is not None
        assert (fixed.runtime_seconds, fixed.year, fixed.region_code) == (840, 2019, "14")
        assert "runtime" not in fixed.lacks() and "region" not in fixed.lacks()
    shots(page, "fixed", base, f"/catalogue/films/{film_id}")

    # 4. Twenty films at once: all on the page, but the Telefilm record.
    page.goto(f"{base}/catalogue/")  # type: ignore[attr-defined]
    page.locator("#films [data-select-all]").check()  # type: ignore[attr-defined]
    page.locator(f"#films input[name=film_id][value='{film_id}']").uncheck()  # type: ignore[attr-defined]
    assert page.locator("#bulk-count").inner_text() == "20 films cochés"  # type: ignore[attr-defined]
    page.locator("#bulk-region").select_option("99")  # type: ignore[attr-defined]
    page.get_by_label("Ajouter un sujet").fill("Comédie familiale")  # type: ignore[attr-defined]
    # A wrong language: refused in place, nothing saved, the 20 films still checked.
    page.get_by_label("Langue originale (remplace)").fill("klingonais")  # type: ignore[attr-defined]
    page.on("dialog", lambda dialog: dialog.accept())  # type: ignore[attr-defined]
    apply = page.get_by_role("button", name="Appliquer aux films cochés")  # type: ignore[attr-defined]
    apply.click()
    alert = page.locator("#bulk-result [role=alert]")  # type: ignore[attr-defined]
    alert.wait_for()
    assert "« klingonais » n'est pas une langue connue" in alert.inner_text()
    assert "Rien n'a été modifié." in alert.inner_text()
    assert page.locator("#bulk-count").inner_text() == "20 films cochés"  # type: ignore[attr-defined]
    screenshot(page, "records-bulk-error-fr-1366")
    with app.app_context(), Session(database.engine()) as session:
        assert session.exec(select(FilmChange).where(FilmChange.kind == "bulk")).all() == []
    page.get_by_label("Langue originale (remplace)").fill("")  # type: ignore[attr-defined]
    screenshot(page, "records-bulk-fr-1366")
    apply.click()
    page.wait_for_selector("text=20 films modifiés (Région, Sujet ajouté).")  # type: ignore[attr-defined]
    with app.app_context(), Session(database.engine()) as session:
        edited = session.exec(select(Film).where(col(Film.id).in_(others))).all()
        assert {f.region_code for f in edited} == {"99"}
        assert all("Comédie familiale" in f.subjects for f in edited)
        bulk = session.exec(select(FilmChange).where(FilmChange.kind == "bulk")).all()
        assert sorted(c.film_id for c in bulk) == sorted(others)
        untouched = session.get(Film, film_id)
        assert untouched is not None and untouched.region_code == "14"
    page.goto(f"{base}/catalogue/films/{others[0]}")  # type: ignore[attr-defined]
    history = page.locator("#historique").inner_text()  # type: ignore[attr-defined]
    assert "Modification groupée" in history
    assert "Région administrative : — → Hors Québec" in history
    assert "Comédie familiale" in history

    # 4b. One film of the twenty taken back: its bulk change undone from its history.
    page.goto(f"{base}/catalogue/films/{others[1]}")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Annuler ce changement").click()  # type: ignore[attr-defined]
    page.wait_for_selector("text=Changement annulé")  # type: ignore[attr-defined]
    assert "— Changement annulé —" in page.locator("#historique").inner_text()  # type: ignore[attr-defined]
    screenshot(page, "records-undone-fr-1366")
    with app.app_context(), Session(database.engine()) as session:
        taken_back = session.get(Film, others[1])
        assert taken_back is not None and taken_back.region_code is None
        assert "Comédie familiale" not in taken_back.subjects

    # 5. The same pages at phone width, and in English.
    shots(page, "bulk-list", base, "/catalogue/")
    shots(page, "form", base, f"/catalogue/films/{film_id}/modifier")
    page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
    page.wait_for_selector("html[lang=en]")  # type: ignore[attr-defined]
    shots(page, "fixed", base, f"/catalogue/films/{film_id}", english=True)
    shots(page, "bulk-list", base, "/catalogue/", english=True)
    shots(page, "form", base, f"/catalogue/films/{film_id}/modifier", english=True)
    page.goto(f"{base}/catalogue/films/{others[0]}")  # type: ignore[attr-defined]
    history = page.locator("#historique").inner_text()  # type: ignore[attr-defined]
    assert "Bulk edit" in history and "Outside Québec" in history
