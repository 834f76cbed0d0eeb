"""A live server and a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlmodel import Session
from werkzeug.serving import make_server

from catalog import users
from catalog.models import UserRole
from tests.components import require_component
from web import create_app, database
from web.auth import hash_password
from web.usecases import cataloguing

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mot de passe sûr"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ANTHOLOGIE_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        require_component("Chromium", "install Debian's chromium package (bash .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app on a fresh SQLite catalog, served on a free loopback port."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'catalog.db'}",
            "SECRET_KEY": "browser-tests",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "JOB_QUEUE": "immediate",
        }
    )
    with app.app_context():
        cataloguing.init_database(database.engine())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            database.engine().dispose()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    context = browser.new_context(locale="fr-CA", accept_downloads=True)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (test-artifacts/screenshots/)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def add_account(app: Flask, email: str, role: UserRole, name: str = "Compte test") -> int:
    """An account that logs in with PASSWORD; its id."""
    with app.app_context(), Session(database.engine()) as session:
        user = users.add_user(session, email, name, hash_password(PASSWORD), role)
        session.commit()
        assert user.id is not None
        return user.id


def log_in(page: Any, base: str, email: str) -> None:
    """Log in through the form and wait until the log-in page is left."""
    page.goto(f"{base}/connexion")
    page.get_by_label("Courriel").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    # The form in <main>: the header's language switch is a submit button too.
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/connexion" not in url)


def open_as(browser: Any, base: str, email: str, width: int) -> Any:
    """A page of a new French browser context of that width, logged in as `email`."""
    context = browser.new_context(locale="fr-CA", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, email)
    return page


def page_width(page: Any) -> int:
    """How wide the page is drawn, in CSS pixels (wider than the viewport: it scrolls)."""
    return int(page.evaluate("document.documentElement.scrollWidth"))
