"""The browser infrastructure itself: log in, switch language, see the catalog."""

from __future__ import annotations

from flask import Flask

from catalog.models import UserRole
from tests.browser.conftest import add_account, log_in, screenshot


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
