"""The browser infrastructure itself: log in, switch language, see the catalog."""

from __future__ import annotations

from flask import Flask
from sqlmodel import Session

from catalog import users
from catalog.models import UserRole
from tests.browser.conftest import screenshot
from web import database
from web.auth import hash_password


def add_account(app: Flask, email: str, role: UserRole) -> None:
    with app.app_context(), Session(database.engine()) as session:
        users.add_user(session, email, "Compte test", hash_password("mot de passe sûr"), role)
        session.commit()


def log_in(page: object, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")  # type: ignore[attr-defined]
    page.get_by_label("Courriel").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill("mot de passe sûr")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]


def test_log_in_and_switch_to_english(live_app: tuple[Flask, str], page: object) -> None:
    app, base = live_app
    add_account(app, "ana@test.anthologie", UserRole.curator)
    log_in(page, base, "ana@test.anthologie")
    page.wait_for_url(f"{base}/catalogue/")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Catalogue"  # type: ignore[attr-defined]
    screenshot(page, "catalog-fr")
    page.get_by_role("button", name="English").click()  # type: ignore[attr-defined]
    page.wait_for_selector("text=Catalog")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Catalog"  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "en"  # type: ignore[attr-defined]
