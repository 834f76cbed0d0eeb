"""Every main page at a phone's width (390 px) and a laptop's (1366 px), in French and
English, for a curator, a filmmaker and a broadcaster on a small real catalog: nothing is
wider than the screen, the navigation folds behind a menu button on the phone, buttons are
big enough to tap, and each page is saved as a screenshot
(test-artifacts/screenshots/widths-<page>-<lang>-<width>.png)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, url_for
from sqlmodel import Session, select

from catalog import bundles as bundle_edits
from catalog import sharing, users
from catalog.models import Bundle, BundleItem, Film, Job, Proposal, Status, UserRole, utcnow
from tests.browser.conftest import add_account, log_in, page_width, screenshot
from tests.conftest import SAMPLES
from tests.web import quebec
from web import database, jobs
from web.usecases import cataloguing

PHONE, LAPTOP = 390, 1366
WIDTHS = (PHONE, LAPTOP)
LANGS = ("fr", "en")
# A word and a link with no place to break: they must wrap rather than widen the page.
LONG_TITLE = "Le passeur de Rimouski-Matane-Sainte-Anne-des-Monts-Gaspé-Percé-Carleton"
LONG_MESSAGE = "Voir https://exemple.org/anthologie/fiches/le-passeur-de-rimouski/version-longue"
MIN_TAP = 44


@dataclass
class Desk:
    app: Flask
    base: str
    film_id: int
    pages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def import_report_file(folder: Path) -> Path:
    """Five sample rows, one with an unreadable runtime and one with an unknown town."""
    edits = {
        "qc-0002": {"runtime_minutes": "douze minutes"},
        "qc-0003": {"municipality": "Saint-Clinclin-des-Meuh-Meuh-sur-le-Lac-Tranquille"},
    }
    ids = ("qc-0001", "qc-0002", "qc-0003", "qc-0004", "qc-0005")
    return quebec.quebec_subset(folder, ids, edits)


@pytest.fixture
def desk(live_app: tuple[Flask, str], tmp_path: Path) -> Desk:
    """The sample Québec catalog, a submission, a shared bundle and an import report."""
    app, base = live_app
    app.config["EMBED_NEW_FILMS"] = False
    for email, role in (
        ("programmation@test.anthologie", UserRole.curator),
        ("cineaste@test.anthologie", UserRole.filmmaker),
        ("diffusion@test.anthologie", UserRole.broadcaster),
    ):
        add_account(app, email, role)
    with app.app_context():
        engine = database.engine()
        cataloguing.import_catalog(
            engine, SAMPLES / "quebec_shorts.csv", quebec.column_map(), skip_invalid=True
        )
        params = {
            "path": str(import_report_file(tmp_path)),
            "name": "rapport.csv",
            "map": list(quebec.MAP),
            "ignore": list(quebec.IGNORE),
            "skip_invalid": True,
            "dry_run": True,
        }
        job_id = jobs.submit(engine, "ingest", params, app)
        with Session(engine) as session:
            report = session.get(Job, job_id)
            assert report and report.result["errors"] and report.result["warnings"]
        with Session(engine) as session:
            filmmaker = users.user_by_email(session, "cineaste@test.anthologie")
            broadcaster = users.user_by_email(session, "diffusion@test.anthologie")
            assert filmmaker and broadcaster
            submitted = Film(
                original_title=LONG_TITLE,
                match_key="passeur-de-rimouski",
                runtime_seconds=14 * 60,
                municipality="Rimouski",
                synopsis_fr="Un passeur raconte l'hiver sur le fleuve. " + LONG_MESSAGE,
                status=Status.submitted,
                owner_id=filmmaker.id,
                curator_message=LONG_MESSAGE,
            )
            session.add(submitted)
            timed = session.exec(
                select(Film)
                .where(Film.runtime_seconds <= 15 * 60)  # type: ignore[operator]
                .order_by(Film.id)  # type: ignore[arg-type]
            ).all()[:3]
            bundle = Bundle(facet="subject", slot_minutes=44, label="Hivers et fleuves")
            bundle.items = [BundleItem(film_id=f.id, position=i) for i, f in enumerate(timed)]  # type: ignore[call-arg, arg-type]
            session.add(bundle)
            # A proposal that left films out: two with no runtime, one longer than the slot.
            untimed = [
                Film(
                    original_title=f"Fiche Téléfilm sans durée {n}",
                    match_key=f"telefilm-{n}",
                    region_code="06",
                    status=Status.accepted,
                )
                for n in (1, 2)
            ]
            session.add_all(untimed)
            session.flush()
            too_long = session.exec(
                select(Film.id).where(Film.runtime_seconds > 44 * 60)  # type: ignore[operator]
            ).first()
            entries = [(f.id, "no_runtime") for f in untimed] + [(too_long, "longer_than_slot")]
            proposal = Proposal(
                facet="subject",
                slot_minutes=44,
                rules={"slot_minutes": 44},
                unplaced=[
                    {"film_id": i, "reason": r, "blocking": [r], "message_fr": r, "message_en": r}
                    for i, r in entries
                ],
            )
            session.add(proposal)
            session.commit()
            assert bundle.id and submitted.id
            later = utcnow() + timedelta(days=14)
            sharing.share_bundle(
                session, bundle.id, "Julie, Télé régionale", later, None, broadcaster.id
            )
            sharing.share_bundle(session, bundle.id, "Marc-André, ICI Gaspésie", later, None)
            session.commit()
            # A few edits, so that the history has words to show.
            edited = bundle_edits.claim(session, bundle.id)
            assert edited is not None
            bundle_edits.edit(session, edited, "rename", label="Hivers, fleuves et rivières")
            bundle_edits.edit(session, edited, "pin", film_id=timed[0].id)
            bundle_edits.edit(session, edited, "up", film_id=timed[2].id)
            session.commit()
            film_id, bundle_id, proposal_id = submitted.id, bundle.id, proposal.id
            first_in_bundle = timed[0].id
    # Each role's main pages, by endpoint; a page of issue 12 counts once its view exists.
    pages: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
        "curator": [
            ("catalog", "catalog.film_list", {}),
            ("film", "catalog.film_detail", {"film_id": film_id}),
            ("film-edit", "catalog.edit", {"film_id": film_id}),
            ("inbox", "judging.inbox", {}),
            ("judging", "judging.judge", {"film_id": film_id}),
            ("import", "catalog.bulk_import", {}),
            ("import-report", "catalog.job_status", {"job_id": job_id}),
            ("workbench", "workbench.index", {}),
            ("bundle", "workbench.edit", {"bundle_id": bundle_id}),
            (
                "bundle-replace",
                "workbench.edit",
                {"bundle_id": bundle_id, "swap_for": first_in_bundle},
            ),
            ("bundle-history", "workbench.history", {"bundle_id": bundle_id}),
            ("unplaced", "workbench.unplaced", {"proposal_id": proposal_id}),
            ("shares", "sharing.shares", {"bundle_id": bundle_id}),
            ("observatory", "observatory.overview", {}),
        ],
        "filmmaker": [
            ("mine", "submissions.mine", {}),
            ("submit", "submissions.new", {}),
            ("submission", "submissions.detail", {"film_id": film_id}),
            ("submission-edit", "submissions.edit", {"film_id": film_id}),
        ],
        "broadcaster": [
            ("pitch-inbox", "pitch.inbox", {}),
            ("pitch", "pitch.show", {"bundle_id": bundle_id}),
        ],
    }
    desk = Desk(app, base, film_id)
    with app.test_request_context():
        for who, listed in pages.items():
            desk.pages[who] = [
                (name, url_for(endpoint, **args))
                for name, endpoint, args in listed
                if endpoint in app.view_functions
            ]
    return desk


EMAILS = {
    "curator": "programmation@test.anthologie",
    "filmmaker": "cineaste@test.anthologie",
    "broadcaster": "diffusion@test.anthologie",
}


@pytest.fixture
def session_page(browser: object) -> Iterator[object]:
    context = browser.new_context(locale="fr-CA")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def small_taps(page: object) -> list[str]:
    """Visible buttons (and links styled as buttons) shorter than a fingertip."""
    return list(
        page.evaluate(  # type: ignore[attr-defined]
            """() => [...document.querySelectorAll(
                'button, .button, input[type=submit], summary, select')]
              .filter(e => e.offsetParent !== null && !e.closest('[hidden]'))
              .filter(e => e.getBoundingClientRect().height < 44)
              .map(e => (e.textContent || e.name || e.tagName).trim().slice(0, 40)
                        + ' ' + Math.round(e.getBoundingClientRect().height) + 'px')"""
        )
    )


def without_indicator(page: object) -> list[str]:
    """Elements that send an htmx request with no loading indicator to show while it runs."""
    return list(
        page.evaluate(  # type: ignore[attr-defined]
            """() => [...document.querySelectorAll('[hx-get], [hx-post], [hx-put], [hx-delete]')]
              .filter(e => {
                const owner = e.closest('[hx-indicator]');
                if (!owner) return true;
                const target = owner.getAttribute('hx-indicator');
                if (target === 'this' || /^(closest|find|next|previous) /.test(target)) {
                  return false;
                }
                return document.querySelectorAll(target).length === 0;
              })
              .map(e => e.outerHTML.slice(0, 80))"""
        )
    )


def check_navigation(page: object, width: int, open_shot: str | None = None) -> None:
    nav_links = page.locator("header.site nav a")  # type: ignore[attr-defined]
    toggle = page.locator("header.site .menu-toggle")  # type: ignore[attr-defined]
    assert nav_links.count() > 0
    if width == LAPTOP:
        assert not toggle.is_visible()
        assert all(nav_links.nth(i).is_visible() for i in range(nav_links.count()))
        return
    assert toggle.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not any(nav_links.nth(i).is_visible() for i in range(nav_links.count()))
    # A count in the navigation (the inbox's) stays in sight on the folded menu's button.
    badges = page.locator("header.site nav .badge")  # type: ignore[attr-defined]
    if badges.count():
        assert toggle.locator(".badge").inner_text() == badges.first.inner_text()
    box = toggle.bounding_box()
    assert box and box["height"] >= MIN_TAP
    brand = page.locator("header.site .brand").bounding_box()  # type: ignore[attr-defined]
    assert brand and box["y"] < brand["y"] + brand["height"], "the menu button fell below"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert all(nav_links.nth(i).is_visible() for i in range(nav_links.count()))
    assert page_width(page) <= PHONE
    if open_shot:
        screenshot(page, open_shot)
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not nav_links.first.is_visible()


@pytest.mark.parametrize("role", ["curator", "filmmaker", "broadcaster"])
def test_every_page_fits_a_phone_and_a_laptop(desk: Desk, session_page: object, role: str) -> None:
    page = session_page
    log_in(page, desk.base, EMAILS[role])
    page.wait_for_selector("header.site nav a")  # type: ignore[attr-defined]
    too_wide: list[str] = []
    too_small: list[str] = []
    silent: list[str] = []
    for lang in LANGS:
        if lang == "en":
            page.set_viewport_size({"width": LAPTOP, "height": 900})  # type: ignore[attr-defined]
            page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
            page.wait_for_selector("html[lang=en]")  # type: ignore[attr-defined]
        for name, path in desk.pages[role]:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
                page.goto(desk.base + path)  # type: ignore[attr-defined]
                assert page.locator("html").get_attribute("lang") == lang  # type: ignore[attr-defined]
                measured = page_width(page)
                if measured > width:
                    too_wide.append(f"{name} ({lang}, {width}): {measured} px")
                if width == PHONE:
                    too_small += [f"{name} ({lang}): {tap}" for tap in small_taps(page)]
                silent += [f"{name}: {html}" for html in without_indicator(page)]
                screenshot(page, f"widths-{name}-{lang}-{width}")
                first = name == desk.pages[role][0][0]
                check_navigation(page, width, f"widths-menu-{role}-{lang}-390" if first else None)
    assert too_wide == [], too_wide
    assert too_small == [], too_small
    assert silent == [], silent


def test_the_log_in_page_fits_a_phone(live_app: tuple[Flask, str], session_page: object) -> None:
    _app, base = live_app
    page = session_page
    for lang in LANGS:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
            page.goto(f"{base}/connexion")  # type: ignore[attr-defined]
            if lang == "en" and page.locator("html").get_attribute("lang") != "en":  # type: ignore[attr-defined]
                page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
                page.wait_for_selector("html[lang=en]")  # type: ignore[attr-defined]
            assert page_width(page) <= max(width, PHONE)
            if width == PHONE:
                assert small_taps(page) == []
            screenshot(page, f"widths-login-{lang}-{width}")


def test_a_slow_answer_shows_the_loading_indicator(desk: Desk, session_page: object) -> None:
    """While the catalog's search waits for the server, the page says it is loading."""
    page = session_page
    page.set_viewport_size({"width": PHONE, "height": 900})  # type: ignore[attr-defined]
    log_in(page, desk.base, EMAILS["curator"])
    held: list[object] = []

    def hold_htmx(route: object) -> None:
        if route.request.headers.get("hx-request"):  # type: ignore[attr-defined]
            held.append(route)
        else:
            route.continue_()  # type: ignore[attr-defined]

    page.route("**/catalogue/?*", hold_htmx)  # type: ignore[attr-defined]
    indicator = page.locator("#loading")  # type: ignore[attr-defined]
    assert not indicator.is_visible()
    page.get_by_label("Recherche").fill("Attiuk")  # type: ignore[attr-defined]
    indicator.wait_for(state="visible")
    box = indicator.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE
    assert box["y"] + box["height"] <= 900, "the indicator is off the screen"
    page.wait_for_timeout(500)  # type: ignore[attr-defined]  # its fade-in, for the screenshot
    screenshot(page, "widths-loading-fr-390")
    assert held, "the search never reached the server"
    for route in held:
        route.continue_()  # type: ignore[attr-defined]
    page.wait_for_selector("#films >> text=1 film")  # type: ignore[attr-defined]
    indicator.wait_for(state="hidden")


