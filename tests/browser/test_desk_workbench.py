"""A curator at the workbench, in Chromium: a bundle 48 minutes over its slot shows a red gauge
that says so, warnings name the films at fault (French, then English), "Remplacer…" finds the
one free film that fits although it is the farthest in meaning, the history says the swap in
words and goes back to the version before it, and the films the proposal left out are shown
by reason with their fix. Screenshots in French and English at 1366 and 390 px."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Flask
from sqlmodel import Session

from catalog.bundles import snapshot
from catalog.models import (
    Audience,
    Bundle,
    BundleItem,
    BundleRevision,
    Proposal,
    UserRole,
)
from tests.browser.conftest import add_account, log_in, page_width, screenshot
from tests.web.test_workbench_truth import add_film, save_vectors
from web import database

WIDTHS = {"1366": (1366, 900), "390": (390, 844)}
CURATOR = "atelier@test.anthologie"


def add_bundle(session: Session, label: str, film_ids: Sequence[int]) -> int:
    bundle = Bundle(facet="subject", slot_minutes=44, label=label)
    bundle.items = [BundleItem(film_id=i, position=n) for n, i in enumerate(film_ids)]  # type: ignore[call-arg]
    session.add(bundle)
    session.flush()
    assert bundle.id is not None
    # As a proposal stores it: its first revision, the one to come back to.
    session.add(BundleRevision(bundle_id=bundle.id, snapshot=snapshot(bundle), note="proposed"))
    return bundle.id


def seed(app: Flask) -> dict[str, int]:
    """Two bundles (one 1:32:00 long, one mixing audiences), 30 free films right by the first
    but 5 minutes long, the one that fits far away in meaning, and a proposal's unplaced films."""
    with app.app_context(), Session(database.engine()) as session:
        lighthouse = add_film(session, "Le Phare", 20, "01")
        long_one = add_film(session, "Le Long Métrage", 72, "02")
        tides = add_bundle(session, "Marées", [lighthouse, long_one])
        mixed = add_bundle(
            session,
            "Publics mêlés",
            [
                add_film(session, "Petit Loup", 14, "03", audience=Audience.jeunesse),
                add_film(session, "Sans étiquette", 14, "04"),
                add_film(session, "Nuit blanche", 14, "05", audience=Audience.adulte),
            ],
        )
        near = [add_film(session, f"Voisin {n}", 5, "08") for n in range(30)]
        far = add_film(session, "Loin là-bas", 22, "09")
        rows = {lighthouse: (1, 0.05, 0, 0), long_one: (1, 0, 0.05, 0), far: (-1, 0, 0, 0.2)}
        rows |= {i: (1, 0.01 * (n % 5), 0.01, 0) for n, i in enumerate(near)}
        save_vectors(app, session, rows)
        untimed = [add_film(session, f"Fiche Téléfilm {n:02d}", None, "06") for n in range(11)]
        untold = add_film(session, "Le Muet", 12, "10", synopsis_fr=None)
        too_long = add_film(session, "La Grande Traversée", 95, "11")
        entries = [(i, "no_runtime") for i in untimed]
        entries += [(untold, "regional_floor"), (too_long, "longer_than_slot")]
        session.add(
            Proposal(
                facet="subject",
                slot_minutes=44,
                rules={"slot_minutes": 44},
                unplaced=[
                    {
                        "film_id": i,
                        "reason": r,
                        "blocking": [r],
                        "group_id": "g",
                        "message_fr": r,
                        "message_en": r,
                    }
                    for i, r in entries
                ],
            )
        )
        session.commit()
    add_account(app, CURATOR, UserRole.curator)
    return {"tides": tides, "mixed": mixed, "long": long_one, "far": far, "untimed": untimed[0]}


def fits_the_width(page: Any, width: int) -> None:
    wide = page_width(page)
    assert wide <= width, f"the page is {wide} px wide at {width} px"


