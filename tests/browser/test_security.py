"""What only a real browser shows: it drops a tab inside a URL, so a log-in redirect that
looked local could lead off-site; and the pages keep working under their security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask

from catalog.models import UserRole
from tests.browser.conftest import add_account, log_in


def test_log_in_never_leads_the_browser_off_site(live_app: tuple[Flask, str], page: object) -> None:
    app, base = live_app
    add_account(app, "ana@test.anthologie", UserRole.curator)
    here = urlsplit(base).netloc
    cases = [(t, "/catalogue/") for t in ("/%09/evil.example/x", "/%5Cevil.example/x")]
    # "//evil.example/x" is off-site too; "/atelier/" is local and still honoured.
    for target, expected in [
        *cases,
        ("//evil.example/x", "/catalogue/"),
        ("/atelier/", "/atelier/"),
    ]:
        page.context.clear_cookies()  # type: ignore[attr-defined]
        page.goto(f"{base}/connexion?next={target}")  # type: ignore[attr-defined]
        page.get_by_label("Courriel").fill("ana@test.anthologie")  # type: ignore[attr-defined]
        page.get_by_label("Mot de passe").fill("mot de passe sûr")  # type: ignore[attr-defined]
        page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]
        page.wait_for_load_state()  # type: ignore[attr-defined]
        landed = urlsplit(page.url)  # type: ignore[attr-defined]
        assert landed.netloc == here, (target, page.url)  # type: ignore[attr-defined]
        assert landed.path == expected


def test_pages_carry_their_security_headers_in_the_browser(
    live_app: tuple[Flask, str], page: object
) -> None:
    app, base = live_app
    add_account(app, "ana@test.anthologie", UserRole.curator)
    log_in(page, base, "ana@test.anthologie")
    page.wait_for_url(f"{base}/catalogue/")  # type: ignore[attr-defined]
    response = page.goto(f"{base}/catalogue/")  # type: ignore[attr-defined]
    headers = response.all_headers()
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    # The page's own script (htmx) loads and runs under that policy, and nothing is blocked.
    assert page.evaluate("typeof htmx") == "object"  # type: ignore[attr-defined]
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)  # type: ignore[attr-defined]
    page.goto(f"{base}/catalogue/")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert blocked == []