def click_and_answer(page: object, button: object, accept: bool) -> str:
    """Click a button that asks first; answer its question; return the question."""
    asked: list[str] = []

    def answer(dialog: object) -> None:
        asked.append(dialog.message)  # type: ignore[attr-defined]
        dialog.accept() if accept else dialog.dismiss()  # type: ignore[attr-defined]

    page.once("dialog", answer)  # type: ignore[attr-defined]
    button.click()  # type: ignore[attr-defined]
    assert len(asked) == 1, "the button did not ask first"
    return asked[0]


def test_revoking_a_link_asks_first(desk: Desk, session_page: object) -> None:
    """Cancelling the question keeps the link alive; confirming revokes it."""
    page = session_page
    log_in(page, desk.base, EMAILS["curator"])
    page.goto(desk.base + dict(desk.pages["curator"])["shares"])  # type: ignore[attr-defined]
    # Each recipient's actions fold under their row; the first row's revoke button asks.
    first = page.locator("li.recipient").first  # type: ignore[attr-defined]
    first.locator("details.actions summary").click()
    revoke = first.get_by_role("button", name="Révoquer")
    question = click_and_answer(page, revoke, accept=False)
    assert question == "Révoquer le lien de Marc-André, ICI Gaspésie ? Il ne s'ouvrira plus."
    page.reload()  # type: ignore[attr-defined]
    rows_with_actions = page.locator("li.recipient details.actions")  # type: ignore[attr-defined]
    assert rows_with_actions.count() == 2
    first.locator("details.actions summary").click()
    click_and_answer(page, revoke, accept=True)
    page.wait_for_selector("text=révoqué : il ne s'ouvre plus.")  # type: ignore[attr-defined]
    assert rows_with_actions.count() == 1