def test_gauges_warnings_replacement_revert_and_unplaced(
    live_app: tuple[Flask, str], page: Any
) -> None:
    app, base = live_app
    ids = seed(app)
    log_in(page, base, CURATOR)
    editor = f"{base}/atelier/anthologies/{ids['tides']}"

    # The workbench: cards list their films, red gauges say why; the unplaced films by reason.
    page.goto(f"{base}/atelier/")
    card = page.locator("li.card", has_text="Marées")
    assert "Le Long Métrage" in card.inner_text()
    assert "1:12:00 · Saguenay–Lac-Saint-Jean" in card.inner_text()
    assert "dépasse la case de 48 min" in card.locator(".gauge.runtime").inner_text()
    panel = page.locator("#unplaced")
    assert "Films non placés (13)" in panel.inner_text()
    no_runtime = panel.locator('details[data-reason="no_runtime"]')
    assert "Sans durée (11) → Compléter la durée" in no_runtime.locator("summary").inner_text()
    assert no_runtime.locator("li").count() == 8
    panel.locator('details[data-reason="no_synopsis"] summary').click()
    panel.locator('details[data-reason="no_synopsis"] li', has_text="Le Muet").wait_for()
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-index-fr-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})
    no_runtime.get_by_role("link", name="Voir les 11 films").click()
    page.get_by_text("Fiche Téléfilm 10").wait_for()
    page.get_by_role("link", name="Compléter").first.click()
    assert f"/{ids['untimed']}" in page.url

    # The bundle 48 minutes over: the gauge is red and says it in words.
    page.goto(editor)
    gauge = page.locator("#editor .gauge.runtime")
    assert gauge.get_attribute("data-state") == "over"
    assert "dépasse la case de 48 min (fenêtre 41:00–44:00)" in gauge.inner_text()
    warnings = page.locator("#editor ul.warnings li")
    assert any(
        "Le plus long : « Le Long Métrage » (1:12:00)" in t for t in warnings.all_inner_texts()
    )
    color = gauge.locator(".verdict").evaluate("e => getComputedStyle(e).color")
    assert color == "rgb(176, 0, 32)"

    # "Remplacer…": the only free film that fits is the farthest in meaning; it is offered.
    item = page.locator("#editor li.item", has_text="Le Long Métrage")
    item.get_by_role("link", name="Remplacer…").click()
    offer = page.locator(".suggestions li", has_text="Loin là-bas")
    offer.wait_for()
    assert "1 film libre respecte toutes les règles" in page.locator(".suggestions").inner_text()
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-replace-fr-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})
    offer.get_by_role("button", name="Remplacer par ce film").click()
    page.locator("#editor p.ok").wait_for()
    assert page.locator("#editor .gauge.runtime").get_attribute("data-state") == "ok"
    history = page.locator("#editor .revisions li").first
    assert "Remplacé « Le Long Métrage » par « Loin là-bas »" in history.inner_text()

    # Removing a film asks first; saying no changes nothing.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#editor li.item", has_text="Le Phare").get_by_role(
        "button", name="Retirer"
    ).click()
    assert page.locator("#editor li.item").count() == 2

    # A rename, then back to the version before the swap: the long film and the red gauge return.
    page.locator("#label").fill("Marées hautes")
    page.get_by_role("button", name="Renommer").click()
    page.locator("#editor h1", has_text="Marées hautes").wait_for()
    asked: list[str] = []

    def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.locator("#editor .revisions li").nth(2).get_by_role(
        "button", name="Revenir à cette version"
    ).click()
    page.locator("#editor .revisions li", has_text="Revenu à la version du").first.wait_for()
    assert asked and asked[0].startswith("Revenir à la version du")
    assert page.locator("#editor .gauge.runtime").get_attribute("data-state") == "over"
    page.locator("#editor li.item", has_text="Le Long Métrage").wait_for()
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-reverted-fr-{width}")

    # Warnings name each film once, in French, then in English.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{base}/atelier/anthologies/{ids['mixed']}")
    said = page.locator("#editor ul.warnings li").all_inner_texts()
    audience = [w for w in said if w.startswith("Publics incompatibles")]
    assert len(audience) == 1 and audience[0].count("Petit Loup") == 1, said
    assert "« Sans étiquette » (public non précisé)" in audience[0]
    assert not any("unknown" in w for w in said)
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-warnings-fr-{width}")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.get_by_role("button", name="English").click()
    page.locator("#editor ul.warnings li", has_text="Incompatible audiences").wait_for()
    said = page.locator("#editor ul.warnings li").all_inner_texts()
    audience = [w for w in said if w.startswith("Incompatible audiences")]
    assert len(audience) == 1 and "“Sans étiquette” (audience not set)" in audience[0], said
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-warnings-en-{width}")
    page.goto(editor)
    assert "exceeds the slot by 48 min" in page.locator("#editor .gauge.runtime").inner_text()
    page.locator("#editor li.item", has_text="Le Long Métrage").get_by_role(
        "link", name="Replace…"
    ).click()
    page.locator(".suggestions li", has_text="Loin là-bas").wait_for()
    assert "Went back to the version of" in page.locator("#editor .revisions").inner_text()
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-replace-en-{width}")
    page.goto(f"{base}/atelier/")
    assert "Unplaced films (13)" in page.locator("#unplaced").inner_text()
    for width, (w, h) in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        fits_the_width(page, w)
        screenshot(page, f"workbench-index-en-{width}")