def test_declining_a_submission_asks_first(desk: Desk, session_page: object) -> None:
    """Refuser asks before the filmmaker is told; cancelling leaves the film submitted."""
    app, page = desk.app, session_page
    log_in(page, desk.base, EMAILS["curator"])
    page.goto(desk.base + dict(desk.pages["curator"])["film"])  # type: ignore[attr-defined]
    decline = page.get_by_role("button", name="Refuser", exact=True)  # type: ignore[attr-defined]
    assert "Refuser ce film ?" in click_and_answer(page, decline, accept=False)
    page.reload()  # type: ignore[attr-defined]
    assert film_status(app, desk.film_id) == Status.submitted
    click_and_answer(page, decline, accept=True)
    page.wait_for_selector("text=Décision enregistrée.")  # type: ignore[attr-defined]
    assert film_status(app, desk.film_id) == Status.declined


def film_status(app: Flask, film_id: int) -> Status:
    with app.app_context(), Session(database.engine()) as session:
        film = session.get(Film, film_id)
        assert film is not None
        return film.status


def test_without_javascript_the_phone_keeps_its_links(desk: Desk, browser: object) -> None:
    """No script, no menu button: the links stay open, wrapped within the phone's width."""
    context = browser.new_context(  # type: ignore[attr-defined]
        locale="fr-CA", java_script_enabled=False, viewport={"width": PHONE, "height": 900}
    )
    page = context.new_page()
    try:
        log_in(page, desk.base, EMAILS["curator"])
        page.wait_for_selector("header.site nav a")
        assert not page.locator("header.site .menu-toggle").is_visible()
        links = page.locator("header.site nav a")
        assert all(links.nth(i).is_visible() for i in range(links.count()))
        assert page_width(page) <= PHONE
        screenshot(page, "widths-nojs-catalog-fr-390")
    finally:
        context.close()
